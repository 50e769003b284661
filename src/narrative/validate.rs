//! The rules a narrative must meet before it is woven, as one pure function with errors a person
//! can act on.
//!
//! Text is normalised to Unicode NFC and lengths are counted in grapheme clusters — what a reader
//! sees as one character — so that "é" typed or pasted, a Devanagari conjunct or a family emoji
//! each count once. Control characters are refused (a story may keep its line breaks), and so are
//! the bidirectional override and isolate controls, which can silently reorder what other visitors
//! read. Joiners and combining marks that real scripts need (ZWJ, ZWNJ, vowel signs) are kept.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::Consent;

/// Longest story, in grapheme clusters.
pub const STORY_LIMIT: usize = 600;
/// Longest cultural origin, in grapheme clusters.
pub const ORIGIN_LIMIT: usize = 80;
/// Longest language tag, in characters (BCP 47 tags in practice stay far below).
pub const LANGUAGE_LIMIT: usize = 35;

/// What a visitor submits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Submission {
    pub text: String,
    pub origin: String,
    pub language: Option<String>,
    pub consent: Consent,
}

impl From<&super::Narrative> for Submission {
    /// The submission a stored or generated narrative stands for (to check it again).
    fn from(narrative: &super::Narrative) -> Self {
        Self {
            text: narrative.text.clone(),
            origin: narrative.origin.clone(),
            language: narrative.language.clone(),
            consent: narrative.consent,
        }
    }
}

/// A submission that met every rule, normalised: NFC, trimmed, line breaks as `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSubmission(Submission);

impl ValidSubmission {
    #[must_use]
    pub fn get(&self) -> &Submission {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> Submission {
        self.0
    }
}

/// Which part of the form a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Story,
    Origin,
    Language,
}

impl Field {
    fn noun(self) -> &'static str {
        match self {
            Field::Story => "the story",
            Field::Origin => "the cultural origin",
            Field::Language => "the language tag",
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong {
        length: usize,
        limit: usize,
    },
    /// A control character at a 1-based character position.
    ControlCharacter {
        position: usize,
        code: u32,
    },
    /// A bidirectional override or isolate control at a 1-based character position.
    DirectionControl {
        position: usize,
        code: u32,
    },
    /// A line break where only one line belongs.
    LineBreak {
        position: usize,
    },
    /// Not a language tag of the form `yo`, `pt-BR`, `zh-Hant-TW`.
    NotALanguageTag,
}

/// One problem in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: Field,
    pub problem: Problem,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = self.field.noun();
        match &self.problem {
            Problem::Empty => write!(f, "{noun} is empty"),
            Problem::TooLong { length, limit } => write!(
                f,
                "{noun} is {length} characters long; the limit is {limit}"
            ),
            Problem::ControlCharacter { position, code } => write!(
                f,
                "{noun} contains a control character (U+{code:04X}) at position {position}"
            ),
            Problem::DirectionControl { position, code } => write!(
                f,
                "{noun} contains an invisible text-direction control (U+{code:04X}) at position \
                 {position}; it could reorder what others read, so please remove it"
            ),
            Problem::LineBreak { position } => {
                write!(
                    f,
                    "{noun} must be one line; it breaks at position {position}"
                )
            }
            Problem::NotALanguageTag => write!(
                f,
                "{noun} is not a language tag such as \"yo\", \"pt-BR\" or \"zh-Hant\""
            ),
        }
    }
}

impl std::error::Error for ValidationError {}

/// All the problems of a submission, in form order; displays as one sentence per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks a submission and returns it normalised, or every problem found.
pub fn validate(submission: &Submission) -> Result<ValidSubmission, ValidationErrors> {
    let mut errors = Vec::new();
    let text = check_text(
        &submission.text,
        Field::Story,
        STORY_LIMIT,
        true,
        &mut errors,
    );
    let origin = check_text(
        &submission.origin,
        Field::Origin,
        ORIGIN_LIMIT,
        false,
        &mut errors,
    );
    let language = submission
        .language
        .as_deref()
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .and_then(|tag| {
            if is_language_tag(tag) {
                Some(tag.to_owned())
            } else {
                errors.push(ValidationError {
                    field: Field::Language,
                    problem: Problem::NotALanguageTag,
                });
                None
            }
        });
    if errors.is_empty() {
        Ok(ValidSubmission(Submission {
            text,
            origin,
            language,
            consent: submission.consent,
        }))
    } else {
        Err(ValidationErrors(errors))
    }
}

/// Normalises one text field and records its problems.
fn check_text(
    raw: &str,
    field: Field,
    limit: usize,
    multiline: bool,
    errors: &mut Vec<ValidationError>,
) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text: String = unified.trim().nfc().collect();
    let mut report = |problem| errors.push(ValidationError { field, problem });
    if text.is_empty() {
        report(Problem::Empty);
        return text;
    }
    for (index, grapheme) in text.graphemes(true).enumerate() {
        let position = index + 1;
        for c in grapheme.chars() {
            let code = u32::from(c);
            if c == '\n' {
                if !multiline {
                    report(Problem::LineBreak { position });
                }
            } else if is_direction_control(c) {
                report(Problem::DirectionControl { position, code });
            } else if c.is_control() {
                report(Problem::ControlCharacter { position, code });
            }
        }
    }
    let length = text.graphemes(true).count();
    if length > limit {
        report(Problem::TooLong { length, limit });
    }
    text
}

/// Bidirectional embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI,
/// PDI). The plain marks LRM, RLM and ALM stay allowed: they only nudge neutral characters.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A syntactic BCP 47 check: a 2–8 letter primary subtag, then subtags of 1–8 letters or digits.
fn is_language_tag(tag: &str) -> bool {
    if tag.len() > LANGUAGE_LIMIT {
        return false;
    }
    let mut subtags = tag.split('-');
    let primary_ok = subtags
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn story(text: &str) -> Submission {
        Submission {
            text: text.into(),
            origin: "Somewhere".into(),
            ..Default::default()
        }
    }

    fn problems(submission: &Submission) -> Vec<Problem> {
        validate(submission)
            .err()
            .map(|e| e.0.into_iter().map(|e| e.problem).collect())
            .unwrap_or_default()
    }

    #[test]
    fn stories_in_many_scripts_are_accepted_unchanged() {
        for text in [
            "حلمت أن البحر عاد إلى حلب",         // Arabic
            "मैंने सपना देखा कि गंगा ने मेरा नाम लिखा", // Devanagari, conjuncts and vowel signs
            "ฉันฝันว่าโคมลอยทุกดวงบรรจุเสียงหัวเราะ",   // Thai, combining vowels
            "我梦见外婆的茶园飘到了云上",        // Han
            "할머니가 김장을 하는데",            // Hangul
            "our family 👨‍👩‍👧‍👦 danced",              // emoji with ZWJ
            "می‌خواهم",                           // Persian with ZWNJ
            "line one\nline two",
        ] {
            let valid = validate(&story(text)).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(valid.get().text, text);
        }
    }

    #[test]
    fn text_is_normalised_to_nfc_and_trimmed() {
        let decomposed = "Cafe\u{301} au lait  \r\n";
        let valid = validate(&story(decomposed)).unwrap();
        assert_eq!(valid.get().text, "Café au lait");
    }

    #[test]
    fn empty_stories_and_origins_are_refused() {
        let submission = Submission {
            text: "   \n ".into(),
            origin: String::new(),
            ..Default::default()
        };
        let errors = validate(&submission).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "the story is empty; the cultural origin is empty"
        );
    }

    #[test]
    fn length_is_counted_in_graphemes() {
        // 600 family emoji are 600 characters to a reader, though 25 code points each.
        let family = "👨‍👩‍👧‍👦";
        assert!(validate(&story(&family.repeat(STORY_LIMIT))).is_ok());
        let errors = validate(&story(&"a".repeat(812))).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "the story is 812 characters long; the limit is 600"
        );
        // Devanagari: क्षि is one grapheme cluster of four code points.
        assert!(validate(&story(&"क्षि".repeat(STORY_LIMIT))).is_ok());
    }

    #[test]
    fn control_characters_are_refused_with_their_position() {
        let text = format!("{}\u{7}tail", "x".repeat(16));
        let errors = validate(&story(&text)).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "the story contains a control character (U+0007) at position 17"
        );
        assert_eq!(
            problems(&story("tab\there")),
            vec![Problem::ControlCharacter {
                position: 4,
                code: 9
            }]
        );
    }

    #[test]
    fn direction_overrides_are_refused_but_marks_kept() {
        assert!(matches!(
            problems(&story("abc\u{202E}cba"))[..],
            [Problem::DirectionControl {
                position: 4,
                code: 0x202E
            }]
        ));
        assert!(matches!(
            problems(&story("x\u{2067}y"))[..],
            [Problem::DirectionControl { code: 0x2067, .. }]
        ));
        assert!(validate(&story("שלום\u{200F} world")).is_ok());
    }

    #[test]
    fn origin_is_one_line_and_language_a_tag() {
        let mut submission = story("a dream");
        submission.origin = "Yoruba\nLagos".into();
        submission.language = Some("not a tag!".into());
        let errors = validate(&submission).unwrap_err();
        assert_eq!(errors.0.len(), 2);
        assert_eq!(errors.0[0].problem, Problem::LineBreak { position: 7 });
        assert_eq!(errors.0[1].field, Field::Language);

        for tag in ["yo", "pt-BR", "zh-Hant-TW", "es-419", "hmn"] {
            submission.origin = "Yoruba, Lagos".into();
            submission.language = Some(tag.into());
            assert!(validate(&submission).is_ok(), "{tag}");
        }
        submission.language = Some("  ".into());
        assert_eq!(validate(&submission).unwrap().get().language, None);
    }

    proptest! {
        #[test]
        fn never_panics_and_accepted_text_revalidates(text in any::<String>(), origin in any::<String>()) {
            let submission = Submission { text, origin, ..Default::default() };
            if let Ok(valid) = validate(&submission) {
                let again = validate(valid.get()).expect("accepted text is accepted again");
                prop_assert_eq!(again.get(), valid.get());
            }
        }

        #[test]
        fn canonically_equivalent_stories_are_stored_alike(text in "\\PC{1,200}") {
            // The same words typed on a keyboard that composes (é) and one that does not
            // (e + ◌́) are one dream: our rules store both as the same NFC text, or refuse both.
            let composed: String = text.nfc().collect();
            let decomposed: String = text.nfd().collect();
            match (validate(&story(&composed)), validate(&story(&decomposed))) {
                (Ok(a), Ok(b)) => {
                    prop_assert_eq!(&a.get().text, &b.get().text);
                    prop_assert!(unicode_normalization::is_nfc(&a.get().text));
                }
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{:?} but {:?}", a.map(|v| v.get().text.clone()), b.map(|v| v.get().text.clone())),
            }
        }
    }
}
