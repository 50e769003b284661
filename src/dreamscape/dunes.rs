//! The dream dunes below the cloak: a heightfield made once at start-up from the seed with the
//! `noise` crate, shaded by `shaders/dunes.wgsl` under the sky's light and fog.

use bevy::{
    asset::RenderAssetUsages,
    light::NotShadowCaster,
    mesh::{Indices, PrimitiveTopology},
    prelude::*,
    render::render_resource::{AsBindGroup, ShaderType},
    shader::ShaderRef,
};
use noise::{Fbm, MultiFractal, NoiseFn, Perlin};

use super::Dreamscape;
use crate::clock::DreamClock;
use crate::shaders;

/// Side of the dune field, world units.
pub const FIELD_SIZE: f32 = 160.0;
/// Grid cells along each side.
pub const FIELD_CELLS: u32 = 160;
/// Height of the dune floor below the cloak's centre, world units.
pub const FIELD_DEPTH: f32 = -4.2;

/// Height of the dunes at `(x, z)`: long ridged crests across the wind, softened by fbm.
#[must_use]
pub fn dune_height(noise: &Fbm<Perlin>, x: f32, z: f32) -> f32 {
    let (x, z) = (f64::from(x), f64::from(z));
    // Wind from the west: crests run north–south, warped so they meander.
    let warp = noise.get([x * 0.02, z * 0.02, 3.7]) * 14.0;
    let crest = ((x + warp) * 0.11).sin();
    let ridge = 1.0 - crest.abs();
    let swell = noise.get([x * 0.035, z * 0.035, 0.0]);
    let height = 2.2 * ridge * ridge + 1.4 * swell;
    // Flatten the ground right under the cloak so the dunes frame it rather than cut through it.
    let near = ((x * x + z * z).sqrt() / 14.0).min(1.0);
    (f64::from(FIELD_DEPTH) + height * (0.35 + 0.65 * near)) as f32
}

/// The dune field mesh for `seed`.
#[must_use]
pub fn dune_mesh(seed: u64) -> Mesh {
    let noise = Fbm::<Perlin>::new(seed as u32).set_octaves(4);
    let n = FIELD_CELLS + 1;
    let step = FIELD_SIZE / FIELD_CELLS as f32;
    let height = |i: u32, j: u32| {
        let x = -FIELD_SIZE / 2.0 + i as f32 * step;
        let z = -FIELD_SIZE / 2.0 + j as f32 * step;
        (x, z, dune_height(&noise, x, z))
    };
    let mut positions = Vec::with_capacity((n * n) as usize);
    let mut normals = Vec::with_capacity((n * n) as usize);
    for j in 0..n {
        for i in 0..n {
            let (x, z, y) = height(i, j);
            let dx = height(i.saturating_add(1).min(n - 1), j).2 - height(i.saturating_sub(1), j).2;
            let dz = height(i, j.saturating_add(1).min(n - 1)).2 - height(i, j.saturating_sub(1)).2;
            positions.push([x, y, z]);
            normals.push(Vec3::new(-dx, 2.0 * step, -dz).normalize().to_array());
        }
    }
    let mut indices = Vec::with_capacity((FIELD_CELLS * FIELD_CELLS * 6) as usize);
    for j in 0..FIELD_CELLS {
        for i in 0..FIELD_CELLS {
            let a = j * n + i;
            indices.extend_from_slice(&[a, a + n, a + 1, a + 1, a + n, a + n + 1]);
        }
    }
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_indices(Indices::U32(indices))
}

/// The dunes as their shader sees them (`Dunes` in `dunes.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct DuneUniform {
    pub sand: Vec4,
    pub shadow: Vec4,
    pub horizon: Vec4,
    pub nebula: Vec4,
    /// Seed offset (xyz), time (w).
    pub seed_time: Vec4,
    /// Fog (x).
    pub params: Vec4,
}

impl DuneUniform {
    #[must_use]
    pub fn new(scape: &Dreamscape, seconds: f32) -> Self {
        let rgb = |c: LinearRgba| Vec4::new(c.red, c.green, c.blue, 1.0);
        Self {
            sand: rgb(scape.sand),
            shadow: rgb(scape.sand_shadow),
            horizon: rgb(scape.horizon),
            nebula: rgb(scape.nebula),
            seed_time: scape.seed_offset().extend(seconds),
            params: Vec4::new(scape.fog, 0.0, 0.0, 0.0),
        }
    }
}

#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct DuneMaterial {
    #[uniform(0)]
    pub dunes: DuneUniform,
}

impl Material for DuneMaterial {
    fn vertex_shader() -> ShaderRef {
        shaders::DUNES.into()
    }

    fn fragment_shader() -> ShaderRef {
        shaders::DUNES.into()
    }

    fn enable_prepass() -> bool {
        false
    }

    fn enable_shadows() -> bool {
        false
    }
}

/// Marks the dune field.
#[derive(Component, Debug)]
pub struct DuneField;

pub(super) fn spawn_dunes(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<DuneMaterial>>,
    scape: Res<Dreamscape>,
    clock: Res<DreamClock>,
) {
    commands.spawn((
        Name::new("Dunes"),
        DuneField,
        Mesh3d(meshes.add(dune_mesh(scape.seed))),
        MeshMaterial3d(materials.add(DuneMaterial {
            dunes: DuneUniform::new(&scape, clock.seconds),
        })),
        NotShadowCaster,
    ));
}

pub(super) fn sync_dunes(
    scape: Res<Dreamscape>,
    clock: Res<DreamClock>,
    field: Single<&MeshMaterial3d<DuneMaterial>, With<DuneField>>,
    mut materials: ResMut<Assets<DuneMaterial>>,
) {
    let wanted = DuneUniform::new(&scape, clock.seconds);
    if materials.get(&field.0).is_some_and(|m| m.dunes != wanted)
        && let Some(mut material) = materials.get_mut(&field.0)
    {
        material.dunes = wanted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dunes_lie_below_the_cloak_and_vary() {
        let noise = Fbm::<Perlin>::new(7).set_octaves(4);
        let heights: Vec<f32> = (0..400)
            .map(|i| {
                dune_height(
                    &noise,
                    (i % 20) as f32 * 4.0 - 40.0,
                    (i / 20) as f32 * 4.0 - 40.0,
                )
            })
            .collect();
        let (min, max) = heights
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &h| (lo.min(h), hi.max(h)));
        assert!(max < -1.0, "dunes reach up into the cloak: {max}");
        assert!(max - min > 1.0, "the field is flat: {min}..{max}");
    }

    #[test]
    fn the_field_is_one_grid() {
        let mesh = dune_mesh(1);
        assert_eq!(
            mesh.count_vertices(),
            ((FIELD_CELLS + 1) * (FIELD_CELLS + 1)) as usize
        );
    }
}
