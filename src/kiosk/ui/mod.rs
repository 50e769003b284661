//! The kiosk's screens in egui, drawn over the piece: the visitor's (`visitor`: attract mode,
//! the form, the receipt, the browse bar) and the curator's (`curator`: the PIN pad and the
//! panel), and what they share: big type for fingers, the kiosk's panels and colours, the cursor
//! that hides itself. Every word in plain language. The systems only draw `KioskFlow` and
//! `Curator` and send messages; the logic lives in `flow`, `curator` and `mod.rs`. Which visitor
//! screen draws is the app's `State<Screen>`, which `mod.rs` keeps in step with the flow. The text
//! fields (`fields`) are salted with the visitor session, and egui forgets a session's fields
//! when it ends, so no visitor can Ctrl+Z the last one's words back.

mod curator;
mod fields;
mod visitor;

use bevy::{
    prelude::*,
    window::{CursorOptions, PrimaryWindow},
};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{
    curator::{Curator, Stage},
    flow::{KioskFlow, KioskTimings},
};

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
