//! A tiny HTTP/1.1 client for the phone form's tests: they send exactly the bytes they mean,
//! malformed ones included, and read status, headers and body back; from another loopback
//! address when a test needs a second client.

use std::{
    cell::RefCell,
    io::{self, Read, Write},
    net::{IpAddr, SocketAddr, TcpStream},
    time::{Duration, Instant},
};

/// A response as a test reads it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (lower case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as raw bytes to `addr` and reads the whole response (the request should ask
/// for `Connection: close`). A tiny HTTP/1.1 client: tests send exactly the bytes they mean,
/// malformed ones included. `None` if the server closed without a response.
#[must_use]
pub fn http_raw(addr: SocketAddr, request: &[u8]) -> Option<HttpResponse> {
    exchange(TcpStream::connect(addr).ok()?, request)
}

/// [`http_raw`] from the local address `from` (on Linux any of 127.0.0.0/8 is this machine's
/// loopback, so `127.0.0.2` is another client to a server on `127.0.0.1`).
#[must_use]
pub fn http_raw_from(from: IpAddr, addr: SocketAddr, request: &[u8]) -> Option<HttpResponse> {
    exchange(connect_from(from, addr).ok()?, request)
}

/// A TCP connection to `to` from the local address `from` (the standard library cannot bind
/// before connecting; tokio's `TcpSocket` can). A blocking stream, as [`TcpStream::connect`]
/// gives.
pub fn connect_from(from: IpAddr, to: SocketAddr) -> io::Result<TcpStream> {
    thread_local! {
        /// One small runtime per thread, made on first use, only to connect.
        static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
    }
    RUNTIME.with_borrow_mut(|runtime| {
        if runtime.is_none() {
            *runtime = Some(
                tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()?,
            );
        }
        let runtime = runtime
            .as_ref()
            .ok_or_else(|| io::Error::other("no runtime to connect with"))?;
        runtime.block_on(async {
            let socket = match from {
                IpAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
                IpAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
            };
            socket.bind(SocketAddr::new(from, 0))?;
            let stream = socket.connect(to).await?.into_std()?;
            stream.set_nonblocking(false)?;
            Ok::<_, io::Error>(stream)
        })
    })
}

/// Writes `request` on `stream` and reads the response.
fn exchange(mut stream: TcpStream, request: &[u8]) -> Option<HttpResponse> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    // A server may answer (413) and close before reading everything: a failed write is fine.
    let _ = stream.write_all(request);
    // Read to the end of the body: the close, or `Content-Length` bytes after the head (a server
    // may keep the connection open despite `Connection: close`).
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(head_end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|length| bytes.len() >= head_end + 4 + length) {
                break;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Some(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Whether the server has closed `stream` (its end of the stream, or a reset) by `until`. What
/// the server sends before closing is read and dropped.
#[must_use]
pub fn closed_by(stream: &mut TcpStream, until: Instant) -> bool {
    let mut chunk = [0u8; 1024];
    loop {
        let left = until
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        if stream.set_read_timeout(Some(left)).is_err() {
            return true;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(error) => {
                let waiting = matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                );
                if !waiting {
                    // Reset by the server.
                    return true;
                }
            }
        }
        if Instant::now() >= until {
            return false;
        }
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn get_request(addr: SocketAddr, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes()
}

fn post_request(addr: SocketAddr, path: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    request_bytes("POST", &addr.to_string(), path, headers, body)
}

/// The bytes of a request (`Connection: close`) for `host`, as a form sends it unless `headers`
/// (each `Name: value`) name another content type.
#[must_use]
pub fn request_bytes(
    method: &str,
    host: &str,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> Vec<u8> {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("content-type:"))
    {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A GET of `path`.
#[must_use]
pub fn http_get(addr: SocketAddr, path: &str) -> Option<HttpResponse> {
    http_raw(addr, &get_request(addr, path))
}

/// A GET of `path` from the local address `from` (see [`http_raw_from`]).
#[must_use]
pub fn http_get_from(from: IpAddr, addr: SocketAddr, path: &str) -> Option<HttpResponse> {
    http_raw_from(from, addr, &get_request(addr, path))
}

/// A POST of `body` to `path` with `headers` (each `Name: value`), as a form sends it unless the
/// headers say otherwise.
#[must_use]
pub fn http_post(
    addr: SocketAddr,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> Option<HttpResponse> {
    http_raw(addr, &post_request(addr, path, headers, body))
}

/// [`http_post`] from the local address `from` (see [`http_raw_from`]).
#[must_use]
pub fn http_post_from(
    from: IpAddr,
    addr: SocketAddr,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> Option<HttpResponse> {
    http_raw_from(from, addr, &post_request(addr, path, headers, body))
}

/// The value of the hidden `token` field of a served form.
#[must_use]
pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"token\" value=\"")? + "name=\"token\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}
