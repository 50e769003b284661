//! [`Store`]: the handle to the one thread that owns the store's write connection, to the SQLite
//! file or to an exhibition's PostgreSQL database. Every write goes there as a job on the
//! [`Writer`], the thread's own state; a caller that needs the result waits for its reply, the
//! running piece sends and moves on. Between jobs, the thread retries erasures that readers held
//! up.
//!
//! A machine of an exhibition ([`Store::open_as`]) also tells the exhibition, every
//! [`HEARTBEAT_INTERVAL`], that it is alive. A kiosk's writer owns its [`Outbox`] too: a dream
//! that cannot reach the exhibition's database is kept there, on the kiosk's disk, before its
//! receipt is shown, and its visitor sees the usual receipt. While anything waits there, new
//! dreams queue behind it, and the writer forwards them, oldest first, every
//! [`FORWARD_INTERVAL`] until the database takes them: exactly once, in order, with their own
//! times and receipt codes (see `outbox.rs`). A withdrawal made meanwhile waits in the same line,
//! and a dream withdrawn while it still waits there never leaves the kiosk.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
        mpsc::{self, RecvTimeoutError},
    },
    thread,
    time::Instant,
};

use bevy::log::{error, info, warn};
use uuid::Uuid;

use super::{
    Admission, Database, ERASURE_RETRY_INTERVAL, HEARTBEAT_INTERVAL, Location, Outbox, Reader,
    Seed, StoreError, Withdrawal, keeper::Keeper, now_ms,
};
use crate::narrative::{NarrativeId, receipt::Receipt, validate::ValidSubmission};

type Job = Box<dyn FnOnce(&mut Writer) + Send>;

/// How many fresh receipt codes a submission draws while the one drawn is taken (by another
/// machine, about once in a billion) before it gives up.
const RECEIPT_DRAWS: usize = 16;

/// The store: a handle to its writer thread. Cloning is not needed; share it by reference.
pub struct Store {
    location: Location,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<thread::JoinHandle<()>>,
    /// How many entries wait in the outbox, as the writer last counted them (0 without one).
    outbox_depth: Arc<AtomicUsize>,
    has_outbox: bool,
}

/// How a machine of an exhibition takes part beyond reading and writing the store: see
/// [`Store::open_as`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participation {
    /// Its name among the exhibition's machines (`--machine`, else its host name).
    pub name: String,
    /// What it does: `"kiosk"`, `"renderer"`.
    pub role: String,
    /// The data folder whose [`Outbox`] keeps dreams and withdrawals while the exhibition's
    /// database is unreachable; `None`: no outbox, every write needs the database.
    pub outbox: Option<PathBuf>,
}

/// A dream the store took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// The receipt code to show its visitor.
    pub receipt: Receipt,
    /// Its narrative's id in the database; `None` while it waits in this machine's outbox (it
    /// has none until the database stores it).
    pub id: Option<NarrativeId>,
}

impl Store {
    /// Opens the SQLite store in the data folder `dir` (created if missing): see
    /// [`Store::open_at`].
    pub fn open(dir: &Path, seed: Seed) -> Result<Self, StoreError> {
        Self::open_at(&Location::Folder(dir.to_owned()), seed)
    }

    /// Opens the store at `location` — the SQLite file in a data folder (the folder created if
    /// missing), or an exhibition's PostgreSQL database (its tables created or migrated) —
    /// seeding a new one as asked, and finishes any erasure an earlier withdrawal left pending
    /// (or leaves it to the writer thread's retries while another program still reads the store).
    ///
    /// A store that cannot be written is [`StoreError::ReadOnly`] (SQLite) or
    /// [`StoreError::ExhibitionReadOnly`] (PostgreSQL), and a server that cannot be reached
    /// [`StoreError::Connect`]: the commands stop at the start with it, rather than fail at each
    /// submission.
    pub fn open_at(location: &Location, seed: Seed) -> Result<Self, StoreError> {
        Self::start(location, seed, None)
    }

    /// [`Store::open_at`] for a machine of an exhibition that runs for hours (a kiosk, a
    /// renderer): its writer tells the exhibition every [`HEARTBEAT_INTERVAL`] that `machine`
    /// is alive, waits briefly for a database that does not answer (see
    /// [`Database::connect_or_later`]), and, with an outbox, keeps what the database cannot take
    /// now in it (see the module's documentation).
    ///
    /// With an outbox, a database that cannot be reached at the start is no failure: the store
    /// opens, keeps every dream in the outbox, and forwards them (after the samples, when asked
    /// for and the exhibition is new) once the database is back. Without one it is
    /// [`StoreError::Connect`], as for [`Store::open_at`].
    ///
    /// A store in a data folder (SQLite) is this machine's own: nobody else reads its heartbeat,
    /// and it is never away, so `machine` is not needed there and is left out.
    pub fn open_as(
        location: &Location,
        seed: Seed,
        machine: Participation,
    ) -> Result<Self, StoreError> {
        Self::start(location, seed, Some(machine))
    }

    fn start(
        location: &Location,
        seed: Seed,
        machine: Option<Participation>,
    ) -> Result<Self, StoreError> {
        let machine = match location {
            Location::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                    path: dir.clone(),
                    source,
                })?;
                None
            }
            Location::Postgres(_) => machine,
        };
        let has_outbox = machine.as_ref().is_some_and(|m| m.outbox.is_some());
        let outbox_depth = Arc::new(AtomicUsize::new(0));
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let at = location.clone();
        let depth = Arc::clone(&outbox_depth);
        let writer = thread::Builder::new()
            .name("dreamloom-store-writer".into())
            .spawn(move || match Writer::open(&at, seed, machine, depth) {
                Ok(writer) => {
                    let _ = ready_tx.send(Ok(()));
                    serve(writer, &jobs_rx);
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                }
            })
            .map_err(StoreError::Spawn)?;
        ready_rx.recv().map_err(|_| StoreError::WriterGone)??;
        Ok(Self {
            location: location.clone(),
            jobs: Some(jobs_tx),
            writer: Some(writer),
            outbox_depth,
            has_outbox,
        })
    }

    /// Where the store is.
    #[must_use]
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Path of the SQLite database file; `None` for an exhibition's PostgreSQL database.
    #[must_use]
    pub fn database_path(&self) -> Option<PathBuf> {
        self.location.database_file()
    }

    /// Whether this store keeps an outbox (a kiosk of an exhibition).
    #[must_use]
    pub fn has_outbox(&self) -> bool {
        self.has_outbox
    }

    /// How many dreams and withdrawals wait in this machine's outbox for the exhibition's
    /// database, as its writer last counted them; 0 without an outbox. Cheap (an atomic), for
    /// the health display and the metrics, every frame.
    #[must_use]
    pub fn outbox_depth(&self) -> usize {
        self.outbox_depth.load(Ordering::Relaxed)
    }

    /// Runs `work` on the writer thread's [`Writer`] and waits for its result: for the writes
    /// that go through a kiosk's outbox when the database is away ([`Writer::submit`],
    /// [`Writer::withdraw`]).
    pub fn with_writer<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Writer) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        let (reply_tx, reply_rx) = mpsc::channel();
        self.send(Box::new(move |writer: &mut Writer| {
            let _ = reply_tx.send(work(writer));
        }))?;
        reply_rx.recv().map_err(|_| StoreError::WriterGone)
    }

    /// Runs `work` on the writer thread's database and waits for its result.
    pub fn write<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Database) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.with_writer(move |writer| work(writer.database()))
    }

    /// Stores a validated submission; returns its receipt once it is durable: in the database
    /// or, for a kiosk whose database is away, in its outbox (see [`Writer::submit`]).
    pub fn submit(
        &self,
        valid: ValidSubmission,
        admission: Admission,
    ) -> Result<Receipt, StoreError> {
        self.with_writer(move |writer| {
            writer
                .submit(&valid, admission)
                .map(|submitted| submitted.receipt)
        })?
    }

    /// [`Store::with_writer`] without waiting: for the running piece, which must never wait on
    /// disk. When the writer has stopped, `work` is dropped unrun and this is
    /// [`StoreError::WriterGone`], for the caller to tell whoever waits on it.
    ///
    /// A job accepted here can still be dropped unrun, should the writer stop (a job before it
    /// panics) while it waits in the queue: a caller that must always hear back keeps something
    /// in `work` that answers when dropped.
    pub fn try_with_writer_detached(
        &self,
        work: impl FnOnce(&mut Writer) + Send + 'static,
    ) -> Result<(), StoreError> {
        self.send(Box::new(work))
    }

    /// [`Store::try_with_writer_detached`] on the writer thread's database.
    pub fn try_write_detached(
        &self,
        work: impl FnOnce(&mut Database) + Send + 'static,
    ) -> Result<(), StoreError> {
        self.send(Box::new(move |writer: &mut Writer| work(writer.database())))
    }

    /// [`Store::try_write_detached`] for writes nobody waits on: a failure is logged.
    pub fn write_detached(&self, work: impl FnOnce(&mut Database) + Send + 'static) {
        if let Err(error) = self.try_write_detached(work) {
            error!("{error}; a write was lost");
        }
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(job)
            .map_err(|_| StoreError::WriterGone)
    }

    /// Withdraws the narrative with `receipt`, erasing its text: it is off the cloak, and its row
    /// holds no text, once this returns (for a kiosk whose database is away: once it is back,
    /// see [`Writer::withdraw`]). Its id in the database, when it reached it; whether the old
    /// copies are gone from the files yet is left out: a caller that tells a person what
    /// happened uses [`Store::withdraw_honestly`].
    pub fn withdraw(&self, receipt: Receipt) -> Result<Option<NarrativeId>, StoreError> {
        self.withdraw_honestly(receipt).map(|(id, _)| id)
    }

    /// Withdraws the narrative with `receipt`, erasing its text, and says how far the erasure
    /// got: [`Withdrawal::Erased`], or [`Withdrawal::Pending`] while another program's read
    /// keeps old copies in the store's files (the store finishes it by itself), or while the
    /// withdrawal waits in a kiosk's outbox. Returns within about
    /// [`ERASURE_WAIT`](super::ERASURE_WAIT) plus the transaction, whatever readers do.
    pub fn withdraw_honestly(
        &self,
        receipt: Receipt,
    ) -> Result<(Option<NarrativeId>, Withdrawal), StoreError> {
        self.with_writer(move |writer| writer.withdraw(receipt))?
    }

    /// How many withdrawn narratives still wait for their old copies to be erased from the files
    /// (see [`Withdrawal::Pending`]).
    pub fn pending_erasures(&self) -> Result<usize, StoreError> {
        self.write(|db| db.pending_erasures())?
    }

    /// A separate, read-only view of the store on a connection of its own, for readers on other
    /// threads. It cannot write, and never creates or migrates the store (the writer opened it
    /// already).
    pub fn reader(&self) -> Result<Reader, StoreError> {
        Reader::open_at(&self.location)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the channel ends the writer loop after the jobs already sent. What still waits
        // in an outbox stays there for the next start (or `dreamloom exhibition forward`).
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// What the writer thread's jobs work on: the store's write connection and, for a machine of an
/// exhibition, what it tells the exhibition and its outbox. Reached through
/// [`Store::with_writer`] and [`Store::try_with_writer_detached`].
pub struct Writer {
    db: Database,
    /// A kiosk's outbox and what the writer knows of the database.
    keeper: Option<Keeper>,
    /// A machine of an exhibition: who to say is alive, and when next.
    presence: Option<Presence>,
    next_erasure_attempt: Instant,
}

impl Writer {
    /// Opens the store at `location` as [`Store::start`] asks.
    fn open(
        location: &Location,
        seed: Seed,
        machine: Option<Participation>,
        depth: Arc<AtomicUsize>,
    ) -> Result<Self, StoreError> {
        let (presence, outbox) = match machine {
            Some(Participation { name, role, outbox }) => (
                Some(Presence {
                    name,
                    role,
                    next_beat: Instant::now(),
                    warned: false,
                }),
                outbox,
            ),
            None => (None, None),
        };
        let (db, keeper) = match (location, outbox, &presence) {
            (Location::Postgres(url), Some(dir), _) => {
                let mut keeper = Keeper::open(Outbox::open(&dir)?, depth, seed)?;
                let (mut db, away) = Database::connect_or_later(url)?;
                let seeded = match away {
                    Some(error) => Err(error),
                    None => keeper.seed(&mut db),
                };
                match seeded {
                    Ok(()) => {}
                    Err(error) if error.is_unreachable() => keeper.went_away(&error),
                    Err(error) => return Err(error),
                }
                (db, Some(keeper))
            }
            (Location::Postgres(url), None, Some(_)) => {
                let (mut db, away) = Database::connect_or_later(url)?;
                if let Some(error) = away {
                    return Err(error);
                }
                if seed == Seed::Samples {
                    db.seed_samples_if_new()?;
                }
                (db, None)
            }
            _ => {
                let mut db = Database::open_at(location)?;
                if seed == Seed::Samples {
                    db.seed_samples_if_new()?;
                }
                (db, None)
            }
        };
        Ok(Self {
            db,
            keeper,
            presence,
            next_erasure_attempt: Instant::now() + ERASURE_RETRY_INTERVAL,
        })
    }

    /// The store's write connection, for every write that does not go through an outbox.
    pub fn database(&mut self) -> &mut Database {
        &mut self.db
    }

    /// Stores a validated submission, durably, and says its receipt code.
    ///
    /// For a kiosk of an exhibition, the receipt code, the submission id and the time are fixed
    /// before the first attempt (whatever `admission` leaves open), so that a dream kept in the
    /// outbox and forwarded later is stored under the code its visitor saw, at the time they
    /// pressed submit, and an attempt whose answer was lost is not stored twice. The dream goes
    /// to the database, unless the database was found unreachable or something already waits
    /// in the outbox (dreams reach the database in the order they were made); a database found
    /// unreachable now keeps it in the outbox too. Either way the answer is the receipt code,
    /// once the dream is on a disk: the visitor cannot tell. What the database refuses (a code
    /// to keep that is taken, a constraint) is an error, as without an outbox.
    pub fn submit(
        &mut self,
        valid: &ValidSubmission,
        admission: Admission,
    ) -> Result<Submitted, StoreError> {
        let Some(keeper) = &mut self.keeper else {
            return self
                .db
                .submit(valid, admission)
                .map(|(id, receipt)| Submitted {
                    receipt,
                    id: Some(id),
                });
        };
        let drawn = admission.receipt.is_none();
        let mut admission = Admission {
            receipt: Some(admission.receipt.unwrap_or_else(Receipt::random)),
            submission_id: Some(admission.submission_id.unwrap_or_else(Uuid::new_v4)),
            created_at_ms: Some(admission.created_at_ms.unwrap_or_else(now_ms)),
            ..admission
        };
        let mut attempted = false;
        if !keeper.is_away() && keeper.waiting() == 0 {
            match submit_drawing_again(&mut self.db, valid, &mut admission, drawn) {
                Ok(submitted) => return Ok(submitted),
                Err(error) if error.is_unreachable() => keeper.went_away(&error),
                Err(error) => return Err(error),
            }
            attempted = true;
        }
        let receipt = keeper.outbox.push_submission(valid, admission, attempted)?;
        let waiting = keeper.recount();
        info!("a dream was kept in the outbox ({waiting} waiting)");
        Ok(Submitted { receipt, id: None })
    }

    /// Withdraws the narrative with `receipt` (see [`Database::withdraw`]): its id in the
    /// database, and how far the erasure got.
    ///
    /// For a kiosk of an exhibition: a dream that still waits in the outbox is erased there and
    /// never reaches the database (no id; [`Withdrawal::Erased`] once its words are out of the
    /// outbox's file, or [`Withdrawal::Pending`] while that, or a withdrawal sent after it in
    /// case an attempt whose answer was lost stored it, is still to come). Any other goes to the
    /// database, or waits in the outbox while the database is away ([`Withdrawal::Pending`],
    /// no id), and is forwarded in turn. A code no dream has is then found out only when it is
    /// forwarded (and logged).
    pub fn withdraw(
        &mut self,
        receipt: Receipt,
    ) -> Result<(Option<NarrativeId>, Withdrawal), StoreError> {
        let Some(keeper) = &mut self.keeper else {
            return self
                .db
                .withdraw(receipt)
                .map(|(id, withdrawal)| (Some(id), withdrawal));
        };
        if let Some(followed) = keeper.outbox.erase_kept(receipt, now_ms())? {
            let erased = keeper.outbox.erase_traces();
            keeper.traces_left |= !erased;
            let waiting = keeper.recount();
            info!("a dream still in the outbox was withdrawn there ({waiting} waiting)");
            let withdrawal = if erased && !followed {
                Withdrawal::Erased
            } else {
                Withdrawal::Pending
            };
            return Ok((None, withdrawal));
        }
        if !keeper.is_away() {
            match self.db.withdraw(receipt) {
                Ok((id, withdrawal)) => return Ok((Some(id), withdrawal)),
                Err(error) if error.is_unreachable() => keeper.went_away(&error),
                Err(error) => return Err(error),
            }
        }
        keeper.outbox.push_withdrawal(receipt, now_ms())?;
        let waiting = keeper.recount();
        info!("a withdrawal was kept in the outbox ({waiting} waiting)");
        Ok((None, Withdrawal::Pending))
    }

    /// Whether a dream with `receipt` waits in this machine's outbox (it is not in the database
    /// yet). Always `false` without an outbox.
    #[must_use]
    pub fn keeps(&self, receipt: Receipt) -> bool {
        self.keeper
            .as_ref()
            .is_some_and(|keeper| keeper.outbox.holds(receipt).unwrap_or(false))
    }

    /// When the next chore between jobs is due.
    fn next_chore(&self) -> Instant {
        let mut next = self.next_erasure_attempt;
        if let Some(keeper) = &self.keeper
            && keeper.has_work()
        {
            next = next.min(keeper.next_forward);
        }
        if let Some(presence) = &self.presence {
            next = next.min(presence.next_beat);
        }
        next
    }

    /// The chores that are due: one bounded attempt to finish pending erasures, a turn of
    /// forwarding the outbox, the heartbeat.
    fn do_chores(&mut self) {
        let now = Instant::now();
        let offline = self.keeper.as_ref().is_some_and(Keeper::is_away);
        if now >= self.next_erasure_attempt {
            // A database that is away has no erasure to finish now; the outbox's turns tell
            // when it is back.
            if !offline {
                self.db.retry_erasures();
            }
            self.next_erasure_attempt = Instant::now() + ERASURE_RETRY_INTERVAL;
        }
        if let Some(keeper) = &mut self.keeper
            && keeper.has_work()
            && now >= keeper.next_forward
        {
            keeper.forward_turn(&mut self.db);
        }
        if let Some(presence) = &mut self.presence
            && now >= presence.next_beat
        {
            presence.next_beat = now + HEARTBEAT_INTERVAL;
            let offline = self.keeper.as_ref().is_some_and(Keeper::is_away);
            if !offline {
                let depth = self.keeper.as_ref().map_or(0, Keeper::waiting);
                match self.db.heartbeat(&presence.name, &presence.role, depth) {
                    Ok(()) => presence.warned = false,
                    Err(error) => match &mut self.keeper {
                        Some(keeper) if error.is_unreachable() => keeper.went_away(&error),
                        _ if !presence.warned => {
                            warn!(
                                "could not tell the exhibition that {} is alive (tried again \
                                 every {} s): {error}",
                                presence.name,
                                HEARTBEAT_INTERVAL.as_secs()
                            );
                            presence.warned = true;
                        }
                        _ => {}
                    },
                }
            }
        }
    }
}

/// [`Database::submit`], drawing a fresh receipt code again while the one drawn is taken
/// (`drawn`: the code in `admission` is this machine's own draw, which its visitor has not seen
/// yet, not one to keep).
fn submit_drawing_again(
    db: &mut Database,
    valid: &ValidSubmission,
    admission: &mut Admission,
    drawn: bool,
) -> Result<Submitted, StoreError> {
    let mut draws = 0;
    loop {
        match db.submit(valid, *admission) {
            Ok((id, receipt)) => {
                return Ok(Submitted {
                    receipt,
                    id: Some(id),
                });
            }
            Err(StoreError::ReceiptTaken(_)) if drawn && draws < RECEIPT_DRAWS => {
                draws += 1;
                admission.receipt = Some(Receipt::random());
            }
            Err(error) => return Err(error),
        }
    }
}

/// A machine of an exhibition, as its heartbeat names it.
struct Presence {
    name: String,
    role: String,
    next_beat: Instant,
    /// A failed heartbeat was logged (once until one succeeds again).
    warned: bool,
}

/// The writer thread's loop: runs the jobs in the order they come and, between them, the chores
/// that are due: every [`ERASURE_RETRY_INTERVAL`] one bounded attempt to finish pending erasures
/// (whatever queued them: this store, another process, an earlier run); for a kiosk, a turn of
/// forwarding its outbox; for a machine of an exhibition, its heartbeat. A stream of jobs does
/// not put the chores off, and a chore holds the next job up by a bounded time (an erasure about
/// [`ERASURE_WAIT`](super::ERASURE_WAIT), a turn of forwarding about a quarter of a second). Ends
/// once the [`Store`] is dropped and the queue is empty.
fn serve(mut writer: Writer, jobs: &mpsc::Receiver<Job>) {
    loop {
        let wait = writer
            .next_chore()
            .saturating_duration_since(Instant::now());
        match jobs.recv_timeout(wait) {
            Ok(job) => job(&mut writer),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        writer.do_chores();
    }
}
