//! The cloak at exhibition scale, as a contact sheet: `cargo run --example contact_sheet --
//! [OUT.png] [PRESET]` renders 28 (the samples), 500, 5,000 and 20,000 threads, calm (the show
//! at 20 s) above and mid-Confluence (the show at 85 s, seen from below) underneath, each
//! 480×270, and writes them as one 1920×540 image (default `docs/cloak-contact-sheet.png`).

use std::time::Instant;

use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    narrative::{sample_narratives, synthetic::synthetic_narratives},
    protocol::{ShowPlaying, show::Show},
    tuning::preset::Preset,
};
use image::RgbaImage;

const TILE: (u32, u32) = (480, 270);
const COUNTS: [usize; 4] = [28, 500, 5000, 20_000];
const MOMENTS: [f32; 2] = [20.0, 85.0];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "docs/cloak-contact-sheet.png".to_owned());
    let preset = args.next().map(|name| Preset::load(&name)).transpose()?;
    let mut sheet = RgbaImage::new(TILE.0 * COUNTS.len() as u32, TILE.1 * MOMENTS.len() as u32);
    for (row, &seconds) in MOMENTS.iter().enumerate() {
        for (column, &count) in COUNTS.iter().enumerate() {
            let started = Instant::now();
            let narratives = if count == 28 {
                sample_narratives()?
            } else {
                synthetic_narratives(count, 1)
            };
            let settings = StillSettings {
                width: TILE.0,
                height: TILE.1,
                seed: 7,
                seconds,
            };
            let preset = preset.clone();
            let frame = HeadlessRenderer::new_with(&settings, narratives, |app| {
                app.insert_resource(ShowPlaying(Show::embedded()));
                if let Some(preset) = preset {
                    app.insert_resource(preset);
                }
            })?
            .capture()?;
            image::imageops::replace(
                &mut sheet,
                &frame,
                i64::from(TILE.0 * column as u32),
                i64::from(TILE.1 * row as u32),
            );
            eprintln!(
                "{count} threads at {seconds} s: {:.1} s",
                started.elapsed().as_secs_f32()
            );
        }
    }
    sheet.save(&out)?;
    println!("{out}");
    Ok(())
}
