//! The keepsake card: a visitor's dream in their own script, their origin in their own words,
//! their thread in its colours and their receipt code, as a PNG a gallery can print or a visitor
//! can keep. Drawn on the CPU from the text stack and the thread's look — no window, no GPU — so
//! `dreamloom card`, the phone form's receipt page and the kiosk's receipt screen make the same
//! card anywhere. The PNG also carries the dream, the origin and the code as UTF-8 text chunks
//! (iTXt), exactly as stored: the words survive even where the pixels are not read.

use std::f32::consts::TAU;

use bevy::{color::Srgba, math::Vec3};

use crate::{
    hash::{stable_hash, unit},
    narrative::{Narrative, NarrativeId, validate::Submission},
    text::{Align, Mask, TextLook, TextStack, Texts},
    weave::look::thread_look,
};

/// Smallest and largest card sides, pixels.
pub const MIN_SIDE: u32 = 240;
pub const MAX_SIDE: u32 = 8192;
/// The card a phone downloads and a kiosk shows: 3:2, prints at 6×4 inches at 200 dpi.
pub const DEFAULT_SIZE: (u32, u32) = (1200, 800);

/// The iTXt keywords the card's words are kept under.
pub const DREAM_KEY: &str = "Dreamloom dream";
pub const ORIGIN_KEY: &str = "Dreamloom origin";
pub const CODE_KEY: &str = "Dreamloom receipt";

/// Night sky of the card, top and bottom (linear RGB).
const SKY_TOP: Vec3 = Vec3::new(0.030, 0.020, 0.085);
const SKY_BOTTOM: Vec3 = Vec3::new(0.004, 0.003, 0.012);
/// The ink of the dream's words: the piece's pale lilac (linear RGB).
const INK: Vec3 = Vec3::new(0.90, 0.85, 0.97);
const DIM: Vec3 = Vec3::new(0.40, 0.36, 0.52);
const GLOW: Vec3 = Vec3::new(1.0, 0.62, 0.25);

/// A card size refused, in words.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a card is {MIN_SIDE} to {MAX_SIDE} pixels on each side, not {0}×{1}")]
pub struct CardSizeError(pub u32, pub u32);

/// A finished card: straight RGBA pixels, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// What a card shows.
#[derive(Debug, Clone, Copy)]
pub struct CardWords<'a> {
    pub narrative: &'a Narrative,
    pub code: &'a str,
}

/// A linear-light canvas the card is painted on.
struct Canvas {
    width: u32,
    height: u32,
    light: Vec<Vec3>,
}

impl Canvas {
    /// The pixel at (`x`, `y`), if it is on the card.
    fn at(&mut self, x: i64, y: i64) -> Option<&mut Vec3> {
        let inside =
            (0..i64::from(self.width)).contains(&x) && (0..i64::from(self.height)).contains(&y);
        inside.then(|| &mut self.light[(y * i64::from(self.width) + x) as usize])
    }

    fn blend(&mut self, x: i64, y: i64, colour: Vec3, alpha: f32) {
        if let Some(light) = self.at(x, y) {
            *light = light.lerp(colour, alpha.clamp(0.0, 1.0));
        }
    }

    fn add(&mut self, x: i64, y: i64, light: Vec3) {
        if let Some(pixel) = self.at(x, y) {
            *pixel += light;
        }
    }

    /// Words: `mask` laid with its top-left corner at (`left`, `top`), in `colour`.
    fn words(&mut self, mask: &Mask, left: i64, top: i64, colour: Vec3) {
        for y in 0..mask.height {
            for x in 0..mask.width {
                let a = mask.coverage[(y * mask.width + x) as usize];
                if a > 0 {
                    self.blend(
                        left + i64::from(x),
                        top + i64::from(y),
                        colour,
                        f32::from(a) / 255.0,
                    );
                }
            }
        }
    }

    fn into_srgba(self) -> Vec<u8> {
        let mut rgba = Vec::with_capacity(self.light.len() * 4);
        for light in self.light {
            // A soft shoulder rather than a hard clip, so the thread's glow stays coloured.
            let shaped = light / (Vec3::ONE + light * 0.18) * 1.18;
            for channel in shaped.to_array() {
                rgba.push(to_srgb_u8(channel));
            }
            rgba.push(255);
        }
        rgba
    }
}

fn to_srgb_u8(linear: f32) -> u8 {
    (Srgba::gamma_function_inverse(linear.clamp(0.0, 1.0)) * 255.0).round() as u8
}

/// Lays `text` out in `width`, as large as fits in `height`, from `largest` down to `smallest`.
fn fitted(
    stack: &mut TextStack,
    text: &str,
    width: f32,
    height: f32,
    largest: f32,
    smallest: f32,
) -> crate::text::Shaped {
    let mut size = largest;
    loop {
        let shaped = stack.shape(text, &TextLook::wrapped(size, width).aligned(Align::Start));
        if shaped.height <= height || size <= smallest {
            return shaped;
        }
        size = (size * 0.9).max(smallest);
    }
}

/// Checks a card size.
pub fn check_size(width: u32, height: u32) -> Result<(), CardSizeError> {
    if (MIN_SIDE..=MAX_SIDE).contains(&width) && (MIN_SIDE..=MAX_SIDE).contains(&height) {
        Ok(())
    } else {
        Err(CardSizeError(width, height))
    }
}

/// The card's words, shaped and rasterised, with their sizes.
struct CardText {
    origin: (Mask, f32),
    dream: (Mask, bool),
    code: (Mask, f32, f32),
    caption: (Mask, f32, f32),
}

/// Lays out and rasterises the card's words, all at once, so the shared text stack is held only
/// for that (a millisecond or two), not while the card is painted.
fn card_text(words: CardWords<'_>, w: f32, h: f32, scale: f32, margin: f32) -> CardText {
    let mut stack = Texts.lock();
    let origin = stack.shape(
        &words.narrative.origin,
        &TextLook::wrapped(34.0 * scale, w - 2.0 * margin).aligned(Align::Start),
    );
    let band = margin + origin.height + 70.0 * scale;
    let footer = 56.0 * scale;
    let top = band + 70.0 * scale;
    let room = (h - margin - footer - top).max(20.0);
    let dream = fitted(
        &mut stack,
        &words.narrative.text,
        w - 2.0 * margin,
        room,
        60.0 * scale,
        13.0 * scale,
    );
    let code = stack.shape(words.code, &TextLook::line(30.0 * scale));
    let caption = stack.shape("Cloak of Collective Dreams", &TextLook::line(20.0 * scale));
    CardText {
        origin: (stack.rasterise(&origin, 2), origin.height),
        dream: (stack.rasterise(&dream, 2), dream.right_to_left),
        code: (stack.rasterise(&code, 2), code.width, code.height),
        caption: (stack.rasterise(&caption, 2), caption.width, caption.height),
    }
}

/// The card of a dream just stored, from its submission: for the kiosk's receipt screen and the
/// phone form's receipt page.
pub fn for_submission(
    submission: &Submission,
    id: NarrativeId,
    code: &str,
    (width, height): (u32, u32),
) -> Result<(Card, Narrative), CardSizeError> {
    let narrative = Narrative {
        id,
        text: submission.text.clone(),
        origin: submission.origin.clone(),
        language: submission.language.clone(),
        consent: submission.consent,
    };
    let card = paint(
        CardWords {
            narrative: &narrative,
            code,
        },
        width,
        height,
    )?;
    Ok((card, narrative))
}

/// Paints the card of `words` at `width`×`height`.
pub fn paint(words: CardWords<'_>, width: u32, height: u32) -> Result<Card, CardSizeError> {
    check_size(width, height)?;
    let narrative = words.narrative;
    let look = thread_look(narrative);
    let seed = stable_hash(narrative.text.as_bytes()) ^ stable_hash(narrative.origin.as_bytes());
    let (w, h) = (width as f32, height as f32);
    let scale = w.min(h * 1.5) / 1200.0;
    let margin = (64.0 * scale).round();
    let text = card_text(words, w, h, scale, margin);
    let mut canvas = Canvas {
        width,
        height,
        light: Vec::with_capacity((width * height) as usize),
    };
    for y in 0..height {
        let sky = SKY_TOP.lerp(SKY_BOTTOM, y as f32 / h);
        for _ in 0..width {
            canvas.light.push(sky);
        }
    }
    stars(&mut canvas, seed, scale);

    // The origin, in its own words and its thread's colour, at the top.
    let (origin_mask, origin_height) = &text.origin;
    canvas.words(
        origin_mask,
        margin as i64 - 2,
        margin as i64 - 2,
        look.primary * 1.6 + Vec3::splat(0.08),
    );

    // The thread, woven across the card under the origin.
    let band = margin + origin_height + 70.0 * scale;
    thread(&mut canvas, &look, band, scale);

    // The dream, as large as fits between the thread and the footer.
    let top = band + 70.0 * scale;
    let (dream_mask, right_to_left) = &text.dream;
    canvas.words(dream_mask, margin as i64 - 2, top as i64 - 2, INK);

    // The footer: the receipt code at the dream's start side, the piece's name at the other.
    let (code_mask, code_width, code_height) = &text.code;
    let (caption_mask, caption_width, caption_height) = &text.caption;
    let baseline_top = (h - margin - code_height) as i64;
    let (code_left, caption_left) = if *right_to_left {
        ((w - margin - code_width) as i64, margin as i64)
    } else {
        (margin as i64, (w - margin - caption_width) as i64)
    };
    canvas.words(code_mask, code_left - 2, baseline_top - 2, GLOW);
    canvas.words(
        caption_mask,
        caption_left - 2,
        baseline_top + ((code_height - caption_height) * 0.6) as i64 - 2,
        DIM,
    );
    if narrative.consent.sanctuary {
        // A small ring beside the code: kept in the Sanctuary, the protocol may not dissolve it.
        let radius = 9.0 * scale;
        let cx = if *right_to_left {
            code_left as f32 - 24.0 * scale
        } else {
            code_left as f32 + code_width + 24.0 * scale
        };
        ring(
            &mut canvas,
            cx,
            baseline_top as f32 + code_height * 0.55,
            radius,
            GLOW,
        );
    }
    Ok(Card {
        width,
        height,
        rgba: canvas.into_srgba(),
    })
}

/// A few faint stars, placed by the narrative's own hash: every card's sky is its own.
fn stars(canvas: &mut Canvas, seed: u64, scale: f32) {
    let count = (canvas.width * canvas.height / 9000).min(900);
    for i in 0..u64::from(count) {
        let hash = stable_hash(&(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes());
        let x = (unit(hash, 0) * canvas.width as f32) as i64;
        let y = (unit(hash, 20) * canvas.height as f32) as i64;
        let bright = 0.02 + 0.12 * unit(hash, 40).powi(4);
        canvas.add(x, y, Vec3::new(bright, bright * 0.95, bright * 1.15));
        if scale > 1.2 {
            canvas.add(x + 1, y, Vec3::splat(bright * 0.4));
        }
    }
}

/// The visitor's thread across the card, over and under faint warp threads, its crests catching
/// its accent colour, with a glow around it.
fn thread(canvas: &mut Canvas, look: &crate::weave::look::ThreadLook, centre: f32, scale: f32) {
    let (w, h) = (canvas.width as f32, canvas.height as f32);
    let weave = look.weave;
    let amplitude = 22.0 * scale * weave.amplitude;
    let thickness = (9.0 + 90.0 * weave.thickness) * scale;
    let warp_spacing = 26.0 * scale;
    let y_of = |x: f32| centre + amplitude * (TAU * weave.frequency * x / w + weave.phase).sin();
    // Where the weft passes under a warp thread: the warp is drawn over it there.
    let float_length = weave.float_length.max(1);
    let under = |x: f32| (x / warp_spacing) as u32 % (float_length + 1) == float_length;
    // Warp threads, faint.
    let warp = Vec3::new(0.05, 0.04, 0.10);
    let mut x = warp_spacing * 0.5;
    while x < w {
        for y in 0..canvas.height {
            let fade = 1.0 - ((y as f32 - centre).abs() / (h * 0.5)).min(1.0);
            canvas.add(x as i64, i64::from(y), warp * fade);
        }
        x += warp_spacing;
    }
    let reach = (thickness * 4.0) as i64;
    for px in 0..canvas.width {
        let x = px as f32 + 0.5;
        let y = y_of(x);
        let slope = (y_of(x + 1.0) - y_of(x - 1.0)) * 0.5;
        let normal_scale = (1.0 + slope * slope).sqrt();
        let crest = ((TAU * weave.frequency * x / w + weave.phase).sin() * 0.5 + 0.5).powi(6);
        let hidden = under(x) && ((x % warp_spacing) - warp_spacing * 0.5).abs() < 3.0 * scale;
        for dy in -reach..=reach {
            let py = y as i64 + dy;
            let distance = ((py as f32 + 0.5 - y) / normal_scale).abs();
            // The glow: additive light falling off around the thread.
            let glow = (-(distance / (thickness * 1.6)).powi(2)).exp() * 0.22;
            canvas.add(i64::from(px), py, look.primary * glow);
            // The body: an anti-aliased ribbon, rounded like a thread, its crests in the accent.
            let body = (thickness * 0.5 + 0.5 - distance).clamp(0.0, 1.0);
            if body > 0.0 && !hidden {
                let round = (1.0 - (distance / (thickness * 0.5)).min(1.0).powi(2)).sqrt();
                let colour = look.primary.lerp(look.accent, crest * 0.8) * (0.45 + 1.1 * round);
                canvas.blend(i64::from(px), py, colour, body);
            }
        }
    }
}

/// A thin ring.
fn ring(canvas: &mut Canvas, cx: f32, cy: f32, radius: f32, colour: Vec3) {
    let reach = (radius + 3.0) as i64;
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let d = ((dx as f32).hypot(dy as f32) - radius).abs();
            let a = (1.6 - d).clamp(0.0, 1.0);
            if a > 0.0 {
                canvas.blend(cx as i64 + dx, cy as i64 + dy, colour, a);
            }
        }
    }
}

/// The card as a PNG, with the dream, the origin and the code in UTF-8 text chunks.
pub fn png(card: &Card, words: CardWords<'_>) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, card.width, card.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.add_itxt_chunk(DREAM_KEY.to_owned(), words.narrative.text.clone())?;
        encoder.add_itxt_chunk(ORIGIN_KEY.to_owned(), words.narrative.origin.clone())?;
        encoder.add_itxt_chunk(CODE_KEY.to_owned(), words.code.to_owned())?;
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&card.rgba)?;
        writer.finish()?;
    }
    Ok(bytes)
}

/// The words a card PNG carries: (keyword, text) of each UTF-8 text chunk.
pub fn words_in_png(bytes: &[u8]) -> Result<Vec<(String, String)>, png::DecodingError> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info()?;
    let mut buffer = vec![0; reader.output_buffer_size().unwrap_or(0)];
    reader.next_frame(&mut buffer)?;
    let info = reader.info();
    info.utf8_text
        .iter()
        .map(|chunk| Ok((chunk.keyword.clone(), chunk.get_text()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::Consent;

    fn narrative(text: &str, origin: &str) -> Narrative {
        Narrative {
            id: NarrativeId(7),
            text: text.to_owned(),
            origin: origin.to_owned(),
            language: None,
            consent: Consent::default(),
        }
    }

    #[test]
    fn a_card_refuses_a_size_it_cannot_be() {
        let n = narrative("a dream", "here");
        let words = CardWords {
            narrative: &n,
            code: "ABC-DEF",
        };
        assert_eq!(paint(words, 100, 800).unwrap_err(), CardSizeError(100, 800));
        assert!(paint(words, 9000, 800).is_err());
        assert!(paint(words, 300, 240).is_ok());
    }

    #[test]
    fn the_png_carries_the_words_exactly() {
        // Decomposed and composed forms are different bytes: the card keeps whichever it is given.
        let n = narrative("Mo lá àlá\u{0301} — حلم 夢\n", "Yorùbá, Ìbàdàn");
        let words = CardWords {
            narrative: &n,
            code: "K7Q-M2X",
        };
        let card = paint(words, 480, 320).expect("card");
        let bytes = png(&card, words).expect("png");
        let kept = words_in_png(&bytes).expect("read");
        assert!(kept.contains(&(DREAM_KEY.to_owned(), n.text.clone())));
        assert!(kept.contains(&(ORIGIN_KEY.to_owned(), n.origin.clone())));
        assert!(kept.contains(&(CODE_KEY.to_owned(), "K7Q-M2X".to_owned())));
    }

    #[test]
    fn the_thread_is_drawn_in_its_own_colour() {
        let n = narrative("I dreamt of rain on the red earth", "Yoruba, Lagos");
        let look = thread_look(&n);
        let card = paint(
            CardWords {
                narrative: &n,
                code: "ABC-DEF",
            },
            600,
            400,
        )
        .expect("card");
        // Somewhere on the card a pixel has the thread's hue: its channels in the same order.
        let order = |c: [f32; 3]| {
            let mut idx = [0, 1, 2];
            idx.sort_by(|&a, &b| c[b].total_cmp(&c[a]));
            idx
        };
        let want = order(look.primary.to_array());
        // In the thread's band (under the origin, which is written in the thread's colour too,
        // above the dream): rows 70 to 130 of 400.
        let band = &card.rgba[(70 * 600 * 4)..(130 * 600 * 4)];
        let found = band.chunks_exact(4).any(|p| {
            let c = [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])];
            c[want[0]] > 120.0 && c[want[0]] - c[want[2]] > 60.0 && order(c) == want
        });
        assert!(found, "no pixel of the thread's colour");
    }
}
