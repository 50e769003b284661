//! `render` and `bench`: the piece without a window.

use std::{io::Write, path::Path, time::Instant};

use super::{Failure, open_store, render_failure};
use crate::{
    capture::{
        HeadlessRenderer, StillSettings,
        bench::{self, BenchResult, BenchSettings},
    },
    cli::{BenchArgs, RenderArgs},
    narrative::synthetic::synthetic_narratives,
    protocol::{ShowPlaying, show::Show},
    tuning::preset::Preset,
};

/// Renders one frame to a PNG and writes its path to `out`; progress goes to standard error.
pub fn render(data: &Path, args: RenderArgs, out: &mut impl Write) -> Result<(), Failure> {
    let RenderArgs {
        out: path,
        width,
        height,
        seed,
        seconds,
        show,
        preset,
        synthetic,
    } = args;
    let narratives = match synthetic {
        Some(count) => synthetic_narratives(count as usize, seed),
        None => open_store(data)?.reader()?.displayed()?,
    };
    let settings = StillSettings {
        width,
        height,
        seed,
        seconds,
    };
    let preset = preset.as_deref().map(Preset::load).transpose()?;
    let started = Instant::now();
    eprintln!(
        "dreamloom: rendering {width}×{height} (seed {seed}, {seconds:.1} s into the dream, {} threads): preparing the GPU…",
        narratives.len()
    );
    let frame = HeadlessRenderer::new_with(&settings, narratives, |app| {
        if show {
            app.insert_resource(ShowPlaying(Show::embedded()));
        }
        if let Some(preset) = preset {
            app.insert_resource(preset);
        }
    })
    .and_then(|mut renderer| renderer.capture())
    .map_err(render_failure)?;
    eprintln!(
        "dreamloom: frame ready after {:.1} s; writing {}…",
        started.elapsed().as_secs_f32(),
        path.display()
    );
    frame
        .save_with_format(&path, image::ImageFormat::Png)
        .map_err(|e| Failure::new(format!("could not write {}: {e}", path.display())))?;
    eprintln!(
        "dreamloom: done in {:.1} s",
        started.elapsed().as_secs_f32()
    );
    writeln!(out, "{}", path.display())?;
    Ok(())
}

/// Measures frame cost against thread count; a table (or JSON Lines) to `out`.
pub fn bench(args: BenchArgs, out: &mut impl Write) -> Result<(), Failure> {
    let BenchArgs {
        threads,
        size: (width, height),
        frames,
        seed,
        json,
        preset,
        speaking,
    } = args;
    let settings = BenchSettings {
        thread_counts: threads,
        width,
        height,
        frames,
        seed,
        preset: preset.as_deref().map(Preset::load).transpose()?,
        speaking: speaking as usize,
    };
    if !json {
        writeln!(
            out,
            "{:>8} {:>8} {:>10} {:>10} {:>12} {:>11} {:>9}",
            "threads", "speaking", "median ms", "p95 ms", "cpu ms/frame", "draw calls", "ratio"
        )?;
    }
    let mut written = Ok(());
    let results = bench::run(&settings, |r: &BenchResult| {
        let line = if json {
            serde_json::to_string(r).expect("results serialise")
        } else {
            format!(
                "{:>8} {:>8} {:>10.2} {:>10.2} {:>12.2} {:>11} {:>9.2}",
                r.threads,
                r.speaking,
                r.median_ms,
                r.p95_ms,
                r.cpu_ms_per_frame,
                r.thread_draw_calls + r.word_draw_calls,
                r.ratio_to_smallest
            )
        };
        if written.is_ok() {
            written = writeln!(out, "{line}");
        }
    })
    .map_err(render_failure)?;
    written?;
    if !json && let Some(first) = results.first() {
        writeln!(
            out,
            "adapter: {}; {}x{}, {} frames each, timestep 1/60 s",
            first.adapter, first.width, first.height, first.frames
        )?;
    }
    Ok(())
}
