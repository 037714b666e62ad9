//! The overview kept between requests: what it takes from the ties between people, which
//! depends neither on "now" nor on who asks, computed once from the whole graph and kept
//! by the store until the network changes (a person, tie or interaction written).
//!
//! - The people and ties counted, and the first [`KEPT`] connectors: betweenness depends
//!   only on who is tied to whom and on the people's order and names.
//! - For the strongest ties, per strength level (≤ 9 levels: a tie's strength is its
//!   recorded strength or half a point a meeting), the level's first [`KEPT`] ties by
//!   latest evidence (then by pair): at one strength the score falls with the time since
//!   the latest evidence, so at any "now" a level's best ties are among its most recent.
//!   The first tie left out is kept too, and the latest evidence after it, so that a
//!   reading can prove that nothing left out would have been chosen (it falls back to
//!   the whole graph when it cannot: ties of equal score across the cut).
//! - For dormant ties, per strength level from [`DORMANT_STRENGTH`], the level's first
//!   [`KEPT`] ties by oldest evidence (then by pair): those dormant at a "now" are a
//!   prefix of that order.
//!
//! My own ties (relationships the asker may see, people I met) are not kept: the reader
//! brings them as a graph whose dormant ties are those of all my ties
//! ([`NetworkSnapshot::overview`], `MyTies::dormant_graph`).

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

use super::betweenness::SourceSearch;
use super::{
    Acc, Connector, Connectors, DORMANT_DAYS, DORMANT_STRENGTH, Edge, Graph, Network, NodeRef,
    PeopleGraph, TieView, first,
};

/// Lists are kept this long: the longest overview the API serves.
pub const KEPT: usize = 100;

/// Changes whenever what is kept, or how it is read, changes: a snapshot of another
/// format is not read, and is computed again.
const FORMAT: u32 = 1;

/// See the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSnapshot {
    format: u32,
    kept: usize,
    people: usize,
    ties: usize,
    connectors: Vec<KeptConnector>,
    approximate: bool,
    sources: usize,
    strongest: Vec<Level>,
    /// Strongest level first.
    dormant: Vec<Vec<KeptTie>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeptConnector {
    person: NodeRef,
    /// The betweenness as the bits of its `f64`, so that it reads back exactly.
    betweenness: u64,
    ties: usize,
}

/// A tie between two people, as shown: its ends in the order shown, its pair key in the
/// whole graph (the tie-break between ties of equal score) and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeptTie {
    from: NodeRef,
    to: NodeRef,
    key: u64,
    acc: Acc,
}

/// The ties of one strength, first by latest evidence then by key, cut at `kept`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Level {
    ties: Vec<KeptTie>,
    /// The first tie left out: its evidence and key.
    next: Option<(Acc, u64)>,
    /// The latest evidence among the ties left out that is older than `next`'s.
    after: Option<i64>,
}

impl KeptTie {
    fn of(g: &Graph, k: u32) -> KeptTie {
        let e = &g.edges[k as usize];
        let from = g.first_end(e);
        let to = if from == e.a { e.b } else { e.a };
        KeptTie {
            from: g.node(from),
            to: g.node(to),
            key: pair_key_of(e),
            acc: e.acc,
        }
    }

    fn view(&self, now: i64) -> TieView {
        people_edge(self.acc, now).view(self.from.clone(), self.to.clone(), now)
    }
}

/// The pair key of a tie in the whole graph: the order of its edge.
fn pair_key_of(e: &Edge) -> u64 {
    super::pair_key(e.a, e.b)
}

/// A tie between two people (neither end is me) with this evidence, as of `now`.
fn people_edge(acc: Acc, now: i64) -> Edge {
    Edge::new(1, 2, acc, now)
}

/// Cuts `ks` (sorted by `order` as far as needed) at `kept`: the first `kept` in order,
/// the first left out, and the rest.
fn cut(
    ks: &mut [u32],
    kept: usize,
    order: impl Fn(&u32, &u32) -> std::cmp::Ordering,
) -> (&[u32], Option<u32>, &[u32]) {
    if ks.len() > kept {
        ks.select_nth_unstable_by(kept, &order);
    }
    let split = kept.min(ks.len());
    let (head, tail) = ks.split_at_mut(split);
    head.sort_by(&order);
    match tail.split_first() {
        Some((next, rest)) => (head, Some(*next), rest),
        None => (head, None, &[]),
    }
}

impl Graph {
    /// The overview of `limit` of each, and the snapshot of `kept` of each, from one
    /// computation of the connectors.
    pub fn overview_and_snapshot(&self, limit: usize, kept: usize) -> (Network, NetworkSnapshot) {
        let (network, snapshot, _) = self.overview_searched(limit, kept, false);
        (network, snapshot)
    }

    /// [`Graph::overview_and_snapshot`], and the graph between people to keep with it
    /// ([`Graph::people_graph`]) holding the connectors' searches, so that the first
    /// overview after a write searches again only from the sources the write can change.
    pub fn overview_and_kept(
        &self,
        limit: usize,
        kept: usize,
    ) -> (Network, NetworkSnapshot, PeopleGraph) {
        let (network, snapshot, searches) = self.overview_searched(limit, kept, true);
        (network, snapshot, self.people_graph_searched(searches))
    }

    fn overview_searched(
        &self,
        limit: usize,
        kept: usize,
        keep: bool,
    ) -> (Network, NetworkSnapshot, Vec<SourceSearch>) {
        let (connectors, searches) = self.connectors_kept(limit.max(kept), Vec::new(), keep);
        let snapshot = self.snapshot(kept, &connectors);
        let network = Network {
            people: self.people(),
            ties: self.ties(),
            strongest: self.strongest(limit),
            connectors: Connectors {
                people: connectors.people.iter().take(limit).cloned().collect(),
                ..connectors
            },
            dormant: self.dormant(limit),
        };
        (network, snapshot, searches)
    }

    pub(super) fn snapshot(&self, kept: usize, connectors: &Connectors) -> NetworkSnapshot {
        // The ties between people by strength, strongest first.
        let mut levels: Vec<(f32, Vec<u32>)> = Vec::new();
        for (k, e) in self.edges.iter().enumerate() {
            if e.a == 0 {
                continue;
            }
            match levels.iter_mut().find(|(s, _)| *s == e.strength) {
                Some((_, ks)) => ks.push(k as u32),
                None => levels.push((e.strength, vec![k as u32])),
            }
        }
        levels.sort_by(|x, y| y.0.total_cmp(&x.0));
        let last = |k: &u32| self.edges[*k as usize].acc.last;
        let tie = |k: &u32| KeptTie::of(self, *k);
        let strongest = levels
            .iter_mut()
            .map(|(_, ks)| {
                let (head, next, rest) = cut(ks, kept, |x, y| last(y).cmp(&last(x)).then(x.cmp(y)));
                let next_last = next.map(|k| last(&k));
                Level {
                    ties: head.iter().map(tie).collect(),
                    next: next.map(|k| {
                        let e = &self.edges[k as usize];
                        (e.acc, pair_key_of(e))
                    }),
                    after: rest
                        .iter()
                        .map(last)
                        .filter(|l| next_last.is_some_and(|n| *l < n))
                        .max(),
                }
            })
            .collect();
        let dormant = levels
            .iter_mut()
            .filter(|(s, _)| f64::from(*s) >= DORMANT_STRENGTH)
            .map(|(_, ks)| {
                let (head, _, _) = cut(ks, kept, |x, y| last(x).cmp(&last(y)).then(x.cmp(y)));
                head.iter().map(tie).collect()
            })
            .collect();
        NetworkSnapshot {
            format: FORMAT,
            kept,
            people: self.people(),
            ties: self.ties(),
            connectors: connectors
                .people
                .iter()
                .take(kept)
                .map(|c| KeptConnector {
                    person: c.person.clone(),
                    betweenness: c.betweenness.to_bits(),
                    ties: c.ties,
                })
                .collect(),
            approximate: connectors.approximate,
            sources: connectors.sources,
            strongest,
            dormant,
        }
    }
}

impl NetworkSnapshot {
    /// The snapshot as stored.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// A stored snapshot; `None` when it is not one of this format.
    pub fn from_json(doc: &str) -> Option<NetworkSnapshot> {
        serde_json::from_str::<NetworkSnapshot>(doc)
            .ok()
            .filter(|s| s.format == FORMAT)
    }

    /// The overview of `limit` of each as of `now`, for someone whose own ties are those
    /// of `me`. Only `me.dormant(limit)` is read from it, so `me` may be any graph whose
    /// dormant ties at `limit` are those of the graph of all my ties (the people I hold
    /// a relationship with or met, in the whole graph's order), such as
    /// [`super::MyTies::dormant_graph`] makes. The same as the whole graph's
    /// [`Graph::overview`], or `None` when what is kept cannot prove it: more than was
    /// kept asked for, or ties of equal score across a level's cut.
    pub fn overview(&self, me: &Graph, limit: usize, now: jiff::Timestamp) -> Option<Network> {
        if limit > self.kept {
            return None;
        }
        let now = now.as_second();
        Some(Network {
            people: self.people,
            ties: self.ties,
            strongest: self.strongest(limit, now)?,
            connectors: Connectors {
                people: self
                    .connectors
                    .iter()
                    .take(limit)
                    .map(|c| Connector {
                        person: c.person.clone(),
                        betweenness: f64::from_bits(c.betweenness),
                        ties: c.ties,
                    })
                    .collect(),
                approximate: self.approximate,
                sources: self.sources,
            },
            dormant: self.dormant(me, limit, now),
        })
    }

    fn strongest(&self, limit: usize, now: i64) -> Option<Vec<TieView>> {
        let candidates: Vec<&KeptTie> = self.strongest.iter().flat_map(|l| &l.ties).collect();
        let scores: Vec<f32> = candidates
            .iter()
            .map(|t| people_edge(t.acc, now).score)
            .collect();
        let mut ks: Vec<u32> = (0..candidates.len() as u32).collect();
        let order = |x: &u32, y: &u32| {
            let (tx, ty) = (candidates[*x as usize], candidates[*y as usize]);
            scores[*y as usize]
                .total_cmp(&scores[*x as usize])
                .then(tx.key.cmp(&ty.key))
        };
        first(&mut ks, limit, order);
        // The last one chosen: every tie left out must come after it.
        if let Some(&nth) = ks.get(limit.wrapping_sub(1)) {
            let (t, key) = (scores[nth as usize], candidates[nth as usize].key);
            for level in &self.strongest {
                let Some((acc, next_key)) = level.next else {
                    continue;
                };
                let at_next = people_edge(acc, now).score;
                let after_below = level
                    .after
                    .is_none_or(|last| people_edge(Acc { last, ..acc }, now).score < t);
                // Left out: the next (score `at_next`, key `next_key`) and those of its
                // evidence with higher keys, then older ones (score at most the
                // `after`'s).
                if !(after_below && (at_next < t || (at_next == t && next_key > key))) {
                    return None;
                }
            }
        } else if limit > 0 && self.strongest.iter().any(|l| l.next.is_some()) {
            // Fewer kept than asked for, yet some left out: not a snapshot this code wrote.
            return None;
        }
        Some(
            ks.into_iter()
                .map(|k| candidates[k as usize].view(now))
                .collect(),
        )
    }

    fn dormant(&self, me: &Graph, limit: usize, now: i64) -> Vec<TieView> {
        // Mine come first; then by strength, each level oldest first: those dormant are
        // a prefix of each level, and a level cut at `kept` ≥ `limit` fills the list.
        let mut out = me.dormant(limit);
        'levels: for level in &self.dormant {
            for t in level {
                if out.len() >= limit {
                    break 'levels;
                }
                let e = people_edge(t.acc, now);
                if e.days_since(now) < DORMANT_DAYS {
                    break;
                }
                out.push(e.view(t.from.clone(), t.to.clone(), now));
            }
        }
        out
    }
}
