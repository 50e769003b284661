//! Keeps the running piece in step with the store: a watcher thread polls the event log through its
//! own read-only connection (a [`Reader`]) and hands the narratives to show to the app, which never
//! waits on disk.
//!
//! Whoever writes the store — `dreamloom submit` in another process, the kiosk, an import, another
//! machine of the exhibition — the viewer weaves the change in within [`POLL_INTERVAL`].

use std::{thread, time::Duration};

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, TryRecvError, bounded};

use super::{
    Narrative, NarrativeArchive,
    store::{Location, Reader},
};
use crate::schedule::AppSystems;

/// How often the watcher looks for new events.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How often the watcher tries to open its connection again while it cannot (an exhibition's
/// database that is away, at the start or since).
const REOPEN_INTERVAL: Duration = Duration::from_secs(2);

/// Feeds [`NarrativeArchive`] from the store at `location`.
pub struct StoreFeedPlugin {
    /// Where the store is (the writer has opened it already: the feed only reads).
    pub location: Location,
}

impl Plugin for StoreFeedPlugin {
    fn build(&self, app: &mut App) {
        let (tx, rx) = bounded::<(Vec<Narrative>, StoreStats)>(1);
        let location = self.location.clone();
        let spawned = thread::Builder::new()
            .name("dreamloom-store-feed".into())
            .spawn(move || watch(&location, &tx));
        if let Err(error) = spawned {
            error!("could not start the narrative feed: {error}");
        }
        app.insert_resource(StoreFeed(rx))
            .init_resource::<StoreStats>()
            .add_systems(Update, receive_narratives.in_set(AppSystems::ReadInput));
    }
}

/// The watcher thread: polls the store at `location` and sends what to show on `tx` until the
/// app is gone. A store it cannot open or read (an exhibition's database that is away) is
/// retried, said once in the log until it answers again; meanwhile the piece shows what it had.
fn watch(location: &Location, tx: &Sender<(Vec<Narrative>, StoreStats)>) {
    let mut reader: Option<Reader> = None;
    let mut last_seq = -1;
    let mut troubled = false;
    loop {
        if reader.is_none() {
            match Reader::open_at(location) {
                Ok(db) => reader = Some(db),
                Err(error) => {
                    if !troubled {
                        warn!(
                            "the narrative feed cannot open the store (tried again every {} s): \
                             {error}",
                            REOPEN_INTERVAL.as_secs()
                        );
                        troubled = true;
                    }
                    thread::sleep(REOPEN_INTERVAL);
                    continue;
                }
            }
        }
        let Some(db) = &reader else {
            continue;
        };
        let read = db.last_seq().and_then(|seq| {
            if seq == last_seq {
                return Ok(None);
            }
            let narratives = db.displayed()?;
            let stats = StoreStats {
                last_submission_ms: db.last_submission_ms().ok().flatten(),
                bytes: db.size_bytes().unwrap_or(0),
            };
            Ok(Some((seq, narratives, stats)))
        });
        match read {
            Ok(fresh) => {
                if troubled {
                    info!("the narrative feed reads the store again");
                    troubled = false;
                }
                if let Some((seq, narratives, stats)) = fresh {
                    last_seq = seq;
                    // The app gone: stop watching.
                    if tx.send((narratives, stats)).is_err() {
                        return;
                    }
                }
            }
            Err(error) => {
                if !troubled {
                    warn!("the narrative feed cannot read the store (it keeps trying): {error}");
                    troubled = true;
                }
            }
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Narratives coming from the watcher thread.
#[derive(Resource)]
struct StoreFeed(Receiver<(Vec<Narrative>, StoreStats)>);

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
    mut archive: ResMut<NarrativeArchive>,
    mut stats: ResMut<StoreStats>,
) {
    match feed.0.try_recv() {
        Ok((narratives, fresh)) => {
            if archive.narratives != narratives {
                archive.narratives = narratives;
            }
            *stats = fresh;
        }
        Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
    }
}
