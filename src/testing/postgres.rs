//! A real PostgreSQL 15 for tests: Debian's server (`apt-get install postgresql`), started on a
//! fresh folder, on the loopback only, on a free port, with its socket in that folder, and stopped
//! (by its own process id, never by name) and removed when dropped.
//!
//! The server refuses to run as root, so when the tests do (as in CI's container) its programs run
//! as the `postgres` user the Debian package creates, on a folder given to that user.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use super::TempDir;

/// Set to `1` to make the PostgreSQL tests fail, rather than skip, where the server is not
/// installed (CI sets it).
pub const REQUIRE_POSTGRES_ENV: &str = "DREAMLOOM_REQUIRE_POSTGRES";
/// Where Debian puts PostgreSQL 15's programs.
pub const POSTGRES_BIN: &str = "/usr/lib/postgresql/15/bin";

/// What to install when the server is missing.
const NO_POSTGRES_HELP: &str = "PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin/postgres): apt-get install postgresql";

/// A PostgreSQL server of a test's own, for as long as it is kept.
#[derive(Debug)]
pub struct PostgresServer {
    /// Holds the cluster (`data/`), the server's log and its socket; removed last.
    folder: TempDir,
    port: u16,
    /// The tests run as root: the server's programs run as `postgres`.
    as_postgres: bool,
    running: bool,
    /// The database [`PostgresServer::url`] names.
    database: String,
}

/// A PostgreSQL server for `test`, with a fresh database, when the server is installed. Without
/// it this returns `None` after saying the test is skipped, or panics when
/// [`REQUIRE_POSTGRES_ENV`] asks for the PostgreSQL tests to be mandatory.
#[must_use]
pub fn postgres_available(test: &str) -> Option<PostgresServer> {
    if Path::new(POSTGRES_BIN).join("postgres").is_file() {
        return Some(PostgresServer::start_new(test));
    }
    let required = std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: {REQUIRE_POSTGRES_ENV}=1 but {NO_POSTGRES_HELP}"
    );
    eprintln!("SKIPPED {test}: {NO_POSTGRES_HELP}");
    None
}

impl PostgresServer {
    /// Creates a cluster in a fresh folder (trust authentication, superuser `postgres`), starts
    /// it, and creates a database for the test. Panics, with the server's log, when any of it
    /// fails.
    #[must_use]
    pub fn start_new(test: &str) -> Self {
        let label: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(40)
            .collect();
        let folder = TempDir::new(&format!("pg-{label}"));
        let as_postgres = owned_by_root(folder.path());
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(folder.path()));
        }
        let mut server = Self {
            port: free_port(),
            folder,
            as_postgres,
            running: false,
            database: String::new(),
        };
        server.program("initdb", |command| {
            command.arg("-D").arg(server.data_dir()).args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ])
        });
        // Another test may take the free port between its finding and the server's binding it:
        // then the server starts again on another.
        let mut attempts = 0;
        while let Err(problem) = server.try_start() {
            attempts += 1;
            assert!(attempts < 3, "{problem}");
            server.port = free_port();
        }
        server.database = server.new_database();
        server
    }

    /// The connection URL of the test's database: `postgres://postgres@127.0.0.1:PORT/NAME`.
    #[must_use]
    pub fn url(&self) -> String {
        self.url_of(&self.database)
    }

    /// The connection URL of database `name` on this server.
    #[must_use]
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The port the server listens on (the loopback only).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's folder (`PGDATA`), for tests that read the server's files.
    #[must_use]
    pub fn data_dir(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    /// Creates another empty database on this server and returns its URL.
    #[must_use]
    pub fn create_database(&self) -> String {
        self.url_of(&self.new_database())
    }

    /// Creates an empty database with a name of its own and returns the name.
    fn new_database(&self) -> String {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!("dreamloom_{}", COUNTER.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&self.url_of("postgres"), postgres::NoTls)
            .unwrap_or_else(|error| panic!("connecting to the test server: {error}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|error| panic!("creating database {name}: {error}"));
        name
    }

    /// Starts the server (again, after [`PostgresServer::stop`]) on the same port and folder,
    /// and waits until it takes connections.
    pub fn start(&mut self) {
        if let Err(problem) = self.try_start() {
            panic!("{problem}");
        }
    }

    /// [`PostgresServer::start`], saying what went wrong (with the server's log) rather than
    /// panicking.
    fn try_start(&mut self) -> Result<(), String> {
        if self.running {
            return Ok(());
        }
        // No autovacuum: its ANALYZE holds a snapshot for a moment, and one at an unlucky moment
        // would make a withdrawal's erasure wait (rightly) where a test expects it done.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c shared_buffers=16MB \
             -c max_connections=40 -c autovacuum=off",
            self.port,
            self.folder.path().display()
        );
        let log = self.folder.path().join("server.log");
        let started = self.try_program("pg_ctl", |command| {
            command
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", options.as_str(), "start"])
        });
        if !started.status.success() {
            return Err(format!(
                "the test's PostgreSQL did not start: {}\n{}\nits log:\n{}",
                String::from_utf8_lossy(&started.stdout),
                String::from_utf8_lossy(&started.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            ));
        }
        self.running = true;
        self.wait_for_connections();
        Ok(())
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`, as a power cut would), as the
    /// database going away; [`PostgresServer::start`] brings it back.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        let stopped = self.try_program("pg_ctl", |command| {
            command.arg("-D").arg(self.data_dir()).args([
                "-m",
                "immediate",
                "-w",
                "-t",
                "60",
                "stop",
            ])
        });
        if !stopped.status.success() {
            self.kill_postmaster();
        }
        self.running = false;
    }

    /// Waits (at most 30 s) until the server answers a connection.
    fn wait_for_connections(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match postgres::Client::connect(&self.url_of("postgres"), postgres::NoTls) {
                Ok(_) => return,
                Err(error) => {
                    assert!(
                        Instant::now() < deadline,
                        "the test's PostgreSQL takes no connections: {error}"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }

    /// Kills the server's postmaster by the process id it wrote in `postmaster.pid`, should
    /// `pg_ctl` have failed to stop it.
    fn kill_postmaster(&self) {
        let pid = std::fs::read_to_string(self.data_dir().join("postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok());
        if let Some(pid) = pid {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
        }
    }

    /// Runs one of the server's programs (as `postgres` when the tests run as root) and panics
    /// with its output when it fails.
    fn program(&self, name: &str, arguments: impl FnOnce(&mut Command) -> &mut Command) {
        let output = self.try_program(name, arguments);
        assert!(
            output.status.success(),
            "{name} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs one of the server's programs, in the server's folder (which `postgres` may enter,
    /// unlike the tests' own), and returns its output.
    fn try_program(
        &self,
        name: &str,
        arguments: impl FnOnce(&mut Command) -> &mut Command,
    ) -> Output {
        let program = Path::new(POSTGRES_BIN).join(name);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command
            .current_dir(self.folder.path())
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST");
        arguments(&mut command)
            .output()
            .unwrap_or_else(|error| panic!("could not run {name}: {error}"))
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // Stopped before its folder goes: `TempDir` removes the folder after this.
        self.stop();
    }
}

/// Whether `folder`, which this process just made, belongs to root: then this process runs as
/// root, and the server must run as `postgres`.
fn owned_by_root(folder: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(folder).is_ok_and(|metadata| metadata.uid() == 0)
}

/// A port nobody listens on now, on the loopback.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on the loopback")
}

/// Runs `command` and panics with its output when it fails.
fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("could not run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
