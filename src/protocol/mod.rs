//! The Neuro-Synch Protocol, the Sanctuary and the Council: the simulation (`sim`), the council's
//! policy (`policy`), the diversity meter (`diversity`) and the show timeline (`show`) are plain
//! data and functions; this plugin runs them on the dream clock and hands each thread's fate to
//! the loom.

pub mod diversity;
pub mod policy;
pub mod show;
pub mod sim;

use bevy::prelude::*;

use self::{
    diversity::{Diversity, measure},
    policy::CouncilPolicy,
    show::Show,
    sim::{Protocol, ProtocolEvent, TICK_SECONDS},
};
use crate::{
    AppSystems,
    dreamscape::{DreamClock, Dreamscape},
    narrative::NarrativeArchive,
    weave::Loom,
};

pub(super) fn plugin(app: &mut App) {
    app.register_type::<CouncilPolicy>()
        .init_resource::<CouncilPolicy>()
        .init_resource::<Protocol>()
        .init_resource::<DiversityHistory>()
        .init_resource::<ProtocolEvents>()
        .add_systems(
            Update,
            (advance_protocol, hand_fate_to_loom)
                .chain()
                .in_set(AppSystems::Protocol),
        );
}

/// Plays the show timeline: while this resource exists, the show sets the council policy.
#[derive(Resource, Debug, Clone)]
pub struct ShowPlaying(pub Show);

/// The diversity meter over time: one reading a second of dream time, the last hour kept.
#[derive(Resource, Debug, Default, Clone)]
pub struct DiversityHistory {
    pub readings: std::collections::VecDeque<Diversity>,
}

/// Readings kept in [`DiversityHistory`].
pub const HISTORY_READINGS: usize = 3600;
/// Ticks between readings.
const TICKS_PER_READING: u64 = (1.0 / TICK_SECONDS) as u64;

/// What the protocol did since the events were last taken (for the store's event log).
#[derive(Resource, Debug, Default)]
pub struct ProtocolEvents(pub Vec<ProtocolEvent>);

/// Runs the protocol up to the dream clock, under the show's policy when it plays.
fn advance_protocol(
    clock: Res<DreamClock>,
    scape: Res<Dreamscape>,
    archive: Res<NarrativeArchive>,
    show: Option<Res<ShowPlaying>>,
    mut policy: ResMut<CouncilPolicy>,
    mut protocol: ResMut<Protocol>,
    mut history: ResMut<DiversityHistory>,
    mut events: ResMut<ProtocolEvents>,
    mut current_loop: Local<Option<u64>>,
) {
    let displayed: Vec<_> = archive.displayed().cloned().collect();
    if archive.is_changed() {
        protocol.sync(&displayed);
    }
    let target = (clock.seconds / TICK_SECONDS).floor().max(0.0) as u64;
    let (loop_index, ticks_wanted) = match &show {
        Some(show) => {
            let loop_ticks = ((show.0.loop_seconds() / TICK_SECONDS).round() as u64).max(1);
            (target / loop_ticks, target % loop_ticks)
        }
        None => (0, target),
    };
    // A new loop of the show, or the clock set back: the night begins again.
    if *current_loop != Some(loop_index) || protocol.tick_count() > ticks_wanted {
        *protocol = Protocol::new(scape.seed);
        protocol.sync(&displayed);
        *current_loop = Some(loop_index);
    }
    while protocol.tick_count() < ticks_wanted {
        let tick_policy = match &show {
            Some(show) => {
                show.0
                    .phase_at(protocol.tick_count() as f32 * TICK_SECONDS)
                    .0
                    .policy
            }
            None => *policy,
        };
        let happened = protocol.tick(&tick_policy);
        events.0.extend(happened);
        if protocol.tick_count().is_multiple_of(TICKS_PER_READING) {
            if history.readings.len() == HISTORY_READINGS {
                history.readings.pop_front();
            }
            history.readings.push_back(measure(&protocol));
        }
    }
    if let Some(show) = &show {
        let playing = show.0.phase_at(clock.seconds).0.policy;
        if *policy != playing {
            *policy = playing;
        }
    }
}

/// Gives each thread on the loom the identity and presence the protocol left it.
fn hand_fate_to_loom(protocol: Res<Protocol>, mut loom: ResMut<Loom>) {
    if !protocol.is_changed() && !loom.is_changed() {
        return;
    }
    let changed = loom.bypass_change_detection().set_fate(|id| {
        protocol
            .strand(id)
            .map(|strand| (strand.identity, strand.presence))
    });
    if changed {
        loom.set_changed();
    }
}
