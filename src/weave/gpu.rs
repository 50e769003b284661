//! The threads' GPU side: one material, one mesh, one storage buffer for all threads.
//!
//! The mesh holds nothing but addresses — each vertex is `(u along the thread, side of the
//! ribbon, thread index)` — and `shaders/thread.wgsl` builds every ribbon in the vertex shader from
//! the per-thread storage buffer and the cloak's time. Whatever the number of threads, they are one
//! draw call; the CPU rewrites the buffer only when the threads change.

use bevy::{
    asset::RenderAssetUsages,
    mesh::{Indices, PrimitiveTopology},
    prelude::*,
    render::{
        render_resource::{AsBindGroup, ShaderType},
        storage::ShaderBuffer,
    },
};

use crate::shaders;

/// Segments along each thread's length.
pub const SEGMENTS_PER_THREAD: u32 = 64;

/// The cloak's shape and clock as the thread and word shaders see them (`Cloak` in `cloth.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct CloakUniform {
    /// Seconds on the dream clock.
    pub time: f32,
    /// Entries in the buffer that are drawn: warp threads first, then weft threads.
    pub entries: u32,
    /// Warp threads (running down the cloak) at the start of the buffer.
    pub warp_count: u32,
    /// Weft threads that stay on the cloak (not unravelling); the buffer holds the leaving ones
    /// too, after the warp.
    pub weft_count: u32,
    /// Width of the cloak in world units.
    pub width: f32,
    /// Height of the cloak in world units.
    pub height: f32,
    /// Rows the weft threads lie in (several threads share a row on a crowded cloak).
    pub rows: f32,
    /// How crowded the cloak is, scaled by the density response, `0..=1`: threads calm their
    /// waves and dim as it rises.
    pub density: f32,
    /// How far the cloak wraps around the wearer, `0..=1`.
    pub drape: f32,
    /// Depth of the folds at the hem, world units.
    pub fold_depth: f32,
    /// Folds across the cloak.
    pub folds: f32,
    /// Sheen and rim light.
    pub sheen: f32,
    /// How far the protocol has pulled the cloak toward sameness, `0..=1` (1 - mean identity).
    pub pull: f32,
    /// How strictly threads keep to their rows (the density response), `0..=1`.
    pub fit: f32,
    /// The collective the protocol pulls toward: mean linear RGB of the woven threads, and their
    /// mean number of crests.
    pub collective: Vec4,
}

/// One thread in the storage buffer (`ThreadData` in `cloth.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq, Default)]
pub struct GpuThread {
    /// Linear RGB body colour, glow.
    pub primary: Vec4,
    /// Linear RGB accent colour, kind (0: a narrative's weft thread, 1: warp).
    pub accent: Vec4,
    /// Crests across the cloak, phase, amplitude (thread spacings), ripple speed.
    pub wave: Vec4,
    /// Slot (0..1 down the cloak, or across for warp), thickness, float length, highlight (0..1).
    pub shape: Vec4,
    /// Woven-in time, unravel time (negative: never), slot it glides from, time the glide began.
    pub life: Vec4,
    /// What the protocol left of it: identity (1 its own, 0 the collective's), presence (1 woven,
    /// 0 dissolved), 1 if its owner asked for the Sanctuary, unused.
    pub fate: Vec4,
    /// The part of its row it is woven across: start and length (`0..1` of the width), and the
    /// start and length it glides from (with the slot, from `life.w`). For a bridge: where it
    /// leaves its first thread and meets its second, across.
    pub span: Vec4,
}

/// The material every thread is drawn with.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct ThreadMaterial {
    #[uniform(0)]
    pub cloak: CloakUniform,
    #[storage(1, read_only)]
    pub threads: Handle<ShaderBuffer>,
}

// Threads are light: additive, so their glow sums where they cross, and the result does not depend
// on draw order.
shaders::position_only_material!(ThreadMaterial, shaders::THREAD, AlphaMode::Add);

/// Threads the buffer and mesh make room for: the next power of two, at least 64, so that weaving
/// in and unravelling resize them only when the cloak outgrows them.
#[must_use]
pub fn capacity_for(entries: usize) -> u32 {
    u32::try_from(entries.max(64).next_power_of_two()).expect("fewer than 2^31 threads")
}

/// The address mesh for `threads` ribbons of [`SEGMENTS_PER_THREAD`] segments.
#[must_use]
pub fn ribbon_mesh(threads: u32) -> Mesh {
    let columns = SEGMENTS_PER_THREAD + 1;
    let mut positions = Vec::with_capacity((threads * columns * 2) as usize);
    let mut indices = Vec::with_capacity((threads * SEGMENTS_PER_THREAD * 6) as usize);
    for thread in 0..threads {
        let base = thread * columns * 2;
        for column in 0..columns {
            let u = column as f32 / SEGMENTS_PER_THREAD as f32;
            positions.push([u, -1.0, thread as f32]);
            positions.push([u, 1.0, thread as f32]);
        }
        for segment in 0..SEGMENTS_PER_THREAD {
            let a = base + segment * 2;
            indices.extend_from_slice(&[a, a + 1, a + 2, a + 2, a + 1, a + 3]);
        }
    }
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_indices(Indices::U32(indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ribbon_mesh_addresses_every_segment() {
        let mesh = ribbon_mesh(3);
        assert_eq!(mesh.count_vertices(), 3 * 65 * 2);
        let Some(Indices::U32(indices)) = mesh.indices() else {
            panic!("u32 indices")
        };
        assert_eq!(indices.len(), 3 * 64 * 6);
        assert!(
            indices
                .iter()
                .all(|&i| (i as usize) < mesh.count_vertices())
        );
    }

    #[test]
    fn capacity_grows_in_powers_of_two() {
        assert_eq!(capacity_for(0), 64);
        assert_eq!(capacity_for(64), 64);
        assert_eq!(capacity_for(65), 128);
        assert_eq!(capacity_for(20_040), 32_768);
    }
}
