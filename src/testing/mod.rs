//! Helpers for tests: whether render tests may run here, measures of a frame that match what a
//! person would notice (is it blank, is the sky flat, how many thread colours show, is this
//! thread's hue there), the piece without pixels ([`simulation_app`]), temporary folders, the
//! `dreamloom` binary, a raw HTTP client (`http`), and a real PostgreSQL server of a test's own
//! (`postgres`).

use image::RgbaImage;

mod http;
mod postgres;

pub use http::{
    HttpResponse, closed_by, connect_from, form_token, http_get, http_get_from, http_post,
    http_post_from, http_raw, http_raw_from, request_bytes,
};
// `self::`: the module, not the `postgres` crate it is built on.
pub use self::postgres::{POSTGRES_BIN, PostgresServer, REQUIRE_POSTGRES_ENV, postgres_available};

use crate::capture::gpu;

/// Set to `1` to make render tests fail, rather than skip, where no GPU adapter exists (CI sets it).
pub const REQUIRE_GPU_ENV: &str = "DREAMLOOM_REQUIRE_GPU";

/// Whether a render test can run. Without an adapter it returns `false` after saying the test is
/// skipped, or panics when [`REQUIRE_GPU_ENV`] asks for render tests to be mandatory.
#[must_use]
pub fn gpu_available(test: &str) -> bool {
    if gpu::find_adapter().is_some() {
        return true;
    }
    let required = std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: {REQUIRE_GPU_ENV}=1 but {}",
        gpu::NO_ADAPTER_HELP
    );
    eprintln!("SKIPPED {test}: {}", gpu::NO_ADAPTER_HELP);
    false
}

/// Relative luminance (sRGB-encoded, 0..1) of a pixel.
fn luma(pixel: [u8; 4]) -> f32 {
    (0.2126 * f32::from(pixel[0]) + 0.7152 * f32::from(pixel[1]) + 0.0722 * f32::from(pixel[2]))
        / 255.0
}

/// Hue in degrees, saturation and value of an sRGB pixel.
#[must_use]
pub fn hsv(pixel: [u8; 4]) -> (f32, f32, f32) {
    let [r, g, b] = [pixel[0], pixel[1], pixel[2]].map(|c| f32::from(c) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    let hue = if delta <= f32::EPSILON {
        0.0
    } else if (max - r).abs() <= f32::EPSILON {
        60.0 * ((g - b) / delta).rem_euclid(6.0)
    } else if (max - g).abs() <= f32::EPSILON {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    let saturation = if max <= f32::EPSILON {
        0.0
    } else {
        delta / max
    };
    (hue, saturation, max)
}

/// What a glance at a frame tells.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameStats {
    /// Mean luminance, 0..1.
    pub mean_luma: f32,
    /// Standard deviation of luminance over the whole frame.
    pub luma_spread: f32,
    /// Standard deviation of luminance over the top tenth of the frame, which is sky.
    pub sky_spread: f32,
    /// Distinct colours (quantised to 5 bits per channel) in the top tenth of the frame.
    pub sky_colours: usize,
    /// Hue bins (of [`HUE_BINS`]) that hold at least [`HUE_BIN_MIN_SHARE`] of the frame's pixels
    /// in vivid colour — roughly, how many thread colours can be told apart.
    pub vivid_hues: usize,
}

/// Bins the hue wheel is cut into for [`FrameStats::vivid_hues`].
pub const HUE_BINS: usize = 24;
/// Share of all pixels a hue bin needs to count.
pub const HUE_BIN_MIN_SHARE: f32 = 0.0008;

/// Measures a frame.
#[must_use]
pub fn frame_stats(frame: &RgbaImage) -> FrameStats {
    let pixels: Vec<[u8; 4]> = frame.pixels().map(|p| p.0).collect();
    let (mean, spread) = mean_and_spread(pixels.iter().map(|&p| luma(p)));
    let sky_rows = (frame.height() / 10).max(1);
    let sky: Vec<[u8; 4]> = frame
        .rows()
        .take(sky_rows as usize)
        .flatten()
        .map(|p| p.0)
        .collect();
    let (_, sky_spread) = mean_and_spread(sky.iter().map(|&p| luma(p)));
    let sky_colours = sky
        .iter()
        .map(|p| (p[0] >> 3, p[1] >> 3, p[2] >> 3))
        .collect::<std::collections::HashSet<_>>()
        .len();

    let mut bins = [0usize; HUE_BINS];
    for &pixel in &pixels {
        let (hue, saturation, value) = hsv(pixel);
        if saturation > 0.35 && value > 0.3 {
            bins[(hue / 360.0 * HUE_BINS as f32) as usize % HUE_BINS] += 1;
        }
    }
    let needed = (pixels.len() as f32 * HUE_BIN_MIN_SHARE).max(1.0) as usize;
    FrameStats {
        mean_luma: mean,
        luma_spread: spread,
        sky_spread,
        sky_colours,
        vivid_hues: bins.iter().filter(|&&n| n >= needed).count(),
    }
}

fn mean_and_spread(values: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
    let n = values.clone().count().max(1) as f32;
    let mean = values.clone().sum::<f32>() / n;
    let variance = values.map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, variance.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_frame_measures_blank() {
        let frame = RgbaImage::from_pixel(64, 36, image::Rgba([10, 10, 20, 255]));
        let stats = frame_stats(&frame);
        assert!(stats.luma_spread < 1e-6);
        assert_eq!(stats.sky_colours, 1);
        assert_eq!(stats.vivid_hues, 0);
    }

    #[test]
    fn stripes_of_colour_count_as_hues() {
        let frame = RgbaImage::from_fn(60, 30, |x, _| match x / 20 {
            0 => image::Rgba([255, 0, 0, 255]),
            1 => image::Rgba([0, 255, 0, 255]),
            _ => image::Rgba([0, 0, 255, 255]),
        });
        assert_eq!(frame_stats(&frame).vivid_hues, 3);
        assert!((hsv([0, 0, 255, 255]).0 - 240.0).abs() < 1e-3);
    }
}

/// A fresh, empty folder under the system's temporary folder, removed when dropped.
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// Creates `<tmp>/dreamloom-<label>-<pid>-<n>`.
    #[must_use]
    pub fn new(label: &str) -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("dreamloom-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temporary folder can be created");
        Self(path)
    }

    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Shannon entropy of the hues of a frame's vivid pixels (24 bins), normalised to `0..1`: how
/// many different colours a person sees, and how evenly.
#[must_use]
pub fn frame_hue_entropy(frame: &RgbaImage) -> f32 {
    let mut bins = [0.0f64; HUE_BINS];
    for pixel in frame.pixels() {
        let (hue, saturation, value) = hsv(pixel.0);
        if saturation > 0.25 && value > 0.3 {
            bins[(hue / 360.0 * HUE_BINS as f32) as usize % HUE_BINS] += 1.0;
        }
    }
    let total: f64 = bins.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let entropy: f64 = bins
        .iter()
        .filter(|&&n| n > 0.0)
        .map(|&n| {
            let p = n / total;
            -p * p.ln()
        })
        .sum();
    (entropy / (HUE_BINS as f64).ln()) as f32
}

/// Where tests keep frames for a person to look at: the target folder's `tmp/` beside the test
/// binaries (what Cargo calls `CARGO_TARGET_TMPDIR`), or the system's temporary folder.
#[must_use]
pub fn frames_folder() -> std::path::PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("tmp")))
        .filter(|dir| std::fs::create_dir_all(dir).is_ok())
        .unwrap_or_else(std::env::temp_dir)
}

/// Saves `frame` as `name` in [`frames_folder`] for a person to look at, and says where.
pub fn keep(frame: &RgbaImage, name: &str) {
    let path = frames_folder().join(name);
    frame.save(&path).expect("frame saved");
    eprintln!("kept {}", path.display());
}

/// The reviewed golden image `tests/golden/{name}`. `candidate`, what the test made, is kept as
/// `candidate_{name}` for a person to compare; with `DREAMLOOM_UPDATE_GOLDEN=1` it first
/// becomes the golden image (to be reviewed before it is committed).
#[must_use]
pub fn golden(name: &str, candidate: &RgbaImage) -> RgbaImage {
    keep(candidate, &format!("candidate_{name}"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("DREAMLOOM_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        candidate.save(&path).expect("golden image written");
        eprintln!(
            "golden image rewritten: review {} before committing it",
            path.display()
        );
    }
    image::open(&path)
        .unwrap_or_else(|e| panic!("golden image {}: {e}", path.display()))
        .to_rgba8()
}

/// Render tests of one test binary take turns: lavapipe on two cores is slow enough without
/// several renderers competing, and timings in them stay meaningful.
pub fn one_renderer_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static RENDERER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    RENDERER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `dreamloom` binary of this build (beside the test binaries' `deps/` folder).
#[must_use]
pub fn dreamloom_command() -> std::process::Command {
    let exe = std::env::current_exe().expect("the test binary knows where it is");
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .map(|dir| dir.join("dreamloom"))
        .expect("a target folder");
    std::process::Command::new(bin)
}

/// `dreamloom --data {data} {args}`, run to its end.
#[must_use]
pub fn dreamloom_in(data: &TempDir, args: &[&str]) -> std::process::Output {
    dreamloom_command()
        .arg("--data")
        .arg(data.path())
        .args(args)
        .output()
        .expect("dreamloom runs")
}

/// Hue distance in degrees, `0..=180`.
#[must_use]
pub fn hue_distance(a: f32, b: f32) -> f32 {
    let d = (a - b).abs().rem_euclid(360.0);
    d.min(360.0 - d)
}

/// Whether, within `radius` pixels of `at`, the frame shows a vivid pixel of `linear`'s hue
/// (within `tolerance` degrees). Pale or dark pixels never count: a glow of any colour is not
/// the thread's colour.
#[must_use]
pub fn shows_hue_near(
    frame: &RgbaImage,
    at: (u32, u32),
    radius: u32,
    linear: [f32; 3],
    tolerance: f32,
) -> bool {
    let want = bevy::color::ColorToPacked::to_u8_array(
        bevy::color::Color::linear_rgb(linear[0], linear[1], linear[2]).to_srgba(),
    );
    let (want_hue, _, _) = hsv(want);
    let (x0, y0) = at;
    (x0.saturating_sub(radius)..=x0 + radius)
        .flat_map(|x| (y0.saturating_sub(radius)..=y0 + radius).map(move |y| (x, y)))
        .filter(|&(x, y)| x < frame.width() && y < frame.height())
        .any(|(x, y)| {
            let (hue, saturation, value) = hsv(frame.get_pixel(x, y).0);
            saturation >= 0.2 && value > 0.3 && hue_distance(hue, want_hue) < tolerance
        })
}

/// Marks every camera as the one egui's overlay draws over (for tests that build a headless
/// piece and add the overlay themselves). Add it to `Startup`.
pub fn mark_overlay_target(
    mut commands: bevy::prelude::Commands,
    cameras: bevy::prelude::Query<
        bevy::prelude::Entity,
        bevy::prelude::With<bevy::prelude::Camera>,
    >,
) {
    for camera in &cameras {
        commands
            .entity(camera)
            .insert(crate::overlay::OverlayTarget);
    }
}

/// Updates `app` until `done` holds for its world, for at most ten seconds (threads that feed the
/// app — the store's feed, a preset file's watcher — answer in their own time).
pub fn update_until(
    app: &mut bevy::prelude::App,
    what: &str,
    done: impl Fn(&bevy::prelude::World) -> bool,
) {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        app.update();
        if done(app.world()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("waited ten seconds for {what}");
}

/// The piece without pixels, as the simulation tests drive it: `MinimalPlugins`,
/// [`SimulationPlugin`](crate::piece::SimulationPlugin), one camera rig (as every mode spawns),
/// `piece`, and the dream clock held at `seconds` (move it with [`set_clock`]).
pub fn simulation_app(piece: crate::piece::PieceSettings, seconds: f32) -> bevy::prelude::App {
    use bevy::prelude::*;
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, crate::piece::SimulationPlugin))
        .insert_resource(crate::clock::DreamClock::held_at(seconds));
    piece.apply(&mut app);
    app.world_mut()
        .spawn((Transform::default(), crate::camera::CameraRig::default()));
    app
}

/// Holds the dream clock of `app` at `seconds`.
pub fn set_clock(app: &mut bevy::prelude::App, seconds: f32) {
    *app.world_mut().resource_mut::<crate::clock::DreamClock>() =
        crate::clock::DreamClock::held_at(seconds);
}

/// How much single-thread detail a frame shows: what lets the eye find one thread among
/// thousands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detail {
    /// Luminance crests along vertical scan lines, per 100 pixels: rows of threads one could
    /// count. A crest must stand [`CREST_PROMINENCE`] above the lowest point within three pixels
    /// of it.
    pub crests_per_100px: f32,
    /// Mean absolute Laplacian of luminance over mean luminance: how much the frame changes from
    /// one pixel to the next, relative to its brightness.
    pub local_contrast: f32,
}

/// How far (luminance, `0..1`) a crest must rise above its surroundings to count.
pub const CREST_PROMINENCE: f32 = 0.04;

/// The single-thread detail of `frame` within `(x, y, width, height)`.
#[must_use]
pub fn detail(frame: &RgbaImage, (x0, y0, width, height): (u32, u32, u32, u32)) -> Detail {
    let lum = |x: u32, y: u32| luma(frame.get_pixel(x, y).0);
    let (mut crests, mut scanned) = (0usize, 0usize);
    for x in (x0..x0 + width).step_by(4) {
        let profile: Vec<f32> = (y0..y0 + height).map(|y| lum(x, y)).collect();
        for i in 3..profile.len().saturating_sub(3) {
            let around = &profile[i - 3..=i + 3];
            let is_peak = profile[i] > profile[i - 1] && profile[i] >= profile[i + 1];
            let low = around.iter().copied().fold(f32::INFINITY, f32::min);
            if is_peak && profile[i] - low >= CREST_PROMINENCE {
                crests += 1;
            }
        }
        scanned += profile.len();
    }
    let (mut laplacian, mut total) = (0.0f32, 0.0f32);
    for y in y0 + 1..y0 + height - 1 {
        for x in x0 + 1..x0 + width - 1 {
            let centre = lum(x, y);
            let around = lum(x - 1, y) + lum(x + 1, y) + lum(x, y - 1) + lum(x, y + 1);
            laplacian += (around - 4.0 * centre).abs();
            total += centre;
        }
    }
    Detail {
        crests_per_100px: crests as f32 * 100.0 / scanned.max(1) as f32,
        local_contrast: if total > 0.0 { laplacian / total } else { 0.0 },
    }
}

/// A council that dissolves every thread outside the Sanctuary within half a minute of dream
/// time (no origin floor), for tests of what the protocol's dissolution tells.
#[must_use]
pub fn dissolving_fast() -> crate::protocol::policy::CouncilPolicy {
    use crate::protocol::policy::{CouncilPolicy, Mode};
    CouncilPolicy {
        mode: Mode::NeuroSynch,
        synch_strength: 0.5,
        balance: 1.0,
        origin_floor: 0.0,
        dissolve_rate: 0.5,
        ..CouncilPolicy::default()
    }
}

/// A valid submission of `text` from `origin` (display consented, no Sanctuary), for tests that
/// write to a store.
#[must_use]
pub fn dream(text: &str, origin: &str) -> crate::narrative::ValidSubmission {
    crate::narrative::validate(&crate::narrative::Submission {
        text: text.into(),
        origin: origin.into(),
        language: None,
        consent: crate::narrative::Consent::default(),
    })
    .expect("valid dream")
}
