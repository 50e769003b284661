//! The Neuro-Synch Protocol, the Sanctuary and the Council: the simulation (`sim`), the council's
//! policy (`policy`), the diversity meter (`diversity`) and the show timeline (`show`) are plain
//! data and functions; this plugin runs them on the dream clock and hands each thread's fate to
//! the loom.

pub mod diversity;
pub mod policy;
pub mod replay;
pub mod show;
pub mod sim;

use bevy::prelude::*;

use self::{
    diversity::{Diversity, measure},
    policy::{CouncilPolicy, Mode},
    replay::{ReplayedFates, fate_at},
    show::{Show, pick_voices},
    sim::{Protocol, ProtocolEvent, TICK_SECONDS},
};
use crate::{
    camera::CameraRig,
    clock::DreamClock,
    dreamscape::Dreamscape,
    narrative::{NarrativeArchive, NarrativeId, StoreHandle, store::EventKind},
    schedule::AppSystems,
    weave::{Loom, Voice, Voices},
};

pub(crate) fn plugin(app: &mut App) {
    app.register_type::<CouncilPolicy>()
        .init_resource::<CouncilPolicy>()
        .init_resource::<Protocol>()
        .init_resource::<DiversityHistory>()
        .init_resource::<ProtocolEvents>()
        .add_message::<ThreadFate>()
        .add_systems(
            Update,
            (
                advance_protocol.run_if(not(resource_exists::<ReplayedFates>)),
                hand_fate_to_loom,
                show_voices,
            )
                .chain()
                .in_set(AppSystems::Protocol),
        )
        .add_systems(
            Update,
            show_camera
                .run_if(resource_exists::<ShowPlaying>)
                .in_set(AppSystems::ReadInput),
        )
        .add_systems(
            Update,
            // An exhibition's renderers all run the same protocol: none of them writes it into
            // the shared log, where it would be there once per machine.
            log_protocol_events
                .run_if(
                    resource_exists::<StoreHandle>
                        .and_then(not(resource_exists::<crate::narrative::ExhibitionClock>)),
                )
                .after(AppSystems::Protocol),
        );
}

/// Writes what the protocol did into the store's event log, without waiting for the disk.
fn log_protocol_events(mut events: ResMut<ProtocolEvents>, store: Res<StoreHandle>) {
    if events.0.is_empty() {
        return;
    }
    let batch: Vec<(NarrativeId, EventKind)> = events
        .0
        .drain(..)
        .map(|event| match event {
            ProtocolEvent::Dissolved(id) => (id, EventKind::Dissolved),
            ProtocolEvent::Preserved(id) => (id, EventKind::Preserved),
            ProtocolEvent::Restored(id) => (id, EventKind::Restored),
        })
        .collect();
    store
        .0
        .write_detached(move |db| match db.log_protocol_events(&batch) {
            Ok(_) => {}
            // The exhibition's database is away: the writer has said so once already, and the
            // protocol's fates are the piece's own to replay, not visitors' dreams to keep.
            Err(error) if error.is_unreachable() => {
                debug!("the protocol's events were not logged: {error}");
            }
            Err(error) => error!("could not log the protocol's events: {error}"),
        });
}

/// During the show the camera's height follows the story: from below, the cloak's dark underside
/// in the Confluence; from above in the Sanctuary.
fn show_camera(clock: Res<DreamClock>, show: Res<ShowPlaying>, mut rigs: Query<&mut CameraRig>) {
    let pitch = show
        .0
        .camera_pitch_at(clock.seconds, CameraRig::default().pitch);
    for mut rig in &mut rigs {
        rig.pitch = pitch;
    }
}

/// The show's voices: while a phase that names them plays, a few threads speak — their words
/// appear along them — chosen from the seed and the moment (see [`Show::voice_turns`]). When the
/// show falls silent (a phase without voices, or no show) its voices are silenced once; voices
/// others gave (a benchmark, a test) are left alone.
fn show_voices(
    clock: Res<DreamClock>,
    show: Option<Res<ShowPlaying>>,
    scape: Res<Dreamscape>,
    loom: Res<Loom>,
    archive: Res<NarrativeArchive>,
    mut voices: ResMut<Voices>,
    mut chosen_for: Local<Option<(Vec<u64>, usize, usize)>>,
) {
    let turns = show
        .as_ref()
        .map(|show| show.0.voice_turns(clock.seconds, scape.seed))
        .unwrap_or_default();
    // With a timed archive (an exhibition's log), voices are chosen among the threads on the
    // cloak when the phase began, so that they change only when turns do — at moments of the
    // clock — and every renderer, whenever it started, gives the same threads the same words.
    let phase_began = match (&show, archive.is_timed()) {
        (Some(show), true) => {
            let (_, into) = show.0.phase_at(clock.seconds);
            Some(clock.seconds - into)
        }
        _ => None,
    };
    // Choose again only when a voice's turn comes or threads come and go.
    let moment = match phase_began {
        Some(began) => (turns, began.to_bits() as usize, usize::MAX),
        None => (turns, loom.threads().len(), loom.staying()),
    };
    // News of a dream that came before the phase began changes whom to choose among.
    if phase_began.is_some() && archive.is_changed() {
        *chosen_for = None;
    }
    let was_silent = chosen_for
        .as_ref()
        .is_none_or(|(turns, ..)| turns.is_empty());
    if chosen_for.as_ref() == Some(&moment) || (moment.0.is_empty() && was_silent) {
        *chosen_for = Some(moment);
        return;
    }
    let threads: Vec<NarrativeId> = match phase_began {
        _ if moment.0.is_empty() => Vec::new(),
        Some(began) => archive.displayed_at(began).iter().map(|n| n.id).collect(),
        None => loom
            .threads()
            .iter()
            .filter(|t| t.unravel_at.is_none())
            .map(|t| t.id)
            .collect(),
    };
    let chosen = pick_voices(&moment.0, &threads);
    // Each voice's words fade in as its turn begins and out before it ends, by the timetable.
    let times = show
        .as_ref()
        .map(|show| show.0.voice_turn_times(clock.seconds))
        .unwrap_or_default();
    let timetable: std::collections::HashMap<NarrativeId, (f32, f32)> = chosen
        .iter()
        .zip(times)
        .map(|(&id, (began, ends))| (id, (began, ends - crate::weave::words::FADE_OUT_SECONDS)))
        .collect();
    let inner = voices.bypass_change_detection();
    let mut changed = inner.set(Voice::Show, chosen);
    if inner.timetable != timetable {
        inner.timetable = timetable;
        changed = true;
    }
    if changed {
        voices.set_changed();
    }
    *chosen_for = Some(moment);
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

/// One thing the protocol did to a thread, as a Bevy message, so that any number of readers (the
/// OSC output, …) see it as it happens; [`ProtocolEvents`] still gathers them for the store's log.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadFate(pub ProtocolEvent);

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
    mut fates: MessageWriter<ThreadFate>,
    mut current_loop: Local<Option<u64>>,
    mut timed_story: Local<Option<(f32, Vec<(NarrativeId, u32, Option<u32>)>)>>,
) {
    // The archive is read in place, and only when it changed: a frame costs nothing per thread
    // until the protocol ticks. A timed archive (an exhibition's log, a replay) is read at each
    // tick instead: narratives join the protocol at their own moments.
    let timed = archive.is_timed();
    if archive.is_changed() && !timed {
        protocol.sync(archive.displayed());
    }
    let target = (clock.seconds / TICK_SECONDS).floor().max(0.0) as u64;
    let (loop_index, ticks_wanted, loop_ticks) = match &show {
        Some(show) => {
            let loop_ticks = ((show.0.loop_seconds() / TICK_SECONDS).round() as u64).max(1);
            (target / loop_ticks, target % loop_ticks, loop_ticks)
        }
        None => (0, target, 0),
    };
    let loop_start = (loop_index * loop_ticks) as f32 * TICK_SECONDS;
    let seconds_of_tick = |tick: u64| loop_start + tick as f32 * TICK_SECONDS;
    // News that changes what the protocol has already been through: it starts the night again.
    // (Compared at the tick the protocol has reached: nothing came or went between the last
    // sync and it, or it would have synced there, so the story kept is the story up to it.)
    let story_changed = timed
        && archive.is_changed()
        && timed_story.as_ref().is_some_and(|(_, history)| {
            archive.history_until(seconds_of_tick(protocol.tick_count())) != *history
        });
    // A new loop of the show, or the clock set back: the night begins again.
    if *current_loop != Some(loop_index) || protocol.tick_count() > ticks_wanted || story_changed {
        *protocol = Protocol::new(scape.seed);
        if timed {
            let at = seconds_of_tick(0);
            protocol.sync(archive.displayed_at(at).iter());
            *timed_story = Some((at, archive.history_until(at)));
        } else {
            protocol.sync(archive.displayed());
        }
        *current_loop = Some(loop_index);
    }
    // Catching up many ticks at once (a still far into the dream) is not worth a log line each.
    let catching_up = ticks_wanted.saturating_sub(protocol.tick_count()) > 10;
    while protocol.tick_count() < ticks_wanted {
        if timed {
            let at = seconds_of_tick(protocol.tick_count());
            let since = timed_story.as_ref().map_or(f32::NEG_INFINITY, |(t, _)| *t);
            if !archive.instants_between(since, at).is_empty() {
                protocol.sync(archive.displayed_at(at).iter());
                *timed_story = Some((at, archive.history_until(at)));
            }
        }
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
        if !happened.is_empty() {
            fates.write_batch(happened.iter().copied().map(ThreadFate));
        }
        events.0.extend(happened);
        if protocol.tick_count().is_multiple_of(TICKS_PER_READING) {
            if history.readings.len() == HISTORY_READINGS {
                history.readings.pop_front();
            }
            let reading = measure(&protocol);
            if !catching_up && reading.tick.is_multiple_of(10 * TICKS_PER_READING) {
                info!(
                    "diversity at {:.0} s: {} visible, {} dissolved, origin entropy {:.3}, hue entropy {:.3}, homogenisation {:.3}",
                    reading.tick as f32 * TICK_SECONDS,
                    reading.visible,
                    reading.dissolved,
                    reading.origin_entropy,
                    reading.hue_entropy,
                    reading.homogenisation
                );
            }
            history.readings.push_back(reading);
        }
    }
    if let Some(show) = &show {
        let playing = show.0.phase_at(clock.seconds).0.policy;
        if *policy != playing {
            *policy = playing;
        }
    }
}

/// The Sanctuary's span as the show plays it at `seconds`: since when its phase plays, or — its
/// bridges still fading — when the last one began and ended; `None` otherwise.
fn sanctuary_in_show(show: &Show, seconds: f32) -> Option<(f32, Option<f32>)> {
    let (phase, into) = show.phase_at(seconds);
    let began = seconds - into;
    if phase.policy.mode == Mode::Sanctuary {
        return Some((began, None));
    }
    if into >= crate::weave::loom::UNRAVEL_SECONDS || began <= 0.0 {
        return None;
    }
    let before = began - 1e-3;
    let (previous, previous_into) = show.phase_at(before);
    (previous.policy.mode == Mode::Sanctuary).then_some((before - previous_into, Some(began)))
}

/// Gives each thread on the loom the identity and presence the protocol left it, and lets the
/// Sanctuary bridge kin threads while its mode plays.
fn hand_fate_to_loom(
    protocol: Res<Protocol>,
    policy: Res<CouncilPolicy>,
    clock: Res<DreamClock>,
    show: Option<Res<ShowPlaying>>,
    mut loom: ResMut<Loom>,
    mut sanctuary_since: Local<Option<f32>>,
    replayed: Option<Res<ReplayedFates>>,
) {
    // A replay of the log: the fates it tells, at the clock's moment.
    if let Some(replayed) = replayed {
        let changed = loom.bypass_change_detection().set_fate(|id| {
            Some(
                replayed
                    .0
                    .get(&id)
                    .map_or((1.0, 1.0), |fates| fate_at(fates, clock.seconds)),
            )
        });
        if changed {
            loom.set_changed();
        }
        return;
    }
    if let Some(show) = &show {
        // The show knows when its Sanctuary began and ended: the bridges follow the clock, the
        // same on every machine, whenever it started.
        let span = sanctuary_in_show(&show.0, clock.seconds);
        if loom.sanctuary_span() != span {
            loom.set_sanctuary_span(span);
        }
        *sanctuary_since = span
            .filter(|(_, ended)| ended.is_none())
            .map(|(start, _)| start);
    }
    let in_sanctuary = policy.mode == Mode::Sanctuary;
    if show.is_none() && in_sanctuary != sanctuary_since.is_some() {
        // The show knows when its phase began; otherwise the council switched now.
        let since = show.as_ref().map_or(clock.seconds, |s| {
            let (_, into) = s.0.phase_at(clock.seconds);
            clock.seconds - into
        });
        *sanctuary_since = in_sanctuary.then_some(since);
        loom.set_sanctuary(*sanctuary_since, clock.seconds);
    }
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
