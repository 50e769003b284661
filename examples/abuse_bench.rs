//! How the phone form holds up under abuse, over real HTTP on loopback: while one client floods
//! `GET /` from several threads and another holds 300 "slowloris" sockets that each send half a
//! request head (and open a fresh one a second after the server closes one), real visitors load
//! the form and send dreams.
//!
//! `cargo run --example abuse_bench -- [SECONDS] [HEADER_TIMEOUT_SECONDS]` runs for SECONDS
//! (default 5, at most 120) with a header timeout of `HEADER_TIMEOUT_SECONDS` (default 2, so
//! slowloris sockets turn over within a short run; the server's own default is 10), then prints
//! the flood's requests per second, the visitors' form loads and posts per second with their
//! p50 / p99 latency, and how many slowloris sockets the server closed. Loopback only: the flood
//! comes from 127.0.0.1, the slowloris sockets from 127.0.0.3, the visitors from 127.0.1.1 to
//! 127.0.1.250 (one "phone" each in turn), each its own network to the server's limits.

use std::{
    io::{ErrorKind, Read, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream},
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::store::{Moderation, Seed, Store},
    testing::{connect_from, form_token, http_get, http_get_from, http_post_from},
    web::{RateLimit, WebConfig, WebServer},
};

/// Threads hammering `GET /`.
const FLOOD_THREADS: usize = 4;
/// Slowloris sockets held at once.
const SLOWLORIS: usize = 300;
/// How long a slowloris slot waits, after the server closed its socket, to open another.
const REOPEN_AFTER: Duration = Duration::from_secs(1);
const MAX_SECONDS: u64 = 120;

const FLOOD_FROM: Ipv4Addr = Ipv4Addr::LOCALHOST;
const SLOW_FROM: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

fn per_second(count: usize, seconds: f64) -> f64 {
    count as f64 / seconds.max(1e-9)
}

fn latency(name: &str, mut ms: Vec<f64>, seconds: f64, failed: usize) {
    if ms.is_empty() {
        println!("{name:<24} none completed ({failed} failed)");
        return;
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<24} n={:<6} {:>8.1} /s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({failed} failed)",
        ms.len(),
        per_second(ms.len(), seconds),
        at(0.5),
        at(0.99),
    );
}

#[derive(Debug, Default)]
struct Flood {
    shown: usize,
    held: usize,
    other: usize,
    unanswered: usize,
}

fn flood(addr: SocketAddr, end: Instant) -> Flood {
    let mut counts = Flood::default();
    while Instant::now() < end {
        match http_get(addr, "/").map(|page| page.status) {
            Some(200) => counts.shown += 1,
            Some(429) => counts.held += 1,
            Some(_) => counts.other += 1,
            None => counts.unanswered += 1,
        }
    }
    counts
}

#[derive(Debug, Default)]
struct Visits {
    loads: Vec<f64>,
    posts: Vec<f64>,
    failed_loads: usize,
    failed_posts: usize,
}

fn visitors(addr: SocketAddr, end: Instant) -> Visits {
    let mut visits = Visits::default();
    let origin = format!("Origin: http://{addr}");
    let mut phone = 0u8;
    while Instant::now() < end {
        phone = phone % 250 + 1;
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 1, phone));
        let start = Instant::now();
        let page = http_get_from(from, addr, "/");
        let token = page
            .filter(|page| page.status == 200)
            .and_then(|page| form_token(&page.body));
        let Some(token) = token else {
            visits.failed_loads += 1;
            continue;
        };
        visits.loads.push(start.elapsed().as_secs_f64() * 1000.0);
        let body = serde_urlencoded::to_string([
            ("token", token.as_str()),
            (
                "story",
                "Under the flood a river of paper boats found the sea",
            ),
            ("origin", "Loopback"),
            ("show", "on"),
        ])
        .expect("form body");
        let start = Instant::now();
        match http_post_from(from, addr, "/dream", &[&origin], body.as_bytes()) {
            Some(answer) if answer.status == 200 => {
                visits.posts.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            _ => visits.failed_posts += 1,
        }
    }
    visits
}

#[derive(Debug, Default)]
struct Slowloris {
    opened: usize,
    /// Closed by the server within half the header timeout of opening: over a connection cap.
    closed_at_once: usize,
    /// Closed later: the header timeout.
    closed_later: usize,
    open_at_end: usize,
}

/// One slowloris slot: a socket that sent half a head, or the time its last one was closed.
enum Slot {
    Open(TcpStream, Instant),
    Closed(Instant),
}

fn open_slow(addr: SocketAddr) -> Option<(TcpStream, Instant)> {
    let mut socket = connect_from(IpAddr::V4(SLOW_FROM), addr).ok()?;
    let opened = Instant::now();
    let _ = socket.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes());
    socket.set_nonblocking(true).ok()?;
    Some((socket, opened))
}

/// Whether the server has closed `socket` (read without waiting).
fn server_closed(socket: &mut TcpStream) -> bool {
    let mut chunk = [0u8; 512];
    match socket.read(&mut chunk) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => !matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted),
    }
}

fn slowloris(addr: SocketAddr, end: Instant, header: Duration) -> Slowloris {
    let mut counts = Slowloris::default();
    let at_once = header / 2;
    let long_ago = Instant::now()
        .checked_sub(REOPEN_AFTER)
        .unwrap_or_else(Instant::now);
    let mut slots: Vec<Slot> = (0..SLOWLORIS).map(|_| Slot::Closed(long_ago)).collect();
    while Instant::now() < end {
        for slot in &mut slots {
            let now = Instant::now();
            match slot {
                Slot::Open(socket, opened) => {
                    if server_closed(socket) {
                        if now.duration_since(*opened) < at_once {
                            counts.closed_at_once += 1;
                        } else {
                            counts.closed_later += 1;
                        }
                        *slot = Slot::Closed(now);
                    }
                }
                Slot::Closed(since) => {
                    if now.duration_since(*since) >= REOPEN_AFTER && now < end {
                        if let Some((socket, opened)) = open_slow(addr) {
                            counts.opened += 1;
                            *slot = Slot::Open(socket, opened);
                        } else {
                            *slot = Slot::Closed(now);
                        }
                    }
                }
            }
        }
        thread::sleep(Duration::from_millis(50));
    }
    counts.open_at_end = slots
        .iter()
        .filter(|slot| matches!(slot, Slot::Open(..)))
        .count();
    counts
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
        .clamp(1, MAX_SECONDS);
    let header: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2)
        .clamp(1, 60);
    let dir = std::env::temp_dir().join(format!("dreamloom-abuse-bench-{}", std::process::id()));
    let store = Arc::new(Store::open(&dir, Seed::Empty).expect("store opens"));
    let config = WebConfig {
        listen: SocketAddr::from((FLOOD_FROM, 0)),
        moderation: Moderation::Post,
        // What is measured is whether visitors are served, not the post limits (the tests cover
        // those): each visitor's posts are not limited here. Page loads keep their real limit.
        rate_limit: RateLimit {
            burst: u32::MAX,
            refill: Duration::from_millis(1),
            global_per_minute: 0,
        },
        header_timeout: Duration::from_secs(header),
        ..WebConfig::default()
    };
    let server = WebServer::start(&config, Arc::clone(&store), None).expect("server starts");
    let addr = server.local_addr();
    println!(
        "phone form on {addr} for {seconds} s: header timeout {header} s, at most {} connections \
         ({} per network), pages {} at once then one every {:?} per network",
        config.max_connections,
        config.max_connections_per_network,
        config.page_limit.burst,
        config.page_limit.refill,
    );
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let (floods, slow, visits) = thread::scope(|scope| {
        let floods: Vec<_> = (0..FLOOD_THREADS)
            .map(|_| scope.spawn(move || flood(addr, end)))
            .collect();
        let slow = scope.spawn(move || slowloris(addr, end, Duration::from_secs(header)));
        let visits = scope.spawn(move || visitors(addr, end));
        let floods: Vec<Flood> = floods
            .into_iter()
            .map(|flood| flood.join().expect("flood thread"))
            .collect();
        (
            floods,
            slow.join().expect("slowloris thread"),
            visits.join().expect("visitor thread"),
        )
    });
    let elapsed = started.elapsed().as_secs_f64();
    let total = Flood {
        shown: floods.iter().map(|f| f.shown).sum(),
        held: floods.iter().map(|f| f.held).sum(),
        other: floods.iter().map(|f| f.other).sum(),
        unanswered: floods.iter().map(|f| f.unanswered).sum(),
    };
    let requests = total.shown + total.held + total.other + total.unanswered;
    println!(
        "flood ({FLOOD_THREADS} threads, {FLOOD_FROM}) {requests} requests, {:.0} /s: {} served, \
         {} held back (429), {} other, {} unanswered",
        per_second(requests, elapsed),
        total.shown,
        total.held,
        total.other,
        total.unanswered,
    );
    latency(
        "visitor form loads",
        visits.loads,
        elapsed,
        visits.failed_loads,
    );
    latency("visitor posts", visits.posts, elapsed, visits.failed_posts);
    println!(
        "slowloris ({SLOWLORIS} sockets, {SLOW_FROM}) opened {}; closed by the server {} ({} at \
         once, over a connection cap; {} by the header timeout); open at the end {}",
        slow.opened,
        slow.closed_at_once + slow.closed_later,
        slow.closed_at_once,
        slow.closed_later,
        slow.open_at_end,
    );
    let stopping = Instant::now();
    drop(server);
    println!(
        "server stopped in {:.2} s",
        stopping.elapsed().as_secs_f64()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
