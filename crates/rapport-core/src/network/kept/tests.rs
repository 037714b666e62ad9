//! The overview read from a snapshot against the whole graph's, on random networks, at
//! other "now"s than the snapshot's, with short cuts so that every level is cut.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::super::near::tests::{Memory, random_input};
use super::super::tests::now;
use super::super::*;

/// My ties alone, as the app builds them: the people I hold a relationship with or met,
/// in the whole graph's order.
fn my_graph(input: &NetworkInput, at: Timestamp) -> Graph {
    let my = Memory::new(input).my_ties();
    let mut b = GraphBuilder::new();
    for (id, name) in &input.people {
        if my.mine.iter().any(|r| r.person == *id) || my.met.iter().any(|m| m.person == *id) {
            b.person(id.clone(), name.clone());
        }
    }
    b.my_ties(&my);
    b.finish(at)
}

/// Every time in `input` moved down to a multiple of `grain` seconds: many ties with the
/// same latest evidence, hence of equal score.
fn coarse(mut input: NetworkInput, grain: i64) -> NetworkInput {
    let down = |t: Timestamp| {
        let s = t.as_second();
        Timestamp::from_second(s - s.rem_euclid(grain)).unwrap_or(t)
    };
    for t in &mut input.ties {
        t.at = down(t.at);
    }
    for m in &mut input.meetings {
        m.at = down(m.at);
    }
    for r in &mut input.mine {
        r.since = down(r.since);
    }
    input
}

fn shifted(days: i64) -> Timestamp {
    now()
        .checked_add(SignedDuration::from_hours(24 * days))
        .unwrap_or(now())
}

/// Checks the snapshot of `input` against the whole graph at `later` for every limit up
/// to `kept`; returns how many of them the snapshot could not prove.
fn check(input: &NetworkInput, kept: usize, later: Timestamp) -> usize {
    let whole = Graph::build(input, now());
    let (network, snapshot) = whole.overview_and_snapshot(kept.min(3), kept);
    assert_eq!(network, whole.overview(kept.min(3)));
    let again = Graph::build(input, later);
    // What is kept does not depend on "now", and reads back as written.
    assert_eq!(again.overview_and_snapshot(0, kept).1, snapshot);
    let stored = snapshot
        .to_json()
        .ok()
        .and_then(|d| NetworkSnapshot::from_json(&d));
    assert_eq!(stored.as_ref(), Some(&snapshot));
    let me = my_graph(input, later);
    let mut unproven = 0;
    for limit in 0..=kept {
        match snapshot.overview(&me, limit, later) {
            Some(got) => assert_eq!(got, again.overview(limit), "limit {limit}"),
            None => unproven += 1,
        }
    }
    assert_eq!(snapshot.overview(&me, kept + 1, later), None);
    unproven
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_snapshot_gives_the_whole_graphs_overview(
        seed in any::<u64>(),
        n in 2u64..70,
        kept in 0usize..9,
        days in -400i64..900,
        grain in prop::sample::select(vec![1i64, 3_600, 86_400, 30 * 86_400]),
    ) {
        check(&coarse(random_input(seed, n), grain), kept, shifted(days));
    }
}

/// With evidence on whole days (hundreds of ties at each level and day, as in the
/// benchmark network) the cut almost always proves the answer.
#[test]
fn ties_of_equal_score_are_proven_across_the_cut() {
    let (mut asked, mut unproven) = (0, 0);
    for seed in 0..40 {
        let input = coarse(random_input(seed, 300), 86_400);
        for days in [0, 1, 45, 200, 700] {
            unproven += check(&input, 8, shifted(days));
            asked += 9;
        }
    }
    assert!(unproven * 20 <= asked, "{unproven} of {asked} not proven");
}

#[test]
fn the_fixture_from_a_snapshot() {
    let input = super::super::tests::fixture();
    assert_eq!(check(&input, KEPT, shifted(0)), 0);
    assert_eq!(check(&input, 1, shifted(400)), 0);
}
