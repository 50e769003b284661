//! The narrative store as a gallery depends on it: submissions survive crashes, withdrawal erases
//! (and says honestly when another program's read holds the last copies up), imports take every
//! good line and report every bad one.

use std::{
    fmt::Write,
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::{
        import::import,
        receipt::Receipt,
        records::{LineError, write_records},
        store::{Admission, Database, EventKind, Seed, Status, Store, StoreError, Withdrawal},
    },
    testing::{TempDir, dream},
};

#[test]
fn a_new_store_holds_the_samples_once_and_logs_every_change() {
    let dir = TempDir::new("seed");
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let samples = store.reader().unwrap().narratives().unwrap().len();
    assert!(samples >= 10);
    drop(store);
    // Reopening never seeds again, even after every narrative is withdrawn.
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    let all = store.reader().unwrap().narratives().unwrap();
    assert_eq!(all.len(), samples);
    for stored in &all {
        store.withdraw(stored.receipt).unwrap();
    }
    drop(store);
    let store = Store::open(dir.path(), Seed::Samples).unwrap();
    assert!(store.reader().unwrap().narratives().unwrap().is_empty());

    let receipt = store
        .submit(dream("a dream", "Lagos"), Admission::default())
        .unwrap();
    let reader = store.reader().unwrap();
    let events = reader.events_after(0).unwrap();
    assert!(
        events.windows(2).all(|w| w[1].seq > w[0].seq),
        "totally ordered"
    );
    let last = events.last().unwrap();
    assert_eq!(last.kind, EventKind::Submitted);
    assert_eq!(reader.status_of(receipt).unwrap(), Status::Visible);
}

/// Fails on the old code, which had no submission ids: a submission sent again (a retry after an
/// answer that was lost) was stored twice, under two receipts, and logged at the time it arrived.
#[test]
fn a_submission_sent_twice_is_stored_once_at_the_time_it_was_made() {
    let dir = TempDir::new("submission-id");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let sent = Admission {
        submission_id: Some(uuid::Uuid::new_v4()),
        created_at_ms: Some(1_700_000_000_000),
        ..Admission::default()
    };
    let first = store
        .write(move |db| db.submit(&dream("a dream sent twice", "Lagos"), sent))
        .unwrap()
        .unwrap();
    let again = store
        .write(move |db| db.submit(&dream("a dream sent twice", "Lagos"), sent))
        .unwrap()
        .unwrap();
    assert_eq!(again, first, "the first answer, again");
    // The same words under another submission id are another dream.
    let other = store
        .submit(
            dream("a dream sent twice", "Lagos"),
            Admission {
                submission_id: Some(uuid::Uuid::new_v4()),
                ..Admission::default()
            },
        )
        .unwrap();
    assert_ne!(other, first.1);
    let reader = store.reader().unwrap();
    assert_eq!(reader.narratives().unwrap().len(), 2);
    let submitted: Vec<(dreamloom::narrative::NarrativeId, i64)> = reader
        .events_after(0)
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::Submitted)
        .map(|e| (e.narrative, e.at_ms))
        .collect();
    assert_eq!(submitted.len(), 2, "{submitted:?}");
    assert_eq!(
        submitted[0],
        (first.0, 1_700_000_000_000),
        "logged at the time it was made"
    );
    assert_eq!(
        reader.lookup(first.1).unwrap().created_at_ms,
        1_700_000_000_000
    );
}

#[test]
fn the_event_log_cannot_be_rewritten() {
    let dir = TempDir::new("append-only");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    store.submit(dream("x", "y"), Admission::default()).unwrap();
    let path = store
        .database_path()
        .expect("a store in a folder has a file");
    drop(store);
    let conn = rusqlite::Connection::open(path).unwrap();
    for sql in ["UPDATE events SET kind = 'withdrawn'", "DELETE FROM events"] {
        let error = conn.execute(sql, []).unwrap_err().to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
}

#[test]
fn withdrawal_erases_the_text_from_the_files_on_disk() {
    let dir = TempDir::new("withdraw");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let secret = "I dreamt of the blue heron over Lake Titicaca, unique marker 7f3a9c";
    let receipt = store
        .submit(dream(secret, "Aymara, Puno"), Admission::default())
        .unwrap();
    // The search below can find the text: before withdrawal it is on disk.
    assert!(!files_containing(&dir, &["7f3a9c"]).is_empty());
    // Keep a reader open, as the viewer does, while the withdrawal happens.
    let reader = store.reader().unwrap();
    assert_eq!(reader.narratives().unwrap().len(), 1);

    // An idle reader does not hold the log up: the erasure is complete when `withdraw` returns,
    // as it says.
    let (_, withdrawal) = store.withdraw_honestly(receipt).unwrap();
    assert_eq!(withdrawal, Withdrawal::Erased);
    let found = files_containing(&dir, &["blue heron", "7f3a9c", "Aymara"]);
    assert!(found.is_empty(), "withdrawn text survives: {found:?}");
    assert!(reader.narratives().unwrap().is_empty(), "gone for readers");
    assert_eq!(reader.status_of(receipt).unwrap(), Status::Withdrawn);
    assert!(matches!(
        store.withdraw(receipt),
        Err(StoreError::AlreadyWithdrawn(_))
    ));
    drop(reader);
    drop(store);

    let found = files_containing(&dir, &["blue heron", "7f3a9c", "Aymara"]);
    assert!(found.is_empty(), "withdrawn text survives: {found:?}");
}

/// A read held open on the store's file, as another program holds one (a backup tool, a
/// `sqlite3` shell): `BEGIN` and a `SELECT`, kept until the connection is dropped. It opens the
/// file read-only, as such a reader may, so that closing it, even last, never checkpoints the
/// log itself.
fn hold_a_read(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    conn.execute_batch("BEGIN").unwrap();
    let held: i64 = conn
        .query_row("SELECT count(*) FROM narratives", [], |r| r.get(0))
        .unwrap();
    assert!(held > 0, "the read sees the narratives");
    conn
}

/// Fails on the old code: there `withdraw` retried a TRUNCATE checkpoint 50 times, each waiting
/// up to 5 s for this reader (minutes in all), while the writer thread took no submission; then it
/// reported the text erased although it was still in the files, and nothing finished the erasure
/// once the reader left. (Nor had it `withdraw_honestly`, `Withdrawal` or `pending_erasures`.)
#[test]
fn withdrawal_beside_an_open_read_says_pending_and_finishes_in_the_background() {
    let dir = TempDir::new("withdraw-reader");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let secret = "The night ferry sang in a voice I knew, unique marker 5e81b2";
    let receipt = store
        .submit(dream(secret, "Tlingit, Sitka"), Admission::default())
        .unwrap();
    assert!(!files_containing(&dir, &["5e81b2"]).is_empty());
    let reader = hold_a_read(
        &store
            .database_path()
            .expect("a store in a folder has a file"),
    );

    let started = Instant::now();
    let (_, withdrawal) = store.withdraw_honestly(receipt).unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "the withdrawal took {took:?}"
    );
    assert_eq!(
        withdrawal,
        Withdrawal::Pending,
        "the reader holds the log: not erased from the files yet"
    );
    assert_eq!(
        store.reader().unwrap().status_of(receipt).unwrap(),
        Status::Withdrawn
    );
    assert_eq!(store.pending_erasures().unwrap(), 1);

    // The writer thread is not stuck: a submission goes straight through.
    let started = Instant::now();
    store
        .submit(dream("a dream right after", "Juneau"), Admission::default())
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the submission took {took:?}"
    );

    // The reader leaves; the writer thread finishes the erasure by itself, within seconds.
    drop(reader);
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.pending_erasures().unwrap() > 0 {
        assert!(Instant::now() < deadline, "the erasure was never finished");
        thread::sleep(Duration::from_millis(50));
    }
    let found = files_containing(&dir, &["night ferry", "5e81b2", "Tlingit"]);
    assert!(found.is_empty(), "withdrawn text survives: {found:?}");
}

/// Fails on the old code, which kept no record of an erasure it could not finish (there was no
/// `pending_erasure` table): a withdrawal whose checkpoint gave up left the text in the files,
/// and a later start had nothing to tell it so.
#[test]
fn reopening_a_store_finishes_a_pending_erasure() {
    let dir = TempDir::new("withdraw-reopen");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let secret = "My father's boat rose on a tide of lanterns, unique marker 9c04d7";
    let receipt = store
        .submit(dream(secret, "Bugis, Makassar"), Admission::default())
        .unwrap();
    let path = store
        .database_path()
        .expect("a store in a folder has a file");
    let reader = hold_a_read(&path);
    let (_, withdrawal) = store.withdraw_honestly(receipt).unwrap();
    assert_eq!(withdrawal, Withdrawal::Pending);
    // The store closes while the read is still open: the erasure is left unfinished.
    drop(store);
    assert!(
        !files_containing(&dir, &["9c04d7"]).is_empty(),
        "the open read kept the old page images in the files"
    );
    drop(reader);
    let queued: i64 = rusqlite::Connection::open_with_flags(
        &path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap()
    .query_row("SELECT count(*) FROM pending_erasure", [], |r| r.get(0))
    .unwrap();
    assert_eq!(queued, 1, "the pending erasure outlived the store");

    // The next start finishes it before it returns.
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    assert_eq!(store.pending_erasures().unwrap(), 0);
    let found = files_containing(&dir, &["lanterns", "9c04d7", "Bugis"]);
    assert!(found.is_empty(), "withdrawn text survives: {found:?}");
}

/// Which of `needles` appear, in which files of the store's folder (raw bytes).
fn files_containing(dir: &TempDir, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(format!("{needle} in {}", path.display()));
            }
        }
    }
    found
}

#[test]
fn import_takes_good_lines_reports_bad_ones_and_round_trips() {
    let dir = TempDir::new("import");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let long = "x".repeat(700);
    let mut file = Vec::new();
    file.extend_from_slice(
        b"{\"text\":\"first dream\",\"origin\":\"Hmong, Minnesota\",\"language\":\"hmn\"}\n",
    );
    file.extend_from_slice(b"{\"text\": \"broken json\"\n");
    file.extend_from_slice(b"{\"text\":5,\"origin\":\"x\"}\n");
    file.extend_from_slice(format!("{{\"text\":\"{long}\",\"origin\":\"x\"}}\n").as_bytes());
    file.extend_from_slice(b"{\"text\":\"caf\xe9\",\"origin\":\"x\"}\n");
    file.extend_from_slice(b"\n");
    file.extend_from_slice(
        "{\"text\":\"second dream 夢\",\"origin\":\"Kyoto\",\"sanctuary\":true,\"display\":false}\r\n"
            .as_bytes(),
    );
    let report = import(&store, &file[..], |_| {}).unwrap();
    assert_eq!(report.imported.len(), 2);
    let refused: Vec<usize> = report.refused.iter().map(|(line, _)| *line).collect();
    assert_eq!(refused, vec![2, 3, 4, 5]);
    let reasons: Vec<String> = report.refused.iter().map(|(_, e)| e.to_string()).collect();
    assert!(reasons[1].contains("expected a string"), "{reasons:?}");
    assert!(
        reasons[2].contains("700 characters long; the limit is 600"),
        "{reasons:?}"
    );
    assert!(reasons[3].contains("not valid UTF-8"), "{reasons:?}");

    let narratives = store.reader().unwrap().narratives().unwrap();
    assert_eq!(narratives.len(), 2);
    assert!(narratives[1].narrative.consent.sanctuary);
    assert!(!narratives[1].narrative.consent.display);

    // Export, import into a fresh store, export again: the same file.
    let mut exported = Vec::new();
    write_records(&mut exported, &narratives).unwrap();
    let other_dir = TempDir::new("import-again");
    let other = Store::open(other_dir.path(), Seed::Empty).unwrap();
    let again = import(&other, &exported[..], |_| {}).unwrap();
    assert!(again.refused.is_empty(), "{:?}", again.refused);
    let mut re_exported = Vec::new();
    write_records(
        &mut re_exported,
        &other.reader().unwrap().narratives().unwrap(),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(exported.clone()).unwrap(),
        String::from_utf8(re_exported).unwrap()
    );

    // Importing the same export twice never duplicates a narrative: its receipts are taken.
    let twice = import(&other, &exported[..], |_| {}).unwrap();
    assert!(twice.imported.is_empty());
    assert_eq!(twice.refused.len(), 2);
    assert!(twice.refused[0].1.to_string().contains("already taken"));
}

#[test]
fn large_imports_report_progress() {
    let dir = TempDir::new("import-large");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    let mut file = String::new();
    for i in 0..1_200 {
        let _ = writeln!(
            file,
            "{{\"text\":\"dream {i}\",\"origin\":\"origin {}\"}}",
            i % 37
        );
    }
    let mut heard = Vec::new();
    let report = import(&store, file.as_bytes(), |lines| heard.push(lines)).unwrap();
    assert_eq!(report.imported.len(), 1_200);
    assert_eq!(heard, vec![500, 1000, 1200]);
}

#[test]
fn import_skips_overlong_lines_and_accepts_a_byte_order_mark() {
    let dir = TempDir::new("import-long");
    let store = Store::open(dir.path(), Seed::Empty).unwrap();
    // A byte-order mark before line 1, a line of 1 MiB, then a good line.
    let mut file = b"\xEF\xBB\xBF{\"text\":\"first dream\",\"origin\":\"Lagos\"}\n".to_vec();
    file.resize(file.len() + (1 << 20), b'x');
    file.extend_from_slice(b"\n{\"text\":\"second dream\",\"origin\":\"Kyoto\"}\n");
    let report = import(&store, &file[..], |_| {}).unwrap();
    let refused: Vec<(usize, String)> = report
        .refused
        .iter()
        .map(|(line, error)| (*line, error.to_string()))
        .collect();
    assert_eq!(report.imported.len(), 2, "{refused:?}");
    assert_eq!(report.lines, 3);
    assert_eq!(
        refused,
        vec![(
            2,
            "the line is longer than 131,072 bytes, so it was skipped".to_owned()
        )]
    );

    // An endless file of zeros (`/dev/zero`), cut at 10 MiB here so that the test ends: one line,
    // refused as too long without being gathered in memory.
    let zeros = BufReader::new(std::io::repeat(0).take(10 << 20));
    let report = import(&store, zeros, |_| {}).unwrap();
    assert_eq!((report.lines, report.imported.len()), (1, 0));
    assert!(
        matches!(report.refused[..], [(1, LineError::TooLong)]),
        "{:?}",
        report.refused
    );
}

/// Set only in the environment of the child process the crash test starts: the data folder the
/// child submits to.
const CHILD_ENV: &str = "DREAMLOOM_CRASH_CHILD_DIR";

/// The child side of the crash test: submits in a loop, printing each receipt after its commit,
/// until the parent kills it. A plain function, not a test, so that no test can pass without
/// checking anything.
fn run_crash_child(dir: &str) -> ! {
    let store = Store::open(std::path::Path::new(dir), Seed::Empty).unwrap();
    let mut n = 0u64;
    loop {
        let receipt = store
            .submit(
                dream(&format!("crash-test dream {n}"), "Crash, Test"),
                Admission::default(),
            )
            .unwrap();
        println!("RECEIPT {receipt}");
        n += 1;
    }
}

/// Starts this same test again in a child process (its own test binary, with [`CHILD_ENV`] set),
/// which runs [`run_crash_child`], and kills it at random moments, over and over.
#[test]
fn every_acknowledged_submission_survives_sigkill() {
    const KILLS: usize = 24;
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        run_crash_child(&dir);
    }
    let dir = TempDir::new("crash");
    let mut acknowledged: Vec<Receipt> = Vec::new();
    let mut seed = 0x9e37_79b9_u64;
    for _ in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "every_acknowledged_submission_survives_sigkill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Not `strip_prefix`: with one test thread the harness prints "test <name> ... "
                // with no newline, so the first receipt shares its line.
                if let Some((_, code)) = line.split_once("RECEIPT ") {
                    let _ = tx.send(code.parse::<Receipt>().unwrap());
                }
            }
        });
        // Wait for the first receipt, then kill at a pseudo-random moment 0..150 ms later.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("child submits");
        acknowledged.push(first);
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let delay = Duration::from_millis((seed >> 33) % 150);
        let until = Instant::now() + delay;
        while Instant::now() < until {
            thread::sleep(Duration::from_millis(1));
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        reader.join().unwrap();
        acknowledged.extend(rx.try_iter());
    }

    let db = Database::open(&dir.path().join("dreamloom.sqlite3")).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let stored: std::collections::HashSet<Receipt> = db
        .narratives()
        .unwrap()
        .into_iter()
        .map(|n| n.receipt)
        .collect();
    let lost: Vec<&Receipt> = acknowledged
        .iter()
        .filter(|r| !stored.contains(r))
        .collect();
    eprintln!(
        "{KILLS} kills, {} acknowledged submissions, {} stored, {} lost",
        acknowledged.len(),
        stored.len(),
        lost.len()
    );
    assert!(acknowledged.len() > KILLS, "the child barely ran");
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}
