//! `submit`, `import`, `export`, `withdraw`, `card`: narratives in and out of the store.

use std::{
    fs::File,
    io::{self, BufReader, IsTerminal, Write},
    path::{Path, PathBuf},
    time::Instant,
};

use super::{Failure, Place, open_store};
use crate::{
    card::{self, CardWords},
    cli::{CardArgs, ExportArgs, ImportArgs, SubmitArgs, WithdrawArgs},
    narrative::{
        Consent, import as import_lines,
        receipt::Receipt,
        records::write_records,
        store::{Admission, Status, Withdrawal},
        validate::{Submission, validate},
    },
};

/// Validates and stores one narrative; writes its receipt code to `out` once it is durable.
pub fn submit(place: &Place, args: SubmitArgs, out: &mut impl Write) -> Result<(), Failure> {
    let SubmitArgs {
        text,
        text_file,
        origin,
        language,
        sanctuary,
        no_display,
    } = args;
    let text = match (text, text_file) {
        (Some(text), _) => text,
        (None, Some(path)) => std::fs::read_to_string(&path).map_err(|error| {
            Failure::new(format!(
                "cannot read the dream from {}: {error} (it must be UTF-8 text)",
                path.display()
            ))
        })?,
        (None, None) => return Err(Failure::new("give the dream with --text or --text-file")),
    };
    let valid = validate(&Submission {
        text,
        origin,
        language,
        consent: Consent {
            display: !no_display,
            sanctuary,
        },
    })?;
    let receipt = open_store(place)?.submit(valid, Admission::default())?;
    writeln!(out, "{receipt}")?;
    Ok(())
}

/// Imports a JSON Lines file; every refused line is reported with its number and reason, and
/// any refusal makes the command fail (the good lines stay imported).
pub fn import(place: &Place, args: &ImportArgs) -> Result<(), Failure> {
    let ImportArgs { file: path } = args;
    let file = File::open(path)
        .map_err(|e| Failure::new(format!("could not open {}: {e}", path.display())))?;
    // A device or a pipe may never end (`import /dev/zero`): only files are imported.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(Failure::new(format!(
            "{} is not a file; import reads a JSON Lines file",
            path.display()
        )));
    }
    let store = open_store(place)?;
    let show_progress = io::stderr().is_terminal();
    let mut last_shown = Instant::now();
    let report = import_lines::import(&store, BufReader::new(file), |lines| {
        if show_progress && last_shown.elapsed().as_millis() >= 500 {
            eprint!("\rimporting: {lines} lines read…");
            last_shown = Instant::now();
        }
    })?;
    if show_progress {
        eprint!("\r");
    }
    for (line, reason) in &report.refused {
        eprintln!("{}:{line}: {reason}", path.display());
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
        Err(Failure::silent(1))
    }
}

/// Writes every narrative that is not withdrawn as JSON Lines: to `out`, or to a file, written
/// beside it first and renamed, so a failed export never leaves half a file.
pub fn export(place: &Place, args: &ExportArgs, out: &mut impl Write) -> Result<(), Failure> {
    let ExportArgs { file } = args;
    let narratives = open_store(place)?.reader()?.narratives()?;
    match file.as_deref() {
        Some(path) if path != Path::new("-") => {
            let partial = PathBuf::from(format!("{}.partial", path.display()));
            let mut writer = io::BufWriter::new(File::create(&partial)?);
            let count = write_records(&mut writer, &narratives)?;
            writer
                .into_inner()
                .map_err(|e| Failure::new(e.to_string()))?
                .sync_all()?;
            std::fs::rename(&partial, path)?;
            eprintln!("exported {count} narratives to {}", path.display());
        }
        _ => {
            write_records(&mut *out, &narratives)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Withdraws the narrative with the receipt code: its text is erased and its thread leaves. Says
/// which: erased from the files, or (while another program reads the store) erased from the
/// store's records with old copies still to be wiped from its files.
pub fn withdraw(place: &Place, args: &WithdrawArgs, out: &mut impl Write) -> Result<(), Failure> {
    let WithdrawArgs { code } = args;
    let receipt: Receipt = code.parse()?;
    let store = open_store(place)?;
    let (_, withdrawal) = store.withdraw_honestly(receipt)?;
    match (withdrawal, store.database_path()) {
        (Withdrawal::Erased, _) => writeln!(
            out,
            "withdrawn: the dream with receipt {receipt} has been erased and its thread leaves the \
             cloak"
        )?,
        (Withdrawal::Pending, Some(path)) => writeln!(
            out,
            "withdrawn: the dream with receipt {receipt} is off the cloak and its text is gone \
             from the store's records, but not yet from its files: another program (a backup? \
             an sqlite3 shell?) is reading the store, and old copies may stay in {}-wal until \
             it is done. Dreamloom then finishes the erasure by itself: a viewer or kiosk \
             running on this store within seconds, otherwise the next time Dreamloom opens it.",
            path.display()
        )?,
        (Withdrawal::Pending, None) => writeln!(
            out,
            "withdrawn: the dream with receipt {receipt} is off the cloak and its text is gone \
             from the exhibition's records, but not yet from its database's files: another \
             session (a backup? a psql shell?) still reads the database as it was before, and \
             the old row stays until it is done. Dreamloom then finishes the erasure by itself: \
             any viewer or kiosk of the exhibition within seconds, otherwise the next time \
             Dreamloom opens the database."
        )?,
    }
    Ok(())
}

/// Draws the keepsake card of the narrative with receipt `code` into `args.out`.
pub fn card(place: &Place, args: &CardArgs, out: &mut impl Write) -> Result<(), Failure> {
    let CardArgs {
        code,
        out: path,
        width,
        height,
    } = args;
    let receipt: Receipt = code.parse()?;
    card::check_size(*width, *height)?;
    let store = open_store(place)?;
    let stored = store.reader()?.lookup(receipt)?;
    if stored.status == Status::Withdrawn {
        return Err(Failure::new(format!(
            "the dream with receipt {receipt} was withdrawn: its words are gone, and so is its card"
        )));
    }
    let words = CardWords {
        narrative: &stored.narrative,
        code: receipt.as_str(),
    };
    let painted = card::paint(words, *width, *height)?;
    let bytes = card::png(&painted, words)?;
    std::fs::write(path, bytes)
        .map_err(|error| Failure::new(format!("cannot write {}: {error}", path.display())))?;
    writeln!(out, "card for {receipt} written to {}", path.display())?;
    Ok(())
}
