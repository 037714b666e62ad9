//! The recording commands: people, organizations, relationships and what happens in them.

use rapport_testkit::Fresh;
use serde_json::Value;

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    ("person_add_show_list_edit_rm_restore", person_lifecycle),
    ("references_by_id_email_fragment_and_ambiguity", references),
    ("bad_input_is_one_line_and_writes_nothing", bad_input),
    ("org_lifecycle_and_membership", org_lifecycle),
    ("rel_set_creates_then_updates", rel_set),
    (
        "log_promise_exchange_conflict_feedback",
        relationship_record,
    ),
    ("tasks_dates_ties_deals_notes", tasks_dates_ties_deals_notes),
    ("search_is_accent_case_and_typo_tolerant", search),
    ("workspaces_are_separate", workspaces),
    ("many_concurrent_writer_processes", concurrent_writers),
    (
        "two_processes_see_each_other_and_stale_edits_fail",
        two_processes,
    ),
];

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn person_lifecycle(db: &Fresh) {
    let r = Rapport::new(db);
    let ada = r.json(&[
        "person",
        "add",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--phone",
        "+44 20 7946 0958",
        "--tag",
        "VIP",
        "--birthday",
        "1815-12-10",
        "--tz",
        "Europe/London",
        "--met",
        "Analytical Society",
        "--needs",
        "funding for the engine",
        "--org",
        "Analytical Engines",
        "--title",
        "Mathematician",
        "--note",
        "prefers letters",
    ]);
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(ada["emails"][0]["value"], "ada@example.com");
    assert_eq!(ada["tags"], serde_json::json!(["vip"]));
    assert_eq!(ada["birthday"], "1815-12-10");
    assert_eq!(ada["version"], 1);
    let ada_id = id(&ada);

    let shown = r.json(&["person", "show", "ada@example.com"]);
    assert_eq!(shown["id"], ada_id.as_str());
    assert_eq!(
        shown["organizations"][0]["organization"],
        "Analytical Engines"
    );
    assert_eq!(shown["organizations"][0]["title"], "Mathematician");
    assert_eq!(shown["notes"][0]["body"], "prefers letters");
    let human = r.ok(&["person", "show", "lovelace"]);
    assert!(
        human.contains("Ada Lovelace") && human.contains("Analytical Engines, Mathematician"),
        "{human}"
    );

    r.ok(&["person", "add", "Charles Babbage"]);
    let list = r.json(&["person", "list"]);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    assert!(list["next_cursor"].is_null());
    let page = r.json(&["person", "list", "--limit", "1"]);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    let cursor = page["next_cursor"].as_str().expect("a cursor").to_string();
    let page2 = r.json(&["person", "list", "--limit", "1", "--cursor", &cursor]);
    assert_ne!(page2["items"][0]["id"], page["items"][0]["id"]);
    let tagged = r.json(&["person", "list", "--tag", "vip"]);
    assert_eq!(tagged["items"].as_array().map(Vec::len), Some(1));
    let table = r.ok(&["person", "list"]);
    assert!(table.starts_with("ID"), "{table}");

    let edited = r.json(&[
        "person",
        "edit",
        "Ada",
        "--name",
        "Ada King",
        "--email",
        "countess@example.com",
        "--rm-tag",
        "vip",
        "--tag",
        "poet",
    ]);
    assert_eq!(edited["name"], "Ada King");
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["emails"].as_array().map(Vec::len), Some(2));
    assert_eq!(edited["tags"], serde_json::json!(["poet"]));

    r.ok(&["person", "rm", "countess@example.com"]);
    let err = r.fails(&["person", "show", &ada_id]);
    assert!(
        err.contains("no person") || err.contains("matches"),
        "{err}"
    );
    let trash = r.json(&["person", "list", "--trash"]);
    assert_eq!(trash["items"][0]["id"], ada_id.as_str());
    r.ok(&["person", "restore", &ada_id]);
    let back = r.json(&["person", "show", &ada_id]);
    assert_eq!(back["name"], "Ada King");
    assert!(back.get("deleted_at").is_none());
}

fn references(db: &Fresh) {
    let r = Rapport::new(db);
    let ann = r.json(&["person", "add", "Ann Lee", "--email", "ann@example.com"]);
    r.ok(&["person", "add", "Anna Smith"]);
    r.ok(&["person", "add", "Joanne Annan"]);
    // A unique fragment, an email, an id.
    assert_eq!(r.json(&["person", "show", "smith"])["name"], "Anna Smith");
    assert_eq!(
        r.json(&["person", "show", "ANN@example.com"])["name"],
        "Ann Lee"
    );
    assert_eq!(r.json(&["person", "show", &id(&ann)])["name"], "Ann Lee");
    // An exact name wins over fragments of longer names.
    assert_eq!(r.json(&["person", "show", "ann lee"])["name"], "Ann Lee");
    // Ambiguous: lists the candidates.
    let err = r.fails(&["person", "show", "ann"]);
    assert!(
        err.contains("Anna Smith") && err.contains("Joanne Annan") && err.contains("Ann Lee"),
        "{err}"
    );
    let err = r.fails(&["person", "show", "nobody"]);
    assert!(err.contains("nobody"), "{err}");
    let err = r.fails(&["person", "show", "0190a0b0-0000-7000-8000-000000000001"]);
    assert!(err.contains("0190a0b0"), "{err}");
}

fn count_people(r: &Rapport<'_>) -> usize {
    r.json(&["person", "list"])["items"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

fn bad_input(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["person", "add", "Grace Hopper"]);
    let cases: &[(&[&str], &str)] = &[
        (&["person", "add", "X", "--email", "not-an-email"], "email"),
        (&["person", "add", "   "], "name"),
        (&["person", "add", "X", "--birthday", "1990-02-30"], "date"),
        (&["person", "add", "X", "--tz", "Mars/Olympus"], "tz"),
        (&["person", "add", "X", "--phone", "call me"], "phone"),
        (&["log", "grace", "--sentiment", "5", "chat"], "sentiment"),
        (
            &["log", "grace", "--at", "the day after the war", "chat"],
            "the day after the war",
        ),
        (&["log", "grace", "--channel", "pigeon", "chat"], "channel"),
        (&["log", "nobody-at-all", "chat"], "nobody-at-all"),
        (&["rel", "set", "grace", "--importance", "9"], "importance"),
        (&["rel", "set", "grace", "--kind", "nemesis"], "kind"),
        (&["rel", "set", "grace", "--cadence", "often"], "cadence"),
        (&["promise", "grace", "x", "--due", "someday"], "someday"),
        (&["promise", "kept", "not-an-id"], "id"),
        (&["feedback", "grace", "11"], "score"),
        (&["feedback", "grace", "0", "--scale", "csat"], "score"),
        (
            &["conflict", "open", "grace", "late", "--severity", "4"],
            "severity",
        ),
        (&["give", "grace", "help", "--kind", "money"], "kind"),
        (
            &[
                "deal",
                "add",
                "grace",
                "x",
                "--amount",
                "10",
                "--currency",
                "euros",
            ],
            "currency",
        ),
        (&["date", "add", "grace", "birthday", "13-01"], "date"),
        (&["tie", "add", "grace", "grace"], "two different people"),
    ];
    for (args, needle) in cases {
        let err = r.fails(args);
        assert!(
            err.to_lowercase().contains(&needle.to_lowercase()),
            "{args:?}: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line expected: {err}"
        );
    }
    // Nothing was half-written: still one person, and Grace has no relationship.
    assert_eq!(count_people(&r), 1);
    let grace = r.json(&["person", "show", "grace"]);
    assert_eq!(grace["relationships"].as_array().map(Vec::len), Some(0));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db", "mysql://nowhere", "person", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.starts_with("error: ") && err.contains("mysql://nowhere"),
        "{err}"
    );
}

fn org_lifecycle(db: &Fresh) {
    let r = Rapport::new(db);
    let acme = r.json(&[
        "org",
        "add",
        "Acme Corp",
        "--domain",
        "ACME.example",
        "--industry",
        "Anvils",
        "--tag",
        "supplier",
    ]);
    assert_eq!(acme["domains"], serde_json::json!(["acme.example"]));
    r.ok(&[
        "person",
        "add",
        "Wile E. Coyote",
        "--org",
        "acme corp",
        "--title",
        "Customer",
    ]);
    let shown = r.json(&["org", "show", "acme"]);
    assert_eq!(shown["people"][0]["name"], "Wile E. Coyote");
    assert_eq!(
        r.json(&["org", "list"])["items"].as_array().map(Vec::len),
        Some(1),
        "the org was reused, not duplicated"
    );
    let edited = r.json(&["org", "edit", "acme", "--industry", "Rockets"]);
    assert_eq!(edited["industry"], "Rockets");
    r.ok(&["org", "rm", "acme"]);
    assert_eq!(
        r.json(&["org", "list"])["items"].as_array().map(Vec::len),
        Some(0)
    );
    r.ok(&["org", "restore", &id(&acme)]);
    assert_eq!(
        r.json(&["org", "list"])["items"].as_array().map(Vec::len),
        Some(1)
    );
}

fn rel_set(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&[
        "person",
        "add",
        "Dana Scully",
        "--email",
        "dana@fbi.example",
    ]);
    let rel = r.json(&[
        "rel",
        "set",
        "dana",
        "--kind",
        "colleague",
        "--importance",
        "4",
        "--cadence",
        "2w",
        "--stage",
        "integrative",
        "--goal",
        "close the X files",
    ]);
    assert_eq!(rel["kind"], "colleague");
    assert_eq!(rel["cadence_days"], 14);
    assert_eq!(rel["importance"], 4);
    assert_eq!(rel["version"], 1);
    // Without --kind: the only one, updated.
    let rel2 = r.json(&["rel", "set", "dana", "--importance", "5"]);
    assert_eq!(rel2["id"], rel["id"]);
    assert_eq!(rel2["importance"], 5);
    assert_eq!(rel2["version"], 2);
    // A second kind: a friend who is also a colleague.
    let friend = r.json(&["rel", "set", "dana", "--kind", "friend"]);
    assert_ne!(friend["id"], rel["id"]);
    let err = r.fails(&["rel", "set", "dana", "--importance", "2"]);
    assert!(err.contains("colleague") && err.contains("friend"), "{err}");
    // By relationship id.
    let by_id = r.json(&[
        "rel",
        "set",
        rel["id"].as_str().unwrap(),
        "--status",
        "dormant",
    ]);
    assert_eq!(by_id["status"], "dormant");
    assert_eq!(
        r.json(&["rel", "list"])["items"].as_array().map(Vec::len),
        Some(2)
    );
}

fn relationship_record(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["person", "add", "Mulder", "--email", "fox@fbi.example"]);
    r.ok(&["person", "add", "Skinner"]);
    r.ok(&[
        "rel",
        "set",
        "mulder",
        "--kind",
        "partner",
        "--cadence",
        "7d",
    ]);
    let i = r.json(&[
        "log",
        "mulder",
        "skinner",
        "--channel",
        "meeting",
        "--minutes",
        "30",
        "--sentiment",
        "-1",
        "--at",
        "yesterday",
        "Briefing",
    ]);
    assert_eq!(i["channel"], "meeting");
    assert_eq!(i["sentiment"], -1);
    assert_eq!(i["participants"].as_array().map(Vec::len), Some(2));
    assert_eq!(i["at"], "2026-11-22T12:00:00Z");
    let i2 = r.json(&[
        "log",
        "mulder",
        "--at",
        "2026-11-20T15:30:00Z",
        "--direction",
        "inbound",
        "--channel",
        "call",
        "He called",
    ]);
    assert_eq!(i2["direction"], "inbound");
    let shown = r.json(&["person", "show", "mulder"]);
    assert_eq!(shown["recent_interactions"][0]["summary"], "Briefing");

    let p = r.json(&["promise", "mulder", "Send the case file", "--due", "friday"]);
    assert_eq!(p["owed_by"], "me");
    assert_eq!(p["due"], "2026-11-27");
    assert_eq!(p["status"], "open");
    let kept = r.json(&["promise", "kept", p["id"].as_str().unwrap()]);
    assert_eq!(kept["status"], "kept");
    assert_eq!(kept["closed_at"], "2026-11-23T09:00:00Z");
    let err = r.fails(&["promise", "broken", p["id"].as_str().unwrap()]);
    assert!(err.contains("already kept"), "{err}");
    let theirs = r.json(&[
        "promise",
        "mulder",
        "Return my flashlight",
        "--by",
        "them",
        "--due",
        "in 2 weeks",
    ]);
    assert_eq!(theirs["owed_by"], "them");
    assert_eq!(theirs["due"], "2026-12-07");
    assert_eq!(
        r.json(&["promise", "broken", theirs["id"].as_str().unwrap()])["status"],
        "broken"
    );

    let g = r.json(&[
        "give",
        "mulder",
        "Introduced him to the Lone Gunmen",
        "--kind",
        "introduction",
        "--value",
        "3",
    ]);
    assert_eq!(g["direction"], "given");
    assert_eq!(g["value"], 3);
    let rc = r.json(&[
        "receive",
        "mulder",
        "Covered for me",
        "--kind",
        "favor",
        "--amount",
        "12.5",
        "--currency",
        "usd",
    ]);
    assert_eq!(rc["direction"], "received");
    assert_eq!(rc["currency"], "USD");

    let c = r.json(&[
        "conflict",
        "open",
        "mulder",
        "Disagreement about aliens",
        "--severity",
        "3",
    ]);
    assert_eq!(c["status"], "open");
    let resolved = r.json(&[
        "conflict",
        "resolve",
        c["id"].as_str().unwrap(),
        "--method",
        "discussion",
        "--note",
        "agreed to disagree",
    ]);
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolution_method"], "discussion");

    let f = r.json(&["feedback", "mulder", "9", "The truth is out there"]);
    assert_eq!(f["scale"], "nps");
    assert_eq!(f["score"], 9);
    let f2 = r.json(&["feedback", "mulder", "4", "--scale", "csat"]);
    assert_eq!(f2["scale"], "csat");
    // All of it landed on the one partner relationship.
    let rel_id = r.json(&["person", "show", "mulder"])["relationships"][0]["id"].clone();
    for v in [&p, &theirs, &g, &rc, &c, &f] {
        assert_eq!(v["relationship_id"], rel_id, "{v}");
    }
    // Recording for someone without a relationship creates one.
    let sk = r.json(&["promise", "skinner", "File the report"]);
    let shown = r.json(&["person", "show", "skinner"]);
    assert_eq!(shown["relationships"][0]["id"], sk["relationship_id"]);
    assert_eq!(shown["relationships"][0]["kind"], "other");
}

fn tasks_dates_ties_deals_notes(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["person", "add", "Leia Organa"]);
    r.ok(&["person", "add", "Han Solo"]);
    let t = r.json(&["task", "add", "leia", "Send the plans", "--due", "tomorrow"]);
    assert_eq!(t["due"], "2026-11-24");
    assert_eq!(t["link"]["kind"], "person");
    let done = r.json(&["task", "done", t["id"].as_str().unwrap()]);
    assert_eq!(done["done_at"], "2026-11-23T09:00:00Z");
    let d = r.json(&["date", "add", "leia", "birthday", "05-04"]);
    assert_eq!(d["date"], "--05-04");
    let d2 = r.json(&[
        "date",
        "add",
        "leia",
        "custom",
        "1977-05-25",
        "--label",
        "first meeting",
    ]);
    assert_eq!(d2["label"], "first meeting");
    r.fails(&["date", "add", "leia", "custom", "05-25"]);
    let tie = r.json(&[
        "tie",
        "add",
        "leia",
        "han",
        "--kind",
        "family",
        "--strength",
        "5",
    ]);
    assert_eq!(tie["kind"], "family");
    assert_eq!(tie["strength"], 5);
    let deal = r.json(&[
        "deal",
        "add",
        "han",
        "Falcon repairs",
        "--amount",
        "5000",
        "--currency",
        "EUR",
        "--stage",
        "proposal",
        "--close",
        "2026-12-31",
    ]);
    assert_eq!(deal["stage"], "proposal");
    assert_eq!(deal["amount"], 5000.0);
    assert_eq!(deal["expected_close"], "2026-12-31");
    let n = r.json(&["note", "han", "Owes Jabba money"]);
    assert_eq!(n["link"]["kind"], "person");
    let found = r.json(&["search", "jabba"]);
    assert_eq!(found["items"][0]["name"], "Han Solo");
}

fn search(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&[
        "person",
        "add",
        "Charles Babbage",
        "--email",
        "charles@engine.example",
        "--tag",
        "inventor",
    ]);
    r.ok(&[
        "person",
        "add",
        "Zoë Ångström",
        "--phone",
        "+46 8 123 45 67",
    ]);
    r.ok(&["org", "add", "Difference Engines"]);
    let names = |q: &str| -> Vec<String> {
        r.json(&["search", q])["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("babage"), vec!["Charles Babbage"]);
    assert_eq!(names("BABBAGE"), vec!["Charles Babbage"]);
    assert_eq!(names("zoe"), vec!["Zoë Ångström"]);
    assert_eq!(names("angstrom"), vec!["Zoë Ångström"]);
    assert_eq!(names("bbag"), vec!["Charles Babbage"]);
    assert_eq!(names("charles@engine.example"), vec!["Charles Babbage"]);
    assert_eq!(names("+46 8 123 45 67"), vec!["Zoë Ångström"]);
    assert_eq!(names("inventor"), vec!["Charles Babbage"]);
    assert_eq!(names("difference"), vec!["Difference Engines"]);
    let none = r.ok(&["search", "xyzzy"]);
    assert!(none.contains("Nothing matches"), "{none}");
}

fn workspaces(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["--workspace", "work", "person", "add", "Colleague"]);
    r.ok(&["--workspace", "home", "person", "add", "Neighbour"]);
    let work = r.json(&["--workspace", "work", "person", "list"]);
    assert_eq!(work["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(work["items"][0]["name"], "Colleague");
    r.fails(&["--workspace", "work", "person", "show", "neighbour"]);
    assert!(
        r.json(&["--workspace", "work", "search", "neighbour"])["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

fn concurrent_writers(db: &Fresh) {
    let r = Rapport::new(db);
    r.ok(&["person", "add", "Shared Contact"]);
    let procs = 40;
    let children: Vec<_> = (0..procs)
        .map(|i| {
            let mut c = if i % 2 == 0 {
                r.command(&["person", "add", &format!("Writer {i}"), "--tag", "load"])
            } else {
                r.command(&["log", "shared contact", &format!("Note from writer {i}")])
            };
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "writer {i} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("locked"), "writer {i}: {err}");
    }
    let tagged = r.json(&["person", "list", "--tag", "load", "--limit", "500"]);
    assert_eq!(tagged["items"].as_array().map(Vec::len), Some(procs / 2));
    let shown = r.json(&["person", "show", "shared contact"]);
    assert_eq!(
        shown["recent_interactions"].as_array().map(Vec::len),
        Some(procs / 2)
    );
}

fn two_processes(db: &Fresh) {
    // Two independent processes on one database: what one writes the other reads, and
    // an edit based on a version someone else has since changed is refused.
    let a = Rapport::new(db);
    let b = Rapport::new(db);
    let p = a.json(&[
        "person",
        "add",
        "Shared Record",
        "--email",
        "shared@example.com",
    ]);
    let seen = b.json(&["person", "show", "shared@example.com"]);
    assert_eq!(seen["id"], p["id"]);
    assert_eq!(seen["version"], 1);
    let edited = b.json(&[
        "person",
        "edit",
        "shared@example.com",
        "--name",
        "Edited By B",
        "--if-version",
        "1",
    ]);
    assert_eq!(edited["version"], 2);
    let err = a.fails(&[
        "person",
        "edit",
        "shared@example.com",
        "--name",
        "Stale Edit By A",
        "--if-version",
        "1",
    ]);
    assert!(
        err.contains("changed by someone else")
            && err.contains("version 1")
            && err.contains("now at 2"),
        "{err}"
    );
    assert_eq!(
        a.json(&["person", "show", "shared@example.com"])["name"],
        "Edited By B"
    );
}
