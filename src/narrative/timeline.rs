//! An exhibition's life read back from its event log: when each dream was on the cloak, and what
//! the protocol did to its thread — plain data, no Bevy. The timelapse plays it.
//!
//! A withdrawn dream is not in it at all, not even for the time before its withdrawal: its owner
//! asked for it to be gone, and a film of the exhibition must not bring it back.

use std::collections::HashMap;

use super::{
    Narrative, NarrativeId,
    store::{Event, EventKind, Status, StoredNarrative},
};

/// What the protocol did to a thread, as the log tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Dissolved,
    Preserved,
    Restored,
}

/// One dream's life on the cloak, times in milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Life {
    pub narrative: Narrative,
    /// When it was on the cloak: from, until (`None`: still there).
    pub shown: Vec<(i64, Option<i64>)>,
    /// What the protocol did to it, in order.
    pub fates: Vec<(i64, Fate)>,
}

/// Every dream that may be shown, with its life; the log's first and last moments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    pub lives: Vec<Life>,
    /// The first event (or submission), milliseconds since the Unix epoch.
    pub first_ms: i64,
    /// The last event.
    pub last_ms: i64,
}

impl Timeline {
    /// Reads the lives out of the store's narratives and its whole event log (in `seq` order).
    /// A dream arrives at its submission time (an import keeps its original one); curators'
    /// moderation hides and shows it again; withdrawn dreams and those whose owners did not
    /// consent to display are left out.
    #[must_use]
    pub fn from_log(stored: &[StoredNarrative], events: &[Event]) -> Self {
        let mut by_id: HashMap<NarrativeId, Vec<&Event>> = HashMap::new();
        for event in events {
            by_id.entry(event.narrative).or_default().push(event);
        }
        let mut lives = Vec::new();
        let (mut first_ms, mut last_ms) = (i64::MAX, i64::MIN);
        for entry in stored {
            let own = by_id
                .get(&entry.narrative.id)
                .map_or(&[][..], Vec::as_slice);
            for event in own {
                first_ms = first_ms.min(event.at_ms);
                last_ms = last_ms.max(event.at_ms);
            }
            first_ms = first_ms.min(entry.created_at_ms);
            last_ms = last_ms.max(entry.created_at_ms);
            if entry.status == Status::Withdrawn
                || own.iter().any(|e| e.kind == EventKind::Withdrawn)
                || !entry.narrative.consent.display
            {
                continue;
            }
            lives.push(life_of(entry, own));
        }
        lives.sort_by_key(|life| life.narrative.id);
        if lives.is_empty() && first_ms > last_ms {
            (first_ms, last_ms) = (0, 0);
        }
        Self {
            lives,
            first_ms,
            last_ms,
        }
    }

    /// The dreams on the cloak at `at_ms`, in id order.
    #[must_use]
    pub fn shown_at(&self, at_ms: i64) -> Vec<&Narrative> {
        self.lives
            .iter()
            .filter(|life| {
                life.shown
                    .iter()
                    .any(|&(from, until)| from <= at_ms && until.is_none_or(|u| at_ms < u))
            })
            .map(|life| &life.narrative)
            .collect()
    }
}

fn life_of(entry: &StoredNarrative, events: &[&Event]) -> Life {
    let arrived = entry.created_at_ms;
    let mut shown = Vec::new();
    let mut fates = Vec::new();
    // Visible from its submission unless moderation says otherwise; the submission's own
    // moderation (pre-moderated: pending) comes right after it in the log.
    let mut visible_since = Some(arrived);
    for event in events {
        // Nothing before the dream itself: an imported dream's later events keep their order.
        let at = event.at_ms.max(arrived);
        match event.kind {
            EventKind::Moderated(Status::Visible) => {
                visible_since.get_or_insert(at);
            }
            EventKind::Moderated(_) => {
                if let Some(from) = visible_since.take()
                    && from < at
                {
                    shown.push((from, Some(at)));
                }
            }
            EventKind::Dissolved => fates.push((at, Fate::Dissolved)),
            EventKind::Preserved => fates.push((at, Fate::Preserved)),
            EventKind::Restored => fates.push((at, Fate::Restored)),
            EventKind::Submitted | EventKind::Withdrawn => {}
        }
    }
    if let Some(from) = visible_since {
        shown.push((from, None));
    }
    Life {
        narrative: entry.narrative.clone(),
        shown,
        fates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::{Consent, receipt::Receipt};

    fn stored(id: u64, at: i64, status: Status) -> StoredNarrative {
        StoredNarrative {
            narrative: Narrative {
                id: NarrativeId(id),
                text: format!("dream {id}"),
                origin: "Somewhere".into(),
                language: None,
                consent: Consent::default(),
            },
            receipt: Receipt::from_bits(u32::try_from(id).expect("small")),
            status,
            created_at_ms: at,
        }
    }

    fn event(seq: i64, at_ms: i64, id: u64, kind: EventKind) -> Event {
        Event {
            seq,
            at_ms,
            narrative: NarrativeId(id),
            kind,
        }
    }

    #[test]
    fn dreams_come_at_their_times_and_curators_hide_and_show_them() {
        let narratives = [
            stored(1, 1_000, Status::Visible),
            stored(2, 5_000, Status::Visible),
            stored(3, 7_000, Status::Visible),
        ];
        let events = [
            event(1, 1_000, 1, EventKind::Submitted),
            event(2, 5_000, 2, EventKind::Submitted),
            event(3, 6_000, 1, EventKind::Moderated(Status::Hidden)),
            event(4, 7_000, 3, EventKind::Submitted),
            event(5, 7_000, 3, EventKind::Moderated(Status::Pending)),
            event(6, 9_000, 1, EventKind::Moderated(Status::Visible)),
            event(7, 9_500, 3, EventKind::Moderated(Status::Visible)),
            event(8, 9_800, 2, EventKind::Dissolved),
        ];
        let timeline = Timeline::from_log(&narratives, &events);
        assert_eq!((timeline.first_ms, timeline.last_ms), (1_000, 9_800));
        let ids = |at| -> Vec<u64> { timeline.shown_at(at).iter().map(|n| n.id.0).collect() };
        assert_eq!(ids(999), Vec::<u64>::new());
        assert_eq!(ids(1_000), vec![1]);
        assert_eq!(ids(5_500), vec![1, 2]);
        assert_eq!(ids(6_000), vec![2], "hidden by a curator");
        assert_eq!(ids(8_000), vec![2], "pre-moderated: pending until approved");
        assert_eq!(ids(9_000), vec![1, 2], "shown again");
        assert_eq!(ids(9_600), vec![1, 2, 3]);
        assert_eq!(timeline.lives[1].fates, vec![(9_800, Fate::Dissolved)]);
    }

    #[test]
    fn a_withdrawn_dream_is_never_there_not_even_before_its_withdrawal() {
        let mut gone = stored(2, 2_000, Status::Withdrawn);
        gone.narrative.text = String::new();
        let narratives = [stored(1, 1_000, Status::Visible), gone];
        let events = [
            event(1, 1_000, 1, EventKind::Submitted),
            event(2, 2_000, 2, EventKind::Submitted),
            event(3, 8_000, 2, EventKind::Withdrawn),
        ];
        let timeline = Timeline::from_log(&narratives, &events);
        assert_eq!(timeline.lives.len(), 1);
        for at in [2_000, 5_000, 7_999, 9_000] {
            assert!(timeline.shown_at(at).iter().all(|n| n.id.0 == 1));
        }
        // Its times still bound the log: the film covers the whole exhibition.
        assert_eq!(timeline.last_ms, 8_000);
    }
}
