//! Rendering without a window: a stills renderer that drives a headless Bevy app frame by frame
//! and reads the finished frame back as an image. `dreamloom render` and the render tests both go
//! through [`render_still`].

pub mod bench;
pub mod gpu;
pub mod print;
pub mod sequence;
pub mod timelapse;

use std::sync::{Arc, Mutex};

use bevy::{
    app::PluginGroupBuilder,
    camera::{RenderTarget, SubCameraView},
    core_pipeline::core_3d::Transparent3d,
    post_process::bloom::Bloom,
    prelude::*,
    render::{
        RenderApp, RenderPlugin,
        pipelined_rendering::PipelinedRenderingPlugin,
        render_phase::ViewSortedRenderPhases,
        render_resource::{CachedPipelineState, PipelineCache, PollType, TextureFormat},
        renderer::RenderDevice,
        view::screenshot::{Screenshot, ScreenshotCaptured},
    },
    window::ExitCondition,
    winit::WinitPlugin,
};
use image::RgbaImage;

use crate::{
    camera::{CameraRig, camera_bundle, render_target_image},
    clock::DreamClock,
    dreamscape::Dreamscape,
    narrative::Narrative,
    piece::{DreamloomPlugin, PieceSettings},
};

/// Largest side of a still, pixels: beyond a print-size 8K frame we refuse rather than exhaust
/// GPU memory.
pub const MAX_SIDE: u32 = 8192;
/// Frames rendered before a frame may be captured, so that every asset reaches the GPU.
const MIN_WARMUP_UPDATES: u32 = 3;
/// Give up when the renderer has not produced a frame after this many updates.
const MAX_UPDATES: u32 = 240;

/// What a still shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StillSettings {
    pub width: u32,
    pub height: u32,
    /// Seed of the dreamscape.
    pub seed: u64,
    /// Time on the dream clock, seconds.
    pub seconds: f32,
}

impl Default for StillSettings {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            seed: Dreamscape::default().seed,
            seconds: 0.0,
        }
    }
}

/// Why a still could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{}", gpu::NO_ADAPTER_HELP)]
    NoAdapter,
    #[error(
        "a still must be between 1×1 and {MAX_SIDE}×{MAX_SIDE} pixels; {width}×{height} was asked for"
    )]
    InvalidSize { width: u32, height: u32 },
    #[error("a shader failed to compile: {0}")]
    Pipeline(String),
    #[error("the renderer produced no frame after {MAX_UPDATES} updates")]
    NoFrame,
    #[error("the captured frame could not be read: {0}")]
    Readback(String),
}

/// Bevy's default plugins, without a window, an event loop or a render thread: the headless app
/// is driven one update at a time, and each update renders one whole frame.
#[must_use]
pub fn headless_plugins() -> PluginGroupBuilder {
    DefaultPlugins
        .set(bevy::log::LogPlugin {
            filter: crate::text::log_filter(),
            ..default()
        })
        .set(WindowPlugin {
            primary_window: None,
            exit_condition: ExitCondition::DontExit,
            ..default()
        })
        .set(RenderPlugin {
            render_creation: gpu::render_creation(),
            synchronous_pipeline_compilation: true,
            ..default()
        })
        .disable::<WinitPlugin>()
        .disable::<PipelinedRenderingPlugin>()
}

/// Renders one frame of the piece showing `narratives`.
pub fn render_still(
    settings: &StillSettings,
    narratives: Vec<Narrative>,
) -> Result<RgbaImage, RenderError> {
    HeadlessRenderer::new(settings, narratives)?.capture()
}

/// A windowless app that renders the piece into an image, one whole frame per [`Self::frame`].
/// Stills, the benchmark and render tests drive it.
pub struct HeadlessRenderer {
    app: App,
    target: Handle<Image>,
}

impl HeadlessRenderer {
    /// Builds the app and renders until every pipeline is compiled, so the next frame is complete.
    pub fn new(settings: &StillSettings, narratives: Vec<Narrative>) -> Result<Self, RenderError> {
        Self::new_with(settings, narratives, |_| {})
    }

    /// As [`Self::new`], letting `extend` add plugins and systems (a mode's own) before the app
    /// is finished.
    pub fn new_with(
        settings: &StillSettings,
        narratives: Vec<Narrative>,
        extend: impl FnOnce(&mut App),
    ) -> Result<Self, RenderError> {
        let StillSettings {
            width,
            height,
            seed,
            seconds,
        } = *settings;
        if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) {
            return Err(RenderError::InvalidSize { width, height });
        }
        let adapter = gpu::find_adapter().ok_or(RenderError::NoAdapter)?;
        info!("rendering on {}", gpu::describe(&adapter));

        let mut app = App::new();
        app.add_plugins((headless_plugins(), DreamloomPlugin))
            .insert_resource(DreamClock::held_at(seconds));
        PieceSettings {
            seed,
            ..PieceSettings::on(narratives)
        }
        .apply(&mut app);
        let target = app
            .world_mut()
            .resource_mut::<Assets<Image>>()
            .add(target_image(width, height));
        app.world_mut().spawn((
            camera_bundle(CameraRig::default(), seconds),
            RenderTarget::Image(target.clone().into()),
        ));
        extend(&mut app);
        app.finish();
        app.cleanup();

        let mut renderer = Self { app, target };
        for update in 1..=MAX_UPDATES {
            renderer.frame()?;
            if update >= MIN_WARMUP_UPDATES && pipelines_ready(&renderer.app)? {
                // One more frame, so that whatever was queued with the last pipelines is drawn.
                renderer.frame()?;
                return Ok(renderer);
            }
        }
        Err(RenderError::NoFrame)
    }

    /// Runs one update, which renders one frame, and waits for the GPU to finish it.
    pub fn frame(&mut self) -> Result<(), RenderError> {
        self.app.update();
        self.app
            .world()
            .resource::<RenderDevice>()
            .wgpu_device()
            .poll(PollType::wait_indefinitely())
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        Ok(())
    }

    /// Sets the dream clock for the next frame.
    pub fn set_time(&mut self, seconds: f32) {
        *self.app.world_mut().resource_mut::<DreamClock>() = DreamClock::held_at(seconds);
    }

    /// Renders a frame and reads it back.
    pub fn capture(&mut self) -> Result<RgbaImage, RenderError> {
        let captured: Arc<Mutex<Option<Image>>> = Arc::default();
        let sink = Arc::clone(&captured);
        self.app
            .world_mut()
            .spawn(Screenshot::image(self.target.clone()))
            .observe(move |captured: On<ScreenshotCaptured>| {
                *sink.lock().expect("capture lock") = Some(captured.image.clone());
            });
        for _ in 0..MAX_UPDATES {
            self.frame()?;
            if let Some(image) = captured.lock().expect("capture lock").take() {
                return to_rgba(image);
            }
        }
        Err(RenderError::NoFrame)
    }

    /// Renders into a `width`×`height` target from the next frame on (a print's tiles, its bloom
    /// layer).
    pub fn resize(&mut self, width: u32, height: u32) {
        let target = self.target.clone();
        self.app
            .world_mut()
            .resource_mut::<Assets<Image>>()
            .insert(&target, target_image(width, height))
            .expect("the target's handle is strong");
    }

    /// Shows a slice of a larger view (a print's tile), or, with `None`, the whole view.
    pub fn set_view(&mut self, view: Option<SubCameraView>) {
        let world = self.app.world_mut();
        let mut cameras = world.query::<&mut Camera>();
        for mut camera in cameras.iter_mut(world) {
            if camera.order == 0 && camera.sub_camera_view != view {
                camera.sub_camera_view = view;
            }
        }
    }

    /// Takes the camera's bloom away (a print's tiles get theirs from one layer; see
    /// [`print`]).
    pub fn without_bloom(&mut self) {
        let world = self.app.world_mut();
        let cameras: Vec<Entity> = world
            .query_filtered::<Entity, With<CameraRig>>()
            .iter(world)
            .collect();
        for camera in cameras {
            world.entity_mut(camera).remove::<Bloom>();
        }
    }

    /// The piece's camera (the first to render) as it stands, to find on screen what it shows.
    pub fn camera(&mut self) -> (Camera, GlobalTransform) {
        let world = self.app.world_mut();
        world
            .query::<(&Camera, &GlobalTransform)>()
            .iter(world)
            .find(|(camera, _)| camera.order == 0)
            .map(|(camera, at)| (camera.clone(), *at))
            .expect("the piece has its camera")
    }

    /// The main world, to change what is shown or read what is there.
    pub fn world(&self) -> &World {
        self.app.world()
    }

    pub fn world_mut(&mut self) -> &mut World {
        self.app.world_mut()
    }

    /// The render world, for measures of what was drawn.
    #[must_use]
    pub fn render_world(&self) -> &World {
        self.app.sub_app(RenderApp).world()
    }

    /// Draws issued for `entity` in the last frame, over every view (transparent 3D phase).
    #[must_use]
    pub fn draws_of(&self, entity: Entity) -> usize {
        self.render_world()
            .get_resource::<ViewSortedRenderPhases<Transparent3d>>()
            .map_or(0, |phases| {
                phases
                    .values()
                    .map(|phase| {
                        phase
                            .items
                            .keys()
                            .filter(|(_, main)| main.id() == entity)
                            .count()
                    })
                    .sum()
            })
    }

    /// Renders a frame and reads back each of `images` — targets of the app's own cameras (a
    /// projector layout's wide frame and outputs) — all from that one frame.
    pub fn capture_images(
        &mut self,
        images: &[Handle<Image>],
    ) -> Result<Vec<RgbaImage>, RenderError> {
        let captured: Arc<Mutex<Vec<Option<Image>>>> =
            Arc::new(Mutex::new(vec![None; images.len()]));
        for (slot, image) in images.iter().enumerate() {
            let sink = Arc::clone(&captured);
            self.app
                .world_mut()
                .spawn(Screenshot::image(image.clone()))
                .observe(move |captured: On<ScreenshotCaptured>| {
                    sink.lock().expect("capture lock")[slot] = Some(captured.image.clone());
                });
        }
        for _ in 0..MAX_UPDATES {
            self.frame()?;
            let mut done = captured.lock().expect("capture lock");
            if done.iter().all(Option::is_some) {
                return done.drain(..).flatten().map(to_rgba).collect();
            }
        }
        Err(RenderError::NoFrame)
    }
}

/// The texture a still is rendered into.
fn target_image(width: u32, height: u32) -> Image {
    render_target_image(UVec2::new(width, height), TextureFormat::Rgba8UnormSrgb)
}

/// Whether every render pipeline asked for so far is compiled. A pipeline that failed is an error:
/// a still missing its sky or its threads must not pass for a frame.
fn pipelines_ready(app: &App) -> Result<bool, RenderError> {
    let cache = app.sub_app(RenderApp).world().resource::<PipelineCache>();
    for pipeline in cache.pipelines() {
        if let CachedPipelineState::Err(error) = &pipeline.state {
            return Err(RenderError::Pipeline(error.to_string()));
        }
    }
    Ok(cache.waiting_pipelines().next().is_none())
}

fn to_rgba(image: Image) -> Result<RgbaImage, RenderError> {
    image
        .try_into_dynamic()
        .map(|dynamic| dynamic.to_rgba8())
        .map_err(|e| RenderError::Readback(e.to_string()))
}
