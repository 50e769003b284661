//! The loom: which threads are on the cloak, where, and since when — plain data, no Bevy.
//!
//! When the narratives change, new ones are woven in (each thread draws itself across the cloak over
//! [`WEAVE_IN_SECONDS`]) and withdrawn ones unravel out (over [`UNRAVEL_SECONDS`]), and the threads
//! that stay glide to their new places instead of jumping. Slots stay evenly spaced, so no two
//! threads ever share a path. The loom writes the GPU buffer's contents; the shader animates them
//! from the clock alone, so nothing here runs per frame but a check for finished unravels.

use std::collections::HashMap;

use bevy::math::{Vec3, Vec4};

use super::{
    gpu::GpuThread,
    look::{THREAD_GLOW, ThreadLook, slot, thread_look},
};
use crate::{
    hash::{splitmix64, stable_hash},
    narrative::{Narrative, NarrativeId},
    palette::normalise_origin,
};

/// Seconds a new thread takes to draw itself across the cloak.
pub const WEAVE_IN_SECONDS: f32 = 4.0;
/// Seconds a withdrawn thread takes to unravel out.
pub const UNRAVEL_SECONDS: f32 = 3.0;
/// Seconds a thread takes to glide to a new slot.
pub const SLOT_GLIDE_SECONDS: f32 = 2.5;
/// Warp threads running down the cloak.
pub const WARP_THREADS: u32 = 36;

/// One narrative's thread on the loom.
#[derive(Debug, Clone, PartialEq)]
pub struct LoomThread {
    pub id: NarrativeId,
    /// Hash of the normalised cultural origin: threads of one origin lie side by side.
    pub origin: u64,
    pub look: ThreadLook,
    /// Where it is going, `0..1` down the cloak.
    pub slot: f32,
    /// Where it glides from.
    pub slot_from: f32,
    /// When the glide began, clock seconds.
    pub slot_moved_at: f32,
    /// When it began weaving in, clock seconds.
    pub woven_at: f32,
    /// When it began unravelling, if it is leaving.
    pub unravel_at: Option<f32>,
    /// What the protocol left of it (see `protocol::sim`): identity and presence, 1 when whole.
    pub identity: f32,
    pub presence: f32,
    /// Dream themes its words touch, one bit per word of [`THEMES`].
    pub themes: u64,
}

/// Dream themes a bridge can share: threads whose words touch the same theme connect in the
/// Sanctuary (as do threads of one origin).
pub const THEMES: [&[&str]; 16] = [
    &["river", "rivers", "stream", "upstream"],
    &["sea", "ocean", "fjord", "tide", "harbour", "glaciers"],
    &["rain", "monsoon", "storm", "thunder", "snow"],
    &["moon", "star", "stars", "sky", "lights", "northern"],
    &[
        "grandmother",
        "grandmother's",
        "grandfather",
        "great-grandfather's",
        "abuela",
        "bibi",
    ],
    &[
        "mother", "mother's", "father", "aunt", "cousin", "family", "daughter",
    ],
    &[
        "song", "songs", "sang", "sing", "singing", "songline", "psalms", "oud", "drums",
    ],
    &["dance", "danced", "dancing", "hora", "cumbia", "bailaba"],
    &[
        "home", "house", "village", "city", "market", "café", "square",
    ],
    &["boat", "canoe", "rowing", "rowed", "sailed", "tram"],
    &[
        "loom",
        "wove",
        "cloth",
        "embroidery",
        "thread",
        "threads",
        "kite",
    ],
    &[
        "bird",
        "birds",
        "butterflies",
        "vipepeo",
        "whale",
        "reindeer",
        "buffalo",
    ],
    &["mountain", "desert", "dunes", "prairie", "fields"],
    &["fire", "smoke", "peat", "lanterns", "lantern", "light"],
    &[
        "tea",
        "cardamom",
        "bread",
        "rice",
        "marigolds",
        "pomegranates",
    ],
    &[
        "ancestors",
        "remember",
        "forget",
        "lost",
        "letters",
        "names",
        "name",
    ],
];

/// The theme bits of a text.
#[must_use]
pub fn themes_of(text: &str) -> u64 {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    THEMES.iter().enumerate().fold(0, |bits, (i, theme)| {
        if words.iter().any(|w| theme.contains(w)) {
            bits | (1 << i)
        } else {
            bits
        }
    })
}

/// A bridge the Sanctuary draws between two kin threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bridge {
    /// Loom indices of the two threads.
    pub from: usize,
    pub to: usize,
    /// Where across the cloak it spans, `0..1`.
    pub at: f32,
}

impl LoomThread {
    /// Its slot at `now`, part-way through a glide.
    #[must_use]
    pub fn slot_at(&self, now: f32) -> f32 {
        let k = ((now - self.slot_moved_at) / SLOT_GLIDE_SECONDS).clamp(0.0, 1.0);
        let eased = k * k * (3.0 - 2.0 * k);
        self.slot_from + (self.slot - self.slot_from) * eased
    }

    /// Whether it is fully woven and not leaving: a thread a visitor can read.
    #[must_use]
    pub fn is_settled(&self, now: f32) -> bool {
        self.unravel_at.is_none() && now - self.woven_at >= WEAVE_IN_SECONDS
    }
}

/// The threads of the cloak.
#[derive(bevy::prelude::Resource, Debug, Clone, Default)]
pub struct Loom {
    threads: Vec<LoomThread>,
    highlighted: Option<NarrativeId>,
    /// When the Sanctuary began to connect threads, and when it stopped.
    sanctuary: Option<(f32, Option<f32>)>,
}

impl Loom {
    /// Threads in buffer order (after the warp).
    #[must_use]
    pub fn threads(&self) -> &[LoomThread] {
        &self.threads
    }

    /// Threads that are not leaving.
    #[must_use]
    pub fn staying(&self) -> usize {
        self.threads
            .iter()
            .filter(|t| t.unravel_at.is_none())
            .count()
    }

    /// Brings the loom in line with the narratives to display at `now`. With `settled`, new
    /// threads appear already woven (the piece's first frame, or a still); otherwise they weave in.
    pub fn sync(&mut self, narratives: &[Narrative], now: f32, settled: bool) {
        let wanted: HashMap<NarrativeId, &Narrative> =
            narratives.iter().map(|n| (n.id, n)).collect();
        for thread in &mut self.threads {
            match (wanted.contains_key(&thread.id), thread.unravel_at) {
                (false, None) => thread.unravel_at = Some(now),
                // Withdrawn, then shown again (a curator's restore): weave it back in.
                (true, Some(_)) => {
                    thread.unravel_at = None;
                    thread.woven_at = now;
                }
                _ => {}
            }
        }
        let present: HashMap<NarrativeId, usize> = self
            .threads
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        let woven_at = if settled { now - WEAVE_IN_SECONDS } else { now };
        for narrative in narratives {
            if !present.contains_key(&narrative.id) {
                self.threads.push(LoomThread {
                    id: narrative.id,
                    origin: stable_hash(normalise_origin(&narrative.origin).as_bytes()),
                    look: thread_look(narrative),
                    slot: 0.5,
                    slot_from: 0.5,
                    slot_moved_at: now - SLOT_GLIDE_SECONDS,
                    woven_at,
                    unravel_at: None,
                    identity: 1.0,
                    presence: 1.0,
                    themes: themes_of(&narrative.text),
                });
            }
        }
        self.lay_out(now, settled);
    }

    /// Drops threads that have finished unravelling. Returns whether any went.
    pub fn sweep(&mut self, now: f32) -> bool {
        let before = self.threads.len();
        self.threads
            .retain(|t| t.unravel_at.is_none_or(|at| now - at < UNRAVEL_SECONDS));
        before != self.threads.len()
    }

    /// Evenly spaced slots for the staying threads; new slots glide in. Threads of one origin lie
    /// together, in bands ordered by when the origin first came to the cloak, so that a crowded
    /// cloak shows its cultures as bands of colour rather than an average grey — and the protocol's
    /// sameness, when it comes, is seen washing the bands out.
    fn lay_out(&mut self, now: f32, settled: bool) {
        let mut staying: Vec<usize> = (0..self.threads.len())
            .filter(|&i| self.threads[i].unravel_at.is_none())
            .collect();
        let mut first_of_origin: HashMap<u64, NarrativeId> = HashMap::new();
        for &i in &staying {
            let t = &self.threads[i];
            first_of_origin
                .entry(t.origin)
                .and_modify(|first| *first = (*first).min(t.id))
                .or_insert(t.id);
        }
        staying.sort_by_key(|&i| (first_of_origin[&self.threads[i].origin], self.threads[i].id));
        let count = staying.len();
        for (rank, &i) in staying.iter().enumerate() {
            let target = slot(rank, count);
            let thread = &mut self.threads[i];
            if (thread.slot - target).abs() > f32::EPSILON {
                let is_new = now - thread.woven_at < 1e-6 || settled;
                thread.slot_from = if is_new { target } else { thread.slot_at(now) };
                thread.slot = target;
                thread.slot_moved_at = if is_new {
                    now - SLOT_GLIDE_SECONDS
                } else {
                    now
                };
            }
        }
    }

    /// Takes each thread's identity and presence from `fate` (the protocol). Returns whether any
    /// changed.
    pub fn set_fate(&mut self, fate: impl Fn(NarrativeId) -> Option<(f32, f32)>) -> bool {
        let mut changed = false;
        for thread in &mut self.threads {
            let (identity, presence) = fate(thread.id).unwrap_or((1.0, 1.0));
            if (thread.identity, thread.presence) != (identity, presence) {
                thread.identity = identity;
                thread.presence = presence;
                changed = true;
            }
        }
        changed
    }

    /// The collective the protocol pulls toward: mean colour of the threads, weighted by their
    /// presence, and their mean number of crests.
    #[must_use]
    pub fn collective(&self) -> Vec4 {
        let mut sum = Vec4::ZERO;
        let mut weight = 0.0;
        for t in self.threads.iter().filter(|t| t.unravel_at.is_none()) {
            sum += t.look.primary.extend(t.look.weave.frequency) * t.presence;
            weight += t.presence;
        }
        if weight > 0.0 {
            sum / weight
        } else {
            Vec4::new(0.5, 0.45, 0.6, 3.0)
        }
    }

    /// The Sanctuary connects kin threads from `since` on (`Some`), or lets its bridges unravel
    /// from `until` (`None` after `Some`).
    pub fn set_sanctuary(&mut self, since: Option<f32>, now: f32) {
        match (self.sanctuary, since) {
            (Some((start, None)), None) => self.sanctuary = Some((start, Some(now))),
            (_, Some(start)) => self.sanctuary = Some((start, None)),
            _ => {}
        }
    }

    /// Bridges between kin threads: each thread to the next staying thread (in slot order) that
    /// shares its origin or a dream theme. Only whole threads connect.
    #[must_use]
    pub fn bridges(&self) -> Vec<Bridge> {
        let mut order: Vec<usize> = (0..self.threads.len())
            .filter(|&i| self.threads[i].unravel_at.is_none() && self.threads[i].presence >= 1.0)
            .collect();
        order.sort_by(|&a, &b| self.threads[a].slot.total_cmp(&self.threads[b].slot));
        let mut bridges = Vec::new();
        for (k, &a) in order.iter().enumerate() {
            let ta = &self.threads[a];
            if let Some(&b) = order[k + 1..].iter().find(|&&b| {
                let tb = &self.threads[b];
                tb.origin == ta.origin || tb.themes & ta.themes != 0
            }) {
                let h = splitmix64(ta.id.0 ^ (self.threads[b].id.0 << 32));
                bridges.push(Bridge {
                    from: a,
                    to: b,
                    at: 0.12 + 0.76 * ((h >> 40) as f32 / (1u64 << 24) as f32),
                });
            }
        }
        bridges
    }

    /// Marks one narrative's thread to stand out (a visitor found it), or none.
    pub fn highlight(&mut self, id: Option<NarrativeId>) {
        self.highlighted = id;
    }

    #[must_use]
    pub fn highlighted(&self) -> Option<NarrativeId> {
        self.highlighted
    }

    /// Buffer index of a narrative's thread (warp threads come first).
    #[must_use]
    pub fn entry_of(&self, id: NarrativeId) -> Option<usize> {
        self.threads
            .iter()
            .position(|t| t.id == id)
            .map(|i| i + WARP_THREADS as usize)
    }

    /// The GPU buffer: the warp, then one entry per thread.
    #[must_use]
    pub fn gpu_entries(&self) -> Vec<GpuThread> {
        let warp = (0..WARP_THREADS).map(|i| GpuThread {
            primary: Vec4::new(0.30, 0.26, 0.42, 0.55),
            accent: Vec4::new(0.5, 0.45, 0.65, 1.0),
            wave: Vec4::ZERO,
            shape: Vec4::new(slot(i as usize, WARP_THREADS as usize), 0.012, 1.0, 0.0),
            life: Vec4::new(-1.0e6, -1.0, 0.0, -1.0e6),
            fate: Vec4::ONE,
        });
        let weft = self.threads.iter().map(|t| {
            let w = &t.look.weave;
            GpuThread {
                primary: t.look.primary.extend(THREAD_GLOW),
                accent: t.look.accent.extend(0.0),
                wave: Vec4::new(w.frequency, w.phase, w.amplitude, w.ripple_speed),
                shape: Vec4::new(
                    t.slot,
                    w.thickness,
                    w.float_length as f32,
                    if self.highlighted == Some(t.id) {
                        1.0
                    } else {
                        0.0
                    },
                ),
                life: Vec4::new(
                    t.woven_at,
                    t.unravel_at.unwrap_or(-1.0),
                    t.slot_from,
                    t.slot_moved_at,
                ),
                fate: Vec4::new(t.identity, t.presence, 0.0, 0.0),
            }
        });
        let mut entries: Vec<GpuThread> = warp.chain(weft).collect();
        if let Some((since, until)) = self.sanctuary {
            for bridge in self.bridges() {
                let (a, b) = (&self.threads[bridge.from], &self.threads[bridge.to]);
                entries.push(GpuThread {
                    primary: a.look.primary.extend(THREAD_GLOW * 0.8),
                    accent: b.look.primary.extend(2.0),
                    wave: Vec4::new(bridge.at, 0.0, 0.0, 0.0),
                    shape: Vec4::new(a.slot, 0.016, 1.0, 0.0),
                    life: Vec4::new(since, until.unwrap_or(-1.0), b.slot, 0.0),
                    fate: Vec4::ONE,
                });
            }
        }
        entries
    }

    /// Drops the Sanctuary's bridges once they have unravelled. Returns whether they went.
    pub fn sweep_bridges(&mut self, now: f32) -> bool {
        if let Some((_, Some(until))) = self.sanctuary
            && now - until >= UNRAVEL_SECONDS
        {
            self.sanctuary = None;
            return true;
        }
        false
    }
}

/// A colour for tests and tools: the linear RGB body colour of a narrative's thread.
#[must_use]
pub fn thread_colour(narrative: &Narrative) -> Vec3 {
    thread_look(narrative).primary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::Consent;

    fn narratives(ids: &[u64]) -> Vec<Narrative> {
        ids.iter()
            .map(|&id| Narrative {
                id: NarrativeId(id),
                text: format!("dream {id}"),
                origin: format!("origin {id}"),
                language: None,
                consent: Consent::default(),
            })
            .collect()
    }

    #[test]
    fn first_sync_settles_everything_evenly() {
        let mut loom = Loom::default();
        loom.sync(&narratives(&[3, 1, 2]), 10.0, true);
        assert!(loom.threads().iter().all(|t| t.is_settled(10.0)));
        let mut slots: Vec<(u64, f32)> = loom
            .threads()
            .iter()
            .map(|t| (t.id.0, t.slot_at(10.0)))
            .collect();
        slots.sort_by_key(|s| s.0);
        assert_eq!(slots, vec![(1, 1.0 / 6.0), (2, 0.5), (3, 5.0 / 6.0)]);
    }

    #[test]
    fn new_threads_weave_in_and_old_ones_glide() {
        let mut loom = Loom::default();
        loom.sync(&narratives(&[1, 2]), 0.0, true);
        loom.sync(&narratives(&[1, 2, 3]), 100.0, false);
        let new = loom.threads().iter().find(|t| t.id.0 == 3).unwrap();
        assert!(!new.is_settled(101.0));
        assert!(new.is_settled(100.0 + WEAVE_IN_SECONDS));
        let old = loom.threads().iter().find(|t| t.id.0 == 1).unwrap();
        assert!(
            (old.slot_at(100.0) - 0.25).abs() < 1e-6,
            "starts where it was"
        );
        assert!((old.slot_at(100.0 + SLOT_GLIDE_SECONDS) - 1.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn withdrawn_threads_unravel_then_leave() {
        let mut loom = Loom::default();
        loom.sync(&narratives(&[1, 2, 3]), 0.0, true);
        loom.sync(&narratives(&[1, 3]), 50.0, false);
        assert_eq!(loom.threads().len(), 3, "still unravelling");
        assert_eq!(loom.staying(), 2);
        assert!(!loom.sweep(51.0));
        assert!(loom.sweep(50.0 + UNRAVEL_SECONDS));
        assert_eq!(loom.threads().len(), 2);
        assert_eq!(loom.gpu_entries().len(), WARP_THREADS as usize + 2);
    }

    #[test]
    fn no_two_staying_threads_share_a_slot() {
        let mut loom = Loom::default();
        let mut ids: Vec<u64> = (1..=200).collect();
        loom.sync(&narratives(&ids), 0.0, true);
        ids.retain(|id| id % 3 != 0);
        ids.extend(300..350);
        loom.sync(&narratives(&ids), 10.0, false);
        let mut slots: Vec<f32> = loom
            .threads()
            .iter()
            .filter(|t| t.unravel_at.is_none())
            .map(|t| t.slot)
            .collect();
        slots.sort_by(f32::total_cmp);
        assert_eq!(slots.len(), ids.len());
        assert!(slots.windows(2).all(|w| w[1] - w[0] > 1e-4));
    }

    #[test]
    fn threads_of_one_origin_lie_together_in_order_of_arrival() {
        let mut all = narratives(&[1, 2, 3, 4, 5, 6]);
        for (n, origin) in all.iter_mut().zip(["B", "A", "B", "A", "C", "b "]) {
            n.origin = origin.into();
        }
        let mut loom = Loom::default();
        loom.sync(&all, 0.0, true);
        let mut order: Vec<(f32, u64)> = loom.threads().iter().map(|t| (t.slot, t.id.0)).collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let ids: Vec<u64> = order.into_iter().map(|(_, id)| id).collect();
        // Origin B arrived first (1, 3, and 6 as "b "), then A (2, 4), then C (5).
        assert_eq!(ids, vec![1, 3, 6, 2, 4, 5]);
    }

    #[test]
    fn the_sanctuary_bridges_kin_threads_and_lets_go() {
        let mut all = narratives(&[1, 2, 3, 4]);
        all[0].text = "The river sang.".into();
        all[1].text = "Nothing alike.".into();
        all[2].text = "A river of stars.".into();
        all[3].origin = all[1].origin.clone();
        let mut loom = Loom::default();
        loom.sync(&all, 0.0, true);
        let pairs: Vec<(u64, u64)> = loom
            .bridges()
            .iter()
            .map(|b| (loom.threads()[b.from].id.0, loom.threads()[b.to].id.0))
            .collect();
        assert!(pairs.contains(&(1, 3)), "shared theme: {pairs:?}");
        assert!(pairs.contains(&(2, 4)), "shared origin: {pairs:?}");
        let plain = loom.gpu_entries().len();
        loom.set_sanctuary(Some(5.0), 5.0);
        assert_eq!(loom.gpu_entries().len(), plain + pairs.len());
        loom.set_sanctuary(None, 20.0);
        assert!(!loom.sweep_bridges(21.0));
        assert!(loom.sweep_bridges(20.0 + UNRAVEL_SECONDS));
        assert_eq!(loom.gpu_entries().len(), plain);
        assert_eq!(themes_of("Sang a SONG by the River"), (1 << 0) | (1 << 6));
    }

    #[test]
    fn a_restored_thread_weaves_back_in() {
        let mut loom = Loom::default();
        loom.sync(&narratives(&[1]), 0.0, true);
        loom.sync(&narratives(&[]), 5.0, false);
        loom.sync(&narratives(&[1]), 6.0, false);
        let thread = &loom.threads()[0];
        assert_eq!(thread.unravel_at, None);
        assert!((thread.woven_at - 6.0).abs() < 1e-6);
    }

    #[test]
    fn highlight_marks_one_entry() {
        let mut loom = Loom::default();
        loom.sync(&narratives(&[1, 2]), 0.0, true);
        loom.highlight(Some(NarrativeId(2)));
        let entries = loom.gpu_entries();
        let index = loom.entry_of(NarrativeId(2)).unwrap();
        assert!((entries[index].shape.w - 1.0).abs() < f32::EPSILON);
        assert_eq!(entries.iter().filter(|e| e.shape.w > 0.0).count(), 1);
    }
}
