//! Reading the embedded store: [`SqliteReader`], a connection that SQLite itself keeps from
//! writing, and the read queries as plain functions over a connection, shared with the writer's
//! [`SqliteDatabase`].
//!
//! A reader opens the file with `SQLITE_OPEN_READONLY` and without `SQLITE_OPEN_CREATE`: it cannot
//! create a missing store, migrate an old one or change a byte of a current one. Only the writer
//! thread, through [`SqliteDatabase`], does any of that.
//!
//! [`SqliteDatabase`]: super::SqliteDatabase

use std::{
    cmp::Ordering,
    path::{Path, PathBuf},
    time::Duration,
};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{Event, EventKind, SCHEMA_VERSION, Status, StatusCounts, StoreError, StoredNarrative};
use crate::narrative::{Consent, Narrative, NarrativeId, receipt::Receipt};

/// A read-only view of the embedded store on a connection of its own, for readers on other
/// threads (the viewer's feed, the command line), behind [`Reader`](super::Reader).
///
/// It reads the schema this build writes and nothing else: a store of another version is refused
/// rather than migrated, which is the writer's job.
pub struct SqliteReader {
    conn: Connection,
    path: PathBuf,
}

impl SqliteReader {
    /// Opens the database at `path` for reading only.
    ///
    /// A missing file is [`StoreError::Open`] (nothing is created); a file whose `user_version` is
    /// not [`SCHEMA_VERSION`] is [`StoreError::NewerSchema`] or [`StoreError::OlderSchema`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(open_error)?;
        match found.cmp(&SCHEMA_VERSION) {
            Ordering::Greater => Err(StoreError::NewerSchema {
                found,
                known: SCHEMA_VERSION,
            }),
            Ordering::Less => Err(StoreError::OlderSchema {
                found,
                known: SCHEMA_VERSION,
            }),
            Ordering::Equal => Ok(Self {
                conn,
                path: path.to_owned(),
            }),
        }
    }

    /// Size of the database file in bytes (without its write-ahead log); `None` when it cannot
    /// be read.
    #[must_use]
    pub fn size_bytes(&self) -> Option<u64> {
        std::fs::metadata(&self.path).ok().map(|m| m.len())
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        narratives(&self.conn)
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        pending(&self.conn, limit)
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        lookup(&self.conn, receipt)
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        status_counts(&self.conn)
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        displayed(&self.conn)
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        status_of(&self.conn, receipt)
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        events_after(&self.conn, seq)
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        last_submission_ms(&self.conn)
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        last_seq(&self.conn)
    }

    /// `PRAGMA integrity_check`'s verdict: `"ok"` for a sound database.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        integrity_check(&self.conn)
    }

    /// How many withdrawn narratives still wait for their old copies to be erased from the
    /// files (see [`Withdrawal::Pending`](super::Withdrawal::Pending)).
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        pending_erasures(&self.conn)
    }
}

/// Every narrative that is not withdrawn, in the order they arrived.
pub(super) fn narratives(conn: &Connection) -> Result<Vec<StoredNarrative>, StoreError> {
    select(conn, "WHERE status != 'withdrawn' ORDER BY id", [])
}

/// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
pub(super) fn pending(conn: &Connection, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
    select(
        conn,
        "WHERE status = 'pending' ORDER BY id LIMIT ?1",
        [i64::try_from(limit).unwrap_or(i64::MAX)],
    )
}

/// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
pub(super) fn lookup(conn: &Connection, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
    select(conn, "WHERE receipt = ?1", [receipt.as_str()])?
        .pop()
        .ok_or(StoreError::UnknownReceipt(receipt))
}

/// How many narratives are in each status.
pub(super) fn status_counts(conn: &Connection) -> Result<StatusCounts, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT status, COUNT(*) FROM narratives GROUP BY status")?;
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

/// The narratives that belong on the cloak now: visible, and their owners allow display.
pub(super) fn displayed(conn: &Connection) -> Result<Vec<Narrative>, StoreError> {
    Ok(narratives(conn)?
        .into_iter()
        .filter(|n| n.status == Status::Visible && n.narrative.consent.display)
        .map(|n| n.narrative)
        .collect())
}

/// Status of the narrative with `receipt`.
pub(super) fn status_of(conn: &Connection, receipt: Receipt) -> Result<Status, StoreError> {
    Ok(find(conn, receipt)?.1)
}

/// Events after `seq`, in order.
pub(super) fn events_after(conn: &Connection, seq: i64) -> Result<Vec<Event>, StoreError> {
    let mut statement = conn.prepare_cached(
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
pub(super) fn last_submission_ms(conn: &Connection) -> Result<Option<i64>, StoreError> {
    Ok(conn.query_row(
        "SELECT max(at_ms) FROM events WHERE kind = 'submitted'",
        [],
        |r| r.get(0),
    )?)
}

/// Sequence number of the newest event (0 for none).
pub(super) fn last_seq(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?)
}

/// `PRAGMA integrity_check`'s verdict: `"ok"` for a sound database.
pub(super) fn integrity_check(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
}

/// How many withdrawn narratives still wait for their old copies to be erased from the files.
pub(super) fn pending_erasures(conn: &Connection) -> Result<usize, StoreError> {
    let count: i64 = conn.query_row("SELECT count(*) FROM pending_erasure", [], |r| r.get(0))?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// Id and status of the narrative with `receipt`. The writer calls it inside its transactions
/// (`&Transaction` derefs to `&Connection`).
pub(super) fn find(
    conn: &Connection,
    receipt: Receipt,
) -> Result<(NarrativeId, Status), StoreError> {
    conn.query_row(
        "SELECT id, status FROM narratives WHERE receipt = ?1",
        [receipt.as_str()],
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
    )
    .optional()?
    .ok_or(StoreError::UnknownReceipt(receipt))
    .and_then(|(id, status)| Ok((NarrativeId(id.cast_unsigned()), Status::parse(&status)?)))
}

fn select(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredNarrative>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT id, receipt, COALESCE(text, ''), COALESCE(origin, ''), language, display,
                sanctuary, created_at_ms, status
         FROM narratives {filter}"
    ))?;
    let rows = statement.query_map(params, |row| {
        let receipt: String = row.get(1)?;
        let receipt = receipt.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        narrative::store::{DATABASE_FILE, Reader, Seed, Store, sql::version_1_store},
        testing::TempDir,
    };

    /// Schema version of the file at `path`, read through a connection of the test's own.
    fn user_version(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    /// Fails on the old code, where `Store::reader` and the feed opened a `Database`, which
    /// creates a missing file (and migrates it to a fresh, empty store).
    #[test]
    fn a_reader_on_a_missing_store_fails_and_creates_nothing() {
        let dir = TempDir::new("reader-missing");
        let path = dir.path().join(DATABASE_FILE);
        let Err(error) = SqliteReader::open(&path) else {
            panic!("a reader opened a store that does not exist");
        };
        assert!(
            matches!(&error, StoreError::Open { path: at, .. } if *at == path),
            "{error}"
        );
        assert!(!path.exists(), "the reader created {}", path.display());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "the reader left files behind: {left:?}");
    }

    /// Fails on the old code: there `store.reader()` was a read-write `Database` (with the same
    /// private `conn` field), and this insert went through and was committed.
    #[test]
    fn a_reader_cannot_write() {
        let dir = TempDir::new("reader-read-only");
        let store = Store::open(dir.path(), Seed::Empty).unwrap();
        let Reader::Sqlite(reader) = store.reader().unwrap() else {
            panic!("a store in a folder is read through SQLite");
        };
        let error = reader
            .conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('written', 'by a reader')",
                [],
            )
            .unwrap_err();
        assert_eq!(
            error.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ReadOnly),
            "{error}"
        );
        let written: i64 = reader
            .conn
            .query_row("SELECT count(*) FROM meta WHERE key = 'written'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(written, 0);
    }

    /// Fails on the old code, where opening a reader ran the migrations and left the file at
    /// schema 2 (and a reader that migrates races the writer thread for the write lock).
    #[test]
    fn a_reader_leaves_an_old_store_as_it_found_it() {
        let dir = TempDir::new("reader-old-schema");
        let path = dir.path().join(DATABASE_FILE);
        drop(version_1_store(&path));
        let Err(error) = SqliteReader::open(&path) else {
            panic!("a reader opened a schema 1 store");
        };
        assert!(
            matches!(error, StoreError::OlderSchema { found: 1, known } if known == SCHEMA_VERSION),
            "{error}"
        );
        assert_eq!(user_version(&path), 1, "the reader migrated the store");
    }

    #[test]
    fn a_reader_refuses_a_store_from_a_newer_dreamloom() {
        let dir = TempDir::new("reader-newer-schema");
        let path = dir.path().join(DATABASE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let Err(error) = SqliteReader::open(&path) else {
            panic!("a reader opened a store of a newer schema");
        };
        assert!(
            matches!(
                error,
                StoreError::NewerSchema { found, known }
                    if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION
            ),
            "{error}"
        );
        assert_eq!(user_version(&path), SCHEMA_VERSION + 1);
    }
}
