//! `dreamloom`: parses the command line and runs the chosen mode.

use std::process::ExitCode;

use bevy::app::AppExit;
use clap::Parser;
use dreamloom::{
    capture::{self, RenderError, StillSettings},
    cli::{Cli, Command, RenderArgs, ViewArgs},
    narrative::sample_narratives,
    viewer::{self, ViewerSettings},
};

/// Exit code when no GPU adapter can be found.
const EXIT_NO_GPU: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::View(ViewArgs::default())) {
        Command::View(args) => view(&args),
        Command::Render(args) => render(&args),
    }
}

fn view(args: &ViewArgs) -> ExitCode {
    let narratives = match sample_narratives() {
        Ok(narratives) => narratives,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match viewer::run(ViewerSettings {
        seed: args.seed,
        narratives,
    }) {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

fn render(args: &RenderArgs) -> ExitCode {
    let narratives = match sample_narratives() {
        Ok(narratives) => narratives,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let settings = StillSettings {
        width: args.width,
        height: args.height,
        seed: args.seed,
        seconds: args.seconds,
    };
    let frame = match capture::render_still(&settings, narratives) {
        Ok(frame) => frame,
        Err(error @ RenderError::NoAdapter) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_NO_GPU);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = frame.save_with_format(&args.out, image::ImageFormat::Png) {
        eprintln!("error: could not write {}: {error}", args.out.display());
        return ExitCode::FAILURE;
    }
    println!("{}", args.out.display());
    ExitCode::SUCCESS
}
