//! The network on a small hand-computed fixture.

use super::*;

const NOW: &str = "2026-11-23T09:00:00Z";

pub(super) fn now() -> Timestamp {
    NOW.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

fn ago(days: i64) -> Timestamp {
    now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(super) fn id(n: u64) -> Id {
    Id::v7(1_700_000_000_000 + n, [n as u8; 10])
}

fn tie(a: u64, b: u64, strength: i64, days: i64) -> TieFact {
    TieFact {
        a: id(a),
        b: id(b),
        kind: TieKind::Knows,
        strength: Strength::clamped(strength),
        at: ago(days),
    }
}

/// A(1) … F(6). I hold a relationship with A and met A alone and A with B; B–C, C–D and
/// A–E are recorded ties; F knows no one.
pub(super) fn fixture() -> NetworkInput {
    NetworkInput {
        people: ["A", "B", "C", "D", "E", "F"]
            .iter()
            .enumerate()
            .map(|(i, n)| (id(i as u64 + 1), n.to_string()))
            .collect(),
        ties: vec![tie(2, 3, 4, 30), tie(3, 4, 2, 400), tie(1, 5, 5, 400)],
        meetings: vec![
            MeetingFact {
                at: ago(10),
                people: vec![id(1)],
            },
            MeetingFact {
                at: ago(20),
                people: vec![id(1), id(2)],
            },
        ],
        mine: vec![MyRelationship {
            person: id(1),
            importance: Importance::clamped(5),
            since: ago(300),
        }],
    }
}

fn graph() -> Graph {
    Graph::build(&fixture(), now())
}

fn names(hops: &[TieView]) -> Vec<(String, String)> {
    hops.iter()
        .map(|h| (h.from.name.clone(), h.to.name.clone()))
        .collect()
}

#[test]
fn strength_and_score_formulas() {
    assert_eq!(strength(Some(3), 0), 3.0);
    assert_eq!(strength(None, 1), 1.5);
    assert_eq!(strength(Some(2), 4), 3.0);
    assert_eq!(strength(None, 50), 5.0);
    assert!((score(5.0, 0.0) - 1.0).abs() < 1e-12);
    // Half-life: after 180 days warmth is 0.5 → 0.3 + 0.35.
    assert!((score(5.0, 180.0) - 0.65).abs() < 1e-12);
    assert!((score(4.0, 30.0) - 0.738_903).abs() < 1e-5);
}

#[test]
fn counts_people_and_ties() {
    let g = graph();
    assert_eq!(g.people(), 6);
    // B–C, C–D, A–E recorded; A–B met. Links to me are not ties between people.
    assert_eq!(g.ties(), 4);
}

#[test]
fn intro_takes_the_warmest_chain() {
    // me→B (met once, 20 days: 0.2844) beats me→A→B (A strong, but A–B is the same weak
    // meeting): me→B→C→D = 0.2844 × 0.7389 × 0.1800 = 0.038.
    let p = graph().intro(&id(4));
    let Some(p) = p else { panic!("no path to D") };
    assert_eq!(p.target.name, "D");
    assert_eq!(
        names(&p.hops),
        vec![
            ("you".to_string(), "B".to_string()),
            ("B".into(), "C".into()),
            ("C".into(), "D".into())
        ]
    );
    assert_eq!(p.score, 0.038);
    assert_eq!(p.hops[0].why, "you met 1 time, last 20 days ago");
    assert_eq!(p.hops[0].strength, 1.5);
    assert_eq!(
        p.hops[1].why,
        "recorded tie: knows, strength 4; last evidence 30 days ago"
    );
    assert_eq!(p.hops[1].days_since, 30);
}

#[test]
fn intro_to_someone_i_know_is_one_hop() {
    let Some(p) = graph().intro(&id(1)) else {
        panic!("no path to A")
    };
    assert_eq!(p.hops.len(), 1);
    assert_eq!(
        p.hops[0].why,
        "you met 2 times, last 10 days ago; your relationship, importance 5"
    );
}

#[test]
fn no_chain_no_path() {
    assert!(graph().intro(&id(6)).is_none());
    assert!(graph().intro(&id(99)).is_none());
}

#[test]
fn strongest_ties_by_score() {
    let s = graph().strongest(10);
    assert_eq!(
        names(&s),
        vec![
            ("B".to_string(), "C".to_string()),
            ("A".into(), "E".into()),
            ("A".into(), "B".into()),
            ("C".into(), "D".into())
        ]
    );
    assert_eq!(graph().strongest(2).len(), 2);
}

#[test]
fn dormant_strong_ties() {
    let d = graph().dormant(10);
    assert_eq!(names(&d), vec![("A".to_string(), "E".to_string())]);
    assert_eq!(d[0].days_since, 400);
}

#[test]
fn connectors_by_exact_betweenness() {
    // The people form the line E–A–B–C–D (F alone): B sits between 4 of the 10 pairs
    // of the other five people, A and C between 3.
    let c = graph().connectors(10);
    assert!(!c.approximate);
    let got: Vec<(String, f64, usize)> = c
        .people
        .iter()
        .map(|p| (p.person.name.clone(), p.betweenness, p.ties))
        .collect();
    assert_eq!(
        got,
        vec![
            ("B".to_string(), 40.0, 2),
            ("A".into(), 30.0, 2),
            ("C".into(), 30.0, 2)
        ]
    );
}

#[test]
fn a_crowd_is_no_evidence_of_ties() {
    let mut input = fixture();
    input.meetings.push(MeetingFact {
        at: ago(1),
        people: (1..=MAX_GROUP as u64 + 1).map(|n| id(n + 100)).collect(),
    });
    input
        .people
        .extend((1..=MAX_GROUP as u64 + 1).map(|n| (id(n + 100), format!("P{n}"))));
    let g = Graph::build(&input, now());
    assert_eq!(g.ties(), 4);
    assert!(g.intro(&id(101)).is_some_and(|p| p.hops.len() == 1));
}

#[test]
fn sampled_betweenness_on_a_large_star() {
    // A hub tied to everyone: only the hub sits between others.
    let n = EXACT_BETWEENNESS_LIMIT as u64 + 10;
    let input = NetworkInput {
        people: (1..=n).map(|i| (id(i), format!("P{i}"))).collect(),
        ties: (2..=n).map(|i| tie(1, i, 3, 5)).collect(),
        ..NetworkInput::default()
    };
    let c = Graph::build(&input, now()).connectors(3);
    assert!(c.approximate);
    assert_eq!(c.sources, BETWEENNESS_SAMPLES);
    assert_eq!(c.people.len(), 1);
    assert_eq!(c.people[0].person.name, "P1");
}

proptest::proptest! {
    /// More meetings never weaken a tie; time never warms one; scores stay in 0–1.
    #[test]
    fn score_is_monotone_and_bounded(
        declared in proptest::option::of(1u8..=5),
        met in 0u32..100,
        days in 0f64..5000.0,
        later in 0f64..1000.0,
    ) {
        let s = strength(declared, met);
        proptest::prop_assert!(strength(declared, met + 1) >= s);
        proptest::prop_assert!((0.0..=5.0).contains(&s));
        let now = score(s, days);
        proptest::prop_assert!((0.0..=1.0).contains(&now));
        proptest::prop_assert!(score(s, days + later) <= now);
        proptest::prop_assert!(score(s, days) >= 0.3 * s / 5.0 - 1e-12);
    }

    /// Every hop of a found path is a tie of the graph, and the path starts with me.
    #[test]
    fn paths_are_chains_of_ties(
        edges in proptest::collection::vec((1u64..30, 1u64..30, 1i64..=5, 0i64..400), 0..80),
        target in 1u64..30,
    ) {
        let input = NetworkInput {
            people: (1..30).map(|i| (id(i), format!("P{i:02}"))).collect(),
            ties: edges.iter().filter(|e| e.0 != e.1).map(|&(a, b, s, d)| tie(a, b, s, d)).collect(),
            meetings: vec![],
            mine: vec![MyRelationship { person: id(1), importance: Importance::clamped(3), since: ago(5) }],
        };
        let g = Graph::build(&input, now());
        if let Some(p) = g.intro(&id(target)) {
            proptest::prop_assert_eq!(p.hops[0].from.name.as_str(), "you");
            for w in p.hops.windows(2) {
                proptest::prop_assert_eq!(&w[0].to, &w[1].from);
            }
            proptest::prop_assert_eq!(p.hops.last().map(|h| h.to.id.clone()), Some(Some(id(target))));
            let product: f64 = p.hops.iter().map(|h| h.score).product();
            proptest::prop_assert!((0.0..=1.0).contains(&p.score));
            proptest::prop_assert!((product - p.score).abs() < 0.01 * p.hops.len() as f64 + 0.001);
        }
    }
}

proptest::proptest! {
    /// The builder's counting sort of the evidence gives the keys in the order of a
    /// plain sort, and the same ties once folded.
    #[test]
    fn sorting_pairs_is_sorting(
        pairs in proptest::collection::vec((0u32..40, 0u32..40, 0u32..3, 0i64..1000), 0..300),
    ) {
        let raw: Vec<(u64, Acc)> = pairs
            .iter()
            .map(|&(a, b, met, last)| (pair_key(a, b), Acc { declared: None, met, last }))
            .collect();
        let show = |v: Vec<(u64, Acc)>| format!("{v:?}");
        let keys = |v: &[(u64, Acc)]| v.iter().map(|e| e.0).collect::<Vec<_>>();
        let sorted = sort_pairs(raw.clone(), 40);
        let mut plain = raw.clone();
        plain.sort_unstable_by_key(|e| e.0);
        proptest::prop_assert_eq!(keys(&sorted), keys(&plain));
        proptest::prop_assert_eq!(show(fold_sorted(sorted)), show(fold_evidence(raw)));
    }
}

proptest::proptest! {
    /// Meetings fed whole, and fed as the cold read feeds them — only those with two or
    /// more participants, between each other, and my ties as how many meetings I had
    /// with each person and the latest — give the same graph. Ids 13–15 are not people
    /// (an organization, someone in the trash); a meeting may list someone twice.
    #[test]
    fn my_meetings_counted_are_my_meetings_fed(
        meetings in proptest::collection::vec(
            (proptest::collection::vec(1u64..16, 1..16), 0i64..900),
            0..60,
        ),
        ties in proptest::collection::vec((1u64..13, 1u64..13, 1i64..=5, 0i64..400), 0..20),
    ) {
        let people: Vec<(Id, String)> = (1..13).map(|i| (id(i), format!("P{i:02}"))).collect();
        let mine = vec![MyRelationship {
            person: id(2),
            importance: Importance::clamped(4),
            since: ago(50),
        }];
        let build = |together: bool| {
            let mut b = GraphBuilder::new();
            for (p, name) in &people {
                b.person(p.clone(), name.clone());
            }
            for &(x, y, s, d) in &ties {
                let t = tie(x, y, s, d);
                b.tie(t.a.as_str(), t.b.as_str(), t.kind, t.strength, t.at);
            }
            let mut met: HashMap<u64, (u32, Timestamp)> = HashMap::new();
            for (who, days) in &meetings {
                let ids: Vec<Id> = who.iter().map(|&n| id(n)).collect();
                let at = ago(*days);
                if !together {
                    b.meeting(at, ids.iter().map(Id::as_str));
                    continue;
                }
                let mut distinct = who.clone();
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.len() > 1 {
                    b.met_together(at, ids.iter().map(Id::as_str));
                }
                for n in distinct {
                    let e = met.entry(n).or_insert((0, at));
                    e.0 += 1;
                    e.1 = e.1.max(at);
                }
            }
            let mut met: Vec<_> = met.into_iter().collect();
            met.sort_unstable_by_key(|m| m.0);
            for (n, (times, last)) in met {
                b.met_me(&MetMe { person: id(n), times, last });
            }
            for r in &mine {
                b.mine(r);
            }
            b.finish(now())
        };
        let (whole, counted) = (build(false), build(true));
        proptest::prop_assert_eq!(counted.overview(1000), whole.overview(1000));
        for n in 1..16 {
            proptest::prop_assert_eq!(counted.intro(&id(n)), whole.intro(&id(n)));
            proptest::prop_assert_eq!(counted.neighbourhood(&id(n), 100), whole.neighbourhood(&id(n), 100));
        }
    }
}
