//! `dreamloom`: parses the command line and runs the chosen mode.

use std::{
    fs::File,
    io::{self, BufReader, IsTerminal, Write},
    path::{Path, PathBuf},
    process::ExitCode,
};

use bevy::app::AppExit;
use clap::Parser;
use dreamloom::{
    capture::{
        HeadlessRenderer, RenderError, StillSettings,
        bench::{self as benchmark, BenchResult, BenchSettings},
    },
    cli::{
        BenchArgs, Cli, Command, ExportArgs, ImportArgs, KioskArgs, RenderArgs, SimulateArgs,
        SubmitArgs, ViewArgs, WithdrawArgs,
    },
    kiosk::{self, KioskSettings, config::KioskConfig},
    narrative::{
        Consent, import,
        receipt::Receipt,
        records::write_records,
        store::{Admission, Seed, Status, Store, default_data_dir},
        synthetic::synthetic_narratives,
        validate::{Submission, validate},
    },
    protocol::{ShowPlaying, diversity::measure, policy::CouncilPolicy, show::Show, sim::Protocol},
    tuning::preset::Preset,
    viewer::{self, ViewerSettings},
};

/// Exit code when no GPU adapter can be found.
const EXIT_NO_GPU: u8 = 3;

/// A failed command: what to tell the person, and the exit code.
struct Failure(String, u8);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string(), 1)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data = cli.data.unwrap_or_else(default_data_dir);
    let result = match cli.command.unwrap_or(Command::View(ViewArgs::default())) {
        Command::View(args) => view(&data, &args, false),
        Command::Tune(args) => view(&data, &args, true),
        Command::Kiosk(args) => run_kiosk(&data, &args),
        Command::Render(args) => render(&data, &args),
        Command::Submit(args) => submit(&data, args),
        Command::Import(args) => import_file(&data, &args),
        Command::Export(args) => export(&data, &args),
        Command::Withdraw(args) => withdraw(&data, &args),
        Command::Bench(args) => bench(&args),
        Command::Simulate(args) => simulate(&data, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message, code)) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            ExitCode::from(code)
        }
    }
}

fn open_store(data: &Path) -> Result<Store, Failure> {
    Ok(Store::open(data, Seed::Samples)?)
}

fn view(data: &Path, args: &ViewArgs, tune: bool) -> Result<(), Failure> {
    let store = open_store(data)?;
    let reader = store.reader()?;
    let find = match &args.find {
        None => None,
        Some(code) => {
            let receipt: Receipt = code.parse()?;
            let stored = reader
                .narratives()?
                .into_iter()
                .find(|n| n.receipt == receipt)
                .ok_or_else(|| {
                    Failure(format!("no narrative has the receipt code {receipt}"), 1)
                })?;
            if stored.status != Status::Visible || !stored.narrative.consent.display {
                return Err(Failure(
                    format!(
                        "the narrative {receipt} is not on the cloak (it is {}, or not shown by its owner's choice)",
                        stored.status.as_str()
                    ),
                    1,
                ));
            }
            Some(stored.narrative.id)
        }
    };
    let narratives = reader.displayed()?;
    drop(reader);
    let preset = args.preset.as_deref().map(Preset::load).transpose()?;
    // A preset given as a file is followed: edit it and the look changes.
    let preset_file = args
        .preset
        .as_deref()
        .map(PathBuf::from)
        .filter(|path| path.is_file());
    match viewer::run(ViewerSettings {
        seed: args.seed,
        find,
        show: args.show,
        preset,
        preset_file,
        tune,
        data_dir: data.to_owned(),
        narratives,
        store: Some(store),
    }) {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(Failure(String::new(), code.get())),
    }
}

fn run_kiosk(data: &Path, args: &KioskArgs) -> Result<(), Failure> {
    let (mut config, created) = KioskConfig::load_or_create(data)?;
    if created {
        eprintln!(
            "dreamloom kiosk: wrote {} with the curator PIN {} (change it there)",
            data.join(kiosk::config::CONFIG_FILE).display(),
            config.curator_pin
        );
    }
    if let Some(moderation) = args.moderation {
        config.moderation = moderation;
    }
    let store = open_store(data)?;
    let narratives = store.reader()?.displayed()?;
    let preset = args.preset.as_deref().map(Preset::load).transpose()?;
    match kiosk::run(KioskSettings {
        monitor: args.monitor,
        windowed: args.windowed,
        preset,
        seed: args.seed,
        config,
        web: args.web,
        narratives,
        store,
        data_dir: data.to_owned(),
    }) {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(Failure(String::new(), code.get())),
    }
}

fn render(data: &Path, args: &RenderArgs) -> Result<(), Failure> {
    let narratives = match args.synthetic {
        Some(count) => synthetic_narratives(count as usize, args.seed),
        None => open_store(data)?.reader()?.displayed()?,
    };
    let settings = StillSettings {
        width: args.width,
        height: args.height,
        seed: args.seed,
        seconds: args.seconds,
    };
    let show = args.show;
    let preset = args.preset.as_deref().map(Preset::load).transpose()?;
    let started = std::time::Instant::now();
    eprintln!(
        "dreamloom: rendering {}×{} (seed {}, {:.1} s into the dream, {} threads): preparing the GPU…",
        args.width,
        args.height,
        args.seed,
        args.seconds,
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
    .map_err(|error| match error {
        RenderError::NoAdapter => Failure(error.to_string(), EXIT_NO_GPU),
        other => Failure::from(other),
    })?;
    eprintln!(
        "dreamloom: frame ready after {:.1} s; writing {}…",
        started.elapsed().as_secs_f32(),
        args.out.display()
    );
    frame
        .save_with_format(&args.out, image::ImageFormat::Png)
        .map_err(|e| Failure(format!("could not write {}: {e}", args.out.display()), 1))?;
    eprintln!(
        "dreamloom: done in {:.1} s",
        started.elapsed().as_secs_f32()
    );
    println!("{}", args.out.display());
    Ok(())
}

fn submit(data: &Path, args: SubmitArgs) -> Result<(), Failure> {
    let valid = validate(&Submission {
        text: args.text,
        origin: args.origin,
        language: args.language,
        consent: Consent {
            display: !args.no_display,
            sanctuary: args.sanctuary,
        },
    })?;
    let receipt = open_store(data)?.submit(valid, Admission::default())?;
    println!("{receipt}");
    Ok(())
}

fn import_file(data: &Path, args: &ImportArgs) -> Result<(), Failure> {
    let file = File::open(&args.file)
        .map_err(|e| Failure(format!("could not open {}: {e}", args.file.display()), 1))?;
    let store = open_store(data)?;
    let show_progress = io::stderr().is_terminal();
    let mut last_shown = std::time::Instant::now();
    let report = import::import(&store, BufReader::new(file), |lines| {
        if show_progress && last_shown.elapsed().as_millis() >= 500 {
            eprint!("\rimporting: {lines} lines read…");
            last_shown = std::time::Instant::now();
        }
    })?;
    if show_progress {
        eprint!("\r");
    }
    for (line, reason) in &report.refused {
        eprintln!("{}:{line}: {reason}", args.file.display());
    }
    eprintln!(
        "imported {} narratives from {} lines; {} lines refused",
        report.imported.len(),
        report.lines,
        report.refused.len()
    );
    if report.refused.is_empty() {
        Ok(())
    } else {
        Err(Failure(String::new(), 1))
    }
}

fn export(data: &Path, args: &ExportArgs) -> Result<(), Failure> {
    let narratives = open_store(data)?.reader()?.narratives()?;
    match args.file.as_deref() {
        None => write_records(io::stdout().lock(), &narratives).map(drop)?,
        Some(path) if path == Path::new("-") => {
            write_records(io::stdout().lock(), &narratives).map(drop)?;
        }
        Some(path) => {
            // Write beside the target, then rename: a failed export never leaves half a file.
            let partial = PathBuf::from(format!("{}.partial", path.display()));
            let mut out = io::BufWriter::new(File::create(&partial)?);
            let count = write_records(&mut out, &narratives)?;
            out.into_inner()
                .map_err(|e| Failure(e.to_string(), 1))?
                .sync_all()?;
            std::fs::rename(&partial, path)?;
            eprintln!("exported {count} narratives to {}", path.display());
        }
    }
    io::stdout().flush()?;
    Ok(())
}

fn withdraw(data: &Path, args: &WithdrawArgs) -> Result<(), Failure> {
    let receipt: Receipt = args.code.parse()?;
    open_store(data)?.withdraw(receipt)?;
    println!(
        "withdrawn: the dream with receipt {receipt} has been erased and its thread leaves the cloak"
    );
    Ok(())
}

fn bench(args: &BenchArgs) -> Result<(), Failure> {
    let settings = BenchSettings {
        thread_counts: args.threads.clone(),
        width: args.size.0,
        height: args.size.1,
        frames: args.frames,
        seed: args.seed,
        preset: args.preset.as_deref().map(Preset::load).transpose()?,
    };
    if !args.json {
        println!(
            "{:>8} {:>10} {:>10} {:>12} {:>11} {:>9}",
            "threads", "median ms", "p95 ms", "cpu ms/frame", "draw calls", "ratio"
        );
    }
    let print = |r: &BenchResult| {
        if args.json {
            println!("{}", serde_json::to_string(r).expect("results serialise"));
        } else {
            println!(
                "{:>8} {:>10.2} {:>10.2} {:>12.2} {:>11} {:>9.2}",
                r.threads,
                r.median_ms,
                r.p95_ms,
                r.cpu_ms_per_frame,
                r.thread_draw_calls,
                r.ratio_to_smallest
            );
        }
    };
    let results = benchmark::run(&settings, print).map_err(|error| match error {
        RenderError::NoAdapter => Failure(error.to_string(), EXIT_NO_GPU),
        other => Failure::from(other),
    })?;
    if !args.json
        && let Some(first) = results.first()
    {
        println!(
            "adapter: {}; {}x{}, {} frames each, timestep 1/60 s",
            first.adapter, first.width, first.height, first.frames
        );
    }
    Ok(())
}

fn simulate(data: &Path, args: &SimulateArgs) -> Result<(), Failure> {
    let mut policy = match &args.policy {
        Some(path) => CouncilPolicy::load(path)?,
        None => CouncilPolicy::default(),
    };
    if let Some(mode) = args.mode {
        policy.mode = mode;
    }
    let narratives = match args.synthetic {
        Some(count) => synthetic_narratives(count as usize, args.seed),
        None => open_store(data)?.reader()?.displayed()?,
    };
    let mut protocol = Protocol::new(args.seed);
    protocol.sync(&narratives);
    let every = args.every.unwrap_or((args.ticks / 20).max(1));
    if !args.json {
        println!(
            "# {} narratives, mode {}, seed {}",
            narratives.len(),
            policy.mode.as_str(),
            args.seed
        );
        println!(
            "{:>8} {:>8} {:>9} {:>9} {:>14} {:>11} {:>14}",
            "tick",
            "visible",
            "dissolved",
            "sanctuary",
            "origin_entropy",
            "hue_entropy",
            "homogenisation"
        );
    }
    let mut out = io::stdout().lock();
    let mut last = None;
    for tick in 0..=args.ticks {
        if tick > 0 {
            protocol.tick(&policy);
        }
        if tick % every == 0 || tick == args.ticks {
            let d = measure(&protocol);
            if args.json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&d).expect("measures serialise")
                )?;
            } else {
                writeln!(
                    out,
                    "{:>8} {:>8} {:>9} {:>9} {:>14.4} {:>11.4} {:>14.4}",
                    d.tick,
                    d.visible,
                    d.dissolved,
                    d.sanctuary_visible,
                    d.origin_entropy,
                    d.hue_entropy,
                    d.homogenisation
                )?;
            }
            last = Some(d);
        }
    }
    if !args.json
        && let Some(last) = last
    {
        writeln!(out, "# visible share per origin at tick {}:", last.tick)?;
        for share in &last.origin_shares {
            writeln!(
                out,
                "#   {:<32} {:>6.1} %  ({} of {} visible)",
                share.origin,
                share.share * 100.0,
                share.visible,
                share.submitted
            )?;
        }
    }
    Ok(())
}
