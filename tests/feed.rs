//! The running piece follows the store: a narrative submitted by another process appears in the
//! archive the weave reads, and a withdrawn one leaves it.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use std::sync::Arc;

use dreamloom::{
    narrative::{
        Consent, NarrativeArchive,
        store::{Admission, Seed, Store},
        validate::{Submission, validate},
    },
    piece::PieceSettings,
    testing::{TempDir, simulation_app, update_until},
};

/// The piece without pixels, following `store`.
fn app_following(store: &Arc<Store>) -> App {
    simulation_app(
        PieceSettings {
            store: Some(Arc::clone(store)),
            ..PieceSettings::on(Vec::new())
        },
        0.0,
    )
}

/// Updates the app until `done` holds for its archive; returns how long that took.
fn archive_until(app: &mut App, done: impl Fn(&NarrativeArchive) -> bool) -> Duration {
    let start = Instant::now();
    update_until(app, "the archive to catch up with the store", |world| {
        done(world.resource::<NarrativeArchive>())
    });
    start.elapsed()
}

#[test]
fn submissions_and_withdrawals_reach_the_running_piece() {
    let dir = TempDir::new("feed");
    let store = Arc::new(Store::open(dir.path(), Seed::Samples).unwrap());
    let samples = store.reader().unwrap().displayed().unwrap().len();
    let mut app = app_following(&store);
    archive_until(&mut app, |archive| archive.narratives.len() == samples);

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
    let woven_in = archive_until(&mut app, |archive| {
        archive.narratives.iter().any(|n| n.text == text)
    });
    eprintln!("woven in {woven_in:?} after the commit");

    store.withdraw(receipt).unwrap();
    let unravelled = archive_until(&mut app, |archive| {
        archive.narratives.len() == samples && archive.narratives.iter().all(|n| n.text != text)
    });
    eprintln!("unravelled {unravelled:?} after the withdrawal");
}

#[test]
fn hidden_from_display_never_reaches_the_cloak() {
    let dir = TempDir::new("feed-hidden");
    let store = Arc::new(Store::open(dir.path(), Seed::Empty).unwrap());
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
    archive_until(&mut app, |archive| archive.narratives.len() == 1);
    let archive = app.world().resource::<NarrativeArchive>();
    assert_eq!(archive.narratives[0].text, "public dream");
}
