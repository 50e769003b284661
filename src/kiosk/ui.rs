//! The kiosk's screens in egui, drawn over the piece: attract mode's invitation and QR code, the
//! visitor form, the receipt, the browse bar, the curator's PIN pad and panel. Big type and big
//! targets for fingers; every word in plain language. The systems only draw [`KioskFlow`] and
//! [`Curator`] and send messages; the logic lives in `flow`, `curator` and `mod.rs`.

use bevy::{
    prelude::*,
    window::{CursorOptions, PrimaryWindow},
};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{
    CodeAnswer, CodeRequest, KioskPolicy, PhoneArrival, PhoneForm, SubmitDraft,
    curator::{Curator, CuratorAction, PinOutcome, Stage},
    flow::{KioskFlow, KioskTimings, Screen},
    keyboard::{Key, Keyboard},
    qr::QrGrid,
};
use crate::{
    narrative::{
        receipt::Receipt,
        store::{Moderation, Status, StoredNarrative},
        validate::{Field, ORIGIN_LIMIT, STORY_LIMIT},
    },
    viewer::{HoveredThread, MeterVisible},
};

/// Warm gold of the piece's highlights.
const GLOW: egui::Color32 = egui::Color32::from_rgb(255, 207, 138);
/// Soft red for problems.
const PROBLEM: egui::Color32 = egui::Color32::from_rgb(255, 160, 150);
/// Panels: the night sky, a little see-through.
const PANEL: egui::Color32 = egui::Color32::from_rgba_premultiplied(16, 11, 34, 242);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            hide_idle_cursor,
            meter_while_browsing,
            read_only_while_browsing,
        )
            .after(crate::AppSystems::ReadInput),
    )
    .add_systems(
        EguiPrimaryContextPass,
        (
            big_type,
            (
                attract_screen,
                form_screen,
                receipt_screen,
                browse_bar,
                phone_arrival,
            )
                .run_if(curator_closed),
            curator_screens,
        )
            .chain(),
    );
}

/// Height the screens are laid out for, in points: any screen shows them as a 1080p one would.
const DESIGN_HEIGHT: f32 = 1080.0;

/// The curator's pad and panel replace the visitor's screens while they are open.
fn curator_closed(curator: Res<Curator>) -> bool {
    curator.stage == Stage::Closed
}

/// Large text and large targets, set once; the zoom follows the screen so that the layout is
/// the same on a 720p test window and a 4K gallery screen.
fn big_type(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    let ctx = contexts.ctx_mut()?;
    // The screen's height in unzoomed points (physical pixels over the display's scale).
    let native_height = ctx.viewport_rect().height() * ctx.zoom_factor();
    if native_height > 1.0 {
        let zoom = (native_height / DESIGN_HEIGHT).clamp(0.3, 4.0);
        if (ctx.zoom_factor() - zoom).abs() > 1e-3 {
            ctx.set_zoom_factor(zoom);
        }
    }
    if *done {
        return Ok(());
    }
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily::Proportional, FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Heading, FontId::new(46.0, Proportional)),
            (TextStyle::Body, FontId::new(24.0, Proportional)),
            (TextStyle::Button, FontId::new(26.0, Proportional)),
            (TextStyle::Small, FontId::new(18.0, Proportional)),
            (
                TextStyle::Monospace,
                FontId::new(24.0, egui::FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(14.0, 12.0);
        style.spacing.button_padding = egui::vec2(22.0, 14.0);
        style.spacing.interact_size = egui::vec2(56.0, 48.0);
        style.spacing.icon_width = 34.0;
        style.spacing.icon_width_inner = 20.0;
        style.spacing.icon_spacing = 14.0;
        let visuals = &mut style.visuals;
        visuals.selection.bg_fill = egui::Color32::from_rgb(120, 90, 40);
        // Fields and boxes in the night's violet rather than black; text a little brighter.
        visuals.extreme_bg_color = egui::Color32::from_rgb(30, 22, 56);
        visuals.text_edit_bg_color = Some(egui::Color32::from_rgb(30, 22, 56));
        visuals.widgets.inactive.bg_fill = egui::Color32::from_rgb(58, 46, 96);
        visuals.widgets.inactive.weak_bg_fill = egui::Color32::from_rgb(58, 46, 96);
        visuals.widgets.hovered.weak_bg_fill = egui::Color32::from_rgb(78, 62, 126);
        visuals.widgets.noninteractive.fg_stroke.color = egui::Color32::from_gray(218);
        visuals.widgets.inactive.fg_stroke.color = egui::Color32::from_gray(232);
    });
    *done = true;
    Ok(())
}

/// A panel of the kiosk: no title bar, not movable by a visitor, fixed at `anchor`.
fn kiosk_window(
    id: &'static str,
    anchor: egui::Align2,
    offset: impl Into<egui::Vec2>,
) -> egui::Window<'static> {
    egui::Window::new(id)
        .id(egui::Id::new(id))
        .title_bar(false)
        .resizable(false)
        .collapsible(false)
        .movable(false)
        .anchor(anchor, offset)
        .frame(panel_frame())
}

fn panel_frame() -> egui::Frame {
    egui::Frame::new()
        .fill(PANEL)
        .corner_radius(18.0)
        .inner_margin(28.0)
        .stroke(egui::Stroke::new(1.5, GLOW.gamma_multiply(0.5)))
}

/// The cursor disappears while the mouse is still, so an unattended screen shows only the piece.
fn hide_idle_cursor(
    time: Res<Time<Real>>,
    timings: Res<KioskTimings>,
    mut moved: MessageReader<CursorMoved>,
    mut cursors: Query<&mut CursorOptions, With<PrimaryWindow>>,
    mut still: Local<f32>,
) {
    if moved.read().count() > 0 {
        *still = 0.0;
    } else {
        *still += time.delta_secs();
    }
    let visible = *still < timings.cursor_hide_after;
    for mut cursor in &mut cursors {
        if cursor.visible != visible {
            cursor.visible = visible;
        }
    }
}

/// Threads are read by touching them while browsing; over the form or the invitation a card
/// would only get in the way.
fn read_only_while_browsing(flow: Res<KioskFlow>, mut hovered: ResMut<HoveredThread>) {
    if flow.screen != Screen::Browse && hovered.0.is_some() {
        hovered.0 = None;
    }
}

/// The diversity meter is there for someone looking at the cloak; attract mode has its
/// invitation, and the form its visitor.
fn meter_while_browsing(flow: Res<KioskFlow>, mut meter: ResMut<MeterVisible>) {
    let visible = flow.screen == Screen::Browse;
    if meter.0 != visible {
        meter.0 = visible;
    }
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

fn attract_screen(
    mut contexts: EguiContexts,
    flow: Res<KioskFlow>,
    phone: Res<PhoneForm>,
    time: Res<Time<Real>>,
) -> Result {
    if flow.screen != Screen::Attract {
        return Ok(());
    }
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

/// The on-screen keyboard's state and the field it types into.
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

fn form_screen(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    mut submit: MessageWriter<SubmitDraft>,
    policy: Res<KioskPolicy>,
    curator: Res<Curator>,
    mut keys: Local<OnScreenKeys>,
) -> Result {
    if flow.screen != Screen::Form {
        *keys = OnScreenKeys::default();
        return Ok(());
    }
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
            let story = ui.add_enabled(
                !sending,
                egui::TextEdit::multiline(&mut flow.draft.story)
                    .desired_rows(if policy.on_screen_keyboard { 3 } else { 4 })
                    .desired_width(f32::INFINITY)
                    .hint_text("In any language. What did you dream?"),
            );
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
            let count = flow.draft.story.chars().count();
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
            let origin = ui.add_enabled(
                !sending,
                egui::TextEdit::singleline(&mut flow.draft.origin)
                    .desired_width(f32::INFINITY)
                    .hint_text(format!(
                        "Your culture or place, in your own words (up to {ORIGIN_LIMIT} characters)"
                    )),
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

fn receipt_screen(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    phone: Res<PhoneForm>,
) -> Result {
    let (Screen::Receipt, Some(shown)) = (flow.screen, flow.receipt) else {
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

/// While someone looks at the cloak: share a dream, or find / take back a thread by its code.
fn browse_bar(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    mut requests: MessageWriter<CodeRequest>,
    mut answer: ResMut<CodeAnswer>,
    mut code: Local<String>,
    mut confirm_withdraw: Local<Option<Receipt>>,
) -> Result {
    if flow.screen != Screen::Browse {
        code.clear();
        *confirm_withdraw = None;
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
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
                    ui.add(
                        egui::TextEdit::singleline(&mut *code)
                            .desired_width(150.0)
                            .char_limit(12)
                            .hint_text("7KQ4XM"),
                    );
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

fn phone_arrival(
    mut contexts: EguiContexts,
    arrival: Res<PhoneArrival>,
    flow: Res<KioskFlow>,
    time: Res<Time<Real>>,
) -> Result {
    let Some((_, at)) = arrival.0 else {
        return Ok(());
    };
    if time.elapsed_secs_f64() - at > ARRIVAL_NOTE_SECONDS
        || !matches!(flow.screen, Screen::Attract | Screen::Browse)
    {
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
