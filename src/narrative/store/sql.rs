//! [`Database`]: the store's write connection. It creates and migrates the schema and makes every
//! change (submissions, moderation, withdrawal, the protocol's events), each in a transaction that
//! has committed (`synchronous=FULL`) before it returns. It reads with the same queries as a
//! [`Reader`](super::Reader), which live in `reader.rs`.

use std::{path::Path, thread, time::Duration};

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    Admission, Event, EventKind, SCHEMA_VERSION, Status, StatusCounts, StoreError, StoredNarrative,
    now_ms, reader,
};
use crate::narrative::{
    Narrative, NarrativeId,
    receipt::Receipt,
    sample_narratives,
    validate::{Submission, ValidSubmission, validate},
};

/// The store's write connection, opened read-write: it creates the file if missing and migrates
/// it. The writer thread owns the one a running piece needs; readers open a
/// [`Reader`](super::Reader) instead.
pub struct Database {
    conn: Connection,
}

/// Version 1: narratives, the append-only event log, and a key-value table.
pub(super) const MIGRATION_1: &str = "
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
        let (id, current) = reader::find(&tx, receipt)?;
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
        let (id, status) = reader::find(&tx, receipt)?;
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
                log_event(&tx, id, kind)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::store::DATABASE_FILE;

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
