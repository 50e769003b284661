//! The tuning panel (F1, or `dreamloom tune`): every artistic parameter, grouped and named in an
//! artist's words, with save-as, load and revert. It edits the [`Preset`] resource; the look
//! follows at once. With projectors (`--outputs`), their calibration too (`calibration.rs`).

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use super::{
    TuningStatus, calibration,
    preset::{Hex, Preset, SHIPPED},
};
use crate::{
    projectors::{ProjectorStatus, Projectors},
    protocol::policy::Mode,
    weave::{CloakShape, Grouping},
};

/// The panel's state.
#[derive(Resource, Debug, Clone)]
pub struct TuningPanel {
    /// Whether it is open (F1 toggles).
    pub open: bool,
    /// Folder where looks are saved and found.
    pub folder: PathBuf,
    /// Name typed for "save as".
    pub name: String,
    /// The look as last loaded, for "revert".
    pub loaded: Option<Preset>,
    /// What the panel last did, for the artist.
    pub message: Option<String>,
}

impl TuningPanel {
    #[must_use]
    pub fn new(folder: PathBuf, open: bool) -> Self {
        Self {
            open,
            folder,
            name: "my-look".into(),
            loaded: None,
            message: None,
        }
    }

    /// Saved looks in the folder, by name.
    fn saved(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                if path.extension()? != "ron" {
                    return None;
                }
                Some(path.file_stem()?.to_string_lossy().into_owned())
            })
            .collect();
        names.sort();
        names
    }
}

pub(super) fn toggle_panel(keys: Res<ButtonInput<KeyCode>>, mut panel: ResMut<TuningPanel>) {
    if keys.just_pressed(KeyCode::F1) {
        panel.open = !panel.open;
    }
}

fn slider(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut f32,
    range: std::ops::RangeInclusive<f32>,
) -> bool {
    ui.add(egui::Slider::new(value, range).text(label))
        .changed()
}

fn colour(ui: &mut egui::Ui, label: &str, hex: &mut Hex) -> bool {
    let Ok(srgba) = Srgba::hex(&hex.0) else {
        ui.label(format!("{label}: {} (not a colour)", hex.0));
        return false;
    };
    let mut rgb = [srgba.red, srgba.green, srgba.blue];
    let changed = ui
        .horizontal(|ui| {
            let changed = ui.color_edit_button_rgb(&mut rgb).changed();
            ui.label(label);
            changed
        })
        .inner;
    if changed {
        hex.0 = Srgba::rgb(rgb[0], rgb[1], rgb[2]).to_hex();
    }
    changed
}

/// Draws the panel and applies what the artist changes.
pub(super) fn show_panel(
    mut contexts: EguiContexts,
    mut commands: Commands,
    mut panel: ResMut<TuningPanel>,
    preset: Option<Res<Preset>>,
    status: Option<Res<TuningStatus>>,
    mut projectors: Option<ResMut<Projectors>>,
    projector_status: Option<Res<ProjectorStatus>>,
) -> Result {
    if !panel.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut look = preset.as_deref().cloned().unwrap_or_default();
    if panel.loaded.is_none() {
        panel.loaded = Some(look.clone());
    }
    let mut changed = false;
    let mut replace: Option<Preset> = None;
    egui::Window::new("Tuning")
        .anchor(egui::Align2::LEFT_TOP, [16.0, 16.0])
        .default_width(320.0)
        .resizable(true)
        .show(ctx, |ui| {
            if let Some(error) = status.as_ref().and_then(|s| s.error.as_ref()) {
                ui.colored_label(
                    egui::Color32::from_rgb(255, 140, 120),
                    format!("preset refused: {error}"),
                );
            }
            egui::ScrollArea::vertical()
                .max_height(520.0)
                .show(ui, |ui| changed |= edit_look(ui, &mut look));
            if let Some(projectors) = projectors.as_mut() {
                calibration::edit(
                    ui,
                    projectors,
                    projector_status.as_deref(),
                    &mut panel.message,
                );
            }
            ui.separator();
            ui.horizontal(|ui| {
                ui.text_edit_singleline(&mut panel.name);
                if ui.button("Save as").clicked() {
                    panel.message = Some(save(&panel.folder, &panel.name, &look));
                }
            });
            ui.horizontal(|ui| {
                egui::ComboBox::from_label("load")
                    .selected_text("a look…")
                    .show_ui(ui, |ui| {
                        for (name, _) in SHIPPED {
                            if ui.selectable_label(false, name).clicked() {
                                replace = Some(
                                    Preset::load(name).expect("shipped presets load (tested)"),
                                );
                            }
                        }
                        for name in panel.saved() {
                            if ui.selectable_label(false, &name).clicked() {
                                match Preset::load_file(&panel.folder.join(format!("{name}.ron"))) {
                                    Ok(loaded) => replace = Some(loaded),
                                    Err(error) => panel.message = Some(format!("{name}: {error}")),
                                }
                            }
                        }
                    });
                if ui.button("Revert").clicked() {
                    replace.clone_from(&panel.loaded);
                }
            });
            if let Some(message) = &panel.message {
                ui.small(message);
            }
            ui.small("F1 hides this panel · F12 saves a still");
        });
    if let Some(loaded) = replace {
        panel.loaded = Some(loaded.clone());
        commands.insert_resource(loaded);
    } else if changed && look.resolve().is_ok() {
        commands.insert_resource(look);
    }
    Ok(())
}

/// Every artistic parameter of `look`, grouped and named in an artist's words. Returns whether
/// anything changed.
fn edit_look(ui: &mut egui::Ui, look: &mut Preset) -> bool {
    let mut changed = false;
    egui::CollapsingHeader::new("The night sky")
        .default_open(true)
        .show(ui, |ui| {
            changed |= colour(ui, "overhead", &mut look.sky.zenith);
            changed |= colour(ui, "at the horizon", &mut look.sky.horizon);
            changed |= colour(ui, "nebulae", &mut look.sky.nebula);
            changed |= slider(ui, "nebula grain", &mut look.sky.nebula_scale, 0.2..=10.0);
            changed |= slider(ui, "drift", &mut look.sky.drift_speed, 0.0..=0.5);
            changed |= slider(ui, "stars", &mut look.sky.star_density, 0.0..=0.5);
            changed |= slider(ui, "fog", &mut look.sky.fog, 0.0..=1.0);
        });
    egui::CollapsingHeader::new("The dunes").show(ui, |ui| {
        changed |= colour(ui, "moonlit sand", &mut look.ground.sand);
        changed |= colour(ui, "sand in shadow", &mut look.ground.sand_shadow);
    });
    egui::CollapsingHeader::new("Motes of light").show(ui, |ui| {
        let mut count = look.motes.count as f32;
        if slider(ui, "how many", &mut count, 0.0..=20_000.0) {
            look.motes.count = count as u32;
            changed = true;
        }
        changed |= colour(ui, "colour", &mut look.motes.colour);
        changed |= slider(ui, "brightness", &mut look.motes.brightness, 0.0..=10.0);
        changed |= slider(ui, "rise", &mut look.motes.rise, 0.0..=5.0);
    });
    egui::CollapsingHeader::new("The cloak").show(ui, |ui| {
        changed |= edit_cloak(ui, &mut look.cloak);
    });
    egui::CollapsingHeader::new("The camera").show(ui, |ui| {
        changed |= slider(ui, "height (radians)", &mut look.camera.pitch, -1.3..=1.3);
        changed |= slider(ui, "distance", &mut look.camera.distance, 3.0..=40.0);
        changed |= slider(ui, "drift", &mut look.camera.drift, 0.0..=1.0);
    });
    egui::CollapsingHeader::new("The council").show(ui, |ui| {
        let council = &mut look.council;
        egui::ComboBox::from_label("protocol")
            .selected_text(council.mode.as_str())
            .show_ui(ui, |ui| {
                for mode in [Mode::Off, Mode::NeuroSynch, Mode::Sanctuary, Mode::Balanced] {
                    changed |= ui
                        .selectable_value(&mut council.mode, mode, mode.as_str())
                        .changed();
                }
            });
        changed |= slider(
            ui,
            "pull toward sameness",
            &mut council.synch_strength,
            0.0..=1.0,
        );
        changed |= slider(ui, "autonomy … collective", &mut council.balance, 0.0..=1.0);
        changed |= slider(ui, "floor per origin", &mut council.origin_floor, 0.0..=1.0);
        changed |= slider(
            ui,
            "dissolves below identity",
            &mut council.dissolve_below,
            0.0..=1.0,
        );
        changed |= slider(
            ui,
            "dissolving speed",
            &mut council.dissolve_rate,
            0.0..=2.0,
        );
        changed |= slider(
            ui,
            "point of no return",
            &mut council.final_point,
            0.0..=1.0,
        );
        changed |= slider(ui, "recovery speed", &mut council.recovery_rate, 0.0..=2.0);
    });

    changed
}

/// The cloak's parameters: size, drape and folds, light, and how it keeps its threads apart as
/// it fills. Returns whether anything changed.
fn edit_cloak(ui: &mut egui::Ui, cloak: &mut CloakShape) -> bool {
    let mut changed = false;

    changed |= slider(ui, "width", &mut cloak.width, 1.0..=40.0);
    changed |= slider(ui, "height", &mut cloak.height, 1.0..=40.0);
    changed |= slider(ui, "glow", &mut cloak.bloom, 0.0..=1.0);
    changed |= slider(ui, "wraps the shoulders", &mut cloak.drape, 0.0..=1.0);
    changed |= slider(ui, "fold depth", &mut cloak.fold_depth, 0.0..=1.0);
    changed |= slider(ui, "folds", &mut cloak.folds, 0.0..=24.0);
    changed |= slider(ui, "sheen", &mut cloak.sheen, 0.0..=2.0);
    changed |= slider(
        ui,
        "keep threads apart as it fills",
        &mut cloak.density_response,
        0.0..=1.0,
    );
    let mut rows = cloak.max_rows as f32;
    if slider(ui, "rows before threads share", &mut rows, 20.0..=400.0) {
        cloak.max_rows = rows as u32;
        changed = true;
    }
    egui::ComboBox::from_label("origins lie in")
        .selected_text(match cloak.grouping {
            Grouping::Bands => "bands",
            Grouping::Blocks => "blocks",
            Grouping::Interleaved => "a tweed (interleaved)",
        })
        .show_ui(ui, |ui| {
            for (grouping, name) in [
                (Grouping::Bands, "bands"),
                (Grouping::Blocks, "blocks"),
                (Grouping::Interleaved, "a tweed (interleaved)"),
            ] {
                changed |= ui
                    .selectable_value(&mut cloak.grouping, grouping, name)
                    .changed();
            }
        });
    changed
}

/// Writes `look` as `folder/name.ron`; says where, or why not.
fn save(folder: &std::path::Path, name: &str, look: &Preset) -> String {
    let name: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if name.is_empty() {
        return "give the look a name (letters, digits, - or _)".into();
    }
    let path = folder.join(format!("{name}.ron"));
    match std::fs::create_dir_all(folder).and_then(|()| std::fs::write(&path, look.to_ron())) {
        Ok(()) => format!("saved {}", path.display()),
        Err(error) => format!("could not save {}: {error}", path.display()),
    }
}
