//! Laying words out the way their script is written: parley shapes each run with `HarfRust` (joined
//! Arabic, Indic conjuncts, marks placed), orders runs by the Unicode bidirectional algorithm,
//! breaks lines by UAX #14, and picks each cluster's font from the base family or, failing it, the
//! fallback families registered here for its script.

use std::{collections::HashMap, ops::Range, sync::Arc};

use icu_segmenter::{LineSegmenter, options::LineBreakOptions};
use parley::{
    Alignment, AlignmentOptions, FontContext, FontFamily, FontFamilyName, LayoutContext,
    LineHeight, OverflowWrap, PositionedLayoutItem, StyleProperty,
    fontique::{Blob, Collection, CollectionOptions, FallbackKey, Script, SourceCache},
};
use swash::FontRef;

use super::fonts::FONTS;

/// How a text is laid out: its size in pixels, the width lines wrap at (none: one line), how lines
/// sit in that width, and the distance between baselines as a multiple of the size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextLook {
    pub size: f32,
    pub max_width: Option<f32>,
    pub align: Align,
    pub line_height: f32,
}

impl TextLook {
    /// One line of `size` pixels, as wide as it needs.
    #[must_use]
    pub fn line(size: f32) -> Self {
        Self {
            size,
            max_width: None,
            align: Align::Start,
            line_height: 1.35,
        }
    }

    /// Lines of `size` pixels wrapped at `width`.
    #[must_use]
    pub fn wrapped(size: f32, width: f32) -> Self {
        Self {
            max_width: Some(width.max(size)),
            ..Self::line(size)
        }
    }

    #[must_use]
    pub fn aligned(self, align: Align) -> Self {
        Self { align, ..self }
    }
}

/// Where lines sit in their width. `Start` and `End` follow the text's own direction: an Arabic
/// dream starts at the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Start,
    Centre,
    End,
}

/// One glyph, placed: which embedded font (an index into [`FONTS`]), its glyph id, its pen
/// position (x from the layout's left, y the baseline, downwards), the size it was shaped at, and
/// the byte range of the text it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedGlyph {
    pub font: usize,
    pub id: u16,
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub advance: f32,
    pub line: usize,
}

/// A text laid out: its glyphs in visual order (left to right on each line), its size, its
/// lines' text, and the characters no embedded font has.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaped {
    pub glyphs: Vec<PlacedGlyph>,
    pub width: f32,
    pub height: f32,
    /// The byte range of the shown text on each line.
    pub lines: Vec<Range<usize>>,
    /// Whether the text's own direction (its first strong character) is right to left.
    pub right_to_left: bool,
    /// Characters drawn with no font's glyph, each once, in order of appearance.
    pub missing: Vec<char>,
    /// The text as laid out: the text given, with zero-width spaces where a Thai, Lao, Khmer or
    /// Myanmar line may break.
    pub shown: String,
}

impl Shaped {
    /// The layout cut to its ink's width: glyphs moved left so the leftmost starts at zero. Lines
    /// keep their alignment to each other (an Arabic paragraph stays right-aligned), but the
    /// layout no longer fills the width it wrapped at.
    #[must_use]
    pub fn tight(mut self) -> Self {
        if let Some((left, right)) = self.ink_extent() {
            for glyph in &mut self.glyphs {
                glyph.x -= left;
            }
            self.width = (right - left).ceil();
        }
        self
    }

    /// Where the glyphs begin and end, left to right (pen positions and advances), or `None`
    /// for a layout with no glyphs.
    #[must_use]
    pub fn ink_extent(&self) -> Option<(f32, f32)> {
        let left = self
            .glyphs
            .iter()
            .map(|g| g.x)
            .fold(f32::INFINITY, f32::min);
        let right = self
            .glyphs
            .iter()
            .map(|g| g.x + g.advance)
            .fold(f32::NEG_INFINITY, f32::max);
        (left.is_finite() && right.is_finite()).then_some((left, right))
    }
}

/// The text stack: the embedded fonts registered with fontique, parley's layout caches, and each
/// font's character map for the coverage check.
pub struct TextStack {
    fonts: FontContext,
    layout: LayoutContext<[u8; 4]>,
    /// fontique's blob id of each embedded font → its index in [`FONTS`].
    font_by_blob: HashMap<u64, usize>,
    base_family: String,
    /// Every embedded font, for swash.
    faces: Vec<FontRef<'static>>,
    missing: MissingReport,
}

/// Characters that were to be shown and that no embedded font has: how many different ones, and
/// which (the first few), for the health display. Never shown silently as a box. Counted once
/// each, however often the same text is laid out (a preview per keystroke, a fitting search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingReport {
    pub count: u64,
    pub characters: Vec<char>,
    seen: std::collections::BTreeSet<char>,
}

/// Distinct missing characters the report keeps.
const MISSING_KEPT: usize = 24;

impl Default for TextStack {
    fn default() -> Self {
        Self::new()
    }
}

impl TextStack {
    /// Registers every embedded font: the first as the family every text asks for, each as the
    /// fallback of its scripts. System fonts are never looked for.
    #[must_use]
    pub fn new() -> Self {
        let mut collection = Collection::new(CollectionOptions {
            shared: false,
            system_fonts: false,
        });
        let mut font_by_blob = HashMap::new();
        let mut base_family = String::new();
        let mut faces = Vec::with_capacity(FONTS.len());
        for (index, font) in FONTS.iter().enumerate() {
            let blob: Blob<u8> = Blob::new(Arc::new(font.bytes));
            font_by_blob.insert(blob.id(), index);
            let families = collection.register_fonts(blob, None);
            let (family, _) = families
                .first()
                .unwrap_or_else(|| panic!("embedded font {} has no family", font.file));
            if index == 0 {
                collection
                    .family_name(*family)
                    .expect("the base font is named")
                    .clone_into(&mut base_family);
            }
            for script in font.scripts {
                collection.append_fallbacks(
                    FallbackKey::new(Script::parse(script).expect("an ISO 15924 code"), None),
                    std::iter::once(*family),
                );
            }
            faces.push(
                FontRef::from_index(font.bytes, 0)
                    .unwrap_or_else(|| panic!("embedded font {} is readable", font.file)),
            );
        }
        Self {
            fonts: FontContext {
                collection,
                source_cache: SourceCache::default(),
            },
            layout: LayoutContext::new(),
            font_by_blob,
            base_family,
            faces,
            missing: MissingReport::default(),
        }
    }

    /// The embedded font `index` (into [`FONTS`]), for rasterising its glyphs.
    #[must_use]
    pub fn face(&self, index: usize) -> FontRef<'static> {
        self.faces[index]
    }

    /// Lays `text` out as `look` says.
    pub fn shape(&mut self, text: &str, look: &TextLook) -> Shaped {
        let shown = with_break_opportunities(text);
        let family = FontFamily::Single(FontFamilyName::Named(self.base_family.as_str().into()));
        let mut builder = self
            .layout
            .ranged_builder(&mut self.fonts, &shown, 1.0, true);
        builder.push_default(StyleProperty::FontFamily(family));
        builder.push_default(StyleProperty::FontSize(look.size));
        builder.push_default(StyleProperty::LineHeight(LineHeight::FontSizeRelative(
            look.line_height,
        )));
        // A word longer than the line (a long name, a URL) breaks rather than overflowing.
        builder.push_default(StyleProperty::OverflowWrap(OverflowWrap::Anywhere));
        let mut layout = builder.build(&shown);
        layout.break_all_lines(look.max_width);
        layout.align(
            match look.align {
                Align::Start => Alignment::Start,
                Align::Centre => Alignment::Center,
                Align::End => Alignment::End,
            },
            AlignmentOptions::default(),
        );
        let mut glyphs = Vec::new();
        let mut lines = Vec::new();
        for (line_index, line) in layout.lines().enumerate() {
            lines.push(line.text_range());
            for item in line.items() {
                let PositionedLayoutItem::GlyphRun(run) = item else {
                    continue;
                };
                let font = run.run().font();
                let Some(&index) = self.font_by_blob.get(&font.data.id()) else {
                    continue;
                };
                let size = run.run().font_size();
                for glyph in run.positioned_glyphs() {
                    glyphs.push(PlacedGlyph {
                        font: index,
                        id: u16::try_from(glyph.id).unwrap_or(0),
                        x: glyph.x,
                        y: glyph.y,
                        size,
                        advance: glyph.advance,
                        line: line_index,
                    });
                }
            }
        }
        // parley's width can fall short of a line's last glyph (a Devanagari vowel sign after a
        // cluster it reordered): the glyphs themselves say how far the ink goes.
        let reach = glyphs
            .iter()
            .map(|g| g.x + g.advance)
            .fold(layout.width(), f32::max);
        let width = look.max_width.map_or(reach, |max| {
            // Aligned lines sit in the whole width; a text narrower than it is as wide as it is.
            if look.align == Align::Start && !layout.is_rtl() {
                reach
            } else {
                max.max(reach)
            }
        });
        let missing = missing_characters(&self.faces, text);
        for &c in &missing {
            if self.missing.seen.insert(c) {
                self.missing.count += 1;
                if self.missing.characters.len() < MISSING_KEPT {
                    self.missing.characters.push(c);
                }
            }
        }
        Shaped {
            glyphs,
            width: width.ceil(),
            height: layout.height().ceil(),
            lines,
            right_to_left: layout.is_rtl(),
            missing,
            shown,
        }
    }

    /// The characters shaped so far that no font has.
    #[must_use]
    pub fn missing_report(&self) -> &MissingReport {
        &self.missing
    }

    /// Characters of `text` that no embedded font has a glyph for.
    #[must_use]
    pub fn missing(&self, text: &str) -> Vec<char> {
        missing_characters(&self.faces, text)
    }
}

/// Characters of `text` that none of `faces` maps, each once. Spaces, controls and the invisible
/// formatting characters (joiners, marks of direction, variation selectors) are not drawn, so
/// they are never missing.
#[must_use]
pub fn missing_characters(faces: &[FontRef<'_>], text: &str) -> Vec<char> {
    let mut missing = Vec::new();
    for c in text.chars() {
        if c.is_whitespace()
            || c.is_control()
            || is_invisible(c)
            || missing.contains(&c)
            || faces.iter().any(|face| face.charmap().map(c) != 0)
        {
            continue;
        }
        missing.push(c);
    }
    missing
}

/// Format characters that shape text but draw nothing.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{180B}'..='\u{180F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Thai: written without spaces between words, its line breaks found by ICU4X's LSTM model.
/// Lao, Khmer and Myanmar are written so too, and ICU4X has models for them as well; but with
/// their word breaks marked, parley let a wrapped Khmer line run past its width (seen in
/// `khmer_and_myanmar_lines_wrap_within_their_width`), so for now their lines break
/// where a grapheme cluster would overflow (`OverflowWrap::Anywhere`) — inside words.
fn thai(c: char) -> bool {
    ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

/// `text` with a zero-width space at each word boundary inside a Thai run, found by ICU4X's line
/// segmenter. parley's own line breaker has no model for Thai, and would otherwise keep a whole
/// Thai sentence on one line.
fn with_break_opportunities(text: &str) -> String {
    if !text.chars().any(thai) {
        return text.to_owned();
    }
    let mut segmenter = LineSegmenter::new_for_non_complex_scripts(LineBreakOptions::default());
    segmenter.load_lstm();
    let mut shown = String::with_capacity(text.len() + 16);
    let mut last = 0;
    for at in segmenter.segment_str(text) {
        if at == 0 || at >= text.len() {
            continue;
        }
        shown.push_str(&text[last..at]);
        let before = text[..at].chars().next_back();
        let after = text[at..].chars().next();
        if before.is_some_and(thai) && after.is_some_and(thai) {
            shown.push('\u{200B}');
        }
        last = at;
    }
    shown.push_str(&text[last..]);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> TextStack {
        TextStack::new()
    }

    fn font_named(file: &str) -> usize {
        FONTS.iter().position(|f| f.file == file).expect("font")
    }

    /// Glyph ids of `text`, shaped in one line, in visual order.
    fn ids(stack: &mut TextStack, text: &str) -> Vec<u16> {
        stack
            .shape(text, &TextLook::line(32.0))
            .glyphs
            .iter()
            .map(|g| g.id)
            .collect()
    }

    #[test]
    fn every_script_has_glyphs_for_its_letters() {
        let mut stack = stack();
        for font in &FONTS {
            let shaped = stack.shape(font.sample, &TextLook::line(24.0));
            assert!(
                shaped.missing.is_empty(),
                "{} lacks {:?}",
                font.covers,
                shaped.missing
            );
            assert!(
                shaped.glyphs.iter().all(|g| g.id != 0),
                "{}: a .notdef box in {:?}",
                font.covers,
                font.sample
            );
            let expected = font_named(font.file);
            let letters = font.sample.chars().filter(|c| c.is_alphabetic()).count();
            assert!(
                shaped.glyphs.iter().any(|g| g.font == expected) || letters == 0,
                "{:?} was not drawn with {}",
                font.sample,
                font.file
            );
        }
    }

    #[test]
    fn arabic_letters_join() {
        let mut stack = stack();
        // حلم (dream): each letter alone, and joined in the word.
        let alone: Vec<u16> = ["ح", "ل", "م"]
            .iter()
            .map(|letter| ids(&mut stack, letter)[0])
            .collect();
        let word = stack.shape("حلم", &TextLook::line(32.0));
        assert!(word.right_to_left);
        assert_eq!(word.glyphs.len(), 3);
        let joined: Vec<u16> = word.glyphs.iter().map(|g| g.id).collect();
        // Visual order is left to right: the word's last letter (meem) comes first.
        for (position, glyph) in joined.iter().enumerate() {
            assert!(
                !alone.contains(glyph),
                "glyph {position} of حلم is an unjoined form"
            );
        }
        assert!(
            word.glyphs
                .iter()
                .all(|g| g.font == font_named("NotoSansArabic-Regular.ttf"))
        );
    }

    #[test]
    fn hebrew_reads_right_to_left_with_its_numbers_left_to_right() {
        let mut stack = stack();
        let text = "חלמתי 2024 על ים";
        let shaped = stack.shape(text, &TextLook::line(32.0));
        assert!(shaped.right_to_left);
        // A glyph is its font and id: the same id means another letter in another font.
        let glyph_of = |stack: &mut TextStack, c: &str| {
            let g = &stack.shape(c, &TextLook::line(32.0)).glyphs[0];
            (g.font, g.id)
        };
        let (first, last, two, four) = (
            glyph_of(&mut stack, "ח"),
            glyph_of(&mut stack, "ם"),
            glyph_of(&mut stack, "2"),
            glyph_of(&mut stack, "4"),
        );
        let x_of = |wanted: (usize, u16)| {
            shaped
                .glyphs
                .iter()
                .find(|g| (g.font, g.id) == wanted)
                .map_or_else(|| panic!("{wanted:?} not drawn"), |g| g.x)
        };
        // The first word, חלמתי, is at the right; the number in the middle; ים at the left.
        assert!(x_of(first) > x_of(two), "חלמתי should be right of 2024");
        assert!(x_of(two) > x_of(last), "2024 should be right of ים");
        // Within the number, digits still read left to right.
        assert!(x_of(two) < x_of(four), "2024 reads left to right");
        let hebrew = font_named("NotoSansHebrew-Regular.ttf");
        assert_eq!(first.0, hebrew);
    }

    #[test]
    fn devanagari_forms_its_conjuncts() {
        let mut stack = stack();
        // क्ष (ksha): three characters, one conjunct glyph; स्व in स्वप्न likewise.
        let conjunct = stack.shape("क्ष", &TextLook::line(32.0));
        assert_eq!(conjunct.glyphs.len(), 1, "क्ष shapes to one conjunct glyph");
        let parts: Vec<u16> = ["क", "्", "ष"]
            .iter()
            .flat_map(|c| ids(&mut stack, c))
            .collect();
        assert!(!parts.contains(&conjunct.glyphs[0].id));
        // The short i's matra goes before its consonant: कि draws ि first.
        let ki = stack.shape("कि", &TextLook::line(32.0));
        let matra = ids(&mut stack, "\u{093F}");
        let ka = ids(&mut stack, "क")[0];
        let order: Vec<u16> = ki.glyphs.iter().map(|g| g.id).collect();
        assert_eq!(
            order.last(),
            Some(&ka),
            "ka is drawn after the i matra: {order:?}"
        );
        assert_ne!(order.first(), Some(&ka));
        assert!(!matra.is_empty());
    }

    #[test]
    fn a_thai_line_wraps_between_words() {
        let mut stack = stack();
        // "I dreamt I flew over the sea at night" — no spaces between the words.
        let text = "ฉันฝันว่าฉันบินข้ามทะเลในเวลากลางคืน";
        let one = stack.shape(text, &TextLook::line(24.0));
        assert_eq!(one.lines.len(), 1);
        let wrapped = stack.shape(text, &TextLook::wrapped(24.0, one.width * 0.45));
        assert!(wrapped.lines.len() >= 3, "{} lines", wrapped.lines.len());
        // Every line ends at a word boundary: a zero-width space the segmenter placed, or the end.
        for line in &wrapped.lines[..wrapped.lines.len() - 1] {
            let before = wrapped.shown[..line.end].chars().next_back();
            assert_eq!(
                before,
                Some('\u{200B}'),
                "a line ended inside a word: {:?}",
                &wrapped.shown[line.clone()]
            );
        }
        // What is shown, less the break marks, is the text.
        assert_eq!(wrapped.shown.replace('\u{200B}', ""), text);
    }

    #[test]
    fn khmer_and_myanmar_lines_wrap_within_their_width() {
        let mut stack = stack();
        for text in [
            "ខ្ញុំសុបិនឃើញថាខ្ញុំហោះហើរលើសមុទ្រនៅពេលយប់ហើយផ្កាយច្រៀង",
            "ကျွန်တော်ညဘက်မှာပင်လယ်ပေါ်ပျံသန်းနေတယ်လို့အိပ်မက်မက်တယ်",
        ] {
            let one = stack.shape(text, &TextLook::line(24.0));
            let width = one.width * 0.4;
            let wrapped = stack.shape(text, &TextLook::wrapped(24.0, width));
            assert!(
                wrapped.lines.len() >= 3,
                "{text}: {} lines",
                wrapped.lines.len()
            );
            for glyph in &wrapped.glyphs {
                assert!(
                    glyph.x + glyph.advance <= width + 0.5,
                    "{text} overflows: {glyph:?}"
                );
            }
            assert!(wrapped.missing.is_empty());
        }
    }

    #[test]
    fn a_character_no_font_has_is_counted_not_hidden() {
        let stack = stack();
        // Linear A (U+10600) and a private-use character are in no embedded font.
        let missing = stack.missing("dream 𐘀 \u{E000} 𐘀");
        assert_eq!(missing, vec!['𐘀', '\u{E000}']);
        let mut stack = stack;
        stack.shape("𐘀 dream", &TextLook::line(20.0));
        stack.shape("夢 \u{E000}", &TextLook::line(20.0));
        // The same text again (a preview at every keystroke) is not more boxes.
        stack.shape("𐘀 dream", &TextLook::line(20.0));
        assert_eq!(stack.missing_report().count, 2);
        assert_eq!(stack.missing_report().characters, vec!['𐘀', '\u{E000}']);
        assert!(stack.missing("ọ̀rẹ́ — dream, حلم, 夢").is_empty());
    }

    #[test]
    fn wrapped_lines_fit_their_width() {
        let mut stack = stack();
        let shaped = stack.shape(
            "Mo lá àlá pé mo ń fò lórí òkun ní alẹ́, àwọn ìràwọ̀ sì ń kọrin.",
            &TextLook::wrapped(20.0, 200.0),
        );
        assert!(shaped.lines.len() > 1);
        for glyph in &shaped.glyphs {
            assert!(glyph.x + glyph.advance <= 200.5, "{glyph:?} overflows");
        }
    }

    #[test]
    fn a_layout_is_as_wide_as_its_glyphs_reach() {
        let mut stack = stack();
        // A wrapped Devanagari line whose last cluster parley measured short.
        let shaped = stack.shape(
            "मैंने सपना देखा कि गंगा के किनारे दीप जल रहे हैं और मेरी दादी क्षितिज की ओर गा रही हैं।",
            &TextLook::wrapped(23.0, 536.0),
        );
        for glyph in &shaped.glyphs {
            assert!(
                glyph.x + glyph.advance <= shaped.width,
                "{glyph:?} is outside {}",
                shaped.width
            );
        }
    }
}
