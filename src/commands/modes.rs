//! `view`, `tune` and `kiosk`: the windowed modes, started from the store; and `kiosk-pin`,
//! which sets the kiosk's curator PIN.

use std::{
    io::{BufRead, IsTerminal as _, Write},
    path::{Path, PathBuf},
    sync::Arc,
};

use bevy::app::AppExit;

use super::{Failure, Place, open_machine_store};
use crate::{
    cli::{KioskArgs, OutsideArgs, ViewArgs},
    kiosk::{
        self, KioskSettings,
        config::{CONFIG_FILE, KioskConfig},
        curator::{self, PIN_DIGITS, PinGuard, PlainPin},
    },
    narrative::{
        NarrativeId,
        receipt::Receipt,
        store::{Reader, Status},
    },
    osc::OscPlugin,
    piece::PieceSettings,
    projectors::LayoutFile,
    tuning::preset::Preset,
    viewer::{self, ViewerSettings},
};

/// The narrative with receipt `code`, if its thread is on the cloak; otherwise why not, in
/// words its owner understands.
pub fn find_on_cloak(reader: &Reader, code: &str) -> Result<NarrativeId, Failure> {
    let receipt: Receipt = code.parse()?;
    let stored = reader.lookup(receipt)?;
    if stored.status != Status::Visible || !stored.narrative.consent.display {
        return Err(Failure::new(format!(
            "the narrative {receipt} is not on the cloak (it is {}, or not shown by its owner's choice)",
            stored.status.as_str()
        )));
    }
    Ok(stored.narrative.id)
}

/// The viewer (`tune`: with the tuning panel open), until its window is closed.
pub fn view(place: &Place, args: ViewArgs, tune: bool) -> Result<(), Failure> {
    let ViewArgs {
        seed,
        find,
        show,
        preset,
        projection,
        outputs,
        outside:
            OutsideArgs {
                metrics,
                osc_listen,
                osc_send,
            },
    } = args;
    let projection = projection.immersive().map_err(Failure::new)?;
    check_projection(projection, outputs.as_deref())?;
    // A layout with a mistake is refused before anything else is opened.
    let outputs = load_layout(outputs.as_deref())?;
    let store = open_machine_store(place, &place.location()?, "renderer", false)?;
    let reader = store.reader()?;
    let find = find.map(|code| find_on_cloak(&reader, &code)).transpose()?;
    let narratives = reader.displayed()?;
    drop(reader);
    let look = preset.as_deref().map(Preset::load).transpose()?;
    // A preset given as a file is followed: edit it and the look changes.
    let preset_file = preset.map(PathBuf::from).filter(|path| path.is_file());
    exit_to_result(viewer::run(ViewerSettings {
        piece: PieceSettings {
            seed,
            narratives,
            preset: look,
            show,
            store: Some(Arc::new(store)),
        },
        find,
        preset_file,
        tune,
        data_dir: place.data.clone(),
        metrics,
        osc: OscPlugin::from_args(osc_listen, osc_send),
        projection,
        outputs,
    }))
}

/// A fisheye's angle is checked before a window opens (the frame's shape is the window's; a
/// dome that is not square shows its circle in the middle), and a dome is not also cut into
/// projector slices.
fn check_projection(
    projection: Option<crate::immersive::Immersive>,
    outputs: Option<&Path>,
) -> Result<(), Failure> {
    if projection.is_some() && outputs.is_some() {
        return Err(Failure::new(super::OUTPUTS_WITH_PROJECTION));
    }
    projection
        .map_or(Ok(()), crate::immersive::Immersive::check_angle)
        .map_err(|e| Failure::new(e.to_string()))
}

/// The projector layout at `path`, read and checked (its monitors are checked once the window
/// system has said how many there are).
fn load_layout(path: Option<&Path>) -> Result<Option<LayoutFile>, Failure> {
    path.map(LayoutFile::load)
        .transpose()
        .map_err(|e| Failure::new(e.to_string()))
}

/// The gallery kiosk, until a curator quits it. Its narratives are in the exhibition's database
/// when `--exhibition` (or `DREAMLOOM_EXHIBITION`, or `exhibition` in kiosk.ron) names one.
pub fn kiosk(place: &Place, args: KioskArgs) -> Result<(), Failure> {
    let data = place.data.as_path();
    let KioskArgs {
        monitor,
        preset,
        web,
        moderation,
        windowed,
        seed,
        projection,
        outputs,
        outside:
            OutsideArgs {
                metrics,
                osc_listen,
                osc_send,
            },
    } = args;
    let projection = projection.immersive().map_err(Failure::new)?;
    check_projection(projection, outputs.as_deref())?;
    // A layout with a mistake is refused before anything else is opened.
    let outputs = load_layout(outputs.as_deref())?;
    let (mut config, created) = KioskConfig::load_or_create(data)?;
    let config_file = data.join(CONFIG_FILE);
    if created {
        eprintln!(
            "dreamloom kiosk: wrote the settings to {} (see the README)",
            config_file.display()
        );
    }
    // A plain PIN from an older kiosk.ron: moved into the PIN file once, never printed.
    let plain = std::mem::take(&mut config.legacy_curator_pin);
    match curator::migrate_plain_pin(data, &plain)? {
        PlainPin::Absent => {}
        PlainPin::Moved(path) => eprintln!(
            "dreamloom kiosk: the curator PIN in {} is now kept as a salted hash in {}; remove \
             the curator_pin line from {0}",
            config_file.display(),
            path.display()
        ),
        PlainPin::Ignored => eprintln!(
            "dreamloom kiosk: {} still holds a plain curator_pin, which is ignored ({} is set); \
             remove that line",
            config_file.display(),
            data.join(curator::PIN_FILE).display()
        ),
        PlainPin::Refused(reason) => eprintln!(
            "dreamloom kiosk: the curator_pin in {} is refused ({reason}): set a PIN with \
             `dreamloom kiosk-pin` and remove that line",
            config_file.display()
        ),
    }
    let curator_pin = PinGuard::load(data)?;
    if !curator_pin.is_set() {
        eprintln!(
            "dreamloom kiosk: no curator PIN is set, so the curator panel stays shut; set one \
             with `dreamloom --data {} kiosk-pin`",
            data.display()
        );
    }
    if let Some(moderation) = moderation {
        config.moderation = moderation;
    }
    // With the data folder's outbox: a kiosk whose exhibition's database is away keeps taking
    // dreams, and starts even so.
    let location = place.location_or(config.exhibition.clone())?;
    let store = open_machine_store(place, &location, "kiosk", true)?;
    let narratives = match store.reader().and_then(|reader| reader.displayed()) {
        Ok(narratives) => narratives,
        Err(error) if error.is_unreachable() => {
            eprintln!(
                "dreamloom kiosk: the exhibition's database cannot be reached ({error}); the \
                 kiosk starts with an empty cloak, keeps every dream in its outbox ({} waiting \
                 there now) and forwards them once the database is back",
                store.outbox_depth()
            );
            Vec::new()
        }
        Err(error) => return Err(error.into()),
    };
    let preset = preset.as_deref().map(Preset::load).transpose()?;
    exit_to_result(kiosk::run(KioskSettings {
        monitor,
        windowed,
        preset,
        seed,
        config,
        web,
        narratives,
        store,
        data_dir: data.to_owned(),
        curator_pin,
        metrics,
        osc: OscPlugin::from_args(osc_listen, osc_send),
        projection,
        outputs,
    }))
}

/// `kiosk-pin`: sets the kiosk's curator PIN. Reads it twice from standard input (with the
/// terminal's echo off when it is one), refuses a PIN of fewer than 6 digits or two that differ,
/// and keeps only its salted hash, in `curator.pin` in `data` (mode 0600). The PIN is never
/// printed; `out` gets where its hash went.
pub fn kiosk_pin(data: &Path, out: &mut impl Write) -> Result<(), Failure> {
    let stdin = std::io::stdin();
    let _echo = stdin.is_terminal().then(EchoOff::new);
    set_kiosk_pin(data, &mut stdin.lock(), &mut std::io::stderr(), out)
}

/// The terminal's echo, off while a PIN is typed (`stty -echo`) and on again when dropped.
struct EchoOff {
    off: bool,
}

impl EchoOff {
    fn new() -> Self {
        let off = std::process::Command::new("stty")
            .arg("-echo")
            .status()
            .is_ok_and(|status| status.success());
        if !off {
            eprintln!(
                "(the terminal's echo could not be turned off: the PIN shows as it is typed)"
            );
        }
        Self { off }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if self.off {
            let _ = std::process::Command::new("stty").arg("echo").status();
        }
    }
}

/// One line of `input`, without its line ending and surrounding spaces.
fn read_pin(input: &mut impl BufRead) -> Result<String, Failure> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Err(Failure::new(
            "no PIN was given (standard input ended); the curator PIN was not changed",
        ));
    }
    Ok(line.trim().to_owned())
}

/// [`kiosk_pin`] over any input and outputs: the prompts go to `prompt`, the outcome to `out`.
fn set_kiosk_pin(
    data: &Path,
    input: &mut impl BufRead,
    prompt: &mut impl Write,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let not_changed = |error: curator::PinError| {
        Failure::new(format!("{error}; the curator PIN was not changed"))
    };
    write!(
        prompt,
        "New curator PIN ({} to {} digits): ",
        PIN_DIGITS.start(),
        PIN_DIGITS.end()
    )?;
    prompt.flush()?;
    let first = read_pin(input)?;
    writeln!(prompt)?;
    curator::check_pin(&first).map_err(not_changed)?;
    write!(prompt, "The same PIN again: ")?;
    prompt.flush()?;
    let second = read_pin(input)?;
    writeln!(prompt)?;
    if first != second {
        return Err(Failure::new(
            "the two PINs differ; the curator PIN was not changed",
        ));
    }
    let path = curator::set_pin(data, &first).map_err(not_changed)?;
    writeln!(
        out,
        "curator PIN set: its salted hash is in {} (readable by this user only); a running kiosk \
         takes it the next time the PIN pad opens",
        path.display()
    )?;
    Ok(())
}

fn exit_to_result(exit: AppExit) -> Result<(), Failure> {
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(Failure::silent(code.get())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempDir;

    fn run(data: &Path, input: &str) -> (Result<(), Failure>, String, String) {
        let mut prompt = Vec::new();
        let mut out = Vec::new();
        let result = set_kiosk_pin(data, &mut input.as_bytes(), &mut prompt, &mut out);
        (
            result,
            String::from_utf8(prompt).unwrap(),
            String::from_utf8(out).unwrap(),
        )
    }

    #[test]
    fn kiosk_pin_reads_the_pin_twice_and_keeps_only_its_hash() {
        let data = TempDir::new("kiosk-pin-command");
        let (result, prompt, out) = run(data.path(), "9081726354\n9081726354\n");
        result.unwrap();
        assert!(
            prompt.contains("New curator PIN (6 to 12 digits)"),
            "{prompt}"
        );
        assert!(!prompt.contains("9081726354") && !out.contains("9081726354"));
        assert!(out.contains("curator.pin"), "{out}");
        let mut guard = PinGuard::load(data.path()).unwrap();
        assert_eq!(
            guard.attempt("9081726354", std::time::SystemTime::now()),
            curator::PinOutcome::Open
        );
    }

    #[test]
    fn kiosk_pin_refuses_short_pins_mismatches_and_no_input() {
        let data = TempDir::new("kiosk-pin-command-bad");
        for (input, expected) in [
            ("1234\n1234\n", "at least 6 digits; this one has 4"),
            ("123456\n654321\n", "the two PINs differ"),
            ("12 34 56\n", "digits (0 to 9) only"),
            ("", "no PIN was given"),
            ("123456\n", "no PIN was given"),
        ] {
            let (result, _, out) = run(data.path(), input);
            let failure = result.unwrap_err();
            assert!(failure.message.contains(expected), "{input:?}: {failure:?}");
            assert!(out.is_empty());
        }
        assert!(
            !data.path().join(curator::PIN_FILE).exists(),
            "nothing was set"
        );
    }
}
