//! The rules a narrative must meet before it is woven, as one pure function with errors a person
//! can act on.
//!
//! Text is normalised to Unicode NFC and lengths are counted in grapheme clusters — what a reader
//! sees as one character — so that "é" typed or pasted, a Devanagari conjunct or a family emoji
//! each count once ([`length_in_characters`] counts exactly so, for counters beside a form).
//! Because one grapheme cluster can be made arbitrarily long (a letter under thousands of
//! combining marks, emoji chained by joiners), a text is also limited in bytes of UTF-8, and no
//! character may carry more than [`MARK_LIMIT`] combining marks.
//!
//! Every kind of line or paragraph break (CR LF, CR, LF, NEL, vertical tab, form feed, U+2028
//! LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR) is stored as `\n`: a story keeps its line breaks,
//! and an origin, which is one line, is refused if it has any. Other control characters are
//! refused, and so are the bidirectional override and isolate controls, which can silently
//! reorder what other visitors read. A text with nothing visible in it — only whitespace and the
//! [`INVISIBLE`] characters — is empty. Joiners and combining marks that real scripts need (ZWJ,
//! ZWNJ, vowel signs) are kept, and so are invisible characters inside visible text (Thai and
//! Khmer mark word boundaries with U+200B ZERO WIDTH SPACE, Braille text has blank cells).

use std::{fmt, ops::RangeInclusive};

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
use unicode_segmentation::UnicodeSegmentation;

use super::Consent;
use crate::i18n::Phrase;

/// Longest story, in grapheme clusters.
pub const STORY_LIMIT: usize = 600;
/// Longest cultural origin, in grapheme clusters.
pub const ORIGIN_LIMIT: usize = 80;
/// Longest language tag, in characters (BCP 47 tags in practice stay far below).
pub const LANGUAGE_LIMIT: usize = 35;

/// Bytes of UTF-8 (after NFC) allowed for each character of a field's limit.
///
/// Generous enough that no text within its character limit is refused for its bytes unless one
/// of its characters is built abnormally long: the longest standard emoji (a kiss with two skin
/// tones, ten code points) takes 35 bytes, a family emoji 25, a Devanagari conjunct with its
/// vowel sign 12, and a letter under the most marks allowed ([`MARK_LIMIT`]) at most 36. What it
/// stops is one "character" that grows without end — emoji chained by joiners, Hangul jamo run
/// together — which the count of characters alone cannot see.
pub const BYTES_PER_CHARACTER: usize = 40;
/// Most bytes a story may take as UTF-8 after NFC: 24,000.
pub const STORY_BYTE_LIMIT: usize = STORY_LIMIT * BYTES_PER_CHARACTER;
/// Most bytes a cultural origin may take as UTF-8 after NFC: 3,200.
pub const ORIGIN_BYTE_LIMIT: usize = ORIGIN_LIMIT * BYTES_PER_CHARACTER;

/// Most combining marks (Unicode `General_Category` Mark: non-spacing, spacing and enclosing)
/// one character — one grapheme cluster after NFC — may carry.
///
/// Real writing stays well below: Vietnamese stacks two on a vowel, Yorùbá a tone on an
/// under-dotted vowel, pointed and cantillated Hebrew up to five (dagesh, shin dot, vowel, accent,
/// meteg), a Devanagari or Khmer conjunct with its vowel sign four or five. Above eight is
/// "glitch" text whose marks spill over the lines around it.
pub const MARK_LIMIT: usize = 8;

/// Characters that draw nothing on their own. A story or an origin made only of these and
/// whitespace has nothing to read and is refused as empty; inside visible text they are kept.
///
/// Zero-width spaces, joiners and the byte-order mark (U+200B–U+200D, U+2060, U+FEFF), the
/// invisible mathematical operators (U+2061–U+2064), the combining grapheme joiner (U+034F),
/// blank Braille and the Hangul fillers (U+2800, U+3164, U+115F, U+1160, U+FFA0), the Mongolian
/// vowel separator and variation selectors (U+180B–U+180F), the soft hyphen, the direction marks
/// and controls (which the rules refuse anyway when they are all there is), Khmer's invisible
/// inherent vowels, variation selectors, musical and shorthand format controls, interlinear
/// annotation controls and tags.
pub const INVISIBLE: &[RangeInclusive<char>] = &[
    '\u{00AD}'..='\u{00AD}',   // SOFT HYPHEN
    '\u{034F}'..='\u{034F}',   // COMBINING GRAPHEME JOINER
    '\u{061C}'..='\u{061C}',   // ARABIC LETTER MARK
    '\u{115F}'..='\u{1160}',   // HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
    '\u{17B4}'..='\u{17B5}',   // KHMER VOWEL INHERENT AQ, AA
    '\u{180B}'..='\u{180F}',   // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    '\u{200B}'..='\u{200F}',   // ZERO WIDTH SPACE, ZWNJ, ZWJ, LRM, RLM
    '\u{202A}'..='\u{202E}',   // direction embeddings and overrides
    '\u{2060}'..='\u{206F}',   // WORD JOINER, invisible operators, isolates, old formats
    '\u{2800}'..='\u{2800}',   // BRAILLE PATTERN BLANK
    '\u{3164}'..='\u{3164}',   // HANGUL FILLER
    '\u{FE00}'..='\u{FE0F}',   // VARIATION SELECTORS
    '\u{FEFF}'..='\u{FEFF}',   // ZERO WIDTH NO-BREAK SPACE (the byte-order mark)
    '\u{FFA0}'..='\u{FFA0}',   // HALFWIDTH HANGUL FILLER
    '\u{FFF9}'..='\u{FFFB}',   // INTERLINEAR ANNOTATION controls
    '\u{1BCA0}'..='\u{1BCA3}', // SHORTHAND FORMAT controls
    '\u{1D173}'..='\u{1D17A}', // MUSICAL SYMBOL BEGIN BEAM … END PHRASE
    '\u{E0000}'..='\u{E0FFF}', // TAGS, VARIATION SELECTORS SUPPLEMENT
];

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
    /// The field as the translations' messages name it (their `$field`): `story`, `origin`,
    /// `language`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Field::Story => "story",
            Field::Origin => "origin",
            Field::Language => "language",
        }
    }

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
    /// Nothing visible: only whitespace and [`INVISIBLE`] characters, or nothing at all.
    Empty,
    TooLong {
        length: usize,
        limit: usize,
    },
    /// Within its limit of characters but over its limit of bytes (UTF-8 after NFC).
    TooManyBytes {
        bytes: usize,
        limit: usize,
    },
    /// More than [`MARK_LIMIT`] combining marks on the character at a 1-based position (only the
    /// first such character is reported).
    TooManyMarks {
        position: usize,
        marks: usize,
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
    /// A line break (of any kind) where only one line belongs.
    LineBreak {
        position: usize,
    },
    /// Not a language tag of the form `yo`, `pt-BR`, `zh-Hant-TW`.
    NotALanguageTag,
}

impl Problem {
    /// The id of this problem's message in the translations (`assets/locales/`), which the kiosk
    /// and the phone form say it with; stable, like the problems themselves.
    #[must_use]
    pub fn message_id(&self) -> &'static str {
        match self {
            Problem::Empty => "problem-empty",
            Problem::TooLong { .. } => "problem-too-long",
            Problem::TooManyBytes { .. } => "problem-too-many-bytes",
            Problem::TooManyMarks { .. } => "problem-too-many-marks",
            Problem::ControlCharacter { .. } => "problem-control-character",
            Problem::DirectionControl { .. } => "problem-direction-control",
            Problem::LineBreak { .. } => "problem-line-break",
            Problem::NotALanguageTag => "problem-not-a-language-tag",
        }
    }

    /// The numbers the message names, by their names there (`$length`, `$limit`, …).
    #[must_use]
    pub fn message_numbers(&self) -> Vec<(&'static str, usize)> {
        match *self {
            Problem::Empty | Problem::NotALanguageTag => Vec::new(),
            Problem::TooLong { length, limit } => vec![("length", length), ("limit", limit)],
            Problem::TooManyBytes { bytes, limit } => vec![("bytes", bytes), ("limit", limit)],
            Problem::TooManyMarks {
                position,
                marks,
                limit,
            } => vec![("position", position), ("marks", marks), ("limit", limit)],
            Problem::ControlCharacter { position, .. }
            | Problem::DirectionControl { position, .. }
            | Problem::LineBreak { position } => vec![("position", position)],
        }
    }

    /// The character a problem names, as the message writes it (`$code`: `U+202E`).
    fn message_code(&self) -> Option<String> {
        match self {
            Problem::ControlCharacter { code, .. } | Problem::DirectionControl { code, .. } => {
                Some(format!("U+{code:04X}"))
            }
            _ => None,
        }
    }
}

/// One problem in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: Field,
    pub problem: Problem,
}

impl ValidationError {
    /// The problem as the kiosk and the phone form say it, in the visitor's language: its
    /// message, the field (`$field`), its numbers and the character it names. In English it
    /// reads as [`Display`](fmt::Display) writes it (the command line's words).
    #[must_use]
    pub fn phrase(&self) -> Phrase {
        let mut phrase =
            Phrase::new(self.problem.message_id()).with_text("field", self.field.key());
        for (name, value) in self.problem.message_numbers() {
            phrase = phrase.with_count(name, value);
        }
        if let Some(code) = self.problem.message_code() {
            phrase = phrase.with_text("code", code);
        }
        phrase
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = self.field.noun();
        match &self.problem {
            Problem::Empty => write!(f, "{noun} is empty"),
            Problem::TooLong { length, limit } => write!(
                f,
                "{noun} is {} characters long; the limit is {}",
                grouped(*length),
                grouped(*limit)
            ),
            Problem::TooManyBytes { bytes, limit } => write!(
                f,
                "{noun} is too long to store: it takes {} bytes, and the limit is {}; emoji and \
                 letters with many accents take several bytes each, so please shorten it",
                grouped(*bytes),
                grouped(*limit)
            ),
            Problem::TooManyMarks {
                position,
                marks,
                limit,
            } => write!(
                f,
                "{noun} has {marks} accents or other marks stacked on the character at position \
                 {position}; at most {limit} fit on one character, so please remove the extra ones"
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

/// The rules of one free-text field.
struct TextRules {
    field: Field,
    /// Most grapheme clusters.
    characters: usize,
    /// Most bytes of UTF-8.
    bytes: usize,
    /// Whether line breaks are kept (as `\n`) rather than refused.
    multiline: bool,
}

const STORY_RULES: TextRules = TextRules {
    field: Field::Story,
    characters: STORY_LIMIT,
    bytes: STORY_BYTE_LIMIT,
    multiline: true,
};

const ORIGIN_RULES: TextRules = TextRules {
    field: Field::Origin,
    characters: ORIGIN_LIMIT,
    bytes: ORIGIN_BYTE_LIMIT,
    multiline: false,
};

/// Checks a submission and returns it normalised, or every problem found.
pub fn validate(submission: &Submission) -> Result<ValidSubmission, ValidationErrors> {
    let mut errors = Vec::new();
    let text = check_text(&submission.text, &STORY_RULES, &mut errors);
    let origin = check_text(&submission.origin, &ORIGIN_RULES, &mut errors);
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

/// How many characters `text` is under these rules: its grapheme clusters — what a reader sees as
/// one character — once its line breaks are unified, it is trimmed and normalised to NFC, exactly
/// as [`validate`] counts a story or an origin against [`STORY_LIMIT`] and [`ORIGIN_LIMIT`]. For
/// counters beside a form.
#[must_use]
pub fn length_in_characters(text: &str) -> usize {
    normalise(text).graphemes(true).count()
}

/// Every break of a line or paragraph as `\n`, then trimmed and in NFC: the text the rules check
/// and store.
fn normalise(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace(is_line_break, "\n");
    unified.trim().nfc().collect()
}

/// Normalises one text field and records its problems.
fn check_text(raw: &str, rules: &TextRules, errors: &mut Vec<ValidationError>) -> String {
    let text = normalise(raw);
    let field = rules.field;
    let mut report = |problem| errors.push(ValidationError { field, problem });
    if !text.chars().any(is_visible) {
        report(Problem::Empty);
        return text;
    }
    let mut overloaded: Option<Problem> = None;
    // The first character of each kind is named; a text full of them (pasted, or sent by a
    // script) gets one message a kind, not one a character.
    let (mut line_break, mut direction, mut control) = (false, false, false);
    for (index, grapheme) in text.graphemes(true).enumerate() {
        let position = index + 1;
        let mut marks = 0;
        for c in grapheme.chars() {
            let code = u32::from(c);
            if c == '\n' {
                if !rules.multiline && !line_break {
                    line_break = true;
                    report(Problem::LineBreak { position });
                }
            } else if is_direction_control(c) {
                if !direction {
                    direction = true;
                    report(Problem::DirectionControl { position, code });
                }
            } else if c.is_control() {
                if !control {
                    control = true;
                    report(Problem::ControlCharacter { position, code });
                }
            } else if is_combining_mark(c) {
                marks += 1;
            }
        }
        if marks > MARK_LIMIT && overloaded.is_none() {
            overloaded = Some(Problem::TooManyMarks {
                position,
                marks,
                limit: MARK_LIMIT,
            });
        }
    }
    if let Some(problem) = overloaded {
        report(problem);
    }
    let length = text.graphemes(true).count();
    if length > rules.characters {
        report(Problem::TooLong {
            length,
            limit: rules.characters,
        });
    } else if text.len() > rules.bytes {
        // Only when within the characters: one request to shorten the text is enough.
        report(Problem::TooManyBytes {
            bytes: text.len(),
            limit: rules.bytes,
        });
    }
    text
}

/// The breaks of a line or paragraph: LF, CR, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether `c` shows something: neither whitespace nor one of the [`INVISIBLE`] characters.
fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !INVISIBLE.iter().any(|range| range.contains(&c))
}

/// Bidirectional embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI,
/// PDI). The plain marks LRM, RLM and ALM stay allowed: they only nudge neutral characters.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `n` with a comma between groups of three digits, as the messages write numbers: 24,000.
pub(super) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
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

    #[test]
    fn marks_piled_on_one_character_are_refused() {
        // The tester's "character": one letter under 50,000 combining marks, 100,001 bytes.
        let pile = format!("a{}", "\u{316}".repeat(50_000));
        assert_eq!(length_in_characters(&pile), 1);
        assert_eq!(
            problems(&story(&pile)),
            vec![
                Problem::TooManyMarks {
                    position: 1,
                    marks: 50_000,
                    limit: MARK_LIMIT
                },
                Problem::TooManyBytes {
                    bytes: 100_001,
                    limit: STORY_BYTE_LIMIT
                },
            ]
        );
        let nine = format!("Zalgo{} speaks", "\u{316}".repeat(9));
        assert_eq!(
            validate(&story(&nine)).unwrap_err().to_string(),
            "the story has 9 accents or other marks stacked on the character at position 5; at \
             most 8 fit on one character, so please remove the extra ones"
        );
        let eight = format!("Zalgo{} speaks", "\u{316}".repeat(MARK_LIMIT));
        assert!(validate(&story(&eight)).is_ok());
        let mut submission = story("a dream");
        submission.origin = nine;
        assert!(matches!(
            problems(&submission)[..],
            [Problem::TooManyMarks {
                position: 5,
                marks: 9,
                ..
            }]
        ));
    }

    #[test]
    fn marks_of_real_scripts_stay_within_the_limit() {
        for text in [
            "Tôi mơ thấy những con rồng bay qua sông Hương", // Vietnamese
            "Ọjọ́ kan, mo lá àlá pé òṣùpá ń kọrin",           // Yorùbá, tones on under-dotted vowels
            "בְּרֵאשִׁ֖ית בָּרָ֣א אֱלֹהִ֑ים",                              // Hebrew, points and cantillation
            "स्त्री ने क्षितिज पर राष्ट्र का गीत गाया",            // Devanagari conjuncts
            "keycap 1\u{FE0F}\u{20E3}",                      // a digit with two marks
        ] {
            let valid = validate(&story(text)).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(valid.get().text, text);
        }
    }

    #[test]
    fn bytes_are_limited_where_one_character_grows_without_end() {
        // Emoji joined by ZWJ stay one grapheme cluster however many there are.
        let chain = |joined: usize| format!("👨{}", "\u{200D}👨".repeat(joined));
        assert_eq!(length_in_characters(&chain(5_000)), 1);
        assert_eq!(
            validate(&story(&chain(5_000))).unwrap_err().to_string(),
            "the story is too long to store: it takes 35,004 bytes, and the limit is 24,000; emoji \
             and letters with many accents take several bytes each, so please shorten it"
        );
        let mut submission = story("a dream");
        submission.origin = chain(500);
        assert_eq!(
            problems(&submission),
            vec![Problem::TooManyBytes {
                bytes: 3_504,
                limit: ORIGIN_BYTE_LIMIT
            }]
        );
        // A story of the longest standard emoji, at its character limit, still fits.
        let kiss = "👩🏽\u{200D}❤\u{FE0F}\u{200D}💋\u{200D}👨🏾";
        assert_eq!((kiss.len(), length_in_characters(kiss)), (35, 1));
        assert!(validate(&story(&kiss.repeat(STORY_LIMIT))).is_ok());
    }

    #[test]
    fn origin_refuses_every_kind_of_line_break() {
        for line_break in [
            "\n", "\r", "\r\n", "\u{B}", "\u{C}", "\u{85}", "\u{2028}", "\u{2029}",
        ] {
            let mut submission = story("a dream");
            submission.origin = format!("Yoruba{line_break}Lagos");
            assert_eq!(
                problems(&submission),
                vec![Problem::LineBreak { position: 7 }],
                "{line_break:?}"
            );
        }
    }

    #[test]
    fn story_line_breaks_of_every_kind_are_stored_as_newlines() {
        let text = "one\u{2028}two\u{2029}three\u{85}four\u{B}five\u{C}six\r\nseven";
        let valid = validate(&story(text)).unwrap();
        assert_eq!(valid.get().text, "one\ntwo\nthree\nfour\nfive\nsix\nseven");
    }

    /// Fails on the old code, which named every such character: 2,000 line breaks in an origin
    /// were 2,000 messages (a page of megabytes for a phone).
    #[test]
    fn a_text_full_of_refused_characters_gets_one_message_a_kind() {
        let origin = format!("Lagos{}", "\n\u{202E}\u{7}".repeat(2000));
        let errors = validate(&Submission {
            text: "A dream".into(),
            origin,
            language: None,
            consent: Consent::default(),
        })
        .unwrap_err();
        // A line break, a direction control, a control character, and the length.
        assert_eq!(errors.0.len(), 4, "{errors:?}");
    }

    #[test]
    fn text_of_invisible_characters_only_is_empty() {
        let tester = story("\u{200B}\u{2800}\u{3164}");
        assert_eq!(
            validate(&tester).unwrap_err().to_string(),
            "the story is empty"
        );
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{2800}', '\u{3164}',
            '\u{115F}', '\u{1160}', '\u{FFA0}', '\u{180E}', '\u{2061}', '\u{2062}', '\u{2063}',
            '\u{2064}', '\u{34F}', '\u{AD}', '\u{FE0F}', '\u{200E}',
        ] {
            let submission = Submission {
                text: format!("{c}{c} \n{c}"),
                origin: format!(" {c}"),
                ..Default::default()
            };
            assert_eq!(
                validate(&submission).unwrap_err().to_string(),
                "the story is empty; the cultural origin is empty",
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn invisible_characters_inside_visible_text_are_kept() {
        for text in [
            "ฉัน\u{200B}ฝัน",       // Thai marks a word boundary with a zero-width space
            "co\u{AD}operate",    // a soft hyphen
            "word\u{2060}joined", // a word joiner
            "⠙⠗⠑⠁⠍\u{2800}⠕⠋",    // Braille with a blank cell
        ] {
            let valid = validate(&story(text)).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(valid.get().text, text);
        }
    }

    #[test]
    fn length_in_characters_is_what_the_rules_count() {
        // A decomposed é is two chars but one character; so is a family emoji of seven chars.
        assert_eq!(length_in_characters("Cafe\u{301}"), 4);
        assert_eq!(length_in_characters("👨‍👩‍👧‍👦"), 1);
        assert_eq!(length_in_characters("  two\r\nlines \u{2028}"), 9);
        let at_limit = "e\u{301}".repeat(STORY_LIMIT);
        assert_eq!(length_in_characters(&at_limit), STORY_LIMIT);
        assert!(validate(&story(&at_limit)).is_ok());
        let over = format!("{at_limit}x");
        assert_eq!(
            problems(&story(&over)),
            vec![Problem::TooLong {
                length: length_in_characters(&over),
                limit: STORY_LIMIT
            }]
        );
    }

    /// The kiosk and the phone form say each problem through the translations; in English they
    /// must read as the command line writes it, and in every language each problem has its own
    /// message.
    #[test]
    fn problems_read_in_english_as_the_command_line_writes_them() {
        use crate::i18n::{Language, Translations};
        let translations = Translations::new();
        let cases = [
            (Field::Story, Problem::Empty),
            (Field::Origin, Problem::Empty),
            (
                Field::Story,
                Problem::TooLong {
                    length: 812,
                    limit: STORY_LIMIT,
                },
            ),
            (
                Field::Origin,
                Problem::TooLong {
                    length: 81,
                    limit: ORIGIN_LIMIT,
                },
            ),
            (
                Field::Story,
                Problem::TooManyBytes {
                    bytes: 35_004,
                    limit: STORY_BYTE_LIMIT,
                },
            ),
            (
                Field::Origin,
                Problem::TooManyBytes {
                    bytes: 3_504,
                    limit: ORIGIN_BYTE_LIMIT,
                },
            ),
            (
                Field::Story,
                Problem::TooManyMarks {
                    position: 5,
                    marks: 9,
                    limit: MARK_LIMIT,
                },
            ),
            (
                Field::Origin,
                Problem::TooManyMarks {
                    position: 2,
                    marks: 12,
                    limit: MARK_LIMIT,
                },
            ),
            (
                Field::Story,
                Problem::ControlCharacter {
                    position: 17,
                    code: 7,
                },
            ),
            (
                Field::Origin,
                Problem::ControlCharacter {
                    position: 3,
                    code: 9,
                },
            ),
            (
                Field::Story,
                Problem::DirectionControl {
                    position: 4,
                    code: 0x202E,
                },
            ),
            (
                Field::Origin,
                Problem::DirectionControl {
                    position: 1,
                    code: 0x2067,
                },
            ),
            (Field::Origin, Problem::LineBreak { position: 7 }),
            (Field::Language, Problem::NotALanguageTag),
        ];
        let mut said = std::collections::HashSet::new();
        for (field, problem) in cases {
            let error = ValidationError { field, problem };
            let phrase = error.phrase();
            assert_eq!(
                translations.phrase(Language::English, &phrase),
                error.to_string(),
                "{error:?}"
            );
            for language in Language::ALL {
                let text = translations.phrase(language, &phrase);
                assert!(
                    !text.contains(phrase.id()) && said.insert(text.clone()),
                    "{language}: {text}"
                );
            }
        }
    }

    #[test]
    fn numbers_in_messages_are_grouped_in_thousands() {
        assert_eq!(
            [0, 7, 600, 1_000, 24_000, 65_536, 1_234_567].map(grouped),
            ["0", "7", "600", "1,000", "24,000", "65,536", "1,234,567"]
        );
    }

    // Pieces that build long clusters: marks, joiners, emoji chains, Hangul jamo, invisibles.
    const PIECES: &[&str] = &[
        "a",
        "é",
        " ",
        "\n",
        "\u{2028}",
        "\u{301}",
        "\u{316}",
        "\u{5B4}",
        "\u{94D}",
        "क्षि",
        "👨",
        "\u{200D}👨\u{200D}👩\u{200D}👧\u{200D}👦",
        "\u{200C}",
        "\u{200B}",
        "\u{1100}",
        "\u{1161}",
        "\u{3164}",
    ];

    // Runs of up to 200 repeats of a piece, so that a text can be a few characters long yet pile
    // many marks on one of them or run past the byte limit.
    fn runs_of_pieces() -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(PIECES), 1..200_usize), 0..40).prop_map(
            |runs| {
                runs.iter()
                    .map(|(piece, times)| piece.repeat(*times))
                    .collect::<String>()
            },
        )
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

        #[test]
        fn accepted_stories_stay_within_bytes_and_marks(text in runs_of_pieces()) {
            if let Ok(valid) = validate(&story(&text)) {
                let stored = &valid.get().text;
                prop_assert!(stored.len() <= STORY_BYTE_LIMIT, "{} bytes", stored.len());
                prop_assert!(length_in_characters(stored) <= STORY_LIMIT);
                for grapheme in stored.graphemes(true) {
                    let marks = grapheme.chars().filter(|&c| is_combining_mark(c)).count();
                    prop_assert!(marks <= MARK_LIMIT, "{marks} marks in {grapheme:?}");
                }
            }
            // The kiosk's counter and the rules agree on every text with something to read.
            let length = length_in_characters(&text);
            let found = problems(&story(&text));
            let too_long = found.contains(&Problem::TooLong { length, limit: STORY_LIMIT });
            let empty = found.contains(&Problem::Empty);
            prop_assert_eq!(too_long, length > STORY_LIMIT && !empty);
        }
    }
}
