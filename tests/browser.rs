//! A real browser fills in the phone form: Debian's headless Chromium, driven through
//! ChromeDriver's WebDriver protocol, loads the form from the running server, types a dream in
//! two scripts, ticks the Sanctuary box, sends it, and the dream is in the store.
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the test says
//! it is skipped, or fails when `DREAMLOOM_REQUIRE_BROWSER=1` (CI sets it).

use std::{
    net::{SocketAddr, TcpListener},
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use dreamloom::{
    narrative::store::{Moderation, Seed, Status, Store},
    testing::{HttpResponse, TempDir, http_get, http_raw},
    web::{RateLimit, WebConfig, WebServer},
};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn browser_available() -> bool {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        return true;
    }
    let required = std::env::var("DREAMLOOM_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "DREAMLOOM_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing \
         (apt-get install chromium chromium-driver)"
    );
    eprintln!("SKIPPED browser test: {CHROMIUM} or {CHROMEDRIVER} is missing");
    false
}

/// ChromeDriver, killed when dropped.
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http_get(addr, "/status").is_none_or(|r| r.status != 200) {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, addr }
    }

    /// A headless Chromium, phone-sized, with a fresh profile in `profile`; returns the session.
    fn new_session(&self, profile: &Path) -> String {
        let session = self.call(
            "POST",
            "/session",
            Some(&json!({
                "capabilities": { "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--window-size=412,915",
                            format!("--user-data-dir={}", profile.display()),
                        ]
                    }
                }}
            })),
        );
        session["sessionId"].as_str().expect("a session").to_owned()
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        let response: HttpResponse =
            http_raw(self.addr, request.as_bytes()).expect("chromedriver answers");
        let value: Value = serde_json::from_str(&response.body).expect("JSON from chromedriver");
        assert_eq!(
            response.status, 200,
            "{method} {path}: {}",
            value["value"]["message"]
        );
        value["value"].clone()
    }
}

#[test]
fn chromium_submits_the_phone_form() {
    if !browser_available() {
        return;
    }
    let dir = TempDir::new("browser");
    let store = Arc::new(Store::open(&dir.path().join("data"), Seed::Empty).unwrap());
    let server = WebServer::start(
        &WebConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            moderation: Moderation::Post,
            rate_limit: RateLimit::default(),
            ..WebConfig::default()
        },
        Arc::clone(&store),
        None,
    )
    .unwrap();
    let driver = Driver::start();
    let id = driver.new_session(&dir.path().join("chromium-profile"));
    let at = |path: &str| format!("/session/{id}{path}");
    let url = format!("http://{}/", server.local_addr());
    driver.call("POST", &at("/url"), Some(&json!({ "url": url })));
    let title = driver.call("GET", &at("/title"), None);
    assert!(title.as_str().unwrap().contains("Share a dream"), "{title}");
    let find = |css: &str| {
        driver.call(
            "POST",
            &at("/element"),
            Some(&json!({ "using": "css selector", "value": css })),
        )[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    };
    let story = "In my dream the monsoon spoke Marathi: पाऊस आला, and the river answered";
    for (css, text) in [
        ("#story", story),
        ("#origin", "Pune, Maharashtra"),
        ("#language", "mr"),
    ] {
        let element = find(css);
        driver.call(
            "POST",
            &at(&format!("/element/{element}/value")),
            Some(&json!({ "text": text })),
        );
    }
    let sanctuary = find("input[name=sanctuary]");
    driver.call(
        "POST",
        &at(&format!("/element/{sanctuary}/click")),
        Some(&json!({})),
    );
    let send = find("button[type=submit]");
    driver.call(
        "POST",
        &at(&format!("/element/{send}/click")),
        Some(&json!({})),
    );
    // The receipt page.
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        let source = driver.call("GET", &at("/source"), None);
        let source = source.as_str().unwrap_or_default().to_owned();
        if let Some(start) = source.find("class=\"code\"") {
            let code: String = source[start..]
                .split('>')
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take(6)
                .collect();
            break code;
        }
        assert!(
            Instant::now() < deadline,
            "no receipt page; the browser shows: {source}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    driver.call("DELETE", &at(""), None);
    let stored = store.reader().unwrap().narratives().unwrap();
    assert_eq!(stored.len(), 1, "the dream is in the store");
    let stored = &stored[0];
    assert_eq!(stored.receipt.as_str(), code, "the page showed its receipt");
    assert_eq!(stored.narrative.text, story, "Devanagari arrived intact");
    assert_eq!(stored.narrative.origin, "Pune, Maharashtra");
    assert_eq!(stored.narrative.language.as_deref(), Some("mr"));
    assert!(stored.narrative.consent.display, "shown: ticked by default");
    assert!(
        stored.narrative.consent.sanctuary,
        "the box the browser ticked"
    );
    assert_eq!(stored.status, Status::Visible);
}
