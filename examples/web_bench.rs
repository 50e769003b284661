//! How long a phone waits: the form page, and a submission from sending it to the receipt page
//! (defences, validation, the durable commit), over real HTTP on loopback.
//!
//! `cargo run --example web_bench -- [N] [DIR]` loads the form and submits it N times (default
//! 300), one after another as one phone would, and prints p50 / p99 / max of each, then how
//! quickly refusals (a cross-site post) are answered. DIR (default: the system's temporary folder)
//! should be on the disk the gallery will use.

use std::{sync::Arc, time::Instant};

use dreamloom::{
    narrative::store::{Moderation, Seed, Store},
    testing::{form_token, http_get, http_post},
    web::{RateLimit, WebConfig, WebServer},
};

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<28} n={:<5} p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms",
        ms.len(),
        at(0.5),
        at(0.99),
        ms[ms.len() - 1]
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(300);
    let base = args
        .next()
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = base.join(format!("dreamloom-web-bench-{}", std::process::id()));
    let store = Arc::new(Store::open(&dir, Seed::Empty).expect("store opens"));
    let server = WebServer::start(
        &WebConfig {
            listen: "127.0.0.1:0".parse().expect("address"),
            moderation: Moderation::Post,
            // One phone, many dreams: the limits would (rightly) stop this after six posts and
            // sixty page loads.
            rate_limit: RateLimit {
                burst: u32::MAX,
                refill: std::time::Duration::from_millis(1),
                global_per_minute: 0,
            },
            page_limit: RateLimit {
                burst: u32::MAX,
                refill: std::time::Duration::from_millis(1),
                global_per_minute: 0,
            },
            ..WebConfig::default()
        },
        Arc::clone(&store),
        None,
    )
    .expect("server starts");
    let addr = server.local_addr();
    let origin = format!("Origin: http://{addr}");

    let (mut pages, mut posts, mut refusals) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..count {
        let start = Instant::now();
        let page = http_get(addr, "/").expect("form");
        pages.push(start.elapsed().as_secs_f64() * 1000.0);
        let token = form_token(&page.body).expect("token");
        let body = serde_urlencoded::to_string([
            ("token", token.as_str()),
            (
                "story",
                &format!("Phone dream {i}: the lanterns on the river spelled my name"),
            ),
            ("origin", "Hội An, Quảng Nam"),
            ("show", "on"),
        ])
        .expect("form body");
        let start = Instant::now();
        let response = http_post(addr, "/dream", &[&origin], body.as_bytes()).expect("receipt");
        posts.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(response.status, 200, "{}", response.body);

        let start = Instant::now();
        let refused = http_post(
            addr,
            "/dream",
            &["Origin: http://elsewhere.example"],
            b"x=1",
        )
        .expect("refusal");
        refusals.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(refused.status, 403);
    }
    let stored = store.reader().expect("reader").narratives().expect("read");
    assert_eq!(stored.len(), count);
    println!("phone form on {addr}, store in {}", dir.display());
    summary("GET / (form page)", pages);
    summary("POST /dream → receipt", posts);
    summary("POST refused (cross-site)", refusals);
    drop(server);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
