//! How a narrative looks as a thread: pure functions from text and origin to colour and motion.
//!
//! The mapping is the cloak's visual language, documented in the README so visitors can read it:
//! - the **cultural origin** chooses the hue family and palette (the same origin, however it is
//!   capitalised or spaced, always gives the same palette);
//! - the **text** chooses the wave: how many crests cross the cloak, where they start, how high
//!   they swing and how the thread passes over and under the warp;
//! - the **length** of the text sets the thread's thickness: longer dreams are heavier threads.

use bevy::color::{LinearRgba, Oklcha};
use bevy::math::Vec3;

use crate::narrative::Narrative;

/// A 64-bit hash that never changes between Rust versions or platforms (FNV-1a, then the
/// `SplitMix64` finaliser to spread the bits). The look of a thread must survive upgrades.
#[must_use]
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(hash)
}

/// `SplitMix64` output function: a bijective mix of 64 bits.
#[must_use]
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Bits `shift..shift+16` of `hash` as a number in `[0, 1)`.
fn unit(hash: u64, shift: u32) -> f32 {
    f32::from(((hash >> shift) & 0xffff) as u16) / 65_536.0
}

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

/// How a thread moves and sits in the weave, from its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weave {
    /// Crests of the wave across the cloak's width, in `[1.5, 4.5)`.
    pub frequency: f32,
    /// Where the wave starts, radians in `[0, 2π)`.
    pub phase: f32,
    /// How high the wave swings, as a fraction of the spacing between threads, in `[0.6, 1.8)`.
    pub amplitude: f32,
    /// Warp threads passed over before diving under: 1 (plain weave) to 4 (long floats).
    pub float_length: u32,
    /// Speed of the ripple along the thread, radians per second, in `[0.25, 0.85)`.
    pub ripple_speed: f32,
    /// Thickness in world units: from 0.028 for a few words to 0.07 for the longest dreams.
    pub thickness: f32,
}

/// Longest story the thickness mapping distinguishes, in characters.
pub const THICKNESS_FULL_AT_CHARS: usize = 600;

/// Weave parameters of a narrative's text.
#[must_use]
pub fn weave_for_text(text: &str) -> Weave {
    let hash = stable_hash(text.as_bytes());
    let length = text.chars().count().min(THICKNESS_FULL_AT_CHARS) as f32;
    Weave {
        frequency: 1.5 + 3.0 * unit(hash, 0),
        phase: std::f32::consts::TAU * unit(hash, 16),
        amplitude: 0.6 + 1.2 * unit(hash, 32),
        float_length: 1 + ((hash >> 48) % 4) as u32,
        ripple_speed: 0.25 + 0.6 * unit(hash, 52),
        thickness: 0.028 + 0.042 * (length / THICKNESS_FULL_AT_CHARS as f32).sqrt(),
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

/// The look of one narrative's thread: what its words and origin give it, before the loom places
/// it on the cloak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreadLook {
    /// Linear RGB body colour.
    pub primary: Vec3,
    /// Linear RGB colour of the glint on its crests.
    pub accent: Vec3,
    pub weave: Weave,
}

/// Glow of a thread: HDR multiplier that lets bloom catch it.
pub const THREAD_GLOW: f32 = 2.4;

/// The look of a narrative's thread.
#[must_use]
pub fn thread_look(narrative: &Narrative) -> ThreadLook {
    let palette = palette_for_origin(&narrative.origin);
    let primary = displayable(palette.primary);
    let accent = displayable(palette.accent);
    ThreadLook {
        primary: Vec3::new(primary.red, primary.green, primary.blue),
        accent: Vec3::new(accent.red, accent.green, accent.blue),
        weave: weave_for_text(&narrative.text),
    }
}

/// Slot of thread `index` of `count`: evenly spaced, never two on the same path.
#[must_use]
pub fn slot(index: usize, count: usize) -> f32 {
    (index as f32 + 0.5) / count.max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::{Consent, NarrativeId};

    fn narrative(text: &str, origin: &str) -> Narrative {
        Narrative {
            id: NarrativeId(1),
            text: text.into(),
            origin: origin.into(),
            language: None,
            consent: Consent::default(),
        }
    }

    #[test]
    fn stable_hash_is_pinned() {
        // If these change, every thread in every running exhibition changes colour.
        assert_eq!(stable_hash(b""), splitmix64(0xcbf2_9ce4_8422_2325));
        assert_eq!(stable_hash(b"Yoruba, Lagos"), stable_hash(b"Yoruba, Lagos"));
        assert_ne!(stable_hash(b"a"), stable_hash(b"b"));
    }

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

    #[test]
    fn thread_colours_are_always_displayable() {
        for i in 0..500 {
            let look = thread_look(&narrative("x", &format!("origin {i}")));
            for c in [look.primary, look.accent] {
                assert!(c.cmpge(Vec3::ZERO).all(), "{c}");
                assert!(c.cmple(Vec3::ONE).all(), "{c}");
            }
        }
    }

    #[test]
    fn weave_follows_text() {
        let short = weave_for_text("A kite.");
        let long = weave_for_text(&"The river remembers. ".repeat(30));
        assert!(long.thickness > short.thickness);
        assert!(long.thickness <= 0.028 + 0.042 + 1e-6);
        for w in [short, long] {
            assert!((1.5..4.5).contains(&w.frequency));
            assert!((0.0..std::f32::consts::TAU).contains(&w.phase));
            assert!((1..=4).contains(&w.float_length));
        }
        assert_eq!(weave_for_text("same words"), weave_for_text("same words"));
        assert_ne!(weave_for_text("same words"), weave_for_text("same words."));
    }

    #[test]
    fn slots_never_collide() {
        for count in [1, 2, 28, 5000] {
            let slots: Vec<f32> = (0..count).map(|i| slot(i, count)).collect();
            assert!(slots.windows(2).all(|w| w[1] > w[0]));
            assert!(slots.iter().all(|s| (0.0..1.0).contains(s)));
        }
    }

    #[test]
    fn look_carries_origin_colour() {
        let a = thread_look(&narrative("x", "Inuit, Nuuk"));
        let b = thread_look(&narrative("y", "Inuit, Nuuk"));
        let c = thread_look(&narrative("x", "Tuareg, Agadez"));
        assert_eq!(a.primary, b.primary);
        assert_ne!(a.primary, c.primary);
        assert_eq!(a.weave, c.weave, "same text, same wave");
    }
}
