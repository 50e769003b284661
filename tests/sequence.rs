//! Sequences: each frame is the still `render --time` gives for its moment, pixel for pixel; an
//! interrupted run resumes to the same files; a video has its frames, or, without ffmpeg, the
//! frames come as PNGs with a message saying why.
//!
//! These start the `dreamloom` binary; they need a Vulkan adapter (lavapipe is enough) and are
//! skipped without one unless `DREAMLOOM_REQUIRE_GPU=1`.

use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use dreamloom::testing::{TempDir, dreamloom_command, gpu_available, one_renderer_at_a_time};
use image::RgbaImage;

const SIZE: [&str; 4] = ["--width", "160", "--height", "90"];
const LOOK: [&str; 4] = ["--synthetic", "60", "--seed", "5"];

fn run<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Output {
    let output = dreamloom_command()
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

fn frame(path: &Path) -> RgbaImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8()
}

fn frames_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

#[test]
fn each_frame_is_the_still_of_its_moment() {
    if !gpu_available("each_frame_is_the_still_of_its_moment") {
        return;
    }
    // One renderer at a time: lavapipe on two cores is slow enough without three at once.
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("sequence-stills");
    let frames = dir.path().join("frames");
    let frames_arg = frames.to_str().expect("utf-8");
    // The show plays, its voices speaking: their words fade by the show's timetable, so a still
    // shows them as a sequence does.
    let mut args = vec![
        "sequence", "--from", "20", "--to", "20.2", "--fps", "20", "--show",
    ];
    args.extend(SIZE);
    args.extend(LOOK);
    args.extend(["--out", frames_arg]);
    run(&args);
    assert_eq!(
        frames_in(&frames),
        [
            "frame_000000.png",
            "frame_000001.png",
            "frame_000002.png",
            "frame_000003.png"
        ]
    );
    for (index, seconds) in [(0, "20"), (3, "20.15")] {
        let still = dir.path().join(format!("still_{index}.png"));
        let mut args = vec!["render", "--time", seconds, "--show"];
        args.extend(SIZE);
        args.extend(LOOK);
        args.extend(["--out", still.to_str().expect("utf-8")]);
        run(&args);
        let (a, b) = (
            frame(&still),
            frame(&frames.join(format!("frame_{index:06}.png"))),
        );
        // Pixel for pixel.
        let off = a.pixels().zip(b.pixels()).filter(|(p, q)| p != q).count();
        assert_eq!(
            off, 0,
            "frame {index} differs from render --time {seconds} in {off} pixels"
        );
    }
    // And the frames do move: the first and last differ.
    let (first, last) = (
        frame(&frames.join("frame_000000.png")),
        frame(&frames.join("frame_000003.png")),
    );
    assert!(
        first
            .pixels()
            .zip(last.pixels())
            .filter(|(p, q)| p != q)
            .count()
            > 100
    );
}

#[test]
fn an_interrupted_sequence_resumes_to_the_same_frames() {
    if !gpu_available("an_interrupted_sequence_resumes_to_the_same_frames") {
        return;
    }
    // One renderer at a time: lavapipe on two cores is slow enough without three at once.
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("sequence-resume");
    let whole = dir.path().join("whole");
    let resumed = dir.path().join("resumed");
    let sequence = |out: &Path| -> Vec<String> {
        let mut args: Vec<String> = ["sequence", "--from", "3", "--to", "3.8", "--fps", "10"]
            .into_iter()
            .chain(SIZE)
            .chain(LOOK)
            .map(String::from)
            .collect();
        args.extend(["--out".to_owned(), out.to_str().expect("utf-8").to_owned()]);
        args
    };
    run(&sequence(&whole));
    // Killed once some frames are written, then run again.
    let mut child = dreamloom_command()
        .args(sequence(&resumed))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_mins(2);
    while frames_in_or_none(&resumed) < 3 {
        assert!(Instant::now() < deadline, "no frames appeared");
        assert!(
            child.try_wait().expect("waits").is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("killed");
    child.wait().expect("reaped");
    let written = frames_in(&resumed)
        .iter()
        .filter(|n| n.starts_with("frame_"))
        .count();
    assert!(
        written < 8,
        "the run was killed before its end ({written} frames)"
    );
    let output = run(&sequence(&resumed));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("already there"), "{said}");
    let names: Vec<String> = frames_in(&resumed)
        .into_iter()
        .filter(|n| n.starts_with("frame_"))
        .collect();
    assert_eq!(names, frames_in(&whole));
    for name in &names {
        assert_eq!(
            frame(&whole.join(name)),
            frame(&resumed.join(name)),
            "{name}"
        );
    }
}

fn frames_in_or_none(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("frame_"))
            .count()
    })
}

#[test]
fn a_video_has_its_frames_and_without_ffmpeg_the_frames_come_as_pngs() {
    if !gpu_available("a_video_has_its_frames_and_without_ffmpeg_the_frames_come_as_pngs") {
        return;
    }
    // One renderer at a time: lavapipe on two cores is slow enough without three at once.
    let _gpu = one_renderer_at_a_time();
    let dir = TempDir::new("sequence-video");
    let video = dir.path().join("loop.mp4");
    let video_arg = video.to_str().expect("utf-8");
    let mut args = vec!["sequence", "--from", "0", "--to", "0.5", "--fps", "24"];
    args.extend(SIZE);
    args.extend(LOOK);
    args.extend(["--out", video_arg]);
    let has_ffmpeg = Command::new("ffprobe").arg("-version").output().is_ok();
    if has_ffmpeg {
        run(&args);
        let probe = Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v:0", "-count_frames"])
            .args([
                "-show_entries",
                "stream=nb_read_frames,width,height,codec_name",
            ])
            .args(["-of", "csv=p=0"])
            .arg(&video)
            .output()
            .expect("ffprobe runs");
        let said = String::from_utf8_lossy(&probe.stdout);
        assert_eq!(said.trim(), "h264,160,90,12", "ffprobe: {said}");
    } else if std::env::var("DREAMLOOM_REQUIRE_FFMPEG").is_ok_and(|v| v == "1") {
        panic!("ffmpeg is required here (DREAMLOOM_REQUIRE_FFMPEG=1) but ffprobe does not run");
    }
    // Without ffmpeg on PATH: the frames, beside the video, and a message saying so.
    let output = dreamloom_command()
        .args(&args)
        .env("PATH", dir.path())
        .output()
        .expect("dreamloom runs");
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("ffmpeg is not on PATH"), "{said}");
    let fallback = dir.path().join("loop_frames");
    assert_eq!(frames_in_or_none(&fallback), 12);
}
