//! Renders the sample narratives, plus dreams in Arabic, Hindi and Yorùbá, with a few threads
//! speaking, as a still for judging the words on the cloak: `cargo run --example voices_still --
//! OUT.png [WIDTH HEIGHT DISTANCE]`.

use bevy::prelude::*;
use dreamloom::{
    camera::CameraRig,
    capture::{HeadlessRenderer, StillSettings},
    narrative::{Consent, Narrative, NarrativeId, sample_narratives},
    weave::{Voice, Voices},
};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "voices.png".into());
    let width = args.next().and_then(|a| a.parse().ok()).unwrap_or(1280);
    let height = args.next().and_then(|a| a.parse().ok()).unwrap_or(720);
    let distance: f32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(9.0);
    let mut narratives = sample_narratives().expect("samples");
    for (i, (text, origin)) in [
        (
            "حلمت أنني أمشي في سوق حلب القديم، والعطور تحملني إلى بيت جدتي",
            "حلب، سوريا",
        ),
        ("मैंने सपना देखा कि गंगा के किनारे दीप जल रहे हैं", "वाराणसी"),
        ("Mo lá àlá pé mo ń fò lórí òkun ní alẹ́", "Yorùbá, Ìbàdàn"),
    ]
    .into_iter()
    .enumerate()
    {
        narratives.push(Narrative {
            id: NarrativeId(1000 + i as u64),
            text: text.into(),
            origin: origin.into(),
            language: None,
            consent: Consent::default(),
        });
    }
    let speaking: Vec<(NarrativeId, Voice)> = [1000, 1001, 1002]
        .into_iter()
        .map(NarrativeId)
        .chain(narratives.iter().step_by(7).map(|n| n.id))
        .map(|id| (id, Voice::Read))
        .collect();
    let settings = StillSettings {
        width,
        height,
        seed: 7,
        seconds: 10.0,
    };
    let mut renderer = HeadlessRenderer::new_with(&settings, narratives, |app| {
        app.insert_resource(Voices {
            speaking,
            ..Voices::default()
        });
        let world = app.world_mut();
        let mut rigs = world.query::<&mut CameraRig>();
        for mut rig in rigs.iter_mut(world) {
            rig.distance = distance;
            rig.drift = 0.0;
        }
    })
    .expect("renders");
    renderer.set_time(13.0);
    renderer
        .capture()
        .expect("frame")
        .save(&out)
        .expect("saved");
    println!("{out}");
}
