//! The whole graph between people, kept between requests and brought up to date from
//! the people a write touched, so that the first overview after a write does not read
//! every tie again: the people in the network's order with their names, and every tie
//! between two of them with its evidence (me and my ties are not part of it: the reader
//! brings them per request). A tie's evidence is all recorded ties and meetings of one
//! pair, and every piece of it involves both ends: the ties of a person, read around
//! them alone, are the whole graph's — so replacing the ties of the people a write
//! touched gives the graph the whole read would build.

use std::collections::{HashMap, HashSet};

use super::betweenness::{SourceSearch, UNREACHED};
use super::{Acc, Graph, GraphBuilder, MyTies, NetworkSnapshot, PeopleIndex, pair_key, sort_pairs};
use crate::Id;
use crate::enums::TieKind;

/// Changes whenever the encoding changes: a kept graph of another format is not read.
const FORMAT: &[u8] = b"people-graph 3\n";

/// See the module documentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeopleGraph {
    /// Live people in the network's order: person `i` is node `i + 1` of the graph.
    ids: Vec<Id>,
    names: Vec<String>,
    /// (pair key by node numbers, evidence) of every tie between two people, by key.
    edges: Vec<(u64, Acc)>,
    /// The connectors' searches from their sampled sources on these ties, those that
    /// still hold (see [`SourceSearch`]): a patch drops those its ties may change, all
    /// of them when it renumbers the people, and the next snapshot searches again from
    /// those sources only.
    searches: Vec<SourceSearch>,
}

/// A person the write touched who is live now: id, name, and the live person just
/// before them in the network's order (`None`: they come first).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub id: Id,
    pub name: String,
    pub after: Option<Id>,
}

impl Graph {
    /// The ties between people and the people, without me: what a [`PeopleGraph`] keeps.
    pub fn people_graph(&self) -> PeopleGraph {
        self.people_graph_searched(Vec::new())
    }

    /// [`Graph::people_graph`] with these searches of its connectors.
    pub(super) fn people_graph_searched(&self, searches: Vec<SourceSearch>) -> PeopleGraph {
        PeopleGraph {
            ids: self.ids.iter().skip(1).flatten().cloned().collect(),
            names: self.names.iter().skip(1).cloned().collect(),
            edges: self
                .edges
                .iter()
                .filter(|e| e.a != 0)
                .map(|e| (pair_key(e.a, e.b), e.acc))
                .collect(),
            searches,
        }
    }
}

impl PeopleGraph {
    /// People in the graph.
    pub fn people(&self) -> usize {
        self.ids.len()
    }

    /// Replaces what the graph knows of the people in `touched`: their places and every
    /// tie they are an end of. `placed` lists those of them who are live now, in the
    /// network's order, each after the person before them (a person of `placed`
    /// listed earlier, or one the write did not touch); `around` is a graph holding at
    /// least every tie of each of them, as the whole graph has it (see
    /// [`GraphBuilder`]: their ties and meetings, and the live people at the other
    /// ends). People named in `touched` but not in `placed` leave the graph.
    pub fn patch(&mut self, touched: &HashSet<Id>, placed: &[Placed], around: &Graph) {
        // The new order: the people not touched keep their order; each placed person
        // follows the one named before them.
        let mut after: HashMap<Option<&Id>, Vec<&Placed>> = HashMap::new();
        for p in placed {
            after.entry(p.after.as_ref()).or_default().push(p);
        }
        let mut order: Vec<(Id, String)> = Vec::with_capacity(self.ids.len() + placed.len());
        let mut old_to_new = vec![u32::MAX; self.ids.len() + 1];
        fn emit<'a>(
            at: Option<&'a Id>,
            after: &HashMap<Option<&'a Id>, Vec<&'a Placed>>,
            order: &mut Vec<(Id, String)>,
            seen: &mut HashSet<&'a Id>,
        ) {
            let mut stack: Vec<&Placed> = after
                .get(&at)
                .into_iter()
                .flatten()
                .rev()
                .copied()
                .collect();
            while let Some(p) = stack.pop() {
                if !seen.insert(&p.id) {
                    continue;
                }
                order.push((p.id.clone(), p.name.clone()));
                stack.extend(after.get(&Some(&p.id)).into_iter().flatten().rev().copied());
            }
        }
        let mut seen = HashSet::new();
        emit(None, &after, &mut order, &mut seen);
        for (i, id) in self.ids.iter().enumerate() {
            if touched.contains(id) {
                continue;
            }
            old_to_new[i + 1] = order.len() as u32 + 1;
            order.push((id.clone(), self.names[i].clone()));
            emit(Some(id), &after, &mut order, &mut seen);
        }
        // Placed people whose predecessor is nowhere (not live, or not known): kept at
        // the end rather than lost; the caller names only live predecessors.
        for p in placed {
            if seen.insert(&p.id) {
                order.push((p.id.clone(), p.name.clone()));
            }
        }
        let node: rustc_hash::FxHashMap<&Id, u32> = order
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id, i as u32 + 1))
            .collect();
        let n = order.len() + 1;
        let mut raw: Vec<(u64, Acc)> = Vec::with_capacity(self.edges.len() + 64);
        for (k, acc) in &self.edges {
            let (a, b) = (
                old_to_new[(k >> 32) as usize],
                old_to_new[(k & 0xffff_ffff) as usize],
            );
            if a != u32::MAX && b != u32::MAX {
                raw.push((pair_key(a, b), *acc));
            }
        }
        // The touched people's ties, each once, from the graph around them.
        for e in &around.edges {
            if e.a == 0 {
                continue;
            }
            let (Some(a), Some(b)) = (&around.ids[e.a as usize], &around.ids[e.b as usize]) else {
                continue;
            };
            if !(touched.contains(a) || touched.contains(b)) {
                continue;
            }
            if let (Some(&a), Some(&b)) = (node.get(a), node.get(b)) {
                raw.push((pair_key(a, b), e.acc));
            }
        }
        let mut edges = sort_pairs(raw, n);
        edges.dedup_by_key(|(k, _)| *k);
        // Searches hold while every person keeps their number and each tie added or
        // removed is one they cannot see.
        let renumbered = order.len() != self.ids.len()
            || order.iter().zip(&self.ids).any(|((id, _), old)| id != old);
        let mut searches = std::mem::take(&mut self.searches);
        if renumbered {
            searches.clear();
        } else {
            let changed = changed_pairs(&self.edges, &edges);
            searches.retain(|s| changed.iter().all(|&(a, b)| s.unchanged_by(a, b)));
        }
        let (ids, names) = order.into_iter().unzip();
        *self = PeopleGraph {
            ids,
            names,
            edges,
            searches,
        };
    }

    /// The graph these people and ties make, without me: enough for the snapshot.
    fn graph(&self) -> Graph {
        let (ids, names, index) = self.nodes();
        GraphBuilder::arrays(ids, names, index, self.edges.clone(), 0)
    }

    /// The nodes of the graph: me first, then the people in their order, and the index
    /// from id to node.
    fn nodes(&self) -> (Vec<Option<Id>>, Vec<String>, PeopleIndex) {
        let mut index = PeopleIndex::default();
        index.reserve(self.ids.len());
        let mut ids = Vec::with_capacity(self.ids.len() + 1);
        ids.push(None);
        for (i, id) in self.ids.iter().enumerate() {
            index.insert(id, i as u32 + 1);
            ids.push(Some(id.clone()));
        }
        let mut names = Vec::with_capacity(self.names.len() + 1);
        names.push("you".to_string());
        names.extend(self.names.iter().cloned());
        (ids, names, index)
    }

    /// The whole graph as of `now`, with my ties (`my`: my relationships and the people
    /// I met, as the store gives them; ids that are not among these people are left
    /// out): the same graph as one built from every person, tie and interaction, so the
    /// same chains for [`Graph::intro`].
    pub fn with_me(&self, my: &MyTies, now: jiff::Timestamp) -> Graph {
        let (ids, names, index) = self.nodes();
        let mut graph = GraphBuilder::with_nodes(ids, names, index);
        graph.my_ties(my);
        // My pairs' keys (0, p) come before every pair of two people's.
        graph.finish_with(now, &self.edges)
    }

    /// The overview's snapshot of this graph (see [`NetworkSnapshot`]): the same as the
    /// whole graph's. The connectors search again only from the sources whose kept
    /// searches a patch dropped, and the graph keeps the searches of its ties.
    pub fn snapshot(&mut self, kept: usize) -> NetworkSnapshot {
        let g = self.graph();
        let (connectors, searches) =
            g.connectors_kept(kept, std::mem::take(&mut self.searches), true);
        self.searches = searches;
        g.snapshot(kept, &connectors)
    }

    /// Sources whose searches are kept (for tests and measurements: after a patch, those
    /// the next snapshot will not search from again).
    pub fn kept_searches(&self) -> usize {
        self.searches.len()
    }

    /// The graph as stored: a format line, then its bytes. They are compact, since the kept graph of a large network is written whole after every
    /// computation from nothing and read whole after every write: ids in the stored
    /// form as their 16 bytes, ties by key order with each key as the difference from
    /// the one before and each latest evidence as the difference from the tie before,
    /// in variable-length integers (see [`put_varint`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut b: Vec<u8> = Vec::with_capacity(self.ids.len() * 32 + self.edges.len() * 10);
        b.extend(FORMAT);
        put_varint(&mut b, self.ids.len() as u64);
        for (id, name) in self.ids.iter().zip(&self.names) {
            match Id::pack(id.as_str()) {
                Some(bytes) => {
                    b.push(0);
                    b.extend(bytes);
                }
                None => {
                    b.push(1);
                    put_str(&mut b, id.as_str());
                }
            }
            put_str(&mut b, name);
        }
        put_varint(&mut b, self.edges.len() as u64);
        let (mut prev_a, mut prev_b, mut prev_last) = (0u64, 0u64, 0i64);
        for (k, acc) in &self.edges {
            let (a, b_) = (k >> 32, k & 0xffff_ffff);
            // Keys are increasing: the same first end and a later second one, or a
            // later first end (then the second counted from it).
            put_varint(&mut b, a.wrapping_sub(prev_a));
            put_varint(
                &mut b,
                b_.wrapping_sub(if a == prev_a { prev_b } else { a }),
            );
            (prev_a, prev_b) = (a, b_);
            let (strength, kind) = match acc.declared {
                None => (0, 0),
                Some((s, None)) => (s, 0),
                Some((s, Some(kind))) => (
                    s,
                    TieKind::ALL
                        .iter()
                        .position(|k| *k == kind)
                        .map_or(0, |i| i as u8 + 1),
                ),
            };
            // Flags: declared, met at least once, then the kind's number.
            b.push(u8::from(acc.declared.is_some()) | u8::from(acc.met != 0) << 1 | kind << 2);
            if acc.declared.is_some() {
                b.push(strength);
            }
            if acc.met != 0 {
                put_varint(&mut b, u64::from(acc.met));
            }
            put_varint(&mut b, zigzag(acc.last.wrapping_sub(prev_last)));
            prev_last = acc.last;
        }
        // Each search: its source, every node's distance, a bit per node for a non-zero
        // dependency, and those dependencies' bits.
        put_varint(&mut b, self.searches.len() as u64);
        for search in &self.searches {
            put_varint(&mut b, u64::from(search.source));
            b.extend(&search.dist);
            let mut nonzero = vec![0u8; search.delta.len().div_ceil(8)];
            for (i, x) in search.delta.iter().enumerate() {
                if x.to_bits() != 0 {
                    nonzero[i / 8] |= 1 << (i % 8);
                }
            }
            b.extend(&nonzero);
            for x in search.delta.iter().filter(|x| x.to_bits() != 0) {
                b.extend(x.to_le_bytes());
            }
        }
        b
    }

    /// A stored graph; `None` when it is not one of this format (one kept by an
    /// earlier version: the next overview computes it again) or is damaged.
    pub fn decode(doc: &[u8]) -> Option<PeopleGraph> {
        let bytes = doc.strip_prefix(FORMAT)?;
        let mut r = Reader(bytes);
        let people = usize::try_from(r.varint()?).ok()?;
        let mut ids = Vec::with_capacity(people.min(bytes.len()));
        let mut names = Vec::with_capacity(people.min(bytes.len()));
        let mut text = String::with_capacity(36);
        for _ in 0..people {
            let id = match r.take::<1>()? {
                [0] => {
                    unpacked_id(r.take::<16>()?, &mut text);
                    Id::parse(&text).ok()?
                }
                [1] => Id::parse(r.str()?).ok()?,
                _ => return None,
            };
            ids.push(id);
            names.push(r.str()?.to_string());
        }
        let count = usize::try_from(r.varint()?).ok()?;
        let mut edges = Vec::with_capacity(count.min(bytes.len() / 3));
        let (mut prev_a, mut prev_b, mut prev_last) = (0u64, 0u64, 0i64);
        for _ in 0..count {
            let a = prev_a.checked_add(r.varint()?)?;
            let b = (if a == prev_a { prev_b } else { a }).checked_add(r.varint()?)?;
            (prev_a, prev_b) = (a, b);
            let [flags] = r.take()?;
            let strength = if flags & 1 != 0 { r.take::<1>()?[0] } else { 0 };
            let met = if flags & 2 != 0 {
                u32::try_from(r.varint()?).ok().filter(|m| *m != 0)?
            } else {
                0
            };
            let last = prev_last.wrapping_add(unzigzag(r.varint()?));
            prev_last = last;
            if a == 0 || a >= b || b > people as u64 {
                return None;
            }
            let kind = match flags >> 2 {
                0 => None,
                k => Some(*TieKind::ALL.get(usize::from(k) - 1)?),
            };
            edges.push((
                (a << 32) | b,
                Acc {
                    declared: (flags & 1 != 0).then_some((strength, kind)),
                    met,
                    last,
                },
            ));
        }
        let nodes = people + 1;
        let count = usize::try_from(r.varint()?).ok()?;
        let mut searches = Vec::with_capacity(count.min(bytes.len() / nodes));
        for _ in 0..count {
            let source = u32::try_from(r.varint()?).ok()?;
            let dist = r.bytes(nodes)?.to_vec();
            let nonzero = r.bytes(nodes.div_ceil(8))?;
            let mut delta = vec![0f64; nodes];
            for (i, x) in delta.iter_mut().enumerate() {
                if nonzero[i / 8] & (1 << (i % 8)) != 0 {
                    *x = f64::from_le_bytes(r.take()?);
                }
            }
            if source == 0
                || source as usize >= nodes
                || dist[source as usize] != 0
                || dist[0] != UNREACHED
            {
                return None;
            }
            searches.push(SourceSearch {
                source,
                dist,
                delta,
            });
        }
        if !r.0.is_empty() || !edges.is_sorted_by(|x, y| x.0 < y.0) {
            return None;
        }
        Some(PeopleGraph {
            ids,
            names,
            edges,
            searches,
        })
    }
}

/// Appends `v` in 7-bit groups, least significant first, the high bit of each byte
/// saying whether another follows.
fn put_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_varint(b, s.len() as u64);
    b.extend(s.as_bytes());
}

/// A signed difference as an unsigned number, small for small differences of either
/// sign.
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// The stored form of an id packed by [`Id::pack`], into `text`.
fn unpacked_id(bytes: [u8; 16], text: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    text.clear();
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
}

/// The pairs that are ties in one of two graphs' ties (by key, same numbering) and not
/// in the other.
fn changed_pairs(old: &[(u64, Acc)], new: &[(u64, Acc)]) -> Vec<(u32, u32)> {
    let mut changed = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let key = match (old.get(i), new.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                continue;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                i += 1;
                x.0
            }
            (Some(x), None) => {
                i += 1;
                x.0
            }
            (_, Some(y)) => {
                j += 1;
                y.0
            }
            (None, None) => break,
        };
        changed.push(((key >> 32) as u32, (key & 0xffff_ffff) as u32));
    }
    changed
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(head)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let [byte] = self.take()?;
            v |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.varint()?).ok()?;
        std::str::from_utf8(self.bytes(len)?).ok()
    }
}

#[cfg(test)]
mod tests;
