//! The bounded search against the whole-graph search on the same facts.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use super::super::tests::{fixture, id, now};
use super::super::*;
use super::*;

fn at(seconds_ago: u64) -> Timestamp {
    now()
        .checked_sub(jiff::SignedDuration::from_secs(seconds_ago as i64))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The facts in memory, read the way the store reads them: only live people (those in
/// `input.people`) appear, and every read is recorded.
pub(in crate::network) struct Memory<'a> {
    input: &'a NetworkInput,
    live: HashSet<Id>,
    /// Each person's ties and meetings, by index into `input`.
    ties_of: HashMap<&'a Id, Vec<usize>>,
    meetings_of: HashMap<&'a Id, Vec<usize>>,
    asked: Vec<Id>,
}

impl<'a> Memory<'a> {
    pub(in crate::network) fn new(input: &'a NetworkInput) -> Self {
        let mut ties_of: HashMap<&Id, Vec<usize>> = HashMap::new();
        for (i, t) in input.ties.iter().enumerate() {
            ties_of.entry(&t.a).or_default().push(i);
            ties_of.entry(&t.b).or_default().push(i);
        }
        let mut meetings_of: HashMap<&Id, Vec<usize>> = HashMap::new();
        for (i, m) in input.meetings.iter().enumerate() {
            for p in &m.people {
                meetings_of.entry(p).or_default().push(i);
            }
        }
        Memory {
            input,
            live: input.people.iter().map(|(id, _)| id.clone()).collect(),
            ties_of,
            meetings_of,
            asked: vec![],
        }
    }

    /// What the app hands the search as my ties: relationships with live people, and per
    /// live person the number of interactions they took part in and the latest.
    pub(in crate::network) fn my_ties(&self) -> MyTies {
        let mut met: HashMap<Id, (u32, Timestamp)> = HashMap::new();
        for m in &self.input.meetings {
            let people: HashSet<&Id> = m.people.iter().filter(|p| self.live.contains(*p)).collect();
            for p in people {
                let e = met.entry(p.clone()).or_insert((0, Timestamp::UNIX_EPOCH));
                e.0 += 1;
                e.1 = e.1.max(m.at);
            }
        }
        MyTies {
            mine: self
                .input
                .mine
                .iter()
                .filter(|r| self.live.contains(&r.person))
                .cloned()
                .collect(),
            met: met
                .into_iter()
                .map(|(person, (times, last))| MetMe {
                    person,
                    times,
                    last,
                })
                .collect(),
        }
    }
}

impl Neighbourhoods for Memory<'_> {
    type Error = Infallible;

    fn around(&mut self, people: &[Id]) -> Result<Around, Infallible> {
        self.asked.extend(people.iter().cloned());
        let live = |p: &Id| self.live.contains(p);
        let mut ties = vec![];
        let mut meetings: Vec<usize> = vec![];
        for p in people.iter().filter(|p| live(p)) {
            let t = self.ties_of.get(p).map_or(&[][..], |v| &v[..]);
            ties.extend(
                t.iter()
                    .map(|&i| &self.input.ties[i])
                    .filter(|t| live(&t.a) && live(&t.b))
                    .cloned(),
            );
            meetings.extend(self.meetings_of.get(p).map_or(&[][..], |v| &v[..]));
        }
        meetings.sort_unstable();
        meetings.dedup();
        Ok(Around {
            ties,
            meetings: meetings
                .into_iter()
                .map(|i| &self.input.meetings[i])
                .map(|m| MeetingFact {
                    at: m.at,
                    people: m.people.iter().filter(|p| live(p)).cloned().collect(),
                })
                .collect(),
        })
    }

    fn names(&mut self, people: &[Id]) -> Result<HashMap<Id, String>, Infallible> {
        let wanted: HashSet<&Id> = people.iter().collect();
        Ok(self
            .input
            .people
            .iter()
            .filter(|(id, _)| wanted.contains(id))
            .cloned()
            .collect())
    }
}

fn near(input: &NetworkInput, target: &Id) -> (Option<IntroPath>, SearchStats, usize) {
    let mut m = Memory::new(input);
    let my = m.my_ties();
    let Ok((path, stats)) = intro_near(&mut m, &my, target, now());
    let distinct: HashSet<&Id> = m.asked.iter().collect();
    (path, stats, distinct.len())
}

/// A small pseudo-random generator (the core draws no random numbers of its own).
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

/// A random network of `n` people (some of them trashed: referenced but not live) with
/// recorded ties (some repeated between the same pair), meetings of 1 to 16 people (so
/// some are crowds), and relationships of mine (some with the same person twice).
pub(in crate::network) fn random_input(seed: u64, n: u64) -> NetworkInput {
    let mut r = Lcg(seed);
    let year = 365 * 86_400;
    let mut input = NetworkInput {
        people: (1..=n)
            .filter(|i| i % 17 != 0)
            .map(|i| (id(i), format!("P{i}")))
            .collect(),
        ..NetworkInput::default()
    };
    for _ in 0..n * 2 {
        let (a, b) = (1 + r.below(n), 1 + r.below(n));
        input.ties.push(TieFact {
            a: id(a),
            b: id(b),
            kind: if r.below(2) == 0 {
                TieKind::Knows
            } else {
                TieKind::Family
            },
            strength: Strength::clamped(1 + r.below(5) as i64),
            at: at(r.below(2 * year)),
        });
    }
    for _ in 0..n / 3 {
        let size = 1 + r.below(16);
        input.meetings.push(MeetingFact {
            at: at(r.below(2 * year)),
            people: (0..size).map(|_| id(1 + r.below(n))).collect(),
        });
    }
    for _ in 0..1 + n / 10 {
        input.mine.push(MyRelationship {
            person: id(1 + r.below(n)),
            importance: Importance::clamped(1 + r.below(5) as i64),
            since: at(r.below(year)),
        });
    }
    input
}

/// The whole graph's view of the tie between two people (or me and someone).
fn whole_view(g: &Graph, from: &NodeRef, to: &NodeRef) -> Option<TieView> {
    let person = to.id.as_ref()?;
    g.neighbourhood(person, usize::MAX)
        .into_iter()
        .find(|v| v.to == *from)
}

#[test]
fn finds_the_same_chains_as_the_whole_graph() {
    let mut same = 0;
    let mut found = 0;
    for seed in 0..40 {
        let n = 20 + seed * 3;
        let input = random_input(seed, n);
        let g = Graph::build(&input, now());
        for t in 1..=n {
            let whole = g.intro(&id(t));
            let (got, _, _) = near(&input, &id(t));
            let (Some(whole), Some(got)) = (&whole, &got) else {
                assert_eq!(whole, got, "seed {seed}, target {t}");
                continue;
            };
            found += 1;
            if whole == got {
                same += 1;
                continue;
            }
            // Chains of equal score may differ; each must still be the best and made
            // of the graph's own ties.
            assert_eq!(got.score, whole.score, "seed {seed}, target {t}");
            assert_eq!(got.target, whole.target);
            assert_eq!(got.hops[0].from.name, "you");
            for w in got.hops.windows(2) {
                assert_eq!(w[0].to, w[1].from);
            }
            for h in &got.hops {
                let Some(v) = whole_view(&g, &h.from, &h.to) else {
                    panic!("seed {seed}, target {t}: {h:?} is no tie of the graph")
                };
                assert_eq!(
                    (v.strength, v.score, v.days_since),
                    (h.strength, h.score, h.days_since)
                );
                assert_eq!(v.why, h.why);
            }
        }
    }
    assert!(found > 1_000, "{found} paths compared");
    assert!(same * 10 >= found * 9, "{same} of {found} identical");
}

#[test]
fn hand_computed_chain_through_a_meeting() {
    // me→B (met once, 20 days ago) → C (tie 4, 30 days) → D (tie 2, 400 days): the chain
    // of the whole-graph fixture, read neighbourhood by neighbourhood.
    let input = fixture();
    let (Some(p), _, _) = near(&input, &id(4)) else {
        panic!("no path to D")
    };
    let hops: Vec<(&str, &str)> = p
        .hops
        .iter()
        .map(|h| (h.from.name.as_str(), h.to.name.as_str()))
        .collect();
    assert_eq!(hops, vec![("you", "B"), ("B", "C"), ("C", "D")]);
    assert_eq!(p.score, 0.038);
    assert_eq!(p.hops[0].why, "you met 1 time, last 20 days ago");
    assert_eq!(p.target.name, "D");
    assert_eq!(near(&input, &id(6)).0, None);
    assert_eq!(near(&input, &id(99)).0, None);
}

#[test]
fn reads_only_the_neighbourhoods_it_needs() {
    // 20,000 people in communities of 100: the chain to someone is proven long before
    // every person's ties have been read.
    let input = synthetic(20_000, 10, 7, now());
    let g = Graph::build(&input, now());
    for t in [54u64, 4_321, 15_999] {
        let target = &input.people[t as usize].0;
        let (got, stats, distinct) = near(&input, target);
        assert_eq!(got, g.intro(target));
        assert!(got.is_some());
        assert_eq!(distinct, stats.loaded, "a neighbourhood was read twice");
        assert!(stats.loaded < 20_000 / 4, "{stats:?}");
    }
}

#[test]
#[ignore = "prints the work done at 100k people; run with --ignored --nocapture"]
fn work_at_100k_people() {
    let input = synthetic(100_000, 10, 7, now());
    for t in [54_321usize, 1, 99_999, 12_345] {
        let target = &input.people[t].0;
        let (got, stats, _) = near(&input, target);
        println!(
            "target {t}: {:?} hops, score {:?}, {stats:?}",
            got.as_ref().map(|p| p.hops.len()),
            got.as_ref().map(|p| p.score)
        );
    }
}

proptest::proptest! {
    /// The search's heap pops what the standard library's heap pops, in the same order,
    /// and lists its entries cheapest first as far as asked.
    #[test]
    fn min_heap_is_a_heap(
        ops in proptest::collection::vec((0u64..50, 0u32..20, proptest::bool::weighted(0.3)), 0..200),
        stop in 0usize..40,
    ) {
        let mut mine = MinHeap::default();
        let mut std = std::collections::BinaryHeap::new();
        for (cost, node, pop) in ops {
            if pop {
                proptest::prop_assert_eq!(mine.pop(), std.pop().map(|std::cmp::Reverse(x)| x));
            } else {
                mine.push((cost, node));
                std.push(std::cmp::Reverse((cost, node)));
            }
            proptest::prop_assert_eq!(mine.peek(), std.peek().map(|std::cmp::Reverse(x)| *x));
        }
        let mut sorted: Vec<(u64, u32)> = std.into_iter().map(|std::cmp::Reverse(x)| x).collect();
        sorted.sort_unstable();
        sorted.truncate(stop);
        let mut listed = Vec::new();
        mine.in_order(|x| {
            if listed.len() < stop {
                listed.push(x);
            }
            listed.len() < stop
        });
        proptest::prop_assert_eq!(listed, sorted);
    }
}
