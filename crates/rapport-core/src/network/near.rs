//! The warm-introduction search over only the part of the network it needs: a
//! bidirectional Dijkstra (from me and from the target, on −ln score) that asks for a
//! person's ties when it first settles them. It stops as soon as the two searches prove
//! the best chain, so on a large network it reads the neighbourhoods of a few hundred or
//! thousand people instead of every tie.
//!
//! Exact: a person's ties are complete once their neighbourhood is read (every piece of
//! evidence for a pair involves both ends), so every tie the search relaxes has the
//! strength and score it has in the whole [`Graph`], and the chain found is the one
//! [`Graph::intro`] finds (up to chains of equal score).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use jiff::Timestamp;

use super::{
    Acc, Edge, IntroPath, MAX_GROUP, MeetingFact, MyRelationship, NodeRef, PeopleIndex, TieFact,
    fold_evidence, round,
};
use crate::Id;

#[cfg(test)]
pub(super) mod tests;

/// What the store reads around some people: the live ties with one of them at either
/// end, and the live interactions one of them took part in, each with every live person
/// who took part. Only live people appear; a tie may be listed twice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Around {
    pub ties: Vec<TieFact>,
    pub meetings: Vec<MeetingFact>,
}

/// A live person I took part in interactions with: in how many, and the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct MetMe {
    pub person: Id,
    pub times: u32,
    pub last: Timestamp,
}

/// My own ties: the relationships I hold (with live people) and the people I met.
#[derive(Debug, Clone, Default)]
pub struct MyTies {
    pub mine: Vec<MyRelationship>,
    pub met: Vec<MetMe>,
}

/// Where the search reads the network from (the store, through the app).
pub trait Neighbourhoods {
    type Error;
    /// Everything around these people (see [`Around`]).
    fn around(&mut self, people: &[Id]) -> Result<Around, Self::Error>;
    /// The names of these people.
    fn names(&mut self, people: &[Id]) -> Result<HashMap<Id, String>, Self::Error>;
}

/// Work done by a search, for measuring it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// People whose neighbourhood was read.
    pub loaded: usize,
    /// Calls to [`Neighbourhoods::around`].
    pub reads: usize,
}

/// People settled before their neighbourhoods are read together: the next cheapest
/// unsettled people of the same side come along, so one read serves several steps.
const BATCH: usize = 16;

const FORWARD: usize = 0;
const BACKWARD: usize = 1;

/// Costs are sums of non-negative `f64`s: their bit patterns order like the values.
fn key(cost: f64, node: u32) -> (u64, u32) {
    (cost.to_bits(), node)
}

/// A binary min-heap of (cost bits, node) in a vector laid out as such (each entry no
/// greater than the two at `2i + 1` and `2i + 2`), so that its cheapest entries can be
/// listed in order by walking down from the root instead of passing over all of them:
/// after I settle, my side's heap holds everyone I know.
#[derive(Default)]
struct MinHeap(Vec<(u64, u32)>);

impl MinHeap {
    fn push(&mut self, x: (u64, u32)) {
        let mut i = self.0.len();
        self.0.push(x);
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.0[parent] <= self.0[i] {
                break;
            }
            self.0.swap(parent, i);
            i = parent;
        }
    }

    fn peek(&self) -> Option<(u64, u32)> {
        self.0.first().copied()
    }

    fn pop(&mut self) -> Option<(u64, u32)> {
        if self.0.is_empty() {
            return None;
        }
        let top = self.0.swap_remove(0);
        let n = self.0.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut least = i;
            if l < n && self.0[l] < self.0[least] {
                least = l;
            }
            if r < n && self.0[r] < self.0[least] {
                least = r;
            }
            if least == i {
                break;
            }
            self.0.swap(i, least);
            i = least;
        }
        Some(top)
    }

    /// Hands the entries to `visit` cheapest first, while it returns true.
    fn in_order(&self, mut visit: impl FnMut((u64, u32)) -> bool) {
        let mut frontier: BinaryHeap<Reverse<((u64, u32), usize)>> = BinaryHeap::new();
        if let Some(&root) = self.0.first() {
            frontier.push(Reverse((root, 0)));
        }
        while let Some(Reverse((x, i))) = frontier.pop() {
            if !visit(x) {
                return;
            }
            for child in [2 * i + 1, 2 * i + 2] {
                if let Some(&y) = self.0.get(child) {
                    frontier.push(Reverse((y, child)));
                }
            }
        }
    }
}

struct Search<'a> {
    my: &'a MyTies,
    mine: HashMap<&'a Id, Vec<&'a MyRelationship>>,
    now: i64,
    index: PeopleIndex,
    /// Node 0 is me.
    ids: Vec<Option<Id>>,
    /// A node's ties once its neighbourhood is read: (neighbour, cost, edge).
    adj: Vec<Option<Vec<(u32, f32, u32)>>>,
    edges: Vec<Edge>,
    dist: [Vec<f64>; 2],
    /// The node and edge each node was reached through, per side.
    parent: [Vec<(u32, u32)>; 2],
    settled: [Vec<bool>; 2],
    heap: [MinHeap; 2],
    stats: SearchStats,
}

impl<'a> Search<'a> {
    fn node(&mut self, id: &Id) -> u32 {
        if let Some(n) = self.index.get(id.as_str()) {
            return n;
        }
        let n = self.ids.len() as u32;
        self.index.insert(id, n);
        self.ids.push(Some(id.clone()));
        self.adj.push(None);
        for side in [FORWARD, BACKWARD] {
            self.dist[side].push(f64::INFINITY);
            self.parent[side].push((u32::MAX, u32::MAX));
            self.settled[side].push(false);
        }
        n
    }

    /// Folds a node's evidence, (other end, evidence) in any order, into its ties.
    fn attach(&mut self, n: u32, raw: Vec<(u32, Acc)>) {
        let mut ties = Vec::new();
        for (v, acc) in fold_evidence(raw) {
            let e = Edge::new(n.min(v), n.max(v), acc, self.now);
            ties.push((v, e.cost(), self.edges.len() as u32));
            self.edges.push(e);
        }
        self.adj[n as usize] = Some(ties);
    }

    /// My ties: my relationships and everyone I met.
    fn attach_me(&mut self) {
        let mut raw = Vec::with_capacity(self.my.mine.len() + self.my.met.len());
        for r in &self.my.mine {
            let p = self.node(&r.person);
            raw.push((p, Acc::mine(r)));
        }
        for m in &self.my.met {
            let p = self.node(&m.person);
            raw.push((p, Acc::met_me(m)));
        }
        self.attach(0, raw);
    }

    /// Reads the neighbourhoods of `wanted` and attaches each one's ties.
    fn load<N: Neighbourhoods>(&mut self, src: &mut N, wanted: &[u32]) -> Result<(), N::Error> {
        let asked: Vec<Id> = wanted
            .iter()
            .filter_map(|&n| self.ids[n as usize].clone())
            .collect();
        let around = src.around(&asked)?;
        self.stats.reads += 1;
        self.stats.loaded += asked.len();
        let mut raw: HashMap<u32, Vec<(u32, Acc)>> =
            wanted.iter().map(|&n| (n, Vec::new())).collect();
        for t in &around.ties {
            let (a, b) = (self.node(&t.a), self.node(&t.b));
            if a == b {
                continue;
            }
            let acc = Acc::tie(t.kind, t.strength, t.at);
            for (from, to) in [(a, b), (b, a)] {
                if let Some(r) = raw.get_mut(&from) {
                    r.push((to, acc));
                }
            }
        }
        let mut group: Vec<u32> = Vec::new();
        for m in &around.meetings {
            group.clear();
            for p in &m.people {
                let n = self.node(p);
                group.push(n);
            }
            group.sort_unstable();
            group.dedup();
            let met = Acc::meeting(m.at);
            for &u in &group {
                let Some(r) = raw.get_mut(&u) else { continue };
                r.push((0, met));
                if group.len() <= MAX_GROUP {
                    r.extend(group.iter().filter(|&&v| v != u).map(|&v| (v, met)));
                }
            }
        }
        for (u, mut r) in raw {
            if let Some(id) = &self.ids[u as usize]
                && let Some(rels) = self.mine.get(id)
            {
                r.extend(rels.iter().map(|rel| (0, Acc::mine(rel))));
            }
            self.attach(u, r);
        }
        Ok(())
    }

    /// The cost of the cheapest unsettled node on `side`, dropping stale entries.
    fn top(&mut self, side: usize) -> Option<f64> {
        while let Some((bits, n)) = self.heap[side].peek() {
            let c = f64::from_bits(bits);
            if self.settled[side][n as usize] || c > self.dist[side][n as usize] {
                self.heap[side].pop();
            } else {
                return Some(c);
            }
        }
        None
    }

    /// Up to [`BATCH`] of the cheapest unsettled, unread nodes on `side`, `first` first,
    /// then by cost (and node). Only the heap's cheapest entries are looked at, in order,
    /// until the batch is full.
    fn batch(&self, side: usize, first: u32) -> Vec<u32> {
        let mut wanted = vec![first];
        self.heap[side].in_order(|(bits, n)| {
            if n != first
                && self.adj[n as usize].is_none()
                && !self.settled[side][n as usize]
                && f64::from_bits(bits) <= self.dist[side][n as usize]
                && !wanted.contains(&n)
            {
                wanted.push(n);
            }
            wanted.len() < BATCH
        });
        wanted
    }
}

/// The best chain of ties from me to `target` (see [`Graph::intro`](super::Graph::intro)),
/// reading only the neighbourhoods the search needs from `src`. `None` when no chain
/// exists. Also returns what the search read.
pub fn intro_near<N: Neighbourhoods>(
    src: &mut N,
    my: &MyTies,
    target: &Id,
    now: Timestamp,
) -> Result<(Option<IntroPath>, SearchStats), N::Error> {
    let mut s = Search {
        my,
        mine: my.mine.iter().fold(HashMap::new(), |mut m, r| {
            m.entry(&r.person).or_insert_with(Vec::new).push(r);
            m
        }),
        now: now.as_second(),
        index: PeopleIndex::default(),
        ids: vec![None],
        adj: vec![None],
        edges: Vec::new(),
        dist: [vec![f64::INFINITY], vec![f64::INFINITY]],
        parent: [vec![(u32::MAX, u32::MAX)], vec![(u32::MAX, u32::MAX)]],
        settled: [vec![false], vec![false]],
        heap: [MinHeap::default(), MinHeap::default()],
        stats: SearchStats::default(),
    };
    s.attach_me();
    let t = s.node(target);
    s.dist[FORWARD][0] = 0.0;
    s.heap[FORWARD].push(key(0.0, 0));
    s.dist[BACKWARD][t as usize] = 0.0;
    s.heap[BACKWARD].push(key(0.0, t));
    // The best chain so far: its cost and its middle tie (forward end, backward end, edge).
    let mut best = f64::INFINITY;
    let mut middle: Option<(u32, u32, u32)> = None;
    // Either side exhausted: everything it reaches is settled, so the best chain is known.
    while let (Some(tf), Some(tb)) = (s.top(FORWARD), s.top(BACKWARD)) {
        if tf + tb >= best {
            break;
        }
        let side = if tf <= tb { FORWARD } else { BACKWARD };
        let Some((_, u)) = s.heap[side].pop() else {
            break;
        };
        s.settled[side][u as usize] = true;
        if s.adj[u as usize].is_none() {
            let wanted = s.batch(side, u);
            s.load(src, &wanted)?;
        }
        let du = s.dist[side][u as usize];
        let other = 1 - side;
        let ties = s.adj[u as usize].take().unwrap_or_default();
        for &(v, w, k) in &ties {
            let dv = du + f64::from(w);
            if dv < s.dist[side][v as usize] {
                s.dist[side][v as usize] = dv;
                s.parent[side][v as usize] = (u, k);
                s.heap[side].push(key(dv, v));
            }
            let through = dv + s.dist[other][v as usize];
            if through < best {
                best = through;
                middle = Some(if side == FORWARD {
                    (u, v, k)
                } else {
                    (v, u, k)
                });
            }
        }
        s.adj[u as usize] = Some(ties);
    }
    let stats = s.stats;
    let Some((x, y, k)) = middle else {
        return Ok((None, stats));
    };
    // (edge, from, to) from me to the target.
    let mut chain = Vec::new();
    let mut at = x;
    while at != 0 {
        let (prev, e) = s.parent[FORWARD][at as usize];
        chain.push((e, prev, at));
        at = prev;
    }
    chain.reverse();
    chain.push((k, x, y));
    let mut at = y;
    while at != t {
        let (next, e) = s.parent[BACKWARD][at as usize];
        chain.push((e, at, next));
        at = next;
    }
    let people: Vec<Id> = chain
        .iter()
        .filter_map(|&(_, _, to)| s.ids[to as usize].clone())
        .collect();
    let names = src.names(&people)?;
    let node = |n: u32| {
        let id = s.ids[n as usize].clone();
        let name = match &id {
            None => "you".to_string(),
            Some(id) => names.get(id).cloned().unwrap_or_default(),
        };
        NodeRef { id, name }
    };
    let score: f64 = chain
        .iter()
        .map(|&(e, _, _)| f64::from(s.edges[e as usize].score))
        .product();
    let hops = chain
        .iter()
        .map(|&(e, from, to)| s.edges[e as usize].view(node(from), node(to), s.now))
        .collect();
    Ok((
        Some(IntroPath {
            target: node(t),
            hops,
            score: round(score, 3),
        }),
        stats,
    ))
}
