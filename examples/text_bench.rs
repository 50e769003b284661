//! What the text stack costs: registering the embedded fonts, shaping each script the first time
//! (fonts parsed, caches cold) and again, rasterising, painting a keepsake card, and laying 64
//! threads' words into the glyph atlas. `cargo run --release --example text_bench` for release
//! figures; the dev profile's are what tests and CI see.

use std::time::Instant;

use dreamloom::{
    card::{self, CardWords},
    narrative::{Consent, Narrative, NarrativeId},
    text::{GlyphAtlas, TextLook, TextStack, fonts::FONTS},
};

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let start = Instant::now();
    let mut stack = TextStack::new();
    println!("register {} fonts: {:.1} ms", FONTS.len(), ms(start));

    let start = Instant::now();
    for font in &FONTS {
        stack.shape(font.sample, &TextLook::line(32.0));
    }
    println!(
        "shape each script's sample, first time: {:.1} ms ({} scripts)",
        ms(start),
        FONTS.len()
    );
    let start = Instant::now();
    let rounds = 50;
    for _ in 0..rounds {
        for font in &FONTS {
            stack.shape(font.sample, &TextLook::line(32.0));
        }
    }
    println!(
        "shape a sample again: {:.3} ms each",
        ms(start) / f64::from(rounds) / FONTS.len() as f64
    );

    let dream = "حلمت أنني أمشي في سوق حلب القديم، والعطور تحملني إلى بيت جدتي، وكانت النجوم تغني.";
    let start = Instant::now();
    let shaped = stack.shape(dream, &TextLook::wrapped(24.0, 500.0));
    let mask = stack.rasterise(&shaped, 2);
    println!(
        "shape + rasterise an Arabic paragraph ({}×{} px): {:.2} ms",
        mask.width,
        mask.height,
        ms(start)
    );

    let narrative = Narrative {
        id: NarrativeId(1),
        text: dream.into(),
        origin: "حلب، سوريا".into(),
        language: None,
        consent: Consent::default(),
    };
    let words = CardWords {
        narrative: &narrative,
        code: "K7QM2X",
    };
    for (w, h) in [(540, 360), (900, 600), (1200, 800), (3600, 2400)] {
        let start = Instant::now();
        let painted = card::paint(words, w, h).expect("card");
        let paint = ms(start);
        let start = Instant::now();
        let png = card::png(&painted, words).expect("png");
        println!(
            "card {w}×{h}: paint {paint:.0} ms, PNG {:.0} ms, {} KiB",
            ms(start),
            png.len() / 1024
        );
    }

    let mut atlas = GlyphAtlas::new(2048, 48.0);
    let start = Instant::now();
    let mut glyphs = 0;
    for i in 0..64 {
        let font = &FONTS[i % FONTS.len()];
        let line = format!("{} {} {}", font.sample, font.sample, font.covers);
        let shaped = stack.shape(&line, &TextLook::line(48.0));
        for glyph in &shaped.glyphs {
            if atlas.entry(&stack, glyph.font, glyph.id).is_some() {
                glyphs += 1;
            }
        }
    }
    println!(
        "64 threads' words into the atlas: {:.1} ms, {} glyphs placed, {} distinct",
        ms(start),
        glyphs,
        atlas.len()
    );
}
