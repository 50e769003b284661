//! [`Store`]: the handle to the one thread that owns the store's write connection. Every write
//! goes there as a job; a caller that needs the result waits for its reply, the running piece
//! sends and moves on.

use std::{
    path::{Path, PathBuf},
    sync::mpsc,
    thread,
};

use super::{Admission, DATABASE_FILE, Database, Reader, Seed, StoreError};
use crate::narrative::{NarrativeId, receipt::Receipt, validate::ValidSubmission};

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

    /// A separate, read-only view of the store on a connection of its own, for readers on other
    /// threads. It cannot write, and never creates or migrates the file (the writer opened it
    /// already).
    pub fn reader(&self) -> Result<Reader, StoreError> {
        Reader::open(&self.database_path())
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
