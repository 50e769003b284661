//! Headless render tests, through the same code path as `dreamloom render`.
//!
//! They need a Vulkan adapter (lavapipe from `mesa-vulkan-drivers` is enough). Without one they
//! say they are skipped, unless `DREAMLOOM_REQUIRE_GPU=1` (set by CI) makes that a failure.

use dreamloom::{
    capture::{StillSettings, render_still},
    narrative::{sample_narratives, store::DATABASE_FILE},
    testing::{
        FrameStats, TempDir, dreamloom_command, frame_stats, frames_folder, gpu_available, keep,
        one_renderer_at_a_time,
    },
};
use image::RgbaImage;

fn small_still(seconds: f32) -> StillSettings {
    StillSettings {
        width: 320,
        height: 180,
        seed: 7,
        seconds,
    }
}

fn render(settings: &StillSettings, with_narratives: bool) -> RgbaImage {
    let _gpu = one_renderer_at_a_time();
    let narratives = if with_narratives {
        sample_narratives().expect("samples parse")
    } else {
        Vec::new()
    };
    render_still(settings, narratives).expect("a frame renders")
}

#[test]
fn still_shows_a_living_sky_and_many_coloured_threads() {
    if !gpu_available("still_shows_a_living_sky_and_many_coloured_threads") {
        return;
    }
    let frame = render(&small_still(12.0), true);
    keep(&frame, "still_with_samples.png");
    let stats = frame_stats(&frame);
    eprintln!("{stats:?}");

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

#[test]
fn render_command_writes_a_png_of_the_asked_size() {
    if !gpu_available("render_command_writes_a_png_of_the_asked_size") {
        return;
    }
    let out = frames_folder().join("cli_render.png");
    let _ = std::fs::remove_file(&out);
    let data = TempDir::new("cli-render");
    // The user's own data folder, as `dreamloom` would find it without `--data`: a test must
    // never write there.
    let home = TempDir::new("cli-render-home");
    let output = {
        let _gpu = one_renderer_at_a_time();
        dreamloom_command()
            .arg("--data")
            .arg(data.path())
            .args([
                "render", "--width", "200", "--height", "120", "--time", "3", "--out",
            ])
            .arg(&out)
            .env("XDG_DATA_HOME", home.path())
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
    // The store it drew from is the one it was given, seeded there; nothing in the user's folder.
    assert!(data.path().join(DATABASE_FILE).is_file());
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

#[test]
fn every_command_that_draws_says_what_to_install_and_exits_3_without_a_gpu() {
    let never = frames_folder().join("never_written.png");
    let never = never.to_str().unwrap();
    for command in [
        &["render", "--width", "64", "--height", "36", "--out", never][..],
        &["bench", "--threads", "10", "--frames", "1"],
        &["view"],
        &["tune"],
        &["kiosk", "--windowed"],
    ] {
        let data = TempDir::new("cli-no-gpu");
        // Point the Vulkan loader at no driver at all: this is a machine without a GPU adapter.
        let output = dreamloom_command()
            .arg("--data")
            .arg(data.path())
            .args(command)
            .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
            .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
            .env("WGPU_BACKEND", "vulkan")
            .env_remove("DISPLAY")
            .output()
            .expect("dreamloom runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{command:?}: {stderr}");
        assert!(
            stderr.contains("mesa-vulkan-drivers"),
            "{command:?}: {stderr}"
        );
    }
}

#[test]
fn render_command_refuses_bad_arguments_clearly() {
    let output = dreamloom_command()
        .args(["render", "--out", "x.png", "--width", "0"])
        .output()
        .expect("dreamloom runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--width"), "stderr: {stderr}");
}
