//! The curator's screens: the PIN pad, and the panel for moderation (the pending queue, approve,
//! hide, restore, search by receipt, the counts) and for quitting the kiosk. They replace the
//! visitor's screens while they are open, in the kiosk's own language (`kiosk.ron`), mirrored
//! when it is written right to left. Without a curator PIN set, the pad says so and how to set
//! one.

use std::time::SystemTime;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{
    GLOW, Layer, Look, Sides, button, fields::pin_field, kiosk_window, on_screen, sized_button,
    words,
};
use crate::{
    i18n::{Phrase, Translations, Voice},
    kiosk::{
        KioskPolicy,
        curator::{Curator, CuratorAction, PIN_DIGITS, PinGuard, PinOutcome, Stage},
        flow::{KioskFlow, wait_in_words},
    },
    narrative::{
        StoreHandle,
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
    flow: Res<KioskFlow>,
    translations: Res<Translations>,
    store: Option<Res<StoreHandle>>,
) -> Result {
    let say = translations.voice(flow.home_language());
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
                say,
            );
            Ok(())
        }
        Stage::Open => {
            let waiting = store.map_or(0, |store| store.0.outbox_depth());
            curator_panel(
                contexts.ctx_mut()?,
                &mut curator,
                &policy,
                waiting,
                &mut actions,
                &mut confirm_quit,
                say,
            );
            Ok(())
        }
    }
}

/// Without a PIN: what to do, in plain words, and a way back.
fn no_pin_pad(ctx: &egui::Context, curator: &mut Curator, say: Voice<'_>) {
    let sides = Sides::of(say.language());
    let mut cancel = false;
    kiosk_window("pin pad", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.set_max_width(620.0);
        sides.column(ui, |ui| {
            words(ui, &say.text("pin-unset-title"), Look::body().sized(32.0));
            let how = Phrase::new("pin-unset")
                .with_count("min", *PIN_DIGITS.start())
                .with_count("max", *PIN_DIGITS.end());
            words(ui, &say.phrase(&how), Look::body());
            if button(ui, &say.text("pin-close"), Look::button()).clicked() {
                cancel = true;
            }
        });
    });
    if cancel {
        curator.close();
    }
}

/// A key of the PIN pad.
const PAD_KEY: [f32; 2] = [76.0, 64.0];

fn pin_pad(
    ctx: &egui::Context,
    curator: &mut Curator,
    pin: &mut PinGuard,
    now: SystemTime,
    say: Voice<'_>,
) {
    if !pin.is_set() {
        no_pin_pad(ctx, curator, say);
        return;
    }
    let sides = Sides::of(say.language());
    let mut enter = false;
    let mut cancel = false;
    kiosk_window("pin pad", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.set_max_width(420.0);
        sides.column(ui, |ui| {
            words(ui, &say.text("pin-title"), Look::body().sized(32.0));
            let Stage::Pin { entry } = &mut curator.stage else {
                return;
            };
            let field = pin_field(ui, entry);
            field.request_focus();
            if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                enter = true;
            }
            entry.retain(|c| c.is_ascii_digit());
            // The digits stay where a phone and a calculator have them, in every language.
            egui::Grid::new("keys")
                .spacing([10.0, 10.0])
                .show(ui, |ui| {
                    for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
                        for key in row {
                            if sized_button(ui, key, Look::button(), PAD_KEY, false).clicked() {
                                entry.push_str(key);
                            }
                        }
                        ui.end_row();
                    }
                    let delete = say.text("pin-delete");
                    if sized_button(ui, &delete, Look::button(), PAD_KEY, false).clicked() {
                        entry.pop();
                    }
                    if sized_button(ui, "0", Look::button(), PAD_KEY, false).clicked() {
                        entry.push('0');
                    }
                    let ok = say.text("pin-ok");
                    if sized_button(ui, &ok, Look::button(), PAD_KEY, false).clicked() {
                        enter = true;
                    }
                    ui.end_row();
                });
            if let Some(wait) = pin.locked_for(now) {
                let locked =
                    Phrase::new("pin-locked").with_phrase("wait", wait_in_words(wait.as_secs()));
                words(ui, &say.phrase(&locked), Look::problem());
            } else if let Some(message) = &curator.message {
                words(ui, &on_screen(say, message), Look::problem());
            }
            if button(ui, &say.text("pin-cancel"), Look::button()).clicked() {
                cancel = true;
            }
        });
    });
    if cancel {
        curator.close();
    } else if enter {
        match curator.enter_pin(pin, now) {
            PinOutcome::Open => info!("curator panel opened"),
            PinOutcome::Wrong { tries_left } => {
                warn!("wrong curator PIN");
                curator.message =
                    Some(Phrase::new("pin-wrong").with_number("tries", u64::from(tries_left)));
            }
            PinOutcome::Locked { seconds } => {
                warn!("curator PIN pad locked for {seconds} s");
                curator.message =
                    Some(Phrase::new("pin-too-many").with_phrase("wait", wait_in_words(seconds)));
            }
            PinOutcome::Unset => curator.message = Some(Phrase::new("pin-unset-short")),
        }
    }
}

fn moderation_buttons(
    ui: &mut egui::Ui,
    stored: &StoredNarrative,
    actions: &mut MessageWriter<CuratorAction>,
    say: Voice<'_>,
) {
    let receipt = stored.receipt;
    match stored.status {
        Status::Pending => {
            if button(ui, &say.text("curator-approve"), Look::button()).clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Visible));
            }
            if button(ui, &say.text("curator-hide"), Look::button()).clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Hidden));
            }
        }
        Status::Visible => {
            if button(ui, &say.text("curator-hide"), Look::button()).clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Hidden));
            }
        }
        Status::Hidden => {
            if button(ui, &say.text("curator-restore"), Look::button()).clicked() {
                actions.write(CuratorAction::Moderate(receipt, Status::Visible));
            }
        }
        Status::Withdrawn => {
            words(ui, &say.text("curator-withdrawn"), Look::body());
        }
    }
}

/// A dream as the panel lists it: its code and origin, and its first 140 characters, as written.
fn narrative_line(ui: &mut egui::Ui, stored: &StoredNarrative) {
    let text: String = stored.narrative.text.chars().take(140).collect();
    let more = if stored.narrative.text.chars().count() > 140 {
        "…"
    } else {
        ""
    };
    words(
        ui,
        &format!("{} · {}", stored.receipt, stored.narrative.origin),
        Look::label(),
    );
    words(ui, &format!("{text}{more}"), Look::body());
}

/// A dream in the panel, with what the curator may do with it beside it (`status`: its status
/// under it, for a dream found by its code).
fn listed(
    ui: &mut egui::Ui,
    stored: &StoredNarrative,
    actions: &mut MessageWriter<CuratorAction>,
    say: Voice<'_>,
    sides: Sides,
    status: bool,
) {
    sides.row(ui, |ui| {
        ui.vertical(|ui| {
            ui.set_width(600.0);
            sides.column(ui, |ui| {
                narrative_line(ui, stored);
                if status {
                    let said =
                        Phrase::new("curator-status").with_text("status", stored.status.as_str());
                    words(ui, &say.phrase(&said), Look::small());
                }
            });
        });
        moderation_buttons(ui, stored, actions, say);
    });
}

/// The panel; `waiting`: how many dreams and withdrawals wait in the kiosk's outbox for the
/// exhibition's database.
fn curator_panel(
    ctx: &egui::Context,
    curator: &mut Curator,
    policy: &KioskPolicy,
    waiting: usize,
    actions: &mut MessageWriter<CuratorAction>,
    confirm_quit: &mut bool,
    say: Voice<'_>,
) {
    let sides = Sides::of(say.language());
    let mut lock = false;
    kiosk_window("curator panel", egui::Align2::CENTER_CENTER, [0.0, 0.0]).show(ctx, |ui| {
        ui.set_width(860.0);
        sides.column(ui, |ui| {
            words(ui, &say.text("curator-title"), Look::title(36.0));
            let counts = curator.snapshot.counts;
            let counted = Phrase::new("curator-counts")
                .with_count("visible", counts.visible)
                .with_count("pending", counts.pending)
                .with_count("hidden", counts.hidden)
                .with_count("withdrawn", counts.withdrawn);
            words(ui, &say.phrase(&counted), Look::body());
            if waiting > 0 {
                let outbox = Phrase::new("curator-outbox").with_count("count", waiting);
                words(ui, &say.phrase(&outbox), Look::small());
            }
            let policy_words = match policy.moderation {
                Moderation::Post => say.text("curator-post-moderation"),
                Moderation::Pre => say.text("curator-pre-moderation"),
            };
            words(ui, &policy_words, Look::small());
            ui.separator();
            sides.row(ui, |ui| {
                words(ui, &say.text("curator-waiting"), Look::label());
                let queue = Phrase::new("curator-queue").with_count("count", counts.pending);
                words(ui, &say.phrase(&queue), Look::small());
            });
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .id_salt("pending")
                .show(ui, |ui| {
                    sides.column(ui, |ui| {
                        if curator.snapshot.pending.is_empty() {
                            words(ui, &say.text("curator-nothing-waiting"), Look::body());
                        }
                        for stored in &curator.snapshot.pending {
                            listed(ui, stored, actions, say, sides, false);
                            ui.separator();
                        }
                    });
                });
            sides.row(ui, |ui| {
                words(ui, &say.text("curator-receipt"), Look::body());
                ui.add(
                    egui::TextEdit::singleline(&mut curator.search)
                        .desired_width(150.0)
                        .char_limit(12),
                );
                if button(ui, &say.text("curator-find"), Look::button()).clicked() {
                    match curator.search.parse::<Receipt>() {
                        Ok(receipt) => {
                            actions.write(CuratorAction::Find(receipt));
                        }
                        Err(error) => curator.message = Some(error.phrase()),
                    }
                }
            });
            if let Some(found) = &curator.snapshot.found {
                match found {
                    Ok(stored) => listed(ui, stored, actions, say, sides, true),
                    Err(problem) => {
                        words(ui, &on_screen(say, problem), Look::problem());
                    }
                }
            }
            if let Some(message) = &curator.message {
                words(ui, &on_screen(say, message), Look::body().coloured(GLOW));
            }
            ui.separator();
            sides.row(ui, |ui| {
                if button(ui, &say.text("curator-lock"), Look::button()).clicked() {
                    lock = true;
                }
                let quit = if *confirm_quit {
                    say.text("curator-quit-confirm")
                } else {
                    say.text("curator-quit")
                };
                if button(ui, &quit, Look::button()).clicked() {
                    if *confirm_quit {
                        actions.write(CuratorAction::Quit);
                    }
                    *confirm_quit = !*confirm_quit;
                }
            });
        });
    });
    if lock {
        curator.close();
    }
}
