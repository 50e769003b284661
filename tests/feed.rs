//! The running piece follows the store: a narrative submitted by another process appears in the
//! archive the weave reads, and a withdrawn one leaves it.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use dreamloom::{
    narrative::{
        Consent, NarrativeArchive, StoreFeedPlugin,
        store::{Admission, Seed, Store},
        validate::{Submission, validate},
    },
    testing::TempDir,
};

fn app_following(store: &Store) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .init_resource::<NarrativeArchive>()
        .add_plugins(StoreFeedPlugin {
            database: store.database_path(),
        });
    app
}

/// Updates the app until `done` holds for its archive; returns how long that took.
fn update_until(app: &mut App, done: impl Fn(&NarrativeArchive) -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        app.update();
        if done(app.world().resource::<NarrativeArchive>()) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the archive never caught up with the store");
}

#[test]
fn submissions_and_withdrawals_reach_the_running_piece() {
    let dir = TempDir::new("feed");
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let samples = store.reader().unwrap().displayed().unwrap().len();
    let mut app = app_following(&store);
    update_until(&mut app, |archive| archive.narratives.len() == samples);

    let text = "The lighthouse keeper's daughter taught the fog to sing.";
    let receipt = store
        .submit(
            validate(&Submission {
                text: text.into(),
                origin: "Breton, Ouessant".into(),
                language: Some("br".into()),
                consent: Consent::default(),
            })
            .unwrap(),
            Admission::default(),
        )
        .unwrap();
    let woven_in = update_until(&mut app, |archive| {
        archive.narratives.iter().any(|n| n.text == text)
    });
    eprintln!("woven in {woven_in:?} after the commit");

    store.withdraw(receipt).unwrap();
    let unravelled = update_until(&mut app, |archive| {
        archive.narratives.len() == samples && archive.narratives.iter().all(|n| n.text != text)
    });
    eprintln!("unravelled {unravelled:?} after the withdrawal");
}

#[test]
fn hidden_from_display_never_reaches_the_cloak() {
    let dir = TempDir::new("feed-hidden");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let submit = |text: &str, display: bool| {
        store
            .submit(
                validate(&Submission {
                    text: text.into(),
                    origin: "Somewhere".into(),
                    language: None,
                    consent: Consent {
                        display,
                        sanctuary: false,
                    },
                })
                .unwrap(),
                Admission::default(),
            )
            .unwrap()
    };
    submit("private dream", false);
    submit("public dream", true);
    let mut app = app_following(&store);
    update_until(&mut app, |archive| archive.narratives.len() == 1);
    let archive = app.world().resource::<NarrativeArchive>();
    assert_eq!(archive.narratives[0].text, "public dream");
}
