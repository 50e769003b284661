//! The threads' GPU side: one material, one mesh, one storage buffer for all threads.
//!
//! The mesh holds nothing but addresses — each vertex is `(u along the thread, side of the
//! ribbon, thread index)` — and `shaders/thread.wgsl` builds every ribbon in the vertex shader from
//! the per-thread storage buffer and the cloak's time. Whatever the number of threads, they are one
//! draw call; the CPU rewrites the buffer only when the threads change.

use bevy::{
    asset::RenderAssetUsages,
    mesh::{Indices, MeshVertexBufferLayoutRef, PrimitiveTopology},
    pbr::{MaterialPipeline, MaterialPipelineKey},
    prelude::*,
    render::{
        render_resource::{
            AsBindGroup, RenderPipelineDescriptor, ShaderType, SpecializedMeshPipelineError,
        },
        storage::ShaderBuffer,
    },
    shader::ShaderRef,
};

use super::look::ThreadLook;
use crate::shaders;

/// Segments along each thread's length.
pub const SEGMENTS_PER_THREAD: u32 = 64;

/// The cloak's shape and clock as the thread shader sees them (`Cloak` in `thread.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct CloakUniform {
    /// Seconds on the dream clock.
    pub time: f32,
    /// Number of threads in the buffer.
    pub thread_count: u32,
    /// Width of the cloak in world units.
    pub width: f32,
    /// Height of the cloak in world units.
    pub height: f32,
}

/// One thread in the storage buffer (`ThreadData` in `thread.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq, Default)]
pub struct GpuThread {
    pub primary: Vec4,
    pub accent: Vec4,
    pub wave: Vec4,
    pub shape: Vec4,
}

impl From<ThreadLook> for GpuThread {
    fn from(look: ThreadLook) -> Self {
        Self {
            primary: look.primary,
            accent: look.accent,
            wave: look.wave,
            shape: look.shape,
        }
    }
}

/// The material every thread is drawn with.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct ThreadMaterial {
    #[uniform(0)]
    pub cloak: CloakUniform,
    #[storage(1, read_only)]
    pub threads: Handle<ShaderBuffer>,
}

impl Material for ThreadMaterial {
    fn vertex_shader() -> ShaderRef {
        shaders::THREAD.into()
    }

    fn fragment_shader() -> ShaderRef {
        shaders::THREAD.into()
    }

    fn alpha_mode(&self) -> AlphaMode {
        // Threads are light: additive, so their glow sums where they cross, and the result does not
        // depend on draw order.
        AlphaMode::Add
    }

    fn enable_prepass() -> bool {
        false
    }

    fn enable_shadows() -> bool {
        false
    }

    fn specialize(
        _pipeline: &MaterialPipeline,
        descriptor: &mut RenderPipelineDescriptor,
        layout: &MeshVertexBufferLayoutRef,
        _key: MaterialPipelineKey<Self>,
    ) -> Result<(), SpecializedMeshPipelineError> {
        descriptor.vertex.buffers = vec![
            layout
                .0
                .get_layout(&[Mesh::ATTRIBUTE_POSITION.at_shader_location(0)])?,
        ];
        // Ribbons turn to face the viewer, so either winding may be on screen.
        descriptor.primitive.cull_mode = None;
        Ok(())
    }
}

/// The storage buffer contents for a list of looks. Never empty: a zero-sized storage binding is
/// invalid, so an empty cloak carries one invisible placeholder and a thread count of 0.
#[must_use]
pub fn thread_buffer(looks: &[ThreadLook]) -> Vec<GpuThread> {
    if looks.is_empty() {
        return vec![GpuThread::default()];
    }
    looks.iter().copied().map(GpuThread::from).collect()
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
    fn empty_cloak_still_has_a_valid_buffer() {
        assert_eq!(thread_buffer(&[]).len(), 1);
    }
}
