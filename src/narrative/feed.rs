//! Keeps the running piece in step with the store: a watcher thread polls the event log through its
//! own read-only connection (a [`Reader`]) and hands the narratives to show to the app, which never
//! waits on disk.
//!
//! Whoever writes the store — `dreamloom submit` in another process, the kiosk, an import, another
//! machine of the exhibition — the viewer weaves the change in within [`POLL_INTERVAL`].

use std::{thread, time::Duration};

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, TryRecvError, bounded};

use super::ExhibitionClock;
use super::{
    Narrative, NarrativeArchive, Span,
    store::{Listener, Location, Reader, now_ms},
    timeline::Timeline,
};
use crate::schedule::AppSystems;

/// How often the watcher looks for new events.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// How long after the time its event carries a narrative enters an exhibition's cloak: time for
/// every renderer to hear of it first, so that all weave it in at the same instant.
pub const ENTRY_DELAY_MS: i64 = 1_500;
/// How often the feed tries an unreachable exhibition database again.
const RECONNECT_INTERVAL: Duration = Duration::from_secs(2);

/// Feeds [`NarrativeArchive`] from the store at `location`.
pub struct StoreFeedPlugin {
    /// Where the store is (the writer has opened it already: the feed only reads).
    pub location: Location,
    /// An exhibition's shared clock: with it (and a shared database), the narratives come and go
    /// at the times the log gives.
    pub clock: Option<ExhibitionClock>,
}

impl Plugin for StoreFeedPlugin {
    fn build(&self, app: &mut App) {
        let (tx, rx) = bounded::<(Shown, StoreStats)>(1);
        let location = self.location.clone();
        let shared = self.clock;
        let spawned = thread::Builder::new()
            .name("dreamloom-store-feed".into())
            .spawn(move || match (&location, shared) {
                (Location::Postgres(url), Some(_)) => follow_exhibition(url, &location, &tx),
                _ => poll_store(&location, &tx),
            });
        if let Err(error) = spawned {
            error!("could not start the narrative feed: {error}");
        }
        app.insert_resource(StoreFeed(rx))
            .init_resource::<StoreStats>()
            .add_systems(
                Update,
                (receive_narratives, follow_period)
                    .chain()
                    .in_set(AppSystems::ReadInput),
            );
    }
}

/// What the feed hands the piece.
enum Shown {
    /// The narratives to show from now on.
    Now(Vec<Narrative>),
    /// An exhibition's narratives, each coming and going at the time its events carry.
    Timed(Vec<Narrative>, Vec<Span>),
}

/// A machine's own store: polls the log's last sequence number and, on a change, sends the
/// narratives to show.
fn poll_store(location: &Location, tx: &Sender<(Shown, StoreStats)>) {
    let db = match Reader::open_at(location) {
        Ok(db) => db,
        Err(error) => {
            error!("the narrative feed stopped: {error}");
            return;
        }
    };
    let mut last_seq = -1;
    loop {
        match db.last_seq() {
            Ok(seq) if seq != last_seq => match db.displayed() {
                Ok(narratives) => {
                    last_seq = seq;
                    let stats = StoreStats {
                        last_submission_ms: db.last_submission_ms().ok().flatten(),
                        bytes: db.size_bytes().unwrap_or(0),
                    };
                    // The app gone: stop watching.
                    if tx.send((Shown::Now(narratives), stats)).is_err() {
                        return;
                    }
                }
                Err(error) => warn!("reading narratives: {error}"),
            },
            Ok(_) => {}
            Err(error) => warn!("reading the event log: {error}"),
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// An exhibition's shared log: woken by the writers' notifications (or, missing one, after
/// [`POLL_INTERVAL`]), it reads the events after the last one it has, by sequence number, and
/// sends the whole timeline: what the cloak shows is a function of the log and the exhibition's
/// clock, not of when this machine heard. A narrative enters [`ENTRY_DELAY_MS`] after the time
/// its event carries, so every renderer that hears of it within that delay weaves it in at the
/// same instant; one that hears later (restarted, or cut off a while) rebuilds to the same state.
fn follow_exhibition(url: &str, location: &Location, tx: &Sender<(Shown, StoreStats)>) {
    let mut events = Vec::new();
    let mut last_seq = 0;
    let mut connection: Option<(Reader, Option<Listener>)> = None;
    let mut complained = false;
    loop {
        let (reader, listener) = match &mut connection {
            Some(open) => open,
            None => match Reader::open_at(location) {
                Ok(reader) => {
                    if complained {
                        info!("the exhibition's database is back; catching up");
                        complained = false;
                    }
                    connection.insert((reader, Listener::open(url).ok()))
                }
                Err(error) => {
                    if !complained {
                        warn!(
                            "the exhibition's database is unreachable ({error}); the cloak stays \
                             as it is and catches up when it is back"
                        );
                        complained = true;
                    }
                    thread::sleep(RECONNECT_INTERVAL);
                    continue;
                }
            },
        };
        let caught_up = reader.events_after(last_seq).map(|fresh| {
            let news = !fresh.is_empty();
            if let Some(last) = fresh.last() {
                last_seq = last.seq;
            }
            events.extend(fresh);
            news
        });
        match caught_up {
            Ok(true) => match reader.narratives() {
                Ok(stored) => {
                    let timeline = Timeline::from_log(&stored, &events);
                    let (narratives, appearances) = timed(&timeline);
                    let stats = StoreStats {
                        last_submission_ms: reader.last_submission_ms().ok().flatten(),
                        bytes: reader.size_bytes().unwrap_or(0),
                    };
                    if tx
                        .send((Shown::Timed(narratives, appearances), stats))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(error) => {
                    warn!("reading the exhibition's narratives: {error}");
                    connection = None;
                    continue;
                }
            },
            Ok(_) => {}
            Err(error) => {
                warn!("reading the exhibition's log: {error}");
                connection = None;
                continue;
            }
        }
        let woken = if let Some(listener) = listener {
            listener.wait(POLL_INTERVAL)
        } else {
            thread::sleep(POLL_INTERVAL);
            Ok(false)
        };
        if woken.is_err() {
            // The listening session is gone; the reader finds out for itself.
            if let Some((_, listener)) = &mut connection {
                *listener = Listener::open(url).ok();
            }
        }
    }
}

/// The timeline's narratives and when each is on the cloak: [`ENTRY_DELAY_MS`] after its
/// events' times, in milliseconds since the Unix epoch (the app puts them on its period's clock).
fn timed(timeline: &Timeline) -> (Vec<Narrative>, Vec<Span>) {
    let entered = |at_ms: i64| at_ms + ENTRY_DELAY_MS;
    let mut appearances = Vec::new();
    for life in &timeline.lives {
        appearances.extend(life.shown.iter().map(|&(from, until)| Span {
            id: life.narrative.id,
            from_ms: entered(from),
            until_ms: until.map(entered),
        }));
    }
    let narratives = timeline.lives.iter().map(|l| l.narrative.clone()).collect();
    (narratives, appearances)
}

/// Narratives coming from the watcher thread.
#[derive(Resource)]
struct StoreFeed(Receiver<(Shown, StoreStats)>);

/// What the health display tells of the store.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub last_submission_ms: Option<i64>,
    /// Size of the store, bytes: the SQLite file, or the exhibition's whole PostgreSQL database.
    pub bytes: u64,
}

fn receive_narratives(
    feed: Res<StoreFeed>,
    shared: Option<Res<ExhibitionClock>>,
    mut archive: ResMut<NarrativeArchive>,
    mut stats: ResMut<StoreStats>,
) {
    match feed.0.try_recv() {
        Ok((Shown::Now(narratives), fresh)) => {
            if archive.narratives != narratives || archive.is_timed() {
                *archive = NarrativeArchive::new(narratives);
            }
            *stats = fresh;
        }
        Ok((Shown::Timed(narratives, spans), fresh)) => {
            let start = shared.map_or(0, |clock| clock.period_start(now_ms()));
            let timed = NarrativeArchive::in_period(narratives, spans, start);
            if !archive.same_as(&timed) {
                *archive = timed;
            }
            *stats = fresh;
        }
        Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
    }
}

/// When the exhibition's clock begins a new period (a new loop of the show, a new day), its
/// narratives' times are counted from the new start — at once, whether or not the database
/// answers just then.
fn follow_period(shared: Option<Res<ExhibitionClock>>, mut archive: ResMut<NarrativeArchive>) {
    let Some(shared) = shared else {
        return;
    };
    let start = shared.period_start(now_ms());
    if archive.period_start_ms().is_some_and(|held| held != start) {
        let rebased = archive.rebased(start);
        *archive = rebased;
    }
}
