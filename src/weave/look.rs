//! How a narrative looks as a thread: pure functions from text and origin to colour and motion.
//!
//! The mapping is the cloak's visual language, documented in the README so visitors can read it:
//! - the **cultural origin** chooses the hue family and palette (the same origin, however it is
//!   capitalised or spaced, always gives the same palette);
//! - the **text** chooses the wave: how many crests cross the cloak, where they start, how high
//!   they swing and how the thread passes over and under the warp;
//! - the **length** of the text sets the thread's thickness: longer dreams are heavier threads.

use bevy::math::Vec3;

use crate::{
    hash::{stable_hash, unit},
    narrative::Narrative,
    palette::{displayable, palette_for_origin},
};

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
