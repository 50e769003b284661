//! The one ordering spine of every frame. Each domain's systems join one of these sets; the sets
//! are chained once, in [`plugin`], so the order of a frame can be read in one place:
//! input → clock → protocol → weave → camera.

use bevy::prelude::*;

/// The ordering spine of every frame, chained in this order in `Update`.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Mouse, keyboard, the store's feed, presets and other input.
    ReadInput,
    /// The dream clock moves on.
    AdvanceClock,
    /// The protocol runs up to the clock and decides each thread's fate.
    Protocol,
    /// Threads and dreamscape take their state for this frame and hand it to the GPU.
    Weave,
    /// The camera takes its place.
    Camera,
}

/// Chains [`AppSystems`] in `Update`.
pub(crate) fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (
            AppSystems::ReadInput,
            AppSystems::AdvanceClock,
            AppSystems::Protocol,
            AppSystems::Weave,
            AppSystems::Camera,
        )
            .chain(),
    );
}
