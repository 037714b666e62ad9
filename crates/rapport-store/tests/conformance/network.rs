//! The reads of the warm-introduction search, checked against the whole-workspace
//! reads of the network on the same data: the same facts, narrowed to the people asked.

use std::collections::HashMap;

use rapport_core::network::{Graph, GraphBuilder, MeetingFact, MetMe, NetworkInput, TieFact};
use rapport_core::*;
use rapport_store::Store;
use rapport_testkit::Fresh;

use super::tests::{add, id, meta, open, person, t, workspace};

type Body = fn(&Fresh);

pub const ALL: &[(&str, Body)] = &[
    (
        "neighbourhood_reads_match_the_whole_workspace_reads",
        neighbourhood_reads_match_the_whole_workspace_reads,
    ),
    (
        "the_streamed_network_matches_the_whole_workspace_reads",
        the_streamed_network_matches_the_whole_workspace_reads,
    ),
    (
        "a_participant_listed_twice_is_one_interaction",
        a_participant_listed_twice_is_one_interaction,
    ),
    (
        "network_writes_move_the_generation_on",
        network_writes_move_the_generation_on,
    ),
    (
        "live_people_come_in_network_order",
        live_people_come_in_network_order,
    ),
];

fn tie(a: &Person, b: &Person, strength: i64) -> Tie {
    Tie {
        meta: meta(),
        from_person_id: a.meta.id.clone(),
        to_person_id: b.meta.id.clone(),
        kind: TieKind::Knows,
        strength: Strength::clamped(strength),
        note: None,
    }
}

fn meeting(at: &str, people: &[&Person], orgs: &[&Organization]) -> Interaction {
    Interaction {
        meta: meta(),
        at: t(at),
        channel: Channel::Meeting,
        direction: Direction::Outbound,
        participants: people.iter().map(|p| p.meta.id.clone()).collect(),
        organization_ids: orgs.iter().map(|o| o.meta.id.clone()).collect(),
        minutes: None,
        sentiment: None,
        summary: "lunch".into(),
        body: None,
        source: Source::Manual,
        source_id: None,
    }
}

type TieKey = (Id, Id, String, u8, jiff::Timestamp);

fn tie_keys(ties: &[TieFact]) -> Vec<TieKey> {
    let mut keys: Vec<TieKey> = ties
        .iter()
        .map(|t| {
            (
                t.a.clone(),
                t.b.clone(),
                t.kind.to_string(),
                t.strength.get(),
                t.at,
            )
        })
        .collect();
    keys.sort();
    keys
}

fn meeting_keys(meetings: &[MeetingFact]) -> Vec<(jiff::Timestamp, Vec<Id>)> {
    let mut keys: Vec<(jiff::Timestamp, Vec<Id>)> = meetings
        .iter()
        .map(|m| {
            let mut people = m.people.clone();
            people.sort();
            (m.at, people)
        })
        .collect();
    keys.sort();
    keys
}

/// People A–E live, X trashed; ties among them (one to X, one trashed, one between the
/// same pair twice); meetings with and without an organization, one with X, one trashed,
/// one naming A twice; and another workspace with its own tie and meeting.
fn neighbourhood_reads_match_the_whole_workspace_reads(db: &Fresh) {
    let (store, ws) = sample(db);
    check(&store, &ws);
}

/// The sample above: its store and workspace.
fn sample(db: &Fresh) -> (Store, Id) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let other_ws = workspace(&store, "other");
    let [a, b, c, d, e, x] = ["A", "B", "C", "D", "E", "X"].map(person);
    for p in [&a, &b, &c, &d, &e, &x] {
        add(&store, &ws, p);
    }
    let acme = Organization::named(meta(), "Acme".into());
    let (o1, o2) = (person("O1"), person("O2"));
    add(&store, &other_ws, &o1);
    add(&store, &other_ws, &o2);
    let trashed_tie = tie(&a, &e, 5);
    let trashed_meeting = meeting("2026-11-03T10:00:00Z", &[&a, &e], &[]);
    store
        .write(|tx| {
            tx.insert(&ws, &acme)?;
            for t in [
                tie(&a, &b, 3),
                tie(&b, &c, 4),
                tie(&c, &a, 2),
                tie(&d, &c, 5),
                tie(&a, &b, 5),
                tie(&a, &x, 4),
                trashed_tie.clone(),
            ] {
                tx.insert(&ws, &t)?;
            }
            tx.insert(&other_ws, &tie(&o1, &o2, 3))?;
            for i in [
                meeting("2026-10-01T10:00:00Z", &[&a, &b], &[&acme]),
                meeting("2026-10-02T10:00:00Z", &[&a, &a, &d], &[]),
                meeting("2026-10-03T10:00:00Z", &[&c, &x], &[]),
                meeting("2026-10-04T10:00:00Z", &[&d], &[&acme]),
                meeting("2026-10-05T10:00:00Z", &[&e], &[]),
                trashed_meeting.clone(),
            ] {
                tx.insert(&ws, &i)?;
            }
            tx.insert(
                &other_ws,
                &meeting("2026-10-06T10:00:00Z", &[&o1, &o2], &[]),
            )?;
            let now = t("2026-11-10T10:00:00Z");
            tx.set_trashed::<Person>(&ws, &x.meta.id, true, None, now)?;
            tx.set_trashed::<Tie>(&ws, &trashed_tie.meta.id, true, None, now)?;
            tx.set_trashed::<Interaction>(&ws, &trashed_meeting.meta.id, true, None, now)?;
            Ok(())
        })
        .unwrap();
    (store, ws)
}

/// `Tx::network_into` streams the same graph as the whole-workspace reads build, and
/// `Tx::neighbours_named` lists each person's live neighbours in the same order.
fn the_streamed_network_matches_the_whole_workspace_reads(db: &Fresh) {
    let (store, ws) = sample(db);
    let now = t("2026-11-20T10:00:00Z");
    let (input, mut streamed) = store
        .read(|tx| {
            let input = NetworkInput {
                people: tx
                    .person_names(&ws)?
                    .into_iter()
                    .map(|(id, name, _)| (id, name))
                    .collect(),
                ties: tx.tie_facts(&ws)?,
                meetings: tx.meeting_facts(&ws)?,
                mine: vec![],
            };
            let mut b = GraphBuilder::new();
            tx.network_into(&ws, &mut b)?;
            Ok((input, b))
        })
        .unwrap();
    let whole = Graph::build(&input, now);
    let streamed_graph = std::mem::take(&mut streamed).finish(now);
    assert_eq!(streamed_graph.overview(100), whole.overview(100));
    // A–B, B–C, C–A, D–C by ties (A–B twice), A–D by a meeting; X is in the trash.
    assert_eq!((whole.people(), whole.ties()), (5, 5));
    for (p, _) in &input.people {
        let near = store.read(|tx| tx.neighbours_named(&ws, p)).unwrap();
        // Everyone with a tie or a meeting with p, p included, in the whole list's order.
        let linked = |q: &Id| {
            q == p
                || input
                    .ties
                    .iter()
                    .any(|t| (&t.a == p && &t.b == q) || (&t.b == p && &t.a == q))
                || input
                    .meetings
                    .iter()
                    .any(|m| m.people.contains(p) && m.people.contains(q))
        };
        let want: Vec<(Id, String)> = input
            .people
            .iter()
            .filter(|(q, _)| linked(q))
            .cloned()
            .collect();
        assert_eq!(near, want);
        assert!(near.iter().any(|(q, _)| q == p), "{near:?}");
    }
    // A person in the trash has no neighbourhood of their own.
    let trashed = store.read(|tx| tx.trashed_people(&ws)).unwrap();
    assert_eq!(trashed.len(), 1);
    let near = store
        .read(|tx| tx.neighbours_named(&ws, &trashed[0]))
        .unwrap();
    assert!(near.iter().all(|(q, _)| q != &trashed[0]), "{near:?}");
}

/// A person listed twice among an interaction's participants took part in it once: their
/// activity counts one interaction, when inserted, edited, trashed and restored.
fn a_participant_listed_twice_is_one_interaction(db: &Fresh) {
    let store = open(db);
    let ws = workspace(&store, "w");
    let (a, b) = (person("A"), person("B"));
    add(&store, &ws, &a);
    add(&store, &ws, &b);
    let mut twice = meeting("2026-10-02T10:00:00Z", &[&a, &a, &b], &[]);
    let once = meeting("2026-10-01T10:00:00Z", &[&a], &[]);
    let activity = |p: &Person| {
        store
            .read(|tx| tx.activity_of(&ws, &p.meta.id))
            .unwrap()
            .map(|(last, n)| (last.map(|l| l.to_string()), n))
    };
    let at = |s: &str| Some(Some(s.to_string()));
    store
        .write(|tx| {
            tx.insert(&ws, &twice)?;
            tx.insert(&ws, &once)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(activity(&a), at("2026-10-02T10:00:00Z").map(|l| (l, 2)));
    assert_eq!(activity(&b), at("2026-10-02T10:00:00Z").map(|l| (l, 1)));
    twice.summary = "lunch again".into();
    twice.participants.push(a.meta.id.clone());
    store
        .write(|tx| {
            let mut edited = twice.clone();
            tx.update(
                &ws,
                &mut edited,
                twice.meta.version,
                t("2026-11-01T10:00:00Z"),
            )
        })
        .unwrap();
    assert_eq!(activity(&a), at("2026-10-02T10:00:00Z").map(|l| (l, 2)));
    let now = t("2026-11-10T10:00:00Z");
    for trashed in [true, false] {
        store
            .write(|tx| {
                tx.set_trashed::<Interaction>(&ws, &twice.meta.id, trashed, None, now)?;
                Ok(())
            })
            .unwrap();
    }
    assert_eq!(activity(&a), at("2026-10-02T10:00:00Z").map(|l| (l, 2)));
    assert_eq!(activity(&b), at("2026-10-02T10:00:00Z").map(|l| (l, 1)));
}

fn check(store: &Store, ws: &Id) {
    let (live, ties, meetings, met) = store
        .read(|tx| {
            let live: Vec<Id> = tx.person_names(ws)?.into_iter().map(|p| p.0).collect();
            Ok((
                live,
                tx.tie_facts(ws)?,
                tx.meeting_facts(ws)?,
                tx.met_people(ws)?,
            ))
        })
        .unwrap();
    assert_eq!(live.len(), 5);
    let is_live = |p: &Id| live.contains(p);
    // Every live person the whole-workspace reads show in a meeting: in how many, last when.
    let mut want_met: HashMap<Id, (u32, jiff::Timestamp)> = HashMap::new();
    for m in &meetings {
        let mut people: Vec<&Id> = m.people.iter().filter(|p| is_live(p)).collect();
        people.sort();
        people.dedup();
        for p in people {
            let e = want_met.entry(p.clone()).or_insert((0, m.at));
            e.0 += 1;
            e.1 = e.1.max(m.at);
        }
    }
    let mut got_met: Vec<(Id, u32, jiff::Timestamp)> = met
        .iter()
        .map(
            |MetMe {
                 person,
                 times,
                 last,
             }| (person.clone(), *times, *last),
        )
        .collect();
    got_met.sort();
    let mut want: Vec<(Id, u32, jiff::Timestamp)> = want_met
        .into_iter()
        .map(|(p, (n, at))| (p, n, at))
        .collect();
    want.sort();
    assert_eq!(got_met.len(), 5, "A to E met, X trashed: {got_met:?}");
    assert_eq!(got_met, want);

    let subsets: Vec<Vec<Id>> = vec![
        vec![live[0].clone()],
        live.clone(),
        live.iter().skip(1).step_by(2).cloned().collect(),
        vec![id()],
    ];
    for asked in subsets {
        let (got_ties, got_meetings) = store
            .read(|tx| Ok((tx.ties_around(ws, &asked)?, tx.meetings_around(ws, &asked)?)))
            .unwrap();
        let near = |p: &Id| asked.contains(p);
        // A tie between two people asked is listed once per end; the tie to X is
        // listed (X is in the trash, which the whole-workspace read leaves to the graph).
        let want_ties: Vec<TieFact> = ties
            .iter()
            .flat_map(|t| {
                [&t.a, &t.b]
                    .into_iter()
                    .filter(|p| near(p))
                    .map(|_| t.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut got_keys = tie_keys(&got_ties);
        got_keys.dedup();
        let mut want_keys = tie_keys(&want_ties);
        want_keys.dedup();
        assert_eq!(got_keys, want_keys);
        assert!(got_ties.len() >= want_keys.len());
        let want_meetings: Vec<MeetingFact> = meetings
            .iter()
            .map(|m| MeetingFact {
                at: m.at,
                people: m.people.iter().filter(|p| is_live(p)).cloned().collect(),
            })
            .filter(|m| m.people.iter().any(near))
            .collect();
        let mut got = meeting_keys(&got_meetings);
        let mut want = meeting_keys(&want_meetings);
        // A person named twice in one interaction is one participant.
        for (_, people) in got.iter_mut().chain(want.iter_mut()) {
            people.dedup();
        }
        assert_eq!(got, want);
        if asked == live {
            // Everything live: six ties (the one to X too, not the trashed one), five
            // meetings (not the trashed one; X left out of C's).
            assert_eq!((got_keys.len(), got.len()), (6, 5));
        }
    }
}

/// One write, run in a transaction of its own.
type Write<'a> =
    Box<dyn Fn(&mut rapport_store::Tx<'_>) -> Result<(), rapport_store::StoreError> + 'a>;

/// The network generation of `ws`.
fn generation(store: &Store, ws: &Id) -> i64 {
    store.read(|tx| tx.network_generation(ws)).unwrap()
}

/// Every write of a person, a tie or an interaction — insert, edit, trash, restore, in
/// one transaction or a load — moves the workspace's network generation on (once per
/// transaction), and a snapshot kept at an older generation is no longer read; writes of
/// other records, other workspaces and rolled-back transactions leave it be.
fn network_writes_move_the_generation_on(db: &Fresh) {
    let (store, ws) = sample(db);
    let other = workspace(&store, "third");
    let now = t("2026-11-20T10:00:00Z");
    let snapshot = {
        let mut b = GraphBuilder::new();
        store.read(|tx| tx.network_into(&ws, &mut b)).unwrap();
        b.finish(now)
            .overview_and_snapshot(3, rapport_core::network::KEPT)
            .1
    };
    // Keeps a snapshot at the current generation and checks it is read back.
    let keep = || {
        let g = generation(&store, &ws);
        assert!(
            store
                .write(|tx| tx.keep_network_snapshot(&ws, g, &snapshot))
                .unwrap()
        );
        assert_eq!(
            store.read(|tx| tx.network_snapshot(&ws)).unwrap().as_ref(),
            Some(&snapshot)
        );
        g
    };
    let (a, b) = (person("Ann"), person("Bob"));
    let (mut tie_ab, mut lunch) = (
        tie(&a, &b, 3),
        meeting("2026-11-05T10:00:00Z", &[&a, &b], &[]),
    );
    let mut writes: Vec<(&str, Write<'_>)> = vec![];
    let (wa, wb, wt, wl) = (a.clone(), b.clone(), tie_ab.clone(), lunch.clone());
    let ws2 = ws.clone();
    writes.push((
        "people inserted",
        Box::new(move |tx| tx.insert_many(&ws2, &[wa.clone(), wb.clone()])),
    ));
    let ws2 = ws.clone();
    writes.push(("tie inserted", Box::new(move |tx| tx.insert(&ws2, &wt))));
    let ws2 = ws.clone();
    writes.push((
        "interaction inserted",
        Box::new(move |tx| tx.insert(&ws2, &wl)),
    ));
    for (kind, trashed) in [("trashed", true), ("restored", false)] {
        let (ws2, id) = (ws.clone(), a.meta.id.clone());
        writes.push((
            if trashed {
                "person trashed"
            } else {
                "person restored"
            },
            Box::new(move |tx| {
                tx.set_trashed::<Person>(&ws2, &id, trashed, None, now)
                    .map(|_| ())
            }),
        ));
        let (ws2, id) = (ws.clone(), tie_ab.meta.id.clone());
        writes.push((
            kind,
            Box::new(move |tx| {
                tx.set_trashed::<Tie>(&ws2, &id, trashed, None, now)
                    .map(|_| ())
            }),
        ));
        let (ws2, id) = (ws.clone(), lunch.meta.id.clone());
        writes.push((
            kind,
            Box::new(move |tx| {
                tx.set_trashed::<Interaction>(&ws2, &id, trashed, None, now)
                    .map(|_| ())
            }),
        ));
    }
    for (what, write) in &writes {
        let before = keep();
        store.write(|tx| write(tx)).unwrap();
        assert_eq!(generation(&store, &ws), before + 1, "{what}");
        assert_eq!(
            store.read(|tx| tx.network_snapshot(&ws)).unwrap(),
            None,
            "{what}"
        );
    }
    // Edits: a person renamed, a tie's strength, an interaction's participants; two in
    // one transaction move the generation on once.
    let before = keep();
    store
        .write(|tx| {
            let mut p: Person = tx.get(&ws, &b.meta.id)?;
            p.name = "Bea".into();
            let v = p.meta.version;
            tx.update(&ws, &mut p, v, now)?;
            tie_ab = tx.get(&ws, &tie_ab.meta.id)?;
            tie_ab.strength = Strength::clamped(5);
            let v = tie_ab.meta.version;
            tx.update(&ws, &mut tie_ab, v, now)?;
            lunch = tx.get(&ws, &lunch.meta.id)?;
            lunch.participants.pop();
            let v = lunch.meta.version;
            tx.update(&ws, &mut lunch, v, now)
        })
        .unwrap();
    assert_eq!(generation(&store, &ws), before + 1);
    assert_eq!(store.read(|tx| tx.network_snapshot(&ws)).unwrap(), None);
    // A person edit that keeps the name and liveness the network reads (an email and a
    // tag added, the same name written again) leaves the network and its snapshot be;
    // a trashed person edited while still in the trash too.
    let before = keep();
    store
        .write(|tx| {
            let mut p: Person = tx.get(&ws, &b.meta.id)?;
            p.emails.push(Labeled::new("bea@example.com", None));
            p.tags.push("climbing".into());
            let v = p.meta.version;
            tx.update(&ws, &mut p, v, now)
        })
        .unwrap();
    assert_eq!(generation(&store, &ws), before, "an email and a tag added");
    assert_eq!(
        store.read(|tx| tx.network_snapshot(&ws)).unwrap().as_ref(),
        Some(&snapshot)
    );
    store
        .write(|tx| {
            tx.set_trashed::<Person>(&ws, &a.meta.id, true, None, now)
                .map(|_| ())
        })
        .unwrap();
    let before = keep();
    store
        .write(|tx| {
            let mut p: Person = tx.find(&ws, &a.meta.id)?.expect("kept in the trash");
            p.tags.push("old friend".into());
            let v = p.meta.version;
            tx.update(&ws, &mut p, v, now)
        })
        .unwrap();
    assert_eq!(
        generation(&store, &ws),
        before,
        "a trashed person's tag added"
    );
    store
        .write(|tx| {
            tx.set_trashed::<Person>(&ws, &a.meta.id, false, None, now)
                .map(|_| ())
        })
        .unwrap();
    assert_eq!(generation(&store, &ws), before + 1, "restored");
    // A load of new people.
    let before = keep();
    store
        .load(|tx| tx.insert_many(&ws, &[person("Cy"), person("Di")]))
        .unwrap();
    assert_eq!(generation(&store, &ws), before + 1);
    // Not the network: an organization, a relationship, another workspace's people, a
    // rolled-back write; a snapshot kept at an older generation is refused.
    let before = keep();
    store
        .write(|tx| {
            tx.insert(&ws, &Organization::named(meta(), "Initech".into()))?;
            let subject = Subject {
                kind: SubjectKind::Person,
                id: a.meta.id.clone(),
            };
            tx.insert(
                &ws,
                &Relationship::new(meta(), subject, RelationshipKind::Friend),
            )?;
            tx.insert(&other, &person("Eve"))
        })
        .unwrap();
    let failed: Result<(), _> = store.write(|tx| {
        tx.insert(&ws, &person("Fay"))?;
        Err(rapport_store::StoreError::Corrupt("rolled back".into()))
            .or(Err(rapport_store::StoreError::Corrupt("no".into())))
    });
    assert!(failed.is_err());
    assert_eq!(generation(&store, &ws), before);
    assert_eq!(generation(&store, &other), 1);
    assert!(store.read(|tx| tx.network_snapshot(&ws)).unwrap().is_some());
    assert!(
        !store
            .write(|tx| tx.keep_network_snapshot(&ws, before - 1, &snapshot))
            .unwrap()
    );
    assert_eq!(
        store.read(|tx| tx.network_snapshot(&other)).unwrap(),
        None,
        "a workspace has only its own snapshot"
    );
}

/// `Tx::live_people_in_network_order` lists the live people among the ids asked for (of
/// this workspace) in the order `Tx::network_into` numbers them.
fn live_people_come_in_network_order(db: &Fresh) {
    let (store, ws) = sample(db);
    let everyone = store.read(|tx| tx.person_names(&ws)).unwrap();
    let mut ids: Vec<Id> = everyone.iter().rev().map(|(id, _, _)| id.clone()).collect();
    ids.push(ids[0].clone());
    ids.push(id());
    let trashed = store.read(|tx| tx.trashed_people(&ws)).unwrap();
    ids.extend(trashed);
    let got = store
        .read(|tx| tx.live_people_in_network_order(&ws, &ids))
        .unwrap();
    let want: Vec<(Id, String)> = everyone
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    assert_eq!(got, want);
}
