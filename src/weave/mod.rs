//! The cloak: every displayed narrative becomes a thread woven into it.
//!
//! `look` maps a narrative to its thread's look (pure), `loom` keeps which threads are on the cloak
//! and since when (pure), `path` mirrors the shader's thread paths on the CPU, `pick` finds the
//! thread under a point, and `gpu` holds the material, mesh and buffer that draw every thread in
//! one call. `voices` says which threads speak and why (pure), and `words` lays their words along
//! them, drawn in one more call. The systems here only connect them.

mod gpu;
pub mod look;
pub mod loom;
pub mod path;
pub mod pick;
pub mod voices;
pub mod words;

use bevy::{
    camera::visibility::NoFrustumCulling, post_process::bloom::Bloom, prelude::*,
    render::storage::ShaderBuffer,
};

pub use gpu::{
    CloakUniform, GpuThread, SEGMENTS_PER_THREAD, ThreadMaterial, capacity_for, ribbon_mesh,
};
pub use loom::Loom;
pub use voices::{MAX_VOICES, Voice, Voices};
pub use words::{GpuGlyph, Words, WordsMaterial, glyph_capacity, word_mesh};

use crate::{
    camera::{CameraRig, Flight},
    clock::DreamClock,
    narrative::{NarrativeArchive, NarrativeId},
    schedule::AppSystems,
};

/// The loom without pixels: which threads are on the cloak, their fates, the found thread, and
/// which threads speak.
pub(crate) fn plugin(app: &mut App) {
    app.register_type::<CloakShape>()
        .init_resource::<CloakShape>()
        .init_resource::<Loom>()
        .init_resource::<Focus>()
        .init_resource::<Voices>()
        .add_systems(
            Update,
            (
                follow_layout.run_if(resource_changed::<CloakShape>),
                weave_threads.run_if(
                    resource_changed::<NarrativeArchive>
                        .or_else(|archive: Res<NarrativeArchive>| archive.is_timed()),
                ),
                sweep_unravelled,
                focus_thread,
                voice_focus,
            )
                .chain()
                .in_set(AppSystems::Weave),
        );
}

/// The cloak on the GPU: one entity, one mesh of addresses, one buffer the loom is written into;
/// and the words of speaking threads, one more entity drawing from the same buffer and a glyph
/// atlas.
pub(crate) fn render_plugin(app: &mut App) {
    app.add_plugins((
        MaterialPlugin::<ThreadMaterial>::default(),
        MaterialPlugin::<WordsMaterial>::default(),
    ))
    .init_resource::<words::WordsState>()
    .add_systems(Startup, (spawn_cloak, words::spawn_words).chain())
    .add_systems(
        Update,
        (
            upload_threads.run_if(resource_changed::<Loom>.or_else(resource_changed::<CloakShape>)),
            sync_cloak_clock,
            bloom_with_density
                .run_if(resource_changed::<Loom>.or_else(resource_changed::<CloakShape>)),
            words::speak_words,
        )
            .chain()
            .after(voice_focus)
            .in_set(AppSystems::Weave),
    );
}

/// The cloak as a garment: its size, how it hangs and folds, how it is lit, and how it keeps its
/// threads apart as it fills. A preset's `cloak` section is this, field for field (its ranges
/// are checked in `tuning::preset`).
#[derive(
    Resource, Debug, Clone, Copy, PartialEq, Reflect, serde::Serialize, serde::Deserialize,
)]
#[reflect(Resource)]
#[serde(deny_unknown_fields, default)]
pub struct CloakShape {
    /// Width of the cloak at the hem, world units.
    pub width: f32,
    /// Height from shoulders to hem, world units.
    pub height: f32,
    /// How far the cloak wraps around the wearer's shoulders: 0 hangs flat, 1 wraps well round.
    pub drape: f32,
    /// Depth of the folds at the hem, world units.
    pub fold_depth: f32,
    /// Folds across the cloak.
    pub folds: f32,
    /// Light along the threads where the cloth turns away: sheen and rim light.
    pub sheen: f32,
    /// How much a filling cloak thins, calms and dims its threads so that each stays visible
    /// (0: every thread keeps its full width and wave, however crowded).
    pub density_response: f32,
    /// Most rows of threads. Beyond it, several threads share a row, each woven across its own
    /// part of it, as the discontinuous wefts of a tapestry.
    pub max_rows: u32,
    /// How threads of one origin lie together.
    pub grouping: Grouping,
    /// How far the threads' glow blooms (the camera's bloom, lowered as the cloak fills).
    pub bloom: f32,
}

impl Default for CloakShape {
    fn default() -> Self {
        Self {
            width: 7.0,
            height: 6.0,
            drape: 0.55,
            fold_depth: 0.32,
            folds: 7.0,
            sheen: 0.6,
            density_response: 1.0,
            max_rows: 140,
            grouping: Grouping::Bands,
            bloom: 0.22,
        }
    }
}

/// How threads of one origin lie together on a crowded cloak.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Reflect, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// Each origin a band across the cloak, in order of arrival.
    #[default]
    Bands,
    /// Each origin a block of the tapestry, rows filled down before across.
    Blocks,
    /// Origins woven in turn, so that neighbours differ: a tweed of cultures.
    Interleaved,
}

/// The narrative a visitor asked to find (`--find CODE`, later the kiosk): its thread is
/// highlighted and the camera flies to it.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Focus(pub Option<NarrativeId>);

/// Distance the camera keeps from a found thread, world units.
pub const FOCUS_DISTANCE: f32 = 4.5;
/// Seconds the camera takes to fly to a found thread.
pub const FOCUS_FLIGHT_SECONDS: f32 = 3.0;

/// The cloak as the GPU sees it at `seconds`: its uniform and the loom's buffer entries (warp,
/// threads, bridges), built once for both.
#[must_use]
pub fn cloak_uniform(
    loom: &Loom,
    shape: &CloakShape,
    seconds: f32,
) -> (CloakUniform, Vec<GpuThread>) {
    let entries = loom.gpu_entries();
    let staying = loom.staying();
    let uniform = CloakUniform {
        time: seconds,
        entries: u32::try_from(entries.len()).unwrap_or(u32::MAX),
        warp_count: loom::WARP_THREADS,
        weft_count: u32::try_from(staying).unwrap_or(u32::MAX),
        width: shape.width,
        height: shape.height,
        rows: loom.rows() as f32,
        density: shape.density_response * crowding(staying),
        drape: shape.drape,
        fold_depth: shape.fold_depth,
        folds: shape.folds,
        sheen: shape.sheen,
        pull: loom.pull(),
        fit: shape.density_response,
        collective: loom.collective(),
    };
    (uniform, entries)
}

/// How crowded a cloak of `threads` is, `0..=1`: nothing up to a few dozen threads, full at
/// twenty thousand, on a log scale (each doubling of the threads counts the same).
#[must_use]
pub fn crowding(threads: usize) -> f32 {
    let threads = threads.max(1) as f32;
    ((threads / 48.0).log2() / (20_000.0f32 / 48.0).log2()).clamp(0.0, 1.0)
}

/// Where the middle of a narrative's thread is now, if it is on the cloak.
#[must_use]
pub fn thread_centre(
    loom: &Loom,
    shape: &CloakShape,
    id: NarrativeId,
    seconds: f32,
) -> Option<Vec3> {
    let entry = loom.entry_of(id)?;
    let (cloak, entries) = cloak_uniform(loom, shape, seconds);
    Some(path::thread_point(
        &cloak,
        &entries[entry],
        u32::try_from(entry).ok()?,
        0.5,
        seconds,
    ))
}

/// Highlights the focused thread and flies the cameras to it, once it is on the cloak.
fn focus_thread(
    mut commands: Commands,
    focus: Res<Focus>,
    clock: Res<DreamClock>,
    shape: Res<CloakShape>,
    mut loom: ResMut<Loom>,
    rigs: Query<(Entity, &CameraRig)>,
    mut flown_to: Local<Option<NarrativeId>>,
) {
    if focus.0 == *flown_to {
        return;
    }
    let Some(id) = focus.0 else {
        loom.highlight(None);
        *flown_to = None;
        return;
    };
    let Some(centre) = thread_centre(&loom, &shape, id, clock.seconds).filter(|c| c.is_finite())
    else {
        return; // not woven yet: try again next frame
    };
    loom.highlight(Some(id));
    for (entity, rig) in &rigs {
        commands.entity(entity).insert(Flight {
            from_target: rig.target,
            from_distance: rig.distance,
            to_target: centre,
            to_distance: FOCUS_DISTANCE,
            start: clock.seconds,
            duration: FOCUS_FLIGHT_SECONDS,
        });
    }
    *flown_to = Some(id);
}

/// The found thread speaks: its words appear along it (see `words`).
fn voice_focus(focus: Res<Focus>, mut voices: ResMut<Voices>) {
    if voices.bypass_change_detection().set(Voice::Found, focus.0) {
        voices.set_changed();
    }
}

/// The one entity that draws every thread.
#[derive(Component, Debug, Default)]
pub struct Cloak {
    /// Threads the mesh and buffer have room for.
    pub capacity: u32,
}

fn cloak_bundle(
    mesh: Handle<Mesh>,
    material: Handle<ThreadMaterial>,
    capacity: u32,
) -> impl Bundle {
    (
        Name::new("Cloak"),
        Cloak { capacity },
        Mesh3d(mesh),
        MeshMaterial3d(material),
        Transform::default(),
        // The vertex shader moves every vertex; the mesh's own bounds mean nothing.
        NoFrustumCulling,
    )
}

fn spawn_cloak(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ThreadMaterial>>,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
    shape: Res<CloakShape>,
    clock: Res<DreamClock>,
) {
    let capacity = capacity_for(0);
    let threads = buffers.add(ShaderBuffer::from(vec![
        GpuThread::default();
        capacity as usize
    ]));
    let material = materials.add(ThreadMaterial {
        cloak: cloak_uniform(&Loom::default(), &shape, clock.seconds).0,
        threads,
    });
    commands.spawn(cloak_bundle(
        meshes.add(ribbon_mesh(capacity)),
        material,
        capacity,
    ));
}

/// Brings the loom in line with the archive. The first time, threads appear already woven (the
/// opening frame, a still); afterwards new ones weave in and withdrawn ones unravel.
///
/// A timed archive (a replay of the log) says when each thread comes and goes: the loom is
/// brought to each of those moments in turn, at its own time, so that what it shows is a function
/// of the archive and the clock alone — whichever frames were rendered before, however far apart.
/// When the archive changes or the clock goes back, the loom is rebuilt from the first moment.
fn weave_threads(
    archive: Res<NarrativeArchive>,
    clock: Res<DreamClock>,
    mut loom: ResMut<Loom>,
    mut woven_before: Local<bool>,
    mut replayed: Local<Option<Replayed>>,
) {
    if archive.is_timed() {
        // Go on from where the loom is only if the archive still tells the same story up to
        // there (news of a later arrival); otherwise start again from the first moment.
        let goes_on = replayed.as_ref().is_some_and(|done| {
            clock.seconds >= done.to
                && (!archive.is_changed() || archive.history_until(done.to) == done.history)
        });
        let after = if let (Some(done), true) = (&*replayed, goes_on) {
            done.to
        } else {
            loom.clear();
            f32::NEG_INFINITY
        };
        let instants = archive.instants_between(after, clock.seconds);
        for &at in instants {
            loom.sweep(at);
            loom.sync(&archive.displayed_at(at), at, false);
        }
        match replayed.as_mut() {
            // Nothing came or went: the story so far is the one already kept.
            Some(done) if goes_on && instants.is_empty() && !archive.is_changed() => {
                done.to = clock.seconds;
            }
            _ => {
                *replayed = Some(Replayed {
                    to: clock.seconds,
                    history: archive.history_until(clock.seconds),
                });
            }
        }
        return;
    }
    let displayed: Vec<_> = archive.displayed().cloned().collect();
    loom.sync(&displayed, clock.seconds, !*woven_before);
    *woven_before = true;
}

/// How far the loom has replayed a timed archive, and the story it replayed.
struct Replayed {
    to: f32,
    history: Vec<(NarrativeId, u32, Option<u32>)>,
}

/// An artist's rows and grouping reach the loom; its threads glide to their new places.
fn follow_layout(shape: Res<CloakShape>, clock: Res<DreamClock>, mut loom: ResMut<Loom>) {
    let layout = loom::Layout {
        max_rows: shape.max_rows,
        grouping: shape.grouping,
    };
    // Only a real change marks the loom changed (and re-uploads it).
    if loom
        .bypass_change_detection()
        .set_layout(layout, clock.seconds)
    {
        loom.set_changed();
    }
}

/// Lets threads that finished unravelling go.
fn sweep_unravelled(clock: Res<DreamClock>, mut loom: ResMut<Loom>) {
    let loom_now = loom.bypass_change_detection();
    let threads_left = loom_now.sweep(clock.seconds);
    let bridges_left = loom_now.sweep_bridges(clock.seconds);
    if threads_left || bridges_left {
        loom.set_changed();
    }
}

/// Writes the loom into the GPU buffer, growing buffer and mesh only when the cloak outgrows them.
fn upload_threads(
    loom: Res<Loom>,
    shape: Res<CloakShape>,
    cloak: Single<(&mut Cloak, &Mesh3d, &MeshMaterial3d<ThreadMaterial>)>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ThreadMaterial>>,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
) {
    let (mut cloak, mesh, material) = cloak.into_inner();
    let Some(mut material) = materials.get_mut(&material.0) else {
        return;
    };
    let (uniform, mut entries) = cloak_uniform(&loom, &shape, material.cloak.time);
    material.cloak = uniform;
    let capacity = capacity_for(entries.len());
    entries.resize(capacity as usize, GpuThread::default());
    if let Some(mut buffer) = buffers.get_mut(&material.threads) {
        buffer.set_data(entries);
    }
    if capacity != cloak.capacity {
        meshes.insert(&mesh.0, ribbon_mesh(capacity)).ok();
        cloak.capacity = capacity;
    }
}

/// The cameras' bloom: the cloak's glow, softened as the cloak fills, so that thousands of threads
/// do not melt into one haze.
fn bloom_with_density(
    shape: Res<CloakShape>,
    loom: Res<Loom>,
    mut blooms: Query<&mut Bloom, With<CameraRig>>,
) {
    let intensity = shape.bloom * (1.0 - 0.5 * shape.density_response * crowding(loom.staying()));
    for mut bloom in &mut blooms {
        if (bloom.intensity - intensity).abs() > 1e-6 {
            bloom.intensity = intensity;
        }
    }
}

/// Hands the dream clock to the thread shader.
fn sync_cloak_clock(
    clock: Res<DreamClock>,
    cloak_material: Single<&MeshMaterial3d<ThreadMaterial>, With<Cloak>>,
    mut materials: ResMut<Assets<ThreadMaterial>>,
) {
    if let Some(mut material) = materials.get_mut(&cloak_material.0) {
        material.cloak.time = clock.seconds;
    }
}
