//! The show timeline: the story's arc as an installation loop — calm weaving, the protocol rising,
//! the Sleep Confluence, aftermath, the Sanctuary — as phases of council policy in
//! `assets/show.ron`, which artists retime without touching code.

use serde::{Deserialize, Serialize};

use super::policy::{CouncilPolicy, PolicyError};

/// Seconds over which the camera eases into a phase's pitch.
pub const PITCH_EASE_SECONDS: f32 = 8.0;

/// The show embedded in the binary.
pub const DEFAULT_SHOW: &str = include_str!("../../assets/show.ron");

/// One phase of the show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    /// How long it lasts, seconds.
    pub seconds: f32,
    /// The council policy while it lasts.
    pub policy: CouncilPolicy,
    /// Where the drifting camera looks from, radians above the horizon (negative: from below,
    /// the cloak's underside); `None` keeps the rig's own.
    #[serde(default)]
    pub camera_pitch: Option<f32>,
}

/// The whole loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, bevy::prelude::Resource)]
#[serde(deny_unknown_fields)]
pub struct Show {
    pub phases: Vec<Phase>,
}

/// Why a show file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error("{0}")]
    Syntax(String),
    #[error("a show needs at least one phase")]
    Empty,
    #[error("phase \"{name}\" must last a positive number of seconds; it lasts {seconds}")]
    Duration { name: String, seconds: f32 },
    #[error("phase \"{name}\": {source}")]
    Policy {
        name: String,
        #[source]
        source: PolicyError,
    },
}

impl Show {
    /// Parses and checks a show.
    pub fn from_ron(text: &str) -> Result<Self, ShowError> {
        let show: Self = ron::from_str(text).map_err(|e| ShowError::Syntax(e.to_string()))?;
        if show.phases.is_empty() {
            return Err(ShowError::Empty);
        }
        for phase in &show.phases {
            if !(phase.seconds.is_finite() && phase.seconds > 0.0) {
                return Err(ShowError::Duration {
                    name: phase.name.clone(),
                    seconds: phase.seconds,
                });
            }
            phase
                .policy
                .validate()
                .map_err(|source| ShowError::Policy {
                    name: phase.name.clone(),
                    source,
                })?;
        }
        Ok(show)
    }

    /// The embedded show.
    #[must_use]
    pub fn embedded() -> Self {
        Self::from_ron(DEFAULT_SHOW).expect("the embedded show is valid (tested)")
    }

    /// Length of one loop, seconds.
    #[must_use]
    pub fn loop_seconds(&self) -> f32 {
        self.phases.iter().map(|p| p.seconds).sum()
    }

    /// Where the show wants the camera to look from at `seconds`: each phase's pitch (or
    /// `default`), eased over the first [`PITCH_EASE_SECONDS`] of a phase from the one before.
    #[must_use]
    pub fn camera_pitch_at(&self, seconds: f32, default: f32) -> f32 {
        let t = seconds.rem_euclid(self.loop_seconds());
        let mut start = 0.0;
        let mut previous = self
            .phases
            .last()
            .and_then(|p| p.camera_pitch)
            .unwrap_or(default);
        for phase in &self.phases {
            let pitch = phase.camera_pitch.unwrap_or(default);
            if t < start + phase.seconds {
                let k = ((t - start) / PITCH_EASE_SECONDS).clamp(0.0, 1.0);
                let eased = k * k * (3.0 - 2.0 * k);
                return previous + (pitch - previous) * eased;
            }
            previous = pitch;
            start += phase.seconds;
        }
        previous
    }

    /// The phase playing `seconds` into the loop (the loop repeats), and seconds into that phase.
    #[must_use]
    pub fn phase_at(&self, seconds: f32) -> (&Phase, f32) {
        let mut t = seconds.rem_euclid(self.loop_seconds());
        for phase in &self.phases {
            if t < phase.seconds {
                return (phase, t);
            }
            t -= phase.seconds;
        }
        let last = self.phases.last().expect("checked non-empty");
        (last, last.seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::policy::Mode;

    #[test]
    fn the_embedded_show_tells_the_story_in_order() {
        let show = Show::embedded();
        let modes: Vec<Mode> = show.phases.iter().map(|p| p.policy.mode).collect();
        assert_eq!(
            modes,
            vec![
                Mode::Off,
                Mode::Balanced,
                Mode::NeuroSynch,
                Mode::Off,
                Mode::Sanctuary
            ]
        );
        assert_eq!(show.phase_at(0.0).0.name, "Calm weaving");
        assert_eq!(show.phase_at(31.0).0.name, "The protocol rising");
        let looped = show.phase_at(show.loop_seconds() + 1.0);
        assert_eq!(looped.0.name, "Calm weaving");
        assert!((looped.1 - 1.0).abs() < 1e-3);
    }

    #[test]
    fn the_camera_eases_between_phase_pitches() {
        let show = Show::embedded();
        // Calm weaving follows the Sanctuary of the previous loop: it eases down from 0.25.
        assert!((show.camera_pitch_at(0.0, 0.12) - 0.25).abs() < 1e-6);
        assert!((show.camera_pitch_at(20.0, 0.12) - 0.12).abs() < 1e-6);
        let confluence = 30.0 + 35.0;
        assert!((show.camera_pitch_at(confluence + 20.0, 0.12) + 0.35).abs() < 1e-6);
        let halfway = show.camera_pitch_at(confluence + PITCH_EASE_SECONDS / 2.0, 0.12);
        assert!(halfway < 0.12 && halfway > -0.35);
    }

    #[test]
    fn bad_shows_say_which_phase() {
        assert!(matches!(
            Show::from_ron("(phases: [])"),
            Err(ShowError::Empty)
        ));
        let error =
            Show::from_ron("(phases: [(name: \"x\", seconds: 5.0, policy: (balance: 7.0))])")
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "phase \"x\": `balance` must be between 0 and 1; it is 7"
        );
        assert!(Show::from_ron("(phases: [(name: \"x\", seconds: 0.0, policy: ())])").is_err());
        assert!(Show::from_ron("(phases: [(name: \"x\"").is_err());
    }
}
