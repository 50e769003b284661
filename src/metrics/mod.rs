//! Monitoring: the running piece's vital signs for Prometheus, and a health check for whatever
//! supervises it.
//!
//! [`MetricsPlugin`] binds its address at once (a taken port is reported at start-up, and the
//! piece runs on without the endpoint) and serves, on a thread of its own and with the phone
//! form's serving code (`web::WebServer::serve`: header, request and idle timeouts, connection
//! caps), two pages, GET only:
//!
//! - `/metrics`: the Prometheus text format, encoded by `prometheus-client` (see the README's
//!   "Monitoring" for every metric);
//! - `/healthz`: 200 `ok` while frames advance (the last less than [`MetricsPlugin::stale_after`]
//!   ago), 503 otherwise.
//!
//! The frame loop only copies values into atomics (`Last`, each frame, and only what changed);
//! memory and uptime are read when scraped. The web server and the kiosk count submissions and
//! refusals into the shared [`Counters`] resource; the kiosk's render-error handler counts its
//! recoveries there.

mod endpoint;

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use bevy::prelude::*;
use prometheus_client::{
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::{
    narrative::{StoreHandle, StoreStats},
    protocol::{DiversityHistory, sim::Protocol},
    web::{Outcome, Outcomes, WebServer},
};

/// How long after the last frame `/healthz` still answers 200, by default.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(2);

/// Frames the recent frame-time quantiles are taken over.
pub const RECENT_FRAMES: usize = 240;

/// Serves `/metrics` and `/healthz` on `listen`. See the module's documentation.
#[derive(Debug, Clone, Copy)]
pub struct MetricsPlugin {
    /// Address to listen on, e.g. `127.0.0.1:9464` (port 0: any free port, see
    /// [`MetricsListening`]).
    pub listen: SocketAddr,
    /// `/healthz` answers 503 once no frame has ended for this long.
    pub stale_after: Duration,
}

impl MetricsPlugin {
    /// The endpoint on `listen`, unhealthy after [`DEFAULT_STALE_AFTER`] without a frame.
    #[must_use]
    pub const fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            stale_after: DEFAULT_STALE_AFTER,
        }
    }
}

/// The address the metrics endpoint listens on (the real port when 0 was asked for). Absent when
/// the endpoint could not start.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsListening(pub SocketAddr);

/// The GPU adapter the piece renders on, for `dreamloom_adapter_info` (the windowed start-up
/// inserts it).
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct AdapterName(pub String);

/// Where a submission came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The kiosk's own form.
    Kiosk,
    /// The phone form.
    Phone,
}

impl Source {
    /// Its name in monitoring (the `source` label).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Phone => "phone",
        }
    }
}

/// Labels of `dreamloom_submissions_total`: `source` and `reason`.
type SubmissionLabels = [(&'static str, &'static str); 2];

/// The counters other parts of the program count into: cheap to clone (each is an `Arc`'d
/// atomic) and to count with, from any thread. [`MetricsPlugin`] inserts it as a resource (or
/// takes the one already there); without the plugin nobody reads it.
#[derive(Resource, Debug, Clone)]
pub struct Counters {
    submissions: Family<SubmissionLabels, Counter>,
    render_recoveries: Counter,
}

impl Default for Counters {
    fn default() -> Self {
        let counters = Self {
            submissions: Family::default(),
            render_recoveries: Counter::default(),
        };
        // Every series exists from the start, at 0, so a rate over it is defined at once.
        for outcome in Outcome::ALL {
            counters
                .submissions
                .get_or_create_owned(&labels(Source::Phone, outcome));
        }
        for outcome in [Outcome::Stored, Outcome::Invalid, Outcome::StoreFailed] {
            counters
                .submissions
                .get_or_create_owned(&labels(Source::Kiosk, outcome));
        }
        counters
    }
}

fn labels(source: Source, outcome: Outcome) -> SubmissionLabels {
    [("source", source.label()), ("reason", outcome.reason())]
}

impl Counters {
    /// Counts one submission from `source` that ended as `outcome`.
    pub fn submission(&self, source: Source, outcome: Outcome) {
        self.submissions
            .get_or_create(&labels(source, outcome))
            .inc();
    }

    /// Counts one recovery of the renderer after a lost GPU device.
    pub fn render_recovered(&self) {
        self.render_recoveries.inc();
    }

    /// What the phone form tells of its posts ([`crate::web::WebConfig::outcomes`]), counted
    /// here as `source="phone"`.
    #[must_use]
    pub fn phone(&self) -> Outcomes {
        let counters = self.clone();
        Outcomes::to(move |outcome| counters.submission(Source::Phone, outcome))
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "dreamloom_submissions",
            "Dreams sent to be woven, by source (kiosk, phone) and what became of them (reason: \
             stored, or why they were refused)",
            self.submissions.clone(),
        );
        registry.register(
            "dreamloom_render_recoveries",
            "Times the kiosk created its renderer anew after the GPU device was lost",
            self.render_recoveries.clone(),
        );
    }
}

/// The frame loop's heartbeat, which `/healthz` reads from the server's thread.
#[derive(Resource, Debug, Clone)]
struct FrameBeat {
    started: Instant,
    /// Milliseconds from `started` to the end of the last frame; [`NO_FRAME`] before the first.
    last_ms: Arc<AtomicU64>,
}

/// No frame has ended yet.
const NO_FRAME: u64 = u64::MAX;

impl FrameBeat {
    fn new(started: Instant) -> Self {
        Self {
            started,
            last_ms: Arc::new(AtomicU64::new(NO_FRAME)),
        }
    }

    /// A frame ended now.
    fn beat(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(NO_FRAME - 1);
        self.last_ms.store(ms.min(NO_FRAME - 1), Ordering::Relaxed);
    }

    /// How long ago the last frame ended; `None` before the first.
    fn since_last(&self) -> Option<Duration> {
        let last = self.last_ms.load(Ordering::Relaxed);
        (last != NO_FRAME).then(|| {
            self.started
                .elapsed()
                .saturating_sub(Duration::from_millis(last))
        })
    }
}

/// A gauge of a float (stored as its bits).
type FloatGauge = Gauge<f64, AtomicU64>;
/// A gauge of a count or a size.
type CountGauge = Gauge<u64, AtomicU64>;

/// The gauges the frame loop writes.
#[derive(Resource, Clone)]
struct Gauges {
    frame_seconds: Histogram,
    frames: Counter,
    recent: Family<[(&'static str, &'static str); 1], FloatGauge>,
    threads_visible: CountGauge,
    threads_dissolved: CountGauge,
    threads_sanctuary: CountGauge,
    origin_entropy: FloatGauge,
    hue_entropy: FloatGauge,
    homogenisation: FloatGauge,
    store_bytes: CountGauge,
    outbox_depth: CountGauge,
    adapter: Family<[(&'static str, String); 1], Gauge>,
}

/// Upper bounds of the frame-time buckets, seconds: just above a frame at 120, 60 and 30 Hz,
/// and the stalls a visitor would notice.
const FRAME_BUCKETS: [f64; 11] = [
    0.005, 0.0085, 0.0175, 0.025, 0.035, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The recent frame-time quantiles published, with their label values.
const QUANTILES: [(f64, &str); 3] = [(0.5, "0.5"), (0.95, "0.95"), (0.99, "0.99")];

impl Gauges {
    fn new() -> Self {
        let gauges = Self {
            frame_seconds: Histogram::new(FRAME_BUCKETS),
            frames: Counter::default(),
            recent: Family::default(),
            threads_visible: CountGauge::default(),
            threads_dissolved: CountGauge::default(),
            threads_sanctuary: CountGauge::default(),
            origin_entropy: FloatGauge::default(),
            hue_entropy: FloatGauge::default(),
            homogenisation: FloatGauge::default(),
            store_bytes: CountGauge::default(),
            outbox_depth: CountGauge::default(),
            adapter: Family::default(),
        };
        // No reading yet: not a number, rather than a 0 that would mean "one origin left".
        for gauge in [
            &gauges.origin_entropy,
            &gauges.hue_entropy,
            &gauges.homogenisation,
        ] {
            gauge.set(f64::NAN);
        }
        gauges
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "dreamloom_frame_seconds",
            "Time between frames, seconds (from Bevy's real time)",
            self.frame_seconds.clone(),
        );
        registry.register(
            "dreamloom_frame_seconds_recent",
            "Quantiles of the time between frames over the last 240 frames, seconds (updated \
             once a second)",
            self.recent.clone(),
        );
        registry.register(
            "dreamloom_frames",
            "Frames the piece has run",
            self.frames.clone(),
        );
        registry.register(
            "dreamloom_threads_visible",
            "Threads the protocol has on the cloak (presence above 0)",
            self.threads_visible.clone(),
        );
        registry.register(
            "dreamloom_threads_dissolved",
            "Threads the protocol has dissolved (presence 0) this night",
            self.threads_dissolved.clone(),
        );
        registry.register(
            "dreamloom_threads_sanctuary",
            "Visible threads held in the Sanctuary",
            self.threads_sanctuary.clone(),
        );
        registry.register(
            "dreamloom_diversity_origin_entropy",
            "Diversity meter: entropy of the visible threads' origins, 0 to 1 (NaN before the \
             first reading)",
            self.origin_entropy.clone(),
        );
        registry.register(
            "dreamloom_diversity_hue_entropy",
            "Diversity meter: entropy of the colour left on the cloak, 0 to 1 (NaN before the \
             first reading)",
            self.hue_entropy.clone(),
        );
        registry.register(
            "dreamloom_diversity_homogenisation",
            "Diversity meter: 1 minus the mean identity of the visible threads, 0 to 1 (NaN \
             before the first reading)",
            self.homogenisation.clone(),
        );
        registry.register(
            "dreamloom_store_size_bytes",
            "Size of the narrative store, bytes: its SQLite file, or the exhibition's whole \
             PostgreSQL database (0 without a store)",
            self.store_bytes.clone(),
        );
        registry.register(
            "dreamloom_outbox_depth",
            "Dreams and withdrawals this kiosk keeps in its outbox while the exhibition's \
             database is unreachable, waiting to be forwarded (0 without an outbox)",
            self.outbox_depth.clone(),
        );
        registry.register(
            "dreamloom_adapter_info",
            "The GPU adapter the piece renders on (value 1; none without a window)",
            self.adapter.clone(),
        );
    }
}

/// What the server measures when scraped: memory and uptime are not the frame loop's work.
#[derive(Debug, Clone)]
struct Process {
    started: Instant,
    resident: CountGauge,
    uptime: FloatGauge,
}

impl Process {
    fn new(started: Instant, registry: &mut Registry) -> Self {
        let process = Self {
            started,
            resident: CountGauge::default(),
            uptime: FloatGauge::default(),
        };
        registry.register(
            "dreamloom_resident_memory_bytes",
            "Resident memory of the process, bytes (VmRSS; 0 where /proc cannot be read)",
            process.resident.clone(),
        );
        registry.register(
            "dreamloom_uptime_seconds",
            "Seconds since the piece started",
            process.uptime.clone(),
        );
        process
    }

    /// Brings memory and uptime up to now.
    fn measure(&self) {
        if let Some(bytes) = crate::tuning::health::resident_bytes() {
            self.resident.set(bytes);
        }
        self.uptime.set(self.started.elapsed().as_secs_f64());
    }
}

/// The running endpoint: dropping it (with the app) stops its server.
#[derive(Resource)]
struct MetricsServer {
    _server: WebServer,
}

impl Plugin for MetricsPlugin {
    fn build(&self, app: &mut App) {
        let started = Instant::now();
        let counters = app
            .world()
            .get_resource::<Counters>()
            .cloned()
            .unwrap_or_default();
        let gauges = Gauges::new();
        let beat = FrameBeat::new(started);
        let mut registry = Registry::default();
        gauges.register(&mut registry);
        counters.register(&mut registry);
        let process = Process::new(started, &mut registry);
        app.insert_resource(counters)
            .insert_resource(gauges)
            .insert_resource(beat.clone())
            .add_systems(Last, (record_frame, copy_state));
        let endpoint = endpoint::Endpoint {
            registry,
            beat,
            stale_after: self.stale_after,
            process,
        };
        match endpoint::start(self.listen, endpoint) {
            Ok(server) => {
                let addr = server.local_addr();
                info!("metrics: listening on http://{addr}/metrics (and /healthz)");
                app.insert_resource(MetricsListening(addr))
                    .insert_resource(MetricsServer { _server: server });
            }
            // The piece runs on without its monitoring; the log and the terminal say why.
            Err(error) => {
                error!("the metrics endpoint is off: {error}");
                eprintln!("dreamloom: the metrics endpoint is off: {error}");
            }
        }
    }
}

/// Frame times of the last [`RECENT_FRAMES`] frames, and the time since their quantiles were
/// last published.
#[derive(Default)]
struct RecentFrames {
    seconds: VecDeque<f64>,
    since_published: f64,
}

/// Each frame: the heartbeat, the frame counter and the frame time; once a second, the recent
/// quantiles.
fn record_frame(
    time: Res<Time<Real>>,
    beat: Res<FrameBeat>,
    gauges: Res<Gauges>,
    mut recent: Local<RecentFrames>,
) {
    beat.beat();
    gauges.frames.inc();
    let seconds = time.delta_secs_f64();
    // The first frame has no time before it.
    if seconds <= 0.0 {
        return;
    }
    gauges.frame_seconds.observe(seconds);
    if recent.seconds.len() == RECENT_FRAMES {
        recent.seconds.pop_front();
    }
    recent.seconds.push_back(seconds);
    recent.since_published += seconds;
    if recent.since_published < 1.0 {
        return;
    }
    recent.since_published = 0.0;
    let mut sorted: Vec<f64> = recent.seconds.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    for (quantile, label) in QUANTILES {
        let at = ((sorted.len() - 1) as f64 * quantile).round() as usize;
        gauges
            .recent
            .get_or_create(&[("quantile", label)])
            .set(sorted[at.min(sorted.len() - 1)]);
    }
}

/// Copies what changed into the gauges: the protocol's threads, the last diversity reading, the
/// store's size, the outbox's depth (an atomic the store's writer keeps, read each frame), the
/// adapter.
fn copy_state(
    gauges: Res<Gauges>,
    protocol: Option<Res<Protocol>>,
    history: Option<Res<DiversityHistory>>,
    stats: Option<Res<StoreStats>>,
    store: Option<Res<StoreHandle>>,
    adapter: Option<Res<AdapterName>>,
) {
    if let Some(protocol) = protocol.filter(DetectChanges::is_changed) {
        let strands = protocol.strands();
        let (mut visible, mut sanctuary) = (0usize, 0usize);
        for strand in strands.iter().filter(|s| s.presence > 0.0) {
            visible += 1;
            sanctuary += usize::from(strand.sanctuary);
        }
        gauges.threads_visible.set(count(visible));
        gauges
            .threads_dissolved
            .set(count(strands.len().saturating_sub(visible)));
        gauges.threads_sanctuary.set(count(sanctuary));
    }
    if let Some(history) = history.filter(DetectChanges::is_changed)
        && let Some(last) = history.readings.back()
    {
        gauges.origin_entropy.set(f64::from(last.origin_entropy));
        gauges.hue_entropy.set(f64::from(last.hue_entropy));
        gauges.homogenisation.set(f64::from(last.homogenisation));
    }
    if let Some(stats) = stats.filter(DetectChanges::is_changed) {
        gauges.store_bytes.set(stats.bytes);
    }
    if let Some(store) = store {
        gauges.outbox_depth.set(count(store.0.outbox_depth()));
    }
    if let Some(adapter) = adapter.filter(DetectChanges::is_changed) {
        gauges.adapter.clear();
        gauges
            .adapter
            .get_or_create(&[("name", adapter.0.clone())])
            .set(1);
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heartbeat_says_how_long_since_the_last_frame() {
        let beat = FrameBeat::new(Instant::now());
        assert_eq!(beat.since_last(), None);
        beat.beat();
        assert!(
            beat.since_last()
                .is_some_and(|age| age < Duration::from_secs(1))
        );
    }

    #[test]
    fn every_metric_is_described_once_and_submissions_start_at_zero() {
        let mut registry = Registry::default();
        Gauges::new().register(&mut registry);
        Counters::default().register(&mut registry);
        let _process = Process::new(Instant::now(), &mut registry);
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        let types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE ")).collect();
        let unique: std::collections::BTreeSet<&str> = types.iter().copied().collect();
        assert_eq!(types.len(), unique.len(), "{text}");
        // Families with no series yet (the recent quantiles before a second has passed, the
        // adapter before it is known) are not written at all.
        assert!(types.len() >= 14, "{text}");
        assert!(
            text.contains("dreamloom_submissions_total{source=\"phone\",reason=\"stored\"} 0\n"),
            "{text}"
        );
        assert!(text.contains("dreamloom_outbox_depth 0\n"), "{text}");
    }

    /// Fails on the old placeholder, which registered a gauge of its own that nothing could set.
    #[test]
    fn the_outbox_depth_is_what_the_gauge_is_given() {
        let mut registry = Registry::default();
        let gauges = Gauges::new();
        gauges.register(&mut registry);
        gauges.outbox_depth.set(7);
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        assert!(text.contains("dreamloom_outbox_depth 7\n"), "{text}");
    }
}
