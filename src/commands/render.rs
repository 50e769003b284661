//! `render`, `sequence` and `bench`: the piece without a window.

use std::{
    io::{IsTerminal, Write},
    path::Path,
    time::Instant,
};

use super::{Failure, Place, open_store, render_failure};
use crate::{
    capture::{
        HeadlessRenderer, MAX_SIDE, StillSettings,
        bench::{self, BenchResult, BenchSettings},
        print::{self, Tiling},
        sequence::{self, Encoder, Output, Timing},
        timelapse,
    },
    cli::{BenchArgs, FilmArgs, RenderArgs, SceneArgs, SequenceArgs, TimelapseArgs},
    immersive::{Immersive, make_immersive},
    narrative::{synthetic::synthetic_narratives, timeline::Timeline},
    outputs::{Layout, finish_output},
    protocol::{ShowPlaying, show::Show},
    tuning::preset::Preset,
};

/// Renders one frame to a PNG and writes its path to `out`; progress goes to standard error. A
/// frame past the GPU's size (or with `--tile`) is rendered in tiles and streamed into the file.
pub fn render(place: &Place, args: RenderArgs, out: &mut impl Write) -> Result<(), Failure> {
    let RenderArgs {
        out: path,
        width,
        height,
        seconds,
        dpi,
        tile,
        outputs,
        scene,
    } = args;
    // A layout with a mistake is refused before anything else is read.
    let layout = outputs
        .as_deref()
        .map(|path| Layout::load(path, None))
        .transpose()
        .map_err(|e| Failure::new(e.to_string()))?;
    let scene = Scene::load(place, scene)?;
    if let Some(layout) = layout {
        if scene.projection.is_some() {
            return Err(Failure::new(super::OUTPUTS_WITH_PROJECTION));
        }
        return render_outputs(&scene, &layout, &path, seconds, out);
    }
    scene.check_frame(width, height)?;
    let started = Instant::now();
    eprintln!(
        "dreamloom: rendering {width}×{height} (seed {}, {seconds:.1} s into the dream, {} threads): preparing the GPU…",
        scene.seed,
        scene.narratives.len()
    );
    let tiled = tile.is_some() || width > MAX_SIDE || height > MAX_SIDE;
    if tiled && scene.projection.is_some() {
        return Err(Failure::new(format!(
            "a fisheye or equirect frame is rendered whole, up to {MAX_SIDE}×{MAX_SIDE} pixels, \
             not in tiles"
        )));
    }
    if tiled {
        let tiling = Tiling::new(width, height, tile.unwrap_or(print::DEFAULT_TILE));
        let layer = print::layer_size(width, height);
        let mut renderer = scene
            .renderer(layer.x, layer.y, seconds)
            .map_err(render_failure)?;
        let terminal = std::io::stderr().is_terminal();
        print::render_print(&mut renderer, &tiling, dpi, &path, |done, total| {
            let line = format!(
                "tile {done} of {total} ({}×{} each), {:.0} s",
                tiling.tile.x,
                tiling.tile.y,
                started.elapsed().as_secs_f32()
            );
            if terminal {
                eprint!("\r\x1b[2K{line}");
            } else {
                eprintln!("dreamloom: {line}");
            }
        })
        .map_err(|e| match e {
            print::PrintError::Render(e) => render_failure(e),
            print::PrintError::Write(e) => {
                Failure::new(format!("could not write {}: {e}", path.display()))
            }
        })?;
        if terminal {
            eprintln!();
        }
    } else {
        let frame = scene
            .renderer(width, height, seconds)
            .and_then(|mut renderer| renderer.capture())
            .map_err(render_failure)?;
        eprintln!(
            "dreamloom: frame ready after {:.1} s; writing {}…",
            started.elapsed().as_secs_f32(),
            path.display()
        );
        let written = match dpi {
            // With a print resolution, through the print writer, which records it.
            Some(dpi) => {
                print::PrintWriter::create(&path, width, height, Some(dpi)).and_then(|mut file| {
                    file.rows(&image::DynamicImage::ImageRgba8(frame).to_rgb8())?;
                    file.finish()
                })
            }
            None => frame
                .save_with_format(&path, image::ImageFormat::Png)
                .map_err(std::io::Error::other),
        };
        written.map_err(|e| Failure::new(format!("could not write {}: {e}", path.display())))?;
    }
    eprintln!(
        "dreamloom: done in {:.1} s",
        started.elapsed().as_secs_f32()
    );
    writeln!(out, "{}", path.display())?;
    Ok(())
}

/// Renders each output of the projector `layout` into the folder `folder`: its
/// slice of the one wide view, blended and warped as its projector shows it.
fn render_outputs(
    scene: &Scene,
    layout: &Layout,
    folder: &Path,
    seconds: f32,
    out: &mut impl Write,
) -> Result<(), Failure> {
    std::fs::create_dir_all(folder).map_err(|e| {
        Failure::new(format!(
            "could not make the folder {}: {e}",
            folder.display()
        ))
    })?;
    let full = layout.full_size();
    eprintln!(
        "dreamloom: {} outputs, one view of {}×{}: preparing the GPU…",
        layout.outputs.len(),
        full.x,
        full.y
    );
    let first = &layout.outputs[0];
    let mut renderer = scene
        .renderer(first.size.0, first.size.1, seconds)
        .map_err(render_failure)?;
    for (index, output) in layout.outputs.iter().enumerate() {
        renderer.resize(output.size.0, output.size.1);
        renderer.set_view(Some(layout.view_of(index)));
        let slice = renderer.capture().map_err(render_failure)?;
        let frame = finish_output(layout, index, &slice);
        let file = folder.join(format!("{}.png", output.name));
        frame
            .save_with_format(&file, image::ImageFormat::Png)
            .map_err(|e| Failure::new(format!("could not write {}: {e}", file.display())))?;
        writeln!(out, "{}", file.display())?;
    }
    Ok(())
}

/// What `render` and `sequence` show: the narratives (the store's, or generated), the seed, the
/// show playing or not, a look.
struct Scene {
    narratives: Vec<crate::narrative::Narrative>,
    seed: u64,
    show: bool,
    preset: Option<Preset>,
    /// A dome or a panorama instead of the flat view.
    projection: Option<Immersive>,
}

impl Scene {
    /// Reads what `args` name: the preset file and the store are read now, before the GPU.
    fn load(place: &Place, args: SceneArgs) -> Result<Self, Failure> {
        let SceneArgs {
            seed,
            show,
            preset,
            synthetic,
            projection,
        } = args;
        let preset = preset.as_deref().map(Preset::load).transpose()?;
        let narratives = match synthetic {
            Some(count) => synthetic_narratives(count as usize, seed),
            None => open_store(place)?.reader()?.displayed()?,
        };
        Ok(Self {
            narratives,
            seed,
            show,
            preset,
            projection: projection.immersive().map_err(Failure::new)?,
        })
    }

    /// Whether the projection can be drawn on a `width`×`height` frame (a dome is square, a
    /// panorama 2:1).
    fn check_frame(&self, width: u32, height: u32) -> Result<(), Failure> {
        self.projection
            .map_or(Ok(()), |projection| projection.check(width, height))
            .map_err(|e| Failure::new(e.to_string()))
    }

    /// The headless piece showing it, `width`×`height`, at `seconds`.
    fn renderer(
        &self,
        width: u32,
        height: u32,
        seconds: f32,
    ) -> Result<HeadlessRenderer, crate::capture::RenderError> {
        self.renderer_with(width, height, seconds, |_| {})
    }

    /// As [`Self::renderer`], letting `extend` add to the app (a timelapse's timed archive).
    fn renderer_with(
        &self,
        width: u32,
        height: u32,
        seconds: f32,
        extend: impl FnOnce(&mut bevy::app::App),
    ) -> Result<HeadlessRenderer, crate::capture::RenderError> {
        let settings = StillSettings {
            width,
            height,
            seed: self.seed,
            seconds,
        };
        HeadlessRenderer::new_with(&settings, self.narratives.clone(), |app| {
            if self.show {
                app.insert_resource(ShowPlaying(Show::embedded()));
            }
            if let Some(preset) = &self.preset {
                app.insert_resource(preset.clone());
            }
            if let Some(projection) = self.projection {
                make_immersive(app.world_mut(), projection);
            }
            extend(app);
        })
    }
}

/// Where a sequence's frames go: the folder asked for, a video through ffmpeg, or — no ffmpeg — a
/// folder beside the video, saying so.
fn destination(
    path: &Path,
    width: u32,
    height: u32,
    fps: f64,
) -> Result<(Option<std::path::PathBuf>, Option<Encoder>), Failure> {
    let (folder, encoder) = match Output::of(path) {
        Output::Frames(folder) => (Some(folder), None),
        Output::Video(video) if sequence::ffmpeg_available() => {
            if let Some(parent) = video.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let encoder = Encoder::start(&video, width, height, fps)
                .map_err(|e| Failure::new(format!("could not start ffmpeg: {e}")))?;
            (None, Some(encoder))
        }
        Output::Video(video) => {
            let folder = Output::fallback_folder(&video);
            eprintln!(
                "dreamloom: ffmpeg is not on PATH, so {} cannot be encoded; writing the frames as \
                 PNGs to {} instead (install ffmpeg, e.g. `apt-get install ffmpeg`, and run again \
                 for a video)",
                video.display(),
                folder.display()
            );
            (Some(folder), None)
        }
    };
    if let Some(folder) = &folder {
        std::fs::create_dir_all(folder).map_err(|e| {
            Failure::new(format!(
                "could not make the folder {}: {e}",
                folder.display()
            ))
        })?;
    }
    Ok((folder, encoder))
}

/// Renders a sequence of frames into a folder or a video; progress and the time left go to
/// standard error (one line redrawn on a terminal, a line every few seconds otherwise).
pub fn sequence(place: &Place, args: SequenceArgs, out: &mut impl Write) -> Result<(), Failure> {
    let SequenceArgs {
        from,
        to,
        fps,
        film: FilmArgs {
            out: path,
            width,
            height,
        },
        scene,
    } = args;
    let timing = Timing::new(f64::from(from), f64::from(to), fps)?;
    let scene = Scene::load(place, scene)?;
    scene.check_frame(width, height)?;
    let film = Film {
        path: &path,
        width,
        height,
        fps,
        frames: timing.frames(),
    };
    eprintln!(
        "dreamloom: {} frames of {width}×{height} at {fps} frames/s, {:.2} s to {:.2} s of the \
         dream",
        film.frames, timing.from, timing.to
    );
    film.render(
        |first| scene.renderer(width, height, timing.seconds_of(first)),
        |index| timing.seconds_of(index),
        |_, _| {},
        out,
    )
}

/// Films the exhibition's life from the store's event log (see [`crate::capture::timelapse`]).
pub fn timelapse(place: &Place, args: TimelapseArgs, out: &mut impl Write) -> Result<(), Failure> {
    let TimelapseArgs {
        speed,
        fps,
        film: FilmArgs {
            out: path,
            width,
            height,
        },
        seed,
        preset,
        no_caption,
    } = args;
    let preset = preset.as_deref().map(Preset::load).transpose()?;
    let reader = open_store(place)?.reader()?;
    let timeline = Timeline::from_log(&reader.narratives()?, &reader.events_after(0)?);
    drop(reader);
    let plan = timelapse::Plan::new(&timeline, speed, fps)?;
    let (narratives, archive, fates) = plan.scene(&timeline);
    eprintln!(
        "dreamloom: the exhibition from {} to {} ({} dreams on the cloak at some time) at {speed}× \
         is {} frames of {width}×{height} at {fps} frames/s",
        timelapse::caption(timeline.first_ms),
        timelapse::caption(timeline.last_ms),
        timeline.lives.len(),
        plan.frames
    );
    let film = Film {
        path: &path,
        width,
        height,
        fps,
        frames: plan.frames,
    };
    let scene = Scene {
        narratives,
        seed,
        show: false,
        preset,
        projection: None,
    };
    film.render(
        |first| {
            scene.renderer_with(width, height, plan.seconds_of(first), |app| {
                app.insert_resource(archive).insert_resource(fates);
            })
        },
        |index| plan.seconds_of(index),
        |index, frame| {
            if !no_caption {
                timelapse::draw_caption(frame, &timelapse::caption(plan.log_ms_of(index)));
            }
        },
        out,
    )
}

/// Frames to render into a folder (resuming) or a video.
struct Film<'a> {
    path: &'a Path,
    width: u32,
    height: u32,
    fps: f64,
    frames: u64,
}

impl Film<'_> {
    /// Renders the frames still missing: the renderer made for the first of them, each frame at
    /// `seconds_of` its index, finished by `finish` (a caption) before it is written.
    fn render(
        &self,
        renderer: impl FnOnce(u64) -> Result<HeadlessRenderer, crate::capture::RenderError>,
        seconds_of: impl Fn(u64) -> f32,
        mut finish: impl FnMut(u64, &mut image::RgbaImage),
        out: &mut impl Write,
    ) -> Result<(), Failure> {
        let total = self.frames;
        let (folder, mut encoder) = destination(self.path, self.width, self.height, self.fps)?;
        let missing: Vec<u64> = match &folder {
            Some(folder) => sequence::missing_frames(folder, total),
            None => (0..total).collect(),
        };
        let already = total - missing.len() as u64;
        if already > 0 {
            eprintln!(
                "dreamloom: {already} of {total} frames are already there; rendering the rest"
            );
        }
        let terminal = std::io::stderr().is_terminal();
        let started = Instant::now();
        let mut last_report = Instant::now();
        if let Some(&first) = missing.first() {
            eprintln!("dreamloom: preparing the GPU…");
            let mut renderer = renderer(first).map_err(render_failure)?;
            for (done, &index) in missing.iter().enumerate() {
                renderer.set_time(seconds_of(index));
                let mut frame = renderer.capture().map_err(render_failure)?;
                finish(index, &mut frame);
                match (&folder, &mut encoder) {
                    (Some(folder), _) => sequence::write_frame(folder, index, &frame)
                        .map_err(|e| Failure::new(format!("could not write frame {index}: {e}")))?,
                    (None, Some(encoder)) => encoder
                        .push(&frame)
                        .map_err(|e| Failure::new(format!("ffmpeg stopped taking frames: {e}")))?,
                    (None, None) => unreachable!("a sequence goes to a folder or to ffmpeg"),
                }
                let rendered = done as u64 + 1;
                let line = sequence::progress_line(
                    already + rendered,
                    total,
                    started.elapsed().as_secs_f64(),
                    rendered,
                );
                if terminal {
                    eprint!("\r\x1b[2K{line}");
                } else if last_report.elapsed().as_secs() >= 5 || rendered == missing.len() as u64 {
                    eprintln!("dreamloom: {line}");
                    last_report = Instant::now();
                }
            }
            if terminal {
                eprintln!();
            }
        }
        if let Some(encoder) = encoder {
            encoder.finish().map_err(|e| Failure::new(e.to_string()))?;
        }
        eprintln!(
            "dreamloom: {total} frames in {}",
            sequence::duration_in_words(started.elapsed().as_secs_f64())
        );
        writeln!(out, "{}", folder.as_deref().unwrap_or(self.path).display())?;
        Ok(())
    }
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
        projection,
    } = args;
    let projection = projection.immersive().map_err(Failure::new)?;
    if let Some(projection) = projection {
        projection
            .check(width, height)
            .map_err(|e| Failure::new(e.to_string()))?;
    }
    let settings = BenchSettings {
        thread_counts: threads,
        width,
        height,
        frames,
        seed,
        preset: preset.as_deref().map(Preset::load).transpose()?,
        speaking: speaking as usize,
        projection,
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
            "adapter: {}; {}x{}{}, {} frames each, timestep 1/60 s",
            first.adapter,
            first.width,
            first.height,
            projection.map_or(String::new(), |p| format!(" {p:?}")),
            first.frames
        )?;
    }
    Ok(())
}
