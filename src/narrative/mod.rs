//! Visitor narratives: the model every thread on the cloak is woven from, the rules a submission
//! must meet (`validate`), receipt codes (`receipt`), the durable store with its event log
//! (`store`), the JSON Lines format (`records`), and the feed that keeps the running piece in step
//! with the store (`feed`).

mod exhibition_clock;
mod feed;
pub mod import;
pub mod receipt;
pub mod records;
mod samples;
pub mod store;
pub mod synthetic;
pub mod timeline;
pub mod validate;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

pub use exhibition_clock::{DAY_MS, ExhibitionClock};
pub use feed::{ENTRY_DELAY_MS, POLL_INTERVAL, StoreFeedPlugin, StoreStats};
pub use samples::{SampleError, sample_narratives};
pub use validate::{Submission, ValidSubmission, validate};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<NarrativeArchive>();
}

/// Stable identifier of a narrative. Threads refer to their narrative by it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Reflect,
)]
pub struct NarrativeId(pub u64);

/// What the visitor agreed to when they shared their dream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Reflect)]
#[serde(default)]
pub struct Consent {
    /// The thread may be shown on the cloak.
    pub display: bool,
    /// The owner asked the Sanctuary to protect the thread from dissolution.
    pub sanctuary: bool,
}

impl Default for Consent {
    fn default() -> Self {
        Self {
            display: true,
            sanctuary: false,
        }
    }
}

/// One visitor's dream: the text they told, the cultural origin in their own words, and consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reflect)]
pub struct Narrative {
    pub id: NarrativeId,
    /// The dream as the visitor told it.
    pub text: String,
    /// Cultural origin in the visitor's own words, e.g. "Yoruba, Lagos". Free text, not a list.
    pub origin: String,
    /// Optional BCP 47 language tag of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub consent: Consent,
}

/// The store the running piece writes to (protocol events, the kiosk's submissions), shared
/// with the phone form's server.
#[derive(Resource)]
pub struct StoreHandle(pub std::sync::Arc<store::Store>);

/// Every narrative the running piece knows, in the order they were woven in.
///
/// The weave reads it to lay out threads; the durable store feeds it. Usually a narrative is on
/// the cloak from the moment the piece hears of it; a replay of the log (the timelapse) says
/// instead when each one comes and goes, on the dream clock ([`Self::timed`]).
#[derive(Resource, Debug, Clone, Default, Reflect)]
#[reflect(Resource)]
pub struct NarrativeArchive {
    pub narratives: Vec<Narrative>,
    #[reflect(ignore)]
    appearances: Vec<Appearance>,
    /// Every moment a narrative comes or goes, in order, once each.
    #[reflect(ignore)]
    instants: Vec<f32>,
    /// An exhibition's archive: when each narrative is on the cloak in milliseconds since the
    /// Unix epoch, and the start of the clock's period its appearances are counted from.
    #[reflect(ignore)]
    exhibition: Option<(Vec<Span>, i64)>,
}

/// When a narrative is on an exhibition's cloak, milliseconds since the Unix epoch: from
/// `from_ms`, until `until_ms` (`None`: to the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub id: NarrativeId,
    pub from_ms: i64,
    pub until_ms: Option<i64>,
}

/// When a narrative is on the cloak, on the dream clock: from `from`, until `until` (`None`: to
/// the end). A narrative may appear more than once (a curator hides it and shows it again).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Appearance {
    pub id: NarrativeId,
    pub from: f32,
    pub until: Option<f32>,
}

impl NarrativeArchive {
    /// An archive whose narratives are on the cloak from the moment the piece sees them.
    #[must_use]
    pub fn new(narratives: Vec<Narrative>) -> Self {
        Self {
            narratives,
            ..Self::default()
        }
    }

    /// An archive whose narratives come and go at the times `appearances` give.
    #[must_use]
    pub fn timed(narratives: Vec<Narrative>, appearances: Vec<Appearance>) -> Self {
        let mut instants: Vec<f32> = appearances
            .iter()
            .flat_map(|a| std::iter::once(a.from).chain(a.until))
            .collect();
        instants.sort_by(f32::total_cmp);
        instants.dedup();
        Self {
            narratives,
            appearances,
            instants,
            exhibition: None,
        }
    }

    /// An exhibition's archive: `spans` put on the dream clock of the period that began at
    /// `period_start_ms` (a moment `t` is `(t - period_start_ms) / 1000` seconds; before the
    /// period, negative).
    #[must_use]
    pub fn in_period(narratives: Vec<Narrative>, spans: Vec<Span>, period_start_ms: i64) -> Self {
        let seconds = |at_ms: i64| exhibition_clock::seconds_since(at_ms, period_start_ms);
        let appearances = spans
            .iter()
            .map(|span| Appearance {
                id: span.id,
                from: seconds(span.from_ms),
                until: span.until_ms.map(seconds),
            })
            .collect();
        Self {
            exhibition: Some((spans, period_start_ms)),
            ..Self::timed(narratives, appearances)
        }
    }

    /// The start of the period an exhibition's archive counts from; `None` for any other.
    #[must_use]
    pub fn period_start_ms(&self) -> Option<i64> {
        self.exhibition.as_ref().map(|(_, start)| *start)
    }

    /// This exhibition's archive counted from another period's start (the same archive when it
    /// is not an exhibition's).
    #[must_use]
    pub fn rebased(&self, period_start_ms: i64) -> Self {
        match &self.exhibition {
            Some((spans, _)) => {
                Self::in_period(self.narratives.clone(), spans.clone(), period_start_ms)
            }
            None => self.clone(),
        }
    }

    /// Whether the narratives come and go at set times ([`Self::timed`]).
    #[must_use]
    pub fn is_timed(&self) -> bool {
        !self.instants.is_empty()
    }

    /// Narratives whose owners allowed them to be shown.
    pub fn displayed(&self) -> impl Iterator<Item = &Narrative> {
        self.narratives.iter().filter(|n| n.consent.display)
    }

    /// Of a timed archive, the narratives shown at `seconds` on the dream clock; otherwise all
    /// that are displayed.
    #[must_use]
    pub fn displayed_at(&self, seconds: f32) -> Vec<Narrative> {
        if !self.is_timed() {
            return self.displayed().cloned().collect();
        }
        let here: std::collections::HashSet<NarrativeId> = self
            .appearances
            .iter()
            .filter(|a| a.from <= seconds && a.until.is_none_or(|until| seconds < until))
            .map(|a| a.id)
            .collect();
        self.displayed()
            .filter(|n| here.contains(&n.id))
            .cloned()
            .collect()
    }

    /// Whether `other` holds the same narratives, coming and going at the same times.
    #[must_use]
    pub fn same_as(&self, other: &Self) -> bool {
        self.narratives == other.narratives
            && self.appearances == other.appearances
            && self.period_start_ms() == other.period_start_ms()
    }

    /// What a timed archive says happened up to `seconds`: each appearance begun by then, its
    /// end only if that came by then too, in a fixed order. Two archives with the same history
    /// up to a moment put the same threads on the cloak up to it, so a loom or a protocol that
    /// has reached that moment can go on rather than start again.
    #[must_use]
    pub fn history_until(&self, seconds: f32) -> Vec<(NarrativeId, u32, Option<u32>)> {
        let mut history: Vec<_> = self
            .appearances
            .iter()
            .filter(|a| a.from <= seconds)
            .map(|a| {
                (
                    a.id,
                    a.from.to_bits(),
                    a.until.filter(|&u| u <= seconds).map(f32::to_bits),
                )
            })
            .collect();
        history.sort_unstable();
        history
    }

    /// The moments narratives come or go after `after` and up to `until` (both dream seconds),
    /// in order.
    #[must_use]
    pub fn instants_between(&self, after: f32, until: f32) -> &[f32] {
        let start = self.instants.partition_point(|&t| t <= after);
        let end = self.instants.partition_point(|&t| t <= until);
        &self.instants[start..end.max(start)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhibitions_archive_counts_its_times_from_its_period() {
        let narrative = Narrative {
            id: NarrativeId(7),
            text: "a door in the rain".into(),
            origin: "Welsh, Bangor".into(),
            language: None,
            consent: Consent::default(),
        };
        let spans = vec![Span {
            id: NarrativeId(7),
            from_ms: 65_000,
            until_ms: Some(125_000),
        }];
        let archive = NarrativeArchive::in_period(vec![narrative], spans, 60_000);
        assert_eq!(archive.period_start_ms(), Some(60_000));
        assert!(archive.displayed_at(4.9).is_empty());
        assert_eq!(archive.displayed_at(5.0).len(), 1);
        assert!(archive.displayed_at(65.0).is_empty(), "gone at 125 s");
        // The next period (a minute later): the same moments, a minute earlier on its clock.
        let next = archive.rebased(120_000);
        assert_eq!(next.period_start_ms(), Some(120_000));
        assert_eq!(next.displayed_at(4.9).len(), 1, "still there till 125 s");
        assert!(next.displayed_at(5.0).is_empty());
        assert!(!next.same_as(&archive));
    }
}
