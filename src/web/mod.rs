//! Phone submission: an embedded HTTP server (axum on a single-threaded tokio runtime, in its own
//! thread, its connections served by hyper's HTTP/1 builder) serving one small form and a
//! withdrawal page. It writes to the same durable store as the kiosk, with the same validation,
//! and tells the running piece what arrived over a channel.
//!
//! Off unless `--web ADDR:PORT` is given. Every refusal is a clear 4xx page in plain words:
//! 413 for an oversized body, 415 for a content type the form never sends, 429 past a rate limit
//! (per client network, and for everyone together), 403 for a cross-site post or a missing or
//! used form token, 421 for a request naming a host the form is not served under (DNS
//! rebinding). Connections are bounded in number, and in how long they may take to send a
//! request head, a body, or anything at all.
//!
//! Every page is in the language the phone's browser asks for in `Accept-Language`, among the
//! translations ([`crate::i18n::negotiate`]; English when it asks for none of them).
//!
//! What became of each dream posted ([`Outcome`]) can be counted ([`WebConfig::outcomes`]), and
//! the serving itself (`WebServer::serve`) serves other endpoints of the program (monitoring).

mod guard;
pub mod pages;
mod serve;

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket},
    sync::{Arc, Mutex, PoisonError},
    thread,
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use crossbeam_channel::Sender;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

pub use guard::{
    AllowedHosts, CrossSite, FormTokens, Limited, RateLimit, RateLimiter, TOKEN_LIFETIME, network,
    same_origin,
};
use pages::Draft;
pub(crate) use serve::ConnectionLimits;

use crate::{
    i18n::{Language, Phrase, Translations, Voice, negotiate},
    narrative::{
        Consent, NarrativeId, Submission,
        receipt::Receipt,
        store::{Moderation, Status, Store, StoreError, Submitted, Withdrawal},
        validate,
    },
};

/// Largest request body accepted: a story and an origin at their byte limits, every byte
/// percent-encoded (three characters each), fit with room to spare.
pub const BODY_LIMIT: usize = 96 * 1024;

/// What the server tells the running piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebEvent {
    /// A dream arrived from a phone and is durable.
    Submitted {
        receipt: Receipt,
        id: NarrativeId,
        status: Status,
        /// Its owner allowed it on the cloak.
        shown: bool,
    },
    /// A dream was withdrawn from a phone.
    Withdrawn { receipt: Receipt },
}

/// How the server runs. [`WebConfig::default`] is what an exhibition wants but for `listen`
/// (loopback, port 8080) and `hosts`; build one with `..WebConfig::default()`.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Address to listen on, e.g. `0.0.0.0:8080`.
    pub listen: SocketAddr,
    /// How a phone's dream enters the store (at once, or pending a curator).
    pub moderation: Moderation,
    /// Form posts (dreams and withdrawals) per client network, and from everyone together.
    /// The knob for a gallery whose phones share one public address (one NAT): raise `burst`
    /// there.
    pub rate_limit: RateLimit,
    /// Form pages (GET) per client network. Serving a page stores nothing; this only keeps one
    /// client from spending the server's time.
    pub page_limit: RateLimit,
    /// Host names the form is also served under, as phones' browsers write them in `Host`:
    /// `host:port`, or `host` alone on port 80. Always allowed besides: the listen address,
    /// `localhost`, `127.0.0.1` and `[::1]` with its port, and the address [`public_url`] names.
    /// A request for any other host is refused (421), which defeats DNS rebinding. When phones
    /// open the form under a name (a `public_url` in the kiosk settings), add it with
    /// [`WebConfig::allowing`].
    pub hosts: Vec<String>,
    /// A request head (request line and headers) must arrive within this, or the connection is
    /// closed; it also bounds how long a kept-alive connection waits for its next request.
    pub header_timeout: Duration,
    /// A request body that sends nothing for this long is cut off (400).
    pub body_timeout: Duration,
    /// A request answered within this long of its head, body included, or 408.
    pub request_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed.
    pub idle_timeout: Duration,
    /// Connections open at once; over it, a new connection is closed at once, unanswered.
    pub max_connections: usize,
    /// Connections open at once from one client network (an IPv4 address, an IPv6 /64); over
    /// it, a new one from there is closed at once. 64 leaves room for every phone of a gallery
    /// behind one NAT, each keeping a connection or two open.
    pub max_connections_per_network: usize,
    /// Told what became of each dream posted to the form (monitoring counts them); by default,
    /// no one.
    pub outcomes: Outcomes,
}

/// What became of a dream sent to be woven, as monitoring counts it: the phone form tells each
/// post to `/dream` ([`WebConfig::outcomes`]); the kiosk uses the same words for its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Stored: on the cloak, or pending a curator.
    Stored,
    /// Refused by the narrative rules (422 on the phone; problems beside the fields on the kiosk).
    Invalid,
    /// Over a rate limit (429).
    RateLimited,
    /// Sent from another site (403).
    CrossSite,
    /// Larger than any dream can be (413).
    TooLarge,
    /// Not what the form sends: another content type (415), or a body that is no form (400).
    NotAForm,
    /// A form token used before, too old, or missing (403; the form comes back filled in).
    StaleToken,
    /// The body stopped arriving before it was whole (400).
    Incomplete,
    /// The store could not keep it (503 on the phone; "the loom is resting" on the kiosk).
    StoreFailed,
}

impl Outcome {
    /// Every outcome, so that a count can start from zero.
    pub const ALL: [Self; 9] = [
        Self::Stored,
        Self::Invalid,
        Self::RateLimited,
        Self::CrossSite,
        Self::TooLarge,
        Self::NotAForm,
        Self::StaleToken,
        Self::Incomplete,
        Self::StoreFailed,
    ];

    /// Its name in monitoring (the `reason` label).
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Invalid => "invalid",
            Self::RateLimited => "rate_limited",
            Self::CrossSite => "cross_site",
            Self::TooLarge => "too_large",
            Self::NotAForm => "not_a_form",
            Self::StaleToken => "stale_token",
            Self::Incomplete => "incomplete",
            Self::StoreFailed => "store_failed",
        }
    }
}

/// Who is told the [`Outcome`] of each dream posted to the phone form: by default no one. The
/// server's thread calls it once a post, so it must be cheap (an atomic counter).
#[derive(Clone, Default)]
pub struct Outcomes(Option<Arc<dyn Fn(Outcome) + Send + Sync>>);

impl Outcomes {
    /// Tells `count` of every outcome.
    #[must_use]
    pub fn to(count: impl Fn(Outcome) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(count)))
    }

    fn tell(&self, outcome: Outcome) {
        if let Some(count) = &self.0 {
            count(outcome);
        }
    }
}

impl std::fmt::Debug for Outcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Outcomes(counted)"
        } else {
            "Outcomes(uncounted)"
        })
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            moderation: Moderation::default(),
            rate_limit: RateLimit::default(),
            page_limit: RateLimit::pages(),
            hosts: Vec::new(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(30),
            max_connections: 256,
            max_connections_per_network: 64,
            outcomes: Outcomes::default(),
        }
    }
}

impl WebConfig {
    /// This configuration, also serving the form under the host `public_url` names (the address
    /// shown to phones when the one the server works out is not theirs: a name, a NAT). A URL
    /// that does not start with `http://` or `https://` adds nothing.
    #[must_use]
    pub fn allowing(mut self, public_url: &str) -> Self {
        self.hosts.extend(url_hosts(public_url));
        self
    }
}

/// The `Host` values a browser sends for `url`: its authority, and without the port when that
/// is the scheme's default (browsers leave it out).
fn url_hosts(url: &str) -> Vec<String> {
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        return Vec::new();
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Vec::new(),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if authority.is_empty() {
        return Vec::new();
    }
    let bare = authority
        .strip_suffix(&format!(":{default_port}"))
        .map(str::to_owned);
    let mut hosts = vec![authority];
    hosts.extend(bare);
    hosts
}

/// `ip:port` as `Host` writes it.
fn authority(ip: IpAddr, port: u16) -> String {
    SocketAddr::new(ip, port).to_string()
}

/// The hosts the form answers to, for a server bound to `bound`.
fn allowed_hosts(config: &WebConfig, bound: SocketAddr) -> AllowedHosts {
    let port = bound.port();
    let mut ips = vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    if !bound.ip().is_unspecified() {
        ips.push(bound.ip());
    }
    let mut hosts: Vec<String> = ips
        .into_iter()
        .flat_map(|ip| url_hosts(&format!("http://{}/", authority(ip, port))))
        .collect();
    hosts.extend(url_hosts(&format!("http://localhost:{port}/")));
    hosts.extend(url_hosts(&public_url(bound)));
    hosts.extend(config.hosts.iter().cloned());
    AllowedHosts::new(hosts)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start the web server: {0}")]
    Start(#[source] std::io::Error),
}

/// A running server; dropping it stops the server and waits for its thread (a few seconds at
/// most: connections still open then are closed).
pub struct WebServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl WebServer {
    /// Binds `config.listen` now (so a taken port is reported at once) and serves on a thread.
    pub fn start(
        config: &WebConfig,
        store: Arc<Store>,
        events: Option<Sender<WebEvent>>,
    ) -> Result<Self, WebError> {
        let listener = bind(config.listen)?;
        let addr = listener.local_addr().map_err(WebError::Start)?;
        let state = Arc::new(WebState {
            store,
            events,
            outcomes: config.outcomes.clone(),
            moderation: config.moderation,
            hosts: Arc::new(allowed_hosts(config, addr)),
            posts: Mutex::new(RateLimiter::new(config.rate_limit)),
            withdrawals: Mutex::new(RateLimiter::new(RateLimit::withdrawals())),
            pages: Mutex::new(RateLimiter::new(config.page_limit)),
            tokens: Mutex::new(FormTokens::default()),
            translations: Translations::new(),
        });
        let app = router(state, config.body_timeout, config.request_timeout);
        let limits = ConnectionLimits {
            header: config.header_timeout,
            idle: config.idle_timeout,
            total: config.max_connections,
            per_network: config.max_connections_per_network,
        };
        Self::serve(listener, app, limits, "dreamloom-web", "the phone form")
    }

    /// Serves `app` on `listener` (from [`bind`]) on a thread named `thread_name`, as the phone
    /// form is served: hyper's HTTP/1 builder with its header timeout, `limits` on connections,
    /// a bounded shutdown when the server is dropped. `serving` names it in the log.
    pub(crate) fn serve(
        listener: TcpListener,
        app: Router,
        limits: ConnectionLimits,
        thread_name: &str,
        serving: &'static str,
    ) -> Result<Self, WebError> {
        let addr = listener.local_addr().map_err(WebError::Start)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(WebError::Start)?;
        // A day is "never" here, and keeps deadline arithmetic from overflowing.
        let day = Duration::from_hours(24);
        let limits = ConnectionLimits {
            header: limits.header.min(day),
            idle: limits.idle.min(day),
            ..limits
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            serve::serve(listener, app, limits, serving, stop_rx).await;
                        }
                        Err(error) => {
                            bevy::log::error!("{serving} could not start: {error}");
                        }
                    }
                });
            })
            .map_err(WebError::Start)?;
        Ok(Self {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address the server listens on (the real port when 0 was asked for).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Binds `listen` now (so a taken port is reported at once), ready for [`WebServer::serve`].
pub(crate) fn bind(listen: SocketAddr) -> Result<TcpListener, WebError> {
    let listener = TcpListener::bind(listen).map_err(|source| WebError::Bind {
        addr: listen,
        source,
    })?;
    listener.set_nonblocking(true).map_err(WebError::Start)?;
    Ok(listener)
}

impl Drop for WebServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The URL a phone on the gallery network opens: the listening address, or, when the server
/// listens on every interface, this machine's address on the network its default route uses.
#[must_use]
pub fn public_url(listen: SocketAddr) -> String {
    let ip = if listen.ip().is_unspecified() {
        // No network at all: only this machine can reach it.
        lan_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    } else {
        listen.ip()
    };
    match ip {
        IpAddr::V4(ip) => format!("http://{ip}:{}/", listen.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}/", listen.port()),
    }
}

/// This machine's LAN address: the source address of a route to a documentation-only address
/// (a UDP "connect" sends nothing).
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

struct WebState {
    store: Arc<Store>,
    events: Option<Sender<WebEvent>>,
    outcomes: Outcomes,
    moderation: Moderation,
    hosts: Arc<AllowedHosts>,
    posts: Mutex<RateLimiter>,
    /// Withdrawals by receipt code: far fewer than posts, and a small shared cap, because a
    /// guessed code takes a stranger's dream back.
    withdrawals: Mutex<RateLimiter>,
    pages: Mutex<RateLimiter>,
    tokens: Mutex<FormTokens>,
    /// The pages' words in every language.
    translations: Translations,
}

impl WebState {
    /// The pages' words in `language`.
    fn voice(&self, language: Language) -> Voice<'_> {
        self.translations.voice(language)
    }

    fn issue_token(&self) -> String {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .issue(Instant::now())
    }

    fn redeem(&self, token: &str) -> bool {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .redeem(token, Instant::now())
    }

    fn take(limiter: &Mutex<RateLimiter>, client: IpAddr) -> Result<(), Limited> {
        limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(client, Instant::now())
    }

    fn tell(&self, event: WebEvent) {
        if let Some(events) = &self.events {
            // The piece may have stopped listening (tests, shutdown): the store has the dream.
            let _ = events.try_send(event);
        }
    }
}

fn router(state: Arc<WebState>, body_timeout: Duration, request_timeout: Duration) -> Router {
    let checked = Arc::clone(&state);
    Router::new()
        .route("/", get(form_page))
        .route("/dream", get(form_page).post(submit_dream))
        .route("/withdraw", get(withdraw_page).post(withdraw_dream))
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        // Innermost first: the host check, then the whole request's deadline, then the body's.
        .layer(axum::middleware::from_fn_with_state(checked, check_host))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .with_state(state)
}

/// Every route: a request must name a host the form is served under, in its `Host` header and
/// in its target when that carries one. A page of another name whose address now points here
/// (DNS rebinding) gets nothing.
async fn check_host(State(state): State<Arc<WebState>>, request: Request, next: Next) -> Response {
    let hosts = &state.hosts;
    let allowed = {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        let target = request
            .uri()
            .authority()
            .map(axum::http::uri::Authority::as_str);
        match (host, target) {
            (None, None) => false,
            (host, target) => {
                host.is_none_or(|host| hosts.allows(host))
                    && target.is_none_or(|target| hosts.allows(target))
            }
        }
    };
    if allowed {
        next.run(request).await
    } else {
        let say = state.voice(language_of(request.headers()));
        refusal(
            say,
            StatusCode::MISDIRECTED_REQUEST,
            &say.text("web-wrong-host-title"),
            &say.text("web-wrong-host"),
        )
    }
}

/// The language a request's page is in: the best of the translations for its
/// `Accept-Language` (English without one).
struct Speaks(Language);

impl<S: Send + Sync> FromRequestParts<S> for Speaks {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Speaks(language_of(&parts.headers)))
    }
}

fn language_of(headers: &HeaderMap) -> Language {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or_else(Language::default, negotiate)
}

/// The client's address, as the connection gave it (unspecified where none was recorded, so
/// all such requests share one bucket; never, as served).
struct Client(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(client_of(parts)))
    }
}

fn client_of(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// 429, in plain words (`own`: why this client waits), with `Retry-After`.
fn too_many(say: Voice<'_>, limited: Limited, own: &str) -> Response {
    let wait = limited.wait;
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let again = say.phrase(&Phrase::new("web-try-again").with_number("seconds", secs));
    let text = if limited.everyone {
        format!("{} {again}", say.text("web-busy"))
    } else {
        format!("{own} {again}")
    };
    let mut response = refusal(
        say,
        StatusCode::TOO_MANY_REQUESTS,
        &say.text("web-wait-title"),
        &text,
    );
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// An HTML response with the headers every page carries: no scripts, no framing, no caching.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refusal or fault page: `title` and `text`, said in the visitor's language already.
fn refusal(say: Voice<'_>, status: StatusCode, title: &str, text: &str) -> Response {
    html(status, pages::message(say, title, text))
}

async fn form_page(
    State(state): State<Arc<WebState>>,
    Client(client): Client,
    Speaks(language): Speaks,
) -> Response {
    let say = state.voice(language);
    if let Err(limited) = WebState::take(&state.pages, client) {
        return too_many(say, limited, &say.text("web-pages-wait"));
    }
    let draft = Draft {
        show: Some("on".into()),
        ..Draft::default()
    };
    html(
        StatusCode::OK,
        pages::form(say, &state.issue_token(), &draft, &[]),
    )
}

async fn withdraw_page(
    State(state): State<Arc<WebState>>,
    Client(client): Client,
    Speaks(language): Speaks,
) -> Response {
    let say = state.voice(language);
    if let Err(limited) = WebState::take(&state.pages, client) {
        return too_many(say, limited, &say.text("web-pages-wait"));
    }
    html(
        StatusCode::OK,
        pages::withdraw_form(say, &state.issue_token(), "", &[]),
    )
}

async fn not_allowed(State(state): State<Arc<WebState>>, Speaks(language): Speaks) -> Response {
    let say = state.voice(language);
    refusal(
        say,
        StatusCode::METHOD_NOT_ALLOWED,
        &say.text("web-not-allowed-title"),
        &say.text("web-not-allowed"),
    )
}

async fn not_found(State(state): State<Arc<WebState>>, Speaks(language): Speaks) -> Response {
    let say = state.voice(language);
    refusal(
        say,
        StatusCode::NOT_FOUND,
        &say.text("web-not-found-title"),
        &say.text("web-not-found"),
    )
}

/// A post's body that passed the checks every post meets before its fields are read: rate,
/// origin, content type, size. As an extractor, its rejection is the refusal page.
struct AdmittedPost(axum::body::Bytes);

impl FromRequest<Arc<WebState>> for AdmittedPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<WebState>) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let client = client_of(&parts);
        let say = state.voice(language_of(&parts.headers));
        let withdrawal = parts.uri.path() == "/withdraw";
        let limiter = if withdrawal {
            &state.withdrawals
        } else {
            &state.posts
        };
        match admit_post(state, say, limiter, client, &parts.headers, body).await {
            Ok(bytes) => Ok(AdmittedPost(bytes)),
            Err((outcome, refused)) => {
                // Dreams are counted; withdrawals are not submissions.
                if !withdrawal {
                    state.outcomes.tell(outcome);
                }
                Err(refused)
            }
        }
    }
}

/// The body of a post that passed the checks, or why not (for counting) and the refusal page.
async fn admit_post(
    state: &WebState,
    say: Voice<'_>,
    limiter: &Mutex<RateLimiter>,
    client: IpAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, (Outcome, Response)> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // Cross-site posts are refused before they are counted: they cannot spend the budget that
    // every phone shares.
    if same_origin(
        &state.hosts,
        text(header::ORIGIN),
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
    )
    .is_err()
    {
        return Err((
            Outcome::CrossSite,
            refusal(
                say,
                StatusCode::FORBIDDEN,
                &say.text("web-cross-site-title"),
                &say.text("web-cross-site"),
            ),
        ));
    }
    let form_type = text(header::CONTENT_TYPE)
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err((
            Outcome::NotAForm,
            refusal(
                say,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &say.text("web-not-a-form-title"),
                &say.text("web-not-a-form"),
            ),
        ));
    }
    if let Err(limited) = WebState::take(limiter, client) {
        return Err((
            Outcome::RateLimited,
            too_many(say, limited, &say.text("web-posts-wait")),
        ));
    }
    let too_big = || {
        refusal(
            say,
            StatusCode::PAYLOAD_TOO_LARGE,
            &say.text("web-too-large-title"),
            &say.text("web-too-large"),
        )
    };
    let declared = text(header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT) {
        return Err((Outcome::TooLarge, too_big()));
    }
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|error| {
            // Either the body outgrew the limit or the client stopped sending.
            if std::error::Error::source(&error)
                .is_some_and(|s| s.to_string().contains("length limit"))
                || error.to_string().contains("length limit")
            {
                (Outcome::TooLarge, too_big())
            } else {
                (
                    Outcome::Incomplete,
                    refusal(
                        say,
                        StatusCode::BAD_REQUEST,
                        &say.text("web-incomplete-title"),
                        &say.text("web-incomplete"),
                    ),
                )
            }
        })
}

/// Decodes a form body, refusing what a browser's form never sends: bytes that are not UTF-8
/// once percent-decoded (rather than quietly turning them into replacement characters), and
/// fields given twice.
fn read_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    if !body
        .split(|b| *b == b'&')
        .all(|pair| percent_decode(pair).is_some())
    {
        return None;
    }
    serde_urlencoded::from_bytes(body).ok()
}

/// One `name=value` pair percent-decoded, if that gives UTF-8.
fn percent_decode(pair: &[u8]) -> Option<String> {
    let mut decoded = Vec::with_capacity(pair.len());
    let mut i = 0;
    while i < pair.len() {
        match pair[i] {
            b'%' => {
                let hex = std::str::from_utf8(pair.get(i + 1..i + 3)?).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
                continue;
            }
            b'+' => decoded.push(b' '),
            b => decoded.push(b),
        }
        i += 1;
    }
    String::from_utf8(decoded).ok()
}

fn unreadable(say: Voice<'_>) -> Response {
    refusal(
        say,
        StatusCode::BAD_REQUEST,
        &say.text("web-unreadable-title"),
        &say.text("web-unreadable"),
    )
}

/// Says in the log why the store failed — never with a receipt code, the visitor's key to their
/// dream.
fn log_store_fault(error: &StoreError) {
    let what = match error {
        StoreError::UnknownReceipt(_)
        | StoreError::ReceiptTaken(_)
        | StoreError::AlreadyWithdrawn(_) => "a receipt code was refused".to_owned(),
        other => other.to_string(),
    };
    bevy::log::error!("the phone form could not reach the store: {what}");
}

fn store_fault(say: Voice<'_>, error: &StoreError) -> Response {
    log_store_fault(error);
    refusal(
        say,
        StatusCode::SERVICE_UNAVAILABLE,
        &say.text("web-resting-title"),
        &say.text("web-resting"),
    )
}

async fn submit_dream(
    State(state): State<Arc<WebState>>,
    Speaks(language): Speaks,
    AdmittedPost(bytes): AdmittedPost,
) -> Response {
    let say = state.voice(language);
    let Some(mut draft) = read_form::<Draft>(&bytes) else {
        state.outcomes.tell(Outcome::NotAForm);
        return unreadable(say);
    };
    if !state.redeem(&draft.token) {
        state.outcomes.tell(Outcome::StaleToken);
        // Never lose the words: the form comes back filled in, with a token that works (why a
        // post without a usable token is refused: `web-expired`).
        draft.token = state.issue_token();
        return html(
            StatusCode::FORBIDDEN,
            pages::form(say, &draft.token, &draft, &[say.text("web-expired")]),
        );
    }
    let submission = Submission {
        text: draft.story.clone(),
        origin: draft.origin.clone(),
        language: Some(draft.language.trim().to_owned()).filter(|l| !l.is_empty()),
        consent: Consent {
            display: draft.show.is_some(),
            sanctuary: draft.sanctuary.is_some(),
        },
    };
    let valid = match validate(&submission) {
        Ok(valid) => valid,
        Err(errors) => {
            state.outcomes.tell(Outcome::Invalid);
            // Refused, never lost: the form comes back with what was typed and a new token.
            draft.token = state.issue_token();
            let problems: Vec<String> = errors
                .0
                .iter()
                .map(|error| say.phrase(&error.phrase()))
                .collect();
            return html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::form(say, &draft.token, &draft, &problems),
            );
        }
    };
    let shown = valid.get().consent.display;
    let words = valid.get().clone();
    let admission = state.moderation.admission();
    let store = Arc::clone(&state.store);
    // If the request times out (408) while the store is slow, this handler is dropped and its
    // visitor never sees a receipt: the submission waiting on the writer must then not be
    // stored either, or it would sit on the cloak with no code to take it back.
    let abandoned = Abandoned::default();
    let gone = abandoned.flag();
    let stored = tokio::task::spawn_blocking(move || {
        store
            .with_writer(move |writer| {
                if gone.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(StoreError::WriterGone);
                }
                // Through the kiosk's outbox, when the exhibition's database is away: the
                // visitor gets their receipt all the same.
                writer.submit(&valid, admission)
            })
            .and_then(|stored| stored)
    })
    .await;
    abandoned.complete();
    match stored {
        Ok(Ok(Submitted { receipt, id })) => {
            state.outcomes.tell(Outcome::Stored);
            // The narrative id, never the receipt code.
            if let Some(id) = id {
                bevy::log::info!("the phone form stored dream #{}", id.0);
                state.tell(WebEvent::Submitted {
                    receipt,
                    id,
                    status: admission.status,
                    shown,
                });
            } else {
                // No thread for the kiosk to fly to yet: it joins the cloak once forwarded.
                bevy::log::info!("the phone form kept a dream in the outbox");
            }
            // The keepsake card, painted off the server's threads; the receipt waits for it at
            // most CARD_WAIT. It is drawn from the words alone, so a dream still in the outbox
            // (no id yet) has its card too.
            let card_id = id.unwrap_or(NarrativeId(0));
            let painting = tokio::task::spawn_blocking(move || phone_card(words, card_id, receipt));
            let card = if let Ok(painted) = tokio::time::timeout(CARD_WAIT, painting).await {
                painted.ok().flatten()
            } else {
                bevy::log::warn!(
                    "the phone form's card took too long; the receipt goes without it"
                );
                None
            };
            html(
                StatusCode::OK,
                pages::thanks(
                    say,
                    receipt.as_str(),
                    admission.status == Status::Pending,
                    shown,
                    card.as_deref(),
                ),
            )
        }
        // The store failed: the form comes back with what was typed and a fresh token (the
        // visitor's words are never lost), saying the loom is resting.
        Ok(Err(error)) => resting_form(&state, say, draft, &error),
        Err(_) => resting_form(&state, say, draft, &StoreError::WriterGone),
    }
}

/// The size of the card the phone form offers: sharp on a phone, small enough for a gallery's
/// network (a PNG of some 70 KiB, in the page twice as base64 — shown, and the link that saves
/// it — about 190 KiB).
const PHONE_CARD: (u32, u32) = (720, 480);

/// The keepsake card of a dream the phone form just stored, as PNG bytes.
fn phone_card(
    words: Submission,
    id: crate::narrative::NarrativeId,
    receipt: crate::narrative::receipt::Receipt,
) -> Option<Vec<u8>> {
    let (painted, narrative) =
        crate::card::for_submission(&words, id, receipt.as_str(), PHONE_CARD)
            .map_err(|error| bevy::log::warn!("no card for the phone form: {error}"))
            .ok()?;
    let words = crate::card::CardWords {
        narrative: &narrative,
        code: receipt.as_str(),
    };
    crate::card::png(&painted, words)
        .map_err(|error| bevy::log::warn!("the phone form's card could not be encoded: {error}"))
        .ok()
}

/// Longest the receipt page waits for its card: past it, the visitor gets their code without
/// one (never a timeout with their dream stored and no code to take it back).
const CARD_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Set when the request it belongs to is dropped before it completes (a timeout).
#[derive(Default)]
struct Abandoned {
    flag: Arc<std::sync::atomic::AtomicBool>,
    completed: bool,
}

impl Abandoned {
    fn flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.flag)
    }

    /// The request got its answer: nothing to abandon.
    fn complete(mut self) {
        self.completed = true;
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        if !self.completed {
            self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// The dream form again, filled in, with a fresh token, after the store failed to keep it,
/// saying the loom is resting.
fn resting_form(
    state: &WebState,
    say: Voice<'_>,
    mut draft: Draft,
    error: &StoreError,
) -> Response {
    state.outcomes.tell(Outcome::StoreFailed);
    log_store_fault(error);
    draft.token = state.issue_token();
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::form(say, &draft.token, &draft, &[say.text("web-resting-form")]),
    )
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct WithdrawForm {
    code: String,
    token: String,
}

async fn withdraw_dream(
    State(state): State<Arc<WebState>>,
    Speaks(language): Speaks,
    AdmittedPost(bytes): AdmittedPost,
) -> Response {
    let say = state.voice(language);
    let Some(form) = read_form::<WithdrawForm>(&bytes) else {
        return unreadable(say);
    };
    if !state.redeem(&form.token) {
        return html(
            StatusCode::FORBIDDEN,
            pages::withdraw_form(
                say,
                &state.issue_token(),
                &form.code,
                &[say.text("web-expired")],
            ),
        );
    }
    let again = |status: StatusCode, problem: String| {
        html(
            status,
            pages::withdraw_form(say, &state.issue_token(), &form.code, &[problem]),
        )
    };
    let receipt = match form.code.parse::<Receipt>() {
        Ok(receipt) => receipt,
        Err(error) => {
            let problem = format!("{}.", say.phrase(&error.phrase()));
            return again(StatusCode::UNPROCESSABLE_ENTITY, problem);
        }
    };
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || store.withdraw_honestly(receipt)).await {
        Ok(Ok((id, withdrawal))) => {
            if let Some(id) = id {
                bevy::log::info!("the phone form withdrew dream #{} ({withdrawal:?})", id.0);
            } else {
                bevy::log::info!(
                    "the phone form withdrew a dream through the outbox ({withdrawal:?})"
                );
            }
            state.tell(WebEvent::Withdrawn { receipt });
            let pending = withdrawal == Withdrawal::Pending;
            html(
                StatusCode::OK,
                pages::withdrawn(say, receipt.as_str(), pending),
            )
        }
        // Unknown and already withdrawn answer alike, in the same words and status: no oracle for
        // which codes were ever given out.
        Ok(Err(StoreError::UnknownReceipt(_) | StoreError::AlreadyWithdrawn(_))) => {
            again(StatusCode::NOT_FOUND, say.text("web-no-such-code"))
        }
        Ok(Err(error)) => store_fault(say, &error),
        Err(_) => store_fault(say, &StoreError::WriterGone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_names_an_address_phones_can_open() {
        assert_eq!(
            public_url("192.168.4.20:8080".parse().unwrap()),
            "http://192.168.4.20:8080/"
        );
        assert_eq!(
            public_url("[fe80::1]:80".parse().unwrap()),
            "http://[fe80::1]:80/"
        );
        let any = public_url("0.0.0.0:8080".parse().unwrap());
        assert!(!any.contains("0.0.0.0"), "{any}");
        assert!(any.ends_with(":8080/"), "{any}");
    }

    #[test]
    fn hosts_a_browser_sends_for_a_url() {
        assert_eq!(
            url_hosts("http://Dreams.Gallery:8080/form?x=1"),
            ["dreams.gallery:8080"]
        );
        assert_eq!(
            url_hosts("http://dreams.gallery:80/"),
            ["dreams.gallery:80", "dreams.gallery"]
        );
        assert_eq!(url_hosts("https://dreams.gallery"), ["dreams.gallery"]);
        assert_eq!(
            url_hosts("https://dreams.gallery:443#top"),
            ["dreams.gallery:443", "dreams.gallery"]
        );
        assert_eq!(url_hosts("http://[fe80::1]:8080/"), ["[fe80::1]:8080"]);
        assert!(url_hosts("dreams.gallery:8080").is_empty());
        assert!(url_hosts("ftp://dreams.gallery/").is_empty());
        assert!(url_hosts("http:///").is_empty());
    }

    #[test]
    fn the_form_answers_to_its_own_addresses_and_named_hosts() {
        let config = WebConfig {
            listen: "192.168.4.20:8080".parse().unwrap(),
            hosts: vec!["kiosk.lan:8080".into()],
            ..WebConfig::default()
        }
        .allowing("http://dreams.example/");
        let allowed = allowed_hosts(&config, config.listen);
        for host in [
            "192.168.4.20:8080",
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
            "kiosk.lan:8080",
            "dreams.example",
        ] {
            assert!(allowed.allows(host), "{host}");
        }
        for host in [
            "evil.test",
            "evil.test:8080",
            "192.168.4.20:9090",
            "192.168.4.20",
            "localhost",
            "",
        ] {
            assert!(!allowed.allows(host), "{host}");
        }
        // On port 80 browsers leave the port out.
        let config = WebConfig {
            listen: "127.0.0.1:80".parse().unwrap(),
            ..WebConfig::default()
        };
        let allowed = allowed_hosts(&config, config.listen);
        assert!(allowed.allows("127.0.0.1") && allowed.allows("localhost:80"));
        assert!(allowed.allows("localhost"));
    }

    #[test]
    fn pages_are_in_the_language_the_browser_asks_for() {
        let mut headers = HeaderMap::new();
        assert_eq!(language_of(&headers), Language::English, "no header");
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("ar-EG,ar;q=0.9,en;q=0.8"),
        );
        assert_eq!(language_of(&headers), Language::Arabic);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("es-419"));
        assert_eq!(language_of(&headers), Language::Spanish);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE,fr"),
        );
        assert_eq!(language_of(&headers), Language::English);
    }

    #[test]
    fn form_decoding_is_strict() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct Form {
            a: String,
        }
        let read = |body: &[u8]| read_form::<Form>(body);
        assert_eq!(
            read(b"a=caf%C3%A9+noir"),
            Some(Form {
                a: "caf\u{e9} noir".into()
            })
        );
        assert_eq!(read(b"a=%FF"), None, "not UTF-8 once decoded");
        assert_eq!(read(b"a=%4"), None, "a cut escape");
        assert_eq!(read(b"a=%zz"), None);
        assert_eq!(read(b"a=1&a=2"), None, "a field twice");
        assert_eq!(
            percent_decode(b"x=%E5%A4%A2").as_deref(),
            Some("x=\u{5922}")
        );
    }
}
