//! The narrative store in an exhibition's PostgreSQL database, which every machine of the
//! exhibition shares: [`PgDatabase`], the write connection (it creates and migrates the schema and
//! makes every change), and [`PgReader`], a session that reads only.
//!
//! The rules are SQLite's: a submission's receipt is returned once its transaction has committed
//! (`synchronous_commit = on`), the event log is append-only (a trigger refuses every `UPDATE`,
//! `DELETE` and `TRUNCATE`), events never hold a dream's words, and a withdrawal erases them.
//!
//! What several machines add:
//! - **One order.** `seq` is a `BIGSERIAL`, whose values are handed out when a row is inserted, not
//!   when its transaction commits: two machines writing at once could commit seq 8 before seq 7,
//!   and a reader that caught up "after 8" would never see 7. So every writing transaction first
//!   takes `LOCK TABLE events IN EXCLUSIVE MODE` (which plain reads pass, and which every insert
//!   into the log waits for), so the log is written by one transaction at a time and `seq` order
//!   is commit order. A table lock rather than an advisory lock, because it holds for every
//!   writer, even one that is not Dreamloom and never asks for the advisory one.
//! - **Word of each change.** Every writing transaction ends with
//!   `pg_notify('dreamloom_events', '<its last seq>')`, which PostgreSQL delivers to listeners when
//!   (and only if) it commits, in commit order.
//! - **Receipts unique across machines**: a `UNIQUE` constraint; a fresh code that collides is
//!   drawn again, a kept one (an import) is [`StoreError::ReceiptTaken`].
//! - **Submissions sent twice stored once**: a `UNIQUE` `submission_id` (see
//!   [`Admission::submission_id`]).
//! - **Who is there**: `machines`, where each machine's [`PgDatabase::heartbeat`] says when it was
//!   last seen and how deep its outbox is; and `meta.epoch_ms`, set once, when the schema is
//!   created: the exhibition's clock starts there.
//!
//! **Erasure.** Setting a row's words to NULL leaves the old row version in the table's file
//! until it is vacuumed, and even a plain `VACUUM` only marks its space free: a removed tuple's
//! bytes stay on the page until other data happens to overwrite them (the lowest tuple on a page
//! is never overwritten by the compaction). So a withdrawal rewrites the table, `VACUUM FULL
//! narratives`, which writes a new file without any dead row and deletes the old one. That has to
//! wait for two things, and neither is waited on for long ([`ERASURE_WAIT`]): a session still
//! reading from before the withdrawal (its snapshot keeps the old version alive, and a rewrite
//! would copy it along), which is checked first; and the table's lock, which a rewrite takes
//! exclusively for the moment it runs (`lock_timeout`). While either holds it up, the erasure
//! waits in `pending_erasure` and is retried like SQLite's ([`Withdrawal::Pending`]). A rewrite
//! costs time in proportion to the table (milliseconds for thousands of dreams), during which
//! every machine's reads and writes of it wait. The server's own write-ahead log, archives,
//! backups and replicas are out of a client's reach: they keep old copies until the server
//! recycles them, which is for whoever runs the server to know.

use std::{
    cell::{Cell, RefCell},
    time::{Duration, Instant},
};

use postgres::{
    Client, Config, GenericClient, IsolationLevel, NoTls, Row, Transaction, error::SqlState,
    types::ToSql,
};

use super::{
    Admission, ERASURE_RETRY_INTERVAL, ERASURE_WAIT, Event, EventKind, POSTGRES_SCHEMA_VERSION,
    Status, StatusCounts, StoreError, StoredNarrative, Withdrawal, now_ms,
};
use crate::narrative::{
    Consent, Narrative, NarrativeId,
    receipt::Receipt,
    sample_narratives,
    validate::{Submission, ValidSubmission, validate},
};

/// The channel every writing transaction notifies, with the sequence number of the last event it
/// logged as the payload; delivered to listeners when it commits.
pub const EVENTS_CHANNEL: &str = "dreamloom_events";
/// How long connecting waits for the server when the connection string sets no
/// `connect_timeout`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The same for a running machine's writer ([`PgDatabase::open_or_later`]): a kiosk whose
/// database host is gone keeps a dream in its outbox after this, rather than keep its visitor
/// waiting.
pub const BRIEF_CONNECT_TIMEOUT: Duration = Duration::from_millis(2500);

/// How a connection copes with a server that does not answer.
#[derive(Debug, Clone, Copy)]
struct Patience {
    /// How long connecting waits, unless the connection string says otherwise.
    connect_timeout: Duration,
    /// A connection whose sent data stays unacknowledged this long is given up (`TCP_USER_TIMEOUT`,
    /// unless the connection string sets one), and an idle one is probed (TCP keepalives), so
    /// that a network that drops without a word fails a call instead of hanging it for the
    /// system's quarter of an hour; `None`: the system's defaults.
    dead_network: Option<Duration>,
    /// After a failed attempt to connect, none is made again before this has passed: calls
    /// meanwhile fail at once with [`StoreError::Unreachable`] rather than each wait for a
    /// timeout; `None`: every call tries.
    retry_pause: Option<Duration>,
}

/// Commands and readers: wait as long as it takes a slow server to answer, and try at every call.
const PATIENT: Patience = Patience {
    connect_timeout: CONNECT_TIMEOUT,
    dead_network: None,
    retry_pause: None,
};

/// A running machine's writer, which a kiosk's visitors wait on (see
/// [`PgDatabase::open_or_later`]).
const BRIEF: Patience = Patience {
    connect_timeout: BRIEF_CONNECT_TIMEOUT,
    dead_network: Some(Duration::from_secs(6)),
    retry_pause: Some(Duration::from_millis(500)),
};

/// Key of the advisory lock the schema is created and migrated under, so that two machines
/// starting at once do not both create it ("Dreamloo" in ASCII).
const MIGRATION_LOCK: i64 = 0x4472_6561_6d6c_6f6f;

/// What the writer's session sets: a commit has reached the server's disk before it returns,
/// whatever the server's default.
const WRITER_SESSION: &str = "SET synchronous_commit = on";
/// What a reader's session sets: it cannot write, whatever it is asked.
const READER_SESSION: &str = "SET default_transaction_read_only = on";

/// The server's clock, milliseconds since the Unix epoch: machines' clocks may differ, so what
/// every machine compares (the epoch, when a machine was last seen) is read off the server's.
const SERVER_NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/// Version 1: narratives, the append-only event log with its guards, erasures still to finish,
/// the exhibition's machines, and a key-value table with the schema version and the epoch.
const MIGRATION_1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE narratives (
    id            BIGSERIAL PRIMARY KEY,
    receipt       TEXT    NOT NULL UNIQUE,
    submission_id TEXT    UNIQUE,
    text          TEXT,
    origin        TEXT,
    language      TEXT,
    display       BOOLEAN NOT NULL,
    sanctuary     BOOLEAN NOT NULL,
    created_at_ms BIGINT  NOT NULL,
    status        TEXT    NOT NULL
        CHECK (status IN ('pending', 'visible', 'hidden', 'withdrawn')),
    CHECK ((status = 'withdrawn') = (text IS NULL))
);
CREATE TABLE events (
    seq       BIGSERIAL PRIMARY KEY,
    at_ms     BIGINT NOT NULL,
    narrative BIGINT NOT NULL REFERENCES narratives (id),
    kind      TEXT   NOT NULL CHECK (kind IN
        ('submitted', 'moderated', 'withdrawn', 'dissolved', 'preserved', 'restored')),
    status    TEXT CHECK (status IN ('pending', 'visible', 'hidden', 'withdrawn'))
);
CREATE INDEX events_submitted_at ON events (at_ms) WHERE kind = 'submitted';
CREATE FUNCTION dreamloom_events_are_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END;
$$;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION dreamloom_events_are_append_only();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION dreamloom_events_are_append_only();
CREATE TABLE pending_erasure (
    seq       BIGSERIAL PRIMARY KEY,
    narrative BIGINT NOT NULL REFERENCES narratives (id),
    at_ms     BIGINT NOT NULL,
    xid       BIGINT NOT NULL
);
CREATE TABLE machines (
    name         TEXT    PRIMARY KEY,
    role         TEXT    NOT NULL,
    last_seen_ms BIGINT  NOT NULL,
    outbox_depth INTEGER NOT NULL,
    version      TEXT    NOT NULL
);
INSERT INTO meta (key, value)
    VALUES ('epoch_ms', (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text);
";

/// Every migration, by the version it brings the schema to.
const MIGRATIONS: [(i64, &str); 1] = [(1, MIGRATION_1)];

/// The columns a [`StoredNarrative`] is read from, in [`stored`]'s order.
const NARRATIVE_COLUMNS: &str = "id, receipt, COALESCE(text, ''), COALESCE(origin, ''), language, \
                                 display, sanctuary, created_at_ms, status";

/// Whether a session other than this one may still see the database as it was before the
/// transaction `$1` (a `txid_current()`) committed: its snapshot, or its own transaction, is older
/// (a smaller xid, a larger age). A standby's feedback (a replication slot's `xmin`) and a
/// prepared transaction count too. A plain `VACUUM` (autovacuum's) is left out, as PostgreSQL
/// leaves it out of what a rewrite must keep; an `ANALYZE` is not.
const HELD_BACK: &str = "
WITH withdrawal AS (SELECT age((($1::bigint) % 4294967296)::text::xid) AS age)
SELECT EXISTS (
    SELECT 1 FROM pg_stat_activity, withdrawal
    WHERE pid <> pg_backend_pid()
      AND (datname = current_database() OR datname IS NULL)
      AND pid NOT IN (SELECT pid FROM pg_stat_progress_vacuum)
      AND (age(backend_xmin) >= withdrawal.age OR age(backend_xid) >= withdrawal.age)
) OR EXISTS (
    SELECT 1 FROM pg_replication_slots, withdrawal WHERE age(xmin) >= withdrawal.age
) OR EXISTS (
    SELECT 1 FROM pg_prepared_xacts, withdrawal
    WHERE database = current_database() AND age(transaction) >= withdrawal.age
)";

/// Where the erasure of withdrawn dreams stands after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Erasure {
    /// Nothing was waiting to be erased.
    Nothing,
    /// Everything that was waiting is erased.
    Done,
    /// Another session's snapshot or the table's lock held the rewrite up (or the attempt
    /// failed): the erasures still wait in `pending_erasure`.
    Blocked,
}

/// The write connection to an exhibition's PostgreSQL database. The writer thread owns the one a
/// running piece needs (behind [`Database`](super::Database)); readers open a [`PgReader`].
///
/// Its connection comes back by itself: after the server went away, the next call connects
/// again, checks the server takes writes and brings the schema up to date as at the first
/// connection (and fails with [`StoreError::Connect`] while it is still away).
pub struct PgDatabase {
    link: Link,
    /// Whether the failure of the last erasure attempt was logged already (one warning per
    /// outage, not one every [`ERASURE_RETRY_INTERVAL`]).
    erasure_warned: bool,
}

impl PgDatabase {
    /// Connects to the database at `url` (`postgres://user@host/db`), creates or migrates its
    /// tables (under an advisory lock, so machines starting together take turns; the epoch is set
    /// the first time), and makes one attempt to finish any erasure a withdrawal left pending.
    ///
    /// Refused: a server that takes no writes, or a role that does not own Dreamloom's tables
    /// (only an owner can rewrite them to erase a withdrawn dream), as
    /// [`StoreError::ExhibitionReadOnly`]; a schema newer than this build's, as
    /// [`StoreError::NewerSchema`].
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let link = Link::new(
            url,
            "dreamloom-writer",
            WRITER_SESSION,
            Some(prepare_writer),
            PATIENT,
        );
        link.connect_now()?;
        Ok(Self::connected(link))
    }

    /// [`PgDatabase::open`] for a machine that runs for hours and must not stop when the
    /// database is away: connecting waits at most [`BRIEF_CONNECT_TIMEOUT`], a network that
    /// drops without a word fails a call within seconds, and after a failed attempt to connect
    /// calls fail at once ([`StoreError::Unreachable`]) for half a second rather than each wait
    /// again.
    ///
    /// A database that cannot be reached now is no failure: the answer is a database not yet
    /// connected, which connects (and sets up its tables) at its first use once the server is
    /// back, with the error that said it is away. A database that answers but cannot be used
    /// (read-only, a newer schema) is the failure [`PgDatabase::open`] gives.
    pub fn open_or_later(url: &str) -> Result<(Self, Option<StoreError>), StoreError> {
        let link = Link::new(
            url,
            "dreamloom-writer",
            WRITER_SESSION,
            Some(prepare_writer),
            BRIEF,
        );
        match link.connect_now() {
            Ok(()) => Ok((Self::connected(link), None)),
            Err(error) if error.is_unreachable() => Ok((
                Self {
                    link,
                    erasure_warned: false,
                },
                Some(error),
            )),
            Err(error) => Err(error),
        }
    }

    /// The database on a `link` that has just connected: one attempt to finish any erasure a
    /// withdrawal left pending.
    fn connected(link: Link) -> Self {
        let mut db = Self {
            link,
            erasure_warned: false,
        };
        if db.erase_pending() == Erasure::Blocked {
            bevy::log::warn!(
                "a withdrawn dream's old row version is still in the exhibition's database while \
                 another session reads from before its withdrawal; the erasure is retried every \
                 {} s",
                ERASURE_RETRY_INTERVAL.as_secs()
            );
        }
        db
    }

    /// Loads the embedded samples into a database that has never held a narrative (once, however
    /// many machines start together: they take the log's lock in turn).
    pub fn seed_samples_if_new(&mut self) -> Result<usize, StoreError> {
        self.link.with(|client| {
            let mut tx = begin_writing(client)?;
            let seeded = tx
                .query_opt("SELECT value FROM meta WHERE key = 'seeded'", &[])?
                .is_some();
            let count: i64 = tx
                .query_one("SELECT count(*) FROM narratives", &[])?
                .try_get(0)?;
            if seeded || count > 0 {
                return Ok(0);
            }
            let samples =
                sample_narratives().map_err(|error| StoreError::Samples(error.to_string()))?;
            let mut last_seq = None;
            for sample in &samples {
                let valid = validate(&Submission::from(sample))
                    .map_err(|error| StoreError::Samples(error.to_string()))?;
                last_seq = insert(&mut tx, &valid, Admission::default())?
                    .last_seq
                    .or(last_seq);
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('seeded', 'samples')",
                &[],
            )?;
            notify(&mut tx, last_seq)?;
            tx.commit()?;
            Ok(samples.len())
        })
    }

    /// Stores a validated submission with its `submitted` event, durably. A submission whose
    /// [`submission_id`](Admission::submission_id) is stored already, from whichever machine, is
    /// not stored again: the answer is the first one's id and receipt.
    pub fn submit(
        &mut self,
        valid: &ValidSubmission,
        admission: Admission,
    ) -> Result<(NarrativeId, Receipt), StoreError> {
        self.link.with(|client| {
            let mut tx = begin_writing(client)?;
            let inserted = insert(&mut tx, valid, admission)?;
            notify(&mut tx, inserted.last_seq)?;
            tx.commit()?;
            Ok((inserted.id, inserted.receipt))
        })
    }

    /// Stores many submissions in one transaction; each line is all-or-nothing on its own (a
    /// savepoint each), so one refused line does not cost the others.
    pub fn submit_batch(
        &mut self,
        batch: &[(ValidSubmission, Admission)],
    ) -> Result<Vec<Result<Receipt, StoreError>>, StoreError> {
        self.link.with(|client| {
            let mut tx = begin_writing(client)?;
            let mut results = Vec::with_capacity(batch.len());
            let mut last_seq = None;
            for (valid, admission) in batch {
                let mut savepoint = tx.transaction()?;
                match insert(&mut savepoint, valid, *admission) {
                    Ok(inserted) => {
                        savepoint.commit()?;
                        last_seq = inserted.last_seq.or(last_seq);
                        results.push(Ok(inserted.receipt));
                    }
                    Err(error) => {
                        savepoint.rollback()?;
                        results.push(Err(error));
                    }
                }
            }
            notify(&mut tx, last_seq)?;
            tx.commit()?;
            Ok(results)
        })
    }

    /// Sets a narrative's status (curators: approve, hide, restore).
    pub fn moderate(
        &mut self,
        receipt: Receipt,
        status: Status,
    ) -> Result<NarrativeId, StoreError> {
        self.link.with(|client| {
            let mut tx = begin_writing(client)?;
            let (id, current) = find(&mut tx, receipt)?;
            if current == Status::Withdrawn || status == Status::Withdrawn {
                return Err(StoreError::AlreadyWithdrawn(receipt));
            }
            tx.execute(
                "UPDATE narratives SET status = $1 WHERE id = $2",
                &[&status.as_str(), &id.0.cast_signed()],
            )?;
            let seq = log_event(&mut tx, id, EventKind::Moderated(status), now_ms())?;
            notify(&mut tx, Some(seq))?;
            tx.commit()?;
            Ok(id)
        })
    }

    /// Withdraws a narrative: erases its text, origin and language, logs the withdrawal and
    /// queues its erasure from the table's files, all in one transaction; then makes one attempt,
    /// bounded by [`ERASURE_WAIT`], to rewrite the table without the old row version. Whether that
    /// attempt completed is the [`Withdrawal`]: when another session held it up, the erasure stays
    /// queued, and the writer thread (of whichever machine) and the next open retry it.
    pub fn withdraw(&mut self, receipt: Receipt) -> Result<(NarrativeId, Withdrawal), StoreError> {
        let id = self.link.with(|client| {
            let mut tx = begin_writing(client)?;
            let (id, status) = find(&mut tx, receipt)?;
            if status == Status::Withdrawn {
                return Err(StoreError::AlreadyWithdrawn(receipt));
            }
            let row_id = id.0.cast_signed();
            tx.execute(
                "UPDATE narratives SET text = NULL, origin = NULL, language = NULL,
                     status = 'withdrawn' WHERE id = $1",
                &[&row_id],
            )?;
            let seq = log_event(&mut tx, id, EventKind::Withdrawn, now_ms())?;
            // The transaction's own id: the erasure must wait for every session that still sees
            // the database as it was before this one committed.
            tx.execute(
                "INSERT INTO pending_erasure (narrative, at_ms, xid)
                 VALUES ($1, $2, txid_current())",
                &[&row_id, &now_ms()],
            )?;
            notify(&mut tx, Some(seq))?;
            tx.commit()?;
            Ok(id)
        })?;
        let withdrawal = match self.erase_pending() {
            Erasure::Nothing | Erasure::Done => Withdrawal::Erased,
            Erasure::Blocked => Withdrawal::Pending,
        };
        Ok((id, withdrawal))
    }

    /// How many withdrawn narratives still wait for their old row versions to be erased from the
    /// table's files (see [`Withdrawal::Pending`]).
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        self.link.with(pending_erasures)
    }

    /// The writer thread's retry, between jobs: one attempt, bounded by [`ERASURE_WAIT`], to
    /// finish every pending erasure. Cheap when none is pending (one read of an empty table).
    pub(super) fn retry_erasures(&mut self) {
        if self.erase_pending() == Erasure::Done {
            bevy::log::info!("the pending erasure of withdrawn dreams is complete");
        }
    }

    /// One attempt to finish every pending erasure; a failure is logged (once until an attempt
    /// succeeds again) and leaves them pending.
    fn erase_pending(&mut self) -> Erasure {
        match self.link.with(try_erase_pending) {
            Ok(erasure) => {
                self.erasure_warned = false;
                erasure
            }
            Err(error) => {
                if !self.erasure_warned {
                    bevy::log::warn!(
                        "could not finish erasing withdrawn dreams (retried later): {error}"
                    );
                    self.erasure_warned = true;
                }
                Erasure::Blocked
            }
        }
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        self.link.with(narratives)
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        self.link.with(|client| pending(client, limit))
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        self.link.with(|client| lookup(client, receipt))
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        self.link.with(status_counts)
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        self.link.with(displayed)
    }

    /// Records what the protocol did, in one transaction. Events about narratives the store does
    /// not hold (synthetic ones, or withdrawn since) are skipped.
    pub fn log_protocol_events(
        &mut self,
        events: &[(NarrativeId, EventKind)],
    ) -> Result<usize, StoreError> {
        self.link.with(|client| {
            let mut tx = begin_writing(client)?;
            let mut logged = 0;
            let mut last_seq = None;
            for &(id, kind) in events {
                let known = tx.query_opt(
                    "SELECT status FROM narratives WHERE id = $1",
                    &[&id.0.cast_signed()],
                )?;
                let status: Option<String> = match known {
                    Some(row) => Some(row.try_get(0)?),
                    None => None,
                };
                if status.is_some_and(|status| status != Status::Withdrawn.as_str()) {
                    last_seq = Some(log_event(&mut tx, id, kind, now_ms())?);
                    logged += 1;
                }
            }
            notify(&mut tx, last_seq)?;
            tx.commit()?;
            Ok(logged)
        })
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        self.link
            .with(|client| find(client, receipt).map(|(_, status)| status))
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        self.link.with(|client| events_after(client, seq))
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        self.link.with(last_submission_ms)
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        self.link.with(last_seq)
    }

    /// `"ok"` when the database keeps Dreamloom's own rules — every withdrawn narrative holds no
    /// words, every narrative has its `submitted` event — else what is broken. (PostgreSQL checks
    /// its own pages, with checksums where the cluster has them.)
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.link.with(integrity_check)
    }

    /// When the exhibition's clock started, milliseconds since the Unix epoch (set once, when the
    /// schema was created).
    pub fn epoch_ms(&self) -> Result<Option<i64>, StoreError> {
        self.link.with(epoch_ms)
    }

    /// Tells the exhibition this machine is alive: its `name`, its `role` (`"kiosk"`,
    /// `"renderer"`), how many submissions wait in its outbox, and this build's version; the time is
    /// the server's. Call it every few seconds; `dreamloom exhibition status` lists what it wrote.
    pub fn heartbeat(
        &mut self,
        name: &str,
        role: &str,
        outbox_depth: usize,
    ) -> Result<(), StoreError> {
        let outbox_depth = i32::try_from(outbox_depth).unwrap_or(i32::MAX);
        self.link.with(|client| {
            client.execute(
                &format!(
                    "INSERT INTO machines (name, role, last_seen_ms, outbox_depth, version)
                     VALUES ($1, $2, {SERVER_NOW_MS}, $3, $4)
                     ON CONFLICT (name) DO UPDATE SET role = excluded.role,
                         last_seen_ms = excluded.last_seen_ms,
                         outbox_depth = excluded.outbox_depth, version = excluded.version"
                ),
                &[&name, &role, &outbox_depth, &env!("CARGO_PKG_VERSION")],
            )?;
            Ok(())
        })
    }
}

/// A session that listens on [`EVENTS_CHANNEL`]: the writers' `NOTIFY` at every commit wakes the
/// feed at once. Only a wake-up: what changed is always read from the log by sequence number, so
/// a notification missed (a dropped connection, a full queue) costs a poll interval, never an
/// event.
pub struct Listener {
    client: Client,
}

impl Listener {
    /// Connects to `url` and listens.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut client = connect(url, "dreamloom-listener", READER_SESSION, BRIEF)?;
        client.batch_execute(&format!("LISTEN {EVENTS_CHANNEL}"))?;
        Ok(Self { client })
    }

    /// Waits up to `timeout` for a commit's notification; whether one came (all that queued up
    /// are taken). An error means the connection is gone: open a new listener.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool, StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut notifications = self.client.notifications();
        let first = notifications.timeout_iter(timeout).next()?;
        if first.is_none() {
            return Ok(false);
        }
        // Drain what else is queued: one catch-up reads it all.
        while notifications.iter().next()?.is_some() {}
        Ok(true)
    }
}

/// A read-only view of an exhibition's database on a session of its own
/// (`default_transaction_read_only`), for readers on other threads (the viewer's feed, the command
/// line), behind [`Reader`](super::Reader).
///
/// It reads the schema this build writes and nothing else: a database of another version, or one
/// not set up yet, is refused rather than migrated, which is the writer's job.
pub struct PgReader {
    link: Link,
}

impl PgReader {
    /// Connects to the database at `url` for reading only. A database without Dreamloom's tables
    /// is [`StoreError::OlderSchema`] (schema 0; nothing is created), one of a newer schema
    /// [`StoreError::NewerSchema`].
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let link = Link::new(url, "dreamloom-reader", READER_SESSION, None, PATIENT);
        let found = link.with(schema_version)?;
        if found > POSTGRES_SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                known: POSTGRES_SCHEMA_VERSION,
            });
        }
        if found < POSTGRES_SCHEMA_VERSION {
            return Err(StoreError::OlderSchema {
                found,
                known: POSTGRES_SCHEMA_VERSION,
            });
        }
        Ok(Self { link })
    }

    /// Every narrative that is not withdrawn, in the order they arrived.
    pub fn narratives(&self) -> Result<Vec<StoredNarrative>, StoreError> {
        self.link.with(narratives)
    }

    /// The narratives waiting for a curator (pre-moderation), oldest first, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
        self.link.with(|client| pending(client, limit))
    }

    /// The narrative with `receipt`, whatever its status (a withdrawn one has no text left).
    pub fn lookup(&self, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
        self.link.with(|client| lookup(client, receipt))
    }

    /// How many narratives are in each status.
    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        self.link.with(status_counts)
    }

    /// The narratives that belong on the cloak now: visible, and their owners allow display.
    pub fn displayed(&self) -> Result<Vec<Narrative>, StoreError> {
        self.link.with(displayed)
    }

    /// Status of the narrative with `receipt`.
    pub fn status_of(&self, receipt: Receipt) -> Result<Status, StoreError> {
        self.link
            .with(|client| find(client, receipt).map(|(_, status)| status))
    }

    /// Events after `seq`, in order.
    pub fn events_after(&self, seq: i64) -> Result<Vec<Event>, StoreError> {
        self.link.with(|client| events_after(client, seq))
    }

    /// When the newest narrative was submitted, milliseconds since the Unix epoch.
    pub fn last_submission_ms(&self) -> Result<Option<i64>, StoreError> {
        self.link.with(last_submission_ms)
    }

    /// Sequence number of the newest event (0 for none).
    pub fn last_seq(&self) -> Result<i64, StoreError> {
        self.link.with(last_seq)
    }

    /// See [`PgDatabase::integrity_check`].
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.link.with(integrity_check)
    }

    /// How many withdrawn narratives still wait for their old row versions to be erased.
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        self.link.with(pending_erasures)
    }

    /// When the exhibition's clock started, milliseconds since the Unix epoch.
    pub fn epoch_ms(&self) -> Result<Option<i64>, StoreError> {
        self.link.with(epoch_ms)
    }

    /// The size of the whole database (`pg_database_size`), in bytes; `None` when it cannot be
    /// read.
    #[must_use]
    pub fn size_bytes(&self) -> Option<u64> {
        self.link.with(database_size).ok()
    }

    /// The exhibition at a glance, read in one snapshot: schema, epoch, the log's head, the
    /// narratives by status, and every machine that ever reported.
    pub fn exhibition_status(&self) -> Result<ExhibitionStatus, StoreError> {
        self.link.with(|client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let schema_version = schema_version(&mut tx)?;
            let epoch_ms = epoch_ms(&mut tx)?;
            let head = match tx.query_opt(
                "SELECT seq, at_ms FROM events ORDER BY seq DESC LIMIT 1",
                &[],
            )? {
                Some(row) => Some((row.try_get(0)?, row.try_get(1)?)),
                None => None,
            };
            let counts = status_counts(&mut tx)?;
            let machines = tx
                .query(
                    &format!(
                        "SELECT name, role, last_seen_ms, {SERVER_NOW_MS} - last_seen_ms,
                                outbox_depth, version
                         FROM machines ORDER BY name"
                    ),
                    &[],
                )?
                .iter()
                .map(machine)
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(ExhibitionStatus {
                schema_version,
                epoch_ms,
                head,
                counts,
                machines,
            })
        })
    }
}

/// One machine of an exhibition, as it last reported itself ([`PgDatabase::heartbeat`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Its name (`--machine`, or its host name).
    pub name: String,
    /// What it does: `"kiosk"`, `"renderer"`.
    pub role: String,
    /// When it last reported, milliseconds since the Unix epoch, by the server's clock.
    pub last_seen_ms: i64,
    /// How long before the read that was, milliseconds, by the same clock (so the machines'
    /// own clocks do not matter).
    pub seen_ago_ms: i64,
    /// Submissions waiting in its outbox for the database.
    pub outbox_depth: u32,
    /// The Dreamloom version it runs.
    pub version: String,
}

/// An exhibition's database at a glance (`dreamloom exhibition status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExhibitionStatus {
    /// The schema version its `meta` table records.
    pub schema_version: i64,
    /// When the exhibition's clock started, milliseconds since the Unix epoch.
    pub epoch_ms: Option<i64>,
    /// The newest event: its sequence number and time (milliseconds since the Unix epoch);
    /// `None` for an empty log.
    pub head: Option<(i64, i64)>,
    /// The narratives by status.
    pub counts: StatusCounts,
    /// Every machine that ever reported, by name.
    pub machines: Vec<Machine>,
}

/// Whether `url` is a PostgreSQL connection URL (`postgres://…` or `postgresql://…`); if not,
/// why, in words that show no password.
pub fn check_exhibition_url(url: &str) -> Result<(), String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(())
    } else {
        Err(format!(
            "\"{}\" is not a PostgreSQL address: give one like postgres://USER@HOST:5432/DATABASE",
            redact(url)
        ))
    }
}

/// The connection string `target` with any password replaced by `***`, to be shown and logged:
/// in a URL's user information (`postgres://user:secret@host`), in its query
/// (`?password=secret`), and in the key-value form (`password=secret` or `password='se cret'`).
/// Text that is neither (`user:secret@host` without its scheme) is read as a URL's part after
/// `://`.
#[must_use]
pub fn redact(target: &str) -> String {
    match target.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", redact_after_scheme(rest)),
        None if target.contains('=') => redact_key_value(target),
        None => redact_after_scheme(target),
    }
}

/// [`redact`] for a URL's part after `://`: its user information and its query.
fn redact_after_scheme(rest: &str) -> String {
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{user_info}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{authority}{tail}")
}

/// [`redact`] for the key-value form: `host=h password=secret dbname=d`, where a value may be
/// single-quoted (with `\'` and `\\` inside).
fn redact_key_value(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    let mut rest = target;
    while let Some(start) = find_password_key(rest) {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(equals) = after.find('=') else {
            break;
        };
        out.push_str(&after[..=equals]);
        out.push_str("***");
        let value = after[equals + 1..].trim_start();
        rest = if let Some(quoted) = value.strip_prefix('\'') {
            let mut escaped = false;
            let end = quoted
                .char_indices()
                .find(|&(_, c)| {
                    let closes = c == '\'' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map_or(quoted.len(), |(i, _)| i + 1);
            &quoted[end..]
        } else {
            let end = value.find(char::is_whitespace).unwrap_or(value.len());
            &value[end..]
        };
    }
    out.push_str(rest);
    out
}

/// Where the key `password` (followed by `=`, spaces allowed) starts in `text`, as a whole word.
fn find_password_key(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("password") {
        let start = from + found;
        let word_start = start == 0 || text[..start].ends_with(char::is_whitespace);
        let after = text[start + "password".len()..].trim_start();
        if word_start && after.starts_with('=') {
            return Some(start);
        }
        from = start + "password".len();
    }
    None
}

/// What a new connection runs after its session statements, before any other call: the writer's
/// checks and migrations ([`prepare_writer`]). Given the connection string, for messages.
type Prepare = fn(&mut Client, &str) -> Result<(), StoreError>;

/// One connection to the exhibition's database that comes back by itself: when a call finds it
/// lost (the server restarted, the network dropped), the next call connects again and sets its
/// session up as the first time. Used from one thread at a time (it is `Send`, not `Sync`), as
/// SQLite's connections are.
struct Link {
    url: String,
    application: &'static str,
    session: &'static str,
    prepare: Option<Prepare>,
    patience: Patience,
    /// `None` before the first connection and after one was lost.
    client: RefCell<Option<Client>>,
    /// No new connection is tried before this (see [`Patience::retry_pause`]).
    retry_at: Cell<Option<Instant>>,
}

impl Link {
    /// A link to `url`, not connected yet: the first call connects.
    fn new(
        url: &str,
        application: &'static str,
        session: &'static str,
        prepare: Option<Prepare>,
        patience: Patience,
    ) -> Self {
        Self {
            url: url.to_owned(),
            application,
            session,
            prepare,
            patience,
            client: RefCell::new(None),
            retry_at: Cell::new(None),
        }
    }

    /// Connects now, unless connected already.
    fn connect_now(&self) -> Result<(), StoreError> {
        self.with(|_| Ok(()))
    }

    /// Runs `work` on the connection, connecting first if there is none (or the last call lost
    /// it).
    fn with<R>(
        &self,
        work: impl FnOnce(&mut Client) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut slot = self.client.borrow_mut();
        let client = match slot.take() {
            Some(client) if !client.is_closed() => client,
            _ => self.connect()?,
        };
        let client = slot.insert(client);
        let result = work(client);
        if let Err(StoreError::Postgres(error)) = &result
            && connection_lost(error)
        {
            *slot = None;
        }
        result
    }

    /// A new connection, its session set up and prepared; or, within the retry pause after a
    /// failed attempt, [`StoreError::Unreachable`] at once.
    fn connect(&self) -> Result<Client, StoreError> {
        if let Some(at) = self.retry_at.get()
            && Instant::now() < at
        {
            return Err(StoreError::Unreachable {
                target: redact(&self.url),
            });
        }
        let connected = connect(&self.url, self.application, self.session, self.patience).and_then(
            |mut client| {
                if let Some(prepare) = self.prepare {
                    prepare(&mut client, &self.url)?;
                }
                Ok(client)
            },
        );
        let retry_at = match &connected {
            Err(error) if error.is_unreachable() => self
                .patience
                .retry_pause
                .map(|pause| Instant::now() + pause),
            _ => None,
        };
        self.retry_at.set(retry_at);
        connected
    }
}

/// Whether `error` may have left the connection unusable: anything but an error the server
/// reported for one statement (a fatal one ends the session too).
fn connection_lost(error: &postgres::Error) -> bool {
    error.is_closed()
        || error
            .as_db_error()
            .is_none_or(|db| matches!(db.severity(), "FATAL" | "PANIC"))
}

/// Whether `error` means the server cannot be reached now (see
/// [`StoreError::is_unreachable`]): the connection closed, the network failed under it, or the
/// server said it is shutting down, starting up or lost the connection (SQLSTATE classes 08 and
/// 57P, or a fatal error). A statement the server refused, or a value that did not convert, is
/// not.
pub(super) fn unreachable(error: &postgres::Error) -> bool {
    if error.is_closed()
        || std::error::Error::source(error)
            .is_some_and(<dyn std::error::Error + 'static>::is::<std::io::Error>)
    {
        return true;
    }
    error.as_db_error().is_some_and(|db| {
        let code = db.code().code();
        matches!(db.severity(), "FATAL" | "PANIC")
            || code.starts_with("08")
            || code.starts_with("57P")
    })
}

/// A new connection to `url`, named `application` in `pg_stat_activity` and set up with the
/// `session` statements, as patient as `patience` says unless the string says otherwise. No TLS:
/// an exhibition's machines share a closed network.
fn connect(
    url: &str,
    application: &str,
    session: &str,
    patience: Patience,
) -> Result<Client, StoreError> {
    let failed = |source| StoreError::Connect {
        target: redact(url),
        source,
    };
    let mut config: Config = url.parse().map_err(failed)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(patience.connect_timeout);
    }
    if let Some(limit) = patience.dead_network
        && config.get_tcp_user_timeout().is_none()
    {
        config
            .tcp_user_timeout(limit)
            .keepalives(true)
            .keepalives_idle(limit / 2);
    }
    if config.get_application_name().is_none() {
        config.application_name(application);
    }
    let mut client = config.connect(NoTls).map_err(failed)?;
    client.batch_execute(session).map_err(failed)?;
    Ok(client)
}

/// What the writer checks and does on each new connection: the server takes writes, the schema
/// is this build's (created or migrated), and the role may rewrite the tables.
fn prepare_writer(client: &mut Client, url: &str) -> Result<(), StoreError> {
    ensure_writable(client, url)?;
    migrate(client)?;
    ensure_owner(client, url)
}

/// Fails with [`StoreError::ExhibitionReadOnly`] unless the server takes writes from this
/// session: a standby, or sessions read-only by default, would fail every submission.
fn ensure_writable(client: &mut Client, url: &str) -> Result<(), StoreError> {
    let row = client.query_one(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
        &[],
    )?;
    let standby: bool = row.try_get(0)?;
    let read_only: bool = row.try_get(1)?;
    let reason = if standby {
        "it is a standby server"
    } else if read_only {
        "its sessions are read-only (default_transaction_read_only)"
    } else {
        return Ok(());
    };
    Err(StoreError::ExhibitionReadOnly {
        target: redact(url),
        reason: reason.to_owned(),
    })
}

/// Fails with [`StoreError::ExhibitionReadOnly`] unless this session's role may rewrite the
/// tables (it owns them, or the database, or is a superuser): anyone else's `VACUUM FULL` is
/// skipped with a mere warning, and a withdrawn dream would be reported erased while its old row
/// version stayed.
fn ensure_owner(client: &mut Client, url: &str) -> Result<(), StoreError> {
    let row = client.query_one(
        "SELECT bool_and(pg_has_role(relowner, 'USAGE'))
                OR pg_has_role((SELECT datdba FROM pg_database
                                WHERE datname = current_database()), 'USAGE'),
                current_user::text
         FROM pg_class
         WHERE oid IN ('narratives'::regclass, 'events'::regclass,
                       'pending_erasure'::regclass, 'machines'::regclass, 'meta'::regclass)",
        &[],
    )?;
    let owner: bool = row.try_get(0)?;
    if owner {
        return Ok(());
    }
    let user: String = row.try_get(1)?;
    Err(StoreError::ExhibitionReadOnly {
        target: redact(url),
        reason: format!(
            "the role {user} does not own Dreamloom's tables, so it cannot rewrite them to erase a \
             withdrawn dream; connect as the role that ran `dreamloom exhibition init`"
        ),
    })
}

/// Brings the schema up to [`POSTGRES_SCHEMA_VERSION`], each migration in its own transaction,
/// under an advisory lock so that machines starting together take turns; refuses a newer schema.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    for (to, migration) in MIGRATIONS {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        let found = schema_version(&mut tx)?;
        if found > POSTGRES_SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                known: POSTGRES_SCHEMA_VERSION,
            });
        }
        if found < to {
            tx.batch_execute(migration)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&to.to_string()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The schema version in `meta`; 0 for a database without Dreamloom's tables.
fn schema_version(client: &mut impl GenericClient) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    let Some(row) = client.query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
    else {
        return Ok(0);
    };
    let value: String = row.try_get(0)?;
    value
        .parse::<i64>()
        .map_err(|_| StoreError::Unreadable(format!("schema version {value:?}")))
}

/// When the exhibition's clock started (`meta.epoch_ms`).
fn epoch_ms(client: &mut impl GenericClient) -> Result<Option<i64>, StoreError> {
    let Some(row) = client.query_opt("SELECT value FROM meta WHERE key = 'epoch_ms'", &[])? else {
        return Ok(None);
    };
    let value: String = row.try_get(0)?;
    value
        .parse::<i64>()
        .map(Some)
        .map_err(|_| StoreError::Unreadable(format!("epoch {value:?}")))
}

/// Begins a writing transaction: every one takes the event log's lock first (see the module's
/// notes), so the log is written by one transaction at a time, from whichever machine, and `seq`
/// order is commit order. Plain reads pass the lock.
fn begin_writing(client: &mut Client) -> Result<Transaction<'_>, StoreError> {
    let mut tx = client.transaction()?;
    tx.batch_execute("LOCK TABLE events IN EXCLUSIVE MODE")?;
    Ok(tx)
}

/// Tells listeners, once the transaction commits, the sequence number of the last event it
/// logged (nothing when it logged none).
fn notify(tx: &mut Transaction<'_>, last_seq: Option<i64>) -> Result<(), StoreError> {
    if let Some(seq) = last_seq {
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&EVENTS_CHANNEL, &seq.to_string()],
        )?;
    }
    Ok(())
}

/// A narrative stored, or found stored under its submission id.
struct Inserted {
    id: NarrativeId,
    receipt: Receipt,
    /// The last event its storing logged; `None` when it was stored before.
    last_seq: Option<i64>,
}

/// Inserts the narrative and its `submitted` event (and, when it arrives other than visible, the
/// moderation that set its status), at its creation time; or finds it stored already under its
/// submission id.
fn insert(
    tx: &mut Transaction<'_>,
    valid: &ValidSubmission,
    admission: Admission,
) -> Result<Inserted, StoreError> {
    let submission = valid.get();
    let created_at_ms = admission.created_at_ms.unwrap_or_else(now_ms);
    let submission_id = admission.submission_id.map(|id| id.to_string());
    if let Some(key) = &submission_id
        && let Some(first) = submitted_before(tx, key)?
    {
        return Ok(first);
    }
    // A fresh code collides with an existing one about once in a billion: draw again.
    for _ in 0..16 {
        let receipt = admission.receipt.unwrap_or_else(Receipt::random);
        let inserted = tx.query_opt(
            "INSERT INTO narratives
                 (receipt, submission_id, text, origin, language, display, sanctuary,
                  created_at_ms, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT DO NOTHING
             RETURNING id",
            &[
                &receipt.as_str(),
                &submission_id,
                &submission.text,
                &submission.origin,
                &submission.language,
                &submission.consent.display,
                &submission.consent.sanctuary,
                &created_at_ms,
                &admission.status.as_str(),
            ],
        )?;
        if let Some(row) = inserted {
            let id = NarrativeId(row.try_get::<_, i64>(0)?.cast_unsigned());
            // Logged when it was made: a submission forwarded later keeps its own time.
            let mut last_seq = log_event(tx, id, EventKind::Submitted, created_at_ms)?;
            if admission.status != Status::Visible {
                last_seq = log_event(
                    tx,
                    id,
                    EventKind::Moderated(admission.status),
                    created_at_ms,
                )?;
            }
            return Ok(Inserted {
                id,
                receipt,
                last_seq: Some(last_seq),
            });
        }
        // Nothing inserted: the receipt code is taken, or (from a writer that did not take the
        // log's lock) the same submission arrived meanwhile.
        if let Some(key) = &submission_id
            && let Some(first) = submitted_before(tx, key)?
        {
            return Ok(first);
        }
        if admission.receipt.is_some() {
            return Err(StoreError::ReceiptTaken(receipt));
        }
    }
    Err(StoreError::ReceiptTaken(Receipt::from_bits(0)))
}

/// The narrative stored under `submission_id`, if one is.
fn submitted_before(
    client: &mut impl GenericClient,
    submission_id: &str,
) -> Result<Option<Inserted>, StoreError> {
    let Some(row) = client.query_opt(
        "SELECT id, receipt FROM narratives WHERE submission_id = $1",
        &[&submission_id],
    )?
    else {
        return Ok(None);
    };
    let id: i64 = row.try_get(0)?;
    let receipt: String = row.try_get(1)?;
    Ok(Some(Inserted {
        id: NarrativeId(id.cast_unsigned()),
        receipt: parse_receipt(&receipt)?,
        last_seq: None,
    }))
}

/// Appends an event at `at_ms`; returns its sequence number.
fn log_event(
    tx: &mut Transaction<'_>,
    id: NarrativeId,
    kind: EventKind,
    at_ms: i64,
) -> Result<i64, StoreError> {
    let (kind, status) = kind.words();
    let row = tx.query_one(
        "INSERT INTO events (at_ms, narrative, kind, status) VALUES ($1, $2, $3, $4)
         RETURNING seq",
        &[&at_ms, &id.0.cast_signed(), &kind, &status],
    )?;
    Ok(row.try_get(0)?)
}

/// One attempt to finish every pending erasure: unless a session still sees the database from
/// before the newest withdrawal queued now, rewrite the table (waiting at most [`ERASURE_WAIT`]
/// for its lock) and strike what the rewrite covered. An erasure another machine queues meanwhile
/// stays for the next attempt.
fn try_erase_pending(client: &mut Client) -> Result<Erasure, StoreError> {
    let row = client.query_one("SELECT max(seq), max(xid) FROM pending_erasure", &[])?;
    let newest: Option<i64> = row.try_get(0)?;
    let xid: Option<i64> = row.try_get(1)?;
    let (Some(newest), Some(xid)) = (newest, xid) else {
        return Ok(Erasure::Nothing);
    };
    let held_back: bool = client.query_one(HELD_BACK, &[&xid])?.try_get(0)?;
    if held_back || !rewrite_narratives(client)? {
        return Ok(Erasure::Blocked);
    }
    client.execute("DELETE FROM pending_erasure WHERE seq <= $1", &[&newest])?;
    Ok(Erasure::Done)
}

/// `VACUUM FULL narratives`: the table (and its TOAST table) written anew without any dead row
/// version, the old files deleted. `false` when another session held the table's lock for longer
/// than [`ERASURE_WAIT`]. `VACUUM` cannot run inside a transaction, so it is a statement of its
/// own.
fn rewrite_narratives(client: &mut Client) -> Result<bool, StoreError> {
    client.batch_execute(&format!("SET lock_timeout = {}", ERASURE_WAIT.as_millis()))?;
    let rewritten = client.batch_execute("VACUUM FULL narratives");
    client.batch_execute("RESET lock_timeout")?;
    match rewritten {
        Ok(()) => Ok(true),
        Err(error) if error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

fn pending_erasures(client: &mut Client) -> Result<usize, StoreError> {
    let count: i64 = client
        .query_one("SELECT count(*) FROM pending_erasure", &[])?
        .try_get(0)?;
    Ok(usize::try_from(count).unwrap_or(0))
}

fn narratives(client: &mut Client) -> Result<Vec<StoredNarrative>, StoreError> {
    select(client, "WHERE status <> 'withdrawn' ORDER BY id", &[])
}

fn pending(client: &mut Client, limit: usize) -> Result<Vec<StoredNarrative>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    select(
        client,
        "WHERE status = 'pending' ORDER BY id LIMIT $1",
        &[&limit],
    )
}

fn lookup(client: &mut Client, receipt: Receipt) -> Result<StoredNarrative, StoreError> {
    select(client, "WHERE receipt = $1", &[&receipt.as_str()])?
        .pop()
        .ok_or(StoreError::UnknownReceipt(receipt))
}

fn displayed(client: &mut Client) -> Result<Vec<Narrative>, StoreError> {
    Ok(select(
        client,
        "WHERE status = 'visible' AND display ORDER BY id",
        &[],
    )?
    .into_iter()
    .map(|stored| stored.narrative)
    .collect())
}

fn status_counts(client: &mut impl GenericClient) -> Result<StatusCounts, StoreError> {
    let mut counts = StatusCounts::default();
    for row in client.query(
        "SELECT status, count(*) FROM narratives GROUP BY status",
        &[],
    )? {
        let status: String = row.try_get(0)?;
        let count: i64 = row.try_get(1)?;
        let count = usize::try_from(count).unwrap_or(0);
        match parse_status(&status)? {
            Status::Pending => counts.pending = count,
            Status::Visible => counts.visible = count,
            Status::Hidden => counts.hidden = count,
            Status::Withdrawn => counts.withdrawn = count,
        }
    }
    Ok(counts)
}

fn events_after(client: &mut Client, seq: i64) -> Result<Vec<Event>, StoreError> {
    client
        .query(
            "SELECT seq, at_ms, narrative, kind, status FROM events WHERE seq > $1 ORDER BY seq",
            &[&seq],
        )?
        .iter()
        .map(event)
        .collect()
}

fn last_submission_ms(client: &mut Client) -> Result<Option<i64>, StoreError> {
    Ok(client
        .query_one(
            "SELECT max(at_ms) FROM events WHERE kind = 'submitted'",
            &[],
        )?
        .try_get(0)?)
}

fn last_seq(client: &mut Client) -> Result<i64, StoreError> {
    Ok(client
        .query_one("SELECT coalesce(max(seq), 0) FROM events", &[])?
        .try_get(0)?)
}

fn integrity_check(client: &mut Client) -> Result<String, StoreError> {
    let row = client.query_one(
        "SELECT
             (SELECT count(*) FROM narratives WHERE status = 'withdrawn'
                 AND (text IS NOT NULL OR origin IS NOT NULL OR language IS NOT NULL)),
             (SELECT count(*) FROM narratives n WHERE NOT EXISTS
                 (SELECT 1 FROM events e WHERE e.narrative = n.id AND e.kind = 'submitted'))",
        &[],
    )?;
    let unerased: i64 = row.try_get(0)?;
    let unlogged: i64 = row.try_get(1)?;
    let mut problems = Vec::new();
    if unerased > 0 {
        problems.push(format!("{unerased} withdrawn narratives still hold words"));
    }
    if unlogged > 0 {
        problems.push(format!("{unlogged} narratives have no submitted event"));
    }
    Ok(if problems.is_empty() {
        "ok".to_owned()
    } else {
        problems.join("; ")
    })
}

fn database_size(client: &mut Client) -> Result<u64, StoreError> {
    let bytes: i64 = client
        .query_one("SELECT pg_database_size(current_database())", &[])?
        .try_get(0)?;
    u64::try_from(bytes).map_err(|_| StoreError::Unreadable(format!("database size {bytes}")))
}

/// Id and status of the narrative with `receipt`.
fn find(
    client: &mut impl GenericClient,
    receipt: Receipt,
) -> Result<(NarrativeId, Status), StoreError> {
    let row = client
        .query_opt(
            "SELECT id, status FROM narratives WHERE receipt = $1",
            &[&receipt.as_str()],
        )?
        .ok_or(StoreError::UnknownReceipt(receipt))?;
    let id: i64 = row.try_get(0)?;
    let status: String = row.try_get(1)?;
    Ok((NarrativeId(id.cast_unsigned()), parse_status(&status)?))
}

fn select(
    client: &mut Client,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<StoredNarrative>, StoreError> {
    let query = format!("SELECT {NARRATIVE_COLUMNS} FROM narratives {filter}");
    client
        .query(query.as_str(), params)?
        .iter()
        .map(stored)
        .collect()
}

/// A narrative from a row of [`NARRATIVE_COLUMNS`].
fn stored(row: &Row) -> Result<StoredNarrative, StoreError> {
    let id: i64 = row.try_get(0)?;
    let receipt: String = row.try_get(1)?;
    let status: String = row.try_get(8)?;
    Ok(StoredNarrative {
        narrative: Narrative {
            id: NarrativeId(id.cast_unsigned()),
            text: row.try_get(2)?,
            origin: row.try_get(3)?,
            language: row.try_get(4)?,
            consent: Consent {
                display: row.try_get(5)?,
                sanctuary: row.try_get(6)?,
            },
        },
        receipt: parse_receipt(&receipt)?,
        created_at_ms: row.try_get(7)?,
        status: parse_status(&status)?,
    })
}

/// An event from a row of `seq, at_ms, narrative, kind, status`.
fn event(row: &Row) -> Result<Event, StoreError> {
    let narrative: i64 = row.try_get(2)?;
    let kind: String = row.try_get(3)?;
    let status: Option<String> = row.try_get(4)?;
    let kind = match (kind.as_str(), status.as_deref()) {
        ("submitted", _) => EventKind::Submitted,
        ("withdrawn", _) => EventKind::Withdrawn,
        ("dissolved", _) => EventKind::Dissolved,
        ("preserved", _) => EventKind::Preserved,
        ("restored", _) => EventKind::Restored,
        ("moderated", Some(status)) => EventKind::Moderated(parse_status(status)?),
        (kind, status) => {
            return Err(StoreError::Unreadable(format!(
                "an event of kind {kind:?} with status {status:?}"
            )));
        }
    };
    Ok(Event {
        seq: row.try_get(0)?,
        at_ms: row.try_get(1)?,
        narrative: NarrativeId(narrative.cast_unsigned()),
        kind,
    })
}

/// A machine from a row of `name, role, last_seen_ms, seen_ago_ms, outbox_depth, version`.
fn machine(row: &Row) -> Result<Machine, StoreError> {
    let outbox_depth: i32 = row.try_get(4)?;
    Ok(Machine {
        name: row.try_get(0)?,
        role: row.try_get(1)?,
        last_seen_ms: row.try_get(2)?,
        seen_ago_ms: row.try_get(3)?,
        outbox_depth: u32::try_from(outbox_depth).unwrap_or(0),
        version: row.try_get(5)?,
    })
}

fn parse_status(word: &str) -> Result<Status, StoreError> {
    Status::from_word(word).ok_or_else(|| StoreError::Unreadable(format!("status {word:?}")))
}

fn parse_receipt(code: &str) -> Result<Receipt, StoreError> {
    code.parse::<Receipt>()
        .map_err(|error| StoreError::Unreadable(format!("receipt code {code:?}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        for (target, shown) in [
            (
                "postgres://dreamloom:s3cret@10.0.0.5:5432/show",
                "postgres://dreamloom:***@10.0.0.5:5432/show",
            ),
            (
                "postgresql://dreamloom:p@ss@gallery/show?sslmode=disable",
                "postgresql://dreamloom:***@gallery/show?sslmode=disable",
            ),
            (
                "postgres://dreamloom@gallery/show?password=s3cret&application_name=x",
                "postgres://dreamloom@gallery/show?password=***&application_name=x",
            ),
            (
                "postgres://postgres@127.0.0.1:5432/dreamloom",
                "postgres://postgres@127.0.0.1:5432/dreamloom",
            ),
            (
                "host=gallery password=s3cret dbname=show",
                "host=gallery password=*** dbname=show",
            ),
            (
                "host=gallery password = 'se cr\\'et' dbname=show",
                "host=gallery password =*** dbname=show",
            ),
            ("host=gallery dbname=show", "host=gallery dbname=show"),
            ("dreamloom:s3cret@10.0.0.5", "dreamloom:***@10.0.0.5"),
        ] {
            let redacted = redact(target);
            assert_eq!(redacted, shown, "{target}");
            assert!(!redacted.contains("s3cret") && !redacted.contains("cr\\'et"));
        }
    }

    /// Fails (with its message) if the connection error stops naming where it went and what to
    /// check, or shows the password.
    #[test]
    fn a_server_that_is_not_there_is_named_without_its_password() {
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        let Err(error) = PgDatabase::open("postgres://dreamloom:s3cret@127.0.0.1:1/show") else {
            panic!("connected to a server that is not there");
        };
        assert!(
            matches!(&error, StoreError::Connect { target, .. }
                if target == "postgres://dreamloom:***@127.0.0.1:1/show"),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("127.0.0.1:1") && message.contains("is PostgreSQL running"),
            "{message}"
        );
        assert!(!message.contains("s3cret"), "{message}");
    }
}
