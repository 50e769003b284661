//! The commands behind the command line, one function each, callable (and tested) without the
//! binary: `main.rs` only parses the arguments, calls [`run`] and turns a [`Failure`] into an
//! exit status.

mod modes;
mod narratives;
mod render;
mod simulate;

use std::{fmt::Display, path::Path};

pub use self::{
    modes::{find_on_cloak, kiosk, kiosk_pin, view},
    narratives::{card, export, import, submit, withdraw},
    render::{bench, render, sequence, timelapse},
    simulate::simulate,
};
use crate::{
    capture::{RenderError, gpu::EXIT_NO_GPU},
    cli::{Cli, Command, ViewArgs},
    narrative::store::{Seed, Store, default_data_dir},
};

/// A command that did not succeed: what to tell the person (may be empty when it was said
/// already), and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    /// A failure with exit status 1.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }

    /// Exit with `code`, the reason already told.
    #[must_use]
    pub fn silent(code: u8) -> Self {
        Self {
            message: String::new(),
            code,
        }
    }
}

impl<E: Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}

/// A render error as a command's failure: no adapter is exit status 3, as everywhere.
fn render_failure(error: RenderError) -> Failure {
    match error {
        RenderError::NoAdapter => Failure {
            message: error.to_string(),
            code: EXIT_NO_GPU,
        },
        other => Failure::from(other),
    }
}

/// Runs the command `cli` asks for (the viewer when it names none).
pub fn run(cli: Cli) -> Result<(), Failure> {
    let Cli { data, command } = cli;
    let data = data.unwrap_or_else(default_data_dir);
    let out = &mut std::io::stdout().lock();
    match command.unwrap_or(Command::View(ViewArgs::default())) {
        Command::View(args) => view(&data, args, false),
        Command::Tune(args) => view(&data, args, true),
        Command::Kiosk(args) => kiosk(&data, args),
        Command::KioskPin => kiosk_pin(&data, out),
        Command::Render(args) => render(&data, args, out),
        Command::Sequence(args) => sequence(&data, args, out),
        Command::Timelapse(args) => timelapse(&data, args, out),
        Command::Submit(args) => submit(&data, args, out),
        Command::Import(args) => import(&data, &args),
        Command::Export(args) => export(&data, &args, out),
        Command::Withdraw(args) => withdraw(&data, &args, out),
        Command::Card(args) => card(&data, &args, out),
        Command::Bench(args) => bench(args, out),
        Command::Simulate(args) => simulate(&data, args, out),
    }
}

/// The store in `data`, seeded with the sample narratives when new.
fn open_store(data: &Path) -> Result<Store, Failure> {
    Ok(Store::open(data, Seed::Samples)?)
}
