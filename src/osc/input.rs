//! OSC in: a UDP socket on its own thread decodes packets and hands them to the piece over a
//! channel; bundles wait for their time tag; each message is matched against the address space
//! ([`super::address`]) and applied whole, or refused with one log line per address.

use std::{
    collections::HashSet,
    io::ErrorKind,
    net::{SocketAddr, UdpSocket},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, SystemTime},
};

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime};

use super::{
    OscStats,
    address::{self, CouncilField, CouncilValue, Cue, Segment, View},
};
use crate::{
    camera::{CameraRig, Flight},
    clock::DreamClock,
    narrative::{NarrativeId, StoreHandle, receipt::Receipt, store::Status},
    protocol::{
        ShowPlaying,
        policy::CouncilPolicy,
        show::{Phase, Show},
    },
    tuning::preset::{Preset, SHIPPED},
    weave::{FOCUS_DISTANCE, FOCUS_FLIGHT_SECONDS, Focus},
};

/// How long the listening thread waits for a packet before it looks whether the piece is gone.
const READ_TIMEOUT: Duration = Duration::from_millis(100);
/// Packets waiting for the next frame, at most; a flood beyond it is dropped, not queued.
const INBOX: usize = 1024;
/// Messages held for a later time, at most.
const SCHEDULED_MAX: usize = 4096;
/// Addresses remembered as already warned about, at most (a sender making up addresses cannot
/// grow the set without bound).
const WARNED_MAX: usize = 1024;
/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u32 = 2_208_988_800;

/// When a bundle with time tag `tag` is due: `None` for "immediately" (the tag 1, or any time
/// before 1970, which has passed); otherwise the time.
#[must_use]
pub fn due_time(tag: OscTime) -> Option<SystemTime> {
    (tag.seconds >= NTP_UNIX_OFFSET).then(|| SystemTime::from(tag))
}

/// A message and when it is due (`None`: now).
#[derive(Debug)]
struct Timed {
    due: Option<SystemTime>,
    message: OscMessage,
}

/// Where the piece's OSC input is, and what waits to be applied.
#[derive(Resource)]
pub struct OscIn {
    packets: Receiver<OscPacket>,
    stop: Arc<AtomicBool>,
    /// Messages held for their time, earliest first (arrival order among equal times).
    scheduled: Vec<(SystemTime, OscMessage)>,
    /// Addresses already warned about.
    warned: HashSet<String>,
    answers_tx: Sender<ThreadAnswer>,
    answers: Receiver<ThreadAnswer>,
}

impl Drop for OscIn {
    fn drop(&mut self) {
        // The thread sees it within READ_TIMEOUT and ends, closing the socket.
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The store's answer about a receipt code a cue named.
struct ThreadAnswer {
    receipt: Receipt,
    voice: bool,
    /// The narrative and whether its thread is on the cloak.
    found: Result<(NarrativeId, bool), String>,
}

/// Binds `listen` and starts the thread that receives on it; returns the input and the address
/// it is bound to (port 0 picks a free one).
pub(super) fn listen(listen: SocketAddr) -> std::io::Result<(OscIn, SocketAddr)> {
    let socket = UdpSocket::bind(listen)?;
    socket.set_read_timeout(Some(READ_TIMEOUT))?;
    let local = socket.local_addr()?;
    let (tx, packets) = bounded(INBOX);
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("dreamloom-osc-in".into())
        .spawn(move || receive(&socket, &tx, &stopped))?;
    let (answers_tx, answers) = unbounded();
    Ok((
        OscIn {
            packets,
            stop,
            scheduled: Vec::new(),
            warned: HashSet::new(),
            answers_tx,
            answers,
        },
        local,
    ))
}

/// The listening thread: decodes each datagram and passes it on, until the piece is gone.
fn receive(socket: &UdpSocket, tx: &Sender<OscPacket>, stop: &AtomicBool) {
    // The largest UDP payload: nothing is cut short.
    let mut buffer = vec![0u8; 65_536];
    let (mut warned_malformed, mut warned_full, mut warned_error) = (false, false, false);
    while !stop.load(Ordering::Relaxed) {
        let (len, from) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(error) => {
                if !warned_error {
                    error!("OSC input: {error} (further errors are not logged)");
                    warned_error = true;
                }
                std::thread::sleep(READ_TIMEOUT);
                continue;
            }
        };
        let Some(datagram) = buffer.get(..len) else {
            continue;
        };
        match rosc::decoder::decode_udp(datagram) {
            Ok((_, packet)) => match tx.try_send(packet) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    if !warned_full {
                        warn!(
                            "OSC input: more than {INBOX} packets wait for one frame; packets are \
                             dropped until the piece catches up (logged once)"
                        );
                        warned_full = true;
                    }
                }
                Err(TrySendError::Disconnected(_)) => return,
            },
            Err(error) => {
                if !warned_malformed {
                    warn!(
                        "OSC input: a packet from {from} is not OSC ({error}); such packets are \
                         dropped (logged once)"
                    );
                    warned_malformed = true;
                }
            }
        }
    }
}

/// Messages of `packet` with when each is due; a bundle inside another is never due before it.
fn flatten(packet: OscPacket, due: Option<SystemTime>, out: &mut Vec<Timed>) {
    match packet {
        OscPacket::Message(message) => out.push(Timed { due, message }),
        OscPacket::Bundle(OscBundle { timetag, content }) => {
            let due = match (due, due_time(timetag)) {
                (Some(outer), Some(inner)) => Some(outer.max(inner)),
                (outer, inner) => outer.or(inner),
            };
            for inner in content {
                flatten(inner, due, out);
            }
        }
    }
}

/// Whether a packet, a store's answer or a scheduled message waits (so the exclusive system runs
/// only on frames with something to do).
pub(super) fn cues_waiting(osc: Option<Res<OscIn>>) -> bool {
    osc.is_some_and(|osc| {
        !osc.packets.is_empty()
            || !osc.answers.is_empty()
            || osc
                .scheduled
                .first()
                .is_some_and(|(due, _)| *due <= SystemTime::now())
    })
}

/// Applies every message due: scheduled ones whose time has come, then those that just arrived
/// (a bundle's messages in one frame), then the store's answers about receipt codes.
pub(super) fn apply_cues(world: &mut World) {
    world.resource_scope(|world, mut osc: Mut<OscIn>| {
        let osc = &mut *osc;
        let now = SystemTime::now();
        let due_count = osc.scheduled.partition_point(|(due, _)| *due <= now);
        let mut ready: Vec<OscMessage> = osc
            .scheduled
            .drain(..due_count)
            .map(|(_, message)| message)
            .collect();
        let mut arrived = Vec::new();
        while let Ok(packet) = osc.packets.try_recv() {
            flatten(packet, None, &mut arrived);
        }
        for Timed { due, message } in arrived {
            match due {
                Some(due) if due > now => {
                    if osc.scheduled.len() >= SCHEDULED_MAX {
                        warn_once(
                            &mut osc.warned,
                            "scheduled",
                            format!(
                                "{SCHEDULED_MAX} messages already wait for their time; \
                                 {} and later ones are dropped",
                                message.addr
                            ),
                        );
                        continue;
                    }
                    let at = osc.scheduled.partition_point(|(other, _)| *other <= due);
                    osc.scheduled.insert(at, (due, message));
                }
                _ => ready.push(message),
            }
        }
        if let Some(mut stats) = world.get_resource_mut::<OscStats>() {
            stats.received += ready.len() as u64;
        }
        for message in &ready {
            apply_message(world, osc, message);
        }
        while let Ok(answer) = osc.answers.try_recv() {
            take_answer(world, answer);
        }
    });
}

/// Logs `why` once for `key` (an address), counts the refusal.
fn refuse(world: &mut World, warned: &mut HashSet<String>, key: &str, why: String) {
    if let Some(mut stats) = world.get_resource_mut::<OscStats>() {
        stats.refused += 1;
    }
    warn_once(warned, key, why);
}

/// Logs `why` unless `key` was warned about before.
fn warn_once(warned: &mut HashSet<String>, key: &str, why: String) {
    if warned.contains(key) {
        return;
    }
    if warned.len() >= WARNED_MAX {
        if warned.insert(String::new()) {
            warn!("OSC input: too many different refusals; no more are logged");
        }
        return;
    }
    warned.insert(key.to_owned());
    warn!("OSC input: {why} (refused; logged once for this address)");
}

/// Applies one message whole, or refuses it whole.
fn apply_message(world: &mut World, osc: &mut OscIn, message: &OscMessage) {
    let methods = address::methods_for(&message.addr);
    if methods.is_empty() {
        refuse(
            world,
            &mut osc.warned,
            &message.addr,
            format!(
                "{} is not an address of the piece (see the README's \"Show control (OSC)\")",
                message.addr
            ),
        );
        return;
    }
    let cues: Result<Vec<Cue>, String> = methods
        .iter()
        .map(|(path, method)| address::parse(path, *method, &message.args))
        .collect();
    let planned = cues.and_then(|cues| plan(world, &cues));
    match planned {
        Ok(plan) => {
            commit(world, osc, plan);
            if let Some(mut stats) = world.get_resource_mut::<OscStats>() {
                stats.applied += 1;
            }
        }
        Err(why) => refuse(world, &mut osc.warned, &message.addr, why),
    }
}

/// What the show does after a message.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ShowChange {
    #[default]
    Keep,
    Start,
    Stop,
}

/// Everything a message changes, checked before anything is changed.
#[derive(Default)]
struct Plan {
    show: ShowChange,
    clock: Option<f32>,
    policy: Option<CouncilPolicy>,
    preset: Option<Preset>,
    view: Option<View>,
    thread: Option<(Receipt, bool)>,
}

fn plan(world: &World, cues: &[Cue]) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let mut policy = world
        .get_resource::<CouncilPolicy>()
        .copied()
        .unwrap_or_default();
    let mut council = false;
    for cue in cues {
        match cue {
            Cue::Nothing => {}
            Cue::ShowGo => plan.show = ShowChange::Start,
            Cue::ShowStop => plan.show = ShowChange::Stop,
            Cue::Segment(segment) => {
                let seconds = world
                    .get_resource::<DreamClock>()
                    .map_or(0.0, |c| c.seconds);
                let at = match world.get_resource::<ShowPlaying>() {
                    Some(playing) => segment_start(&playing.0, segment, seconds)?,
                    None => segment_start(&Show::embedded(), segment, seconds)?,
                };
                plan.clock = Some(at);
                plan.show = ShowChange::Start;
            }
            Cue::Council(field, value) => {
                set_field(&mut policy, *field, *value)?;
                council = true;
            }
            Cue::Preset(name) => {
                // Shipped looks only: a cue from the network does not name files to read.
                if !SHIPPED.iter().any(|(shipped, _)| *shipped == name.as_str()) {
                    let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "'{name}' is not a shipped preset; use one of {}",
                        names.join(", ")
                    ));
                }
                plan.preset = Some(Preset::load(name).map_err(|e| e.to_string())?);
            }
            Cue::View(view) => plan.view = Some(*view),
            Cue::Thread { receipt, voice } => {
                if !world.contains_resource::<StoreHandle>() {
                    return Err(
                        "finding a thread by its receipt code needs the store, and this piece has none"
                            .to_owned(),
                    );
                }
                plan.thread = Some((*receipt, *voice));
            }
        }
    }
    if council {
        policy
            .validate()
            .map_err(|error| format!("the council's policy would be out of range: {error}"))?;
        plan.policy = Some(policy);
        // The council's word is an override: the show would set its own policy on the next tick.
        plan.show = ShowChange::Stop;
    }
    Ok(plan)
}

fn set_field(
    policy: &mut CouncilPolicy,
    field: CouncilField,
    value: CouncilValue,
) -> Result<(), String> {
    let number = match (field, value) {
        (CouncilField::Mode, CouncilValue::Mode(mode)) => {
            policy.mode = mode;
            return Ok(());
        }
        (CouncilField::Mode, CouncilValue::Number(_)) | (_, CouncilValue::Mode(_)) => {
            return Err(format!("{field:?} cannot take {value:?}"));
        }
        (_, CouncilValue::Number(number)) => number,
    };
    let slot = match field {
        CouncilField::SynchStrength => &mut policy.synch_strength,
        CouncilField::Balance => &mut policy.balance,
        CouncilField::OriginFloor => &mut policy.origin_floor,
        CouncilField::DissolveBelow => &mut policy.dissolve_below,
        CouncilField::DissolveRate => &mut policy.dissolve_rate,
        CouncilField::FinalPoint => &mut policy.final_point,
        CouncilField::RecoveryRate => &mut policy.recovery_rate,
        CouncilField::Mode => return Err("mode is not a number".to_owned()),
    };
    *slot = number;
    Ok(())
}

/// A phase name without case, spaces or punctuation: "the sleep-confluence" names "The Sleep
/// Confluence".
fn simple(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Clock seconds at the start of `segment` in the loop of `show` playing at `seconds`.
fn segment_start(show: &Show, segment: &Segment, seconds: f32) -> Result<f32, String> {
    let index = match segment {
        Segment::Index(index) => (*index < show.phases.len()).then_some(*index),
        Segment::Named(name) => {
            let wanted = simple(name);
            show.phases.iter().position(|p| simple(&p.name) == wanted)
        }
    };
    let Some(index) = index else {
        let names: Vec<String> = show
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{i}: {}", p.name))
            .collect();
        return Err(format!(
            "the show has no phase {segment:?}; its phases are {}",
            names.join(", ")
        ));
    };
    let wanted: &Phase = &show.phases[index];
    let into: f32 = show.phases[..index].iter().map(|p| p.seconds).sum();
    let loop_seconds = show.loop_seconds();
    let mut at = (seconds / loop_seconds).floor().max(0.0) * loop_seconds + into;
    // Rounding may leave the start a hair inside the phase before: step into this one.
    for _ in 0..64 {
        if std::ptr::eq(show.phase_at(at).0, wanted) {
            break;
        }
        at = at.next_up();
    }
    Ok(at)
}

fn commit(world: &mut World, osc: &OscIn, plan: Plan) {
    let Plan {
        show,
        clock,
        policy,
        preset,
        view,
        thread,
    } = plan;
    match show {
        ShowChange::Keep => {}
        ShowChange::Start => {
            if !world.contains_resource::<ShowPlaying>() {
                world.insert_resource(ShowPlaying(Show::embedded()));
                info!("OSC: the show plays");
            }
        }
        ShowChange::Stop => {
            if world.remove_resource::<ShowPlaying>().is_some() {
                info!("OSC: the show stopped; the council's policy holds");
            }
        }
    }
    if let Some(seconds) = clock
        && let Some(mut dream) = world.get_resource_mut::<DreamClock>()
    {
        dream.seconds = seconds;
    }
    if let Some(policy) = policy
        && let Some(mut council) = world.get_resource_mut::<CouncilPolicy>()
    {
        *council = policy;
    }
    if let Some(preset) = preset {
        world.insert_resource(preset);
    }
    if let Some(view) = view {
        fly_to_view(world, view);
    }
    if let Some((receipt, voice)) = thread {
        ask_store(world, osc, receipt, voice);
    }
}

/// Flies every camera rig to a named view: target and distance as a [`Flight`], the pitch at
/// once (while the show plays, its phases steer the pitch).
fn fly_to_view(world: &mut World, view: View) {
    let seconds = world
        .get_resource::<DreamClock>()
        .map_or(0.0, |c| c.seconds);
    let home = CameraRig::default();
    let (distance, pitch) = match view {
        View::Home => (home.distance, Some(home.pitch)),
        View::Below => (home.distance, Some(-0.35)),
        View::Above => (home.distance, Some(0.5)),
        View::Close => (FOCUS_DISTANCE, None),
    };
    if view == View::Home
        && let Some(mut focus) = world.get_resource_mut::<Focus>()
    {
        focus.0 = None;
    }
    let rigs: Vec<(Entity, CameraRig)> = world
        .query::<(Entity, &CameraRig)>()
        .iter(world)
        .map(|(entity, rig)| (entity, *rig))
        .collect();
    for (entity, rig) in rigs {
        let mut entity = world.entity_mut(entity);
        entity.insert(Flight {
            from_target: rig.target,
            from_distance: rig.distance,
            to_target: home.target,
            to_distance: distance,
            start: seconds,
            duration: FOCUS_FLIGHT_SECONDS,
        });
        if let Some(pitch) = pitch
            && let Some(mut rig) = entity.get_mut::<CameraRig>()
        {
            rig.pitch = pitch;
        }
    }
}

/// Asks the store's writer thread (which holds the one connection that is always there) for the
/// narrative behind `receipt`; the answer comes back over the input's channel.
fn ask_store(world: &World, osc: &OscIn, receipt: Receipt, voice: bool) {
    let Some(store) = world.get_resource::<StoreHandle>() else {
        return;
    };
    let tx = osc.answers_tx.clone();
    let sent = store.0.try_write_detached(move |db| {
        let found = db
            .lookup(receipt)
            .map(|stored| {
                let on_cloak = stored.status == Status::Visible && stored.narrative.consent.display;
                (stored.narrative.id, on_cloak)
            })
            .map_err(|error| error.to_string());
        // The piece may have stopped meanwhile: nobody to tell.
        let _ = tx.send(ThreadAnswer {
            receipt,
            voice,
            found,
        });
    });
    if let Err(error) = sent {
        error!("OSC: could not ask the store about {receipt}: {error}");
    }
}

/// The store answered about a receipt code: the camera flies to the thread, which is highlighted
/// (the weave's [`Focus`]).
fn take_answer(world: &mut World, answer: ThreadAnswer) {
    let ThreadAnswer {
        receipt,
        voice,
        found,
    } = answer;
    match found {
        Ok((id, true)) => {
            if let Some(mut focus) = world.get_resource_mut::<Focus>() {
                focus.0 = Some(id);
            }
            if voice {
                info!("OSC: thread {receipt} found and highlighted (its voice is not spoken yet)");
            } else {
                info!("OSC: the camera flies to thread {receipt}");
            }
        }
        Ok((_, false)) => {
            warn!("OSC: the narrative {receipt} is not on the cloak; the camera stays");
        }
        Err(error) => warn!("OSC: thread {receipt}: {error}; the camera stays"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_tags_before_1970_and_the_immediate_tag_are_due_now() {
        assert_eq!(due_time(OscTime::from((0, 1))), None);
        assert_eq!(due_time(OscTime::from((NTP_UNIX_OFFSET - 1, 0))), None);
        let later = SystemTime::now() + Duration::from_mins(1);
        let due = due_time(OscTime::try_from(later).unwrap()).unwrap();
        let off = due.duration_since(later).unwrap_or_else(|e| e.duration());
        assert!(off < Duration::from_micros(10), "{off:?}");
    }

    #[test]
    fn nested_bundles_are_never_due_before_the_bundle_around_them() {
        let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let tag = |secs: u64| OscTime::try_from(at(secs)).unwrap();
        let message = |addr: &str| {
            OscPacket::Message(OscMessage {
                addr: addr.into(),
                args: Vec::new(),
            })
        };
        let packet = OscPacket::Bundle(OscBundle {
            timetag: tag(2_000_000_000),
            content: vec![
                message("/a"),
                OscPacket::Bundle(OscBundle {
                    timetag: OscTime::from((0, 1)),
                    content: vec![message("/b")],
                }),
                OscPacket::Bundle(OscBundle {
                    timetag: tag(2_000_000_010),
                    content: vec![message("/c")],
                }),
            ],
        });
        let mut out = Vec::new();
        flatten(packet, None, &mut out);
        let dues: Vec<(String, Option<SystemTime>)> =
            out.into_iter().map(|t| (t.message.addr, t.due)).collect();
        assert_eq!(
            dues,
            vec![
                ("/a".to_owned(), Some(at(2_000_000_000))),
                ("/b".to_owned(), Some(at(2_000_000_000))),
                ("/c".to_owned(), Some(at(2_000_000_010))),
            ]
        );
    }

    #[test]
    fn a_segment_starts_at_its_phase_in_the_loop_playing() {
        let show = Show::embedded();
        let loop_seconds = show.loop_seconds();
        let at = segment_start(
            &show,
            &Segment::Named("the sleep-confluence".into()),
            loop_seconds * 2.0 + 10.0,
        )
        .unwrap();
        assert_eq!(show.phase_at(at).0.name, "The Sleep Confluence");
        assert!((at - (loop_seconds * 2.0 + 65.0)).abs() < 1e-3, "{at}");
        let first = segment_start(&show, &Segment::Index(0), 100.0).unwrap();
        assert!(first.abs() < 1e-6);
        assert!(segment_start(&show, &Segment::Index(99), 0.0).is_err());
        assert!(segment_start(&show, &Segment::Named("interval".into()), 0.0).is_err());
    }
}
