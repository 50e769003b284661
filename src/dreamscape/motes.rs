//! Motes: specks of light drifting up through the dream, all drawn in one call. Like the threads,
//! the mesh holds only addresses and `shaders/motes.wgsl` places each mote from its index, the seed
//! and the clock — no state on the CPU.

use bevy::{
    camera::visibility::NoFrustumCulling,
    prelude::*,
    render::render_resource::{AsBindGroup, ShaderType},
};

use super::Dreamscape;
use crate::clock::DreamClock;
use crate::shaders;

/// The motes as their shader sees them (`Motes` in `motes.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct MoteUniform {
    /// Linear RGB colour, brightness.
    pub colour: Vec4,
    /// Seed offset (xyz), time (w).
    pub seed_time: Vec4,
    /// Count, rise speed (units/s), size (units), unused.
    pub params: Vec4,
}

impl MoteUniform {
    #[must_use]
    pub fn new(scape: &Dreamscape, seconds: f32) -> Self {
        Self {
            colour: Vec4::new(
                scape.mote_colour.red,
                scape.mote_colour.green,
                scape.mote_colour.blue,
                scape.mote_brightness,
            ),
            seed_time: scape.seed_offset().extend(seconds),
            params: Vec4::new(scape.motes as f32, scape.mote_rise, 0.028, 0.0),
        }
    }
}

#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct MoteMaterial {
    #[uniform(0)]
    pub motes: MoteUniform,
}

shaders::position_only_material!(MoteMaterial, shaders::MOTES, AlphaMode::Add);

/// Quads of `count` motes: each vertex is (corner x, corner y, mote index), corners at ±1.
#[must_use]
pub fn mote_mesh(count: u32) -> Mesh {
    shaders::quad_addresses(count, -1.0)
}

/// Marks the motes.
#[derive(Component, Debug)]
pub struct Motes;

pub(super) fn spawn_motes(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<MoteMaterial>>,
    scape: Res<Dreamscape>,
    clock: Res<DreamClock>,
) {
    commands.spawn((
        Name::new("Motes"),
        Motes,
        Mesh3d(meshes.add(mote_mesh(scape.motes))),
        MeshMaterial3d(materials.add(MoteMaterial {
            motes: MoteUniform::new(&scape, clock.seconds),
        })),
        NoFrustumCulling,
    ));
}

pub(super) fn sync_motes(
    scape: Res<Dreamscape>,
    clock: Res<DreamClock>,
    motes: Single<(&Mesh3d, &MeshMaterial3d<MoteMaterial>), With<Motes>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<MoteMaterial>>,
) {
    let (mesh, material) = *motes;
    let wanted = MoteUniform::new(&scape, clock.seconds);
    let Some(current) = materials.get(&material.0).map(|m| m.motes) else {
        return;
    };
    if current.params.x as u32 != scape.motes {
        meshes.insert(&mesh.0, mote_mesh(scape.motes)).ok();
    }
    if current != wanted
        && let Some(mut material) = materials.get_mut(&material.0)
    {
        material.motes = wanted;
    }
}
