//! `App::intro`, which reads only the neighbourhoods its search needs, against the
//! whole graph's search on the same workspace, on both engines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rapport_app::{Actor, App, Ctx, FixedClock};
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

/// 60 people (three trashed), ties between them (some trashed, some repeated), meetings
/// of 1 to 15 people, and relationships with ten of them (one ended).
fn check(db: &Fresh) {
    let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let app = App::new(Store::open(db.url()).unwrap(), Box::new(FixedClock(now)));
    let ws = app.workspace("default").unwrap().meta.id;
    let ctx = Ctx {
        ws: ws.clone(),
        actor: Actor::local(),
    };
    let mut r = Lcg(11);
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
        .map(|i| Person::named(meta(&mut r), format!("P{i:02}")))
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

    let graph = app.network_graph(&ctx).unwrap();
    let (mut found, mut same) = (0, 0);
    for p in &people {
        let whole = graph.intro(&p.meta.id);
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

#[test]
fn intro_matches_the_whole_graph_on_sqlite() {
    check(&Fresh::sqlite());
}

#[test]
fn intro_matches_the_whole_graph_on_postgres() {
    if !rapport_testkit::pg_available() && !rapport_testkit::pg_required() {
        eprintln!("PostgreSQL not available: skipped");
        return;
    }
    check(&Fresh::postgres());
}
