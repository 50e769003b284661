//! The kiosk's screens in egui, drawn over the piece: the visitor's (`visitor`: attract mode,
//! the form, the receipt, the browse bar) and the curator's (`curator`: the PIN pad and the
//! panel), and what they share: big type for fingers, the kiosk's panels and colours, the cursor
//! that hides itself. Every word in plain language. The systems only draw `KioskFlow` and
//! `Curator` and send messages; the logic lives in `flow`, `curator` and `mod.rs`. Which visitor
//! screen draws is the app's `State<Screen>`, which `mod.rs` keeps in step with the flow. The text
//! fields (`fields`) are salted with the visitor session, and egui forgets a session's fields
//! when it ends, so no visitor can Ctrl+Z the last one's words back.
//!
//! Every word the screens show is said in the reader's language (the visitor's choice, the
//! kiosk's own for the curator) from the translations, and drawn through the few functions here:
//! [`words`], [`button`], [`check`] and their kin, each given a [`Look`]. Nothing else in the
//! screens makes text. For a right-to-left language the panels are mirrored ([`Sides`]): their
//! lines start at the right, their rows run from right to left, and the panels in the screen's
//! corners change sides.

mod curator;
mod fields;
mod visitor;

use bevy::{
    prelude::*,
    window::{CursorOptions, PrimaryWindow},
};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::overlay::words::{WordsLook, image as words_image, shaped as shaped_words};

use super::{
    curator::{Curator, Stage},
    flow::{KioskFlow, KioskTimings, capitalise},
};
use crate::i18n::{Language, Phrase, Voice};

/// Warm gold of the piece's highlights.
const GLOW: egui::Color32 = egui::Color32::from_rgb(255, 207, 138);
/// Soft red for problems.
const PROBLEM: egui::Color32 = egui::Color32::from_rgb(255, 160, 150);
/// Panels: the night sky, a little see-through.
const PANEL: egui::Color32 = egui::Color32::from_rgba_premultiplied(16, 11, 34, 242);

/// What each egui pass draws, in this order: the style, the visitor's screens (while no curator
/// is at the kiosk), the curator's pad or panel.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Layer {
    Style,
    Visitor,
    Curator,
}

pub(super) fn plugin(app: &mut App) {
    app.configure_sets(
        EguiPrimaryContextPass,
        (
            Layer::Style,
            Layer::Visitor.run_if(curator_closed),
            Layer::Curator,
        )
            .chain(),
    )
    .add_plugins((visitor::plugin, curator::plugin))
    .add_systems(
        Update,
        hide_idle_cursor.after(crate::schedule::AppSystems::ReadInput),
    )
    .add_systems(
        EguiPrimaryContextPass,
        (big_type, forget_past_visitors).in_set(Layer::Style),
    );
}

/// When the flow moves on to a new visitor ([`KioskFlow::session`]), egui forgets the text
/// fields of the sessions that ended: their undo history holds what was typed in them.
fn forget_past_visitors(
    mut contexts: EguiContexts,
    flow: Res<KioskFlow>,
    mut seen: Local<u64>,
) -> Result {
    let session = flow.session();
    if *seen == session {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    fields::forget_sessions(ctx, *seen, session);
    *seen = session;
    Ok(())
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

/// How a piece of the kiosk's text looks: its size in points, its colour, italic, strong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Look {
    pub size: f32,
    /// [`Look::STYLE_COLOUR`] for the colour the style gives (which follows a button's state).
    pub colour: egui::Color32,
    pub italic: bool,
    pub strong: bool,
}

impl Look {
    /// The colour the style gives text where it stands: brighter when strong, dimmer on a
    /// disabled button. (egui's placeholder colour, never painted as itself.)
    pub const STYLE_COLOUR: egui::Color32 = egui::Color32::PLACEHOLDER;

    /// Running text: 24 points in the style's colour.
    #[must_use]
    pub const fn body() -> Self {
        Self {
            size: 24.0,
            colour: Self::STYLE_COLOUR,
            italic: false,
            strong: false,
        }
    }

    /// A field's label: running text, strong.
    #[must_use]
    pub const fn label() -> Self {
        Self {
            strong: true,
            ..Self::body()
        }
    }

    /// Asides and hints: 18 points.
    #[must_use]
    pub const fn small() -> Self {
        Self {
            size: 18.0,
            ..Self::body()
        }
    }

    /// A button's words: 26 points.
    #[must_use]
    pub const fn button() -> Self {
        Self {
            size: 26.0,
            ..Self::body()
        }
    }

    /// A panel's title: `size` points in the piece's gold.
    #[must_use]
    pub const fn title(size: f32) -> Self {
        Self {
            size,
            colour: GLOW,
            ..Self::body()
        }
    }

    /// A problem or a fault: running text in soft red.
    #[must_use]
    pub const fn problem() -> Self {
        Self {
            colour: PROBLEM,
            ..Self::body()
        }
    }

    /// This look at `size` points.
    #[must_use]
    pub const fn sized(self, size: f32) -> Self {
        Self { size, ..self }
    }

    /// This look in `colour`.
    #[must_use]
    pub const fn coloured(self, colour: egui::Color32) -> Self {
        Self { colour, ..self }
    }

    /// This look in italics.
    #[must_use]
    pub const fn in_italics(self) -> Self {
        Self {
            italic: true,
            ..self
        }
    }

    /// This look, strong.
    #[must_use]
    pub const fn emphasised(self) -> Self {
        Self {
            strong: true,
            ..self
        }
    }

    /// The colour this look paints with in `ui`: its own, or the style's (brighter when strong).
    fn paint_colour(self, ui: &egui::Ui) -> egui::Color32 {
        if self.colour != Self::STYLE_COLOUR {
            return self.colour;
        }
        if self.strong {
            ui.visuals().strong_text_color()
        } else {
            ui.visuals().text_color()
        }
    }

    /// The shaped words' look in `ui`. The embedded fonts have one weight and no italics: strong
    /// words are brighter, italic ones a little dimmer.
    fn shaped(self, ui: &egui::Ui) -> WordsLook {
        let mut colour = self.paint_colour(ui);
        if self.italic {
            colour = colour.gamma_multiply(0.85);
        }
        WordsLook::new(self.size, colour)
    }
}

/// Words on a panel, wrapped to its width. Every word the kiosk shows goes through the text
/// stack, shaped (`overlay::words`): Arabic joined and right to left, Devanagari with its
/// conjuncts, in every language of `assets/locales`.
pub(super) fn words(ui: &mut egui::Ui, text: &str, look: Look) -> egui::Response {
    let width = ui.available_width().max(look.size * 4.0);
    let shaped = look.shaped(ui).wrapped(width);
    shaped_words(ui, text, shaped)
}

/// A button with shaped words on it, in `look` (or the button style's colour).
fn face(ui: &egui::Ui, text: &str, look: Look) -> egui::Image<'static> {
    // On a button, the style's colour is the button's, not running text's.
    let colour = if look.colour == Look::STYLE_COLOUR && !look.strong {
        ui.visuals().widgets.inactive.fg_stroke.color
    } else {
        look.paint_colour(ui)
    };
    words_image(ui.ctx(), text, WordsLook::new(look.size, colour))
}

/// A button with words on it.
pub(super) fn button(ui: &mut egui::Ui, text: &str, look: Look) -> egui::Response {
    let face = face(ui, text, look);
    ui.add(egui::Button::image(face))
}

/// The button a screen is for ("Weave my dream in", "Share a dream"): dark strong words on gold.
pub(super) fn bright_button(ui: &mut egui::Ui, text: &str, look: Look) -> egui::Response {
    let look = look
        .coloured(egui::Color32::from_rgb(26, 16, 48))
        .emphasised();
    let face = face(ui, text, look);
    ui.add(egui::Button::image(face).fill(GLOW))
}

/// A button of `size` points that stays lit while `chosen` (a key of a keyboard or a pad).
pub(super) fn sized_button(
    ui: &mut egui::Ui,
    text: &str,
    look: Look,
    size: impl Into<egui::Vec2>,
    chosen: bool,
) -> egui::Response {
    let face = face(ui, text, look);
    ui.add_sized(size, egui::Button::image(face).selected(chosen))
}

/// A choice among a few, lit while it is the one chosen (a language).
pub(super) fn choice(ui: &mut egui::Ui, text: &str, look: Look, chosen: bool) -> egui::Response {
    let face = face(ui, text, look);
    ui.add(egui::Button::image(face).selected(chosen))
}

/// A tick box and what it means, its words shaped and touchable too; greyed out and untouchable
/// unless `enabled`.
pub(super) fn check(
    ui: &mut egui::Ui,
    value: &mut bool,
    text: &str,
    enabled: bool,
) -> egui::Response {
    let look = Look::body();
    let inner = ui.horizontal_top(|ui| {
        let mut response = ui.add_enabled(enabled, egui::Checkbox::without_text(value));
        let width = ui.available_width().max(look.size * 4.0);
        let mut shaped = look.shaped(ui).wrapped(width);
        if !enabled {
            shaped.colour = shaped.colour.gamma_multiply(0.5);
        }
        let label = shaped_words(ui, text, shaped);
        if enabled && label.clicked() {
            *value = !*value;
            response.mark_changed();
        }
        response | label
    });
    inner.inner
}

/// A receipt code, big, in monospace gold, so no letter is mistaken for another.
pub(super) fn code(ui: &mut egui::Ui, text: &str, size: f32) -> egui::Response {
    ui.add(egui::Label::new(
        egui::RichText::new(text).monospace().size(size).color(GLOW),
    ))
}

/// `phrase` as the kiosk shows it. The messages of the rules and of mistyped receipt codes are
/// written as parts of a sentence (the command line and the phone form list them so); on the
/// kiosk they are sentences, with a capital first letter where the script has capitals and a
/// full stop.
pub(super) fn on_screen(say: Voice<'_>, phrase: &Phrase) -> String {
    let text = say.phrase(phrase);
    let id = phrase.id();
    if id.starts_with("problem-") || id.starts_with("receipt-error-") {
        capitalise(&text) + "."
    } else {
        text
    }
}

/// Which way a screen reads, from its language: left to right, or mirrored for a language
/// written right to left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sides {
    right_to_left: bool,
}

impl Sides {
    /// How `language` reads.
    #[must_use]
    pub const fn of(language: Language) -> Self {
        Self {
            right_to_left: language.is_right_to_left(),
        }
    }

    /// Lines under each other, starting on the side the language starts its lines.
    #[must_use]
    pub fn column_layout(self) -> egui::Layout {
        egui::Layout::top_down(if self.right_to_left {
            egui::Align::Max
        } else {
            egui::Align::Min
        })
    }

    /// Things side by side, in the order the language reads them.
    #[must_use]
    pub fn row_layout(self) -> egui::Layout {
        if self.right_to_left {
            egui::Layout::right_to_left(egui::Align::Center)
        } else {
            egui::Layout::left_to_right(egui::Align::Center)
        }
    }

    /// A panel's content as lines under each other (left to right: as egui lays a panel out
    /// anyway).
    pub fn column<R>(self, ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
        if self.right_to_left {
            ui.with_layout(self.column_layout(), add).inner
        } else {
            add(ui)
        }
    }

    /// A row of things side by side, as `ui.horizontal` lays one out, in reading order.
    pub fn row<R>(self, ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
        let size = egui::vec2(
            ui.available_size_before_wrap().x,
            ui.spacing().interact_size.y,
        );
        ui.allocate_ui_with_layout(size, self.row_layout(), add)
            .inner
    }

    /// Where a panel anchored at `anchor`, `offset` from it, goes: on the other side for a
    /// right-to-left language (the invitation bottom right, the QR code bottom left).
    #[must_use]
    pub fn anchor(
        self,
        anchor: egui::Align2,
        offset: impl Into<egui::Vec2>,
    ) -> (egui::Align2, egui::Vec2) {
        let offset = offset.into();
        if self.right_to_left {
            (anchor.flip_x(), egui::vec2(-offset.x, offset.y))
        } else {
            (anchor, offset)
        }
    }
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
