//! The narrative store on a real PostgreSQL 15, as the machines of one exhibition share it: the
//! same promises as the SQLite store (`tests/store.rs`) — submissions durable and read back,
//! moderation, withdrawal erasing the words from the rows and from the table's files, an
//! append-only log, a newer schema refused — and what several machines add: one gap-free log in
//! commit order, receipts unique across machines, a submission sent twice stored once, a kiosk
//! that keeps taking dreams while the database is away and forwards them exactly once, in order,
//! with their own times (even when killed while it forwards), and the `exhibition` commands.
//!
//! Needs Debian's `postgresql` (`.ci/run` installs it). Without it each test says it is skipped, or
//! fails when `DREAMLOOM_REQUIRE_POSTGRES=1` (CI sets it). Each test starts a server of its own.

use std::{
    collections::HashSet,
    process::{Child, Command, Output, Stdio},
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::{
        import::import,
        receipt::Receipt,
        sample_narratives,
        store::{
            Admission, EVENTS_CHANNEL, EventKind, Location, Outbox, POSTGRES_SCHEMA_VERSION,
            Participation, Reader, Seed, Status, StatusCounts, Store, StoreError, Withdrawal,
            now_ms,
        },
    },
    testing::{PostgresServer, TempDir, dream, dreamloom_command, postgres_available},
};
use postgres::{Client, IsolationLevel, NoTls, fallible_iterator::FallibleIterator};

/// One machine's store on the test's database, empty when new.
fn machine(server: &PostgresServer) -> Store {
    Store::open_at(&Location::Postgres(server.url()), Seed::Empty).expect("the store opens")
}

/// A kiosk's store on the test's database, with its outbox in `data` (empty when new).
fn kiosk(server: &PostgresServer, data: &TempDir) -> Store {
    Store::open_as(
        &Location::Postgres(server.url()),
        Seed::Empty,
        Participation {
            name: "kiosk-east".into(),
            role: "kiosk".into(),
            outbox: Some(data.path().to_owned()),
        },
    )
    .expect("the kiosk's store opens, the database there or not")
}

/// `dreamloom --data DATA --exhibition URL exhibition COMMAND`, not started yet.
fn exhibition_command(data: &TempDir, url: &str, command: &str) -> Command {
    let mut run = dreamloom_command();
    run.arg("--data")
        .arg(data.path())
        .arg("--exhibition")
        .arg(url)
        .env_remove("DREAMLOOM_EXHIBITION")
        .args(["exhibition", command]);
    run
}

/// A visitor at `store`'s kiosk submits dream `i`: its receipt, and the span of time (ms since
/// the Unix epoch) in which they pressed submit. Fails if they waited for it.
fn submit_at_the_kiosk(store: &Store, i: usize) -> (Receipt, i64, i64) {
    let before = now_ms();
    let started = Instant::now();
    let receipt = store
        .submit(
            dream(&format!("dream {i} of the evening"), "Lagos"),
            Admission::default(),
        )
        .expect("a receipt, the database there or not");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "dream {i}: its visitor waited {:?}",
        started.elapsed()
    );
    (receipt, before, now_ms())
}

/// Waits (a minute at most) until `store`'s outbox is empty.
fn until_the_outbox_is_empty(store: &Store) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while store.outbox_depth() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} still wait in the outbox a minute after the database came back",
            store.outbox_depth()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// While the database is away, `exhibition forward` fails plainly and keeps all `waiting`
/// entries, and `exhibition status` still tells what waits in this machine's outbox.
fn away_forwarding_fails_and_keeps_everything(data: &TempDir, url: &str, waiting: usize) {
    let refused = exhibition_command(data, url, "forward")
        .output()
        .expect("dreamloom runs");
    assert!(!refused.status.success(), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("could not reach the exhibition's database")
            && stderr(&refused).contains(&format!("the {waiting} entries left stay in the outbox")),
        "{}",
        stderr(&refused)
    );
    let status = exhibition_command(data, url, "status")
        .output()
        .expect("dreamloom runs");
    assert!(!status.status.success());
    assert!(
        stdout(&status).contains(&format!("this machine's outbox: {waiting} waiting")),
        "{}",
        stdout(&status)
    );
}

/// Kills `child` (SIGKILL) as soon as the database holds a narrative; how many it held then.
fn kill_once_one_is_stored(sql: &mut Client, child: &mut Child) -> i64 {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let stored = narratives_in(sql);
        if stored >= 1 {
            child.kill().expect("SIGKILL");
            return stored;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the forwarding ended ({status}) before one dream reached the database");
        }
        assert!(Instant::now() < deadline, "nothing forwarded in a minute");
        thread::sleep(Duration::from_millis(2));
    }
}

/// The receipt codes of the dreams in the database, in the order of their `submitted` events,
/// each with its creation time, its event's time, and whether its words are gone.
fn submitted_in_order(sql: &mut Client) -> Vec<(String, i64, i64, bool)> {
    sql.query(
        "SELECT n.receipt, n.created_at_ms, e.at_ms, n.text IS NULL
         FROM events e JOIN narratives n ON n.id = e.narrative
         WHERE e.kind = 'submitted' ORDER BY e.seq",
        &[],
    )
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
    .collect()
}

/// How many narratives the database holds.
fn narratives_in(sql: &mut Client) -> i64 {
    sql.query_one("SELECT count(*) FROM narratives", &[])
        .unwrap()
        .get(0)
}

/// A connection of the test's own, as `psql` would be.
fn psql(server: &PostgresServer) -> Client {
    Client::connect(&server.url(), NoTls).expect("the test connects")
}

/// Which of `needles` appear in the files of the `narratives` table and its TOAST table (raw
/// bytes), after a checkpoint has written every changed page to them.
fn table_files_containing(
    server: &PostgresServer,
    sql: &mut Client,
    needles: &[&str],
) -> Vec<String> {
    sql.batch_execute("CHECKPOINT").unwrap();
    let row = sql
        .query_one(
            "SELECT pg_relation_filepath(oid), pg_relation_filepath(reltoastrelid)
             FROM pg_class WHERE oid = 'narratives'::regclass",
            &[],
        )
        .unwrap();
    let files: Vec<String> = [row.get::<_, Option<String>>(0), row.get(1)]
        .into_iter()
        .flatten()
        .collect();
    assert!(!files.is_empty(), "the table has files");
    let mut found = Vec::new();
    for file in files {
        let bytes = std::fs::read(server.data_dir().join(&file)).unwrap();
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(format!("{needle} in {file}"));
            }
        }
    }
    found
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn submissions_moderation_and_the_log_on_postgres() {
    let Some(server) = postgres_available("submissions_moderation_and_the_log_on_postgres") else {
        return;
    };
    let store = machine(&server);
    let first = store
        .submit(
            dream("The moon rowed us home.", "Tagalog, Manila"),
            Admission::default(),
        )
        .unwrap();
    let held = store
        .submit(
            dream("A river of lanterns.", "Bugis, Makassar"),
            Admission {
                status: Status::Pending,
                ..Admission::default()
            },
        )
        .unwrap();
    let reader = store.reader().unwrap();
    assert!(matches!(reader, Reader::Postgres(_)));
    let stored = reader.narratives().unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|n| (n.receipt, n.status, n.narrative.text.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (first, Status::Visible, "The moon rowed us home."),
            (held, Status::Pending, "A river of lanterns."),
        ]
    );
    assert_eq!(stored[1].narrative.origin, "Bugis, Makassar");
    let ids = [stored[0].narrative.id, stored[1].narrative.id];
    assert_eq!(
        reader.displayed().unwrap().len(),
        1,
        "the held one is off the cloak"
    );
    assert_eq!(reader.pending(10).unwrap()[0].receipt, held);

    // A curator approves the held dream and hides the first.
    store
        .write(move |db| db.moderate(held, Status::Visible))
        .unwrap()
        .unwrap();
    store
        .write(move |db| db.moderate(first, Status::Hidden))
        .unwrap()
        .unwrap();
    assert_eq!(reader.status_of(first).unwrap(), Status::Hidden);
    let shown: Vec<String> = reader
        .displayed()
        .unwrap()
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert_eq!(shown, vec!["A river of lanterns.".to_owned()]);
    assert_eq!(
        reader.status_counts().unwrap(),
        StatusCounts {
            pending: 0,
            visible: 1,
            hidden: 1,
            withdrawn: 0
        }
    );

    let events: Vec<(i64, _, EventKind)> = reader
        .events_after(0)
        .unwrap()
        .iter()
        .map(|e| (e.seq, e.narrative, e.kind))
        .collect();
    assert_eq!(
        events,
        vec![
            (1, ids[0], EventKind::Submitted),
            (2, ids[1], EventKind::Submitted),
            (3, ids[1], EventKind::Moderated(Status::Pending)),
            (4, ids[1], EventKind::Moderated(Status::Visible)),
            (5, ids[0], EventKind::Moderated(Status::Hidden)),
        ]
    );
    assert_eq!(reader.events_after(3).unwrap().len(), 2);
    assert_eq!(reader.last_seq().unwrap(), 5);
    assert!(matches!(
        store
            .write(|db| db.moderate(Receipt::from_bits(7), Status::Hidden))
            .unwrap(),
        Err(StoreError::UnknownReceipt(_))
    ));
    assert_eq!(reader.integrity_check().unwrap(), "ok");
}

#[test]
fn withdrawal_erases_the_words_from_the_rows_and_the_tables_files() {
    let Some(server) =
        postgres_available("withdrawal_erases_the_words_from_the_rows_and_the_tables_files")
    else {
        return;
    };
    let store = machine(&server);
    let secret = "I dreamt of the blue heron over Lake Titicaca, unique marker 7f3a9c";
    let receipt = store
        .submit(dream(secret, "Aymara, Puno"), Admission::default())
        .unwrap();
    // Another dream after it: the withdrawn row is not the last on its page, where a plain
    // VACUUM would happen to overwrite it anyway.
    store
        .submit(
            dream("a later dream", "Quechua, Cusco"),
            Admission::default(),
        )
        .unwrap();
    let mut sql = psql(&server);
    // The search below can find the words: before the withdrawal they are in the table's file.
    assert!(!table_files_containing(&server, &mut sql, &["7f3a9c"]).is_empty());

    let (_, withdrawal) = store.withdraw_honestly(receipt).unwrap();
    assert_eq!(withdrawal, Withdrawal::Erased);
    let row = sql
        .query_one(
            "SELECT text, origin, language, status FROM narratives WHERE receipt = $1",
            &[&receipt.as_str()],
        )
        .unwrap();
    assert_eq!(
        (
            row.get::<_, Option<String>>(0),
            row.get::<_, Option<String>>(1),
            row.get::<_, Option<String>>(2),
            row.get::<_, String>(3),
        ),
        (None, None, None, "withdrawn".to_owned())
    );
    let matching: i64 = sql
        .query_one(
            "SELECT count(*) FROM narratives
             WHERE text LIKE '%7f3a9c%' OR origin LIKE '%Aymara%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(matching, 0);
    let found = table_files_containing(&server, &mut sql, &["blue heron", "7f3a9c", "Aymara"]);
    assert!(found.is_empty(), "withdrawn words survive: {found:?}");
    assert_eq!(store.pending_erasures().unwrap(), 0);

    assert!(matches!(
        store.withdraw(receipt),
        Err(StoreError::AlreadyWithdrawn(_))
    ));
    let reader = store.reader().unwrap();
    assert_eq!(reader.narratives().unwrap().len(), 1);
    assert_eq!(reader.status_of(receipt).unwrap(), Status::Withdrawn);
    assert_eq!(
        reader.events_after(0).unwrap().last().map(|e| e.kind),
        Some(EventKind::Withdrawn)
    );
    assert_eq!(reader.integrity_check().unwrap(), "ok");
}

/// A session that reads from before the withdrawal (a backup, a `psql` shell in a transaction)
/// still sees the old row, so the table cannot be rewritten without it yet: the withdrawal says
/// so at once, the writer is not held up, and the erasure finishes by itself once that session
/// ends.
#[test]
fn a_session_reading_from_before_keeps_the_erasure_pending_until_it_ends() {
    let Some(server) =
        postgres_available("a_session_reading_from_before_keeps_the_erasure_pending_until_it_ends")
    else {
        return;
    };
    let store = machine(&server);
    let secret = "The night ferry sang in a voice I knew, unique marker 5e81b2";
    let receipt = store
        .submit(dream(secret, "Tlingit, Sitka"), Admission::default())
        .unwrap();
    let mut other = psql(&server);
    let mut held = other
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .unwrap();
    let count: i64 = held
        .query_one("SELECT count(*) FROM narratives", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 1);

    let started = Instant::now();
    let (_, withdrawal) = store.withdraw_honestly(receipt).unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "the withdrawal took {took:?}"
    );
    assert_eq!(withdrawal, Withdrawal::Pending);
    assert_eq!(store.pending_erasures().unwrap(), 1);
    assert_eq!(
        store.reader().unwrap().status_of(receipt).unwrap(),
        Status::Withdrawn
    );
    // That session still sees the words: its snapshot is from before.
    let text: Option<String> = held
        .query_one(
            "SELECT text FROM narratives WHERE receipt = $1",
            &[&receipt.as_str()],
        )
        .unwrap()
        .get(0);
    assert_eq!(text.as_deref(), Some(secret));

    // The writer is not stuck: a submission goes straight through.
    let started = Instant::now();
    store
        .submit(dream("a dream right after", "Juneau"), Admission::default())
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the submission took {took:?}"
    );

    // The session ends; the writer thread finishes the erasure by itself, within seconds.
    held.commit().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while store.pending_erasures().unwrap() > 0 {
        assert!(Instant::now() < deadline, "the erasure was never finished");
        thread::sleep(Duration::from_millis(50));
    }
    let found = table_files_containing(&server, &mut other, &["night ferry", "5e81b2", "Tlingit"]);
    assert!(found.is_empty(), "withdrawn words survive: {found:?}");
}

#[test]
fn the_event_log_cannot_be_rewritten_on_postgres() {
    let Some(server) = postgres_available("the_event_log_cannot_be_rewritten_on_postgres") else {
        return;
    };
    let store = machine(&server);
    store.submit(dream("x", "y"), Admission::default()).unwrap();
    let mut sql = psql(&server);
    for statement in [
        "UPDATE events SET kind = 'withdrawn'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let error = sql.batch_execute(statement).unwrap_err();
        let message = dreamloom::narrative::store::postgres_message(&error);
        assert!(message.contains("append-only"), "{statement}: {message}");
    }
    let count: i64 = sql
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
}

#[test]
fn a_newer_schema_is_refused_and_a_bare_database_is_not_set_up_by_a_reader() {
    let Some(server) = postgres_available(
        "a_newer_schema_is_refused_and_a_bare_database_is_not_set_up_by_a_reader",
    ) else {
        return;
    };
    drop(machine(&server));
    let mut sql = psql(&server);
    let version: String = sql
        .query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, POSTGRES_SCHEMA_VERSION.to_string());
    let newer = (POSTGRES_SCHEMA_VERSION + 1).to_string();
    sql.execute(
        "UPDATE meta SET value = $1 WHERE key = 'schema_version'",
        &[&newer],
    )
    .unwrap();

    let location = Location::Postgres(server.url());
    let Err(error) = Store::open_at(&location, Seed::Samples) else {
        panic!("a store of a newer schema was opened for writing");
    };
    assert!(
        matches!(error, StoreError::NewerSchema { found, known }
            if found == POSTGRES_SCHEMA_VERSION + 1 && known == POSTGRES_SCHEMA_VERSION),
        "{error}"
    );
    let Err(error) = Reader::open_at(&location) else {
        panic!("a store of a newer schema was opened for reading");
    };
    assert!(
        matches!(error, StoreError::NewerSchema { found, .. } if found == POSTGRES_SCHEMA_VERSION + 1),
        "{error}"
    );
    let (version, narratives): (String, i64) = {
        let row = sql
            .query_one(
                "SELECT value, (SELECT count(*) FROM narratives) FROM meta
                 WHERE key = 'schema_version'",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((version, narratives), (newer, 0), "nothing was changed");

    // A database without Dreamloom's tables: a reader refuses it and creates nothing.
    let bare = server.create_database();
    let Err(error) = Reader::open_at(&Location::Postgres(bare.clone())) else {
        panic!("a reader opened a database without Dreamloom's tables");
    };
    assert!(
        matches!(error, StoreError::OlderSchema { found: 0, known } if known == POSTGRES_SCHEMA_VERSION),
        "{error}"
    );
    assert!(
        error.to_string().contains("dreamloom exhibition init"),
        "{error}"
    );
    let tables: i64 = Client::connect(&bare, NoTls)
        .unwrap()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
}

#[test]
fn receipts_are_unique_across_machines_and_a_submission_sent_twice_is_stored_once() {
    let Some(server) = postgres_available(
        "receipts_are_unique_across_machines_and_a_submission_sent_twice_is_stored_once",
    ) else {
        return;
    };
    let kiosk = machine(&server);
    let wall = machine(&server);
    let code: Receipt = "7KQ4XM".parse().unwrap();
    let kept = Admission {
        receipt: Some(code),
        ..Admission::default()
    };
    assert_eq!(kiosk.submit(dream("first", "Lagos"), kept).unwrap(), code);
    assert!(matches!(
        wall.submit(dream("second", "Kyoto"), kept),
        Err(StoreError::ReceiptTaken(taken)) if taken == code
    ));

    // The kiosk sends a dream, and the same submission comes again through another machine (an
    // outbox resending after a lost answer): one row, one event, the first answer both times.
    let sent = Admission {
        submission_id: Some(uuid::Uuid::new_v4()),
        created_at_ms: Some(1_700_000_000_000),
        ..Admission::default()
    };
    let first = kiosk
        .write(move |db| db.submit(&dream("a dream sent twice", "Hmong, Minnesota"), sent))
        .unwrap()
        .unwrap();
    let again = wall
        .write(move |db| db.submit(&dream("a dream sent twice", "Hmong, Minnesota"), sent))
        .unwrap()
        .unwrap();
    assert_eq!(again, first);
    let mut sql = psql(&server);
    let key = sent.submission_id.map(|id| id.to_string());
    let rows: i64 = sql
        .query_one(
            "SELECT count(*) FROM narratives WHERE submission_id = $1",
            &[&key],
        )
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    let reader = wall.reader().unwrap();
    let of_it: Vec<(EventKind, i64)> = reader
        .events_after(0)
        .unwrap()
        .iter()
        .filter(|e| e.narrative == first.0)
        .map(|e| (e.kind, e.at_ms))
        .collect();
    assert_eq!(
        of_it,
        vec![(EventKind::Submitted, 1_700_000_000_000)],
        "one event, at the time the dream was made"
    );
    assert_eq!(
        reader.lookup(first.1).unwrap().created_at_ms,
        1_700_000_000_000
    );

    // An import on the other machine: the line with the taken code is refused, the others land.
    let lines = format!(
        "{{\"text\":\"imported one\",\"origin\":\"Kyoto\"}}\n\
         {{\"text\":\"taken\",\"origin\":\"Lima\",\"receipt\":\"{code}\"}}\n\
         {{\"text\":\"imported two\",\"origin\":\"Lima\"}}\n"
    );
    let report = import(&wall, lines.as_bytes(), |_| {}).unwrap();
    assert_eq!(report.imported.len(), 2);
    let refused: Vec<usize> = report.refused.iter().map(|(line, _)| *line).collect();
    assert_eq!(refused, vec![2]);
    assert!(
        report.refused[0].1.to_string().contains("already taken"),
        "{:?}",
        report.refused
    );
    let receipts: HashSet<Receipt> = reader
        .narratives()
        .unwrap()
        .into_iter()
        .map(|n| n.receipt)
        .collect();
    assert_eq!(receipts.len(), 4);
    assert!(receipts.contains(&code) && receipts.contains(&first.1));
}

/// Two machines, three threads each, submitting at once: every event is in the log, numbered
/// without a gap, and the numbers are the order the transactions committed in (the order
/// PostgreSQL delivers their notifications in), so a reader catching up "after seq N" never
/// misses one.
#[test]
fn two_machines_submitting_at_once_share_one_gap_free_log_in_commit_order() {
    const THREADS: usize = 6;
    const EACH: usize = 25;
    let Some(server) = postgres_available(
        "two_machines_submitting_at_once_share_one_gap_free_log_in_commit_order",
    ) else {
        return;
    };
    let machines = [Arc::new(machine(&server)), Arc::new(machine(&server))];
    let mut listener = psql(&server);
    listener
        .batch_execute(&format!("LISTEN {EVENTS_CHANNEL}"))
        .unwrap();

    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&machines[t % 2]);
            thread::spawn(move || {
                (0..EACH)
                    .map(|i| {
                        store
                            .submit(
                                dream(&format!("dream {i} of thread {t}"), &format!("origin {t}")),
                                Admission::default(),
                            )
                            .unwrap()
                    })
                    .collect::<Vec<Receipt>>()
            })
        })
        .collect();
    let receipts: Vec<Receipt> = threads
        .into_iter()
        .flat_map(|thread| thread.join().unwrap())
        .collect();
    let total = THREADS * EACH;
    assert_eq!(receipts.len(), total);
    let unique: HashSet<Receipt> = receipts.iter().copied().collect();
    assert_eq!(unique.len(), total, "every receipt is unique");

    let reader = machines[1].reader().unwrap();
    let events = reader.events_after(0).unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(total).unwrap()).collect();
    assert_eq!(seqs, expected, "every event, numbered without a gap");
    assert!(events.iter().all(|e| e.kind == EventKind::Submitted));
    let narrated: HashSet<_> = events.iter().map(|e| e.narrative).collect();
    assert_eq!(narrated.len(), total, "one event for each dream");
    let stored: HashSet<Receipt> = reader
        .narratives()
        .unwrap()
        .into_iter()
        .map(|n| n.receipt)
        .collect();
    assert_eq!(stored, unique);

    // One notification per transaction, each carrying its last seq, delivered in commit order.
    let mut heard = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while heard.len() < total && Instant::now() < deadline {
        let mut notifications = listener.notifications();
        let mut waiting = notifications.timeout_iter(Duration::from_secs(5));
        while let Some(notification) = waiting.next().unwrap() {
            assert_eq!(notification.channel(), EVENTS_CHANNEL);
            heard.push(notification.payload().parse::<i64>().unwrap());
            if heard.len() == total {
                break;
            }
        }
    }
    assert_eq!(heard, seqs, "the log's order is the order of the commits");
}

#[test]
fn the_store_connects_again_when_the_database_comes_back() {
    let Some(mut server) =
        postgres_available("the_store_connects_again_when_the_database_comes_back")
    else {
        return;
    };
    let store = machine(&server);
    store
        .submit(dream("before", "Lagos"), Admission::default())
        .unwrap();
    server.stop();
    assert!(
        store
            .submit(dream("while it is away", "Lagos"), Admission::default())
            .is_err()
    );
    server.start();
    let receipt = store
        .submit(dream("after", "Lagos"), Admission::default())
        .unwrap();
    let reader = store.reader().unwrap();
    assert_eq!(reader.status_of(receipt).unwrap(), Status::Visible);
    let texts: Vec<String> = reader
        .narratives()
        .unwrap()
        .into_iter()
        .map(|n| n.narrative.text)
        .collect();
    assert_eq!(texts, vec!["before".to_owned(), "after".to_owned()]);
}

#[test]
fn exhibition_init_and_status_through_the_binary() {
    let Some(server) = postgres_available("exhibition_init_and_status_through_the_binary") else {
        return;
    };
    let data = TempDir::new("exhibition-cli");
    let url = server.url();
    let run = |args: &[&str]| {
        dreamloom_command()
            .arg("--data")
            .arg(data.path())
            .arg("--exhibition")
            .arg(url.as_str())
            .args(args)
            .env_remove("DREAMLOOM_EXHIBITION")
            .output()
            .expect("dreamloom runs")
    };

    let init = run(&["exhibition", "init"]);
    assert!(init.status.success(), "{}", stderr(&init));
    let said = stdout(&init);
    assert!(said.contains(&format!("exhibition: {url}\n")), "{said}");
    assert!(
        said.contains(&format!("schema: {POSTGRES_SCHEMA_VERSION}\n")),
        "{said}"
    );
    let epoch = said
        .lines()
        .find(|line| line.starts_with("epoch: "))
        .unwrap_or_else(|| panic!("no epoch in {said}"))
        .to_owned();
    assert!(
        epoch.ends_with(')') && epoch.contains(" UTC ("),
        "the epoch is set: {epoch}"
    );
    // Again: the schema is current, and the epoch is the first one.
    let again = run(&["exhibition", "init"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains(&format!("{epoch}\n")),
        "{}",
        stdout(&again)
    );

    // A dream through the binary: a new exhibition gets the samples first, then the dream.
    let submitted = run(&[
        "submit",
        "--text",
        "The moon rowed us home.",
        "--origin",
        "Tagalog, Manila",
    ]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let receipt = stdout(&submitted).trim().to_owned();
    assert_eq!(receipt.len(), 6, "receipt {receipt:?}");
    assert!(stdout(&run(&["export"])).contains(&receipt));

    // A kiosk reports itself.
    let kiosk = Store::open_at(&Location::Postgres(url.clone()), Seed::Empty).unwrap();
    kiosk
        .write(|db| db.heartbeat("kiosk-east", "kiosk", 3))
        .unwrap()
        .unwrap();

    // The status, with the database named in the environment this time.
    let status = dreamloom_command()
        .arg("--data")
        .arg(data.path())
        .env("DREAMLOOM_EXHIBITION", url.as_str())
        .args(["exhibition", "status"])
        .output()
        .expect("dreamloom runs");
    assert!(status.status.success(), "{}", stderr(&status));
    let said = stdout(&status);
    let seeded = sample_narratives().unwrap().len() + 1;
    for line in [
        format!("schema: {POSTGRES_SCHEMA_VERSION}"),
        epoch.clone(),
        format!("narratives: {seeded} visible, 0 pending, 0 hidden, 0 withdrawn"),
        "machines: 1".to_owned(),
    ] {
        assert!(
            said.lines().any(|l| l == line),
            "no line {line:?} in:\n{said}"
        );
    }
    assert!(
        said.contains(&format!("log head: seq {seeded} at ")),
        "{said}"
    );
    let reported = said
        .lines()
        .find(|line| line.trim_start().starts_with("kiosk-east"))
        .unwrap_or_else(|| panic!("the kiosk is not listed:\n{said}"));
    assert!(
        reported.contains(" kiosk ")
            && reported.contains(" seen ")
            && reported.contains("outbox 3")
            && reported.ends_with(&format!("v{}", env!("CARGO_PKG_VERSION"))),
        "{reported}"
    );
}

/// Needs no server: without a database named anywhere (no `--exhibition`, no
/// `DREAMLOOM_EXHIBITION`, no kiosk.ron), the exhibition commands say what to give.
#[test]
fn exhibition_commands_without_a_database_say_what_to_give() {
    let data = TempDir::new("exhibition-nowhere");
    let nowhere = dreamloom_command()
        .arg("--data")
        .arg(data.path())
        .env_remove("DREAMLOOM_EXHIBITION")
        .args(["exhibition", "status"])
        .output()
        .expect("dreamloom runs");
    assert!(!nowhere.status.success());
    assert!(
        stderr(&nowhere).contains("no exhibition database is given"),
        "{}",
        stderr(&nowhere)
    );
}

/// The first test: PostgreSQL stops in the middle of a stream of submissions at a kiosk
/// and starts again. Every receipt shown is in the database exactly once, in the order it was
/// given, with the time its visitor pressed submit; the visitor never waited; and a withdrawal
/// made while the database was away reached it too.
#[test]
fn a_kiosk_keeps_taking_dreams_while_the_database_is_away() {
    let Some(mut server) =
        postgres_available("a_kiosk_keeps_taking_dreams_while_the_database_is_away")
    else {
        return;
    };
    let data = TempDir::new("kiosk-outbox");
    let store = kiosk(&server, &data);
    assert!(store.has_outbox());
    let mut shown = Vec::new();
    for i in 0..5 {
        shown.push(submit_at_the_kiosk(&store, i));
        assert_eq!(
            store.outbox_depth(),
            0,
            "the database takes dream {i} at once"
        );
    }
    server.stop();
    for i in 5..10 {
        shown.push(submit_at_the_kiosk(&store, i));
        assert_eq!(store.outbox_depth(), i - 4, "dream {i} waits in the outbox");
    }
    // A visitor takes back a dream stored before the outage: the withdrawal waits in line too.
    let withdrawn = shown[2].0;
    assert_eq!(
        store.withdraw_honestly(withdrawn).unwrap(),
        (None, Withdrawal::Pending)
    );
    assert_eq!(store.outbox_depth(), 6);
    let outbox = Outbox::open_existing(data.path())
        .unwrap()
        .expect("the kiosk's outbox file");
    assert_eq!(
        outbox.depth().unwrap(),
        6,
        "on the kiosk's disk, not only in memory"
    );
    drop(outbox);

    server.start();
    until_the_outbox_is_empty(&store);

    let mut sql = psql(&server);
    let stored = submitted_in_order(&mut sql);
    let codes: Vec<&str> = stored.iter().map(|(code, ..)| code.as_str()).collect();
    let given: Vec<String> = shown
        .iter()
        .map(|(receipt, ..)| receipt.to_string())
        .collect();
    assert_eq!(
        codes, given,
        "every receipt shown, once, in the order they were given"
    );
    assert_eq!(narratives_in(&mut sql), 10, "nothing stored twice");
    for ((code, created_at_ms, at_ms, erased), (receipt, before, after)) in
        stored.iter().zip(&shown)
    {
        assert!(
            (*before..=*after).contains(created_at_ms),
            "{code}: made at {created_at_ms}, submitted between {before} and {after}"
        );
        assert_eq!(at_ms, created_at_ms, "{code}: logged at its own time");
        assert_eq!(
            *erased,
            *receipt == withdrawn,
            "{code}: words erased only if withdrawn"
        );
    }
    let status: String = sql
        .query_one(
            "SELECT status FROM narratives WHERE receipt = $1",
            &[&withdrawn.as_str()],
        )
        .unwrap()
        .get(0);
    assert_eq!(status, "withdrawn");
    let role: String = sql
        .query_one("SELECT role FROM machines WHERE name = 'kiosk-east'", &[])
        .expect("the kiosk reported itself")
        .get(0);
    assert_eq!(role, "kiosk");
}

/// The second test: a kiosk that kept 200 dreams while the database was away is killed
/// (SIGKILL) while it forwards them, then forwards again to the end. Nothing is lost, nothing is
/// doubled, the order is the outbox's. The forwarding is `dreamloom exhibition forward`, which
/// runs the kiosk's own forwarding in a process of its own that the test can kill.
#[test]
fn sigkill_while_forwarding_loses_and_doubles_nothing() {
    const DREAMS: usize = 200;
    let Some(mut server) = postgres_available("sigkill_while_forwarding_loses_and_doubles_nothing")
    else {
        return;
    };
    let url = server.url();
    // The tables, before the kiosk ever goes without them.
    drop(machine(&server));
    let data = TempDir::new("kiosk-sigkill");
    server.stop();
    let store = kiosk(&server, &data);
    let receipts: Vec<Receipt> = (0..DREAMS)
        .map(|i| {
            store
                .submit(
                    dream(&format!("dream {i} of the night the network fell"), "Lagos"),
                    Admission::default(),
                )
                .expect("kept in the outbox")
        })
        .collect();
    assert_eq!(store.outbox_depth(), DREAMS);
    drop(store);

    away_forwarding_fails_and_keeps_everything(&data, &url, DREAMS);

    server.start();
    let mut sql = psql(&server);
    let mut forwarding = exhibition_command(&data, &url, "forward")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dreamloom starts");
    let seen = kill_once_one_is_stored(&mut sql, &mut forwarding);
    let killed = forwarding.wait().unwrap();
    let after_kill = usize::try_from(narratives_in(&mut sql)).unwrap();
    eprintln!(
        "killed ({killed}) once {seen} dreams were in the database; {after_kill} were when it \
         died"
    );

    let finish = exhibition_command(&data, &url, "forward")
        .output()
        .expect("dreamloom runs");
    assert!(finish.status.success(), "{}", stderr(&finish));
    let said = stdout(&finish);
    let again: usize = said
        .strip_prefix("forwarded ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no count in {said:?}"));
    // What the killed run had not removed: everything not in the database yet, and perhaps the
    // one it was forwarding, in the database but still in the outbox (sent again, stored once).
    assert!(
        again == DREAMS - after_kill || again == DREAMS - after_kill + 1,
        "forwarded {again} after the kill, with {after_kill} of {DREAMS} in the database"
    );

    let stored = submitted_in_order(&mut sql);
    let codes: Vec<&str> = stored.iter().map(|(code, ..)| code.as_str()).collect();
    let kept: Vec<String> = receipts.iter().map(ToString::to_string).collect();
    assert_eq!(codes, kept, "every dream once, in the outbox's order");
    assert_eq!(narratives_in(&mut sql), i64::try_from(DREAMS).unwrap());
    let ids: i64 = sql
        .query_one("SELECT count(DISTINCT submission_id) FROM narratives", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        ids,
        i64::try_from(DREAMS).unwrap(),
        "one row per submission"
    );
    let outbox = Outbox::open_existing(data.path()).unwrap().unwrap();
    assert_eq!(outbox.depth().unwrap(), 0, "the outbox is empty");
    drop(outbox);
    let third = exhibition_command(&data, &url, "forward")
        .output()
        .expect("dreamloom runs");
    assert!(third.status.success(), "{}", stderr(&third));
    assert!(
        stdout(&third).starts_with("forwarded 0"),
        "{}",
        stdout(&third)
    );
}
