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

use std::sync::{Mutex, MutexGuard, PoisonError};

use bevy::prelude::Resource;

pub use raster::{AtlasEntry, GlyphAtlas, Mask};
pub use shape::{Align, PlacedGlyph, Shaped, TextLook, TextStack, missing_characters};

/// The text stack as a resource, shared by the overlay, the kiosk, the cloak's words and the
/// card. Shaping needs `&mut` caches; a mutex keeps the resource `Sync` without copying them.
#[derive(Resource)]
pub struct Texts(Mutex<TextStack>);

impl Default for Texts {
    fn default() -> Self {
        Self(Mutex::new(TextStack::new()))
    }
}

impl Texts {
    /// The stack, for a moment.
    pub fn lock(&self) -> MutexGuard<'_, TextStack> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
