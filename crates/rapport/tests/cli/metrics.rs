//! `metrics`, `network`, `intro`, `stakeholders` and `stake` through the binary, on
//! hand-computed fixtures (the sums are in the comments).

use rapport_testkit::Fresh;
use serde_json::{Value, json};

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    ("metrics_on_a_hand_computed_fixture", metrics),
    ("intro_and_network_on_a_small_graph", network),
    ("stakeholder_map_and_agenda_check_ins", stakeholders),
    ("churn_reasons_from_rel_set", churn_reasons),
];

fn at<'a>(db: &'a Fresh, now: &str) -> Rapport<'a> {
    let mut r = Rapport::new(db);
    r.now = now.into();
    r
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

fn metrics(db: &Fresh) {
    let june = at(db, "2026-06-01T09:00:00Z");
    for name in ["Ann Able", "Ben Bold", "Cat Cole"] {
        june.ok(&["person", "add", name]);
    }
    june.ok(&["rel", "set", "ann", "--kind", "customer"]);
    june.ok(&["rel", "set", "ben", "--kind", "customer"]);
    june.ok(&["rel", "set", "cat", "--kind", "partner"]);
    let october = at(db, "2026-10-01T09:00:00Z");
    october.ok(&["rel", "set", "ben", "--status", "ended"]);
    october.ok(&["person", "add", "Dan Dale"]);
    october.ok(&["rel", "set", "dan", "--kind", "customer"]);
    let conflict =
        at(db, "2026-11-13T09:00:00Z").json(&["conflict", "open", "cat", "Late delivery"]);

    let r = Rapport::new(db);
    r.ok(&["feedback", "ann", "10", "--scale", "nps"]);
    r.ok(&["feedback", "dan", "5", "--scale", "nps"]);
    r.ok(&["feedback", "cat", "8", "--scale", "nps"]);
    r.ok(&["feedback", "ann", "4", "--scale", "csat"]);
    r.ok(&["receive", "ann", "Intro to Zed", "--kind", "introduction"]);
    r.ok(&[
        "deal",
        "add",
        "ann",
        "Renewal",
        "--amount",
        "1000",
        "--currency",
        "EUR",
        "--stage",
        "won",
    ]);
    r.ok(&["deal", "add", "ann", "Upsell", "--stage", "won"]);
    r.ok(&[
        "deal",
        "add",
        "dan",
        "Pilot",
        "--amount",
        "500",
        "--currency",
        "EUR",
        "--stage",
        "proposal",
    ]);
    let mine_kept = r.json(&["promise", "ann", "Send the deck"]);
    r.ok(&["promise", "kept", &id(&mine_kept)]);
    let mine_broken = r.json(&["promise", "dan", "Call back"]);
    r.ok(&["promise", "broken", &id(&mine_broken)]);
    let theirs = r.json(&["promise", "ann", "Pay", "--by", "them"]);
    r.ok(&["promise", "kept", &id(&theirs)]);
    r.ok(&[
        "conflict",
        "resolve",
        &id(&conflict),
        "--method",
        "discussion",
    ]);

    let m = r.json(&["metrics", "--period", "90d"]);
    assert_eq!(
        m["period"],
        json!({"from": "2026-08-25", "to": "2026-11-23", "days": 90})
    );
    let s = &m["segments"][0];
    assert_eq!(s["segment"], "all");
    // Active now: Ann, Cat, Dan. At the start: Ann, Ben, Cat; Ben ended on 1 October.
    assert_eq!(s["active"], 3);
    assert_eq!(
        s["retention"],
        json!({"at_start": 3, "retained": 2, "churned": 1, "retention_percent": 66.7,
               "churn_percent": 33.3, "new": 1, "end_reasons": {"unspecified": 1}})
    );
    // Ann introduced someone; Ann, Ben, Cat and Dan all existed in the period.
    assert_eq!(s["referral"], json!({"count": 1, "of": 4, "percent": 25.0}));
    assert_eq!(
        s["repeat_business"],
        json!({"deals_won": 2, "customers": 1, "deals_per_customer": 2.0, "repeat_customers": 1})
    );
    // NPS 10, 5, 8: one promoter, one detractor → 0. CSAT 4 → 100%.
    let sat = &s["satisfaction"];
    assert_eq!(sat["nps"], 0.0);
    assert_eq!(
        (
            sat["promoters"].clone(),
            sat["passives"].clone(),
            sat["detractors"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(sat["csat_percent"], 100.0);
    assert_eq!(sat["csat_mean"], 4.0);
    assert_eq!(
        s["pipeline"],
        json!([{"stage": "proposal", "deals": 1, "amounts": {"EUR": 500.0}}])
    );
    assert_eq!(
        s["commitments"],
        json!({"mine": {"kept": 1, "broken": 1, "percent": 50.0},
               "theirs": {"kept": 1, "broken": 0, "percent": 100.0}})
    );
    // Opened 13 November 09:00, resolved 23 November 09:00.
    assert_eq!(
        s["conflicts"],
        json!({"opened": 1, "resolved": 1, "median_days_to_resolve": 10.0})
    );

    let by_kind = r.json(&["metrics", "--by", "kind"]);
    let names: Vec<&str> = by_kind["segments"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["segment"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["customer", "partner"]);
    let partner = &by_kind["segments"][1];
    assert_eq!(partner["active"], 1);
    assert_eq!(partner["retention"]["retention_percent"], 100.0);
    assert_eq!(partner["satisfaction"]["nps"], 0.0);
    assert_eq!(partner["conflicts"]["resolved"], 1);
    assert_eq!(by_kind["segments"][0]["retention"]["churned"], 1);

    let text = r.ok(&["metrics", "--by", "kind"]);
    assert!(text.contains("— customer —"), "{text}");
    assert!(
        text.contains("retention             50.0% (1 of 2 kept; 1 churned, 50.0%; 1 new)"),
        "{text}"
    );
    assert!(
        r.fails(&["metrics", "--by", "colour"])
            .contains("kind, tag, owner")
    );
    assert!(
        r.fails(&["metrics", "--period", "soon"])
            .contains("cadence")
    );
}

fn names(hops: &Value) -> Vec<(String, String)> {
    hops.as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    (
                        h["from"]["name"].as_str().unwrap_or_default().to_string(),
                        h["to"]["name"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn network(db: &Fresh) {
    let january = at(db, "2026-01-01T09:00:00Z");
    for name in [
        "Ada Ames", "Bob Byrd", "Cy Cole", "Di Dunn", "Eve East", "Fay Ford",
    ] {
        january.ok(&["person", "add", name]);
    }
    // An old strong tie: dormant by now (326 days).
    january.ok(&["tie", "add", "di", "eve", "--strength", "5"]);
    let r = Rapport::new(db);
    r.ok(&["rel", "set", "ada", "--kind", "friend"]);
    r.ok(&["log", "bob", "--at", "2026-11-03T09:00:00Z", "Coffee"]);
    r.ok(&["tie", "add", "bob", "cy", "--strength", "4"]);
    r.ok(&["tie", "add", "cy", "di", "--strength", "2"]);

    // me→Bob: met once 20 days ago, strength 1.5: 0.3 × (0.3 + 0.7 × 0.5^(20/180)) = 0.2844;
    // Bob→Cy 4/5 × 1 = 0.8; Cy→Di 2/5 = 0.4. Product 0.091.
    let p = r.json(&["intro", "di"]);
    assert_eq!(
        names(&p["hops"]),
        vec![
            ("you".to_string(), "Bob Byrd".to_string()),
            ("Bob Byrd".into(), "Cy Cole".into()),
            ("Cy Cole".into(), "Di Dunn".into())
        ]
    );
    assert_eq!(p["score"], 0.091);
    assert_eq!(p["hops"][0]["why"], "you met 1 time, last 20 days ago");
    assert_eq!(
        p["hops"][1]["why"],
        "recorded tie: knows, strength 4; last evidence today"
    );
    let text = r.ok(&["intro", "di"]);
    assert!(
        text.starts_with("Ask Bob Byrd, then Cy Cole to introduce you to Di Dunn"),
        "{text}"
    );
    assert_eq!(r.json(&["intro", "fay"]), Value::Null);
    assert!(
        r.ok(&["intro", "fay"])
            .contains("No chain of ties leads to Fay Ford")
    );
    assert!(
        r.ok(&["intro", "ada"])
            .contains("You know Ada Ames directly")
    );
    assert!(r.fails(&["intro", "nobody"]).contains("nobody"));

    let n = r.json(&["network"]);
    assert_eq!(
        (n["people"].clone(), n["ties"].clone()),
        (json!(6), json!(3))
    );
    // Scores: Bob–Cy 0.8, Di–Eve 5/5 × (0.3 + 0.7 × 0.5^(326/180)) = 0.5, Cy–Di 0.4.
    assert_eq!(
        names(&n["strongest"]),
        vec![
            ("Bob Byrd".to_string(), "Cy Cole".to_string()),
            ("Di Dunn".into(), "Eve East".into()),
            ("Cy Cole".into(), "Di Dunn".into())
        ]
    );
    assert_eq!(
        names(&n["dormant"]),
        vec![("Di Dunn".to_string(), "Eve East".to_string())]
    );
    assert_eq!(n["dormant"][0]["days_since"], 326);
    // The line Bob–Cy–Di–Eve (Ada, Fay alone): Cy and Di each sit between 2 of the
    // 10 pairs of the other five people.
    let connectors: Vec<(String, f64)> = n["connectors"]["people"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c["person"]["name"].as_str().unwrap_or_default().to_string(),
                        c["betweenness"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        connectors,
        vec![("Cy Cole".to_string(), 20.0), ("Di Dunn".into(), 20.0)]
    );
    assert_eq!(n["connectors"]["approximate"], false);
    assert!(
        r.ok(&["network"])
            .contains("Dormant strong ties worth reviving")
    );
}

/// A quadrant's name and its people: (name, cadence in days, overdue).
type Quadrants = Vec<(String, Vec<(String, i64, bool)>)>;

fn quadrants(m: &Value) -> Quadrants {
    m["quadrants"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .map(|q| {
                    let people = q["people"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .map(|p| {
                                    (
                                        p["person"]["name"]
                                            .as_str()
                                            .unwrap_or_default()
                                            .to_string(),
                                        p["cadence_days"].as_i64().unwrap_or(-1),
                                        p["overdue"].as_bool().unwrap_or(false),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (
                        q["quadrant"].as_str().unwrap_or_default().to_string(),
                        people,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn stakeholders(db: &Fresh) {
    let r = Rapport::new(db);
    for name in [
        "Pia Power",
        "Quin Quiet",
        "Rae Reader",
        "Sol Small",
        "Tom Tuned",
    ] {
        r.ok(&["person", "add", name]);
    }
    r.ok(&["log", "pia", "--at", "2026-11-13", "Steering call"]);
    r.ok(&["log", "tom", "--at", "2026-11-22", "Chat"]);
    r.ok(&[
        "stake",
        "pia",
        "--tag",
        "launch",
        "--power",
        "5",
        "--interest",
        "5",
        "--attitude",
        "-1",
    ]);
    r.ok(&[
        "stake",
        "quin",
        "--tag",
        "launch",
        "--power",
        "4",
        "--interest",
        "2",
    ]);
    r.ok(&[
        "stake",
        "rae",
        "--tag",
        "launch",
        "--power",
        "2",
        "--interest",
        "4",
        "--attitude",
        "2",
    ]);
    r.ok(&[
        "stake",
        "sol",
        "--tag",
        "launch",
        "--power",
        "1",
        "--interest",
        "1",
    ]);
    let first = r.json(&[
        "stake",
        "tom",
        "--tag",
        "launch",
        "--power",
        "1",
        "--interest",
        "1",
    ]);
    let again = r.json(&[
        "stake",
        "tom",
        "--tag",
        "launch",
        "--power",
        "3",
        "--interest",
        "3",
    ]);
    assert_eq!(first["id"], again["id"], "setting again updates the stake");

    // Pia: opposed with power, every 7 days, last contact 10 days ago → overdue.
    // Tom: every 14 days, contacted yesterday. Sol was never contacted.
    let m = r.json(&["stakeholders", "--tag", "launch"]);
    assert_eq!(m["project"], "#launch");
    assert_eq!(
        quadrants(&m),
        vec![
            (
                "manage-closely".to_string(),
                vec![
                    ("Pia Power".to_string(), 7, true),
                    ("Tom Tuned".into(), 14, false)
                ]
            ),
            (
                "keep-satisfied".into(),
                vec![("Quin Quiet".into(), 30, true)]
            ),
            (
                "keep-informed".into(),
                vec![("Rae Reader".into(), 30, true)]
            ),
            ("monitor".into(), vec![("Sol Small".into(), 90, true)]),
        ]
    );

    // Only the overdue "manage closely" stakeholder reaches the agenda.
    let agenda = r.json(&["today"]);
    let reasons: Vec<String> = agenda["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["reason"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        reasons,
        vec!["manage closely on #launch (power 5, interest 5): last contact 10 days ago, recommended every 7 days".to_string()]
    );
    assert_eq!(agenda["items"][0]["kind"], "check-in");

    r.ok(&["deal", "add", "quin", "Big Deal"]);
    r.ok(&[
        "stake",
        "quin",
        "--deal",
        "big",
        "--power",
        "5",
        "--interest",
        "4",
    ]);
    let d = r.json(&["stakeholders", "--deal", "big deal"]);
    assert_eq!(d["project"], "Big Deal");
    assert_eq!(
        quadrants(&d)[0],
        (
            "manage-closely".to_string(),
            vec![("Quin Quiet".to_string(), 14, true)]
        )
    );
    let text = r.ok(&["stakeholders", "--tag", "launch"]);
    assert!(
        text.contains("manage closely — involve them in decisions"),
        "{text}"
    );

    assert!(
        r.fails(&[
            "stake",
            "pia",
            "--tag",
            "launch",
            "--power",
            "6",
            "--interest",
            "1"
        ])
        .contains("power")
    );
    assert!(
        r.fails(&[
            "stake",
            "pia",
            "--tag",
            "launch",
            "--power",
            "3",
            "--interest",
            "3",
            "--attitude",
            "-3"
        ])
        .contains("attitude")
    );
    assert!(
        r.fails(&[
            "stake",
            "pia",
            "--deal",
            "nothing like it",
            "--power",
            "3",
            "--interest",
            "3"
        ])
        .contains("nothing like it")
    );
    assert_ne!(
        r.run(&["stakeholders", "--tag", "launch", "--deal", "big"])
            .code,
        0
    );
    assert!(
        r.ok(&["stakeholders", "--tag", "empty"])
            .contains("No stakeholders set for #empty yet")
    );

    // With no project named: the projects that have people placed, tags first.
    let projects = r.json(&["stakeholders"]);
    let listed: Vec<(String, String, u64)> = projects["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| {
                    (
                        p["kind"].as_str().unwrap_or_default().to_string(),
                        p["name"].as_str().unwrap_or_default().to_string(),
                        p["people"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        listed,
        vec![
            ("tag".to_string(), "#launch".to_string(), 5),
            ("deal".to_string(), "Big Deal".to_string(), 1),
        ]
    );
    assert_eq!(projects["items"][0]["value"], "launch");
    assert_eq!(projects["next_cursor"], serde_json::Value::Null);
    // Each line says how to show its map.
    let text = r.ok(&["stakeholders"]);
    assert!(text.contains("--tag launch"), "{text}");
    assert!(text.contains("Big Deal"), "{text}");
}

/// `rel set --end-reason` records why a relationship ended; metrics count churn by it.
fn churn_reasons(db: &Fresh) {
    let june = at(db, "2026-06-01T09:00:00Z");
    for name in ["Ann Able", "Ben Bold", "Cat Cole"] {
        june.ok(&["person", "add", name]);
        june.ok(&["rel", "set", name, "--kind", "customer"]);
    }
    let october = at(db, "2026-10-01T09:00:00Z");
    let ended = october.json(&[
        "rel",
        "set",
        "ann",
        "--status",
        "ended",
        "--end-reason",
        "moved abroad",
    ]);
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["end_reason"], "moved abroad");
    october.ok(&["rel", "set", "ben", "--status", "ended"]);
    let m = Rapport::new(db).json(&["metrics", "--period", "90d"]);
    assert_eq!(
        m["segments"][0]["retention"]["end_reasons"],
        json!({"moved abroad": 1, "unspecified": 1})
    );
}
