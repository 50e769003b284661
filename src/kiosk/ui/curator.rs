//! The curator's screens: the PIN pad, and the panel for moderation (the pending queue, approve,
//! hide, restore, search by receipt, the counts) and for quitting the kiosk. They replace the
//! visitor's screens while they are open.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{GLOW, Layer, PROBLEM, kiosk_window};
use crate::{
    kiosk::{
        KioskPolicy,
        curator::{Curator, CuratorAction, PinOutcome, Stage},
    },
    narrative::{
        receipt::Receipt,
        store::{Moderation, Status, StoredNarrative},
    },
};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        curator_screens.in_set(Layer::Curator),
    );
}

/// The PIN pad or the panel, whichever the curator is at.
fn curator_screens(
    mut contexts: EguiContexts,
    mut curator: ResMut<Curator>,
    policy: Res<KioskPolicy>,
    time: Res<Time<Real>>,
    mut actions: MessageWriter<CuratorAction>,
    mut confirm_quit: Local<bool>,
) -> Result {
    match curator.stage.clone() {
        Stage::Closed => {
            *confirm_quit = false;
            Ok(())
        }
        Stage::Pin { .. } => {
            pin_pad(contexts.ctx_mut()?, &mut curator, &policy, time.elapsed());
            Ok(())
        }
        Stage::Open => {
            curator_panel(
                contexts.ctx_mut()?,
                &mut curator,
                &policy,
                &mut actions,
                &mut confirm_quit,
            );
            Ok(())
        }
    }
}

fn pin_pad(
    ctx: &egui::Context,
    curator: &mut Curator,
    policy: &KioskPolicy,
    now: std::time::Duration,
) {
    let mut enter = false;
    let mut cancel = false;
    kiosk_window("pin pad", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.label(egui::RichText::new("Curator PIN").size(32.0));
        let Stage::Pin { entry } = &mut curator.stage else {
            return;
        };
        let field = ui.add(
            egui::TextEdit::singleline(entry)
                .password(true)
                .desired_width(260.0)
                .char_limit(12),
        );
        field.request_focus();
        if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            enter = true;
        }
        entry.retain(|c| c.is_ascii_digit());
        egui::Grid::new("keys")
            .spacing([10.0, 10.0])
            .show(ui, |ui| {
                for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
                    for key in row {
                        if ui.add_sized([76.0, 64.0], egui::Button::new(key)).clicked() {
                            entry.push_str(key);
                        }
                    }
                    ui.end_row();
                }
                if ui
                    .add_sized([76.0, 64.0], egui::Button::new("Del"))
                    .clicked()
                {
                    entry.pop();
                }
                if ui.add_sized([76.0, 64.0], egui::Button::new("0")).clicked() {
                    entry.push('0');
                }
                if ui
                    .add_sized([76.0, 64.0], egui::Button::new("OK"))
                    .clicked()
                {
                    enter = true;
                }
                ui.end_row();
            });
        if let Some(message) = &curator.message {
            ui.colored_label(PROBLEM, message);
        }
        if ui.button("Cancel").clicked() {
            cancel = true;
        }
    });
    if cancel {
        curator.close();
    } else if enter {
        match curator.enter_pin(&policy.curator_pin, now) {
            PinOutcome::Open => info!("curator panel opened"),
            PinOutcome::Wrong { tries_left } => {
                warn!("wrong curator PIN");
                curator.message = Some(format!("Wrong PIN; {tries_left} tries left."));
            }
            PinOutcome::Locked { seconds } => {
                warn!("curator PIN pad locked for {seconds} s");
                curator.message = Some(format!("Too many wrong PINs; wait {seconds} s."));
            }
        }
    }
}

fn moderation_buttons(
    ui: &mut egui::Ui,
    stored: &StoredNarrative,
    actions: &mut MessageWriter<CuratorAction>,
) {
    let receipt = stored.receipt;
    match stored.status {
        Status::Pending => {
            if ui.button("Approve").clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Visible));
            }
            if ui.button("Hide").clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Hidden));
            }
        }
        Status::Visible => {
            if ui.button("Hide").clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Hidden));
            }
        }
        Status::Hidden => {
            if ui.button("Restore").clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Visible));
            }
        }
        Status::Withdrawn => {
            ui.label("withdrawn by its owner");
        }
    }
}

fn narrative_line(ui: &mut egui::Ui, stored: &StoredNarrative) {
    let text: String = stored.narrative.text.chars().take(140).collect();
    let more = if stored.narrative.text.chars().count() > 140 {
        "…"
    } else {
        ""
    };
    ui.label(
        egui::RichText::new(format!("{} · {}", stored.receipt, stored.narrative.origin)).strong(),
    );
    ui.label(format!("{text}{more}"));
}

fn curator_panel(
    ctx: &egui::Context,
    curator: &mut Curator,
    policy: &KioskPolicy,
    actions: &mut MessageWriter<CuratorAction>,
    confirm_quit: &mut bool,
) {
    let mut lock = false;
    kiosk_window("curator panel", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.set_width(860.0);
        ui.label(egui::RichText::new("Curator").size(36.0).color(GLOW));
        let counts = curator.snapshot.counts;
        ui.label(format!(
            "{} on the cloak · {} pending · {} hidden · {} withdrawn",
            counts.visible, counts.pending, counts.hidden, counts.withdrawn
        ));
        ui.small(match policy.moderation {
            Moderation::Post => "Post-moderation: dreams appear at once; hide what must go.",
            Moderation::Pre => "Pre-moderation: dreams wait here until approved.",
        });
        ui.separator();
        ui.label(egui::RichText::new("Waiting for approval").strong());
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .id_salt("pending")
            .show(ui, |ui| {
                if curator.snapshot.pending.is_empty() {
                    ui.label("Nothing is waiting.");
                }
                for stored in &curator.snapshot.pending {
                    ui.horizontal(|ui| {
                        ui.vertical(|ui| {
                            ui.set_width(600.0);
                            narrative_line(ui, stored);
                        });
                        moderation_buttons(ui, stored, actions);
                    });
                    ui.separator();
                }
            });
        ui.horizontal(|ui| {
            ui.label("Receipt:");
            ui.add(
                egui::TextEdit::singleline(&mut curator.search)
                    .desired_width(150.0)
                    .char_limit(12),
            );
            if ui.button("Find").clicked() {
                match curator.search.parse::<Receipt>() {
                    Ok(receipt) => {
                        actions.write(CuratorAction::Find(receipt));
                    }
                    Err(error) => curator.message = Some(format!("{error}.")),
                }
            }
        });
        if let Some(found) = &curator.snapshot.found {
            match found {
                Ok(stored) => {
                    ui.horizontal(|ui| {
                        ui.vertical(|ui| {
                            ui.set_width(600.0);
                            narrative_line(ui, stored);
                            ui.small(format!("status: {}", stored.status.as_str()));
                        });
                        moderation_buttons(ui, stored, actions);
                    });
                }
                Err(text) => {
                    ui.colored_label(PROBLEM, text);
                }
            }
        }
        if let Some(message) = &curator.message {
            ui.colored_label(GLOW, message);
        }
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("Lock").clicked() {
                lock = true;
            }
            let quit = if *confirm_quit {
                "Yes, quit the kiosk"
            } else {
                "Quit the kiosk"
            };
            if ui.button(quit).clicked() {
                if *confirm_quit {
                    actions.write(CuratorAction::Quit);
                }
                *confirm_quit = !*confirm_quit;
            }
        });
    });
    if lock {
        curator.close();
    }
}
