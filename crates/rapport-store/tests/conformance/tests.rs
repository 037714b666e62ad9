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
        "stake_projects_count_the_live_stakes",
        stake_projects_count_the_live_stakes,
    ),
    (
        "pagination_visits_every_record_once",
        pagination_visits_every_record_once,
    ),
    ("search_semantics", search_semantics),
    (
        "search_corrects_every_word_one_edit_away",
        search_corrects_every_word_one_edit_away,
    ),
    (
        "search_by_email_needs_the_whole_address",
        search_by_email_needs_the_whole_address,
    ),
    (
        "search_finds_a_word_wherever_it_occurs",
        search_finds_a_word_wherever_it_occurs,
    ),
    (
        "a_token_and_a_record_are_read_as_apart",
        a_token_and_a_record_are_read_as_apart,
    ),
    (
        "search_index_stays_small_between_vacuums",
        search_index_stays_small_between_vacuums,
    ),
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
        "health_falls_find_what_the_window_finds",
        health_falls_find_what_the_window_finds,
    ),
    (
        "health_falls_backfill_matches_the_write_path",
        health_falls_backfill_matches_the_write_path,
    ),
    (
        "bulk_insert_matches_single_inserts",
        bulk_insert_matches_single_inserts,
    ),
    (
        "bulk_insert_in_chunks_matches_single_inserts",
        bulk_insert_in_chunks_matches_single_inserts,
    ),
    (
        "bulk_build_matches_single_inserts",
        bulk_build_matches_single_inserts,
    ),
    (
        "bulk_build_only_when_empty_and_alone",
        bulk_build_only_when_empty_and_alone,
    ),
    (
        "bulk_build_refuses_a_missing_reference",
        bulk_build_refuses_a_missing_reference,
    ),
    (
        "a_write_waiting_on_a_bulk_build_lands_in_the_new_file",
        a_write_waiting_on_a_bulk_build_lands_in_the_new_file,
    ),
    ("load_matches_single_inserts", load_matches_single_inserts),
    (
        "writer_load_matches_single_inserts",
        writer_load_matches_single_inserts,
    ),
    (
        "writer_refreshes_statistics_between_loads",
        writer_refreshes_statistics_between_loads,
    ),
    (
        "a_writers_load_has_its_words_and_a_rolled_back_one_none",
        a_writers_load_has_its_words_and_a_rolled_back_one_none,
    ),
    (
        "agenda_reads_the_check_ins_that_may_be_due",
        agenda_reads_the_check_ins_that_may_be_due,
    ),
    (
        "agenda_reads_leave_out_others_private_relationships",
        agenda_reads_leave_out_others_private_relationships,
    ),
    (
        "agenda_table_follows_every_write",
        agenda_table_follows_every_write,
    ),
    (
        "agenda_table_after_a_bulk_build_or_load",
        agenda_table_after_a_bulk_build_or_load,
    ),
    (
        "agenda_table_after_a_load_into_a_workspace_in_use",
        agenda_table_after_a_load_into_a_workspace_in_use,
    ),
    (
        "agenda_table_backfill_matches_the_write_path",
        agenda_table_backfill_matches_the_write_path,
    ),
    (
        "agenda_reads_promises_and_tasks_as_columns",
        agenda_reads_promises_and_tasks_as_columns,
    ),
    (
        "workspace_health_records_match_each_record",
        workspace_health_records_match_each_record,
    ),
    (
        "health_scores_of_a_day_and_a_window",
        health_scores_of_a_day_and_a_window,
    ),
    (
        "batch_lookups_agree_with_single_lookups",
        batch_lookups_agree_with_single_lookups,
    ),
    (
        "connections_closed_while_idle_are_replaced",
        connections_closed_while_idle_are_replaced,
    ),
    (
        "the_schema_check_connection_serves_the_first_read",
        the_schema_check_connection_serves_the_first_read,
    ),
    (
        "a_read_that_fails_midway_leaves_the_connection_usable",
        a_read_that_fails_midway_leaves_the_connection_usable,
    ),
    (
        "statistics_after_a_load_vacuum_the_agenda_tables",
        statistics_after_a_load_vacuum_the_agenda_tables,
    ),
    (
        "read_one_answers_reads_of_any_length",
        read_one_answers_reads_of_any_length,
    ),
    (
        "reads_without_waiting_run_at_once_or_not_at_all",
        reads_without_waiting_run_at_once_or_not_at_all,
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

/// A new note on a person.
pub fn note_about(p: &Person, body: &str) -> Note {
    Note {
        meta: meta(),
        link: Link {
            kind: EntityKind::Person,
            id: p.meta.id.clone(),
        },
        body: body.into(),
    }
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

/// Pooled connections are not pinged when taken: one the server closed while it sat in
/// the pool must not fail the next transactions, reads or writes.
fn connections_closed_while_idle_are_replaced(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Ada");
    add(&store, &ws, &p);
    // Several idle connections in the pool.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| store.read(|tx| tx.get::<Person>(&ws, &p.meta.id)).unwrap());
        }
    });
    if let Fresh::Postgres { name, .. } = db {
        let mut admin =
            postgres::Client::connect(&rapport_testkit::pg_base(), postgres::NoTls).unwrap();
        let closed = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                &[name],
            )
            .unwrap();
        assert!(!closed.is_empty(), "the pool had no open connection");
    }
    for _ in 0..6 {
        let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
        assert_eq!(back, p);
    }
    add(&store, &ws, &person("Grace"));
    let page = store
        .read(|tx| {
            tx.list::<Person>(
                &ws,
                &ListQuery {
                    limit: 10,
                    ..ListQuery::default()
                },
            )
        })
        .unwrap();
    assert_eq!(page.items.len(), 2);
}

/// The backends connected to the test database `name` (PostgreSQL), by process id.
fn backends_of(name: &str) -> Vec<i32> {
    let mut admin =
        postgres::Client::connect(&rapport_testkit::pg_base(), postgres::NoTls).unwrap();
    let mut pids: Vec<i32> = admin
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1",
            &[&name],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    pids.sort();
    pids
}

/// Opening a store checks the schema on a connection of its own; on PostgreSQL that
/// connection is kept for the pool, so a command that reads once starts one backend,
/// not two.
fn the_schema_check_connection_serves_the_first_read(db: &Fresh) {
    // Once to create the schema, then as a command opens a current database.
    drop(open(db));
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Ada");
    add(&store, &ws, &p);
    if let Fresh::Postgres { name, .. } = db {
        drop(store);
        rapport_testkit::eventually("the first store's connections closed", || {
            backends_of(name).is_empty()
        });
        let store = open(db);
        let kept = backends_of(name);
        assert_eq!(kept.len(), 1, "the schema check's connection is kept");
        let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
        assert_eq!(back, p);
        assert_eq!(backends_of(name), kept, "the first read used it");
    }
}

/// A read that fails on a row partway through a large result leaves its connection fit
/// for the next transaction.
fn a_read_that_fails_midway_leaves_the_connection_usable(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Ada");
    add(&store, &ws, &p);
    let Fresh::Postgres { .. } = db else {
        return;
    };
    // Rows the agenda cannot read (no such kind of subject), many more than the first.
    let mut admin = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    admin
        .execute(
            "INSERT INTO agenda_relationships (id, workspace_id, status, subject_kind, subject_id,
                 kind, importance, visibility)
             SELECT 'bad-' || n, $1, 'active', 'bogus', 'nobody', 'friend', 3, 'workspace'
             FROM generate_series(1, 20000) AS n",
            &[&ws.as_str()],
        )
        .unwrap();
    let due = rapport_store::DueCheckIns {
        day_start: t("2026-11-23T09:00:00Z"),
        default_cadence: &rapport_core::health::default_cadence,
    };
    for _ in 0..3 {
        assert!(
            store
                .read(|tx| tx.agenda_relationships(&ws, &due, None))
                .is_err()
        );
        let back: Person = store.read(|tx| tx.get(&ws, &p.meta.id)).unwrap();
        assert_eq!(back, p);
        add(&store, &ws, &person("Grace"));
    }
}

/// After a load the statistics are refreshed, and on PostgreSQL the tables the agenda
/// reads most of are vacuumed too: their pages are marked all-visible, so the open
/// promises are an index-only range.
fn statistics_after_a_load_vacuum_the_agenda_tables(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Ada");
    add(&store, &ws, &p);
    let rel = relationship(&store, &ws, person_subject(&p), |_| {});
    let promise = Commitment {
        meta: meta(),
        relationship_id: rel.meta.id.clone(),
        owed_by: OwedBy::Them,
        text: "send the deck".into(),
        due: Some(jiff::civil::date(2026, 11, 24)),
        status: CommitmentStatus::Open,
        closed_at: None,
    };
    store.write(|tx| tx.insert(&ws, &promise)).unwrap();
    store.refresh_statistics().unwrap();
    if let Fresh::Postgres { .. } = db {
        let mut admin = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
        for table in ["agenda_relationships", "commitments"] {
            let row = admin
                .query_one(
                    "SELECT relpages, relallvisible FROM pg_class WHERE relname = $1",
                    &[&table],
                )
                .unwrap();
            let (pages, visible): (i32, i32) = (row.get(0), row.get(1));
            assert!(
                pages > 0 && visible == pages,
                "{table}: {visible} of {pages} pages all-visible"
            );
        }
    }
    // The agenda still reads the promise.
    let due = store
        .read(|tx| {
            tx.open_commitments_due(
                &ws,
                rapport_core::agenda::PromisesDueBy {
                    mine: jiff::civil::date(2026, 11, 26),
                    theirs: jiff::civil::date(2026, 11, 26),
                },
            )
        })
        .unwrap();
    assert_eq!(due.len(), 1);
}

/// `read_one` is a read: one statement or several (run again in a transaction on
/// PostgreSQL), the answer is that of `read`.
fn read_one_answers_reads_of_any_length(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let (a, b) = (person("Ada"), person("Grace"));
    add(&store, &ws, &a);
    add(&store, &ws, &b);
    let one = |tx: &mut rapport_store::Tx<'_>| tx.get::<Person>(&ws, &a.meta.id);
    assert_eq!(store.read_one(one).unwrap(), store.read(one).unwrap());
    let two = |tx: &mut rapport_store::Tx<'_>| -> Result<(Person, Person), StoreError> {
        Ok((
            tx.get::<Person>(&ws, &a.meta.id)?,
            tx.get::<Person>(&ws, &b.meta.id)?,
        ))
    };
    assert_eq!(store.read_one(two).unwrap(), (a.clone(), b.clone()));
    assert_eq!(store.read_one(two).unwrap(), store.read(two).unwrap());
    let missing = Id::parse("0189e1af-3478-7957-be42-6eaa3d8c7492").unwrap();
    assert!(
        store
            .read_one(|tx| tx.find::<Person>(&ws, &missing))
            .unwrap()
            .is_none()
    );
}

/// `without_waiting` runs a read at once where the engine can (SQLite, an idle pooled
/// connection) and refuses everything else without running it and without waiting:
/// writes, PostgreSQL, a read when every connection is busy with a long one. Outside it,
/// the store waits as before.
fn reads_without_waiting_run_at_once_or_not_at_all(db: &Fresh) {
    use rapport_store::without_waiting;
    use std::sync::{Barrier, RwLock};
    use std::time::{Duration, Instant};

    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("Ada");
    add(&store, &ws, &p);
    let get = |tx: &mut rapport_store::Tx<'_>| tx.get::<Person>(&ws, &p.meta.id);
    // A connection in the pool, idle.
    assert_eq!(store.read_one(get).unwrap(), p);

    let read = without_waiting(|| store.read_one(get));
    if store.reads_without_waiting() {
        assert_eq!(read.unwrap().unwrap(), p);
        // Nested: the inner answer is the outer one's.
        let nested = without_waiting(|| without_waiting(|| store.read(get)));
        assert_eq!(nested.unwrap().unwrap().unwrap(), p);
        // The reads of one scope share one snapshot: a write committed between them
        // (elsewhere) is seen by neither; after the scope it is.
        let c = person("Charles");
        add(&store, &ws, &c);
        let get_c = |tx: &mut rapport_store::Tx<'_>| tx.get::<Person>(&ws, &c.meta.id);
        let (first, second) = without_waiting(|| {
            let first = store.read_one(get_c).unwrap();
            std::thread::scope(|s| {
                s.spawn(|| {
                    let mut renamed = c.clone();
                    renamed.name = "Charles Babbage".into();
                    let now = t("2026-11-02T10:00:00Z");
                    store.write(|tx| tx.update(&ws, &mut renamed.clone(), 1, now))
                })
                .join()
                .unwrap()
                .unwrap();
            });
            (first.name, store.read(get_c).unwrap().name)
        })
        .unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("Charles", "Charles"));
        assert_eq!(store.read_one(get_c).unwrap().name, "Charles Babbage");
    } else {
        assert!(read.is_none(), "PostgreSQL reads are round trips: refused");
    }

    // A write is refused without being run, whatever the closure makes of the error.
    let grace = person("Grace");
    let write = without_waiting(|| {
        let _ = store.write(|tx| tx.insert(&ws, &grace));
        "the error was swallowed"
    });
    assert!(write.is_none());
    assert!(
        store
            .read(|tx| tx.find::<Person>(&ws, &grace.meta.id))
            .unwrap()
            .is_none()
    );
    // A refusal inside a nested call refuses the outer one too.
    let outer = without_waiting(|| {
        let inner = without_waiting(|| store.write(|tx| tx.insert(&ws, &grace)));
        assert!(inner.is_none());
        store.read_one(get)
    });
    assert!(outer.is_none());

    // A scope that unwinds leaves nothing behind: its connection goes back to the pool
    // (all of them are needed below) and the store waits again outside it.
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        without_waiting(|| {
            let _ = store.read_one(get);
            panic!("a bug in a short read");
        })
    }));
    assert!(unwound.is_err());
    add(&store, &ws, &person("Alan"));

    // Every pooled connection busy with a long read: refused at once, not after the
    // long reads, nor after the pool's own wait.
    let n = store.max_connections();
    let gate = RwLock::new(());
    let closed = gate.write().unwrap();
    let holding = Barrier::new(n + 1);
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                let mut first = true;
                store
                    .read(|tx| {
                        tx.get::<Person>(&ws, &p.meta.id)?;
                        if std::mem::take(&mut first) {
                            holding.wait();
                        }
                        drop(gate.read().unwrap());
                        Ok(())
                    })
                    .unwrap()
            });
        }
        holding.wait();
        let started = Instant::now();
        assert!(without_waiting(|| store.read_one(get)).is_none());
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(closed);
    });
    // Outside `without_waiting` nothing changed.
    assert_eq!(store.read_one(get).unwrap(), p);
    add(&store, &ws, &grace);
    assert_eq!(
        store
            .read(|tx| tx.get::<Person>(&ws, &grace.meta.id))
            .unwrap(),
        grace
    );
    if store.reads_without_waiting() {
        assert_eq!(without_waiting(|| store.read_one(get)).unwrap().unwrap(), p);
    }
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

fn stake_projects_count_the_live_stakes(db: &Fresh) {
    let store = open(db);
    let (a, b) = (workspace(&store, "a"), workspace(&store, "b"));
    let people: Vec<Person> = ["Ann", "Ben", "Cy"].map(person).into();
    for p in &people {
        add(&store, &a, p);
    }
    let other = person("Dee");
    add(&store, &b, &other);
    let deal = id();
    let stake = |p: &Person, project: Project| Stake {
        meta: meta(),
        person_id: p.meta.id.clone(),
        project,
        power: Level::clamped(3),
        interest: Level::clamped(3),
        attitude: Attitude::clamped(0),
    };
    let launch = || Project::Tag("launch".into());
    let stakes = [
        stake(&people[0], launch()),
        stake(&people[1], launch()),
        stake(&people[2], launch()),
        stake(&people[0], Project::Tag("board".into())),
        stake(&people[1], Project::Deal(deal.clone())),
    ];
    for s in &stakes {
        store.write(|tx| tx.insert(&a, s)).unwrap();
    }
    store
        .write(|tx| tx.insert(&b, &stake(&other, Project::Tag("elsewhere".into()))))
        .unwrap();
    let now = t("2026-11-02T10:00:00Z");
    store
        .write(|tx| tx.set_trashed::<Stake>(&a, &stakes[2].meta.id, true, None, now))
        .unwrap();
    let found = store.read(|tx| tx.stake_projects(&a)).unwrap();
    assert_eq!(
        found,
        vec![
            (Project::Tag("board".into()), 1),
            (launch(), 2),
            (Project::Deal(deal), 1),
        ],
        "tags first, trashed stakes and other workspaces left out"
    );
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
    let note = note_about(&ada, "Loves poetical science");
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

/// Corrections are every vocabulary word one edit away, whatever the edit and wherever
/// it is (start, middle, end), and no word two edits away.
fn search_corrects_every_word_one_edit_away(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let names = [
        "Ada Lovelace",
        "Ada Lovleace",  // the two characters around the middle swapped
        "Ada Olvelace",  // swapped at the start
        "Ada Lovelaec",  // swapped at the end
        "Ada Lovelce",   // one deleted
        "Ada Lovellace", // one inserted
        "Ada Movelace",  // one replaced, at the start
        "Ada Lovelacx",  // one replaced, at the end
        "Ada Luvelice",  // two replaced: too far
        "Ada Lovelacexx",
        "Ada Lovelaces2",
    ];
    let people: Vec<Person> = names.iter().map(|n| person(n)).collect();
    for p in &people {
        add(&store, &ws, p);
    }
    let find = |q: &str| -> Vec<String> {
        let hits = store.read(|tx| tx.search(&ws, q, 20)).unwrap();
        assert!(
            hits.windows(2).all(|w| w[0].score >= w[1].score),
            "{q}: best first"
        );
        hits.iter()
            .map(|h| {
                let p = people.iter().find(|p| p.meta.id == h.id).expect("a person");
                p.name.clone()
            })
            .collect()
    };
    let mut found = find("lovelace");
    assert_eq!(found[0], "Ada Lovelace", "the exact spelling first");
    // A word that contains the query matches as a fragment.
    assert!(found.contains(&"Ada Lovelacexx".to_string()));
    assert!(found.contains(&"Ada Lovelaces2".to_string()));
    found.sort();
    let mut want: Vec<String> = names[..8]
        .iter()
        .chain(&names[9..])
        .map(|n| n.to_string())
        .collect();
    want.sort();
    assert_eq!(found, want);
    // From a misspelling, what holds it or a word one edit away from it.
    let mut found = find("lovleace");
    assert_eq!(found[0], "Ada Lovleace", "the exact spelling first");
    found.sort();
    assert_eq!(
        found,
        vec![
            "Ada Lovelace",
            "Ada Lovelaces2",
            "Ada Lovelacexx",
            "Ada Lovleace"
        ]
    );
    // Short words too: `mira` is one edit from `mara` and `mir`, not from `maria`.
    for n in ["Mara Jones", "Mir Khan", "Maria Lopez"] {
        add(&store, &ws, &person(n));
    }
    let hits = store.read(|tx| tx.search(&ws, "mira", 20)).unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
}

/// An email address matches where the whole address occurs (a longer address, a note),
/// never on its local part alone.
fn search_by_email_needs_the_whole_address(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut ada = person("Ada Lovelace");
    ada.emails
        .push(Labeled::new("Ada@Analytical.example", None));
    let mut longer = person("Bea Longer");
    longer
        .emails
        .push(Labeled::new("ada@analytical.example.org", None));
    let mut other = person("Cy Other");
    other.emails.push(Labeled::new("ada@other.example", None));
    let mut bare = person("Di Bare");
    bare.emails.push(Labeled::new("x@a.example", None));
    for p in [&ada, &longer, &other, &bare] {
        add(&store, &ws, p);
    }
    let note = note_about(&other, "Forwarded to ada@analytical.example on Monday");
    store.write(|tx| tx.insert(&ws, &note)).unwrap();
    let find = |q: &str| -> Vec<Id> {
        let hits = store.read(|tx| tx.search(&ws, q, 10)).unwrap();
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        hits.into_iter().map(|h| h.id).collect()
    };
    let mut found = find("ADA@analytical.example");
    found.sort();
    let mut want = vec![
        ada.meta.id.clone(),
        longer.meta.id.clone(),
        note.meta.id.clone(),
    ];
    want.sort();
    assert_eq!(found, want);
    assert_eq!(find("ada@other.example"), vec![other.meta.id.clone()]);
    assert_eq!(
        find("ada@analytical.example.org"),
        vec![longer.meta.id.clone()]
    );
    assert!(find("ada@nowhere.example").is_empty());
    // Too short a local part to narrow by: the whole address is matched.
    assert_eq!(find("x@a.example"), vec![bare.meta.id.clone()]);
    assert_eq!(find("@a.example"), vec![bare.meta.id.clone()]);
}

/// A vocabulary word is found wherever it occurs: as a whole word, inside longer words,
/// in text that is not ASCII, inside a run of letters longer than the vocabulary keeps,
/// after an edit; with another word, or with a word it is one edit from. (On PostgreSQL
/// such a query is answered through the documents' words, migration 0011, and must find
/// what the trigram index finds.)
fn search_finds_a_word_wherever_it_occurs(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut tagged = person("Ivy Quill");
    tagged.tags.push("investor".into());
    let inside = person("Coinvestors Quill");
    let cjk = person("李 investor");
    let mut long = person("Lu Long");
    long.emails.push(Labeled::new(
        format!("{}investor{}@example.com", "a".repeat(30), "b".repeat(10)),
        None,
    ));
    let mut edited = person("Ed Quill");
    let other = person("Ola Invest");
    for p in [&tagged, &inside, &cjk, &long, &edited, &other] {
        add(&store, &ws, p);
    }
    let note = note_about(&other, "Met the investor-relations team");
    store.write(|tx| tx.insert(&ws, &note)).unwrap();
    edited.tags.push("investor".into());
    store
        .write(|tx| tx.update(&ws, &mut edited.clone(), 1, t("2026-11-02T00:00:00Z")))
        .unwrap();
    store.refresh_statistics().unwrap();
    let find = |q: &str| -> Vec<Id> {
        let mut ids: Vec<Id> = store
            .read(|tx| tx.search(&ws, q, 20))
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut ids: Vec<Id>| {
        ids.sort();
        ids
    };
    let holders = sorted(vec![
        tagged.meta.id.clone(),
        inside.meta.id.clone(),
        cjk.meta.id.clone(),
        long.meta.id.clone(),
        edited.meta.id.clone(),
        note.meta.id.clone(),
    ]);
    assert_eq!(find("investor"), holders);
    assert_eq!(find("INVESTOR"), holders);
    assert_eq!(
        find("quill investor"),
        sorted(vec![
            tagged.meta.id.clone(),
            inside.meta.id.clone(),
            edited.meta.id.clone()
        ])
    );
    // `invest` is one edit from `invests`, not a word here; `invest` itself is.
    let mut with_invest = holders.clone();
    with_invest.push(other.meta.id.clone());
    assert_eq!(find("invest"), sorted(with_invest));
    assert_eq!(find("coinvestors"), vec![inside.meta.id.clone()]);
    assert!(
        find("investorz quill")
            .iter()
            .all(|id| holders.contains(id))
    );
}

/// `token_principal_and_doc` answers what the token's user and then the record's
/// visible document, read apart, answer: for a record found, missing, trashed, in
/// another workspace or hidden from the user, and for a revoked or unknown token.
fn a_token_and_a_record_are_read_as_apart(db: &Fresh) {
    use rapport_store::TokenInfo;
    let store = open(db);
    let ws = workspace(&store, "w");
    let elsewhere = workspace(&store, "other");
    let user = |name: &str| User {
        meta: meta(),
        name: name.into(),
        role: Role::Member,
        time_zone: None,
    };
    let (ann, bob) = (user("ann"), user("bob"));
    let token = |u: &User, hash: &str| {
        let info = TokenInfo {
            id: id(),
            user_id: u.meta.id.clone(),
            label: None,
            created_at: t("2026-11-01T10:00:00Z"),
            last_used_at: None,
        };
        store
            .write(|tx| {
                tx.insert(&ws, u)?;
                tx.insert_token(&ws, &info, hash)
            })
            .unwrap();
        info.id
    };
    token(&ann, "hash-ann");
    let bobs = token(&bob, "hash-bob");
    let ada = person("Ada");
    add(&store, &ws, &ada);
    let trashed = person("Gone");
    add(&store, &ws, &trashed);
    store
        .write(|tx| {
            tx.set_trashed::<Person>(&ws, &trashed.meta.id, true, None, t("2026-11-02T00:00:00Z"))
        })
        .unwrap();
    let far = person("Far");
    add(&store, &elsewhere, &far);
    let private = relationship(&store, &ws, person_subject(&ada), |r| {
        r.owner_id = Some(bob.meta.id.clone());
        r.visibility = Visibility::Private;
    });
    let shared = relationship(&store, &ws, person_subject(&ada), |_| {});
    let apart = |hash: &str, rid: &Id, person: bool| {
        store
            .read(|tx| {
                let Some(p) = tx.token_principal(hash)? else {
                    return Ok(None);
                };
                let doc = if person {
                    tx.find_doc::<Person>(&p.workspace_id, rid)?
                } else {
                    tx.find_doc::<Relationship>(&p.workspace_id, rid)?
                };
                let seen = match doc {
                    Some(d)
                        if person
                            || tx.visible::<Relationship>(&p.workspace_id, rid, &p.user_id)? =>
                    {
                        Some(d)
                    }
                    _ => None,
                };
                Ok(Some((p.user_id, seen)))
            })
            .unwrap()
    };
    let together = |hash: &str, rid: &Id, person: bool| {
        store
            .read_one(|tx| {
                let found = if person {
                    tx.token_principal_and_doc::<Person>(hash, rid)?
                } else {
                    tx.token_principal_and_doc::<Relationship>(hash, rid)?
                };
                Ok(found.map(|(p, d)| (p.user_id, d)))
            })
            .unwrap()
    };
    // The same read awaited (`read_one_async`): on PostgreSQL the same answer, on
    // SQLite none (the caller reads the blocking way).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let postgres = store.dialect() == rapport_store::Dialect::Postgres;
    let awaited = |hash: &str, rid: &Id, person: bool| {
        let read = runtime.block_on(store.read_one_async(|tx| {
            let found = if person {
                tx.token_principal_and_doc::<Person>(hash, rid)?
            } else {
                tx.token_principal_and_doc::<Relationship>(hash, rid)?
            };
            Ok(found.map(|(p, d)| (p.user_id, d)))
        }));
        assert_eq!(read.is_some(), postgres, "{hash} {rid}");
        read.map(|r| r.unwrap())
    };
    let missing = id();
    for hash in ["hash-ann", "hash-bob", "hash-nobody"] {
        for rid in [&ada.meta.id, &trashed.meta.id, &far.meta.id, &missing] {
            assert_eq!(
                together(hash, rid, true),
                apart(hash, rid, true),
                "{hash} {rid}"
            );
            if let Some(read) = awaited(hash, rid, true) {
                assert_eq!(read, apart(hash, rid, true), "{hash} {rid}");
            }
        }
        for rid in [&private.meta.id, &shared.meta.id] {
            assert_eq!(
                together(hash, rid, false),
                apart(hash, rid, false),
                "{hash} {rid}"
            );
            if let Some(read) = awaited(hash, rid, false) {
                assert_eq!(read, apart(hash, rid, false), "{hash} {rid}");
            }
        }
    }
    // A read of two statements, or of none, is not answered by its first alone.
    let two = runtime.block_on(store.read_one_async(|tx| {
        let first = tx.token_principal("hash-ann")?;
        let second = tx.token_principal("hash-bob")?;
        Ok((first.is_some(), second.is_some()))
    }));
    assert!(two.is_none(), "{two:?}");
    let none = runtime.block_on(store.read_one_async(|_| Ok(7)));
    assert_eq!(none.map(|r| r.unwrap()), postgres.then_some(7));
    let found = together("hash-ann", &ada.meta.id, true);
    assert!(
        matches!(&found, Some((u, Some(_))) if *u == ann.meta.id),
        "{found:?}"
    );
    assert!(matches!(
        together("hash-ann", &trashed.meta.id, true),
        Some((_, Some(_)))
    ));
    assert_eq!(
        together("hash-ann", &far.meta.id, true),
        Some((ann.meta.id.clone(), None))
    );
    assert_eq!(
        together("hash-ann", &private.meta.id, false),
        Some((ann.meta.id.clone(), None))
    );
    assert!(matches!(
        together("hash-bob", &private.meta.id, false),
        Some((_, Some(_)))
    ));
    assert_eq!(together("hash-nobody", &ada.meta.id, true), None);
    store
        .write(|tx| tx.revoke_token(&ws, &bobs, t("2026-11-03T00:00:00Z")))
        .unwrap();
    assert_eq!(together("hash-bob", &ada.meta.id, true), None);
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
        let found = last
            .iter()
            .find(|(id, _)| *id == p.meta.id)
            .map(|(_, at)| *at);
        // The same read for a few subjects (one never contacted) answers the same.
        let of = store
            .read(|tx| tx.last_contacts_of(&ws, &[id(), p.meta.id.clone()]))
            .unwrap();
        assert_eq!(
            of,
            found
                .map(|at| (p.meta.id.clone(), at))
                .into_iter()
                .collect::<Vec<_>>()
        );
        found
    };
    assert_eq!(last_of(&store), Some(t("2026-11-01T10:00:00Z")));
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

/// A history of several days with gaps, written out of order and rewritten.
fn record_uneven_history(store: &Store, ws: &Id, rels: &[Id]) {
    let day = |d: i64| {
        jiff::civil::date(2026, 10, 1)
            .checked_add(jiff::Span::new().days(d))
            .unwrap()
    };
    // (day, one score per relationship); None for no score that day.
    let days: &[(i64, [Option<u8>; 4])] = &[
        (0, [Some(90), Some(50), Some(80), None]),
        (3, [Some(85), Some(60), None, Some(70)]),
        (4, [Some(79), Some(75), Some(70), Some(71)]),
        (20, [Some(80), Some(64), Some(69), None]),
        (10, [Some(95), None, Some(81), Some(50)]),
        (33, [Some(84), Some(70), Some(50), Some(60)]),
        (41, [Some(60), Some(71), Some(80), None]),
        (45, [Some(61), Some(50), Some(79), Some(55)]),
        // Rewritten: the peak of day 10 goes, which changes the later days' falls.
        (10, [Some(70), Some(40), None, Some(50)]),
        (80, [Some(20), Some(60), Some(60), Some(90)]),
    ];
    for (d, scores) in days {
        let scores: Vec<(Id, Option<u8>)> = rels
            .iter()
            .zip(scores)
            .map(|(r, s)| (r.clone(), *s))
            .collect();
        store
            .write(|tx| tx.record_health_many(ws, day(*d), &scores))
            .unwrap();
    }
    // One relationship also by the single write.
    store
        .write(|tx| tx.record_health(ws, &rels[3], day(42), Some(30)))
        .unwrap();
}

/// A workspace with four relationships and `record_uneven_history`'s scores.
fn four_with_uneven_history(store: &Store) -> (Id, Vec<Id>) {
    let ws = workspace(store, "w");
    let mut rels = Vec::new();
    for name in ["A", "B", "C", "D"] {
        let p = person(name);
        add(store, &ws, &p);
        rels.push(relationship(store, &ws, person_subject(&p), |_| {}).meta.id);
    }
    record_uneven_history(store, &ws, &rels);
    (ws, rels)
}

/// The recorded falls find exactly the falling relationships that the window of every
/// recorded score finds, on each day of an uneven history, and they are the core's
/// fall days of the whole history.
fn health_falls_find_what_the_window_finds(db: &Fresh) {
    let store = open(db);
    let (ws, rels) = four_with_uneven_history(&store);
    let start = jiff::civil::date(2026, 9, 1);
    let all = store.read(|tx| tx.recent_health(&ws, start)).unwrap();
    let window = jiff::Span::new().days(health::FALL_WINDOW_DAYS);
    let mut falling_days = 0;
    for back in 0..120 {
        let today = start.checked_add(jiff::Span::new().days(back)).unwrap();
        let since = today.checked_sub(window).unwrap();
        // The old way: every score of the window.
        let mut expected: Vec<(Id, health::Falling)> = all
            .iter()
            .filter_map(|(id, h)| health::is_falling(h, today).map(|f| (id.clone(), f)))
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        // The new way: the recorded falls, then those relationships' scores.
        let may_fall = store.read(|tx| tx.health_falls(&ws, since, today)).unwrap();
        let history = store
            .read(|tx| tx.recent_health_of(&ws, &may_fall, since))
            .unwrap();
        let mut found: Vec<(Id, health::Falling)> = history
            .iter()
            .filter_map(|(id, h)| health::is_falling(h, today).map(|f| (id.clone(), f)))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(found, expected, "on {today}");
        falling_days += usize::from(!expected.is_empty());
    }
    assert!(falling_days > 10, "the history has falls to find");
    // The stored falls are the core's fall days of the whole history.
    let until = jiff::civil::date(2027, 1, 31);
    for id in &rels {
        let h = all.get(id).cloned().unwrap_or_default();
        let mut want: Vec<Id> = Vec::new();
        for d in health::fall_days(&h, start, until) {
            let got = store.read(|tx| tx.health_falls(&ws, d, d)).unwrap();
            assert!(got.contains(id), "{id} fell on {d}");
            want.push(id.clone());
        }
        let days_with_falls = (0..160)
            .map(|n| start.checked_add(jiff::Span::new().days(n)).unwrap())
            .filter(|d| {
                store
                    .read(|tx| tx.health_falls(&ws, *d, *d))
                    .unwrap()
                    .contains(id)
            })
            .count();
        assert_eq!(days_with_falls, want.len(), "no other falls of {id}");
    }
}

/// Migration 0007 fills the falls of the scores recorded before it as the write path
/// keeps them.
fn health_falls_backfill_matches_the_write_path(db: &Fresh) {
    let store = open(db);
    let (ws, _) = four_with_uneven_history(&store);
    let start = jiff::civil::date(2026, 9, 1);
    let falls_by_day = |store: &Store| -> Vec<(jiff::civil::Date, Vec<Id>)> {
        (0..160)
            .map(|n| start.checked_add(jiff::Span::new().days(n)).unwrap())
            .map(|d| {
                let mut ids = store.read(|tx| tx.health_falls(&ws, d, d)).unwrap();
                ids.sort();
                (d, ids)
            })
            .filter(|(_, ids)| !ids.is_empty())
            .collect()
    };
    let kept = falls_by_day(&store);
    assert!(!kept.is_empty());
    drop(store);
    // Back to before migration 0007 (and 0008), with the scores recorded.
    if db.url().starts_with("postgres") {
        let mut c = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
        c.batch_execute(
            "DROP TABLE agenda_relationships; DROP TABLE health_falls;
             DELETE FROM schema_migrations WHERE version >= 7",
        )
        .unwrap();
    } else {
        let c = rusqlite::Connection::open(db.url()).unwrap();
        c.execute_batch(
            "DROP TABLE agenda_relationships; DROP TABLE health_falls; PRAGMA user_version = 6",
        )
        .unwrap();
    }
    let store = open(db);
    assert_eq!(falls_by_day(&store), kept);
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

/// People, an organization, interactions (one trashed) and a note, with emails, phones,
/// tags and searchable text: what the bulk-path tests load.
type Sample = (Vec<Person>, Vec<Organization>, Vec<Interaction>, Vec<Note>);

fn sample_records() -> Sample {
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
    (people, orgs, interactions, notes)
}

/// The queries the bulk-path tests compare: fragments, a one-typo name, accents, an
/// email, a phone, a tag, an organization's domain and a note.
const SAMPLE_QUERIES: &[&str] = &[
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

/// Two stores with the same workspace: `one` holds the sample records inserted one at a
/// time, `empty` (a sibling database) nothing yet. What the bulk-path tests compare
/// against. Fields drop in order, so the stores close before the sibling database goes.
struct SinglesAndEmpty {
    one: Store,
    empty: Store,
    ws: Id,
    sample: Sample,
    _sibling: Fresh,
}

fn singles_and_empty(db: &Fresh) -> SinglesAndEmpty {
    let sibling = sibling(db);
    let (one, empty) = (open(db), open(&sibling));
    let w = Workspace {
        meta: meta(),
        name: "w".into(),
    };
    for store in [&one, &empty] {
        store.write(|tx| tx.insert_workspace(&w)).unwrap();
    }
    let ws = w.meta.id.clone();
    let sample = sample_records();
    let (people, orgs, interactions, notes) = &sample;
    one.write(|tx| {
        for p in people {
            tx.insert(&ws, p)?;
        }
        tx.insert(&ws, &orgs[0])?;
        for i in interactions {
            tx.insert(&ws, i)?;
        }
        tx.insert(&ws, &notes[0])
    })
    .unwrap();
    SinglesAndEmpty {
        one,
        empty,
        ws,
        sample,
        _sibling: sibling,
    }
}

/// The bulk path (`insert_many`, used for demo data) leaves exactly the side indexes,
/// activity and search index that inserting the same records one at a time does, and
/// they stay consistent when a bulk-inserted record is edited afterwards.
fn bulk_insert_matches_single_inserts(db: &Fresh) {
    let SinglesAndEmpty {
        one,
        empty: many,
        ws,
        sample: (people, orgs, interactions, notes),
        _sibling,
    } = singles_and_empty(db);
    many.write(|tx| {
        tx.insert_many(&ws, &people)?;
        tx.insert_many(&ws, &orgs)?;
        tx.insert_many(&ws, &interactions)?;
        tx.insert_many(&ws, &notes)
    })
    .unwrap();
    let queries = SAMPLE_QUERIES;
    let expected = derived(&one, &ws, &people, queries);
    assert_eq!(derived(&many, &ws, &people, queries), expected);
    assert!(
        expected
            .iter()
            .any(|l| l.starts_with("search babage [\"person")),
        "a one-typo query finds the person: {expected:?}"
    );
    edits_alike(&one, &many, &ws, &people);
}

/// A bulk insert long enough for several full multi-row statements and a shorter last
/// one (600 people: two statements of 256 rows and one of 88 in `people`, more rows in
/// the side tables, all through one prepared statement per table) leaves what inserting
/// the same people one at a time leaves: the side indexes, the search entries and the
/// documents.
fn bulk_insert_in_chunks_matches_single_inserts(db: &Fresh) {
    let sibling = sibling(db);
    let (one, many) = (open(db), open(&sibling));
    let w = Workspace {
        meta: meta(),
        name: "w".into(),
    };
    for store in [&one, &many] {
        store.write(|tx| tx.insert_workspace(&w)).unwrap();
    }
    let ws = w.meta.id.clone();
    let people: Vec<Person> = (0..600)
        .map(|i| {
            let mut p = person(&format!("Chunk Person {i}"));
            p.emails
                .push(Labeled::new(format!("chunk{i}@example.com"), None));
            p.emails
                .push(Labeled::new(format!("chunk.{i}@example.org"), None));
            p.tags
                .push(if i % 2 == 0 { "vip" } else { "supplier" }.into());
            p
        })
        .collect();
    one.write(|tx| {
        for p in &people {
            tx.insert(&ws, p)?;
        }
        Ok(())
    })
    .unwrap();
    many.write(|tx| tx.insert_many(&ws, &people)).unwrap();
    let queries = ["chunk person 599", "chunk person 7", "chunk"];
    assert_eq!(
        derived(&many, &ws, &people, &queries),
        derived(&one, &ws, &people, &queries)
    );
    let docs = |store: &Store| {
        store
            .read(|tx| {
                people
                    .iter()
                    .map(|p| tx.find_doc::<Person>(&ws, &p.meta.id))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
    };
    let written = docs(&many);
    assert!(
        written.iter().all(Option::is_some),
        "every person is stored"
    );
    assert_eq!(written, docs(&one));
}

/// Editing a bulk-loaded person rewrites its search entry in both stores alike.
fn edits_alike(one: &Store, many: &Store, ws: &Id, people: &[Person]) {
    let now = t("2026-11-06T00:00:00Z");
    for store in [one, many] {
        store
            .write(|tx| {
                let mut p: Person = tx.get(ws, &people[1].meta.id)?;
                p.name = "Charles Xavier".into();
                p.emails = vec![Labeled::new("xavier@example.com", None)];
                tx.update(ws, &mut p, 1, now)
            })
            .unwrap();
    }
    let queries = ["babbage", "xavier", "charles"];
    let after = derived(one, ws, people, &queries);
    assert_eq!(derived(many, ws, people, &queries), after);
    assert!(
        after.iter().any(|l| l == "search babbage []"),
        "the old name is gone: {after:?}"
    );
}

/// The import's batch lookups (emails, phones, namesakes, organizations by name) give
/// what the one-at-a-time lookups give, skip the trash and other workspaces, and look
/// at no more namesakes than the name match does.
fn batch_lookups_agree_with_single_lookups(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let other = workspace(&store, "other");
    let mut ada = person("Ada Lovelace");
    ada.emails.push(Labeled::new("Ada@Example.com", None));
    ada.phones.push(Labeled::new("+44 20 7946 0001", None));
    add(&store, &ws, &ada);
    let mut gone = person("Ada Lovelace");
    gone.emails.push(Labeled::new("gone@example.com", None));
    gone.phones.push(Labeled::new("+44 20 7946 0002", None));
    add(&store, &ws, &gone);
    store
        .write(|tx| {
            tx.set_trashed::<Person>(&ws, &gone.meta.id, true, None, t("2026-11-02T00:00:00Z"))
        })
        .unwrap();
    let mut elsewhere = person("Grace Hopper");
    elsewhere
        .emails
        .push(Labeled::new("grace@example.com", None));
    add(&store, &other, &elsewhere);
    let navy = Organization::named(meta(), "US Navy".into());
    store.write(|tx| tx.insert(&ws, &navy)).unwrap();
    let grace = person("Grace Hopper");
    add(&store, &ws, &grace);
    let m = Membership {
        meta: meta(),
        person_id: grace.meta.id.clone(),
        organization_id: navy.meta.id.clone(),
        title: None,
        from: None,
        to: None,
    };
    store.write(|tx| tx.insert(&ws, &m)).unwrap();
    // More namesakes than the name match looks at.
    let many: Vec<Person> = (0..rapport_store::CANDIDATES + 5)
        .map(|_| person("Alan Turing"))
        .collect();
    store.write(|tx| tx.insert_many(&ws, &many)).unwrap();

    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let emails = store
        .read(|tx| {
            tx.known_emails(
                &ws,
                &strings(&[
                    "ada@example.com",
                    "gone@example.com",
                    "grace@example.com",
                    "x@y.z",
                ]),
            )
        })
        .unwrap();
    assert_eq!(emails, HashSet::from(["ada@example.com".to_string()]));
    let phones = store
        .read(|tx| tx.known_phones(&ws, &strings(&["+442079460001", "+442079460002"])))
        .unwrap();
    assert_eq!(phones, HashSet::from(["+442079460001".to_string()]));

    let keys = strings(&["ada lovelace", "grace hopper", "alan turing", "nobody"]);
    let namesakes = store.read(|tx| tx.namesakes(&ws, &keys, false)).unwrap();
    let of = |k: &str| {
        namesakes
            .iter()
            .filter(|n| n.name_key == k)
            .collect::<Vec<_>>()
    };
    let ada_n = of("ada lovelace");
    assert_eq!(ada_n.len(), 1, "the trashed namesake is not a candidate");
    assert_eq!(ada_n[0].id, ada.meta.id);
    assert!(ada_n[0].has_email && ada_n[0].org_keys.is_empty());
    let grace_n = of("grace hopper");
    assert_eq!(grace_n.len(), 1, "not the one of the other workspace");
    assert!(!grace_n[0].has_email);
    assert_eq!(grace_n[0].org_keys, vec!["us navy".to_string()]);
    let alan_n = of("alan turing");
    assert_eq!(alan_n.len(), rapport_store::CANDIDATES);
    let single = store
        .read(|tx| tx.people_named(&ws, "alan turing", false))
        .unwrap();
    let ids = |v: Vec<Id>| v.into_iter().collect::<HashSet<Id>>();
    assert_eq!(
        ids(alan_n.iter().map(|n| n.id.clone()).collect()),
        ids(single.into_iter().map(|(p, _)| p.meta.id).collect()),
        "the same candidates as the single name match"
    );
    assert!(of("nobody").is_empty());
    // Only those without an email, the first namesakes still: Ada has one, Grace none,
    // and of the Alan Turings (none with an email) the same first ones.
    let without = store.read(|tx| tx.namesakes(&ws, &keys, true)).unwrap();
    let pick = |v: &[rapport_store::Namesake], k: &str| {
        v.iter()
            .filter(|n| n.name_key == k)
            .map(|n| (n.id.clone(), n.has_email, n.org_keys.clone()))
            .collect::<Vec<_>>()
    };
    assert!(pick(&without, "ada lovelace").is_empty());
    assert_eq!(
        pick(&without, "grace hopper"),
        pick(&namesakes, "grace hopper")
    );
    assert_eq!(
        pick(&without, "alan turing"),
        pick(&namesakes, "alan turing")
    );

    let orgs = store
        .read(|tx| tx.by_name_keys::<Organization>(&ws, &strings(&["us navy", "nope"])))
        .unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].meta.id, navy.meta.id);
}

fn relationship(
    store: &Store,
    ws: &Id,
    subject: Subject,
    set: impl FnOnce(&mut Relationship),
) -> Relationship {
    let mut rel = Relationship::new(meta(), subject, RelationshipKind::Friend);
    set(&mut rel);
    store.write(|tx| tx.insert(ws, &rel)).unwrap();
    rel
}

fn person_subject(p: &Person) -> Subject {
    Subject {
        kind: SubjectKind::Person,
        id: p.meta.id.clone(),
    }
}

fn talk(at: &str, people: Vec<Id>, orgs: Vec<Id>, sentiment: Option<i64>) -> Interaction {
    Interaction {
        meta: meta(),
        at: t(at),
        channel: Channel::Call,
        direction: Direction::Outbound,
        participants: people,
        organization_ids: orgs,
        minutes: None,
        sentiment: sentiment.map(|s| Sentiment::new(s).unwrap()),
        summary: "talk".into(),
        body: None,
        source: Source::Manual,
        source_id: None,
    }
}

fn agenda_reads_the_check_ins_that_may_be_due(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let elsewhere = workspace(&store, "other");
    let mut people = Vec::new();
    for name in [
        "Overdue", "Recent", "Never", "Default", "Dormant", "Trashed",
    ] {
        let p = person(name);
        add(&store, &ws, &p);
        people.push(p);
    }
    let [overdue, recent, never, default, dormant, trashed] = &people[..] else {
        unreachable!()
    };
    let cadence = |d: i64| Some(CadenceDays::new(d).unwrap());
    let r_overdue = relationship(&store, &ws, person_subject(overdue), |r| {
        r.cadence_days = cadence(14)
    });
    // A friend of importance 3 is assumed a 30-day cadence: 3 days is not due.
    let r_recent = relationship(&store, &ws, person_subject(recent), |_| {});
    let started = jiff::civil::date(2026, 1, 5);
    let r_never = relationship(&store, &ws, person_subject(never), |r| {
        r.started_on = Some(started)
    });
    // A customer of importance 5 is assumed a 14-day cadence: 20 days is due.
    let r_default = relationship(&store, &ws, person_subject(default), |r| {
        r.kind = RelationshipKind::Customer;
        r.importance = Importance::new(5).unwrap();
    });
    let r_dormant = relationship(&store, &ws, person_subject(dormant), |r| {
        r.status = RelationshipStatus::Dormant
    });
    let r_trashed = relationship(&store, &ws, person_subject(trashed), |_| {});
    let now = t("2026-11-23T09:00:00Z");
    store
        .write(|tx| tx.set_trashed::<Relationship>(&ws, &r_trashed.meta.id, true, None, now))
        .unwrap();
    for (p, at) in [
        (overdue, "2026-10-14T10:00:00Z"),
        (recent, "2026-11-20T10:00:00Z"),
        (default, "2026-11-03T10:00:00Z"),
        (dormant, "2026-01-03T10:00:00Z"),
        (trashed, "2026-01-03T10:00:00Z"),
    ] {
        let i = talk(at, vec![p.meta.id.clone()], vec![], None);
        store.write(|tx| tx.insert(&ws, &i)).unwrap();
    }
    let p_far = person("Far");
    add(&store, &elsewhere, &p_far);
    let r_far = relationship(&store, &elsewhere, person_subject(&p_far), |_| {});

    let due = rapport_store::DueCheckIns {
        day_start: now,
        default_cadence: &rapport_core::health::default_cadence,
    };
    let rels = store
        .read(|tx| tx.agenda_relationships(&ws, &due, None))
        .unwrap();
    let mut ids: Vec<&Id> = rels.iter().map(|r| &r.id).collect();
    ids.sort();
    let mut want = vec![&r_overdue.meta.id, &r_never.meta.id, &r_default.meta.id];
    want.sort();
    assert_eq!(
        ids, want,
        "only active relationships whose check-in may be due"
    );
    let never_row = rels.iter().find(|r| r.id == r_never.meta.id).unwrap();
    assert_eq!(never_row.started_on, Some(started));
    assert_eq!(never_row.last_at, None);
    assert_eq!(
        never_row.card.as_ref().map(|c| c.name.as_str()),
        Some("Never")
    );
    let overdue_row = rels.iter().find(|r| r.id == r_overdue.meta.id).unwrap();
    assert_eq!(overdue_row.last_at, Some(t("2026-10-14T10:00:00Z")));
    assert_eq!(overdue_row.cadence_days, cadence(14));

    // By id: any status, but never trashed or another workspace's.
    let asked = [
        r_recent.meta.id.clone(),
        r_dormant.meta.id.clone(),
        r_trashed.meta.id.clone(),
        r_far.meta.id.clone(),
    ];
    let rels = store
        .read(|tx| tx.agenda_relationships_by_id(&ws, &asked, None))
        .unwrap();
    let mut ids: Vec<&Id> = rels.iter().map(|r| &r.id).collect();
    ids.sort();
    let mut want = vec![&r_recent.meta.id, &r_dormant.meta.id];
    want.sort();
    assert_eq!(ids, want);
    let recent_row = rels.iter().find(|r| r.id == r_recent.meta.id).unwrap();
    assert_eq!(recent_row.last_at, Some(t("2026-11-20T10:00:00Z")));

    // Whom they are with, by id: the same relationships, with their subject's name.
    let mut subjects = store
        .read(|tx| tx.agenda_subjects(&ws, &asked.iter().collect::<Vec<_>>(), None))
        .unwrap();
    subjects.sort_by(|a, b| a.relationship_id.cmp(&b.relationship_id));
    let mut want = vec![
        rapport_store::AgendaSubject {
            relationship_id: r_recent.meta.id.clone(),
            subject_id: recent.meta.id.clone(),
            name: Some("Recent".into()),
        },
        rapport_store::AgendaSubject {
            relationship_id: r_dormant.meta.id.clone(),
            subject_id: dormant.meta.id.clone(),
            name: Some("Dormant".into()),
        },
    ];
    want.sort_by(|a, b| a.relationship_id.cmp(&b.relationship_id));
    assert_eq!(
        subjects, want,
        "any status, never trashed or another workspace's"
    );
}

/// The agenda's reads of relationships, given a viewer, leave out those private to
/// someone else, as `Scope::Relationship` does for lists; without one, nothing.
fn agenda_reads_leave_out_others_private_relationships(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let me = Id::v7(1, [1; 10]);
    let someone = Id::v7(2, [2; 10]);
    let mut rels = Vec::new();
    for (name, visibility, owner) in [
        ("Shared", Visibility::Workspace, Some(&someone)),
        ("Mine", Visibility::Private, Some(&me)),
        ("Theirs", Visibility::Private, Some(&someone)),
        ("Nobody's", Visibility::Private, None),
    ] {
        let p = person(name);
        add(&store, &ws, &p);
        // Never in touch: each check-in may be due.
        rels.push(relationship(&store, &ws, person_subject(&p), |r| {
            r.visibility = visibility;
            r.owner_id = owner.cloned();
        }));
    }
    let theirs = &rels[2].meta.id;
    let ids: Vec<Id> = rels.iter().map(|r| r.meta.id.clone()).collect();
    let due = rapport_store::DueCheckIns {
        day_start: t("2026-11-23T09:00:00Z"),
        default_cadence: &rapport_core::health::default_cadence,
    };
    for viewer in [None, Some(&me)] {
        let mut want: Vec<&Id> = ids
            .iter()
            .filter(|id| viewer.is_none() || *id != theirs)
            .collect();
        want.sort();
        let (due_read, by_id, subjects) = store
            .read(|tx| {
                Ok((
                    tx.agenda_relationships(&ws, &due, viewer)?,
                    tx.agenda_relationships_by_id(&ws, &ids, viewer)?,
                    tx.agenda_subjects(&ws, &ids.iter().collect::<Vec<_>>(), viewer)?,
                ))
            })
            .unwrap();
        fn sorted(mut v: Vec<&Id>) -> Vec<&Id> {
            v.sort();
            v
        }
        assert_eq!(
            sorted(due_read.iter().map(|r| &r.id).collect()),
            want,
            "{viewer:?}"
        );
        assert_eq!(
            sorted(by_id.iter().map(|r| &r.id).collect()),
            want,
            "{viewer:?}"
        );
        assert_eq!(
            sorted(subjects.iter().map(|s| &s.relationship_id).collect()),
            want,
            "{viewer:?}"
        );
        // Counted the same way, and no further than asked.
        let counts = store
            .read(|tx| {
                (0..=5)
                    .map(|n| tx.relationships_seen_up_to(&ws, viewer, n))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        let seen = want.len() as u32;
        assert_eq!(
            counts,
            (0..=5).map(|n| n.min(seen)).collect::<Vec<_>>(),
            "{viewer:?}"
        );
    }
    // Neither trashed relationships nor another workspace's are counted.
    let other = workspace(&store, "other");
    let p = person("Elsewhere");
    add(&store, &other, &p);
    relationship(&store, &other, person_subject(&p), |_| {});
    store
        .write(|tx| {
            tx.set_trashed::<Relationship>(&ws, &ids[0], true, None, t("2026-11-23T10:00:00Z"))
        })
        .unwrap();
    assert_eq!(
        store
            .read(|tx| tx.relationships_seen_up_to(&ws, None, 10))
            .unwrap(),
        3
    );
}

fn agenda_reads_promises_and_tasks_as_columns(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let p = person("P");
    add(&store, &ws, &p);
    let rel = relationship(&store, &ws, person_subject(&p), |_| {});
    let promise = |text: &str, due: Option<jiff::civil::Date>| Commitment {
        meta: meta(),
        relationship_id: rel.meta.id.clone(),
        owed_by: OwedBy::Them,
        text: text.into(),
        due,
        status: CommitmentStatus::Open,
        closed_at: None,
    };
    let soon = promise("send the deck", Some(jiff::civil::date(2026, 11, 24)));
    let later = promise("call back", Some(jiff::civil::date(2026, 12, 24)));
    let undated = promise("someday", None);
    for c in [&soon, &later, &undated] {
        store.write(|tx| tx.insert(&ws, c)).unwrap();
    }
    let mut edited = soon.clone();
    edited.text = "send the new deck".into();
    let now = t("2026-11-23T09:00:00Z");
    store
        .write(|tx| tx.update(&ws, &mut edited, 1, now))
        .unwrap();
    let by = |mine, theirs| rapport_core::agenda::PromisesDueBy { mine, theirs };
    let (d24, d26) = (
        jiff::civil::date(2026, 11, 24),
        jiff::civil::date(2026, 11, 26),
    );
    let due = store
        .read(|tx| tx.open_commitments_due(&ws, by(d26, d26)))
        .unwrap();
    assert_eq!(
        due,
        vec![rapport_store::DueCommitment {
            id: soon.meta.id.clone(),
            relationship_id: rel.meta.id.clone(),
            owed_by: OwedBy::Them,
            text: "send the new deck".into(),
            due: soon.due,
        }],
        "the edited text, and only what is due by then"
    );
    // Theirs by their own date: due on the 24th, it is read by the 24th, not the 23rd.
    for (theirs, n) in [(d24, 1), (jiff::civil::date(2026, 11, 23), 0)] {
        let due = store
            .read(|tx| tx.open_commitments_due(&ws, by(d26, theirs)))
            .unwrap();
        assert_eq!(due.len(), n, "theirs by {theirs}");
    }
    let mut mine = edited.clone();
    mine.owed_by = OwedBy::Me;
    store.write(|tx| tx.update(&ws, &mut mine, 2, now)).unwrap();
    for (mine_by, n) in [(d24, 1), (jiff::civil::date(2026, 11, 23), 0)] {
        let due = store
            .read(|tx| tx.open_commitments_due(&ws, by(mine_by, mine_by)))
            .unwrap();
        assert_eq!(due.len(), n, "mine by {mine_by}");
    }

    let task = |text: &str, due: Option<jiff::civil::Date>| Task {
        meta: meta(),
        text: text.into(),
        due,
        done_at: None,
        link: None,
    };
    let today = jiff::civil::date(2026, 11, 23);
    let overdue = task("overdue", Some(jiff::civil::date(2026, 11, 20)));
    let on_the_day = task("today", Some(today));
    let tomorrow = task("tomorrow", Some(jiff::civil::date(2026, 11, 24)));
    let undated = task("undated", None);
    let mut done = task("done", Some(today));
    done.done_at = Some(now);
    for t in [&overdue, &on_the_day, &tomorrow, &undated, &done] {
        store.write(|tx| tx.insert(&ws, t)).unwrap();
    }
    let due = store.read(|tx| tx.tasks_due(&ws, today)).unwrap();
    let mut texts: Vec<&str> = due.iter().map(|t| t.text.as_str()).collect();
    texts.sort();
    assert_eq!(texts, vec!["overdue", "today"]);
}

fn workspace_health_records_match_each_record(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let ada = person("Ada");
    let bob = person("Bob");
    let former = person("Former");
    for p in [&ada, &bob, &former] {
        add(&store, &ws, p);
    }
    let org = Organization::named(meta(), "Acme".into());
    store.write(|tx| tx.insert(&ws, &org)).unwrap();
    let member = |p: &Person, to: Option<jiff::civil::Date>| Membership {
        meta: meta(),
        person_id: p.meta.id.clone(),
        organization_id: org.meta.id.clone(),
        title: None,
        from: None,
        to,
    };
    store
        .write(|tx| tx.insert(&ws, &member(&bob, None)))
        .unwrap();
    store
        .write(|tx| tx.insert(&ws, &member(&former, Some(jiff::civil::date(2026, 1, 1)))))
        .unwrap();
    let r_ada = relationship(&store, &ws, person_subject(&ada), |_| {});
    let org_subject = Subject {
        kind: SubjectKind::Organization,
        id: org.meta.id.clone(),
    };
    let r_org = relationship(&store, &ws, org_subject.clone(), |r| {
        r.kind = RelationshipKind::Customer
    });
    let r_bob = relationship(&store, &ws, person_subject(&bob), |_| {});

    let a = ada.meta.id.clone();
    let b = bob.meta.id.clone();
    let o = org.meta.id.clone();
    let f = former.meta.id.clone();
    let talks = [
        talk("2026-09-01T10:00:00Z", vec![a.clone()], vec![], Some(1)),
        // The same time twice: ties are ordered by id.
        talk(
            "2026-10-01T10:00:00Z",
            vec![a.clone(), b.clone()],
            vec![],
            Some(-1),
        ),
        talk(
            "2026-10-01T10:00:00Z",
            vec![b.clone()],
            vec![o.clone()],
            None,
        ),
        talk(
            "2026-10-05T10:00:00Z",
            vec![f.clone()],
            vec![o.clone()],
            Some(2),
        ),
        talk("2026-10-07T10:00:00Z", vec![f.clone()], vec![], Some(2)),
        talk("2026-11-01T10:00:00Z", vec![a.clone()], vec![], Some(0)),
    ];
    for i in &talks {
        store.write(|tx| tx.insert(&ws, i)).unwrap();
    }
    let now = t("2026-11-23T09:00:00Z");
    // An edited sentiment and a trashed interaction are seen as they are now.
    let mut edited = talks[0].clone();
    edited.sentiment = Some(Sentiment::new(-2).unwrap());
    store
        .write(|tx| tx.update(&ws, &mut edited, 1, now))
        .unwrap();
    store
        .write(|tx| tx.set_trashed::<Interaction>(&ws, &talks[5].meta.id, true, None, now))
        .unwrap();

    store
        .write(|tx| {
            tx.insert(
                &ws,
                &Commitment {
                    meta: meta(),
                    relationship_id: r_ada.meta.id.clone(),
                    owed_by: OwedBy::Me,
                    text: "intro".into(),
                    due: Some(jiff::civil::date(2026, 11, 1)),
                    status: CommitmentStatus::Kept,
                    closed_at: Some(t("2026-10-30T10:00:00Z")),
                },
            )?;
            for (direction, value) in [
                (ExchangeDirection::Given, 3),
                (ExchangeDirection::Received, 1),
            ] {
                tx.insert(
                    &ws,
                    &Exchange {
                        meta: meta(),
                        relationship_id: r_org.meta.id.clone(),
                        direction,
                        kind: ExchangeKind::Favor,
                        value,
                        amount: None,
                        currency: None,
                        note: String::new(),
                        at: t("2026-10-02T10:00:00Z"),
                    },
                )?;
            }
            tx.insert(
                &ws,
                &Conflict {
                    meta: meta(),
                    relationship_id: r_org.meta.id.clone(),
                    description: "late delivery".into(),
                    severity: Severity::new(2).unwrap(),
                    status: ConflictStatus::Open,
                    resolution_method: None,
                    resolution_note: None,
                    opened_at: t("2026-10-03T10:00:00Z"),
                    resolved_at: None,
                },
            )?;
            tx.insert(
                &ws,
                &Feedback {
                    meta: meta(),
                    relationship_id: r_ada.meta.id.clone(),
                    scale: FeedbackScale::Nps,
                    score: 9,
                    comment: None,
                    at: t("2026-10-04T10:00:00Z"),
                },
            )
        })
        .unwrap();

    let rels = [&r_ada, &r_org, &r_bob];
    let keys: Vec<(&Id, &Subject)> = rels.iter().map(|r| (&r.meta.id, &r.subject)).collect();
    let all = store.read(|tx| tx.health_records(&ws, &keys)).unwrap();
    for (rel, got) in rels.iter().zip(&all) {
        let one = store.read(|tx| tx.relationship_record(&ws, rel)).unwrap();
        assert_eq!(
            *got,
            rapport_store::HealthRecord::from(&one),
            "{:?}",
            rel.kind
        );
    }
    // Ada: her two live interactions, newest first, with the edited sentiment.
    let sentiments: Vec<Option<i8>> = all[0]
        .interactions
        .iter()
        .map(|i| i.sentiment.map(|s| s.get()))
        .collect();
    assert_eq!(sentiments, vec![Some(-1), Some(-2)]);
    // Acme: its own and its current member's, the shared one once; not the former member's.
    assert_eq!(all[1].interactions.len(), 3);
    assert_eq!(all[1].exchanges.len(), 2);
    assert_eq!(all[1].conflicts.len(), 1);
    assert_eq!(all[0].commitments.len(), 1);
    assert_eq!(all[0].feedback.len(), 1);
}

fn health_scores_of_a_day_and_a_window(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let elsewhere = workspace(&store, "other");
    let mut rels = Vec::new();
    for (w, name) in [
        (&ws, "Steady"),
        (&ws, "Falling"),
        (&ws, "Unknown"),
        (&elsewhere, "Far"),
    ] {
        let p = person(name);
        add(&store, w, &p);
        rels.push(relationship(&store, w, person_subject(&p), |_| {}).meta.id);
    }
    let day = |d: i8| jiff::civil::date(2026, 11, d);
    let today = day(23);
    store
        .write(|tx| {
            tx.record_health_many(
                &ws,
                day(1),
                &[(rels[0].clone(), Some(70)), (rels[1].clone(), Some(90))],
            )?;
            tx.record_health_many(
                &ws,
                today,
                &[
                    (rels[0].clone(), Some(65)),
                    (rels[1].clone(), Some(75)),
                    (rels[2].clone(), None),
                ],
            )?;
            tx.record_health_many(&elsewhere, today, &[(rels[3].clone(), Some(10))])?;
            // Recording again the same day replaces the score.
            tx.record_health_many(&ws, today, &[(rels[1].clone(), Some(70))])
        })
        .unwrap();
    let on = store.read(|tx| tx.health_on(&ws, today)).unwrap();
    assert_eq!(on.len(), 3);
    assert_eq!(on.get(&rels[1]), Some(&Some(70)));
    assert_eq!(on.get(&rels[2]), Some(&None));
    let h = store
        .read(|tx| tx.health_history(&rels[1], day(1)))
        .unwrap();
    assert_eq!(h, vec![(day(1), Some(90)), (today, Some(70))]);

    // Only a score 10 points or more below the best of the 30 days before it is a fall;
    // another workspace's falls are not read.
    let falls = store
        .read(|tx| tx.health_falls(&ws, day(1), today))
        .unwrap();
    assert_eq!(falls, vec![rels[1].clone()]);
    let falls = store
        .read(|tx| tx.health_falls(&ws, day(1), day(22)))
        .unwrap();
    assert!(falls.is_empty(), "the window ends before the fall");
    let recent = store
        .read(|tx| tx.recent_health_of(&ws, &[rels[1].clone(), rels[3].clone()], day(1)))
        .unwrap();
    assert_eq!(recent.len(), 1, "another workspace's scores are not read");
    let mut scores = recent.get(&rels[1]).cloned().unwrap();
    scores.sort();
    assert_eq!(scores, vec![(day(1), 90), (today, 70)]);
}

/// A bulk build (SQLite: an empty database built in a new file whose indexes and
/// full-text indexes are built at the end, then put in place) answers every lookup and
/// search as records inserted one at a time do, also after an edit.
fn bulk_build_matches_single_inserts(db: &Fresh) {
    let SinglesAndEmpty {
        one,
        empty: built,
        ws,
        sample: (people, orgs, interactions, notes),
        _sibling: sibling,
    } = singles_and_empty(db);
    let Some(mut bulk) = built.begin_bulk_load().unwrap() else {
        assert!(
            db.url().starts_with("postgres"),
            "an empty SQLite database no one else has open is built in bulk"
        );
        return;
    };
    bulk.write(|tx| {
        tx.insert_many(&ws, &people)?;
        tx.insert_many(&ws, &orgs)?;
        tx.insert_many(&ws, &interactions)?;
        tx.insert_many(&ws, &notes)
    })
    .unwrap();
    bulk.finish().unwrap();
    assert!(!building(&sibling).exists());
    // The full-text index, rebuilt with a larger hash of pending terms, is sound, and
    // the hash is back at FTS5's default for the writes that follow.
    {
        let c = rusqlite::Connection::open(sibling.url()).unwrap();
        c.execute_batch(
            "INSERT INTO search_docs_fts (search_docs_fts, rank) VALUES ('integrity-check', 1)",
        )
        .unwrap();
        let hash: i64 = c
            .query_row(
                "SELECT v FROM search_docs_fts_config WHERE k = 'hashsize'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hash, 1 << 20);
    }
    // The workspace was carried over; everything derived answers alike.
    assert_eq!(
        built
            .read(|tx| tx.workspace_by_name("w"))
            .unwrap()
            .map(|w| w.meta.id),
        Some(ws.clone())
    );
    let expected = derived(&one, &ws, &people, SAMPLE_QUERIES);
    assert_eq!(derived(&built, &ws, &people, SAMPLE_QUERIES), expected);
    edits_alike(&one, &built, &ws, &people);
}

/// A load (`Store::load`: PostgreSQL copies the rows in with `COPY`) stores the same
/// records and answers every lookup and search as inserting them one at a time does,
/// text that `COPY` must escape included; a duplicate id fails as an insert does and
/// writes nothing.
fn load_matches_single_inserts(db: &Fresh) {
    loads_like_single_inserts(db, |store, f| store.load(f));
}

/// The same through a [`rapport_store::Writer`]'s `load` (an import's batches): the rows
/// are those of single inserts, and a failed load writes nothing.
fn writer_load_matches_single_inserts(db: &Fresh) {
    loads_like_single_inserts(db, |store, f| store.writer()?.load(f));
}

/// Runs a load of the sample (plus enough people and notes of text `COPY` must escape
/// for each table to be copied rather than inserted) through `load`, and compares it
/// with the same records inserted one at a time.
fn loads_like_single_inserts(
    db: &Fresh,
    load: impl Fn(
        &Store,
        &mut dyn FnMut(&mut rapport_store::Tx<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>,
) {
    let SinglesAndEmpty {
        one,
        empty: loaded,
        ws,
        sample: (mut people, orgs, interactions, mut notes),
        _sibling,
    } = singles_and_empty(db);
    let mut tricky = notes[0].clone();
    tricky.meta = meta();
    tricky.body = "tab\there, line\nbreak, back\\slash \\N, carriage\rreturn, «Zoë»".into();
    let mut extra_notes = vec![tricky.clone()];
    let mut extra_people = Vec::new();
    for i in 0..20 {
        let mut n = tricky.clone();
        n.meta = meta();
        n.body = format!("{} #{i}", tricky.body);
        extra_notes.push(n);
        let mut p = person(&format!("Filler\tTab{i} O'Brien"));
        p.emails
            .push(Labeled::new(format!("filler{i}@example.com"), None));
        extra_people.push(p);
    }
    one.write(|tx| {
        for n in &extra_notes {
            tx.insert(&ws, n)?;
        }
        for p in &extra_people {
            tx.insert(&ws, p)?;
        }
        Ok(())
    })
    .unwrap();
    notes.extend(extra_notes);
    people.extend(extra_people);
    load(&loaded, &mut |tx| {
        tx.insert_many(&ws, &people)?;
        tx.insert_many(&ws, &orgs)?;
        tx.insert_many(&ws, &interactions)?;
        tx.insert_many(&ws, &notes)
    })
    .unwrap();
    let queries = [
        SAMPLE_QUERIES,
        &["carriage", "back\\slash", "filler tab7", "o'brien"],
    ]
    .concat();
    let expected = derived(&one, &ws, &people, &queries);
    assert_eq!(derived(&loaded, &ws, &people, &queries), expected);
    for store in [&one, &loaded] {
        let note: Note = store.read(|tx| tx.get(&ws, &tricky.meta.id)).unwrap();
        assert_eq!(note, tricky);
        let p: Person = store.read(|tx| tx.get(&ws, &people[2].meta.id)).unwrap();
        assert_eq!(p, people[2]);
        let p: Person = store.read(|tx| tx.get(&ws, &people[20].meta.id)).unwrap();
        assert_eq!(p, people[20]);
    }
    let fresh: Vec<Person> = (0..20)
        .map(|i| person(&format!("Fresh Face {i}")))
        .collect();
    let again = load(&loaded, &mut |tx| {
        tx.insert_many(&ws, &fresh)?;
        tx.insert_many(&ws, &people[..20])
    });
    assert!(
        matches!(again, Err(StoreError::Duplicate(_))),
        "a duplicate id is refused: {again:?}"
    );
    let fresh = loaded
        .read(|tx| tx.by_name_key::<Person>(&ws, "fresh face 3"))
        .unwrap();
    assert!(fresh.is_empty(), "the failed load wrote nothing");
    edits_alike(&one, &loaded, &ws, &people);
}

/// A writer's load (on PostgreSQL its vocabulary words are written on a second
/// connection) commits with every word of its records, so a typo finds them; a load
/// written all inside its transaction (an import's dry run) that is rolled back leaves
/// no word behind: a query of a word it held is still corrected to a stored word one
/// edit away, as if that load had never run.
fn a_writers_load_has_its_words_and_a_rolled_back_one_none(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut writer = store.writer().unwrap();
    let people: Vec<Person> = (0..20)
        .map(|i| person(&format!("Quintessa Vocabulo{i}")))
        .collect();
    writer.load(|tx| tx.insert_many(&ws, &people)).unwrap();
    writer
        .load(|tx| tx.insert_many(&ws, &[person("Zebulonib Stored")]))
        .unwrap();
    let rolled_back = writer.load_all_inside(|tx| {
        tx.insert_many(&ws, &[person("Zebulonia Rolled")])?;
        Err::<(), _>(StoreError::Config("rolled back".into()))
    });
    assert!(rolled_back.is_err());
    drop(writer);
    let typo = store.read(|tx| tx.search(&ws, "quintesa", 50)).unwrap();
    assert_eq!(
        typo.len(),
        20,
        "every loaded person found through a correction"
    );
    let corrected = store.read(|tx| tx.search(&ws, "zebulonia", 50)).unwrap();
    let ids: Vec<_> = corrected.iter().map(|h| h.id.clone()).collect();
    let stored = store
        .read(|tx| tx.by_name_key::<Person>(&ws, "zebulonib stored"))
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        ids,
        vec![stored[0].meta.id.clone()],
        "corrected to the stored word"
    );
}

/// A writer refreshes the planner's statistics between loads (an import's batches)
/// and goes on writing on the same connection; what was loaded before is found after.
fn writer_refreshes_statistics_between_loads(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let mut writer = store.writer().unwrap();
    let first: Vec<Person> = (0..20)
        .map(|i| person(&format!("First Batch {i}")))
        .collect();
    writer.load(|tx| tx.insert_many(&ws, &first)).unwrap();
    writer.refresh_statistics().unwrap();
    let second: Vec<Person> = (0..20)
        .map(|i| person(&format!("Second Batch {i}")))
        .collect();
    writer
        .load(|tx| {
            assert_eq!(tx.by_name_key::<Person>(&ws, "first batch 7")?.len(), 1);
            tx.insert_many(&ws, &second)
        })
        .unwrap();
    writer.refresh_statistics().unwrap();
    drop(writer);
    let found = store
        .read(|tx| tx.by_name_key::<Person>(&ws, "second batch 19"))
        .unwrap();
    assert_eq!(found.len(), 1);
}

/// Documents loaded and written one by one are found, before and after the statistics
/// are refreshed. On PostgreSQL the trigram index's pending list (read whole by every
/// search) stays within its 256 kB between vacuums, and the refresh after a load merges
/// it and marks the vocabulary's pages all-visible (so typo corrections read the index
/// alone).
fn search_index_stays_small_between_vacuums(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let loaded: Vec<Person> = (0..800)
        .map(|i| {
            let mut p = person(&format!("Loaded Quillfeather{i} Person"));
            p.tags.push(format!("cohort{i} alumni"));
            if i == 39 {
                p.tags.push("zanzibar".into());
            }
            p
        })
        .collect();
    store.load(|tx| tx.insert_many(&ws, &loaded)).unwrap();
    for i in 0..40 {
        let name = if i == 39 {
            "Single Zanzibar Writer".to_string()
        } else {
            format!("Single Quillfeather{i} Writer")
        };
        add(&store, &ws, &person(&name));
    }
    let pending = |client: &mut postgres::Client| -> i64 {
        client
            .query_one(
                "SELECT gin_clean_pending_list('search_docs_body'::regclass)",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let mut client = match db {
        Fresh::Postgres { .. } => {
            Some(postgres::Client::connect(db.url(), postgres::NoTls).unwrap())
        }
        Fresh::Sqlite { .. } => None,
    };
    if let Some(c) = client.as_mut() {
        // 840 documents, some 800 kB of index entries: at the default limit (4 MB) all
        // of them would still be pending.
        let n = pending(c);
        assert!(n <= 32, "{n} pages pending");
    }
    let hits = store.read(|tx| tx.search(&ws, "zanzibar", 50)).unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    store.refresh_statistics().unwrap();
    if let Some(c) = client.as_mut() {
        let visible: i32 = c
            .query_one(
                "SELECT relallvisible FROM pg_class WHERE relname = 'search_terms'",
                &[],
            )
            .unwrap()
            .get(0);
        assert!(visible > 0, "the vocabulary was not vacuumed");
    }
    add(&store, &ws, &person("Late Quillfeather Arrival"));
    store.refresh_statistics().unwrap();
    if let Some(c) = client.as_mut() {
        assert_eq!(pending(c), 0);
    }
    let hits = store.read(|tx| tx.search(&ws, "zanzbar", 50)).unwrap();
    assert_eq!(hits.len(), 2, "a typo: {hits:?}");
    let hits = store.read(|tx| tx.search(&ws, "arrival", 50)).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
}

/// Where a bulk build writes its new file.
fn building(db: &Fresh) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}.building", db.url()))
}

/// A bulk build starts only on a SQLite database that holds no records and that no
/// other connection has open; an abandoned one leaves the database as it was.
fn bulk_build_only_when_empty_and_alone(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    if db.url().starts_with("postgres") {
        assert!(store.begin_bulk_load().unwrap().is_none());
        return;
    }
    let people = |store: &Store| {
        let q = ListQuery {
            limit: 10,
            ..ListQuery::default()
        };
        let page = store.read(|tx| tx.list::<Person>(&ws, &q)).unwrap();
        page.items
            .into_iter()
            .map(|p| p.name)
            .collect::<Vec<String>>()
    };
    // Another store has the file open (an idle pooled connection): no bulk build.
    let other = open(db);
    assert!(people(&other).is_empty());
    assert!(store.begin_bulk_load().unwrap().is_none());
    drop(other);
    // Abandoned before `finish`: nothing changes and the partial file is gone.
    let mut bulk = store.begin_bulk_load().unwrap().expect("empty and alone");
    assert!(building(db).exists());
    bulk.write(|tx| tx.insert(&ws, &person("Ghost"))).unwrap();
    drop(bulk);
    assert!(!building(db).exists());
    assert!(people(&store).is_empty());
    add(&store, &ws, &person("Real"));
    assert_eq!(people(&store), ["Real"]);
    // A database with records is never replaced.
    assert!(store.begin_bulk_load().unwrap().is_none());
    assert_eq!(people(&store), ["Real"]);
}

/// A bulk build loads without foreign-key checks; in builds with debug assertions (the
/// tests) it checks every reference once the load is done, so a row that refers to a
/// missing one fails the build, leaves the database as it was and the partial file
/// removed. Every other test of a bulk build (the demo's among them) thereby proves that
/// its references are sound.
fn bulk_build_refuses_a_missing_reference(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    if db.url().starts_with("postgres") || !cfg!(debug_assertions) {
        return;
    }
    let grace = person("Grace");
    let mut bulk = store.begin_bulk_load().unwrap().expect("empty and alone");
    bulk.write(|tx| {
        tx.insert(&ws, &grace)?;
        // Of an organization that was never written.
        tx.insert(
            &ws,
            &Membership {
                meta: meta(),
                person_id: grace.meta.id.clone(),
                organization_id: id(),
                title: None,
                from: None,
                to: None,
            },
        )
    })
    .unwrap();
    let failed = bulk.finish().unwrap_err();
    assert!(
        failed.to_string().contains("memberships"),
        "names the table: {failed}"
    );
    assert!(!building(db).exists());
    assert!(
        store
            .read(|tx| tx.find::<Person>(&ws, &grace.meta.id))
            .unwrap()
            .is_none()
    );
}

/// A store opened while a bulk build holds the file (another `rapport` process, say)
/// waits for it, and then works on the file the build put in place, not on the one it
/// replaced: it opens without an error and its write is kept, beside the build's records.
fn a_write_waiting_on_a_bulk_build_lands_in_the_new_file(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    if db.url().starts_with("postgres") {
        return;
    }
    let mut bulk = store.begin_bulk_load().unwrap().expect("empty and alone");
    let path = std::fs::canonicalize(db.url()).unwrap();
    let held = open_files_at(&path);
    let late = std::thread::spawn({
        let ws = ws.clone();
        let url = db.url().to_string();
        move || {
            Store::open(&url)?.write(|tx| tx.insert(&ws, &person("Late")))?;
            Ok::<(), StoreError>(())
        }
    });
    // Let the other store open the old file and wait for its lock (where the open files
    // can be listed; elsewhere the race is only likely). Either way, it must open and
    // its write must land in the new file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while held.is_some_and(|n| open_files_at(&path) == Some(n))
        && std::time::Instant::now() < deadline
    {
        std::thread::yield_now();
    }
    bulk.write(|tx| tx.insert(&ws, &person("Built"))).unwrap();
    bulk.finish().unwrap();
    late.join().expect("the writer did not panic").unwrap();
    let q = ListQuery {
        limit: 10,
        ..ListQuery::default()
    };
    let mut names: Vec<String> = open(db)
        .read(|tx| tx.list::<Person>(&ws, &q))
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Built", "Late"]);
}

/// How many files this process has open at `path`, where the system lists them.
fn open_files_at(path: &std::path::Path) -> Option<usize> {
    let fds = std::fs::read_dir("/proc/self/fd").ok()?;
    Some(
        fds.filter_map(Result::ok)
            .filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|to| to == path))
            .count(),
    )
}

/// `agenda_relationships` holds, for `ws`, exactly what computing it afresh from the
/// records gives; returns how many rows it has.
fn agenda_table_is_exact(store: &Store, ws: &Id, after: &str) -> usize {
    let (stored, fresh) = store.read(|tx| tx.agenda_table_check(ws)).unwrap();
    assert_eq!(stored, fresh, "agenda_relationships after {after}");
    stored.len()
}

fn org(name: &str) -> Organization {
    Organization::named(meta(), name.into())
}

/// Every kind of write that changes what the agenda reads of a relationship keeps its
/// row in `agenda_relationships` exact: relationship writes, the subject's name and
/// channel, the subject's last live contact (interactions added, moved, trashed,
/// restored), in batches as well as one at a time, and nothing leaks across workspaces.
fn agenda_table_follows_every_write(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let elsewhere = workspace(&store, "other");
    let now = t("2026-11-23T09:00:00Z");
    let exact = |after: &str| {
        let n = agenda_table_is_exact(&store, &ws, after);
        agenda_table_is_exact(&store, &elsewhere, after);
        n
    };
    // A relationship written before its subject: no name until the person arrives.
    let mut ada = person("Ada");
    let r_ada = relationship(&store, &ws, person_subject(&ada), |r| {
        r.cadence_days = Some(CadenceDays::new(14).unwrap())
    });
    assert_eq!(exact("a relationship with a missing subject"), 1);
    add(&store, &ws, &ada);
    exact("its person added");
    let bob = person("Bob");
    add(&store, &ws, &bob);
    let r_bob = relationship(&store, &ws, person_subject(&bob), |_| {});
    let acme = org("Acme");
    store.write(|tx| tx.insert(&ws, &acme)).unwrap();
    let acme_subject = Subject {
        kind: SubjectKind::Organization,
        id: acme.meta.id.clone(),
    };
    let r_acme = relationship(&store, &ws, acme_subject, |r| {
        r.kind = RelationshipKind::Customer
    });
    let far = person("Far");
    add(&store, &elsewhere, &far);
    relationship(&store, &elsewhere, person_subject(&far), |_| {});
    assert_eq!(exact("relationships added"), 3);

    // Last contact: added, a later one, one moved earlier, trashed, restored.
    let mut first = talk(
        "2026-10-01T10:00:00Z",
        vec![ada.meta.id.clone()],
        vec![],
        None,
    );
    store.write(|tx| tx.insert(&ws, &first)).unwrap();
    exact("an interaction added");
    let later = talk(
        "2026-11-01T10:00:00Z",
        vec![ada.meta.id.clone(), bob.meta.id.clone()],
        vec![acme.meta.id.clone()],
        Some(1),
    );
    store.write(|tx| tx.insert(&ws, &later)).unwrap();
    exact("a later interaction with three subjects");
    let v = first.meta.version;
    first.at = t("2026-11-10T10:00:00Z");
    store
        .write(|tx| tx.update(&ws, &mut first.clone(), v, now))
        .unwrap();
    exact("an interaction moved");
    store
        .write(|tx| tx.set_trashed::<Interaction>(&ws, &later.meta.id, true, None, now))
        .unwrap();
    exact("an interaction trashed");
    store
        .write(|tx| tx.set_trashed::<Interaction>(&ws, &later.meta.id, false, None, now))
        .unwrap();
    exact("an interaction restored");
    let batch: Vec<Interaction> = (1..=3)
        .map(|d| {
            talk(
                &format!("2026-11-1{d}T10:00:00Z"),
                vec![bob.meta.id.clone()],
                vec![],
                None,
            )
        })
        .collect();
    store.write(|tx| tx.insert_many(&ws, &batch)).unwrap();
    exact("interactions added in a batch");

    // The subject's name and channel; trash and restore keep the name.
    let v = ada.meta.version;
    ada.name = "Ada Lovelace".into();
    ada.preferred_channel = Some(Channel::Email);
    store.write(|tx| tx.update(&ws, &mut ada, v, now)).unwrap();
    exact("a person renamed, channel set");
    store
        .write(|tx| tx.set_trashed::<Person>(&ws, &ada.meta.id, true, None, now))
        .unwrap();
    exact("a person trashed");
    store
        .write(|tx| tx.set_trashed::<Person>(&ws, &ada.meta.id, false, None, now))
        .unwrap();
    exact("a person restored");
    let mut acme_now: Organization = store.read(|tx| tx.get(&ws, &acme.meta.id)).unwrap();
    let v = acme_now.meta.version;
    acme_now.name = "Acme Corp".into();
    store
        .write(|tx| tx.update(&ws, &mut acme_now, v, now))
        .unwrap();
    exact("an organization renamed");

    // The relationship itself: edited, moved to another subject, trashed, restored.
    let mut r = r_bob.clone();
    let v = r.meta.version;
    r.status = RelationshipStatus::Dormant;
    r.importance = Importance::new(5).unwrap();
    r.cadence_days = Some(CadenceDays::new(7).unwrap());
    r.started_on = Some(jiff::civil::date(2025, 3, 1));
    store.write(|tx| tx.update(&ws, &mut r, v, now)).unwrap();
    exact("a relationship edited");
    let v = r.meta.version;
    r.subject = person_subject(&ada);
    store.write(|tx| tx.update(&ws, &mut r, v, now)).unwrap();
    exact("a relationship moved to another subject");
    store
        .write(|tx| tx.set_trashed::<Relationship>(&ws, &r_acme.meta.id, true, None, now))
        .unwrap();
    assert_eq!(exact("a relationship trashed"), 2);
    store
        .write(|tx| tx.set_trashed::<Relationship>(&ws, &r_acme.meta.id, false, None, now))
        .unwrap();
    assert_eq!(exact("a relationship restored"), 3);

    // An import's batch: people and their relationships together, then contacts.
    let people: Vec<Person> = (0..600).map(|i| person(&format!("New {i}"))).collect();
    let rels: Vec<Relationship> = people
        .iter()
        .map(|p| Relationship::new(meta(), person_subject(p), RelationshipKind::Friend))
        .collect();
    store
        .write(|tx| {
            tx.insert_many(&ws, &rels)?;
            tx.insert_many(&ws, &people)
        })
        .unwrap();
    let talks: Vec<Interaction> = people
        .iter()
        .step_by(2)
        .map(|p| {
            talk(
                "2026-11-20T10:00:00Z",
                vec![p.meta.id.clone()],
                vec![],
                None,
            )
        })
        .collect();
    store.write(|tx| tx.insert_many(&ws, &talks)).unwrap();
    assert_eq!(exact("an import's batch"), 603);
    let _ = r_ada;
}

/// A bulk build (SQLite) fills `agenda_relationships` once at the end, a load
/// (PostgreSQL's `COPY`) batch by batch: either way it holds what the records give.
fn agenda_table_after_a_bulk_build_or_load(db: &Fresh) {
    agenda_table_after_loading(db, false);
}

/// A load into a workspace that already has records (no bulk build is possible, and
/// one of the loaded interactions changes an existing person's last contact) puts off
/// the agenda rows to its end, and they are exact once it commits.
fn agenda_table_after_a_load_into_a_workspace_in_use(db: &Fresh) {
    agenda_table_after_loading(db, true);
}

fn agenda_table_after_loading(db: &Fresh, in_use: bool) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let earlier = person("Earlier");
    if in_use {
        add(&store, &ws, &earlier);
        relationship(&store, &ws, person_subject(&earlier), |_| {});
    }
    let people: Vec<Person> = (0..50).map(|i| person(&format!("P {i}"))).collect();
    let orgs: Vec<Organization> = (0..5).map(|i| org(&format!("O {i}"))).collect();
    let mut rels: Vec<Relationship> = people
        .iter()
        .map(|p| Relationship::new(meta(), person_subject(p), RelationshipKind::Friend))
        .collect();
    rels.extend(orgs.iter().map(|o| {
        let subject = Subject {
            kind: SubjectKind::Organization,
            id: o.meta.id.clone(),
        };
        Relationship::new(meta(), subject, RelationshipKind::Customer)
    }));
    rels[3].meta.deleted_at = Some(t("2026-11-01T00:00:00Z"));
    let talks: Vec<Interaction> = people
        .iter()
        .zip(orgs.iter().cycle())
        .enumerate()
        .filter(|(i, _)| i % 3 != 0)
        .map(|(i, (p, o))| {
            talk(
                &format!("2026-10-{:02}T10:00:00Z", 1 + i % 28),
                vec![p.meta.id.clone()],
                vec![o.meta.id.clone()],
                None,
            )
        })
        .collect();
    let mut talks = talks;
    if in_use {
        talks.push(talk(
            "2026-10-30T10:00:00Z",
            vec![earlier.meta.id.clone(), people[0].meta.id.clone()],
            vec![],
            None,
        ));
    }
    let write = |tx: &mut rapport_store::Tx<'_>| {
        tx.insert_many(&ws, &rels)?;
        tx.insert_many(&ws, &people)?;
        tx.insert_many(&ws, &orgs)?;
        tx.insert_many(&ws, &talks)
    };
    match store.begin_bulk_load().unwrap() {
        Some(mut bulk) => {
            assert!(!in_use, "a bulk build into a workspace in use");
            bulk.write(write).unwrap();
            bulk.finish().unwrap();
        }
        None => store.load(write).unwrap(),
    }
    let live = if in_use { 55 } else { 54 };
    assert_eq!(agenda_table_is_exact(&store, &ws, "a load"), live);
}

/// Migration 0008 fills `agenda_relationships` from the records written before it as
/// the write path keeps it.
fn agenda_table_backfill_matches_the_write_path(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let (a, b) = (person("A"), person("B"));
    add(&store, &ws, &a);
    add(&store, &ws, &b);
    relationship(&store, &ws, person_subject(&a), |_| {});
    let gone = relationship(&store, &ws, person_subject(&b), |_| {});
    relationship(&store, &ws, person_subject(&person("Nobody")), |_| {});
    let i = talk(
        "2026-10-01T10:00:00Z",
        vec![a.meta.id.clone()],
        vec![],
        None,
    );
    store.write(|tx| tx.insert(&ws, &i)).unwrap();
    store
        .write(|tx| {
            tx.set_trashed::<Relationship>(
                &ws,
                &gone.meta.id,
                true,
                None,
                t("2026-11-02T00:00:00Z"),
            )
        })
        .unwrap();
    let (kept, _) = store.read(|tx| tx.agenda_table_check(&ws)).unwrap();
    assert_eq!(kept.len(), 2);
    drop(store);
    // Back to before migration 0008, with the records written.
    if db.url().starts_with("postgres") {
        let mut c = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
        c.batch_execute(
            "DROP TABLE agenda_relationships; DELETE FROM schema_migrations WHERE version >= 8",
        )
        .unwrap();
    } else {
        let c = rusqlite::Connection::open(db.url()).unwrap();
        c.execute_batch("DROP TABLE agenda_relationships; PRAGMA user_version = 7")
            .unwrap();
    }
    let store = open(db);
    let (backfilled, fresh) = store.read(|tx| tx.agenda_table_check(&ws)).unwrap();
    assert_eq!(backfilled, kept);
    assert_eq!(backfilled, fresh);
}
