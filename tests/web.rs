//! The phone form's server over real HTTP on loopback: what is stored, and every refusal.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use dreamloom::{
    narrative::store::{Moderation, Seed, Status, Store},
    testing::{TempDir, form_token, http_get, http_post, http_raw},
    web::{BODY_LIMIT, RateLimit, WebConfig, WebEvent, WebServer},
};

struct Served {
    server: WebServer,
    store: Arc<Store>,
    events: crossbeam_channel::Receiver<WebEvent>,
    _dir: TempDir,
}

impl Served {
    fn start(label: &str, moderation: Moderation, rate_limit: RateLimit) -> Self {
        let dir = TempDir::new(label);
        let store = Arc::new(Store::open(dir.path(), Seed::Empty).unwrap());
        let (tx, events) = crossbeam_channel::unbounded();
        let config = WebConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            moderation,
            rate_limit,
        };
        let server = WebServer::start(&config, Arc::clone(&store), Some(tx)).unwrap();
        Self {
            server,
            store,
            events,
            _dir: dir,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn origin(&self) -> String {
        format!("Origin: http://{}", self.addr())
    }

    /// A fresh token from the page at `path`.
    fn token(&self, path: &str) -> String {
        let page = http_get(self.addr(), path).expect("page");
        assert_eq!(page.status, 200);
        form_token(&page.body).expect("token in page")
    }
}

fn plenty() -> RateLimit {
    RateLimit {
        burst: 1000,
        refill: Duration::from_secs(1),
    }
}

fn encode(fields: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields).unwrap().into_bytes()
}

#[test]
fn form_submission_is_stored() {
    let served = Served::start("web-store", Moderation::Post, plenty());
    let page = http_get(served.addr(), "/").unwrap();
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.header("content-security-policy").is_some());
    assert!(
        page.body.contains("<label for=\"story\">"),
        "labelled fields"
    );
    assert!(!page.body.contains("<script"), "works without JavaScript");
    let token = form_token(&page.body).unwrap();
    let story = "Мне снилось, что река поёт — 川が歌っていた";
    let body = encode(&[
        ("token", &token),
        ("story", story),
        ("origin", "Tver, Russia / Osaka"),
        ("language", "ru"),
        ("show", "on"),
        ("sanctuary", "on"),
    ]);
    let origin = served.origin();
    let response = http_post(
        served.addr(),
        "/dream",
        &[&origin, "Sec-Fetch-Site: same-origin"],
        &body,
    )
    .unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.contains("Your dream is woven in"));
    let stored = served.store.reader().unwrap().narratives().unwrap();
    assert_eq!(stored.len(), 1);
    let stored = &stored[0];
    assert_eq!(stored.narrative.text, story);
    assert_eq!(stored.narrative.origin, "Tver, Russia / Osaka");
    assert_eq!(stored.narrative.language.as_deref(), Some("ru"));
    assert!(stored.narrative.consent.display && stored.narrative.consent.sanctuary);
    assert_eq!(stored.status, Status::Visible);
    assert!(
        response.body.contains(stored.receipt.as_str()),
        "the receipt is on the page"
    );
    // The running piece hears of it.
    match served.events.recv_timeout(Duration::from_secs(2)).unwrap() {
        WebEvent::Submitted {
            receipt,
            id,
            status,
            shown,
        } => {
            assert_eq!(receipt, stored.receipt);
            assert_eq!(id, stored.narrative.id);
            assert_eq!(status, Status::Visible);
            assert!(shown);
        }
        other @ WebEvent::Withdrawn { .. } => panic!("unexpected {other:?}"),
    }
}

#[test]
fn pre_moderation_holds_phone_dreams() {
    let served = Served::start("web-pre", Moderation::Pre, plenty());
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "A lantern walked me home"),
        ("origin", "Hội An"),
        ("show", "on"),
    ]);
    let response = http_post(served.addr(), "/dream", &[], &body).unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body.contains("A curator looks at every dream"));
    let reader = served.store.reader().unwrap();
    assert_eq!(reader.narratives().unwrap()[0].status, Status::Pending);
    assert!(reader.displayed().unwrap().is_empty(), "off the cloak");
}

#[test]
fn invalid_dream_comes_back_filled_in_with_plain_words() {
    let served = Served::start("web-invalid", Moderation::Post, plenty());
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "I dreamt of <b>bold</b> rivers"),
        ("origin", ""),
        ("show", "on"),
    ]);
    let response = http_post(served.addr(), "/dream", &[], &body).unwrap();
    assert_eq!(response.status, 422);
    assert!(response.body.contains("the cultural origin is empty"));
    assert!(
        response
            .body
            .contains("I dreamt of &lt;b&gt;bold&lt;/b&gt; rivers"),
        "what was typed is kept, escaped"
    );
    let again = form_token(&response.body).unwrap();
    assert_ne!(again, token, "a fresh token to send it again");
    assert!(
        served
            .store
            .reader()
            .unwrap()
            .narratives()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn oversized_body_is_413() {
    let served = Served::start("web-413", Moderation::Post, plenty());
    let token = served.token("/");
    let story = "a".repeat(BODY_LIMIT + 10);
    let body = encode(&[("token", &token), ("story", &story), ("origin", "x")]);
    let response = http_post(served.addr(), "/dream", &[], &body).unwrap();
    assert_eq!(response.status, 413);
    assert!(response.body.contains("larger than any dream"));
    // Without a declared length (chunked), the limit still holds while reading.
    let mut chunked = format!(
        "POST /dream HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
        served.addr()
    )
    .into_bytes();
    for _ in 0..(BODY_LIMIT / 1000 + 4) {
        chunked.extend_from_slice(format!("3e8\r\n{}\r\n", "b".repeat(1000)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let response = http_raw(served.addr(), &chunked).unwrap();
    assert_eq!(response.status, 413);
    assert!(
        served
            .store
            .reader()
            .unwrap()
            .narratives()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn rate_limit_is_429() {
    let served = Served::start(
        "web-429",
        Moderation::Post,
        RateLimit {
            burst: 2,
            refill: Duration::from_hours(1),
        },
    );
    for i in 0..2 {
        let token = served.token("/");
        let story = format!("Dream number {i}");
        let body = encode(&[("token", &token), ("story", &story), ("origin", "Here")]);
        assert_eq!(
            http_post(served.addr(), "/dream", &[], &body)
                .unwrap()
                .status,
            200
        );
    }
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "One too many"),
        ("origin", "Here"),
    ]);
    let response = http_post(served.addr(), "/dream", &[], &body).unwrap();
    assert_eq!(response.status, 429);
    assert!(response.header("retry-after").is_some());
    assert!(response.body.contains("Please try again in"));
    assert_eq!(
        served.store.reader().unwrap().narratives().unwrap().len(),
        2
    );
}

#[test]
fn cross_site_and_tokenless_posts_are_403() {
    let served = Served::start("web-403", Moderation::Post, plenty());
    let post = |headers: &[&str], token: &str| {
        let body = encode(&[
            ("token", token),
            ("story", "Stolen dream"),
            ("origin", "Elsewhere"),
        ]);
        http_post(served.addr(), "/dream", headers, &body).unwrap()
    };
    // Another site's page posting to the kiosk, even with a token it somehow got.
    let token = served.token("/");
    let response = post(&["Origin: http://evil.example"], &token);
    assert_eq!(response.status, 403);
    assert!(response.body.contains("from another website"));
    let token = served.token("/");
    assert_eq!(post(&["Sec-Fetch-Site: cross-site"], &token).status, 403);
    assert_eq!(post(&["Origin: null"], &token).status, 403);
    // No token, a made-up token, a used token.
    assert_eq!(post(&[], "").status, 403);
    assert_eq!(post(&[], "00112233445566778899aabbccddeeff").status, 403);
    let token = served.token("/");
    assert_eq!(post(&[], &token).status, 200);
    let replay = post(&[], &token);
    assert_eq!(replay.status, 403);
    assert!(replay.body.contains("already sent"));
    assert!(
        replay.body.contains(">Stolen dream</textarea>"),
        "the words come back to send again"
    );
    assert_ne!(form_token(&replay.body).unwrap(), token);
    assert_eq!(
        served.store.reader().unwrap().narratives().unwrap().len(),
        1
    );
}

#[test]
fn withdrawal_by_code_erases_the_text() {
    let served = Served::start("web-withdraw", Moderation::Post, plenty());
    let story = "The salt flats rang like a bell under my grandmother's feet";
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", story),
        ("origin", "Uyuni"),
        ("show", "on"),
    ]);
    assert_eq!(
        http_post(served.addr(), "/dream", &[], &body)
            .unwrap()
            .status,
        200
    );
    let receipt = served.store.reader().unwrap().narratives().unwrap()[0].receipt;
    // An unknown code: a 404 with the form again.
    let token = served.token("/withdraw");
    let body = encode(&[("token", &token), ("code", "ZZZZZZ")]);
    let response = http_post(served.addr(), "/withdraw", &[], &body).unwrap();
    assert_eq!(response.status, 404);
    assert!(response.body.contains("No dream has the code ZZZZZZ"));
    // The real one, typed as a person would: lower case with a space.
    let typed = format!(
        "{} {}",
        &receipt.as_str()[..3].to_lowercase(),
        &receipt.as_str()[3..]
    );
    let token = served.token("/withdraw");
    let body = encode(&[("token", &token), ("code", &typed)]);
    let response = http_post(served.addr(), "/withdraw", &[], &body).unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.contains("Your dream is erased"));
    let reader = served.store.reader().unwrap();
    let gone = reader.lookup(receipt).unwrap();
    assert_eq!(gone.status, Status::Withdrawn);
    assert!(gone.narrative.text.is_empty());
    let file = std::fs::read(served.store.database_path()).unwrap();
    assert!(
        !file.windows(story.len()).any(|w| w == story.as_bytes()),
        "the text is gone from the database file"
    );
    // Twice: 410, in plain words.
    let token = served.token("/withdraw");
    let body = encode(&[("token", &token), ("code", receipt.as_str())]);
    let response = http_post(served.addr(), "/withdraw", &[], &body).unwrap();
    assert_eq!(response.status, 410);
    assert!(response.body.contains("already taken back"));
}

/// How the server answered a raw request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// An HTTP response with this status.
    Status(u16),
    /// The connection closed without any response.
    Closed,
}

/// Sends raw bytes (then, unless the request is complete, stops writing as a client that went
/// away does) and reads what comes back.
fn answer_to(addr: SocketAddr, request: &[u8], complete: bool) -> (Answer, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request);
    if !complete {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    if let Some(status) = status {
        (Answer::Status(status), text)
    } else {
        assert!(text.is_empty(), "not HTTP: {text:?}");
        (Answer::Closed, text)
    }
}

#[test]
fn malformed_requests_never_crash_the_server() {
    let served = Served::start("web-malformed", Moderation::Post, plenty());
    let addr = served.addr();
    let token = served.token("/");
    let stored_before = served.store.reader().unwrap().narratives().unwrap().len();
    let cases: Vec<(Vec<u8>, bool, Answer)> = vec![
        (b"\x00\x01\x02garbage\r\n\r\n".to_vec(), true, Answer::Status(400)),
        (b"GET / HTTP/9.9\r\n\r\n".to_vec(), false, Answer::Status(400)),
        (
            format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Big: {}\r\n\r\n", "a".repeat(600_000))
                .into_bytes(),
            true,
            Answer::Status(431),
        ),
        (
            format!("PUT /dream HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                .into_bytes(),
            true,
            Answer::Status(405),
        ),
        (
            format!("GET /../../etc/passwd HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .into_bytes(),
            true,
            Answer::Status(404),
        ),
        // Half a body, then the client goes away: refused, nothing stored.
        (
            format!("POST /dream HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nstory=ab")
                .into_bytes(),
            false,
            Answer::Status(400),
        ),
        (
            format!("POST /dream HTTP/1.1\r\nHost: {addr}\r\nContent-Length: nonsense\r\n\r\n")
                .into_bytes(),
            true,
            Answer::Status(400),
        ),
    ];
    for (request, complete, expected) in cases {
        let shown = String::from_utf8_lossy(&request[..request.len().min(40)]).into_owned();
        let (answer, response) = answer_to(addr, &request, complete);
        assert_eq!(
            answer,
            expected,
            "{shown:?} → {:?}",
            response.lines().next()
        );
        if matches!(answer, Answer::Status(404 | 405)) {
            assert!(response.contains("<h1>"), "a page a person can read");
        }
        // After each, the server still serves the form to the next visitor.
        let page = http_get(addr, "/").expect("the server still answers");
        assert_eq!(page.status, 200, "after {shown:?}");
        assert!(form_token(&page.body).is_some(), "after {shown:?}");
    }
    assert_eq!(
        served.store.reader().unwrap().narratives().unwrap().len(),
        stored_before,
        "a malformed request stored something"
    );
    // Form-level nonsense: each a 4xx in plain words.
    let posts: [(&[&str], &[u8], u16); 4] = [
        (
            &["Content-Type: application/json"],
            br#"{"story":"x"}"#,
            415,
        ),
        (
            &["Content-Type: multipart/form-data; boundary=x"],
            b"--x--",
            415,
        ),
        (&[], b"story=%FF%FE&origin=%C3", 400),
        (&[], b"story=a&story=b&token=t", 400),
    ];
    for (headers, body, status) in posts {
        let response = http_post(addr, "/dream", headers, body).unwrap();
        assert_eq!(
            response.status,
            status,
            "{:?}",
            String::from_utf8_lossy(body)
        );
        assert!(response.body.contains("<h1>"), "a page a person can read");
    }
    // Still serving, and the token from before still works.
    let body = encode(&[
        ("token", &token),
        ("story", "Still here"),
        ("origin", "Loopback"),
    ]);
    assert_eq!(http_post(addr, "/dream", &[], &body).unwrap().status, 200);
    assert_eq!(
        served.store.reader().unwrap().narratives().unwrap().len(),
        stored_before + 1
    );
}
