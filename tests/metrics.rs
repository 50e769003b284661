//! The monitoring endpoint, without a GPU: the piece without pixels with `MetricsPlugin` on
//! loopback. `/metrics` parses as the Prometheus text format and tells what the piece holds (the
//! threads on the cloak, following the store), what the phone form and the kiosk counted, and
//! the process; `/healthz` follows the frame loop; nothing but GET of those two pages is served.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use bevy::prelude::*;
use dreamloom::{
    metrics::{Counters, MetricsListening, MetricsPlugin, Source},
    narrative::{
        Consent, NarrativeArchive,
        store::{Admission, Seed, Store},
        validate::{Submission, validate},
    },
    piece::PieceSettings,
    testing::{TempDir, http_get, http_post, simulation_app, update_until},
    web::{Outcome, WebConfig, WebServer},
};
use prometheus_parse::{Scrape, Value};

/// `/healthz` turns unhealthy this long after the last frame (a second, so the test is short).
const STALE_AFTER: Duration = Duration::from_secs(1);

/// The piece without pixels (following `store`, when given) with its metrics on loopback.
fn monitored(store: Option<&Arc<Store>>) -> (App, SocketAddr) {
    let mut app = simulation_app(
        PieceSettings {
            store: store.map(Arc::clone),
            ..PieceSettings::on(Vec::new())
        },
        0.0,
    );
    app.add_plugins(MetricsPlugin {
        listen: "127.0.0.1:0".parse().unwrap(),
        stale_after: STALE_AFTER,
    });
    let addr = app.world().resource::<MetricsListening>().0;
    (app, addr)
}

/// `/metrics`, parsed.
fn scrape(addr: SocketAddr) -> Scrape {
    let response = http_get(addr, "/metrics").expect("the metrics endpoint answers");
    assert_eq!(response.status, 200, "{}", response.body);
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    Scrape::parse(response.body.lines().map(|line| Ok(line.to_owned())))
        .expect("the Prometheus text format")
}

/// The value of the sample `metric` with these labels.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let sample = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == metric
                && labels
                    .iter()
                    .all(|(name, wanted)| s.labels.get(name) == Some(*wanted))
        })
        .unwrap_or_else(|| panic!("no {metric} {labels:?} in the scrape"));
    match &sample.value {
        Value::Gauge(v) | Value::Counter(v) | Value::Untyped(v) => *v,
        other => panic!("{metric} is {other:?}"),
    }
}

/// A count or a size, which Prometheus carries as a float.
fn whole(value: f64) -> usize {
    assert!(
        value >= 0.0 && value.fract().abs() < f64::EPSILON,
        "{value} is not a count"
    );
    value as usize
}

#[test]
fn metrics_tell_what_the_piece_holds_and_follow_its_store() {
    let dir = TempDir::new("metrics");
    let store = Arc::new(Store::open(dir.path(), Seed::Samples).unwrap());
    let samples = store.reader().unwrap().displayed().unwrap().len();
    assert!(samples > 0);
    let (mut app, addr) = monitored(Some(&store));
    update_until(&mut app, "the archive to hold the samples", |world| {
        world.resource::<NarrativeArchive>().narratives.len() == samples
    });
    app.update();
    let displayed = app
        .world()
        .resource::<NarrativeArchive>()
        .displayed()
        .count();

    let scraped = scrape(addr);
    assert_eq!(
        whole(value(&scraped, "dreamloom_threads_visible", &[])),
        displayed
    );
    assert_eq!(
        whole(value(&scraped, "dreamloom_threads_dissolved", &[])),
        0
    );
    assert!(value(&scraped, "dreamloom_store_size_bytes", &[]) > 0.0);
    assert!(value(&scraped, "dreamloom_resident_memory_bytes", &[]) > 1_000_000.0);
    assert!(value(&scraped, "dreamloom_uptime_seconds", &[]) > 0.0);
    assert!(value(&scraped, "dreamloom_frames_total", &[]) >= 2.0);
    assert_eq!(whole(value(&scraped, "dreamloom_outbox_depth", &[])), 0);
    assert!(
        scraped
            .samples
            .iter()
            .any(|s| s.metric == "dreamloom_frame_seconds"
                && matches!(&s.value, prometheus_parse::Value::Histogram(buckets) if !buckets.is_empty())),
        "the frame-time histogram"
    );
    // The dream clock is held at 0: no diversity reading yet, and the meter says so.
    assert!(value(&scraped, "dreamloom_diversity_origin_entropy", &[]).is_nan());
    // Every submission series is there from the start.
    for (source, reason) in [
        ("phone", "stored"),
        ("phone", "rate_limited"),
        ("kiosk", "invalid"),
    ] {
        assert_eq!(
            whole(value(
                &scraped,
                "dreamloom_submissions_total",
                &[("source", source), ("reason", reason)]
            )),
            0
        );
    }

    // A dream stored elsewhere reaches the cloak, and the count of visible threads moves.
    let text = "The ferryman counted the stars twice and got two different answers.";
    store
        .submit(
            validate(&Submission {
                text: text.into(),
                origin: "Sorbian, Lusatia".into(),
                language: Some("hsb".into()),
                consent: Consent::default(),
            })
            .unwrap(),
            Admission::default(),
        )
        .unwrap();
    update_until(&mut app, "the new dream in the archive", |world| {
        world
            .resource::<NarrativeArchive>()
            .narratives
            .iter()
            .any(|n| n.text == text)
    });
    app.update();
    assert_eq!(
        whole(value(&scrape(addr), "dreamloom_threads_visible", &[])),
        displayed + 1
    );
}

#[test]
fn the_phone_form_and_the_kiosk_count_into_the_same_counters() {
    let (app, metrics) = monitored(None);
    let counters = app.world().resource::<Counters>().clone();
    let dir = TempDir::new("metrics-phone");
    let store = Arc::new(Store::open(dir.path(), Seed::Empty).unwrap());
    let server = WebServer::start(
        &WebConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            outcomes: counters.phone(),
            ..WebConfig::default()
        },
        store,
        None,
    )
    .unwrap();
    let refused = http_post(
        server.local_addr(),
        "/dream",
        &["Content-Type: text/plain"],
        b"story=a",
    )
    .expect("the phone form answers");
    assert_eq!(refused.status, 415);
    counters.submission(Source::Kiosk, Outcome::Invalid);

    let scraped = scrape(metrics);
    let count = |source: &str, reason: &str| {
        whole(value(
            &scraped,
            "dreamloom_submissions_total",
            &[("source", source), ("reason", reason)],
        ))
    };
    assert_eq!(count("phone", "not_a_form"), 1);
    assert_eq!(count("phone", "stored"), 0);
    assert_eq!(count("kiosk", "invalid"), 1);
    assert_eq!(
        whole(value(&scraped, "dreamloom_render_recoveries_total", &[])),
        0
    );
}

#[test]
fn healthz_is_ok_only_while_frames_advance() {
    let (mut app, addr) = monitored(None);
    let health = || http_get(addr, "/healthz").expect("the health check answers");
    assert_eq!(health().status, 503, "no frame has run yet");
    for _ in 0..3 {
        app.update();
    }
    let ok = health();
    assert_eq!((ok.status, ok.body.trim()), (200, "ok"));

    // The frame loop stops for longer than the threshold.
    std::thread::sleep(STALE_AFTER + Duration::from_millis(500));
    let stale = health();
    assert_eq!(stale.status, 503, "{}", stale.body);

    // And starts again.
    app.update();
    assert_eq!(health().status, 200);
}

#[test]
fn only_get_of_its_two_pages_is_served() {
    let (_app, addr) = monitored(None);
    let posted = http_post(addr, "/metrics", &[], b"x=1").expect("answers");
    assert_eq!(posted.status, 405);
    let posted = http_post(addr, "/healthz", &[], b"").expect("answers");
    assert_eq!(posted.status, 405);
    assert_eq!(http_get(addr, "/").expect("answers").status, 404);
    assert_eq!(
        http_get(addr, "/metrics/more").expect("answers").status,
        404
    );
    assert_eq!(http_get(addr, "/dream").expect("answers").status, 404);
}
