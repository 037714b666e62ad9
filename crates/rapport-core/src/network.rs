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
use serde::{Deserialize, Serialize};

use crate::Id;
use crate::enums::TieKind;
use crate::values::{Importance, Strength};

mod betweenness;
mod derived;
mod kept;
mod mine;
mod near;
#[cfg(test)]
mod tests;

pub use derived::{PeopleGraph, Placed};
pub use kept::{KEPT, NetworkSnapshot};
pub use near::{Around, MetMe, MyTies, Neighbourhoods, SearchStats, intro_near};

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
pub const BETWEENNESS_SAMPLES: usize = 16;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NodeRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    pub name: String,
}

/// One tie as shown: its two ends, strength, recency and why.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Connector {
    pub person: NodeRef,
    /// Betweenness centrality (estimated when `approximate`), as a share of all pairs in
    /// percent.
    pub betweenness: f64,
    /// Number of people they have a tie with.
    pub ties: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Connectors {
    pub people: Vec<Connector>,
    /// True when betweenness was estimated from `sources` sampled people.
    pub approximate: bool,
    pub sources: usize,
}

/// The warm path from me to someone: each hop a tie, best first by the product of scores.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IntroPath {
    pub target: NodeRef,
    pub hops: Vec<TieView>,
    /// Product of the hops' scores, 0–1.
    pub score: f64,
}

/// The network at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Network {
    pub people: usize,
    /// Ties between people (links to me not counted).
    pub ties: usize,
    pub strongest: Vec<TieView>,
    pub connectors: Connectors,
    pub dormant: Vec<TieView>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
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

impl Acc {
    /// The evidence of a recorded tie of `kind` and `strength`, last changed `at`.
    fn tie(kind: TieKind, strength: Strength, at: Timestamp) -> Acc {
        Acc {
            declared: Some((strength.get(), Some(kind))),
            met: 0,
            last: at.as_second(),
        }
    }

    /// The evidence of one meeting at `at`.
    fn meeting(at: Timestamp) -> Acc {
        Acc {
            declared: None,
            met: 1,
            last: at.as_second(),
        }
    }

    /// The evidence of the interactions I had with someone: how many, and the latest.
    fn met_me(m: &MetMe) -> Acc {
        Acc {
            declared: None,
            met: m.times,
            last: m.last.as_second(),
        }
    }

    /// The evidence of my relationship: its importance as a recorded strength.
    fn mine(r: &MyRelationship) -> Acc {
        Acc {
            declared: Some((r.importance.get(), None)),
            met: 0,
            last: r.since.as_second(),
        }
    }

    /// Folds one more piece of evidence for the same pair into this one.
    fn add(&mut self, e: Acc) {
        // The strongest record wins; on equal strength a recorded tie over my
        // relationship, and between kinds the first by name, so that the order in which
        // evidence arrives never matters.
        let rank = |kind: Option<TieKind>| kind.map_or((1, ""), |k| (0, k.as_str()));
        if let Some((s, kind)) = e.declared
            && self
                .declared
                .is_none_or(|(d, dk)| s > d || (s == d && rank(kind) < rank(dk)))
        {
            self.declared = Some((s, kind));
        }
        self.met += e.met;
        self.last = self.last.max(e.last);
    }
}

/// Evidence, (key, evidence) in any order, folded into one entry per key, by key.
fn fold_evidence<K: Ord + Copy>(mut raw: Vec<(K, Acc)>) -> Vec<(K, Acc)> {
    raw.sort_unstable_by_key(|(k, _)| *k);
    fold_sorted(raw)
}

/// Evidence by pair key (see [`pair_key`]) between `nodes` nodes, in any order, sorted
/// by key as [`fold_evidence`] sorts it, in fewer steps: a counting sort by the lower
/// node, then each node's few pieces by the higher.
fn sort_pairs(raw: Vec<(u64, Acc)>, nodes: usize) -> Vec<(u64, Acc)> {
    let lower = |k: u64| (k >> 32) as usize;
    let mut start = vec![0usize; nodes + 1];
    for (k, _) in &raw {
        if let Some(count) = start.get_mut(lower(*k) + 1) {
            *count += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut out = vec![(0u64, Acc::default()); raw.len()];
    for e in raw {
        // Every key's lower node is below `nodes`: the builder makes them so.
        if let Some(at) = fill.get_mut(lower(e.0)) {
            out[*at] = e;
            *at += 1;
        }
    }
    out.truncate(start[nodes]);
    for w in start.windows(2) {
        out[w[0]..w[1]].sort_unstable_by_key(|(k, _)| *k);
    }
    out
}

/// Evidence sorted by key, folded into one entry per key.
fn fold_sorted<K: Ord + Copy>(raw: Vec<(K, Acc)>) -> Vec<(K, Acc)> {
    let mut out: Vec<(K, Acc)> = Vec::with_capacity(raw.len());
    for (k, e) in raw {
        match out.last_mut() {
            Some((last, acc)) if *last == k => acc.add(e),
            _ => {
                let mut acc = Acc::default();
                acc.add(e);
                out.push((k, acc));
            }
        }
    }
    out
}

impl Edge {
    /// The tie between nodes `a` < `b` from all its evidence, as of `now` (seconds).
    fn new(a: u32, b: u32, acc: Acc, now: i64) -> Edge {
        let s = strength(acc.declared.map(|d| d.0), acc.met);
        let days = (now - acc.last) as f64 / 86_400.0;
        Edge {
            a,
            b,
            acc,
            strength: s as f32,
            score: score(s, days) as f32,
        }
    }

    /// What path search minimizes: −ln score.
    fn cost(&self) -> f32 {
        -f64::from(self.score).max(1e-9).ln() as f32
    }

    fn days_since(&self, now: i64) -> i64 {
        ((now - self.acc.last) / 86_400).max(0)
    }

    fn why(&self, now: i64) -> String {
        let mut parts = vec![];
        let ago = match self.days_since(now) {
            0 => "today".to_string(),
            1 => "yesterday".to_string(),
            d => format!("{d} days ago"),
        };
        if self.acc.met > 0 {
            let who = if self.a == 0 { "you met" } else { "met" };
            parts.push(format!(
                "{who} {}, last {ago}",
                plural(i64::from(self.acc.met), "time")
            ));
        }
        match self.acc.declared {
            Some((s, Some(kind))) => parts.push(format!("recorded tie: {kind}, strength {s}")),
            Some((s, None)) => parts.push(format!("your relationship, importance {s}")),
            None => {}
        }
        if self.acc.met == 0 {
            parts.push(format!("last evidence {ago}"));
        }
        parts.join("; ")
    }

    /// The tie as shown from `from` to `to`.
    fn view(&self, from: NodeRef, to: NodeRef, now: i64) -> TieView {
        TieView {
            from,
            to,
            strength: round(f64::from(self.strength), 1),
            days_since: self.days_since(now),
            score: round(f64::from(self.score), 3),
            why: self.why(now),
        }
    }
}

/// The network as arrays: node 0 is me, people from 1.
pub struct Graph {
    ids: Vec<Option<Id>>,
    names: Vec<String>,
    index: PeopleIndex,
    edges: Vec<Edge>,
    /// Adjacency in compressed form: node n's (neighbor, −ln score) pairs are
    /// `adj[offsets[n]..offsets[n + 1]]`, and `adj_edge` holds the same slots' edges.
    offsets: Vec<u32>,
    adj: Vec<(u32, f32)>,
    adj_edge: Vec<u32>,
    now: i64,
}

/// Keeps the first `limit` of `ks` by `order` (a total order), sorted: a partial
/// selection first, so that a million candidates are not all sorted for ten.
fn first(ks: &mut Vec<u32>, limit: usize, order: impl Fn(&u32, &u32) -> std::cmp::Ordering) {
    if ks.len() > limit && limit > 0 {
        ks.select_nth_unstable_by(limit - 1, &order);
    }
    ks.truncate(limit);
    ks.sort_by(&order);
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

/// Builds a [`Graph`] from evidence handed in one piece at a time — people first, then
/// ties, meetings and my relationships in any order — so that a store can stream a
/// million ties into it without an owned value per row. Ends are looked up by id text;
/// evidence naming someone who is not one of the people is left out.
pub struct GraphBuilder {
    ids: Vec<Option<Id>>,
    names: Vec<String>,
    index: PeopleIndex,
    /// (pair key, evidence): a < b packed as a << 32 | b.
    raw: Vec<(u64, Acc)>,
    group: Vec<u32>,
    /// The node of the last tie's first end: a store lists a person's ties together.
    last_a: u32,
}

/// Node numbers by id. Ids are looked up twice per tie, a million ties at a time: an id
/// of the canonical 36 characters (every id a store holds) is kept in the table itself
/// as its bytes, so that a lookup hashes and compares them there without following a
/// pointer to the id's text; any other id is kept by `Id`. Ids are not chosen by an
/// adversary who could aim collisions at the table: the Fx hash, not the default SipHash.
#[derive(Default)]
struct PeopleIndex {
    canonical: HashMap<[u8; 36], u32, rustc_hash::FxBuildHasher>,
    other: HashMap<Id, u32, rustc_hash::FxBuildHasher>,
}

impl PeopleIndex {
    fn get(&self, id: &str) -> Option<u32> {
        match <&[u8; 36]>::try_from(id.as_bytes()) {
            Ok(key) => self.canonical.get(key).copied(),
            Err(_) => self.other.get(id).copied(),
        }
    }

    /// Numbers `id` `n` unless it has a number already.
    fn insert(&mut self, id: &Id, n: u32) {
        match <[u8; 36]>::try_from(id.as_str().as_bytes()) {
            Ok(key) => {
                self.canonical.entry(key).or_insert(n);
            }
            Err(_) => {
                self.other.entry(id.clone()).or_insert(n);
            }
        }
    }

    fn reserve(&mut self, people: usize) {
        self.canonical.reserve(people);
    }
}

/// The key of the pair of nodes `a` and `b`, in either order.
fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

impl Default for GraphBuilder {
    fn default() -> Self {
        GraphBuilder::new()
    }
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        GraphBuilder::with_nodes(vec![None], vec!["you".to_string()], PeopleIndex::default())
    }

    /// A builder whose people are already placed: `ids` and `names` start with me (no
    /// id, "you"), `index` numbers the others.
    fn with_nodes(ids: Vec<Option<Id>>, names: Vec<String>, index: PeopleIndex) -> GraphBuilder {
        GraphBuilder {
            ids,
            names,
            index,
            raw: Vec::new(),
            group: Vec::new(),
            last_a: 0,
        }
    }

    /// Room for `people` people and `ties` pieces of evidence, when known.
    pub fn reserve(&mut self, people: usize, ties: usize) {
        self.ids.reserve(people);
        self.names.reserve(people);
        self.index.reserve(people);
        self.raw.reserve(ties);
    }

    /// A live person; node numbers follow the order people are added in (a person
    /// added twice keeps the first).
    pub fn person(&mut self, id: Id, name: String) {
        if self.index.get(id.as_str()).is_some() {
            return;
        }
        self.index.insert(&id, self.ids.len() as u32);
        self.ids.push(Some(id));
        self.names.push(name);
    }

    fn node(&self, id: &str) -> Option<u32> {
        self.index.get(id)
    }

    /// A recorded tie between the people with ids `a` and `b`.
    pub fn tie(&mut self, a: &str, b: &str, kind: TieKind, strength: Strength, at: Timestamp) {
        let a = if self.ids[self.last_a as usize]
            .as_ref()
            .is_some_and(|id| id.as_str() == a)
        {
            Some(self.last_a)
        } else {
            self.node(a)
        };
        let (Some(a), Some(b)) = (a, self.node(b)) else {
            return;
        };
        self.last_a = a;
        if a != b {
            self.raw
                .push((pair_key(a, b), Acc::tie(kind, strength, at)));
        }
    }

    /// An interaction at `at` with these participants (ids that are not people, such as
    /// organizations', are left out; a person listed twice counts once): a tie between
    /// me and each of them, and between each two of them.
    pub fn meeting<'a>(&mut self, at: Timestamp, people: impl IntoIterator<Item = &'a str>) {
        self.meeting_of(at, people, true);
    }

    /// [`GraphBuilder::meeting`] without the ties to me: for a reader that brings those
    /// as [`GraphBuilder::met_me`] (how many interactions I had with each person, and
    /// the latest, fold into the same evidence as one meeting each) and so needs only
    /// the interactions with two or more participants.
    pub fn met_together<'a>(&mut self, at: Timestamp, people: impl IntoIterator<Item = &'a str>) {
        self.meeting_of(at, people, false);
    }

    fn meeting_of<'a>(
        &mut self,
        at: Timestamp,
        people: impl IntoIterator<Item = &'a str>,
        with_me: bool,
    ) {
        let mut group = std::mem::take(&mut self.group);
        group.clear();
        group.extend(people.into_iter().filter_map(|p| self.node(p)));
        group.sort_unstable();
        group.dedup();
        let met = Acc::meeting(at);
        if with_me {
            self.raw
                .extend(group.iter().map(|&p| (pair_key(0, p), met)));
        }
        if group.len() <= MAX_GROUP {
            for (i, &a) in group.iter().enumerate() {
                self.raw
                    .extend(group[i + 1..].iter().map(|&b| (pair_key(a, b), met)));
            }
        }
        self.group = group;
    }

    /// A relationship I hold: a tie between me and its person.
    pub fn mine(&mut self, r: &MyRelationship) {
        if let Some(p) = self.node(r.person.as_str()) {
            self.raw.push((pair_key(0, p), Acc::mine(r)));
        }
    }

    /// The interactions I had with someone (see [`MetMe`]): a tie between me and them.
    pub fn met_me(&mut self, m: &MetMe) {
        if let Some(p) = self.node(m.person.as_str()) {
            self.raw.push((pair_key(0, p), Acc::met_me(m)));
        }
    }

    /// All my own ties: the relationships I hold and the people I met.
    pub fn my_ties(&mut self, my: &MyTies) {
        for r in &my.mine {
            self.mine(r);
        }
        for m in &my.met {
            self.met_me(m);
        }
    }

    /// The graph as of `now`: sorting the evidence by pair and folding each run gives
    /// the ties.
    pub fn finish(self, now: Timestamp) -> Graph {
        self.finish_with(now, &[])
    }

    /// [`GraphBuilder::finish`] with `later`: ties already folded, one entry per pair by
    /// key, whose keys all come after those of the evidence added to the builder.
    fn finish_with(self, now: Timestamp, later: &[(u64, Acc)]) -> Graph {
        let GraphBuilder {
            ids,
            names,
            index,
            raw,
            ..
        } = self;
        let n = ids.len();
        let mut evidence = fold_sorted(sort_pairs(raw, n));
        evidence.extend_from_slice(later);
        GraphBuilder::arrays(ids, names, index, evidence, now.as_second())
    }

    /// The graph of these people and this evidence, one entry per pair by key, as of
    /// `now` (seconds).
    fn arrays(
        ids: Vec<Option<Id>>,
        names: Vec<String>,
        index: PeopleIndex,
        evidence: Vec<(u64, Acc)>,
        now: i64,
    ) -> Graph {
        let n = ids.len();
        let edges: Vec<Edge> = evidence
            .into_iter()
            .map(|(k, acc)| Edge::new((k >> 32) as u32, (k & 0xffff_ffff) as u32, acc, now))
            .collect();
        let mut offsets = vec![0u32; n + 1];
        for e in &edges {
            offsets[e.a as usize + 1] += 1;
            offsets[e.b as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut adj = vec![(0u32, 0f32); edges.len() * 2];
        let mut adj_edge = vec![0u32; edges.len() * 2];
        for (k, e) in edges.iter().enumerate() {
            let cost = e.cost();
            for (from, to) in [(e.a, e.b), (e.b, e.a)] {
                let at = fill[from as usize] as usize;
                adj[at] = (to, cost);
                adj_edge[at] = k as u32;
                fill[from as usize] += 1;
            }
        }
        Graph {
            ids,
            names,
            index,
            edges,
            offsets,
            adj,
            adj_edge,
            now,
        }
    }
}

impl Graph {
    /// Builds the graph of `input` as of `now` (see [`GraphBuilder`]).
    pub fn build(input: &NetworkInput, now: Timestamp) -> Graph {
        let mut b = GraphBuilder::new();
        b.reserve(input.people.len(), input.ties.len() + input.mine.len());
        for (id, name) in &input.people {
            b.person(id.clone(), name.clone());
        }
        for t in &input.ties {
            b.tie(t.a.as_str(), t.b.as_str(), t.kind, t.strength, t.at);
        }
        for m in &input.meetings {
            b.meeting(m.at, m.people.iter().map(Id::as_str));
        }
        for r in &input.mine {
            b.mine(r);
        }
        b.finish(now)
    }

    /// People in the graph (me not counted).
    pub fn people(&self) -> usize {
        self.ids.len() - 1
    }

    /// Ties between people (links to me not counted).
    pub fn ties(&self) -> usize {
        self.edges.iter().filter(|e| e.a != 0).count()
    }

    fn range(&self, n: u32) -> std::ops::Range<usize> {
        self.offsets[n as usize] as usize..self.offsets[n as usize + 1] as usize
    }

    /// Neighbors of `n` with the cost of the tie to each.
    fn neighbors(&self, n: u32) -> &[(u32, f32)] {
        &self.adj[self.range(n)]
    }

    fn node(&self, n: u32) -> NodeRef {
        NodeRef {
            id: self.ids[n as usize].clone(),
            name: self.names[n as usize].clone(),
        }
    }

    fn days_since(&self, e: &Edge) -> i64 {
        e.days_since(self.now)
    }

    /// The tie from `from` to the other end of edge `k`.
    fn view(&self, k: u32, from: u32) -> TieView {
        let e = &self.edges[k as usize];
        let to = if e.a == from { e.b } else { e.a };
        e.view(self.node(from), self.node(to), self.now)
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
        first(&mut ks, limit, order);
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
        first(&mut ks, limit, |x, y| {
            let (ex, ey) = (&self.edges[*x as usize], &self.edges[*y as usize]);
            (ex.a != 0)
                .cmp(&(ey.a != 0))
                .then(ey.strength.total_cmp(&ex.strength))
                .then(ex.acc.last.cmp(&ey.acc.last))
                .then(x.cmp(y))
        });
        ks.into_iter()
            .map(|k| self.view(k, self.first_end(&self.edges[k as usize])))
            .collect()
    }

    /// The best chain of ties from me to `target`: the path maximizing the product of
    /// the ties' scores (Dijkstra on −ln score). `None` when no chain exists.
    pub fn intro(&self, target: &Id) -> Option<IntroPath> {
        let t = self.index.get(target.as_str())?;
        let n = self.ids.len();
        let mut cost = vec![f32::INFINITY; n];
        // The adjacency slot each node was reached through.
        let mut via: Vec<u32> = vec![u32::MAX; n];
        let mut from: Vec<u32> = vec![u32::MAX; n];
        let mut heap = BinaryHeap::new();
        cost[0] = 0.0;
        // Non-negative floats order like their bit patterns: (cost, node) in one u64.
        heap.push(Reverse(0u64));
        while let Some(Reverse(packed)) = heap.pop() {
            let u = (packed & 0xffff_ffff) as u32;
            let c = f32::from_bits((packed >> 32) as u32);
            if c > cost[u as usize] {
                continue;
            }
            if u == t {
                break;
            }
            let range = self.range(u);
            for (slot, &(v, w)) in range.clone().zip(&self.adj[range]) {
                let nc = c + w;
                if nc < cost[v as usize] {
                    cost[v as usize] = nc;
                    via[v as usize] = slot as u32;
                    from[v as usize] = u;
                    heap.push(Reverse((u64::from(nc.to_bits()) << 32) | u64::from(v)));
                }
            }
        }
        if !cost[t as usize].is_finite() {
            return None;
        }
        let mut chain = vec![];
        let mut at = t;
        while at != 0 {
            let (prev, slot) = (from[at as usize], via[at as usize]);
            chain.push((*self.adj_edge.get(slot as usize)?, prev));
            at = prev;
        }
        chain.reverse();
        let score: f64 = chain
            .iter()
            .map(|(k, _)| f64::from(self.edges[*k as usize].score))
            .product();
        let hops = chain
            .into_iter()
            .map(|(k, prev)| self.view(k, prev))
            .collect();
        Some(IntroPath {
            target: self.node(t),
            hops,
            score: round(score, 3),
        })
    }

    /// The `limit` people with the highest betweenness among people (me left out: I
    /// would bridge everyone I know). Exact (Brandes) up to
    /// [`EXACT_BETWEENNESS_LIMIT`] people; above, estimated from
    /// [`BETWEENNESS_SAMPLES`] sources spread evenly over the people and scaled up. The
    /// sources' searches run on the cores there are; the sums are those of one thread.
    pub fn connectors(&self, limit: usize) -> Connectors {
        self.connectors_kept(limit, Vec::new(), false).0
    }

    /// [`Graph::connectors`], not searching again from the sources whose searches in
    /// `kept` still hold for this graph (see [`betweenness::SourceSearch`]); with the
    /// searches of this graph to keep when `keep` and the sources are sampled (all
    /// sources' searches would be too large to keep).
    fn connectors_kept(
        &self,
        limit: usize,
        kept: Vec<betweenness::SourceSearch>,
        keep: bool,
    ) -> (Connectors, Vec<betweenness::SourceSearch>) {
        let n = self.ids.len();
        let people = n.saturating_sub(1);
        let sampled = people > EXACT_BETWEENNESS_LIMIT;
        let sources: Vec<u32> = if !sampled {
            (1..n as u32).collect()
        } else {
            let step = people as f64 / BETWEENNESS_SAMPLES as f64;
            (0..BETWEENNESS_SAMPLES)
                .map(|i| 1 + (i as f64 * step) as u32)
                .collect()
        };
        // The people-only adjacency as bare node numbers: half the memory traffic of the
        // weighted one, and no test for "me" in the inner loops.
        let mut off = vec![0u32; n + 1];
        let mut nbr: Vec<u32> = Vec::with_capacity(self.adj.len());
        for v in 0..n as u32 {
            if v != 0 {
                nbr.extend(
                    self.neighbors(v)
                        .iter()
                        .map(|(w, _)| *w)
                        .filter(|w| *w != 0),
                );
            }
            off[v as usize + 1] = nbr.len() as u32;
        }
        let (bc, searches) = betweenness::brandes(
            &betweenness::Adjacency {
                off: &off,
                nbr: &nbr,
            },
            &sources,
            kept,
            keep && sampled,
            betweenness::threads(),
        );
        // Undirected: each pair was counted from both ends. Scale samples up, then to a
        // share of the (people−1)(people−2)/2 pairs a person could sit between.
        let scale = people as f64 / sources.len().max(1) as f64 / 2.0;
        let pairs = ((people.saturating_sub(1)) * people.saturating_sub(2)) as f64 / 2.0;
        let mut ranked: Vec<u32> = (1..n as u32).filter(|&v| bc[v as usize] > 0.0).collect();
        first(&mut ranked, limit, |x, y| {
            bc[*y as usize]
                .total_cmp(&bc[*x as usize])
                .then_with(|| self.names[*x as usize].cmp(&self.names[*y as usize]))
                .then(x.cmp(y))
        });
        let connectors = Connectors {
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
        };
        (connectors, searches)
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

/// A deterministic synthetic network for benchmarks and load tests: `people` people in
/// communities of 100, each with `ties_per_person` recorded ties (all but one inside
/// the community, one to anyone), dated over the year before `now`; I hold a
/// relationship with every 500th person.
pub fn synthetic(people: usize, ties_per_person: usize, seed: u64, now: Timestamp) -> NetworkInput {
    let mut state = seed;
    let mut next = |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below.max(1)
    };
    let id = |n: u64| Id::v7(1_600_000_000_000 + n, [(n % 251) as u8; 10]);
    let ago = |days: u64| {
        now.checked_sub(jiff::SignedDuration::from_hours(24 * days as i64))
            .unwrap_or(now)
    };
    let n = people as u64;
    let mut input = NetworkInput {
        people: (0..n).map(|i| (id(i), format!("Person {i}"))).collect(),
        ..NetworkInput::default()
    };
    for i in 0..n {
        let community = i / 100 * 100;
        for t in 0..ties_per_person {
            let j = if t + 1 == ties_per_person {
                next(n)
            } else {
                (community + next(100)).min(n - 1)
            };
            if i == j {
                continue;
            }
            input.ties.push(TieFact {
                a: id(i),
                b: id(j),
                kind: TieKind::Knows,
                strength: Strength::clamped(1 + next(5) as i64),
                at: ago(next(365)),
            });
        }
        if i % 500 == 0 {
            input.mine.push(MyRelationship {
                person: id(i),
                importance: Importance::clamped(1 + next(5) as i64),
                since: ago(next(365)),
            });
        }
    }
    input
}

impl Graph {
    /// A person's ties, strongest first (at most `limit`): the neighbourhood drawn on
    /// the network page. Empty when the person is not in the graph.
    pub fn neighbourhood(&self, person: &Id, limit: usize) -> Vec<TieView> {
        let Some(n) = self.index.get(person.as_str()) else {
            return vec![];
        };
        let mut ks: Vec<u32> = self.adj_edge[self.range(n)].to_vec();
        ks.sort_by(|x, y| {
            let (ex, ey) = (&self.edges[*x as usize], &self.edges[*y as usize]);
            ey.score.total_cmp(&ex.score).then(x.cmp(y))
        });
        ks.dedup();
        ks.truncate(limit);
        ks.into_iter().map(|k| self.view(k, n)).collect()
    }
}
