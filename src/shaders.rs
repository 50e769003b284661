//! The WGSL in `shaders/`, compiled into the binary so that `dreamloom` renders from any folder.
//! Materials refer to these handles; `noise.wgsl` and `cloth.wgsl` are libraries, imported as
//! `dreamloom::noise` and `dreamloom::cloth`.

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
/// `shaders/cloth.wgsl`: the cloak's cloth and its threads' paths, with the bindings the threads
/// and the words share.
pub const CLOTH: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e66");
/// `shaders/words.wgsl`: the words of speaking threads, laid along them.
pub const WORDS: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e67");
/// `shaders/projector.wgsl`: a projector's output, its slice of the wide frame blended and
/// corner-pinned.
pub const PROJECTOR: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e80");

/// `shaders/immersive.wgsl`: a dome or a panorama resampled from a cube map.
pub const IMMERSIVE: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e68");

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
/// the given alpha mode — and, if given, a depth bias, which moves the material in the order
/// things with transparency are drawn in (a larger bias draws later).
macro_rules! position_only_material {
    ($material:ty, $shader:expr, $alpha:expr $(, depth_bias = $bias:expr)?) => {
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

            $(
                fn depth_bias(&self) -> f32 {
                    $bias
                }
            )?

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

/// The address mesh of `count` quads for a position-only material: each vertex is (corner x,
/// corner y, quad index), the corners at `low` and 1 on each axis (`-1` for a quad centred on
/// its point, `0` for one standing on it). The vertex shader builds each quad from its index.
#[must_use]
pub fn quad_addresses(count: u32, low: f32) -> Mesh {
    let mut positions = Vec::with_capacity(count as usize * 4);
    let mut indices = Vec::with_capacity(count as usize * 6);
    for quad in 0..count {
        let base = quad * 4;
        for (x, y) in [(low, low), (1.0, low), (low, 1.0), (1.0, 1.0)] {
            positions.push([x, y, quad as f32]);
        }
        indices.extend_from_slice(&[base, base + 1, base + 2, base + 2, base + 1, base + 3]);
    }
    Mesh::new(
        bevy::mesh::PrimitiveTopology::TriangleList,
        bevy::asset::RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_indices(bevy::mesh::Indices::U32(indices))
}

/// Every shader: handle, embedded source, path in the repository. Libraries come before the
/// shaders that import them.
pub const ALL: [(Handle<Shader>, &str, &str); 9] = [
    (
        NOISE,
        include_str!("../shaders/noise.wgsl"),
        "shaders/noise.wgsl",
    ),
    (
        CLOTH,
        include_str!("../shaders/cloth.wgsl"),
        "shaders/cloth.wgsl",
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
    (
        WORDS,
        include_str!("../shaders/words.wgsl"),
        "shaders/words.wgsl",
    ),
    (
        IMMERSIVE,
        include_str!("../shaders/immersive.wgsl"),
        "shaders/immersive.wgsl",
    ),
    (
        PROJECTOR,
        include_str!("../shaders/projector.wgsl"),
        "shaders/projector.wgsl",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The import path a WGSL source declares, if it is a library.
    fn import_path(source: &str) -> Option<&str> {
        source
            .lines()
            .find_map(|line| line.trim().strip_prefix("#define_import_path"))
            .map(str::trim)
    }

    #[test]
    fn every_shader_file_is_embedded_once() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("shaders/ is readable")
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                std::path::Path::new(&name)
                    .extension()
                    .is_some_and(|e| e == "wgsl")
                    .then(|| format!("shaders/{name}"))
            })
            .collect();
        files.sort();
        let mut embedded: Vec<String> = ALL.iter().map(|(_, _, path)| (*path).to_owned()).collect();
        embedded.sort();
        assert_eq!(files, embedded, "shaders/ and `ALL` disagree");
        for (_, source, path) in ALL {
            let on_disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path),
            )
            .expect("shader file is readable");
            assert_eq!(source, on_disk, "{path} is embedded as it is on disk");
        }
    }

    #[test]
    fn every_dreamloom_import_names_an_embedded_library() {
        let libraries: Vec<&str> = ALL
            .iter()
            .filter_map(|(_, source, _)| import_path(source))
            .collect();
        assert_eq!(libraries, ["dreamloom::noise", "dreamloom::cloth"]);
        for (_, source, path) in ALL {
            for line in source.lines() {
                let Some(import) = line.trim().strip_prefix("#import dreamloom::") else {
                    continue;
                };
                let module = import.split([':', ' ', '{']).next().expect("a module name");
                assert!(
                    libraries.contains(&format!("dreamloom::{module}").as_str()),
                    "{path} imports dreamloom::{module}, which no embedded shader defines"
                );
            }
        }
    }
}
