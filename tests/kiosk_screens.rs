//! The kiosk's screens as a visitor sees them, rendered headless: attract mode draws its
//! invitation over the piece, and the QR code in the frame is the phone form's address, module
//! for module.

use bevy::prelude::*;
use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    kiosk::{KioskPolicy, PhoneForm, logic_plugin, qr::QrGrid, screens_plugin},
    narrative::{sample_narratives, store::Moderation},
    overlay,
    testing::{gpu_available, keep, mark_overlay_target},
    viewer::{HoveredThread, MeterVisible},
};
use image::RgbaImage;

const URL: &str = "http://192.168.10.42:8080/";

fn attract_frame() -> RgbaImage {
    let settings = StillSettings {
        width: 960,
        height: 540,
        seed: 7,
        seconds: 12.0,
    };
    let mut renderer = HeadlessRenderer::new_with(&settings, sample_narratives().unwrap(), |app| {
        app.add_plugins((overlay::plugin, logic_plugin, screens_plugin))
            .insert_resource(KioskPolicy {
                moderation: Moderation::Post,
                on_screen_keyboard: true,
            })
            .insert_resource(PhoneForm::at(URL.into()))
            .insert_resource(MeterVisible(false))
            .init_resource::<HoveredThread>()
            .add_systems(Startup, mark_overlay_target);
    })
    .unwrap();
    // egui needs a frame to learn the screen's size and one to lay out at the kiosk's zoom.
    for _ in 0..4 {
        renderer.frame().unwrap();
    }
    let frame = renderer.capture().unwrap();
    keep(&frame, "kiosk-attract.png");
    frame
}

fn is_white(p: image::Rgba<u8>) -> bool {
    p.0[..3].iter().all(|&c| c > 245)
}

/// Quiet-zone modules around the code, as `kiosk::ui::visitor` paints it.
const QUIET: f32 = 3.0;

/// How many modules of `grid` differ from the frame's code whose white square starts at `origin`.
fn misread(frame: &RgbaImage, origin: (u32, u32), module: f32, grid: &QrGrid) -> usize {
    let mut wrong = 0;
    for y in 0..grid.size {
        for x in 0..grid.size {
            let px = origin.0 as f32 + (x as f32 + QUIET + 0.5) * module;
            let py = origin.1 as f32 + (y as f32 + QUIET + 0.5) * module;
            let pixel = frame.get_pixel(px as u32, py as u32).0;
            let dark = pixel[..3].iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 128;
            if dark != grid.is_dark(x, y) {
                wrong += 1;
            }
        }
    }
    wrong
}

#[test]
fn attract_mode_shows_the_invitation_and_a_readable_qr_code() {
    if !gpu_available("attract_mode_shows_the_invitation_and_a_readable_qr_code") {
        return;
    }
    let frame = attract_frame();
    let (w, h) = frame.dimensions();

    // The QR card sits bottom right: find its white square.
    let white: Vec<(u32, u32)> = (w / 2..w)
        .flat_map(|x| (h / 2..h).map(move |y| (x, y)))
        .filter(|&(x, y)| is_white(*frame.get_pixel(x, y)))
        .collect();
    assert!(
        white.len() > 2_000,
        "no white QR square ({} px)",
        white.len()
    );
    let (x0, x1) = (
        white.iter().map(|p| p.0).min().unwrap(),
        white.iter().map(|p| p.0).max().unwrap(),
    );
    let (y0, y1) = (
        white.iter().map(|p| p.1).min().unwrap(),
        white.iter().map(|p| p.1).max().unwrap(),
    );
    let side = (x1 - x0 + 1) as f32;
    assert!(
        ((y1 - y0 + 1) as f32 - side).abs() <= 3.0,
        "the code is square"
    );

    // Read every module at its centre and compare with the code of the URL.
    let grid = QrGrid::encode(URL).unwrap();
    let module = side / (grid.size as f32 + 2.0 * QUIET);
    assert!(
        module >= 2.0,
        "modules of {module:.1} px are too small to read"
    );
    let wrong = misread(&frame, (x0, y0), module, &grid);
    assert_eq!(
        wrong,
        0,
        "{wrong} of {} modules read back wrong",
        grid.size * grid.size
    );
    // The reading tells codes apart: another address's code (same size) does not match.
    let other = QrGrid::encode("http://192.168.10.43:8080/").unwrap();
    assert_eq!(other.size, grid.size);
    assert!(misread(&frame, (x0, y0), module, &other) > 20);

    // The invitation: a dark panel bottom left with the warm gold title in it.
    let gold = (0..w / 2)
        .flat_map(|x| (h / 2..h).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            let [r, g, b, _] = frame.get_pixel(x, y).0.map(u16::from);
            r > 150 && r > b + 60 && g > 100 && g < r
        })
        .count();
    assert!(gold > 300, "no gold invitation title ({gold} px)");
    // And behind it the piece is still the piece: a lit sky and the cloak's many colours.
    let stats = dreamloom::testing::frame_stats(&frame);
    assert!(stats.mean_luma > 0.05, "a blank frame");
    assert!(stats.vivid_hues >= 4, "the cloak's colours: {stats:?}");
}

/// The form in an Arabic gallery, a visitor halfway through their dream: the whole layout
/// mirrored, every word of the kiosk's own shaped (joined, right to left), and what they type
/// shown shaped under the field.
fn arabic_form_frame() -> RgbaImage {
    use dreamloom::{
        i18n::Language,
        kiosk::flow::{KioskFlow, Screen},
    };
    let settings = StillSettings {
        width: 960,
        height: 540,
        seed: 7,
        seconds: 12.0,
    };
    let mut flow = KioskFlow::speaking(Language::Arabic);
    flow.open_form();
    "حلمت أنني أطير فوق نهر النيل في عام 1998".clone_into(&mut flow.draft.story);
    "القاهرة، مصر".clone_into(&mut flow.draft.origin);
    assert_eq!(flow.screen, Screen::Form);
    let mut renderer = HeadlessRenderer::new_with(&settings, sample_narratives().unwrap(), |app| {
        app.add_plugins((overlay::plugin, logic_plugin, screens_plugin))
            .insert_resource(KioskPolicy {
                moderation: Moderation::Post,
                on_screen_keyboard: false,
            })
            .insert_resource(PhoneForm::at(URL.into()))
            .insert_resource(MeterVisible(false))
            .init_resource::<HoveredThread>()
            .add_systems(Startup, mark_overlay_target);
    })
    .unwrap();
    *renderer.world_mut().resource_mut::<KioskFlow>() = flow;
    for _ in 0..5 {
        renderer.frame().unwrap();
    }
    let frame = renderer.capture().unwrap();
    keep(&frame, "kiosk-form-arabic.png");
    frame
}

#[test]
fn the_arabic_form_matches_its_reviewed_golden() {
    if !gpu_available("the_arabic_form_matches_its_reviewed_golden") {
        return;
    }
    let frame = arabic_form_frame();
    let golden = dreamloom::testing::golden("kiosk_form_arabic.png", &frame);
    assert_eq!(golden.dimensions(), frame.dimensions());
    // The panel is where text is: compare it in 16×16-pixel tiles, so a word unjoined, moved to
    // the other side or missing shows, and the piece's own slow drift behind does not.
    let off = differing_tiles(&frame, &golden);
    assert!(
        off <= 6,
        "{off} tiles differ from the reviewed Arabic form; see kiosk-form-arabic.png"
    );
    // The comparison can fail: this frame mirrored (the layout left to right) is caught, and so
    // is the form with one word of its title changed.
    let mirrored = image::imageops::flip_horizontal(&frame);
    assert!(differing_tiles(&mirrored, &golden) > 40);
}

/// 16×16 tiles whose pixels differ by more than 6/255 on average in some channel. Differences
/// are taken pixel by pixel, as absolute values: ink moved within a tile, or letters swapped for
/// others of the same weight, does not cancel out.
fn differing_tiles(a: &RgbaImage, b: &RgbaImage) -> usize {
    let mut off = 0;
    for ty in 0..a.height() / 16 {
        for tx in 0..a.width() / 16 {
            let mut sum = [0u32; 3];
            for y in ty * 16..ty * 16 + 16 {
                for x in tx * 16..tx * 16 + 16 {
                    let (p, q) = (a.get_pixel(x, y).0, b.get_pixel(x, y).0);
                    for c in 0..3 {
                        sum[c] += u32::from(p[c].abs_diff(q[c]));
                    }
                }
            }
            if sum.iter().any(|&s| s > 6 * 256) {
                off += 1;
            }
        }
    }
    off
}
