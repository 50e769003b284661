//! `dreamloom bench`: frame cost against thread count, headless, with a fixed timestep and seed.
//!
//! For each thread count it renders warm-up frames, then N measured frames of synthetic narratives,
//! each at exactly 1/60 s more on the dream clock, and reports the median and 95th-percentile
//! frame time (CPU and GPU: each frame is waited for), the process CPU time per frame, how many
//! draw calls the threads and their words took, and each count's cost relative to the smallest.
//! With `speaking`, each count is measured twice: silent, then with that many threads showing
//! their words — the words' cost is the difference.

use std::time::Instant;

use serde::Serialize;

use super::{HeadlessRenderer, RenderError, StillSettings, gpu};
use crate::{
    narrative::{Narrative, synthetic::synthetic_narratives},
    weave::{Cloak, MAX_VOICES, Voice, Voices, Words},
};

/// Frames rendered before measuring, so caches and allocations settle.
const WARMUP_FRAMES: u32 = 5;
/// The fixed timestep of the dream clock, seconds.
const TIMESTEP: f32 = 1.0 / 60.0;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    pub thread_counts: Vec<usize>,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    pub seed: u64,
    /// The look to measure with.
    pub preset: Option<crate::tuning::preset::Preset>,
    /// Threads that speak (show their words) in a second run of each count; 0 measures silent
    /// cloaks only. At most [`MAX_VOICES`].
    pub speaking: usize,
    /// A dome or a panorama instead of the flat view, to measure what the cube map costs.
    pub projection: Option<crate::immersive::Immersive>,
}

/// The figures for one thread count (one JSON object with `--json`).
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub threads: usize,
    /// Threads whose words were shown.
    pub speaking: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub cpu_ms_per_frame: f64,
    pub thread_draw_calls: usize,
    /// Draw calls the words took (one, whatever the number of speaking threads).
    pub word_draw_calls: usize,
    pub ratio_to_smallest: f64,
    pub adapter: String,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

/// The voices of `speaking` threads spread evenly through `narratives`.
fn voices_of(narratives: &[Narrative], speaking: usize) -> Voices {
    let speaking = speaking.min(MAX_VOICES);
    let every = (narratives.len() / speaking.max(1)).max(1);
    Voices {
        speaking: narratives
            .iter()
            .step_by(every)
            .take(speaking)
            .map(|n| (n.id, Voice::Show))
            .collect(),
        ..Voices::default()
    }
}

/// Runs the benchmark; `report` hears each count's result as soon as it is measured (the ratio is
/// filled in relative to the first, smallest count).
pub fn run(
    settings: &BenchSettings,
    mut report: impl FnMut(&BenchResult),
) -> Result<Vec<BenchResult>, RenderError> {
    let BenchSettings {
        thread_counts,
        width,
        height,
        frames,
        seed,
        preset,
        speaking,
        projection,
    } = settings;
    let (width, height, frames, seed, speaking) = (*width, *height, *frames, *seed, *speaking);
    let adapter = gpu::find_adapter().ok_or(RenderError::NoAdapter)?;
    let adapter = gpu::describe(&adapter);
    let mut counts = thread_counts.clone();
    counts.sort_unstable();
    counts.dedup();
    let runs: Vec<usize> = if speaking > 0 {
        vec![0, speaking.min(MAX_VOICES)]
    } else {
        vec![0]
    };
    let mut results: Vec<BenchResult> = Vec::new();
    for (threads, speaking) in counts
        .into_iter()
        .flat_map(|threads| runs.iter().map(move |&speaking| (threads, speaking)))
    {
        let still = StillSettings {
            width,
            height,
            seed,
            seconds: 0.0,
        };
        let preset = preset.clone();
        let narratives = synthetic_narratives(threads, seed);
        let voices = voices_of(&narratives, speaking);
        let mut renderer = HeadlessRenderer::new_with(&still, narratives, |app| {
            if let Some(preset) = preset {
                app.insert_resource(preset);
            }
            app.insert_resource(voices);
            if let Some(projection) = *projection {
                crate::immersive::make_immersive(app.world_mut(), projection);
            }
        })?;
        let cloak = renderer
            .world_mut()
            .query_filtered::<bevy::prelude::Entity, bevy::prelude::With<Cloak>>()
            .iter(renderer.world())
            .next();
        let words = renderer
            .world_mut()
            .query_filtered::<bevy::prelude::Entity, bevy::prelude::With<Words>>()
            .iter(renderer.world())
            .next();
        for frame in 0..WARMUP_FRAMES {
            renderer.set_time(frame as f32 * TIMESTEP);
            renderer.frame()?;
        }
        let mut frame_ms = Vec::with_capacity(frames as usize);
        let cpu_before = process_cpu_seconds();
        for frame in 0..frames {
            renderer.set_time((WARMUP_FRAMES + frame) as f32 * TIMESTEP);
            let start = Instant::now();
            renderer.frame()?;
            frame_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        let cpu_seconds = process_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
        let thread_draw_calls = cloak.map_or(0, |cloak| renderer.draws_of(cloak));
        let word_draw_calls = words.map_or(0, |words| renderer.draws_of(words));
        frame_ms.sort_by(f64::total_cmp);
        let median_ms = percentile(&frame_ms, 0.5);
        let result = BenchResult {
            threads,
            speaking,
            median_ms,
            p95_ms: percentile(&frame_ms, 0.95),
            cpu_ms_per_frame: cpu_seconds
                .map_or(f64::NAN, |s| s * 1000.0 / f64::from(frames.max(1))),
            thread_draw_calls,
            word_draw_calls,
            ratio_to_smallest: results
                .first()
                .map_or(1.0, |smallest| median_ms / smallest.median_ms),
            adapter: adapter.clone(),
            width,
            height,
            frames,
        };
        report(&result);
        results.push(result);
    }
    Ok(results)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (Linux; `None` elsewhere).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name; Linux
    // reports them in units of 1/100 s (USER_HZ).
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaking_threads_are_spread_through_the_cloak_and_capped() {
        let narratives = synthetic_narratives(1000, 1);
        let voices = voices_of(&narratives, 64);
        assert_eq!(voices.len(), 64);
        assert_eq!(voices.speaking[1].0, narratives[15].id);
        assert_eq!(voices_of(&narratives, 500).len(), MAX_VOICES);
        assert!(voices_of(&narratives, 0).is_empty());
        assert_eq!(voices_of(&narratives[..10], 64).len(), 10);
    }

    #[test]
    fn percentiles_pick_from_the_sorted_list() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert!((percentile(&values, 0.5) - 51.0).abs() < 1e-9);
        assert!((percentile(&values, 0.95) - 95.0).abs() < 1e-9);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn cpu_time_is_read_and_grows() {
        let before = process_cpu_seconds().expect("Linux /proc");
        let mut x = 0u64;
        let start = Instant::now();
        while start.elapsed().as_millis() < 50 {
            x = x.wrapping_add(crate::hash::splitmix64(x));
        }
        std::hint::black_box(x);
        assert!(process_cpu_seconds().unwrap() >= before);
    }
}
