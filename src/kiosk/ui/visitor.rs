//! The visitor's screens: attract mode's invitation and QR code, the form with its on-screen
//! keyboard, the receipt, the browse bar, and the note when a dream arrives from a phone. Big
//! type and big targets for fingers. Each screen's systems run in its `State<Screen>`; what a
//! screen leaves behind (the keyboard, a half-typed code) is cleared on leaving it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{
    GLOW, Layer, PROBLEM,
    fields::{code_field, origin_field, story_field},
    kiosk_window, panel_frame,
};
use crate::{
    kiosk::{
        CodeAnswer, CodeRequest, KioskPolicy, PhoneArrival, PhoneForm, SubmitDraft,
        curator::{Curator, Stage},
        flow::{KioskFlow, Screen},
        keyboard::{Key, Keyboard},
        qr::QrGrid,
    },
    narrative::{
        receipt::Receipt,
        store::{Moderation, Status},
        validate::{Field, ORIGIN_LIMIT, STORY_LIMIT, length_in_characters},
    },
    viewer::{HoveredThread, MeterVisible},
};

pub(super) fn plugin(app: &mut App) {
    // The kiosk starts in attract mode, where the meter is not shown.
    app.insert_resource(MeterVisible(false))
        .init_resource::<OnScreenKeys>()
        .init_resource::<CodeEntry>()
        .add_systems(
            Update,
            forget_hovered_thread
                .run_if(not(in_state(Screen::Browse)))
                .after(crate::schedule::AppSystems::ReadInput),
        )
        .add_systems(OnEnter(Screen::Browse), show_meter)
        .add_systems(OnExit(Screen::Browse), (hide_meter, forget_code_entry))
        .add_systems(OnExit(Screen::Form), reset_on_screen_keys)
        .add_systems(
            EguiPrimaryContextPass,
            (
                attract_screen.run_if(in_state(Screen::Attract)),
                form_screen.run_if(in_state(Screen::Form)),
                receipt_screen.run_if(in_state(Screen::Receipt)),
                browse_bar.run_if(in_state(Screen::Browse)),
                phone_arrival.run_if(in_state(Screen::Attract).or_else(in_state(Screen::Browse))),
            )
                .chain()
                .in_set(Layer::Visitor),
        );
}

/// Threads are read by touching them while browsing; over the form or the invitation a card
/// would only get in the way. Every frame outside browsing, as the pointer finds threads on any
/// screen.
fn forget_hovered_thread(mut hovered: ResMut<HoveredThread>) {
    if hovered.0.is_some() {
        hovered.0 = None;
    }
}

/// The diversity meter is there for someone looking at the cloak; attract mode has its
/// invitation, and the form its visitor.
fn show_meter(mut meter: ResMut<MeterVisible>) {
    meter.0 = true;
}

fn hide_meter(mut meter: ResMut<MeterVisible>) {
    meter.0 = false;
}

/// Paints `grid` as a square of `side` points with its quiet zone, dark on white.
fn paint_qr(ui: &mut egui::Ui, grid: &QrGrid, side: f32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 6.0, egui::Color32::WHITE);
    let quiet = 3.0;
    let module = side / (grid.size as f32 + 2.0 * quiet);
    for y in 0..grid.size {
        for x in 0..grid.size {
            if grid.is_dark(x, y) {
                let min =
                    rect.min + egui::vec2((x as f32 + quiet) * module, (y as f32 + quiet) * module);
                painter.rect_filled(
                    egui::Rect::from_min_size(min, egui::vec2(module + 0.3, module + 0.3)),
                    0.0,
                    egui::Color32::BLACK,
                );
            }
        }
    }
}

/// Nobody here: the invitation, breathing, and the phone form's QR code.
fn attract_screen(
    mut contexts: EguiContexts,
    phone: Res<PhoneForm>,
    time: Res<Time<Real>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    // A slow breath in the invitation's glow, so the screen reads as alive from afar.
    let breath = 0.75 + 0.25 * (time.elapsed_secs() * 1.3).sin();
    egui::Area::new(egui::Id::new("attract"))
        .anchor(egui::Align2::LEFT_BOTTOM, [56.0, -56.0])
        .interactable(false)
        .show(ctx, |ui| {
            panel_frame().show(ui, |ui| {
                ui.set_width(640.0);
                ui.label(
                    egui::RichText::new("Share a dream")
                        .size(76.0)
                        .color(GLOW.gamma_multiply(breath)),
                );
                ui.label(
                    egui::RichText::new(
                        "Touch the screen to weave your dream into the cloak, in the colours \
                         of where it comes from.",
                    )
                    .size(30.0),
                );
                ui.label(
                    egui::RichText::new(
                        "The Protocol wants one seamless dream. Every thread says otherwise.",
                    )
                    .size(22.0)
                    .italics()
                    .color(egui::Color32::from_gray(190)),
                );
            });
        });
    if let (Some(grid), Some(url)) = (&phone.qr, &phone.url) {
        egui::Area::new(egui::Id::new("attract qr"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-56.0, -56.0])
            .interactable(false)
            .show(ctx, |ui| {
                panel_frame().inner_margin(20.0).show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.label(egui::RichText::new("or on your phone").size(26.0));
                        paint_qr(ui, grid, 240.0);
                        ui.label(
                            egui::RichText::new(url)
                                .size(18.0)
                                .color(egui::Color32::from_gray(180)),
                        );
                    });
                });
            });
    }
    Ok(())
}

fn field_problems(ui: &mut egui::Ui, flow: &KioskFlow, field: Field) {
    for problem in flow.problems_of(field) {
        ui.colored_label(PROBLEM, problem);
    }
}

/// The on-screen keyboard's state and the field it types into. Each new form starts afresh.
#[derive(Resource)]
struct OnScreenKeys {
    keyboard: Keyboard,
    target: Field,
}

impl Default for OnScreenKeys {
    fn default() -> Self {
        Self {
            keyboard: Keyboard::default(),
            target: Field::Story,
        }
    }
}

fn reset_on_screen_keys(mut keys: ResMut<OnScreenKeys>) {
    *keys = OnScreenKeys::default();
}

/// The visitor form: their dream, where it comes from, and their choices.
fn form_screen(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    mut submit: MessageWriter<SubmitDraft>,
    policy: Res<KioskPolicy>,
    curator: Res<Curator>,
    mut keys: ResMut<OnScreenKeys>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let width = (ctx.content_rect().width() - 80.0).clamp(320.0, 960.0);
    let mut browse = false;
    // With the keyboard, the form moves up to leave it the bottom of the screen.
    let (anchor, offset) = if policy.on_screen_keyboard {
        (egui::Align2::CENTER_TOP, [0.0, 24.0])
    } else {
        (egui::Align2::CENTER_CENTER, [0.0, 0.0])
    };
    if policy.on_screen_keyboard && !flow.sending {
        on_screen_keyboard(ctx, &mut flow, &mut keys);
    }
    let session = flow.session();
    kiosk_window("visitor form", anchor, offset)
        .fixed_size([width, 0.0])
        .show(ctx, |ui| {
            let sending = flow.sending;
            ui.label(egui::RichText::new("Share a dream").size(46.0).color(GLOW));
            ui.label(
                "Your dream becomes a thread in the cloak, coloured by where it comes from. You \
                 will get a code to find your thread again, or to take it back.",
            );
            ui.add_space(8.0);
            ui.label(egui::RichText::new("Your dream").strong());
            let rows = if policy.on_screen_keyboard { 3 } else { 4 };
            let story = story_field(ui, &mut flow.draft.story, session, rows, !sending);
            if curator.stage == Stage::Closed
                && flow.draft.story.is_empty()
                && !story.has_focus()
                && flow.idle < 0.5
            {
                story.request_focus();
            }
            if story.changed() {
                flow.problems.retain(|(field, _)| *field != Field::Story);
            }
            if story.has_focus() {
                keys.target = Field::Story;
            }
            // Counted as the rules count (grapheme clusters after NFC), not in `char`s.
            let count = length_in_characters(&flow.draft.story);
            ui.horizontal(|ui| {
                let colour = if count > STORY_LIMIT {
                    PROBLEM
                } else {
                    egui::Color32::from_gray(170)
                };
                ui.colored_label(colour, format!("{count} / {STORY_LIMIT} characters"));
            });
            field_problems(ui, &flow, Field::Story);
            ui.label(egui::RichText::new("Where your dream comes from").strong());
            let origin = origin_field(
                ui,
                &mut flow.draft.origin,
                session,
                !sending,
                &format!(
                    "Your culture or place, in your own words (up to {ORIGIN_LIMIT} characters)"
                ),
            );
            if origin.changed() {
                flow.problems.retain(|(field, _)| *field != Field::Origin);
            }
            if origin.has_focus() {
                keys.target = Field::Origin;
            }
            field_problems(ui, &flow, Field::Origin);
            ui.add_space(6.0);
            form_choices(ui, &mut flow, policy.moderation);
            ui.add_space(10.0);
            let (weave, look) = form_buttons(ui, sending);
            if weave {
                submit.write(SubmitDraft);
            }
            browse = look;
        });
    if browse {
        flow.browse();
    }
    Ok(())
}

/// The consent choices in plain words, and what the visitor should know before sending.
fn form_choices(ui: &mut egui::Ui, flow: &mut KioskFlow, moderation: Moderation) {
    let sending = flow.sending;
    ui.add_enabled(
        !sending,
        egui::Checkbox::new(
            &mut flow.draft.show,
            "Show my thread on the cloak, where others can read it",
        ),
    );
    ui.add_enabled(
        !sending,
        egui::Checkbox::new(
            &mut flow.draft.sanctuary,
            "Protect it in the Sanctuary: the Protocol may not dissolve it",
        ),
    );
    if moderation == Moderation::Pre {
        ui.small("A curator reads every dream before it joins the cloak.");
    }
    if let Some(notice) = &flow.notice {
        ui.colored_label(PROBLEM, notice);
    }
}

/// Big keys along the bottom of the screen, typing into the field last touched.
fn on_screen_keyboard(ctx: &egui::Context, flow: &mut KioskFlow, keys: &mut OnScreenKeys) {
    let unit = 78.0;
    egui::Area::new(egui::Id::new("on-screen keyboard"))
        .anchor(egui::Align2::CENTER_BOTTOM, [0.0, -16.0])
        .show(ctx, |ui| {
            panel_frame().inner_margin(14.0).show(ui, |ui| {
                let gap = 8.0;
                ui.spacing_mut().item_spacing = egui::vec2(gap, gap);
                let key_width = |key: Key| unit * key.width() + gap * (key.width() - 1.0);
                let row_width = |row: &[Key]| {
                    row.iter().map(|k| key_width(*k)).sum::<f32>()
                        + gap * (row.len().saturating_sub(1)) as f32
                };
                let rows = keys.keyboard.rows();
                let widest = rows.iter().map(|r| row_width(r)).fold(0.0, f32::max);
                for row in rows {
                    ui.horizontal(|ui| {
                        // Rows centred under each other, as on a phone.
                        ui.add_space((widest - row_width(&row)) / 2.0);
                        for key in row {
                            let label = key.label(&keys.keyboard);
                            let lit = key == Key::Shift && keys.keyboard.shift;
                            let button = egui::Button::new(egui::RichText::new(label).size(28.0))
                                .selected(lit);
                            let size = [key_width(key), 62.0];
                            if ui.add_sized(size, button).clicked() {
                                let target = keys.target;
                                let text = match target {
                                    Field::Origin => &mut flow.draft.origin,
                                    _ => &mut flow.draft.story,
                                };
                                keys.keyboard.press(key, text);
                                flow.problems.retain(|(field, _)| *field != target);
                            }
                        }
                    });
                }
            });
        });
}

/// "Weave my dream in" and "Just look at the cloak", or the wait while the dream is stored.
fn form_buttons(ui: &mut egui::Ui, sending: bool) -> (bool, bool) {
    ui.horizontal(|ui| {
        if sending {
            ui.spinner();
            ui.label("Weaving your dream in…");
            return (false, false);
        }
        let weave = egui::Button::new(
            egui::RichText::new("Weave my dream in")
                .strong()
                .color(egui::Color32::from_rgb(26, 16, 48)),
        )
        .fill(GLOW);
        let weave = ui.add(weave).clicked();
        let look = ui.button("Just look at the cloak").clicked();
        (weave, look)
    })
    .inner
}

/// After a submission: the receipt code and what it is for, until "Done" or the timeout.
fn receipt_screen(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    phone: Res<PhoneForm>,
) -> Result {
    let Some(shown) = flow.receipt else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let mut done = false;
    kiosk_window("receipt", egui::Align2::RIGHT_BOTTOM, [-40.0, -40.0]).show(ctx, |ui| {
        ui.set_max_width(560.0);
        let (title, text) = match (shown.status, shown.shown) {
            (_, false) => (
                "Your dream is kept",
                "It is in the store, and not on the cloak, as you asked.",
            ),
            (Status::Pending, true) => (
                "Your dream is received",
                "A curator reads every dream first; your thread joins the cloak soon.",
            ),
            _ => (
                "Your dream is woven in",
                "Watch the cloak: your thread is the one that shines.",
            ),
        };
        ui.label(egui::RichText::new(title).size(40.0).color(GLOW));
        ui.label(text);
        ui.add_space(6.0);
        ui.label("Your code:");
        ui.label(
            egui::RichText::new(shown.receipt.as_str())
                .monospace()
                .size(72.0)
                .color(GLOW),
        );
        let phone_hint = if phone.url.is_some() {
            " or on the phone form"
        } else {
            ""
        };
        ui.label(format!(
            "Keep it — take a photo. Type it here{phone_hint} to find your thread, or to \
                 take your dream back at any time."
        ));
        ui.add_space(8.0);
        if ui.button("Done").clicked() {
            done = true;
        }
    });
    if done {
        flow.browse();
    }
    Ok(())
}

/// The code typed into the browse bar, and the code whose erasure waits for a second press.
/// Cleared when the visitor leaves browsing.
#[derive(Resource, Default)]
struct CodeEntry {
    code: String,
    confirm_withdraw: Option<Receipt>,
}

fn forget_code_entry(mut entry: ResMut<CodeEntry>) {
    *entry = CodeEntry::default();
}

/// While someone looks at the cloak: share a dream, or find / take back a thread by its code.
fn browse_bar(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    mut requests: MessageWriter<CodeRequest>,
    mut answer: ResMut<CodeAnswer>,
    mut entry: ResMut<CodeEntry>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let session = flow.session();
    let CodeEntry {
        code,
        confirm_withdraw,
    } = &mut *entry;
    let mut share = false;
    egui::Area::new(egui::Id::new("browse bar"))
        .anchor(egui::Align2::CENTER_BOTTOM, [0.0, -32.0])
        .show(ctx, |ui| {
            panel_frame().inner_margin(18.0).show(ui, |ui| {
                ui.horizontal(|ui| {
                    let share_button = egui::Button::new(
                        egui::RichText::new("Share a dream")
                            .strong()
                            .color(egui::Color32::from_rgb(26, 16, 48)),
                    )
                    .fill(GLOW);
                    if ui.add(share_button).clicked() {
                        share = true;
                    }
                    ui.add_space(24.0);
                    ui.label("Your code:");
                    code_field(ui, &mut *code, session);
                    let parsed = code.parse::<Receipt>();
                    if ui.button("Find my thread").clicked() {
                        *confirm_withdraw = None;
                        match &parsed {
                            Ok(receipt) => {
                                requests.write(CodeRequest::Find(*receipt));
                            }
                            Err(error) => answer.0 = Some(format!("{error}.")),
                        }
                    }
                    let label = match (*confirm_withdraw, &parsed) {
                        (Some(pending), Ok(receipt)) if pending == *receipt => "Yes, erase it",
                        _ => "Take it back",
                    };
                    if ui.button(label).clicked() {
                        match &parsed {
                            Ok(receipt) if *confirm_withdraw == Some(*receipt) => {
                                requests.write(CodeRequest::Withdraw(*receipt));
                                *confirm_withdraw = None;
                                code.clear();
                            }
                            Ok(receipt) => {
                                *confirm_withdraw = Some(*receipt);
                                answer.0 = Some(format!(
                                    "Press \"Yes, erase it\" to erase the dream {receipt} for good."
                                ));
                            }
                            Err(error) => answer.0 = Some(format!("{error}.")),
                        }
                    }
                });
                if let Some(text) = &answer.0 {
                    ui.label(egui::RichText::new(text).color(GLOW));
                }
            });
        });
    if share {
        flow.open_form();
    }
    Ok(())
}

/// Seconds the "from a phone" note stays.
const ARRIVAL_NOTE_SECONDS: f64 = 8.0;

/// A note that a dream came in from a phone, over attract mode or browsing.
fn phone_arrival(
    mut contexts: EguiContexts,
    arrival: Res<PhoneArrival>,
    time: Res<Time<Real>>,
) -> Result {
    let Some((_, at)) = arrival.0 else {
        return Ok(());
    };
    if time.elapsed_secs_f64() - at > ARRIVAL_NOTE_SECONDS {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Area::new(egui::Id::new("phone arrival"))
        .anchor(egui::Align2::CENTER_TOP, [0.0, 32.0])
        .interactable(false)
        .show(ctx, |ui| {
            panel_frame().inner_margin(14.0).show(ui, |ui| {
                ui.label(
                    egui::RichText::new("A new dream arrived from a phone")
                        .size(26.0)
                        .color(GLOW),
                );
            });
        });
    Ok(())
}
