//! Several projectors, live (`view`/`kiosk --outputs LAYOUT.ron`): the piece's camera renders the
//! whole continuous wide view of a [`Layout`] into one offscreen image — with its own bloom and
//! tonemapping, so bloom, a whole-frame effect, has no seam between outputs — and each output is a
//! camera drawing one fullscreen quad that takes its slice of that image (exactly the off-axis
//! slice [`Layout::view_of`] describes), blends its edges in linear light and warps it through its
//! corner-pin (`shaders/projector.wgsl`, the GPU twin of
//! [`finish_output`](crate::outputs::finish_output)). Each output goes to a window on its monitor
//! (the primary window for the first) or, headless, to an image (`material.rs`: what the quads
//! are drawn with; `file.rs`: the layout file followed and saved).
//!
//! The layout file is followed while the piece runs: a change that checks is shown within about a
//! second; one with a mistake is refused, the last good layout stays and [`ProjectorStatus`] says
//! why, naming the field. The tuning panel edits the corners and overlaps live, shows the test
//! grid ([`Projectors::calibrate`]) and saves the layout back ([`save_layout`]).

mod file;
mod material;

use std::{path::PathBuf, time::Duration};

use bevy::{
    camera::{
        RenderTarget,
        visibility::{NoFrustumCulling, RenderLayers},
    },
    core_pipeline::tonemapping::{DebandDither, Tonemapping},
    prelude::*,
    window::{
        CursorOptions, Monitor, MonitorSelection, PrimaryWindow, WindowMode, WindowPosition,
        WindowRef, WindowResolution,
    },
};

use self::file::{FileStamp, file_stamp};
pub use self::file::{LayoutFile, Reload, reload, same_outputs, save_layout};
use self::material::frame_image;
pub use self::material::{ProjectorMaterial, ProjectorUniform};
use crate::{
    camera::CameraRig,
    outputs::{Layout, OutputSpec},
    schedule::AppSystems,
};

/// The render layer of output 0's quad and camera; output `i` is on `PROJECTOR_LAYER_BASE + i`.
/// Above every layer the piece draws on (0) and the overlay's (31), so no other camera sees the
/// quads and the output cameras see nothing else.
pub const PROJECTOR_LAYER_BASE: usize = 32;

/// Camera order of output 0; output `i` renders at `FIRST_OUTPUT_ORDER + i`, after the piece's
/// camera (order 0) has rendered the wide frame they sample, and before the overlay
/// (`overlay::OVERLAY_ORDER`), which draws over output 0 on the primary window.
pub const FIRST_OUTPUT_ORDER: isize = 2;

/// How often the layout file is checked for changes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Where the outputs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputTargets {
    /// A window each: the primary window for output 0 (made with [`output_window`]), a new one
    /// on its monitor for each other; borderless fullscreen when `fullscreen`.
    Windows { fullscreen: bool },
    /// An image each, of the output's size (headless: the tests compare them with
    /// [`finish_output`](crate::outputs::finish_output)).
    Images,
}

/// The live projector outputs. Needs [`DreamloomPlugin`](crate::piece::DreamloomPlugin) (the
/// shaders) and Bevy's render plugins; the piece's camera (the one with a [`CameraRig`]) is
/// turned to the wide frame, whenever it is spawned.
pub struct ProjectorsPlugin {
    /// The layout file to follow.
    pub path: PathBuf,
    /// The layout it held at start (checked).
    pub layout: Layout,
    /// Windows or images.
    pub targets: OutputTargets,
    /// How often the file is checked for changes ([`POLL_INTERVAL`]; zero: every frame).
    pub poll: Duration,
}

impl ProjectorsPlugin {
    /// Outputs for `file`'s layout into `targets`, following the file every [`POLL_INTERVAL`].
    #[must_use]
    pub fn new(file: LayoutFile, targets: OutputTargets) -> Self {
        Self {
            path: file.path,
            layout: file.layout,
            targets,
            poll: POLL_INTERVAL,
        }
    }
}

impl Plugin for ProjectorsPlugin {
    fn build(&self, app: &mut App) {
        let wide = app
            .world_mut()
            .get_resource_mut::<Assets<Image>>()
            .expect("ProjectorsPlugin needs Bevy's render plugins (images)")
            .add(frame_image(self.layout.full_size()));
        app.add_plugins(MaterialPlugin::<ProjectorMaterial>::default())
            .insert_resource(Projectors {
                layout: self.layout.clone(),
                calibrate: false,
            })
            .insert_resource(ProjectorStatus {
                path: self.path.clone(),
                last_error: None,
            })
            .insert_resource(ProjectorOutputs {
                wide,
                targets: self.targets,
                outputs: Vec::new(),
                shown: None,
            })
            .insert_resource(LayoutWatch {
                timer: Timer::new(self.poll, TimerMode::Repeating),
                seen: file_stamp(&self.path),
                monitors: None,
            })
            // In `Startup`, so that output 0's camera is there when the overlay picks its target
            // (`PostStartup`).
            .add_systems(Startup, show_layout)
            .add_systems(
                Update,
                (
                    poll_layout_file,
                    show_layout.run_if(resource_changed::<Projectors>),
                    aim_piece_cameras,
                )
                    .chain()
                    .in_set(AppSystems::ReadInput),
            );
        if matches!(self.targets, OutputTargets::Windows { .. }) {
            app.add_systems(Update, check_monitors.in_set(AppSystems::ReadInput));
        }
    }
}

/// The layout on show and how it is shown. The file's reloads and the tuning panel change it;
/// the outputs follow.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Projectors {
    /// The layout on show: the file's last good one, with the panel's edits.
    pub layout: Layout,
    /// Each output shows the calibration grid instead of the picture.
    pub calibrate: bool,
}

/// What the layout file last said.
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct ProjectorStatus {
    /// The layout file followed.
    pub path: PathBuf,
    /// Why its last change was refused (or why the layout does not fit this machine's monitors),
    /// naming the field; `None` when the file is what is shown.
    pub last_error: Option<String>,
}

/// Marks the camera of output 0, which shares the primary window with the overlay.
#[derive(Component, Debug, Default)]
pub struct FirstOutput;

/// Marks an output's camera and quad, with its index in the layout.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectorOutput(pub usize);

/// The wide frame and what each output is drawn with.
#[derive(Resource, Debug)]
pub struct ProjectorOutputs {
    wide: Handle<Image>,
    targets: OutputTargets,
    outputs: Vec<SpawnedOutput>,
    /// The layout the outputs were spawned for.
    shown: Option<Layout>,
}

impl ProjectorOutputs {
    /// The wide frame the piece's camera renders into.
    #[must_use]
    pub fn wide(&self) -> &Handle<Image> {
        &self.wide
    }

    /// Each output's image, left to right (empty when the outputs are windows).
    #[must_use]
    pub fn images(&self) -> Vec<Handle<Image>> {
        self.outputs
            .iter()
            .filter_map(|o| o.image.clone())
            .collect()
    }

    /// The outputs' cameras, left to right.
    #[must_use]
    pub fn cameras(&self) -> Vec<Entity> {
        self.outputs.iter().map(|o| o.camera).collect()
    }
}

#[derive(Debug)]
struct SpawnedOutput {
    camera: Entity,
    quad: Entity,
    /// Its own window (outputs past the first, as windows).
    window: Option<Entity>,
    /// Its image (headless).
    image: Option<Handle<Image>>,
    material: Handle<ProjectorMaterial>,
}

/// The window of output `spec`: on its monitor, borderless fullscreen there when `fullscreen`,
/// otherwise a window of its size (in physical pixels); titled with its name. Used for the
/// primary window too (output 0).
#[must_use]
pub fn output_window(spec: &OutputSpec, fullscreen: bool) -> Window {
    let monitor = MonitorSelection::Index(spec.monitor);
    Window {
        title: format!("Dreamloom — {}", spec.name),
        mode: if fullscreen {
            WindowMode::BorderlessFullscreen(monitor)
        } else {
            WindowMode::Windowed
        },
        position: WindowPosition::Centered(monitor),
        resolution: WindowResolution::new(spec.size.0, spec.size.1).with_scale_factor_override(1.0),
        ..default()
    }
}

/// Following the layout file.
#[derive(Resource, Debug)]
struct LayoutWatch {
    timer: Timer,
    /// The file as last read.
    seen: Option<FileStamp>,
    /// How many monitors this machine has, once the window system has said.
    monitors: Option<usize>,
}

/// The piece's camera renders into the wide frame: once it is spawned (before the plugin was
/// added, as a headless renderer's, or after, as the viewer's), and again whenever the frame is
/// made anew at another size.
fn aim_piece_cameras(
    mut cameras: Query<&mut RenderTarget, (With<CameraRig>, With<Camera>)>,
    outputs: Res<ProjectorOutputs>,
) {
    for mut target in &mut cameras {
        if target.as_image() != Some(&outputs.wide) {
            *target = RenderTarget::Image(outputs.wide.clone().into());
        }
    }
}

/// Checks the layout file about once every poll interval; a change is loaded and, if sound,
/// shown; if not, the last good layout stays and the status says why.
fn poll_layout_file(
    time: Res<Time<Real>>,
    mut watch: ResMut<LayoutWatch>,
    mut projectors: ResMut<Projectors>,
    mut status: ResMut<ProjectorStatus>,
) {
    watch.timer.tick(time.delta());
    if !watch.timer.just_finished() {
        return;
    }
    // A file that goes away is said once (its stamp is then `None` until it comes back).
    let stamp = file_stamp(&status.path);
    if stamp == watch.seen {
        return;
    }
    watch.seen = stamp;
    let loaded = Layout::load(&status.path, watch.monitors);
    match reload(&projectors.layout, loaded) {
        Reload::Same => status.last_error = None,
        Reload::Apply(layout) => {
            info!(
                "projector layout {} reloaded: {} outputs, one view of {}×{}",
                status.path.display(),
                layout.outputs.len(),
                layout.full_size().x,
                layout.full_size().y
            );
            projectors.layout = layout;
            status.last_error = None;
        }
        Reload::Refused(error) => {
            warn!(
                "the projector layout {} is refused, the last good one stays: {error}",
                status.path.display()
            );
            status.last_error = Some(error);
        }
    }
}

/// Once the window system has said how many monitors there are, checks that every output's
/// monitor is one of them (and from then on, every reload).
fn check_monitors(
    monitors: Query<(), With<Monitor>>,
    mut watch: ResMut<LayoutWatch>,
    projectors: Res<Projectors>,
    mut status: ResMut<ProjectorStatus>,
) {
    if watch.monitors.is_some() {
        return;
    }
    let count = monitors.iter().count();
    if count == 0 {
        return;
    }
    watch.monitors = Some(count);
    if let Err(error) = projectors.layout.check(Some(count)) {
        error!(
            "the projector layout {} does not fit this machine: {error}",
            status.path.display()
        );
        status.last_error = Some(error.to_string());
    }
}

/// Shows [`Projectors`]: the wide frame at the layout's size; the outputs' materials updated,
/// or, when the outputs themselves changed (their number, names, monitors or sizes), every
/// output's camera, quad and window or image made again.
fn show_layout(
    mut commands: Commands,
    projectors: Res<Projectors>,
    mut outputs: ResMut<ProjectorOutputs>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<ProjectorMaterial>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut primary: Query<&mut Window, With<PrimaryWindow>>,
) {
    let Projectors { layout, calibrate } = &*projectors;
    let full = layout.full_size();
    // A new frame at a new size, not new contents under the old handle: a material keeps the
    // texture it was prepared with, and one given a new frame is prepared again once that frame
    // is on the GPU. The piece's camera follows in `aim_piece_cameras`.
    if images.get(&outputs.wide).map(Image::size) != Some(full) {
        outputs.wide = images.add(frame_image(full));
    }
    if outputs
        .shown
        .as_ref()
        .is_some_and(|shown| same_outputs(shown, layout))
    {
        for (index, output) in outputs.outputs.iter().enumerate() {
            let wanted = ProjectorMaterial {
                projector: ProjectorUniform::new(layout, index, *calibrate),
                frame: outputs.wide.clone(),
            };
            if let Some(mut material) = materials.get_mut(&output.material)
                && *material != wanted
            {
                *material = wanted;
            }
        }
    } else {
        for old in outputs.outputs.drain(..) {
            commands.entity(old.camera).despawn();
            commands.entity(old.quad).despawn();
            // The viewer's outputs may have been closed already.
            if let Some(window) = old.window {
                commands.entity(window).try_despawn();
            }
        }
        // Output 0 is the main window, made once at start: moved and sized to the layout's
        // output 0 when a reload changes it.
        if let OutputTargets::Windows { fullscreen } = outputs.targets
            && outputs.shown.is_some()
            && let Ok(mut window) = primary.single_mut()
        {
            let wanted = output_window(&layout.outputs[0], fullscreen);
            window.title = wanted.title;
            window.mode = wanted.mode;
            window.position = wanted.position;
            window.resolution = wanted.resolution;
        }
        let quad = meshes.add(Rectangle::new(2.0, 2.0));
        let spawned: Vec<SpawnedOutput> = (0..layout.outputs.len())
            .map(|index| {
                let material = materials.add(ProjectorMaterial {
                    projector: ProjectorUniform::new(layout, index, *calibrate),
                    frame: outputs.wide.clone(),
                });
                spawn_output(
                    &mut commands,
                    &mut images,
                    &layout.outputs[index],
                    index,
                    outputs.targets,
                    &quad,
                    material,
                )
            })
            .collect();
        outputs.outputs = spawned;
    }
    outputs.shown = Some(layout.clone());
}

/// Output `index`'s target (window or image), its quad and its camera.
fn spawn_output(
    commands: &mut Commands,
    images: &mut Assets<Image>,
    spec: &OutputSpec,
    index: usize,
    targets: OutputTargets,
    quad: &Handle<Mesh>,
    material: Handle<ProjectorMaterial>,
) -> SpawnedOutput {
    let (target, window, image) = match targets {
        OutputTargets::Windows { .. } if index == 0 => {
            (RenderTarget::Window(WindowRef::Primary), None, None)
        }
        OutputTargets::Windows { fullscreen } => {
            let window = commands
                .spawn((
                    Name::new(format!("Projector window {}", spec.name)),
                    output_window(spec, fullscreen),
                    // On the walls (the kiosk's fullscreen outputs) no pointer is shown.
                    CursorOptions {
                        visible: !fullscreen,
                        ..default()
                    },
                ))
                .id();
            (
                RenderTarget::Window(WindowRef::Entity(window)),
                Some(window),
                None,
            )
        }
        OutputTargets::Images => {
            let image = images.add(frame_image(UVec2::new(spec.size.0, spec.size.1)));
            (RenderTarget::Image(image.clone().into()), None, Some(image))
        }
    };
    let layer = RenderLayers::layer(PROJECTOR_LAYER_BASE + index);
    let quad = commands
        .spawn((
            Name::new(format!("Projector quad {}", spec.name)),
            Mesh3d(quad.clone()),
            MeshMaterial3d(material.clone()),
            NoFrustumCulling,
            layer.clone(),
            ProjectorOutput(index),
        ))
        .id();
    let mut camera = commands.spawn((
        Name::new(format!("Projector {}", spec.name)),
        Camera3d::default(),
        Camera {
            order: FIRST_OUTPUT_ORDER.saturating_add_unsigned(index),
            clear_color: ClearColorConfig::Custom(Color::BLACK),
            ..default()
        },
        target,
        // The wide frame is tonemapped already; the quad writes final linear colours, which the
        // sRGB target encodes. No dither, no MSAA: one opaque quad, pixel for pixel.
        Tonemapping::None,
        DebandDither::Disabled,
        Msaa::Off,
        layer,
        ProjectorOutput(index),
    ));
    if index == 0 {
        camera.insert(FirstOutput);
    }
    SpawnedOutput {
        camera: camera.id(),
        quad,
        window,
        image,
        material,
    }
}

/// Two outputs sharing 64 pixels, the right one on monitor 1 and corner-pinned: the unit tests'
/// layout.
#[cfg(test)]
const TWO_FOR_TESTS: &str = r#"(outputs: [
    (name: "left", size: (320, 180), overlap: 64),
    (name: "right", monitor: 1, size: (320, 180),
     corners: Some(((0.04, 0.02), (0.97, 0.0), (1.0, 0.96), (0.0, 1.0)))),
])"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_window_goes_to_its_monitor() {
        let layout = Layout::parse(TWO_FOR_TESTS, None).unwrap();
        let window = output_window(&layout.outputs[1], true);
        assert_eq!(window.title, "Dreamloom — right");
        assert_eq!(
            window.mode,
            WindowMode::BorderlessFullscreen(MonitorSelection::Index(1))
        );
        let window = output_window(&layout.outputs[1], false);
        assert_eq!(window.mode, WindowMode::Windowed);
        assert_eq!(window.resolution.physical_width(), 320);
    }
}
