//! The phone form's server over real HTTP on loopback: what is stored, every refusal, and how
//! it holds up under abuse (floods of page loads, slow or half-sent requests, rebinding pages).

use std::{
    io::Write,
    net::{IpAddr, SocketAddr, TcpStream},
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::store::{Moderation, Seed, Status, Store},
    testing::{
        TempDir, closed_by, form_token, http_get, http_get_from, http_post, http_post_from,
        http_raw, request_bytes,
    },
    web::{BODY_LIMIT, RateLimit, WebConfig, WebEvent, WebServer},
};

struct Served {
    server: WebServer,
    store: Arc<Store>,
    events: crossbeam_channel::Receiver<WebEvent>,
    _dir: TempDir,
}

/// A server on loopback with these limits, the rest as an exhibition runs it.
fn config(moderation: Moderation, rate_limit: RateLimit) -> WebConfig {
    WebConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        moderation,
        rate_limit,
        ..WebConfig::default()
    }
}

impl Served {
    fn start(label: &str, moderation: Moderation, rate_limit: RateLimit) -> Self {
        Self::with(label, &config(moderation, rate_limit))
    }

    fn with(label: &str, config: &WebConfig) -> Self {
        let dir = TempDir::new(label);
        let store = Arc::new(Store::open(dir.path(), Seed::Empty).unwrap());
        let (tx, events) = crossbeam_channel::unbounded();
        let server = WebServer::start(config, Arc::clone(&store), Some(tx)).unwrap();
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

    fn stored(&self) -> usize {
        self.store.reader().unwrap().narratives().unwrap().len()
    }
}

fn plenty() -> RateLimit {
    RateLimit {
        burst: 1000,
        refill: Duration::from_secs(1),
        global_per_minute: 0,
    }
}

/// Another client on this machine: the server sees it as another network than 127.0.0.1.
fn visitor() -> IpAddr {
    IpAddr::from([127, 0, 0, 2])
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
    // The keepsake card is in the page, to download: a PNG of the dream, its words exactly.
    let start = response
        .body
        .find("href=\"data:image/png;base64,")
        .expect("a card to download")
        + "href=\"data:image/png;base64,".len();
    let end = start + response.body[start..].find('"').expect("end of the card");
    let png = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(&response.body[start..end])
            .expect("base64")
    };
    let words = dreamloom::card::words_in_png(&png).expect("a PNG");
    assert!(words.contains(&(dreamloom::card::DREAM_KEY.to_owned(), story.to_owned())));
    assert!(words.contains(&(
        dreamloom::card::CODE_KEY.to_owned(),
        stored.receipt.as_str().to_owned()
    )));
    assert!(
        response
            .body
            .contains(&format!("download=\"dream-{}.png\"", stored.receipt))
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

/// A phone whose browser asks for Arabic gets the form in Arabic, laid out right to left; one
/// that asks for Spanish gets it in Spanish, and a refused dream's problems in Spanish too; one
/// that asks for neither, in English.
#[test]
fn the_form_speaks_the_language_the_phone_asks_for() {
    let served = Served::start("web-languages", Moderation::Post, plenty());
    let addr = served.addr();
    let get = |accept: &str| {
        let header = format!("Accept-Language: {accept}");
        let request = request_bytes("GET", &addr.to_string(), "/", &[header.as_str()], b"");
        http_raw(addr, &request).expect("the form")
    };
    let arabic = get("ar-EG,ar;q=0.9,en;q=0.8");
    assert_eq!(arabic.status, 200);
    assert!(
        arabic.body.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        arabic.body
    );
    assert!(
        arabic.body.contains("<h1>شارك حلمًا</h1>"),
        "{}",
        arabic.body
    );
    let other = get("de-DE,fr;q=0.9");
    assert!(
        other.body.contains("<html lang=\"en\" dir=\"ltr\">"),
        "{}",
        other.body
    );
    assert!(
        other.body.contains("<h1>Share a dream</h1>"),
        "{}",
        other.body
    );
    let spanish = get("es-MX,es;q=0.9");
    assert!(
        spanish.body.contains("<html lang=\"es\" dir=\"ltr\">"),
        "{}",
        spanish.body
    );
    let token = form_token(&spanish.body).expect("a token");
    let body = encode(&[
        ("token", &token),
        ("story", "Un río de luz cruzaba la plaza"),
        ("origin", ""),
        ("show", "on"),
    ]);
    let refused = http_post(addr, "/dream", &["Accept-Language: es-MX"], &body).unwrap();
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("el origen cultural está vacío"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Un río de luz cruzaba la plaza"));
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
            global_per_minute: 0,
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
    assert!(response.body.contains("No dream has this code"));
    assert!(
        response.body.contains("value=\"ZZZZZZ\""),
        "what was typed comes back"
    );
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
    let file = std::fs::read(served.store.database_path().expect("the store is a file")).unwrap();
    assert!(
        !file.windows(story.len()).any(|w| w == story.as_bytes()),
        "the text is gone from the database file"
    );
    // Twice: refused in plain words, as an unknown code is.
    let token = served.token("/withdraw");
    let body = encode(&[("token", &token), ("code", receipt.as_str())]);
    let response = http_post(served.addr(), "/withdraw", &[], &body).unwrap();
    assert_eq!(response.status, 404);
    assert!(response.body.contains("already taken back"));
}

/// A code no dream has and a code already withdrawn get the same answer: same status, same page
/// (but for the fresh token and the code as typed), so trying codes tells nothing about which
/// were ever given out. Only a real withdrawal answers otherwise.
///
/// Fails on the code before: an unknown code answered 404 ("No dream has the code …") and a
/// withdrawn one 410 ("… was already taken back"), an oracle for codes that exist.
#[test]
fn unknown_and_withdrawn_codes_answer_alike() {
    let served = Served::start("web-oracle", Moderation::Post, plenty());
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "A staircase of fireflies"),
        ("origin", "Kyoto"),
    ]);
    assert_eq!(
        http_post(served.addr(), "/dream", &[], &body)
            .unwrap()
            .status,
        200
    );
    let receipt = served.store.reader().unwrap().narratives().unwrap()[0].receipt;
    let withdraw = |code: &str| {
        let token = served.token("/withdraw");
        let body = encode(&[("token", &token), ("code", code)]);
        http_post(served.addr(), "/withdraw", &[], &body).unwrap()
    };
    assert_eq!(
        withdraw(receipt.as_str()).status,
        200,
        "the real withdrawal"
    );
    let unknown = if receipt.as_str() == "ZZZZZZ" {
        "YYYYYY"
    } else {
        "ZZZZZZ"
    };
    let never = withdraw(unknown);
    let again = withdraw(receipt.as_str());
    assert_eq!(never.status, again.status);
    assert_eq!(never.status, 404);
    let page = |response: &dreamloom::testing::HttpResponse, code: &str| {
        let token = form_token(&response.body).expect("the form comes back");
        response.body.replace(&token, "TOKEN").replace(code, "CODE")
    };
    assert_eq!(page(&never, unknown), page(&again, receipt.as_str()));
    assert!(
        never
            .body
            .contains("No dream has this code, or it was already taken back.")
    );
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
    use std::io::Read;
    let mut stream = TcpStream::connect(addr).unwrap();
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

/// 5,000 page loads from one client cannot push out the token of a visitor who opened the form
/// before them, and are held back (429) past a generous burst; the visitor, another network,
/// still loads the form and sends it.
///
/// Fails on the code before: every page load stored its token in a 4,096-entry store that
/// dropped the oldest, so the flood pushed the visitor's token out and their post came back 403
/// ("already sent"); and page loads were never limited, so no 429 came back.
#[test]
fn a_flood_of_page_loads_cannot_push_out_a_visitors_token() {
    let served = Served::start("web-get-flood", Moderation::Post, plenty());
    let addr = served.addr();
    let page = http_get_from(visitor(), addr, "/").expect("the visitor's form");
    assert_eq!(page.status, 200);
    let token = form_token(&page.body).unwrap();
    // The flood: four threads, 1,250 page loads each, from 127.0.0.1.
    let statuses: Vec<u16> = thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..1250)
                        .map(|_| http_get(addr, "/").map_or(0, |page| page.status))
                        .collect::<Vec<u16>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });
    let shown = statuses.iter().filter(|s| **s == 200).count();
    let held = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(statuses.len(), 5000);
    assert_eq!(
        shown + held,
        5000,
        "every page load answered, 200 or 429 ({} unanswered)",
        statuses.iter().filter(|s| **s == 0).count()
    );
    assert!(shown >= 60, "the burst is served: {shown}");
    assert!(
        held > 4000,
        "the flood is held back: {shown} served, {held} refused"
    );
    // The visitor: their own network's pages are served, and the form they opened before the
    // flood still sends.
    let again = http_get_from(visitor(), addr, "/").expect("the form again");
    assert_eq!(again.status, 200);
    let body = encode(&[
        ("token", &token),
        ("story", "A lighthouse counted the waves for me"),
        ("origin", "Porto"),
    ]);
    let origin = served.origin();
    let sent = http_post_from(visitor(), addr, "/dream", &[&origin], &body).expect("answer");
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(served.stored(), 1);
}

/// 200 sockets that each send half a request head: a visitor is still served while they hang,
/// and the server has closed every one of them within the header timeout and two seconds.
///
/// Fails on the code before: `axum::serve` set no timer, so hyper's header-read timeout was off
/// and half-sent heads held their sockets open indefinitely (75 s and more, measured).
#[test]
fn slow_request_heads_are_cut_off() {
    let served = Served::with(
        "web-slowloris",
        &WebConfig {
            header_timeout: Duration::from_secs(1),
            // All 200 held, so it is the timeout that closes them (not the per-network cap).
            max_connections_per_network: 1000,
            ..config(Moderation::Post, plenty())
        },
    );
    let addr = served.addr();
    let opened = Instant::now();
    let mut sockets: Vec<TcpStream> = (0..200)
        .map(|i| {
            let mut socket = TcpStream::connect(addr).unwrap();
            let _ = socket.write_all(
                format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Slow-{i}: drip").as_bytes(),
            );
            socket
        })
        .collect();
    let page = http_get(addr, "/").expect("a visitor is served while they hang");
    assert_eq!(page.status, 200);
    let deadline = opened + Duration::from_secs(3);
    let open = sockets
        .iter_mut()
        .map(|socket| closed_by(socket, deadline))
        .filter(|closed| !closed)
        .count();
    assert_eq!(open, 0, "half-sent heads still open after the timeout");
    assert_eq!(http_get(addr, "/").unwrap().status, 200, "and it serves on");
}

/// Over the connection cap, new connections are closed at once (unanswered): with a cap of 20,
/// 30 of 50 idle sockets are closed before any timeout, the 20 held ones when the header
/// timeout passes, and then a visitor is served again.
///
/// Fails on the code before: there was no cap (and no header timeout), so all 50 stayed open.
#[test]
fn connections_over_the_cap_are_closed_at_once() {
    let served = Served::with(
        "web-cap",
        &WebConfig {
            header_timeout: Duration::from_secs(3),
            max_connections: 20,
            max_connections_per_network: 1000,
            ..config(Moderation::Post, plenty())
        },
    );
    let addr = served.addr();
    let opened = Instant::now();
    let mut sockets: Vec<TcpStream> = (0..50).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // Well before the header timeout: those over the cap are closed, the first 20 held.
    let early = opened + Duration::from_secs(1);
    let closed_early = sockets
        .iter_mut()
        .map(|socket| closed_by(socket, early))
        .filter(|closed| *closed)
        .count();
    assert!(
        Instant::now() < opened + Duration::from_secs(3),
        "checked in time"
    );
    assert_eq!(closed_early, 30, "the 30 over the cap are closed at once");
    // While the cap is full, a new connection (even another network's) is closed unanswered.
    assert!(http_get_from(visitor(), addr, "/").is_none());
    // The header timeout frees the held ones.
    let late = opened + Duration::from_secs(5);
    let open = sockets
        .iter_mut()
        .map(|socket| closed_by(socket, late))
        .filter(|closed| !closed)
        .count();
    assert_eq!(open, 0, "the held sockets are closed by the header timeout");
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        if http_get(addr, "/").is_some_and(|page| page.status == 200) {
            break;
        }
        assert!(
            Instant::now() < until,
            "a visitor is served once slots are free"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// One client network holds at most its own share of connections: another network's visitor is
/// served while it sits on its share.
///
/// Fails on the code before: there was no per-network cap, so the 10 idle sockets all stayed
/// open (none was closed at once).
#[test]
fn one_network_cannot_hold_every_connection() {
    let served = Served::with(
        "web-cap-network",
        &WebConfig {
            header_timeout: Duration::from_secs(3),
            max_connections: 20,
            max_connections_per_network: 5,
            ..config(Moderation::Post, plenty())
        },
    );
    let addr = served.addr();
    let opened = Instant::now();
    let mut sockets: Vec<TcpStream> = (0..10).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let page = http_get_from(visitor(), addr, "/").expect("another network is served");
    assert_eq!(page.status, 200);
    let early = opened + Duration::from_secs(1);
    let closed_early = sockets
        .iter_mut()
        .map(|socket| closed_by(socket, early))
        .filter(|closed| *closed)
        .count();
    assert_eq!(
        closed_early, 5,
        "over its share, a network's connections are closed at once"
    );
}

/// Stopping the server while a client has sent half a post: the drop returns within a few
/// seconds (open connections get a short grace, then are closed).
///
/// Fails on the code before: `axum::serve`'s graceful shutdown waited for every connection, and
/// nothing timed out a body that stopped halfway, so dropping the server hung.
#[test]
fn shutdown_does_not_wait_for_a_half_sent_post() {
    let Served {
        server,
        store: _store,
        events: _events,
        _dir,
    } = Served::start("web-shutdown", Moderation::Post, plenty());
    let addr = server.local_addr();
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(
        format!(
            "POST /dream HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n\
             story=only+half"
        )
        .as_bytes(),
    )
    .unwrap();
    // Let the server start reading the body.
    thread::sleep(Duration::from_millis(300));
    let stopping = Instant::now();
    let stopper = thread::spawn(move || drop(server));
    while !stopper.is_finished() && stopping.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(20));
    }
    let took = stopping.elapsed();
    assert!(stopper.is_finished(), "the server did not stop in {took:?}");
    assert!(took < Duration::from_secs(6), "stopping took {took:?}");
    // The half-sent post is closed, not answered with a stored dream.
    assert!(closed_by(
        &mut half,
        Instant::now() + Duration::from_secs(1)
    ));
}

/// A request naming a host the form is not served under is refused on every route (421), so a
/// DNS-rebinding page (its own name now pointing here) can neither load the form nor post; and
/// `Origin` is compared with the hosts the form is served under, never with the request's own
/// `Host`.
///
/// Fails on the code before: every `Host` was served, and `Origin` was only compared with that
/// `Host`, so `Host: evil.test` with `Origin: http://evil.test` loaded the form (200) and posted
/// a dream (200); and a post from the form opened as `localhost:PORT` to `127.0.0.1:PORT` was
/// refused (403).
#[test]
fn requests_for_other_hosts_are_refused() {
    let served = Served::with(
        "web-rebinding",
        &WebConfig {
            hosts: vec!["dreams.example".into()],
            ..config(Moderation::Post, plenty())
        },
    );
    let addr = served.addr();
    let port = addr.port();
    let evil = format!("evil.test:{port}");
    for host in ["evil.test", evil.as_str()] {
        for path in ["/", "/withdraw", "/nowhere"] {
            let page = http_raw(addr, &request_bytes("GET", host, path, &[], b"")).unwrap();
            assert_eq!(page.status, 421, "GET {path} for {host}");
            assert!(page.body.contains("<h1>"), "a page a person can read");
            assert!(form_token(&page.body).is_none(), "no form for {host}");
        }
    }
    // A rebinding page posting with a token it got somehow: Host and Origin agree, both evil.
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "Rebound"),
        ("origin", "Elsewhere"),
    ]);
    let post = http_raw(
        addr,
        &request_bytes(
            "POST",
            "evil.test",
            "/dream",
            &["Origin: http://evil.test", "Sec-Fetch-Site: same-origin"],
            &body,
        ),
    )
    .unwrap();
    assert_eq!(post.status, 421);
    // A target naming another host, whatever Host says.
    let absolute =
        format!("GET http://evil.test/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    assert_eq!(http_raw(addr, absolute.as_bytes()).unwrap().status, 421);
    assert_eq!(served.stored(), 0);
    // The names the form is served under.
    let localhost = format!("localhost:{port}");
    for host in [localhost.as_str(), "dreams.example", "DREAMS.example"] {
        let page = http_raw(addr, &request_bytes("GET", host, "/", &[], b"")).unwrap();
        assert_eq!(page.status, 200, "{host}");
    }
    // Origin is checked against those names, not against this request's Host.
    let origin = format!("Origin: http://localhost:{port}");
    let post = http_post(addr, "/dream", &[&origin], &body).unwrap();
    assert_eq!(post.status, 200, "{}", post.body);
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "Stolen"),
        ("origin", "Elsewhere"),
    ]);
    let post = http_post(addr, "/dream", &["Origin: http://evil.test"], &body).unwrap();
    assert_eq!(post.status, 403);
    assert_eq!(served.stored(), 1);
}

/// Fails on the old code, where withdrawals shared the posts' budget (six at once, then one a
/// minute, 120 a minute from everyone): a guesser spread over many networks could try codes at
/// that pace. Withdrawals now have their own: three at once per network, then one every ten
/// minutes — while dreams from the same phone still go through.
#[test]
fn code_guesses_are_rationed_more_tightly_than_dreams() {
    let served = Served::start("web-guesses", Moderation::Post, RateLimit::default());
    let guess = |code: &str| {
        let token = served.token("/withdraw");
        let body = encode(&[("token", &token), ("code", code)]);
        http_post(served.addr(), "/withdraw", &[], &body)
            .unwrap()
            .status
    };
    for code in ["ZZZZZ1", "ZZZZZ2", "ZZZZZ3"] {
        assert_eq!(guess(code), 404, "{code}");
    }
    assert_eq!(guess("ZZZZZ4"), 429, "the fourth guess in a row");
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "The tide brought back my father's boat"),
        ("origin", "Breton, Ouessant"),
    ]);
    assert_eq!(
        http_post(served.addr(), "/dream", &[], &body)
            .unwrap()
            .status,
        200,
        "a dream is still welcome"
    );
}

/// Fails on the old code, where a store that failed answered with a plain 503 page after the
/// form's token was spent: what the visitor typed was gone. Now the form comes back filled in,
/// with a fresh token, saying the loom is resting.
#[test]
fn a_failing_store_gives_the_form_back_with_the_words_in_it() {
    let served = Served::start("web-store-down", Moderation::Post, plenty());
    // The store's writer stops, as a fault would stop it.
    served
        .store
        .write_detached(|_| panic!("the store's writer stops here, as the test asks"));
    assert!(served.store.write(|_| ()).is_err(), "the writer still runs");
    let token = served.token("/");
    let story = "Ma grand-mère tissait la pluie en fils d'argent";
    let body = encode(&[
        ("token", &token),
        ("story", story),
        ("origin", "Wolof, Saint-Louis"),
    ]);
    let response = http_post(served.addr(), "/dream", &[], &body).unwrap();
    assert_eq!(response.status, 503);
    assert!(
        response.body.contains("The loom is resting"),
        "{}",
        response.body
    );
    assert!(
        response.body.contains("Ma grand-mère tissait la pluie"),
        "the words are lost: {}",
        response.body
    );
    let fresh = form_token(&response.body).expect("a fresh token to send it again");
    assert_ne!(fresh, token);
}

/// Fails on the old code: when a slow store made the request time out (408), the submission
/// waiting on the writer was stored anyway — a dream on the cloak whose owner never saw its code
/// and so could never take it back. Now an abandoned submission is not stored.
#[test]
fn a_submission_whose_request_timed_out_is_not_stored() {
    let served = Served::with(
        "web-timeout",
        &WebConfig {
            request_timeout: Duration::from_secs(1),
            ..config(Moderation::Post, plenty())
        },
    );
    // The disk hangs: the writer is busy until the test says so.
    let (resume, hung) = std::sync::mpsc::channel::<()>();
    served.store.write_detached(move |_| {
        let _ = hung.recv();
    });
    let token = served.token("/");
    let body = encode(&[
        ("token", &token),
        ("story", "The owls counted the wells for us"),
        ("origin", "Tuareg, Agadez"),
    ]);
    let response = http_post(served.addr(), "/dream", &[], &body).unwrap();
    assert_eq!(response.status, 408, "{}", response.body);
    resume.send(()).unwrap();
    // Jobs run in order: once this one has run, the abandoned submission has had its turn.
    served.store.write(|_| ()).unwrap();
    assert_eq!(
        served.store.reader().unwrap().narratives().unwrap().len(),
        0,
        "a dream stored for nobody"
    );
}
