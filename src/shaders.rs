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

pub(super) fn plugin(app: &mut App) {
    let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
    for (handle, source, path) in ALL {
        shaders
            .insert(&handle, Shader::from_wgsl(source, path))
            .expect("embedded shader handles are valid");
    }
}

/// Follows the WGSL files in a folder (the checkout's `shaders/`): an edited shader is compiled
/// into the running piece within a second; one that fails to compile is reported and replaced by
/// its last good version, so the look stays.
pub struct ShaderWatchPlugin {
    pub dir: std::path::PathBuf,
}

/// How long an edited shader must compile without error before it counts as good.
const ACCEPT_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// Shader sources as last known good, and the edit on trial.
#[derive(Resource, Default)]
struct ShaderTrial {
    good: std::collections::HashMap<&'static str, String>,
    /// The edited shader's path and when it went in.
    pending: Option<(&'static str, std::time::Instant)>,
}

#[derive(Resource)]
struct ShaderEdits(crossbeam_channel::Receiver<(&'static str, String)>);

#[derive(Resource)]
struct PipelineErrors(crossbeam_channel::Receiver<String>);

/// Render world: where pipeline errors are sent, and which were already sent.
#[derive(Resource)]
struct PipelineErrorSender {
    tx: crossbeam_channel::Sender<String>,
    reported: std::collections::HashSet<usize>,
}

impl Plugin for ShaderWatchPlugin {
    fn build(&self, app: &mut App) {
        let (edit_tx, edit_rx) = crossbeam_channel::unbounded();
        let dir = self.dir.clone();
        let spawned = std::thread::Builder::new()
            .name("dreamloom-shader-watch".into())
            .spawn(move || {
                let modified = |path: &std::path::Path| {
                    std::fs::metadata(path).and_then(|m| m.modified()).ok()
                };
                let files: Vec<(&'static str, std::path::PathBuf)> = ALL
                    .iter()
                    .map(|(_, _, path)| {
                        let name = path.trim_start_matches("shaders/");
                        (*path, dir.join(name))
                    })
                    .collect();
                let mut seen: Vec<_> = files.iter().map(|(_, file)| modified(file)).collect();
                loop {
                    std::thread::sleep(crate::tuning::WATCH_INTERVAL);
                    for ((path, file), last) in files.iter().zip(seen.iter_mut()) {
                        let now = modified(file);
                        if now != *last {
                            *last = now;
                            if let Ok(source) = std::fs::read_to_string(file)
                                && edit_tx.send((*path, source)).is_err()
                            {
                                return;
                            }
                        }
                    }
                }
            });
        if let Err(error) = spawned {
            error!("could not watch the shaders: {error}");
        }
        let (error_tx, error_rx) = crossbeam_channel::unbounded();
        let good = ALL
            .iter()
            .map(|(_, source, path)| (*path, (*source).to_owned()))
            .collect();
        app.insert_resource(ShaderTrial {
            good,
            pending: None,
        })
        .insert_resource(ShaderEdits(edit_rx))
        .insert_resource(PipelineErrors(error_rx))
        .add_systems(Update, try_shader_edits);
        if let Some(render_app) = app.get_sub_app_mut(bevy::render::RenderApp) {
            render_app
                .insert_resource(PipelineErrorSender {
                    tx: error_tx,
                    reported: std::collections::HashSet::new(),
                })
                .add_systems(
                    bevy::render::Render,
                    report_pipeline_errors.after(bevy::render::RenderSystems::Render),
                );
        }
    }
}

fn handle_of(path: &str) -> Option<Handle<Shader>> {
    ALL.iter()
        .find(|(_, _, p)| *p == path)
        .map(|(handle, _, _)| handle.clone())
}

/// Puts edited shaders in; takes a failing one back out and says why.
fn try_shader_edits(
    edits: Res<ShaderEdits>,
    errors: Res<PipelineErrors>,
    mut trial: ResMut<ShaderTrial>,
    mut shaders: ResMut<Assets<Shader>>,
    mut status: ResMut<crate::tuning::TuningStatus>,
) {
    let failure = errors.0.try_iter().last();
    if let (Some(error), Some((path, _))) = (failure, trial.pending) {
        warn!("{path} does not compile; the last good version stays: {error}");
        status.error = Some(format!("{path}: {error}"));
        if let (Some(handle), Some(good)) = (handle_of(path), trial.good.get(path)) {
            let _ = shaders.insert(&handle, Shader::from_wgsl(good.clone(), path));
        }
        trial.pending = None;
    } else if let Some((path, since)) = trial.pending
        && since.elapsed() >= ACCEPT_AFTER
        && let Some(handle) = handle_of(path)
        && let Some(shader) = shaders.get(&handle)
    {
        if let bevy::shader::Source::Wgsl(source) = &shader.source {
            let source = source.to_string();
            trial.good.insert(path, source);
        }
        info!("{path} reloaded");
        trial.pending = None;
    }
    if trial.pending.is_some() {
        return;
    }
    if let Some((path, source)) = edits.0.try_iter().last()
        && let Some(handle) = handle_of(path)
    {
        status.error = None;
        let _ = shaders.insert(&handle, Shader::from_wgsl(source, path));
        trial.pending = Some((path, std::time::Instant::now()));
    }
}

/// Render world: sends each pipeline error once.
fn report_pipeline_errors(
    cache: Res<bevy::render::render_resource::PipelineCache>,
    mut sender: ResMut<PipelineErrorSender>,
) {
    for (index, pipeline) in cache.pipelines().enumerate() {
        match &pipeline.state {
            bevy::render::render_resource::CachedPipelineState::Err(error) => {
                if sender.reported.insert(index) {
                    let _ = sender.tx.send(error.to_string());
                }
            }
            _ => {
                sender.reported.remove(&index);
            }
        }
    }
}
