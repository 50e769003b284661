//! The metrics endpoint's pages, served by the phone form's serving code: `GET /metrics` (the
//! Prometheus text format, as `prometheus-client` encodes the registry) and `GET /healthz`
//! (whether frames advance). Any other method is 405, any other path 404; every request has a
//! deadline, and connections are capped and timed out as the phone form's are.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus_client::{
    encoding::prometheus_text::{CONTENT_TYPE, encode},
    registry::Registry,
};
use tower_http::timeout::TimeoutLayer;

use super::{FrameBeat, Process};
use crate::web::{self, ConnectionLimits, WebError, WebServer};

/// A whole request, head to answer, within this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections to the endpoint: a scraper or two and a supervisor need few.
const LIMITS: ConnectionLimits = ConnectionLimits {
    header: Duration::from_secs(10),
    idle: Duration::from_secs(30),
    total: 32,
    per_network: 8,
};

/// What the pages read.
pub(super) struct Endpoint {
    pub registry: Registry,
    pub beat: FrameBeat,
    pub stale_after: Duration,
    pub process: Process,
}

/// Binds `listen` now and serves `endpoint` on its own thread.
pub(super) fn start(listen: SocketAddr, endpoint: Endpoint) -> Result<WebServer, WebError> {
    let listener = web::bind(listen)?;
    let app = router(Arc::new(endpoint));
    WebServer::serve(
        listener,
        app,
        LIMITS,
        "dreamloom-metrics",
        "the metrics endpoint",
    )
}

fn router(endpoint: Arc<Endpoint>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(endpoint)
}

/// Plain text, never cached.
fn text(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const PLAIN: &str = "text/plain; charset=utf-8";

async fn metrics(State(endpoint): State<Arc<Endpoint>>) -> Response {
    endpoint.process.measure();
    let mut body = String::new();
    match encode(&mut body, &endpoint.registry) {
        Ok(()) => text(StatusCode::OK, body, CONTENT_TYPE),
        Err(error) => {
            bevy::log::error!("the metrics could not be encoded: {error}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the metrics could not be encoded\n".to_owned(),
                PLAIN,
            )
        }
    }
}

async fn healthz(State(endpoint): State<Arc<Endpoint>>) -> Response {
    match endpoint.beat.since_last() {
        Some(age) if age < endpoint.stale_after => text(StatusCode::OK, "ok\n".to_owned(), PLAIN),
        Some(age) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no frame for {:.1} s\n", age.as_secs_f64()),
            PLAIN,
        ),
        None => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "no frame yet\n".to_owned(),
            PLAIN,
        ),
    }
}

async fn not_allowed() -> Response {
    text(
        StatusCode::METHOD_NOT_ALLOWED,
        "only GET\n".to_owned(),
        PLAIN,
    )
}

async fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "nothing here: /metrics and /healthz\n".to_owned(),
        PLAIN,
    )
}
