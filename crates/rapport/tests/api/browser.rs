//! End to end in headless Chromium against `rapport serve --demo`: what a person does in
//! a morning, and screenshots of the main pages at desktop and phone width.

use std::path::PathBuf;

use rapport_testkit::{Browser, Fresh};
use serde_json::Value;

use crate::support::{Server, cli};

pub const ALL: &[rapport_testkit::Body] = &[
    ("browser_a_morning_in_rapport", a_morning_in_rapport),
    ("browser_network_and_stakeholders", network_and_stakeholders),
    (
        "browser_dashboard_figures_arrive_by_themselves",
        dashboard_figures_arrive_by_themselves,
    ),
];

/// A workspace too large for the dashboard's figures to be computed on every view (here
/// anything over one relationship): the first view after the server starts shows the
/// agenda at once and says the figures are being computed; the page brings them in by
/// itself, without a reload.
fn dashboard_figures_arrive_by_themselves(db: &Fresh) {
    let s = Server::start_with(db, &["--demo", "--dashboard-live-up-to", "1"]);
    let base = format!("http://{}", s.addr);
    let b = Browser::start();
    login(&b, &base);
    let side = b.find("#dash-side").text();
    assert!(side.contains("being computed"), "{side}");
    // A mark on this page's window, gone if the page were loaded again.
    b.execute("window.rapportMark = 42; return 1;", &[]);
    b.wait_until("the figures swapped in", |b| {
        b.try_find("#dash-side[data-refresh]").is_none()
            && b.find("#dash-side").text().contains("relationships")
    });
    // The same page: it was not loaded again.
    assert_eq!(
        b.execute("return window.rapportMark || 0;", &[]),
        serde_json::json!(42)
    );
    let count = b.find("#metrics-h + p strong").text();
    assert!(count.parse::<usize>().is_ok_and(|n| n > 1), "{count}");
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn login(b: &Browser, base: &str) {
    b.goto(&format!("{base}/"));
    b.wait_until("the login page", |b| b.current_url().contains("/login"));
    b.find("#name").send_keys("demo");
    b.find("#password").send_keys("demo");
    b.find("form.card button[type=submit]").click();
    b.wait_for_text("h1", "Today");
}

fn json(db: &Fresh, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&cli(db, &all, None)).unwrap()
}

const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Hedy Lamarr\r\nN:Lamarr;Hedy;;;\r\nEMAIL:hedy@example.com\r\nCATEGORIES:inventors\r\nEND:VCARD\r\n";

fn a_morning_in_rapport(db: &Fresh) {
    let s = Server::start_with(db, &["--demo"]);
    let base = format!("http://{}", s.addr);
    let b = Browser::start();
    login(&b, &base);
    let shots = screenshots();
    let engine = if db.url().starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    if engine == "sqlite" {
        b.set_window_size(1280, 1100);
        b.screenshot(shots.join("dashboard-desktop.png"));
    }

    // Someone overdue for a check-in: searching finds them as I type.
    let today = json(db, &["today"]);
    let who = today["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "check-in" && i["subject"].is_object())
        .expect("the demo agenda has a check-in")["subject"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    b.goto(&format!("{base}/people"));
    let fragment: String = who.chars().take(6).collect();
    b.find("#q").send_keys(&fragment);
    let link = b.wait_for_text("#people-results td a", &who);
    link.click();
    b.wait_for_text("h1", &who);
    let before = b.find("[data-testid=health-score]").text();
    let timeline_before = b.find_all("#timeline li").len();

    // Log an interaction: the timeline grows and the health moves.
    b.find("#log-summary")
        .send_keys("Coffee, talked about the launch");
    b.find("#log-sentiment option[value='2']").click();
    b.find("#log-minutes").send_keys("30");
    b.find("#quick-log button[type=submit]").click();
    b.wait_for_text(".flash", "Logged");
    b.wait_for_text("#timeline li", "Coffee, talked about the launch");
    assert_eq!(b.find_all("#timeline li").len(), timeline_before + 1);
    let after = b.find("[data-testid=health-score]").text();
    assert_ne!(
        before, after,
        "health did not change after a good, long-overdue contact"
    );
    if engine == "sqlite" {
        b.set_window_size(1280, 1800);
        b.screenshot(shots.join("person-desktop.png"));
        b.set_window_size(390, 844);
        b.refresh();
        b.wait_for_text("h1", &who);
        b.screenshot(shots.join("person-phone.png"));
        b.goto(&format!("{base}/"));
        b.wait_for_text("h1", "Today");
        b.screenshot(shots.join("dashboard-phone.png"));
        b.set_window_size(1280, 800);
    }

    // Mark a promise kept from the agenda.
    b.goto(&format!("{base}/"));
    let kept_forms = b.find_all("form[action$='/kept']");
    assert!(
        !kept_forms.is_empty(),
        "the demo agenda has a promise to keep"
    );
    let action = kept_forms[0].attr("action").unwrap();
    kept_forms[0].find("button").click();
    b.wait_for_text(".flash, h1", "Today");
    b.wait_until("the promise leaves the agenda", |b| {
        b.find_all(&format!("form[action='{action}']")).is_empty()
    });

    // Move a deal on the pipeline board.
    b.goto(&format!("{base}/pipeline"));
    let deal = b.find("section[aria-labelledby='col-lead'] article.deal, section[aria-labelledby='col-qualified'] article.deal");
    let id = deal.attr("data-deal").unwrap();
    deal.find("option[value='won']").click();
    b.wait_for_text(".flash", "Moved to won");
    b.find(&format!(
        "section[aria-labelledby='col-won'] article[data-deal='{id}']"
    ));

    // Import a small vCard: preview, then import for real.
    let file = std::env::temp_dir().join(format!("rapport-{}-{engine}.vcf", std::process::id()));
    std::fs::write(&file, CARD).unwrap();
    b.goto(&format!("{base}/import"));
    b.find("#file").send_keys(file.to_str().unwrap());
    b.find("form.stack button[type=submit]").click();
    b.wait_for_text("#import-summary h2", "What would be imported");
    assert!(b.find("#import-summary").text().contains("1 created"));
    b.find("#import-summary button[type=submit]").click();
    b.wait_for_text("#import-summary h2", "Imported");
    b.wait_for_text("#import-progress li", "100% read and written");
    b.goto(&format!("{base}/people?q=lamarr"));
    b.wait_for_text("#people-results td a", "Hedy Lamarr");
    let _ = std::fs::remove_file(&file);

    // Log out: the pages are closed again.
    b.find(".logout button").click();
    b.wait_until("the login page", |b| b.current_url().contains("/login"));
    b.goto(&format!("{base}/people"));
    b.wait_until("a redirect to the login page", |b| {
        b.current_url().contains("/login")
    });
}

fn network_and_stakeholders(db: &Fresh) {
    let s = Server::start_with(db, &["--demo"]);
    let base = format!("http://{}", s.addr);
    let b = Browser::start();
    login(&b, &base);
    // A person reachable through a tie: the warm path names the go-between.
    cli(db, &["person", "add", "Iris Introducer"], None);
    cli(db, &["person", "add", "Tara Target"], None);
    cli(
        db,
        &[
            "rel",
            "set",
            "iris introducer",
            "--kind",
            "friend",
            "--importance",
            "5",
        ],
        None,
    );
    cli(
        db,
        &[
            "tie",
            "add",
            "iris introducer",
            "tara target",
            "--strength",
            "5",
        ],
        None,
    );
    b.goto(&format!("{base}/network"));
    b.find("#to").send_keys("Tara Target");
    b.find("form[role=search] button").click();
    let result = b.wait_for_text("#intro-result", "Iris Introducer");
    assert!(result.text().contains("Tara Target"));
    b.find("svg.graph");
    // The stakeholder grid: place someone, see them in their quadrant.
    b.goto(&format!("{base}/stakeholders"));
    b.find("#s-tag").send_keys("launch");
    b.find("#s-person").send_keys("Tara Target");
    b.find("#s-power").send_keys("5");
    b.find("#s-interest").send_keys("5");
    b.find("#s-attitude").clear();
    b.find("#s-attitude").send_keys("1");
    b.find("form[action='/stakeholders'][method=post] button")
        .click();
    b.wait_for_text(".flash", "Saved");
    b.find("svg.grid-map");
    b.wait_for_text("ul[data-quadrant='manage closely'] li", "Tara Target");
    if !db.url().starts_with("postgres") {
        b.screenshot(screenshots().join("stakeholders-desktop.png"));
    }
}
