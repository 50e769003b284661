//! The curator's screens: the PIN pad, and the panel for moderation (the pending queue, approve,
//! hide, restore, search by receipt, the counts) and for quitting the kiosk. They replace the
//! visitor's screens while they are open. Without a curator PIN set, the pad says so and how to
//! set one.

use std::time::SystemTime;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{GLOW, Layer, PROBLEM, fields::pin_field, kiosk_window};
use crate::{
    kiosk::{
        KioskPolicy,
        curator::{Curator, CuratorAction, PIN_DIGITS, PinGuard, PinOutcome, Stage},
        flow::wait_in_words,
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
    mut pin: ResMut<PinGuard>,
    policy: Res<KioskPolicy>,
    mut actions: MessageWriter<CuratorAction>,
    mut confirm_quit: Local<bool>,
) -> Result {
    match curator.stage.clone() {
        Stage::Closed => {
            *confirm_quit = false;
            Ok(())
        }
        Stage::Pin { .. } => {
            pin_pad(
                contexts.ctx_mut()?,
                &mut curator,
                &mut pin,
                SystemTime::now(),
            );
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

/// Without a PIN: what to do, in plain words, and a way back.
fn no_pin_pad(ctx: &egui::Context, curator: &mut Curator) {
    let mut cancel = false;
    kiosk_window("pin pad", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.set_max_width(620.0);
        ui.label(egui::RichText::new("No curator PIN is set").size(32.0));
        ui.label(format!(
            "The curator panel stays shut until a PIN is set. On this computer, in a terminal, \
             run `dreamloom kiosk-pin` (with the kiosk's --data folder, if it has one) and type \
             a PIN of {} to {} digits twice. The pad takes it the next time it opens.",
            PIN_DIGITS.start(),
            PIN_DIGITS.end()
        ));
        if ui.button("Close").clicked() {
            cancel = true;
        }
    });
    if cancel {
        curator.close();
    }
}

fn pin_pad(ctx: &egui::Context, curator: &mut Curator, pin: &mut PinGuard, now: SystemTime) {
    if !pin.is_set() {
        no_pin_pad(ctx, curator);
        return;
    }
    let mut enter = false;
    let mut cancel = false;
    kiosk_window("pin pad", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.label(egui::RichText::new("Curator PIN").size(32.0));
        let Stage::Pin { entry } = &mut curator.stage else {
            return;
        };
        let field = pin_field(ui, entry);
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
        if let Some(wait) = pin.locked_for(now) {
            ui.colored_label(
                PROBLEM,
                format!(
                    "Locked after too many wrong PINs: try again in {}.",
                    wait_in_words(wait.as_secs().max(1))
                ),
            );
        } else if let Some(message) = &curator.message {
            ui.colored_label(PROBLEM, message);
        }
        if ui.button("Cancel").clicked() {
            cancel = true;
        }
    });
    if cancel {
        curator.close();
    } else if enter {
        match curator.enter_pin(pin, now) {
            PinOutcome::Open => info!("curator panel opened"),
            PinOutcome::Wrong { tries_left } => {
                warn!("wrong curator PIN");
                curator.message = Some(match tries_left {
                    1 => "Wrong PIN; 1 try left before the pad locks.".to_owned(),
                    n => format!("Wrong PIN; {n} tries left before the pad locks."),
                });
            }
            PinOutcome::Locked { seconds } => {
                warn!("curator PIN pad locked for {seconds} s");
                curator.message = Some(format!(
                    "Too many wrong PINs; try again in {}.",
                    wait_in_words(seconds)
                ));
            }
            PinOutcome::Unset => curator.message = Some("No curator PIN is set.".to_owned()),
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
