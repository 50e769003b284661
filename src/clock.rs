//! The dream's own time. Everything that moves — threads, sky, motes, the protocol, the camera —
//! reads [`DreamClock`], so a frame is a function of (seed, narratives, clock): the viewer lets it
//! run, a still holds it.

use bevy::prelude::*;

use crate::{narrative::ExhibitionClock, schedule::AppSystems};

pub(crate) fn plugin(app: &mut App) {
    app.register_type::<DreamClock>()
        .init_resource::<DreamClock>()
        .add_systems(
            Update,
            (
                advance_clock.run_if(
                    |clock: Res<DreamClock>, shared: Option<Res<ExhibitionClock>>| {
                        clock.running && shared.is_none()
                    },
                ),
                follow_exhibition_clock.run_if(
                    |clock: Res<DreamClock>, shared: Option<Res<ExhibitionClock>>| {
                        clock.running && shared.is_some()
                    },
                ),
            )
                .in_set(AppSystems::AdvanceClock),
        );
}

fn follow_exhibition_clock(shared: Res<ExhibitionClock>, mut clock: ResMut<DreamClock>) {
    let now = crate::narrative::store::now_ms();
    clock.seconds = shared.seconds_at(now, now);
}

/// The dream's own time, in seconds. Everything that moves reads it, so a frame is a function of
/// (seed, clock): the viewer lets it run, a still sets it and holds it.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Reflect)]
#[reflect(Resource)]
pub struct DreamClock {
    /// Seconds since the dream began.
    pub seconds: f32,
    /// Whether the clock follows real time.
    pub running: bool,
}

impl Default for DreamClock {
    fn default() -> Self {
        Self {
            seconds: 0.0,
            running: true,
        }
    }
}

impl DreamClock {
    /// A clock stopped at `seconds`, for stills.
    #[must_use]
    pub fn held_at(seconds: f32) -> Self {
        Self {
            seconds,
            running: false,
        }
    }
}

fn advance_clock(time: Res<Time>, mut clock: ResMut<DreamClock>) {
    clock.seconds += time.delta_secs();
}
