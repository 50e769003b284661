//! The kiosk's text fields, drawn by the screens and by the tests through the same functions.
//!
//! egui keeps each text field's state, undo history included, in its memory under the field's
//! id, apart from the string the field edits. Wiping the string does not wipe that history: with
//! the same id, Ctrl+Z in the next visitor's empty story field would bring the last visitor's
//! dream back (and in the code field, a code that withdraws it). So every visitor field's id is
//! salted with the visitor session ([`KioskFlow::session`](crate::kiosk::flow::KioskFlow::session)),
//! which each wipe and each stored dream renews, and [`forget_sessions`] drops what egui kept for
//! the sessions that ended. The curator's PIN field keeps no undo history at all.

use bevy_egui::egui::{self, widgets::text_edit::TextEditState};

/// The visitor's text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum VisitorField {
    Story,
    Origin,
    Code,
}

impl VisitorField {
    const ALL: [Self; 3] = [Self::Story, Self::Origin, Self::Code];
}

/// The egui id of `field` for the visitor of `session`: a new visitor, new ids.
pub(super) fn field_id(field: VisitorField, session: u64) -> egui::Id {
    egui::Id::new(("kiosk visitor field", field, session))
}

/// Sessions looked back at when the session jumps by more than one between two egui passes
/// (it moves by one or two at a time; this only bounds the loop).
const SESSIONS_BACK: u64 = 64;

/// Forgets what egui keeps for the visitor fields of the sessions from `from` up to, not
/// including, `current`: their state (the undo history holds everything typed) and their focus.
pub(super) fn forget_sessions(ctx: &egui::Context, from: u64, current: u64) {
    for session in from.max(current.saturating_sub(SESSIONS_BACK))..current {
        for field in VisitorField::ALL {
            let id = field_id(field, session);
            ctx.data_mut(|data| data.remove::<TextEditState>(id));
            ctx.memory_mut(|memory| memory.surrender_focus(id));
        }
    }
}

/// The visitor's dream, `rows` high.
/// `hint` is drawn by egui, unshaped, inside the empty field: give it only for a language egui
/// writes correctly (see [`field_hint`]).
pub(super) fn story_field(
    ui: &mut egui::Ui,
    story: &mut String,
    session: u64,
    rows: usize,
    enabled: bool,
    hint: &str,
) -> egui::Response {
    ui.add_enabled(
        enabled,
        egui::TextEdit::multiline(story)
            .id(field_id(VisitorField::Story, session))
            .desired_rows(rows)
            .desired_width(f32::INFINITY)
            .hint_text(hint),
    )
}

/// The hint to give a field: `hint` itself where egui writes it correctly, nothing where it would
/// not (Arabic would stand unjoined and backwards) — the screen then shows it shaped, above the
/// field.
#[must_use]
pub(super) fn field_hint(hint: &str) -> &str {
    if crate::text::needs_shaping(hint) {
        ""
    } else {
        hint
    }
}

/// Where the dream comes from, in the visitor's words.
pub(super) fn origin_field(
    ui: &mut egui::Ui,
    origin: &mut String,
    session: u64,
    enabled: bool,
    hint: &str,
) -> egui::Response {
    ui.add_enabled(
        enabled,
        egui::TextEdit::singleline(origin)
            .id(field_id(VisitorField::Origin, session))
            .desired_width(f32::INFINITY)
            .hint_text(hint),
    )
}

/// A receipt code, to find a thread or take a dream back.
pub(super) fn code_field(ui: &mut egui::Ui, code: &mut String, session: u64) -> egui::Response {
    ui.add(
        egui::TextEdit::singleline(code)
            .id(field_id(VisitorField::Code, session))
            .desired_width(150.0)
            .char_limit(12)
            .hint_text("7KQ4XM"),
    )
}

/// The id of the curator's PIN field.
fn pin_id() -> egui::Id {
    egui::Id::new("kiosk curator pin")
}

/// The curator's PIN, masked. Its undo history is emptied every frame: Ctrl+Z on the pad must
/// never bring back digits typed before, by a curator, for the next person at it.
pub(super) fn pin_field(ui: &mut egui::Ui, entry: &mut String) -> egui::Response {
    let id = pin_id();
    let response = ui.add(
        egui::TextEdit::singleline(entry)
            .id(id)
            .password(true)
            .desired_width(260.0)
            .char_limit(12),
    );
    if let Some(mut state) = TextEditState::load(ui.ctx(), id) {
        state.clear_undoer();
        state.store(ui.ctx(), id);
    }
    response
}

#[cfg(test)]
mod tests {
    use bevy_egui::egui::{Event, Key, Modifiers, RawInput};

    use super::*;
    use crate::kiosk::flow::KioskFlow;

    /// One egui frame at `time` seconds with `events`, drawing `draw` in a central panel.
    fn frame(
        ctx: &egui::Context,
        time: f64,
        events: Vec<Event>,
        mut draw: impl FnMut(&mut egui::Ui),
    ) {
        let input = RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 960.0),
            )),
            time: Some(time),
            events,
            ..RawInput::default()
        };
        let _ = ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show_inside(ui, &mut draw);
        });
    }

    /// Ctrl+Z as a Linux keyboard sends it (Ctrl, which egui also reads as "command").
    fn ctrl_z() -> Event {
        Event::Key {
            key: Key::Z,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers {
                ctrl: true,
                command: true,
                ..Modifiers::default()
            },
        }
    }

    /// The string `field` edits: the draft's for the form, the browse bar's for the code.
    fn text_of<'a>(
        flow: &'a mut KioskFlow,
        code: &'a mut String,
        field: VisitorField,
    ) -> &'a mut String {
        match field {
            VisitorField::Story => &mut flow.draft.story,
            VisitorField::Origin => &mut flow.draft.origin,
            VisitorField::Code => code,
        }
    }

    /// Draws `field` as the kiosk's screens do, for `session`, and gives it the keyboard (as a
    /// visitor's tap on it does).
    fn draw_focused(ui: &mut egui::Ui, field: VisitorField, text: &mut String, session: u64) {
        let response = match field {
            VisitorField::Story => story_field(ui, text, session, 4, true, "story"),
            VisitorField::Origin => origin_field(ui, text, session, true, "origin"),
            VisitorField::Code => code_field(ui, text, session),
        };
        response.request_focus();
    }

    /// A visitor types `secret` into `field` and pauses (egui's undoer records text once it has
    /// stood still for a second); the form is left alone and wiped; the next visitor focuses the
    /// same field and presses Ctrl+Z. Returns what the field then holds, and whether egui still
    /// keeps a state for the first visitor's field.
    ///
    /// `kiosk_wipe`: the wipe as the kiosk does it, [`KioskFlow::go_idle`] (a new session) and
    /// [`forget_sessions`], which `ui::forget_past_visitors` calls on the next egui pass.
    /// Without it, the wipe as the kiosk did it before: the string cleared, the field's id and
    /// egui's memory untouched.
    fn undo_after_wipe(field: VisitorField, secret: &str, kiosk_wipe: bool) -> (String, bool) {
        let ctx = egui::Context::default();
        let mut flow = KioskFlow::default();
        let mut code = String::new();
        flow.touch();
        let first = flow.session();
        // The field appears and takes the keyboard; the visitor types; the text stands still
        // for more than a second, so egui makes it an undo point.
        for (time, events) in [
            (0.0, vec![]),
            (0.1, vec![Event::Text(secret.to_owned())]),
            (1.5, vec![]),
            (2.9, vec![]),
        ] {
            let text = text_of(&mut flow, &mut code, field);
            frame(&ctx, time, events, |ui| {
                draw_focused(ui, field, text, first);
            });
        }
        assert_eq!(*text_of(&mut flow, &mut code, field), secret, "typed");

        // Nobody touches the kiosk: the wipe.
        if kiosk_wipe {
            flow.go_idle();
            forget_sessions(&ctx, first, flow.session());
        } else {
            text_of(&mut flow, &mut code, field).clear();
        }
        code.clear(); // the browse bar forgets its code on leaving browsing, as before
        assert_eq!(*text_of(&mut flow, &mut code, field), "", "wiped");
        let old_state_kept = TextEditState::load(&ctx, field_id(field, first)).is_some();

        // The next visitor: the field is drawn for the current session, takes the keyboard, and
        // Ctrl+Z is pressed.
        flow.touch();
        let session = flow.session();
        for (time, events) in [(3.0, vec![]), (3.1, vec![ctrl_z()])] {
            let text = text_of(&mut flow, &mut code, field);
            frame(&ctx, time, events, |ui| {
                draw_focused(ui, field, text, session);
            });
        }
        (text_of(&mut flow, &mut code, field).clone(), old_state_kept)
    }

    /// The leak, as the kiosk had it: the same field id after the wipe, so egui's undo history
    /// gives the last visitor's dream (or code) to the next. This is what the test below guards
    /// against; it shows the keystrokes used there do reach egui's undo.
    #[test]
    fn without_new_ids_ctrl_z_brings_the_last_visitors_text_back() {
        for (field, secret) in [
            (
                VisitorField::Story,
                "A heron carried the moon across the lagoon",
            ),
            (VisitorField::Origin, "Venetian, Burano"),
            (VisitorField::Code, "7KQ4XM"),
        ] {
            let (after_undo, old_state_kept) = undo_after_wipe(field, secret, false);
            assert!(old_state_kept, "{field:?}");
            assert_eq!(after_undo, secret, "{field:?}: the leak this module closes");
        }
    }

    /// The next visitor's Ctrl+Z finds nothing of the last visitor's: new ids, old state gone.
    #[test]
    fn after_the_kiosks_wipe_ctrl_z_brings_nothing_back() {
        for (field, secret) in [
            (
                VisitorField::Story,
                "A heron carried the moon across the lagoon",
            ),
            (VisitorField::Origin, "Venetian, Burano"),
            (VisitorField::Code, "7KQ4XM"),
        ] {
            let (after_undo, old_state_kept) = undo_after_wipe(field, secret, true);
            assert_eq!(
                after_undo, "",
                "{field:?}: the last visitor's text came back"
            );
            assert!(
                !old_state_kept,
                "{field:?}: egui still keeps the last visitor's field"
            );
        }
    }

    /// Digits typed on the curator's pad never come back with Ctrl+Z once the entry is cleared.
    #[test]
    fn the_pin_field_keeps_no_undo_history() {
        let ctx = egui::Context::default();
        let mut entry = String::new();
        for (time, events) in [
            (0.0, vec![]),
            (0.1, vec![Event::Text("246813".to_owned())]),
            (1.5, vec![]),
            (2.9, vec![]),
        ] {
            frame(&ctx, time, events, |ui| {
                pin_field(ui, &mut entry).request_focus();
            });
        }
        assert_eq!(entry, "246813");
        entry.clear(); // `Curator::enter_pin` clears the entry after every attempt
        for (time, events) in [(3.0, vec![]), (3.1, vec![ctrl_z()])] {
            frame(&ctx, time, events, |ui| {
                pin_field(ui, &mut entry).request_focus();
            });
        }
        assert_eq!(entry, "", "the PIN came back");
    }
}
