//! Panels are drawn over the piece: egui on the overlay camera reaches the frame, over the HDR,
//! bloomed camera that egui alone does not draw into.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    narrative::sample_narratives,
    overlay,
    testing::{gpu_available, keep, mark_overlay_target},
};

fn panel(mut contexts: EguiContexts) -> Result {
    egui::Window::new("A visitor's thread")
        .fixed_pos([10.0, 10.0])
        .fixed_size([200.0, 80.0])
        .show(contexts.ctx_mut()?, |ui| {
            ui.label("The moon rowed us home.");
        });
    Ok(())
}

#[test]
fn an_egui_panel_is_drawn_over_the_piece() {
    if !gpu_available("an_egui_panel_is_drawn_over_the_piece") {
        return;
    }
    let settings = StillSettings {
        width: 480,
        height: 270,
        seed: 7,
        seconds: 3.0,
    };
    let mut renderer = HeadlessRenderer::new_with(&settings, sample_narratives().unwrap(), |app| {
        app.add_plugins(overlay::plugin)
            .add_systems(Startup, mark_overlay_target)
            .add_systems(EguiPrimaryContextPass, panel);
    })
    .unwrap();
    for _ in 0..3 {
        renderer.frame().unwrap();
    }
    let frame = renderer.capture().unwrap();
    keep(&frame, "overlay.png");
    // egui's dark window fill is near-neutral grey, unlike anything in the violet dreamscape.
    let is_panel = |p: &image::Rgba<u8>| {
        let [r, g, b, _] = p.0;
        r.abs_diff(g) < 6 && g.abs_diff(b) < 6 && r < 60
    };
    let inside = (20..200)
        .flat_map(|x| (40..80).map(move |y| (x, y)))
        .filter(|&(x, y)| is_panel(frame.get_pixel(x, y)))
        .count();
    let outside = (300..470)
        .flat_map(|x| (150..260).map(move |y| (x, y)))
        .filter(|&(x, y)| is_panel(frame.get_pixel(x, y)))
        .count();
    assert!(
        inside > 3_000,
        "no panel where egui drew one ({inside} pixels)"
    );
    assert!(
        outside < 100,
        "panel colour far from the panel ({outside} pixels)"
    );
}
