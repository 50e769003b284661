//! What the kiosk shows and when, as plain data: attract mode, the visitor form, the receipt, and
//! the idle timeouts that bring it back to attract mode and wipe a half-written dream. The systems
//! in `mod.rs` only feed it input and time, and mirror its screen into Bevy's `State<Screen>`,
//! which runs the screens' systems; tests drive it directly.

use bevy::prelude::*;

use crate::narrative::{
    Consent, NarrativeId, Submission, ValidSubmission,
    receipt::Receipt,
    store::Status,
    validate::{Field, validate},
};

/// The screens of the kiosk. [`KioskFlow::screen`] decides which one is due; the app follows it
/// as its `State<Screen>` (a frame later), which runs each screen's systems and its `OnEnter` and
/// `OnExit` work.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Reflect)]
pub enum Screen {
    /// Nobody here: the show plays, with the invitation and the phone form's QR code.
    #[default]
    Attract,
    /// Someone is looking: they can read threads, find theirs by code, or start the form.
    Browse,
    /// The visitor form.
    Form,
    /// After a submission: the receipt code and how to use it, while the thread weaves in.
    Receipt,
}

/// How long the kiosk waits before moving on by itself, in seconds without a touch or key.
#[derive(
    Resource, Debug, Clone, Copy, PartialEq, Reflect, serde::Serialize, serde::Deserialize,
)]
#[reflect(Resource)]
#[serde(default, deny_unknown_fields)]
pub struct KioskTimings {
    /// Browsing → attract mode.
    pub attract_after: f32,
    /// A form left alone is wiped and the kiosk returns to attract mode (privacy).
    pub form_clear_after: f32,
    /// The receipt stays this long after the last touch, then leaves the screen.
    pub receipt_for: f32,
    /// The mouse cursor hides after this long without moving.
    pub cursor_hide_after: f32,
}

impl Default for KioskTimings {
    fn default() -> Self {
        Self {
            attract_after: 60.0,
            form_clear_after: 90.0,
            receipt_for: 60.0,
            cursor_hide_after: 3.0,
        }
    }
}

/// The visitor's half-written dream.
#[derive(Debug, Clone, PartialEq, Eq, Reflect)]
pub struct FormDraft {
    pub story: String,
    pub origin: String,
    pub show: bool,
    pub sanctuary: bool,
}

impl Default for FormDraft {
    fn default() -> Self {
        Self {
            story: String::new(),
            origin: String::new(),
            show: true,
            sanctuary: false,
        }
    }
}

impl FormDraft {
    fn submission(&self) -> Submission {
        Submission {
            text: self.story.clone(),
            origin: self.origin.clone(),
            language: None,
            consent: Consent {
                display: self.show,
                sanctuary: self.sanctuary,
            },
        }
    }
}

/// A stored submission, as the receipt screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptShown {
    pub receipt: Receipt,
    pub id: NarrativeId,
    pub status: Status,
    /// The visitor allowed the thread on the cloak.
    pub shown: bool,
}

/// The kiosk's state.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct KioskFlow {
    pub screen: Screen,
    /// Seconds since the last touch, click or key.
    pub idle: f32,
    pub draft: FormDraft,
    /// Problems with the draft, one sentence each, per field.
    pub problems: Vec<(Field, String)>,
    /// A submission is on its way to the disk.
    pub sending: bool,
    /// How many submissions the flow has sent. The store's answer names the one it answers, and
    /// only the answer to the one on its way counts (see [`KioskFlow::awaits`]).
    pub sent: u64,
    pub receipt: Option<ReceiptShown>,
    /// A fault to tell the visitor in plain words (their draft is kept).
    pub notice: Option<String>,
}

impl Default for KioskFlow {
    fn default() -> Self {
        Self {
            screen: Screen::Attract,
            idle: 0.0,
            draft: FormDraft::default(),
            problems: Vec::new(),
            sending: false,
            sent: 0,
            receipt: None,
            notice: None,
        }
    }
}

impl KioskFlow {
    /// Someone touched the screen, clicked or typed. In attract mode, that opens the form.
    pub fn touch(&mut self) {
        self.idle = 0.0;
        if self.screen == Screen::Attract {
            self.screen = Screen::Form;
        }
    }

    /// Opens the form (the "Share a dream" button).
    pub fn open_form(&mut self) {
        self.idle = 0.0;
        self.screen = Screen::Form;
    }

    /// Leaves the form or the receipt to look at the cloak; a draft is kept until idle clears it.
    pub fn browse(&mut self) {
        self.idle = 0.0;
        self.screen = Screen::Browse;
        self.receipt = None;
    }

    /// Time passes with nobody touching the kiosk.
    pub fn tick(&mut self, seconds: f32, timings: &KioskTimings) {
        self.idle += seconds.max(0.0);
        let limit = match self.screen {
            Screen::Attract => return,
            Screen::Browse => timings.attract_after,
            Screen::Form => timings.form_clear_after,
            Screen::Receipt => timings.receipt_for,
        };
        // Even while a submission is on its way: a store that never answers must not keep a
        // visitor's draft on screen. Should its answer come after all, it is not shown to whoever
        // stands here then (`awaits`).
        if self.idle >= limit {
            self.go_idle();
        }
    }

    /// Back to attract mode with nothing of the last visitor left on screen, and no longer
    /// waiting for the store's answer to their submission.
    pub fn go_idle(&mut self) {
        self.screen = Screen::Attract;
        self.sending = false;
        self.draft = FormDraft::default();
        self.problems.clear();
        self.receipt = None;
        self.notice = None;
    }

    /// The visitor pressed "weave my dream in": the draft checked by the narrative rules. On
    /// success the flow waits for the store; otherwise the problems are shown beside their fields.
    pub fn submit(&mut self) -> Option<ValidSubmission> {
        self.idle = 0.0;
        if self.sending {
            return None;
        }
        self.notice = None;
        match validate(&self.draft.submission()) {
            Ok(valid) => {
                self.problems.clear();
                self.sending = true;
                self.sent = self.sent.wrapping_add(1);
                Some(valid)
            }
            Err(errors) => {
                self.problems = errors
                    .0
                    .iter()
                    .map(|error| (error.field, capitalise(&error.to_string()) + "."))
                    .collect();
                None
            }
        }
    }

    /// Whether the store's answer to submission number `ticket` (the [`KioskFlow::sent`] of
    /// when it was sent) is still awaited: not once the idle wipe gave up on it, its visitor
    /// gone, nor once another submission followed.
    #[must_use]
    pub fn awaits(&self, ticket: u64) -> bool {
        self.sending && self.sent == ticket
    }

    /// The store answered the submission on its way: the receipt screen, or the draft kept with
    /// a plain-words fault.
    pub fn stored(&mut self, result: Result<ReceiptShown, String>) {
        self.sending = false;
        self.idle = 0.0;
        match result {
            Ok(receipt) => {
                self.receipt = Some(receipt);
                self.draft = FormDraft::default();
                self.problems.clear();
                self.screen = Screen::Receipt;
            }
            Err(fault) => self.notice = Some(fault),
        }
    }

    /// The problems of one field.
    pub fn problems_of(&self, field: Field) -> impl Iterator<Item = &str> {
        self.problems
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }
}

/// `text` with a capital first letter: the store's and the rules' messages begin a sentence on
/// the kiosk's screen.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(flow: &mut KioskFlow) {
        flow.draft.story = "A heron carried the moon across the lagoon".into();
        flow.draft.origin = "Venetian, Burano".into();
    }

    #[test]
    fn touch_in_attract_opens_the_form() {
        let mut flow = KioskFlow::default();
        assert_eq!(flow.screen, Screen::Attract);
        flow.touch();
        assert_eq!(flow.screen, Screen::Form);
    }

    #[test]
    fn idle_form_is_wiped() {
        let timings = KioskTimings::default();
        let mut flow = KioskFlow::default();
        flow.touch();
        written(&mut flow);
        flow.tick(timings.form_clear_after - 1.0, &timings);
        assert_eq!(flow.screen, Screen::Form, "not yet");
        flow.touch();
        flow.tick(timings.form_clear_after - 1.0, &timings);
        assert_eq!(flow.screen, Screen::Form, "a touch restarts the wait");
        flow.tick(1.0, &timings);
        assert_eq!(flow.screen, Screen::Attract);
        assert_eq!(flow.draft, FormDraft::default());
    }

    #[test]
    fn refused_draft_keeps_text_and_names_fields() {
        let mut flow = KioskFlow::default();
        flow.touch();
        flow.draft.story = "Only a story".into();
        assert!(flow.submit().is_none());
        assert_eq!(flow.draft.story, "Only a story");
        let origin: Vec<_> = flow.problems_of(Field::Origin).collect();
        assert_eq!(origin, ["The cultural origin is empty."]);
        assert_eq!(flow.problems_of(Field::Story).count(), 0);
    }

    #[test]
    fn submit_then_receipt_then_idle() {
        let timings = KioskTimings::default();
        let mut flow = KioskFlow::default();
        flow.touch();
        written(&mut flow);
        let valid = flow.submit().expect("valid");
        assert_eq!(valid.get().origin, "Venetian, Burano");
        assert!(
            flow.submit().is_none(),
            "no second submission while sending"
        );
        // The store is slow: the form waits for it, up to its timeout.
        flow.tick(timings.form_clear_after - 1.0, &timings);
        assert_eq!(flow.screen, Screen::Form);
        assert!(flow.awaits(flow.sent));
        flow.stored(Ok(ReceiptShown {
            receipt: Receipt::from_bits(42),
            id: NarrativeId(7),
            status: Status::Visible,
            shown: true,
        }));
        assert_eq!(flow.screen, Screen::Receipt);
        assert_eq!(flow.draft, FormDraft::default());
        flow.tick(timings.receipt_for, &timings);
        assert_eq!(flow.screen, Screen::Attract);
        assert!(flow.receipt.is_none());
    }

    /// Fails on the old code, where the idle wipe waited for the store's answer however long it
    /// took: a store that never answered kept the visitor's draft on the screen for good.
    #[test]
    fn a_store_that_never_answers_does_not_keep_the_draft() {
        let timings = KioskTimings::default();
        let mut flow = KioskFlow::default();
        flow.touch();
        written(&mut flow);
        flow.submit().expect("valid");
        let ticket = flow.sent;
        assert!(flow.awaits(ticket));
        flow.tick(timings.form_clear_after - 1.0, &timings);
        assert_eq!(flow.screen, Screen::Form, "a slow store is waited for");
        flow.tick(1.0, &timings);
        assert_eq!(flow.screen, Screen::Attract, "but not for ever");
        assert_eq!(flow.draft, FormDraft::default());
        assert!(!flow.sending);
        assert!(!flow.awaits(ticket), "its late answer is not shown");
        // The next visitor writes and sends theirs; only the answer to theirs counts.
        flow.touch();
        written(&mut flow);
        flow.submit().expect("valid");
        assert!(!flow.awaits(ticket));
        assert!(flow.awaits(flow.sent));
    }

    #[test]
    fn store_fault_keeps_the_draft() {
        let mut flow = KioskFlow::default();
        flow.touch();
        written(&mut flow);
        flow.submit().expect("valid");
        flow.stored(Err("The loom is resting".into()));
        assert_eq!(flow.screen, Screen::Form);
        assert_eq!(flow.draft.origin, "Venetian, Burano");
        assert!(flow.notice.is_some());
        assert!(!flow.sending);
    }
}
