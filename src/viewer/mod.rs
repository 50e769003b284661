//! The desktop viewer: the piece in a window, orbit and zoom with the mouse, and threads a visitor
//! can read: hover one to see its dream and origin; `--find CODE` flies to one.

use bevy::{
    input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit},
    prelude::*,
    window::PrimaryWindow,
};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::overlay::words::{WordsLook, shaped};
use crate::{
    camera::{CameraRig, DISTANCE_RANGE, PITCH_LIMIT, camera_bundle},
    clock::DreamClock,
    desktop::{Attendance, WINDOW_TITLE, windowed_app},
    immersive::{Immersive, RigProjection},
    metrics::MetricsPlugin,
    narrative::{Narrative, NarrativeArchive, NarrativeId},
    osc::OscPlugin,
    overlay::OverlayTarget,
    palette::palette_for_origin,
    piece::PieceSettings,
    projectors::{self, LayoutFile, OutputTargets, ProjectorsPlugin},
    protocol::{DiversityHistory, ShowPlaying, diversity::Diversity, policy::CouncilPolicy},
    schedule::AppSystems,
    tuning::{self, PresetFilePlugin, ShaderWatchPlugin, StillsFolder, panel::TuningPanel},
    weave::{
        CloakShape, Focus, Loom, Voice, Voices, cloak_uniform, loom::WARP_THREADS,
        pick::pick_thread,
    },
};

/// How the viewer starts.
pub struct ViewerSettings {
    /// Seed, narratives, look, show and store.
    pub piece: PieceSettings,
    /// A narrative to find: the camera flies to its thread, which stands out, and its card shows
    /// the dream and its origin.
    pub find: Option<NarrativeId>,
    /// A preset file to follow: edits to it change the look while the viewer runs.
    pub preset_file: Option<std::path::PathBuf>,
    /// Open the tuning panel at start (`dreamloom tune`).
    pub tune: bool,
    /// The data folder: saved looks go in `presets/`, F12 stills in `stills/`.
    pub data_dir: std::path::PathBuf,
    /// Serve `/metrics` and `/healthz` on this address.
    pub metrics: Option<std::net::SocketAddr>,
    /// OSC show control (`--osc-listen`, `--osc-send`), if asked for.
    pub osc: Option<OscPlugin>,
    /// A dome or a panorama instead of the flat view (`--projection`).
    pub projection: Option<Immersive>,
    /// A projector layout (`--outputs`): each output in a window of its own (output 0 in the
    /// viewer's), the file followed while the viewer runs.
    pub outputs: Option<LayoutFile>,
}

/// Opens the viewer window and runs until it is closed.
#[must_use]
pub fn run(settings: ViewerSettings) -> AppExit {
    let ViewerSettings {
        piece,
        find,
        preset_file,
        tune,
        data_dir,
        metrics,
        osc,
        projection,
        outputs,
    } = settings;
    let window = match &outputs {
        Some(file) => projectors::output_window(&file.layout.outputs[0], false),
        None => Window {
            title: WINDOW_TITLE.into(),
            ..default()
        },
    };
    let mut app = match windowed_app(window, Attendance::Attended) {
        Ok(app) => app,
        Err(exit) => return exit,
    };
    app.add_plugins(plugin);
    if let Some(file) = outputs {
        eprintln!(
            "dreamloom: {} outputs from {} (followed for edits)",
            file.layout.outputs.len(),
            file.path.display()
        );
        app.add_plugins(ProjectorsPlugin::new(
            file,
            OutputTargets::Windows { fullscreen: false },
        ));
    }
    if let Some(listen) = metrics {
        app.add_plugins(MetricsPlugin::new(listen));
    }
    start_piece(&mut app, piece, find);
    if let Some(projection) = projection {
        app.insert_resource(RigProjection(projection));
    }
    if let Some(path) = preset_file {
        app.add_plugins(PresetFilePlugin { path });
    }
    if let Some(osc) = osc {
        app.add_plugins(osc);
    }
    // Run from a checkout, the viewer follows the WGSL in shaders/: edit a shader, see it.
    let shaders = std::path::PathBuf::from("shaders");
    if shaders.join("thread.wgsl").is_file() {
        eprintln!(
            "dreamloom: following {} for shader edits",
            shaders.display()
        );
        app.add_plugins(ShaderWatchPlugin { dir: shaders });
    }
    app.insert_resource(TuningPanel::new(data_dir.join("presets"), tune))
        .insert_resource(StillsFolder(data_dir.join("stills")));
    app.run()
}

/// The piece as the viewer starts it: `piece`, and the thread asked for with `--find`, which the
/// camera flies to once it is woven (a card then shows its dream). Unattended, the show is told
/// by the cloak alone: the meter waits for its key.
pub fn start_piece(app: &mut App, piece: PieceSettings, find: Option<NarrativeId>) {
    if piece.show {
        app.insert_resource(MeterVisible(false));
    }
    piece.apply(app);
    app.insert_resource(Focus(find));
}

/// The viewer's own systems, on top of [`DreamloomPlugin`](crate::piece::DreamloomPlugin):
/// reading threads, the studio's keys and panels, `D` for the meter.
pub fn plugin(app: &mut App) {
    app.add_plugins((reading_plugin, tuning::studio_plugin))
        .init_resource::<MeterKey>()
        .add_systems(Update, toggle_meter.in_set(AppSystems::ReadInput));
}

/// The `D` key shows and hides the meter (the viewer's, not the kiosk's: visitors type there).
#[derive(Resource, Debug, Default)]
struct MeterKey;

/// The piece as visitors meet it, in the viewer and on the kiosk: the camera and its overlay,
/// orbit and zoom, threads to hover and read (their words appear along them), the found thread's
/// card, the diversity meter. Needs the overlay (`overlay::plugin`, which the windowed start-up
/// adds).
pub fn reading_plugin(app: &mut App) {
    app.init_resource::<HoveredThread>()
        .init_resource::<PointerOnPanel>()
        .init_resource::<MeterVisible>()
        .init_resource::<Voices>()
        .add_systems(Startup, spawn_viewer_camera)
        .add_systems(
            Update,
            (orbit_with_mouse, (hover_thread, voice_hovered).chain()).in_set(AppSystems::ReadInput),
        )
        .add_systems(
            EguiPrimaryContextPass,
            (show_thread_panels, show_diversity_meter),
        );
}

/// Whether the diversity meter is shown (toggle with `D` in the viewer; the kiosk shows it
/// while nobody is writing).
#[derive(Resource, Debug)]
pub struct MeterVisible(pub bool);

impl Default for MeterVisible {
    fn default() -> Self {
        Self(true)
    }
}

fn toggle_meter(keys: Res<ButtonInput<KeyCode>>, mut visible: ResMut<MeterVisible>) {
    if keys.just_pressed(KeyCode::KeyD) {
        visible.0 = !visible.0;
    }
}

/// The diversity meter: what the protocol is doing to the cloak's variety, over time.
fn show_diversity_meter(
    mut contexts: EguiContexts,
    visible: Res<MeterVisible>,
    history: Res<DiversityHistory>,
    policy: Res<CouncilPolicy>,
    show: Option<Res<ShowPlaying>>,
    clock: Res<DreamClock>,
    meter_key: Option<Res<MeterKey>>,
) -> Result {
    if !visible.0 {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Window::new("Diversity")
        .anchor(egui::Align2::RIGHT_BOTTOM, [-16.0, -16.0])
        .resizable(false)
        .collapsible(true)
        .show(ctx, |ui| {
            let phase = show
                .as_ref()
                .map(|s| s.0.phase_at(clock.seconds).0.name.clone());
            ui.label(match phase {
                Some(name) => format!("{name} — protocol {}", policy.mode.as_str()),
                None => format!("protocol {}", policy.mode.as_str()),
            });
            let lines: [(&str, egui::Color32, fn(&Diversity) -> f32); 3] = [
                ("origins", egui::Color32::from_rgb(120, 200, 255), |d| {
                    d.origin_entropy
                }),
                ("hues", egui::Color32::from_rgb(255, 170, 90), |d| {
                    d.hue_entropy
                }),
                ("sameness", egui::Color32::from_rgb(200, 200, 200), |d| {
                    d.homogenisation
                }),
            ];
            let (response, painter) =
                ui.allocate_painter(egui::vec2(260.0, 90.0), egui::Sense::hover());
            let rect = response.rect;
            painter.rect_filled(rect, 2.0, egui::Color32::from_black_alpha(90));
            let shown: Vec<&Diversity> = history.readings.iter().rev().take(240).rev().collect();
            for (_, colour, value) in &lines {
                let points: Vec<egui::Pos2> = shown
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let x = rect.left() + rect.width() * i as f32 / 239.0;
                        let y = rect.bottom() - rect.height() * value(d).clamp(0.0, 1.0);
                        egui::pos2(x, y)
                    })
                    .collect();
                painter.add(egui::Shape::line(points, egui::Stroke::new(1.5, *colour)));
            }
            if let Some(last) = history.readings.back() {
                ui.horizontal(|ui| {
                    for (name, colour, value) in &lines {
                        ui.colored_label(*colour, format!("{name} {:.2}", value(last)));
                    }
                });
                ui.small(format!(
                    "{} visible · {} dissolved · {} in the Sanctuary",
                    last.visible, last.dissolved, last.sanctuary_visible
                ));
                // Each origin's share of the visible threads, as a bar in its own colour.
                let (bar, painter) =
                    ui.allocate_painter(egui::vec2(260.0, 10.0), egui::Sense::hover());
                let mut x = bar.rect.left();
                for share in &last.origin_shares {
                    let width = bar.rect.width() * share.share;
                    let [r, g, b, _] =
                        Srgba::from(palette_for_origin(&share.origin).primary).to_u8_array();
                    painter.rect_filled(
                        egui::Rect::from_min_size(
                            egui::pos2(x, bar.rect.top()),
                            egui::vec2(width, bar.rect.height()),
                        ),
                        0.0,
                        egui::Color32::from_rgb(r, g, b),
                    );
                    x += width;
                }
            }
            if meter_key.is_some() {
                ui.small("D hides this meter");
            }
        });
    Ok(())
}

/// The narrative whose thread is under the pointer.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct HoveredThread(pub Option<(NarrativeId, Vec2)>);

/// Whether the pointer is over a panel, so that dragging there does not swing the camera.
#[derive(Resource, Debug, Default)]
struct PointerOnPanel(bool);

/// Pixels from a thread's centre line within which the pointer reads it.
const HOVER_RADIUS: f32 = 7.0;

fn spawn_viewer_camera(
    mut commands: Commands,
    clock: Res<DreamClock>,
    projection: Option<Res<RigProjection>>,
) {
    let mut camera = commands.spawn((
        camera_bundle(CameraRig::default(), clock.seconds),
        OverlayTarget,
    ));
    if let Some(projection) = projection {
        camera.insert(projection.0);
    }
}

/// Finds the thread under the pointer when the pointer moves.
fn hover_thread(
    windows: Query<&Window, With<PrimaryWindow>>,
    // A dome's or a panorama's pixels are not the camera's perspective: nothing to pick there.
    cameras: Query<(&Camera, &GlobalTransform), (With<CameraRig>, Without<Immersive>)>,
    loom: Res<Loom>,
    shape: Res<CloakShape>,
    clock: Res<DreamClock>,
    on_panel: Res<PointerOnPanel>,
    mut hovered: ResMut<HoveredThread>,
    mut last_cursor: Local<Option<Vec2>>,
) {
    let cursor = windows.iter().next().and_then(Window::cursor_position);
    if cursor == *last_cursor {
        return;
    }
    *last_cursor = cursor;
    let (Some(cursor), Some((camera, camera_transform))) = (cursor, cameras.iter().next()) else {
        hovered.0 = None;
        return;
    };
    if on_panel.0 {
        return;
    }
    let (cloak, entries) = cloak_uniform(&loom, &shape, clock.seconds);
    let project = |p: Vec3| camera.world_to_viewport(camera_transform, p).ok();
    hovered.0 = pick_thread(&cloak, &entries, cursor, HOVER_RADIUS, project).and_then(|pick| {
        let thread = loom.threads().get(pick.entry - WARP_THREADS as usize)?;
        Some((thread.id, cursor))
    });
}

/// The thread under the pointer or finger speaks: its words appear along it while it is read.
fn voice_hovered(hovered: Res<HoveredThread>, mut voices: ResMut<Voices>) {
    if !hovered.is_changed() {
        return;
    }
    let id = hovered.0.map(|(id, _)| id);
    if voices.bypass_change_detection().set(Voice::Read, id) {
        voices.set_changed();
    }
}

/// The hovered thread's dream beside the pointer; the found thread's in the corner.
fn show_thread_panels(
    mut contexts: EguiContexts,
    hovered: Res<HoveredThread>,
    focus: Res<Focus>,
    archive: Res<NarrativeArchive>,
    mut on_panel: ResMut<PointerOnPanel>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let find = |id: NarrativeId| archive.narratives.iter().find(|n| n.id == id);
    if let Some(narrative) = focus.0.and_then(find) {
        egui::Window::new("Your thread")
            .anchor(egui::Align2::LEFT_TOP, [16.0, 16.0])
            .resizable(false)
            .collapsible(true)
            .show(ctx, |ui| narrative_card(ui, narrative));
    }
    if let Some((narrative, cursor)) = hovered.0.and_then(|(id, at)| Some((find(id)?, at))) {
        egui::Area::new(egui::Id::new("hovered thread"))
            .fixed_pos([cursor.x + 18.0, cursor.y + 18.0])
            .order(egui::Order::Tooltip)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| narrative_card(ui, narrative));
            });
    }
    on_panel.0 = ctx.is_pointer_over_egui() || ctx.egui_wants_pointer_input();
    Ok(())
}

/// A narrative as a visitor reads it: origin in its thread's colour, the dream, the consent.
fn narrative_card(ui: &mut egui::Ui, narrative: &Narrative) {
    ui.set_max_width(360.0);
    let [r, g, b, _] = Srgba::from(palette_for_origin(&narrative.origin).primary).to_u8_array();
    // The visitor's own words, shaped: joined, in their direction, in their script's font.
    shaped(
        ui,
        &narrative.origin,
        WordsLook::new(17.0, egui::Color32::from_rgb(r, g, b)).wrapped(360.0),
    );
    shaped(
        ui,
        &narrative.text,
        WordsLook::new(16.0, ui.visuals().text_color()).wrapped(360.0),
    );
    let mut notes = Vec::new();
    if let Some(language) = &narrative.language {
        notes.push(format!("language: {language}"));
    }
    if narrative.consent.sanctuary {
        notes.push("protected in the Sanctuary".to_owned());
    }
    if !notes.is_empty() {
        ui.small(notes.join(" · "));
    }
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
