//! The words on the cloak: speaking threads show their dreams along them, every word in one draw
//! call, where their threads run — above them, not in the sky, not on silent threads.
//!
//! Render tests need a Vulkan adapter (lavapipe is enough); without one they are skipped unless
//! `DREAMLOOM_REQUIRE_GPU=1`.

use bevy::prelude::*;
use dreamloom::{
    camera::CameraRig,
    capture::{HeadlessRenderer, StillSettings},
    narrative::{Narrative, NarrativeId, synthetic::synthetic_narratives},
    testing::{gpu_available, keep, one_renderer_at_a_time},
    weave::{
        Cloak, CloakShape, Loom, MAX_VOICES, Voice, Voices, Words, cloak_uniform,
        path::thread_point,
    },
};
use image::RgbaImage;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 360;
/// The moment compared. Every frame starts two seconds before it, so that voices have faded in.
const SECONDS: f32 = 14.0;
/// Pixels from a thread's path within which its words (standing on it, with their halo) lie.
const WORD_REACH: f32 = 28.0;

/// Renders `narratives` at [`SECONDS`] with `voices` speaking since two seconds before — none
/// for the silent frame, rendered the same way — the camera close and still, so that words are
/// large enough to find.
fn render(
    narratives: &[Narrative],
    voices: &[(NarrativeId, Voice)],
) -> (HeadlessRenderer, RgbaImage) {
    let settings = StillSettings {
        width: WIDTH,
        height: HEIGHT,
        seed: 7,
        seconds: SECONDS - 2.0,
    };
    let voices = Voices {
        speaking: voices.to_vec(),
        ..Voices::default()
    };
    let mut renderer = HeadlessRenderer::new_with(&settings, narratives.to_vec(), |app| {
        app.insert_resource(voices);
        let world = app.world_mut();
        let mut rigs = world.query::<&mut CameraRig>();
        for mut rig in rigs.iter_mut(world) {
            rig.distance = 7.0;
            rig.drift = 0.0;
        }
    })
    .expect("the piece renders");
    renderer.set_time(SECONDS);
    let frame = renderer.capture().expect("a frame is captured");
    (renderer, frame)
}

/// Pixels where two frames differ visibly.
fn changed(a: &RgbaImage, b: &RgbaImage) -> Vec<(u32, u32)> {
    a.enumerate_pixels()
        .filter(|(x, y, p)| {
            p.0.iter()
                .zip(b.get_pixel(*x, *y).0)
                .any(|(p, q)| p.abs_diff(q) > 16)
        })
        .map(|(x, y, _)| (x, y))
        .collect()
}

/// Points along each of `ids`' threads on screen, as the renderer's camera saw them.
fn thread_paths(renderer: &mut HeadlessRenderer, ids: &[NarrativeId]) -> Vec<Vec<Vec2>> {
    let (camera, at) = renderer.camera();
    let world = renderer.world_mut();
    let loom = world.resource::<Loom>();
    let (cloak, entries) = cloak_uniform(loom, world.resource::<CloakShape>(), SECONDS);
    ids.iter()
        .filter_map(|&id| loom.entry_of(id))
        .map(|entry| {
            (0..=200)
                .filter_map(|i| {
                    let u = i as f32 / 200.0;
                    let point = thread_point(&cloak, &entries[entry], entry as u32, u, SECONDS);
                    camera.world_to_viewport(&at, point).ok()
                })
                .collect()
        })
        .collect()
}

/// Which pixels lie within `reach` of any of `paths`, row by row.
fn near(paths: &[Vec<Vec2>], reach: f32) -> Vec<bool> {
    let mut mask = vec![false; (WIDTH * HEIGHT) as usize];
    let r = reach.ceil() as i64;
    for point in paths.iter().flatten() {
        let (cx, cy) = (point.x.round() as i64, point.y.round() as i64);
        for y in (cy - r).max(0)..=(cy + r).min(i64::from(HEIGHT) - 1) {
            for x in (cx - r).max(0)..=(cx + r).min(i64::from(WIDTH) - 1) {
                let d = Vec2::new(x as f32, y as f32).distance(*point);
                if d <= reach {
                    mask[(y * i64::from(WIDTH) + x) as usize] = true;
                }
            }
        }
    }
    mask
}

fn share_near(pixels: &[(u32, u32)], mask: &[bool]) -> f32 {
    let inside = pixels
        .iter()
        .filter(|&&(x, y)| mask[(y * WIDTH + x) as usize])
        .count();
    inside as f32 / pixels.len().max(1) as f32
}

fn entity_with<C: Component>(renderer: &mut HeadlessRenderer) -> Entity {
    let world = renderer.world_mut();
    world
        .query_filtered::<Entity, With<C>>()
        .single(world)
        .unwrap()
}

#[test]
fn sixty_four_speaking_threads_show_their_words_along_them_in_one_draw() {
    if !gpu_available("sixty_four_speaking_threads_show_their_words_along_them_in_one_draw") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let narratives = synthetic_narratives(128, 3);
    // Every second thread speaks: sixty-four, as many as may.
    let speaking: Vec<(NarrativeId, Voice)> = narratives
        .iter()
        .skip(1)
        .step_by(2)
        .take(MAX_VOICES)
        .map(|n| (n.id, Voice::Show))
        .collect();
    assert_eq!(speaking.len(), 64);
    let (_, silent) = render(&narratives, &[]);
    let (mut renderer, spoken) = render(&narratives, &speaking);
    keep(&silent, "words_silent.png");
    keep(&spoken, "words_64_speaking.png");

    // All the words are one draw call, as all the threads are.
    let (words, cloak) = (
        entity_with::<Words>(&mut renderer),
        entity_with::<Cloak>(&mut renderer),
    );
    assert_eq!(renderer.draws_of(words), 1, "the words take one draw call");
    assert_eq!(renderer.draws_of(cloak), 1);

    let differ = changed(&silent, &spoken);
    let total = (WIDTH * HEIGHT) as usize;
    eprintln!("64 voices change {} of {total} pixels", differ.len());
    assert!(
        differ.len() * 100 >= total,
        "the words barely show: {} pixels changed",
        differ.len()
    );
    // Where the words are: along the speaking threads, not in the sky or off the cloak.
    let ids: Vec<NarrativeId> = speaking.iter().map(|&(id, _)| id).collect();
    let paths = thread_paths(&mut renderer, &ids);
    assert_eq!(paths.len(), 64, "every speaking thread is on the loom");
    let along = share_near(&differ, &near(&paths, WORD_REACH));
    eprintln!(
        "{:.1} % of the changed pixels lie along speaking threads",
        100.0 * along
    );
    assert!(
        along >= 0.9,
        "words appear away from their threads: {along:.3}"
    );
}

#[test]
fn one_speaking_thread_shows_its_words_just_above_it() {
    if !gpu_available("one_speaking_thread_shows_its_words_just_above_it") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let narratives = synthetic_narratives(128, 3);
    let (mut silent_renderer, silent) = render(&narratives, &[]);
    // A thread across the wide lower cloak, where the whole of its words can be seen.
    let id = silent_renderer
        .world()
        .resource::<Loom>()
        .threads()
        .iter()
        .min_by(|a, b| (a.slot - 0.62).abs().total_cmp(&(b.slot - 0.62).abs()))
        .map(|t| t.id)
        .expect("threads on the loom");
    let (mut renderer, spoken) = render(&narratives, &[(id, Voice::Read)]);
    keep(&spoken, "words_one_voice.png");

    let differ = changed(&silent, &spoken);
    eprintln!("one voice changes {} pixels", differ.len());
    assert!(
        differ.len() >= 300,
        "a line of words should change hundreds of pixels, not {}",
        differ.len()
    );
    let path = thread_paths(&mut renderer, &[id]);
    let silent_path = thread_paths(&mut silent_renderer, &[id]);
    assert_eq!(
        path, silent_path,
        "both frames show the thread in one place"
    );
    let along = share_near(&differ, &near(&path, WORD_REACH));
    assert!(
        along >= 0.85,
        "only {along:.3} of the change lies along the thread"
    );
    // The words stand on the thread: most of their pixels are above its path on screen.
    let above = differ
        .iter()
        .filter(|&&(x, y)| {
            let pixel = Vec2::new(x as f32, y as f32);
            path[0]
                .iter()
                .min_by(|a, b| a.distance(pixel).total_cmp(&b.distance(pixel)))
                .is_some_and(|nearest| pixel.y <= nearest.y + 3.0)
        })
        .count();
    assert!(
        above * 10 >= differ.len() * 7,
        "{above} of {} changed pixels are above the thread",
        differ.len()
    );
}
