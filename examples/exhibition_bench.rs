//! One exhibition on PostgreSQL: how long a dream takes from a kiosk to another machine's cloak.
//!
//! Starts a real PostgreSQL 15 (Debian's packages; see `testing::postgres`), three kiosks (each a
//! store on the shared database, submitting from its own thread, all at once) and a renderer (the
//! piece without pixels, following the log through its feed: `LISTEN`/`NOTIFY`, then a catch-up
//! by sequence number). Prints, for each dream, the commit latency (the kiosk's `submit` until
//! the receipt: the transaction committed with `synchronous_commit = on`) and the latency until
//! the renderer's archive holds it; p50, p99 and the worst of each. A dream enters the cloak
//! [`ENTRY_DELAY_MS`] after its event's time, so it is on every cloak at that moment as long as
//! it reached the renderer sooner.
//!
//! `cargo run --release --example exhibition_bench [dreams per kiosk]` (default 200).

use std::{
    collections::HashMap,
    sync::{Arc, Barrier},
    thread,
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::{
        Consent, ENTRY_DELAY_MS, NarrativeArchive,
        store::{Admission, Location, Seed, Store},
        validate::{Submission, validate},
    },
    piece::PieceSettings,
    testing::{PostgresServer, simulation_app},
};

const KIOSKS: usize = 3;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{name:<34} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   ({} dreams)",
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
        samples.last().copied().unwrap_or(0.0),
        samples.len()
    );
}

fn main() {
    let per_kiosk: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let server = PostgresServer::start_new("exhibition_bench");
    let location = Location::Postgres(server.url());
    let renderer_store =
        Arc::new(Store::open_at(&location, Seed::Empty).expect("renderer's store"));
    let mut renderer = simulation_app(
        PieceSettings {
            store: Some(renderer_store),
            ..PieceSettings::on(Vec::new())
        },
        0.0,
    );
    renderer.update();

    // The kiosks submit all at once, each at its own pace (5–25 ms apart).
    let start = Arc::new(Barrier::new(KIOSKS + 1));
    let kiosks: Vec<_> = (0..KIOSKS)
        .map(|k| {
            let store = Store::open_at(&location, Seed::Empty).expect("kiosk's store");
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut sent = Vec::with_capacity(per_kiosk);
                for i in 0..per_kiosk {
                    let text = format!("kiosk {k} dream {i}: the river remembered our names");
                    let valid = validate(&Submission {
                        text: text.clone(),
                        origin: ["Yoruba, Lagos", "Sámi, Kautokeino", "Quechua, Cusco"][k].into(),
                        language: None,
                        consent: Consent::default(),
                    })
                    .expect("valid");
                    let began = Instant::now();
                    store
                        .submit(valid, Admission::default())
                        .expect("submitted");
                    sent.push((text, began, began.elapsed()));
                    thread::sleep(Duration::from_millis(
                        5 + (i as u64 * 7 + k as u64 * 3) % 21,
                    ));
                }
                sent
            })
        })
        .collect();
    start.wait();

    // The renderer: frames as fast as it goes, noting when each dream reaches its archive.
    let total = KIOSKS * per_kiosk;
    let mut seen: HashMap<String, Instant> = HashMap::with_capacity(total);
    let deadline = Instant::now() + Duration::from_secs(120 + total as u64 / 10);
    while seen.len() < total {
        assert!(
            Instant::now() < deadline,
            "the renderer heard of only {} dreams",
            seen.len()
        );
        renderer.update();
        let now = Instant::now();
        for narrative in &renderer.world().resource::<NarrativeArchive>().narratives {
            seen.entry(narrative.text.clone()).or_insert(now);
        }
        thread::sleep(Duration::from_millis(1));
    }
    let sent: Vec<_> = kiosks
        .into_iter()
        .flat_map(|k| k.join().expect("kiosk thread"))
        .collect();
    let commit: Vec<f64> = sent.iter().map(|(_, _, d)| d.as_secs_f64() * 1e3).collect();
    let visible: Vec<f64> = sent
        .iter()
        .map(|(text, began, _)| seen[text].duration_since(*began).as_secs_f64() * 1e3)
        .collect();
    println!(
        "{KIOSKS} kiosks × {per_kiosk} dreams on PostgreSQL 15 (loopback, synchronous_commit on)"
    );
    report("commit (submit → receipt)", commit);
    report("submit → in another machine's feed", visible.clone());
    let late = visible
        .iter()
        .filter(|&&ms| ms > ENTRY_DELAY_MS as f64)
        .count();
    println!(
        "on every cloak {ENTRY_DELAY_MS} ms after its event: {late} of {total} reached the renderer later than that"
    );
}
