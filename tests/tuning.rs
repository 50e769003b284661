//! Presets as artists use them: every shipped look renders; a preset file edited under a running
//! app changes the look, and a broken edit is refused with the field named while the last good
//! look stays.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use dreamloom::{
    capture::{HeadlessRenderer, StillSettings},
    narrative::sample_narratives,
    testing::{TempDir, frame_stats, gpu_available},
    tuning::{
        PresetFilePlugin, TuningStatus,
        preset::{Preset, SHIPPED},
    },
};

fn app_following(path: &std::path::Path) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(PresetFilePlugin {
            path: path.to_owned(),
        });
    app
}

fn update_until(app: &mut App, done: impl Fn(&World) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        app.update();
        if done(app.world()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the app never saw the preset file change");
}

#[test]
fn editing_a_preset_file_changes_the_look_and_a_broken_edit_keeps_it() {
    let dir = TempDir::new("preset-watch");
    let path = dir.path().join("look.ron");
    std::fs::write(&path, SHIPPED[0].1).unwrap();
    let mut app = app_following(&path);
    update_until(&mut app, |w| w.get_resource::<Preset>().is_some());
    assert_eq!(
        app.world().resource::<Preset>(),
        &Preset::load("calm-opening").unwrap()
    );

    // A broken edit: the field is named, the look stays.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, "(sky: (fog: 7.5))").unwrap();
    update_until(&mut app, |w| w.resource::<TuningStatus>().error.is_some());
    let error = app
        .world()
        .resource::<TuningStatus>()
        .error
        .clone()
        .unwrap();
    assert!(error.contains("`sky.fog`"), "{error}");
    assert_eq!(
        app.world().resource::<Preset>(),
        &Preset::load("calm-opening").unwrap()
    );

    // A good edit: the look follows, the error clears.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, SHIPPED[2].1).unwrap();
    update_until(&mut app, |w| {
        w.resource::<Preset>() == &Preset::load("sanctuary").unwrap()
    });
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
        frame
            .save(
                std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                    .join(format!("preset_{name}.png")),
            )
            .unwrap();
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
