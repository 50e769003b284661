//! Artists tuning scenes: presets (`preset`) applied to the running piece, a preset file followed
//! live ([`PresetFilePlugin`]), and for the windowed viewer ([`studio_plugin`]) the tuning panel
//! (`panel`, F1), stills (F12), the health display (`health`, F3) and shader hot reload
//! ([`ShaderWatchPlugin`]).

mod calibration;
pub mod health;
pub mod panel;
pub mod preset;
mod shader_watch;

use bevy::{
    prelude::*,
    render::view::screenshot::{Screenshot, ScreenshotCaptured},
};

use self::preset::Preset;
pub use self::shader_watch::ShaderWatchPlugin;
use crate::{
    camera::CameraRig, dreamscape::Dreamscape, protocol::policy::CouncilPolicy,
    schedule::AppSystems, weave::CloakShape,
};

/// Presets reach the piece (simulation half: no window or GPU needed).
pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        apply_preset
            .run_if(resource_exists_and_changed::<Preset>)
            .in_set(AppSystems::ReadInput),
    );
}

/// Sets the look from the [`Preset`] resource whenever it changes. A preset that does not resolve
/// never gets here: it is checked when it is loaded, so the last good look stays.
fn apply_preset(
    preset: Res<Preset>,
    mut scape: ResMut<Dreamscape>,
    mut shape: ResMut<CloakShape>,
    mut policy: ResMut<CouncilPolicy>,
    mut rigs: Query<&mut CameraRig>,
) {
    let Ok(look) = preset.resolve() else {
        error!("a preset that does not resolve reached the piece; the look is unchanged");
        return;
    };
    *scape = Dreamscape {
        seed: scape.seed,
        ..look.dreamscape
    };
    *shape = look.cloak;
    *policy = look.council;
    for mut rig in &mut rigs {
        rig.pitch = look.pitch;
        rig.distance = look.distance;
        rig.drift = look.drift;
    }
}

/// Follows a preset file on disk: whenever it changes, it is loaded again and, if it is sound,
/// becomes the look within [`WATCH_INTERVAL`]; if not, [`TuningStatus`] says why and the last good
/// look stays on screen.
pub struct PresetFilePlugin {
    pub path: std::path::PathBuf,
}

/// How often the preset file is checked for changes.
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// What the tuning tools have to tell the artist: the preset in use, and the last error.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TuningStatus {
    /// The preset file being followed.
    pub file: Option<std::path::PathBuf>,
    /// Why the last change was refused, if it was.
    pub error: Option<String>,
}

impl Plugin for PresetFilePlugin {
    fn build(&self, app: &mut App) {
        let (tx, rx) = crossbeam_channel::bounded::<Result<Preset, String>>(4);
        let path = self.path.clone();
        let spawned = std::thread::Builder::new()
            .name("dreamloom-preset-watch".into())
            .spawn(move || {
                let modified = |path: &std::path::Path| {
                    std::fs::metadata(path).and_then(|m| m.modified()).ok()
                };
                let mut seen = None;
                loop {
                    let now = modified(&path);
                    if now != seen {
                        seen = now;
                        let loaded = Preset::load_file(&path).map_err(|e| e.to_string());
                        if tx.send(loaded).is_err() {
                            return;
                        }
                    }
                    std::thread::sleep(WATCH_INTERVAL);
                }
            });
        if let Err(error) = spawned {
            error!("could not watch the preset file: {error}");
        }
        app.insert_resource(TuningStatus {
            file: Some(self.path.clone()),
            error: None,
        })
        .insert_resource(PresetUpdates(rx))
        .add_systems(Update, receive_preset_updates.in_set(AppSystems::ReadInput));
    }
}

#[derive(Resource)]
struct PresetUpdates(crossbeam_channel::Receiver<Result<Preset, String>>);

fn receive_preset_updates(
    mut commands: Commands,
    updates: Res<PresetUpdates>,
    mut status: ResMut<TuningStatus>,
) {
    while let Ok(update) = updates.0.try_recv() {
        match update {
            Ok(preset) => {
                info!("preset reloaded: {}", preset.description);
                commands.insert_resource(preset);
                status.error = None;
            }
            Err(error) => {
                warn!("preset refused, the look stays as it was: {error}");
                status.error = Some(error);
            }
        }
    }
}

/// The artist's and operator's tools in the viewer: the tuning panel, F12 stills, the health
/// display. Needs the overlay (egui) and a window.
pub fn studio_plugin(app: &mut App) {
    app.init_resource::<health::Health>()
        .init_resource::<TuningStatus>()
        .add_systems(
            Update,
            (panel::toggle_panel, health::record_frame, save_still_on_f12)
                .in_set(AppSystems::ReadInput),
        )
        .add_systems(
            bevy_egui::EguiPrimaryContextPass,
            (panel::show_panel, health::show_health),
        );
}

/// Saves the window's frame as a timestamped PNG in the stills folder, and says where once the
/// file is written (or why it could not be).
fn save_still_on_f12(
    mut commands: Commands,
    keys: Res<ButtonInput<KeyCode>>,
    mut panel: ResMut<panel::TuningPanel>,
    stills: Res<StillsFolder>,
) {
    if !keys.just_pressed(KeyCode::F12) {
        return;
    }
    if let Err(error) = std::fs::create_dir_all(&stills.0) {
        panel.message = Some(format!("could not create {}: {error}", stills.0.display()));
        return;
    }
    let path = stills.0.join(format!(
        "dreamloom-{}.png",
        crate::narrative::store::now_ms()
    ));
    info!("saving a still to {}", path.display());
    panel.message = Some(format!("saving a still to {}…", path.display()));
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut panel: ResMut<panel::TuningPanel>| {
            panel.message = Some(match save_png(&captured.image, &path) {
                Ok(()) => format!("still saved to {}", path.display()),
                Err(error) => {
                    error!("the still could not be saved: {error}");
                    format!("could not save the still: {error}")
                }
            });
        },
    );
}

/// Writes a captured frame as an opaque PNG (the alpha of an HDR capture holds no transparency).
fn save_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    let frame = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?
        .to_rgb8();
    frame
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Where F12 puts stills.
#[derive(Resource, Debug, Clone)]
pub struct StillsFolder(pub std::path::PathBuf);
