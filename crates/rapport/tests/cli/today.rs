//! `today`: the ranked agenda and the time budget, through the binary.

use rapport_testkit::Fresh;
use serde_json::Value;

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    ("today_ranks_what_needs_attention", ranks),
    ("today_budget_is_never_exceeded", budget),
    ("today_on_demo_data", demo),
];

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn ranks(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["person", "add", "Tended Customer"]);
    r.ok(&[
        "person",
        "add",
        "Neglected Customer",
        "--birthday",
        "1980-11-26",
    ]);
    r.ok(&["person", "add", "Quiet Friend"]);
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
    r.ok(&[
        "rel",
        "set",
        "quiet",
        "--kind",
        "friend",
        "--importance",
        "2",
    ]);
    r.ok(&["log", "tended", "--at", "3 days ago", "Lunch"]);
    r.ok(&["log", "neglected", "--at", "2026-09-09", "Last call"]);
    r.ok(&["log", "quiet", "--at", "2026-11-01", "Drinks"]);
    r.ok(&[
        "promise",
        "neglected",
        "Send the revised quote",
        "--due",
        "2026-11-20",
    ]);
    r.ok(&[
        "promise",
        "tended",
        "Pay the invoice",
        "--by",
        "them",
        "--due",
        "today",
    ]);
    r.ok(&[
        "conflict",
        "open",
        "neglected",
        "Invoice dispute",
        "--severity",
        "3",
    ]);
    r.ok(&[
        "task",
        "add",
        "quiet",
        "Book the cabin",
        "--due",
        "yesterday",
    ]);

    let v = r.json(&["today"]);
    let list = items(&v);
    let kinds: Vec<&str> = list.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    let names: Vec<&str> = list
        .iter()
        .map(|i| i["subject"]["name"].as_str().unwrap())
        .collect();
    // The tended customer is not due a check-in; the neglected one is, with the reason.
    let check_in = list.iter().find(|i| i["kind"] == "check-in").unwrap();
    assert_eq!(check_in["subject"]["name"], "Neglected Customer");
    assert_eq!(
        check_in["reason"],
        "last contact 75 days ago, cadence 14 days (importance 5)"
    );
    assert!(
        !list
            .iter()
            .any(|i| i["kind"] == "check-in" && i["subject"]["name"] == "Tended Customer"),
        "{names:?}"
    );
    // The quiet friend (importance 2, no cadence: 60 days assumed) is not due either.
    assert!(
        !list
            .iter()
            .any(|i| i["kind"] == "check-in" && i["subject"]["name"] == "Quiet Friend")
    );
    // My overdue promise ranks before their promise due today.
    let mine = list
        .iter()
        .position(|i| i["reason"] == "your promise, overdue by 3 days")
        .unwrap();
    let theirs = list
        .iter()
        .position(|i| i["reason"] == "their promise, due today")
        .unwrap();
    assert!(mine < theirs, "{kinds:?}");
    assert!(
        kinds.contains(&"conflict") && kinds.contains(&"task"),
        "{kinds:?}"
    );
    let birthday = list.iter().find(|i| i["kind"] == "date").unwrap();
    assert_eq!(birthday["reason"], "birthday in 3 days (2026-11-26)");
    for i in &list {
        assert!(
            i["minutes"].as_u64().unwrap() > 0
                && i["score"].as_f64().is_some()
                && !i["action"].as_str().unwrap().is_empty()
        );
        assert!(i["subject"]["id"].is_string());
    }
    assert_eq!(v["left_out"], 0);
    // Human output: a table with reasons.
    let text = r.ok(&["today"]);
    assert!(
        text.contains("Neglected Customer") && text.contains("last contact 75 days ago"),
        "{text}"
    );
    // Another day: on 2026-12-20 the tended customer is due too.
    let later = r.json(&["today", "--date", "2026-12-20"]);
    assert!(
        items(&later)
            .iter()
            .any(|i| i["kind"] == "check-in" && i["subject"]["name"] == "Tended Customer")
    );
    r.fails(&["today", "--budget", "forever"]);
}

fn budget(db: &Fresh) {
    let r = Rapport::new(db);
    for i in 0..12 {
        let name = format!("Customer {i:02}");
        r.ok(&["person", "add", &name]);
        r.ok(&[
            "rel",
            "set",
            &name,
            "--kind",
            "customer",
            "--importance",
            &((i % 5) + 1).to_string(),
            "--cadence",
            "7d",
        ]);
        r.ok(&[
            "log",
            &name,
            "--channel",
            if i % 2 == 0 { "meeting" } else { "call" },
            "--at",
            &format!("{} days ago", 20 + i),
            "Hello",
        ]);
    }
    let all = r.json(&["today"]);
    let total: u64 = items(&all)
        .iter()
        .map(|i| i["minutes"].as_u64().unwrap())
        .sum();
    for budget in ["15m", "45m", "1h", "1h30m"] {
        let v = r.json(&["today", "--budget", budget]);
        let minutes: u64 = items(&v)
            .iter()
            .map(|i| i["minutes"].as_u64().unwrap())
            .sum();
        let limit = rapport_budget(budget);
        assert!(minutes <= limit, "{budget}: {minutes} minutes");
        assert_eq!(
            items(&v).len() + v["left_out"].as_u64().unwrap() as usize,
            items(&all).len()
        );
        assert!(
            total > limit,
            "the test needs more work than fits in {budget}"
        );
    }
    let text = r.ok(&["today", "--budget", "45m"]);
    assert!(
        text.contains("of 45 minutes") && text.contains("Left out"),
        "{text}"
    );
    // The top of the whole agenda, and how many more are due.
    let all = items(&all);
    for n in [0, 1, 3, all.len() + 1] {
        let v = r.json(&["today", "--limit", &n.to_string()]);
        let shown = n.min(all.len());
        assert_eq!(items(&v)[..], all[..shown], "{v}");
        assert_eq!(v["left_out"].as_u64().unwrap() as usize, all.len() - shown);
    }
    let text = r.ok(&["today", "--limit", "2"]);
    assert!(
        text.contains(&format!("{} more due, ranked lower", all.len() - 2)),
        "{text}"
    );
    r.fails(&["today", "--limit", "2", "--budget", "45m"]);
}

fn rapport_budget(b: &str) -> u64 {
    match b {
        "15m" => 15,
        "45m" => 45,
        "1h" => 60,
        _ => 90,
    }
}

fn demo(db: &Fresh) {
    let r = Rapport::new(db);
    let s = r.json(&["demo", "--people", "300", "--seed", "7"]);
    assert_eq!(s["people"], 300);
    assert!(s["interactions"].as_u64().unwrap() > 1000, "{s}");
    let v = r.json(&["today", "--budget", "45m"]);
    assert!(!items(&v).is_empty());
    let searched = r.json(&["search", "a"]);
    assert!(!items(&searched).is_empty());
    // The same seed again in the same workspace adds nothing, and says so, even on
    // another day (ids depend on the clock; the demo's source ids do not).
    let mut later = Rapport::new(db);
    later.now = "2026-11-25T15:00:00Z".into();
    let again = later.json(&["demo", "--people", "300", "--seed", "7"]);
    assert_eq!(again["already_loaded"], true);
    assert_eq!(again["people"], 0);
    // Same seed into another workspace: the same people.
    r.ok(&[
        "--workspace",
        "again",
        "demo",
        "--people",
        "300",
        "--seed",
        "7",
    ]);
    let a = r.json(&["person", "list", "--limit", "5"]);
    let b = r.json(&["--workspace", "again", "person", "list", "--limit", "5"]);
    let names = |v: &Value| {
        items(v)
            .iter()
            .map(|i| i["name"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b));
}
