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
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext,
};

use crate::projectors::FirstOutput;

pub mod fonts;
pub mod words;

/// Render layer no mesh is on: the overlay camera sees only egui.
const OVERLAY_LAYER: usize = 31;

/// The overlay camera's order: after every camera that draws onto its target — the piece's
/// (order 0) and, with projectors, output 0's (`projectors::FIRST_OUTPUT_ORDER`), which shares
/// the primary window with it — so that the panels are blended over the finished picture.
pub const OVERLAY_ORDER: isize = 50;

/// Adds egui with its primary context on an overlay camera, spawned over the first camera
/// marked [`OverlayTarget`] (with projectors, over output 0's camera).
pub fn plugin(app: &mut App) {
    app.add_plugins(EguiPlugin::default())
        .insert_resource(EguiGlobalSettings {
            auto_create_primary_context: false,
            ..default()
        })
        .add_systems(PostStartup, spawn_overlay_camera)
        .add_systems(EguiPrimaryContextPass, install_fonts)
        .add_systems(Update, paste_from_clipboard);
}

/// Ctrl+V pastes the X11 clipboard's text into the focused egui field (`bevy_egui`'s own clipboard
/// support would bring the Wayland stack, which Dreamloom does not build).
fn paste_from_clipboard(
    keys: Res<ButtonInput<KeyCode>>,
    contexts: Query<Entity, With<PrimaryEguiContext>>,
    mut input: MessageWriter<bevy_egui::input::EguiInputEvent>,
    mut clipboard: Local<Option<arboard::Clipboard>>,
) {
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    if !(ctrl && keys.just_pressed(KeyCode::KeyV)) {
        return;
    }
    let Ok(context) = contexts.single() else {
        return;
    };
    if clipboard.is_none() {
        match arboard::Clipboard::new() {
            Ok(opened) => *clipboard = Some(opened),
            Err(error) => {
                warn!("no clipboard to paste from: {error}");
                return;
            }
        }
    }
    let Some(board) = clipboard.as_mut() else {
        return;
    };
    match board.get_text() {
        Ok(text) => {
            input.write(bevy_egui::input::EguiInputEvent {
                context,
                event: bevy_egui::egui::Event::Paste(text),
            });
        }
        Err(error) => debug!("nothing to paste: {error}"),
    }
}

/// Gives the overlay's context the fonts for every script, once.
fn install_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if !*done {
        fonts::install(contexts.ctx_mut()?);
        *done = true;
    }
    Ok(())
}

/// Marks the camera whose target the overlay draws onto. With projectors the piece's camera
/// renders into their wide frame, and the overlay goes onto output 0's window instead (the camera
/// marked [`FirstOutput`](crate::projectors::FirstOutput)).
#[derive(Component, Debug, Default)]
pub struct OverlayTarget;

/// The overlay's camera.
#[must_use]
pub fn overlay_camera_bundle(target: RenderTarget) -> impl Bundle {
    (
        Name::new("Overlay camera"),
        Camera3d::default(),
        Camera {
            order: OVERLAY_ORDER,
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
    first_outputs: Query<&RenderTarget, With<FirstOutput>>,
    targets: Query<&RenderTarget, With<OverlayTarget>>,
) {
    if let Some(target) = first_outputs.iter().chain(&targets).next() {
        commands.spawn(overlay_camera_bundle(target.clone()));
    }
}
