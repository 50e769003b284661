//! OSC show control on this machine: `cargo run --release --example osc_latency -- [CUES]
//! [THREADS]` (defaults 500 and 2,000) prints
//!
//! - the latency from a cue sent over UDP (127.0.0.1) to the end of the frame (`app.update()`)
//!   that applied it, median and p99, with frames run back to back (a windowed piece at 60 Hz adds
//!   up to one frame, 16.7 ms, of waiting for the next frame);
//! - the rate the output sustains: `/dreamloom/meter` messages sent for one second from the
//!   piece's non-blocking socket, and how many a receiver on this machine got.
//!
//! A benchmark that prints figures; nothing is asserted.

use std::{
    net::{SocketAddr, UdpSocket},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::synthetic::synthetic_narratives,
    osc::{METER, OscListening, OscOut, OscPlugin},
    piece::PieceSettings,
    protocol::policy::CouncilPolicy,
    testing::simulation_app,
};
use rosc::{OscMessage, OscPacket, OscType, encoder};

fn main() {
    let mut args = std::env::args().skip(1);
    let cues: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(500);
    let threads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);

    // Latency: cue → the frame that applies it.
    let mut app = simulation_app(PieceSettings::on(synthetic_narratives(threads, 1)), 10.0);
    app.add_plugins(OscPlugin {
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        send_to: Vec::new(),
        meter_hz: 0.0,
    });
    app.update();
    let to = app.world().resource::<OscListening>().0;
    let sender = UdpSocket::bind("127.0.0.1:0").expect("a local socket");
    let mut latencies_ms = Vec::with_capacity(cues);
    let mut frames = 0usize;
    for i in 0..cues {
        let balance = if i % 2 == 0 { 0.2 } else { 0.8 };
        let packet = OscPacket::Message(OscMessage {
            addr: "/dreamloom/council/balance".into(),
            args: vec![OscType::Float(balance)],
        });
        let bytes = encoder::encode(&packet).expect("encodes");
        let sent = Instant::now();
        sender.send_to(&bytes, to).expect("sent");
        loop {
            app.update();
            frames += 1;
            if (app.world().resource::<CouncilPolicy>().balance - balance).abs() < 1e-6 {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(5),
                "cue {i} was not applied"
            );
        }
        latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    latencies_ms.sort_by(f64::total_cmp);
    let at = |q: f64| latencies_ms[((latencies_ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "cue to applying frame over {cues} cues ({threads} threads on the cloak, {frames} frames \
         back to back): median {:.3} ms, p99 {:.3} ms",
        at(0.5),
        at(0.99)
    );

    // Output rate: meter messages from the piece's socket for one second.
    let receiver = UdpSocket::bind("127.0.0.1:0").expect("a local socket");
    receiver
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("a timeout");
    let receiver_at = receiver.local_addr().expect("bound");
    let received = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let counting = {
        let received = Arc::clone(&received);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut buffer = vec![0u8; 2048];
            while !done.load(Ordering::Relaxed) {
                if receiver.recv(&mut buffer).is_ok() {
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let mut out = OscOut::open(vec![receiver_at], 0.0).expect("a socket to send from");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) {
        out.send(
            METER,
            vec![
                OscType::Float(0.9),
                OscType::Float(0.8),
                OscType::Float(0.1),
                OscType::Int(1900),
                OscType::Int(100),
            ],
        );
    }
    let seconds = start.elapsed().as_secs_f64();
    // Let the receiver take what is still in flight.
    std::thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::Relaxed);
    counting.join().expect("the receiver ends");
    println!(
        "output: {:.0} messages/s sent ({} dropped by a full socket buffer), {:.0} messages/s \
         received on this machine",
        out.sent as f64 / seconds,
        out.dropped,
        received.load(Ordering::Relaxed) as f64 / seconds
    );
}
