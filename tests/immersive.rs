//! Fulldome and 360°: a marker put in a known direction from the camera lands on the pixel the
//! projection predicts, and the borders between cube faces cannot be seen.
//!
//! These render on the GPU (lavapipe is enough) and are skipped without an adapter unless
//! `DREAMLOOM_REQUIRE_GPU=1`.

use std::collections::BTreeMap;

use bevy::prelude::*;
use dreamloom::{
    camera::{CameraRig, rig_transform},
    capture::{HeadlessRenderer, StillSettings},
    immersive::{CubeFace, Immersive, make_immersive},
    narrative::synthetic::synthetic_narratives,
    testing::{gpu_available, keep, one_renderer_at_a_time},
};
use image::RgbaImage;

const SECONDS: f32 = 40.0;
/// How far from the eye the markers float, world units: nearer than anything in the scene.
const MARKER_DISTANCE: f32 = 0.8;

/// Marks a test marker, to hide it for the frame without.
#[derive(Component)]
struct Marker;

/// The piece as `projection` shows it, `width`×`height`, with a small bright ball in each of
/// `directions` (the camera's own coordinates).
fn renderer(
    projection: Immersive,
    rig: CameraRig,
    (width, height): (u32, u32),
    narratives: usize,
    directions: &[Vec3],
) -> HeadlessRenderer {
    let settings = StillSettings {
        width,
        height,
        seed: 3,
        seconds: SECONDS,
    };
    let eye = rig_transform(&rig, SECONDS);
    let directions = directions.to_vec();
    HeadlessRenderer::new_with(
        &settings,
        synthetic_narratives(narratives, 3),
        move |app: &mut App| {
            make_immersive(app.world_mut(), projection);
            let world = app.world_mut();
            for mut camera_rig in world.query::<&mut CameraRig>().iter_mut(world) {
                *camera_rig = rig;
            }
            let ball = world
                .resource_mut::<Assets<Mesh>>()
                .add(Sphere::new(0.02).mesh().uv(16, 8));
            let glow = world
                .resource_mut::<Assets<StandardMaterial>>()
                .add(StandardMaterial {
                    base_color: Color::srgb(0.0, 1.0, 0.2),
                    unlit: true,
                    ..default()
                });
            for dir in directions {
                let at = eye.translation + eye.rotation * dir.normalize() * MARKER_DISTANCE;
                world.spawn((
                    Marker,
                    Mesh3d(ball.clone()),
                    MeshMaterial3d(glow.clone()),
                    Transform::from_translation(at),
                ));
            }
        },
    )
    .expect("the immersive renderer starts")
}

/// The frame with the markers and the frame without them.
fn with_and_without(renderer: &mut HeadlessRenderer) -> (RgbaImage, RgbaImage) {
    let with = renderer.capture().expect("frame with markers");
    let world = renderer.world_mut();
    let markers: Vec<Entity> = world
        .query_filtered::<Entity, With<Marker>>()
        .iter(world)
        .collect();
    for marker in markers {
        world.entity_mut(marker).insert(Visibility::Hidden);
    }
    let without = renderer.capture().expect("frame without markers");
    (with, without)
}

/// Centre of what the markers changed within `radius` pixels of `near`, and how many pixels.
fn changed_centre(
    with: &RgbaImage,
    without: &RgbaImage,
    near: Vec2,
    radius: f32,
) -> Option<(Vec2, usize)> {
    let (mut sum, mut weight, mut count) = (Vec2::ZERO, 0.0, 0);
    for (x, y, a) in with.enumerate_pixels() {
        let at = Vec2::new(x as f32 + 0.5, y as f32 + 0.5);
        if at.distance(near) > radius {
            continue;
        }
        let b = without.get_pixel(x, y);
        let change: f32 = (0..3)
            .map(|c| (f32::from(a[c]) - f32::from(b[c])).abs())
            .sum();
        // The ball itself, not the faint glow bloom spreads around it.
        if change > 60.0 {
            sum += at * change;
            weight += change;
            count += 1;
        }
    }
    (count > 0).then(|| (sum / weight, count))
}

/// Every marker appears where `projection` says its direction is seen, within `tolerance` px —
/// at `size`, and again after the frame is resized to `then` (the cube map follows).
fn markers_land_where_predicted(
    projection: Immersive,
    (size, then): (UVec2, UVec2),
    directions: &[Vec3],
    tolerance: f32,
    name: &str,
) {
    let _gpu = one_renderer_at_a_time();
    let mut renderer = renderer(
        projection,
        CameraRig::default(),
        (size.x, size.y),
        40,
        directions,
    );
    for (round, size) in [size, then].into_iter().enumerate() {
        if round > 0 {
            renderer.resize(size.x, size.y);
            let world = renderer.world_mut();
            let markers: Vec<Entity> = world
                .query_filtered::<Entity, With<Marker>>()
                .iter(world)
                .collect();
            for marker in markers {
                world.entity_mut(marker).insert(Visibility::Inherited);
            }
            // The faces are made anew for the new size; a frame for the material to take them.
            for _ in 0..2 {
                renderer.frame().expect("a frame");
            }
        }
        let (with, without) = with_and_without(&mut renderer);
        keep(&with, &format!("{name}_{}x{}.png", size.x, size.y));
        let scale = size.as_vec2();
        for &dir in directions {
            let predicted = projection.uv_of(dir).expect("the projection sees it") * scale;
            let (centre, pixels) =
                changed_centre(&with, &without, predicted, 24.0).unwrap_or_else(|| {
                    panic!("{name} {size}: nothing drawn near {predicted} for {dir}")
                });
            assert!(
                centre.distance(predicted) <= tolerance,
                "{name} {size}: the marker towards {dir} ({:?}) is at {centre}, {} px from \
                 {predicted} ({pixels} px)",
                CubeFace::of(dir).0,
                centre.distance(predicted)
            );
        }
    }
}

#[test]
fn markers_land_on_the_predicted_pixels_of_a_domemaster() {
    if !gpu_available("markers_land_on_the_predicted_pixels_of_a_domemaster") {
        return;
    }
    // Ahead, and on each side face, one far out towards the rim, one near a cube corner.
    markers_land_where_predicted(
        Immersive::Fisheye { degrees: 180.0 },
        (UVec2::splat(384), UVec2::splat(448)),
        &[
            Vec3::new(0.05, 0.02, -1.0),
            Vec3::new(1.0, 0.35, -0.6),
            Vec3::new(-0.9, -0.2, -0.5),
            Vec3::new(0.3, 1.0, -0.4),
            Vec3::new(-0.25, -1.0, -0.45),
            Vec3::new(0.62, 0.6, -0.58),
        ],
        1.0,
        "immersive_dome_markers",
    );
}

#[test]
fn markers_land_on_the_predicted_pixels_of_an_equirect_panorama() {
    if !gpu_available("markers_land_on_the_predicted_pixels_of_an_equirect_panorama") {
        return;
    }
    // One on each of the six faces, the back one just beside the frame's seam.
    markers_land_where_predicted(
        Immersive::Equirect,
        (UVec2::new(768, 384), UVec2::new(896, 448)),
        &[
            Vec3::new(0.1, -0.1, -1.0),
            Vec3::new(0.3, 0.25, 1.0),
            Vec3::new(1.0, -0.3, 0.2),
            Vec3::new(-1.0, 0.1, -0.35),
            Vec3::new(0.35, 1.0, 0.2),
            Vec3::new(-0.2, -1.0, 0.3),
        ],
        1.0,
        "immersive_equirect_markers",
    );
}

/// For each border between two cube faces (as the pair of faces, in [`CubeFace::ALL`]'s order),
/// the colour difference (0..255, mean over RGB) between neighbouring pixels across it, and
/// between the same pixels' neighbours just beside it, and how many pairs: each the mean of the
/// lower 90 % of its pairs, so that a few stars that happen to sit on a border (a star is a pixel
/// or two, so its neighbours differ by a lot wherever it is) do not decide it.
fn borders(frame: &RgbaImage, projection: Immersive) -> Vec<((usize, usize), f64, f64, usize)> {
    let (width, height) = frame.dimensions();
    let face = |x: u32, y: u32| {
        let uv = Vec2::new(
            (x as f32 + 0.5) / width as f32,
            (y as f32 + 0.5) / height as f32,
        );
        projection.direction(uv).map(|d| CubeFace::of(d).0.index())
    };
    let difference = |a: (u32, u32), b: (u32, u32)| -> f64 {
        let (p, q) = (frame.get_pixel(a.0, a.1), frame.get_pixel(b.0, b.1));
        (0..3).map(|c| f64::from(p[c].abs_diff(q[c]))).sum::<f64>() / 3.0
    };
    let mut pairs: BTreeMap<(usize, usize), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for y in 3..height - 4 {
        for x in 3..width - 4 {
            let Some(here) = face(x, y) else {
                continue;
            };
            // A border between x and x + 1 (or y and y + 1), the pixels two steps off it on
            // either side still on one face each.
            for (step_x, step_y) in [(1, 0), (0, 1)] {
                let next = (x + step_x, y + step_y);
                let Some(there) = face(next.0, next.1).filter(|there| *there != here) else {
                    continue;
                };
                let before = (x - 2 * step_x, y - 2 * step_y);
                let after = (x + 3 * step_x, y + 3 * step_y);
                let before_in = (x - step_x, y - step_y);
                let after_in = (x + 2 * step_x, y + 2 * step_y);
                if face(before.0, before.1) != Some(here) || face(after.0, after.1) != Some(there) {
                    continue; // a corner of three faces
                }
                let (across, beside) = pairs.entry((here.min(there), here.max(there))).or_default();
                across.push(difference((x, y), next));
                beside.push(f64::midpoint(
                    difference(before, before_in),
                    difference(after_in, after),
                ));
            }
        }
    }
    pairs
        .into_iter()
        .map(|(border, (across, beside))| {
            let count = across.len();
            (border, lower_mean(across), lower_mean(beside), count)
        })
        .collect()
}

/// Mean of the lower 90 % of `values`.
fn lower_mean(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let kept = &values[..values.len() * 9 / 10];
    kept.iter().sum::<f64>() / kept.len().max(1) as f64
}

/// The borders of `frame` along which neighbours differ more than beside them: a seam.
fn seams(frame: &RgbaImage, projection: Immersive, name: &str) -> Vec<String> {
    let found = borders(frame, projection);
    assert!(
        found.len() >= 4,
        "{name}: only {} borders found",
        found.len()
    );
    found
        .into_iter()
        .filter(|(_, _, _, pairs)| *pairs >= 40)
        .filter_map(|((a, b), across, beside, pairs)| {
            let line = format!(
                "{:?}|{:?}: {pairs} pairs differ by {across:.3}/255 across, {beside:.3}/255 beside",
                CubeFace::ALL[a],
                CubeFace::ALL[b]
            );
            eprintln!("{name}: {line}");
            (across > 1.2 * beside + 0.2).then_some(line)
        })
        .collect()
}

fn no_seam(projection: Immersive, width: u32, height: u32, name: &str) {
    let _gpu = one_renderer_at_a_time();
    // The cloak, where the light is, 45° to the right of the view and a little below it: on the
    // border of the front and right faces, so that a glow spreading there is compared across it.
    let rig = CameraRig {
        target: Vec3::new(-10.9, 0.2, 0.0),
        yaw: 0.0,
        pitch: 0.12,
        distance: 11.0,
        drift: 0.0,
    };
    let mut renderer = renderer(projection, rig, (width, height), 300, &[]);
    let frame = renderer.capture().expect("frame");
    keep(&frame, &format!("{name}.png"));
    let found = seams(&frame, projection, name);
    assert!(found.is_empty(), "{name}: seams along {found:#?}");

    // The check can fail: the same frame with the right face's light raised by 3/255 — a seam
    // along that face's borders only.
    let mut raised = frame.clone();
    let (w, h) = raised.dimensions();
    for (x, y, pixel) in raised.enumerate_pixels_mut() {
        let uv = Vec2::new((x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32);
        if projection
            .direction(uv)
            .is_some_and(|d| CubeFace::of(d).0 == CubeFace::Right)
        {
            for c in 0..3 {
                pixel[c] = pixel[c].saturating_add(3);
            }
        }
    }
    let control = seams(&raised, projection, &format!("{name} (control)"));
    assert!(
        !control.is_empty() && control.iter().all(|line| line.contains("Right")),
        "{name}: a seam of 3/255 along the right face is not found: {control:#?}"
    );
}

#[test]
fn no_seam_along_the_cube_faces_of_a_panorama() {
    if !gpu_available("no_seam_along_the_cube_faces_of_a_panorama") {
        return;
    }
    no_seam(Immersive::Equirect, 1024, 512, "immersive_equirect_seams");
}

#[test]
fn no_seam_along_the_cube_faces_of_a_dome() {
    if !gpu_available("no_seam_along_the_cube_faces_of_a_dome") {
        return;
    }
    no_seam(
        Immersive::Fisheye { degrees: 180.0 },
        640,
        640,
        "immersive_dome_seams",
    );
}

#[test]
fn a_frame_of_the_wrong_shape_is_refused_before_the_gpu() {
    let refused = |args: &[&str]| {
        let output = dreamloom::testing::dreamloom_command()
            .args(["render", "--synthetic", "3", "--out"])
            .arg(std::env::temp_dir().join("dreamloom-never-written.png"))
            .args(args)
            .output()
            .expect("dreamloom runs");
        assert_eq!(output.status.code(), Some(1), "{args:?} is refused");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let dome = refused(&["--projection", "fisheye"]);
    assert!(dome.contains("a domemaster is square"), "{dome}");
    assert!(dome.contains("1280×720"), "{dome}");
    let pano = refused(&[
        "--projection",
        "equirect",
        "--width",
        "2048",
        "--height",
        "1000",
    ]);
    assert!(pano.contains("twice as wide as high"), "{pano}");
    let angle = refused(&[
        "--projection",
        "fisheye",
        "--fov",
        "400",
        "--width",
        "512",
        "--height",
        "512",
    ]);
    assert!(angle.contains("at most 360°"), "{angle}");
    let stray = refused(&["--projection", "equirect", "--fov", "120"]);
    assert!(stray.contains("--fov is the angle of a fisheye"), "{stray}");
    let dir = dreamloom::testing::TempDir::new("immersive-layout");
    let layout = dir.path().join("layout.ron");
    std::fs::write(&layout, r#"(outputs: [(name: "a", size: (64, 36))])"#).expect("layout");
    let both = refused(&[
        "--projection",
        "equirect",
        "--outputs",
        layout.to_str().expect("utf-8"),
    ]);
    assert!(both.contains("does not go with"), "{both}");
}
