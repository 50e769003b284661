//! [`Store`]: the handle to the one thread that owns the store's write connection, to the SQLite
//! file or to an exhibition's PostgreSQL database. Every write goes there as a job; a caller that
//! needs the result waits for its reply, the running piece sends and moves on. Between jobs, the
//! thread retries erasures that readers held up.

use std::{
    path::{Path, PathBuf},
    sync::mpsc::{self, RecvTimeoutError},
    thread,
    time::Instant,
};

use super::{
    Admission, Database, ERASURE_RETRY_INTERVAL, Location, Reader, Seed, StoreError, Withdrawal,
};
use crate::narrative::{NarrativeId, receipt::Receipt, validate::ValidSubmission};

type Job = Box<dyn FnOnce(&mut Database) + Send>;

/// The store: a handle to its writer thread. Cloning is not needed; share it by reference.
pub struct Store {
    location: Location,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<thread::JoinHandle<()>>,
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
    /// [`StoreError::Connect`]: the kiosk and every command stop at the start with it, rather
    /// than fail at each submission.
    pub fn open_at(location: &Location, seed: Seed) -> Result<Self, StoreError> {
        if let Location::Folder(dir) = location {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                path: dir.clone(),
                source,
            })?;
        }
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let at = location.clone();
        let writer = thread::Builder::new()
            .name("dreamloom-store-writer".into())
            .spawn(move || {
                let opened = Database::open_at(&at).and_then(|mut db| {
                    if seed == Seed::Samples {
                        db.seed_samples_if_new()?;
                    }
                    Ok(db)
                });
                let db = match opened {
                    Ok(db) => {
                        let _ = ready_tx.send(Ok(()));
                        db
                    }
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                serve(db, &jobs_rx);
            })
            .map_err(StoreError::Spawn)?;
        ready_rx.recv().map_err(|_| StoreError::WriterGone)??;
        Ok(Self {
            location: location.clone(),
            jobs: Some(jobs_tx),
            writer: Some(writer),
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
    /// never wait on disk. When the writer has stopped, `work` is dropped unrun and this is
    /// [`StoreError::WriterGone`], for the caller to tell whoever waits on it.
    ///
    /// A job accepted here can still be dropped unrun, should the writer stop (a job before it
    /// panics) while it waits in the queue: a caller that must always hear back keeps something
    /// in `work` that answers when dropped.
    pub fn try_write_detached(
        &self,
        work: impl FnOnce(&mut Database) + Send + 'static,
    ) -> Result<(), StoreError> {
        let job: Job = Box::new(work);
        self.jobs
            .as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(job)
            .map_err(|_| StoreError::WriterGone)
    }

    /// [`Store::try_write_detached`] for writes nobody waits on: a failure is logged.
    pub fn write_detached(&self, work: impl FnOnce(&mut Database) + Send + 'static) {
        if let Err(error) = self.try_write_detached(work) {
            bevy::log::error!("{error}; a write was lost");
        }
    }

    /// Withdraws the narrative with `receipt`, erasing its text: it is off the cloak, and its row
    /// holds no text, once this returns. Whether the old copies are gone from the files yet is
    /// left out; a caller that tells a person what happened uses [`Store::withdraw_honestly`].
    pub fn withdraw(&self, receipt: Receipt) -> Result<NarrativeId, StoreError> {
        self.withdraw_honestly(receipt).map(|(id, _)| id)
    }

    /// Withdraws the narrative with `receipt`, erasing its text, and says how far the erasure
    /// got: [`Withdrawal::Erased`], or [`Withdrawal::Pending`] while another program's read
    /// keeps old copies in the store's files (the store finishes it by itself). Returns within
    /// about [`ERASURE_WAIT`](super::ERASURE_WAIT) plus the transaction, whatever readers do.
    pub fn withdraw_honestly(
        &self,
        receipt: Receipt,
    ) -> Result<(NarrativeId, Withdrawal), StoreError> {
        self.write(move |db| db.withdraw(receipt))?
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

/// The writer thread's loop: runs the jobs in the order they come and, between them, every
/// [`ERASURE_RETRY_INTERVAL`], makes one bounded attempt to finish pending erasures (whatever
/// queued them: this store, another process, an earlier run). A stream of jobs does not put the
/// attempts off, and an attempt holds the next job up by at most about
/// [`ERASURE_WAIT`](super::ERASURE_WAIT). Ends once the [`Store`] is dropped and the queue is
/// empty.
fn serve(mut db: Database, jobs: &mpsc::Receiver<Job>) {
    let mut next_attempt = Instant::now() + ERASURE_RETRY_INTERVAL;
    loop {
        match jobs.recv_timeout(next_attempt.saturating_duration_since(Instant::now())) {
            Ok(job) => job(&mut db),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if Instant::now() >= next_attempt {
            db.retry_erasures();
            next_attempt = Instant::now() + ERASURE_RETRY_INTERVAL;
        }
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
