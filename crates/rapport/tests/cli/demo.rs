//! `demo`: generated data goes through the bulk write path and must be as searchable
//! and as usable by `today` as data typed in one record at a time.

use rapport_testkit::Fresh;
use serde_json::Value;

use crate::support::Rapport;

pub const ALL: &[rapport_testkit::Body] = &[
    ("demo_people_are_found_by_fragment_and_typo", searchable),
    (
        "demo_interactions_option_densifies_history",
        interactions_option,
    ),
    ("demo_bulk_build_answers_like_batches", bulk_build),
];

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

/// `word` with its last letter replaced: one substitution away, and no longer a
/// fragment of it.
fn one_typo(word: &str) -> String {
    let mut c: Vec<char> = word.chars().collect();
    if let Some(last) = c.last_mut() {
        *last = if *last == 'x' { 'q' } else { 'x' };
    }
    c.into_iter().collect()
}

fn searchable(db: &Fresh) {
    let r = Rapport::new(db);
    let s = r.json(&["demo", "--people", "400", "--seed", "11"]);
    assert_eq!(s["people"], 400);
    // A demo person whose family name is long enough to cut and misspell.
    let people = items(&r.json(&["person", "list", "--limit", "100"]));
    let (id, family) = people
        .iter()
        .find_map(|p| {
            let family = p["family_name"].as_str()?.to_string();
            (family.is_ascii() && family.len() >= 6).then(|| (p["id"].clone(), family))
        })
        .expect("a demo person with a plain family name of six letters or more");
    let named = |q: &str| -> Vec<Value> {
        items(&r.json(&["search", "--limit", "200", q]))
            .into_iter()
            .filter(|h| h["kind"] == "person")
            .collect()
    };
    let fragment = &family[1..family.len() - 1];
    let by_fragment = named(fragment);
    assert!(
        by_fragment.iter().any(|h| h["id"] == id),
        "{fragment} finds {id}: {by_fragment:?}"
    );
    let typo = one_typo(&family);
    let by_typo = named(&typo);
    assert!(
        !by_typo.is_empty()
            && by_typo.iter().all(|h| h["name"]
                .as_str()
                .is_some_and(|n| n.contains(family.as_str()))),
        "{typo} finds people named {family}: {by_typo:?}"
    );
    // The agenda reads the activity the bulk path maintained.
    let agenda = r.json(&["today"]);
    let check_ins = items(&agenda)
        .into_iter()
        .filter(|i| i["kind"] == "check-in")
        .count();
    assert!(check_ins > 0, "{agenda}");
    let budgeted = r.json(&["today", "--budget", "45m"]);
    let minutes: u64 = items(&budgeted)
        .iter()
        .filter_map(|i| i["minutes"].as_u64())
        .sum();
    assert!(minutes > 0 && minutes <= 45, "{budgeted}");
}

fn interactions_option(db: &Fresh) {
    let r = Rapport::new(db);
    let plain = r.json(&["demo", "--people", "200", "--seed", "5"]);
    let dense = r.json(&[
        "--workspace",
        "dense",
        "demo",
        "--people",
        "200",
        "--seed",
        "5",
        "--interactions",
        "45",
    ]);
    let (p, d) = (
        plain["interactions"].as_u64().unwrap_or(0),
        dense["interactions"].as_u64().unwrap_or(0),
    );
    assert!((1_000..3_000).contains(&p), "about 9 a person: {plain}");
    assert!((6_000..12_000).contains(&d), "about 45 a person: {dense}");
    // The same people and relationships, only a denser history.
    assert_eq!(plain["relationships"], dense["relationships"]);
    assert_eq!(plain["commitments"], dense["commitments"]);
    let line = r.fails(&["demo", "--people", "10", "--interactions", "0"]);
    assert!(line.contains("interactions"), "{line}");
}

/// Into an empty SQLite database the demo is built in a new file and put in place; into
/// one that holds records it is added batch by batch. Both answer the same: the same
/// database file (so the same workspace id, hence the same record ids) is loaded both
/// ways and searched, listed and asked for today's agenda.
fn bulk_build(db: &Fresh) {
    let r = Rapport::new(db);
    if db.url().starts_with("postgres") {
        let s = r.json(&["demo", "--people", "50", "--seed", "2"]);
        assert_eq!(s["bulk_built"], false, "no bulk build on PostgreSQL: {s}");
        return;
    }
    // The default workspace exists; copy the file before any record is added.
    r.ok(&["person", "list"]);
    let copy = Fresh::sqlite();
    std::fs::copy(db.url(), copy.url()).expect("copy the database");
    let batches = Rapport::new(&copy);
    batches.ok(&["--workspace", "other", "person", "add", "Someone Else"]);
    let built = r.json(&["demo", "--people", "300", "--seed", "4"]);
    let batched = batches.json(&["demo", "--people", "300", "--seed", "4"]);
    assert_eq!(built["bulk_built"], true, "{built}");
    assert_eq!(batched["bulk_built"], false, "{batched}");
    for key in ["people", "relationships", "interactions", "commitments"] {
        assert_eq!(built[key], batched[key], "{key}");
    }
    let queries: &[&[&str]] = &[
        &["search", "--limit", "200", "ana"],
        &["search", "--limit", "200", "ross"],
        &["search", "--limit", "200", "nakamurx"],
        &["today"],
        &["today", "--budget", "45m"],
        &["person", "list", "--limit", "100"],
        &["org", "list", "--limit", "100"],
    ];
    for q in queries {
        let a = r.json(q);
        assert!(a != Value::Null && a.to_string().len() > 50, "{q:?}: {a}");
        assert_eq!(a, batches.json(q), "{q:?}");
    }
}
