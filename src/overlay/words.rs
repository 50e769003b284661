//! A visitor's words in egui, shaped: egui lays glyphs out one by one, left to right, without
//! joining or reordering, so every place that shows a visitor's words (and the kiosk's own words,
//! which are Arabic in an Arabic gallery) shows an image the text stack shaped instead. Images are
//! rasterised at the screen's pixel density, kept in egui's memory while they are used, and
//! forgotten a few seconds after they are last drawn.

use std::collections::HashMap;

use bevy_egui::egui;

use crate::text::{self, Align, TextLook};

/// How shaped words are shown: size in points, the width lines wrap at (none: one line), colour,
/// and where lines sit (the text's own start, so an Arabic line starts at the right).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordsLook {
    pub size: f32,
    pub wrap: Option<f32>,
    pub colour: egui::Color32,
    pub align: Align,
}

impl WordsLook {
    #[must_use]
    pub fn new(size: f32, colour: egui::Color32) -> Self {
        Self {
            size,
            wrap: None,
            colour,
            align: Align::Start,
        }
    }

    #[must_use]
    pub fn wrapped(self, width: f32) -> Self {
        Self {
            wrap: Some(width),
            ..self
        }
    }

    #[must_use]
    pub fn aligned(self, align: Align) -> Self {
        Self { align, ..self }
    }
}

/// One shaped image, by what it shows.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    text: String,
    size: u32,
    wrap: u32,
    align: u8,
    pixels_per_point: u32,
}

#[derive(Clone)]
struct Shown {
    texture: egui::TextureHandle,
    size: egui::Vec2,
    last_pass: u64,
}

/// The images shown lately, kept in egui's memory.
#[derive(Clone, Default)]
struct Cache {
    shown: HashMap<Key, Shown>,
}

/// Images not drawn for this many passes are forgotten (a few seconds at 60 frames a second).
const FORGET_AFTER_PASSES: u64 = 300;
/// The cache is swept when it holds more than this many images.
const SWEEP_ABOVE: usize = 96;

/// Shows `text` shaped, as an image of its laid-out size. Its response senses clicks, so it can be
/// a button's face.
pub fn shaped(ui: &mut egui::Ui, text: &str, look: WordsLook) -> egui::Response {
    ui.add(image(ui.ctx(), text, look).sense(egui::Sense::click()))
}

/// `text` shaped, as an egui image in its colour, for a button's face or a painter.
pub fn image(ctx: &egui::Context, text: &str, look: WordsLook) -> egui::Image<'static> {
    let (texture, size) = image_of(ctx, text, look);
    egui::Image::from_texture((texture, size)).tint(look.colour)
}

/// The size `text` takes when shown as `look` says, in points.
#[must_use]
pub fn measure(ctx: &egui::Context, text: &str, look: WordsLook) -> egui::Vec2 {
    image_of(ctx, text, look).1
}

/// The texture (white coverage, to be tinted with `look.colour`) and size (points) of `text`
/// shaped as `look` says, from the cache or made now.
#[must_use]
pub fn image_of(ctx: &egui::Context, text: &str, look: WordsLook) -> (egui::TextureId, egui::Vec2) {
    let pixels_per_point = ctx.pixels_per_point().max(0.5);
    let key = Key {
        text: text.to_owned(),
        size: look.size.to_bits(),
        wrap: look.wrap.unwrap_or(0.0).to_bits(),
        align: look.align as u8,
        pixels_per_point: pixels_per_point.to_bits(),
    };
    let pass = ctx.cumulative_pass_nr();
    let id = egui::Id::new("dreamloom shaped words");
    let found = ctx.data_mut(|data| {
        let cache = data.get_temp_mut_or_default::<Cache>(id);
        cache.shown.get_mut(&key).map(|shown| {
            shown.last_pass = pass;
            (shown.texture.id(), shown.size)
        })
    });
    if let Some(found) = found {
        return found;
    }
    // Images are cut to their ink (the panel's layout places them), and never larger than a
    // texture may be: a text that would be is drawn at a lower density, a little soft.
    let mut density = pixels_per_point;
    let mask = loop {
        let shaping = TextLook {
            size: look.size * density,
            max_width: look.wrap.map(|w| (w * density).min(MAX_SIDE as f32)),
            align: look.align,
            line_height: 1.35,
        };
        let mut stack = text::Texts.lock();
        let shaped = stack.shape(text, &shaping).tight();
        let largest = shaped.width.max(shaped.height) + 2.0 * PAD as f32;
        if largest <= MAX_SIDE as f32 || density < 0.2 {
            break stack.rasterise(&shaped, PAD);
        }
        density *= MAX_SIDE as f32 / largest * 0.98;
    };
    // White coverage: the colour is the image's tint when drawn, so a breathing colour or a
    // button's state never needs a new texture.
    let pixels = mask.tinted([255, 255, 255]);
    let image = egui::ColorImage::from_rgba_unmultiplied(
        [mask.width as usize, mask.height as usize],
        &pixels,
    );
    let texture = ctx.load_texture("shaped words", image, egui::TextureOptions::LINEAR);
    let size = egui::vec2(mask.width as f32, mask.height as f32) / density;
    let found = (texture.id(), size);
    ctx.data_mut(|data| {
        let cache = data.get_temp_mut_or_default::<Cache>(id);
        if cache.shown.len() > SWEEP_ABOVE {
            cache
                .shown
                .retain(|_, shown| pass.saturating_sub(shown.last_pass) < FORGET_AFTER_PASSES);
        }
        cache.shown.insert(
            key,
            Shown {
                texture,
                size,
                last_pass: pass,
            },
        );
    });
    found
}

/// The largest side of a words image, texels (egui's and every GPU's texture limit is larger).
const MAX_SIDE: u32 = 2048;

/// Pixels of room around a text's layout for glyphs that reach past their advance.
const PAD: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ctx: &egui::Context, mut add: impl FnMut(&mut egui::Ui)) {
        let _ = ctx.run_ui(egui::RawInput::default(), |ui| add(ui));
    }

    #[test]
    fn words_too_long_for_one_texture_are_drawn_smaller_not_refused() {
        let ctx = egui::Context::default();
        let long = "حلم ".repeat(600);
        run(&ctx, |ui| {
            let (_, size) = image_of(
                ui.ctx(),
                &long,
                WordsLook::new(40.0, egui::Color32::WHITE).wrapped(400.0),
            );
            assert!(size.y > 1000.0, "the whole text is shown: {size:?}");
        });
    }

    #[test]
    fn words_are_shown_as_one_shaped_image_and_reused() {
        let ctx = egui::Context::default();
        let look = WordsLook::new(24.0, egui::Color32::WHITE).wrapped(300.0);
        let mut first = None;
        run(&ctx, |ui| {
            let response = shaped(ui, "حلمت أنني أطير فوق البحر", look);
            first = Some(image_of(ui.ctx(), "حلمت أنني أطير فوق البحر", look).0);
            assert!(response.rect.width() > 40.0 && response.rect.height() > 20.0);
            // Cut to its ink: narrower than the width it wrapped at.
            assert!(response.rect.width() <= 300.0 + 2.0 * PAD as f32);
        });
        run(&ctx, |ui| {
            assert_eq!(
                Some(image_of(ui.ctx(), "حلمت أنني أطير فوق البحر", look).0),
                first
            );
            let other = image_of(ui.ctx(), "another dream", look).0;
            assert_ne!(Some(other), first);
        });
    }
}
