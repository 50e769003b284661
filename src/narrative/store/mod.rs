//! The durable narrative store: by default SQLite in WAL mode with `synchronous=FULL` in the data
//! folder; for an exhibition of several machines, one shared PostgreSQL database. Either way: one
//! writer thread, and an append-only event log beside the current state.
//!
//! A visitor who was told "your dream is woven in" must find it there after a power cut, so a
//! submission's receipt is returned only after its transaction has committed. All writes go through
//! one thread that owns the write connection; callers wait on a reply, and rendering never touches
//! the disk (the viewer reads through its own read-only connection on a watcher thread, see
//! `feed.rs`).
//!
//! The interface is narrow — submit, moderate, withdraw, read the current narratives, read the events
//! after a sequence number — so that both backends stand behind it: [`Database`] and [`Reader`]
//! are the same to their callers whichever [`Location`] the store is at. Events name narratives by
//! id and never hold their text, so withdrawal erases a dream completely: the text is overwritten,
//! SQLite's `secure_delete` zeroes freed bytes, and the WAL is checkpointed and truncated so no old
//! page image survives there (PostgreSQL: the table is rewritten, see `pg.rs`).
//!
//! That last step needs every reader of the file to be done with the WAL. While another program
//! keeps a read open (a backup tool, a `sqlite3` shell), it cannot complete, and waiting for it
//! would stall the one writer and every submission behind it. So a withdrawal commits at once,
//! with a row in `pending_erasure`, makes one attempt bounded by [`ERASURE_WAIT`] and says
//! honestly how far it got ([`Withdrawal`]); the writer thread retries, between jobs, every
//! [`ERASURE_RETRY_INTERVAL`], and the next [`Store::open`] finishes whatever is still pending.
//!
//! The parts:
//! - this module: the types every caller shares (statuses, events, errors, admission policy,
//!   where the store is);
//! - `facade`: [`Database`] and [`Reader`], each the SQLite or the PostgreSQL one behind the same
//!   methods;
//! - `sql`: [`SqliteDatabase`], the write connection to the SQLite file — it creates and migrates
//!   the schema and makes every change;
//! - `reader`: [`SqliteReader`], a connection opened read-only that can never write, create the
//!   file or migrate it, and the read queries themselves, which [`SqliteDatabase`] shares;
//! - `pg`: [`PgDatabase`] and [`PgReader`], the same two over an exhibition's PostgreSQL database;
//! - `outbox`: [`Outbox`], a kiosk's own SQLite file where dreams (and withdrawals) wait while the
//!   exhibition's database is unreachable, and from which they are forwarded, in order, once it is
//!   back;
//! - `writer`: [`Store`], the handle to the one thread that owns the [`Database`] (and a kiosk's
//!   [`Outbox`]), and [`Writer`], what that thread's jobs work on;
//! - `keeper`: a kiosk's outbox as that thread keeps it, and the turns of forwarding between its
//!   jobs.

mod facade;
mod keeper;
mod outbox;
mod pg;
mod reader;
mod sql;
mod writer;

use std::{
    fmt,
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use super::{Narrative, NarrativeId, receipt::Receipt};
use crate::i18n::Phrase;

pub use facade::{Database, Reader};
pub use outbox::{Entry, EntryKind, OUTBOX_FILE, OUTBOX_SCHEMA_VERSION, Outbox, Sent};
pub use pg::{
    BRIEF_CONNECT_TIMEOUT, CONNECT_TIMEOUT, EVENTS_CHANNEL, ExhibitionStatus, Listener, Machine,
    PgDatabase, PgReader, check_exhibition_url, redact,
};
pub use reader::SqliteReader;
pub use sql::SqliteDatabase;
pub use writer::{Participation, Store, Submitted, Writer};

/// Schema version this build writes in a SQLite store (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 4;
/// Schema version this build writes in an exhibition's PostgreSQL database (`schema_version` in
/// its `meta` table).
pub const POSTGRES_SCHEMA_VERSION: i64 = 1;
/// File name of the database inside the data folder.
pub const DATABASE_FILE: &str = "dreamloom.sqlite3";
/// How long one attempt to finish an erasure waits for readers to leave the write-ahead log
/// before it gives up (until the next attempt).
pub const ERASURE_WAIT: Duration = Duration::from_millis(100);
/// How often the writer thread, between jobs, retries erasures that readers held up.
pub const ERASURE_RETRY_INTERVAL: Duration = Duration::from_secs(2);
/// How often a kiosk's writer thread, between jobs, forwards what its [`Outbox`] holds to the
/// exhibition's database (and, while that database is unreachable, looks whether it is back).
pub const FORWARD_INTERVAL: Duration = Duration::from_secs(1);
/// How often a machine of an exhibition tells the exhibition's database it is alive (see
/// [`Database::heartbeat`]), while it can reach it.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// Where the store is: this machine's own SQLite file, or an exhibition's shared PostgreSQL
/// database.
///
/// Shown (`Display`) and debugged (`Debug`) with any password in the connection string replaced
/// by `***`, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded store: [`DATABASE_FILE`] in this data folder.
    Folder(PathBuf),
    /// An exhibition's PostgreSQL database, by its connection string (`postgres://…`).
    Postgres(String),
}

impl Location {
    /// The SQLite file, for a store in a folder; `None` for PostgreSQL.
    #[must_use]
    pub fn database_file(&self) -> Option<PathBuf> {
        match self {
            Location::Folder(dir) => Some(dir.join(DATABASE_FILE)),
            Location::Postgres(_) => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Folder(dir) => write!(f, "{}", dir.join(DATABASE_FILE).display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Folder(dir) => f.debug_tuple("Folder").field(dir).finish(),
            Location::Postgres(url) => f.debug_tuple("Postgres").field(&redact(url)).finish(),
        }
    }
}

/// How far a withdrawal got in erasing the dream from the store's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// Its text, origin and language are gone from the database and its write-ahead log: no
    /// byte of them is left in the store's files.
    ///
    /// In an exhibition's PostgreSQL database: gone from the files of its tables, which were
    /// rewritten without them. The server's own write-ahead log, its archives and backups, and any
    /// replica are the server's, beyond the reach of a client: they keep old copies until the
    /// server recycles them (see `docs/ARCHITECTURE.md`).
    Erased,
    /// It is off the cloak and its row no longer holds its text, origin or language, but another
    /// program (a backup tool, a `sqlite3` shell) keeps a read open on the store, so old page
    /// images with the text may still be in its files (the write-ahead log) until that program
    /// is done. The store finishes the erasure by itself: a running one's writer thread retries
    /// every [`ERASURE_RETRY_INTERVAL`], and the next [`Store::open`] tries again.
    ///
    /// In PostgreSQL: another session (a backup, a `psql` shell, a long transaction) still sees
    /// the database as it was before the withdrawal, so the old row version cannot be dropped
    /// yet; the same retries finish it once that session is done.
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

    /// The status the database's word stands for; `None` for a word no status has.
    fn from_word(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Status::Pending),
            "visible" => Some(Status::Visible),
            "hidden" => Some(Status::Hidden),
            "withdrawn" => Some(Status::Withdrawn),
            _ => None,
        }
    }

    fn parse(text: &str) -> rusqlite::Result<Self> {
        Self::from_word(text).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown status {text:?}").into(),
            )
        })
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

impl EventKind {
    /// The words the database stores for this kind: `kind`, and `status` for a moderation.
    fn words(self) -> (&'static str, Option<&'static str>) {
        match self {
            EventKind::Submitted => ("submitted", None),
            EventKind::Moderated(status) => ("moderated", Some(status.as_str())),
            EventKind::Withdrawn => ("withdrawn", None),
            EventKind::Dissolved => ("dissolved", None),
            EventKind::Preserved => ("preserved", None),
            EventKind::Restored => ("restored", None),
        }
    }
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
    /// `known`: the newest schema this build knows for that kind of store ([`SCHEMA_VERSION`] for
    /// SQLite, [`POSTGRES_SCHEMA_VERSION`] for PostgreSQL).
    #[error(
        "the narrative store was written by a newer Dreamloom (schema {found}, this one knows up to {known})"
    )]
    NewerSchema { found: i64, known: i64 },
    /// Only the writer migrates; a [`Reader`] refuses a store it has not yet brought up to date.
    #[error(
        "the narrative store has schema {found}, older than this Dreamloom's {known}: open it for \
         writing once (start Dreamloom on it; for an exhibition's database, `dreamloom exhibition \
         init`) to bring it up to date"
    )]
    OlderSchema { found: i64, known: i64 },
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
    #[error("could not start the store's writer thread: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The exhibition's PostgreSQL server could not be reached. `target` is the connection string
    /// with any password replaced by `***`.
    #[error(
        "could not reach the exhibition's database at {target}: {} (is PostgreSQL running \
         there, and are the address, port, user and database name right?)",
        postgres_message(source)
    )]
    Connect {
        target: String,
        #[source]
        source: postgres::Error,
    },
    /// The exhibition's database takes no writes: a standby server, or a role without the right
    /// to change Dreamloom's tables. Every submission would fail, so the store refuses to open.
    #[error("the exhibition's database at {target} cannot be used for writing: {reason}")]
    ExhibitionReadOnly { target: String, reason: String },
    /// The exhibition's database could not be reached a moment ago, and a running machine's
    /// connection does not try again so soon (see [`Database::connect_or_later`]): the call
    /// failed at once rather than wait for another timeout.
    #[error(
        "the exhibition's database at {target} could not be reached a moment ago (it is tried \
         again shortly)"
    )]
    Unreachable { target: String },
    #[error("exhibition database error: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// A kiosk's [`Outbox`] (`outbox.sqlite3` in its data folder) could not be opened or set up.
    #[error("the outbox at {path} could not be opened: {source}")]
    OutboxOpen {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The outbox was written by a newer Dreamloom ([`OUTBOX_SCHEMA_VERSION`]).
    #[error(
        "the outbox at {path} was written by a newer Dreamloom (schema {found}, this one knows up \
         to {known}); forward it with that version (`dreamloom exhibition forward`)"
    )]
    NewerOutbox {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// The database holds something Dreamloom never writes (an unknown status, a malformed
    /// receipt code or schema version): changed by hand, or by another program.
    #[error("the narrative store holds something this Dreamloom cannot read: {0}")]
    Unreadable(String),
    /// The sample narratives built into Dreamloom could not be read or validated.
    #[error("the embedded sample narratives could not be loaded: {0}")]
    Samples(String),
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

    /// Whether this error means the exhibition's database cannot be reached now — refused,
    /// timed out, the connection lost, the server shutting down — rather than that it refused
    /// what was asked of it (a taken receipt code, an unknown one, a constraint). A kiosk keeps
    /// a dream in its outbox on the first kind only: the second would fail again when forwarded.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Connect { .. } | StoreError::Unreachable { .. } => true,
            StoreError::Postgres(error) => pg::unreachable(error),
            _ => false,
        }
    }
}

/// What PostgreSQL said, in full: the client's own `Display` stops at "db error", leaving the
/// server's message (and its detail and hint) in the error's source.
#[must_use]
pub fn postgres_message(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = db.message().to_owned();
        for extra in [db.detail(), db.hint()].into_iter().flatten() {
            text.push_str(" (");
            text.push_str(extra);
            text.push(')');
        }
        return text;
    }
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

/// How a narrative enters the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Its status on arrival: visible (post-moderation) or pending (pre-moderation).
    pub status: Status,
    /// A receipt to keep (an import of an export); a fresh random one when `None`.
    pub receipt: Option<Receipt>,
    /// Creation time to keep (an import, a submission forwarded later); now when `None`. Its
    /// `submitted` event is logged at this time too.
    pub created_at_ms: Option<i64>,
    /// The id the kiosk gave this submission when the visitor pressed submit: a submission sent
    /// again with the same id (a retry after a lost answer) is stored once, and every time
    /// answers with the receipt and narrative id of the first. `None`: no such guard.
    pub submission_id: Option<uuid::Uuid>,
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            status: Status::Visible,
            receipt: None,
            created_at_ms: None,
            submission_id: None,
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

/// This machine's name among an exhibition's machines, when none is given (`--machine`): the
/// host name (`/etc/hostname`, else `HOSTNAME`), else `"dreamloom"`.
#[must_use]
pub fn default_machine_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| {
            std::env::var("HOSTNAME")
                .ok()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "dreamloom".to_owned())
}

/// Folder of the store when `--data` is not given: the user's data directory.
#[must_use]
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("dreamloom")
}
