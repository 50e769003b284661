//! The phone form's connections: an accept loop on the tokio listener, each connection served by
//! hyper's own HTTP/1 builder with a timer, so a client that never finishes its request head is
//! cut off; a cap on open connections, in all and per client network; and a shutdown that gives
//! connections a moment to finish, then closes them, so no half-sent request can hold it up.
//! Any axum `Router` can be served this way: the monitoring endpoint is (`WebServer::serve`).

use std::{
    collections::HashMap,
    io,
    net::IpAddr,
    pin::{Pin, pin},
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1, service::Service as _};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, oneshot, watch},
    task::JoinSet,
    time::Sleep,
};

use super::guard::network;

/// How long a stopping server lets open connections finish before it closes them.
pub(super) const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What the accept loop enforces on each connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// The whole request head must arrive within this (hyper's header-read timeout). Hyper
    /// starts this clock whenever it waits for a request, so it also bounds how long a kept-alive
    /// connection may sit idle between requests.
    pub(crate) header: Duration,
    /// A connection on which no byte moves either way for this long is closed.
    pub(crate) idle: Duration,
    /// Connections open at once, from everyone.
    pub(crate) total: usize,
    /// Connections open at once from one client network.
    pub(crate) per_network: usize,
}

/// Serves `app` on `listener` until `stop` fires (or its sender is dropped), then closes.
/// `serving` names what is served in the log ("the phone form").
///
/// Over either connection cap, a new connection is closed at once, unanswered: waiting would
/// only hold more sockets for the client that is already holding too many.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    serving: &'static str,
    mut stop: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(
        limits.total.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let per_network: OpenPerNetwork = Arc::default();
    let (closing, closed) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        .keep_alive(true);
    let mut connections: JoinSet<()> = JoinSet::new();
    let mut warned_full: Option<Instant> = None;
    loop {
        let next = std::future::poll_fn(|cx| {
            if Pin::new(&mut stop).poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            // Reap finished connections, so the set holds only open ones.
            while let Poll::Ready(Some(_)) = connections.poll_join_next(cx) {}
            listener.poll_accept(cx).map(Some)
        })
        .await;
        let Some(accepted) = next else {
            break;
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                if !per_connection(&error) {
                    // Out of file descriptors or the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        let slot = NetworkSlot::take(&per_network, network(remote.ip()), limits.per_network);
        let permit = Arc::clone(&permits).try_acquire_owned().ok();
        let (Some(slot), Some(permit)) = (slot, permit) else {
            warn_full(&mut warned_full, limits, serving);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Watched::new(stream, limits.idle));
        let router = TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            router.call(request)
        });
        let connection = http.serve_connection(io, service);
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _held = (slot, permit);
            let mut connection = pin!(connection);
            let mut stopping = pin!(closed.changed());
            let shutting_down = std::future::poll_fn(|cx| {
                if connection.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(false);
                }
                if stopping.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(true);
                }
                Poll::Pending
            })
            .await;
            if shutting_down {
                // Idle connections close now; one mid-request finishes its answer first (the
                // server waits at most SHUTDOWN_GRACE for it).
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        });
    }
    // Stop accepting: new connections are refused from here on.
    drop(listener);
    let _ = closing.send_replace(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        // A client that stopped halfway (a half-sent post): closed, not waited for.
        connections.abort_all();
    }
    drop(connections);
}

/// Says (at most once a minute) that connections to `serving` are being turned away.
fn warn_full(warned: &mut Option<Instant>, limits: ConnectionLimits, serving: &str) {
    if warned.is_none_or(|at| at.elapsed() > Duration::from_mins(1)) {
        *warned = Some(Instant::now());
        bevy::log::warn!(
            "{serving} is at a connection limit ({} in all, {} per network): new \
             connections are closed until open ones end",
            limits.total,
            limits.per_network
        );
    }
}

/// Accept errors about one connection (it went away before it was accepted): try the next.
fn per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Open connections per client network.
type OpenPerNetwork = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One open connection counted against its network; uncounted when dropped.
struct NetworkSlot {
    open: OpenPerNetwork,
    network: IpAddr,
}

impl NetworkSlot {
    /// A slot for a connection from `network`, unless it already has `cap` open.
    fn take(open: &OpenPerNetwork, network: IpAddr, cap: usize) -> Option<Self> {
        let mut counts = open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(network).or_insert(0);
        if *count >= cap.max(1) {
            return None;
        }
        *count += 1;
        drop(counts);
        Some(Self {
            open: Arc::clone(open),
            network,
        })
    }
}

impl Drop for NetworkSlot {
    fn drop(&mut self) {
        let mut counts = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.network) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.network);
            }
        }
    }
}

/// A connection's socket that fails once no byte has moved either way for `idle`: a stalled
/// upload, or a client that stops reading its answer, cannot hold a connection forever.
struct Watched {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Watched {
    fn new(stream: TcpStream, idle: Duration) -> Self {
        Self {
            stream,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    /// Passes on what the socket said; bytes moving push the deadline back, waiting past it
    /// is an error.
    fn watch<T>(
        &mut self,
        polled: Poll<io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(result) => {
                let deadline = tokio::time::Instant::now() + self.idle;
                self.deadline.as_mut().reset(deadline);
                Poll::Ready(result)
            }
            Poll::Pending => {
                if self.deadline.as_mut().poll(cx).is_ready() {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no data moved on the connection for too long",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        this.watch(polled, cx)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.watch(polled, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.watch(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_flush(cx);
        this.watch(polled, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_slots_count_and_free() {
        let open: OpenPerNetwork = Arc::default();
        let home: IpAddr = "2001:db8::1".parse().unwrap();
        let first = NetworkSlot::take(&open, network(home), 2).unwrap();
        let second = NetworkSlot::take(&open, network("2001:db8::2".parse().unwrap()), 2);
        assert!(second.is_some());
        assert!(
            NetworkSlot::take(&open, network(home), 2).is_none(),
            "the /64 is full"
        );
        assert!(NetworkSlot::take(&open, "192.0.2.1".parse().unwrap(), 2).is_some());
        drop(first);
        let third = NetworkSlot::take(&open, network(home), 2);
        assert!(third.is_some(), "a closed connection frees its slot");
        drop((second, third));
        assert!(
            open.lock().unwrap().is_empty(),
            "no entry outlives its connections"
        );
    }
}
