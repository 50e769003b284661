//! Sequences: frames rendered headless at exact times (frame i at `from + i / fps`), written one
//! at a time as they are rendered, so memory stays flat however long the sequence is.
//!
//! Into a folder, each frame is a PNG written under a temporary name and renamed when complete,
//! so an interrupted run leaves only whole frames and the next run continues from the first one
//! missing. Into a `.mp4` or `.webm` file, raw frames are piped to `ffmpeg` (no temporary PNGs);
//! without ffmpeg on `PATH`, the frames go to a folder beside the file instead, and the caller is
//! told so.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
};

use image::RgbaImage;

/// Most frames one sequence may have (a day at 60 frames a second is 5.2 million).
pub const MAX_FRAMES: u64 = 10_000_000;

/// The frames of a sequence: how many, and the time of each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub from: f64,
    pub to: f64,
    pub fps: f64,
}

/// A sequence refused, in words.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SequenceError {
    #[error("--to ({to} s) must come after --from ({from} s)")]
    Backwards { from: f64, to: f64 },
    #[error("--fps must be between 0.001 and 1000, not {0}")]
    Fps(f64),
    #[error("{0} frames is more than a sequence may have ({MAX_FRAMES})")]
    TooLong(u64),
}

impl Timing {
    /// Checks the times and the rate.
    pub fn new(from: f64, to: f64, fps: f64) -> Result<Self, SequenceError> {
        if !(fps.is_finite() && (0.001..=1000.0).contains(&fps)) {
            return Err(SequenceError::Fps(fps));
        }
        if to.partial_cmp(&from) != Some(std::cmp::Ordering::Greater) {
            return Err(SequenceError::Backwards { from, to });
        }
        let timing = Self { from, to, fps };
        if timing.frames() > MAX_FRAMES {
            return Err(SequenceError::TooLong(timing.frames()));
        }
        Ok(timing)
    }

    /// Frames from `from` up to, not including, `to`.
    #[must_use]
    pub fn frames(&self) -> u64 {
        // A hair over a whole number is that number (0 to 1 s at 30 fps is 30 frames, and 20 to
        // 20.2 s at 20 fps is 4 even though 20.2 as an `f32` is 20.200000763).
        ((self.to - self.from) * self.fps - 1e-3).ceil().max(0.0) as u64
    }

    /// Seconds into the dream of frame `index`: computed from the index, never accumulated, so
    /// frame 10,000 is exactly where `render --time` puts it.
    #[must_use]
    pub fn seconds_of(&self, index: u64) -> f32 {
        (self.from + index as f64 / self.fps) as f32
    }
}

/// Where a sequence goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A folder of `frame_000000.png`…
    Frames(PathBuf),
    /// A video file, encoded by ffmpeg.
    Video(PathBuf),
}

impl Output {
    /// A path ending in `.mp4` or `.webm` is a video; anything else a folder of frames.
    #[must_use]
    pub fn of(path: &Path) -> Self {
        let video = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("mp4") || e.eq_ignore_ascii_case("webm"));
        if video {
            Self::Video(path.to_owned())
        } else {
            Self::Frames(path.to_owned())
        }
    }

    /// The folder the frames of a video go to when there is no ffmpeg: beside it, named after it.
    #[must_use]
    pub fn fallback_folder(video: &Path) -> PathBuf {
        let stem = video
            .file_stem()
            .map_or_else(|| "sequence".into(), |s| s.to_string_lossy().into_owned());
        video.with_file_name(format!("{stem}_frames"))
    }
}

/// The file of frame `index` in `folder`.
#[must_use]
pub fn frame_path(folder: &Path, index: u64) -> PathBuf {
    folder.join(format!("frame_{index:06}.png"))
}

/// The frames of `frames` not yet in `folder`: what an interrupted run still has to render.
/// Frames are renamed into place only when whole, so a frame that is there is complete.
#[must_use]
pub fn missing_frames(folder: &Path, frames: u64) -> Vec<u64> {
    (0..frames)
        .filter(|&index| !frame_path(folder, index).is_file())
        .collect()
}

/// Writes `frame` as frame `index` of `folder`: under a temporary name, then renamed, so that no
/// half-written frame ever carries a frame's name.
pub fn write_frame(folder: &Path, index: u64, frame: &RgbaImage) -> std::io::Result<()> {
    let path = frame_path(folder, index);
    let partial = folder.join(format!(".frame_{index:06}.png.partial"));
    frame
        .save_with_format(&partial, image::ImageFormat::Png)
        .map_err(std::io::Error::other)?;
    std::fs::rename(&partial, &path)
}

/// Whether `ffmpeg` runs.
#[must_use]
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// ffmpeg encoding raw RGBA frames from its standard input into `video`.
pub struct Encoder {
    child: Child,
    input: Option<ChildStdin>,
}

impl Encoder {
    /// Starts ffmpeg for frames of `width`×`height` at `fps`: H.264 for `.mp4`, VP9 for `.webm`,
    /// both in 4:2:0 so that any player opens them.
    pub fn start(video: &Path, width: u32, height: u32, fps: f64) -> std::io::Result<Self> {
        let webm = video
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("webm"));
        let codec: &[&str] = if webm {
            &[
                "-c:v",
                "libvpx-vp9",
                "-b:v",
                "0",
                "-crf",
                "30",
                "-row-mt",
                "1",
            ]
        } else {
            &["-c:v", "libx264", "-preset", "medium", "-crf", "18"]
        };
        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y"])
            .args(["-f", "rawvideo", "-pix_fmt", "rgba"])
            .args(["-s", &format!("{width}x{height}")])
            .args(["-r", &format!("{fps}")])
            .args(["-i", "-"])
            .args(codec)
            // Even sides for 4:2:0 (a frame of odd size loses its last row or column).
            .args([
                "-vf",
                "crop=trunc(iw/2)*2:trunc(ih/2)*2",
                "-pix_fmt",
                "yuv420p",
            ])
            .arg(video)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let input = child.stdin.take();
        Ok(Self { child, input })
    }

    /// Sends one frame.
    pub fn push(&mut self, frame: &RgbaImage) -> std::io::Result<()> {
        match &mut self.input {
            Some(input) => input.write_all(frame.as_raw()),
            None => Err(std::io::Error::other("ffmpeg's input is closed")),
        }
    }

    /// Closes the input and waits for ffmpeg to finish the file.
    pub fn finish(mut self) -> std::io::Result<()> {
        drop(self.input.take());
        let status = self.child.wait()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("ffmpeg failed ({status})")))
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // Not finished (an error on the way): ffmpeg is not left waiting for frames.
        if self.input.take().is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One line of progress: frames done, rate and time left.
#[must_use]
pub fn progress_line(done: u64, total: u64, elapsed_seconds: f64, rendered: u64) -> String {
    let percent = 100.0 * done as f64 / total.max(1) as f64;
    if rendered == 0 || elapsed_seconds <= 0.0 {
        return format!("frame {done}/{total} ({percent:.1} %)");
    }
    let rate = rendered as f64 / elapsed_seconds;
    let left = (total - done) as f64 / rate;
    format!(
        "frame {done}/{total} ({percent:.1} %), {rate:.2} frames/s, {} left",
        duration_in_words(left)
    )
}

/// A duration as a person reads it: `42 s`, `3 min 05 s`, `2 h 07 min`.
#[must_use]
pub fn duration_in_words(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_counted_and_timed_from_their_index() {
        let t = Timing::new(10.0, 11.0, 30.0).unwrap();
        assert_eq!(t.frames(), 30);
        assert!((t.seconds_of(0) - 10.0).abs() < 1e-6);
        assert!((t.seconds_of(15) - 10.5).abs() < 1e-6);
        let t = Timing::new(0.0, 0.1, 24.0).unwrap();
        assert_eq!(t.frames(), 3, "0, 1/24 and 2/24 s come before 0.1 s");
        let t = Timing::new(20.0, f64::from(20.2f32), 20.0).unwrap();
        assert_eq!(t.frames(), 4, "times typed as f32 are not a frame longer");
        // Far into a long sequence the time is still exact.
        let long = Timing::new(0.0, 100_000.0, 60.0).unwrap();
        assert!((f64::from(long.seconds_of(5_999_999)) - 99_999.983_3).abs() < 0.01);
    }

    #[test]
    fn bad_timings_are_refused_in_words() {
        assert_eq!(
            Timing::new(5.0, 5.0, 30.0),
            Err(SequenceError::Backwards { from: 5.0, to: 5.0 })
        );
        assert_eq!(Timing::new(0.0, 1.0, 0.0), Err(SequenceError::Fps(0.0)));
        assert!(matches!(
            Timing::new(0.0, 1.0, f64::NAN),
            Err(SequenceError::Fps(_))
        ));
        assert!(matches!(
            Timing::new(0.0, 1.0e9, 60.0),
            Err(SequenceError::TooLong(_))
        ));
    }

    #[test]
    fn outputs_are_told_apart_by_their_extension() {
        assert_eq!(
            Output::of(Path::new("out/trailer.MP4")),
            Output::Video("out/trailer.MP4".into())
        );
        assert_eq!(
            Output::of(Path::new("trailer.webm")),
            Output::Video("trailer.webm".into())
        );
        assert_eq!(
            Output::of(Path::new("frames")),
            Output::Frames("frames".into())
        );
        assert_eq!(
            Output::fallback_folder(Path::new("out/trailer.mp4")),
            PathBuf::from("out/trailer_frames")
        );
    }

    #[test]
    fn a_run_resumes_with_the_frames_missing() {
        let dir = std::env::temp_dir().join(format!("dreamloom-seq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let frame = RgbaImage::new(4, 4);
        for index in [0, 1, 2, 4] {
            write_frame(&dir, index, &frame).unwrap();
        }
        // A partial file left by a killed run is not a frame.
        std::fs::write(dir.join(".frame_000003.png.partial"), b"half").unwrap();
        assert_eq!(missing_frames(&dir, 6), [3, 5]);
        write_frame(&dir, 3, &frame).unwrap();
        assert_eq!(missing_frames(&dir, 6), [5]);
        assert!(missing_frames(&dir, 5).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn progress_says_how_long_is_left() {
        assert_eq!(progress_line(0, 300, 0.0, 0), "frame 0/300 (0.0 %)");
        assert_eq!(
            progress_line(100, 300, 50.0, 100),
            "frame 100/300 (33.3 %), 2.00 frames/s, 1 min 40 s left"
        );
        assert_eq!(duration_in_words(7620.0), "2 h 07 min");
    }
}
