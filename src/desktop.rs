//! The start-up every windowed mode shares (`view`, `tune`, `kiosk`): look for a GPU adapter
//! before Bevy does (none: a clear message and exit status 3), open the window, start the piece
//! ([`DreamloomPlugin`]) and the egui overlay with the fonts for every script.

use bevy::{prelude::*, render::RenderPlugin, window::ExitCondition};

use crate::{capture::gpu, metrics::AdapterName, overlay, piece::DreamloomPlugin};

/// Title of every Dreamloom window.
pub const WINDOW_TITLE: &str = "Dreamloom — Cloak of Collective Dreams";

/// Who is in front of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    /// Someone at a desk: closing the (primary) window ends the program, with any projector
    /// outputs' windows.
    Attended,
    /// A gallery kiosk: window-manager close requests are ignored, and the app runs on when the
    /// display goes away.
    Unattended,
}

/// An app with `window` showing the piece and its overlay, or the exit to end with when there is
/// no GPU adapter (the message has been printed).
pub fn windowed_app(window: Window, attendance: Attendance) -> Result<App, AppExit> {
    let Some(adapter) = gpu::find_adapter() else {
        error!("{}", gpu::NO_ADAPTER_HELP);
        eprintln!("error: {}", gpu::NO_ADAPTER_HELP);
        return Err(AppExit::from_code(gpu::EXIT_NO_GPU));
    };
    eprintln!("dreamloom: rendering on {}", gpu::describe(&adapter));
    let unattended = attendance == Attendance::Unattended;
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(bevy::log::LogPlugin {
                filter: crate::text::log_filter(),
                ..default()
            })
            .set(WindowPlugin {
                primary_window: Some(window),
                exit_condition: if unattended {
                    ExitCondition::DontExit
                } else {
                    // Not `OnAllClosed`: projector outputs have windows of their own, and the
                    // viewer ends with its main one.
                    ExitCondition::OnPrimaryClosed
                },
                close_when_requested: !unattended,
                ..default()
            })
            .set(RenderPlugin {
                render_creation: gpu::render_creation(),
                ..default()
            }),
    )
    .add_plugins((DreamloomPlugin, overlay::plugin))
    .insert_resource(AdapterName(adapter.name.clone()));
    Ok(app)
}
