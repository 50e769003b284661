//! What the kiosk shows and when, as plain data: attract mode, the visitor form, the receipt, and
//! the idle timeouts that bring it back to attract mode and wipe a half-written dream; the visitor
//! session that each wipe ends, and the language the visitor reads; and the pace at which receipt
//! codes may be tried. What the kiosk tells a visitor is kept as [`Phrase`]s, said in the
//! visitor's language when the screens draw them. The systems in `mod.rs` only feed it input and
//! time, and mirror its screen into Bevy's `State<Screen>`, which runs the screens' systems;
//! tests drive it directly.

use std::collections::VecDeque;

use bevy::prelude::*;

use crate::{
    i18n::{Language, Phrase},
    narrative::{
        Consent, NarrativeId, Submission, ValidSubmission,
        receipt::Receipt,
        store::Status,
        validate::{Field, validate},
    },
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptShown {
    pub receipt: Receipt,
    /// Its narrative's id; `None` while it waits in the kiosk's outbox for the exhibition's
    /// database (its thread joins the cloak once it is forwarded).
    pub id: Option<NarrativeId>,
    pub status: Status,
    /// The visitor allowed the thread on the cloak.
    pub shown: bool,
    /// Their keepsake card, painted off the frame by the store's writer thread once the dream
    /// was safe (none if it could not be painted).
    pub card: Option<std::sync::Arc<crate::card::Card>>,
}

/// The kiosk's state.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct KioskFlow {
    pub screen: Screen,
    /// Seconds since the last touch, click or key.
    pub idle: f32,
    pub draft: FormDraft,
    /// Problems with the draft, one each, per field.
    pub problems: Vec<(Field, Phrase)>,
    /// A submission is on its way to the disk.
    pub sending: bool,
    /// How many submissions the flow has sent. The store's answer names the one it answers, and
    /// only the answer to the one on its way counts (see [`KioskFlow::awaits`]).
    pub sent: u64,
    pub receipt: Option<ReceiptShown>,
    /// A fault to tell the visitor in plain words (their draft is kept).
    pub notice: Option<Phrase>,
    /// The language the visitor reads the kiosk in: the kiosk's own until they choose another,
    /// and the kiosk's own again for the next visitor.
    pub language: Language,
    /// The kiosk's own language (`language` in `kiosk.ron`), which every visitor starts in and
    /// the curator reads.
    home_language: Language,
    /// The visitor session: a new one after every wipe and every stored dream. The screens salt
    /// their text fields' ids with it, so nothing a field remembers (egui's undo history above
    /// all) reaches the next visitor.
    session: u64,
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
            language: Language::default(),
            home_language: Language::default(),
            session: 0,
        }
    }
}

impl KioskFlow {
    /// A kiosk whose own language is `language`.
    #[must_use]
    pub fn speaking(language: Language) -> Self {
        Self {
            language,
            home_language: language,
            ..Self::default()
        }
    }

    /// The kiosk's own language, which every visitor starts in.
    #[must_use]
    pub fn home_language(&self) -> Language {
        self.home_language
    }

    /// The visitor chose to read the kiosk in `language`, until they go.
    pub fn choose_language(&mut self, language: Language) {
        self.idle = 0.0;
        self.language = language;
    }

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

    /// The current visitor session (see [`KioskFlow::go_idle`]).
    #[must_use]
    pub fn session(&self) -> u64 {
        self.session
    }

    /// Back to attract mode with nothing of the last visitor left on screen, no longer waiting
    /// for the store's answer to their submission, in the kiosk's own language again, and a new
    /// visitor session: the screens' text fields get fresh ids and forget the old ones. (A stored
    /// dream starts a new session too, but keeps the language: its receipt is still being read.)
    pub fn go_idle(&mut self) {
        self.screen = Screen::Attract;
        self.language = self.home_language;
        self.sending = false;
        self.draft = FormDraft::default();
        self.problems.clear();
        self.receipt = None;
        self.notice = None;
        self.session = self.session.wrapping_add(1);
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
                    .map(|error| (error.field, error.phrase()))
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
    pub fn stored(&mut self, result: Result<ReceiptShown, Phrase>) {
        self.sending = false;
        self.idle = 0.0;
        match result {
            Ok(receipt) => {
                self.receipt = Some(receipt);
                self.draft = FormDraft::default();
                self.problems.clear();
                self.screen = Screen::Receipt;
                // The stored dream must not come back into the emptied form (Ctrl+Z) for
                // whoever is next at the kiosk.
                self.session = self.session.wrapping_add(1);
            }
            Err(fault) => self.notice = Some(fault),
        }
    }

    /// The problems of one field.
    pub fn problems_of(&self, field: Field) -> impl Iterator<Item = &Phrase> {
        self.problems
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, problem)| problem)
    }
}

/// Receipt codes the kiosk lets visitors try (find or take back) within [`CODE_WINDOW_SECONDS`],
/// before it pauses code requests.
pub const CODE_TRIES: usize = 5;
/// The window in which [`CODE_TRIES`] codes may be tried, in seconds.
pub const CODE_WINDOW_SECONDS: f64 = 60.0;
/// The first pause after too many codes, in seconds; each further pause doubles it.
pub const CODE_PAUSE_SECONDS: f64 = 60.0;
/// The longest pause, in seconds.
pub const CODE_PAUSE_MAX_SECONDS: f64 = 3600.0;
/// After this long without a pause (seconds since the last one ended), pauses start short again.
pub const CODE_FORGIVE_SECONDS: f64 = 600.0;

/// The kiosk refuses a receipt code for now: too many were tried in a short time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePause {
    /// Seconds until codes are taken again.
    pub seconds: u64,
    /// This code started the pause (the others fell into it).
    pub started: bool,
}

impl CodePause {
    /// What the visitor reads, in plain words.
    #[must_use]
    pub fn message(&self) -> Phrase {
        Phrase::new("codes-paused").with_phrase("wait", wait_in_words(self.seconds))
    }
}

/// The pace at which the kiosk takes receipt codes (find or take back), for the whole kiosk
/// rather than per visitor, since a guesser can always wait for a new session: [`CODE_TRIES`]
/// codes in [`CODE_WINDOW_SECONDS`], then a pause of [`CODE_PAUSE_SECONDS`] that doubles with
/// each further burst, up to [`CODE_PAUSE_MAX_SECONDS`], and starts short again after
/// [`CODE_FORGIVE_SECONDS`] of calm. Times are real seconds since the kiosk started.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct CodeLimit {
    /// When the codes of the current window were tried.
    tried: VecDeque<f64>,
    /// No code is taken before this time.
    paused_until: f64,
    /// Pauses in a row without [`CODE_FORGIVE_SECONDS`] of calm between them.
    pauses: u32,
}

impl CodeLimit {
    /// A code typed at `now`: `Ok` lets it through to the store, `Err` refuses it and says how
    /// long to wait. A refused code does not count towards the next window.
    pub fn try_code(&mut self, now: f64) -> Result<(), CodePause> {
        if now < self.paused_until {
            return Err(CodePause {
                seconds: whole_seconds(self.paused_until - now),
                started: false,
            });
        }
        if self.pauses > 0 && now - self.paused_until >= CODE_FORGIVE_SECONDS {
            self.pauses = 0;
        }
        while self
            .tried
            .front()
            .is_some_and(|&at| now - at >= CODE_WINDOW_SECONDS)
        {
            self.tried.pop_front();
        }
        if self.tried.len() >= CODE_TRIES {
            let doubling = f64::from(1u32 << self.pauses.min(30));
            let pause = (CODE_PAUSE_SECONDS * doubling).min(CODE_PAUSE_MAX_SECONDS);
            self.pauses = self.pauses.saturating_add(1);
            self.paused_until = now + pause;
            self.tried.clear();
            return Err(CodePause {
                seconds: whole_seconds(pause),
                started: true,
            });
        }
        self.tried.push_back(now);
        Ok(())
    }
}

/// `seconds` rounded up to whole seconds, at least one.
fn whole_seconds(seconds: f64) -> u64 {
    (seconds.ceil() as u64).max(1)
}

/// A wait in plain words: "40 seconds", "1 minute", "3 minutes" (rounded up), "1 hour".
#[must_use]
pub fn wait_in_words(seconds: u64) -> Phrase {
    match seconds {
        0..=1 => Phrase::new("wait-seconds").with_number("count", 1),
        2..=59 => Phrase::new("wait-seconds").with_number("count", seconds),
        3600 => Phrase::new("wait-hours").with_number("count", 1),
        _ => Phrase::new("wait-minutes").with_number("count", seconds.div_ceil(60)),
    }
}

/// `text` with a capital first letter: the rules' and the receipt codes' messages begin a
/// sentence on the kiosk's screen.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Translations;

    /// `phrase` as the kiosk says it in English.
    fn english(phrase: &Phrase) -> String {
        Translations::new().phrase(Language::English, phrase)
    }

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
        let origin: Vec<String> = flow.problems_of(Field::Origin).map(english).collect();
        assert_eq!(origin, ["the cultural origin is empty"]);
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
            id: Some(NarrativeId(7)),
            status: Status::Visible,
            shown: true,
            card: None,
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
    fn every_wipe_and_every_stored_dream_starts_a_new_session() {
        let timings = KioskTimings::default();
        let mut flow = KioskFlow::default();
        let first = flow.session();
        flow.touch();
        written(&mut flow);
        flow.tick(timings.form_clear_after, &timings);
        assert_eq!(flow.screen, Screen::Attract);
        let second = flow.session();
        assert_ne!(second, first, "an idle wipe ends the session");
        flow.touch();
        written(&mut flow);
        flow.submit().expect("valid");
        assert_eq!(flow.session(), second, "not while the dream is on its way");
        flow.stored(Err(Phrase::new("kiosk-not-stored")));
        assert_eq!(
            flow.session(),
            second,
            "a fault keeps the draft, and the session"
        );
        flow.submit().expect("valid");
        flow.stored(Ok(ReceiptShown {
            receipt: Receipt::from_bits(42),
            id: Some(NarrativeId(7)),
            status: Status::Visible,
            shown: true,
            card: None,
        }));
        assert_ne!(flow.session(), second, "a stored dream ends the session");
    }

    #[test]
    fn five_codes_a_minute_then_growing_pauses() {
        let mut limit = CodeLimit::default();
        for i in 0..CODE_TRIES {
            assert_eq!(limit.try_code(i as f64), Ok(()), "code {i}");
        }
        let pause = limit.try_code(10.0).unwrap_err();
        assert_eq!(
            pause,
            CodePause {
                seconds: 60,
                started: true
            }
        );
        let message = english(&pause.message());
        assert!(message.contains("wait 1 minute"), "{message}");
        assert_eq!(
            limit.try_code(40.0),
            Err(CodePause {
                seconds: 30,
                started: false
            }),
            "codes in the pause are refused"
        );
        // After the pause, a fresh window; the next burst pauses twice as long, then four times.
        for i in 0..CODE_TRIES {
            assert_eq!(limit.try_code(70.0 + i as f64), Ok(()));
        }
        assert_eq!(limit.try_code(80.0).unwrap_err().seconds, 120);
        for i in 0..CODE_TRIES {
            assert_eq!(limit.try_code(200.0 + i as f64), Ok(()));
        }
        assert_eq!(limit.try_code(210.0).unwrap_err().seconds, 240);
        // Codes spread out never pause.
        let mut calm = CodeLimit::default();
        for i in 0..100_u32 {
            assert_eq!(calm.try_code(f64::from(i) * 13.0), Ok(()), "code {i}");
        }
    }

    #[test]
    fn pauses_stop_growing_at_an_hour_and_are_forgiven_after_calm() {
        let mut limit = CodeLimit::default();
        let mut now = 0.0;
        let mut last = 0;
        for _ in 0..12 {
            for _ in 0..CODE_TRIES {
                assert_eq!(limit.try_code(now), Ok(()));
            }
            last = limit.try_code(now).unwrap_err().seconds;
            now += last as f64;
        }
        assert_eq!(last, 3600);
        // Ten quiet minutes after the last pause: the next one is short again.
        now += CODE_FORGIVE_SECONDS;
        for _ in 0..CODE_TRIES {
            assert_eq!(limit.try_code(now), Ok(()));
        }
        assert_eq!(limit.try_code(now).unwrap_err().seconds, 60);
    }

    #[test]
    fn waits_in_words() {
        let said = |seconds| english(&wait_in_words(seconds));
        assert_eq!(said(0), "a second");
        assert_eq!(said(1), "a second");
        assert_eq!(said(30), "30 seconds");
        assert_eq!(said(60), "1 minute");
        assert_eq!(said(61), "2 minutes");
        assert_eq!(said(3600), "1 hour");
        let arabic =
            |seconds| Translations::new().phrase(Language::Arabic, &wait_in_words(seconds));
        assert_eq!(arabic(120), "دقيقتين");
        assert_eq!(arabic(300), "٥ دقائق");
    }

    /// A visitor who reads the kiosk in another language keeps it while they are there, their
    /// receipt included; the next visitor starts in the kiosk's own.
    #[test]
    fn the_chosen_language_lasts_one_visitor() {
        let timings = KioskTimings::default();
        let mut flow = KioskFlow::speaking(Language::Spanish);
        assert_eq!(flow.language, Language::Spanish);
        assert_eq!(flow.home_language(), Language::Spanish);
        flow.touch();
        flow.choose_language(Language::Arabic);
        written(&mut flow);
        flow.submit().expect("valid");
        flow.stored(Ok(ReceiptShown {
            receipt: Receipt::from_bits(42),
            id: Some(NarrativeId(7)),
            status: Status::Visible,
            shown: true,
            card: None,
        }));
        assert_eq!(flow.screen, Screen::Receipt);
        assert_eq!(
            flow.language,
            Language::Arabic,
            "the receipt is read in the visitor's language"
        );
        flow.tick(timings.receipt_for, &timings);
        assert_eq!(flow.screen, Screen::Attract);
        assert_eq!(flow.language, Language::Spanish, "the next visitor");
        // An idle wipe of a half-written form, too.
        flow.touch();
        flow.choose_language(Language::English);
        flow.tick(timings.form_clear_after, &timings);
        assert_eq!(flow.screen, Screen::Attract);
        assert_eq!(flow.language, Language::Spanish);
        assert_eq!(flow.home_language(), Language::Spanish);
    }

    #[test]
    fn store_fault_keeps_the_draft() {
        let mut flow = KioskFlow::default();
        flow.touch();
        written(&mut flow);
        flow.submit().expect("valid");
        flow.stored(Err(Phrase::new("kiosk-not-stored")));
        assert_eq!(flow.screen, Screen::Form);
        assert_eq!(flow.draft.origin, "Venetian, Burano");
        assert!(flow.notice.is_some());
        assert!(!flow.sending);
    }
}
