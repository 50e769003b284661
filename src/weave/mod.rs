//! The cloak: every displayed narrative becomes a thread woven into it.
//!
//! `look` maps a narrative to its thread's look (pure), `loom` keeps which threads are on the cloak
//! and since when (pure), `path` mirrors the shader's thread paths on the CPU, `pick` finds the
//! thread under a point, and `gpu` holds the material, mesh and buffer that draw every thread in
//! one call. The systems here only connect them.

mod gpu;
pub mod look;
pub mod loom;
pub mod path;
pub mod pick;

use bevy::{camera::visibility::NoFrustumCulling, prelude::*, render::storage::ShaderBuffer};

pub use gpu::{
    CloakUniform, GpuThread, SEGMENTS_PER_THREAD, ThreadMaterial, capacity_for, ribbon_mesh,
};
pub use loom::Loom;

use crate::{
    camera::{CameraRig, Flight},
    clock::DreamClock,
    narrative::{NarrativeArchive, NarrativeId},
    schedule::AppSystems,
};

/// The loom without pixels: which threads are on the cloak, their fates, the found thread.
pub(crate) fn plugin(app: &mut App) {
    app.register_type::<CloakShape>()
        .init_resource::<CloakShape>()
        .init_resource::<Loom>()
        .init_resource::<Focus>()
        .add_systems(
            Update,
            (
                weave_threads.run_if(resource_changed::<NarrativeArchive>),
                sweep_unravelled,
                focus_thread,
            )
                .chain()
                .in_set(AppSystems::Weave),
        );
}

/// The cloak on the GPU: one entity, one mesh of addresses, one buffer the loom is written into.
pub(crate) fn render_plugin(app: &mut App) {
    app.add_plugins(MaterialPlugin::<ThreadMaterial>::default())
        .add_systems(Startup, spawn_cloak)
        .add_systems(
            Update,
            (
                upload_threads
                    .run_if(resource_changed::<Loom>.or_else(resource_changed::<CloakShape>)),
                sync_cloak_clock,
            )
                .chain()
                .after(focus_thread)
                .in_set(AppSystems::Weave),
        );
}

/// Size of the cloak in world units.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Reflect)]
#[reflect(Resource)]
pub struct CloakShape {
    /// Width of the cloak, world units.
    pub width: f32,
    /// Height of the cloak, world units.
    pub height: f32,
}

impl Default for CloakShape {
    fn default() -> Self {
        Self {
            width: 9.0,
            height: 5.0,
        }
    }
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
    let uniform = CloakUniform {
        time: seconds,
        entries: u32::try_from(entries.len()).unwrap_or(u32::MAX),
        warp_count: loom::WARP_THREADS,
        weft_count: u32::try_from(loom.staying()).unwrap_or(u32::MAX),
        width: shape.width,
        height: shape.height,
        collective: loom.collective(),
    };
    (uniform, entries)
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
    let Some(centre) = thread_centre(&loom, &shape, id, clock.seconds) else {
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
        cloak: CloakUniform {
            time: clock.seconds,
            entries: 0,
            warp_count: 0,
            weft_count: 0,
            width: shape.width,
            height: shape.height,
            collective: Loom::default().collective(),
        },
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
fn weave_threads(
    archive: Res<NarrativeArchive>,
    clock: Res<DreamClock>,
    mut loom: ResMut<Loom>,
    mut woven_before: Local<bool>,
) {
    let displayed: Vec<_> = archive.displayed().cloned().collect();
    loom.sync(&displayed, clock.seconds, !*woven_before);
    *woven_before = true;
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
