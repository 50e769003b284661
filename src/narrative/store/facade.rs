//! [`Database`] and [`Reader`]: the store's write connection and its read-only view, each the
//! embedded SQLite one or an exhibition's PostgreSQL one behind the same methods, so that the
//! writer thread, the feed, the kiosk, the phone form and the commands never ask which.

use std::path::Path;

use super::{
    DATABASE_FILE, Event, EventKind, Location, PgDatabase, PgReader, SqliteDatabase, SqliteReader,
    Status, StatusCounts, StoreError, StoredNarrative, Withdrawal,
};
use crate::narrative::{Narrative, NarrativeId, receipt::Receipt, validate::ValidSubmission};

/// The store's write connection: it creates and migrates the schema and makes every change. The
/// writer thread owns the one a running piece needs (see [`Store`](super::Store)).
pub enum Database {
    /// The embedded store, a SQLite file in the data folder.
    Sqlite(SqliteDatabase),
    /// An exhibition's shared PostgreSQL database (boxed: its client is several times the size
    /// of a SQLite connection).
    Postgres(Box<PgDatabase>),
}

impl Database {
    /// Opens (creating and migrating if needed) the SQLite database at `path`, and finishes any
    /// erasure a withdrawal left pending (see [`SqliteDatabase::open`]).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        SqliteDatabase::open(path).map(Self::Sqlite)
    }

    /// Connects to an exhibition's PostgreSQL database at `url` (`postgres://…`), creating or
    /// migrating its tables if needed (see [`PgDatabase::open`]).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        PgDatabase::open(url).map(|db| Self::Postgres(Box::new(db)))
    }

    /// Connects to an exhibition's database as a machine that runs for hours does (see
    /// [`PgDatabase::open_or_later`]): briefly, and without failing while the server is away.
    /// The error beside the database says it is away now; it connects at its first use once the
    /// server is back.
    pub fn connect_or_later(url: &str) -> Result<(Self, Option<StoreError>), StoreError> {
        PgDatabase::open_or_later(url).map(|(db, away)| (Self::Postgres(Box::new(db)), away))
    }

    /// Opens the store at `location`: the SQLite file in a data folder (the folder must exist),
    /// or an exhibition's database.
    pub fn open_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Folder(dir) => Self::open(&dir.join(DATABASE_FILE)),
            Location::Postgres(url) => Self::connect(url),
        }
    }

    /// Loads the embedded samples into a store that has never held a narrative.
    pub fn seed_samples_if_new(&mut self) -> Result<usize, StoreError> {
        match self {
            Self::Sqlite(db) => db.seed_samples_if_new(),
            Self::Postgres(db) => db.seed_samples_if_new(),
        }
    }

    /// Stores a validated submission with its `submitted` event, durably; a submission sent again
    /// with the same [`submission_id`](super::Admission::submission_id) is answered with the
    /// first one's id and receipt, and not stored twice.
    pub fn submit(
        &mut self,
        valid: &ValidSubmission,
        admission: super::Admission,
    ) -> Result<(NarrativeId, Receipt), StoreError> {
        match self {
            Self::Sqlite(db) => db.submit(valid, admission),
            Self::Postgres(db) => db.submit(valid, admission),
        }
    }

    /// Stores many submissions in one transaction; each line is all-or-nothing on its own, so one
    /// refused line does not cost the others.
    pub fn submit_batch(
        &mut self,
        batch: &[(ValidSubmission, super::Admission)],
    ) -> Result<Vec<Result<Receipt, StoreError>>, StoreError> {
        match self {
            Self::Sqlite(db) => db.submit_batch(batch),
            Self::Postgres(db) => db.submit_batch(batch),
        }
    }

    /// Sets a narrative's status (curators: approve, hide, restore).
    pub fn moderate(
        &mut self,
        receipt: Receipt,
        status: Status,
    ) -> Result<NarrativeId, StoreError> {
        match self {
            Self::Sqlite(db) => db.moderate(receipt, status),
            Self::Postgres(db) => db.moderate(receipt, status),
        }
    }

    /// Withdraws a narrative, erasing its text, origin and language, and says how far the
    /// erasure from the store's files got (see [`Withdrawal`]).
    pub fn withdraw(&mut self, receipt: Receipt) -> Result<(NarrativeId, Withdrawal), StoreError> {
        match self {
            Self::Sqlite(db) => db.withdraw(receipt),
            Self::Postgres(db) => db.withdraw(receipt),
        }
    }

    /// How many withdrawn narratives still wait for their old copies to be erased from the
    /// files (see [`Withdrawal::Pending`]).
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        match self {
            Self::Sqlite(db) => db.pending_erasures(),
            Self::Postgres(db) => db.pending_erasures(),
        }
    }

    /// The writer thread's retry, between jobs: one bounded attempt to finish every pending
    /// erasure.
    pub(super) fn retry_erasures(&mut self) {
        match self {
            Self::Sqlite(db) => db.retry_erasures(),
            Self::Postgres(db) => db.retry_erasures(),
        }
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        match self {
            Self::Sqlite(db) => db.narratives(),
            Self::Postgres(db) => db.narratives(),
        }
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        match self {
            Self::Sqlite(db) => db.pending(limit),
            Self::Postgres(db) => db.pending(limit),
        }
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        match self {
            Self::Sqlite(db) => db.lookup(receipt),
            Self::Postgres(db) => db.lookup(receipt),
        }
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        match self {
            Self::Sqlite(db) => db.status_counts(),
            Self::Postgres(db) => db.status_counts(),
        }
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        match self {
            Self::Sqlite(db) => db.displayed(),
            Self::Postgres(db) => db.displayed(),
        }
    }

    /// Records what the protocol did, in one transaction. Events about narratives the store does
    /// not hold (synthetic ones, or withdrawn since) are skipped.
    pub fn log_protocol_events(
        &mut self,
        events: &[(NarrativeId, EventKind)],
    ) -> Result<usize, StoreError> {
        match self {
            Self::Sqlite(db) => db.log_protocol_events(events),
            Self::Postgres(db) => db.log_protocol_events(events),
        }
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        match self {
            Self::Sqlite(db) => db.status_of(receipt),
            Self::Postgres(db) => db.status_of(receipt),
        }
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        match self {
            Self::Sqlite(db) => db.events_after(seq),
            Self::Postgres(db) => db.events_after(seq),
        }
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        match self {
            Self::Sqlite(db) => db.last_submission_ms(),
            Self::Postgres(db) => db.last_submission_ms(),
        }
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        match self {
            Self::Sqlite(db) => db.last_seq(),
            Self::Postgres(db) => db.last_seq(),
        }
    }

    /// `"ok"` for a sound store, else what is wrong: SQLite's `PRAGMA integrity_check`; in
    /// PostgreSQL, which checks its own pages, Dreamloom's own rules (see
    /// [`PgDatabase::integrity_check`]).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        match self {
            Self::Sqlite(db) => db.integrity_check(),
            Self::Postgres(db) => db.integrity_check(),
        }
    }

    /// Tells the exhibition this machine is alive: its `name`, its `role` (`"kiosk"`,
    /// `"renderer"`), and how many submissions wait in its outbox. Nothing to tell for a store of
    /// one's own (SQLite): nobody else reads it.
    pub fn heartbeat(
        &mut self,
        name: &str,
        role: &str,
        outbox_depth: usize,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(_) => Ok(()),
            Self::Postgres(db) => db.heartbeat(name, role, outbox_depth),
        }
    }
}

/// A read-only view of the store on a connection of its own, for readers on other threads (the
/// viewer's feed, the command line). It cannot write, and never creates or migrates the store
/// (the writer does).
pub enum Reader {
    /// The embedded store, a SQLite file opened read-only.
    Sqlite(SqliteReader),
    /// An exhibition's shared PostgreSQL database, on a read-only session (boxed, as in
    /// [`Database`]).
    Postgres(Box<PgReader>),
}

impl Reader {
    /// Opens the SQLite database at `path` for reading only (see [`SqliteReader::open`]).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        SqliteReader::open(path).map(Self::Sqlite)
    }

    /// Opens the store at `location` for reading only: a missing SQLite file, or an exhibition's
    /// database whose schema is not this build's, is refused.
    pub fn open_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Folder(dir) => Self::open(&dir.join(DATABASE_FILE)),
            Location::Postgres(url) => PgReader::open(url).map(|r| Self::Postgres(Box::new(r))),
        }
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.narratives(),
            Self::Postgres(reader) => reader.narratives(),
        }
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.pending(limit),
            Self::Postgres(reader) => reader.pending(limit),
        }
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.lookup(receipt),
            Self::Postgres(reader) => reader.lookup(receipt),
        }
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.status_counts(),
            Self::Postgres(reader) => reader.status_counts(),
        }
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.displayed(),
            Self::Postgres(reader) => reader.displayed(),
        }
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.status_of(receipt),
            Self::Postgres(reader) => reader.status_of(receipt),
        }
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.events_after(seq),
            Self::Postgres(reader) => reader.events_after(seq),
        }
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.last_submission_ms(),
            Self::Postgres(reader) => reader.last_submission_ms(),
        }
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.last_seq(),
            Self::Postgres(reader) => reader.last_seq(),
        }
    }

    /// `"ok"` for a sound store, else what is wrong (see [`Database::integrity_check`]).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.integrity_check(),
            Self::Postgres(reader) => reader.integrity_check(),
        }
    }

    /// How many withdrawn narratives still wait for their old copies to be erased from the
    /// files (see [`Withdrawal::Pending`]).
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        match self {
            Self::Sqlite(reader) => reader.pending_erasures(),
            Self::Postgres(reader) => reader.pending_erasures(),
        }
    }

    /// How many bytes the store takes: the SQLite file, or the exhibition's whole database
    /// (`pg_database_size`); `None` when that cannot be read.
    #[must_use]
    pub fn size_bytes(&self) -> Option<u64> {
        match self {
            Self::Sqlite(reader) => reader.size_bytes(),
            Self::Postgres(reader) => reader.size_bytes(),
        }
    }

    /// When an exhibition's clock started (`exhibition init`), milliseconds since the Unix
    /// epoch; `None` for a machine's own SQLite store, which has no shared clock.
    pub fn epoch_ms(&self) -> Result<Option<i64>, StoreError> {
        match self {
            Self::Sqlite(_) => Ok(None),
            Self::Postgres(reader) => reader.epoch_ms(),
        }
    }
}
