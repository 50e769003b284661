//! Every renderer of one exhibition shows the same cloak at the same moment: what it shows is a
//! function of the shared log, the seed and the exhibition's clock — not of when the machine
//! started or heard of a dream.
//!
//! Real PostgreSQL (see `testing::postgres`) and a Vulkan adapter (lavapipe is enough); skipped
//! without them unless `DREAMLOOM_REQUIRE_POSTGRES=1` / `DREAMLOOM_REQUIRE_GPU=1`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    clock::DreamClock,
    narrative::{
        ENTRY_DELAY_MS, ExhibitionClock, NarrativeArchive, StoreFeedPlugin,
        store::{Admission, Location, Reader, Seed, Store, now_ms},
    },
    protocol::ShowPlaying,
    protocol::show::Show,
    testing::{
        TempDir, dream, dreamloom_command, gpu_available, one_renderer_at_a_time,
        postgres_available,
    },
};
use image::RgbaImage;

/// Kiosk B: another machine, a `dreamloom` process of its own, submitting to the exhibition.
fn submit_from_kiosk_b(url: &str, data: &TempDir, text: &str, origin: &str) {
    let output = dreamloom_command()
        .args(["--exhibition", url, "--machine", "kiosk-b", "--data"])
        .arg(data.path())
        .args(["submit", "--text", text, "--origin", origin])
        .output()
        .expect("dreamloom runs");
    assert!(
        output.status.success(),
        "kiosk B's submission: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A headless renderer following the exhibition at `location`, its clock held at `seconds` of
/// the exhibition's current period, the show playing.
fn renderer(location: &Location, clock: ExhibitionClock, seconds: f32) -> HeadlessRenderer {
    let settings = StillSettings {
        width: 192,
        height: 108,
        seconds,
        ..StillSettings::default()
    };
    HeadlessRenderer::new_with(&settings, Vec::new(), |app| {
        app.insert_resource(clock)
            .insert_resource(ShowPlaying(Show::embedded()))
            .add_plugins(StoreFeedPlugin {
                location: location.clone(),
                clock: Some(clock),
            });
    })
    .expect("a renderer")
}

/// Renders until the renderer's archive holds `count` narratives, then captures a frame at
/// `seconds`.
fn frame_with(renderer: &mut HeadlessRenderer, count: usize, seconds: f32) -> RgbaImage {
    let deadline = Instant::now() + Duration::from_secs(30);
    while renderer
        .world()
        .resource::<NarrativeArchive>()
        .narratives
        .len()
        != count
    {
        assert!(
            Instant::now() < deadline,
            "the renderer never heard of all {count} dreams (it has {})",
            renderer
                .world()
                .resource::<NarrativeArchive>()
                .narratives
                .len()
        );
        renderer.frame().expect("a frame");
        std::thread::sleep(Duration::from_millis(20));
    }
    renderer.set_time(seconds);
    renderer.capture().expect("captured")
}

#[test]
fn renderers_show_the_same_cloak_at_the_same_moment_whenever_they_started() {
    let Some(server) = postgres_available(
        "renderers_show_the_same_cloak_at_the_same_moment_whenever_they_started",
    ) else {
        return;
    };
    if !gpu_available("renderers_show_the_same_cloak_at_the_same_moment_whenever_they_started") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let location = Location::Postgres(server.url());
    // Two kiosks: this process's store, and another process on its own data folder.
    let kiosk_a = Arc::new(Store::open_at(&location, Seed::Empty).expect("kiosk A"));
    let kiosk_b = TempDir::new("exhibition-kiosk-b");
    let url = server.url();
    let epoch_ms = Reader::open_at(&location)
        .and_then(|reader| reader.epoch_ms())
        .expect("read the epoch")
        .expect("the exhibition has an epoch");
    let clock = ExhibitionClock {
        epoch_ms,
        period_ms: (f64::from(Show::embedded().loop_seconds()) * 1000.0) as i64,
    };
    // The test takes some seconds: not across the start of a new period (a new loop of the
    // show), when the clock begins again from 0.
    let to_next_period = clock.period_ms - (now_ms() - clock.period_start(now_ms()));
    if to_next_period < 60_000 {
        std::thread::sleep(Duration::from_millis(to_next_period.unsigned_abs() + 200));
    }
    for (i, origin) in ["Yoruba, Lagos", "Sámi, Kautokeino", "Quechua, Cusco"]
        .iter()
        .enumerate()
    {
        let text = format!("first night, dream {i}");
        if i % 2 == 0 {
            kiosk_a
                .submit(dream(&text, origin), Admission::default())
                .expect("submitted");
        } else {
            submit_from_kiosk_b(&url, &kiosk_b, &text, origin);
        }
    }
    // Renderer A starts now and renders this moment: the three dreams are on the cloak.
    let now = now_ms();
    let early = clock.seconds_at(now + ENTRY_DELAY_MS + 500, now);
    let mut a = renderer(&location, clock, early);
    let a_early = frame_with(&mut a, 3, early);

    // Meanwhile both kiosks take more dreams; A hears of them as they come.
    for (i, origin) in ["Tuareg, Agadez", "Welsh, Bangor"].iter().enumerate() {
        let text = format!("second night, dream {i}");
        if i % 2 == 0 {
            submit_from_kiosk_b(&url, &kiosk_b, &text, origin);
        } else {
            kiosk_a
                .submit(dream(&text, origin), Admission::default())
                .expect("submitted");
        }
    }
    let after = now_ms();
    // A moment after every dream has entered: A has been through it all, frame by frame.
    let later = clock.seconds_at(after + ENTRY_DELAY_MS + 6_000, now);
    assert!(later > early);
    for step in 1..=4 {
        a.set_time(early + (later - early) * step as f32 / 5.0);
        a.frame().expect("a frame");
    }
    let a_later = frame_with(&mut a, 5, later);
    assert!(
        (a.world().resource::<DreamClock>().seconds - later).abs() < 1e-6,
        "held at the moment asked for"
    );
    drop(a);

    // Renderer B starts only now — a machine restarted mid-show — and renders both moments.
    let mut b = renderer(&location, clock, later);
    let b_later = frame_with(&mut b, 5, later);
    assert!(
        a_later == b_later,
        "a renderer started late shows another cloak than one that ran all along"
    );
    b.set_time(early);
    let b_early = b.capture().expect("captured");
    assert!(
        a_early == b_early,
        "the earlier moment, rendered after the later one, differs"
    );
    // The dreams did arrive in between: the two moments differ.
    assert!(a_early != a_later);
}
