//! The test bodies. Each takes a fresh database and must pass on every engine.

use std::collections::HashSet;

use jiff::Timestamp;
use rapport_core::*;
use rapport_store::{ListQuery, Store, StoreError};

use rapport_testkit::Fresh;

pub fn open(db: &Fresh) -> Store {
    Store::open(db.url()).expect("open store")
}

type Body = fn(&Fresh);

pub const ALL: &[(&str, Body)] = &[
    ("person_round_trip", person_round_trip),
    ("stale_version_is_refused", stale_version_is_refused),
    ("trash_and_restore", trash_and_restore),
    ("workspaces_are_isolated", workspaces_are_isolated),
    (
        "pagination_visits_every_record_once",
        pagination_visits_every_record_once,
    ),
    ("search_semantics", search_semantics),
    ("lookup_by_email_and_phone", lookup_by_email_and_phone),
    (
        "failed_transaction_writes_nothing",
        failed_transaction_writes_nothing,
    ),
    (
        "concurrent_edits_lose_no_update",
        concurrent_edits_lose_no_update,
    ),
    (
        "interactions_and_relationship_record",
        interactions_and_relationship_record,
    ),
    ("audit_trail_pages", audit_trail_pages),
    (
        "health_history_keeps_one_score_a_day",
        health_history_keeps_one_score_a_day,
    ),
    ("reopening_migrates_once", reopening_migrates_once),
    (
        "bulk_insert_matches_single_inserts",
        bulk_insert_matches_single_inserts,
    ),
];

pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub fn id() -> Id {
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut r = [0u8; 10];
    r[..8].copy_from_slice(&n.to_be_bytes());
    Id::v7(1_760_000_000_000 + n, r)
}

pub fn meta() -> Meta {
    Meta::new(id(), t("2026-11-01T10:00:00Z"))
}

pub fn workspace(store: &Store, name: &str) -> Id {
    let w = Workspace {
        meta: meta(),
        name: name.into(),
    };
    store.write(|tx| tx.insert_workspace(&w)).unwrap();
    w.meta.id
}

pub fn person(name: &str) -> Person {
    Person::named(meta(), name.into())
}

pub fn add(store: &Store, ws: &Id, p: &Person) {
    store.write(|tx| tx.insert(ws, p)).unwrap();
}

fn person_round_trip(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut p = person("Zoë Ångström");
    p.given_name = Some("Zoë".into());
    p.emails
        .push(Labeled::new("zoe@example.com", Some("work".into())));
    p.phones.push(Labeled::new("+46 8 123 456", None));
    p.addresses.push(Address {
        city: Some("Uppsala".into()),
        ..Address::default()
    });
    p.birthday = Some(AnnualDate::parse("--05-18").unwrap());
    p.tags = vec!["vip".into(), "nordic".into()];
    p.custom_fields.insert("shoe size".into(), "38".into());
    add(&store, &ws, &p);
    let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
    assert_eq!(back, p);
}

fn stale_version_is_refused(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Ada");
    add(&store, &ws, &p);
    let now = t("2026-11-02T10:00:00Z");
    let mut a = p.clone();
    a.name = "Ada Lovelace".into();
    store
        .write(|tx| tx.update(&ws, &mut a.clone(), 1, now))
        .unwrap();
    let mut b = p.clone();
    b.name = "Ada Byron".into();
    let err = store
        .write(|tx| tx.update(&ws, &mut b.clone(), 1, now))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::StaleVersion {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{err}"
    );
    let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
    assert_eq!(back.name, "Ada Lovelace");
    assert_eq!(back.meta.version, 2);
    assert_eq!(back.meta.updated_at, now);
}

fn trash_and_restore(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Grace Hopper");
    add(&store, &ws, &p);
    let now = t("2026-11-02T10:00:00Z");
    store
        .write(|tx| tx.set_trashed::<Person>(&ws, &p.meta.id, true, Some(1), now))
        .unwrap();
    assert!(store.read(|tx| tx.get::<Person>(&ws, &p.meta.id)).is_err());
    let live = store
        .read(|tx| {
            tx.list::<Person>(
                &ws,
                &ListQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(live.items.is_empty());
    let trash = store
        .read(|tx| {
            tx.list::<Person>(
                &ws,
                &ListQuery {
                    limit: 10,
                    trashed: true,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(trash.items.len(), 1);
    // A stale version cannot restore.
    assert!(
        store
            .write(|tx| tx.set_trashed::<Person>(&ws, &p.meta.id, false, Some(1), now))
            .is_err()
    );
    store
        .write(|tx| tx.set_trashed::<Person>(&ws, &p.meta.id, false, Some(2), now))
        .unwrap();
    let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
    assert_eq!(back.meta.version, 3);
    assert!(back.meta.deleted_at.is_none());
}

fn workspaces_are_isolated(db: &Fresh) {
    let store = open(db);
    let a = workspace(&store, "a");
    let b = workspace(&store, "b");
    let mut p = person("Secret Agent");
    p.emails.push(Labeled::new("agent@example.com", None));
    p.tags.push("spy".into());
    add(&store, &a, &p);
    let now = t("2026-11-02T10:00:00Z");
    assert!(matches!(
        store.read(|tx| tx.get::<Person>(&b, &p.meta.id)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .write(|tx| tx.update(&b, &mut p.clone(), 1, now))
            .is_err()
    );
    assert!(
        store
            .write(|tx| tx.set_trashed::<Person>(&b, &p.meta.id, true, None, now))
            .is_err()
    );
    let listed = store
        .read(|tx| {
            tx.list::<Person>(
                &b,
                &ListQuery {
                    limit: 50,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(listed.items.is_empty());
    let tagged = store
        .read(|tx| {
            tx.list::<Person>(
                &b,
                &ListQuery {
                    limit: 50,
                    tag: Some("spy".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(tagged.items.is_empty());
    assert!(
        store
            .read(|tx| tx.search(&b, "agent", 10))
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .read(|tx| tx.people_by_email(&b, "agent@example.com"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.read(|tx| tx.search(&a, "agent", 10)).unwrap().len(),
        1
    );
    // The record in workspace a is untouched.
    let back: Person = store.read(|tx| tx.get(&a, &p.meta.id)).unwrap();
    assert_eq!(back.meta.version, 1);
}

fn pagination_visits_every_record_once(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    for i in 0..25 {
        add(&store, &ws, &person(&format!("Person {i:02}")));
    }
    let mut seen = HashSet::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let q = ListQuery {
            limit: 7,
            cursor: cursor.clone(),
            ..Default::default()
        };
        let page = store.read(|tx| tx.list::<Person>(&ws, &q)).unwrap();
        for p in &page.items {
            assert!(seen.insert(p.meta.id.clone()), "visited twice: {}", p.name);
        }
        // Records inserted while paging are created later, so they sort after the cursor.
        if pages < 2 {
            add(&store, &ws, &person(&format!("Late {pages}")));
        }
        pages += 1;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 27);
    let bad = store.read(|tx| {
        tx.list::<Person>(
            &ws,
            &ListQuery {
                limit: 5,
                cursor: Some("zz".into()),
                ..Default::default()
            },
        )
    });
    assert!(bad.is_err());
}

fn search_semantics(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut ada = person("Ada Lovelace");
    ada.emails
        .push(Labeled::new("ada@analytical.example", None));
    ada.tags.push("mathematics".into());
    let mut charles = person("Charles Babbage");
    charles.phones.push(Labeled::new("+44 20 7946 0958", None));
    let zoe = person("Zoë Ångström");
    let org = Organization::named(meta(), "Analytical Engines Ltd".into());
    add(&store, &ws, &ada);
    add(&store, &ws, &charles);
    add(&store, &ws, &zoe);
    store.write(|tx| tx.insert(&ws, &org)).unwrap();
    let note = Note {
        meta: meta(),
        link: Link {
            kind: EntityKind::Person,
            id: ada.meta.id.clone(),
        },
        body: "Loves poetical science".into(),
    };
    store.write(|tx| tx.insert(&ws, &note)).unwrap();
    let find = |q: &str| -> Vec<Id> {
        store
            .read(|tx| tx.search(&ws, q, 10))
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(
        find("LOVELACE"),
        vec![ada.meta.id.clone()],
        "case-insensitive"
    );
    assert_eq!(
        find("zoe angstrom"),
        vec![zoe.meta.id.clone()],
        "accent-insensitive"
    );
    assert_eq!(find("ÅNGSTRÖM"), vec![zoe.meta.id.clone()]);
    assert_eq!(find("ovela"), vec![ada.meta.id.clone()], "fragment");
    assert_eq!(find("babage"), vec![charles.meta.id.clone()], "one typo");
    assert_eq!(
        find("ada@analytical.example"),
        vec![ada.meta.id.clone()],
        "email"
    );
    assert_eq!(
        find("020 7946 0958").len(),
        0,
        "a national number with another prefix is another number"
    );
    assert_eq!(
        find("+44 20 7946 0958"),
        vec![charles.meta.id.clone()],
        "phone"
    );
    assert_eq!(find("mathematics"), vec![ada.meta.id.clone()], "tag");
    assert_eq!(
        find("analytical engines"),
        vec![org.meta.id.clone()],
        "organization"
    );
    assert_eq!(find("poetical"), vec![note.meta.id.clone()], "note");
    assert!(find("nobody-like-this").is_empty());
    assert!(find("").is_empty());
    assert!(find("%").is_empty(), "LIKE wildcards are escaped");
    // Every word must match.
    assert!(find("ada babbage").is_empty());
    // Editing replaces the searchable text; trashing and restoring keep it.
    let mut renamed = charles.clone();
    renamed.name = "Charles Xavier".into();
    store
        .write(|tx| tx.update(&ws, &mut renamed.clone(), 1, t("2026-11-02T00:00:00Z")))
        .unwrap();
    assert!(find("babbage").is_empty(), "the old name is gone");
    assert_eq!(find("xavier"), vec![charles.meta.id.clone()]);
    assert_eq!(
        find("xavir"),
        vec![charles.meta.id.clone()],
        "new words join the vocabulary"
    );
}

fn lookup_by_email_and_phone(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut p = person("Linus");
    p.emails.push(Labeled::new("Linus@Example.com", None));
    p.phones.push(Labeled::new("+1 (555) 010-0000", None));
    add(&store, &ws, &p);
    let by_email = store
        .read(|tx| tx.people_by_email(&ws, "LINUS@example.COM"))
        .unwrap();
    assert_eq!(by_email.len(), 1);
    let by_phone = store
        .read(|tx| tx.people_by_phone(&ws, "+15550100000"))
        .unwrap();
    assert_eq!(by_phone.len(), 1);
    // Editing replaces the index rows.
    let mut edited = p.clone();
    edited.emails = vec![Labeled::new("linus@other.example", None)];
    store
        .write(|tx| tx.update(&ws, &mut edited.clone(), 1, t("2026-11-03T00:00:00Z")))
        .unwrap();
    assert!(
        store
            .read(|tx| tx.people_by_email(&ws, "linus@example.com"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .read(|tx| tx.people_by_email(&ws, "linus@other.example"))
            .unwrap()
            .len(),
        1
    );
}

fn failed_transaction_writes_nothing(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Half Written");
    let result: Result<(), StoreError> = store.write(|tx| {
        tx.insert(&ws, &p)?;
        Err(StoreError::Corrupt(
            "simulated failure after the first insert".into(),
        ))
    });
    assert!(result.is_err());
    assert!(store.read(|tx| tx.get::<Person>(&ws, &p.meta.id)).is_err());
    assert!(
        store
            .read(|tx| tx.search(&ws, "half written", 5))
            .unwrap()
            .is_empty()
    );
}

fn concurrent_edits_lose_no_update(db: &Fresh) {
    let store = std::sync::Arc::new(open(db));
    let ws = workspace(&store, "w");
    let mut p = person("Counter");
    p.custom_fields.insert("n".into(), "0".into());
    add(&store, &ws, &p);
    let threads = 8;
    let per_thread = 10;
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let store = store.clone();
            let ws = ws.clone();
            let id = p.meta.id.clone();
            std::thread::spawn(move || {
                let mut stale = 0;
                for _ in 0..per_thread {
                    loop {
                        let cur: Person = store.read(|tx| tx.get(&ws, &id)).unwrap();
                        let n: i64 = cur.custom_fields["n"].parse().unwrap();
                        let mut next = cur.clone();
                        next.custom_fields.insert("n".into(), (n + 1).to_string());
                        match store.write(|tx| {
                            tx.update(
                                &ws,
                                &mut next.clone(),
                                cur.meta.version,
                                Timestamp::UNIX_EPOCH,
                            )
                        }) {
                            Ok(()) => break,
                            Err(StoreError::StaleVersion { .. }) => stale += 1,
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                    }
                }
                stale
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
    assert_eq!(back.custom_fields["n"], (threads * per_thread).to_string());
    assert_eq!(back.meta.version, 1 + (threads * per_thread) as i64);
}

fn interactions_and_relationship_record(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Client");
    let other = person("Someone Else");
    add(&store, &ws, &p);
    add(&store, &ws, &other);
    let subject = Subject {
        kind: SubjectKind::Person,
        id: p.meta.id.clone(),
    };
    let rel = Relationship {
        importance: Importance::new(4).unwrap(),
        cadence_days: Some(CadenceDays::new(14).unwrap()),
        ..Relationship::new(meta(), subject, RelationshipKind::Customer)
    };
    store.write(|tx| tx.insert(&ws, &rel)).unwrap();
    let interaction = |at: &str, who: Vec<Id>| Interaction {
        meta: meta(),
        at: t(at),
        channel: Channel::Call,
        direction: Direction::Outbound,
        participants: who,
        organization_ids: vec![],
        minutes: Some(15),
        sentiment: Some(Sentiment::new(1).unwrap()),
        summary: "check-in".into(),
        body: None,
        source: Source::Manual,
        source_id: None,
    };
    let i1 = interaction("2026-10-01T10:00:00Z", vec![p.meta.id.clone()]);
    let i2 = interaction(
        "2026-11-01T10:00:00Z",
        vec![p.meta.id.clone(), other.meta.id.clone()],
    );
    let i3 = interaction("2026-11-05T10:00:00Z", vec![other.meta.id.clone()]);
    for i in [&i1, &i2, &i3] {
        store.write(|tx| tx.insert(&ws, i)).unwrap();
    }
    let c = Commitment {
        meta: meta(),
        relationship_id: rel.meta.id.clone(),
        owed_by: OwedBy::Me,
        text: "send the deck".into(),
        due: Some(jiff::civil::date(2026, 11, 10)),
        status: CommitmentStatus::Open,
        closed_at: None,
    };
    store.write(|tx| tx.insert(&ws, &c)).unwrap();
    let record = store.read(|tx| tx.relationship_record(&ws, &rel)).unwrap();
    let ids: Vec<Id> = record
        .interactions
        .iter()
        .map(|i| i.meta.id.clone())
        .collect();
    assert_eq!(
        ids,
        vec![i2.meta.id.clone(), i1.meta.id.clone()],
        "newest first, only the subject's"
    );
    assert_eq!(record.commitments, vec![c.clone()]);
    let last = store.read(|tx| tx.last_contacts(&ws)).unwrap();
    let of_p = last
        .iter()
        .find(|(id, _)| *id == p.meta.id)
        .map(|(_, at)| *at);
    assert_eq!(of_p, Some(t("2026-11-01T10:00:00Z")));
    let open = store.read(|tx| tx.open_commitments(&ws)).unwrap();
    assert_eq!(open.len(), 1);
    // Trashing the latest interaction moves the last contact back; restoring brings it again.
    let now = t("2026-11-06T00:00:00Z");
    let last_of = |store: &Store| {
        let last = store.read(|tx| tx.last_contacts(&ws)).unwrap();
        last.iter()
            .find(|(id, _)| *id == p.meta.id)
            .map(|(_, at)| *at)
    };
    store
        .write(|tx| tx.set_trashed::<Interaction>(&ws, &i2.meta.id, true, None, now))
        .unwrap();
    assert_eq!(last_of(&store), Some(t("2026-10-01T10:00:00Z")));
    let record = store.read(|tx| tx.relationship_record(&ws, &rel)).unwrap();
    assert_eq!(record.interactions.len(), 1);
    store
        .write(|tx| tx.set_trashed::<Interaction>(&ws, &i2.meta.id, false, None, now))
        .unwrap();
    assert_eq!(last_of(&store), Some(t("2026-11-01T10:00:00Z")));
}

fn audit_trail_pages(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    for i in 0..5 {
        let e = AuditEvent {
            id: id(),
            at: t("2026-11-01T10:00:00Z"),
            actor_id: None,
            actor: "cli".into(),
            action: "create".into(),
            entity: EntityKind::Person,
            entity_id: id(),
            before: None,
            after: Some(serde_json::json!({"n": i})),
        };
        store.write(|tx| tx.audit(&ws, &e)).unwrap();
    }
    let first = store.read(|tx| tx.audit_events(&ws, None, 3)).unwrap();
    assert_eq!(first.items.len(), 3);
    let second = store
        .read(|tx| tx.audit_events(&ws, first.next_cursor.as_deref(), 3))
        .unwrap();
    assert_eq!(second.items.len(), 2);
    assert!(second.next_cursor.is_none());
    assert_eq!(second.items[1].after, Some(serde_json::json!({"n": 4})));
}

fn health_history_keeps_one_score_a_day(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("H");
    add(&store, &ws, &p);
    let subject = Subject {
        kind: SubjectKind::Person,
        id: p.meta.id.clone(),
    };
    let rel = Relationship::new(meta(), subject, RelationshipKind::Friend);
    store.write(|tx| tx.insert(&ws, &rel)).unwrap();
    let d1 = jiff::civil::date(2026, 11, 1);
    let d2 = jiff::civil::date(2026, 11, 2);
    store
        .write(|tx| tx.record_health(&ws, &rel.meta.id, d1, Some(80)))
        .unwrap();
    store
        .write(|tx| tx.record_health(&ws, &rel.meta.id, d1, Some(75)))
        .unwrap();
    store
        .write(|tx| tx.record_health(&ws, &rel.meta.id, d2, None))
        .unwrap();
    let h = store
        .read(|tx| tx.health_history(&rel.meta.id, d1))
        .unwrap();
    assert_eq!(h, vec![(d1, Some(75)), (d2, None)]);
}

fn reopening_migrates_once(db: &Fresh) {
    // Several processes opening one fresh database at once must all succeed.
    let url = db.url().to_string();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Store::open(&url).map(|_| ()).map_err(|e| e.to_string()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let store = open(db);
    let ws = workspace(&store, "w");
    add(&store, &ws, &person("After"));
}

/// A second, empty database on the same engine as `db`.
fn sibling(db: &Fresh) -> Fresh {
    if db.url().starts_with("postgres") {
        Fresh::postgres()
    } else {
        Fresh::sqlite()
    }
}

/// What the side indexes answer for one workspace, in a comparable form.
fn derived(store: &Store, ws: &Id, people: &[Person], queries: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let ids = |v: Vec<Person>| v.into_iter().map(|p| p.meta.id).collect::<Vec<_>>();
    for p in people {
        for e in &p.emails {
            let found = store.read(|tx| tx.people_by_email(ws, &e.value)).unwrap();
            out.push(format!("email {} {:?}", e.value, ids(found)));
        }
        for ph in &p.phones {
            let found = store.read(|tx| tx.people_by_phone(ws, &ph.value)).unwrap();
            out.push(format!("phone {} {:?}", ph.value, ids(found)));
        }
        let with = store
            .read(|tx| tx.interactions_with(ws, std::slice::from_ref(&p.meta.id), 100))
            .unwrap();
        let with: Vec<Id> = with.into_iter().map(|i| i.meta.id).collect();
        out.push(format!("interactions with {} {with:?}", p.meta.id));
    }
    for tag in ["vip", "mathematics", "supplier"] {
        let q = ListQuery {
            limit: 100,
            tag: Some(tag.into()),
            ..ListQuery::default()
        };
        let found = store.read(|tx| tx.list::<Person>(ws, &q)).unwrap();
        let orgs = store.read(|tx| tx.list::<Organization>(ws, &q)).unwrap();
        out.push(format!(
            "tag {tag} {:?} {:?}",
            ids(found.items),
            orgs.items.iter().map(|o| &o.meta.id).collect::<Vec<_>>()
        ));
    }
    let mut last = store.read(|tx| tx.last_contacts(ws)).unwrap();
    last.sort();
    out.push(format!("last contacts {last:?}"));
    for q in queries {
        let hits = store.read(|tx| tx.search(ws, q, 20)).unwrap();
        let hits: Vec<String> = hits
            .iter()
            .map(|h| format!("{} {} {:.3}", h.kind, h.id, h.score))
            .collect();
        out.push(format!("search {q} {hits:?}"));
    }
    out
}

/// The bulk path (`insert_many`, used for demo data) leaves exactly the side indexes,
/// activity and search index that inserting the same records one at a time does, and
/// they stay consistent when a bulk-inserted record is edited afterwards.
fn bulk_insert_matches_single_inserts(db: &Fresh) {
    let other = sibling(db);
    let (one, many) = (open(db), open(&other));
    let w = Workspace {
        meta: meta(),
        name: "w".into(),
    };
    for store in [&one, &many] {
        store.write(|tx| tx.insert_workspace(&w)).unwrap();
    }
    let ws = w.meta.id.clone();
    let names = [
        "Ada Lovelace",
        "Charles Babbage",
        "Zoë Ångström",
        "Ada Byron",
        "Mary Somerville",
        "José García",
    ];
    let mut people: Vec<Person> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let mut p = person(n);
        let slug: String = n
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect();
        p.emails
            .push(Labeled::new(format!("{slug}@example.com"), None));
        if i % 2 == 0 {
            p.emails
                .push(Labeled::new(format!("{slug}@home.example"), None));
            p.tags.push("vip".into());
        }
        p.phones
            .push(Labeled::new(format!("+44 20 7946 00{i:02}"), None));
        if i == 0 {
            p.tags.push("mathematics".into());
        }
        people.push(p);
    }
    let mut org = Organization::named(meta(), "Analytical Engines Ltd".into());
    org.tags.push("supplier".into());
    org.domains.push("engines.example".into());
    let orgs = vec![org.clone()];
    let mut interactions = Vec::new();
    for (k, at) in [
        "2026-10-01T10:00:00Z",
        "2026-11-01T10:00:00Z",
        "2026-09-15T08:00:00Z",
        "2026-11-03T12:00:00Z",
        "2026-08-01T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let mut who = vec![people[k % 3].meta.id.clone()];
        if k == 1 {
            who.push(people[3].meta.id.clone());
        }
        let mut meta = meta();
        if k == 3 {
            // A trashed interaction counts for no one's activity.
            meta.deleted_at = Some(t("2026-11-04T00:00:00Z"));
        }
        interactions.push(Interaction {
            meta,
            at: t(at),
            channel: Channel::Call,
            direction: Direction::Outbound,
            participants: who,
            organization_ids: if k == 4 {
                vec![org.meta.id.clone()]
            } else {
                vec![]
            },
            minutes: Some(15),
            sentiment: None,
            summary: "check-in".into(),
            body: None,
            source: Source::Manual,
            source_id: None,
        });
    }
    let notes = vec![Note {
        meta: meta(),
        link: Link {
            kind: EntityKind::Person,
            id: people[0].meta.id.clone(),
        },
        body: "Loves poetical science".into(),
    }];
    one.write(|tx| {
        for p in &people {
            tx.insert(&ws, p)?;
        }
        tx.insert(&ws, &org)?;
        for i in &interactions {
            tx.insert(&ws, i)?;
        }
        tx.insert(&ws, &notes[0])
    })
    .unwrap();
    many.write(|tx| {
        tx.insert_many(&ws, &people)?;
        tx.insert_many(&ws, &orgs)?;
        tx.insert_many(&ws, &interactions)?;
        tx.insert_many(&ws, &notes)
    })
    .unwrap();
    let queries = [
        "ada",
        "ovela",
        "babage",
        "zoe angstrom",
        "garcia",
        "ada@example.com",
        "+44 20 7946 0001",
        "vip",
        "engines",
        "poetical",
    ];
    let expected = derived(&one, &ws, &people, &queries);
    assert_eq!(derived(&many, &ws, &people, &queries), expected);
    assert!(
        expected
            .iter()
            .any(|l| l.starts_with("search babage [\"person")),
        "a one-typo query finds the person: {expected:?}"
    );
    // Editing a bulk-inserted person rewrites its search entry in both.
    let now = t("2026-11-06T00:00:00Z");
    for store in [&one, &many] {
        store
            .write(|tx| {
                let mut p: Person = tx.get(&ws, &people[1].meta.id)?;
                p.name = "Charles Xavier".into();
                p.emails = vec![Labeled::new("xavier@example.com", None)];
                tx.update(&ws, &mut p, 1, now)
            })
            .unwrap();
    }
    let queries = ["babbage", "xavier", "charles"];
    let after = derived(&one, &ws, &people, &queries);
    assert_eq!(derived(&many, &ws, &people, &queries), after);
    assert!(
        after.iter().any(|l| l == "search babbage []"),
        "the old name is gone: {after:?}"
    );
}
