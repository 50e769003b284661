//! An exhibition's shared clock: the moment every machine of one exhibition shows.

use bevy::prelude::Resource;

/// An exhibition's shared clock: every machine's dream clock is the time since the exhibition's
/// epoch (`dreamloom exhibition init`), counted in periods — the show's loop when it plays, else a
/// day — so that all renderers show the same moment (machines keep time by NTP), a restarted one
/// picks up where the others are, and the clock's `f32` seconds stay precise however many weeks
/// the exhibition runs.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExhibitionClock {
    /// When the exhibition's clock started, milliseconds since the Unix epoch.
    pub epoch_ms: i64,
    /// Length of one period, milliseconds.
    pub period_ms: i64,
}

/// A day, the exhibition clock's period when no show plays.
pub const DAY_MS: i64 = 86_400_000;

impl ExhibitionClock {
    /// When the period holding `now_ms` began, milliseconds since the Unix epoch.
    #[must_use]
    pub fn period_start(&self, now_ms: i64) -> i64 {
        let period = self.period_ms.max(1);
        self.epoch_ms + (now_ms - self.epoch_ms).div_euclid(period) * period
    }

    /// The dream clock's seconds at `at_ms`, counted from the start of the period holding
    /// `now_ms` (negative for moments before it).
    #[must_use]
    pub fn seconds_at(&self, at_ms: i64, now_ms: i64) -> f32 {
        seconds_since(at_ms, self.period_start(now_ms))
    }
}

/// Seconds from `start_ms` to `at_ms` on the dream clock: the one conversion the exhibition's
/// clock and its archive share, so that the same moment is the same `f32` in both.
#[must_use]
pub fn seconds_since(at_ms: i64, start_ms: i64) -> f32 {
    ((at_ms - start_ms) as f64 / 1000.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exhibition_clock_counts_from_the_epoch_in_periods() {
        let clock = ExhibitionClock {
            epoch_ms: 1_000_000,
            period_ms: 60_000,
        };
        assert!((clock.seconds_at(1_030_000, 1_030_000) - 30.0).abs() < 1e-6);
        // The next period starts again at 0; a moment of the last one is before it.
        assert!((clock.seconds_at(1_065_000, 1_065_000) - 5.0).abs() < 1e-6);
        assert!((clock.seconds_at(1_030_000, 1_065_000) + 30.0).abs() < 1e-6);
        assert_eq!(clock.period_start(999_000), 940_000, "before the epoch too");
    }
}
