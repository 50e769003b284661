//! The desktop viewer: the piece in a window, orbit and zoom with the mouse.

use bevy::{
    input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit},
    prelude::*,
    render::RenderPlugin,
};

use crate::{
    AppSystems, DreamloomPlugin,
    camera::{CameraRig, DISTANCE_RANGE, PITCH_LIMIT, camera_bundle},
    capture::gpu,
    dreamscape::{DreamClock, Dreamscape},
    narrative::{Narrative, NarrativeArchive, StoreFeedPlugin},
};

/// How the viewer starts.
#[derive(Debug, Clone)]
pub struct ViewerSettings {
    pub seed: u64,
    /// Narratives to show at start.
    pub narratives: Vec<Narrative>,
    /// The store to follow while running: narratives submitted or withdrawn elsewhere are woven
    /// in or out within a second.
    pub database: Option<std::path::PathBuf>,
}

/// Opens the viewer window and runs until it is closed.
#[must_use]
pub fn run(settings: ViewerSettings) -> AppExit {
    let Some(adapter) = gpu::find_adapter() else {
        eprintln!("error: {}", gpu::NO_ADAPTER_HELP);
        return AppExit::error();
    };
    eprintln!("dreamloom: rendering on {}", gpu::describe(&adapter));
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Dreamloom — Cloak of Collective Dreams".into(),
                    ..default()
                }),
                ..default()
            })
            .set(RenderPlugin {
                render_creation: gpu::render_creation(),
                ..default()
            }),
    )
    .add_plugins((DreamloomPlugin, plugin))
    .insert_resource(NarrativeArchive {
        narratives: settings.narratives,
    })
    .insert_resource(Dreamscape {
        seed: settings.seed,
        ..default()
    });
    if let Some(database) = settings.database {
        app.add_plugins(StoreFeedPlugin { database });
    }
    app.run()
}

/// The viewer's own systems, on top of [`DreamloomPlugin`].
pub fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_viewer_camera)
        .add_systems(Update, orbit_with_mouse.in_set(AppSystems::ReadInput));
}

fn spawn_viewer_camera(mut commands: Commands, clock: Res<DreamClock>) {
    commands.spawn(camera_bundle(CameraRig::default(), clock.seconds));
}

/// Radians of orbit per pixel of mouse drag.
const ORBIT_PER_PIXEL: f32 = 0.005;
/// Fraction of the distance zoomed per wheel line.
const ZOOM_PER_LINE: f32 = 0.08;

fn orbit_with_mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    mut rigs: Query<&mut CameraRig>,
) {
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    let dragging = buttons.pressed(MouseButton::Left) || buttons.pressed(MouseButton::Right);
    for mut rig in &mut rigs {
        if dragging && motion.delta != Vec2::ZERO {
            rig.yaw -= motion.delta.x * ORBIT_PER_PIXEL;
            rig.pitch =
                (rig.pitch + motion.delta.y * ORBIT_PER_PIXEL).clamp(-PITCH_LIMIT, PITCH_LIMIT);
        }
        if lines != 0.0 {
            rig.distance = (rig.distance * (1.0 - ZOOM_PER_LINE).powf(lines))
                .clamp(DISTANCE_RANGE.0, DISTANCE_RANGE.1);
        }
    }
}
