//! The cloak at exhibition scale: thousands of threads still read as threads, and the protocol's
//! work on a crowded cloak is legible — holes where threads fray away, the Sanctuary's threads
//! whole and in their own colours.
//!
//! Render tests need a Vulkan adapter (lavapipe is enough); without one they are skipped unless
//! `DREAMLOOM_REQUIRE_GPU=1`.

use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    narrative::synthetic::synthetic_narratives,
    protocol::{ShowPlaying, show::Show},
    testing::{Detail, detail, gpu_available, keep, one_renderer_at_a_time, shows_hue_near},
    weave::{CloakShape, Loom, cloak_uniform, path::thread_point},
};
use image::RgbaImage;

/// Inside the cloak's body in a 1280×720 frame of the default look, for the old flat cloak and
/// the garment alike: the region `tests/golden/flat_cloak_2000_region.png` was cut from.
const BODY_1280: (u32, u32, u32, u32) = (540, 330, 200, 200);

/// At least this detail makes single threads visible; the flat cloak of 2,000 threads had
/// neither (see the test).
const RESOLVED: Detail = Detail {
    crests_per_100px: 15.0,
    local_contrast: 0.3,
};

fn resolves_threads(d: Detail) -> bool {
    d.crests_per_100px >= RESOLVED.crests_per_100px && d.local_contrast >= RESOLVED.local_contrast
}

#[test]
fn single_threads_resolve_in_a_crowded_cloak() {
    if !gpu_available("single_threads_resolve_in_a_crowded_cloak") {
        return;
    }
    let settings = StillSettings {
        width: 1280,
        height: 720,
        seed: 7,
        seconds: 20.0,
    };
    let frame = {
        let _gpu = one_renderer_at_a_time();
        dreamloom::capture::render_still(&settings, synthetic_narratives(2000, 1)).unwrap()
    };
    keep(&frame, "scale_2000.png");
    let now = detail(&frame, BODY_1280);
    // The same region of the same frame (2,000 threads, seed 7, t = 20 s) from the renderer
    // before the cloak became a garment: a soft sheet of pastel bands.
    let flat = image::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/flat_cloak_2000_region.png"
    ))
    .unwrap()
    .to_rgba8();
    let before = detail(&flat, (0, 0, flat.width(), flat.height()));
    eprintln!("detail of 2,000 threads: now {now:?}, before {before:?}");
    assert!(resolves_threads(now), "{now:?}");
    assert!(
        !resolves_threads(before),
        "the measure passes a blur: {before:?}"
    );
}

/// A frame of the show with `threads` synthetic narratives at `seconds`, 640×360, and the
/// renderer it came from.
fn show_frame(threads: usize, seconds: f32) -> (HeadlessRenderer, RgbaImage) {
    let settings = StillSettings {
        width: 640,
        height: 360,
        seed: 7,
        seconds,
    };
    let mut renderer =
        HeadlessRenderer::new_with(&settings, synthetic_narratives(threads, 1), |app| {
            app.insert_resource(ShowPlaying(Show::embedded()));
        })
        .unwrap();
    let frame = renderer.capture().unwrap();
    (renderer, frame)
}

/// Share of the pixels of `region` where the cloak adds (almost) nothing to `background` — the
/// same moment rendered without any thread — within a pixel either way: where the cloak has
/// holes.
fn holes(
    frame: &RgbaImage,
    background: &RgbaImage,
    (x0, y0, width, height): (u32, u32, u32, u32),
) -> f32 {
    let luma = |image: &RgbaImage, x: u32, y: u32| {
        let p = image.get_pixel(x, y).0;
        (0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2])) / 255.0
    };
    // A hole is wider than the gap between two rows: a pixel whose whole 3×3 neighbourhood is
    // at the background's level.
    let bare = |x: u32, y: u32| luma(frame, x, y) - luma(background, x, y) < 0.04;
    let open = (y0..y0 + height)
        .flat_map(|y| (x0..x0 + width).map(move |x| (x, y)))
        .filter(|&(x, y)| (x - 1..=x + 1).all(|nx| (y - 1..=y + 1).all(|ny| bare(nx, ny))))
        .count();
    open as f32 / (width * height) as f32
}

/// Of the threads `which` picks (among those still whole), how many show `hue_of` their colour at
/// their middle in `frame` (their own hue: `|c| c`), and how many were looked at.
fn hue_share(
    renderer: &mut HeadlessRenderer,
    frame: &RgbaImage,
    which: impl Fn(&dreamloom::weave::loom::LoomThread) -> bool,
    hue_of: impl Fn([f32; 3]) -> [f32; 3],
) -> (usize, usize) {
    let (camera, at) = renderer.camera();
    let world = renderer.world_mut();
    let seconds = world.resource::<dreamloom::clock::DreamClock>().seconds;
    let loom = world.resource::<Loom>();
    let (cloak, entries) = cloak_uniform(loom, world.resource::<CloakShape>(), seconds);
    let (mut shown, mut checked) = (0, 0);
    for (i, thread) in loom.threads().iter().enumerate() {
        if !which(thread) || thread.presence < 1.0 {
            continue;
        }
        let entry = i + dreamloom::weave::loom::WARP_THREADS as usize;
        let point = thread_point(&cloak, &entries[entry], entry as u32, 0.5, seconds);
        let Ok(pixel) = camera.world_to_viewport(&at, point) else {
            continue;
        };
        if pixel.x < 0.0 || pixel.y < 0.0 || pixel.x >= 640.0 || pixel.y >= 360.0 {
            continue;
        }
        checked += 1;
        let colour = thread.look.primary;
        if shows_hue_near(
            frame,
            (pixel.x as u32, pixel.y as u32),
            1,
            hue_of([colour.x, colour.y, colour.z]),
            35.0,
        ) {
            shown += 1;
        }
    }
    (shown, checked)
}

#[test]
fn the_confluence_opens_holes_and_the_sanctuary_keeps_its_colours() {
    if !gpu_available("the_confluence_opens_holes_and_the_sanctuary_keeps_its_colours") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let (_, calm) = show_frame(5000, 20.0);
    let (mut renderer, confluence) = show_frame(5000, 100.0);
    let (_, calm_sky) = show_frame(0, 20.0);
    let (_, confluence_sky) = show_frame(0, 100.0);
    keep(&calm, "scale_5000_calm.png");
    keep(&confluence, "scale_5000_confluence.png");
    // Inside the cloak's body in both frames (the Confluence is seen from below). Whole, the
    // cloak leaves no hole a pixel wide; mid-Confluence, holes open.
    let body = (260, 170, 120, 110);
    let (before, during) = (
        holes(&calm, &calm_sky, body),
        holes(&confluence, &confluence_sky, body),
    );
    eprintln!("holes: calm {before:.3}, mid-Confluence {during:.3}");
    assert!(
        during > before + 0.15,
        "no holes open: {before:.3} → {during:.3}"
    );

    let (sanctuary, checked) = hue_share(&mut renderer, &confluence, |t| t.sanctuary, |c| c);
    // The same check with each colour's channels turned (its hue a third of the wheel away)
    // fails: it sees the threads' own colours, not just light.
    let (turned, _) = hue_share(
        &mut renderer,
        &confluence,
        |t| t.sanctuary,
        |[r, g, b]| [g, b, r],
    );
    eprintln!(
        "Sanctuary threads mid-Confluence: {sanctuary} of {checked} show their own hue, {turned} a turned one"
    );
    assert!(checked >= 100, "{checked} Sanctuary threads in view");
    assert!(
        sanctuary * 10 >= checked * 7,
        "the Sanctuary's threads lose their colours"
    );
    assert!(turned * 4 <= checked, "the hue check passes any colour");
}
