//! The dormant ties read from a few of my people equal those of the graph of all my ties.

use proptest::prelude::*;

use super::super::tests::{id, now};
use super::*;
use crate::network::{MetMe, MyRelationship, TieView};
use crate::values::Importance;

fn at(days: i64) -> Timestamp {
    now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// People 1..=n named from a few letters (names repeat, so the order falls back on
/// ids), some of them not live.
fn people(names: &[u8], dead: &[bool]) -> Vec<(String, Id, String)> {
    let mut out: Vec<(String, Id, String)> = names
        .iter()
        .zip(dead)
        .enumerate()
        .filter(|(_, (_, dead))| !**dead)
        .map(|(i, (c, _))| {
            let name = char::from(b'A' + c % 5).to_string();
            (name.to_lowercase(), id(i as u64 + 1), name)
        })
        .collect();
    out.sort();
    out
}

/// The graph of all my ties, as the overview built it before: every live person I
/// hold a relationship with or met, in order, with my evidence.
fn all_my_ties(my: &MyTies, live: &[(String, Id, String)]) -> Vec<TieView> {
    let mut b = GraphBuilder::new();
    for (_, p, name) in live {
        if my.mine.iter().any(|r| &r.person == p) || my.met.iter().any(|m| &m.person == p) {
            b.person(p.clone(), name.clone());
        }
    }
    b.my_ties(my);
    b.finish(now()).dormant(usize::MAX)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn a_few_people_looked_up_give_the_same_dormant_ties(
        names in proptest::collection::vec(0u8..5, 1..30),
        dead in proptest::collection::vec(proptest::bool::weighted(0.2), 30),
        // (person, importance, since in 100-day steps): few distinct values, many ties.
        mine in proptest::collection::vec((1u64..30, 1i64..=5, 0i64..8), 0..30),
        met in proptest::collection::vec((1u64..30, 1u32..12, 0i64..8), 0..30),
    ) {
        let n = names.len() as u64;
        let my = MyTies {
            mine: mine
                .iter()
                .filter(|(p, _, _)| *p <= n)
                .map(|&(p, importance, since)| MyRelationship {
                    person: id(p),
                    importance: Importance::clamped(importance),
                    since: at(since * 100),
                })
                .collect(),
            met: met
                .iter()
                .filter(|(p, _, _)| *p <= n)
                .map(|&(p, times, last)| MetMe { person: id(p), times, last: at(last * 100) })
                .collect(),
        };
        let live = people(&names, &dead);
        let whole = all_my_ties(&my, &live);
        for limit in 0..=whole.len() + 2 {
            let mut asked = Vec::new();
            let graph = my
                .dormant_graph(limit, now(), |ids: &[Id]| {
                    asked.extend(ids.iter().cloned());
                    Ok::<_, ()>(
                        live.iter()
                            .filter(|(_, p, _)| ids.contains(p))
                            .map(|(_, p, name)| (p.clone(), name.clone()))
                            .collect(),
                    )
                });
            prop_assert_eq!(
                graph.map(|g| g.dormant(limit)),
                Ok(whole.iter().take(limit).cloned().collect::<Vec<_>>())
            );
            if limit == 0 {
                prop_assert!(asked.is_empty());
            }
        }
    }
}

#[test]
fn a_lookup_that_fails_fails_the_read() {
    let my = MyTies {
        mine: vec![MyRelationship {
            person: id(1),
            importance: Importance::clamped(5),
            since: at(400),
        }],
        met: vec![],
    };
    assert!(my.dormant_graph(10, now(), |_: &[Id]| Err("down")).is_err());
}
