//! Headless render tests, through the same code path as `dreamloom render`.
//!
//! They need a Vulkan adapter (lavapipe from `mesa-vulkan-drivers` is enough). Without one they
//! say they are skipped, unless `DREAMLOOM_REQUIRE_GPU=1` (set by CI) makes that a failure.

use std::{path::PathBuf, process::Command, sync::Mutex};

use dreamloom::{
    capture::{StillSettings, render_still},
    narrative::sample_narratives,
    testing::{FrameStats, TempDir, frame_stats, gpu_available},
};
use image::RgbaImage;

/// One renderer at a time: each test builds a whole Bevy app on the same (software) GPU.
static RENDERER: Mutex<()> = Mutex::new(());

fn small_still(seconds: f32) -> StillSettings {
    StillSettings {
        width: 320,
        height: 180,
        seed: 7,
        seconds,
    }
}

fn render(settings: &StillSettings, with_narratives: bool) -> RgbaImage {
    let _one_at_a_time = RENDERER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let narratives = if with_narratives {
        sample_narratives().expect("samples parse")
    } else {
        Vec::new()
    };
    render_still(settings, narratives).expect("a frame renders")
}

/// Keeps the frame beside the test build for a person to look at.
fn keep(frame: &RgbaImage, name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    frame.save(&path).expect("frame saved");
    path
}

#[test]
fn still_shows_a_living_sky_and_many_coloured_threads() {
    if !gpu_available("still_shows_a_living_sky_and_many_coloured_threads") {
        return;
    }
    let frame = render(&small_still(12.0), true);
    let path = keep(&frame, "still_with_samples.png");
    let stats = frame_stats(&frame);
    eprintln!("{}: {stats:?}", path.display());

    assert_eq!((frame.width(), frame.height()), (320, 180));
    assert!(
        stats.mean_luma > 0.03,
        "the frame is almost black: {stats:?}"
    );
    assert!(
        stats.luma_spread > 0.03,
        "the frame is nearly uniform: {stats:?}"
    );
    assert!(
        stats.sky_colours >= 12 && stats.sky_spread > 0.004,
        "the sky is a flat colour: {stats:?}"
    );
    assert!(
        stats.vivid_hues >= 8,
        "fewer than 8 thread hues can be told apart: {stats:?}"
    );
}

#[test]
fn threads_bring_the_colour_and_an_empty_cloak_still_renders() {
    if !gpu_available("threads_bring_the_colour_and_an_empty_cloak_still_renders") {
        return;
    }
    let empty = render(&small_still(12.0), false);
    keep(&empty, "still_empty.png");
    let woven = render(&small_still(12.0), true);
    let (empty, woven): (FrameStats, FrameStats) = (frame_stats(&empty), frame_stats(&woven));
    assert!(
        empty.mean_luma > 0.01,
        "the empty dreamscape is black: {empty:?}"
    );
    assert!(
        woven.vivid_hues >= empty.vivid_hues + 5,
        "threads add no colours: empty {empty:?}, woven {woven:?}"
    );
    assert!(woven.mean_luma > empty.mean_luma, "threads add no light");
}

#[test]
fn same_seed_and_time_give_the_same_frame_and_time_moves_it() {
    if !gpu_available("same_seed_and_time_give_the_same_frame_and_time_moves_it") {
        return;
    }
    let a = render(&small_still(30.0), true);
    let b = render(&small_still(30.0), true);
    assert!(a == b, "two renders of the same (seed, time) differ");
    let later = render(&small_still(45.0), true);
    let changed = a
        .pixels()
        .zip(later.pixels())
        .filter(|(x, y)| x.0.iter().zip(y.0).any(|(p, q)| p.abs_diff(q) > 8))
        .count();
    assert!(
        changed > (a.width() * a.height() / 50) as usize,
        "15 seconds later only {changed} pixels moved"
    );
}

fn dreamloom() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dreamloom"))
}

#[test]
fn render_command_writes_a_png_of_the_asked_size() {
    if !gpu_available("render_command_writes_a_png_of_the_asked_size") {
        return;
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_render.png");
    let _ = std::fs::remove_file(&out);
    let output = {
        let _one_at_a_time = RENDERER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        dreamloom()
            .args([
                "render", "--width", "200", "--height", "120", "--time", "3", "--out",
            ])
            .arg(&out)
            .output()
            .expect("dreamloom runs")
    };
    assert!(
        output.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let frame = image::open(&out).expect("a PNG was written").to_rgba8();
    assert_eq!((frame.width(), frame.height()), (200, 120));
    assert!(frame_stats(&frame).vivid_hues >= 5);
}

#[test]
fn render_command_without_any_gpu_explains_what_to_install() {
    // Point the Vulkan loader at no driver at all: this is a machine without a GPU adapter.
    let data = TempDir::new("cli-no-gpu");
    let output = dreamloom()
        .arg("--data")
        .arg(data.path())
        .args(["render", "--width", "64", "--height", "36", "--out"])
        .arg(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("never_written.png"))
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("WGPU_BACKEND", "vulkan")
        .output()
        .expect("dreamloom runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "stderr: {stderr}");
    assert!(stderr.contains("mesa-vulkan-drivers"), "stderr: {stderr}");
}

#[test]
fn render_command_refuses_bad_arguments_clearly() {
    let output = dreamloom()
        .args(["render", "--out", "x.png", "--width", "0"])
        .output()
        .expect("dreamloom runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--width"), "stderr: {stderr}");
}
