//! The gallery kiosk: the piece fullscreen and unattended for weeks. Attract mode plays the show
//! with an invitation and the phone form's QR code; a touch opens the visitor form; a submission
//! is committed durably, the camera flies to the new thread and the receipt is shown. Curators
//! moderate behind a chord and a PIN. Faults go to the log; the screen never shows a dialog.
//!
//! [`logic_plugin`] is the kiosk without pixels (flow, store, phone events, curator) and is what
//! the tests drive; [`run`] adds the window, the egui screens (`ui`), the systemd watchdog and the
//! render-error policy.

pub mod config;
pub mod curator;
pub mod flow;
pub mod keyboard;
pub mod qr;
pub mod recovery;
mod ui;
pub mod watchdog;

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use bevy::{
    prelude::*,
    window::{MonitorSelection, WindowMode},
};
use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::{
    camera::{CameraRig, Flight},
    clock::DreamClock,
    desktop::{Attendance, WINDOW_TITLE, windowed_app},
    i18n::{Phrase, Translations},
    metrics::{Counters, MetricsPlugin, Source},
    narrative::{
        Narrative, NarrativeId, StoreHandle,
        receipt::Receipt,
        store::{Moderation, Status, Store, StoreError, Withdrawal},
    },
    osc::OscPlugin,
    piece::PieceSettings,
    projectors::{self, LayoutFile, OutputTargets, ProjectorsPlugin},
    schedule::AppSystems,
    tuning::preset::Preset,
    weave::{Focus, Voice, Voices},
    web::{Outcome, WebConfig, WebEvent, WebServer},
};
use config::KioskConfig;
use flow::{CodeLimit, KioskFlow, KioskTimings, ReceiptShown, Screen};

/// How the kiosk starts.
pub struct KioskSettings {
    /// Monitor to fill (0 is the first); the primary monitor when `None`.
    pub monitor: Option<usize>,
    /// A window instead of fullscreen (setting up, screenshots).
    pub windowed: bool,
    pub preset: Option<Preset>,
    pub seed: u64,
    pub config: KioskConfig,
    /// Serve the phone form on this address.
    pub web: Option<SocketAddr>,
    pub narratives: Vec<Narrative>,
    pub store: Store,
    pub data_dir: PathBuf,
    /// The curator PIN's hash and lock, from the data folder ([`curator::PinGuard::load`]).
    pub curator_pin: curator::PinGuard,
    /// Serve `/metrics` and `/healthz` on this address.
    pub metrics: Option<SocketAddr>,
    /// OSC show control (`--osc-listen`, `--osc-send`), if asked for.
    pub osc: Option<OscPlugin>,
    /// A dome or a panorama instead of the flat view (`--projection`).
    pub projection: Option<crate::immersive::Immersive>,
    /// A projector layout (`--outputs`): each output on its monitor (output 0 in the kiosk's own
    /// window, in place of `monitor`), the file followed while the kiosk runs.
    pub outputs: Option<LayoutFile>,
}

/// The exhibition's moderation policy, as the running kiosk uses it. (The curator PIN is the
/// [`curator::PinGuard`] resource.)
#[derive(Resource, Debug, Clone)]
pub struct KioskPolicy {
    pub moderation: Moderation,
    /// Show the on-screen keyboard under the form.
    pub on_screen_keyboard: bool,
}

/// The phone form's address and its QR code, when the web server runs.
#[derive(Resource, Debug, Clone, Default)]
pub struct PhoneForm {
    pub url: Option<String>,
    pub qr: Option<qr::QrGrid>,
}

impl PhoneForm {
    #[must_use]
    pub fn at(url: String) -> Self {
        Self {
            qr: qr::QrGrid::encode(&url),
            url: Some(url),
        }
    }
}

/// The visitor pressed "weave my dream in".
#[derive(Message, Debug, Clone, Copy, Default)]
pub struct SubmitDraft;

/// A visitor typed their receipt code at the kiosk: find the thread, or take it back.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRequest {
    Find(Receipt),
    Withdraw(Receipt),
}

/// What the kiosk says back about a code, in plain words, for the browse screen.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeAnswer(pub Option<Phrase>);

/// Events from the phone form's server.
#[derive(Resource)]
pub struct WebInbox(pub Receiver<WebEvent>);

/// The last dream that arrived from a phone (its narrative, never its receipt code), and when
/// (real seconds since start).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct PhoneArrival(pub Option<(NarrativeId, f64)>);

enum StoreReply {
    /// The answer to the submission with this number ([`KioskFlow::sent`]).
    Stored(u64, Result<ReceiptShown, Phrase>),
    /// The answer to a code typed in the visitor session with this number
    /// ([`KioskFlow::session`]).
    Found(u64, Receipt, Result<(NarrativeId, bool), Phrase>),
    Withdrew(u64, Receipt, Result<Withdrawal, Phrase>),
}

/// What the kiosk tells a visitor whose dream could not be stored (their draft is kept).
const NOT_STORED: Phrase = Phrase::new("kiosk-not-stored");

/// What the kiosk tells a visitor when the store cannot answer about their code.
const RESTING: Phrase = Phrase::new("kiosk-resting");

/// The writer thread's answer to one request of the kiosk's, sent exactly once: by the job when
/// it runs, or, should the job be dropped unrun (the writer refused it, stopped with it queued,
/// or panicked running it), the plain failure it was made with. So the screen never waits for an
/// answer that cannot come.
struct Answer {
    tx: Sender<StoreReply>,
    unanswered: Option<StoreReply>,
}

impl Answer {
    fn new(tx: &Sender<StoreReply>, failure: StoreReply) -> Self {
        Self {
            tx: tx.clone(),
            unanswered: Some(failure),
        }
    }

    fn send(mut self, reply: StoreReply) {
        self.unanswered = None;
        let _ = self.tx.send(reply);
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if let Some(failure) = self.unanswered.take() {
            let _ = self.tx.send(failure);
        }
    }
}

/// Answers of type `T` from the store's writer thread, which the frame picks up without waiting.
#[derive(Resource)]
struct Replies<T: Send + Sync + 'static> {
    tx: Sender<T>,
    rx: Receiver<T>,
}

impl<T: Send + Sync + 'static> Default for Replies<T> {
    fn default() -> Self {
        let (tx, rx) = unbounded();
        Self { tx, rx }
    }
}

/// The kiosk without pixels: the flow and its timeouts, the screen as a Bevy state, submissions to
/// the store, receipt codes, phone arrivals and the curator. Needs `KioskPolicy`, a
/// [`StoreHandle`] and Bevy's `StatesPlugin` (in `DefaultPlugins`, not in `MinimalPlugins`).
pub fn logic_plugin(app: &mut App) {
    app.add_plugins(curator::plugin)
        .register_type::<KioskTimings>()
        .init_state::<Screen>()
        .init_resource::<KioskFlow>()
        .init_resource::<Translations>()
        .init_resource::<KioskTimings>()
        .init_resource::<PhoneForm>()
        .init_resource::<PhoneArrival>()
        .init_resource::<CodeAnswer>()
        .init_resource::<CodeLimit>()
        .init_resource::<Replies<StoreReply>>()
        .init_resource::<Focus>()
        .init_resource::<Voices>()
        .add_message::<SubmitDraft>()
        .add_message::<CodeRequest>()
        .add_systems(
            Update,
            (
                notice_visitors,
                tick_flow,
                send_submissions,
                send_code_requests,
                receive_store_replies,
                receive_web_events.run_if(resource_exists::<WebInbox>),
                show_the_flow_screen,
                voice_own_thread,
            )
                .chain()
                .in_set(AppSystems::ReadInput),
        )
        .add_systems(OnEnter(Screen::Attract), let_go_of_the_visitor);
}

/// While a visitor reads their receipt, their own thread speaks their words on the cloak, a little
/// louder than others; when they move on, it falls silent.
fn voice_own_thread(flow: Res<KioskFlow>, mut voices: ResMut<Voices>) {
    let own = flow
        .receipt
        .as_ref()
        .filter(|shown| flow.screen == Screen::Receipt && shown.shown)
        .and_then(|shown| shown.id);
    if voices.bypass_change_detection().set(Voice::Own, own) {
        voices.set_changed();
    }
}

/// A touch, a click, a key or a scroll is a visitor. A moving mouse keeps them "here".
fn notice_visitors(
    buttons: Res<ButtonInput<MouseButton>>,
    touches: Res<Touches>,
    mut keys: MessageReader<bevy::input::keyboard::KeyboardInput>,
    mut moved: MessageReader<CursorMoved>,
    mut wheel: MessageReader<bevy::input::mouse::MouseWheel>,
    curator: Res<curator::Curator>,
    windows: Query<&Window>,
    mut flow: ResMut<KioskFlow>,
) {
    // A press in the curator's corner may be the start of the curator's hold: not a visitor.
    let in_corner = |p: Vec2| p.x < curator::CORNER_SIZE && p.y < curator::CORNER_SIZE;
    let click = buttons.get_just_pressed().next().is_some()
        && !windows
            .iter()
            .filter_map(Window::cursor_position)
            .any(in_corner);
    let tap = touches
        .iter_just_pressed()
        .any(|touch| !in_corner(touch.position()));
    let pressed = click || tap || keys.read().count() > 0 || wheel.read().count() > 0;
    let stirred = moved.read().count() > 0 || touches.iter().next().is_some();
    if pressed && curator.stage == curator::Stage::Closed {
        flow.touch();
    } else if pressed || stirred {
        flow.idle = 0.0;
    }
}

fn tick_flow(time: Res<Time<Real>>, timings: Res<KioskTimings>, mut flow: ResMut<KioskFlow>) {
    flow.tick(time.delta_secs(), &timings);
}

fn send_submissions(
    mut submits: MessageReader<SubmitDraft>,
    mut flow: ResMut<KioskFlow>,
    policy: Res<KioskPolicy>,
    store: Option<Res<StoreHandle>>,
    replies: Res<Replies<StoreReply>>,
    counters: Option<Res<Counters>>,
) {
    if submits.read().count() == 0 {
        return;
    }
    let count = |outcome| {
        if let Some(counters) = &counters {
            counters.submission(Source::Kiosk, outcome);
        }
    };
    // A press while the last one is still on its way is not another submission.
    let already_sending = flow.sending;
    let Some(valid) = flow.submit() else {
        if !already_sending {
            count(Outcome::Invalid);
        }
        return;
    };
    let Some(store) = store else {
        count(Outcome::StoreFailed);
        flow.stored(Err(Phrase::new("kiosk-no-store")));
        return;
    };
    let admission = policy.moderation.admission();
    let shown = valid.get().consent.display;
    let ticket = flow.sent;
    let answer = Answer::new(&replies.tx, StoreReply::Stored(ticket, Err(NOT_STORED)));
    // The frame never waits on the disk: the writer thread answers on the channel once the dream
    // is durable (in the database, or in the outbox while the exhibition's database is away);
    // if the job never runs, `answer` tells the visitor so.
    let sent = store.0.try_with_writer_detached(move |writer| {
        let result = writer
            .submit(&valid, admission)
            .map(|submitted| ReceiptShown {
                receipt: submitted.receipt,
                id: submitted.id,
                status: admission.status,
                shown,
                card: receipt_card(&valid, submitted.id, submitted.receipt),
            })
            .map_err(|error| {
                error!("a kiosk submission could not be stored: {error}");
                NOT_STORED
            });
        if let Ok(stored) = &result {
            // The narrative's id, never its receipt code (which withdraws it).
            if let Some(id) = stored.id {
                info!(
                    "kiosk submission stored as narrative {} ({})",
                    id.0,
                    stored.status.as_str()
                );
            } else {
                info!(
                    "kiosk submission kept in the outbox ({})",
                    stored.status.as_str()
                );
            }
        }
        answer.send(StoreReply::Stored(ticket, result));
    });
    if let Err(error) = sent {
        error!("a kiosk submission could not reach the store: {error}");
    }
}

/// Receipt codes typed at the kiosk go to the store at the pace [`CodeLimit`] allows; a code
/// beyond it is answered with a plain "please wait" and never reaches the store.
fn send_code_requests(
    mut requests: MessageReader<CodeRequest>,
    store: Option<Res<StoreHandle>>,
    replies: Res<Replies<StoreReply>>,
    time: Res<Time<Real>>,
    mut limit: ResMut<CodeLimit>,
    mut answer: ResMut<CodeAnswer>,
    flow: Res<KioskFlow>,
) {
    let Some(store) = store else {
        return;
    };
    // A late answer is for this visitor only (see `receive_store_replies`).
    let session = flow.session();
    for request in requests.read().copied() {
        if let Err(pause) = limit.try_code(time.elapsed_secs_f64()) {
            if pause.started {
                warn!(
                    "too many receipt codes tried at the kiosk: codes are paused for {} s",
                    pause.seconds
                );
            }
            answer.0 = Some(pause.message());
            continue;
        }
        let failure = match request {
            CodeRequest::Find(receipt) => StoreReply::Found(session, receipt, Err(RESTING)),
            CodeRequest::Withdraw(receipt) => StoreReply::Withdrew(session, receipt, Err(RESTING)),
        };
        let guard = Answer::new(&replies.tx, failure);
        let sent = store.0.try_with_writer_detached(move |writer| {
            let reply = match request {
                // A dream still waiting in the outbox is not in the database yet: "in a moment".
                CodeRequest::Find(receipt) if writer.keeps(receipt) => {
                    StoreReply::Found(session, receipt, Err(RESTING))
                }
                CodeRequest::Find(receipt) => StoreReply::Found(
                    session,
                    receipt,
                    writer
                        .database()
                        .lookup(receipt)
                        .map(|stored| {
                            let on_cloak = stored.status == Status::Visible
                                && stored.narrative.consent.display;
                            (stored.narrative.id, on_cloak)
                        })
                        .map_err(|error| plain_store_error(&error)),
                ),
                CodeRequest::Withdraw(receipt) => StoreReply::Withdrew(
                    session,
                    receipt,
                    writer
                        .withdraw(receipt)
                        .map(|(id, withdrawal)| {
                            if let Some(id) = id {
                                info!("narrative {} withdrawn at the kiosk ({withdrawal:?})", id.0);
                            } else {
                                info!(
                                    "a dream was withdrawn at the kiosk through its outbox \
                                     ({withdrawal:?})"
                                );
                            }
                            withdrawal
                        })
                        .map_err(|error| plain_store_error(&error)),
                ),
            };
            guard.send(reply);
        });
        if let Err(error) = sent {
            error!("the kiosk could not reach the store: {error}");
        }
    }
}

fn plain_store_error(error: &StoreError) -> Phrase {
    error.for_visitor().unwrap_or_else(|| {
        error!("the kiosk could not reach the store: {error}");
        RESTING
    })
}

fn receive_store_replies(
    replies: Res<Replies<StoreReply>>,
    mut flow: ResMut<KioskFlow>,
    mut focus: ResMut<Focus>,
    mut answer: ResMut<CodeAnswer>,
    counters: Option<Res<Counters>>,
) {
    for reply in replies.rx.try_iter() {
        // Counted whether or not its visitor is still here to see the answer.
        if let (StoreReply::Stored(_, result), Some(counters)) = (&reply, &counters) {
            let outcome = if result.is_ok() {
                Outcome::Stored
            } else {
                Outcome::StoreFailed
            };
            counters.submission(Source::Kiosk, outcome);
        }
        // The answer to a code from a visitor who has gone (the idle wipe came first) names
        // that code, which can take their dream back: it is not for whoever stands here now.
        if let StoreReply::Found(session, ..) | StoreReply::Withdrew(session, ..) = &reply
            && *session != flow.session()
        {
            info!("a late answer to a receipt code was not shown: its visitor had gone");
            continue;
        }
        match reply {
            StoreReply::Stored(ticket, result) => {
                // The idle wipe gave up on this submission (its visitor has gone) or another
                // followed: its receipt, and the flight to its thread, are not for whoever
                // stands here now.
                if !flow.awaits(ticket) {
                    info!("a late answer from the store was not shown: its visitor had gone");
                    continue;
                }
                // A dream kept in the outbox has no thread yet to fly to.
                if let Ok(stored) = &result
                    && stored.shown
                    && stored.status == Status::Visible
                    && let Some(id) = stored.id
                {
                    focus.0 = Some(id);
                }
                flow.stored(result);
            }
            StoreReply::Found(_, receipt, Ok((id, true))) => {
                focus.0 = Some(id);
                answer.0 = Some(Phrase::new("code-found").with_text("code", receipt.as_str()));
            }
            StoreReply::Found(_, receipt, Ok((_, false))) => {
                answer.0 = Some(Phrase::new("code-off-cloak").with_text("code", receipt.as_str()));
            }
            StoreReply::Withdrew(_, receipt, Ok(withdrawal)) => {
                answer.0 = Some(match withdrawal {
                    Withdrawal::Erased => {
                        Phrase::new("code-erased").with_text("code", receipt.as_str())
                    }
                    // Another program still reads the store: an old copy of the words may stay
                    // on the disk until it is done, and the store then wipes it by itself.
                    Withdrawal::Pending => {
                        Phrase::new("code-taken-back").with_text("code", receipt.as_str())
                    }
                });
                focus.0 = None;
            }
            StoreReply::Found(_, _, Err(text)) | StoreReply::Withdrew(_, _, Err(text)) => {
                answer.0 = Some(text);
            }
        }
    }
}

fn receive_web_events(
    inbox: Res<WebInbox>,
    time: Res<Time<Real>>,
    screen: Res<State<Screen>>,
    mut focus: ResMut<Focus>,
    mut arrival: ResMut<PhoneArrival>,
) {
    for event in inbox.0.try_iter() {
        match event {
            WebEvent::Submitted {
                receipt: _,
                id,
                status,
                shown,
            } => {
                info!(
                    "a dream arrived from a phone: narrative {} ({})",
                    id.0,
                    status.as_str()
                );
                arrival.0 = Some((id, time.elapsed_secs_f64()));
                // Fly to it unless a visitor is busy at the kiosk itself.
                if status == Status::Visible
                    && shown
                    && matches!(*screen.get(), Screen::Attract | Screen::Browse)
                {
                    focus.0 = Some(id);
                }
            }
            // No receipt code in the log: it would let a reader withdraw the dream.
            WebEvent::Withdrawn { .. } => info!("a dream was withdrawn from a phone"),
        }
    }
}

/// The screen the flow decided on becomes the app's `State<Screen>`, which runs the screens'
/// systems. Bevy applies it in the next frame's `StateTransition` (before `Update`), with the
/// screens' `OnExit` and `OnEnter` work.
fn show_the_flow_screen(
    flow: Res<KioskFlow>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    if *screen.get() != flow.screen {
        next.set(flow.screen);
    }
}

/// Back in attract mode, the camera lets go of the last visitor's thread and returns to the
/// whole cloak, and their code's answer goes. Not at start-up, which enters attract mode from no
/// screen at all (and so has no `PreviousState`): there is nobody to let go of.
fn let_go_of_the_visitor(
    previous: Option<Res<PreviousState<Screen>>>,
    clock: Option<Res<DreamClock>>,
    mut focus: ResMut<Focus>,
    mut answer: ResMut<CodeAnswer>,
    mut commands: Commands,
    rigs: Query<(Entity, &CameraRig)>,
) {
    if previous.is_none() {
        return;
    }
    focus.0 = None;
    answer.0 = None;
    let Some(clock) = clock else {
        return;
    };
    let home = CameraRig::default();
    for (entity, rig) in &rigs {
        commands.entity(entity).insert(Flight {
            from_target: rig.target,
            from_distance: rig.distance,
            to_target: home.target,
            to_distance: home.distance,
            start: clock.seconds,
            duration: crate::weave::FOCUS_FLIGHT_SECONDS,
        });
    }
}

/// The kiosk's screens (egui, over the piece): attract mode, the form, the receipt, the browse
/// bar, the curator's pad and panel. Needs [`logic_plugin`] and the viewer's reading plugin (or
/// the overlay, `MeterVisible` and `HoveredThread`).
pub fn screens_plugin(app: &mut App) {
    app.add_plugins(ui::plugin);
}

/// Runs the kiosk until a curator quits it (status 0) or a render fault ends it
/// ([`recovery::RENDER_FAULT_EXIT`]); without a GPU adapter, status 3.
#[must_use]
pub fn run(settings: KioskSettings) -> AppExit {
    let KioskSettings {
        monitor,
        windowed,
        preset,
        seed,
        config,
        web,
        narratives,
        store,
        data_dir,
        curator_pin,
        metrics,
        osc,
        projection,
        outputs,
    } = settings;
    let KioskConfig {
        moderation,
        legacy_curator_pin: _,
        timings,
        public_url,
        on_screen_keyboard,
        phone_burst,
        phone_posts_per_minute,
        language,
        // Used already: the store was opened there (`commands::kiosk`).
        exhibition: _,
    } = config;
    let window = kiosk_window(monitor, windowed, outputs.as_ref());
    let mut app = match windowed_app(window, Attendance::Unattended) {
        Ok(app) => app,
        Err(exit) => return exit,
    };
    add_outputs(&mut app, outputs, projection, windowed);
    let store = Arc::new(store);
    app.add_plugins((
        crate::viewer::reading_plugin,
        logic_plugin,
        screens_plugin,
        watchdog::plugin,
        recovery::plugin,
    ))
    .insert_resource(timings)
    // Every visitor starts in the kiosk's own language (and the curator reads it).
    .insert_resource(KioskFlow::speaking(language))
    .insert_resource(KioskPolicy {
        moderation,
        on_screen_keyboard,
    })
    .insert_resource(curator_pin);
    // Before the phone form, which counts into its counters.
    if let Some(listen) = metrics {
        app.add_plugins(MetricsPlugin::new(listen));
    }
    // The kiosk always plays the show.
    PieceSettings {
        seed,
        narratives,
        preset,
        show: true,
        store: Some(Arc::clone(&store)),
    }
    .apply(&mut app);
    if let Some(osc) = osc {
        app.add_plugins(osc);
    }
    // The server lives as long as this function: dropping it at the end stops it.
    let _server = web.and_then(|listen| {
        let budget = crate::web::RateLimit {
            burst: phone_burst,
            global_per_minute: phone_posts_per_minute,
            ..crate::web::RateLimit::default()
        };
        start_phone_form(&mut app, listen, moderation, budget, public_url, &store)
    });
    eprintln!(
        "dreamloom kiosk: data in {}, moderation {moderation:?}",
        data_dir.display(),
    );
    app.run()
}

/// The kiosk's window: fullscreen on its monitor, or — with projectors — output 0's.
fn kiosk_window(monitor: Option<usize>, windowed: bool, outputs: Option<&LayoutFile>) -> Window {
    if let Some(file) = outputs {
        return projectors::output_window(&file.layout.outputs[0], !windowed);
    }
    let mode = if windowed {
        WindowMode::Windowed
    } else {
        WindowMode::BorderlessFullscreen(
            monitor.map_or(MonitorSelection::Primary, MonitorSelection::Index),
        )
    };
    Window {
        title: WINDOW_TITLE.into(),
        mode,
        ..default()
    }
}

/// Where the kiosk's camera goes beyond its window: projectors, a dome, a panorama.
fn add_outputs(
    app: &mut App,
    outputs: Option<LayoutFile>,
    projection: Option<crate::immersive::Immersive>,
    windowed: bool,
) {
    if let Some(file) = outputs {
        eprintln!(
            "dreamloom kiosk: {} outputs from {} (followed for edits)",
            file.layout.outputs.len(),
            file.path.display()
        );
        app.add_plugins(ProjectorsPlugin::new(
            file,
            OutputTargets::Windows {
                fullscreen: !windowed,
            },
        ));
    }
    if let Some(projection) = projection {
        app.insert_resource(crate::immersive::RigProjection(projection));
    }
}

/// Starts the phone form's server for the kiosk in `app` and puts its address (and QR code) and
/// its inbox into the app; `None`, with the reason in the log, if it cannot listen.
fn start_phone_form(
    app: &mut App,
    listen: SocketAddr,
    moderation: Moderation,
    rate_limit: crate::web::RateLimit,
    public_url: Option<String>,
    store: &Arc<Store>,
) -> Option<WebServer> {
    let (tx, rx) = crossbeam_channel::bounded(256);
    let mut config = WebConfig {
        listen,
        moderation,
        rate_limit,
        outcomes: app
            .world()
            .get_resource::<Counters>()
            .map(Counters::phone)
            .unwrap_or_default(),
        ..WebConfig::default()
    };
    // Phones open the address the QR code names: the form is served under that host too.
    if let Some(url) = &public_url {
        config = config.allowing(url);
    }
    match WebServer::start(&config, Arc::clone(store), Some(tx)) {
        Ok(server) => {
            let url = public_url.unwrap_or_else(|| crate::web::public_url(server.local_addr()));
            info!(
                "phone form: listening on {}, shown as {url}",
                server.local_addr()
            );
            eprintln!("dreamloom kiosk: phone form at {url}");
            app.insert_resource(PhoneForm::at(url))
                .insert_resource(WebInbox(rx));
            Some(server)
        }
        // The piece runs on without phones; the log says why.
        Err(error) => {
            error!("the phone form is off: {error}");
            None
        }
    }
}

/// Size of the card on the receipt screen, pixels.
const RECEIPT_CARD: (u32, u32) = (540, 360);

/// The keepsake card of a dream just stored (`id`: `None` while it waits in the outbox; the card
/// is drawn from its words alone), for the receipt screen.
fn receipt_card(
    valid: &crate::narrative::validate::ValidSubmission,
    id: Option<NarrativeId>,
    receipt: crate::narrative::receipt::Receipt,
) -> Option<std::sync::Arc<crate::card::Card>> {
    let id = id.unwrap_or(NarrativeId(0));
    crate::card::for_submission(valid.get(), id, receipt.as_str(), RECEIPT_CARD)
        .map(|(card, _)| std::sync::Arc::new(card))
        .map_err(|error| warn!("no card for the receipt screen: {error}"))
        .ok()
}
