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
    Grouping,
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
    /// Where it is going, `0..1` down the cloak: the middle of its row.
    pub slot: f32,
    /// Where it glides from.
    pub slot_from: f32,
    /// The part of its row it is woven across: start and length, `0..1` of the width.
    pub span: (f32, f32),
    /// The part it glides from.
    pub span_from: (f32, f32),
    /// When the glide began, clock seconds.
    pub slot_moved_at: f32,
    /// When it began weaving in, clock seconds.
    pub woven_at: f32,
    /// When it began unravelling, if it is leaving.
    pub unravel_at: Option<f32>,
    /// What the protocol left of it (see `protocol::sim`): identity and presence, 1 when whole.
    pub identity: f32,
    pub presence: f32,
    /// Its owner asked the Sanctuary to keep it.
    pub sanctuary: bool,
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
    /// How far through its glide it is at `now`, eased in and out: 0 where it starts, 1 arrived.
    fn glided(&self, now: f32) -> f32 {
        let k = ((now - self.slot_moved_at) / SLOT_GLIDE_SECONDS).clamp(0.0, 1.0);
        k * k * (3.0 - 2.0 * k)
    }

    /// Its slot at `now`, part-way through a glide.
    #[must_use]
    pub fn slot_at(&self, now: f32) -> f32 {
        self.slot_from + (self.slot - self.slot_from) * self.glided(now)
    }

    /// The part of its row it lies across at `now`, gliding like its slot.
    #[must_use]
    pub fn span_at(&self, now: f32) -> (f32, f32) {
        let eased = self.glided(now);
        (
            self.span_from.0 + (self.span.0 - self.span_from.0) * eased,
            self.span_from.1 + (self.span.1 - self.span_from.1) * eased,
        )
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
    layout: Layout,
    /// Rows the staying threads lie in.
    rows: usize,
    /// When the Sanctuary began to connect threads, and when it stopped.
    sanctuary: Option<(f32, Option<f32>)>,
}

/// How the loom lays threads out: at most `max_rows` rows (several threads share a row beyond
/// that), origins grouped as `grouping` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub max_rows: u32,
    pub grouping: Grouping,
}

impl Default for Layout {
    fn default() -> Self {
        let shape = super::CloakShape::default();
        Self {
            max_rows: shape.max_rows,
            grouping: shape.grouping,
        }
    }
}

/// Of a row's width, the gap left between two threads that share it.
const SHARED_ROW_GAP: f32 = 0.08;

/// Where the `k`-th of the `shared` threads of row `row` begins, `0..=1` across: evenly spaced,
/// each boundary but the row's ends moved by up to a quarter of a thread's length, differently in
/// every row, so that the joins between threads do not line up into columns — as in a
/// tapestry, where each weft turns back where its colour ends.
fn row_boundary(row: usize, k: usize, shared: usize) -> f32 {
    if k == 0 || k >= shared {
        return k.min(shared) as f32 / shared as f32;
    }
    let bits = splitmix64(((row as u64) << 32) ^ k as u64);
    let jitter = ((bits >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5;
    (k as f32 + jitter) / shared as f32
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
                    span: (0.0, 1.0),
                    span_from: (0.0, 1.0),
                    slot_moved_at: now - SLOT_GLIDE_SECONDS,
                    woven_at,
                    unravel_at: None,
                    identity: 1.0,
                    presence: 1.0,
                    sanctuary: narrative.consent.sanctuary,
                    themes: themes_of(&narrative.text),
                });
            }
        }
        self.lay_out(now, settled);
    }

    /// Takes every thread off at once, keeping the layout (a replay of the log starts again).
    pub fn clear(&mut self) {
        *self = Self {
            layout: self.layout,
            highlighted: self.highlighted,
            ..Self::default()
        };
    }

    /// Drops threads that have finished unravelling. Returns whether any went.
    pub fn sweep(&mut self, now: f32) -> bool {
        let before = self.threads.len();
        self.threads
            .retain(|t| t.unravel_at.is_none_or(|at| now - at < UNRAVEL_SECONDS));
        before != self.threads.len()
    }

    /// Lays the loom out anew under `layout` (an artist changed the rows or the grouping): the
    /// threads glide to their new places. Returns whether anything changed.
    pub fn set_layout(&mut self, layout: Layout, now: f32) -> bool {
        if self.layout == layout {
            return false;
        }
        self.layout = layout;
        self.lay_out(now, false);
        true
    }

    /// Rows the staying threads lie in.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Places for the staying threads: evenly spaced rows, each thread across the whole width —
    /// or, past [`Layout::max_rows`], several threads to a row, each across its own part, as the
    /// discontinuous wefts of a tapestry, so that a crowded cloak still shows every thread. Moved
    /// threads glide; new ones start in place. Threads of one origin lie together, ordered by
    /// when the origin first came to the cloak (see [`Grouping`]), so that a crowded cloak shows
    /// its cultures rather than an average grey — and the protocol's sameness, when it comes, is
    /// seen washing them out.
    fn lay_out(&mut self, now: f32, settled: bool) {
        let order = self.placing_order();
        let count = order.len();
        // Every row is used: a row each up to the most rows, then as evenly shared as can be.
        let rows = count.min(self.layout.max_rows.max(1) as usize).max(1);
        self.rows = rows;
        let cell = |rank: usize| match self.layout.grouping {
            Grouping::Bands | Grouping::Interleaved => {
                let row = rank * rows / count;
                (row, rank - (row * count).div_ceil(rows))
            }
            Grouping::Blocks => (rank % rows, rank / rows),
        };
        let mut in_row = vec![0usize; rows];
        for rank in 0..count {
            in_row[cell(rank).0] += 1;
        }
        let places: Vec<(f32, (f32, f32))> = (0..count)
            .map(|rank| {
                let (row, column) = cell(rank);
                let shared = in_row[row];
                let width = 1.0 / shared as f32;
                let gap = if shared > 1 {
                    SHARED_ROW_GAP * width
                } else {
                    0.0
                };
                let (start, end) = (
                    row_boundary(row, column, shared),
                    row_boundary(row, column + 1, shared),
                );
                (slot(row, rows), (start + 0.5 * gap, end - start - gap))
            })
            .collect();
        for (&i, (target, span)) in order.iter().zip(places) {
            let thread = &mut self.threads[i];
            let moved = (thread.slot - target).abs() > f32::EPSILON
                || (thread.span.0 - span.0).abs() > f32::EPSILON
                || (thread.span.1 - span.1).abs() > f32::EPSILON;
            if moved {
                let is_new = now - thread.woven_at < 1e-6 || settled;
                (thread.slot_from, thread.span_from) = if is_new {
                    (target, span)
                } else {
                    (thread.slot_at(now), thread.span_at(now))
                };
                thread.slot = target;
                thread.span = span;
                thread.slot_moved_at = if is_new {
                    now - SLOT_GLIDE_SECONDS
                } else {
                    now
                };
            }
        }
    }

    /// The staying threads in the order they fill the cloak: origins in order of first arrival,
    /// each origin's threads in order of arrival — or, interleaved, one of each origin in turn.
    fn placing_order(&self) -> Vec<usize> {
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
        if self.layout.grouping != Grouping::Interleaved {
            return staying;
        }
        // Deal the origins' threads out in turn: the k-th thread of every origin, then the
        // (k+1)-th, origins always in the same order.
        let mut turn: HashMap<u64, usize> = HashMap::new();
        let mut dealt: Vec<(usize, NarrativeId, usize)> = staying
            .iter()
            .map(|&i| {
                let t = &self.threads[i];
                let k = turn.entry(t.origin).or_insert(0);
                *k += 1;
                (*k, first_of_origin[&t.origin], i)
            })
            .collect();
        dealt.sort_by_key(|&(k, first, _)| (k, first));
        dealt.into_iter().map(|(_, _, i)| i).collect()
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

    /// How far the protocol has pulled the staying threads toward sameness: 1 - their mean
    /// identity, `0..=1`.
    #[must_use]
    pub fn pull(&self) -> f32 {
        let (sum, count) = self
            .threads
            .iter()
            .filter(|t| t.unravel_at.is_none())
            .fold((0.0, 0usize), |(sum, n), t| (sum + t.identity, n + 1));
        if count == 0 {
            0.0
        } else {
            (1.0 - sum / count as f32).clamp(0.0, 1.0)
        }
    }

    /// The Sanctuary connects kin threads from `since` on (`Some`), or lets its bridges unravel
    /// from `until` (`None` after `Some`).
    /// When the Sanctuary began to connect threads and when it stopped, if it has and its
    /// bridges are not gone yet.
    #[must_use]
    pub fn sanctuary_span(&self) -> Option<(f32, Option<f32>)> {
        self.sanctuary
    }

    /// Sets when the Sanctuary began and stopped, as a timeline knows it (the show): the same
    /// whenever the loom hears of it.
    pub fn set_sanctuary_span(&mut self, span: Option<(f32, Option<f32>)>) {
        self.sanctuary = span;
    }

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
            fate: Vec4::new(1.0, 1.0, 0.0, 0.0),
            span: Vec4::new(0.0, 1.0, 0.0, 1.0),
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
                fate: Vec4::new(
                    t.identity,
                    t.presence,
                    if t.sanctuary { 1.0 } else { 0.0 },
                    0.0,
                ),
                span: Vec4::new(t.span.0, t.span.1, t.span_from.0, t.span_from.1),
            }
        });
        let mut entries: Vec<GpuThread> = warp.chain(weft).collect();
        if let Some((since, until)) = self.sanctuary {
            for bridge in self.bridges() {
                let (a, b) = (&self.threads[bridge.from], &self.threads[bridge.to]);
                // Each end meets its thread at the same fraction of the thread's own part of
                // its row.
                let across = |t: &LoomThread| t.span.0 + bridge.at * t.span.1;
                entries.push(GpuThread {
                    primary: a.look.primary.extend(THREAD_GLOW * 0.8),
                    accent: b.look.primary.extend(2.0),
                    wave: Vec4::new(bridge.at, 0.0, 0.0, 0.0),
                    shape: Vec4::new(a.slot, 0.016, 1.0, 0.0),
                    life: Vec4::new(since, until.unwrap_or(-1.0), b.slot, 0.0),
                    fate: Vec4::new(1.0, 1.0, 1.0, 0.0),
                    span: Vec4::new(across(a), across(b), 0.0, 0.0),
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

    /// The staying threads' places: (row slot, span start, span length), sorted.
    fn places(loom: &Loom) -> Vec<(f32, f32, f32)> {
        let mut places: Vec<(f32, f32, f32)> = loom
            .threads()
            .iter()
            .filter(|t| t.unravel_at.is_none())
            .map(|t| (t.slot, t.span.0, t.span.1))
            .collect();
        places.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        places
    }

    #[test]
    fn no_two_staying_threads_share_a_place() {
        let mut loom = Loom::default();
        let mut ids: Vec<u64> = (1..=200).collect();
        loom.sync(&narratives(&ids), 0.0, true);
        ids.retain(|id| id % 3 != 0);
        ids.extend(300..350);
        loom.sync(&narratives(&ids), 10.0, false);
        let places = places(&loom);
        assert_eq!(places.len(), ids.len());
        // Threads of one row lie side by side, never over each other.
        for pair in places.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if (a.0 - b.0).abs() < 1e-6 {
                assert!(a.1 + a.2 < b.1, "{a:?} overlaps {b:?}");
            } else {
                assert!(b.0 - a.0 > 1e-4, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn past_the_most_rows_threads_share_rows_that_they_fill() {
        for (count, max_rows) in [(28, 140), (500, 140), (5000, 140), (20_000, 140), (7, 3)] {
            let mut loom = Loom::default();
            loom.set_layout(
                Layout {
                    max_rows,
                    grouping: Grouping::Bands,
                },
                0.0,
            );
            let ids: Vec<u64> = (1..=count).collect();
            loom.sync(&narratives(&ids), 0.0, true);
            // A row each while there is room; past it, every row used, none with more than
            // one thread over another.
            let rows = loom.rows();
            assert_eq!(
                rows,
                (count as usize).min(max_rows as usize),
                "{count} threads"
            );
            // Every row is woven from edge to edge: its threads' spans and gaps add up to it.
            let mut by_row: HashMap<u32, Vec<(f32, f32)>> = HashMap::new();
            for t in loom.threads() {
                by_row
                    .entry((t.slot * 1e6) as u32)
                    .or_default()
                    .push(t.span);
            }
            assert_eq!(by_row.len(), rows);
            let (fewest, most) = by_row
                .values()
                .map(Vec::len)
                .fold((usize::MAX, 0), |(a, b), n| (a.min(n), b.max(n)));
            assert!(
                most - fewest <= 1,
                "{count}: rows of {fewest} to {most} threads"
            );
            for spans in by_row.values_mut() {
                spans.sort_by(|a, b| a.0.total_cmp(&b.0));
                let shared = spans.len() as f32;
                let gap = if spans.len() > 1 {
                    SHARED_ROW_GAP / shared
                } else {
                    0.0
                };
                assert!((spans[0].0 - gap / 2.0).abs() < 1e-5, "{spans:?}");
                let end = spans.last().map(|s| s.0 + s.1).unwrap();
                assert!((end + gap / 2.0 - 1.0).abs() < 1e-5, "{spans:?}");
                assert!(spans.iter().all(|s| s.1 > 0.4 / shared), "{spans:?}");
            }
        }
    }

    #[test]
    fn groupings_lay_origins_in_bands_blocks_or_a_tweed() {
        // 6 origins of 20 threads each, 24 rows of 5.
        let mut all = narratives(&(1..=120).collect::<Vec<_>>());
        for n in &mut all {
            n.origin = format!("origin {}", (n.id.0 - 1) / 20);
        }
        let neighbours_alike = |grouping: Grouping| {
            let mut loom = Loom::default();
            loom.set_layout(
                Layout {
                    max_rows: 24,
                    grouping,
                },
                0.0,
            );
            loom.sync(&all, 0.0, true);
            let mut cells: Vec<(f32, f32, u64)> = loom
                .threads()
                .iter()
                .map(|t| (t.slot, t.span.0, t.origin))
                .collect();
            cells.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            // Along each row: how often a thread's right-hand neighbour shares its origin.
            let alike = cells
                .windows(2)
                .filter(|w| (w[0].0 - w[1].0).abs() < 1e-6 && w[0].2 == w[1].2)
                .count();
            let first_column: Vec<u64> = cells.iter().step_by(5).map(|c| c.2).collect();
            (alike, first_column)
        };
        let (bands, _) = neighbours_alike(Grouping::Bands);
        let (tweed, _) = neighbours_alike(Grouping::Interleaved);
        let (blocks, column) = neighbours_alike(Grouping::Blocks);
        assert!(bands >= 90, "bands: {bands} alike neighbours in rows");
        assert_eq!(tweed, 0, "in a tweed no neighbour shares an origin");
        // Blocks fill rows down before across: the first column holds the first origins only.
        let distinct: std::collections::HashSet<u64> = column.iter().copied().collect();
        assert!(
            distinct.len() <= 2,
            "{blocks} alike; first column {column:?}"
        );
    }

    #[test]
    fn a_new_layout_makes_threads_glide_to_their_new_places() {
        let mut loom = Loom::default();
        loom.sync(&narratives(&(1..=40).collect::<Vec<_>>()), 0.0, true);
        let before: Vec<(f32, (f32, f32))> =
            loom.threads().iter().map(|t| (t.slot, t.span)).collect();
        let wide = Layout {
            max_rows: 20,
            grouping: Grouping::Bands,
        };
        assert!(loom.set_layout(wide, 10.0));
        assert!(
            !loom.set_layout(wide, 11.0),
            "the same layout changes nothing"
        );
        assert_eq!(loom.rows(), 20);
        for (t, (slot, span)) in loom.threads().iter().zip(before) {
            assert!((t.slot_at(10.0) - slot).abs() < 1e-6);
            assert_eq!(t.span_at(10.0), span);
            assert!((t.slot_at(10.0 + SLOT_GLIDE_SECONDS) - t.slot).abs() < 1e-6);
            assert!(t.span.1 < 0.8, "two to a row now: {:?}", t.span);
        }
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
