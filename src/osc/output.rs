//! OSC out: the piece tells every `send_to` address what happens — threads woven, dissolved,
//! preserved, restored and withdrawn, the show's segment, the diversity meter — from one
//! non-blocking UDP socket. A send that fails is dropped (logged once per address): the piece
//! never waits on a listener.

use std::{
    collections::{HashMap, HashSet},
    net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket},
};

use bevy::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};

use crate::{
    clock::DreamClock,
    narrative::{Narrative, NarrativeArchive, NarrativeId},
    palette::palette_for_origin,
    protocol::{
        DiversityHistory, ShowPlaying, ThreadFate,
        diversity::{Diversity, measure},
        sim::{Protocol, ProtocolEvent},
    },
};

/// A thread joined the cloak.
pub const WOVEN: &str = "/dreamloom/thread/woven";
/// The protocol dissolved a thread.
pub const DISSOLVED: &str = "/dreamloom/thread/dissolved";
/// The Sanctuary held a thread the protocol pulled at.
pub const PRESERVED: &str = "/dreamloom/thread/preserved";
/// A dissolving thread was whole again.
pub const RESTORED: &str = "/dreamloom/thread/restored";
/// A thread left the cloak: its owner withdrew it (or it was hidden).
pub const WITHDRAWN: &str = "/dreamloom/thread/withdrawn";
/// The show's phase under the clock changed.
pub const SEGMENT: &str = "/dreamloom/show/segment";
/// The diversity meter.
pub const METER: &str = "/dreamloom/meter";

/// The piece's OSC output: one socket, every address it sends to.
#[derive(Resource, Debug)]
pub struct OscOut {
    socket: UdpSocket,
    targets: Vec<SocketAddr>,
    /// Targets a failed send was logged for.
    warned: HashSet<SocketAddr>,
    /// Meter messages a second (0: none).
    meter_hz: f32,
    /// Datagrams sent (one per message and target).
    pub sent: u64,
    /// Datagrams that could not be sent.
    pub dropped: u64,
}

impl OscOut {
    /// A non-blocking socket on any free port, sending to `targets` (IPv6 when every target is).
    pub fn open(targets: Vec<SocketAddr>, meter_hz: f32) -> std::io::Result<Self> {
        let any = if !targets.is_empty() && targets.iter().all(SocketAddr::is_ipv6) {
            SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
        } else {
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
        };
        let socket = UdpSocket::bind(any)?;
        socket.set_nonblocking(true)?;
        Ok(Self {
            socket,
            targets,
            warned: HashSet::new(),
            meter_hz,
            sent: 0,
            dropped: 0,
        })
    }

    /// Sends one message to every target, without waiting. A failed send is counted in
    /// [`OscOut::dropped`] and logged once per target.
    pub fn send(&mut self, address: &str, args: Vec<OscType>) {
        let packet = OscPacket::Message(OscMessage {
            addr: address.to_owned(),
            args,
        });
        let bytes = match rosc::encoder::encode(&packet) {
            Ok(bytes) => bytes,
            Err(error) => {
                error!("OSC output: {address} could not be encoded: {error}");
                return;
            }
        };
        for target in &self.targets {
            match self.socket.send_to(&bytes, target) {
                Ok(_) => self.sent += 1,
                Err(error) => {
                    self.dropped += 1;
                    if self.warned.insert(*target) {
                        warn!(
                            "OSC output to {target}: {error} (messages to it are dropped while \
                             this lasts; logged once)"
                        );
                    }
                }
            }
        }
    }
}

/// What the output tells about a thread, kept so a withdrawn thread (its text already erased)
/// can still be described.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts {
    /// Hue of its origin's palette, degrees.
    hue: f32,
    /// Its text's length in characters.
    chars: i32,
    sanctuary: bool,
}

impl Facts {
    fn of(narrative: &Narrative) -> Self {
        Self {
            hue: palette_for_origin(&narrative.origin).hue,
            chars: i32::try_from(narrative.text.chars().count()).unwrap_or(i32::MAX),
            sanctuary: narrative.consent.sanctuary,
        }
    }

    /// `,fiii`: hue, characters, Sanctuary (1/0), narrative id (`h`, a 64-bit int, past
    /// `i32::MAX`).
    fn args(self, id: NarrativeId) -> Vec<OscType> {
        vec![
            OscType::Float(self.hue),
            OscType::Int(self.chars),
            OscType::Int(i32::from(self.sanctuary)),
            i32::try_from(id.0).map_or_else(
                |_| OscType::Long(i64::try_from(id.0).unwrap_or(i64::MAX)),
                OscType::Int,
            ),
        ]
    }
}

/// Threads' fates as they happen (the protocol's [`ThreadFate`] messages), and threads woven in
/// or withdrawn (the archive's displayed narratives, compared with the frame before). The
/// archive the piece starts with is taken as already there: no message for each of its threads.
pub(super) fn send_thread_events(
    mut out: ResMut<OscOut>,
    archive: Res<NarrativeArchive>,
    mut fates: MessageReader<ThreadFate>,
    mut known: Local<Option<HashMap<NarrativeId, Facts>>>,
) {
    let first = known.is_none();
    let known = known.get_or_insert_with(|| {
        archive
            .displayed()
            .map(|narrative| (narrative.id, Facts::of(narrative)))
            .collect()
    });
    for ThreadFate(event) in fates.read() {
        let (address, id) = match *event {
            ProtocolEvent::Dissolved(id) => (DISSOLVED, id),
            ProtocolEvent::Preserved(id) => (PRESERVED, id),
            ProtocolEvent::Restored(id) => (RESTORED, id),
        };
        let facts = known.get(&id).copied().or_else(|| {
            archive
                .narratives
                .iter()
                .find(|narrative| narrative.id == id)
                .map(Facts::of)
        });
        if let Some(facts) = facts {
            out.send(address, facts.args(id));
        }
    }
    if first || !archive.is_changed() {
        return;
    }
    let mut now = HashMap::with_capacity(known.len() + 1);
    for narrative in archive.displayed() {
        let facts = known.remove(&narrative.id).unwrap_or_else(|| {
            let facts = Facts::of(narrative);
            out.send(WOVEN, facts.args(narrative.id));
            facts
        });
        now.insert(narrative.id, facts);
    }
    let mut gone: Vec<(NarrativeId, Facts)> = known.drain().collect();
    gone.sort_by_key(|(id, _)| *id);
    for (id, facts) in gone {
        out.send(WITHDRAWN, facts.args(id));
    }
    *known = now;
}

/// The show's phase, each time the one under the clock changes (and when the show starts).
pub(super) fn send_segment(
    mut out: ResMut<OscOut>,
    clock: Res<DreamClock>,
    show: Option<Res<ShowPlaying>>,
    mut last: Local<Option<String>>,
) {
    let Some(show) = show else {
        *last = None;
        return;
    };
    let (phase, _) = show.0.phase_at(clock.seconds);
    if last.as_deref() == Some(phase.name.as_str()) {
        return;
    }
    *last = Some(phase.name.clone());
    out.send(SEGMENT, vec![OscType::String(phase.name.clone())]);
}

/// The diversity meter, `meter_hz` times a second of real time: the last reading of the
/// protocol's history (one a second of dream time), or a fresh one before the first.
pub(super) fn send_meter(
    mut out: ResMut<OscOut>,
    time: Res<Time<Real>>,
    history: Res<DiversityHistory>,
    protocol: Res<Protocol>,
    mut next: Local<f64>,
) {
    if out.meter_hz.is_nan() || out.meter_hz <= 0.0 {
        return;
    }
    let now = time.elapsed_secs_f64();
    if now < *next {
        return;
    }
    let period = 1.0 / f64::from(out.meter_hz);
    // Keep the beat; after a stall, start again from now rather than send a burst.
    *next = if now - *next > period {
        now + period
    } else {
        *next + period
    };
    let measured: Diversity;
    let reading = if let Some(last) = history.readings.back() {
        last
    } else {
        measured = measure(&protocol);
        &measured
    };
    let count = |n: usize| OscType::Int(i32::try_from(n).unwrap_or(i32::MAX));
    let args = vec![
        OscType::Float(reading.origin_entropy),
        OscType::Float(reading.hue_entropy),
        OscType::Float(reading.homogenisation),
        count(reading.visible),
        count(reading.dissolved),
    ];
    out.send(METER, args);
}
