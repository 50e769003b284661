//! The durable narrative store: SQLite in WAL mode with `synchronous=FULL`, one writer thread, and
//! an append-only event log beside the current state.
//!
//! A visitor who was told "your dream is woven in" must find it there after a power cut, so a
//! submission's receipt is returned only after its transaction has committed. All writes go through
//! one thread that owns the write connection; callers wait on a reply, and rendering never touches
//! the disk (the viewer reads through its own read-only connection on a watcher thread, see
//! `feed.rs`).
//!
//! The interface is narrow — submit, moderate, withdraw, read the current narratives, read the events
//! after a sequence number — so that a shared log (PostgreSQL, for exhibitions with several kiosks)
//! can stand behind it later. Events name narratives by id and never hold their text, so
//! withdrawal erases a dream completely: the text is overwritten, SQLite's `secure_delete` zeroes
//! freed bytes, and the WAL is checkpointed and truncated so no old page image survives there.
//!
//! That last step needs every reader of the file to be done with the WAL. While another program
//! keeps a read open (a backup tool, a `sqlite3` shell), it cannot complete, and waiting for it
//! would stall the one writer and every submission behind it. So a withdrawal commits at once,
//! with a row in `pending_erasure`, makes one attempt bounded by [`ERASURE_WAIT`] and says
//! honestly how far it got ([`Withdrawal`]); the writer thread retries, between jobs, every
//! [`ERASURE_RETRY_INTERVAL`], and the next [`Store::open`] finishes whatever is still pending.
//!
//! The parts:
//! - this module: the types every caller shares (statuses, events, errors, admission policy);
//! - `sql`: [`Database`], the write connection — it creates and migrates the schema and makes
//!   every change;
//! - `writer`: [`Store`], the handle to the one thread that owns the [`Database`];
//! - `reader`: [`Reader`], a connection opened read-only that can never write, create the file or
//!   migrate it, and the read queries themselves, which [`Database`] shares.

mod reader;
mod sql;
mod writer;

use std::{
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use super::{Narrative, NarrativeId, receipt::Receipt};
use crate::i18n::Phrase;

pub use reader::Reader;
pub use sql::Database;
pub use writer::Store;

/// Schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 3;
/// File name of the database inside the data folder.
pub const DATABASE_FILE: &str = "dreamloom.sqlite3";
/// How long one attempt to finish an erasure waits for readers to leave the write-ahead log
/// before it gives up (until the next attempt).
pub const ERASURE_WAIT: Duration = Duration::from_millis(100);
/// How often the writer thread, between jobs, retries erasures that readers held up.
pub const ERASURE_RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// How far a withdrawal got in erasing the dream from the store's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// Its text, origin and language are gone from the database and its write-ahead log: no
    /// byte of them is left in the store's files.
    Erased,
    /// It is off the cloak and its row no longer holds its text, origin or language, but another
    /// program (a backup tool, a `sqlite3` shell) keeps a read open on the store, so old page
    /// images with the text may still be in its files (the write-ahead log) until that program
    /// is done. The store finishes the erasure by itself: a running one's writer thread retries
    /// every [`ERASURE_RETRY_INTERVAL`], and the next [`Store::open`] tries again.
    Pending,
}

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
    /// The word the database stores for this status.
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
    /// Only the writer migrates; a [`Reader`] refuses a store it has not yet brought up to date.
    #[error(
        "the narrative store has schema {found}, older than this Dreamloom's {SCHEMA_VERSION}: open it \
         for writing once (start Dreamloom on it) to bring it up to date"
    )]
    OlderSchema { found: i64 },
    #[error("no narrative has the receipt code {0}")]
    UnknownReceipt(Receipt),
    #[error("the receipt code {0} is already taken")]
    ReceiptTaken(Receipt),
    #[error("the narrative with receipt {0} was already withdrawn")]
    AlreadyWithdrawn(Receipt),
    /// SQLite opened the file for reading only (it does so without a word when the file may not
    /// be written), or cannot write the write-ahead log or its index beside it: every submission
    /// would fail, so the store refuses to open.
    #[error(
        "the narrative store at {path} cannot be written (read-only file or folder?): {source}"
    )]
    ReadOnly {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
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
    /// What to tell a visitor who typed a receipt code that led to this error, in their
    /// language: `None` for faults that are not theirs to fix.
    #[must_use]
    pub fn for_visitor(&self) -> Option<Phrase> {
        match self {
            StoreError::UnknownReceipt(receipt) => {
                Some(Phrase::new("code-unknown").with_text("code", receipt.as_str()))
            }
            StoreError::AlreadyWithdrawn(receipt) => {
                Some(Phrase::new("code-already-withdrawn").with_text("code", receipt.as_str()))
            }
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

/// Folder of the store when `--data` is not given: the user's data directory.
#[must_use]
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("dreamloom")
}
