//! Several projectors, one view: the outputs of a layout are slices of one wide view — side by
//! side they are the wide render — and across an overlap their light adds up to it.
//!
//! These start the `dreamloom` binary; they need a Vulkan adapter (lavapipe is enough) and are
//! skipped without one unless `DREAMLOOM_REQUIRE_GPU=1`.

use std::path::Path;

use dreamloom::testing::{TempDir, dreamloom_command, gpu_available, one_renderer_at_a_time};
use image::RgbaImage;

const SCENE: [&str; 6] = ["--time", "9", "--synthetic", "30", "--seed", "3"];

fn render(args: &[&str]) -> std::process::Output {
    let output = dreamloom_command()
        .arg("render")
        .args(SCENE)
        .args(args)
        .output()
        .expect("dreamloom runs");
    assert!(
        output.status.success(),
        "render {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn open(path: &Path) -> RgbaImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8()
}

fn linear(c: u8) -> f64 {
    f64::from(bevy::color::Srgba::gamma_function(f32::from(c) / 255.0))
}

/// Renders the two-output `layout` and, beside it, the one view of `wide_width`×180 its outputs
/// are slices of: (the wide view, the left output, the right output).
fn wide_and_slices(
    label: &str,
    layout: &str,
    wide_width: u32,
) -> (RgbaImage, RgbaImage, RgbaImage) {
    let dir = TempDir::new(label);
    let layout_path = dir.path().join("layout.ron");
    std::fs::write(&layout_path, layout).expect("layout");
    let wide = dir.path().join("wide.png");
    render(&[
        "--width",
        &wide_width.to_string(),
        "--height",
        "180",
        "--out",
        wide.to_str().expect("utf-8"),
    ]);
    let outputs = dir.path().join("outputs");
    render(&[
        "--outputs",
        layout_path.to_str().expect("utf-8"),
        "--out",
        outputs.to_str().expect("utf-8"),
    ]);
    (
        open(&wide),
        open(&outputs.join("left.png")),
        open(&outputs.join("right.png")),
    )
}

#[test]
fn two_slices_side_by_side_are_the_wide_view() {
    if !gpu_available("two_slices_side_by_side_are_the_wide_view") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let (wide, left, right) = wide_and_slices(
        "outputs-slices",
        r#"(outputs: [
            (name: "left", size: (320, 180)),
            (name: "right", size: (320, 180)),
        ])"#,
        640,
    );
    let mut sum = 0u64;
    for (x, y, pixel) in wide.enumerate_pixels() {
        let slice = if x < 320 {
            left.get_pixel(x, y)
        } else {
            right.get_pixel(x - 320, y)
        };
        sum += (0..3)
            .map(|c| u64::from(pixel[c].abs_diff(slice[c])))
            .sum::<u64>();
    }
    let mean = sum as f64 / (640.0 * 180.0 * 3.0);
    // Each slice's bloom is its own (as each projector's would be): a little apart. A slice
    // from the wrong place of the view is tens apart.
    assert!(
        mean < 1.5,
        "the slices differ from the wide view by {mean:.2} on average"
    );
}

#[test]
fn across_an_overlap_the_two_outputs_light_adds_up_to_the_view() {
    if !gpu_available("across_an_overlap_the_two_outputs_light_adds_up_to_the_view") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let (wide, left, right) = wide_and_slices(
        "outputs-blend",
        r#"(outputs: [
            (name: "left", size: (320, 180), overlap: 64),
            (name: "right", size: (320, 180)),
        ])"#,
        576,
    );
    // The overlap is columns 256..320 of the wide view: 256 + k of the left output, k of the
    // right one. Projectors add light: in linear light the two sum to the view.
    let (mut error, mut light) = (0.0, 0.0);
    for k in 0..64u32 {
        for y in 0..180 {
            let view = wide.get_pixel(256 + k, y);
            let (a, b) = (left.get_pixel(256 + k, y), right.get_pixel(k, y));
            for c in 0..3 {
                let sum = linear(a[c]) + linear(b[c]);
                error += (sum - linear(view[c])).abs();
                light += linear(view[c]);
            }
        }
    }
    let relative = error / light;
    assert!(
        relative < 0.05,
        "in the overlap the outputs' light is {:.1} % off the view's",
        relative * 100.0
    );
    // And each fades: the left output is dark at its right edge, the right one at its left.
    let dim = |image: &RgbaImage, x: u32| {
        (0..180)
            .map(|y| linear(image.get_pixel(x, y)[0]))
            .sum::<f64>()
    };
    assert!(dim(&left, 319) < 0.05 * dim(&wide, 319));
    assert!(dim(&right, 0) < 0.05 * dim(&wide, 256));
}

#[test]
fn a_layout_with_a_mistake_is_refused_naming_the_field() {
    let dir = TempDir::new("outputs-bad");
    let layout = dir.path().join("layout.ron");
    std::fs::write(
        &layout,
        r#"(outputs: [
            (name: "left", size: (320, 180), overlap: 400),
            (name: "right", size: (320, 180)),
        ])"#,
    )
    .expect("layout");
    let output = dreamloom_command()
        .args(["render", "--outputs"])
        .arg(&layout)
        .args(["--out"])
        .arg(dir.path().join("out"))
        .output()
        .expect("dreamloom runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("outputs[0].overlap: 400 px"), "{stderr}");
}
