//! What the kiosk does when rendering fails. A lost GPU device (a driver reset, a GPU hang the
//! driver recovered from) is recovered in place, as Bevy 0.19's render-error handling allows: the
//! renderer is created anew and the piece goes on. Any other render error, or device losses in
//! quick succession, end the process with [`RENDER_FAULT_EXIT`] for the supervisor to restart it:
//! never a frozen frame, never a screen flashing through repeated errors.

use std::time::{Duration, Instant};

use bevy::{
    prelude::*,
    render::error_handler::{ErrorType, RenderError, RenderErrorHandler, RenderErrorPolicy},
};

use crate::{capture::gpu, metrics::Counters};

/// Exit status after a render fault the kiosk does not recover from (`EX_SOFTWARE`).
pub const RENDER_FAULT_EXIT: u8 = 70;

/// Recoveries allowed within [`RECOVERY_WINDOW`] before the kiosk gives up and restarts.
pub const MAX_RECOVERIES: usize = 3;
/// The window over which recoveries are counted.
pub const RECOVERY_WINDOW: Duration = Duration::from_mins(10);

/// When the renderer was last recovered.
#[derive(Resource, Debug, Default)]
pub struct Recoveries(Vec<Instant>);

impl Recoveries {
    /// Records a recovery at `now`; false when there were too many lately.
    pub fn allow(&mut self, now: Instant) -> bool {
        self.0
            .retain(|at| now.saturating_duration_since(*at) < RECOVERY_WINDOW);
        if self.0.len() >= MAX_RECOVERIES {
            return false;
        }
        self.0.push(now);
        true
    }
}

/// What to do about `kind` of render error, given the recoveries so far.
#[must_use]
pub fn decide(kind: ErrorType, recoveries: &mut Recoveries, now: Instant) -> Decision {
    match kind {
        ErrorType::DeviceLost if recoveries.allow(now) => Decision::Recover,
        _ => Decision::Restart,
    }
}

/// The kiosk's answer to a render error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Create the renderer anew and go on.
    Recover,
    /// Exit with [`RENDER_FAULT_EXIT`]; the supervisor starts a fresh process.
    Restart,
}

/// Installs the kiosk's render-error handler.
pub fn plugin(app: &mut App) {
    app.init_resource::<Recoveries>()
        .insert_resource(RenderErrorHandler(handle_render_error));
}

fn handle_render_error(
    error: &RenderError,
    main_world: &mut World,
    _render_world: &mut World,
) -> RenderErrorPolicy {
    let decision = decide(
        error.ty,
        &mut main_world.get_resource_or_init::<Recoveries>(),
        Instant::now(),
    );
    match decision {
        Decision::Recover => {
            if let Some(counters) = main_world.get_resource::<Counters>() {
                counters.render_recovered();
            }
            warn!(
                "the GPU device was lost ({}); creating the renderer anew",
                error.description
            );
            RenderErrorPolicy::Recover(gpu::render_creation())
        }
        Decision::Restart => {
            error!(
                "render error {:?}: {}; exiting with status {RENDER_FAULT_EXIT} for the supervisor to restart the kiosk",
                error.ty, error.description
            );
            main_world.write_message(AppExit::from_code(RENDER_FAULT_EXIT));
            RenderErrorPolicy::StopRendering
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_loss_recovers_a_few_times_then_restarts() {
        let mut recoveries = Recoveries::default();
        let t0 = Instant::now();
        for i in 0..MAX_RECOVERIES {
            let at = t0 + Duration::from_secs(i as u64);
            assert_eq!(
                decide(ErrorType::DeviceLost, &mut recoveries, at),
                Decision::Recover
            );
        }
        assert_eq!(
            decide(
                ErrorType::DeviceLost,
                &mut recoveries,
                t0 + Duration::from_secs(10)
            ),
            Decision::Restart
        );
        // Long after, a device loss is recovered again.
        assert_eq!(
            decide(
                ErrorType::DeviceLost,
                &mut recoveries,
                t0 + RECOVERY_WINDOW + Duration::from_secs(10)
            ),
            Decision::Recover
        );
    }

    #[test]
    fn other_errors_restart() {
        let mut recoveries = Recoveries::default();
        for kind in [
            ErrorType::Validation,
            ErrorType::OutOfMemory,
            ErrorType::Internal,
        ] {
            assert_eq!(
                decide(kind, &mut recoveries, Instant::now()),
                Decision::Restart
            );
        }
    }
}
