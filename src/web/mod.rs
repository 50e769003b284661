//! Phone submission: an embedded HTTP server (axum on a single-threaded tokio runtime, in its own
//! thread) serving one small form and a withdrawal page. It writes to the same durable store as
//! the kiosk, with the same validation, and tells the running piece what arrived over a channel.
//!
//! Off unless `--web ADDR:PORT` is given. Every refusal is a clear 4xx page in plain words:
//! 413 for an oversized body, 415 for a content type the form never sends, 429 past the per-client
//! rate limit, 403 for a cross-site post or a missing or used form token.

mod guard;
pub mod pages;

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket},
    sync::{Arc, Mutex, PoisonError},
    thread,
    time::Instant,
};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use crossbeam_channel::Sender;

pub use guard::{CrossSite, FormTokens, RateLimit, RateLimiter, same_origin};
use pages::Draft;

use crate::narrative::{
    Consent, NarrativeId, Submission,
    receipt::Receipt,
    store::{Moderation, Status, Store, StoreError},
    validate,
};

/// Largest request body accepted: a full story in any script, percent-encoded, fits in a third.
pub const BODY_LIMIT: usize = 16 * 1024;

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

/// How the server runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Address to listen on, e.g. `0.0.0.0:8080`.
    pub listen: SocketAddr,
    pub moderation: Moderation,
    pub rate_limit: RateLimit,
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

/// A running server; dropping it stops the server and waits for its thread.
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
        let WebConfig {
            listen,
            moderation,
            rate_limit,
        } = *config;
        let listener = TcpListener::bind(listen).map_err(|source| WebError::Bind {
            addr: listen,
            source,
        })?;
        listener.set_nonblocking(true).map_err(WebError::Start)?;
        let addr = listener.local_addr().map_err(WebError::Start)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(WebError::Start)?;
        let state = Arc::new(WebState {
            store,
            events,
            moderation,
            limiter: Mutex::new(RateLimiter::new(rate_limit)),
            tokens: Mutex::new(FormTokens::default()),
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("dreamloom-web".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(error) => {
                            bevy::log::error!("the phone form could not start: {error}");
                            return;
                        }
                    };
                    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
                    let served = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                    if let Err(error) = served {
                        bevy::log::error!("the phone form stopped: {error}");
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
    moderation: Moderation,
    limiter: Mutex<RateLimiter>,
    tokens: Mutex<FormTokens>,
}

impl WebState {
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

    fn tell(&self, event: WebEvent) {
        if let Some(events) = &self.events {
            // The piece may have stopped listening (tests, shutdown): the store has the dream.
            let _ = events.try_send(event);
        }
    }
}

fn router(state: Arc<WebState>) -> Router {
    Router::new()
        .route("/", get(form_page))
        .route("/dream", get(form_page).post(submit_dream))
        .route("/withdraw", get(withdraw_page).post(withdraw_dream))
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        .with_state(state)
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
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
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

fn refusal(status: StatusCode, title: &str, text: &str) -> Response {
    html(status, pages::message(title, text))
}

async fn form_page(State(state): State<Arc<WebState>>) -> Response {
    let draft = Draft {
        show: Some("on".into()),
        ..Draft::default()
    };
    html(
        StatusCode::OK,
        pages::form(&state.issue_token(), &draft, &[]),
    )
}

async fn withdraw_page(State(state): State<Arc<WebState>>) -> Response {
    html(
        StatusCode::OK,
        pages::withdraw_form(&state.issue_token(), "", &[]),
    )
}

async fn not_allowed() -> Response {
    refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        "Not like that",
        "This page is only for opening and sending the dream form.",
    )
}

async fn not_found() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        "Nothing here",
        "This page does not exist. The dream form is at the start of this site.",
    )
}

/// A post's body that passed the checks every post meets before its fields are read: rate,
/// origin, content type, size. As an extractor, its rejection is the refusal page.
struct AdmittedPost(axum::body::Bytes);

impl FromRequest<Arc<WebState>> for AdmittedPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<WebState>) -> Result<Self, Response> {
        // Without connection info (never, as served), all such posts share one bucket.
        let client = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        let (parts, body) = request.into_parts();
        admit_post(state, client, &parts.headers, body)
            .await
            .map(AdmittedPost)
    }
}

async fn admit_post(
    state: &WebState,
    client: IpAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, Response> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let limited = state
        .limiter
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take(client, Instant::now());
    if let Err(wait) = limited {
        let mut response = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "Please wait a moment",
            &format!(
                "Many dreams came from this phone in a short time. Please try again in {} \
                 seconds.",
                wait.as_secs().max(1)
            ),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }
    if same_origin(
        text(header::HOST),
        text(header::ORIGIN),
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
    )
    .is_err()
    {
        return Err(refusal(
            StatusCode::FORBIDDEN,
            "This form must be sent from its own page",
            "The request came from another website, so it was refused. Open the dream form \
             directly (scan the code at the kiosk) and send it from there.",
        ));
    }
    let form_type = text(header::CONTENT_TYPE)
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "This was not sent by the form",
            "The server only takes what the dream form itself sends. Please use the form.",
        ));
    }
    let too_big = || {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "That is too long to send",
            "What was sent is larger than any dream the form can carry. Please shorten it.",
        )
    };
    let declared = text(header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT) {
        return Err(too_big());
    }
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|error| {
            // Either the body outgrew the limit or the client stopped sending.
            if std::error::Error::source(&error)
                .is_some_and(|s| s.to_string().contains("length limit"))
                || error.to_string().contains("length limit")
            {
                too_big()
            } else {
                refusal(
                    StatusCode::BAD_REQUEST,
                    "The form did not arrive whole",
                    "The connection broke while the form was being sent. Please send it again.",
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

fn unreadable() -> Response {
    refusal(
        StatusCode::BAD_REQUEST,
        "The form could not be read",
        "What arrived is not a filled-in dream form. Please use the form and send it again.",
    )
}

/// Why a post without a usable form token is refused; the page comes back filled in.
const EXPIRED: &str = "This form was already sent, was open too long, or came from elsewhere, \
                       so it was not taken. Nothing is lost: check it below and send it again.";

fn store_fault(error: &StoreError) -> Response {
    bevy::log::error!("the phone form could not reach the store: {error}");
    refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "The loom is resting",
        "Your dream could not be stored just now. Please try again in a minute, or share it at \
         the kiosk.",
    )
}

async fn submit_dream(
    State(state): State<Arc<WebState>>,
    AdmittedPost(bytes): AdmittedPost,
) -> Response {
    let Some(mut draft) = read_form::<Draft>(&bytes) else {
        return unreadable();
    };
    if !state.redeem(&draft.token) {
        // Never lose the words: the form comes back filled in, with a token that works.
        draft.token = state.issue_token();
        return html(
            StatusCode::FORBIDDEN,
            pages::form(&draft.token, &draft, &[EXPIRED.to_owned()]),
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
            // Refused, never lost: the form comes back with what was typed and a new token.
            draft.token = state.issue_token();
            let problems: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
            return html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::form(&draft.token, &draft, &problems),
            );
        }
    };
    let shown = valid.get().consent.display;
    let admission = state.moderation.admission();
    let store = Arc::clone(&state.store);
    let stored = tokio::task::spawn_blocking(move || {
        store
            .write(move |db| db.submit(&valid, admission))
            .and_then(|stored| stored)
    })
    .await;
    match stored {
        Ok(Ok((id, receipt))) => {
            state.tell(WebEvent::Submitted {
                receipt,
                id,
                status: admission.status,
                shown,
            });
            html(
                StatusCode::OK,
                pages::thanks(receipt.as_str(), admission.status == Status::Pending, shown),
            )
        }
        Ok(Err(error)) => store_fault(&error),
        Err(_) => store_fault(&StoreError::WriterGone),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct WithdrawForm {
    code: String,
    token: String,
}

async fn withdraw_dream(
    State(state): State<Arc<WebState>>,
    AdmittedPost(bytes): AdmittedPost,
) -> Response {
    let Some(form) = read_form::<WithdrawForm>(&bytes) else {
        return unreadable();
    };
    if !state.redeem(&form.token) {
        return html(
            StatusCode::FORBIDDEN,
            pages::withdraw_form(&state.issue_token(), &form.code, &[EXPIRED.to_owned()]),
        );
    }
    let again = |status: StatusCode, problem: String| {
        html(
            status,
            pages::withdraw_form(&state.issue_token(), &form.code, &[problem]),
        )
    };
    let receipt: Receipt = match form.code.parse() {
        Ok(receipt) => receipt,
        Err(error) => return again(StatusCode::UNPROCESSABLE_ENTITY, format!("{error}.")),
    };
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || store.withdraw(receipt)).await {
        Ok(Ok(_)) => {
            state.tell(WebEvent::Withdrawn { receipt });
            html(StatusCode::OK, pages::withdrawn(receipt.as_str()))
        }
        Ok(Err(error)) => match (&error, error.for_visitor()) {
            (StoreError::UnknownReceipt(_), Some(text)) => again(StatusCode::NOT_FOUND, text),
            (StoreError::AlreadyWithdrawn(_), Some(text)) => again(StatusCode::GONE, text),
            _ => store_fault(&error),
        },
        Err(_) => store_fault(&StoreError::WriterGone),
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
