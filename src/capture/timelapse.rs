//! The exhibition's life as a timelapse: its event log played back, compressed by a speed, with
//! the date and time in a corner. Video second `s` shows the log at `first + s × speed`: threads
//! weave in at their submission times, curators' moderation takes them off and puts them back,
//! the protocol's logged dissolutions and restorations play on them; withdrawn dreams are never
//! there. The dreamscape moves at the video's own pace (the dream clock is the video's time), so
//! the sky drifts as it does in the gallery rather than flickering.
//!
//! Every frame is a function of the log, the seed and its index: identical logs give identical
//! films, and an interrupted one resumes to the same frames.

use std::collections::HashMap;

use image::RgbaImage;

use super::sequence::MAX_FRAMES;
use crate::{
    narrative::{Appearance, Narrative, NarrativeArchive, timeline::Timeline},
    protocol::replay::ReplayedFates,
    text::{TextLook, Texts},
};

/// Video seconds after the log's last event, so its last threads finish weaving in.
pub const TAIL_SECONDS: f64 = 3.0;

/// How the log's time maps onto the film's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The log's first moment, milliseconds since the Unix epoch: the film's first frame.
    pub first_ms: i64,
    /// Its last: the film holds there for its last [`TAIL_SECONDS`].
    pub last_ms: i64,
    /// Seconds of the exhibition per second of film.
    pub speed: f64,
    pub fps: f64,
    pub frames: u64,
}

/// A timelapse refused, in words.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TimelapseError {
    #[error("--speed must be a number of exhibition seconds per film second above 0, not {0}")]
    Speed(f64),
    #[error("--fps must be between 0.001 and 1000, not {0}")]
    Fps(f64),
    #[error(
        "at --speed {speed} the film would have {frames} frames, more than a sequence may have \
         ({MAX_FRAMES}); raise --speed"
    )]
    TooLong { speed: f64, frames: u64 },
}

impl Plan {
    /// The film of `timeline` at `speed` exhibition seconds a second, `fps` frames a second: from
    /// its first event to [`TAIL_SECONDS`] after its last.
    pub fn new(timeline: &Timeline, speed: f64, fps: f64) -> Result<Self, TimelapseError> {
        if !(speed.is_finite() && speed > 0.0) {
            return Err(TimelapseError::Speed(speed));
        }
        if !(fps.is_finite() && (0.001..=1000.0).contains(&fps)) {
            return Err(TimelapseError::Fps(fps));
        }
        let span = (timeline.last_ms - timeline.first_ms) as f64 / 1000.0 / speed;
        let frames = ((span + TAIL_SECONDS) * fps - 1e-3).ceil().max(1.0) as u64;
        if frames > MAX_FRAMES {
            return Err(TimelapseError::TooLong { speed, frames });
        }
        Ok(Self {
            first_ms: timeline.first_ms,
            last_ms: timeline.last_ms,
            speed,
            fps,
            frames,
        })
    }

    /// Film (and dream clock) seconds of frame `index`.
    #[must_use]
    pub fn seconds_of(&self, index: u64) -> f32 {
        (index as f64 / self.fps) as f32
    }

    /// The exhibition's moment frame `index` shows, milliseconds since the Unix epoch: in the
    /// closing seconds, the log's last (the film does not run into the future).
    #[must_use]
    pub fn log_ms_of(&self, index: u64) -> i64 {
        let at = self.first_ms + (index as f64 / self.fps * self.speed * 1000.0).round() as i64;
        at.min(self.last_ms)
    }

    /// The film's seconds at the exhibition's moment `at_ms`.
    #[must_use]
    pub fn film_seconds(&self, at_ms: i64) -> f32 {
        ((at_ms - self.first_ms) as f64 / 1000.0 / self.speed) as f32
    }

    /// What the piece plays: the narratives, coming and going at their film times, and the
    /// protocol's fates.
    #[must_use]
    pub fn scene(&self, timeline: &Timeline) -> (Vec<Narrative>, NarrativeArchive, ReplayedFates) {
        let mut appearances = Vec::new();
        let mut fates = HashMap::new();
        for life in &timeline.lives {
            let id = life.narrative.id;
            appearances.extend(life.shown.iter().map(|&(from, until)| Appearance {
                id,
                from: self.film_seconds(from),
                until: until.map(|u| self.film_seconds(u)),
            }));
            if !life.fates.is_empty() {
                fates.insert(
                    id,
                    life.fates
                        .iter()
                        .map(|&(at, fate)| (self.film_seconds(at), fate))
                        .collect(),
                );
            }
        }
        let narratives: Vec<Narrative> =
            timeline.lives.iter().map(|l| l.narrative.clone()).collect();
        let archive = NarrativeArchive::timed(narratives.clone(), appearances);
        (narratives, archive, ReplayedFates(fates))
    }
}

/// The caption of the moment `at_ms`: its date and time, UTC, in ISO 8601's order, the same in
/// every language.
#[must_use]
pub fn caption(at_ms: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(at_ms.div_euclid(1000)) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}  {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// Writes `text` small and soft into the frame's lower left corner.
pub fn draw_caption(frame: &mut RgbaImage, text: &str) {
    let height = frame.height() as f32;
    let size = (height * 0.026).max(9.0);
    let margin = (height * 0.035).round() as i64;
    let mask = {
        let mut texts = Texts.lock();
        let shaped = texts.shape(text, &TextLook::line(size));
        texts.rasterise(&shaped, 1)
    };
    let top = i64::from(frame.height()) - margin - i64::from(mask.height);
    for my in 0..mask.height {
        for mx in 0..mask.width {
            let coverage = f32::from(mask.coverage[(my * mask.width + mx) as usize]) / 255.0;
            let (x, y) = (margin + i64::from(mx), top + i64::from(my));
            if coverage == 0.0
                || x < 0
                || y < 0
                || x >= i64::from(frame.width())
                || y >= i64::from(frame.height())
            {
                continue;
            }
            let alpha = 0.72 * coverage;
            let pixel = frame.get_pixel_mut(x as u32, y as u32);
            for c in 0..3 {
                let under = f32::from(pixel[c]);
                pixel[c] = (under + (236.0 - under) * alpha).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::{
        NarrativeId,
        timeline::{Fate, Life},
    };

    fn timeline() -> Timeline {
        let narrative = |id: u64| Narrative {
            id: NarrativeId(id),
            text: format!("dream {id}"),
            origin: "Here".into(),
            language: None,
            consent: crate::narrative::Consent::default(),
        };
        Timeline {
            lives: vec![
                Life {
                    narrative: narrative(1),
                    shown: vec![(1_000_000, Some(1_600_000)), (1_900_000, None)],
                    fates: vec![(2_000_000, Fate::Dissolved)],
                },
                Life {
                    narrative: narrative(2),
                    shown: vec![(1_360_000, None)],
                    fates: vec![],
                },
            ],
            first_ms: 1_000_000,
            last_ms: 4_600_000,
        }
    }

    #[test]
    fn frames_follow_the_speed() {
        // An hour of exhibition at 600× is 6 s of film, and 3 s of tail: 9 s at 10 frames/s.
        let plan = Plan::new(&timeline(), 600.0, 10.0).expect("a plan");
        assert_eq!(plan.frames, 90);
        assert_eq!(plan.log_ms_of(0), 1_000_000);
        assert_eq!(
            plan.log_ms_of(10),
            1_600_000,
            "a film second is ten minutes"
        );
        assert!((plan.film_seconds(1_360_000) - 0.6).abs() < 1e-6);
        let (narratives, archive, fates) = plan.scene(&timeline());
        assert_eq!(narratives.len(), 2);
        let shown =
            |s: f32| -> Vec<u64> { archive.displayed_at(s).iter().map(|n| n.id.0).collect() };
        assert_eq!(shown(0.5), vec![1]);
        assert_eq!(shown(0.7), vec![1, 2]);
        assert_eq!(shown(1.2), vec![2], "hidden from 1 s to 1.5 s");
        assert_eq!(shown(1.5), vec![1, 2]);
        assert_eq!(
            fates.0[&NarrativeId(1)],
            vec![(10.0 / 6.0, Fate::Dissolved)]
        );
    }

    #[test]
    fn a_bad_speed_is_refused_in_words() {
        assert_eq!(
            Plan::new(&timeline(), 0.0, 30.0),
            Err(TimelapseError::Speed(0.0))
        );
        assert!(matches!(
            Plan::new(&timeline(), 1e-6, 30.0),
            Err(TimelapseError::TooLong { .. })
        ));
    }

    #[test]
    fn the_caption_is_the_moments_date_and_time() {
        // 2026-03-12 14:05:30 UTC.
        assert_eq!(caption(1_773_324_330_000), "2026-03-12  14:05 UTC");
        let mut frame = RgbaImage::from_pixel(320, 180, image::Rgba([10, 10, 30, 255]));
        draw_caption(&mut frame, &caption(1_773_324_330_000));
        let lit = frame.pixels().filter(|p| p[0] > 60).count();
        assert!(lit > 50, "the caption is drawn ({lit} pixels)");
        let top_half_lit = frame
            .enumerate_pixels()
            .filter(|(_, y, p)| *y < 90 && p[0] > 60)
            .count();
        assert_eq!(top_half_lit, 0, "in the lower corner");
    }
}
