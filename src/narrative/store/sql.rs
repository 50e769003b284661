//! [`SqliteDatabase`]: the embedded store's write connection. It creates and migrates the schema
//! and makes every change (submissions, moderation, withdrawal, the protocol's events), each in a
//! transaction that has committed (`synchronous=FULL`) before it returns. It reads with the same
//! queries as a [`SqliteReader`](super::SqliteReader), which live in `reader.rs`.
//!
//! It also finishes erasures: a withdrawal's last step, emptying the write-ahead log, waits for
//! the file's readers, so it is tried in short, bounded attempts (at the withdrawal, between the
//! writer thread's jobs, and at every open) until it completes; `pending_erasure` remembers what
//! is still to do, across restarts.

use std::{path::Path, time::Duration};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

use super::{
    Admission, ERASURE_WAIT, Event, EventKind, SCHEMA_VERSION, Status, StatusCounts, StoreError,
    StoredNarrative, Withdrawal, now_ms, reader,
};
use crate::narrative::{
    Narrative, NarrativeId,
    receipt::Receipt,
    sample_narratives,
    validate::{Submission, ValidSubmission, validate},
};

/// The embedded store's write connection, opened read-write: it creates the file if missing and
/// migrates it. The writer thread owns the one a running piece needs (behind
/// [`Database`](super::Database)); readers open a [`SqliteReader`](super::SqliteReader) instead.
pub struct SqliteDatabase {
    conn: Connection,
}

/// How long the write connection waits for another connection's lock before it gives up, in all
/// its work but the erasure attempts (which wait [`ERASURE_WAIT`]).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the erasure of withdrawn dreams stands after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Erasure {
    /// Nothing was waiting to be erased.
    Nothing,
    /// Everything that was waiting is erased.
    Done,
    /// A reader kept the write-ahead log from being emptied (or the attempt failed): the
    /// erasures still wait in `pending_erasure`.
    Blocked,
}

/// Version 1: narratives, the append-only event log, and a key-value table.
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

/// Version 3: withdrawals whose erasure from the files is not finished yet (see
/// [`Withdrawal::Pending`]). Stores of older versions reported every withdrawal erased even when
/// their checkpoint had given up, so each withdrawal they hold is queued once: the first open
/// after the migration empties the write-ahead log, or keeps trying until it can.
const MIGRATION_3: &str = "
CREATE TABLE pending_erasure (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    narrative INTEGER NOT NULL REFERENCES narratives(id),
    at_ms     INTEGER NOT NULL
);
INSERT INTO pending_erasure (narrative, at_ms)
    SELECT narrative, max(at_ms) FROM events WHERE kind = 'withdrawn'
    GROUP BY narrative ORDER BY narrative;
";

/// Version 4: the id a kiosk gives a submission when the visitor presses submit, so a submission
/// sent twice (a retry after a lost answer) is stored once. Older rows have none; SQLite's unique
/// index lets any number of rows hold NULL.
const MIGRATION_4: &str = "
ALTER TABLE narratives ADD COLUMN submission_id TEXT;
CREATE UNIQUE INDEX narratives_submission_id ON narratives (submission_id);
";

impl SqliteDatabase {
    /// Opens (creating and migrating if needed) the database at `path`, and finishes any erasure
    /// a withdrawal left pending (one attempt, bounded by [`ERASURE_WAIT`]).
    ///
    /// A store that cannot be written is [`StoreError::ReadOnly`], here rather than at the first
    /// submission.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with_flags(path, OpenFlags::default())
    }

    /// [`SqliteDatabase::open`] on a connection opened with `flags` (`Connection::open` uses the
    /// default ones). The tests open one read-only, which is what SQLite itself does, silently,
    /// with a file it may not write.
    fn open_with_flags(path: &Path, flags: OpenFlags) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        ensure_writable(&conn, path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA secure_delete = ON;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(open_error)?;
        let mut db = Self { conn };
        db.migrate()?;
        if db.erase_pending() == Erasure::Blocked {
            bevy::log::warn!(
                "a withdrawn dream's old copies are still in {} while another program reads the \
                 store; the erasure is retried every {} s",
                path.display(),
                super::ERASURE_RETRY_INTERVAL.as_secs()
            );
        }
        Ok(db)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        for (to, migration) in [
            (1, MIGRATION_1),
            (2, MIGRATION_2),
            (3, MIGRATION_3),
            (4, MIGRATION_4),
        ] {
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
        let samples = sample_narratives()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        for sample in &samples {
            let valid = validate(&Submission::from(sample))
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

    /// Stores a validated submission with its `submitted` event, durably. A submission whose
    /// [`submission_id`](Admission::submission_id) the store holds already is not stored again:
    /// the answer is the first one's id and receipt.
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
        let (id, current) = reader::find(&tx, receipt)?;
        if current == Status::Withdrawn || status == Status::Withdrawn {
            return Err(StoreError::AlreadyWithdrawn(receipt));
        }
        tx.execute(
            "UPDATE narratives SET status = ?1 WHERE id = ?2",
            params![status.as_str(), id.0.cast_signed()],
        )?;
        log_event(&tx, id, EventKind::Moderated(status), now_ms())?;
        tx.commit()?;
        Ok(id)
    }

    /// Withdraws a narrative: erases its text, origin and language and logs the withdrawal, with
    /// its erasure from the files queued, all in one transaction; then makes one attempt, bounded
    /// by [`ERASURE_WAIT`], to empty the write-ahead log, so no old page image with the text
    /// survives there. Whether that attempt completed is the [`Withdrawal`]: when a reader held
    /// it up, the erasure stays queued, and the writer thread and the next open retry it.
    pub fn withdraw(&mut self, receipt: Receipt) -> Result<(NarrativeId, Withdrawal), StoreError> {
        let tx = self.conn.transaction()?;
        let (id, status) = reader::find(&tx, receipt)?;
        if status == Status::Withdrawn {
            return Err(StoreError::AlreadyWithdrawn(receipt));
        }
        tx.execute(
            "UPDATE narratives SET text = NULL, origin = NULL, language = NULL,
                 status = 'withdrawn' WHERE id = ?1",
            params![id.0.cast_signed()],
        )?;
        log_event(&tx, id, EventKind::Withdrawn, now_ms())?;
        tx.execute(
            "INSERT INTO pending_erasure (narrative, at_ms) VALUES (?1, ?2)",
            params![id.0.cast_signed(), now_ms()],
        )?;
        tx.commit()?;
        let withdrawal = match self.erase_pending() {
            Erasure::Nothing | Erasure::Done => Withdrawal::Erased,
            Erasure::Blocked => Withdrawal::Pending,
        };
        Ok((id, withdrawal))
    }

    /// How many withdrawn narratives still wait for their old copies to be erased from the
    /// files (see [`Withdrawal::Pending`]).
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        reader::pending_erasures(&self.conn)
    }

    /// The writer thread's retry, between jobs: one attempt, bounded by [`ERASURE_WAIT`], to
    /// finish every pending erasure. Cheap when none is pending (one read of an empty table).
    pub(super) fn retry_erasures(&mut self) {
        if self.erase_pending() == Erasure::Done {
            bevy::log::info!("the pending erasure of withdrawn dreams is complete");
        }
    }

    /// One attempt to finish every pending erasure; a failure is logged and leaves them pending.
    fn erase_pending(&mut self) -> Erasure {
        self.try_erase_pending().unwrap_or_else(|error| {
            bevy::log::warn!("could not finish erasing withdrawn dreams (retried later): {error}");
            Erasure::Blocked
        })
    }

    fn try_erase_pending(&mut self) -> Result<Erasure, StoreError> {
        // The newest erasure queued now: the checkpoint below covers it and every older one
        // (their withdrawals committed before it), but not one another process may queue
        // meanwhile, which therefore stays.
        let newest: Option<i64> =
            self.conn
                .query_row("SELECT max(seq) FROM pending_erasure", [], |r| r.get(0))?;
        let Some(newest) = newest else {
            return Ok(Erasure::Nothing);
        };
        if !self.truncate_wal()? {
            return Ok(Erasure::Blocked);
        }
        self.conn
            .execute("DELETE FROM pending_erasure WHERE seq <= ?1", [newest])?;
        Ok(Erasure::Done)
    }

    /// Copies the write-ahead log into the database and truncates it to nothing, waiting at most
    /// [`ERASURE_WAIT`] for readers to leave it; `true` when it did. Then no old page image is
    /// left in the log, and every page of the database file holds its newest content.
    fn truncate_wal(&self) -> Result<bool, StoreError> {
        self.conn.busy_timeout(ERASURE_WAIT)?;
        let checkpoint = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            });
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        let (busy, log, checkpointed) = checkpoint?;
        // `busy` is 1 when a reader (or another writer) kept the checkpoint from completing. A
        // completed TRUNCATE leaves no frame in the log (0, 0); -1, -1 means the store is not in
        // WAL mode and has no log at all. Frames left, or frames not copied, mean old page
        // images may remain.
        Ok(busy == 0 && log <= 0 && checkpointed >= log)
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        reader::narratives(&self.conn)
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        reader::pending(&self.conn, limit)
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        reader::lookup(&self.conn, receipt)
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        reader::status_counts(&self.conn)
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        reader::displayed(&self.conn)
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
                log_event(&tx, id, kind, now_ms())?;
                logged += 1;
            }
        }
        tx.commit()?;
        Ok(logged)
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        reader::status_of(&self.conn, receipt)
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        reader::events_after(&self.conn, seq)
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        reader::last_submission_ms(&self.conn)
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        reader::last_seq(&self.conn)
    }

    /// `PRAGMA integrity_check`'s verdict: `"ok"` for a sound database.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        reader::integrity_check(&self.conn)
    }
}

/// Fails with [`StoreError::ReadOnly`] unless `conn` can write the database: SQLite opens a file
/// it may not write (or whose write-ahead log it may not write) for reading only, without a word,
/// and every submission would then fail while the piece looked fine.
fn ensure_writable(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let read_only = |source| StoreError::ReadOnly {
        path: path.to_owned(),
        source,
    };
    // Opened read-only: `BEGIN IMMEDIATE` below would not notice, as SQLite quietly starts a
    // read transaction instead on a database it opened read-only.
    let opened_read_only =
        conn.is_readonly(rusqlite::MAIN_DB)
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
    if opened_read_only {
        return Err(read_only(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some("SQLite could open the file for reading only".to_owned()),
        )));
    }
    // Taking the write lock, as every write does first, fails where the write-ahead log or its
    // index cannot be written. Nothing is written.
    conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
        .map_err(|source| {
            if matches!(
                source.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen)
            ) {
                read_only(source)
            } else {
                StoreError::Open {
                    path: path.to_owned(),
                    source,
                }
            }
        })
}

fn insert(
    tx: &Connection,
    valid: &ValidSubmission,
    admission: Admission,
) -> Result<(NarrativeId, Receipt), StoreError> {
    let submission = valid.get();
    let created_at_ms = admission.created_at_ms.unwrap_or_else(now_ms);
    let submission_id = admission.submission_id.map(|id| id.to_string());
    // Sent before: the first one's answer, and nothing stored again. (Should another connection
    // store the same id after this read, the insert below fails, by SQLite's snapshot rule and the
    // unique index, rather than store it twice.)
    if let Some(key) = &submission_id
        && let Some(stored) = submitted_before(tx, key)?
    {
        return Ok(stored);
    }
    // A fresh code collides with an existing one about once in a billion: draw again.
    for _ in 0..16 {
        let receipt = admission.receipt.unwrap_or_else(Receipt::random);
        let inserted = tx.execute(
            "INSERT INTO narratives
                 (receipt, text, origin, language, display, sanctuary, created_at_ms, status,
                  submission_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
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
                submission_id,
            ],
        )?;
        if inserted == 1 {
            let id = NarrativeId(tx.last_insert_rowid().cast_unsigned());
            // Logged when it was made: a submission forwarded later keeps its own time.
            log_event(tx, id, EventKind::Submitted, created_at_ms)?;
            if admission.status != Status::Visible {
                log_event(
                    tx,
                    id,
                    EventKind::Moderated(admission.status),
                    created_at_ms,
                )?;
            }
            return Ok((id, receipt));
        }
        if admission.receipt.is_some() {
            return Err(StoreError::ReceiptTaken(receipt));
        }
    }
    Err(StoreError::ReceiptTaken(Receipt::from_bits(0)))
}

/// Id and receipt of the narrative stored under `submission_id`, if one is.
fn submitted_before(
    tx: &Connection,
    submission_id: &str,
) -> Result<Option<(NarrativeId, Receipt)>, StoreError> {
    let found: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, receipt FROM narratives WHERE submission_id = ?1",
            [submission_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((id, code)) = found else {
        return Ok(None);
    };
    let receipt = code
        .parse::<Receipt>()
        .map_err(|error| StoreError::Unreadable(format!("receipt code {code:?}: {error}")))?;
    Ok(Some((NarrativeId(id.cast_unsigned()), receipt)))
}

fn log_event(
    tx: &Connection,
    id: NarrativeId,
    kind: EventKind,
    at_ms: i64,
) -> Result<(), StoreError> {
    let (kind, status) = kind.words();
    tx.execute(
        "INSERT INTO events (at_ms, narrative, kind, status) VALUES (?1, ?2, ?3, ?4)",
        params![at_ms, id.0.cast_signed(), kind, status],
    )?;
    Ok(())
}

/// A store as version 1 of the schema left it, with one narrative on the cloak, at `path` (for
/// the migration and reader tests).
#[cfg(test)]
pub(super) fn version_1_store(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(MIGRATION_1).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO narratives VALUES (1, 'ABC123', 't', 'o', NULL, 1, 0, 5, 'visible')",
        [],
    )
    .unwrap();
    conn
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::store::DATABASE_FILE;

    #[test]
    fn a_version_1_store_migrates_keeping_its_log_and_takes_protocol_events() {
        let dir = crate::testing::TempDir::new("migrate");
        let path = dir.path().join(DATABASE_FILE);
        {
            let conn = version_1_store(&path);
            conn.execute(
                "INSERT INTO events (at_ms, narrative, kind) VALUES (5, 1, 'submitted')",
                [],
            )
            .unwrap();
        }
        let mut db = SqliteDatabase::open(&path).unwrap();
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

    /// A schema 2 store, as the old code left it: one narrative on the cloak, one withdrawn.
    fn version_2_store(conn: &Connection) {
        conn.execute_batch(MIGRATION_1).unwrap();
        conn.execute_batch(MIGRATION_2).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO narratives VALUES (1, 'ABC123', 't', 'o', NULL, 1, 0, 5, 'visible');
             INSERT INTO narratives VALUES (2, 'DEF456', NULL, NULL, NULL, 1, 0, 6, 'withdrawn');
             INSERT INTO events (at_ms, narrative, kind) VALUES (5, 1, 'submitted');
             INSERT INTO events (at_ms, narrative, kind) VALUES (6, 2, 'submitted');
             INSERT INTO events (at_ms, narrative, kind) VALUES (7, 2, 'withdrawn');",
        )
        .unwrap();
    }

    /// Fails on the old code, which knew schema 2 only: there was no `pending_erasure` table, and
    /// a withdrawal reported its erasure done whether or not the checkpoint had completed.
    #[test]
    fn a_version_2_store_migrates_queueing_the_erasure_of_its_withdrawals() {
        // The migration queues each withdrawal the old code may have left in the log.
        let conn = Connection::open_in_memory().unwrap();
        version_2_store(&conn);
        conn.execute_batch(MIGRATION_3).unwrap();
        let queued: (i64, i64, i64) = conn
            .query_row(
                "SELECT count(*), min(narrative), min(at_ms) FROM pending_erasure",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            queued,
            (1, 2, 7),
            "one erasure, for the withdrawn narrative"
        );
        drop(conn);

        // On disk, the open migrates and, with no reader about, finishes that erasure at once.
        let dir = crate::testing::TempDir::new("migrate-3");
        let path = dir.path().join(DATABASE_FILE);
        version_2_store(&Connection::open(&path).unwrap());
        let mut db = SqliteDatabase::open(&path).unwrap();
        let version: i64 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(db.pending_erasures().unwrap(), 0, "the open finished it");
        assert_eq!(db.events_after(0).unwrap().len(), 3, "the log is kept");
        assert_eq!(db.narratives().unwrap().len(), 1);
        // A withdrawal on the migrated store queues its erasure and, unhindered, finishes it.
        let (id, withdrawal) = db.withdraw("ABC123".parse().unwrap()).unwrap();
        assert_eq!((id, withdrawal), (NarrativeId(1), Withdrawal::Erased));
        assert_eq!(db.pending_erasures().unwrap(), 0);
        let error = db.conn.execute("DELETE FROM events", []).unwrap_err();
        assert!(error.to_string().contains("append-only"));
    }

    /// Fails on the old code, which knew schema 3 only: there was no `submission_id`, and a
    /// submission sent twice was stored twice.
    #[test]
    fn a_version_3_store_migrates_keeping_its_narratives_and_stores_a_submission_once() {
        let dir = crate::testing::TempDir::new("migrate-4");
        let path = dir.path().join(DATABASE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            version_2_store(&conn);
            conn.execute_batch(MIGRATION_3).unwrap();
            conn.pragma_update(None, "user_version", 3).unwrap();
        }
        let mut db = SqliteDatabase::open(&path).unwrap();
        let version: i64 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 4);
        assert_eq!(db.narratives().unwrap().len(), 1, "the narratives are kept");
        let id = uuid::Uuid::new_v4();
        let admission = Admission {
            submission_id: Some(id),
            ..Admission::default()
        };
        let valid = validate(&Submission {
            text: "a dream sent twice".into(),
            origin: "Lagos".into(),
            ..Submission::default()
        })
        .unwrap();
        let first = db.submit(&valid, admission).unwrap();
        assert_eq!(db.submit(&valid, admission).unwrap(), first);
        let rows: i64 = db
            .conn
            .query_row(
                "SELECT count(*) FROM narratives WHERE submission_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 1);
        assert_eq!(db.narratives().unwrap().len(), 2);
    }

    /// Tests run as root here, and root writes a file whatever its mode, so a read-only file
    /// cannot be made for this test (nor a read-only mount in a container). What SQLite does
    /// with a file its process may not write is open it read-only, without a word; this test
    /// opens the real store file read-only in the same way, through every step of
    /// `SqliteDatabase::open` after the connection is made.
    ///
    /// Fails on the old code: there the open went on (the store was current, so nothing had to
    /// be written) and succeeded, and only the first submission failed, with "attempt to write a
    /// readonly database", while the kiosk looked fine.
    #[test]
    fn a_store_that_cannot_be_written_is_refused_at_open() {
        let dir = crate::testing::TempDir::new("read-only");
        let path = dir.path().join(DATABASE_FILE);
        drop(SqliteDatabase::open(&path).unwrap());
        let before = std::fs::read(&path).unwrap();
        let Err(error) = SqliteDatabase::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) else {
            panic!("a store that cannot be written was opened for writing");
        };
        assert!(
            matches!(&error, StoreError::ReadOnly { path: at, .. } if *at == path),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("cannot be written (read-only file or folder?)")
                && message.contains(&path.display().to_string()),
            "{message}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");
    }
}
