//! The visitor's screens: attract mode's invitation and QR code, the form with its language
//! choice and on-screen keyboard, the receipt, the browse bar, and the note when a dream arrives
//! from a phone. Big type and big targets for fingers; every word in the visitor's language, the
//! panels mirrored for one written right to left. Each screen's systems run in its
//! `State<Screen>`; what a screen leaves behind (the keyboard, a half-typed code) is cleared on
//! leaving it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{
    GLOW, Layer, Look, PROBLEM, Sides, bright_button, button, check, choice, code,
    fields::{code_field, field_hint, origin_field, story_field},
    kiosk_window, on_screen, panel_frame, sized_button, words,
};
use crate::{
    i18n::{Language, Phrase, Translations, Voice},
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

/// Nobody here: the invitation, breathing, and the phone form's QR code (in a language written
/// right to left, the invitation bottom right and the code bottom left).
fn attract_screen(
    mut contexts: EguiContexts,
    phone: Res<PhoneForm>,
    time: Res<Time<Real>>,
    flow: Res<KioskFlow>,
    translations: Res<Translations>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let say = translations.voice(flow.language);
    let sides = Sides::of(flow.language);
    // A slow breath in the invitation's glow, so the screen reads as alive from afar.
    let breath = 0.75 + 0.25 * (time.elapsed_secs() * 1.3).sin();
    let (anchor, offset) = sides.anchor(egui::Align2::LEFT_BOTTOM, [56.0, -56.0]);
    egui::Area::new(egui::Id::new("attract"))
        .anchor(anchor, offset)
        .interactable(false)
        .show(ctx, |ui| {
            panel_frame().show(ui, |ui| {
                ui.set_width(640.0);
                sides.column(ui, |ui| {
                    words(
                        ui,
                        &say.text("attract-title"),
                        Look::title(76.0).coloured(GLOW.gamma_multiply(breath)),
                    );
                    words(
                        ui,
                        &say.text("attract-invitation"),
                        Look::body().sized(30.0),
                    );
                    words(
                        ui,
                        &say.text("attract-protocol"),
                        Look::body()
                            .sized(22.0)
                            .in_italics()
                            .coloured(egui::Color32::from_gray(190)),
                    );
                });
            });
        });
    if let (Some(grid), Some(url)) = (&phone.qr, &phone.url) {
        let (anchor, offset) = sides.anchor(egui::Align2::RIGHT_BOTTOM, [-56.0, -56.0]);
        egui::Area::new(egui::Id::new("attract qr"))
            .anchor(anchor, offset)
            .interactable(false)
            .show(ctx, |ui| {
                panel_frame().inner_margin(20.0).show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        words(ui, &say.text("attract-phone"), Look::body().sized(26.0));
                        paint_qr(ui, grid, 240.0);
                        words(
                            ui,
                            url,
                            Look::small().coloured(egui::Color32::from_gray(180)),
                        );
                    });
                });
            });
    }
    Ok(())
}

fn field_problems(ui: &mut egui::Ui, flow: &KioskFlow, field: Field, say: Voice<'_>) {
    for problem in flow.problems_of(field) {
        words(ui, &on_screen(say, problem), Look::problem());
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

/// The visitor form: the language they read, their dream, where it comes from, and their
/// choices.
fn form_screen(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    mut submit: MessageWriter<SubmitDraft>,
    policy: Res<KioskPolicy>,
    curator: Res<Curator>,
    mut keys: ResMut<OnScreenKeys>,
    translations: Res<Translations>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let width = (ctx.content_rect().width() - 80.0).clamp(320.0, 960.0);
    let language = flow.language;
    let say = translations.voice(language);
    let sides = Sides::of(language);
    let mut browse = false;
    let mut chosen = None;
    // With the keyboard, the form moves up to leave it the bottom of the screen.
    let (anchor, offset) = if policy.on_screen_keyboard {
        (egui::Align2::CENTER_TOP, [0.0, 24.0])
    } else {
        (egui::Align2::CENTER_CENTER, [0.0, 0.0])
    };
    if policy.on_screen_keyboard && !flow.sending {
        on_screen_keyboard(ctx, &mut flow, &mut keys, say);
    }
    let session = flow.session();
    kiosk_window("visitor form", anchor, offset)
        .fixed_size([width, 0.0])
        .show(ctx, |ui| {
            sides.column(ui, |ui| {
                let sending = flow.sending;
                chosen = language_choice(ui, language, sides);
                words(ui, &say.text("form-title"), Look::title(46.0));
                words(ui, &say.text("form-intro"), Look::body());
                ui.add_space(8.0);
                words(ui, &say.text("form-story-label"), Look::label());
                let rows = if policy.on_screen_keyboard { 3 } else { 4 };
                let story_hint = say.text("form-story-hint");
                let story_hint = hint_for(ui, &story_hint);
                let story = story_field(
                    ui,
                    &mut flow.draft.story,
                    session,
                    rows,
                    !sending,
                    story_hint,
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
                shaped_preview(ui, &flow.draft.story);
                // Counted as the rules count (grapheme clusters after NFC), not in `char`s.
                let count = length_in_characters(&flow.draft.story);
                sides.row(ui, |ui| {
                    let colour = if count > STORY_LIMIT {
                        PROBLEM
                    } else {
                        egui::Color32::from_gray(170)
                    };
                    let counted = Phrase::new("form-story-count")
                        .with_count("count", count)
                        .with_count("limit", STORY_LIMIT);
                    words(ui, &say.phrase(&counted), Look::body().coloured(colour));
                });
                field_problems(ui, &flow, Field::Story, say);
                words(ui, &say.text("form-origin-label"), Look::label());
                let hint =
                    say.phrase(&Phrase::new("form-origin-hint").with_count("limit", ORIGIN_LIMIT));
                let hint = hint_for(ui, &hint);
                let origin = origin_field(ui, &mut flow.draft.origin, session, !sending, hint);
                if origin.changed() {
                    flow.problems.retain(|(field, _)| *field != Field::Origin);
                }
                if origin.has_focus() {
                    keys.target = Field::Origin;
                }
                shaped_preview(ui, &flow.draft.origin);
                field_problems(ui, &flow, Field::Origin, say);
                ui.add_space(6.0);
                form_choices(ui, &mut flow, policy.moderation, say);
                ui.add_space(10.0);
                let (weave, look) = form_buttons(ui, sending, say, sides);
                if weave {
                    submit.write(SubmitDraft);
                }
                browse = look;
            });
        });
    if let Some(language) = chosen {
        flow.choose_language(language);
    }
    if browse {
        flow.browse();
    }
    Ok(())
}

/// A row of small buttons, each language in its own name, the one read now lit: the language the
/// visitor picked, if they picked one.
fn language_choice(ui: &mut egui::Ui, current: Language, sides: Sides) -> Option<Language> {
    sides.row(ui, |ui| {
        let mut picked = None;
        for language in Language::ALL {
            let lit = language == current;
            if choice(ui, language.native_name(), Look::small(), lit).clicked() && !lit {
                picked = Some(language);
            }
        }
        picked
    })
}

/// The consent choices in plain words, and what the visitor should know before sending.
fn form_choices(ui: &mut egui::Ui, flow: &mut KioskFlow, moderation: Moderation, say: Voice<'_>) {
    let sending = flow.sending;
    check(ui, &mut flow.draft.show, &say.text("form-show"), !sending);
    check(
        ui,
        &mut flow.draft.sanctuary,
        &say.text("form-sanctuary"),
        !sending,
    );
    if moderation == Moderation::Pre {
        words(ui, &say.text("form-pre-moderation"), Look::small());
    }
    if let Some(notice) = &flow.notice {
        words(ui, &on_screen(say, notice), Look::problem());
    }
}

/// Big keys along the bottom of the screen, typing into the field last touched. The keys are
/// Latin and laid out left to right in every language; their named keys are said in the
/// visitor's.
fn on_screen_keyboard(
    ctx: &egui::Context,
    flow: &mut KioskFlow,
    keys: &mut OnScreenKeys,
    say: Voice<'_>,
) {
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
                            let label = key
                                .message_id()
                                .map_or_else(|| key.label(&keys.keyboard), |id| say.text(id));
                            let lit = key == Key::Shift && keys.keyboard.shift;
                            let size = [key_width(key), 62.0];
                            if sized_button(ui, &label, Look::button().sized(28.0), size, lit)
                                .clicked()
                            {
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
fn form_buttons(ui: &mut egui::Ui, sending: bool, say: Voice<'_>, sides: Sides) -> (bool, bool) {
    sides.row(ui, |ui| {
        if sending {
            ui.spinner();
            words(ui, &say.text("form-weaving"), Look::body());
            return (false, false);
        }
        let weave = bright_button(ui, &say.text("form-weave"), Look::button()).clicked();
        let look = button(ui, &say.text("form-just-look"), Look::button()).clicked();
        (weave, look)
    })
}

/// After a submission: the receipt code and what it is for, until "Done" or the timeout.
fn receipt_screen(
    mut contexts: EguiContexts,
    mut flow: ResMut<KioskFlow>,
    phone: Res<PhoneForm>,
    translations: Res<Translations>,
) -> Result {
    let Some(shown) = flow.receipt.clone() else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let say = translations.voice(flow.language);
    let sides = Sides::of(flow.language);
    let mut done = false;
    let (anchor, offset) = sides.anchor(egui::Align2::RIGHT_BOTTOM, [-40.0, -40.0]);
    if let Some(card) = &shown.card {
        // Their keepsake card, opposite the receipt: the dream in their own script, the thread
        // in its colours, the code.
        let texture = card_texture(ctx, shown.receipt, card);
        let (anchor, offset) = sides.anchor(egui::Align2::LEFT_BOTTOM, [40.0, -40.0]);
        egui::Area::new(egui::Id::new("receipt card"))
            .anchor(anchor, offset)
            .interactable(false)
            .show(ctx, |ui| {
                panel_frame().inner_margin(10.0).show(ui, |ui| {
                    ui.add(egui::Image::from_texture((
                        texture.id(),
                        egui::vec2(card.width as f32, card.height as f32) * 0.9,
                    )));
                });
            });
    }
    kiosk_window("receipt", anchor, offset).show(ctx, |ui| {
        ui.set_max_width(560.0);
        sides.column(ui, |ui| {
            let (title, text) = match (shown.status, shown.shown, shown.id) {
                (_, false, _) => ("receipt-kept-title", "receipt-kept"),
                (Status::Pending, true, _) => ("receipt-pending-title", "receipt-pending"),
                // Kept in the outbox while the exhibition's database is away: its thread comes
                // once it is forwarded, not at once.
                (_, true, None) => ("receipt-soon-title", "receipt-soon"),
                _ => ("receipt-woven-title", "receipt-woven"),
            };
            words(ui, &say.text(title), Look::title(40.0));
            words(ui, &say.text(text), Look::body());
            ui.add_space(6.0);
            words(ui, &say.text("receipt-code"), Look::body());
            code(ui, shown.receipt.as_str(), 72.0);
            let phone_form = if phone.url.is_some() { "yes" } else { "no" };
            let keep = Phrase::new("receipt-keep").with_text("phone", phone_form);
            words(ui, &say.phrase(&keep), Look::body());
            ui.add_space(8.0);
            if button(ui, &say.text("receipt-done"), Look::button()).clicked() {
                done = true;
            }
        });
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
    translations: Res<Translations>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let session = flow.session();
    let say = translations.voice(flow.language);
    let sides = Sides::of(flow.language);
    let CodeEntry {
        code,
        confirm_withdraw,
    } = &mut *entry;
    let mut share = false;
    egui::Area::new(egui::Id::new("browse bar"))
        .anchor(egui::Align2::CENTER_BOTTOM, [0.0, -32.0])
        .show(ctx, |ui| {
            panel_frame().inner_margin(18.0).show(ui, |ui| {
                sides.column(ui, |ui| {
                    sides.row(ui, |ui| {
                        if bright_button(ui, &say.text("browse-share"), Look::button()).clicked() {
                            share = true;
                        }
                        ui.add_space(24.0);
                        words(ui, &say.text("browse-code"), Look::body());
                        code_field(ui, &mut *code, session);
                        let parsed = code.parse::<Receipt>();
                        if button(ui, &say.text("browse-find"), Look::button()).clicked() {
                            *confirm_withdraw = None;
                            match &parsed {
                                Ok(receipt) => {
                                    requests.write(CodeRequest::Find(*receipt));
                                }
                                Err(error) => answer.0 = Some(error.phrase()),
                            }
                        }
                        let label = match (*confirm_withdraw, &parsed) {
                            (Some(pending), Ok(receipt)) if pending == *receipt => "browse-erase",
                            _ => "browse-take-back",
                        };
                        if button(ui, &say.text(label), Look::button()).clicked() {
                            match &parsed {
                                Ok(receipt) if *confirm_withdraw == Some(*receipt) => {
                                    requests.write(CodeRequest::Withdraw(*receipt));
                                    *confirm_withdraw = None;
                                    code.clear();
                                }
                                Ok(receipt) => {
                                    *confirm_withdraw = Some(*receipt);
                                    answer.0 = Some(
                                        Phrase::new("browse-confirm-erase")
                                            .with_text("code", receipt.as_str()),
                                    );
                                }
                                Err(error) => answer.0 = Some(error.phrase()),
                            }
                        }
                    });
                    if let Some(said) = &answer.0 {
                        words(ui, &on_screen(say, said), Look::body().coloured(GLOW));
                    }
                });
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
    flow: Res<KioskFlow>,
    translations: Res<Translations>,
) -> Result {
    let Some((_, at)) = arrival.0 else {
        return Ok(());
    };
    if time.elapsed_secs_f64() - at > ARRIVAL_NOTE_SECONDS {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let say = translations.voice(flow.language);
    egui::Area::new(egui::Id::new("phone arrival"))
        .anchor(egui::Align2::CENTER_TOP, [0.0, 32.0])
        .interactable(false)
        .show(ctx, |ui| {
            panel_frame().inner_margin(14.0).show(ui, |ui| {
                words(ui, &say.text("phone-arrival"), Look::title(26.0));
            });
        });
    Ok(())
}

/// The card's texture, uploaded once per receipt and kept in one slot of egui's memory: the next
/// receipt's card replaces it, so cards never pile up over the weeks of an exhibition.
fn card_texture(
    ctx: &egui::Context,
    receipt: Receipt,
    card: &crate::card::Card,
) -> egui::TextureHandle {
    let slot = egui::Id::new("receipt card");
    if let Some((shown, texture)) =
        ctx.data(|data| data.get_temp::<(Receipt, egui::TextureHandle)>(slot))
        && shown == receipt
    {
        return texture;
    }
    let image = egui::ColorImage::from_rgba_unmultiplied(
        [card.width as usize, card.height as usize],
        &card.rgba,
    );
    let texture = ctx.load_texture("receipt card", image, egui::TextureOptions::LINEAR);
    ctx.data_mut(|data| data.insert_temp(slot, (receipt, texture.clone())));
    texture
}

/// What the visitor is typing, shaped, under a field: egui's text field places glyphs one by one,
/// so Arabic stands unjoined and left to right there, Devanagari without its conjuncts. The
/// preview shows the words as the cloak and the card will, for any text that needs shaping.
fn shaped_preview(ui: &mut egui::Ui, typed: &str) {
    if !crate::text::needs_shaping(typed) {
        return;
    }
    egui::Frame::new()
        .fill(egui::Color32::from_rgba_premultiplied(8, 6, 20, 200))
        .corner_radius(8.0)
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            words(
                ui,
                typed,
                Look::body().coloured(egui::Color32::from_rgb(244, 238, 252)),
            );
        });
}

/// The hint to put inside a field: `hint` where egui writes it correctly; otherwise none, and
/// `hint` shown shaped above the field instead.
fn hint_for<'a>(ui: &mut egui::Ui, hint: &'a str) -> &'a str {
    let inside = field_hint(hint);
    if inside.is_empty() {
        words(ui, hint, Look::small());
    }
    inside
}
