//! Visitors' words, shaped: one text stack for every place that shows them.
//!
//! `fonts` is the table of embedded fonts, one per writing system (Noto, Droid Sans Fallback and
//! a Hangul cut of Nanum Gothic). `shape` lays text out with parley — HarfRust shaping, the Unicode
//! bidirectional algorithm, line breaking — finding each script's font through fontique fallbacks
//! registered here (no system font discovery: the build needs no fontconfig); scripts written
//! without spaces (Thai, Lao, Khmer, Myanmar) get their word breaks from ICU4X's segmenter first.
//! `raster` turns a layout into coverage pixels with swash, for egui textures and the keepsake
//! card, and packs glyphs into the atlas the cloak's words are drawn from.
//!
//! Nothing here knows about Bevy's world beyond [`Texts`], the shared stack as a resource.

pub mod fonts;
pub mod raster;
pub mod shape;

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use bevy::prelude::Resource;

pub use raster::{AtlasEntry, GlyphAtlas, Mask};
pub use shape::{Align, MissingReport, PlacedGlyph, Shaped, TextLook, TextStack, missing_characters};

/// The one text stack of the process: a font database, like egui's fonts, that every part shapes
/// with — systems through [`Texts`], egui helpers that only have a `Ui` through [`shared`].
/// Registering the fonts takes a few milliseconds, once.
#[must_use]
pub fn shared() -> &'static Mutex<TextStack> {
    static STACK: OnceLock<Mutex<TextStack>> = OnceLock::new();
    STACK.get_or_init(|| Mutex::new(TextStack::new()))
}

/// The shared text stack as a resource, for the overlay, the kiosk, the cloak's words and the
/// card. Shaping needs `&mut` caches; the mutex keeps it `Sync` without copying them.
#[derive(Resource, Default, Clone, Copy)]
pub struct Texts;

impl Texts {
    /// The stack, for a moment.
    pub fn lock(&self) -> MutexGuard<'static, TextStack> {
        shared().lock().unwrap_or_else(PoisonError::into_inner)
    }
}
