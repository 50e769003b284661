//! The protocol as a visitor sees it: a frame mid-dissolution has visibly fewer colours than the
//! same frame with the protocol off, while Sanctuary threads keep their own hue.

use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    narrative::sample_narratives,
    protocol::policy::{CouncilPolicy, Mode},
    testing::{frame_hue_entropy, frames_folder, gpu_available, shows_hue_near},
    weave::{
        CloakShape, Loom, cloak_uniform, look::thread_look, loom::WARP_THREADS, path::thread_point,
    },
};

fn render(policy: CouncilPolicy, seconds: f32) -> (HeadlessRenderer, image::RgbaImage) {
    let settings = StillSettings {
        width: 480,
        height: 270,
        seed: 7,
        seconds,
    };
    let mut renderer = HeadlessRenderer::new_with(&settings, sample_narratives().unwrap(), |app| {
        app.insert_resource(policy);
    })
    .unwrap();
    let frame = renderer.capture().unwrap();
    (renderer, frame)
}

#[test]
fn dissolution_drains_the_colours_but_the_sanctuary_keeps_its_own() {
    if !gpu_available("dissolution_drains_the_colours_but_the_sanctuary_keeps_its_own") {
        return;
    }
    let synch = CouncilPolicy {
        mode: Mode::NeuroSynch,
        synch_strength: 0.08,
        balance: 1.0,
        origin_floor: 0.0,
        ..CouncilPolicy::default()
    };
    let (_, off) = render(CouncilPolicy::default(), 14.0);
    let (mut renderer, dissolving) = render(synch, 14.0);
    let dir = frames_folder();
    off.save(dir.join("protocol_off.png")).unwrap();
    dissolving
        .save(dir.join("protocol_dissolving.png"))
        .unwrap();

    let (before, during) = (frame_hue_entropy(&off), frame_hue_entropy(&dissolving));
    eprintln!("frame hue entropy: protocol off {before:.3}, mid-dissolution {during:.3}");
    // A person sees the colours drain: the hue entropy of the vivid pixels falls by a quarter.
    assert!(
        during < 0.75 * before,
        "dissolution left the colours as they were"
    );

    // Sanctuary threads: their own hue where they are drawn.
    let (camera, camera_transform) = renderer.camera();
    let world = renderer.world_mut();
    let loom = world.resource::<Loom>();
    let (cloak, entries) = cloak_uniform(loom, world.resource::<CloakShape>(), 14.0);
    let samples = sample_narratives().unwrap();
    let mut checked = 0;
    let mut kept = 0;
    for (index, thread) in loom.threads().iter().enumerate() {
        let narrative = samples.iter().find(|n| n.id == thread.id).unwrap();
        if !narrative.consent.sanctuary {
            assert!(
                thread.identity < 0.5,
                "a thread outside the Sanctuary kept its identity"
            );
            continue;
        }
        assert!((thread.presence - 1.0).abs() < f32::EPSILON);
        let entry = index + WARP_THREADS as usize;
        let own = thread_look(narrative).primary;
        for u in [0.2, 0.35, 0.5, 0.65, 0.8] {
            let p = thread_point(&cloak, &entries[entry], entry as u32, u, 14.0);
            let Ok(pixel) = camera.world_to_viewport(&camera_transform, p) else {
                continue;
            };
            let (x, y) = (pixel.x.round() as u32, pixel.y.round() as u32);
            if x + 1 >= dissolving.width() || y + 1 >= dissolving.height() {
                continue;
            }
            checked += 1;
            if shows_hue_near(&dissolving, (x, y), 1, [own.x, own.y, own.z], 35.0) {
                kept += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} Sanctuary points on screen");
    assert!(
        kept * 10 >= checked * 8,
        "{kept} of {checked} Sanctuary points kept their hue"
    );
}
