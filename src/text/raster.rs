//! Shaped text into pixels with swash: a whole layout as a coverage mask (egui textures, the
//! keepsake card), and single glyphs packed into the atlas the cloak's words are drawn from.

use std::collections::HashMap;

use swash::{
    scale::{Render, ScaleContext, Source, image::Content},
    zeno::{Format, Vector},
};

use super::shape::{Shaped, TextStack};

/// Coverage of a laid-out text, one byte a pixel, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    pub width: u32,
    pub height: u32,
    pub coverage: Vec<u8>,
}

impl Mask {
    /// The mask as straight-alpha RGBA pixels of one colour.
    #[must_use]
    pub fn tinted(&self, rgb: [u8; 3]) -> Vec<u8> {
        let mut pixels = Vec::with_capacity(self.coverage.len() * 4);
        for &a in &self.coverage {
            pixels.extend_from_slice(&[rgb[0], rgb[1], rgb[2], a]);
        }
        pixels
    }

    /// Whether any pixel is inked.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.coverage.iter().all(|&a| a == 0)
    }
}

/// One glyph's outline at `size` pixels, with the fractional pen offset: its coverage, and where
/// its top-left corner sits relative to the pen (x right, y up).
fn render_glyph(
    scale: &mut ScaleContext,
    stack: &TextStack,
    font: usize,
    id: u16,
    size: f32,
    offset: Vector,
) -> Option<swash::scale::image::Image> {
    let mut scaler = scale
        .builder(stack.face(font))
        .size(size)
        .hint(false)
        .build();
    Render::new(&[Source::Outline])
        .format(Format::Alpha)
        .offset(offset)
        .render(&mut scaler, id)
        .filter(|image| image.content == Content::Mask)
}

impl TextStack {
    /// `shaped` drawn into a mask of its own size (plus `pad` pixels all round, for glyphs that
    /// reach past their advance), in white coverage.
    pub fn rasterise(&self, shaped: &Shaped, pad: u32) -> Mask {
        let width = shaped.width.ceil() as u32 + 2 * pad;
        let height = shaped.height.ceil() as u32 + 2 * pad;
        let mut mask = Mask {
            width,
            height,
            coverage: vec![0; (width * height) as usize],
        };
        let mut scale = ScaleContext::new();
        for glyph in &shaped.glyphs {
            let x = glyph.x + pad as f32;
            let y = glyph.y + pad as f32;
            let (whole_x, whole_y) = (x.floor(), y.floor());
            let offset = Vector::new(x - whole_x, -(y - whole_y));
            let Some(image) =
                render_glyph(&mut scale, self, glyph.font, glyph.id, glyph.size, offset)
            else {
                continue;
            };
            let left = whole_x as i64 + i64::from(image.placement.left);
            let top = whole_y as i64 - i64::from(image.placement.top);
            let w = i64::from(image.placement.width);
            for row in 0..i64::from(image.placement.height) {
                let ty = top + row;
                if ty < 0 || ty >= i64::from(height) {
                    continue;
                }
                for column in 0..w {
                    let tx = left + column;
                    if tx < 0 || tx >= i64::from(width) {
                        continue;
                    }
                    let a = image.data[(row * w + column) as usize];
                    let at = (ty * i64::from(width) + tx) as usize;
                    // Overlapping glyphs (marks, joined letters) add up, as ink would.
                    mask.coverage[at] = mask.coverage[at].saturating_add(a);
                }
            }
        }
        mask
    }
}

/// Where one glyph lies in the atlas: its rectangle in texels, and its bitmap's offset from the
/// pen (x right, y up), at the atlas's raster size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtlasEntry {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub left: i32,
    pub top: i32,
}

/// Glyphs rasterised once at one size and packed in shelves into a square coverage texture. The
/// cloak's words are quads that sample it; a glyph is added the first time a thread speaks it.
pub struct GlyphAtlas {
    /// Pixels per em the glyphs are rasterised at.
    pub raster_size: f32,
    pub side: u32,
    pub coverage: Vec<u8>,
    entries: HashMap<(usize, u16), Option<AtlasEntry>>,
    shelf_x: u32,
    shelf_y: u32,
    shelf_height: u32,
    scale: ScaleContext,
    /// Bumped whenever pixels are added, so the GPU copy knows to follow.
    pub generation: u64,
}

impl GlyphAtlas {
    /// An empty atlas of `side`² texels for glyphs of `raster_size` pixels per em.
    #[must_use]
    pub fn new(side: u32, raster_size: f32) -> Self {
        Self {
            raster_size,
            side,
            coverage: vec![0; (side * side) as usize],
            entries: HashMap::new(),
            shelf_x: 1,
            shelf_y: 1,
            shelf_height: 0,
            scale: ScaleContext::new(),
            generation: 0,
        }
    }

    /// The glyph's place, rasterising and packing it if it is new. `None` for a glyph with no
    /// pixels (a space) or when the atlas is full.
    pub fn entry(&mut self, stack: &TextStack, font: usize, id: u16) -> Option<AtlasEntry> {
        if let Some(entry) = self.entries.get(&(font, id)) {
            return *entry;
        }
        let entry = self.pack(stack, font, id);
        // A full atlas does not remember the refusal: after a clear the glyph is tried again.
        if entry.is_some() || !self.is_full() {
            self.entries.insert((font, id), entry);
        }
        entry
    }

    /// Whether a glyph was refused for want of room: the atlas needs a [`Self::clear`].
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.shelf_y >= self.side
    }

    fn pack(&mut self, stack: &TextStack, font: usize, id: u16) -> Option<AtlasEntry> {
        let image = render_glyph(
            &mut self.scale,
            stack,
            font,
            id,
            self.raster_size,
            Vector::new(0.0, 0.0),
        )?;
        let (w, h) = (image.placement.width, image.placement.height);
        if w == 0 || h == 0 {
            return None;
        }
        if self.shelf_x + w + 1 > self.side {
            self.shelf_x = 1;
            self.shelf_y += self.shelf_height + 1;
            self.shelf_height = 0;
        }
        if self.shelf_y + h + 1 > self.side {
            self.shelf_y = self.side;
            return None;
        }
        let (x, y) = (self.shelf_x, self.shelf_y);
        for row in 0..h {
            let from = (row * w) as usize;
            let to = ((y + row) * self.side + x) as usize;
            self.coverage[to..to + w as usize]
                .copy_from_slice(&image.data[from..from + w as usize]);
        }
        self.shelf_x += w + 1;
        self.shelf_height = self.shelf_height.max(h);
        self.generation += 1;
        Some(AtlasEntry {
            x,
            y,
            width: w,
            height: h,
            left: image.placement.left,
            top: image.placement.top,
        })
    }

    /// Glyphs packed so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.values().filter(|e| e.is_some()).count()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the atlas (when it is full and the speaking threads have moved on).
    pub fn clear(&mut self) {
        self.coverage.fill(0);
        self.entries.clear();
        self.shelf_x = 1;
        self.shelf_y = 1;
        self.shelf_height = 0;
        self.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextLook;

    #[test]
    fn a_word_is_drawn_inside_its_mask() {
        let mut stack = TextStack::new();
        let shaped = stack.shape("ሕልም", &TextLook::line(40.0));
        let mask = stack.rasterise(&shaped, 2);
        assert!(!mask.is_blank());
        let inked = mask.coverage.iter().filter(|&&a| a > 128).count();
        assert!(inked > 100, "{inked} inked pixels");
        // Nothing was lost off the edges: the border rows are empty.
        let w = mask.width as usize;
        assert!(mask.coverage[..w].iter().all(|&a| a == 0));
    }

    #[test]
    fn the_atlas_packs_each_glyph_once_and_fills_up() {
        let mut stack = TextStack::new();
        let mut atlas = GlyphAtlas::new(64, 24.0);
        let shaped = stack.shape("aa", &TextLook::line(24.0));
        let a = shaped.glyphs[0].clone();
        let first = atlas.entry(&stack, a.font, a.id).expect("packed");
        let generation = atlas.generation;
        assert_eq!(atlas.entry(&stack, a.font, a.id), Some(first));
        assert_eq!(
            atlas.generation, generation,
            "a known glyph is not packed again"
        );
        let texel = |e: AtlasEntry| {
            (e.y..e.y + e.height)
                .flat_map(|y| (e.x..e.x + e.width).map(move |x| (x, y)))
                .map(|(x, y)| u32::from(atlas.coverage[(y * 64 + x) as usize]))
                .sum::<u32>()
        };
        assert!(texel(first) > 0);
        let many = stack.shape(
            "bcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM",
            &TextLook::line(24.0),
        );
        let packed = many
            .glyphs
            .iter()
            .filter(|g| atlas.entry(&stack, g.font, g.id).is_some())
            .count();
        assert!(
            packed < many.glyphs.len(),
            "a 64² atlas cannot hold them all"
        );
        atlas.clear();
        assert!(atlas.is_empty());
        assert!(atlas.entry(&stack, a.font, a.id).is_some());
    }
}
