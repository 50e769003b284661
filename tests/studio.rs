//! The keys of the artist's and operator's tools: F1 opens the tuning panel, F3 the health
//! display, F12 saves a still and says where.

use bevy::prelude::*;
use dreamloom::{
    testing::TempDir,
    tuning::{StillsFolder, health::Health, panel::TuningPanel, studio_plugin},
};

fn press(app: &mut App, key: KeyCode) {
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release_all();
    keys.clear();
    keys.press(key);
    app.update();
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release(key);
    keys.clear();
}

#[test]
fn f1_f3_and_f12_do_what_the_panel_says() {
    let dir = TempDir::new("studio");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .init_resource::<ButtonInput<KeyCode>>()
        .insert_resource(TuningPanel::new(dir.path().join("presets"), false))
        .insert_resource(StillsFolder(dir.path().join("stills")))
        .add_plugins(studio_plugin);
    app.update();

    press(&mut app, KeyCode::F1);
    assert!(app.world().resource::<TuningPanel>().open);
    press(&mut app, KeyCode::F1);
    assert!(!app.world().resource::<TuningPanel>().open);

    press(&mut app, KeyCode::F3);
    assert!(app.world().resource::<Health>().open);

    press(&mut app, KeyCode::F12);
    let message = app
        .world()
        .resource::<TuningPanel>()
        .message
        .clone()
        .unwrap();
    assert!(message.starts_with("still saved to "), "{message}");
    assert!(message.contains("stills/dreamloom-"), "{message}");
    assert!(dir.path().join("stills").is_dir());
}
