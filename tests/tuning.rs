//! Presets as artists use them: every shipped look renders; a preset file edited under a running
//! piece changes its look (sky, cloak, council, camera), and a broken edit is refused with the field named while the last good
//! look stays.

use std::time::Duration;

use bevy::prelude::*;
use dreamloom::{
    camera::CameraRig,
    capture::{HeadlessRenderer, StillSettings},
    dreamscape::Dreamscape,
    narrative::sample_narratives,
    piece::PieceSettings,
    protocol::policy::CouncilPolicy,
    testing::{TempDir, frame_stats, gpu_available, keep, simulation_app, update_until},
    tuning::{
        PresetFilePlugin, TuningStatus,
        preset::{Preset, SHIPPED},
    },
    weave::CloakShape,
};

/// Whether the piece in `world` wears the look of the shipped preset `name`: sky, cloak,
/// council and camera, not just the preset resource.
fn wears(world: &World, name: &str) -> bool {
    let look = Preset::load(name).unwrap().resolve().unwrap();
    let scape = world.resource::<Dreamscape>();
    let rig = world
        .try_query::<&CameraRig>()
        .and_then(|mut rigs| rigs.iter(world).next().copied())
        .expect("a camera rig");
    *scape
        == Dreamscape {
            seed: scape.seed,
            ..look.dreamscape
        }
        && *world.resource::<CloakShape>() == look.cloak
        && *world.resource::<CouncilPolicy>() == look.council
        && (rig.pitch - look.pitch).abs() < 1e-6
        && (rig.distance - look.distance).abs() < 1e-6
}

#[test]
fn editing_a_preset_file_changes_the_look_and_a_broken_edit_keeps_it() {
    let dir = TempDir::new("preset-watch");
    let path = dir.path().join("look.ron");
    std::fs::write(&path, SHIPPED[0].1).unwrap();
    let mut app = simulation_app(PieceSettings::on(sample_narratives().unwrap()), 0.0);
    app.add_plugins(PresetFilePlugin { path: path.clone() });
    assert!(!wears(app.world(), "calm-opening") && !wears(app.world(), "sanctuary"));
    update_until(&mut app, "the preset file's look", |w| {
        wears(w, "calm-opening")
    });

    // A broken edit: the field is named, the look stays.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, "(sky: (fog: 7.5))").unwrap();
    update_until(&mut app, "the broken edit's error", |w| {
        w.resource::<TuningStatus>().error.is_some()
    });
    let error = app
        .world()
        .resource::<TuningStatus>()
        .error
        .clone()
        .unwrap();
    assert!(error.contains("`sky.fog`"), "{error}");
    app.update();
    assert!(wears(app.world(), "calm-opening"));

    // A good edit: the look follows, the error clears.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, SHIPPED[2].1).unwrap();
    update_until(&mut app, "the edited look", |w| wears(w, "sanctuary"));
    assert_eq!(app.world().resource::<TuningStatus>().error, None);
}

#[test]
fn every_shipped_preset_renders_its_own_look() {
    if !gpu_available("every_shipped_preset_renders_its_own_look") {
        return;
    }
    let mut means = Vec::new();
    for (name, _) in SHIPPED {
        let preset = Preset::load(name).unwrap();
        let settings = StillSettings {
            width: 160,
            height: 90,
            seed: 7,
            seconds: 2.0,
        };
        let frame = HeadlessRenderer::new_with(&settings, sample_narratives().unwrap(), |app| {
            app.insert_resource(preset);
        })
        .unwrap()
        .capture()
        .unwrap();
        keep(&frame, &format!("preset_{name}.png"));
        let stats = frame_stats(&frame);
        assert!(
            stats.sky_spread > 0.002 && stats.mean_luma > 0.02,
            "{name}: {stats:?}"
        );
        let mean = frame.pixels().fold([0.0f32; 3], |mut m, p| {
            for (sum, channel) in m.iter_mut().zip(p.0) {
                *sum += f32::from(channel);
            }
            m
        });
        means.push(mean.map(|v| v / (160.0 * 90.0)));
    }
    for (i, a) in means.iter().enumerate() {
        for b in &means[i + 1..] {
            let difference = (0..3).map(|c| (a[c] - b[c]).abs()).fold(0.0, f32::max);
            assert!(difference > 8.0, "two presets look alike: {a:?} {b:?}");
        }
    }
}
