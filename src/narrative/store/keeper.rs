//! [`Keeper`]: a kiosk's [`Outbox`] as its writer thread keeps it — what it knows of the
//! exhibition's database (reachable, or away since the last try), how many entries wait (for
//! [`Store::outbox_depth`](super::Store::outbox_depth)), and the turns of forwarding between
//! jobs that take them to the database once it is back, saying in the log when it went away
//! and when the outbox is empty again.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bevy::log::{debug, error, info, warn};

use super::{Database, FORWARD_INTERVAL, Outbox, Seed, Sent, StoreError};

/// Longest one turn of forwarding holds the writer's jobs up: a long outbox is forwarded in
/// turns, between which the jobs that came meanwhile (a visitor's dream among them) are done.
const FORWARD_TURN: Duration = Duration::from_millis(250);

/// What a kiosk's writer knows of the exhibition's database, from its last try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// It answered.
    Reachable,
    /// It could not be reached (said once in the log): dreams go straight to the outbox, and the
    /// turns of forwarding look whether it is back.
    Away,
    /// It answered, but refused what the outbox forwarded (said once in the log, tried again
    /// every [`FORWARD_INTERVAL`]).
    Refusing,
}

/// A kiosk's outbox, and what its writer knows of the exhibition's database.
pub(super) struct Keeper {
    pub(super) outbox: Outbox,
    /// How many entries wait, for [`Store::outbox_depth`](super::Store::outbox_depth).
    depth: Arc<AtomicUsize>,
    reach: Reach,
    /// The samples are still to be loaded into a new exhibition (it was away at the start):
    /// before anything is forwarded, so that they come first, as they would have.
    seed_pending: bool,
    pub(super) next_forward: Instant,
    /// Dreams and withdrawals forwarded since the outbox was last empty.
    dreams_forwarded: usize,
    withdrawals_forwarded: usize,
    /// A removed entry's words may still be in the outbox's write-ahead log (a reader held its
    /// emptying up).
    pub(super) traces_left: bool,
}

impl Keeper {
    pub(super) fn open(
        outbox: Outbox,
        depth: Arc<AtomicUsize>,
        seed: Seed,
    ) -> Result<Self, StoreError> {
        depth.store(outbox.depth()?, Ordering::Relaxed);
        Ok(Self {
            outbox,
            depth,
            reach: Reach::Reachable,
            seed_pending: seed == Seed::Samples,
            next_forward: Instant::now(),
            dreams_forwarded: 0,
            withdrawals_forwarded: 0,
            traces_left: false,
        })
    }

    /// How many entries wait, as last counted.
    pub(super) fn waiting(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    /// Counts the waiting entries again (another process, `dreamloom exhibition forward`, may
    /// have forwarded some) and publishes the count; on a failure to count, the last count.
    pub(super) fn recount(&mut self) -> usize {
        match self.outbox.depth() {
            Ok(depth) => {
                self.depth.store(depth, Ordering::Relaxed);
                depth
            }
            Err(error) => {
                warn!("could not count the outbox's entries: {error}");
                self.waiting()
            }
        }
    }

    /// Whether the database could not be reached at the last try: then dreams go straight to
    /// the outbox, without keeping their visitors waiting for another timeout.
    pub(super) fn is_away(&self) -> bool {
        self.reach == Reach::Away
    }

    /// Whether a turn of forwarding has anything to do.
    pub(super) fn has_work(&self) -> bool {
        self.is_away() || self.seed_pending || self.traces_left || self.waiting() > 0
    }

    /// The database was found unreachable: said once, until it is back.
    pub(super) fn went_away(&mut self, error: &StoreError) {
        if !self.is_away() {
            warn!(
                "the exhibition's database is unreachable; keeping dreams in the outbox ({} \
                 waiting): {error}",
                self.waiting()
            );
            self.reach = Reach::Away;
        }
    }

    /// Loads the samples into a new exhibition, if that is still to do.
    pub(super) fn seed(&mut self, db: &mut Database) -> Result<(), StoreError> {
        if self.seed_pending {
            db.seed_samples_if_new()?;
            self.seed_pending = false;
        }
        Ok(())
    }

    /// One turn of forwarding, at most about [`FORWARD_TURN`] long: while the database was away,
    /// a cheap read first says whether it is back; then the samples, if they are still to load;
    /// then the entries oldest first, until the outbox is empty, the turn is over (the next
    /// comes right after the next job) or the database fails (the next comes after
    /// [`FORWARD_INTERVAL`]).
    pub(super) fn forward_turn(&mut self, db: &mut Database) {
        let started = Instant::now();
        self.next_forward = started + FORWARD_INTERVAL;
        if self.is_away()
            && let Err(error) = db.last_seq()
        {
            self.failed(&error);
            return;
        }
        if let Err(error) = self.seed(db) {
            self.failed(&error);
            return;
        }
        let mut waiting = self.recount();
        while waiting > 0 {
            if started.elapsed() >= FORWARD_TURN {
                self.next_forward = Instant::now();
                return;
            }
            match self.outbox.forward_next(db) {
                Ok(Some(sent)) => {
                    self.sent(&sent);
                    waiting = self.recount();
                }
                Ok(None) => waiting = 0,
                Err(error) => {
                    self.failed(&error);
                    return;
                }
            }
        }
        self.emptied();
    }

    /// One entry reached the database: it is there again, and the entry is logged (at error
    /// level when a curator must hear of it, at info level when a withdrawal found nothing to
    /// withdraw).
    fn sent(&mut self, sent: &Sent) {
        self.reach = Reach::Reachable;
        if sent.is_dream() {
            self.dreams_forwarded += 1;
        } else {
            self.withdrawals_forwarded += 1;
        }
        if sent.needs_a_curator() {
            error!("{sent}");
        } else if matches!(sent, Sent::NothingToWithdraw(_)) {
            info!("{sent}");
        } else {
            debug!("{sent}");
        }
    }

    /// The outbox is empty and the database reachable: said once, and the forwarded words are
    /// taken out of the outbox's write-ahead log.
    fn emptied(&mut self) {
        let was_away = std::mem::replace(&mut self.reach, Reach::Reachable) == Reach::Away;
        if self.dreams_forwarded + self.withdrawals_forwarded > 0 {
            let withdrawals = match self.withdrawals_forwarded {
                0 => String::new(),
                1 => ", and 1 withdrawal".to_owned(),
                n => format!(", and {n} withdrawals"),
            };
            info!(
                "the outbox is empty again: {} dreams forwarded{withdrawals}",
                self.dreams_forwarded
            );
            self.dreams_forwarded = 0;
            self.withdrawals_forwarded = 0;
            self.traces_left = true;
        } else if was_away {
            info!("the exhibition's database is reachable again");
        }
        if self.traces_left {
            self.traces_left = !self.outbox.erase_traces();
        }
    }

    /// A turn failed: the database is away (said once), or refused (logged once until a turn
    /// succeeds, and tried again every [`FORWARD_INTERVAL`]).
    fn failed(&mut self, error: &StoreError) {
        if error.is_unreachable() {
            self.went_away(error);
        } else if self.reach != Reach::Refusing {
            error!(
                "could not forward the outbox ({} waiting; tried again every {} s): {error}",
                self.waiting(),
                FORWARD_INTERVAL.as_secs()
            );
            self.reach = Reach::Refusing;
        }
    }
}
