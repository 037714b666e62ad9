//! Headless Chromium driven over WebDriver, for end-to-end tests of the web UI.
//!
//! [`Browser::start`] spawns our own `chromedriver` on a free loopback port, opens a
//! session on a headless Chromium with a fresh profile, and tears both down when
//! dropped. Everything talks HTTP/1.1 to 127.0.0.1 only, through a small blocking
//! client (one connection per command, every read bounded by a timeout).
//!
//! This is test support: a WebDriver error is a panic with the command and the
//! driver's message. Nothing waits unboundedly: element look-ups poll for at most
//! [`WAIT`], page loads are capped by the session's page-load timeout.
//!
//! Without Chromium and chromedriver, browser tests are reported *ignored* (see
//! [`browser_trials`](crate::browser_trials)) unless `RAPPORT_REQUIRE_BROWSER=1`, which
//! makes them fail instead (CI sets it). `RAPPORT_CHROMIUM` and `RAPPORT_CHROMEDRIVER`
//! override the default binaries ([`CHROMIUM`], [`CHROMEDRIVER`]).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long [`Browser::find`], [`Browser::wait_for_text`] and [`Browser::wait_until`]
/// keep polling before they give up: generous, because a loaded 2-core machine running
/// both engines at once can take seconds to render a page; a bound, never a pass.
pub const WAIT: Duration = Duration::from_secs(20);

/// The default window size of [`Browser::start`].
pub const WINDOW: (u32, u32) = (1280, 800);

/// How long chromedriver may take to answer its `/status`.
const DRIVER_START: Duration = Duration::from_secs(20);
/// How long chromedriver may take to exit when asked to.
const DRIVER_STOP: Duration = Duration::from_secs(3);
/// The session's page-load and script timeouts (enforced by the driver).
const PAGE_LOAD: Duration = Duration::from_secs(30);
const SCRIPT: Duration = Duration::from_secs(10);
/// No command may take longer than this on the wire (a hung driver fails the test).
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between two polls.
const POLL: Duration = Duration::from_millis(10);

/// The key under which W3C WebDriver serializes an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
];

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// The Chromium binary (`RAPPORT_CHROMIUM`, default [`CHROMIUM`]).
pub fn chromium_path() -> PathBuf {
    binary("RAPPORT_CHROMIUM", CHROMIUM)
}

/// The chromedriver binary (`RAPPORT_CHROMEDRIVER`, default [`CHROMEDRIVER`]).
pub fn chromedriver_path() -> PathBuf {
    binary("RAPPORT_CHROMEDRIVER", CHROMEDRIVER)
}

/// Whether both Chromium and chromedriver are installed.
pub fn browser_available() -> bool {
    chromium_path().is_file() && chromedriver_path().is_file()
}

/// Whether a missing browser is an error rather than a reason to skip
/// (`RAPPORT_REQUIRE_BROWSER=1`; CI sets it).
pub fn browser_required() -> bool {
    std::env::var("RAPPORT_REQUIRE_BROWSER").is_ok_and(|v| v == "1" || v == "true")
}

/// Waits a few milliseconds between two polls of a bounded wait.
#[allow(clippy::disallowed_methods)]
// reason: the driver and the browser are other processes; polling them needs a pause,
// and every loop calling this is bounded by a deadline.
pub(crate) fn pause() {
    std::thread::sleep(POLL);
}

/// Polls `condition` until it holds or [`WAIT`] has passed; whether it held. The one
/// waiting loop of [`Browser::wait_until`] and [`crate::eventually`], which panic with
/// their own messages.
pub(crate) fn holds_within_wait(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        if Instant::now() >= deadline {
            return false;
        }
        pause();
    }
    true
}

/// A free loopback port: bound, read, released (the caller retries if it is taken).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// A headless Chromium session. Dropping it deletes the session and stops the
/// chromedriver we started (by its pid).
pub struct Browser {
    port: u16,
    session: String,
    driver: Child,
    // Dropped after the driver is stopped (field order); the browser profile lives here.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a [`WINDOW`]-sized window.
    pub fn start() -> Browser {
        Browser::with_window_size(WINDOW.0, WINDOW.1)
    }

    /// Starts chromedriver and a headless Chromium with a `width`×`height` window.
    pub fn with_window_size(width: u32, height: u32) -> Browser {
        let profile = tempfile::Builder::new()
            .prefix("rapport-browser-")
            .tempdir()
            .unwrap_or_else(|e| panic!("temp dir for the browser profile: {e}"));
        let (port, driver) = spawn_driver();
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={width},{height}"));
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": {
                        "implicit": 0,
                        "pageLoad": PAGE_LOAD.as_millis() as u64,
                        "script": SCRIPT.as_millis() as u64,
                    },
                    "goog:chromeOptions": {
                        "binary": chromium_path().to_string_lossy(),
                        "args": args,
                    },
                }
            }
        });
        let mut browser = Browser {
            port,
            session: String::new(),
            driver,
            _profile: profile,
        };
        // On failure `browser` is dropped here, which stops the driver.
        let created = browser.command("POST", "/session", Some(&caps));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("new WebDriver session without an id: {created}"))
            .to_string();
        browser
    }

    /// The chromedriver's loopback port (for diagnostics).
    pub fn driver_port(&self) -> u16 {
        self.port
    }

    /// Opens `url` and waits until the page has loaded.
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(&json!({ "url": url })));
    }

    pub fn back(&self) {
        self.cmd("POST", "/back", Some(&json!({})));
    }

    pub fn refresh(&self) {
        self.cmd("POST", "/refresh", Some(&json!({})));
    }

    pub fn current_url(&self) -> String {
        string(self.cmd("GET", "/url", None))
    }

    pub fn title(&self) -> String {
        string(self.cmd("GET", "/title", None))
    }

    /// The current DOM serialized as HTML.
    pub fn page_source(&self) -> String {
        string(self.cmd("GET", "/source", None))
    }

    /// The first element matching the CSS selector, polling up to [`WAIT`] for it to
    /// appear; panics if it never does.
    pub fn find(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            if Instant::now() >= deadline {
                panic!(
                    "no element matches `{css}` after {WAIT:?} on {}",
                    self.current_url()
                );
            }
            pause();
        }
    }

    /// The first element matching the CSS selector right now, if any (no waiting).
    pub fn try_find(&self, css: &str) -> Option<Element<'_>> {
        self.find_in("", css)
    }

    /// Every element matching the CSS selector right now, in document order (no
    /// waiting: an empty answer is immediate).
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        self.find_all_in("", css)
    }

    /// Waits up to [`WAIT`] until an element matching `css` contains `text`
    /// (its rendered text); returns that element, or panics with what was there.
    pub fn wait_for_text(&self, css: &str, text: &str) -> Element<'_> {
        let deadline = Instant::now() + WAIT;
        loop {
            for e in self.find_all(css) {
                if let Some(t) = e.try_text()
                    && t.contains(text)
                {
                    return e;
                }
            }
            if Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .find_all(css)
                    .iter()
                    .filter_map(|e| e.try_text())
                    .collect();
                panic!(
                    "no `{css}` contains {text:?} after {WAIT:?} on {}; found {seen:?}",
                    self.current_url()
                );
            }
            pause();
        }
    }

    /// Polls `condition` until it holds, up to [`WAIT`]; panics naming `what` if it
    /// never does.
    pub fn wait_until(&self, what: &str, mut condition: impl FnMut(&Browser) -> bool) {
        if !holds_within_wait(|| condition(self)) {
            panic!(
                "timed out after {WAIT:?} waiting for {what} on {}",
                self.current_url()
            );
        }
    }

    /// Resizes the window (outer size, in CSS pixels).
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(&json!({ "width": width, "height": height })),
        );
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        let b64 = string(self.cmd("GET", "/screenshot", None));
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .unwrap_or_else(|e| panic!("screenshot is not base64: {e}"))
    }

    /// Writes a PNG screenshot of the viewport to `path`.
    pub fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        std::fs::write(path, self.screenshot_png())
            .unwrap_or_else(|e| panic!("write screenshot {}: {e}", path.display()));
    }

    /// Runs `js` as the body of a function in the page, with `args` as `arguments`
    /// (pass elements with [`Element::to_json`]), and returns its result. Elements in
    /// the result come back as references ([`Browser::element`] turns them back).
    pub fn execute(&self, js: &str, args: &[Value]) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": js, "args": args })),
        )
    }

    /// The element a WebDriver element reference (from [`Browser::execute`]) names.
    pub fn element(&self, reference: &Value) -> Option<Element<'_>> {
        reference[ELEMENT_KEY].as_str().map(|id| Element {
            browser: self,
            id: id.to_string(),
        })
    }

    /// The cookies visible to the current page.
    pub fn cookies(&self) -> Vec<Cookie> {
        match self.cmd("GET", "/cookie", None) {
            Value::Array(all) => all.iter().map(Cookie::from_json).collect(),
            other => panic!("cookies: not a list: {other}"),
        }
    }

    /// The cookie called `name` visible to the current page, if any.
    pub fn cookie(&self, name: &str) -> Option<Cookie> {
        self.cookies().into_iter().find(|c| c.name == name)
    }

    pub fn delete_cookie(&self, name: &str) {
        self.cmd("DELETE", &format!("/cookie/{}", path_segment(name)), None);
    }

    pub fn delete_all_cookies(&self) {
        self.cmd("DELETE", "/cookie", None);
    }

    fn find_in(&self, scope: &str, css: &str) -> Option<Element<'_>> {
        let by = json!({ "using": "css selector", "value": css });
        match self.request("POST", &self.path(&format!("{scope}/element")), Some(&by)) {
            Ok(v) => self.element(&v),
            Err(e) if e.error == "no such element" => None,
            Err(e) => panic!("find `{css}`: {e}"),
        }
    }

    fn find_all_in(&self, scope: &str, css: &str) -> Vec<Element<'_>> {
        let by = json!({ "using": "css selector", "value": css });
        match self.cmd("POST", &format!("{scope}/elements"), Some(&by)) {
            Value::Array(all) => all.iter().filter_map(|v| self.element(v)).collect(),
            other => panic!("find all `{css}`: not a list: {other}"),
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// A command on this session; panics on a WebDriver error.
    fn cmd(&self, method: &str, rest: &str, body: Option<&Value>) -> Value {
        self.command(method, &self.path(rest), body)
    }

    /// A command on the driver; panics on a WebDriver error.
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.request(method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, WdError> {
        let (status, v) = http(self.port, method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(value);
        }
        Err(WdError {
            status,
            error: value["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_string(),
            message: value["message"].as_str().unwrap_or_default().to_string(),
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Closes Chromium; errors do not matter any more.
            let _ = http(self.port, "DELETE", &self.path(""), None);
        }
        // Let the driver exit by itself (it reaps what it started), for a bounded
        // while; then stop it by its pid. Either way, reap it.
        let _ = http(self.port, "GET", "/shutdown", None);
        let deadline = Instant::now() + DRIVER_STOP;
        while matches!(self.driver.try_wait(), Ok(None)) && Instant::now() < deadline {
            pause();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Spawns chromedriver on a free loopback port and waits until it is ready.
/// Retries with another port if it dies (the port was taken meanwhile).
fn spawn_driver() -> (u16, Child) {
    let driver = chromedriver_path();
    let mut last = String::new();
    for _ in 0..3 {
        let port = free_port();
        // chromedriver accepts local connections only unless told otherwise.
        let mut child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", driver.display()));
        let deadline = Instant::now() + DRIVER_START;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    last = format!("chromedriver on port {port} exited: {status}");
                    break;
                }
                Ok(None) => {}
                Err(e) => panic!("chromedriver: {e}"),
            }
            if let Ok((200, v)) = http(port, "GET", "/status", None)
                && v["value"]["ready"] == json!(true)
            {
                return (port, child);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromedriver on port {port} not ready after {DRIVER_START:?}");
            }
            pause();
        }
    }
    panic!("could not start chromedriver: {last}");
}

/// A WebDriver error answer.
#[derive(Debug)]
struct WdError {
    status: u16,
    error: String,
    message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.status, self.message)
    }
}

/// One element of the page. References go stale when the page changes: find again.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
}

impl<'b> Element<'b> {
    /// The W3C element reference, to pass to [`Browser::execute`].
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    /// Clicks the element (scrolling it into view); if that submits a form or
    /// follows a link, returns after the new page has loaded.
    pub fn click(&self) {
        self.cmd("POST", "/click", Some(&json!({})));
    }

    /// Types `text` into the element (appending to what is there).
    pub fn send_keys(&self, text: &str) {
        self.cmd("POST", "/value", Some(&json!({ "text": text })));
    }

    /// Empties an input or textarea.
    pub fn clear(&self) {
        self.cmd("POST", "/clear", Some(&json!({})));
    }

    /// The rendered (visible) text.
    pub fn text(&self) -> String {
        string(self.cmd("GET", "/text", None))
    }

    fn try_text(&self) -> Option<String> {
        let rest = format!("/element/{}/text", self.id);
        self.browser
            .request("GET", &self.browser.path(&rest), None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
    }

    /// The HTML attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<String> {
        let v = self.cmd("GET", &format!("/attribute/{}", path_segment(name)), None);
        v.as_str().map(str::to_string)
    }

    /// The DOM property `name` (e.g. an input's current `value`, a checkbox's `checked`).
    pub fn prop(&self, name: &str) -> Value {
        self.cmd("GET", &format!("/property/{}", path_segment(name)), None)
    }

    /// The lower-case tag name.
    pub fn tag_name(&self) -> String {
        string(self.cmd("GET", "/name", None)).to_ascii_lowercase()
    }

    pub fn is_displayed(&self) -> bool {
        self.cmd("GET", "/displayed", None) == json!(true)
    }

    /// The first descendant matching `css`, polling up to [`WAIT`].
    pub fn find(&self, css: &str) -> Element<'b> {
        let deadline = Instant::now() + WAIT;
        let scope = format!("/element/{}", self.id);
        loop {
            if let Some(e) = self.browser.find_in(&scope, css) {
                return e;
            }
            if Instant::now() >= deadline {
                panic!("no element inside matches `{css}` after {WAIT:?}");
            }
            pause();
        }
    }

    /// Every descendant matching `css` right now.
    pub fn find_all(&self, css: &str) -> Vec<Element<'b>> {
        self.browser
            .find_all_in(&format!("/element/{}", self.id), css)
    }

    /// Submits the form this element is (or is in) the way a user does: by clicking
    /// its first submit button. Panics if there is no form or no submit button.
    pub fn submit(&self) {
        let found = self.browser.execute(
            "const el = arguments[0];
             const form = el.tagName === 'FORM' ? el : (el.form || el.closest('form'));
             if (!form) { return 'none'; }
             return Array.from(form.elements).find(e =>
                 (e.tagName === 'BUTTON' && (e.type || 'submit') === 'submit') ||
                 (e.tagName === 'INPUT' && (e.type === 'submit' || e.type === 'image'))) || null;",
            &[self.to_json()],
        );
        if found == json!("none") {
            panic!("submit: the element is not in a form");
        }
        match self.browser.element(&found) {
            Some(button) => button.click(),
            None => panic!("submit: the form has no submit button"),
        }
    }

    fn cmd(&self, method: &str, rest: &str, body: Option<&Value>) -> Value {
        self.browser
            .cmd(method, &format!("/element/{}{rest}", self.id), body)
    }
}

/// A cookie as the browser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub http_only: bool,
    pub secure: bool,
    /// `Strict`, `Lax` or `None` when the browser reports it.
    pub same_site: Option<String>,
    /// Seconds since the Unix epoch; `None` for a session cookie.
    pub expiry: Option<u64>,
}

impl Cookie {
    fn from_json(v: &Value) -> Cookie {
        let text = |k: &str| v[k].as_str().map(str::to_string);
        Cookie {
            name: text("name").unwrap_or_default(),
            value: text("value").unwrap_or_default(),
            path: text("path"),
            domain: text("domain"),
            http_only: v["httpOnly"] == json!(true),
            secure: v["secure"] == json!(true),
            same_site: text("sameSite"),
            expiry: v["expiry"].as_u64(),
        }
    }
}

fn string(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => panic!("WebDriver answered {other}, expected a string"),
    }
}

/// Percent-encodes a path segment (cookie and attribute names).
fn path_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One HTTP/1.1 exchange with the driver on `127.0.0.1:port` (a connection per
/// request); returns the status and the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| s.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Accept: application/json\r\n"
    );
    if method != "GET" && method != "DELETE" {
        req.push_str("Content-Type: application/json; charset=utf-8\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open whatever we ask: read until the answer
    // is complete, not until the end of the stream.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = s
            .read(&mut buf)
            .map_err(|e| format!("reading the answer: {e}"))?;
        raw.extend_from_slice(&buf[..n]);
        if let Some(answer) = parse_response(&raw, n == 0)? {
            return Ok(answer);
        }
    }
}

/// Parses an HTTP/1.1 response: its status and JSON body (an empty body is `null`).
/// `Ok(None)` means more bytes are needed (impossible once `eof`). Understands
/// `Content-Length`, chunked bodies and bodies ended by closing the connection.
fn parse_response(raw: &[u8], eof: bool) -> Result<Option<(u16, Value)>, String> {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if eof {
            Err("incomplete HTTP answer".to_string())
        } else {
            Ok(None)
        };
    };
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = &raw[split + 4..];
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {head}"))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim(), v.trim());
            if k.eq_ignore_ascii_case("content-length") {
                length = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("bad Content-Length {v}"))?,
                );
            } else if k.eq_ignore_ascii_case("transfer-encoding")
                && v.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
    }
    let decoded;
    if chunked {
        match dechunk(body) {
            Ok(Some(d)) => decoded = d,
            Ok(None) if !eof => return Ok(None),
            Ok(None) => return Err("truncated chunked body".to_string()),
            Err(e) => return Err(e),
        }
        body = &decoded;
    } else if let Some(n) = length {
        match body.get(..n) {
            Some(b) => body = b,
            None if !eof => return Ok(None),
            None => return Err("truncated HTTP body".to_string()),
        }
    } else if !eof {
        return Ok(None);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some((status, Value::Null)));
    }
    let v = serde_json::from_slice(body).map_err(|e| {
        format!(
            "HTTP {status} with a body that is not JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    })?;
    Ok(Some((status, v)))
}

/// The body of a chunked answer; `Ok(None)` while it is incomplete.
fn dechunk(mut body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text}"))?;
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        let (Some(chunk), Some(rest)) = (body.get(..size), body.get(size + 2..)) else {
            return Ok(None);
        };
        out.extend_from_slice(chunk);
        body = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<(u16, Value), String> {
        parse_response(raw, true).map(|done| done.expect("complete at the end of the stream"))
    }

    #[test]
    fn parses_a_content_length_answer() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length:14\r\nContent-Type: application/json\r\n\r\n{\"value\":null}";
        assert_eq!(parse(raw).unwrap(), (200, json!({ "value": null })));
    }

    #[test]
    fn parses_a_chunked_answer() {
        let raw = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3;x=y\r\n 1}\r\n0\r\n\r\n";
        assert_eq!(parse(raw).unwrap(), (404, json!({ "a": 1 })));
    }

    #[test]
    fn an_answer_is_complete_when_its_body_is_not_at_the_end_of_the_stream() {
        let full = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"value\":1}".as_slice();
        for cut in 0..full.len() {
            assert_eq!(
                parse_response(&full[..cut], false).unwrap(),
                None,
                "cut at {cut}"
            );
        }
        assert_eq!(
            parse_response(full, false).unwrap(),
            Some((200, json!({ "value": 1 })))
        );
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n".as_slice();
        for cut in 0..chunked.len() - 2 {
            assert_eq!(
                parse_response(&chunked[..cut], false).unwrap(),
                None,
                "cut at {cut}"
            );
        }
        // Without a length the body ends with the stream.
        let open = b"HTTP/1.1 200 OK\r\n\r\n{}".as_slice();
        assert_eq!(parse_response(open, false).unwrap(), None);
        assert_eq!(parse_response(open, true).unwrap(), Some((200, json!({}))));
    }

    #[test]
    fn rejects_truncated_and_garbled_answers() {
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 3").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(parse(b"garbage\r\n\r\n").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\n\r\nnot json").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").is_err());
    }

    #[test]
    fn an_empty_body_is_null() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(parse(raw).unwrap(), (200, Value::Null));
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("rapport_session"), "rapport_session");
        assert_eq!(path_segment("a b/c?"), "a%20b%2Fc%3F");
    }
}
