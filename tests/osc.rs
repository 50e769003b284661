//! OSC show control without a GPU: the simulation half under `MinimalPlugins` with
//! [`OscPlugin`], real UDP on 127.0.0.1 — cues in (single messages, bundles now and later,
//! patterns, refusals) and events out (threads woven and dissolved, the show's segment, the
//! meter), decoded with rosc.

use std::{
    net::{SocketAddr, UdpSocket},
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use bevy::prelude::*;
use dreamloom::{
    camera::Flight,
    clock::DreamClock,
    narrative::{
        Consent, Narrative, NarrativeArchive, NarrativeId, sample_narratives,
        store::{Seed, Status, Store},
        synthetic::synthetic_narratives,
    },
    osc::{self, OscListening, OscPlugin, OscStats},
    palette::palette_for_origin,
    piece::PieceSettings,
    protocol::{
        ShowPlaying,
        policy::{CouncilPolicy, Mode},
        show::Show,
    },
    testing::{TempDir, dissolving_fast, set_clock, simulation_app, update_until},
    tuning::preset::Preset,
    weave::{FOCUS_DISTANCE, Focus},
};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType, decoder, encoder};

/// The piece on `piece` at 10 s (the show's calm weaving), cues on a free port of 127.0.0.1,
/// events to `send_to`; returns the app, where it listens and a socket to send cues from.
fn piece_with_osc(
    piece: PieceSettings,
    send_to: Vec<SocketAddr>,
    meter_hz: f32,
) -> (App, SocketAddr, UdpSocket) {
    let mut app = simulation_app(piece, 10.0);
    app.add_plugins(OscPlugin {
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        send_to,
        meter_hz,
    });
    app.update();
    let listening = app.world().resource::<OscListening>().0;
    let cues = UdpSocket::bind("127.0.0.1:0").unwrap();
    (app, listening, cues)
}

fn piece() -> PieceSettings {
    PieceSettings::on(synthetic_narratives(40, 1))
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

fn send(from: &UdpSocket, to: SocketAddr, packet: &OscPacket) {
    from.send_to(&encoder::encode(packet).unwrap(), to).unwrap();
}

fn stats(app: &App) -> OscStats {
    *app.world().resource::<OscStats>()
}

/// Updates until `n` messages in all have been applied.
fn until_applied(app: &mut App, n: u64) {
    update_until(app, &format!("{n} OSC messages applied"), |world| {
        world.resource::<OscStats>().applied >= n
    });
}

fn policy(app: &App) -> CouncilPolicy {
    *app.world().resource::<CouncilPolicy>()
}

#[test]
fn council_show_segment_camera_and_preset_cues_apply() {
    let (mut app, to, cues) = piece_with_osc(piece(), Vec::new(), 0.0);

    // A council field: a float, then an int where a float is expected.
    send(
        &cues,
        to,
        &message("/dreamloom/council/balance", vec![OscType::Float(0.3)]),
    );
    until_applied(&mut app, 1);
    assert!((policy(&app).balance - 0.3).abs() < 1e-6);
    send(
        &cues,
        to,
        &message("/dreamloom/council/synch_strength", vec![OscType::Int(1)]),
    );
    send(
        &cues,
        to,
        &message("/dreamloom/council/mode", vec!["neuro-synch".into()]),
    );
    until_applied(&mut app, 3);
    assert!((policy(&app).synch_strength - 1.0).abs() < 1e-6);
    assert_eq!(policy(&app).mode, Mode::NeuroSynch);

    // Go starts the show; the show then sets the council's policy.
    assert!(!app.world().contains_resource::<ShowPlaying>());
    send(&cues, to, &message("/dreamloom/show/go", Vec::new()));
    until_applied(&mut app, 4);
    assert!(app.world().contains_resource::<ShowPlaying>());
    app.update();
    let show = Show::embedded();
    assert_eq!(policy(&app), show.phase_at(10.0).0.policy);

    // A council cue stops the show, and holds.
    send(
        &cues,
        to,
        &message("/dreamloom/council/mode", vec!["sanctuary".into()]),
    );
    until_applied(&mut app, 5);
    assert!(!app.world().contains_resource::<ShowPlaying>());
    app.update();
    assert_eq!(policy(&app).mode, Mode::Sanctuary);

    // A segment moves the clock to its phase in the loop playing, and plays the show.
    send(
        &cues,
        to,
        &message(
            "/dreamloom/show/segment",
            vec!["The Sleep Confluence".into()],
        ),
    );
    until_applied(&mut app, 6);
    let seconds = app.world().resource::<DreamClock>().seconds;
    assert!((seconds - 65.0).abs() < 1e-3, "{seconds}");
    assert_eq!(show.phase_at(seconds).0.name, "The Sleep Confluence");
    assert!(app.world().contains_resource::<ShowPlaying>());
    assert_eq!(policy(&app), show.phase_at(seconds).0.policy);

    // Stop: the show is gone, its last policy stays.
    send(
        &cues,
        to,
        &message("/dreamloom/show/stop", vec![OscType::Float(1.0)]),
    );
    until_applied(&mut app, 7);
    assert!(!app.world().contains_resource::<ShowPlaying>());
    app.update();
    assert_eq!(policy(&app), show.phase_at(seconds).0.policy);

    // A named view flies the camera; a shipped preset becomes the look.
    send(
        &cues,
        to,
        &message("/dreamloom/camera/view", vec!["close".into()]),
    );
    send(
        &cues,
        to,
        &message("/dreamloom/preset", vec!["sanctuary".into()]),
    );
    until_applied(&mut app, 9);
    let world = app.world_mut();
    let flight = *world.query::<&Flight>().single(world).unwrap();
    assert!((flight.to_distance - FOCUS_DISTANCE).abs() < 1e-6);
    assert_eq!(
        app.world().resource::<Preset>(),
        &Preset::load("sanctuary").unwrap()
    );
    assert_eq!(stats(&app).refused, 0);
}

#[test]
fn a_bundle_applies_its_messages_in_one_frame() {
    let (mut app, to, cues) = piece_with_osc(piece(), Vec::new(), 0.0);
    let bundle = OscPacket::Bundle(OscBundle {
        timetag: OscTime::from((0, 1)),
        content: vec![
            message("/dreamloom/council/balance", vec![OscType::Float(0.4)]),
            message(
                "/dreamloom/council/origin_floor",
                vec![OscType::Double(0.1)],
            ),
        ],
    });
    send(&cues, to, &bundle);
    // The first frame that applies anything applies both.
    until_applied(&mut app, 1);
    assert_eq!(stats(&app).applied, 2);
    assert!((policy(&app).balance - 0.4).abs() < 1e-6);
    assert!((policy(&app).origin_floor - 0.1).abs() < 1e-6);
}

#[test]
fn a_bundle_for_later_waits_for_its_time() {
    let (mut app, to, cues) = piece_with_osc(piece(), Vec::new(), 0.0);
    let before = policy(&app).balance;
    let sent = Instant::now();
    let due = SystemTime::now() + Duration::from_millis(300);
    let bundle = OscPacket::Bundle(OscBundle {
        timetag: OscTime::try_from(due).unwrap(),
        content: vec![message(
            "/dreamloom/council/balance",
            vec![OscType::Float(0.55)],
        )],
    });
    send(&cues, to, &bundle);
    let mut applied_after = None;
    while sent.elapsed() < Duration::from_secs(5) {
        app.update();
        if (policy(&app).balance - 0.55).abs() < 1e-6 {
            applied_after = Some(sent.elapsed());
            break;
        }
        assert!((policy(&app).balance - before).abs() < 1e-6);
        std::thread::sleep(Duration::from_millis(5));
    }
    let applied_after = applied_after.expect("the scheduled bundle was applied");
    // SystemTime and Instant may disagree by a hair: allow 20 ms.
    assert!(
        applied_after >= Duration::from_millis(280),
        "applied after {applied_after:?}"
    );
}

#[test]
fn a_pattern_sets_every_address_it_matches() {
    let (mut app, to, cues) = piece_with_osc(piece(), Vec::new(), 0.0);
    send(
        &cues,
        to,
        &message(
            "/dreamloom/council/{synch_strength,balance}",
            vec![OscType::Float(0.25)],
        ),
    );
    until_applied(&mut app, 1);
    assert!((policy(&app).synch_strength - 0.25).abs() < 1e-6);
    assert!((policy(&app).balance - 0.25).abs() < 1e-6);
    send(&cues, to, &message("/dreamloom/show/g?", Vec::new()));
    until_applied(&mut app, 2);
    assert!(app.world().contains_resource::<ShowPlaying>());
}

#[test]
fn wrong_arguments_and_unknown_addresses_change_nothing() {
    let (mut app, to, cues) = piece_with_osc(piece(), Vec::new(), 0.0);
    let policy_before = policy(&app);
    let clock_before = *app.world().resource::<DreamClock>();
    let refused = [
        message("/dreamloom/council/balance", vec!["high".into()]),
        message("/dreamloom/council/balance", Vec::new()),
        message("/dreamloom/council/balance", vec![OscType::Float(7.0)]),
        message("/dreamloom/council/mode", vec!["sideways".into()]),
        message("/dreamloom/nowhere", vec![OscType::Int(1)]),
        // Matches stop (which takes no name) and segment: refused whole, the show not started.
        message("/dreamloom/show/s*", vec!["Aftermath".into()]),
        message("/dreamloom/show/segment", vec!["Interval".into()]),
        message("/dreamloom/preset", vec!["/etc/passwd".into()]),
        message("/dreamloom/camera/view", vec!["sideways".into()]),
        // No store in this piece.
        message("/dreamloom/camera/thread", vec!["ABCD-2345".into()]),
    ];
    for packet in &refused {
        send(&cues, to, packet);
        // The same again: refused again (logged once).
        send(&cues, to, packet);
    }
    // Not OSC at all: dropped by the listening thread.
    cues.send_to(b"hello, loom", to).unwrap();
    send(
        &cues,
        to,
        &message(
            "/dreamloom/council/recovery_rate",
            vec![OscType::Float(0.5)],
        ),
    );
    until_applied(&mut app, 1);
    assert_eq!(
        stats(&app).refused,
        2 * u64::try_from(refused.len()).unwrap()
    );
    assert_eq!(
        policy(&app),
        CouncilPolicy {
            recovery_rate: 0.5,
            ..policy_before
        }
    );
    assert_eq!(*app.world().resource::<DreamClock>(), clock_before);
    assert!(!app.world().contains_resource::<ShowPlaying>());
    assert!(!app.world().contains_resource::<Preset>());
}

#[test]
fn a_receipt_code_flies_the_camera_to_its_thread() {
    let dir = TempDir::new("osc-thread");
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let reader = store.reader().unwrap();
    let wanted = reader
        .narratives()
        .unwrap()
        .into_iter()
        .find(|n| n.status == Status::Visible && n.narrative.consent.display)
        .unwrap();
    let (mut app, to, cues) = piece_with_osc(
        PieceSettings {
            store: Some(Arc::new(store)),
            ..PieceSettings::on(reader.displayed().unwrap())
        },
        Vec::new(),
        0.0,
    );
    send(
        &cues,
        to,
        &message(
            "/dreamloom/thread/voice",
            vec![wanted.receipt.to_string().into()],
        ),
    );
    update_until(&mut app, "the found thread", |world| {
        world.resource::<Focus>().0 == Some(wanted.narrative.id)
    });
    app.update();
    let world = app.world_mut();
    assert!(world.query::<&Flight>().single(world).is_ok());
}

/// A socket to receive the piece's events on.
fn listener() -> (UdpSocket, SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let address = socket.local_addr().unwrap();
    (socket, address)
}

fn flatten(packet: OscPacket, out: &mut Vec<OscMessage>) {
    match packet {
        OscPacket::Message(message) => out.push(message),
        OscPacket::Bundle(bundle) => {
            for inner in bundle.content {
                flatten(inner, out);
            }
        }
    }
}

/// Every message that arrives until none has for 200 ms.
fn drain(socket: &UdpSocket) -> Vec<OscMessage> {
    let mut buffer = vec![0u8; 65_536];
    let mut out = Vec::new();
    while let Ok(len) = socket.recv(&mut buffer) {
        let (_, packet) = decoder::decode_udp(&buffer[..len]).unwrap();
        flatten(packet, &mut out);
    }
    out
}

fn thread_args(narrative: &Narrative) -> Vec<OscType> {
    vec![
        OscType::Float(palette_for_origin(&narrative.origin).hue),
        OscType::Int(i32::try_from(narrative.text.chars().count()).unwrap()),
        OscType::Int(i32::from(narrative.consent.sanctuary)),
        OscType::Int(i32::try_from(narrative.id.0).unwrap()),
    ]
}

#[test]
fn threads_woven_and_withdrawn_are_told() {
    let (events, events_at) = listener();
    let (mut app, _, _) = piece_with_osc(piece(), vec![events_at], 0.0);
    app.update();
    // The threads the piece started with are not announced.
    assert!(
        drain(&events)
            .iter()
            .all(|m| m.addr != osc::WOVEN && m.addr != osc::WITHDRAWN)
    );
    let new = Narrative {
        id: NarrativeId(90_001),
        text: "I swam through a library of rain.".into(),
        origin: "Tamil, Chennai".into(),
        language: None,
        consent: Consent {
            display: true,
            sanctuary: true,
        },
    };
    app.world_mut()
        .resource_mut::<NarrativeArchive>()
        .narratives
        .push(new.clone());
    app.update();
    let woven: Vec<OscMessage> = drain(&events)
        .into_iter()
        .filter(|m| m.addr == osc::WOVEN)
        .collect();
    assert_eq!(woven.len(), 1, "{woven:?}");
    assert_eq!(woven[0].args, thread_args(&new));

    app.world_mut()
        .resource_mut::<NarrativeArchive>()
        .narratives
        .retain(|n| n.id != new.id);
    app.update();
    let withdrawn: Vec<OscMessage> = drain(&events)
        .into_iter()
        .filter(|m| m.addr == osc::WITHDRAWN)
        .collect();
    assert_eq!(withdrawn.len(), 1, "{withdrawn:?}");
    assert_eq!(withdrawn[0].args, thread_args(&new));
}

#[test]
fn dissolutions_preservations_segments_and_the_meter_are_told() {
    let (events, events_at) = listener();
    let samples = sample_narratives().unwrap();
    let (mut app, to, cues) =
        piece_with_osc(PieceSettings::on(samples.clone()), vec![events_at], 20.0);
    app.insert_resource(dissolving_fast());
    set_clock(&mut app, 0.0);
    app.update();
    set_clock(&mut app, 30.0);
    app.update();
    let told = drain(&events);
    let by_id = |m: &OscMessage| match m.args.get(3) {
        Some(OscType::Int(id)) => samples
            .iter()
            .find(|n| i64::try_from(n.id.0) == Ok(i64::from(*id))),
        _ => None,
    };
    let dissolved: Vec<&OscMessage> = told.iter().filter(|m| m.addr == osc::DISSOLVED).collect();
    let preserved: Vec<&OscMessage> = told.iter().filter(|m| m.addr == osc::PRESERVED).collect();
    assert!(!dissolved.is_empty(), "{told:?}");
    assert!(!preserved.is_empty(), "{told:?}");
    for message in &dissolved {
        let narrative = by_id(message).expect("a dissolved thread is one of the piece's");
        assert!(!narrative.consent.sanctuary);
        assert_eq!(message.args, thread_args(narrative));
    }
    for message in &preserved {
        assert!(by_id(message).unwrap().consent.sanctuary);
    }
    let meter = told
        .iter()
        .find(|m| m.addr == osc::METER)
        .expect("the meter is sent");
    assert!(
        matches!(
            meter.args.as_slice(),
            [
                OscType::Float(_),
                OscType::Float(_),
                OscType::Float(_),
                OscType::Int(_),
                OscType::Int(_)
            ]
        ),
        "{meter:?}"
    );

    // The show's segment, when the show starts and when its phase changes.
    set_clock(&mut app, 10.0);
    app.update();
    send(&cues, to, &message("/dreamloom/show/go", Vec::new()));
    until_applied(&mut app, 1);
    set_clock(&mut app, 40.0);
    app.update();
    let segments: Vec<OscType> = drain(&events)
        .into_iter()
        .filter(|m| m.addr == osc::SEGMENT)
        .flat_map(|m| m.args)
        .collect();
    assert_eq!(
        segments,
        vec![
            OscType::String("Calm weaving".into()),
            OscType::String("The protocol rising".into())
        ]
    );
}
