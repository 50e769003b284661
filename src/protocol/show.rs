//! The show timeline: the story's arc as an installation loop — calm weaving, the protocol rising,
//! the Sleep Confluence, aftermath, the Sanctuary — as phases of council policy in
//! `assets/show.ron`, which artists retime without touching code. A phase may also give a few
//! threads a voice: their words appear along them while it plays.

use serde::{Deserialize, Serialize};

use super::policy::{CouncilPolicy, PolicyError};
use crate::{hash::splitmix64, narrative::NarrativeId, weave::MAX_VOICES};

/// Seconds over which the camera eases into a phase's pitch.
pub const PITCH_EASE_SECONDS: f32 = 8.0;
/// Seconds each of a phase's voices stays with one thread before it passes to another.
pub const VOICE_TURN_SECONDS: f32 = 12.0;

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
    /// Threads that speak at once while it plays — their words appear along them — each voice
    /// passing to another thread every [`VOICE_TURN_SECONDS`]; at most [`MAX_VOICES`]. None
    /// when left out.
    #[serde(default)]
    pub voices: u32,
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
    #[error("phase \"{name}\" gives {voices} threads a voice; at most {MAX_VOICES} can speak")]
    Voices { name: String, voices: u32 },
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
            if phase.voices as usize > MAX_VOICES {
                return Err(ShowError::Voices {
                    name: phase.name.clone(),
                    voices: phase.voices,
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
        let (index, into) = self.phase_index_at(seconds);
        (&self.phases[index], into)
    }

    /// Which phase plays `seconds` into the loop, by its index, and seconds into it.
    #[must_use]
    pub fn phase_index_at(&self, seconds: f32) -> (usize, f32) {
        let mut t = seconds.rem_euclid(self.loop_seconds());
        for (index, phase) in self.phases.iter().enumerate() {
            if t < phase.seconds {
                return (index, t);
            }
            t -= phase.seconds;
        }
        let last = self.phases.len() - 1;
        (last, self.phases[last].seconds)
    }

    /// The voices of the phase playing at `seconds`, each as the number that chooses its thread
    /// now (see [`pick_voices`]): from `seed`, the night (the loop), the phase, the voice and its
    /// turn alone, so that a night's voices are the same whenever it is replayed. Each voice
    /// passes to another thread every [`VOICE_TURN_SECONDS`], the voices' turns staggered so
    /// that they do not all change at once. Empty while the phase gives no voices.
    #[must_use]
    pub fn voice_turns(&self, seconds: f32, seed: u64) -> Vec<u64> {
        let (index, into) = self.phase_index_at(seconds);
        let voices = (self.phases[index].voices as usize).min(MAX_VOICES);
        let night = (seconds / self.loop_seconds()).floor().max(0.0) as u64;
        (0..voices)
            .map(|voice| {
                let stagger = voice as f32 / voices as f32 * VOICE_TURN_SECONDS;
                let turn = ((into + stagger) / VOICE_TURN_SECONDS).floor().max(0.0) as u64;
                splitmix64(
                    seed ^ splitmix64(
                        night ^ splitmix64((((index as u64) << 32) | voice as u64) ^ (turn << 48)),
                    ),
                )
            })
            .collect()
    }
}

impl Show {
    /// When each voice of [`Show::voice_turns`] at `seconds` began its turn and when the turn
    /// ends (dream-clock seconds): every [`VOICE_TURN_SECONDS`], staggered, within its phase.
    #[must_use]
    pub fn voice_turn_times(&self, seconds: f32) -> Vec<(f32, f32)> {
        let (index, into) = self.phase_index_at(seconds);
        let voices = (self.phases[index].voices as usize).min(MAX_VOICES);
        let phase_start = seconds - into;
        let phase_end = phase_start + self.phases[index].seconds;
        (0..voices)
            .map(|voice| {
                let stagger = voice as f32 / voices as f32 * VOICE_TURN_SECONDS;
                let turn = ((into + stagger) / VOICE_TURN_SECONDS).floor().max(0.0);
                let start = phase_start + turn * VOICE_TURN_SECONDS - stagger;
                (
                    start.max(phase_start),
                    (start + VOICE_TURN_SECONDS).min(phase_end),
                )
            })
            .collect()
    }
}

/// The threads the voices' `turns` choose among `threads`, one each, never one twice: for each
/// turn, the thread whose id hashes highest with it (rendezvous hashing, so that a thread woven in
/// or out moves only the voice it wins or held, not every voice).
#[must_use]
pub fn pick_voices(turns: &[u64], threads: &[NarrativeId]) -> Vec<NarrativeId> {
    let mut chosen: Vec<NarrativeId> = Vec::with_capacity(turns.len());
    for &turn in turns {
        let best = threads
            .iter()
            .filter(|id| !chosen.contains(id))
            .max_by_key(|id| splitmix64(turn ^ splitmix64(id.0)));
        if let Some(&id) = best {
            chosen.push(id);
        }
    }
    chosen
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
    fn each_voice_s_turn_has_its_times_within_its_phase() {
        let show = Show::embedded();
        for seconds in [3.0f32, 20.0, 47.5, 90.0, 130.0] {
            let (index, into) = show.phase_index_at(seconds);
            let phase_start = seconds - into;
            let times = show.voice_turn_times(seconds);
            assert_eq!(times.len(), show.voice_turns(seconds, 7).len());
            for (began, ends) in times {
                assert!(
                    began <= seconds && seconds < ends,
                    "{began} {seconds} {ends}"
                );
                assert!(began >= phase_start - 1e-4);
                assert!(ends <= phase_start + show.phases[index].seconds + 1e-4);
                assert!(ends - began <= VOICE_TURN_SECONDS + 1e-4);
            }
        }
    }

    #[test]
    fn the_show_s_voices_are_chosen_from_the_seed_and_take_turns() {
        let show = Show::embedded();
        let threads: Vec<NarrativeId> = (0..500).map(NarrativeId).collect();
        let speaking =
            |seconds: f32, seed: u64| pick_voices(&show.voice_turns(seconds, seed), &threads);
        for (seconds, phase) in (0..200).map(|s| (s as f32, show.phase_at(s as f32).0)) {
            let voices = speaking(seconds, 7);
            assert_eq!(voices.len(), phase.voices as usize, "at {seconds} s");
            let mut distinct = voices.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), voices.len(), "a thread speaks once");
        }
        assert!(
            show.phases.iter().any(|p| p.voices > 0),
            "the embedded show gives some threads a voice"
        );
        let (busy, _) = show
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.voices))
            .max_by_key(|&(_, v)| v)
            .unwrap();
        let start: f32 = show.phases[..busy].iter().map(|p| p.seconds).sum();
        // The same seed and moment give the same voices; another seed, others.
        let at = start + 1.0;
        assert_eq!(speaking(at, 7), speaking(at, 7));
        assert_ne!(speaking(at, 7), speaking(at, 8));
        // A voice passes to another thread in its turn, the others keep theirs for now.
        let later = speaking(at + VOICE_TURN_SECONDS / show.phases[busy].voices as f32, 7);
        let kept = later
            .iter()
            .filter(|id| speaking(at, 7).contains(id))
            .count();
        assert!(
            kept + 2 >= later.len() && kept < later.len(),
            "{kept} of {}",
            later.len()
        );
        // A new thread takes over at most the voice it wins.
        let mut more = threads.clone();
        more.push(NarrativeId(10_000));
        let with_new = pick_voices(&show.voice_turns(at, 7), &more);
        let moved = with_new
            .iter()
            .zip(speaking(at, 7))
            .filter(|(a, b)| **a != *b)
            .count();
        assert!(moved <= 1, "{moved} voices moved");
    }

    #[test]
    fn a_show_without_voices_still_parses() {
        let show = Show::from_ron("(phases: [(name: \"x\", seconds: 5.0, policy: ())])").unwrap();
        assert_eq!(show.phases[0].voices, 0);
        assert!(show.voice_turns(1.0, 7).is_empty());
        let error =
            Show::from_ron("(phases: [(name: \"x\", seconds: 5.0, policy: (), voices: 65)])")
                .unwrap_err();
        assert!(
            matches!(error, ShowError::Voices { voices: 65, .. }),
            "{error}"
        );
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
