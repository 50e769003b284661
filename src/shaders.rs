//! The WGSL in `shaders/`, compiled into the binary so that `dreamloom` renders from any folder.
//! Materials refer to these handles; `noise.wgsl` is a library imported as `dreamloom::noise`.

use bevy::{asset::uuid_handle, prelude::*, shader::Shader};

/// `shaders/thread.wgsl`: builds every ribbon in the vertex shader.
pub const THREAD: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e61");
/// `shaders/sky.wgsl`: the sky dome.
pub const SKY: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e62");
/// `shaders/dunes.wgsl`: the dune field.
pub const DUNES: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e64");
/// `shaders/motes.wgsl`: drifting motes.
pub const MOTES: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e65");
/// `shaders/noise.wgsl`: hashing, gradient noise and fbm shared by the others.
pub const NOISE: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e63");

/// Pipeline set-up shared by Dreamloom's own materials, whose vertex shaders take nothing from the
/// mesh but its positions (addresses, for threads and motes) and which are seen from both sides.
pub fn positions_only_both_sides(
    descriptor: &mut bevy::render::render_resource::RenderPipelineDescriptor,
    layout: &bevy::mesh::MeshVertexBufferLayoutRef,
) -> Result<(), bevy::render::render_resource::SpecializedMeshPipelineError> {
    descriptor.vertex.buffers = vec![
        layout
            .0
            .get_layout(&[Mesh::ATTRIBUTE_POSITION.at_shader_location(0)])?,
    ];
    descriptor.primitive.cull_mode = None;
    Ok(())
}

/// Implements `Material` for one of Dreamloom's own position-only materials: both stages from one
/// embedded WGSL file, no prepass, no shadows, the pipeline of [`positions_only_both_sides`], and
/// the given alpha mode.
macro_rules! position_only_material {
    ($material:ty, $shader:expr, $alpha:expr) => {
        impl bevy::pbr::Material for $material {
            fn vertex_shader() -> bevy::shader::ShaderRef {
                $shader.into()
            }

            fn fragment_shader() -> bevy::shader::ShaderRef {
                $shader.into()
            }

            fn alpha_mode(&self) -> bevy::prelude::AlphaMode {
                $alpha
            }

            fn enable_prepass() -> bool {
                false
            }

            fn enable_shadows() -> bool {
                false
            }

            fn specialize(
                _pipeline: &bevy::pbr::MaterialPipeline,
                descriptor: &mut bevy::render::render_resource::RenderPipelineDescriptor,
                layout: &bevy::mesh::MeshVertexBufferLayoutRef,
                _key: bevy::pbr::MaterialPipelineKey<Self>,
            ) -> Result<(), bevy::render::render_resource::SpecializedMeshPipelineError> {
                $crate::shaders::positions_only_both_sides(descriptor, layout)
            }
        }
    };
}
pub(crate) use position_only_material;

/// Every shader: handle, embedded source, path in the repository.
pub const ALL: [(Handle<Shader>, &str, &str); 5] = [
    (
        NOISE,
        include_str!("../shaders/noise.wgsl"),
        "shaders/noise.wgsl",
    ),
    (
        THREAD,
        include_str!("../shaders/thread.wgsl"),
        "shaders/thread.wgsl",
    ),
    (SKY, include_str!("../shaders/sky.wgsl"), "shaders/sky.wgsl"),
    (
        DUNES,
        include_str!("../shaders/dunes.wgsl"),
        "shaders/dunes.wgsl",
    ),
    (
        MOTES,
        include_str!("../shaders/motes.wgsl"),
        "shaders/motes.wgsl",
    ),
];

pub(crate) fn plugin(app: &mut App) {
    let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
    for (handle, source, path) in ALL {
        shaders
            .insert(&handle, Shader::from_wgsl(source, path))
            .expect("embedded shader handles are valid");
    }
}
