//! Dreamloom renders the installation *Cloak of Collective Dreams*: every visitor's dream becomes a
//! glowing thread woven into a cloak that floats in a procedural dreamscape.
//!
//! The crate is laid out by domain, one plugin each: [`narrative`] (what visitors tell),
//! [`weave`] (threads on the cloak and their GPU data), [`dreamscape`] (sky, fog and the dream
//! clock), [`camera`], and the modes that show it all: [`viewer`] (a window) and [`capture`]
//! (headless stills). [`DreamloomPlugin`] assembles the piece; the modes add how it is shown.

pub mod camera;
pub mod capture;
pub mod cli;
pub mod dreamscape;
pub mod kiosk;
pub mod narrative;
pub mod overlay;
pub mod protocol;
pub mod range;
pub mod shaders;
pub mod testing;
pub mod tuning;
pub mod viewer;
pub mod weave;
pub mod web;

use bevy::prelude::*;

/// The one ordering spine of every frame, chained in this order in `Update`.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Mouse, keyboard and other input.
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

/// The installation itself, whatever shows it. Needs Bevy's render plugins (a window or the
/// headless set in [`capture::headless_plugins`]).
pub struct DreamloomPlugin;

impl Plugin for DreamloomPlugin {
    fn build(&self, app: &mut App) {
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
        app.add_plugins((
            shaders::plugin,
            narrative::plugin,
            dreamscape::plugin,
            weave::plugin,
            protocol::plugin,
            camera::plugin,
            tuning::plugin,
        ));
    }
}
