//! The desktop viewer: the piece in a window, orbit and zoom with the mouse, and a legend that
//! lets visitors read which colour carries which origin.

use bevy::{
    input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit},
    prelude::*,
    render::RenderPlugin,
};
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

use crate::{
    AppSystems, DreamloomPlugin,
    camera::{CameraRig, DISTANCE_RANGE, PITCH_LIMIT, camera_bundle},
    capture::gpu,
    dreamscape::{DreamClock, Dreamscape},
    narrative::{Narrative, NarrativeArchive},
    weave::look::palette_for_origin,
};

/// How the viewer starts.
#[derive(Debug, Clone)]
pub struct ViewerSettings {
    pub seed: u64,
    pub narratives: Vec<Narrative>,
}

/// Opens the viewer window and runs until it is closed.
#[must_use]
pub fn run(settings: ViewerSettings) -> AppExit {
    let Some(adapter) = gpu::find_adapter() else {
        eprintln!("error: {}", gpu::NO_ADAPTER_HELP);
        return AppExit::error();
    };
    eprintln!("dreamloom: rendering on {}", gpu::describe(&adapter));
    App::new()
        .add_plugins(
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
        })
        .run()
}

/// The viewer's own systems, on top of [`DreamloomPlugin`].
pub fn plugin(app: &mut App) {
    app.add_plugins(EguiPlugin::default())
        .init_resource::<PointerOnPanel>()
        .init_resource::<LegendVisible>()
        .add_systems(Startup, spawn_viewer_camera)
        .add_systems(
            Update,
            (orbit_with_mouse, toggle_legend).in_set(AppSystems::ReadInput),
        )
        .add_systems(EguiPrimaryContextPass, show_legend);
}

/// Whether the pointer is over a panel, so that dragging there does not swing the camera.
#[derive(Resource, Debug, Default)]
struct PointerOnPanel(bool);

/// Whether the origin legend is shown (toggle with `L`).
#[derive(Resource, Debug)]
struct LegendVisible(bool);

impl Default for LegendVisible {
    fn default() -> Self {
        Self(true)
    }
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
    on_panel: Res<PointerOnPanel>,
    mut rigs: Query<&mut CameraRig>,
) {
    if on_panel.0 {
        return;
    }
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

fn toggle_legend(keys: Res<ButtonInput<KeyCode>>, mut visible: ResMut<LegendVisible>) {
    if keys.just_pressed(KeyCode::KeyL) {
        visible.0 = !visible.0;
    }
}

fn show_legend(
    mut contexts: EguiContexts,
    archive: Res<NarrativeArchive>,
    visible: Res<LegendVisible>,
    mut on_panel: ResMut<PointerOnPanel>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if visible.0 {
        egui::Window::new("Threads of the cloak")
            .default_pos([16.0, 16.0])
            .default_width(320.0)
            .show(ctx, |ui| {
                ui.label("Each thread is a visitor's dream; its colour carries their origin.");
                ui.label("Drag to orbit, scroll to zoom, L hides this legend.");
                ui.separator();
                egui::ScrollArea::vertical()
                    .max_height(420.0)
                    .show(ui, |ui| {
                        for narrative in archive.displayed() {
                            legend_row(ui, narrative);
                        }
                    });
            });
    }
    on_panel.0 = ctx.is_pointer_over_egui() || ctx.egui_wants_pointer_input();
    Ok(())
}

fn legend_row(ui: &mut egui::Ui, narrative: &Narrative) {
    let srgb = Srgba::from(palette_for_origin(&narrative.origin).primary);
    let [r, g, b, _] = srgb.to_u8_array();
    ui.horizontal(|ui| {
        ui.colored_label(egui::Color32::from_rgb(r, g, b), "━━");
        ui.label(&narrative.origin);
    })
    .response
    .on_hover_text(&narrative.text);
}
