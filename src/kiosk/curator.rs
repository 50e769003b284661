//! The curator's side of the kiosk: a chord and a PIN open a panel for moderation (pending queue,
//! approve, hide, restore, search by receipt, counts) and for quitting. Every action goes through
//! the store, which logs it in the event log.

use std::time::Duration;

use bevy::prelude::*;

use super::{
    Replies,
    flow::{KioskFlow, capitalise},
};
use crate::narrative::{
    StoreHandle,
    receipt::Receipt,
    store::{Database, Status, StatusCounts, StoreError, StoredNarrative},
};

/// Wrong PINs in a row before the pad locks.
pub const PIN_TRIES: u32 = 3;
/// How long the pad stays locked after too many wrong PINs.
pub const PIN_LOCKOUT: Duration = Duration::from_mins(1);
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PinOutcome {
    Open,
    Wrong { tries_left: u32 },
    Locked { seconds: u64 },
}

/// What the panel shows of the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub counts: StatusCounts,
    pub pending: Vec<StoredNarrative>,
    /// The result of the last search by receipt.
    pub found: Option<Result<StoredNarrative, String>>,
}

/// The curator's state.
#[derive(Resource, Debug, Default)]
pub struct Curator {
    pub stage: Stage,
    pub search: String,
    pub snapshot: Snapshot,
    /// The last action's outcome or a wrong PIN, in plain words.
    pub message: Option<String>,
    failures: u32,
    locked_until: Option<Duration>,
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

    /// Checks the typed PIN against `pin` at `now` (time since start).
    pub fn enter_pin(&mut self, pin: &str, now: Duration) -> PinOutcome {
        let Stage::Pin { entry } = &mut self.stage else {
            return PinOutcome::Wrong { tries_left: 0 };
        };
        if let Some(until) = self.locked_until {
            if now < until {
                entry.clear();
                return PinOutcome::Locked {
                    seconds: until.saturating_sub(now).as_secs().max(1),
                };
            }
            self.locked_until = None;
            self.failures = 0;
        }
        let right = !pin.is_empty() && entry.as_str() == pin;
        entry.clear();
        if right {
            self.failures = 0;
            self.stage = Stage::Open;
            self.message = None;
            self.since_refresh = f32::INFINITY;
            return PinOutcome::Open;
        }
        self.failures += 1;
        if self.failures >= PIN_TRIES {
            self.locked_until = Some(now + PIN_LOCKOUT);
            return PinOutcome::Locked {
                seconds: PIN_LOCKOUT.as_secs(),
            };
        }
        PinOutcome::Wrong {
            tries_left: PIN_TRIES - self.failures,
        }
    }

    /// Closes the pad or the panel.
    pub fn close(&mut self) {
        self.stage = Stage::Closed;
        self.search.clear();
        self.snapshot.found = None;
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
    message: Option<String>,
    found: Option<Result<StoredNarrative, String>>,
    snapshot: Result<(StatusCounts, Vec<StoredNarrative>), StoreError>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Curator>()
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

/// Ctrl+Alt+Shift+C, or holding the top-left corner, opens the PIN pad.
fn open_by_chord(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    windows: Query<&Window>,
    time: Res<Time<Real>>,
    mut curator: ResMut<Curator>,
) {
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
                CuratorAction::Moderate(receipt, status) => {
                    let verb = match status {
                        Status::Visible => "is on the cloak",
                        Status::Hidden => "is hidden",
                        Status::Pending => "is pending",
                        Status::Withdrawn => "was withdrawn",
                    };
                    match db.moderate(receipt, status) {
                        Ok(_) => {
                            info!("curator: {receipt} set to {}", status.as_str());
                            (
                                Some(format!("{receipt} {verb}.")),
                                Some(db.lookup(receipt).map_err(|e| e.to_string())),
                            )
                        }
                        Err(error) => (Some(capitalise(&error.to_string())), None),
                    }
                }
                CuratorAction::Find(receipt) => (
                    None,
                    Some(db.lookup(receipt).map_err(|e| capitalise(&e.to_string()))),
                ),
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

fn receive_replies(replies: Res<Replies<Reply>>, mut curator: ResMut<Curator>) {
    for reply in replies.rx.try_iter() {
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
                curator.message = Some("The store could not be read; see the log.".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_pad_opens_locks_and_unlocks() {
        let mut curator = Curator::default();
        let at = Duration::from_secs;
        curator.ask_pin();
        let type_pin = |c: &mut Curator, pin: &str| {
            if let Stage::Pin { entry } = &mut c.stage {
                *entry = pin.to_owned();
            }
        };
        type_pin(&mut curator, "1111");
        assert_eq!(
            curator.enter_pin("2468", at(1)),
            PinOutcome::Wrong { tries_left: 2 }
        );
        type_pin(&mut curator, "1112");
        assert_eq!(
            curator.enter_pin("2468", at(2)),
            PinOutcome::Wrong { tries_left: 1 }
        );
        type_pin(&mut curator, "1113");
        assert_eq!(
            curator.enter_pin("2468", at(3)),
            PinOutcome::Locked { seconds: 60 }
        );
        type_pin(&mut curator, "2468");
        assert!(matches!(
            curator.enter_pin("2468", at(30)),
            PinOutcome::Locked { .. }
        ));
        type_pin(&mut curator, "2468");
        assert_eq!(curator.enter_pin("2468", at(64)), PinOutcome::Open);
        assert_eq!(curator.stage, Stage::Open);
        curator.close();
        assert_eq!(curator.stage, Stage::Closed);
    }

    #[test]
    fn an_empty_pin_never_opens() {
        let mut curator = Curator::default();
        curator.ask_pin();
        assert_ne!(curator.enter_pin("", Duration::ZERO), PinOutcome::Open);
    }
}
