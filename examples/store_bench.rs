//! How long a visitor waits between pressing "submit" and their dream being durable on disk.
//!
//! `cargo run --example store_bench -- [N] [DIR]` submits N narratives (default 500) one at a time
//! through the store's writer thread, each acknowledged only after its `synchronous=FULL` commit,
//! and prints p50 / p99 / max latency; then imports N more in batches and prints the throughput.
//! DIR (default: the system's temporary folder) should be on the disk the gallery will use.

use std::{fmt::Write, time::Instant};

use dreamloom::narrative::{
    Consent,
    import::import,
    store::{Admission, Seed, Store},
    validate::{Submission, validate},
};

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(500);
    let base = args
        .next()
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = base.join(format!("dreamloom-store-bench-{}", std::process::id()));
    let store = Store::open(&dir, Seed::Empty).expect("store opens");

    let mut latencies_ms = Vec::with_capacity(count);
    for i in 0..count {
        let valid = validate(&Submission {
            text: format!("Benchmark dream number {i}: the river carried the lanterns home."),
            origin: format!("Origin {}", i % 40),
            language: Some("en".into()),
            consent: Consent::default(),
        })
        .expect("valid");
        let start = Instant::now();
        store.submit(valid, Admission::default()).expect("stored");
        latencies_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    latencies_ms.sort_by(f64::total_cmp);
    let at = |q: f64| latencies_ms[((latencies_ms.len() - 1) as f64 * q).round() as usize];
    println!("store: {}", dir.display());
    println!(
        "submit -> durable commit, {count} submissions: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.50),
        at(0.99),
        at(1.0)
    );

    let mut file = String::new();
    for i in 0..count {
        let _ = writeln!(
            file,
            "{{\"text\":\"imported dream {i}\",\"origin\":\"Origin {}\"}}",
            i % 40
        );
    }
    let start = Instant::now();
    let report = import(&store, file.as_bytes(), |_| {}).expect("import");
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "import: {} lines in {:.3} s ({:.0} lines/s)",
        report.imported.len(),
        seconds,
        report.imported.len() as f64 / seconds
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
