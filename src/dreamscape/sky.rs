//! The sky dome: a sphere around the world whose fragment shader (`shaders/sky.wgsl`) paints
//! gradient, nebulae, stars and the horizon fog from the view direction.

use bevy::{
    light::NotShadowCaster,
    prelude::*,
    render::render_resource::{AsBindGroup, ShaderType},
};

use super::Dreamscape;
use crate::clock::DreamClock;
use crate::shaders;

/// Radius of the sky dome, world units. Well inside the camera's far plane.
const SKY_RADIUS: f32 = 400.0;

/// The sky as its shader sees it (`Sky` in `sky.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct SkyUniform {
    pub zenith: Vec4,
    pub horizon: Vec4,
    pub nebula: Vec4,
    /// Seed offset of the noise domain (xyz), time in seconds (w).
    pub seed_time: Vec4,
    /// Nebula scale, drift speed, star density, fog.
    pub params: Vec4,
}

impl SkyUniform {
    #[must_use]
    pub fn new(scape: &Dreamscape, seconds: f32) -> Self {
        let rgb = |c: LinearRgba| Vec4::new(c.red, c.green, c.blue, 1.0);
        Self {
            zenith: rgb(scape.zenith),
            horizon: rgb(scape.horizon),
            nebula: rgb(scape.nebula),
            seed_time: scape.seed_offset().extend(seconds),
            params: Vec4::new(
                scape.nebula_scale,
                scape.drift_speed,
                scape.star_density,
                scape.fog,
            ),
        }
    }
}

#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct SkyMaterial {
    #[uniform(0)]
    pub sky: SkyUniform,
}

shaders::position_only_material!(SkyMaterial, shaders::SKY, AlphaMode::Opaque);

/// Marks the sky dome.
#[derive(Component, Debug)]
pub struct SkyDome;

pub(super) fn spawn_sky(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<SkyMaterial>>,
    scape: Res<Dreamscape>,
    clock: Res<DreamClock>,
) {
    commands.spawn((
        Name::new("Sky"),
        SkyDome,
        Mesh3d(meshes.add(Sphere::new(SKY_RADIUS).mesh().uv(48, 24))),
        MeshMaterial3d(materials.add(SkyMaterial {
            sky: SkyUniform::new(&scape, clock.seconds),
        })),
        NotShadowCaster,
    ));
}

pub(super) fn sync_sky(
    scape: Res<Dreamscape>,
    clock: Res<DreamClock>,
    sky: Single<&MeshMaterial3d<SkyMaterial>, With<SkyDome>>,
    mut materials: ResMut<Assets<SkyMaterial>>,
) {
    let wanted = SkyUniform::new(&scape, clock.seconds);
    if materials.get(&sky.0).is_some_and(|m| m.sky != wanted)
        && let Some(mut material) = materials.get_mut(&sky.0)
    {
        material.sky = wanted;
    }
}
