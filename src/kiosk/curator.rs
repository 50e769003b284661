//! The curator's side of the kiosk: a chord and a PIN open a panel for moderation (pending queue,
//! approve, hide, restore, search by receipt, counts) and for quitting. Every action goes through
//! the store, which logs it in the event log.
//!
//! The PIN itself is never kept: `curator.pin` in the data folder holds its salted hash
//! (PBKDF2-HMAC-SHA-256), written by `dreamloom kiosk-pin` ([`set_pin`]) and readable by its owner
//! only. Wrong PINs lock the pad for growing times, and `curator.lock` beside it keeps the count
//! and the lock across restarts ([`PinGuard`]).

use std::{
    fmt,
    io::Write as _,
    ops::RangeInclusive,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use bevy::prelude::*;

use super::{Replies, flow::KioskFlow};
use crate::hash::{from_hex, to_hex};
use crate::i18n::Phrase;
use crate::narrative::{
    StoreHandle,
    receipt::Receipt,
    store::{Database, Status, StatusCounts, StoreError, StoredNarrative},
};

/// Wrong PINs in a row before the pad locks.
pub const PIN_TRIES: u32 = 3;
/// How long the pad stays locked the first time; each further lockout doubles it.
pub const PIN_LOCKOUT: Duration = Duration::from_mins(1);
/// The longest lockout.
pub const PIN_LOCKOUT_MAX: Duration = Duration::from_hours(1);
/// Digits a curator PIN may have.
pub const PIN_DIGITS: RangeInclusive<usize> = 6..=12;
/// PBKDF2 rounds for a new PIN hash.
pub const PIN_HASH_ROUNDS: u32 = 210_000;
/// The fewest rounds a PIN file may name (a weaker file is refused as damaged).
const PIN_HASH_MIN_ROUNDS: u32 = 100_000;
/// The most rounds a PIN file may name: a damaged file asking for billions must not hang the
/// pad (each check runs them all).
const PIN_HASH_MAX_ROUNDS: u32 = 10_000_000;
/// The PIN's salted hash, in the data folder.
pub const PIN_FILE: &str = "curator.pin";
/// Wrong tries and the lock, in the data folder.
pub const LOCK_FILE: &str = "curator.lock";
/// What a PIN file starts with: the scheme of its hash.
const PIN_SCHEME: &str = "pbkdf2-sha256";
/// Seconds holding the top-left corner that open the PIN pad on a touch screen.
pub const CORNER_HOLD_SECONDS: f32 = 3.0;
/// Size of that corner, logical pixels.
pub const CORNER_SIZE: f32 = 80.0;
/// The panel locks itself after this long without input, so no visitor finds it open.
pub const PANEL_IDLE_SECONDS: f32 = 120.0;
/// Pending narratives listed at once.
pub const PENDING_SHOWN: usize = 50;

/// Where the curator is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Stage {
    #[default]
    Closed,
    /// The PIN pad, with the digits typed so far.
    Pin { entry: String },
    /// The panel.
    Open,
}

/// What a PIN attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// The right PIN: the panel opens.
    Open,
    /// A wrong PIN (or none); this many more lock the pad.
    Wrong { tries_left: u32 },
    /// The pad is locked for this many more seconds; the PIN was not checked.
    Locked { seconds: u64 },
    /// No curator PIN is set (`dreamloom kiosk-pin` sets one): the panel stays shut.
    Unset,
}

/// Why a PIN cannot be set or read.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// Fewer digits than [`PIN_DIGITS`] allows.
    #[error(
        "a curator PIN needs at least {min} digits; this one has {digits}",
        min = PIN_DIGITS.start()
    )]
    TooShort { digits: usize },
    /// More digits than [`PIN_DIGITS`] allows.
    #[error(
        "a curator PIN has at most {max} digits; this one has {digits}",
        max = PIN_DIGITS.end()
    )]
    TooLong { digits: usize },
    /// Something other than the digits 0 to 9.
    #[error("a curator PIN is made of digits (0 to 9) only")]
    NotDigits,
    /// The PIN file cannot be read as one.
    #[error("{path} is damaged ({message}); set the PIN again with `dreamloom kiosk-pin`")]
    Damaged { path: PathBuf, message: String },
    /// The PIN or lock file could not be read or written.
    #[error("could not read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Checks that `pin` can be a curator PIN: digits only, [`PIN_DIGITS`] of them.
pub fn check_pin(pin: &str) -> Result<(), PinError> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    let digits = pin.len();
    if digits < *PIN_DIGITS.start() {
        return Err(PinError::TooShort { digits });
    }
    if digits > *PIN_DIGITS.end() {
        return Err(PinError::TooLong { digits });
    }
    Ok(())
}

/// Equality of two byte strings in a time that depends on their lengths only, never on where they
/// first differ: every byte pair is compared and the differences are OR-ed together, with no
/// early exit, so the time a wrong PIN takes does not tell how much of its hash was right.
/// (`black_box` keeps the optimiser from turning the loop back into an early-exit comparison.)
/// Lengths are public here (both sides are 32-byte hashes), so unequal lengths return at once.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut difference = 0u8;
    for (x, y) in a.iter().zip(b) {
        difference = std::hint::black_box(difference | (x ^ y));
    }
    difference == 0
}

/// A curator PIN as it is kept: PBKDF2-HMAC-SHA-256 of the PIN with a random 16-byte salt.
/// (No `PartialEq`: the one comparison of a hash is [`PinHash::verify`]'s, in constant time.)
#[derive(Clone)]
pub struct PinHash {
    rounds: u32,
    salt: [u8; 16],
    hash: [u8; 32],
}

impl fmt::Debug for PinHash {
    /// The scheme and rounds only: neither salt nor hash goes into a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinHash")
            .field("rounds", &self.rounds)
            .finish_non_exhaustive()
    }
}

impl PinHash {
    /// Hashes `pin` with a fresh random salt and [`PIN_HASH_ROUNDS`]; refuses a PIN that
    /// [`check_pin`] refuses.
    pub fn new(pin: &str) -> Result<Self, PinError> {
        check_pin(pin)?;
        let mut salt = [0u8; 16];
        rand::fill(&mut salt[..]);
        Ok(Self::with_salt(pin, salt, PIN_HASH_ROUNDS))
    }

    fn with_salt(pin: &str, salt: [u8; 16], rounds: u32) -> Self {
        Self {
            rounds,
            salt,
            hash: pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(pin.as_bytes(), &salt, rounds),
        }
    }

    /// Whether `pin` is the PIN: its hash under the same salt and rounds, compared in constant
    /// time ([`constant_time_eq`]).
    #[must_use]
    pub fn verify(&self, pin: &str) -> bool {
        let candidate =
            pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(pin.as_bytes(), &self.salt, self.rounds);
        constant_time_eq(&candidate, &self.hash)
    }

    /// The line kept in `curator.pin`: `pbkdf2-sha256$ROUNDS$SALT$HASH`, both in hexadecimal.
    #[must_use]
    pub fn encode(&self) -> String {
        format!(
            "{PIN_SCHEME}${}${}${}\n",
            self.rounds,
            to_hex(&self.salt),
            to_hex(&self.hash)
        )
    }

    /// Reads what [`PinHash::encode`] wrote.
    pub fn decode(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().split('$');
        let (Some(scheme), Some(rounds), Some(salt), Some(hash), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(format!("not a line like {PIN_SCHEME}$ROUNDS$SALT$HASH"));
        };
        if scheme != PIN_SCHEME {
            return Err(format!("unknown scheme \"{scheme}\""));
        }
        let rounds: u32 = rounds
            .parse()
            .map_err(|_| format!("\"{rounds}\" is not a number of rounds"))?;
        if rounds > PIN_HASH_MAX_ROUNDS {
            return Err(format!(
                "{rounds} rounds are more than a PIN file names (at most {PIN_HASH_MAX_ROUNDS})"
            ));
        }
        if rounds < PIN_HASH_MIN_ROUNDS {
            return Err(format!(
                "{rounds} rounds are too few (at least {PIN_HASH_MIN_ROUNDS})"
            ));
        }
        let salt = from_hex::<16>(salt).ok_or("the salt is not 16 bytes of hexadecimal")?;
        let hash = from_hex::<32>(hash).ok_or("the hash is not 32 bytes of hexadecimal")?;
        Ok(Self { rounds, salt, hash })
    }
}

/// Writes `contents` to `path`, readable and writable by its owner only (mode 0600): into a new
/// file beside it first, created with that mode, then renamed over it, so a crash never leaves
/// half a file and an older file with wider permissions is replaced.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    // A stale one from a crash; `create_new` refuses to write through anything left there.
    let _ = std::fs::remove_file(&partial);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, path)?;
    keep_private(path)
}

/// Sets `path` to mode 0600 if it has any other.
fn keep_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode != 0o600 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// The text of `path`, made private (0600) if it was not; `None` if there is no such file.
fn read_private(path: &Path) -> Result<Option<String>, PinError> {
    let io = |source| PinError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            keep_private(path).map_err(io)?;
            Ok(Some(text))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io(error)),
    }
}

/// The PIN file in `dir`, if there is one.
fn read_pin_file(dir: &Path) -> Result<Option<PinHash>, PinError> {
    let path = dir.join(PIN_FILE);
    read_private(&path)?
        .map(|text| PinHash::decode(&text).map_err(|message| PinError::Damaged { path, message }))
        .transpose()
}

/// Sets the curator PIN kept in `dir`: its salted hash in [`PIN_FILE`] (mode 0600), and no
/// lockout. Refuses a PIN that [`check_pin`] refuses. Returns the PIN file's path.
pub fn set_pin(dir: &Path, pin: &str) -> Result<PathBuf, PinError> {
    let hash = PinHash::new(pin)?;
    let path = dir.join(PIN_FILE);
    write_private(&path, &hash.encode()).map_err(|source| PinError::Io {
        path: path.clone(),
        source,
    })?;
    let lock = dir.join(LOCK_FILE);
    write_private(&lock, &PinLock::default().encode())
        .map_err(|source| PinError::Io { path: lock, source })?;
    Ok(path)
}

/// What became of a plain `curator_pin` still in `kiosk.ron` (from before [`PIN_FILE`]).
#[derive(Debug)]
pub enum PlainPin {
    /// There was none.
    Absent,
    /// It had enough digits and is now kept hashed in the PIN file at this path; the line
    /// should go from `kiosk.ron`.
    Moved(PathBuf),
    /// A PIN file exists already and wins; the plain PIN is ignored and should go.
    Ignored,
    /// It is not a PIN that may be used (too short, most likely): not set, and the reason.
    Refused(PinError),
}

/// Moves a plain PIN left in `kiosk.ron` into the PIN file in `dir`, once: only when there is no
/// PIN file yet, and only a PIN that [`check_pin`] accepts.
pub fn migrate_plain_pin(dir: &Path, plain: &str) -> Result<PlainPin, PinError> {
    if plain.is_empty() {
        return Ok(PlainPin::Absent);
    }
    if read_private(&dir.join(PIN_FILE))?.is_some() {
        return Ok(PlainPin::Ignored);
    }
    if let Err(error) = check_pin(plain) {
        return Ok(PlainPin::Refused(error));
    }
    set_pin(dir, plain).map(PlainPin::Moved)
}

/// Wrong tries and the lock, as kept in [`LOCK_FILE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PinLock {
    /// Wrong PINs since the last lockout or the last right PIN.
    failures: u32,
    /// Lockouts since the last right PIN: the next one lasts [`PIN_LOCKOUT`] times 2 to this power.
    lockouts: u32,
    /// Seconds since the Unix epoch before which every PIN is refused.
    locked_until: u64,
}

impl PinLock {
    fn encode(&self) -> String {
        format!(
            "failures {} lockouts {} locked_until {}\n",
            self.failures, self.lockouts, self.locked_until
        )
    }

    fn decode(text: &str) -> Option<Self> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [
            "failures",
            failures,
            "lockouts",
            lockouts,
            "locked_until",
            locked_until,
        ] = words[..]
        else {
            return None;
        };
        Some(Self {
            failures: failures.parse().ok()?,
            lockouts: lockouts.parse().ok()?,
            locked_until: locked_until.parse().ok()?,
        })
    }

    /// A damaged lock file is read as the strict side of a fresh start: one lockout served
    /// already, and one wrong PIN from the next.
    const DAMAGED: Self = Self {
        failures: PIN_TRIES - 1,
        lockouts: 1,
        locked_until: 0,
    };
}

/// How long the lockout after `lockouts` earlier ones lasts: [`PIN_LOCKOUT`], doubled each time,
/// at most [`PIN_LOCKOUT_MAX`].
fn lockout_after(lockouts: u32) -> Duration {
    let doubling = 1u32.checked_shl(lockouts).unwrap_or(u32::MAX);
    PIN_LOCKOUT.saturating_mul(doubling).min(PIN_LOCKOUT_MAX)
}

/// Whole seconds since the Unix epoch (0 for a clock before it).
fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The curator PIN's hash and the pad's wrong tries and lock. Loaded from the data folder with
/// [`PinGuard::load`]; every change to the tries or the lock is written back to [`LOCK_FILE`]
/// at once, so a restart neither forgets a lock nor grants fresh tries. The kiosk reads the PIN
/// file again each time the pad opens, so a PIN set while it runs counts at once.
#[derive(Resource, Debug, Default)]
pub struct PinGuard {
    /// The data folder; `None` keeps everything in memory (tests, screens without a kiosk).
    dir: Option<PathBuf>,
    pin: Option<PinHash>,
    lock: PinLock,
}

impl PinGuard {
    /// The PIN and the lock kept in `dir`. No PIN file means no PIN set; a damaged one is an
    /// error. Both files are made private (0600) if they were not.
    pub fn load(dir: &Path) -> Result<Self, PinError> {
        let pin = read_pin_file(dir)?;
        let lock = read_private(&dir.join(LOCK_FILE))?.map_or_else(PinLock::default, |text| {
            PinLock::decode(&text).unwrap_or(PinLock::DAMAGED)
        });
        Ok(Self {
            dir: Some(dir.to_owned()),
            pin,
            lock,
        })
    }

    /// A guard for `pin` kept in memory only, for tests and kiosks without a data folder.
    pub fn in_memory(pin: &str) -> Result<Self, PinError> {
        Ok(Self {
            dir: None,
            pin: Some(PinHash::new(pin)?),
            lock: PinLock::default(),
        })
    }

    /// Whether a curator PIN is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.pin.is_some()
    }

    /// How much longer the pad stays locked at `now`, if it is.
    #[must_use]
    pub fn locked_for(&self, now: SystemTime) -> Option<Duration> {
        let now = unix_seconds(now);
        if now < self.lock.locked_until {
            Some(Duration::from_secs(self.lock.locked_until - now).min(PIN_LOCKOUT_MAX))
        } else {
            None
        }
    }

    /// Reads the PIN file again (the pad opened): a PIN set since the start counts. A damaged
    /// or unreadable file keeps the PIN known before, and the log says why.
    pub fn reload(&mut self) {
        let Some(dir) = &self.dir else {
            return;
        };
        match read_pin_file(dir) {
            Ok(pin) => self.pin = pin,
            Err(error) => error!("the curator PIN file could not be read again: {error}"),
        }
    }

    /// `pin` typed at `now`. While locked, every PIN is refused without being checked. A wrong
    /// PIN counts; [`PIN_TRIES`] of them lock the pad for [`PIN_LOCKOUT`], doubled at each
    /// further lockout up to [`PIN_LOCKOUT_MAX`]; the right one clears the count. An empty entry
    /// costs no try.
    pub fn attempt(&mut self, pin: &str, now: SystemTime) -> PinOutcome {
        let Some(hash) = &self.pin else {
            return PinOutcome::Unset;
        };
        let now = unix_seconds(now);
        // A clock set back never makes a lock longer than the longest lockout.
        let longest = PIN_LOCKOUT_MAX.as_secs();
        if self.lock.locked_until > now.saturating_add(longest) {
            self.lock.locked_until = now.saturating_add(longest);
            self.save();
        }
        if now < self.lock.locked_until {
            return PinOutcome::Locked {
                seconds: self.lock.locked_until - now,
            };
        }
        if pin.is_empty() {
            return PinOutcome::Wrong {
                tries_left: PIN_TRIES.saturating_sub(self.lock.failures),
            };
        }
        if hash.verify(pin) {
            if self.lock != PinLock::default() {
                self.lock = PinLock::default();
                self.save();
            }
            return PinOutcome::Open;
        }
        self.lock.failures = self.lock.failures.saturating_add(1);
        if self.lock.failures >= PIN_TRIES {
            let lockout = lockout_after(self.lock.lockouts).as_secs();
            self.lock = PinLock {
                failures: 0,
                lockouts: self.lock.lockouts.saturating_add(1),
                locked_until: now.saturating_add(lockout),
            };
            self.save();
            return PinOutcome::Locked { seconds: lockout };
        }
        self.save();
        PinOutcome::Wrong {
            tries_left: PIN_TRIES - self.lock.failures,
        }
    }

    /// Writes the tries and the lock to [`LOCK_FILE`]. A failure is logged; the guard keeps
    /// counting in memory.
    fn save(&self) {
        let Some(dir) = &self.dir else {
            return;
        };
        let path = dir.join(LOCK_FILE);
        if let Err(error) = write_private(&path, &self.lock.encode()) {
            error!(
                "the curator PIN's lock could not be written to {}: {error}",
                path.display()
            );
        }
    }
}

/// What the panel shows of the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub counts: StatusCounts,
    pub pending: Vec<StoredNarrative>,
    /// The result of the last search by receipt.
    pub found: Option<Result<StoredNarrative, Phrase>>,
}

/// The curator's state.
#[derive(Resource, Debug, Default)]
pub struct Curator {
    pub stage: Stage,
    pub search: String,
    pub snapshot: Snapshot,
    /// The last action's outcome or a wrong PIN, in plain words.
    pub message: Option<Phrase>,
    corner_held: f32,
    since_refresh: f32,
}

impl Curator {
    /// Opens the PIN pad (the chord was made).
    pub fn ask_pin(&mut self) {
        if self.stage == Stage::Closed {
            self.stage = Stage::Pin {
                entry: String::new(),
            };
            self.message = None;
        }
    }

    /// Checks the typed PIN with `guard` at `now`; the typed digits are cleared whatever the
    /// outcome.
    pub fn enter_pin(&mut self, guard: &mut PinGuard, now: SystemTime) -> PinOutcome {
        let Stage::Pin { entry } = &mut self.stage else {
            return PinOutcome::Wrong { tries_left: 0 };
        };
        let outcome = guard.attempt(entry, now);
        entry.clear();
        if outcome == PinOutcome::Open {
            self.stage = Stage::Open;
            self.message = None;
            self.since_refresh = f32::INFINITY;
        }
        outcome
    }

    /// Closes the pad or the panel.
    pub fn close(&mut self) {
        self.stage = Stage::Closed;
        self.search.clear();
        // Nothing the curator saw (dreams, codes, the queue) stays for the next opening.
        self.snapshot = Snapshot::default();
        self.message = None;
    }
}

/// What a curator asks of the store.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum CuratorAction {
    /// Approve, hide or restore (`Visible`, `Hidden`).
    Moderate(Receipt, Status),
    /// Look a narrative up by its receipt.
    Find(Receipt),
    /// Reload counts and the pending queue.
    Refresh,
    /// Quit the kiosk (status 0: the unit does not restart it).
    Quit,
}

struct Reply {
    message: Option<Phrase>,
    found: Option<Result<StoredNarrative, Phrase>>,
    snapshot: Result<(StatusCounts, Vec<StoredNarrative>), StoreError>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Curator>()
        .init_resource::<PinGuard>()
        .init_resource::<Replies<Reply>>()
        .add_message::<CuratorAction>()
        .add_systems(
            Update,
            (
                open_by_chord,
                lock_when_idle,
                (refresh_while_open, carry_out_actions, receive_replies).chain(),
            )
                .in_set(crate::schedule::AppSystems::ReadInput),
        );
}

/// Ctrl+Alt+Shift+C, or holding the top-left corner, opens the PIN pad, which reads the PIN
/// file again (a PIN set with `dreamloom kiosk-pin` while the kiosk runs counts at once).
fn open_by_chord(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    windows: Query<&Window>,
    time: Res<Time<Real>>,
    mut curator: ResMut<Curator>,
    mut pin: ResMut<PinGuard>,
) {
    let was_closed = curator.stage == Stage::Closed;
    let held = |list: &[KeyCode]| keys.any_pressed(list.iter().copied());
    if held(&[KeyCode::ControlLeft, KeyCode::ControlRight])
        && held(&[KeyCode::AltLeft, KeyCode::AltRight])
        && held(&[KeyCode::ShiftLeft, KeyCode::ShiftRight])
        && keys.just_pressed(KeyCode::KeyC)
    {
        curator.ask_pin();
    }
    let in_corner = |p: Vec2| p.x < CORNER_SIZE && p.y < CORNER_SIZE;
    let pointer_in_corner = buttons.pressed(MouseButton::Left)
        && windows
            .iter()
            .filter_map(Window::cursor_position)
            .any(in_corner);
    let touch_in_corner = touches.iter().any(|t| in_corner(t.position()));
    if pointer_in_corner || touch_in_corner {
        curator.corner_held += time.delta_secs();
        if curator.corner_held >= CORNER_HOLD_SECONDS {
            curator.corner_held = f32::NEG_INFINITY; // once per hold
            curator.ask_pin();
        }
    } else {
        curator.corner_held = 0.0;
    }
    if was_closed && matches!(curator.stage, Stage::Pin { .. }) {
        pin.reload();
    }
}

fn lock_when_idle(flow: Res<KioskFlow>, mut curator: ResMut<Curator>) {
    if curator.stage != Stage::Closed && flow.idle >= PANEL_IDLE_SECONDS {
        info!("the curator panel locked itself after {PANEL_IDLE_SECONDS} s without input");
        curator.close();
    }
}

/// Seconds between reloads of the panel's counts while it is open.
const REFRESH_SECONDS: f32 = 3.0;

fn refresh_while_open(
    time: Res<Time<Real>>,
    mut curator: ResMut<Curator>,
    mut actions: MessageWriter<CuratorAction>,
) {
    if curator.stage != Stage::Open {
        return;
    }
    curator.since_refresh += time.delta_secs();
    if curator.since_refresh >= REFRESH_SECONDS {
        curator.since_refresh = 0.0;
        actions.write(CuratorAction::Refresh);
    }
}

fn snapshot(db: &Database) -> Result<(StatusCounts, Vec<StoredNarrative>), StoreError> {
    Ok((db.status_counts()?, db.pending(PENDING_SHOWN)?))
}

fn carry_out_actions(
    mut actions: MessageReader<CuratorAction>,
    store: Option<Res<StoreHandle>>,
    replies: Res<Replies<Reply>>,
    mut exit: MessageWriter<AppExit>,
) {
    for action in actions.read() {
        if *action == CuratorAction::Quit {
            info!("a curator quit the kiosk");
            exit.write(AppExit::Success);
            continue;
        }
        let Some(store) = &store else {
            continue;
        };
        let tx = replies.tx.clone();
        let action = action.clone();
        store.0.write_detached(move |db| {
            let (message, found) = match action {
                CuratorAction::Moderate(receipt, status) => match db.moderate(receipt, status) {
                    Ok(id) => {
                        // The narrative's id, never its receipt code (which withdraws it).
                        info!("curator: narrative {} set to {}", id.0, status.as_str());
                        (
                            Some(
                                Phrase::new("curator-moderated")
                                    .with_text("code", receipt.as_str())
                                    .with_text("status", status.as_str()),
                            ),
                            Some(db.lookup(receipt).map_err(|e| for_curator(&e))),
                        )
                    }
                    Err(error) => (Some(for_curator(&error)), None),
                },
                CuratorAction::Find(receipt) => {
                    (None, Some(db.lookup(receipt).map_err(|e| for_curator(&e))))
                }
                CuratorAction::Refresh | CuratorAction::Quit => (None, None),
            };
            let _ = tx.send(Reply {
                message,
                found,
                snapshot: snapshot(db),
            });
        });
    }
}

/// A store error as the panel tells it: an unknown or withdrawn code in plain words, any other
/// fault as "see the log", where it goes.
fn for_curator(error: &StoreError) -> Phrase {
    error.for_visitor().unwrap_or_else(|| {
        error!("the curator panel's request failed: {error}");
        Phrase::new("curator-store-fault")
    })
}

fn receive_replies(replies: Res<Replies<Reply>>, mut curator: ResMut<Curator>) {
    for reply in replies.rx.try_iter() {
        // An answer that comes after the panel closed is not kept for its next opening (whoever
        // opens it then asks afresh).
        if curator.stage != Stage::Open {
            continue;
        }
        if reply.message.is_some() {
            curator.message = reply.message;
        }
        if reply.found.is_some() {
            curator.snapshot.found = reply.found;
        }
        match reply.snapshot {
            Ok((counts, pending)) => {
                curator.snapshot.counts = counts;
                curator.snapshot.pending = pending;
            }
            Err(error) => {
                error!("the curator panel could not read the store: {error}");
                curator.message = Some(Phrase::new("curator-store-unreadable"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::testing::TempDir;

    /// A moment well after the epoch, and `seconds` after it.
    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds)
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn type_pin(curator: &mut Curator, pin: &str) {
        if let Stage::Pin { entry } = &mut curator.stage {
            *entry = pin.to_owned();
        }
    }

    #[test]
    fn pin_pad_opens_locks_and_unlocks() {
        let mut guard = PinGuard::in_memory("246813").unwrap();
        let mut curator = Curator::default();
        curator.ask_pin();
        type_pin(&mut curator, "111111");
        assert_eq!(
            curator.enter_pin(&mut guard, at(1)),
            PinOutcome::Wrong { tries_left: 2 }
        );
        type_pin(&mut curator, "111112");
        assert_eq!(
            curator.enter_pin(&mut guard, at(2)),
            PinOutcome::Wrong { tries_left: 1 }
        );
        type_pin(&mut curator, "111113");
        assert_eq!(
            curator.enter_pin(&mut guard, at(3)),
            PinOutcome::Locked { seconds: 60 }
        );
        type_pin(&mut curator, "246813");
        assert_eq!(
            curator.enter_pin(&mut guard, at(30)),
            PinOutcome::Locked { seconds: 33 },
            "even the right PIN waits out the lock"
        );
        assert_eq!(guard.locked_for(at(30)), Some(Duration::from_secs(33)));
        type_pin(&mut curator, "246813");
        assert_eq!(curator.enter_pin(&mut guard, at(64)), PinOutcome::Open);
        assert_eq!(curator.stage, Stage::Open);
        curator.close();
        assert_eq!(curator.stage, Stage::Closed);
    }

    #[test]
    fn an_empty_pin_never_opens_and_costs_no_try() {
        let mut guard = PinGuard::in_memory("246813").unwrap();
        let mut curator = Curator::default();
        curator.ask_pin();
        for _ in 0..5 {
            assert_eq!(
                curator.enter_pin(&mut guard, at(0)),
                PinOutcome::Wrong { tries_left: 3 }
            );
        }
    }

    #[test]
    fn without_a_pin_the_panel_stays_shut() {
        let dir = TempDir::new("kiosk-pin-unset");
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert!(!guard.is_set());
        let mut curator = Curator::default();
        curator.ask_pin();
        type_pin(&mut curator, "000000");
        assert_eq!(curator.enter_pin(&mut guard, at(0)), PinOutcome::Unset);
        assert_ne!(curator.stage, Stage::Open);
        // A PIN set while the kiosk runs counts once the pad opens again.
        set_pin(dir.path(), "135792").unwrap();
        guard.reload();
        assert!(guard.is_set());
        assert_eq!(guard.attempt("135792", at(1)), PinOutcome::Open);
    }

    /// Today's kiosk keeps the PIN in plain digits in `kiosk.ron` (mode 0644 under the usual
    /// umask); here the file holds a salted hash, private to its owner.
    #[test]
    fn the_pin_file_is_private_and_holds_no_digits_of_the_pin() {
        let dir = TempDir::new("kiosk-pin-file");
        let pin = "4829137051";
        let path = set_pin(dir.path(), pin).unwrap();
        assert_eq!(path, dir.path().join(PIN_FILE));
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join(LOCK_FILE)), 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(pin), "{text}");
        assert!(text.starts_with("pbkdf2-sha256$210000$"), "{text}");
        let hash = PinHash::decode(&text).unwrap();
        assert!(hash.verify(pin));
        assert!(!hash.verify("4829137050"));
        assert!(
            !format!("{hash:?}").contains(&text[22..40]),
            "no hash in the Debug form"
        );
        // Two hashes of one PIN differ: the salt is random.
        assert_ne!(PinHash::new(pin).unwrap().encode(), text);
        // Loosened by hand: the next start makes both files private again.
        for name in [PIN_FILE, LOCK_FILE] {
            let file = dir.path().join(name);
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join(LOCK_FILE)), 0o600);
        assert_eq!(guard.attempt(pin, at(0)), PinOutcome::Open);
        // Set again over a file with wider permissions: replaced by a private one.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        set_pin(dir.path(), "999888777").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    /// Today's kiosk takes 4 to 12 digits.
    #[test]
    fn a_pin_of_fewer_than_six_digits_is_refused() {
        let dir = TempDir::new("kiosk-pin-short");
        for (pin, expected) in [
            ("1234", "at least 6 digits; this one has 4"),
            ("12345", "at least 6 digits; this one has 5"),
            ("", "at least 6 digits; this one has 0"),
            ("12ab56", "digits (0 to 9) only"),
            ("1234567890123", "at most 12 digits"),
        ] {
            let error = set_pin(dir.path(), pin).unwrap_err().to_string();
            assert!(error.contains(expected), "{pin}: {error}");
            assert!(PinGuard::in_memory(pin).is_err());
        }
        assert!(!dir.path().join(PIN_FILE).exists(), "nothing was written");
        // A 4-digit PIN left in an old kiosk.ron is not moved into the PIN file.
        match migrate_plain_pin(dir.path(), "2468").unwrap() {
            PlainPin::Refused(PinError::TooShort { digits: 4 }) => {}
            other => panic!("{other:?}"),
        }
        assert!(!dir.path().join(PIN_FILE).exists());
        assert!(!PinGuard::load(dir.path()).unwrap().is_set());
        assert!(check_pin("123456").is_ok());
    }

    #[test]
    fn a_plain_pin_from_kiosk_ron_is_moved_once() {
        let dir = TempDir::new("kiosk-pin-migrate");
        assert!(matches!(
            migrate_plain_pin(dir.path(), "").unwrap(),
            PlainPin::Absent
        ));
        match migrate_plain_pin(dir.path(), "418203").unwrap() {
            PlainPin::Moved(path) => assert_eq!(mode(&path), 0o600),
            other => panic!("{other:?}"),
        }
        let text = std::fs::read_to_string(dir.path().join(PIN_FILE)).unwrap();
        assert!(!text.contains("418203"));
        assert_eq!(
            PinGuard::load(dir.path()).unwrap().attempt("418203", at(0)),
            PinOutcome::Open
        );
        // Once: a PIN file wins over whatever kiosk.ron still says.
        set_pin(dir.path(), "555666").unwrap();
        assert!(matches!(
            migrate_plain_pin(dir.path(), "418203").unwrap(),
            PlainPin::Ignored
        ));
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(guard.attempt("555666", at(0)), PinOutcome::Open);
    }

    /// Today's lockout is a fixed minute, kept in memory: a restart gives three fresh tries.
    #[test]
    fn lockouts_grow_and_survive_a_restart() {
        let dir = TempDir::new("kiosk-pin-lock");
        set_pin(dir.path(), "707070").unwrap();
        let wrong_three_times = |guard: &mut PinGuard, from: u64| {
            assert_eq!(
                guard.attempt("000001", at(from)),
                PinOutcome::Wrong { tries_left: 2 }
            );
            assert_eq!(
                guard.attempt("000002", at(from + 1)),
                PinOutcome::Wrong { tries_left: 1 }
            );
            guard.attempt("000003", at(from + 2))
        };
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(
            wrong_three_times(&mut guard, 0),
            PinOutcome::Locked { seconds: 60 }
        );
        // The kiosk restarts (systemd, or someone pulling the plug): still locked.
        drop(guard);
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(
            guard.attempt("707070", at(32)),
            PinOutcome::Locked { seconds: 30 }
        );
        // The next lockouts last 2, then 4 minutes, across restarts again.
        assert_eq!(
            wrong_three_times(&mut guard, 62),
            PinOutcome::Locked { seconds: 120 }
        );
        drop(guard);
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert!(matches!(
            guard.attempt("707070", at(64 + 119)),
            PinOutcome::Locked { seconds: 1 }
        ));
        assert_eq!(
            wrong_three_times(&mut guard, 64 + 120),
            PinOutcome::Locked { seconds: 240 }
        );
        // Tries count across a restart too: two wrong, a restart, one wrong locks (8 minutes).
        let from = 64 + 120 + 2 + 240;
        assert_eq!(
            guard.attempt("000001", at(from)),
            PinOutcome::Wrong { tries_left: 2 }
        );
        assert_eq!(
            guard.attempt("000002", at(from)),
            PinOutcome::Wrong { tries_left: 1 }
        );
        drop(guard);
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(
            guard.attempt("000003", at(from)),
            PinOutcome::Locked { seconds: 480 }
        );
        // The right PIN after the lock opens, and the next lockout is a minute again.
        assert_eq!(guard.attempt("707070", at(from + 480)), PinOutcome::Open);
        drop(guard);
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(
            wrong_three_times(&mut guard, from + 500),
            PinOutcome::Locked { seconds: 60 }
        );
    }

    #[test]
    fn lockouts_stop_growing_at_an_hour_and_a_clock_set_back_does_not_stretch_them() {
        assert_eq!(lockout_after(0), PIN_LOCKOUT);
        assert_eq!(lockout_after(3), Duration::from_mins(8));
        assert_eq!(lockout_after(6), PIN_LOCKOUT_MAX);
        assert_eq!(lockout_after(40), PIN_LOCKOUT_MAX);
        let mut guard = PinGuard::in_memory("121212").unwrap();
        guard.lock.lockouts = 9;
        guard.lock.failures = PIN_TRIES - 1;
        assert_eq!(
            guard.attempt("000000", at(1000)),
            PinOutcome::Locked { seconds: 3600 }
        );
        // The clock jumps back a day: an hour at most, from the new now.
        assert_eq!(
            guard.attempt("121212", at(0)),
            PinOutcome::Locked { seconds: 3600 }
        );
    }

    #[test]
    fn damaged_files_are_named_or_read_strictly() {
        let dir = TempDir::new("kiosk-pin-damaged");
        std::fs::write(dir.path().join(PIN_FILE), "pbkdf2-sha256$1000$00$00\n").unwrap();
        let error = PinGuard::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("curator.pin is damaged"), "{error}");
        assert!(error.contains("kiosk-pin"), "{error}");
        // A file asking for billions of rounds would hang the pad at every try.
        let salt_and_hash = format!("{}${}", "00".repeat(16), "00".repeat(32));
        std::fs::write(
            dir.path().join(PIN_FILE),
            format!("pbkdf2-sha256$4000000000${salt_and_hash}\n"),
        )
        .unwrap();
        let error = PinGuard::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("more than a PIN file names"), "{error}");
        set_pin(dir.path(), "343434").unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "three").unwrap();
        let mut guard = PinGuard::load(dir.path()).unwrap();
        assert_eq!(
            guard.attempt("000000", at(0)),
            PinOutcome::Locked { seconds: 120 },
            "a damaged lock file: one wrong PIN locks"
        );
    }

    #[test]
    fn hashes_and_lock_states_read_back() {
        let hash = PinHash::with_salt("123456", [7; 16], PIN_HASH_MIN_ROUNDS);
        let read = PinHash::decode(&hash.encode()).unwrap();
        assert_eq!(read.encode(), hash.encode());
        assert!(read.verify("123456"));
        for bad in [
            "",
            "pbkdf2-sha256$210000$0011",
            "scrypt$210000$00112233445566778899aabbccddeeff$00",
            "pbkdf2-sha256$ten$00112233445566778899aabbccddeeff$00",
            "pbkdf2-sha256$210000$+0112233445566778899aabbccddeeff$00",
        ] {
            assert!(PinHash::decode(bad).is_err(), "{bad}");
        }
        let lock = PinLock {
            failures: 2,
            lockouts: 5,
            locked_until: 1_700_000_000,
        };
        assert_eq!(PinLock::decode(&lock.encode()), Some(lock));
        assert_eq!(PinLock::decode("failures 1"), None);
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(&[1, 2, 3], &[1, 2, 3]));
        assert!(!constant_time_eq(&[1, 2, 3], &[1, 2, 4]));
        assert!(!constant_time_eq(&[0, 2, 3], &[1, 2, 3]));
        assert!(!constant_time_eq(&[1, 2], &[1, 2, 3]));
    }
}
