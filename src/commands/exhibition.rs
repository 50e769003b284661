//! `exhibition init`, `exhibition status` and `exhibition forward`: the PostgreSQL database an
//! exhibition of several machines shares, set up and seen at a glance, and this machine's outbox
//! forwarded to it.

use std::fmt::Write as _;

use std::{io::Write, path::Path};

use super::{Failure, Place};
use crate::{
    cli::ExhibitionCommand,
    narrative::store::{
        Database, ExhibitionStatus, Location, Outbox, PgDatabase, PgReader, Sent, redact,
    },
};

/// Runs an `exhibition` command on the database `place` names (`--exhibition`,
/// `DREAMLOOM_EXHIBITION`, or `exhibition` in kiosk.ron).
pub fn exhibition(
    place: &Place,
    command: ExhibitionCommand,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let Location::Postgres(url) = place.location()? else {
        return Err(Failure::new(
            "no exhibition database is given: name it with --exhibition postgres://USER@HOST/DB \
             (or DREAMLOOM_EXHIBITION, or `exhibition` in kiosk.ron)",
        ));
    };
    match command {
        ExhibitionCommand::Init => init(&url, out),
        ExhibitionCommand::Status => status(&url, &place.data, out),
        ExhibitionCommand::Forward => forward(&url, &place.data, out),
    }
}

/// Creates the exhibition's tables, or brings them up to date (the epoch is set the first time
/// only), and says which schema and epoch the database has.
fn init(url: &str, out: &mut impl Write) -> Result<(), Failure> {
    drop(PgDatabase::open(url)?);
    let status = PgReader::open(url)?.exhibition_status()?;
    writeln!(out, "exhibition: {}", redact(url))?;
    writeln!(out, "schema: {}", status.schema_version)?;
    writeln!(out, "epoch: {}", epoch_line(status.epoch_ms))?;
    Ok(())
}

/// Writes where the exhibition stands, as [`describe`] puts it, and what waits in this
/// machine's outbox (in the data folder `data`), if it has one: that line even when the
/// database cannot be reached, which is when it matters.
fn status(url: &str, data: &Path, out: &mut impl Write) -> Result<(), Failure> {
    let outbox = match Outbox::open_existing(data)? {
        Some(outbox) => Some(outbox_line(
            outbox.depth()?,
            outbox.set_aside()?,
            outbox.path(),
        )),
        None => None,
    };
    let status = PgReader::open(url).and_then(|reader| reader.exhibition_status());
    if let Ok(status) = &status {
        write!(out, "{}", describe(&redact(url), status))?;
    }
    if let Some(line) = outbox {
        writeln!(out, "{line}")?;
    }
    status?;
    Ok(())
}

/// What waits in this machine's outbox at `path`: `waiting` entries, and `set_aside` that could
/// not be read back.
fn outbox_line(waiting: usize, set_aside: usize, path: &Path) -> String {
    let mut line = format!("this machine's outbox: {waiting} waiting");
    if set_aside > 0 {
        let _ = write!(
            line,
            ", {set_aside} set aside unreadable (see its `refused` table)"
        );
    }
    let _ = write!(line, " ({})", path.display());
    line
}

/// Forwards what this machine's outbox (in the data folder `data`) holds to the exhibition's
/// database at `url`, oldest first (see [`Outbox::forward_next`]), and says how many. A dream
/// whose receipt code another machine took meanwhile, or one that cannot be read back, is told
/// on standard error, for a curator. A database that cannot be reached, or fails on the way, is
/// a failure that says how many entries stay in the outbox for the next try.
fn forward(url: &str, data: &Path, out: &mut impl Write) -> Result<(), Failure> {
    let Some(mut outbox) = Outbox::open_existing(data)? else {
        writeln!(
            out,
            "forwarded 0: this machine has no outbox ({})",
            Outbox::file_in(data).display()
        )?;
        return Ok(());
    };
    let waiting = outbox.depth()?;
    if waiting == 0 {
        writeln!(
            out,
            "forwarded 0: the outbox is empty ({})",
            outbox.path().display()
        )?;
        return Ok(());
    }
    let stay = |outbox: &Outbox| {
        format!(
            "the {} entries left stay in the outbox ({}) for the next try",
            outbox.depth().unwrap_or(waiting),
            outbox.path().display()
        )
    };
    let mut db = Database::connect(url)
        .map_err(|error| Failure::new(format!("{error}; {}", stay(&outbox))))?;
    let (mut forwarded, mut set_aside) = (0_usize, 0_usize);
    loop {
        match outbox.forward_next(&mut db) {
            Ok(Some(sent)) => {
                if sent.needs_a_curator() {
                    eprintln!("dreamloom exhibition forward: {sent}");
                }
                if matches!(sent, Sent::SetAside { .. }) {
                    set_aside += 1;
                } else {
                    forwarded += 1;
                }
            }
            Ok(None) => break,
            Err(error) => {
                return Err(Failure::new(format!(
                    "forwarded {forwarded}, then: {error}; {}",
                    stay(&outbox)
                )));
            }
        }
    }
    // The forwarded words out of the outbox's write-ahead log too (a running kiosk reading it
    // may hold that up; it does the same once its outbox is empty).
    outbox.erase_traces();
    write!(
        out,
        "forwarded {forwarded} from {} to {}",
        outbox.path().display(),
        redact(url)
    )?;
    if set_aside > 0 {
        write!(out, "; {set_aside} set aside unreadable (see above)")?;
    }
    writeln!(out)?;
    Ok(())
}

/// The exhibition at `target` at a glance, one fact a line:
///
/// ```text
/// exhibition: postgres://dreamloom:***@10.0.0.5/show
/// schema: 1
/// epoch: 2025-06-01 18:00:00 UTC (1748800800000)
/// log head: seq 42 at 2025-06-01 18:05:00 UTC
/// narratives: 38 visible, 1 pending, 2 hidden, 1 withdrawn
/// machines: 2
///   kiosk-east  kiosk   seen 3 s ago  outbox 0  v0.1.0
/// ```
fn describe(target: &str, status: &ExhibitionStatus) -> String {
    let mut text = format!(
        "exhibition: {target}\nschema: {}\nepoch: {}\n",
        status.schema_version,
        epoch_line(status.epoch_ms)
    );
    match status.head {
        Some((seq, at_ms)) => {
            let _ = writeln!(text, "log head: seq {seq} at {}", utc(at_ms));
        }
        None => text.push_str("log head: the log is empty\n"),
    }
    let counts = status.counts;
    let _ = writeln!(
        text,
        "narratives: {} visible, {} pending, {} hidden, {} withdrawn",
        counts.visible, counts.pending, counts.hidden, counts.withdrawn
    );
    if status.machines.is_empty() {
        text.push_str("machines: none has reported yet\n");
        return text;
    }
    let _ = writeln!(text, "machines: {}", status.machines.len());
    let name_width = status
        .machines
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(0);
    let role_width = status
        .machines
        .iter()
        .map(|m| m.role.len())
        .max()
        .unwrap_or(0);
    for machine in &status.machines {
        let _ = writeln!(
            text,
            "  {:<name_width$}  {:<role_width$}  seen {}  outbox {}  v{}",
            machine.name,
            machine.role,
            ago(machine.seen_ago_ms),
            machine.outbox_depth,
            machine.version
        );
    }
    text
}

/// The epoch as a date and in milliseconds, or why there is none.
fn epoch_line(epoch_ms: Option<i64>) -> String {
    match epoch_ms {
        Some(ms) => format!("{} ({ms})", utc(ms)),
        None => "not set (run `dreamloom exhibition init`)".to_owned(),
    }
}

/// How long ago, in words: seconds under two minutes, then minutes, hours, days.
fn ago(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    match seconds {
        0..120 => format!("{seconds} s ago"),
        120..7_200 => format!("{} min ago", seconds / 60),
        7_200..172_800 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// `ms` since the Unix epoch as a UTC date and time, `2025-06-01 18:00:00 UTC` (the proleptic
/// Gregorian calendar, from Howard Hinnant's `civil_from_days`).
fn utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        in_day / 3_600,
        in_day % 3_600 / 60,
        in_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::store::{Machine, StatusCounts};

    #[test]
    fn times_read_as_dates_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_999), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(-1_000), "1969-12-31 23:59:59 UTC");
        assert_eq!(ago(4_900), "4 s ago");
        assert_eq!(ago(-50), "0 s ago", "a clock a little ahead is now");
        assert_eq!(ago(600_000), "10 min ago");
        assert_eq!(ago(3 * 86_400_000), "3 days ago");
    }

    #[test]
    fn this_machines_outbox_is_told_in_one_line() {
        let path = Path::new("/var/lib/dreamloom/outbox.sqlite3");
        assert_eq!(
            outbox_line(3, 0, path),
            "this machine's outbox: 3 waiting (/var/lib/dreamloom/outbox.sqlite3)"
        );
        assert_eq!(
            outbox_line(0, 1, path),
            "this machine's outbox: 0 waiting, 1 set aside unreadable (see its `refused` table) \
             (/var/lib/dreamloom/outbox.sqlite3)"
        );
    }

    #[test]
    fn the_status_names_every_machine_in_columns() {
        let status = ExhibitionStatus {
            schema_version: 1,
            epoch_ms: Some(1_700_000_000_000),
            head: Some((42, 1_700_000_300_000)),
            counts: StatusCounts {
                pending: 1,
                visible: 38,
                hidden: 2,
                withdrawn: 1,
            },
            machines: vec![
                Machine {
                    name: "kiosk-east".into(),
                    role: "kiosk".into(),
                    last_seen_ms: 1_700_000_299_000,
                    seen_ago_ms: 3_000,
                    outbox_depth: 0,
                    version: "0.1.0".into(),
                },
                Machine {
                    name: "wall".into(),
                    role: "renderer".into(),
                    last_seen_ms: 1_700_000_000_000,
                    seen_ago_ms: 300_000,
                    outbox_depth: 7,
                    version: "0.1.0".into(),
                },
            ],
        };
        assert_eq!(
            describe("postgres://dreamloom:***@gallery/show", &status),
            "exhibition: postgres://dreamloom:***@gallery/show\n\
             schema: 1\n\
             epoch: 2023-11-14 22:13:20 UTC (1700000000000)\n\
             log head: seq 42 at 2023-11-14 22:18:20 UTC\n\
             narratives: 38 visible, 1 pending, 2 hidden, 1 withdrawn\n\
             machines: 2\n  \
             kiosk-east  kiosk     seen 3 s ago  outbox 0  v0.1.0\n  \
             wall        renderer  seen 5 min ago  outbox 7  v0.1.0\n"
        );
        let empty = ExhibitionStatus {
            head: None,
            machines: Vec::new(),
            epoch_ms: None,
            ..status
        };
        let text = describe("x", &empty);
        assert!(text.contains("log head: the log is empty\n"), "{text}");
        assert!(text.contains("machines: none has reported yet\n"), "{text}");
        assert!(
            text.contains("epoch: not set (run `dreamloom exhibition init`)"),
            "{text}"
        );
    }
}
