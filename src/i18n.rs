//! The kiosk's and the phone form's own words, in the gallery's languages: English, Arabic and
//! Spanish, from the Fluent files in `assets/locales/`, embedded in the binary so that a kiosk
//! never starts without them. A message is found by its id; a number in it chooses its words by
//! the language's own plural rules (Arabic has six forms: zero, one, two, few, many, other) and is
//! written with the language's digits and grouping.
//!
//! Words that a screen shows later, in whatever language its reader has chosen by then, travel as
//! a [`Phrase`]: a message id and its arguments as plain data, said by [`Translations::phrase`].
//! A phone's browser names the languages its owner reads in `Accept-Language`; [`negotiate`]
//! picks the best of ours.
//!
//! Fluent would wrap every argument in Unicode isolation marks (FSI … PDI). The bundles here are
//! built without them: the text stack that draws these words runs the bidirectional algorithm
//! over each whole sentence itself, a font without the marks would show them as boxes, and the
//! phone form's English must stay the exact text it always was.

use std::{
    collections::HashSet,
    fmt,
    str::FromStr,
    sync::{Mutex, PoisonError},
};

use bevy::{log::warn, prelude::Resource};
use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use fluent_langneg::{NegotiationStrategy, accepted_languages, negotiate_languages};
use unic_langid::LanguageIdentifier;

/// A language the kiosk and the phone form speak. To add one: a Fluent file in
/// `assets/locales/` with every message of `en.ftl`, a variant here, and its lines in each
/// `match` below (the tests name what is missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
    /// Written right to left: the kiosk mirrors its panels, the phone form says `dir="rtl"`.
    Arabic,
    Spanish,
}

impl Language {
    /// Every language, in the order the kiosk offers them.
    pub const ALL: [Self; 3] = [Self::English, Self::Arabic, Self::Spanish];

    /// The BCP 47 tag: `en`, `ar`, `es` (as `kiosk.ron` and HTML's `lang` write it).
    #[must_use]
    pub const fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Arabic => "ar",
            Self::Spanish => "es",
        }
    }

    /// The language's name in itself, as a reader of it looks for it.
    #[must_use]
    pub const fn native_name(self) -> &'static str {
        match self {
            Self::English => "English",
            Self::Arabic => "العربية",
            Self::Spanish => "Español",
        }
    }

    /// The language's name in English, for messages to whoever sets the kiosk up.
    const fn english_name(self) -> &'static str {
        match self {
            Self::English => "English",
            Self::Arabic => "Arabic",
            Self::Spanish => "Spanish",
        }
    }

    /// Whether it is written right to left.
    #[must_use]
    pub const fn is_right_to_left(self) -> bool {
        matches!(self, Self::Arabic)
    }

    /// Its Fluent file, as embedded.
    const fn source(self) -> &'static str {
        match self {
            Self::English => include_str!("../assets/locales/en.ftl"),
            Self::Arabic => include_str!("../assets/locales/ar.ftl"),
            Self::Spanish => include_str!("../assets/locales/es.ftl"),
        }
    }

    /// Its place in [`Language::ALL`].
    const fn index(self) -> usize {
        match self {
            Self::English => 0,
            Self::Arabic => 1,
            Self::Spanish => 2,
        }
    }

    /// Its tag as Fluent and the negotiation read it.
    fn identifier(self) -> LanguageIdentifier {
        self.tag()
            .parse()
            .expect("every language's tag is a language identifier")
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A tag that names none of the languages ([`Language::ALL`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLanguage(pub String);

impl fmt::Display for UnknownLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\"{}\" is not a language Dreamloom speaks; the known tags are ",
            self.0
        )?;
        for (i, language) in Language::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "\"{}\" ({})", language.tag(), language.english_name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownLanguage {}

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// One of the tags, in any case, with spaces around it or not.
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let tag = tag.trim();
        Self::ALL
            .into_iter()
            .find(|language| language.tag().eq_ignore_ascii_case(tag))
            .ok_or_else(|| UnknownLanguage(tag.to_owned()))
    }
}

impl serde::Serialize for Language {
    /// As its tag: `"ar"`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.tag())
    }
}

impl<'de> serde::Deserialize<'de> for Language {
    /// From its tag; an unknown one is refused with the known tags named.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tag = <String as serde::Deserialize>::deserialize(deserializer)?;
        tag.parse().map_err(serde::de::Error::custom)
    }
}

/// The language a browser's `Accept-Language` asks for, among ours: its languages in the order
/// of their `q` weights (those at `q=0` refused), the first of ours that one of them matches
/// (`ar-EG` is Arabic, `es-MX` Spanish), and English when none does or the header is empty or
/// unreadable.
#[must_use]
pub fn negotiate(accept_language: &str) -> Language {
    // Browsers list their languages best first; a header that does not is put in order here,
    // keeping the listed order among equal weights.
    let mut ranked: Vec<(f32, &str)> = accept_language
        .split(',')
        .map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|part| part.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(1.0);
            (weight, tag)
        })
        .filter(|(weight, _)| *weight > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let ordered: Vec<&str> = ranked.iter().map(|(_, tag)| *tag).collect();
    let requested = accepted_languages::parse(&ordered.join(","));
    let available: Vec<LanguageIdentifier> = Language::ALL
        .into_iter()
        .map(Language::identifier)
        .collect();
    let default = Language::default().identifier();
    let chosen = negotiate_languages(
        &requested,
        &available,
        Some(&default),
        NegotiationStrategy::Filtering,
    );
    chosen
        .first()
        .and_then(|identifier| {
            Language::ALL
                .into_iter()
                .find(|language| language.identifier() == **identifier)
        })
        .unwrap_or_default()
}

/// An argument of a [`Phrase`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Arg {
    /// A number: written in the language's digits, and chooses plural forms.
    Number(u64),
    /// Words as they are: a receipt code, what a visitor typed.
    Text(String),
    /// Another message, said in the same language first.
    Phrase(Box<Phrase>),
}

/// Words to say later, in whichever language is read by then: a message id of the translations
/// and its arguments, as plain data. The kiosk's flow, its store answers and the curator keep
/// these, and the screens say them each frame, so a visitor who changes language reads every
/// message on the screen in the new one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phrase {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Phrase {
    /// The message `id`, without arguments (add them with the `with_` methods).
    #[must_use]
    pub const fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    /// The message's id.
    #[must_use]
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// With the number `value` as `$name`.
    #[must_use]
    pub fn with_number(mut self, name: &'static str, value: u64) -> Self {
        self.args.push((name, Arg::Number(value)));
        self
    }

    /// With the count `value` as `$name` (a number).
    #[must_use]
    pub fn with_count(self, name: &'static str, value: usize) -> Self {
        self.with_number(name, value as u64)
    }

    /// With `value` as `$name`, word for word.
    #[must_use]
    pub fn with_text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, Arg::Text(value.into())));
        self
    }

    /// With another phrase, said in the same language, as `$name`.
    #[must_use]
    pub fn with_phrase(mut self, name: &'static str, value: Phrase) -> Self {
        self.args.push((name, Arg::Phrase(Box::new(value))));
        self
    }
}

/// One language's messages, safe to share between threads (the phone form's server and the
/// frame both read them).
type Bundle = FluentBundle<FluentResource>;

/// Every language's messages, read from the embedded Fluent files once. A resource of the kiosk,
/// and part of the phone form's server.
#[derive(Resource)]
pub struct Translations {
    /// One bundle a language, in the order of [`Language::ALL`].
    bundles: Vec<Bundle>,
    /// Messages already reported missing or broken, so a screen drawn every frame says it once.
    reported: Mutex<HashSet<(Language, String)>>,
}

impl Default for Translations {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Translations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Translations")
            .field("languages", &Language::ALL)
            .finish_non_exhaustive()
    }
}

impl Translations {
    /// The embedded translations. A file that does not parse is a bug of the build, not of the
    /// gallery: this panics with the parser's message (a unit test parses them all).
    #[must_use]
    pub fn new() -> Self {
        Self::from_sources(Language::ALL.map(Language::source))
    }

    /// Translations from these Fluent sources, one a language in the order of [`Language::ALL`].
    fn from_sources(sources: [&str; Language::ALL.len()]) -> Self {
        let bundles = Language::ALL
            .into_iter()
            .zip(sources)
            .map(|(language, source)| build_bundle(language, source))
            .collect();
        Self {
            bundles,
            reported: Mutex::default(),
        }
    }

    fn bundle(&self, language: Language) -> &Bundle {
        &self.bundles[language.index()]
    }

    /// Whether `language` has its own message `id`.
    #[must_use]
    pub fn has(&self, language: Language, id: &str) -> bool {
        self.bundle(language).has_message(id)
    }

    /// The messages of `language`, to say one after another.
    #[must_use]
    pub fn voice(&self, language: Language) -> Voice<'_> {
        Voice {
            translations: self,
            language,
        }
    }

    /// The message `id` in `language`, without arguments. A message missing there is said in
    /// English; one missing everywhere is its id (both are logged once).
    #[must_use]
    pub fn text(&self, language: Language, id: &str) -> String {
        self.format(language, id, None)
    }

    /// The message `id` in `language`, with `args` (`("count", FluentValue::from(3))`), falling
    /// back as [`Translations::text`] does.
    #[must_use]
    pub fn text_with(
        &self,
        language: Language,
        id: &str,
        args: &[(&str, FluentValue<'_>)],
    ) -> String {
        let mut fluent = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        self.format(language, id, Some(&fluent))
    }

    /// `phrase` in `language`, falling back as [`Translations::text`] does.
    #[must_use]
    pub fn phrase(&self, language: Language, phrase: &Phrase) -> String {
        let mut fluent = FluentArgs::with_capacity(phrase.args.len());
        for (name, value) in &phrase.args {
            match value {
                Arg::Number(number) => fluent.set(*name, *number),
                Arg::Text(text) => fluent.set(*name, text.as_str()),
                Arg::Phrase(inner) => fluent.set(*name, self.phrase(language, inner)),
            }
        }
        self.format(language, phrase.id, Some(&fluent))
    }

    fn format(&self, language: Language, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        for speaking in [language, Language::English] {
            let bundle = self.bundle(speaking);
            let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) else {
                continue;
            };
            if speaking != language {
                self.report(language, id, "has no translation: it is said in English");
            }
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                self.report(speaking, id, &format!("is not whole: {errors:?}"));
            }
            return text.into_owned();
        }
        self.report(language, id, "is in no translation: its id is shown");
        id.to_owned()
    }

    /// Logs what is wrong with the message `id` in `language`, the first time only.
    fn report(&self, language: Language, id: &str, what: &str) {
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        if reported.insert((language, id.to_owned())) {
            warn!("the message \"{id}\" ({language}) {what}");
        }
    }
}

/// One language's messages, borrowed from [`Translations`]: what a screen or a page is said in.
#[derive(Debug, Clone, Copy)]
pub struct Voice<'a> {
    translations: &'a Translations,
    language: Language,
}

impl Voice<'_> {
    /// The language it speaks.
    #[must_use]
    pub fn language(self) -> Language {
        self.language
    }

    /// The message `id` ([`Translations::text`]).
    #[must_use]
    pub fn text(self, id: &str) -> String {
        self.translations.text(self.language, id)
    }

    /// `phrase` ([`Translations::phrase`]).
    #[must_use]
    pub fn phrase(self, phrase: &Phrase) -> String {
        self.translations.phrase(self.language, phrase)
    }
}

/// The bundle of `language` from its Fluent `source`, without isolation marks (see the module's
/// documentation) and with the language's way of writing numbers.
fn build_bundle(language: Language, source: &str) -> Bundle {
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| {
        panic!(
            "assets/locales/{}.ftl does not parse: {errors:?}",
            language.tag()
        )
    });
    let mut bundle = Bundle::new_concurrent(vec![language.identifier()]);
    bundle.set_use_isolating(false);
    match language {
        Language::English => bundle.set_formatter(Some(english_numbers)),
        Language::Arabic => bundle.set_formatter(Some(arabic_numbers)),
        Language::Spanish => bundle.set_formatter(Some(spanish_numbers)),
    }
    bundle.add_resource(resource).unwrap_or_else(|errors| {
        panic!(
            "assets/locales/{}.ftl has messages twice: {errors:?}",
            language.tag()
        )
    });
    bundle
}

/// A whole number of at most 18 digits, the only numbers the messages hold; anything else is
/// left to Fluent's own writing.
fn whole(value: &FluentValue<'_>) -> Option<u64> {
    let FluentValue::Number(number) = value else {
        return None;
    };
    let n = number.value;
    (n.is_finite()
        && n >= 0.0
        && n.fract() == 0.0
        && n < 1e18
        && number.options.minimum_fraction_digits.is_none())
    .then_some(n as u64)
}

fn english_numbers<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    whole(value).map(|n| written_number(n, Language::English))
}

fn arabic_numbers<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    whole(value).map(|n| written_number(n, Language::Arabic))
}

fn spanish_numbers<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    whole(value).map(|n| written_number(n, Language::Spanish))
}

/// `n` as `language` writes it: English groups thousands with commas (24,000); Spanish, as the
/// Real Academia Española asks, leaves four digits alone and groups longer numbers with a
/// no-break space (1000, 24 000); Arabic writes Arabic-Indic digits grouped with the Arabic
/// thousands separator (٢٤٬٠٠٠).
fn written_number(n: u64, language: Language) -> String {
    let (separator, smallest_grouped) = match language {
        Language::English => (',', 1_000),
        Language::Spanish => ('\u{a0}', 10_000),
        Language::Arabic => ('\u{66c}', 1_000),
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 3);
    for (i, digit) in digits.chars().enumerate() {
        if n >= smallest_grouped && i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(if language == Language::Arabic {
            arabic_digit(digit)
        } else {
            digit
        });
    }
    out
}

/// The Arabic-Indic digit (U+0660 to U+0669) for an ASCII one.
fn arabic_digit(digit: char) -> char {
    digit
        .to_digit(10)
        .and_then(|d| char::from_u32(0x0660 + d))
        .unwrap_or(digit)
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, path::Path};

    use super::*;

    /// The message ids of a Fluent file: the lines that start with an identifier (a message's
    /// first line; its other lines, variants and attributes are indented, comments start with
    /// `#`, terms with `-`).
    fn message_ids(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter_map(|line| line.split('=').next())
            .map(|id| id.trim().to_owned())
            .collect()
    }

    fn queue(translations: &Translations, language: Language, count: u64) -> String {
        translations.phrase(
            language,
            &Phrase::new("curator-queue").with_number("count", count),
        )
    }

    #[test]
    fn every_translation_parses() {
        for language in Language::ALL {
            if let Err((_, errors)) = FluentResource::try_new(language.source().to_owned()) {
                panic!("{}.ftl: {errors:#?}", language.tag());
            }
        }
        let translations = Translations::new();
        for language in Language::ALL {
            assert!(translations.has(language, "form-title"), "{language}");
        }
    }

    #[test]
    fn every_message_is_in_every_language() {
        let english = message_ids(Language::English.source());
        assert!(english.len() > 100, "{} messages read", english.len());
        for language in Language::ALL {
            let theirs = message_ids(language.source());
            let missing: Vec<&String> = english.difference(&theirs).collect();
            let extra: Vec<&String> = theirs.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{language}.ftl lacks {missing:?} and has {extra:?} beyond en.ftl"
            );
        }
        // The scan reads what the bundles read.
        let translations = Translations::new();
        for language in Language::ALL {
            for id in &english {
                assert!(translations.has(language, id), "{language}: {id}");
            }
        }
    }

    /// Every message the code names (`Phrase::new("…")`, `.text("…")`) is in every language: a
    /// misspelt id would otherwise only show on the screen, as itself.
    #[test]
    fn every_message_the_code_names_exists() {
        fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let translations = Translations::new();
        let mut named = 0;
        for file in files {
            // This file's tests name missing messages on purpose.
            if file.ends_with("i18n.rs") {
                continue;
            }
            let code = std::fs::read_to_string(&file).unwrap();
            for opening in ["Phrase::new(\"", ".text(\""] {
                for (at, _) in code.match_indices(opening) {
                    let rest = &code[at + opening.len()..];
                    let id = &rest[..rest.find('"').unwrap()];
                    named += 1;
                    for language in Language::ALL {
                        assert!(
                            translations.has(language, id),
                            "{}: \"{id}\" is not in {language}.ftl",
                            file.display()
                        );
                    }
                }
            }
        }
        assert!(named > 80, "{named} ids found in the code");
    }

    #[test]
    fn arabic_numbers_choose_all_six_plural_forms() {
        let translations = Translations::new();
        let said = |count| queue(&translations, Language::Arabic, count);
        assert_eq!(said(0), "لا أحلام", "zero");
        assert_eq!(said(1), "حلم واحد", "one");
        assert_eq!(said(2), "حلمان", "two");
        assert_eq!(said(3), "٣ أحلام", "few: 3 to 10");
        assert_eq!(said(11), "١١ حلمًا", "many: 11 to 99");
        assert_eq!(said(100), "١٠٠ حلم", "other");
    }

    #[test]
    fn english_and_spanish_numbers_choose_one_or_other() {
        let translations = Translations::new();
        assert_eq!(queue(&translations, Language::English, 1), "1 dream");
        assert_eq!(queue(&translations, Language::English, 5), "5 dreams");
        assert_eq!(queue(&translations, Language::Spanish, 1), "1 sueño");
        assert_eq!(queue(&translations, Language::Spanish, 5), "5 sueños");
        // The same through `text_with`.
        assert_eq!(
            translations.text_with(
                Language::Spanish,
                "curator-queue",
                &[("count", FluentValue::from(5_u64))]
            ),
            "5 sueños"
        );
    }

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        assert_eq!(written_number(24_000, Language::English), "24,000");
        assert_eq!(written_number(600, Language::English), "600");
        assert_eq!(written_number(1_234_567, Language::English), "1,234,567");
        assert_eq!(written_number(1_000, Language::Spanish), "1000");
        assert_eq!(written_number(24_000, Language::Spanish), "24\u{a0}000");
        assert_eq!(written_number(24_000, Language::Arabic), "٢٤٬٠٠٠");
        assert_eq!(written_number(7, Language::Arabic), "٧");
    }

    #[test]
    fn browsers_get_the_best_of_our_languages() {
        assert_eq!(negotiate("ar-EG,ar;q=0.9,en;q=0.8"), Language::Arabic);
        assert_eq!(negotiate("es-MX"), Language::Spanish);
        assert_eq!(negotiate("es-419,es;q=0.9"), Language::Spanish);
        assert_eq!(negotiate("de-DE,fr"), Language::English);
        assert_eq!(negotiate("de-DE,fr;q=0.9,ar;q=0.5"), Language::Arabic);
        assert_eq!(
            negotiate("en;q=0.2,es;q=0.8"),
            Language::Spanish,
            "by weight"
        );
        assert_eq!(negotiate("ar;q=0,es"), Language::Spanish, "q=0 refuses");
        assert_eq!(negotiate("@@@ not a header ;;;"), Language::English);
        assert_eq!(negotiate("*"), Language::English);
        assert_eq!(negotiate(""), Language::English);
    }

    #[test]
    fn a_missing_message_is_said_in_english_then_as_its_id() {
        let translations = Translations::from_sources([
            "hello = Hello\nonly-english = Only in English\n",
            "hello = مرحبا\n",
            "hello = Hola\n",
        ]);
        assert_eq!(translations.text(Language::Arabic, "hello"), "مرحبا");
        assert_eq!(
            translations.text(Language::Arabic, "only-english"),
            "Only in English"
        );
        assert_eq!(translations.text(Language::Spanish, "nowhere"), "nowhere");
        assert_eq!(
            translations.phrase(Language::English, &Phrase::new("nowhere")),
            "nowhere"
        );
    }

    #[test]
    fn arguments_carry_no_isolation_marks() {
        let translations = Translations::new();
        for language in Language::ALL {
            let said = translations.phrase(
                language,
                &Phrase::new("code-found").with_text("code", "7KQ4XM"),
            );
            assert!(said.contains("7KQ4XM"), "{said}");
            assert!(
                !said.contains(['\u{2068}', '\u{2069}']),
                "{language}: {said:?}"
            );
        }
    }

    #[test]
    fn a_phrase_in_a_phrase_is_said_in_the_same_language() {
        let translations = Translations::new();
        let pause = Phrase::new("codes-paused")
            .with_phrase("wait", Phrase::new("wait-minutes").with_number("count", 2));
        let english = translations.phrase(Language::English, &pause);
        assert!(english.contains("wait 2 minutes"), "{english}");
        let spanish = translations.phrase(Language::Spanish, &pause);
        assert!(spanish.contains("2 minutos"), "{spanish}");
    }

    #[test]
    fn tags_read_and_write_both_ways() {
        for language in Language::ALL {
            assert_eq!(language.tag().parse::<Language>(), Ok(language));
            let written = ron::to_string(&language).unwrap();
            assert_eq!(written, format!("\"{}\"", language.tag()));
            assert_eq!(ron::from_str::<Language>(&written).unwrap(), language);
        }
        assert_eq!(" AR ".parse::<Language>(), Ok(Language::Arabic));
        assert!(Language::Arabic.is_right_to_left());
        assert!(!Language::Spanish.is_right_to_left());
        assert_eq!(Language::Arabic.native_name(), "العربية");
        let error = "de".parse::<Language>().unwrap_err().to_string();
        assert!(error.contains("\"de\""), "{error}");
        for tag in ["\"en\"", "\"ar\"", "\"es\""] {
            assert!(error.contains(tag), "{error}");
        }
        let error = ron::from_str::<Language>("\"fr\"").unwrap_err().to_string();
        assert!(error.contains("\"fr\" is not a language"), "{error}");
    }

    #[test]
    fn translations_can_be_shared_between_threads() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<Translations>();
        let translations = std::sync::Arc::new(Translations::new());
        let elsewhere = std::sync::Arc::clone(&translations);
        let said = std::thread::spawn(move || elsewhere.text(Language::Spanish, "form-title"))
            .join()
            .unwrap();
        assert_eq!(said, translations.text(Language::Spanish, "form-title"));
    }
}
