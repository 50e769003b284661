//! The cloak: every displayed narrative becomes a thread woven into it.
//!
//! `look` holds the pure mapping from a narrative to its thread's look; `gpu` the material, mesh
//! and buffer that draw all threads at once. The systems here only connect the two.

mod gpu;
pub mod look;

use bevy::{camera::visibility::NoFrustumCulling, prelude::*, render::storage::ShaderBuffer};

pub use gpu::{
    CloakUniform, GpuThread, SEGMENTS_PER_THREAD, ThreadMaterial, ribbon_mesh, thread_buffer,
};

use crate::{AppSystems, dreamscape::DreamClock, narrative::NarrativeArchive};

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(MaterialPlugin::<ThreadMaterial>::default())
        .register_type::<CloakShape>()
        .init_resource::<CloakShape>()
        .add_systems(Startup, spawn_cloak)
        .add_systems(
            Update,
            (
                weave_threads.run_if(resource_changed::<NarrativeArchive>),
                sync_cloak_clock,
            )
                .chain()
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

/// The one entity that draws every thread.
#[derive(Component, Debug, Default)]
pub struct Cloak {
    /// Threads currently in the GPU buffer.
    pub thread_count: u32,
}

fn cloak_bundle(mesh: Handle<Mesh>, material: Handle<ThreadMaterial>) -> impl Bundle {
    (
        Name::new("Cloak"),
        Cloak::default(),
        Mesh3d(mesh),
        MeshMaterial3d(material),
        Transform::default(),
        Visibility::Hidden,
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
    let threads = buffers.add(ShaderBuffer::from(thread_buffer(&[])));
    let material = materials.add(ThreadMaterial {
        cloak: CloakUniform {
            time: clock.seconds,
            thread_count: 0,
            width: shape.width,
            height: shape.height,
        },
        threads,
    });
    commands.spawn(cloak_bundle(meshes.add(ribbon_mesh(1)), material));
}

/// Rebuilds the thread buffer (and the mesh, when the count changes) from the archive.
fn weave_threads(
    archive: Res<NarrativeArchive>,
    cloak: Single<(
        &mut Cloak,
        &mut Visibility,
        &Mesh3d,
        &MeshMaterial3d<ThreadMaterial>,
    )>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ThreadMaterial>>,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
) {
    let (mut cloak, mut visibility, mesh, material) = cloak.into_inner();
    let displayed: Vec<_> = archive.displayed().collect();
    let count = displayed.len();
    let looks: Vec<_> = displayed
        .iter()
        .enumerate()
        .map(|(index, narrative)| look::thread_look(narrative, look::slot(index, count)))
        .collect();
    let count = u32::try_from(count).expect("fewer than 4 billion threads");

    let Some(mut material) = materials.get_mut(&material.0) else {
        return;
    };
    material.cloak.thread_count = count;
    if let Some(mut buffer) = buffers.get_mut(&material.threads) {
        buffer.set_data(thread_buffer(&looks));
    }
    if count != cloak.thread_count && count > 0 {
        meshes.insert(&mesh.0, ribbon_mesh(count)).ok();
    }
    cloak.thread_count = count;
    *visibility = if count == 0 {
        Visibility::Hidden
    } else {
        Visibility::Visible
    };
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
