//! The tuning panel's "Projectors" section, with `--outputs`: the test grid, each output's
//! corners and overlap (edited live: the outputs follow as they are dragged), the layout file's
//! last error, and "Save layout", which writes the layout back to its file.

use bevy::prelude::*;
use bevy_egui::egui;

use crate::{
    outputs::Layout,
    projectors::{ProjectorStatus, Projectors, save_layout},
};

/// The frame's own corners: no corner-pin.
const UNPINNED: [(f64, f64); 4] = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];

/// The corners in the layout file's order.
const CORNER_NAMES: [&str; 4] = ["top-left", "top-right", "bottom-right", "bottom-left"];

/// The "Projectors" section. An edit that leaves the layout unsound (corners bent or crossed) is
/// not applied; `message` says why.
pub(super) fn edit(
    ui: &mut egui::Ui,
    projectors: &mut ResMut<Projectors>,
    status: Option<&ProjectorStatus>,
    message: &mut Option<String>,
) {
    egui::CollapsingHeader::new("Projectors").show(ui, |ui| {
        let mut calibrate = projectors.calibrate;
        if ui
            .checkbox(&mut calibrate, "Calibrate (test grid)")
            .changed()
        {
            projectors.calibrate = calibrate;
        }
        let mut layout = projectors.layout.clone();
        if edit_outputs(ui, &mut layout) {
            match layout.check(None) {
                Ok(()) => projectors.layout = layout,
                Err(error) => *message = Some(format!("not applied: {error}")),
            }
        }
        let Some(status) = status else {
            return;
        };
        if let Some(error) = &status.last_error {
            ui.colored_label(
                egui::Color32::from_rgb(255, 140, 120),
                format!("layout file: {error}"),
            );
        }
        if ui.button("Save layout").clicked() {
            *message = Some(match save_layout(&status.path, &projectors.layout) {
                Ok(()) => format!("layout saved to {}", status.path.display()),
                Err(error) => format!("layout not saved: {error}"),
            });
        }
    });
}

/// Each output's corners (fractions of the output) and the overlap it shares with the next.
/// Returns whether anything changed.
fn edit_outputs(ui: &mut egui::Ui, layout: &mut Layout) -> bool {
    let mut changed = false;
    for index in 0..layout.outputs.len() {
        let shared_left = index
            .checked_sub(1)
            .map_or(0, |before| layout.outputs[before].overlap);
        // What the next output has left of its own, if there is one.
        let next_own = layout
            .outputs
            .get(index + 1)
            .map(|next| next.size.0.saturating_sub(next.overlap));
        let output = &mut layout.outputs[index];
        ui.label(format!(
            "{}: monitor {}, {}×{}",
            output.name, output.monitor, output.size.0, output.size.1
        ));
        let mut corners = output.corners.unwrap_or(UNPINNED);
        let mut moved = false;
        for (corner, name) in corners.iter_mut().zip(CORNER_NAMES) {
            ui.horizontal(|ui| {
                for value in [&mut corner.0, &mut corner.1] {
                    moved |= ui
                        .add(
                            egui::DragValue::new(value)
                                .speed(0.001)
                                .range(-1.0..=2.0)
                                .max_decimals(4),
                        )
                        .changed();
                }
                ui.label(name);
            });
        }
        if moved {
            // Four decimals: a tenth of a pixel on a 1920-pixel output, and a readable file.
            let round = |v: f64| (v * 10_000.0).round() / 10_000.0;
            output.corners = Some(corners.map(|(x, y)| (round(x), round(y))));
            changed = true;
        }
        if let Some(next_own) = next_own {
            let widest = output
                .size
                .0
                .saturating_sub(shared_left)
                .min(next_own)
                .saturating_sub(1);
            changed |= ui
                .add(
                    egui::DragValue::new(&mut output.overlap)
                        .range(0..=widest)
                        .prefix("overlap ")
                        .suffix(" px"),
                )
                .changed();
        }
    }
    changed
}
