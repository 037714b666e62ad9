//! `App::intro` and `App::neighbourhood`, which read only the neighbourhoods they need,
//! against the whole graph's answers on the same workspace, and the graph streamed from
//! the store against the one built from the whole-workspace reads, on both engines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rapport_app::{Actor, App, Ctx, FixedClock};
use rapport_core::network::{Graph, MyRelationship, NetworkInput};
use rapport_core::*;
use rapport_store::Store;
use rapport_testkit::Fresh;

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

struct Workspace {
    app: App,
    ctx: Ctx,
    people: Vec<Person>,
    rels: Vec<Relationship>,
}

/// 60 people (three trashed), ties between them (some trashed, some repeated), meetings
/// of 1 to 15 people, and relationships with ten of them (one ended). With `hub`, people
/// are named against their id order and P00 also has 20 ties of equal strength recorded
/// at the same moment, so that ties of equal score must come in the whole graph's order.
fn random_workspace(db: &Fresh, seed: u64, hub: bool) -> Workspace {
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let app = App::new(Store::open(db.url()).unwrap(), Box::new(FixedClock(now)));
    let ws = app.workspace("default").unwrap().meta.id;
    let ctx = Ctx {
        ws: ws.clone(),
        actor: Actor::local(),
    };
    let mut r = Lcg(seed);
    let mut seq = 0u64;
    let mut meta = |r: &mut Lcg| {
        seq += 1;
        let at = now
            .checked_sub(jiff::SignedDuration::from_secs(r.below(500 * 86_400) as i64))
            .unwrap();
        let mut m = Meta::new(Id::v7(1_760_000_000_000 + seq, [seq as u8; 10]), at);
        m.updated_at = at;
        m
    };
    let people: Vec<Person> = (0..60)
        .map(|i| {
            let name = if hub && i % 2 == 1 {
                format!("P{:02}", 60 - i)
            } else {
                format!("P{i:02}")
            };
            Person::named(meta(&mut r), name)
        })
        .collect();
    let pick = |r: &mut Lcg| people[r.below(60) as usize].meta.id.clone();
    app.store
        .write(|tx| {
            for p in &people {
                tx.insert(&ws, p)?;
            }
            Ok(())
        })
        .unwrap();
    let mut ties = vec![];
    for _ in 0..110 {
        let (a, b) = (pick(&mut r), pick(&mut r));
        if a != b {
            ties.push(Tie {
                meta: meta(&mut r),
                from_person_id: a,
                to_person_id: b,
                kind: TieKind::Knows,
                strength: Strength::clamped(1 + r.below(5) as i64),
                note: None,
            });
        }
    }
    if hub {
        let at = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * 30))
            .unwrap();
        for (k, p) in people.iter().enumerate().skip(1).step_by(2).take(20) {
            let mut m = Meta::new(Id::v7(1_770_000_000_000 + k as u64, [k as u8; 10]), at);
            m.updated_at = at;
            ties.push(Tie {
                meta: m,
                from_person_id: if k % 4 == 1 {
                    people[0].meta.id.clone()
                } else {
                    p.meta.id.clone()
                },
                to_person_id: if k % 4 == 1 {
                    p.meta.id.clone()
                } else {
                    people[0].meta.id.clone()
                },
                kind: TieKind::Knows,
                strength: Strength::clamped(3),
                note: None,
            });
        }
    }
    let meetings: Vec<Interaction> = (0..25)
        .map(|_| {
            let m = meta(&mut r);
            Interaction {
                at: m.created_at,
                meta: m,
                channel: Channel::Meeting,
                direction: Direction::Outbound,
                participants: (0..1 + r.below(15)).map(|_| pick(&mut r)).collect(),
                organization_ids: vec![],
                minutes: None,
                sentiment: None,
                summary: "met".into(),
                body: None,
                source: Source::Manual,
                source_id: None,
            }
        })
        .collect();
    let rels: Vec<Relationship> = (0..10)
        .map(|i| {
            let subject = Subject {
                kind: SubjectKind::Person,
                id: pick(&mut r),
            };
            let mut rel = Relationship::new(meta(&mut r), subject, RelationshipKind::Friend);
            rel.importance = Importance::clamped(1 + r.below(5) as i64);
            if i == 0 {
                rel.status = RelationshipStatus::Ended;
            }
            rel
        })
        .collect();
    app.store
        .write(|tx| {
            for t in &ties {
                tx.insert(&ws, t)?;
            }
            for m in &meetings {
                tx.insert(&ws, m)?;
            }
            for rel in &rels {
                tx.insert(&ws, rel)?;
            }
            for k in [5, 17, 40] {
                tx.set_trashed::<Person>(&ws, &people[k].meta.id, true, None, now)?;
            }
            for t in ties.iter().step_by(9) {
                tx.set_trashed::<Tie>(&ws, &t.meta.id, true, None, now)?;
            }
            tx.set_trashed::<Interaction>(&ws, &meetings[3].meta.id, true, None, now)?;
            Ok(())
        })
        .unwrap();
    Workspace {
        app,
        ctx,
        people,
        rels,
    }
}

fn check(db: &Fresh) {
    let Workspace {
        app, ctx, people, ..
    } = random_workspace(db, 11, false);
    let graph = app.network_graph(&ctx).unwrap();
    let base = app.store.read(|tx| tx.network_base(&ctx.ws)).unwrap();
    assert!(base.is_none(), "no graph is kept before an overview");
    let (mut found, mut same) = (0, 0);
    for (i, p) in people.iter().enumerate() {
        let whole = graph.intro(&p.meta.id);
        // Past its budget, the search answers from the whole graph read from the store,
        // the first time; it keeps that graph, and answers from it afterwards.
        assert_eq!(
            app.intro_with_budget(&ctx, p, 0).unwrap(),
            whole,
            "{}",
            p.name
        );
        if i == 0 {
            let base = app.store.read(|tx| tx.network_base(&ctx.ws)).unwrap();
            assert!(base.is_some(), "the whole graph read is kept");
        }
        let near = app.intro(&ctx, p).unwrap();
        match (&whole, &near) {
            (Some(w), Some(n)) => {
                found += 1;
                if w == n {
                    same += 1;
                } else {
                    // Another chain of the same score.
                    assert_eq!((&w.target, w.score), (&n.target, n.score));
                }
            }
            _ => assert_eq!(whole, near, "{}", p.name),
        }
    }
    assert!(found >= 30, "only {found} people reachable");
    assert!(same * 10 >= found * 9, "{same} of {found} identical");
}

/// The neighbourhood read around one person against the whole graph's, for everyone,
/// and the overview of the streamed graph against the graph built from the
/// whole-workspace reads, on random workspaces.
fn check_neighbourhood_and_overview(db: &Fresh, seed: u64) {
    let Workspace {
        app,
        ctx,
        people,
        rels,
    } = random_workspace(db, seed, true);
    let now = app.now();
    let mine = rels
        .iter()
        .filter(|r| r.status != RelationshipStatus::Ended)
        .map(|r| MyRelationship {
            person: r.subject.id.clone(),
            importance: r.importance,
            since: r.meta.created_at,
        })
        .collect();
    let input = input_from_the_records(&app, &ctx, Some(mine));
    let whole = Graph::build(&input, now);
    let streamed = app.network_graph(&ctx).unwrap();
    assert_eq!(streamed.overview(10), whole.overview(10));
    assert_eq!(streamed.overview(1000), whole.overview(1000));
    assert_eq!(app.network(&ctx, 10).unwrap(), whole.overview(10));
    let mut shown = 0;
    for p in &people {
        for limit in [3, 12, 100] {
            let near = app.neighbourhood(&ctx, p, limit).unwrap();
            assert_eq!(near, whole.neighbourhood(&p.meta.id, limit), "{}", p.name);
            shown += near.len();
        }
    }
    assert!(shown > 300, "only {shown} ties shown");
    // P00's 20 ties of equal score are cut at 12 in the whole graph's order.
    let hub = app.neighbourhood(&ctx, &people[0], 12).unwrap();
    assert_eq!(hub.len(), 12);
}

// One fresh database per seed: the generated people's ids do not depend on it.
fn neighbourhood_and_overview_seed_3(db: &Fresh) {
    check_neighbourhood_and_overview(db, 3);
}

fn neighbourhood_and_overview_seed_11(db: &Fresh) {
    check_neighbourhood_and_overview(db, 11);
}

fn neighbourhood_and_overview_seed_29(db: &Fresh) {
    check_neighbourhood_and_overview(db, 29);
}

/// The whole graph built from the whole-workspace reads: every live person, tie and
/// participant row, and the relationships the asker sees — the computation the store's
/// streamed reads (`App::network_graph`) must match.
fn graph_from_the_records(app: &App, ctx: &Ctx) -> Graph {
    Graph::build(&input_from_the_records(app, ctx, None), app.now())
}

/// What the whole graph is built from, read from the records; `mine` as given, or
/// else the relationships the store says the asker sees.
fn input_from_the_records(app: &App, ctx: &Ctx, mine: Option<Vec<MyRelationship>>) -> NetworkInput {
    app.store
        .read(|tx| {
            Ok(NetworkInput {
                people: tx
                    .person_names(&ctx.ws)?
                    .into_iter()
                    .map(|(id, name, _)| (id, name))
                    .collect(),
                ties: tx.tie_facts(&ctx.ws)?,
                meetings: tx.meeting_facts(&ctx.ws)?,
                mine: match &mine {
                    Some(mine) => mine.clone(),
                    None => tx.network_relationships(&ctx.ws, ctx.actor.user_id.as_ref())?,
                },
            })
        })
        .unwrap()
}

/// `App::network` — read from the kept snapshot when it is current — against the
/// overview of the whole graph built from the records at that moment, for several
/// limits (one above what is kept) and at two "now"s (the snapshot is the same for
/// both); and the graph the store streams (meetings of two or more participants, my
/// own from the activity table) against that one.
fn overview_matches_the_whole_graph(app: &App, later: &App, ctx: &Ctx, what: &str) {
    for app in [app, later] {
        let whole = graph_from_the_records(app, ctx);
        let streamed = app.network_graph(ctx).unwrap();
        assert_eq!(
            (streamed.people(), streamed.ties()),
            (whole.people(), whole.ties()),
            "{what}: the streamed graph"
        );
        assert_eq!(
            streamed.overview(1000),
            whole.overview(1000),
            "{what}: the streamed graph"
        );
        // A far introduction answers from the kept graph brought up to date (before the
        // overview keeps it again) or the whole graph read: the whole graph's chains.
        let people = app
            .list_records::<Person>(
                ctx,
                rapport_store::ListQuery {
                    limit: 40,
                    ..Default::default()
                },
            )
            .unwrap()
            .items;
        for p in &people {
            let got = app.intro_with_budget(ctx, p, 0).unwrap();
            assert_eq!(got, whole.intro(&p.meta.id), "{what}: intro to {}", p.name);
            assert_eq!(
                streamed.neighbourhood(&p.meta.id, 100),
                whole.neighbourhood(&p.meta.id, 100),
                "{what}: ties of {}",
                p.name
            );
        }
        for limit in [10, 0, 3, 100, 101, 10] {
            let got = app.network(ctx, limit).unwrap();
            assert_eq!(got, whole.overview(limit), "{what}, limit {limit}");
        }
        let kept = app.store.read(|tx| tx.network_snapshot(&ctx.ws)).unwrap();
        assert!(kept.is_some(), "{what}: no snapshot kept");
    }
}

/// After a write, the snapshot kept before is not read.
fn retired(app: &App, ctx: &Ctx, what: &str) {
    let kept = app.store.read(|tx| tx.network_snapshot(&ctx.ws)).unwrap();
    assert!(kept.is_none(), "{what}: the snapshot is still read");
}

/// After a write, the graph kept beside the snapshot is there to be patched: every
/// write since it was kept noted the people it touched, so the next overview does not
/// read every tie again.
fn patchable(app: &App, ctx: &Ctx, what: &str) {
    let (kept_at, now) = app
        .store
        .read(|tx| {
            let base = tx.network_base(&ctx.ws)?;
            Ok((base.map(|(g, _)| g), tx.network_generation(&ctx.ws)?))
        })
        .unwrap();
    let kept_at = kept_at.unwrap_or_else(|| panic!("{what}: no graph kept"));
    let touched = app
        .store
        .read(|tx| tx.network_touched(&ctx.ws, kept_at, now))
        .unwrap();
    assert!(
        touched.is_some(),
        "{what}: a write did not note whom it touched"
    );
}

/// Every kind of write that changes the network — people added, renamed, trashed,
/// restored and merged; ties added, changed, trashed and restored; interactions logged,
/// edited, trashed and restored; contacts imported — then the overview again.
fn the_kept_overview_follows_every_write(db: &Fresh) {
    let Workspace {
        app, ctx, people, ..
    } = random_workspace(db, 7, true);
    let now = app.now();
    let later = App::new(
        Store::open(db.url()).unwrap(),
        Box::new(FixedClock(
            now.checked_add(jiff::SignedDuration::from_hours(24 * 200))
                .unwrap(),
        )),
    );
    let check = |what: &str| {
        retired(&app, &ctx, what);
        patchable(&app, &ctx, what);
        overview_matches_the_whole_graph(&app, &later, &ctx, what);
    };
    overview_matches_the_whole_graph(&app, &later, &ctx, "at first");
    let zed = app
        .add_person(
            &ctx,
            rapport_app::records::NewPerson {
                name: "Zed".into(),
                ..Default::default()
            },
        )
        .unwrap();
    check("person added");
    app.update::<Person>(&ctx, &people[2].meta.id, None, |p| {
        p.name = "AAA first".into();
        Ok(())
    })
    .unwrap();
    check("person renamed");
    app.set_trashed::<Person>(&ctx, &people[4].meta.id, true, None)
        .unwrap();
    check("person trashed");
    app.set_trashed::<Person>(&ctx, &people[4].meta.id, false, None)
        .unwrap();
    check("person restored");
    let tie = app
        .add_tie(
            &ctx,
            &people[1],
            &zed,
            TieKind::Family,
            Strength::clamped(5),
        )
        .unwrap();
    check("tie added");
    app.update::<Tie>(&ctx, &tie.meta.id, None, |t| {
        t.strength = Strength::clamped(4);
        Ok(())
    })
    .unwrap();
    check("tie changed");
    app.set_trashed::<Tie>(&ctx, &tie.meta.id, true, None)
        .unwrap();
    check("tie trashed");
    app.set_trashed::<Tie>(&ctx, &tie.meta.id, false, None)
        .unwrap();
    check("tie restored");
    let met = app
        .log(
            &ctx,
            &[
                rapport_app::resolve::Target::Person(people[6].clone()),
                rapport_app::resolve::Target::Person(zed.clone()),
                rapport_app::resolve::Target::Person(people[8].clone()),
            ],
            rapport_app::records::NewInteraction {
                at: now,
                channel: Channel::Meeting,
                direction: Direction::Outbound,
                minutes: None,
                sentiment: None,
                summary: "lunch".into(),
                body: None,
            },
        )
        .unwrap();
    check("interaction logged");
    app.update::<Interaction>(&ctx, &met.meta.id, None, |i| {
        i.participants.pop();
        i.at = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * 300))
            .unwrap();
        Ok(())
    })
    .unwrap();
    check("interaction edited");
    app.set_trashed::<Interaction>(&ctx, &met.meta.id, true, None)
        .unwrap();
    check("interaction trashed");
    app.set_trashed::<Interaction>(&ctx, &met.meta.id, false, None)
        .unwrap();
    check("interaction restored");
    // An interaction with one participant is a tie to me alone, until it has a second.
    let solo = app
        .log(
            &ctx,
            &[rapport_app::resolve::Target::Person(people[10].clone())],
            rapport_app::records::NewInteraction {
                at: now
                    .checked_sub(jiff::SignedDuration::from_hours(24 * 3))
                    .unwrap(),
                channel: Channel::Call,
                direction: Direction::Inbound,
                minutes: None,
                sentiment: None,
                summary: "call".into(),
                body: None,
            },
        )
        .unwrap();
    check("interaction with one participant logged");
    app.update::<Interaction>(&ctx, &solo.meta.id, None, |i| {
        i.participants.push(people[11].meta.id.clone());
        Ok(())
    })
    .unwrap();
    check("a second participant added");
    app.update::<Interaction>(&ctx, &solo.meta.id, None, |i| {
        i.participants.remove(0);
        Ok(())
    })
    .unwrap();
    check("down to one participant again");
    app.merge_people(&ctx, &people[6].meta.id, &zed.meta.id)
        .unwrap();
    check("people merged");
    let vcards = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Yan New\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:4.0\r\nFN:AAA first\r\nEMAIL:a@example.org\r\nEND:VCARD\r\n";
    app.import(
        &ctx,
        &mut vcards.as_bytes(),
        &rapport_app::import::ImportOptions::default(),
        &mut |_| (),
    )
    .unwrap();
    check("contacts imported");
    // A relationship is the asker's own tie, read at every request: no new snapshot.
    let subject = Subject {
        kind: SubjectKind::Person,
        id: people[9].meta.id.clone(),
    };
    let mut rel = Relationship::new(app.new_meta(), subject, RelationshipKind::Mentor);
    rel.importance = Importance::clamped(5);
    app.create(&ctx, rel).unwrap();
    overview_matches_the_whole_graph(&app, &later, &ctx, "relationship added");
}

/// The demo's load (a bulk build into an empty SQLite database; batches elsewhere), then
/// a second load into the same workspace.
fn the_kept_overview_follows_the_demo(db: &Fresh) {
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let app = App::new(Store::open(db.url()).unwrap(), Box::new(FixedClock(now)));
    let later = App::new(
        Store::open(db.url()).unwrap(),
        Box::new(FixedClock(
            now.checked_add(jiff::SignedDuration::from_hours(24 * 90))
                .unwrap(),
        )),
    );
    let ctx = Ctx {
        ws: app.workspace("default").unwrap().meta.id,
        actor: Actor::local(),
    };
    overview_matches_the_whole_graph(&app, &later, &ctx, "empty");
    app.load_demo(&ctx, 150, 3).unwrap();
    retired(&app, &ctx, "demo");
    overview_matches_the_whole_graph(&app, &later, &ctx, "demo");
    app.load_demo(&ctx, 40, 4).unwrap();
    retired(&app, &ctx, "second demo");
    overview_matches_the_whole_graph(&app, &later, &ctx, "second demo");
}

/// The first hop (my relationships) as a signed-in user sees it: a relationship private
/// to someone else, an ended one and one with an organization bring no tie to me; the
/// local CLI, with no user, has every not-ended one with a person.
fn the_first_hop_is_what_the_asker_may_see(db: &Fresh) {
    let mut w = common::TwoUsers::new(db);
    let (me, someone) = (w.me.clone(), w.someone.clone());
    let org = Organization::named(w.meta(), "Acme".into());
    let mut org_rel = Relationship::new(
        w.meta(),
        Subject {
            kind: SubjectKind::Organization,
            id: org.meta.id.clone(),
        },
        RelationshipKind::Customer,
    );
    org_rel.visibility = Visibility::Workspace;
    w.app
        .store
        .write(|tx| {
            tx.insert(&w.ws, &org)?;
            tx.insert(&w.ws, &org_rel)
        })
        .unwrap();
    let mut people = Vec::new();
    for (name, visibility, owner, status) in [
        (
            "Shared",
            Visibility::Workspace,
            Some(&someone),
            RelationshipStatus::Active,
        ),
        (
            "Mine",
            Visibility::Private,
            Some(&me),
            RelationshipStatus::Dormant,
        ),
        (
            "Theirs",
            Visibility::Private,
            Some(&someone),
            RelationshipStatus::Active,
        ),
        (
            "Nobody's",
            Visibility::Private,
            None,
            RelationshipStatus::Active,
        ),
        (
            "Ended",
            Visibility::Workspace,
            None,
            RelationshipStatus::Ended,
        ),
    ] {
        let p = Person::named(w.meta(), name.into());
        let mut rel = common::friendship(w.meta(), &p, visibility, owner);
        rel.status = status;
        rel.importance = Importance::new(4).unwrap();
        w.app
            .store
            .write(|tx| {
                tx.insert(&w.ws, &p)?;
                tx.insert(&w.ws, &rel)
            })
            .unwrap();
        people.push(p);
    }
    let tied_to_me = |ctx: &Ctx| -> Vec<String> {
        people
            .iter()
            .filter(|p| !w.app.neighbourhood(ctx, p, 10).unwrap().is_empty())
            .map(|p| p.name.clone())
            .collect()
    };
    let local = w.local();
    assert_eq!(tied_to_me(&local), ["Shared", "Mine", "Theirs", "Nobody's"]);
    let signed_in = w.signed_in();
    assert_eq!(tied_to_me(&signed_in), ["Shared", "Mine", "Nobody's"]);
}

/// One trial per engine; the PostgreSQL ones are ignored (never passed) without a
/// server, unless `RAPPORT_REQUIRE_POSTGRES=1` makes them fail.
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(
        &args,
        rapport_testkit::trials(&[
            (
                "neighbourhood_and_overview_match_the_whole_graph_seed_3",
                neighbourhood_and_overview_seed_3,
            ),
            (
                "neighbourhood_and_overview_match_the_whole_graph_seed_11",
                neighbourhood_and_overview_seed_11,
            ),
            (
                "neighbourhood_and_overview_match_the_whole_graph_seed_29",
                neighbourhood_and_overview_seed_29,
            ),
            ("intro_matches_the_whole_graph", check),
            (
                "the_first_hop_is_what_the_asker_may_see",
                the_first_hop_is_what_the_asker_may_see,
            ),
            (
                "the_kept_overview_follows_every_write",
                the_kept_overview_follows_every_write,
            ),
            (
                "the_kept_overview_follows_the_demo",
                the_kept_overview_follows_the_demo,
            ),
        ]),
    )
    .exit();
}
