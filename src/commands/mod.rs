//! The commands behind the command line, one function each, callable (and tested) without the
//! binary: `main.rs` only parses the arguments, calls [`run`] and turns a [`Failure`] into an
//! exit status.

mod exhibition;
mod modes;
mod narratives;
mod render;
mod simulate;

use std::{
    fmt::Display,
    path::{Path, PathBuf},
};

pub use self::{
    exhibition::exhibition,
    modes::{find_on_cloak, kiosk, kiosk_pin, view},
    narratives::{card, export, import, submit, withdraw},
    render::{bench, render, sequence, timelapse},
    simulate::simulate,
};
use crate::{
    capture::{RenderError, gpu::EXIT_NO_GPU},
    cli::{Cli, Command, ViewArgs},
    kiosk::config::KioskConfig,
    narrative::store::{
        Location, Participation, Seed, Store, check_exhibition_url, default_data_dir,
        default_machine_name, redact,
    },
};

/// Why `--outputs` and a dome or panorama are refused together (render, view, kiosk).
const OUTPUTS_WITH_PROJECTION: &str = "--outputs slices one flat view across projectors; it does \
     not go with --projection fisheye or equirect";

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

/// Where a command finds what it works on: this machine's data folder and, for an exhibition of
/// several machines, the PostgreSQL database they share. Debugged with the database's password
/// hidden.
#[derive(Clone, PartialEq, Eq)]
pub struct Place {
    /// The data folder: the kiosk's settings (`kiosk.ron`), the curator PIN, presets, stills,
    /// and the SQLite store unless the narratives are in an exhibition's database.
    pub data: PathBuf,
    /// The exhibition's database (`postgres://…`), from `--exhibition` or `DREAMLOOM_EXHIBITION`.
    /// `None`: the one `kiosk.ron` names, if it names one; else the SQLite store in `data`.
    pub exhibition: Option<String>,
    /// This machine's name among the exhibition's machines (`--machine`); `None`: its host
    /// name.
    pub machine: Option<String>,
}

impl Place {
    /// This machine's own store in `data`, whatever `kiosk.ron` says.
    #[must_use]
    pub fn folder(data: &Path) -> Self {
        Self {
            data: data.to_owned(),
            exhibition: None,
            machine: None,
        }
    }

    /// Where the narratives are: the exhibition's database given on the command line (or in the
    /// environment), else the one `kiosk.ron` in the data folder names (read, never created),
    /// else the SQLite store in the data folder. An address that is not PostgreSQL's is refused
    /// (without repeating its password).
    pub fn location(&self) -> Result<Location, Failure> {
        let configured = match self.exhibition {
            Some(_) => None,
            None => KioskConfig::load(&self.data)?.and_then(|config| config.exhibition),
        };
        self.location_or(configured)
    }

    /// Where the narratives are when the kiosk's settings, already read, name `configured`:
    /// the command line's (or the environment's) database first, then that one, then the
    /// data folder.
    pub fn location_or(&self, configured: Option<String>) -> Result<Location, Failure> {
        match self.exhibition.clone().or(configured) {
            Some(url) => {
                check_exhibition_url(&url).map_err(Failure::new)?;
                Ok(Location::Postgres(url))
            }
            None => Ok(Location::Folder(self.data.clone())),
        }
    }

    /// This machine's name among the exhibition's machines: `--machine`, else its host name.
    #[must_use]
    pub fn machine_name(&self) -> String {
        self.machine.clone().unwrap_or_else(default_machine_name)
    }
}

impl std::fmt::Debug for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Place")
            .field("data", &self.data)
            .field("exhibition", &self.exhibition.as_deref().map(redact))
            .field("machine", &self.machine)
            .finish()
    }
}

/// Runs the command `cli` asks for (the viewer when it names none).
pub fn run(cli: Cli) -> Result<(), Failure> {
    let Cli {
        data,
        exhibition,
        machine,
        command,
    } = cli;
    let place = Place {
        data: data.unwrap_or_else(default_data_dir),
        exhibition,
        machine,
    };
    let out = &mut std::io::stdout().lock();
    match command.unwrap_or(Command::View(ViewArgs::default())) {
        Command::View(args) => view(&place, args, false),
        Command::Tune(args) => view(&place, args, true),
        Command::Kiosk(args) => kiosk(&place, args),
        Command::KioskPin => kiosk_pin(&place.data, out),
        Command::Render(args) => render(&place, args, out),
        Command::Sequence(args) => sequence(&place, args, out),
        Command::Timelapse(args) => timelapse(&place, args, out),
        Command::Submit(args) => submit(&place, args, out),
        Command::Import(args) => import(&place, &args),
        Command::Export(args) => export(&place, &args, out),
        Command::Withdraw(args) => withdraw(&place, &args, out),
        Command::Card(args) => card(&place, &args, out),
        Command::Bench(args) => bench(args, out),
        Command::Simulate(args) => simulate(&place, args, out),
        Command::Exhibition(command) => self::exhibition(&place, command, out),
    }
}

/// The store where `place` says the narratives are, seeded with the sample narratives when new.
fn open_store(place: &Place) -> Result<Store, Failure> {
    open_store_at(&place.location()?)
}

/// The store at `location`, seeded with the sample narratives when new.
fn open_store_at(location: &Location) -> Result<Store, Failure> {
    Ok(Store::open_at(location, Seed::Samples)?)
}

/// The store at `location` for a mode that runs for hours as one of the exhibition's machines:
/// named as `place` says, in `role` (`"kiosk"`, `"renderer"`), with the data folder's outbox
/// when `outbox` (see [`Store::open_as`]). Seeded with the sample narratives when new.
fn open_machine_store(
    place: &Place,
    location: &Location,
    role: &str,
    outbox: bool,
) -> Result<Store, Failure> {
    let machine = Participation {
        name: place.machine_name(),
        role: role.to_owned(),
        outbox: outbox.then(|| place.data.clone()),
    };
    Ok(Store::open_as(location, Seed::Samples, machine)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempDir;

    #[test]
    fn the_exhibition_comes_from_the_command_line_then_kiosk_ron_then_the_folder() {
        let data = TempDir::new("place");
        let place = Place::folder(data.path());
        assert_eq!(
            place.location().unwrap(),
            Location::Folder(data.path().to_owned())
        );
        assert!(
            !data.path().join(crate::kiosk::config::CONFIG_FILE).exists(),
            "kiosk.ron is read, never written, by other commands"
        );
        std::fs::write(
            data.path().join(crate::kiosk::config::CONFIG_FILE),
            "(exhibition: Some(\"postgres://dreamloom@gallery/show\"))",
        )
        .unwrap();
        assert_eq!(
            place.location().unwrap(),
            Location::Postgres("postgres://dreamloom@gallery/show".into())
        );
        let given = Place {
            exhibition: Some("postgresql://other@wall/show".into()),
            ..place.clone()
        };
        assert_eq!(
            given.location().unwrap(),
            Location::Postgres("postgresql://other@wall/show".into())
        );
        // Not a PostgreSQL address: refused, and its password is not repeated.
        let wrong = Place {
            exhibition: Some("mysql://dreamloom:s3cret@gallery/show".into()),
            ..place
        };
        let failure = wrong.location().unwrap_err();
        assert!(
            failure.message.contains("is not a PostgreSQL address")
                && failure.message.contains("dreamloom:***@gallery"),
            "{failure:?}"
        );
        assert!(!failure.message.contains("s3cret"), "{failure:?}");
    }
}
