//! Several projectors, live: the piece's camera renders one wide frame and each output's camera
//! takes its slice, edge-blended and corner-pinned on the GPU (`shaders/projector.wgsl`) — which
//! must be what `outputs::finish_output` makes of the same frame on the CPU. And the layout file
//! is followed while the piece runs: a change with a mistake is refused (the last good layout
//! stays, the error names the field), a sound one is shown.
//!
//! They need a Vulkan adapter (lavapipe is enough) and are skipped without one unless
//! `DREAMLOOM_REQUIRE_GPU=1`.

use std::{
    path::Path,
    time::{Duration, SystemTime},
};

use bevy::{math::DVec2, prelude::*};
use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    narrative::synthetic::synthetic_narratives,
    outputs::{Layout, apply, finish_output, homography},
    projectors::{
        LayoutFile, OutputTargets, POLL_INTERVAL, ProjectorOutputs, ProjectorStatus, Projectors,
        ProjectorsPlugin,
    },
    testing::{TempDir, frame_stats, gpu_available, keep, one_renderer_at_a_time},
};
use image::RgbaImage;

/// Two outputs sharing 64 pixels; the right one corner-pinned.
const TWO: &str = r#"(outputs: [
    (name: "left", size: (320, 180), overlap: 64),
    (name: "right", monitor: 1, size: (320, 180),
     corners: Some(((0.04, 0.02), (0.97, 0.0), (1.0, 0.96), (0.0, 1.0)))),
])"#;

/// Three outputs, each sharing 40 pixels with the next; the middle one corner-pinned.
const THREE: &str = r#"(outputs: [
    (name: "a", size: (200, 180), overlap: 40),
    (name: "b", size: (200, 180), overlap: 40,
     corners: Some(((0.0, 0.03), (1.0, 0.0), (0.98, 1.0), (0.03, 0.97)))),
    (name: "c", size: (200, 180)),
])"#;

/// The piece (the scene of `tests/outputs.rs`) with the projectors of the layout at `path`, each
/// output an image, the file checked every `poll`.
fn renderer_for(path: &Path, poll: Duration) -> HeadlessRenderer {
    let file = LayoutFile::load(path).expect("a good layout");
    let settings = StillSettings {
        width: 64,
        height: 36,
        seed: 3,
        seconds: 9.0,
    };
    HeadlessRenderer::new_with(&settings, synthetic_narratives(30, 3), move |app| {
        app.add_plugins(ProjectorsPlugin {
            poll,
            ..ProjectorsPlugin::new(file, OutputTargets::Images)
        });
    })
    .expect("the piece renders")
}

/// The wide frame and each output's frame, all from one frame.
fn capture(renderer: &mut HeadlessRenderer) -> (RgbaImage, Vec<RgbaImage>) {
    let outputs = renderer.world().resource::<ProjectorOutputs>();
    let mut targets = vec![outputs.wide().clone()];
    targets.extend(outputs.images());
    let mut frames = renderer.capture_images(&targets).expect("captured");
    let wide = frames.remove(0);
    (wide, frames)
}

/// What `finish_output` makes of output `index`'s slice of `wide`.
fn on_the_cpu(layout: &Layout, index: usize, wide: &RgbaImage) -> RgbaImage {
    let (width, height) = layout.outputs[index].size;
    let slice = image::imageops::crop_imm(wide, layout.offset_of(index), 0, width, height);
    finish_output(layout, index, &slice.to_image())
}

/// How far apart two frames are, in 1/255 of a channel, on average.
fn mean_apart(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .pixels()
        .zip(b.pixels())
        .map(|(p, q)| (0..3).map(|c| u64::from(p[c].abs_diff(q[c]))).sum::<u64>())
        .sum();
    sum as f64 / (f64::from(a.width()) * f64::from(a.height()) * 3.0)
}

/// How far apart two frames of output `index` are, in 1/255 of a channel: on average over every
/// pixel, and at most over the pixels more than 1.5 pixels inside the pinned frame's edge (at the
/// edge, f32 on the GPU and f64 on the CPU may put a pixel centre on either side: black or not).
fn apart(layout: &Layout, index: usize, gpu: &RgbaImage, cpu: &RgbaImage) -> (f64, u8) {
    let (w, h) = (f64::from(gpu.width()), f64::from(gpu.height()));
    let inverse = layout.outputs[index]
        .corners
        .map(|corners| homography(&corners).inverse());
    let inside = |x: u32, y: u32| {
        inverse.is_none_or(|inverse| {
            let at = DVec2::new((f64::from(x) + 0.5) / w, (f64::from(y) + 0.5) / h);
            let source = apply(&inverse, at);
            let margin = (source.x * w)
                .min((1.0 - source.x) * w)
                .min(source.y * h)
                .min((1.0 - source.y) * h);
            margin > 1.5
        })
    };
    let max = gpu
        .enumerate_pixels()
        .filter(|(x, y, _)| inside(*x, *y))
        .flat_map(|(x, y, pixel)| {
            let other = cpu.get_pixel(x, y);
            (0..3).map(move |c| pixel[c].abs_diff(other[c]))
        })
        .max()
        .unwrap_or(0);
    (mean_apart(gpu, cpu), max)
}

/// Writes `text` to `path` and dates it `ahead` seconds from now, so that the change is seen
/// whatever the file system's clock resolution.
fn rewrite(path: &Path, text: &str, ahead: u64) {
    std::fs::write(path, text).expect("layout written");
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now() + Duration::from_secs(ahead)))
        .expect("layout dated");
}

/// Each output of `layout` as rendered is what `finish_output` makes of the wide frame: under
/// 1.5/255 apart on average and at most 4/255 away from the pinned edges.
fn assert_outputs_match(layout: &Layout, wide: &RgbaImage, outputs: &[RgbaImage], label: &str) {
    let full = layout.full_size();
    assert_eq!(wide.dimensions(), (full.x, full.y));
    assert_eq!(outputs.len(), layout.outputs.len());
    for (index, gpu) in outputs.iter().enumerate() {
        let name = &layout.outputs[index].name;
        keep(gpu, &format!("projectors_{label}_{name}.png"));
        let cpu = on_the_cpu(layout, index, wide);
        let (mean, max) = apart(layout, index, gpu, &cpu);
        eprintln!("{label} {name}: {mean:.3}/255 apart on average, {max}/255 at most");
        assert!(
            mean < 1.5,
            "{label} {name}: the GPU's output is {mean:.2}/255 from finish_output's on average"
        );
        assert!(
            max <= 4,
            "{label} {name}: the GPU's output is {max}/255 from finish_output's somewhere"
        );
    }
}

#[test]
fn each_output_on_the_gpu_is_what_finish_output_makes_of_the_wide_frame() {
    if !gpu_available("each_output_on_the_gpu_is_what_finish_output_makes_of_the_wide_frame") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("projectors-live");
    let path = dir.path().join("wall.ron");
    std::fs::write(&path, TWO).expect("layout written");
    let layout = Layout::load(&path, None).expect("a good layout");
    let mut renderer = renderer_for(&path, POLL_INTERVAL);
    let (wide, outputs) = capture(&mut renderer);
    keep(&wide, "projectors_two_wide.png");
    assert_outputs_match(&layout, &wide, &outputs, "two");

    // The comparison can fail: the right output is far from the same slice without its pin…
    let mut unpinned = layout.clone();
    unpinned.outputs[1].corners = None;
    let (right, _) = apart(&layout, 1, &outputs[1], &on_the_cpu(&layout, 1, &wide));
    let (wrong, _) = apart(&layout, 1, &outputs[1], &on_the_cpu(&unpinned, 1, &wide));
    assert!(
        wrong > 2.0 && wrong > 4.0 * right,
        "without its pin the right output is only {wrong:.2}/255 off (with it: {right:.2})"
    );
    // …and the left one from the same slice without its blend, across the overlap.
    let mut unblended = layout.clone();
    unblended.outputs[0].overlap = 0;
    let overlap = |image: &RgbaImage| image::imageops::crop_imm(image, 256, 0, 64, 180).to_image();
    let wrong = mean_apart(
        &overlap(&outputs[0]),
        &overlap(&on_the_cpu(&unblended, 0, &wide)),
    );
    assert!(
        wrong > 2.0,
        "without its blend the left output's overlap is only {wrong:.2}/255 off"
    );
}

#[test]
fn the_layout_file_is_followed_and_a_mistake_keeps_the_last_good_layout() {
    if !gpu_available("the_layout_file_is_followed_and_a_mistake_keeps_the_last_good_layout") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("projectors-reload");
    let path = dir.path().join("wall.ron");
    std::fs::write(&path, TWO).expect("layout written");
    let first = Layout::load(&path, None).expect("a good layout");
    let mut renderer = renderer_for(&path, Duration::ZERO);

    // A mistake: the left output's overlap wider than the output.
    rewrite(&path, &TWO.replace("overlap: 64", "overlap: 400"), 2);
    for _ in 0..2 {
        renderer.frame().expect("a frame");
    }
    let world = renderer.world();
    assert_eq!(
        world.resource::<Projectors>().layout,
        first,
        "the last good layout stays"
    );
    let error = world
        .resource::<ProjectorStatus>()
        .last_error
        .clone()
        .expect("the mistake is told");
    assert!(error.starts_with("outputs[0].overlap: 400 px"), "{error}");
    assert_eq!(
        world.resource::<ProjectorOutputs>().images().len(),
        2,
        "the outputs stay"
    );

    // A sound layout of three outputs: shown, its wide frame as wide as they make it, and each
    // output what finish_output makes of it (so none still reads the old, narrower frame).
    rewrite(&path, THREE, 4);
    for _ in 0..3 {
        renderer.frame().expect("a frame");
    }
    let three = Layout::parse(THREE, None).expect("a good layout");
    let world = renderer.world();
    assert_eq!(world.resource::<Projectors>().layout, three);
    assert_eq!(world.resource::<ProjectorStatus>().last_error, None);
    let outputs = world.resource::<ProjectorOutputs>();
    assert_eq!(outputs.images().len(), 3);
    assert_eq!(
        world
            .resource::<Assets<Image>>()
            .get(outputs.wide())
            .map(Image::size),
        Some(UVec2::new(520, 180))
    );
    let (wide, outputs) = capture(&mut renderer);
    keep(&wide, "projectors_three_wide.png");
    // The piece is drawn into the new, wider frame (a camera left on the old one would leave it
    // black, and black outputs would match it).
    let stats = frame_stats(&wide);
    assert!(
        stats.mean_luma > 0.05 && stats.sky_colours > 4,
        "the new wide frame does not show the piece: {stats:?}"
    );
    assert_outputs_match(&three, &wide, &outputs, "three");
}

#[test]
fn calibrating_each_output_shows_its_grid_border_and_centre_warped_as_the_picture() {
    if !gpu_available(
        "calibrating_each_output_shows_its_grid_border_and_centre_warped_as_the_picture",
    ) {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("projectors-calibrate");
    let path = dir.path().join("wall.ron");
    std::fs::write(&path, TWO).expect("layout written");
    let layout = Layout::load(&path, None).expect("a good layout");
    let mut renderer = renderer_for(&path, POLL_INTERVAL);
    renderer.world_mut().resource_mut::<Projectors>().calibrate = true;
    let (_, outputs) = capture(&mut renderer);
    let yellow = |p: &image::Rgba<u8>| p[0] > 200 && p[1] > 150 && p[2] < 100;
    let green = |p: &image::Rgba<u8>| p[1] > 200 && p[0] < 120 && p[2] < 160;
    for (index, frame) in outputs.iter().enumerate() {
        let name = &layout.outputs[index].name;
        keep(frame, &format!("projectors_calibrate_{name}.png"));
        let (w, h) = frame.dimensions();
        // Where the frame's own corners and centre land on the output, through its pin.
        let pin = layout.outputs[index].corners.map_or_else(
            || bevy::math::DMat3::IDENTITY,
            |corners| homography(&corners),
        );
        let on_output = |u: f64, v: f64| {
            let at = apply(&pin, DVec2::new(u, v));
            ((at.x * f64::from(w)) as u32, (at.y * f64::from(h)) as u32)
        };
        let (cx, cy) = on_output(0.5, 0.5);
        assert!(
            green(frame.get_pixel(cx, cy)),
            "{name}: no green cross at the centre ({cx}, {cy}): {:?}",
            frame.get_pixel(cx, cy)
        );
        // Just inside the middle of each edge of the pinned frame: the yellow border.
        for (u, v) in [(0.5, 0.006), (0.5, 0.994), (0.004, 0.5), (0.996, 0.5)] {
            let (x, y) = on_output(u, v);
            assert!(
                yellow(frame.get_pixel(x, y)),
                "{name}: no yellow border at ({x}, {y}) (frame {u}, {v}): {:?}",
                frame.get_pixel(x, y)
            );
        }
        // Grid lines: many light-grey pixels, and not the picture (no thread colours).
        let grey = frame
            .pixels()
            .filter(|p| p[0] > 120 && p[0].abs_diff(p[1]) < 12 && p[1].abs_diff(p[2]) < 12)
            .count();
        assert!(grey > 500, "{name}: only {grey} grid pixels");
    }
    // And back to the picture when calibrating ends.
    renderer.world_mut().resource_mut::<Projectors>().calibrate = false;
    let (wide, outputs) = capture(&mut renderer);
    assert_outputs_match(&layout, &wide, &outputs, "after calibrating");
}
