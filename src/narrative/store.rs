//! The durable narrative store: SQLite in WAL mode with `synchronous=FULL`, one writer thread, and
//! an append-only event log beside the current state.
//!
//! A visitor who was told "your dream is woven in" must find it there after a power cut, so a
//! submission's receipt is returned only after its transaction has committed. All writes go through
//! one thread that owns the write connection; callers wait on a reply, and rendering never touches
//! the disk (the viewer reads through its own connection on a watcher thread, see `feed.rs`).
//!
//! The interface is narrow — submit, moderate, withdraw, read the current narratives, read the events
//! after a sequence number — so that a shared log (PostgreSQL, for exhibitions with several kiosks)
//! can stand behind it later. Events name narratives by id and never hold their text, so
//! withdrawal erases a dream completely: the text is overwritten, SQLite's `secure_delete` zeroes
//! freed bytes, and the WAL is checkpointed and truncated so no old page image survives there.

use std::{
    path::{Path, PathBuf},
    sync::mpsc,
    thread,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    Consent, Narrative, NarrativeId,
    receipt::Receipt,
    validate::{Submission, ValidSubmission},
};

/// Schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;
/// File name of the database inside the data folder.
pub const DATABASE_FILE: &str = "dreamloom.sqlite3";

/// Where a narrative is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Held until a curator approves it (pre-moderation).
    Pending,
    /// On the cloak.
    Visible,
    /// Taken off the cloak by a curator; can be restored.
    Hidden,
    /// Withdrawn by its owner: text and origin erased.
    Withdrawn,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Visible => "visible",
            Status::Hidden => "hidden",
            Status::Withdrawn => "withdrawn",
        }
    }

    fn parse(text: &str) -> rusqlite::Result<Self> {
        match text {
            "pending" => Ok(Status::Pending),
            "visible" => Ok(Status::Visible),
            "hidden" => Ok(Status::Hidden),
            "withdrawn" => Ok(Status::Withdrawn),
            other => Err(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown status {other:?}").into(),
            )),
        }
    }
}

/// A narrative as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNarrative {
    pub narrative: Narrative,
    pub receipt: Receipt,
    pub status: Status,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// How many narratives the store holds in each status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCounts {
    pub pending: usize,
    pub visible: usize,
    pub hidden: usize,
    pub withdrawn: usize,
}

/// What happened, in the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Submitted,
    /// A curator (or an import) set the status.
    Moderated(Status),
    Withdrawn,
    /// The Neuro-Synch Protocol dissolved its thread.
    Dissolved,
    /// The Sanctuary held its thread against the protocol.
    Preserved,
    /// Its dissolving thread was whole again once the protocol stopped.
    Restored,
}

/// One entry of the append-only, totally ordered event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Position in the log, strictly increasing.
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub narrative: NarrativeId,
    pub kind: EventKind,
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the narrative store at {path} could not be opened: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the narrative store was written by a newer Dreamloom (schema {found}, this one knows up to {SCHEMA_VERSION})"
    )]
    NewerSchema { found: i64 },
    #[error("no narrative has the receipt code {0}")]
    UnknownReceipt(Receipt),
    #[error("the receipt code {0} is already taken")]
    ReceiptTaken(Receipt),
    #[error("the narrative with receipt {0} was already withdrawn")]
    AlreadyWithdrawn(Receipt),
    #[error("could not create the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// What to tell a visitor who typed a receipt code that led to this error, in plain words:
    /// `None` for faults that are not theirs to fix.
    #[must_use]
    pub fn for_visitor(&self) -> Option<String> {
        match self {
            StoreError::UnknownReceipt(receipt) => Some(format!(
                "No dream has the code {receipt}. Please check each letter and digit."
            )),
            StoreError::AlreadyWithdrawn(receipt) => Some(format!(
                "The dream with the code {receipt} was already taken back."
            )),
            _ => None,
        }
    }
}

/// How a narrative enters the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Its status on arrival: visible (post-moderation) or pending (pre-moderation).
    pub status: Status,
    /// A receipt to keep (an import of an export); a fresh random one when `None`.
    pub receipt: Option<Receipt>,
    /// Creation time to keep (an import); now when `None`.
    pub created_at_ms: Option<i64>,
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            status: Status::Visible,
            receipt: None,
            created_at_ms: None,
        }
    }
}

/// An exhibition's moderation policy: what a new visitor submission looks like on arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    /// Visible at once; a curator can hide it afterwards.
    #[default]
    Post,
    /// Held as pending, off the cloak, until a curator approves it.
    Pre,
}

impl Moderation {
    /// How a fresh submission enters the store under this policy.
    #[must_use]
    pub fn admission(self) -> Admission {
        Admission {
            status: match self {
                Moderation::Post => Status::Visible,
                Moderation::Pre => Status::Pending,
            },
            ..Admission::default()
        }
    }
}

impl std::str::FromStr for Moderation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "post" => Ok(Moderation::Post),
            "pre" => Ok(Moderation::Pre),
            other => Err(format!(
                "unknown moderation policy \"{other}\": use \"post\" (visible at once, curators \
                 can hide) or \"pre\" (held until a curator approves)"
            )),
        }
    }
}

/// Whether a new, empty store gets the embedded sample narratives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Load the samples into a brand-new store, so the cloak is never empty.
    Samples,
    /// Leave a new store empty.
    Empty,
}

/// Milliseconds since the Unix epoch, now.
#[must_use]
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One connection to the store's database. The writer thread owns one; readers open their own.
pub struct Database {
    conn: Connection,
}

const MIGRATION_1: &str = "
CREATE TABLE narratives (
    id            INTEGER PRIMARY KEY,
    receipt       TEXT    NOT NULL UNIQUE,
    text          TEXT,
    origin        TEXT,
    language      TEXT,
    display       INTEGER NOT NULL,
    sanctuary     INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    status        TEXT    NOT NULL
        CHECK (status IN ('pending', 'visible', 'hidden', 'withdrawn')),
    CHECK ((status = 'withdrawn') = (text IS NULL))
);
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    narrative INTEGER NOT NULL REFERENCES narratives(id),
    kind      TEXT    NOT NULL CHECK (kind IN ('submitted', 'moderated', 'withdrawn')),
    status    TEXT
);
CREATE TRIGGER events_are_never_changed BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// Version 2: the protocol's events join the log. SQLite cannot widen a CHECK constraint in
/// place, so the log is copied into a new table, order and all, and the guards are re-created.
const MIGRATION_2: &str = "
CREATE TABLE events_v2 (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    narrative INTEGER NOT NULL REFERENCES narratives(id),
    kind      TEXT    NOT NULL CHECK (kind IN
        ('submitted', 'moderated', 'withdrawn', 'dissolved', 'preserved', 'restored')),
    status    TEXT
);
INSERT INTO events_v2 (seq, at_ms, narrative, kind, status)
    SELECT seq, at_ms, narrative, kind, status FROM events ORDER BY seq;
DROP TRIGGER events_are_never_changed;
DROP TRIGGER events_are_never_deleted;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
";

impl Database {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA secure_delete = ON;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(open_error)?;
        let mut db = Self { conn };
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { found: version });
        }
        for (to, migration) in [(1, MIGRATION_1), (2, MIGRATION_2)] {
            if version < to {
                let tx = self.conn.transaction()?;
                tx.execute_batch(migration)?;
                tx.pragma_update(None, "user_version", to)?;
                tx.commit()?;
            }
        }
        Ok(())
    }

    /// Loads the embedded samples into a store that has never held a narrative.
    pub fn seed_samples_if_new(&mut self) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let seeded: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'seeded'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let count: i64 = tx.query_row("SELECT count(*) FROM narratives", [], |r| r.get(0))?;
        if seeded.is_some() || count > 0 {
            return Ok(0);
        }
        let samples = super::sample_narratives()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        for sample in &samples {
            let valid = super::validate::validate(&Submission::from(sample))
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            insert(&tx, &valid, Admission::default())?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seeded', 'samples')",
            [],
        )?;
        tx.commit()?;
        Ok(samples.len())
    }

    /// Stores a validated submission with its `submitted` event, durably.
    pub fn submit(
        &mut self,
        valid: &ValidSubmission,
        admission: Admission,
    ) -> Result<(NarrativeId, Receipt), StoreError> {
        let tx = self.conn.transaction()?;
        let stored = insert(&tx, valid, admission)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Stores many submissions in one transaction; each line is all-or-nothing on its own (a
    /// savepoint each), so one refused line does not cost the others.
    pub fn submit_batch(
        &mut self,
        batch: &[(ValidSubmission, Admission)],
    ) -> Result<Vec<Result<Receipt, StoreError>>, StoreError> {
        let mut tx = self.conn.transaction()?;
        let mut results = Vec::with_capacity(batch.len());
        for (valid, admission) in batch {
            let savepoint = tx.savepoint()?;
            match insert(&savepoint, valid, *admission) {
                Ok((_, receipt)) => {
                    savepoint.commit()?;
                    results.push(Ok(receipt));
                }
                Err(error) => {
                    drop(savepoint);
                    results.push(Err(error));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }

    /// Sets a narrative's status (curators: approve, hide, restore).
    pub fn moderate(
        &mut self,
        receipt: Receipt,
        status: Status,
    ) -> Result<NarrativeId, StoreError> {
        let tx = self.conn.transaction()?;
        let (id, current) = find(&tx, receipt)?;
        if current == Status::Withdrawn || status == Status::Withdrawn {
            return Err(StoreError::AlreadyWithdrawn(receipt));
        }
        tx.execute(
            "UPDATE narratives SET status = ?1 WHERE id = ?2",
            params![status.as_str(), id.0.cast_signed()],
        )?;
        log_event(&tx, id, EventKind::Moderated(status))?;
        tx.commit()?;
        Ok(id)
    }

    /// Withdraws a narrative: erases its text, origin and language, logs the withdrawal, then
    /// checkpoints the WAL so no copy of the text survives there.
    pub fn withdraw(&mut self, receipt: Receipt) -> Result<NarrativeId, StoreError> {
        let tx = self.conn.transaction()?;
        let (id, status) = find(&tx, receipt)?;
        if status == Status::Withdrawn {
            return Err(StoreError::AlreadyWithdrawn(receipt));
        }
        tx.execute(
            "UPDATE narratives SET text = NULL, origin = NULL, language = NULL,
                 status = 'withdrawn' WHERE id = ?1",
            params![id.0.cast_signed()],
        )?;
        log_event(&tx, id, EventKind::Withdrawn)?;
        tx.commit()?;
        self.checkpoint()?;
        Ok(id)
    }

    /// Copies the WAL into the database and truncates it, retrying while readers hold it.
    pub fn checkpoint(&self) -> Result<bool, StoreError> {
        for attempt in 0..50 {
            let busy: i64 = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            if busy == 0 {
                return Ok(true);
            }
            thread::sleep(Duration::from_millis(10 * (attempt + 1)));
        }
        Ok(false)
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        self.select("WHERE status != 'withdrawn' ORDER BY id", [])
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        self.select(
            "WHERE status = 'pending' ORDER BY id LIMIT ?1",
            [i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        self.select("WHERE receipt = ?1", [receipt.as_str()])?
            .pop()
            .ok_or(StoreError::UnknownReceipt(receipt))
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM narratives GROUP BY status")?;
        let mut counts = StatusCounts::default();
        let rows = statement.query_map([], |row| {
            Ok((
                Status::parse(&row.get::<_, String>(0)?)?,
                row.get::<_, i64>(1)?,
            ))
        })?;
        for row in rows {
            let (status, count) = row?;
            let count = usize::try_from(count).unwrap_or(0);
            match status {
                Status::Pending => counts.pending = count,
                Status::Visible => counts.visible = count,
                Status::Hidden => counts.hidden = count,
                Status::Withdrawn => counts.withdrawn = count,
            }
        }
        Ok(counts)
    }

    fn select(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<StoredNarrative>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT id, receipt, COALESCE(text, ''), COALESCE(origin, ''), language, display,
                    sanctuary, created_at_ms, status
             FROM narratives {filter}"
        ))?;
        let rows = statement.query_map(params, |row| {
            let receipt: String = row.get(1)?;
            let receipt = receipt.parse().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?;
            Ok(StoredNarrative {
                narrative: Narrative {
                    id: NarrativeId(row.get::<_, i64>(0)?.cast_unsigned()),
                    text: row.get(2)?,
                    origin: row.get(3)?,
                    language: row.get(4)?,
                    consent: Consent {
                        display: row.get(5)?,
                        sanctuary: row.get(6)?,
                    },
                },
                receipt,
                created_at_ms: row.get(7)?,
                status: Status::parse(&row.get::<_, String>(8)?)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        Ok(self
            .narratives()?
            .into_iter()
            .filter(|n| n.status == Status::Visible && n.narrative.consent.display)
            .map(|n| n.narrative)
            .collect())
    }

    /// Records what the protocol did, in one transaction. Events about narratives the store does
    /// not hold (synthetic ones, or withdrawn since) are skipped.
    pub fn log_protocol_events(
        &mut self,
        events: &[(NarrativeId, EventKind)],
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut logged = 0;
        for &(id, kind) in events {
            let known: Option<String> = tx
                .query_row(
                    "SELECT status FROM narratives WHERE id = ?1",
                    [id.0.cast_signed()],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_some_and(|status| status != "withdrawn") {
                log_event(&tx, id, kind)?;
                logged += 1;
            }
        }
        tx.commit()?;
        Ok(logged)
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        Ok(find(&self.conn, receipt)?.1)
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, at_ms, narrative, kind, status FROM events WHERE seq > ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([seq], |row| {
            let kind: String = row.get(3)?;
            let status: Option<String> = row.get(4)?;
            let kind = match (kind.as_str(), status) {
                ("submitted", _) => EventKind::Submitted,
                ("withdrawn", _) => EventKind::Withdrawn,
                ("dissolved", _) => EventKind::Dissolved,
                ("preserved", _) => EventKind::Preserved,
                ("restored", _) => EventKind::Restored,
                (_, Some(status)) => EventKind::Moderated(Status::parse(&status)?),
                (_, None) => EventKind::Moderated(Status::Visible),
            };
            Ok(Event {
                seq: row.get(0)?,
                at_ms: row.get(1)?,
                narrative: NarrativeId(row.get::<_, i64>(2)?.cast_unsigned()),
                kind,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT max(at_ms) FROM events WHERE kind = 'submitted'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`'s verdict: `"ok"` for a sound database.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn insert(
    tx: &Connection,
    valid: &ValidSubmission,
    admission: Admission,
) -> Result<(NarrativeId, Receipt), StoreError> {
    let submission = valid.get();
    let created_at_ms = admission.created_at_ms.unwrap_or_else(now_ms);
    // A fresh code collides with an existing one about once in a billion: draw again.
    for _ in 0..16 {
        let receipt = admission.receipt.unwrap_or_else(Receipt::random);
        let inserted = tx.execute(
            "INSERT INTO narratives
                 (receipt, text, origin, language, display, sanctuary, created_at_ms, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (receipt) DO NOTHING",
            params![
                receipt.as_str(),
                submission.text,
                submission.origin,
                submission.language,
                submission.consent.display,
                submission.consent.sanctuary,
                created_at_ms,
                admission.status.as_str(),
            ],
        )?;
        if inserted == 1 {
            let id = NarrativeId(tx.last_insert_rowid().cast_unsigned());
            log_event(tx, id, EventKind::Submitted)?;
            if admission.status != Status::Visible {
                log_event(tx, id, EventKind::Moderated(admission.status))?;
            }
            return Ok((id, receipt));
        }
        if admission.receipt.is_some() {
            return Err(StoreError::ReceiptTaken(receipt));
        }
    }
    Err(StoreError::ReceiptTaken(Receipt::from_bits(0)))
}

fn log_event(tx: &Connection, id: NarrativeId, kind: EventKind) -> Result<(), StoreError> {
    let (kind, status) = match kind {
        EventKind::Submitted => ("submitted", None),
        EventKind::Moderated(status) => ("moderated", Some(status.as_str())),
        EventKind::Withdrawn => ("withdrawn", None),
        EventKind::Dissolved => ("dissolved", None),
        EventKind::Preserved => ("preserved", None),
        EventKind::Restored => ("restored", None),
    };
    tx.execute(
        "INSERT INTO events (at_ms, narrative, kind, status) VALUES (?1, ?2, ?3, ?4)",
        params![now_ms(), id.0.cast_signed(), kind, status],
    )?;
    Ok(())
}

fn find(conn: &Connection, receipt: Receipt) -> Result<(NarrativeId, Status), StoreError> {
    conn.query_row(
        "SELECT id, status FROM narratives WHERE receipt = ?1",
        [receipt.as_str()],
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
    )
    .optional()?
    .ok_or(StoreError::UnknownReceipt(receipt))
    .and_then(|(id, status)| Ok((NarrativeId(id.cast_unsigned()), Status::parse(&status)?)))
}

type Job = Box<dyn FnOnce(&mut Database) + Send>;

/// The store: a handle to its writer thread. Cloning is not needed; share it by reference.
pub struct Store {
    dir: PathBuf,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<thread::JoinHandle<()>>,
}

impl Store {
    /// Opens the store in the data folder `dir` (created if missing), seeding a new one as asked.
    pub fn open(dir: &Path, seed: Seed) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(DATABASE_FILE);
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let writer = thread::Builder::new()
            .name("dreamloom-store-writer".into())
            .spawn(move || {
                let opened = Database::open(&path).and_then(|mut db| {
                    if seed == Seed::Samples {
                        db.seed_samples_if_new()?;
                    }
                    Ok(db)
                });
                let mut db = match opened {
                    Ok(db) => {
                        let _ = ready_tx.send(Ok(()));
                        db
                    }
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                for job in jobs_rx {
                    job(&mut db);
                }
            })
            .map_err(|source| StoreError::Folder {
                path: dir.to_owned(),
                source,
            })?;
        ready_rx.recv().map_err(|_| StoreError::WriterGone)??;
        Ok(Self {
            dir: dir.to_owned(),
            jobs: Some(jobs_tx),
            writer: Some(writer),
        })
    }

    /// The data folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the database file.
    #[must_use]
    pub fn database_path(&self) -> PathBuf {
        self.dir.join(DATABASE_FILE)
    }

    /// Runs `work` on the writer thread and waits for its result.
    pub fn write<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Database) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        let (reply_tx, reply_rx) = mpsc::channel();
        let job: Job = Box::new(move |db| {
            let _ = reply_tx.send(work(db));
        });
        self.jobs
            .as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(job)
            .map_err(|_| StoreError::WriterGone)?;
        reply_rx.recv().map_err(|_| StoreError::WriterGone)
    }

    /// Stores a validated submission; returns its receipt once it is durable.
    pub fn submit(
        &self,
        valid: ValidSubmission,
        admission: Admission,
    ) -> Result<Receipt, StoreError> {
        self.write(move |db| db.submit(&valid, admission).map(|(_, receipt)| receipt))?
    }

    /// Runs `work` on the writer thread without waiting for it: for the running piece, which must
    /// never wait on disk. A failure is logged.
    pub fn write_detached(&self, work: impl FnOnce(&mut Database) + Send + 'static) {
        let job: Job = Box::new(work);
        if let Some(jobs) = &self.jobs
            && jobs.send(job).is_err()
        {
            bevy::log::error!("the narrative store's writer has stopped; a write was lost");
        }
    }

    /// Withdraws the narrative with `receipt`, erasing its text.
    pub fn withdraw(&self, receipt: Receipt) -> Result<NarrativeId, StoreError> {
        self.write(move |db| db.withdraw(receipt))?
    }

    /// A separate read-only view of the store, for readers on other threads.
    pub fn reader(&self) -> Result<Database, StoreError> {
        Database::open(&self.database_path())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the channel ends the writer loop after the jobs already sent.
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// Folder of the store when `--data` is not given: the user's data directory.
#[must_use]
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("dreamloom")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_store_migrates_keeping_its_log_and_takes_protocol_events() {
        let dir = crate::testing::TempDir::new("migrate");
        let path = dir.path().join(DATABASE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATION_1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO narratives VALUES (1, 'ABC123', 't', 'o', NULL, 1, 0, 5, 'visible')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO events (at_ms, narrative, kind) VALUES (5, 1, 'submitted')",
                [],
            )
            .unwrap();
        }
        let mut db = Database::open(&path).unwrap();
        let version: i64 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let logged = db
            .log_protocol_events(&[
                (NarrativeId(1), EventKind::Preserved),
                (NarrativeId(1), EventKind::Dissolved),
                (NarrativeId(99), EventKind::Dissolved),
            ])
            .unwrap();
        assert_eq!(logged, 2, "an unknown narrative is skipped");
        let kinds: Vec<EventKind> = db.events_after(0).unwrap().iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::Submitted,
                EventKind::Preserved,
                EventKind::Dissolved
            ]
        );
        let error = db.conn.execute("DELETE FROM events", []).unwrap_err();
        assert!(error.to_string().contains("append-only"));
    }
}
