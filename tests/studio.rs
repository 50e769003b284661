//! The keys of the artist's and operator's tools: F1 opens the tuning panel, F3 the health
//! display, F12 saves a still and says where — once it is on disk.

use bevy::{
    asset::RenderAssetUsages,
    prelude::*,
    render::{
        render_resource::{Extent3d, TextureDimension, TextureFormat},
        view::screenshot::{Screenshot, ScreenshotCaptured},
    },
};
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

fn panel_message(app: &App) -> String {
    app.world()
        .resource::<TuningPanel>()
        .message
        .clone()
        .expect("the panel says something")
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
    // Asked for, not yet written: the panel must not claim a still that is not on disk.
    let asked = panel_message(&app);
    assert!(asked.starts_with("saving a still to "), "{asked}");
    let path = std::path::PathBuf::from(
        asked
            .trim_start_matches("saving a still to ")
            .trim_end_matches('…'),
    );
    assert!(path.starts_with(dir.path().join("stills")), "{asked}");
    assert!(!path.exists());

    // The renderer hands the window's frame to the screenshot's observer (here by hand: this
    // app has no renderer), and only then is the still written and announced.
    let world = app.world_mut();
    let screenshot = world
        .query_filtered::<Entity, With<Screenshot>>()
        .single(world)
        .expect("F12 asked for one screenshot");
    let frame = Image::new_fill(
        Extent3d {
            width: 8,
            height: 4,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[200, 80, 40, 255],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::MAIN_WORLD,
    );
    world.trigger(ScreenshotCaptured {
        entity: screenshot,
        image: frame,
    });
    app.update();
    let saved = panel_message(&app);
    assert_eq!(saved, format!("still saved to {}", path.display()));
    let still = image::open(&path).expect("a PNG on disk").to_rgb8();
    assert_eq!((still.width(), still.height()), (8, 4));
    assert_eq!(still.get_pixel(3, 2).0, [200, 80, 40]);
}
