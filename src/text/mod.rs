//! Visitors' words, shaped: one text stack for every place that shows them.
//!
//! `fonts` is the table of embedded fonts, one per writing system (Noto, Droid Sans Fallback and
//! a Hangul cut of Nanum Gothic). `shape` lays text out with parley — `HarfRust` shaping, the Unicode
//! bidirectional algorithm, line breaking — finding each script's font through fontique fallbacks
//! registered here (no system font discovery: the build needs no fontconfig); Thai, written
//! without spaces, gets its word breaks from ICU4X's segmenter first.
//! `raster` turns a layout into coverage pixels with swash, for egui textures and the keepsake
//! card, and packs glyphs into the atlas the cloak's words are drawn from.
//!
//! Nothing here knows about Bevy's world; [`Texts`] is the one stack every part shares.

pub mod fonts;
pub mod raster;
pub mod shape;

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

pub use raster::{AtlasEntry, GlyphAtlas, Mask};
pub use shape::{
    Align, MissingReport, PlacedGlyph, Shaped, TextLook, TextStack, missing_characters,
};

/// Bevy's log filter with ICU4X's notes kept to errors: parley's own line breaker (built without
/// ICU4X's models) says, for every Thai, Lao, Khmer or Myanmar run it meets, that it has no model
/// for it (`shape` marks Thai's word breaks itself).
#[must_use]
pub fn log_filter() -> String {
    format!(
        "{},icu_provider=error,icu_segmenter=error",
        bevy::log::DEFAULT_FILTER
    )
}

/// The one text stack of the process, a font database like egui's fonts, that every part shapes
/// with — the overlay, the kiosk, the cloak's words, the card, the health display: `Texts.lock()`.
/// It is made (the fonts registered, under a millisecond) the first time it is locked. Shaping
/// needs `&mut` caches; the mutex shares them between threads without copying them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Texts;

impl Texts {
    /// The stack, for a moment.
    pub fn lock(self) -> MutexGuard<'static, TextStack> {
        static STACK: OnceLock<Mutex<TextStack>> = OnceLock::new();
        STACK
            .get_or_init(|| Mutex::new(TextStack::new()))
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether `text` needs shaping to be read: a right-to-left script, a script whose letters join
/// or reorder (Arabic, Indic, South-East Asian, Mongolian...), or combining marks — anything
/// egui's one-glyph-after-another layout gets wrong. Latin, Greek, Cyrillic, CJK and Hangul
/// without marks read well unshaped.
#[must_use]
pub fn needs_shaping(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c,
            '\u{0300}'..='\u{036F}' // combining marks (Yorùbá tones, Vietnamese)
            | '\u{0483}'..='\u{0489}'
            | '\u{0590}'..='\u{10FF}' // Hebrew to Myanmar (and Georgian: harmless)
            | '\u{1200}'..='\u{1DFF}' // Ethiopic .. combining supplements
            | '\u{200C}'..='\u{200F}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{2D30}'..='\u{2D7F}' // Tifinagh
            | '\u{A500}'..='\u{A63F}' // Vai
            | '\u{A980}'..='\u{A9DF}' // Javanese
            | '\u{FB1D}'..='\u{FEFC}' // Hebrew and Arabic presentation forms
            | '\u{10800}'..='\u{10FFF}'
            | '\u{1E900}'..='\u{1E95F}' // Adlam
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_egui_gets_wrong_need_shaping() {
        for text in [
            "حلم",
            "חלום",
            "सपना",
            "கனவு",
            "ความฝัน",
            "ọ̀rẹ́",
            "ሕልም",
            "𞤀𞤣𞤤𞤢𞤥",
        ] {
            assert!(super::needs_shaping(text), "{text}");
        }
        for text in ["a dream", "сон", "ὄνειρος", "夢を見た", "꿈", "rêve"] {
            assert!(!super::needs_shaping(text), "{text}");
        }
    }
}
