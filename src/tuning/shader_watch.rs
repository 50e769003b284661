//! Shader hot reload for artists: the WGSL files of a checkout's `shaders/` folder are followed,
//! an edited one is compiled into the running piece within a second, and one that fails to
//! compile is reported in the tuning panel and replaced by its last good version, so the look
//! stays. The embedded sources and their handles are `crate::shaders`'.

use bevy::{prelude::*, shader::Shader};

use crate::shaders;

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
                let files: Vec<(&'static str, std::path::PathBuf)> = shaders::ALL
                    .iter()
                    .map(|(_, _, path)| {
                        let name = path.trim_start_matches("shaders/");
                        (*path, dir.join(name))
                    })
                    .collect();
                let mut seen: Vec<_> = files.iter().map(|(_, file)| modified(file)).collect();
                loop {
                    std::thread::sleep(super::WATCH_INTERVAL);
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
        let good = shaders::ALL
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
    shaders::ALL
        .iter()
        .find(|(_, _, p)| *p == path)
        .map(|(handle, _, _)| handle.clone())
}

/// Puts edited shaders in; takes a failing one back out and says why.
fn try_shader_edits(
    edits: Res<ShaderEdits>,
    errors: Res<PipelineErrors>,
    mut trial: ResMut<ShaderTrial>,
    mut shaders: ResMut<Assets<Shader>>,
    mut status: ResMut<super::TuningStatus>,
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
