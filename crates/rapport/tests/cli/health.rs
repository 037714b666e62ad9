//! Health: named scenarios through the binary.

use rapport_testkit::Fresh;

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    ("health_tended_far_above_neglected", scenarios),
    ("health_trend_and_falling_health_on_the_agenda", trend),
    ("health_of_all_records_each_day_once", all_records_each_day),
];

fn id_of(v: &serde_json::Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn scenarios(db: &Fresh) {
    let r = Rapport::new(db);
    // A well-tended customer: regular positive contact, promises kept both ways,
    // balanced exchanges, NPS 10.
    r.ok(&["person", "add", "Tended Customer"]);
    r.ok(&[
        "rel",
        "set",
        "tended",
        "--kind",
        "customer",
        "--importance",
        "5",
        "--cadence",
        "14d",
    ]);
    for days in (3..=120).step_by(10) {
        r.ok(&[
            "log",
            "tended",
            "--channel",
            "call",
            "--sentiment",
            "2",
            "--at",
            &format!("{days} days ago"),
            "Check-in",
        ]);
    }
    let mine = r.json(&[
        "promise",
        "tended",
        "Send the report",
        "--due",
        "2026-11-10",
    ]);
    r.ok(&["promise", "kept", &id_of(&mine)]);
    let theirs = r.json(&[
        "promise",
        "tended",
        "Pay on time",
        "--by",
        "them",
        "--due",
        "2026-11-12",
    ]);
    r.ok(&["promise", "kept", &id_of(&theirs)]);
    r.ok(&[
        "give",
        "tended",
        "An introduction",
        "--kind",
        "introduction",
        "--value",
        "2",
    ]);
    r.ok(&[
        "receive",
        "tended",
        "A referral",
        "--kind",
        "referral",
        "--value",
        "2",
    ]);
    r.ok(&["feedback", "tended", "10"]);

    // A neglected one: 75 days silent on a 14-day cadence, a broken promise of mine, an
    // open severity-3 conflict, NPS 3.
    r.ok(&["person", "add", "Neglected Customer"]);
    r.ok(&[
        "rel",
        "set",
        "neglected",
        "--kind",
        "customer",
        "--importance",
        "5",
        "--cadence",
        "14d",
    ]);
    for days in [75, 90, 110] {
        r.ok(&[
            "log",
            "neglected",
            "--channel",
            "email",
            "--at",
            &format!("{days} days ago"),
            "Update",
        ]);
    }
    let broken = r.json(&["promise", "neglected", "Fix the bug", "--due", "2026-10-01"]);
    r.ok(&["promise", "broken", &id_of(&broken)]);
    r.ok(&[
        "conflict",
        "open",
        "neglected",
        "Outage last month",
        "--severity",
        "3",
    ]);
    r.ok(&["feedback", "neglected", "3"]);

    // And one with no data at all.
    r.ok(&["person", "add", "Brand New"]);
    r.ok(&["rel", "set", "brand new", "--kind", "prospect"]);

    let tended = r.json(&["health", "tended"]);
    let neglected = r.json(&["health", "neglected"]);
    let empty = r.json(&["health", "brand new"]);
    let ts = tended["score"].as_u64().unwrap();
    let ns = neglected["score"].as_u64().unwrap();
    assert!(
        ts >= ns + 40,
        "tended {ts} should be far above neglected {ns}"
    );
    assert!(ts <= 100);
    assert_eq!(empty["score"], serde_json::Value::Null);
    assert_eq!(empty["status"], "unknown");
    for c in neglected["components"].as_array().unwrap() {
        assert!(
            c["name"].is_string()
                && c["points"].is_number()
                && c["max"].is_number()
                && c["reason"].is_string(),
            "{c}"
        );
    }
    let recency = neglected["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "recency")
        .unwrap();
    assert!(
        recency["reason"].as_str().unwrap().contains("75 days"),
        "{recency}"
    );
    assert!(neglected["trend"].is_array());
    // The ranked table lists the worst first, unknown last.
    let all = r.json(&["health"]);
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["Neglected Customer", "Tended Customer", "Brand New"]
    );
    let text = r.ok(&["health", "neglected"]);
    assert!(
        text.contains("Neglected Customer (customer)") && text.contains("recency"),
        "{text}"
    );
    // The neglected customer ranks above the tended one in today's agenda.
    let today = r.json(&["today"]);
    let items = today["items"].as_array().unwrap();
    let first_neglected = items
        .iter()
        .position(|i| i["subject"]["name"] == "Neglected Customer")
        .unwrap();
    let first_tended = items
        .iter()
        .position(|i| i["subject"]["name"] == "Tended Customer");
    assert!(
        first_tended.is_none_or(|t| first_neglected < t),
        "{items:?}"
    );
    // Several relationships with one person: name the kind.
    r.ok(&["rel", "set", "tended", "--kind", "friend"]);
    let err = r.fails(&["health", "tended"]);
    assert!(err.contains("--kind"), "{err}");
    assert!(r.json(&["health", "tended", "--kind", "customer"])["score"].is_number());
}

/// A person who is a customer of importance 5 with a weekly cadence.
fn add_weekly_customer(r: &Rapport, name: &str) {
    r.ok(&["person", "add", name]);
    r.ok(&[
        "rel",
        "set",
        name,
        "--kind",
        "customer",
        "--importance",
        "5",
        "--cadence",
        "7d",
    ]);
}

fn open_serious_conflict(r: &Rapport, who: &str) {
    r.ok(&[
        "conflict",
        "open",
        who,
        "Missed deadline",
        "--severity",
        "3",
    ]);
}

fn trend(db: &Fresh) {
    let mut r = Rapport::new(db);
    r.now = "2026-10-20T09:00:00Z".into();
    add_weekly_customer(&r, "Drifting");
    for days in [1, 8, 15, 22, 29] {
        r.ok(&[
            "log",
            "drifting",
            "--sentiment",
            "2",
            "--at",
            &format!("{days} days ago"),
            "Weekly",
        ]);
    }
    let before = r.json(&["health", "drifting"]);
    // A month later, with nothing logged, health has fallen, the trend shows both days
    // and the agenda flags it.
    r.now = "2026-11-15T09:00:00Z".into();
    open_serious_conflict(&r, "drifting");
    let after = r.json(&["health", "drifting"]);
    assert!(
        after["score"].as_u64() < before["score"].as_u64(),
        "{before} / {after}"
    );
    let trend = after["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 2, "{trend:?}");
    assert_eq!(trend[0]["day"], "2026-10-20");
    let today = r.json(&["today"]);
    let at_risk = today["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "at-risk");
    assert!(
        at_risk.is_some_and(|i| i["reason"]
            .as_str()
            .unwrap()
            .starts_with("health fell from")),
        "{today}"
    );
}

/// `health` without REF records every relationship's score of the day: asked twice a
/// day it keeps one score, and the scores of two days show a fall on the agenda.
fn all_records_each_day(db: &Fresh) {
    let mut r = Rapport::new(db);
    r.now = "2026-10-20T09:00:00Z".into();
    for name in ["Steady", "Drifting"] {
        add_weekly_customer(&r, name);
        r.ok(&[
            "log",
            name,
            "--sentiment",
            "2",
            "--at",
            "1 day ago",
            "Weekly",
        ]);
    }
    let first = r.json(&["health"]);
    assert_eq!(first, r.json(&["health"]), "asking again changes nothing");
    let score_of = |all: &serde_json::Value, name: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .map(|h| h["score"].clone())
            .unwrap()
    };
    r.now = "2026-11-15T09:00:00Z".into();
    r.ok(&[
        "log",
        "steady",
        "--sentiment",
        "2",
        "--at",
        "1 day ago",
        "Weekly",
    ]);
    open_serious_conflict(&r, "drifting");
    let later = r.json(&["health"]);
    r.json(&["health"]);
    assert!(score_of(&later, "Drifting").as_u64() < score_of(&first, "Drifting").as_u64());
    let trend = r.json(&["health", "drifting"])["trend"].clone();
    assert_eq!(
        trend.as_array().map(Vec::len),
        Some(2),
        "one score a day: {trend}"
    );
    let today = r.json(&["today"]);
    let falling = today["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["kind"] == "at-risk" && i["subject"]["name"] == "Drifting");
    assert!(falling, "{today}");
}
