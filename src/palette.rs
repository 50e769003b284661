//! What a cultural origin looks like: the origin as people mean it (case and spacing do not
//! matter) and the palette it gives every thread of that origin, in OKLCH, kept displayable.
//!
//! A pure helper below the narrative model, the loom, the protocol's hue measures and the
//! viewer's cards, which all colour an origin the same way.

use bevy::color::{LinearRgba, Oklcha};

use crate::hash::{stable_hash, unit};

/// The origin as people mean it: case, surrounding and repeated whitespace do not matter.
#[must_use]
pub fn normalise_origin(origin: &str) -> String {
    origin
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The colours an origin gives its threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    /// Hue of the family, degrees in `[0, 360)`.
    pub hue: f32,
    /// The thread's body colour.
    pub primary: Oklcha,
    /// The glint along its crest: a neighbouring hue, lighter.
    pub accent: Oklcha,
}

/// Palette of a cultural origin.
#[must_use]
pub fn palette_for_origin(origin: &str) -> Palette {
    let hash = stable_hash(normalise_origin(origin).as_bytes());
    let hue = unit(hash, 0) * 360.0;
    let lightness = 0.68 + 0.14 * unit(hash, 16);
    let chroma = 0.13 + 0.07 * unit(hash, 32);
    // The accent leans 20..55 degrees to one side or the other of the family hue.
    let lean = (20.0 + 35.0 * unit(hash, 48)) * if hash >> 63 == 0 { 1.0 } else { -1.0 };
    Palette {
        hue,
        primary: Oklcha::new(lightness, chroma, hue, 1.0),
        accent: Oklcha::new(
            (lightness + 0.12).min(0.95),
            chroma * 0.8,
            (hue + lean).rem_euclid(360.0),
            1.0,
        ),
    }
}

/// `colour` in linear RGB, its chroma reduced until every channel is displayable. Vivid OKLCH
/// colours can fall outside sRGB, and a negative channel added to the frame would punch a dark
/// hole into the glow.
#[must_use]
pub fn displayable(colour: Oklcha) -> LinearRgba {
    let mut colour = colour;
    for _ in 0..32 {
        let rgb = LinearRgba::from(colour);
        if [rgb.red, rgb.green, rgb.blue]
            .iter()
            .all(|c| (0.0..=1.0).contains(c))
        {
            return rgb;
        }
        colour.chroma *= 0.9;
    }
    let rgb = LinearRgba::from(colour);
    LinearRgba::rgb(
        rgb.red.clamp(0.0, 1.0),
        rgb.green.clamp(0.0, 1.0),
        rgb.blue.clamp(0.0, 1.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_however_written_gives_same_palette() {
        let a = palette_for_origin("Yoruba, Lagos");
        let b = palette_for_origin("  yoruba,   LAGOS ");
        assert_eq!(a, b);
    }

    #[test]
    fn different_origins_get_told_apart() {
        let origins: Vec<String> = (0..200).map(|i| format!("Origin number {i}")).collect();
        let palettes: Vec<Palette> = origins.iter().map(|o| palette_for_origin(o)).collect();
        for (i, a) in palettes.iter().enumerate() {
            for b in &palettes[i + 1..] {
                assert_ne!(a, b, "two origins share a palette");
            }
        }
        // Hues spread around the whole wheel, not a corner of it.
        let mut sextants = [0usize; 6];
        for p in &palettes {
            sextants[(p.hue / 60.0) as usize % 6] += 1;
        }
        assert!(sextants.iter().all(|&n| n >= 15), "{sextants:?}");
    }

    #[test]
    fn palette_stays_in_gamut_ranges() {
        for origin in ["Sámi, Kautokeino", "Hakka, Meizhou", "", "🌍"] {
            let p = palette_for_origin(origin);
            assert!((0.0..360.0).contains(&p.hue));
            assert!(p.accent.lightness > p.primary.lightness - 1e-6);
            let rgb = LinearRgba::from(p.primary);
            assert!(rgb.red >= -0.05 && rgb.green >= -0.05 && rgb.blue >= -0.05);
        }
    }
}
