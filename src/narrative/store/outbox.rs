//! [`Outbox`]: where a kiosk keeps what it could not hand to the exhibition's database — dreams,
//! and withdrawals — while that database is unreachable, until it can.
//!
//! A SQLite file of its own, [`OUTBOX_FILE`] in the machine's data folder, in WAL mode with
//! `synchronous=FULL`: an entry is on the disk before its visitor sees their receipt, and survives
//! a power cut. Entries are forwarded oldest first ([`Outbox::forward_next`]), each removed only
//! once the database holds it. A crash between the database's commit and the removal sends the
//! entry again at the next try, which does no harm: a dream carries the submission id its kiosk
//! gave it, so the database stores it once and answers with the first receipt, and a withdrawal
//! sent twice finds the dream withdrawn already. So every dream arrives exactly once, in the
//! order its visitors pressed submit, with the time they did (its `created_at_ms`, which the
//! database logs its `submitted` event at), under the receipt code they were shown.
//!
//! Words stay here only while they wait: `secure_delete` zeroes a removed entry in the file's
//! pages, and [`Outbox::erase_traces`] (once the outbox is empty, or a waiting dream is
//! withdrawn) empties the write-ahead log into the file and truncates it, so no old copy of them
//! is left in either. A dream withdrawn while it still waits here never leaves the kiosk
//! ([`Outbox::erase_kept`]).
//!
//! The file is read back through validation: a dream whose words no longer pass (a file changed
//! by hand, or rules that changed between versions) is set aside in the `refused` table with the
//! reason, rather than hold up every dream behind it, and a technician can read it there.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::{Admission, Database, ERASURE_WAIT, Status, StoreError, Withdrawal, now_ms};
use crate::narrative::{
    Consent, NarrativeId,
    receipt::Receipt,
    validate::{Submission, ValidSubmission, validate},
};

/// File name of the outbox inside the data folder.
pub const OUTBOX_FILE: &str = "outbox.sqlite3";
/// Schema version this build writes in an outbox (`PRAGMA user_version`).
pub const OUTBOX_SCHEMA_VERSION: i64 = 1;

/// How long the outbox waits for another connection's lock (a technician's `dreamloom exhibition
/// forward` beside the running kiosk) before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Version 1: the entries waiting, oldest first, and those set aside.
///
/// `attempted` is set once an entry may have reached the database (an attempt was made whose
/// answer may have been lost): a dream withdrawn while it waits here is then followed by a
/// withdrawal, in case it did.
const MIGRATION_1: &str = "
CREATE TABLE entries (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL CHECK (kind IN ('submit', 'withdraw')),
    receipt       TEXT    NOT NULL,
    text          TEXT,
    origin        TEXT,
    language      TEXT,
    display       INTEGER,
    sanctuary     INTEGER,
    status        TEXT CHECK (status IN ('pending', 'visible', 'hidden')),
    created_at_ms INTEGER NOT NULL,
    attempted     INTEGER NOT NULL DEFAULT 0,
    CHECK ((kind = 'submit') = (text IS NOT NULL AND origin IS NOT NULL AND display IS NOT NULL
                                AND sanctuary IS NOT NULL AND status IS NOT NULL))
);
CREATE INDEX entries_receipt ON entries (receipt);
CREATE TABLE refused (
    seq           INTEGER PRIMARY KEY,
    submission_id TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    receipt       TEXT    NOT NULL,
    text          TEXT,
    origin        TEXT,
    language      TEXT,
    display       INTEGER,
    sanctuary     INTEGER,
    status        TEXT,
    created_at_ms INTEGER NOT NULL,
    attempted     INTEGER NOT NULL,
    reason        TEXT    NOT NULL
);
";

/// Every migration, by the version it brings the outbox to.
const MIGRATIONS: [(i64, &str); 1] = [(1, MIGRATION_1)];

/// The columns an [`Entry`] is read from, in [`EntryRow`]'s order.
const ENTRY_COLUMNS: &str = "seq, submission_id, kind, receipt, text, origin, language, display, \
                             sanctuary, status, created_at_ms, attempted";

/// A kiosk's outbox: a SQLite file of entries waiting for the exhibition's database, oldest
/// first. See the module's documentation.
pub struct Outbox {
    conn: Connection,
    path: PathBuf,
}

/// One entry of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its place in the queue, strictly increasing (never reused).
    pub seq: i64,
    /// The id its kiosk gave it: the database stores a dream sent twice once.
    pub submission_id: Uuid,
    /// The receipt code its visitor was shown: of the dream to store, or of the one to withdraw.
    pub receipt: Receipt,
    /// When its visitor pressed submit (or withdrew), milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Whether it may have reached the database already (an attempt was made whose answer may
    /// have been lost).
    pub attempted: bool,
    pub kind: EntryKind,
}

/// What an entry asks of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// Store a dream with this status. Its words are read back through validation: `Err` says
    /// why they no longer pass.
    Submit {
        words: Result<ValidSubmission, String>,
        status: Status,
    },
    /// Withdraw the dream with the entry's receipt code.
    Withdraw,
}

/// What forwarding one entry did ([`Outbox::forward_next`]).
#[derive(Debug)]
pub enum Sent {
    /// A dream is in the database as narrative `id`, under the code `stored`. `shown` is the code
    /// its visitor was given; they differ only when another machine had taken that code
    /// meanwhile (about once in a billion), and then its visitor's code finds nothing.
    Dream {
        id: NarrativeId,
        shown: Receipt,
        stored: Receipt,
    },
    /// A withdrawal withdrew narrative `id`.
    Withdrawal {
        id: NarrativeId,
        withdrawal: Withdrawal,
    },
    /// A withdrawal had nothing to do: no dream has its code, or it was withdrawn already.
    NothingToWithdraw(StoreError),
    /// An entry could not be read back (its words no longer pass validation, or the row is
    /// damaged): it was moved to the outbox's `refused` table, with the reason.
    SetAside { seq: i64, reason: String },
}

impl Sent {
    /// Whether a person must hear of it: a visitor's code that finds nothing (the dream is under
    /// another one), or a dream set aside.
    #[must_use]
    pub fn needs_a_curator(&self) -> bool {
        match self {
            Sent::Dream { shown, stored, .. } => shown != stored,
            Sent::SetAside { .. } => true,
            Sent::Withdrawal { .. } | Sent::NothingToWithdraw(_) => false,
        }
    }

    /// Whether it was a dream (stored, or set aside) rather than a withdrawal.
    #[must_use]
    pub fn is_dream(&self) -> bool {
        matches!(self, Sent::Dream { .. } | Sent::SetAside { .. })
    }
}

impl fmt::Display for Sent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The narrative's id, never its receipt code (which withdraws it)...
            Sent::Dream { id, shown, stored } if shown == stored => {
                write!(f, "a dream from the outbox is stored as narrative {}", id.0)
            }
            // ...but here the visitor holds a code that finds nothing, and only both codes let a
            // curator tell them which is theirs now.
            Sent::Dream { id, shown, stored } => write!(
                f,
                "a dream from the outbox could not keep its receipt code {shown}, which another \
                 machine had given out meanwhile: it is stored as narrative {} under the code \
                 {stored}; its visitor holds {shown}, which finds nothing — tell them their code \
                 is {stored}",
                id.0
            ),
            Sent::Withdrawal { id, withdrawal } => write!(
                f,
                "a withdrawal from the outbox withdrew narrative {} ({withdrawal:?})",
                id.0
            ),
            Sent::NothingToWithdraw(reason) => {
                write!(
                    f,
                    "a withdrawal from the outbox had nothing to do: {reason}"
                )
            }
            Sent::SetAside { seq, reason } => write!(
                f,
                "entry {seq} of the outbox cannot be read back and is set aside in its `refused` \
                 table (sqlite3 outbox.sqlite3 'SELECT * FROM refused'): {reason}"
            ),
        }
    }
}

impl Outbox {
    /// The outbox's file in the data folder `dir`.
    #[must_use]
    pub fn file_in(dir: &Path) -> PathBuf {
        dir.join(OUTBOX_FILE)
    }

    /// Opens the outbox in the data folder `dir`, creating the folder and the file when missing
    /// and migrating an older one.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        Self::open_file(&Self::file_in(dir))
    }

    /// The outbox in the data folder `dir`, if this machine has one; never creates it.
    pub fn open_existing(dir: &Path) -> Result<Option<Self>, StoreError> {
        let path = Self::file_in(dir);
        if !path.is_file() {
            return Ok(None);
        }
        Self::open_file(&path).map(Some)
    }

    fn open_file(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::OutboxOpen {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA secure_delete = ON;",
        )
        .map_err(open_error)?;
        let mut outbox = Self {
            conn,
            path: path.to_owned(),
        };
        outbox.migrate()?;
        Ok(outbox)
    }

    /// Brings the schema up to [`OUTBOX_SCHEMA_VERSION`] in one transaction that holds the write
    /// lock throughout (two processes opening a new outbox at once take turns); refuses a newer
    /// one.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > OUTBOX_SCHEMA_VERSION {
            return Err(StoreError::NewerOutbox {
                path: self.path.clone(),
                found: version,
                known: OUTBOX_SCHEMA_VERSION,
            });
        }
        for (to, migration) in MIGRATIONS {
            if version < to {
                tx.execute_batch(migration)?;
                tx.pragma_update(None, "user_version", to)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Where the outbox's file is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps a validated dream until it can be forwarded, durably (committed with
    /// `synchronous=FULL`) before this returns, and returns the receipt code to show its visitor.
    ///
    /// What `admission` leaves open is settled here: a fresh receipt code, a fresh submission
    /// id, now as its time. `attempted`: an attempt to store it was made already, whose answer
    /// may have been lost (see [`Entry::attempted`]). A submission id kept here already is not
    /// kept twice: the answer is the first one's receipt.
    pub fn push_submission(
        &mut self,
        valid: &ValidSubmission,
        admission: Admission,
        attempted: bool,
    ) -> Result<Receipt, StoreError> {
        let receipt = admission.receipt.unwrap_or_else(Receipt::random);
        let submission_id = admission
            .submission_id
            .unwrap_or_else(Uuid::new_v4)
            .to_string();
        let created_at_ms = admission.created_at_ms.unwrap_or_else(now_ms);
        let words = valid.get();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO entries (submission_id, kind, receipt, text, origin, language, display,
                                  sanctuary, status, created_at_ms, attempted)
             VALUES (?1, 'submit', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (submission_id) DO NOTHING",
            params![
                submission_id,
                receipt.as_str(),
                words.text,
                words.origin,
                words.language,
                words.consent.display,
                words.consent.sanctuary,
                admission.status.as_str(),
                created_at_ms,
                attempted,
            ],
        )?;
        let kept = if inserted == 1 {
            receipt
        } else {
            let first: String = tx.query_row(
                "SELECT receipt FROM entries WHERE submission_id = ?1",
                [&submission_id],
                |row| row.get(0),
            )?;
            parse_receipt(&first)?
        };
        tx.commit()?;
        Ok(kept)
    }

    /// Keeps the withdrawal of the dream with `receipt`, made at `at_ms`, until it can be
    /// forwarded, durably.
    pub fn push_withdrawal(&mut self, receipt: Receipt, at_ms: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO entries (submission_id, kind, receipt, created_at_ms)
             VALUES (?1, 'withdraw', ?2, ?3)",
            params![Uuid::new_v4().to_string(), receipt.as_str(), at_ms],
        )?;
        Ok(())
    }

    /// Erases the dream with `receipt` if it still waits here (or was set aside here): its entry
    /// goes, its words with it. If it may have reached the database already
    /// ([`Entry::attempted`]), a withdrawal made at `at_ms` takes its place in the queue, in the
    /// same transaction, to follow it there.
    ///
    /// `None`: no such dream waits here. `Some(followed)`: it was erased here, and `followed`
    /// says whether a withdrawal follows it to the database. Its words are gone from the file's
    /// pages; [`Outbox::erase_traces`] takes them out of the write-ahead log.
    pub fn erase_kept(&mut self, receipt: Receipt, at_ms: i64) -> Result<Option<bool>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let attempted: Option<bool> = tx.query_row(
            "SELECT max(attempted) FROM (
                 SELECT attempted FROM entries WHERE kind = 'submit' AND receipt = ?1
                 UNION ALL
                 SELECT attempted FROM refused WHERE kind = 'submit' AND receipt = ?1)",
            [receipt.as_str()],
            |row| row.get(0),
        )?;
        let Some(attempted) = attempted else {
            return Ok(None);
        };
        tx.execute(
            "DELETE FROM entries WHERE kind = 'submit' AND receipt = ?1",
            [receipt.as_str()],
        )?;
        tx.execute(
            "DELETE FROM refused WHERE kind = 'submit' AND receipt = ?1",
            [receipt.as_str()],
        )?;
        if attempted {
            tx.execute(
                "INSERT INTO entries (submission_id, kind, receipt, created_at_ms)
                 VALUES (?1, 'withdraw', ?2, ?3)",
                params![Uuid::new_v4().to_string(), receipt.as_str(), at_ms],
            )?;
        }
        tx.commit()?;
        Ok(Some(attempted))
    }

    /// Whether a dream with `receipt` waits here to be forwarded.
    pub fn holds(&self, receipt: Receipt) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM entries WHERE kind = 'submit' AND receipt = ?1 LIMIT 1",
                [receipt.as_str()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// How many entries wait (dreams and withdrawals).
    pub fn depth(&self) -> Result<usize, StoreError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM entries", [], |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// How many entries were set aside, unreadable (see [`Sent::SetAside`]).
    pub fn set_aside(&self) -> Result<usize, StoreError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM refused", [], |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The oldest entry, if any waits. An entry whose row cannot be read is
    /// [`StoreError::Unreadable`] ([`Outbox::forward_next`] sets such an entry aside).
    pub fn front(&self) -> Result<Option<Entry>, StoreError> {
        self.front_row()?.map(EntryRow::entry).transpose()
    }

    fn front_row(&self) -> Result<Option<EntryRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM entries ORDER BY seq LIMIT 1"),
                [],
                EntryRow::read,
            )
            .optional()?)
    }

    /// Every entry waiting, oldest first (for `exhibition status` and the tests).
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {ENTRY_COLUMNS} FROM entries ORDER BY seq"))?;
        let rows = statement
            .query_map([], EntryRow::read)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(EntryRow::entry).collect()
    }

    /// Removes the entry `seq`: the database has what it asked.
    pub fn remove(&mut self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM entries WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// Notes that entry `seq` may reach the database from now on (see [`Entry::attempted`]).
    /// Marks the entry `seq` as (perhaps) sent; whether it is still in the outbox.
    fn mark_attempted(&mut self, seq: i64) -> Result<bool, StoreError> {
        let marked = self
            .conn
            .execute("UPDATE entries SET attempted = 1 WHERE seq = ?1", [seq])?;
        Ok(marked == 1)
    }

    /// Moves the entry `seq` to the `refused` table with `reason`.
    fn refuse(&mut self, seq: i64, reason: &str) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            &format!(
                "INSERT OR REPLACE INTO refused ({ENTRY_COLUMNS}, reason)
                 SELECT {ENTRY_COLUMNS}, ?2 FROM entries WHERE seq = ?1"
            ),
            params![seq, reason],
        )?;
        tx.execute("DELETE FROM entries WHERE seq = ?1", [seq])?;
        tx.commit()?;
        Ok(())
    }

    /// Forwards the oldest entry to `db` and removes it once `db` holds what it asked; `None`
    /// when nothing waits. A dream goes with its receipt code, submission id and time; when
    /// another machine took its code meanwhile, it goes under a fresh one (see
    /// [`Sent::Dream`]). A withdrawal of a dream that is not there, or withdrawn already, is
    /// done. An entry that cannot be read back is set aside.
    ///
    /// An error leaves the entry first in the queue, for the next try.
    pub fn forward_next(&mut self, db: &mut Database) -> Result<Option<Sent>, StoreError> {
        let Some(row) = self.front_row()? else {
            return Ok(None);
        };
        let seq = row.seq;
        let entry = match row.entry() {
            Ok(entry) => entry,
            Err(error) => return self.put_aside(seq, error.to_string()).map(Some),
        };
        let sent = match entry.kind {
            EntryKind::Submit {
                words: Err(reason), ..
            } => return self.put_aside(seq, reason).map(Some),
            EntryKind::Submit {
                words: Ok(valid),
                status,
            } => {
                // Marked attempted before it is sent, in one statement that also tells whether
                // it is still there: a visitor's withdrawal (`erase_kept`) may have taken it out
                // since it was read (another process forwarding beside the kiosk). Gone, it is
                // not sent; marked, a withdrawal from now on follows it to the database.
                if !self.mark_attempted(seq)? {
                    return self.forward_next(db);
                }
                let admission = Admission {
                    status,
                    receipt: Some(entry.receipt),
                    created_at_ms: Some(entry.created_at_ms),
                    submission_id: Some(entry.submission_id),
                };
                let (id, stored) = match db.submit(&valid, admission) {
                    Err(StoreError::ReceiptTaken(_)) => db.submit(
                        &valid,
                        Admission {
                            receipt: None,
                            ..admission
                        },
                    )?,
                    stored => stored?,
                };
                Sent::Dream {
                    id,
                    shown: entry.receipt,
                    stored,
                }
            }
            EntryKind::Withdraw => match db.withdraw(entry.receipt) {
                Ok((id, withdrawal)) => Sent::Withdrawal { id, withdrawal },
                Err(error @ (StoreError::UnknownReceipt(_) | StoreError::AlreadyWithdrawn(_))) => {
                    Sent::NothingToWithdraw(error)
                }
                Err(error) => return Err(error),
            },
        };
        self.remove(seq)?;
        Ok(Some(sent))
    }

    fn put_aside(&mut self, seq: i64, reason: String) -> Result<Sent, StoreError> {
        self.refuse(seq, &reason)?;
        Ok(Sent::SetAside { seq, reason })
    }

    /// Empties the write-ahead log into the file and truncates it, so that no old copy of a
    /// removed entry's words is left in either (`secure_delete` has zeroed them in the file's
    /// pages). Waits at most [`ERASURE_WAIT`] for another connection's read; `false` when it
    /// could not finish (the next call does).
    pub fn erase_traces(&mut self) -> bool {
        if self.conn.busy_timeout(ERASURE_WAIT).is_err() {
            return false;
        }
        let checkpoint = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            });
        let restored = self.conn.busy_timeout(BUSY_TIMEOUT).is_ok();
        // Busy is 1 while a reader kept the log; a completed TRUNCATE leaves no frame in it.
        restored
            && checkpoint
                .is_ok_and(|(busy, log, checkpointed)| busy == 0 && log <= 0 && checkpointed >= log)
    }
}

/// An entry's row as the file holds it, before it is read back (see [`EntryRow::entry`]).
struct EntryRow {
    seq: i64,
    submission_id: String,
    kind: String,
    receipt: String,
    text: Option<String>,
    origin: Option<String>,
    language: Option<String>,
    display: Option<bool>,
    sanctuary: Option<bool>,
    status: Option<String>,
    created_at_ms: i64,
    attempted: bool,
}

impl EntryRow {
    /// A row of [`ENTRY_COLUMNS`].
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            seq: row.get(0)?,
            submission_id: row.get(1)?,
            kind: row.get(2)?,
            receipt: row.get(3)?,
            text: row.get(4)?,
            origin: row.get(5)?,
            language: row.get(6)?,
            display: row.get(7)?,
            sanctuary: row.get(8)?,
            status: row.get(9)?,
            created_at_ms: row.get(10)?,
            attempted: row.get(11)?,
        })
    }

    /// The entry this row holds, a dream's words validated again so that nothing unvalidated
    /// reaches the database.
    fn entry(self) -> Result<Entry, StoreError> {
        let seq = self.seq;
        let unreadable = move |what: String| {
            StoreError::Unreadable(format!("entry {seq} of the outbox: {what}"))
        };
        let receipt: Receipt = self
            .receipt
            .parse()
            .map_err(|error| unreadable(format!("receipt code {:?}: {error}", self.receipt)))?;
        let submission_id = Uuid::parse_str(&self.submission_id).map_err(|error| {
            unreadable(format!("submission id {:?}: {error}", self.submission_id))
        })?;
        let kind = match self.kind.as_str() {
            "withdraw" => EntryKind::Withdraw,
            "submit" => {
                let status = self
                    .status
                    .as_deref()
                    .and_then(Status::from_word)
                    .filter(|status| *status != Status::Withdrawn)
                    .ok_or_else(|| unreadable(format!("status {:?}", self.status)))?;
                let (Some(text), Some(origin), Some(display), Some(sanctuary)) =
                    (self.text, self.origin, self.display, self.sanctuary)
                else {
                    return Err(unreadable("a dream without its words".to_owned()));
                };
                let submission = Submission {
                    text,
                    origin,
                    language: self.language,
                    consent: Consent { display, sanctuary },
                };
                EntryKind::Submit {
                    words: validate(&submission).map_err(|errors| errors.to_string()),
                    status,
                }
            }
            other => return Err(unreadable(format!("kind {other:?}"))),
        };
        Ok(Entry {
            seq,
            submission_id,
            receipt,
            created_at_ms: self.created_at_ms,
            attempted: self.attempted,
            kind,
        })
    }
}

fn parse_receipt(code: &str) -> Result<Receipt, StoreError> {
    code.parse::<Receipt>()
        .map_err(|error| StoreError::Unreadable(format!("receipt code {code:?}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        narrative::store::{DATABASE_FILE, EventKind, Moderation},
        testing::TempDir,
    };

    fn dream(text: &str, origin: &str) -> ValidSubmission {
        validate(&Submission {
            text: text.into(),
            origin: origin.into(),
            language: None,
            consent: Consent::default(),
        })
        .expect("a valid dream")
    }

    /// An embedded store to forward into: the outbox does not care which database it is.
    fn database(dir: &TempDir) -> Database {
        Database::open(&dir.path().join(DATABASE_FILE)).unwrap()
    }

    fn receipts_in(db: &Database) -> Vec<Receipt> {
        db.narratives()
            .unwrap()
            .into_iter()
            .map(|stored| stored.receipt)
            .collect()
    }

    #[test]
    fn dreams_wait_in_order_and_arrive_once_with_their_codes_and_times() {
        let dir = TempDir::new("outbox-order");
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let mut kept = Vec::new();
        for (i, origin) in ["Lagos", "Kyoto", "Lima"].into_iter().enumerate() {
            let made_at = 1_700_000_000_000 + i64::try_from(i).unwrap() * 60_000;
            let receipt = outbox
                .push_submission(
                    &dream(&format!("dream {i}"), origin),
                    Admission {
                        created_at_ms: Some(made_at),
                        ..Moderation::Post.admission()
                    },
                    false,
                )
                .unwrap();
            kept.push((receipt, made_at));
        }
        assert_eq!(outbox.depth().unwrap(), 3);
        // Durable: another connection (a new process) finds them, in order.
        drop(outbox);
        let mut outbox = Outbox::open_existing(dir.path())
            .unwrap()
            .expect("the file");
        let waiting: Vec<(Receipt, i64)> = outbox
            .entries()
            .unwrap()
            .iter()
            .map(|entry| (entry.receipt, entry.created_at_ms))
            .collect();
        assert_eq!(waiting, kept);

        let mut db = database(&dir);
        // A crash after the database's commit and before the removal: the first entry reaches
        // the database, and stays in the outbox.
        let first = outbox.front().unwrap().unwrap();
        let EntryKind::Submit {
            words: Ok(valid), ..
        } = &first.kind
        else {
            panic!("{first:?}");
        };
        db.submit(
            valid,
            Admission {
                receipt: Some(first.receipt),
                created_at_ms: Some(first.created_at_ms),
                submission_id: Some(first.submission_id),
                ..Admission::default()
            },
        )
        .unwrap();
        let mut sent = 0;
        while let Some(done) = outbox.forward_next(&mut db).unwrap() {
            assert!(!done.needs_a_curator(), "{done}");
            sent += 1;
        }
        assert_eq!(sent, 3);
        assert_eq!(outbox.depth().unwrap(), 0);
        let stored: Vec<Receipt> = receipts_in(&db);
        let expected: Vec<Receipt> = kept.iter().map(|(receipt, _)| *receipt).collect();
        assert_eq!(
            stored, expected,
            "once each, in order, under the codes shown"
        );
        let submitted: Vec<i64> = db
            .events_after(0)
            .unwrap()
            .iter()
            .filter(|event| event.kind == EventKind::Submitted)
            .map(|event| event.at_ms)
            .collect();
        let times: Vec<i64> = kept.iter().map(|(_, at)| *at).collect();
        assert_eq!(submitted, times, "logged at the times they were made");
    }

    #[test]
    fn a_code_taken_meanwhile_is_replaced_and_said() {
        let dir = TempDir::new("outbox-taken");
        let mut db = database(&dir);
        let code: Receipt = "7KQ4XM".parse().unwrap();
        db.submit(
            &dream("another machine's dream", "Kyoto"),
            Admission {
                receipt: Some(code),
                ..Admission::default()
            },
        )
        .unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let shown = outbox
            .push_submission(
                &dream("kept while the database was away", "Lagos"),
                Admission {
                    receipt: Some(code),
                    ..Admission::default()
                },
                false,
            )
            .unwrap();
        assert_eq!(shown, code);
        let sent = outbox.forward_next(&mut db).unwrap().unwrap();
        let Sent::Dream { shown, stored, .. } = sent else {
            panic!("{sent:?}");
        };
        assert_eq!(shown, code);
        assert_ne!(stored, code);
        assert!(sent.needs_a_curator());
        let said = sent.to_string();
        assert!(
            said.contains(code.as_str()) && said.contains(stored.as_str()),
            "{said}"
        );
        assert_eq!(receipts_in(&db).len(), 2);
    }

    #[test]
    fn a_dream_withdrawn_while_it_waits_never_leaves_and_its_words_are_gone() {
        let dir = TempDir::new("outbox-erase");
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let words = "Zyxwv the lantern fish carried my grandmother home";
        let kept = outbox
            .push_submission(&dream(words, "Lagos"), Admission::default(), false)
            .unwrap();
        let other = outbox
            .push_submission(&dream("another dream", "Kyoto"), Admission::default(), true)
            .unwrap();
        assert!(outbox.holds(kept).unwrap());
        assert_eq!(outbox.erase_kept(kept, now_ms()).unwrap(), Some(false));
        assert!(outbox.erase_traces(), "nobody else reads the outbox");
        assert!(!outbox.holds(kept).unwrap());
        assert_eq!(outbox.erase_kept(kept, now_ms()).unwrap(), None);
        for file in [OUTBOX_FILE, "outbox.sqlite3-wal"] {
            let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
            assert!(
                !bytes.windows(5).any(|w| w == b"Zyxwv"),
                "the words are still in {file}"
            );
        }
        // One that may have reached the database already is followed there by a withdrawal.
        assert_eq!(outbox.erase_kept(other, now_ms()).unwrap(), Some(true));
        let entries = outbox.entries().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            (entries[0].receipt, &entries[0].kind),
            (other, &EntryKind::Withdraw)
        );
        let mut db = database(&dir);
        let sent = outbox.forward_next(&mut db).unwrap().unwrap();
        assert!(
            matches!(sent, Sent::NothingToWithdraw(StoreError::UnknownReceipt(code)) if code == other),
            "{sent:?}"
        );
        assert!(receipts_in(&db).is_empty(), "neither dream left the kiosk");
    }

    #[test]
    fn a_withdrawal_waits_in_line_and_a_dream_that_no_longer_reads_is_set_aside() {
        let dir = TempDir::new("outbox-withdraw");
        let mut db = database(&dir);
        let code = db
            .submit(
                &dream("stored before the outage", "Lima"),
                Admission::default(),
            )
            .unwrap()
            .1;
        let mut outbox = Outbox::open(dir.path()).unwrap();
        outbox
            .push_submission(&dream("fine", "Lagos"), Admission::default(), false)
            .unwrap();
        outbox.push_withdrawal(code, now_ms()).unwrap();
        // A dream changed by hand into one no rule lets through.
        outbox
            .conn
            .execute("UPDATE entries SET text = '   ' WHERE kind = 'submit'", [])
            .unwrap();
        let first = outbox.forward_next(&mut db).unwrap().unwrap();
        assert!(
            matches!(first, Sent::SetAside { .. }) && first.needs_a_curator(),
            "{first:?}"
        );
        assert_eq!(outbox.set_aside().unwrap(), 1);
        let second = outbox.forward_next(&mut db).unwrap().unwrap();
        assert!(matches!(second, Sent::Withdrawal { .. }), "{second:?}");
        assert!(outbox.forward_next(&mut db).unwrap().is_none());
        assert_eq!(db.status_of(code).unwrap(), Status::Withdrawn);
    }

    #[test]
    fn a_submission_kept_twice_is_kept_once_and_a_newer_outbox_is_refused() {
        let dir = TempDir::new("outbox-twice");
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let once = Admission {
            submission_id: Some(Uuid::new_v4()),
            ..Admission::default()
        };
        let first = outbox
            .push_submission(&dream("sent twice", "Lagos"), once, false)
            .unwrap();
        let again = outbox
            .push_submission(&dream("sent twice", "Lagos"), once, false)
            .unwrap();
        assert_eq!(again, first);
        assert_eq!(outbox.depth().unwrap(), 1);
        outbox
            .conn
            .pragma_update(None, "user_version", OUTBOX_SCHEMA_VERSION + 1)
            .unwrap();
        drop(outbox);
        let Err(error) = Outbox::open(dir.path()) else {
            panic!("a newer outbox was opened");
        };
        assert!(
            matches!(error, StoreError::NewerOutbox { found, .. } if found == OUTBOX_SCHEMA_VERSION + 1),
            "{error:?}"
        );
        let nowhere = TempDir::new("outbox-none");
        assert!(Outbox::open_existing(nowhere.path()).unwrap().is_none());
        assert!(!Outbox::file_in(nowhere.path()).exists(), "never created");
    }
}
