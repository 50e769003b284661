//! The Neuro-Synch Protocol as a deterministic simulation over the threads — plain data, no Bevy.
//!
//! Each thread carries an **identity** (how much of its own colour, weave and rhythm remains,
//! 1 → 0) and a **presence** (1 woven, 0 dissolved). Under the protocol identity is pulled toward
//! the collective; below the policy's threshold a thread dissolves. Sanctuary threads never lose
//! presence and give up identity only slowly, never below [`SANCTUARY_IDENTITY_FLOOR`]. No origin
//! falls below the council's floor: the protocol pauses dissolving it. With the protocol off,
//! threads recover — unless they are past the final point. The same seed, policy and narratives
//! always give bit-identical state.

use std::collections::HashMap;

use bevy::prelude::Resource;

use super::policy::{CouncilPolicy, Mode};
use crate::{
    hash::{splitmix64, stable_hash},
    narrative::{Narrative, NarrativeId},
    palette::{normalise_origin, palette_for_origin},
};

/// Seconds of dream time one tick stands for.
pub const TICK_SECONDS: f32 = 0.1;
/// Fraction of the pull a Sanctuary thread feels.
pub const SANCTUARY_RESISTANCE: f32 = 0.15;
/// Identity a Sanctuary thread keeps whatever the protocol does.
pub const SANCTUARY_IDENTITY_FLOOR: f32 = 0.85;
/// Hue bins of the diversity meter.
pub const HUE_BINS: usize = 12;

/// One thread as the protocol sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Strand {
    pub id: NarrativeId,
    /// Hash of the normalised origin.
    pub origin: u64,
    /// Dense index of the origin among this protocol's origins (for per-origin counts).
    pub origin_index: usize,
    /// The origin as the visitor wrote it (first seen), for reports.
    pub origin_name: String,
    /// Bin of the origin's hue, `0..HUE_BINS`.
    pub hue_bin: usize,
    pub sanctuary: bool,
    /// This thread's own pace, from the seed: `0.6..1.4` times the policy's rates.
    pub pace: f32,
    pub identity: f32,
    pub presence: f32,
    /// Whether the Sanctuary's hold on it has been recorded.
    pub preserved: bool,
}

/// What the protocol did to one thread, for the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolEvent {
    /// The thread is gone from the cloak.
    Dissolved(NarrativeId),
    /// The Sanctuary held a thread the protocol pulled at.
    Preserved(NarrativeId),
    /// A dissolving thread was whole again once the protocol stopped.
    Restored(NarrativeId),
}

/// The protocol's state: every thread, in narrative order, and the tick count.
#[derive(Resource, Debug, Clone, PartialEq, Default)]
pub struct Protocol {
    strands: Vec<Strand>,
    /// Distinct origins, indexed by `Strand::origin_index`.
    origins: Vec<u64>,
    seed: u64,
    tick: u64,
}

impl Protocol {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            strands: Vec::new(),
            origins: Vec::new(),
            seed,
            tick: 0,
        }
    }

    #[must_use]
    pub fn strands(&self) -> &[Strand] {
        &self.strands
    }

    #[must_use]
    pub fn tick_count(&self) -> u64 {
        self.tick
    }

    #[must_use]
    pub fn strand(&self, id: NarrativeId) -> Option<&Strand> {
        self.strands
            .binary_search_by_key(&id, |s| s.id)
            .ok()
            .map(|i| &self.strands[i])
    }

    /// Brings the strands in line with the narratives on the cloak: new ones join whole, withdrawn
    /// ones leave.
    pub fn sync<'a>(&mut self, narratives: impl IntoIterator<Item = &'a Narrative>) {
        let narratives: Vec<&Narrative> = narratives.into_iter().collect();
        let wanted: HashMap<NarrativeId, &Narrative> =
            narratives.iter().map(|n| (n.id, *n)).collect();
        self.strands.retain(|s| wanted.contains_key(&s.id));
        for narrative in narratives {
            if let Err(at) = self.strands.binary_search_by_key(&narrative.id, |s| s.id) {
                let hue = palette_for_origin(&narrative.origin).hue;
                let pace_bits = splitmix64(self.seed ^ splitmix64(narrative.id.0));
                self.strands.insert(
                    at,
                    Strand {
                        id: narrative.id,
                        origin: stable_hash(normalise_origin(&narrative.origin).as_bytes()),
                        origin_index: 0,
                        origin_name: narrative.origin.clone(),
                        hue_bin: ((hue / 360.0 * HUE_BINS as f32) as usize).min(HUE_BINS - 1),
                        sanctuary: narrative.consent.sanctuary,
                        pace: 0.6 + 0.8 * ((pace_bits >> 40) as f32 / (1u64 << 24) as f32),
                        identity: 1.0,
                        presence: 1.0,
                        preserved: false,
                    },
                );
            }
        }
        let mut index: HashMap<u64, usize> = HashMap::new();
        self.origins.clear();
        for strand in &mut self.strands {
            strand.origin_index = *index.entry(strand.origin).or_insert_with(|| {
                self.origins.push(strand.origin);
                self.origins.len() - 1
            });
        }
    }

    /// Advances one tick under `policy`; returns what happened to which threads.
    pub fn tick(&mut self, policy: &CouncilPolicy) -> Vec<ProtocolEvent> {
        let dt = TICK_SECONDS;
        let pull = policy.synch_strength * policy.balance;
        let mut events = Vec::new();
        // Per origin: threads submitted, threads lost.
        let mut origins = vec![(0usize, 0usize); self.origins.len()];
        for strand in &self.strands {
            let entry = &mut origins[strand.origin_index];
            entry.0 += 1;
            if strand.presence <= 0.0 {
                entry.1 += 1;
            }
        }
        for strand in &mut self.strands {
            if strand.presence <= 0.0 {
                continue;
            }
            let dissolving = match policy.mode {
                Mode::NeuroSynch | Mode::Balanced => {
                    if strand.sanctuary {
                        strand.identity = (strand.identity
                            - pull * dt * SANCTUARY_RESISTANCE * strand.pace)
                            .max(SANCTUARY_IDENTITY_FLOOR.min(strand.identity));
                        if pull > 0.0 && !strand.preserved {
                            strand.preserved = true;
                            events.push(ProtocolEvent::Preserved(strand.id));
                        }
                        false
                    } else {
                        let autonomy = if policy.mode == Mode::Balanced {
                            1.0 - policy.balance
                        } else {
                            0.0
                        };
                        if strand.identity > autonomy {
                            strand.identity =
                                (strand.identity - pull * dt * strand.pace).max(autonomy);
                        }
                        strand.identity < policy.dissolve_below
                            || strand.presence <= policy.final_point
                    }
                }
                Mode::Off | Mode::Sanctuary => {
                    if strand.presence > policy.final_point {
                        strand.identity = (strand.identity + policy.recovery_rate * dt).min(1.0);
                        if strand.presence < 1.0 {
                            strand.presence =
                                (strand.presence + policy.recovery_rate * dt).min(1.0);
                            if strand.presence >= 1.0 {
                                events.push(ProtocolEvent::Restored(strand.id));
                            }
                        }
                        false
                    } else {
                        // Past the final point, nothing brings it back.
                        !strand.sanctuary
                    }
                }
            };
            if !dissolving || strand.sanctuary {
                continue;
            }
            let (submitted, lost) = origins[strand.origin_index];
            let must_remain = (policy.origin_floor * submitted as f32).ceil() as usize;
            if submitted - lost <= must_remain {
                continue; // the council's floor: the protocol pauses dissolving this origin
            }
            let next = strand.presence - policy.dissolve_rate * dt * strand.pace;
            if next > 0.0 {
                strand.presence = next;
            } else if submitted - (lost + 1) >= must_remain {
                strand.presence = 0.0;
                origins[strand.origin_index].1 += 1;
                events.push(ProtocolEvent::Dissolved(strand.id));
            }
        }
        self.tick += 1;
        events
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{
        narrative::synthetic::synthetic_narratives,
        protocol::diversity::{Diversity, measure},
    };

    fn policy(mode: Mode) -> CouncilPolicy {
        CouncilPolicy {
            mode,
            synch_strength: 0.3,
            balance: 1.0,
            ..CouncilPolicy::default()
        }
    }

    fn protocol(count: usize, seed: u64) -> Protocol {
        let mut protocol = Protocol::new(seed);
        protocol.sync(&synthetic_narratives(count, seed));
        protocol
    }

    #[test]
    fn the_same_seed_and_policy_give_bit_identical_state_after_10000_ticks() {
        let run = || {
            let mut p = protocol(300, 11);
            for tick in 0..10_000 {
                let mode = if tick % 3000 < 2000 {
                    Mode::NeuroSynch
                } else {
                    Mode::Off
                };
                p.tick(&policy(mode));
            }
            p
        };
        let (a, b) = (run(), run());
        assert_eq!(a, b);
        let bits = |p: &Protocol| -> Vec<(u32, u32)> {
            p.strands()
                .iter()
                .map(|s| (s.identity.to_bits(), s.presence.to_bits()))
                .collect()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_ne!(bits(&a), bits(&protocol(300, 12)), "the state moved");
    }

    #[test]
    fn under_neuro_synch_hue_entropy_never_rises_and_off_leaves_it_alone() {
        let mut p = protocol(400, 5);
        let mut last = measure(&p).hue_entropy;
        let mut dissolved = 0;
        for _ in 0..2_000 {
            dissolved += p
                .tick(&policy(Mode::NeuroSynch))
                .iter()
                .filter(|e| matches!(e, ProtocolEvent::Dissolved(_)))
                .count();
            let now = measure(&p).hue_entropy;
            assert!(now <= last + 1e-6, "hue entropy rose from {last} to {now}");
            last = now;
        }
        assert!(
            dissolved > 50,
            "the protocol dissolved only {dissolved} threads"
        );
        assert!(last < 0.5 * measure(&protocol(400, 5)).hue_entropy);

        let mut untouched = protocol(400, 5);
        let before = measure(&untouched);
        for _ in 0..1_000 {
            untouched.tick(&policy(Mode::Off));
        }
        let after = measure(&untouched);
        assert_eq!((after.tick, before.tick), (1_000, 0));
        assert_eq!(
            Diversity {
                tick: 0,
                ..after.clone()
            },
            before
        );
    }

    #[test]
    fn turning_the_protocol_off_before_the_final_point_restores_identity() {
        let mut p = protocol(200, 3);
        for _ in 0..60 {
            p.tick(&policy(Mode::NeuroSynch));
        }
        let pulled: Vec<Strand> = p.strands().to_vec();
        assert!(pulled.iter().any(|s| s.identity < 0.9));
        let mut restored = Vec::new();
        for _ in 0..400 {
            restored.extend(p.tick(&policy(Mode::Off)));
        }
        for (before, after) in pulled.iter().zip(p.strands()) {
            if before.presence > CouncilPolicy::default().final_point {
                assert!((after.identity - 1.0).abs() < 1e-6, "{after:?}");
                assert!((after.presence - 1.0).abs() < 1e-6, "{after:?}");
            }
        }
        let dissolving_before = pulled
            .iter()
            .filter(|s| s.presence < 1.0 && s.presence > 0.2)
            .count();
        assert_eq!(
            restored
                .iter()
                .filter(|e| matches!(e, ProtocolEvent::Restored(_)))
                .count(),
            dissolving_before
        );
    }

    #[test]
    fn sanctuary_threads_hold_their_identity_floor() {
        let mut p = protocol(300, 8);
        for _ in 0..5_000 {
            p.tick(&policy(Mode::NeuroSynch));
        }
        let sanctuary: Vec<&Strand> = p.strands().iter().filter(|s| s.sanctuary).collect();
        assert!(!sanctuary.is_empty());
        for s in sanctuary {
            assert!((s.presence - 1.0).abs() < f32::EPSILON);
            assert!(s.identity >= SANCTUARY_IDENTITY_FLOOR - 1e-6);
        }
    }

    fn any_policy() -> impl Strategy<Value = CouncilPolicy> {
        (
            0usize..4,
            0.0f32..=1.0,
            0.0f32..=1.0,
            0.0f32..=1.0,
            0.0f32..1.0,
            0.0f32..2.0,
            0.0f32..1.0,
            0.0f32..1.0,
        )
            .prop_map(
                |(mode, strength, balance, floor, below, rate, final_point, recovery)| {
                    CouncilPolicy {
                        mode: [Mode::Off, Mode::NeuroSynch, Mode::Sanctuary, Mode::Balanced][mode],
                        synch_strength: strength,
                        balance,
                        origin_floor: floor,
                        dissolve_below: below,
                        dissolve_rate: rate,
                        final_point,
                        recovery_rate: recovery,
                    }
                },
            )
    }

    fn visible_by_origin(p: &Protocol) -> HashMap<u64, usize> {
        let mut visible: HashMap<u64, usize> = HashMap::new();
        for s in p.strands() {
            if s.presence > 0.0 {
                *visible.entry(s.origin).or_default() += 1;
            }
        }
        visible
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn sanctuary_threads_never_dissolve_under_any_policies(
            seed in any::<u64>(),
            count in 1usize..160,
            policies in proptest::collection::vec(any_policy(), 1..5),
        ) {
            let mut p = protocol(count, seed);
            for policy in &policies {
                for _ in 0..150 {
                    p.tick(policy);
                    for s in p.strands().iter().filter(|s| s.sanctuary) {
                        prop_assert!(s.presence > 0.0, "a Sanctuary thread dissolved");
                        prop_assert!(s.identity >= SANCTUARY_IDENTITY_FLOOR - 1e-6);
                    }
                }
            }
        }

        #[test]
        fn origin_floors_hold_at_every_tick(
            seed in any::<u64>(),
            count in 1usize..160,
            policy in any_policy(),
        ) {
            let mut p = protocol(count, seed);
            let mut submitted: HashMap<u64, usize> = HashMap::new();
            for s in p.strands() {
                *submitted.entry(s.origin).or_default() += 1;
            }
            for _ in 0..600 {
                p.tick(&policy);
                let visible = visible_by_origin(&p);
                for (origin, n) in &submitted {
                    let seen = visible.get(origin).copied().unwrap_or(0) as f32;
                    prop_assert!(
                        seen >= policy.origin_floor * *n as f32 - 1e-4,
                        "origin floor broken: {seen} of {n} visible, floor {}",
                        policy.origin_floor
                    );
                }
            }
        }
    }
}
