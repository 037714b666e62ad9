//! The network of ties between people: how strong and how recent each tie is, the
//! strongest ties, the connectors who bridge groups, strong ties gone dormant, and the
//! warm-introduction path from me to someone. `docs/metrics.md` gives every formula.
//!
//! A tie is evidenced by a recorded `Tie` (its kind and strength) and by meetings: two
//! people who took part in the same interaction have met, and the latest such meeting
//! dates the tie. "Me" — the workspace — is node 0: the people I hold a relationship
//! with, or logged an interaction with, are my first hop.
//!
//! Pure: "now" is a parameter. The graph is kept in compressed adjacency arrays so that
//! a 100k-person, 1M-tie network fits in memory and is searched in milliseconds.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use crate::Id;
use crate::enums::TieKind;
use crate::values::{Importance, Strength};

#[cfg(test)]
mod tests;

/// An interaction with more participants than this (a conference, a mailing) is not
/// evidence that each pair of them know each other; it still links each of them to me.
pub const MAX_GROUP: usize = 12;
/// Days for a tie's warmth to halve without a new meeting.
pub const HALF_LIFE_DAYS: f64 = 180.0;
/// A tie this strong or stronger…
pub const DORMANT_STRENGTH: f64 = 4.0;
/// …without a meeting for this many days is dormant and worth reviving.
pub const DORMANT_DAYS: i64 = 180;
/// Up to this many people, betweenness is exact; above, it is sampled.
pub const EXACT_BETWEENNESS_LIMIT: usize = 2_000;
/// Sources sampled for approximate betweenness on larger networks.
pub const BETWEENNESS_SAMPLES: usize = 24;

/// A recorded tie between two people.
#[derive(Debug, Clone, PartialEq)]
pub struct TieFact {
    pub a: Id,
    pub b: Id,
    pub kind: TieKind,
    pub strength: Strength,
    /// When it was recorded or last changed.
    pub at: Timestamp,
}

/// An interaction and the people who took part.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFact {
    pub at: Timestamp,
    pub people: Vec<Id>,
}

/// A person I hold a relationship with.
#[derive(Debug, Clone, PartialEq)]
pub struct MyRelationship {
    pub person: Id,
    pub importance: Importance,
    /// When it began.
    pub since: Timestamp,
}

/// Everything the network is computed from.
#[derive(Debug, Clone, Default)]
pub struct NetworkInput {
    /// Every live person: id and name.
    pub people: Vec<(Id, String)>,
    pub ties: Vec<TieFact>,
    pub meetings: Vec<MeetingFact>,
    pub mine: Vec<MyRelationship>,
}

/// A person in the network, or me (`id` absent, name "you").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    pub name: String,
}

/// One tie as shown: its two ends, strength, recency and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TieView {
    pub from: NodeRef,
    pub to: NodeRef,
    /// 1–5: the recorded strength, or more when they met often.
    pub strength: f64,
    /// Days since the latest evidence (meeting or record).
    pub days_since: i64,
    /// 0–1: strength scaled by recency; what path search maximizes.
    pub score: f64,
    pub why: String,
}

/// Someone who bridges groups: many shortest paths between others pass through them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connector {
    pub person: NodeRef,
    /// Betweenness centrality (estimated when `approximate`), as a share of all pairs in
    /// percent.
    pub betweenness: f64,
    /// Number of people they have a tie with.
    pub ties: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connectors {
    pub people: Vec<Connector>,
    /// True when betweenness was estimated from `sources` sampled people.
    pub approximate: bool,
    pub sources: usize,
}

/// The warm path from me to someone: each hop a tie, best first by the product of scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntroPath {
    pub target: NodeRef,
    pub hops: Vec<TieView>,
    /// Product of the hops' scores, 0–1.
    pub score: f64,
}

/// The network at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    pub people: usize,
    /// Ties between people (links to me not counted).
    pub ties: usize,
    pub strongest: Vec<TieView>,
    pub connectors: Connectors,
    pub dormant: Vec<TieView>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    /// Recorded strength (or my relationship's importance), and the tie's kind.
    declared: Option<(u8, Option<TieKind>)>,
    met: u32,
    /// Latest evidence, seconds since the epoch.
    last: i64,
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    a: u32,
    b: u32,
    acc: Acc,
    strength: f32,
    score: f32,
}

/// The network as arrays: node 0 is me, people from 1.
pub struct Graph {
    ids: Vec<Option<Id>>,
    names: Vec<String>,
    index: HashMap<Id, u32>,
    edges: Vec<Edge>,
    /// Adjacency in compressed form: node n's (neighbor, edge) pairs are
    /// `adj[offsets[n]..offsets[n + 1]]`.
    offsets: Vec<u32>,
    adj: Vec<(u32, u32)>,
    now: i64,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Strength (1–5) from the recorded strength and the number of meetings: each meeting
/// is worth half a point above 1, capped at 5; the larger of the two counts.
pub fn strength(declared: Option<u8>, met: u32) -> f64 {
    let from_meetings = if met > 0 {
        (1.0 + 0.5 * f64::from(met)).min(5.0)
    } else {
        0.0
    };
    f64::from(declared.unwrap_or(0)).max(from_meetings)
}

/// Score 0–1 of a tie: strength / 5 × (0.3 + 0.7 × warmth), warmth halving every
/// [`HALF_LIFE_DAYS`] since the latest evidence. A strong tie never falls below 30% of
/// its strength, so an old friend still beats a stranger.
pub fn score(strength: f64, days_since: f64) -> f64 {
    let warmth = 0.5f64.powf(days_since.max(0.0) / HALF_LIFE_DAYS);
    strength / 5.0 * (0.3 + 0.7 * warmth)
}

fn plural(n: i64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

impl Graph {
    /// Builds the graph of `input` as of `now`.
    pub fn build(input: &NetworkInput, now: Timestamp) -> Graph {
        let n = input.people.len() + 1;
        let mut ids = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let mut index = HashMap::with_capacity(n);
        ids.push(None);
        names.push("you".to_string());
        for (id, name) in &input.people {
            if index.contains_key(id) {
                continue;
            }
            index.insert(id.clone(), ids.len() as u32);
            ids.push(Some(id.clone()));
            names.push(name.clone());
        }
        let mut acc: HashMap<(u32, u32), Acc> = HashMap::with_capacity(input.ties.len() * 2);
        let key = |a: u32, b: u32| if a < b { (a, b) } else { (b, a) };
        for t in &input.ties {
            let (Some(&a), Some(&b)) = (index.get(&t.a), index.get(&t.b)) else {
                continue;
            };
            if a == b {
                continue;
            }
            let e = acc.entry(key(a, b)).or_default();
            let s = t.strength.get();
            if e.declared.is_none_or(|(d, _)| s > d) {
                e.declared = Some((s, Some(t.kind)));
            }
            e.last = e.last.max(t.at.as_second());
        }
        let mut group: Vec<u32> = Vec::new();
        for m in &input.meetings {
            group.clear();
            group.extend(m.people.iter().filter_map(|p| index.get(p).copied()));
            group.sort_unstable();
            group.dedup();
            let at = m.at.as_second();
            for &p in &group {
                let e = acc.entry((0, p)).or_default();
                e.met += 1;
                e.last = e.last.max(at);
            }
            if group.len() > MAX_GROUP {
                continue;
            }
            for (i, &a) in group.iter().enumerate() {
                for &b in &group[i + 1..] {
                    let e = acc.entry((a, b)).or_default();
                    e.met += 1;
                    e.last = e.last.max(at);
                }
            }
        }
        for r in &input.mine {
            let Some(&p) = index.get(&r.person) else {
                continue;
            };
            let e = acc.entry((0, p)).or_default();
            let s = r.importance.get();
            if e.declared.is_none_or(|(d, _)| s > d) {
                e.declared = Some((s, None));
            }
            e.last = e.last.max(r.since.as_second());
        }
        let now = now.as_second();
        let mut edges: Vec<Edge> = acc
            .into_iter()
            .map(|((a, b), acc)| {
                let s = strength(acc.declared.map(|d| d.0), acc.met);
                let days = (now - acc.last) as f64 / 86_400.0;
                Edge {
                    a,
                    b,
                    acc,
                    strength: s as f32,
                    score: score(s, days) as f32,
                }
            })
            .collect();
        // A stable order, whatever the hash map's.
        edges.sort_unstable_by_key(|e| (e.a, e.b));
        let mut degree = vec![0u32; n + 1];
        for e in &edges {
            degree[e.a as usize + 1] += 1;
            degree[e.b as usize + 1] += 1;
        }
        for i in 1..degree.len() {
            degree[i] += degree[i - 1];
        }
        let offsets = degree.clone();
        let mut fill = degree;
        let mut adj = vec![(0u32, 0u32); edges.len() * 2];
        for (k, e) in edges.iter().enumerate() {
            adj[fill[e.a as usize] as usize] = (e.b, k as u32);
            fill[e.a as usize] += 1;
            adj[fill[e.b as usize] as usize] = (e.a, k as u32);
            fill[e.b as usize] += 1;
        }
        Graph {
            ids,
            names,
            index,
            edges,
            offsets,
            adj,
            now,
        }
    }

    /// People in the graph (me not counted).
    pub fn people(&self) -> usize {
        self.ids.len() - 1
    }

    /// Ties between people (links to me not counted).
    pub fn ties(&self) -> usize {
        self.edges.iter().filter(|e| e.a != 0).count()
    }

    fn neighbors(&self, n: u32) -> &[(u32, u32)] {
        let lo = self.offsets[n as usize] as usize;
        let hi = self.offsets[n as usize + 1] as usize;
        &self.adj[lo..hi]
    }

    fn node(&self, n: u32) -> NodeRef {
        NodeRef {
            id: self.ids[n as usize].clone(),
            name: self.names[n as usize].clone(),
        }
    }

    fn days_since(&self, e: &Edge) -> i64 {
        ((self.now - e.acc.last) / 86_400).max(0)
    }

    fn why(&self, e: &Edge) -> String {
        let mut parts = vec![];
        let ago = match self.days_since(e) {
            0 => "today".to_string(),
            1 => "yesterday".to_string(),
            d => format!("{d} days ago"),
        };
        if e.acc.met > 0 {
            let who = if e.a == 0 { "you met" } else { "met" };
            parts.push(format!(
                "{who} {}, last {ago}",
                plural(i64::from(e.acc.met), "time")
            ));
        }
        match e.acc.declared {
            Some((s, Some(kind))) => parts.push(format!("recorded tie: {kind}, strength {s}")),
            Some((s, None)) => parts.push(format!("your relationship, importance {s}")),
            None => {}
        }
        if e.acc.met == 0 {
            parts.push(format!("last evidence {ago}"));
        }
        parts.join("; ")
    }

    /// The tie from `from` to the other end of edge `k`.
    fn view(&self, k: u32, from: u32) -> TieView {
        let e = &self.edges[k as usize];
        let to = if e.a == from { e.b } else { e.a };
        TieView {
            from: self.node(from),
            to: self.node(to),
            strength: round(f64::from(e.strength), 1),
            days_since: self.days_since(e),
            score: round(f64::from(e.score), 3),
            why: self.why(e),
        }
    }

    /// The end a tie is shown from: me, else the end whose name sorts first.
    fn first_end(&self, e: &Edge) -> u32 {
        let key = |n: u32| (self.names[n as usize].as_str(), &self.ids[n as usize]);
        if e.a == 0 || key(e.a) <= key(e.b) {
            e.a
        } else {
            e.b
        }
    }

    /// The `limit` ties between people with the highest score, best first.
    pub fn strongest(&self, limit: usize) -> Vec<TieView> {
        let mut ks: Vec<u32> = (0..self.edges.len() as u32)
            .filter(|&k| self.edges[k as usize].a != 0)
            .collect();
        let order = |x: &u32, y: &u32| {
            let (ex, ey) = (&self.edges[*x as usize], &self.edges[*y as usize]);
            ey.score.total_cmp(&ex.score).then(x.cmp(y))
        };
        if ks.len() > limit && limit > 0 {
            ks.select_nth_unstable_by(limit - 1, order);
        }
        ks.truncate(limit);
        ks.sort_by(order);
        ks.into_iter()
            .map(|k| self.view(k, self.first_end(&self.edges[k as usize])))
            .collect()
    }

    /// Strong ties (strength ≥ [`DORMANT_STRENGTH`]) with no evidence for
    /// [`DORMANT_DAYS`]: mine first, then the strongest and the longest silent.
    pub fn dormant(&self, limit: usize) -> Vec<TieView> {
        let mut ks: Vec<u32> = (0..self.edges.len() as u32)
            .filter(|&k| {
                let e = &self.edges[k as usize];
                f64::from(e.strength) >= DORMANT_STRENGTH && self.days_since(e) >= DORMANT_DAYS
            })
            .collect();
        ks.sort_by(|x, y| {
            let (ex, ey) = (&self.edges[*x as usize], &self.edges[*y as usize]);
            (ex.a != 0)
                .cmp(&(ey.a != 0))
                .then(ey.strength.total_cmp(&ex.strength))
                .then(ex.acc.last.cmp(&ey.acc.last))
                .then(x.cmp(y))
        });
        ks.truncate(limit);
        ks.into_iter()
            .map(|k| self.view(k, self.first_end(&self.edges[k as usize])))
            .collect()
    }

    /// The best chain of ties from me to `target`: the path maximizing the product of
    /// the ties' scores (Dijkstra on −ln score). `None` when no chain exists.
    pub fn intro(&self, target: &Id) -> Option<IntroPath> {
        let t = *self.index.get(target)?;
        let n = self.ids.len();
        let mut cost = vec![f64::INFINITY; n];
        let mut via: Vec<(u32, u32)> = vec![(u32::MAX, u32::MAX); n];
        let mut heap = BinaryHeap::new();
        cost[0] = 0.0;
        heap.push(Reverse((0u64, 0u32)));
        while let Some(Reverse((bits, u))) = heap.pop() {
            let c = f64::from_bits(bits);
            if c > cost[u as usize] {
                continue;
            }
            if u == t {
                break;
            }
            for &(v, k) in self.neighbors(u) {
                let s = f64::from(self.edges[k as usize].score).max(1e-9);
                let nc = c - s.ln();
                if nc < cost[v as usize] {
                    cost[v as usize] = nc;
                    via[v as usize] = (u, k);
                    // Non-negative floats order like their bit patterns.
                    heap.push(Reverse((nc.to_bits(), v)));
                }
            }
        }
        if !cost[t as usize].is_finite() {
            return None;
        }
        let mut hops = vec![];
        let mut at = t;
        while at != 0 {
            let (prev, k) = via[at as usize];
            if prev == u32::MAX {
                return None;
            }
            hops.push(self.view(k, prev));
            at = prev;
        }
        hops.reverse();
        Some(IntroPath {
            target: self.node(t),
            hops,
            score: round((-cost[t as usize]).exp(), 3),
        })
    }

    /// The `limit` people with the highest betweenness among people (me left out: I
    /// would bridge everyone I know). Exact (Brandes) up to
    /// [`EXACT_BETWEENNESS_LIMIT`] people; above, estimated from
    /// [`BETWEENNESS_SAMPLES`] sources spread evenly over the people and scaled up.
    pub fn connectors(&self, limit: usize) -> Connectors {
        let n = self.ids.len();
        let people = n.saturating_sub(1);
        let sources: Vec<u32> = if people <= EXACT_BETWEENNESS_LIMIT {
            (1..n as u32).collect()
        } else {
            let step = people as f64 / BETWEENNESS_SAMPLES as f64;
            (0..BETWEENNESS_SAMPLES)
                .map(|i| 1 + (i as f64 * step) as u32)
                .collect()
        };
        let mut bc = vec![0f64; n];
        let mut dist = vec![-1i32; n];
        let mut sigma = vec![0f64; n];
        let mut delta = vec![0f64; n];
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut queue = std::collections::VecDeque::new();
        for &s in &sources {
            for &v in &order {
                dist[v as usize] = -1;
                sigma[v as usize] = 0.0;
                delta[v as usize] = 0.0;
            }
            order.clear();
            dist[s as usize] = 0;
            sigma[s as usize] = 1.0;
            queue.push_back(s);
            while let Some(v) = queue.pop_front() {
                order.push(v);
                let dv = dist[v as usize];
                for &(w, _) in self.neighbors(v) {
                    if w == 0 {
                        continue;
                    }
                    if dist[w as usize] < 0 {
                        dist[w as usize] = dv + 1;
                        queue.push_back(w);
                    }
                    if dist[w as usize] == dv + 1 {
                        sigma[w as usize] += sigma[v as usize];
                    }
                }
            }
            for &w in order.iter().rev() {
                let dw = dist[w as usize];
                for &(v, _) in self.neighbors(w) {
                    if v != 0 && dist[v as usize] == dw - 1 {
                        delta[v as usize] +=
                            sigma[v as usize] / sigma[w as usize] * (1.0 + delta[w as usize]);
                    }
                }
                if w != s {
                    bc[w as usize] += delta[w as usize];
                }
            }
        }
        // Undirected: each pair was counted from both ends. Scale samples up, then to a
        // share of the (people−1)(people−2)/2 pairs a person could sit between.
        let scale = people as f64 / sources.len().max(1) as f64 / 2.0;
        let pairs = ((people.saturating_sub(1)) * people.saturating_sub(2)) as f64 / 2.0;
        let mut ranked: Vec<u32> = (1..n as u32).filter(|&v| bc[v as usize] > 0.0).collect();
        ranked.sort_by(|x, y| {
            bc[*y as usize]
                .total_cmp(&bc[*x as usize])
                .then_with(|| self.names[*x as usize].cmp(&self.names[*y as usize]))
                .then(x.cmp(y))
        });
        ranked.truncate(limit);
        Connectors {
            people: ranked
                .into_iter()
                .map(|v| Connector {
                    person: self.node(v),
                    betweenness: if pairs > 0.0 {
                        round(100.0 * bc[v as usize] * scale / pairs, 2)
                    } else {
                        0.0
                    },
                    ties: self.neighbors(v).iter().filter(|(w, _)| *w != 0).count(),
                })
                .collect(),
            approximate: sources.len() < people,
            sources: sources.len(),
        }
    }

    /// The overview: strongest ties, connectors and dormant ties, `limit` of each.
    pub fn overview(&self, limit: usize) -> Network {
        Network {
            people: self.people(),
            ties: self.ties(),
            strongest: self.strongest(limit),
            connectors: self.connectors(limit),
            dormant: self.dormant(limit),
        }
    }
}
