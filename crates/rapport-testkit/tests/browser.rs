//! The browser harness against a tiny static site served from this process.
//! Ignored without Chromium and chromedriver unless `RAPPORT_REQUIRE_BROWSER=1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rapport_testkit::{Browser, browser_trial};
use serde_json::json;

const FORM_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Harness form</title></head>
<body>
<h1 id="heading">Greeter</h1>
<form id="greet" action="/submitted" method="get">
  <label>Name <input id="name" name="name" type="text" placeholder="your name"></label>
  <button id="hello" type="button">Say hello</button>
  <button id="send" type="submit">Send</button>
</form>
<p id="out"></p>
<ul id="list"><li class="item">one</li><li class="item">two</li><li class="item">three</li></ul>
<script>
  document.getElementById('hello').addEventListener('click', () => {
    const name = document.getElementById('name').value;
    // Later than the click returns, so the test must wait for it.
    setTimeout(() => { document.getElementById('out').textContent = 'Hello, ' + name + '!'; }, 300);
  });
</script>
</body></html>"#;

/// A static site on a free loopback port: `/` is the form (and sets a cookie),
/// `/submitted?...` echoes its query. Stopped when dropped.
struct Site {
    addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Site {
    fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                // One thread per connection: Chromium may open a connection it does
                // not use yet, which must not hold up the next request.
                if let Ok(s) = stream {
                    std::thread::spawn(move || serve(s));
                }
            }
        });
        Site {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, extra, body) = if target == "/" {
        (
            "200 OK",
            "Set-Cookie: flavour=oat; Path=/; HttpOnly; SameSite=Lax\r\n",
            FORM_PAGE.to_string(),
        )
    } else if let Some(query) = target.strip_prefix("/submitted?") {
        let name = query
            .strip_prefix("name=")
            .unwrap_or(query)
            .replace('+', " ");
        (
            "200 OK",
            "",
            format!(
                "<!doctype html><html><head><title>Submitted</title></head>\
                 <body><h1 id=\"got\">Got {name}</h1></body></html>"
            ),
        )
    } else {
        ("404 Not Found", "", "<h1>Not found</h1>".to_string())
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n{extra}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn types_clicks_and_reads_text() {
    let site = Site::start();
    let b = Browser::start();
    b.goto(&site.url("/"));
    assert_eq!(b.title(), "Harness form");
    assert_eq!(b.current_url(), site.url("/"));
    assert_eq!(b.find("#heading").text(), "Greeter");

    let input = b.find("#name");
    assert_eq!(input.attr("placeholder").as_deref(), Some("your name"));
    assert_eq!(input.attr("nonexistent"), None);
    assert_eq!(input.tag_name(), "input");
    input.send_keys("Ada");
    input.send_keys(" Lovelace");
    assert_eq!(input.prop("value"), json!("Ada Lovelace"));

    b.find("#hello").click();
    let out = b.wait_for_text("#out", "Hello, Ada Lovelace!");
    assert_eq!(out.text(), "Hello, Ada Lovelace!");

    input.clear();
    assert_eq!(input.prop("value"), json!(""));
    input.send_keys("Grace");
    b.find("#hello").click();
    b.wait_for_text("#out", "Hello, Grace!");
    assert!(b.page_source().contains("id=\"greet\""));
}

fn submits_a_form_and_loads_the_next_page() {
    let site = Site::start();
    let b = Browser::start();
    b.goto(&site.url("/"));
    let input = b.find("#greet").find("input[name=name]");
    input.send_keys("Alan");
    input.submit();
    b.wait_until("the submitted page", |b| {
        b.current_url().contains("/submitted")
    });
    assert_eq!(b.title(), "Submitted");
    assert_eq!(b.find("#got").text(), "Got Alan");
    assert!(b.try_find("#name").is_none());
    b.back();
    assert_eq!(b.title(), "Harness form");
}

fn finds_all_and_within() {
    let site = Site::start();
    let b = Browser::start();
    b.goto(&site.url("/"));
    let items: Vec<String> = b.find_all("li.item").iter().map(|e| e.text()).collect();
    assert_eq!(items, ["one", "two", "three"]);
    assert!(b.find_all(".missing").is_empty());
    assert!(b.try_find(".missing").is_none());
    let list = b.find("#list");
    assert_eq!(list.find_all("li").len(), 3);
    assert_eq!(list.find("li:last-child").text(), "three");
    assert!(list.is_displayed());
}

fn a_missing_element_fails_with_a_clear_message() {
    let site = Site::start();
    let b = Browser::start();
    b.goto(&site.url("/"));
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.find("#never-there");
    }))
    .expect_err("finding a missing element must fail");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("#never-there"), "{msg}");
    // The browser is still usable afterwards.
    assert_eq!(b.title(), "Harness form");
}

fn executes_scripts_with_arguments() {
    let site = Site::start();
    let b = Browser::start();
    b.goto(&site.url("/"));
    assert_eq!(
        b.execute("return arguments[0] + arguments[1];", &[json!(2), json!(3)]),
        json!(5)
    );
    let heading = b.find("#heading");
    assert_eq!(
        b.execute("return arguments[0].id;", &[heading.to_json()]),
        json!("heading")
    );
    let back = b.execute("return document.getElementById('out');", &[]);
    let out = b.element(&back).expect("an element reference");
    b.execute(
        "arguments[0].textContent = 'set by script';",
        &[out.to_json()],
    );
    assert_eq!(out.text(), "set by script");
}

fn reads_and_deletes_cookies() {
    let site = Site::start();
    let b = Browser::start();
    b.goto(&site.url("/"));
    let c = b.cookie("flavour").expect("the cookie the page set");
    assert_eq!(c.value, "oat");
    assert!(c.http_only);
    assert!(!c.secure);
    assert_eq!(c.same_site.as_deref(), Some("Lax"));
    assert_eq!(c.path.as_deref(), Some("/"));
    assert_eq!(c.expiry, None);
    b.delete_cookie("flavour");
    assert!(b.cookie("flavour").is_none());
    b.refresh();
    assert!(b.cookie("flavour").is_some());
    b.delete_all_cookies();
    assert!(b.cookies().is_empty());
}

fn takes_a_png_screenshot_of_the_viewport() {
    let site = Site::start();
    let b = Browser::with_window_size(800, 600);
    b.goto(&site.url("/"));
    b.set_window_size(640, 480);
    let viewport = b.execute("return [window.innerWidth, window.innerHeight];", &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shot.png");
    b.screenshot(&path);
    let png = std::fs::read(&path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    let ratio = b.execute("return window.devicePixelRatio;", &[]);
    let ratio = ratio.as_f64().unwrap();
    assert_eq!(
        json!([
            (f64::from(width) / ratio).round() as u64,
            (f64::from(height) / ratio).round() as u64
        ]),
        viewport,
        "the screenshot is the viewport"
    );
    assert!(width <= 640 && width > 0, "width {width} after the resize");
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let tests: &[(&str, fn())] = &[
        ("types_clicks_and_reads_text", types_clicks_and_reads_text),
        (
            "submits_a_form_and_loads_the_next_page",
            submits_a_form_and_loads_the_next_page,
        ),
        ("finds_all_and_within", finds_all_and_within),
        (
            "a_missing_element_fails_with_a_clear_message",
            a_missing_element_fails_with_a_clear_message,
        ),
        (
            "executes_scripts_with_arguments",
            executes_scripts_with_arguments,
        ),
        ("reads_and_deletes_cookies", reads_and_deletes_cookies),
        (
            "takes_a_png_screenshot_of_the_viewport",
            takes_a_png_screenshot_of_the_viewport,
        ),
    ];
    let trials = tests
        .iter()
        .map(|(name, body)| browser_trial(name, *body))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
