//! The exhibition's timelapse: a withdrawn dream is in no frame, not even before its withdrawal;
//! the film's length follows `--speed`; an interrupted film resumes to the same frames.
//!
//! These start the `dreamloom` binary; they need a Vulkan adapter (lavapipe is enough) and are
//! skipped without one unless `DREAMLOOM_REQUIRE_GPU=1`.

use std::{
    path::Path,
    process::Output,
    time::{SystemTime, UNIX_EPOCH},
};

use dreamloom::testing::{TempDir, dreamloom_command, gpu_available, one_renderer_at_a_time};

const HOUR_MS: i64 = 3_600_000;
/// Exhibition seconds per film second: two hours a second.
const SPEED: f64 = 7_200.0;
const FPS: f64 = 4.0;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

fn run(data: &Path, args: &[&str]) -> Output {
    let output = dreamloom_command()
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("dreamloom runs");
    assert!(
        output.status.success(),
        "dreamloom {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A store whose dreams came over the last ten hours, two hours apart: A, B, C, D, and E, which
/// was never to be shown. `shown` says whether C may be shown; then `withdrawn` is withdrawn.
/// Returns the first dream's time and the bounds of the withdrawal's.
fn exhibition(data: &Path, c_shown: bool, withdrawn: &str, start: i64) -> (i64, i64, i64) {
    let lines: Vec<String> = [
        (
            "A0A0A0",
            "A river that sang our names.",
            "Yoruba, Lagos",
            true,
        ),
        (
            "B1B1B1",
            "Snow fell upward into the lanterns.",
            "Sámi, Kautokeino",
            true,
        ),
        (
            "C2C2C2",
            "My grandmother's loom wove the sea.",
            "Quechua, Cusco",
            c_shown,
        ),
        (
            "D3D3D3",
            "We crossed the desert on a paper boat.",
            "Tuareg, Agadez",
            true,
        ),
        ("E4E4E4", "A door in the rain.", "Welsh, Bangor", false),
    ]
    .iter()
    .enumerate()
    .map(|(i, (receipt, text, origin, display))| {
        serde_json::json!({
            "receipt": receipt,
            "text": text,
            "origin": origin,
            "display": display,
            "created_at_ms": start + 2 * HOUR_MS * i64::try_from(i).expect("few"),
        })
        .to_string()
    })
    .collect();
    std::fs::create_dir_all(data).expect("data folder");
    let file = data.join("dreams.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("import file");
    run(data, &["import", file.to_str().expect("utf-8")]);
    let before = now_ms();
    run(data, &["withdraw", withdrawn]);
    (start, before, now_ms())
}

fn timelapse(data: &Path, out: &Path) {
    run(
        data,
        &[
            "timelapse",
            "--speed",
            &SPEED.to_string(),
            "--fps",
            &FPS.to_string(),
            "--width",
            "160",
            "--height",
            "90",
            "--seed",
            "11",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
}

fn frames(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut frames: Vec<_> = std::fs::read_dir(folder)
        .expect("frames")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    frames.sort();
    frames
}

/// Frames of a film from `first` to `last` (the plan's rule: the log's span at the speed, and
/// three seconds for the last threads to weave in).
fn expected_frames(first: i64, last: i64) -> u64 {
    (((last - first) as f64 / 1000.0 / SPEED + 3.0) * FPS - 1e-3).ceil() as u64
}

#[test]
fn a_withdrawn_dream_is_in_no_frame_and_the_film_follows_the_speed() {
    if !gpu_available("a_withdrawn_dream_is_in_no_frame_and_the_film_follows_the_speed") {
        return;
    }
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("timelapse");
    let start = now_ms() - 10 * HOUR_MS;
    // The exhibition: C was shown, then withdrawn by its owner.
    let withdrawn_store = dir.path().join("withdrawn");
    let (first, before, after) = exhibition(&withdrawn_store, true, "C2C2C2", start);
    // The same exhibition had C never been shown (and E withdrawn instead, so that the log
    // ends with a withdrawal too).
    let control_store = dir.path().join("control");
    exhibition(&control_store, false, "E4E4E4", start);

    let film = dir.path().join("film");
    let control = dir.path().join("control-film");
    timelapse(&withdrawn_store, &film);
    timelapse(&control_store, &control);
    let film_frames = frames(&film);
    let count = film_frames.len() as u64;
    assert!(
        (expected_frames(first, before)..=expected_frames(first, after)).contains(&count),
        "{count} frames for ten hours at {SPEED}×, {FPS} frames/s"
    );

    // Every frame before the store was made (after that, the samples a new store gets arrive
    // a moment apart in the two) is the same as the control's: C is in none, not even in the
    // six hours between its submission and its withdrawal.
    let made = ((before - first) as f64 / 1000.0 / SPEED * FPS) as usize - 1;
    let control_frames = frames(&control);
    let mut compared = 0;
    for (a, b) in film_frames.iter().zip(&control_frames).take(made) {
        let (fa, fb) = (
            image::open(a).expect("frame"),
            image::open(b).expect("frame"),
        );
        assert!(
            fa.as_bytes() == fb.as_bytes(),
            "{} differs from the film without the withdrawn dream",
            a.display()
        );
        compared += 1;
    }
    assert!(compared >= 18, "compared {compared} frames");
    // And the film is not still: the dreams do arrive (frame 4, the second dream's, against 0).
    let early = image::open(&film_frames[1]).expect("frame");
    let later = image::open(&film_frames[12]).expect("frame");
    assert!(early.as_bytes() != later.as_bytes(), "the cloak grows");

    // At half the speed, the log takes twice as long.
    let slow = dir.path().join("slow");
    run(
        &withdrawn_store,
        &[
            "timelapse",
            "--speed",
            &(SPEED / 2.0).to_string(),
            "--fps",
            &FPS.to_string(),
            "--width",
            "32",
            "--height",
            "18",
            "--no-caption",
            "--out",
            slow.to_str().expect("utf-8"),
        ],
    );
    let slow_count = frames(&slow).len() as u64;
    let twice = |last: i64| {
        (((last - first) as f64 / 1000.0 / (SPEED / 2.0) + 3.0) * FPS - 1e-3).ceil() as u64
    };
    assert!(
        (twice(before)..=twice(after)).contains(&slow_count),
        "{slow_count} frames at half the speed"
    );

    // Interrupted films resume to the same frames: take some away, render again.
    let originals: Vec<Vec<u8>> = [3usize, 9, 10, 17]
        .iter()
        .map(|&i| std::fs::read(&film_frames[i]).expect("frame"))
        .collect();
    for &i in &[3usize, 9, 10, 17] {
        std::fs::remove_file(&film_frames[i]).expect("removed");
    }
    let modified = |i: usize| {
        std::fs::metadata(&film_frames[i])
            .and_then(|m| m.modified())
            .expect("frame's time")
    };
    let kept_before = modified(4);
    timelapse(&withdrawn_store, &film);
    assert_eq!(
        modified(4),
        kept_before,
        "a frame already there is not rendered again"
    );
    for (k, &i) in [3usize, 9, 10, 17].iter().enumerate() {
        let again = image::open(&film_frames[i]).expect("frame again");
        let first_time = image::load_from_memory(&originals[k]).expect("original");
        assert!(
            again.as_bytes() == first_time.as_bytes(),
            "frame {i} resumed differs from the uninterrupted film"
        );
    }
}
