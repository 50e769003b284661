//! The health display (F3): one glance tells the operator the piece is well — frame rate and
//! frame times, threads, memory, the store's size and its last submission, what waits in the
//! outbox while the exhibition's database is away, the diversity meter.

use std::collections::VecDeque;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::{
    narrative::{StoreHandle, StoreStats, store::now_ms},
    protocol::DiversityHistory,
    weave::Loom,
};

/// Frame times kept for the graph.
const FRAMES_KEPT: usize = 240;

/// Whether the health display is shown (F3) and the recent frame times.
#[derive(Resource, Debug, Default)]
pub struct Health {
    pub open: bool,
    frame_ms: VecDeque<f32>,
}

pub(super) fn record_frame(
    time: Res<Time<Real>>,
    keys: Res<ButtonInput<KeyCode>>,
    mut health: ResMut<Health>,
) {
    if keys.just_pressed(KeyCode::F3) {
        health.open = !health.open;
    }
    if health.frame_ms.len() == FRAMES_KEPT {
        health.frame_ms.pop_front();
    }
    health.frame_ms.push_back(time.delta_secs() * 1000.0);
}

/// Resident memory of this process, bytes (Linux; `None` elsewhere).
#[must_use]
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How long ago, in words.
#[must_use]
pub fn ago(ms: i64) -> String {
    let seconds = (now_ms() - ms).max(0) / 1000;
    match seconds {
        0..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// What the health display says of an outbox that holds something: the exhibition's database
/// is (or was, until a moment ago) unreachable.
#[must_use]
pub fn outbox_in_words(waiting: usize) -> String {
    format!(
        "outbox: {waiting} {} for the exhibition's database",
        if waiting == 1 {
            "dream or withdrawal waits"
        } else {
            "dreams and withdrawals wait"
        }
    )
}

/// What the health display says of characters no embedded font has: none, or how many were
/// shown as boxes and which, by code point, so a technician can tell which font to add.
#[must_use]
pub fn missing_in_words(report: &crate::text::MissingReport) -> String {
    if report.count == 0 {
        return "every character shown had a font".to_owned();
    }
    let which: Vec<String> = report
        .characters
        .iter()
        .map(|c| format!("U+{:04X}", u32::from(*c)))
        .collect();
    format!(
        "{} character{} shown without a font: {}",
        report.count,
        if report.count == 1 { "" } else { "s" },
        which.join(" ")
    )
}

pub(super) fn show_health(
    mut contexts: EguiContexts,
    health: Res<Health>,
    loom: Res<Loom>,
    stats: Option<Res<StoreStats>>,
    store: Option<Res<StoreHandle>>,
    history: Res<DiversityHistory>,
) -> Result {
    if !health.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Window::new("Health")
        .anchor(egui::Align2::RIGHT_TOP, [-16.0, 16.0])
        .resizable(false)
        .show(ctx, |ui| {
            let mean = health.frame_ms.iter().sum::<f32>() / health.frame_ms.len().max(1) as f32;
            let worst = health.frame_ms.iter().copied().fold(0.0, f32::max);
            ui.label(format!(
                "{:.0} fps · {mean:.1} ms mean · {worst:.1} ms worst",
                1000.0 / mean.max(0.001)
            ));
            let (response, painter) =
                ui.allocate_painter(egui::vec2(240.0, 50.0), egui::Sense::hover());
            let rect = response.rect;
            painter.rect_filled(rect, 2.0, egui::Color32::from_black_alpha(90));
            let scale = worst.max(33.4);
            let points: Vec<egui::Pos2> = health
                .frame_ms
                .iter()
                .enumerate()
                .map(|(i, ms)| {
                    egui::pos2(
                        rect.left() + rect.width() * i as f32 / (FRAMES_KEPT - 1) as f32,
                        rect.bottom() - rect.height() * ms / scale,
                    )
                })
                .collect();
            painter.add(egui::Shape::line(
                points,
                egui::Stroke::new(1.0, egui::Color32::LIGHT_GREEN),
            ));
            let budget = rect.bottom() - rect.height() * 16.7 / scale;
            painter.hline(
                rect.x_range(),
                budget,
                egui::Stroke::new(1.0, egui::Color32::from_gray(90)),
            );
            ui.label(format!("{} threads on the cloak", loom.staying()));
            if let Some(bytes) = resident_bytes() {
                ui.label(format!("{:.0} MiB memory", bytes as f64 / 1_048_576.0));
            }
            if let Some(stats) = stats {
                ui.label(format!("store {:.1} MiB", stats.bytes as f64 / 1_048_576.0));
                ui.label(match stats.last_submission_ms {
                    Some(ms) => format!("last dream woven {}", ago(ms)),
                    None => "no dream submitted yet".into(),
                });
            }
            let waiting = store.map_or(0, |store| store.0.outbox_depth());
            if waiting > 0 {
                ui.colored_label(
                    egui::Color32::from_rgb(255, 200, 120),
                    outbox_in_words(waiting),
                );
            }
            if let Some(last) = history.readings.back() {
                ui.label(format!(
                    "diversity: origins {:.2} · hues {:.2} · sameness {:.2}",
                    last.origin_entropy, last.hue_entropy, last.homogenisation
                ));
            }
            // Read under the lock, without copying the report (its set of every character seen).
            let (said, all_found) = {
                let stack = crate::text::Texts.lock();
                let report = stack.missing_report();
                (missing_in_words(report), report.count == 0)
            };
            let colour = if all_found {
                ui.visuals().text_color()
            } else {
                egui::Color32::from_rgb(255, 160, 150)
            };
            ui.colored_label(colour, said);
            ui.small("F3 hides this");
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_without_a_font_are_told_by_code_point() {
        let none = crate::text::MissingReport::default();
        assert_eq!(missing_in_words(&none), "every character shown had a font");
        let mut stack = crate::text::TextStack::new();
        stack.shape(
            "\u{10600} \u{E000} \u{10600}",
            &crate::text::TextLook::line(20.0),
        );
        assert_eq!(
            missing_in_words(stack.missing_report()),
            "2 characters shown without a font: U+10600 U+E000"
        );
    }

    #[test]
    fn the_outbox_is_told_in_words() {
        assert_eq!(
            outbox_in_words(1),
            "outbox: 1 dream or withdrawal waits for the exhibition's database"
        );
        assert_eq!(
            outbox_in_words(12),
            "outbox: 12 dreams and withdrawals wait for the exhibition's database"
        );
    }

    #[test]
    fn memory_is_read_and_time_is_told_in_words() {
        assert!(resident_bytes().unwrap() > 1_000_000);
        assert_eq!(ago(now_ms() - 5_000), "5 s ago");
        assert_eq!(ago(now_ms() - 7_200_000), "2 h ago");
    }
}
