//! `dreamloom`: parses the command line and runs the chosen command (`dreamloom::commands`).

use std::process::ExitCode;

use clap::Parser;
use dreamloom::{
    cli::Cli,
    commands::{self, Failure},
};

fn main() -> ExitCode {
    match commands::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, code }) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            ExitCode::from(code)
        }
    }
}
