//! One protocol tick over many threads on this machine: `cargo run --example protocol_bench --
//! [THREADS] [TICKS]` (defaults 100,000 and 200) prints the median and p99 tick time under the
//! Neuro-Synch Protocol at full strength, with dissolution under way.

use std::time::Instant;

use dreamloom::{
    narrative::synthetic::synthetic_narratives,
    protocol::{
        policy::{CouncilPolicy, Mode},
        sim::Protocol,
    },
};

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let ticks: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let mut protocol = Protocol::new(1);
    protocol.sync(&synthetic_narratives(threads, 1));
    let policy = CouncilPolicy {
        mode: Mode::NeuroSynch,
        synch_strength: 0.6,
        balance: 1.0,
        ..CouncilPolicy::default()
    };
    let mut times_ms = Vec::with_capacity(ticks);
    let mut events = 0;
    for _ in 0..ticks {
        let start = Instant::now();
        events += protocol.tick(&policy).len();
        times_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times_ms.sort_by(f64::total_cmp);
    let at = |q: f64| times_ms[((times_ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "protocol tick over {threads} threads, {ticks} ticks: median {:.3} ms, p99 {:.3} ms ({events} events)",
        at(0.5),
        at(0.99)
    );
}
