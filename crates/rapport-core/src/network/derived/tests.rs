//! The kept graph brought up to date from the people writes touched against the graph
//! built again from everything, on random networks and random writes.

use std::collections::HashSet;

use proptest::prelude::*;

use super::super::near::tests::random_input;
use super::super::tests::now;
use super::super::*;
use super::Placed;
use crate::values::Strength;

/// The people in the store's order (by name, then id), as the whole read lists them.
fn in_order(mut input: NetworkInput) -> NetworkInput {
    input.people.sort_by(|x, y| (&x.1, &x.0).cmp(&(&y.1, &y.0)));
    input
}

fn id(n: u64) -> Id {
    Id::v7(1_700_000_000_000 + n, [7; 10])
}

/// Writes `input` as the seed's random writes would change it; returns the people
/// they touched: renamed, trashed or restored people and everyone they met (a
/// meeting's size counts live people only), the ends of new ties and who took part in
/// new meetings.
fn write(input: &mut NetworkInput, seed: u64, n: u64, writes: usize) -> HashSet<Id> {
    let mut r = seed.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(3);
    let mut next = |below: u64| {
        r = r
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (r >> 33) % below.max(1)
    };
    let mut touched = HashSet::new();
    let mut person_touched = vec![];
    for _ in 0..writes {
        let who = id(1 + next(n));
        match next(6) {
            // Renamed (or, if not live, restored under a new name).
            0 => {
                let name = format!("P{}", next(3 * n));
                input.people.retain(|(p, _)| *p != who);
                input.people.push((who.clone(), name));
                person_touched.push(who);
            }
            // Trashed.
            1 => {
                input.people.retain(|(p, _)| *p != who);
                person_touched.push(who);
            }
            // A new person with no ties yet, or a restored one.
            2 => {
                let fresh = id(1000 + next(50));
                if !input.people.iter().any(|(p, _)| *p == fresh) {
                    input
                        .people
                        .push((fresh.clone(), format!("P{}", next(3 * n))));
                }
                person_touched.push(fresh);
            }
            // A tie added.
            3 | 4 => {
                let other = id(1 + next(n));
                input.ties.push(TieFact {
                    a: who.clone(),
                    b: other.clone(),
                    kind: TieKind::MentorOf,
                    strength: Strength::clamped(1 + next(5) as i64),
                    at: now(),
                });
                touched.extend([who, other]);
            }
            // A meeting logged.
            _ => {
                let people: Vec<Id> = (0..1 + next(14)).map(|_| id(1 + next(n))).collect();
                touched.extend(people.iter().cloned());
                input.meetings.push(MeetingFact { at: now(), people });
            }
        }
    }
    for p in person_touched {
        for m in input.meetings.iter().filter(|m| m.people.contains(&p)) {
            touched.extend(m.people.iter().cloned());
        }
        touched.insert(p);
    }
    touched
}

/// Where the touched people live now, as the store's places read gives them.
fn placed(input: &NetworkInput, touched: &HashSet<Id>) -> Vec<Placed> {
    input
        .people
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| touched.contains(p))
        .map(|(i, (p, name))| Placed {
            id: p.clone(),
            name: name.clone(),
            after: i.checked_sub(1).map(|j| input.people[j].0.clone()),
        })
        .collect()
}

fn check(seed: u64, n: u64, writes: usize) {
    let mut input = in_order(random_input(seed, n));
    let before = Graph::build(&input, now());
    let mut kept = before.people_graph();
    assert_eq!(PeopleGraph::decode(&kept.encode()).as_ref(), Some(&kept));
    let touched = write(&mut input, seed, n, writes);
    let input = in_order(input);
    let after = Graph::build(&input, now());
    let placed = placed(&input, &touched);
    kept.patch(&touched, &placed, &after);
    assert_eq!(kept, after.people_graph());
    assert_eq!(
        kept.snapshot(5),
        after.overview_and_snapshot(0, 5).1,
        "the snapshot of the kept graph is the whole graph's"
    );
}

proptest! {
    #[test]
    fn patched_is_rebuilt(seed in any::<u64>(), n in 2u64..60, writes in 0usize..8) {
        check(seed, n, writes);
    }
}

#[test]
fn a_damaged_graph_is_not_read() {
    let g = Graph::build(&random_input(3, 30), now()).people_graph();
    let doc = g.encode();
    assert_eq!(PeopleGraph::decode(&doc[..doc.len() - 4]), None);
    assert_eq!(PeopleGraph::decode(b"people-graph 0\nAAAA"), None);
    assert_eq!(PeopleGraph::decode(b""), None);
}

/// People enough for the connectors' sources to be sampled, and their searches kept.
const SAMPLED: u64 = 2_200;

/// A kept graph with its searches, patched after `writes` random writes (or ties added
/// and changed only, which leave everyone's number as it was): its snapshot, and the
/// searches it keeps afterwards, are those of the graph built again from everything,
/// bit for bit. Returns how many searches the patch kept.
fn check_searched(seed: u64, writes: usize, ties_only: bool) -> usize {
    let n = SAMPLED;
    let mut input = in_order(random_input(seed, n));
    let before = Graph::build(&input, now());
    let (_, _, mut kept) = before.overview_and_kept(0, 5);
    assert_eq!(kept.kept_searches(), BETWEENNESS_SAMPLES);
    assert_eq!(PeopleGraph::decode(&kept.encode()).as_ref(), Some(&kept));
    let touched = if ties_only {
        let live: Vec<Id> = input.people.iter().map(|(p, _)| p.clone()).collect();
        let mut r = seed | 1;
        let mut touched = HashSet::new();
        for _ in 0..writes {
            r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let (a, b) = (
                live[(r >> 33) as usize % live.len()].clone(),
                live[(r >> 13) as usize % live.len()].clone(),
            );
            input.ties.push(TieFact {
                a: a.clone(),
                b: b.clone(),
                kind: TieKind::Knows,
                strength: Strength::clamped(5),
                at: now(),
            });
            touched.extend([a, b]);
        }
        touched
    } else {
        write(&mut input, seed, n, writes)
    };
    let input = in_order(input);
    let after = Graph::build(&input, now());
    let placed = placed(&input, &touched);
    kept.patch(&touched, &placed, &after);
    let reused = kept.kept_searches();
    let (_, whole, rebuilt) = after.overview_and_kept(0, 5);
    assert_eq!(kept.snapshot(5), whole, "the snapshot is the whole graph's");
    assert_eq!(kept, rebuilt, "and so are the searches kept");
    reused
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn patched_searches_are_searched_again(
        seed in any::<u64>(),
        writes in 0usize..5,
        ties_only in any::<bool>(),
    ) {
        check_searched(seed, writes, ties_only);
    }
}

#[test]
fn searches_a_tie_cannot_change_are_kept() {
    // Nothing written keeps every search; a new tie keeps those it cannot change, which
    // on random graphs is some of them for some ties.
    assert_eq!(check_searched(5, 0, true), BETWEENNESS_SAMPLES);
    let kept: Vec<usize> = (0..8).map(|seed| check_searched(seed, 1, true)).collect();
    assert!(kept.iter().any(|k| *k > 0), "{kept:?}");
}

/// The kept graph with my ties is the whole graph: the same intro chains, neighbourhoods
/// and overview, on random networks (trashed people, crowds, relationships of mine with
/// people in the trash among them).
#[test]
fn the_kept_graph_with_my_ties_is_the_whole_graph() {
    let mut found = 0;
    for seed in 0..30 {
        let n = 20 + seed * 5;
        let input = in_order(random_input(seed, n));
        let whole = Graph::build(&input, now());
        let my = super::super::near::tests::Memory::new(&input).my_ties();
        let kept = whole.people_graph().with_me(&my, now());
        assert_eq!(kept.people(), whole.people(), "seed {seed}");
        assert_eq!(kept.ties(), whole.ties(), "seed {seed}");
        assert_eq!(kept.overview(10), whole.overview(10), "seed {seed}");
        for t in 1..=n + 1 {
            // The ids `random_input` gives its people.
            let person = super::super::tests::id(t);
            let chain = whole.intro(&person);
            found += usize::from(chain.as_ref().is_some_and(|c| c.hops.len() > 1));
            assert_eq!(kept.intro(&person), chain, "seed {seed}, target {t}");
            assert_eq!(
                kept.neighbourhood(&person, 50),
                whole.neighbourhood(&person, 50),
                "seed {seed}, person {t}"
            );
        }
    }
    assert!(
        found > 500,
        "only {found} chains of two hops or more compared"
    );
}

proptest! {
    /// Any kept graph reads back as it was written, whatever its ids, names, keys and
    /// evidence (gaps between keys and evidence dates far apart of either sign, counts
    /// of meetings up to the largest) and its searches.
    #[test]
    fn a_kept_graph_reads_back_as_written(
        people in proptest::collection::vec(
            (any::<[u8; 10]>(), any::<u64>(), ".{0,12}"), 2..40),
        ties in proptest::collection::vec(
            (any::<u32>(), any::<u32>(), proptest::option::of((0u8..=255, 0usize..=7)),
             any::<u32>(), any::<i64>()), 0..80),
        sources in proptest::collection::vec((any::<u32>(), any::<u64>()), 0..3),
    ) {
        let n = people.len() as u32;
        let mut edges: Vec<(u64, Acc)> = ties
            .iter()
            .filter_map(|&(a, b, declared, met, last)| {
                let (a, b) = (1 + a % n, 1 + b % n);
                (a != b).then(|| {
                    let kind = declared.and_then(|(_, k)| TieKind::ALL.get(k).copied());
                    (pair_key(a, b), Acc { declared: declared.map(|(s, _)| (s, kind)), met, last })
                })
            })
            .collect();
        edges.sort_by_key(|e| e.0);
        edges.dedup_by_key(|e| e.0);
        let nodes = people.len() + 1;
        let searches = sources
            .iter()
            .map(|&(source, seed)| {
                let source = 1 + source % n;
                let mut r = seed;
                let mut next = || {
                    r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    r
                };
                let mut dist: Vec<u8> = (0..nodes).map(|_| (next() >> 60) as u8).collect();
                dist[0] = super::UNREACHED;
                dist[source as usize] = 0;
                let delta = (0..nodes)
                    .map(|_| if next() % 3 == 0 { 0.0 } else { f64::from_bits(next()) })
                    .collect();
                super::SourceSearch { source, dist, delta }
            })
            .collect();
        let graph = PeopleGraph {
            ids: people.iter().map(|(r, ms, _)| Id::v7(ms >> 17, *r)).collect(),
            names: people.iter().map(|(_, _, name)| name.clone()).collect(),
            edges,
            searches,
        };
        let doc = graph.encode();
        let back = PeopleGraph::decode(&doc).expect("read back");
        // Compared by bits: a dependency may be NaN.
        prop_assert_eq!(&back.ids, &graph.ids);
        prop_assert_eq!(&back.names, &graph.names);
        prop_assert_eq!(&back.edges, &graph.edges);
        prop_assert_eq!(back.searches.len(), graph.searches.len());
        for (x, y) in back.searches.iter().zip(&graph.searches) {
            prop_assert_eq!(x.source, y.source);
            prop_assert_eq!(&x.dist, &y.dist);
            let bits = |d: &[f64]| d.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&x.delta), bits(&y.delta));
        }
        // Cut anywhere, it is not read.
        for cut in [1, doc.len() / 2, doc.len() - 1] {
            if let Some(head) = doc.get(..cut) {
                prop_assert_eq!(PeopleGraph::decode(head), None);
            }
        }
    }

    #[test]
    fn numbers_and_ids_read_back(v in any::<u64>(), d in any::<i64>(), bytes in any::<[u8; 16]>()) {
        let mut b = Vec::new();
        super::put_varint(&mut b, v);
        super::put_varint(&mut b, super::zigzag(d));
        let mut r = super::Reader(&b);
        prop_assert_eq!(r.varint(), Some(v));
        prop_assert_eq!(r.varint().map(super::unzigzag), Some(d));
        prop_assert!(r.0.is_empty());
        let mut text = String::new();
        super::unpacked_id(bytes, &mut text);
        prop_assert_eq!(Id::parse(&text).map(|id| id.as_str().to_string()).ok(), Some(text.clone()));
        prop_assert_eq!(Id::pack(&text), Some(bytes));
    }
}

/// A kept graph of the previous format (base64 text of a layout with counts as 4 bytes,
/// ids as their text, keys as 8 bytes) is not read as this one: the overview computes
/// it again.
#[test]
fn a_graph_of_the_previous_format_is_not_read() {
    let g = Graph::build(&random_input(3, 30), now()).people_graph();
    let mut b: Vec<u8> = Vec::new();
    b.extend((g.ids.len() as u32).to_le_bytes());
    for (id, name) in g.ids.iter().zip(&g.names) {
        for s in [id.as_str(), name.as_str()] {
            b.extend((s.len() as u32).to_le_bytes());
            b.extend(s.as_bytes());
        }
    }
    b.extend((g.edges.len() as u32).to_le_bytes());
    for (k, acc) in &g.edges {
        b.extend(k.to_le_bytes());
        b.extend([u8::from(acc.declared.is_some()), 0, 0]);
        b.extend(acc.met.to_le_bytes());
        b.extend(acc.last.to_le_bytes());
    }
    b.extend(0u32.to_le_bytes());
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&b);
    assert_eq!(
        PeopleGraph::decode(format!("people-graph 2\n{body}").as_bytes()),
        None
    );
    // Nor its bytes under this format's line.
    let mut doc = b"people-graph 3\n".to_vec();
    doc.extend(&b);
    assert_eq!(PeopleGraph::decode(&doc), None);
    assert!(g.encode().starts_with(b"people-graph 3\n"));
}
