//! The command line: the product's interface. `main.rs` parses it and dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{dreamscape::Dreamscape, immersive::Immersive};

/// Dreamloom renders the installation "Cloak of Collective Dreams": visitors' dreams woven as
/// glowing threads into a cloak that floats in a procedural dreamscape.
#[derive(Debug, Parser)]
#[command(name = "dreamloom", version, about, long_about = None)]
pub struct Cli {
    /// Folder of the narrative store [default: the user's data folder, e.g.
    /// ~/.local/share/dreamloom]. A new store starts with the embedded sample narratives.
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The PostgreSQL database an exhibition of several machines shares, e.g.
    /// `postgres://dreamloom@10.0.0.5/show`: the narratives are kept there instead of in the data
    /// folder [default: `exhibition` in kiosk.ron, else the data folder's own store].
    //
    // Checked when it is used (`commands::Place`), not here: clap repeats a refused value in its
    // error, and this one may hold a password.
    #[arg(
        long,
        global = true,
        env = "DREAMLOOM_EXHIBITION",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub exhibition: Option<String>,
    /// This machine's name among the exhibition's machines [default: its host name].
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_machine)]
    pub machine: Option<String>,
    /// What to do; without one, opens the viewer.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the piece in a desktop window: drag to orbit, scroll to zoom.
    View(ViewArgs),
    /// Open the viewer with the tuning panel: every artistic parameter, presets to save, load and
    /// revert (F1 toggles the panel, F12 saves a still, F3 shows the piece's health).
    Tune(ViewArgs),
    /// Run the gallery kiosk: fullscreen, unattended, with the visitor form, attract mode and
    /// the curator panel (Ctrl+Alt+Shift+C, or hold the top-left corner). Settings are in
    /// kiosk.ron in the data folder, written on first start; the curator PIN is set with
    /// `kiosk-pin`.
    Kiosk(KioskArgs),
    /// Set the kiosk's curator PIN (6 to 12 digits): reads it twice from standard input and keeps
    /// only a salted hash of it, in curator.pin in the data folder, readable by this user only.
    KioskPin,
    /// Render one frame without a window and save it as a PNG.
    ///
    /// The frame is fully determined by --seed and --time: the same arguments give the same image.
    Render(RenderArgs),
    /// Render frames at exact times (frame i at --from + i / --fps) into a folder of PNGs, or a
    /// .mp4/.webm file through ffmpeg. A folder's run resumes where an interrupted one stopped.
    Sequence(SequenceArgs),
    /// Film the exhibition's life from the store's event log, compressed by --speed: threads
    /// weave in at their submission times, curators' moderation and the protocol's doings play,
    /// withdrawn dreams never appear; the date and time in a corner. Output as for `sequence`.
    Timelapse(TimelapseArgs),
    /// Weave a new narrative into the store; prints its receipt code once it is safely on disk.
    Submit(SubmitArgs),
    /// Import narratives from a JSON Lines file (fields in the README); reports each bad line.
    Import(ImportArgs),
    /// Write every narrative that is not withdrawn as JSON Lines (re-importable).
    Export(ExportArgs),
    /// Withdraw a narrative by its receipt code: its text is erased and its thread leaves the cloak.
    Withdraw(WithdrawArgs),
    /// Draw a visitor's keepsake card (their dream in their own script, their origin, their
    /// thread in its colours, their receipt code) as a PNG, without a window.
    Card(CardArgs),
    /// Measure frame cost against thread count, headless, on synthetic narratives.
    Bench(BenchArgs),
    /// Run the Neuro-Synch Protocol on the narratives without rendering and print the diversity
    /// measures over time.
    Simulate(SimulateArgs),
    /// An exhibition of several machines sharing one PostgreSQL database (--exhibition): set up
    /// its tables, see how it stands, or forward this machine's outbox to it.
    #[command(subcommand)]
    Exhibition(ExhibitionCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum ExhibitionCommand {
    /// Create the exhibition's tables in its database, or bring them up to date; the
    /// exhibition's clock starts the first time. Prints the schema version and the epoch.
    Init,
    /// Print the schema version, the epoch, the event log's head, the narratives by status,
    /// every machine with when it was last seen and how many submissions wait in its outbox, and
    /// what waits in this machine's own outbox (in the data folder), if it has one.
    Status,
    /// Forward what this machine's outbox (outbox.sqlite3 in the data folder) holds — the dreams
    /// and withdrawals a kiosk kept while the exhibition's database was unreachable — to the
    /// database, oldest first, each exactly once; print how many. A running kiosk does this by
    /// itself; this is for a machine that will not run again, or to see it done. Exits 1, with
    /// everything left in the outbox, while the database cannot be reached.
    Forward,
}

/// A machine's name: a few printable characters, as other machines list it.
fn parse_machine(text: &str) -> Result<String, String> {
    let name = text.trim();
    if (1..=64).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
        Ok(name.to_owned())
    } else {
        Err("a machine's name has 1 to 64 characters, none of them control characters".to_owned())
    }
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Ticks to run (one tick is 0.1 s of dream time).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub ticks: u64,
    /// Protocol mode; overrides the policy file's.
    #[arg(long, value_parser = parse_mode)]
    pub mode: Option<crate::protocol::policy::Mode>,
    /// Council policy, a RON file (see assets/policies/); defaults otherwise.
    #[arg(long, value_name = "FILE.ron")]
    pub policy: Option<PathBuf>,
    /// Seed of the protocol's pace (and of synthetic narratives).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run on N generated narratives instead of the store's.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub synthetic: Option<u32>,
    /// Print a sample every K ticks [default: ticks / 20].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub every: Option<u64>,
    /// One JSON object per sample instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn parse_mode(text: &str) -> Result<crate::protocol::policy::Mode, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Thread counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,20000")]
    pub threads: Vec<usize>,
    /// Frame size, `WIDTHxHEIGHT`.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Measured frames per thread count (after 5 warm-up frames).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub frames: u32,
    /// Seed of the synthetic narratives and the dreamscape.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// One JSON object per thread count instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A look: a shipped preset (calm-opening, confluence, sanctuary, exhibition) or a preset file.
    #[arg(long, value_name = "NAME|PATH")]
    pub preset: Option<String>,
    /// Also measure each thread count with this many threads showing their words (up to 64):
    /// the difference is what the words cost.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=64))]
    pub speaking: u32,
    #[command(flatten)]
    pub projection: ProjectionArgs,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{text}' is not a size like 1920x1080"))?;
    let side = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=8192).contains(n))
            .ok_or_else(|| format!("'{text}': each side must be a number from 1 to 8192"))
    };
    Ok((side(w)?, side(h)?))
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The dream, up to 600 characters.
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    pub text: Option<String>,
    /// Read the dream from this UTF-8 file instead, exactly as it is written there.
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<PathBuf>,
    /// Cultural origin in your own words, e.g. "Yoruba, Lagos".
    #[arg(long)]
    pub origin: String,
    /// Language of the text as a BCP 47 tag, e.g. yo, pt-BR.
    #[arg(long)]
    pub language: Option<String>,
    /// Protect the thread in the Sanctuary from dissolution.
    #[arg(long)]
    pub sanctuary: bool,
    /// Keep the narrative in the store but never show its thread.
    #[arg(long)]
    pub no_display: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// JSON Lines file, one narrative per line.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// File to write; `-` or nothing writes to standard output.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// The receipt code, as printed at submission (case, spaces and dashes do not matter).
    pub code: String,
    /// PNG file to write.
    #[arg(long, default_value = "card.png")]
    pub out: PathBuf,
    /// Width in pixels (240 to 8192).
    #[arg(long, default_value_t = crate::card::DEFAULT_SIZE.0)]
    pub width: u32,
    /// Height in pixels (240 to 8192).
    #[arg(long, default_value_t = crate::card::DEFAULT_SIZE.1)]
    pub height: u32,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// The receipt code, as printed at submission (case, spaces and dashes do not matter).
    pub code: String,
}

/// How a windowed mode talks to the rest of the gallery: monitoring and show control.
#[derive(Debug, Args, Default)]
pub struct OutsideArgs {
    /// Serve Prometheus metrics (`/metrics`) and a health check (`/healthz`) on this address,
    /// e.g. 127.0.0.1:9464; off unless given.
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics: Option<std::net::SocketAddr>,
    /// Listen for OSC show control (UDP) on this address, e.g. 0.0.0.0:9000 (the addresses are
    /// in the README, "Show control (OSC)").
    #[arg(long, value_name = "ADDR:PORT")]
    pub osc_listen: Option<std::net::SocketAddr>,
    /// Send the piece's events and diversity meter as OSC (UDP) to this address; repeat for
    /// several.
    #[arg(long, value_name = "ADDR:PORT")]
    pub osc_send: Vec<std::net::SocketAddr>,
}

#[derive(Debug, Args, Default)]
pub struct ViewArgs {
    /// Seed of the dreamscape: the same seed, the same sky.
    #[arg(long, default_value_t = Dreamscape::default().seed)]
    pub seed: u64,
    /// Receipt code of a narrative to find: the camera flies to its thread and highlights it.
    #[arg(long, value_name = "CODE")]
    pub find: Option<String>,
    /// Play the show: the story's arc as a loop (assets/show.ron) — calm weaving, the protocol
    /// rising, the Sleep Confluence, aftermath, the Sanctuary.
    #[arg(long)]
    pub show: bool,
    /// A look: a shipped preset (calm-opening, confluence, sanctuary, exhibition) or a preset file.
    #[arg(long, value_name = "NAME|PATH")]
    pub preset: Option<String>,
    /// A projector layout (RON): one wide view, each output's slice of it — edge blended and
    /// corner-pinned — in a window of its own on its monitor (output 0 in the main window). The
    /// file is followed: edits show within a second, a mistake is refused and the last good
    /// layout stays.
    #[arg(long, value_name = "LAYOUT.ron")]
    pub outputs: Option<PathBuf>,
    #[command(flatten)]
    pub projection: ProjectionArgs,
    #[command(flatten)]
    pub outside: OutsideArgs,
}

#[derive(Debug, Args)]
pub struct KioskArgs {
    /// Monitor to fill, counting from 0 [default: the primary monitor].
    #[arg(long, value_name = "N")]
    pub monitor: Option<usize>,
    /// A look: a shipped preset (calm-opening, confluence, sanctuary, exhibition) or a preset file.
    #[arg(long, value_name = "NAME|PATH")]
    pub preset: Option<String>,
    /// Serve the phone form on this address, e.g. 0.0.0.0:8080; the kiosk shows its QR code.
    #[arg(long, value_name = "ADDR:PORT")]
    pub web: Option<std::net::SocketAddr>,
    /// Moderation policy, overriding kiosk.ron: post (visible at once) or pre (held for a
    /// curator).
    #[arg(long, value_parser = parse_moderation)]
    pub moderation: Option<crate::narrative::store::Moderation>,
    /// A window instead of fullscreen, for setting up and screenshots.
    #[arg(long)]
    pub windowed: bool,
    /// Seed of the dreamscape.
    #[arg(long, default_value_t = Dreamscape::default().seed)]
    pub seed: u64,
    /// A projector layout (RON): one wide view, each output's slice of it — edge blended and
    /// corner-pinned — borderless fullscreen on its monitor (output 0 in the kiosk's own window,
    /// on the monitor the layout names). The file is followed: edits show within a second, a
    /// mistake is refused and the last good layout stays.
    #[arg(long, value_name = "LAYOUT.ron", conflicts_with = "monitor")]
    pub outputs: Option<PathBuf>,
    #[command(flatten)]
    pub projection: ProjectionArgs,
    #[command(flatten)]
    pub outside: OutsideArgs,
}

fn parse_moderation(text: &str) -> Result<crate::narrative::store::Moderation, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Where to write the PNG.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Width of the frame in pixels; past 8192 (or with --tile) it is rendered in tiles.
    #[arg(long, default_value_t = 1280, value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub width: u32,
    /// Height of the frame in pixels; past 8192 (or with --tile) it is rendered in tiles.
    #[arg(long, default_value_t = 720, value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub height: u32,
    /// Moment of the dream to render, in seconds since it began.
    #[arg(long = "time", default_value_t = 0.0, value_parser = parse_seconds)]
    pub seconds: f32,
    /// Print resolution written into the PNG (dots per inch), for print shops and layout programs.
    #[arg(long, value_parser = parse_dpi)]
    pub dpi: Option<f32>,
    /// A projector layout (RON): render each output's frame — its slice of one wide view, edge
    /// blended and corner-pinned — into the folder --out names, as NAME.png.
    #[arg(long, value_name = "LAYOUT.ron", conflicts_with_all = ["tile", "dpi"])]
    pub outputs: Option<PathBuf>,
    /// Render in tiles no longer than this on either side (default: only past 8192, in tiles of
    /// 2048).
    #[arg(long, value_name = "PIXELS", value_parser = clap::value_parser!(u32).range(16..=8192))]
    pub tile: Option<u32>,
    #[command(flatten)]
    pub scene: SceneArgs,
}

fn parse_dpi(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(dpi) if dpi.is_finite() && (1.0..=100_000.0).contains(&dpi) => Ok(dpi),
        _ => Err(format!(
            "--dpi must be a number of dots per inch between 1 and 100000 (e.g. 300); got {text}"
        )),
    }
}

/// What `render` and `sequence` show: the seed, the show, a look, the narratives.
#[derive(Debug, Args)]
pub struct SceneArgs {
    /// Seed of the dreamscape.
    #[arg(long, default_value_t = Dreamscape::default().seed)]
    pub seed: u64,
    /// Play the show (assets/show.ron): its frames at the times rendered.
    #[arg(long)]
    pub show: bool,
    /// A look: a shipped preset (calm-opening, confluence, sanctuary, exhibition) or a preset file.
    #[arg(long, value_name = "NAME|PATH")]
    pub preset: Option<String>,
    /// Render N generated narratives (36 origins, seeded by --seed) instead of the store's.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=200_000))]
    pub synthetic: Option<u32>,
    #[command(flatten)]
    pub projection: ProjectionArgs,
}

/// How the camera projects the world: flat, a dome, or all around.
#[derive(Debug, Clone, Copy, Args)]
pub struct ProjectionArgs {
    /// flat (a window's view), fisheye (a domemaster for a planetarium: a square frame) or
    /// equirect (360° × 180° for 360° video and headsets: a 2:1 frame).
    #[arg(long, value_enum, default_value_t = ProjectionKind::Flat)]
    pub projection: ProjectionKind,
    /// The fisheye's angle, degrees, up to 360 [default: 180, a dome].
    #[arg(long, value_name = "DEGREES")]
    pub fov: Option<f32>,
}

/// `--projection`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ProjectionKind {
    #[default]
    Flat,
    Fisheye,
    Equirect,
}

impl Default for ProjectionArgs {
    fn default() -> Self {
        Self {
            projection: ProjectionKind::Flat,
            fov: None,
        }
    }
}

impl ProjectionArgs {
    /// The immersive projection asked for, or `None` for a flat view; an angle given for
    /// anything but a fisheye is a mistake, said rather than ignored.
    pub fn immersive(self) -> Result<Option<Immersive>, String> {
        match (self.projection, self.fov) {
            (ProjectionKind::Fisheye, fov) => Ok(Some(Immersive::Fisheye {
                degrees: fov.unwrap_or(180.0),
            })),
            (_, Some(_)) => {
                Err("--fov is the angle of a fisheye: give it with --projection fisheye".to_owned())
            }
            (ProjectionKind::Flat, None) => Ok(None),
            (ProjectionKind::Equirect, None) => Ok(Some(Immersive::Equirect)),
        }
    }
}

#[derive(Debug, Args)]
pub struct SequenceArgs {
    /// Dream time of the first frame, seconds.
    #[arg(long, default_value_t = 0.0, value_parser = parse_seconds)]
    pub from: f32,
    /// Dream time the sequence ends at (not rendered), seconds.
    #[arg(long, value_parser = parse_seconds)]
    pub to: f32,
    /// Frames per second of dream time.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    #[command(flatten)]
    pub film: FilmArgs,
    #[command(flatten)]
    pub scene: SceneArgs,
}

/// Where `sequence` and `timelapse` put their frames, and how large.
#[derive(Debug, Args)]
pub struct FilmArgs {
    /// A folder for PNG frames, or a .mp4 / .webm file (encoded by ffmpeg).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Width of the frames in pixels.
    #[arg(long, default_value_t = 1280, value_parser = clap::value_parser!(u32).range(2..=8192))]
    pub width: u32,
    /// Height of the frames in pixels.
    #[arg(long, default_value_t = 720, value_parser = clap::value_parser!(u32).range(2..=8192))]
    pub height: u32,
}

#[derive(Debug, Args)]
pub struct TimelapseArgs {
    /// Seconds of the exhibition per second of film (3600: an hour a second).
    #[arg(long, value_parser = parse_speed)]
    pub speed: f64,
    /// Frames per second of film.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    #[command(flatten)]
    pub film: FilmArgs,
    /// Seed of the dreamscape.
    #[arg(long, default_value_t = Dreamscape::default().seed)]
    pub seed: u64,
    /// A look: a shipped preset (calm-opening, confluence, sanctuary, exhibition) or a preset file.
    #[arg(long, value_name = "NAME|PATH")]
    pub preset: Option<String>,
    /// Leave out the date and time caption.
    #[arg(long)]
    pub no_caption: bool,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(format!(
            "--speed is exhibition seconds per second of film, above 0 (e.g. 3600 for an hour a \
             second); got {text}"
        )),
    }
}

fn parse_seconds(text: &str) -> Result<f32, String> {
    let seconds: f32 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if seconds.is_finite() && (0.0..=1.0e6).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!(
            "the time must be between 0 and 1000000 seconds; got {text}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn render_arguments_parse_and_bad_ones_are_refused() {
        let cli = Cli::try_parse_from([
            "dreamloom",
            "render",
            "--out",
            "x.png",
            "--width",
            "320",
            "--height",
            "180",
            "--seed",
            "3",
            "--time",
            "12.5",
        ])
        .expect("valid arguments");
        let Some(Command::Render(args)) = cli.command else {
            panic!("render command")
        };
        assert_eq!((args.width, args.height, args.scene.seed), (320, 180, 3));
        assert!((args.seconds - 12.5).abs() < f32::EPSILON);

        for bad in [
            vec!["dreamloom", "render"],
            vec!["dreamloom", "render", "--out", "x.png", "--width", "0"],
            vec!["dreamloom", "render", "--out", "x.png", "--time", "NaN"],
            vec!["dreamloom", "render", "--out", "x.png", "--time", "-1"],
        ] {
            assert!(Cli::try_parse_from(&bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn narrative_commands_parse() {
        let cli = Cli::try_parse_from([
            "dreamloom",
            "--data",
            "/tmp/x",
            "submit",
            "--text",
            "t",
            "--origin",
            "o",
            "--sanctuary",
        ])
        .unwrap();
        assert_eq!(cli.data.as_deref(), Some(std::path::Path::new("/tmp/x")));
        let Some(Command::Submit(args)) = cli.command else {
            panic!("submit")
        };
        assert!(args.sanctuary && !args.no_display);
        assert!(Cli::try_parse_from(["dreamloom", "submit", "--text", "t"]).is_err());
        assert!(Cli::try_parse_from(["dreamloom", "withdraw", "ABC123", "--data", "d"]).is_ok());
    }

    #[test]
    fn bench_arguments_parse() {
        let cli = Cli::try_parse_from([
            "dreamloom",
            "bench",
            "--threads",
            "10,200",
            "--size",
            "320x180",
            "--json",
        ])
        .unwrap();
        let Some(Command::Bench(args)) = cli.command else {
            panic!("bench")
        };
        assert_eq!(args.threads, vec![10, 200]);
        assert_eq!(args.size, (320, 180));
        assert!(args.json);
        assert_eq!(args.speaking, 0);
        let cli = Cli::try_parse_from(["dreamloom", "bench", "--speaking", "64"]).unwrap();
        let Some(Command::Bench(args)) = cli.command else {
            panic!("bench")
        };
        assert_eq!(args.speaking, 64);
        assert!(Cli::try_parse_from(["dreamloom", "bench", "--speaking", "65"]).is_err());
        assert!(Cli::try_parse_from(["dreamloom", "bench", "--size", "320"]).is_err());
        assert!(Cli::try_parse_from(["dreamloom", "bench", "--size", "0x10"]).is_err());
    }

    #[test]
    fn simulate_arguments_parse() {
        let cli = Cli::try_parse_from([
            "dreamloom",
            "simulate",
            "--ticks",
            "100",
            "--mode",
            "neuro-synch",
            "--synthetic",
            "50",
        ])
        .unwrap();
        let Some(Command::Simulate(args)) = cli.command else {
            panic!("simulate")
        };
        assert_eq!(args.mode, Some(crate::protocol::policy::Mode::NeuroSynch));
        let bad = Cli::try_parse_from(["dreamloom", "simulate", "--ticks", "5", "--mode", "fast"]);
        assert!(bad.unwrap_err().to_string().contains("is not a mode"));
    }

    #[test]
    fn kiosk_pin_parses_and_takes_no_pin_on_the_command_line() {
        let cli = Cli::try_parse_from(["dreamloom", "--data", "d", "kiosk-pin"]).unwrap();
        assert!(matches!(cli.command, Some(Command::KioskPin)));
        // A PIN in the arguments would end up in the shell's history and `ps`: refused.
        assert!(Cli::try_parse_from(["dreamloom", "kiosk-pin", "123456"]).is_err());
    }

    #[test]
    fn osc_addresses_parse_and_send_repeats() {
        let cli = Cli::try_parse_from([
            "dreamloom",
            "view",
            "--osc-listen",
            "0.0.0.0:9000",
            "--osc-send",
            "127.0.0.1:9001",
            "--osc-send",
            "192.168.1.20:9001",
        ])
        .unwrap();
        let Some(Command::View(args)) = cli.command else {
            panic!("view")
        };
        assert_eq!(
            args.outside.osc_listen,
            Some("0.0.0.0:9000".parse().unwrap())
        );
        assert_eq!(args.outside.osc_send.len(), 2);
        let cli =
            Cli::try_parse_from(["dreamloom", "kiosk", "--osc-send", "127.0.0.1:9001"]).unwrap();
        let Some(Command::Kiosk(args)) = cli.command else {
            panic!("kiosk")
        };
        assert_eq!(args.outside.osc_listen, None);
        assert_eq!(
            args.outside.osc_send,
            vec!["127.0.0.1:9001".parse().unwrap()]
        );
        assert!(Cli::try_parse_from(["dreamloom", "tune", "--osc-listen", "9000"]).is_err());
    }

    #[test]
    fn the_exhibition_is_a_global_option_and_has_its_commands() {
        let cli = Cli::try_parse_from([
            "dreamloom",
            "submit",
            "--text",
            "t",
            "--origin",
            "o",
            "--exhibition",
            "postgres://dreamloom@10.0.0.5/show",
            "--machine",
            "kiosk-east",
        ])
        .unwrap();
        assert_eq!(
            cli.exhibition.as_deref(),
            Some("postgres://dreamloom@10.0.0.5/show")
        );
        assert_eq!(cli.machine.as_deref(), Some("kiosk-east"));
        let cli = Cli::try_parse_from([
            "dreamloom",
            "--exhibition",
            "postgresql://h/db",
            "exhibition",
            "status",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Exhibition(ExhibitionCommand::Status))
        ));
        assert!(matches!(
            Cli::try_parse_from(["dreamloom", "exhibition", "init"])
                .unwrap()
                .command,
            Some(Command::Exhibition(ExhibitionCommand::Init))
        ));
        assert!(matches!(
            Cli::try_parse_from(["dreamloom", "exhibition", "forward"])
                .unwrap()
                .command,
            Some(Command::Exhibition(ExhibitionCommand::Forward))
        ));
        assert!(Cli::try_parse_from(["dreamloom", "exhibition"]).is_err());
        assert!(Cli::try_parse_from(["dreamloom", "--machine", "", "export"]).is_err());
    }

    #[test]
    fn no_command_means_the_viewer() {
        assert!(
            Cli::try_parse_from(["dreamloom"])
                .unwrap()
                .command
                .is_none()
        );
    }
}
