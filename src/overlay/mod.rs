//! The egui overlay: panels drawn over the piece (thread reading now; tuning and kiosk later).
//!
//! egui draws nothing into an HDR camera with bloom here (its pass runs into the HDR main texture
//! in a way the post-processing does not keep), so panels get their own camera: it renders after
//! the piece's camera, onto the same target, draws no meshes, and blends its transparent frame over
//! the finished, tonemapped image.

use bevy::{
    camera::{CameraOutputMode, RenderTarget, visibility::RenderLayers},
    core_pipeline::tonemapping::Tonemapping,
    prelude::*,
    render::render_resource::BlendState,
};
use bevy_egui::{EguiGlobalSettings, EguiPlugin, PrimaryEguiContext};

/// Render layer no mesh is on: the overlay camera sees only egui.
const OVERLAY_LAYER: usize = 31;

/// Adds egui with its primary context on an overlay camera, spawned over the first camera
/// marked [`OverlayTarget`].
pub fn plugin(app: &mut App) {
    app.add_plugins(EguiPlugin::default())
        .insert_resource(EguiGlobalSettings {
            auto_create_primary_context: false,
            ..default()
        })
        .add_systems(PostStartup, spawn_overlay_camera);
}

/// Marks the camera whose target the overlay draws onto.
#[derive(Component, Debug, Default)]
pub struct OverlayTarget;

/// The overlay's camera.
#[must_use]
pub fn overlay_camera_bundle(target: RenderTarget) -> impl Bundle {
    (
        Name::new("Overlay camera"),
        Camera3d::default(),
        Camera {
            order: 1,
            clear_color: ClearColorConfig::Custom(Color::NONE),
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            ..default()
        },
        target,
        // The piece's camera already tonemapped the image below; egui's colours are final.
        Tonemapping::None,
        Msaa::Off,
        RenderLayers::layer(OVERLAY_LAYER),
        PrimaryEguiContext,
    )
}

fn spawn_overlay_camera(
    mut commands: Commands,
    targets: Query<&RenderTarget, With<OverlayTarget>>,
) {
    if let Some(target) = targets.iter().next() {
        commands.spawn(overlay_camera_bundle(target.clone()));
    }
}
