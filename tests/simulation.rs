//! The piece's logic without a GPU: the simulation half ([`SimulationPlugin`]) under
//! `MinimalPlugins` — the thread a visitor asks for with `--find`, the protocol's events in the
//! store's log, the show steering council and camera, and a frame that costs nothing per thread
//! while nothing changes.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
    sync::Arc,
};

use bevy::{app::MainScheduleOrder, ecs::schedule::SingleThreadedExecutor, prelude::*};
use dreamloom::{
    camera::{CameraRig, Flight},
    clock::DreamClock,
    commands::find_on_cloak,
    narrative::{
        sample_narratives,
        store::{Admission, EventKind, Moderation, Seed, Store},
        synthetic::synthetic_narratives,
        validate::{Submission, validate},
    },
    piece::PieceSettings,
    protocol::{
        ShowPlaying,
        policy::{CouncilPolicy, Mode},
        show::Show,
    },
    testing::{TempDir, dissolving_fast, set_clock, simulation_app},
    viewer,
    weave::{CloakShape, FOCUS_DISTANCE, FOCUS_FLIGHT_SECONDS, Focus, Loom, thread_centre},
};

/// Allocations made on this thread: what one frame of the app costs the allocator.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

#[expect(
    unsafe_code,
    reason = "a counting allocator is the one way to see a frame's allocations"
)]
// SAFETY: every call is passed unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc`/`realloc` above, i.e. from the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as for `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn find_flies_to_the_thread_and_its_card_can_be_shown() {
    let dir = TempDir::new("find");
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let reader = store.reader().unwrap();
    let wanted = &reader.narratives().unwrap()[11];
    // What `dreamloom view --find CODE` does with the code…
    let id = find_on_cloak(&reader, &wanted.receipt.to_string()).unwrap();
    assert_eq!(id, wanted.narrative.id);
    // …and with it, the viewer's start.
    let mut app = simulation_app(PieceSettings::on(Vec::new()), 0.0);
    viewer::start_piece(
        &mut app,
        PieceSettings::on(reader.displayed().unwrap()),
        Some(id),
    );
    app.update();
    app.update();
    let flight = *app
        .world_mut()
        .query::<&Flight>()
        .single(app.world())
        .expect("the camera flies to the found thread");
    let world = app.world();
    let centre = thread_centre(
        world.resource::<Loom>(),
        world.resource::<CloakShape>(),
        id,
        flight.start,
    )
    .unwrap();
    assert!(flight.to_target.distance(centre) < 1e-4);
    assert!((flight.to_distance - FOCUS_DISTANCE).abs() < 1e-6);
    assert_eq!(world.resource::<Loom>().highlighted(), Some(id));
    // The card is drawn for the focused narrative, which the archive holds.
    assert_eq!(world.resource::<Focus>().0, Some(id));

    set_clock(&mut app, FOCUS_FLIGHT_SECONDS + 0.5);
    app.update();
    let rig = *app
        .world_mut()
        .query::<&CameraRig>()
        .single(app.world())
        .unwrap();
    assert!((rig.distance - FOCUS_DISTANCE).abs() < 1e-3, "{rig:?}");
}

#[test]
fn find_refuses_codes_that_are_not_on_the_cloak() {
    let dir = TempDir::new("find-refused");
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let hidden = validate(&Submission {
        text: "A boat of paper crossed the sky.".into(),
        origin: "Bengali, Dhaka".into(),
        language: None,
        consent: dreamloom::narrative::Consent {
            display: false,
            sanctuary: false,
        },
    })
    .unwrap();
    let hidden = store.submit(hidden, Admission::default()).unwrap();
    let pending = validate(&Submission {
        text: "The well sang back in my mother's voice.".into(),
        origin: "Quechua, Cusco".into(),
        language: None,
        consent: dreamloom::narrative::Consent::default(),
    })
    .unwrap();
    let pending = store.submit(pending, Moderation::Pre.admission()).unwrap();
    let reader = store.reader().unwrap();
    for (code, why) in [
        (hidden.to_string(), "not on the cloak"),
        (pending.to_string(), "pending"),
        ("ZZZZZZ".to_owned(), "no narrative has the receipt code"),
        ("not a code".to_owned(), ""),
    ] {
        let failure = find_on_cloak(&reader, &code).unwrap_err();
        assert!(failure.message.contains(why), "{code}: {}", failure.message);
        assert_eq!(failure.code, 1);
    }
}

#[test]
fn dissolutions_and_preservations_reach_the_event_log() {
    let dir = TempDir::new("protocol-log");
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let reader = store.reader().unwrap();
    let mut app = simulation_app(
        PieceSettings {
            store: Some(Arc::new(store)),
            ..PieceSettings::on(reader.displayed().unwrap())
        },
        0.0,
    );
    app.insert_resource(dissolving_fast());
    app.update();
    set_clock(&mut app, 30.0);
    app.update();
    // The writer thread commits in its own time; the store is dropped (and drained) with the app.
    drop(app);
    let events = reader.events_after(0).unwrap();
    let count = |kind: EventKind| events.iter().filter(|e| e.kind == kind).count();
    let sanctuary = sample_narratives()
        .unwrap()
        .iter()
        .filter(|n| n.consent.sanctuary)
        .count();
    assert!(sanctuary > 0);
    assert_eq!(count(EventKind::Preserved), sanctuary);
    assert_eq!(count(EventKind::Dissolved), 28 - sanctuary);
}

#[test]
fn the_show_sets_the_council_and_the_camera_and_dissolves_in_the_confluence() {
    let show = Show::embedded();
    let mut app = simulation_app(
        PieceSettings {
            show: true,
            ..PieceSettings::on(synthetic_narratives(300, 3))
        },
        0.0,
    );
    app.update();
    let mut seen = Vec::new();
    for seconds in [10.0, 50.0, 100.0, 130.0, 170.0] {
        set_clock(&mut app, seconds);
        app.update();
        let (phase, _) = show.phase_at(seconds);
        let world = app.world_mut();
        let rig = *world.query::<&CameraRig>().single(world).unwrap();
        let world = app.world();
        assert_eq!(
            world.resource::<CouncilPolicy>(),
            &phase.policy,
            "{}",
            phase.name
        );
        let pitch = show.camera_pitch_at(seconds, CameraRig::default().pitch);
        assert!((rig.pitch - pitch).abs() < 1e-6, "{}: {rig:?}", phase.name);
        let frayed = world
            .resource::<Loom>()
            .threads()
            .iter()
            .filter(|t| t.presence < 1.0)
            .count();
        seen.push((phase.name.clone(), phase.policy.mode, frayed));
    }
    assert!(app.world().contains_resource::<ShowPlaying>());
    // Calm before the protocol, fraying in the Confluence, mending in the Sanctuary.
    assert_eq!(seen[0].2, 0, "{seen:?}");
    assert_eq!(seen[2].1, Mode::NeuroSynch);
    assert!(seen[2].2 > 30, "{seen:?}");
    assert!(seen[4].2 < seen[3].2, "{seen:?}");
}

#[test]
fn a_frame_costs_nothing_per_thread_while_nothing_changes() {
    const THREADS: usize = 2000;
    const FRAMES: usize = 20;
    let mut app = simulation_app(PieceSettings::on(synthetic_narratives(THREADS, 1)), 12.0);
    // Every system of the frame on this thread, so the counting allocator sees them all.
    let labels = app.world().resource::<MainScheduleOrder>().labels.clone();
    for label in labels {
        app.edit_schedule(label, |s| {
            s.set_executor(SingleThreadedExecutor::new());
        });
    }
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(app.world().resource::<Loom>().staying(), THREADS);
    let before = ALLOCATIONS.with(Cell::get);
    for _ in 0..FRAMES {
        app.update();
    }
    let per_frame = (ALLOCATIONS.with(Cell::get) - before) / FRAMES;
    eprintln!("{per_frame} allocations per idle frame with {THREADS} threads");
    assert!(
        !app.world().resource::<DreamClock>().running,
        "the clock is held: nothing changes"
    );
    assert!(
        per_frame < THREADS / 10,
        "{per_frame} allocations per frame with {THREADS} threads on the cloak: something copies \
         the narratives every frame"
    );
}
