//! Insights and data over HTTP: the same answers as the CLI gives, import/export and the
//! calendar feed.

use rapport_testkit::{Body, Fresh};
use serde_json::Value;

use crate::support::{Server, cli, user_token};

pub const ALL: &[Body] = &[
    ("insights_match_the_cli", insights_match_the_cli),
    ("import_export_over_http", import_export_over_http),
    ("calendar_feed_by_token", calendar_feed_by_token),
];

fn cli_json(db: &Fresh, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&cli(db, &all, None)).unwrap()
}

fn insights_match_the_cli(db: &Fresh) {
    let t = user_token(db, "default", "alice", "owner");
    cli(
        db,
        &[
            "person",
            "add",
            "Ada Lovelace",
            "--email",
            "ada@example.com",
            "--tag",
            "launch",
        ],
        None,
    );
    cli(
        db,
        &["person", "add", "Charles Babbage", "--tag", "launch"],
        None,
    );
    cli(db, &["person", "add", "Mary Somerville"], None);
    cli(db, &["rel", "set", "ada", "--kind", "customer"], None);
    cli(
        db,
        &[
            "log",
            "ada",
            "charles",
            "--channel",
            "meeting",
            "Engine review",
        ],
        None,
    );
    cli(
        db,
        &["tie", "add", "charles", "mary", "--strength", "5"],
        None,
    );
    cli(db, &["feedback", "ada", "9"], None);
    cli(
        db,
        &[
            "stake",
            "ada",
            "--tag",
            "launch",
            "--power",
            "5",
            "--interest",
            "4",
            "--attitude",
            "1",
        ],
        None,
    );
    cli(
        db,
        &[
            "stake",
            "charles",
            "--tag",
            "launch",
            "--power",
            "2",
            "--interest",
            "1",
            "--attitude",
            "0",
        ],
        None,
    );
    let s = Server::start(db);
    let get = |path: &str| s.req("GET", path).token(&t).send().expect(200).json();

    let api = get("/api/v1/metrics?period=90d&by=kind");
    let local = cli_json(db, &["metrics", "--period", "90d", "--by", "kind"]);
    assert_eq!(
        api["segments"], local["segments"],
        "API and CLI disagree on metrics"
    );
    s.req("GET", "/api/v1/metrics?period=soon")
        .token(&t)
        .send()
        .problem(422);
    s.req("GET", "/api/v1/metrics?by=colour")
        .token(&t)
        .send()
        .problem(422);

    let api = get("/api/v1/stakeholders?tag=launch");
    let local = cli_json(db, &["stakeholders", "--tag", "launch"]);
    assert_eq!(api, local);
    let text = api.to_string();
    assert!(text.contains("Ada Lovelace") && text.contains("Charles Babbage"));
    s.req("GET", "/api/v1/stakeholders")
        .token(&t)
        .send()
        .problem(422);
    let projects = get("/api/v1/stakeholders/projects");
    assert_eq!(projects, cli_json(db, &["stakeholders"]));
    assert_eq!(
        projects["items"],
        serde_json::json!([{"kind": "tag", "value": "launch", "name": "#launch", "people": 2}])
    );
    s.req("GET", "/api/v1/stakeholders/projects")
        .send()
        .problem(401);

    let api = get("/api/v1/network?limit=5");
    let local = cli_json(db, &["network", "--limit", "5"]);
    assert_eq!(api, local);

    let people = get("/api/v1/people?q=mary");
    let mary = people["items"][0]["id"].as_str().unwrap().to_string();
    let path = get(&format!("/api/v1/network/intro?to={mary}"));
    let local = cli_json(db, &["intro", "mary"]);
    assert_eq!(
        path["path"], local,
        "API and CLI disagree on the intro path"
    );
    assert!(
        path["path"].to_string().contains("Charles Babbage"),
        "{path}"
    );
    s.req("GET", "/api/v1/network/intro")
        .token(&t)
        .send()
        .problem(422);
    s.req(
        "GET",
        "/api/v1/network/intro?to=01890000-0000-7000-8000-000000000000",
    )
    .token(&t)
    .send()
    .problem(404);
}

const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\nEMAIL;TYPE=INTERNET:grace@example.com\r\nCATEGORIES:navy,cobol\r\nEND:VCARD\r\n";

fn import_export_over_http(db: &Fresh) {
    let t = user_token(db, "default", "alice", "admin");
    let viewer = user_token(db, "default", "vic", "viewer");
    let s = Server::start(db);
    let dry = s
        .req("POST", "/api/v1/import?dry_run=true")
        .token(&t)
        .raw("text/vcard", CARD.as_bytes())
        .send()
        .expect(200)
        .json();
    assert_eq!(dry["created"], 1, "{dry}");
    assert_eq!(dry["dry_run"], true);
    let none = s
        .req("GET", "/api/v1/people")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert!(
        none["items"].as_array().unwrap().is_empty(),
        "a dry run wrote: {none}"
    );
    let first = s
        .req("POST", "/api/v1/import")
        .token(&t)
        .raw("text/vcard", CARD.as_bytes())
        .send()
        .expect(200)
        .json();
    assert_eq!(first["created"], 1, "{first}");
    let again = s
        .req("POST", "/api/v1/import")
        .token(&t)
        .raw("text/vcard", CARD.as_bytes())
        .send()
        .expect(200)
        .json();
    assert_eq!(again["created"], 0, "importing twice created more: {again}");
    let people = s
        .req("GET", "/api/v1/people?tag=cobol")
        .token(&t)
        .send()
        .expect(200)
        .json();
    assert_eq!(people["items"][0]["name"], "Grace Hopper");
    let bad = s
        .req("POST", "/api/v1/import?format=vcard")
        .token(&t)
        .raw("text/vcard", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half\r\n")
        .send();
    assert!(
        bad.status == 200 || bad.status == 422,
        "{} {}",
        bad.status,
        bad.body
    );
    if bad.status == 200 {
        assert!(
            !bad.json()["rejected"].as_array().unwrap().is_empty(),
            "{}",
            bad.body
        );
    }
    s.req("POST", "/api/v1/import?format=klingon")
        .token(&t)
        .raw("text/plain", b"x")
        .send()
        .problem(422);
    s.req("POST", "/api/v1/import")
        .token(&viewer)
        .raw("text/vcard", CARD.as_bytes())
        .send()
        .problem(403);

    let vcf = s
        .req("GET", "/api/v1/export?format=vcard")
        .token(&t)
        .send()
        .expect(200);
    assert!(
        vcf.header("content-type")
            .unwrap()
            .starts_with("text/vcard")
    );
    assert!(vcf.body.contains("FN:Grace Hopper") && vcf.body.contains("VERSION:4.0"));
    let csv = s
        .req("GET", "/api/v1/export?format=csv")
        .token(&t)
        .send()
        .expect(200);
    assert!(csv.body.contains("Grace Hopper"));
    let doc = s
        .req("GET", "/api/v1/export")
        .token(&t)
        .send()
        .expect(200)
        .json();
    let local = cli_json(db, &["export", "--format", "json"]);
    assert_eq!(doc["people"], local["people"]);
    s.req("GET", "/api/v1/export?format=pdf")
        .token(&t)
        .send()
        .problem(422);
}

fn calendar_feed_by_token(db: &Fresh) {
    user_token(db, "default", "alice", "admin");
    cli(
        db,
        &["person", "add", "Ada Lovelace", "--birthday", "1815-12-10"],
        None,
    );
    cli(
        db,
        &["promise", "ada", "Send the notes", "--due", "2030-01-15"],
        None,
    );
    let s = Server::start(db);
    let url = cli_json(db, &["feed", "--user", "alice"])["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("/calendar.ics?token="));
    let r = s.req("GET", &url).send().expect(200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(r.body.starts_with("BEGIN:VCALENDAR"), "{}", r.body);
    assert!(r.body.contains("Send the notes"));
    assert!(
        r.body.contains("RRULE:FREQ=YEARLY"),
        "birthdays recur: {}",
        r.body
    );
    // A second `feed` without --rotate cannot show the stored (hashed) token again.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db", db.url(), "feed", "--user", "alice"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let rotated = cli_json(db, &["feed", "--user", "alice", "--rotate"])["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(rotated, url);
    s.req("GET", &url).send().problem(404);
    s.req("GET", &rotated).send().expect(200);
    s.req("GET", "/calendar.ics?token=rpf_forged")
        .send()
        .problem(404);
    s.req("GET", "/calendar.ics").send().problem(404);
}
