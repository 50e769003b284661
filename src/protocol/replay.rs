//! The protocol's doings as the event log tells them, played back on the dream clock instead of
//! simulated (the timelapse): each thread's identity and presence from its fates — plain data.

use std::collections::HashMap;

use bevy::prelude::Resource;

use super::sim::SANCTUARY_IDENTITY_FLOOR;
use crate::narrative::{NarrativeId, timeline::Fate};

/// Dream seconds a thread takes to dissolve, come back or be held, in a replay.
pub const CHANGE_SECONDS: f32 = 1.5;
/// Identity a dissolved thread is left with (its colour pulled to the collective's).
const DISSOLVED_IDENTITY: f32 = 0.3;

/// Each thread's fates, on the dream clock, in order: while this resource exists, they set the
/// threads' identity and presence and the protocol does not run.
#[derive(Resource, Debug, Clone, Default)]
pub struct ReplayedFates(pub HashMap<NarrativeId, Vec<(f32, Fate)>>);

/// A thread's (identity, presence) at `seconds`, after `fates` (in time order): each fate moves
/// it, over [`CHANGE_SECONDS`] from its moment, from where it was to where the fate leaves it.
#[must_use]
pub fn fate_at(fates: &[(f32, Fate)], seconds: f32) -> (f32, f32) {
    let mut state = (1.0, 1.0);
    for (i, &(at, fate)) in fates.iter().enumerate() {
        if at > seconds {
            break;
        }
        let goal = match fate {
            Fate::Dissolved => (DISSOLVED_IDENTITY, 0.0),
            Fate::Restored => (1.0, 1.0),
            Fate::Preserved => (SANCTUARY_IDENTITY_FLOOR.min(state.0), state.1),
        };
        // Cut short by the next fate, it goes on from wherever it had reached.
        let ends = fates
            .get(i + 1)
            .map_or(seconds, |&(next, _)| next.min(seconds));
        let k = ((ends - at) / CHANGE_SECONDS).clamp(0.0, 1.0);
        state = (
            state.0 + (goal.0 - state.0) * k,
            state.1 + (goal.1 - state.1) * k,
        );
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dissolved_thread_fades_out_and_a_restored_one_comes_back() {
        let fates = [(10.0, Fate::Dissolved), (20.0, Fate::Restored)];
        let near =
            |(a, b): (f32, f32), (c, d): (f32, f32)| (a - c).abs() < 1e-6 && (b - d).abs() < 1e-6;
        assert!(near(fate_at(&fates, 5.0), (1.0, 1.0)));
        let (_, halfway) = fate_at(&fates, 10.0 + CHANGE_SECONDS / 2.0);
        assert!((halfway - 0.5).abs() < 1e-5);
        assert!(near(fate_at(&fates, 15.0), (DISSOLVED_IDENTITY, 0.0)));
        assert!(near(fate_at(&fates, 30.0), (1.0, 1.0)));
    }

    #[test]
    fn a_preserved_thread_stays_but_gives_up_a_little_of_itself() {
        let (identity, presence) = fate_at(&[(1.0, Fate::Preserved)], 9.0);
        assert!((presence - 1.0).abs() < 1e-6);
        assert!((identity - SANCTUARY_IDENTITY_FLOOR).abs() < 1e-6);
    }
}
