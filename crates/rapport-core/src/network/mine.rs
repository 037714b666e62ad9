//! My own dormant ties without the graph of all my ties: what a kept snapshot's
//! overview reads of me (see [`NetworkSnapshot::overview`](super::NetworkSnapshot::overview)).
//!
//! On a workspace where I met nearly everyone, the graph of my ties alone has every
//! person in it, and placing them in the whole graph's order means looking up each of
//! them. The overview only lists the first `limit` of my dormant ties, and the whole
//! graph's order decides only between ties of equal strength and equal latest evidence:
//! so only the people that can be among the first `limit` are looked up, a few at a time.

use std::collections::HashMap;

use jiff::Timestamp;
use rustc_hash::FxBuildHasher;

use super::{Acc, DORMANT_DAYS, DORMANT_STRENGTH, Edge, Graph, GraphBuilder, MyTies};
use crate::Id;

#[cfg(test)]
mod tests;

impl MyTies {
    /// A graph of some of my ties whose [`Graph::dormant`] at `limit` is that of the
    /// graph of all my ties (every live person I hold a relationship with or met, in
    /// the whole graph's order, with my evidence): it holds the live people among the
    /// first `limit` dormant ones, and everyone tied with the last of them.
    ///
    /// My met people may include subjects that are not live people (organizations,
    /// people in the trash), and my relationships people in the trash: only the live
    /// people `live` gives enter the graph. `live` gives the live people among some ids,
    /// (id, name) in the whole graph's order (as the store's
    /// `live_people_in_network_order` does); it is asked about the
    /// candidates, most dormant first, a batch at a time, until `limit` of them are live.
    pub fn dormant_graph<E>(
        &self,
        limit: usize,
        now: Timestamp,
        mut live: impl FnMut(&[Id]) -> Result<Vec<(Id, String)>, E>,
    ) -> Result<Graph, E> {
        let mut graph = GraphBuilder::new();
        if limit > 0 {
            let candidates = self.dormant_candidates(now.as_second());
            let mut found = 0;
            let mut next = 0;
            while found < limit && next < candidates.len() {
                // Whole runs of equal (strength, latest evidence), at least as many
                // people as are still wanted: the graph's order decides within a run.
                let start = next;
                while next < candidates.len()
                    && (next - start < limit - found
                        || candidates[next].1 == candidates[next - 1].1)
                {
                    next += 1;
                }
                let ids: Vec<Id> = candidates[start..next]
                    .iter()
                    .map(|(id, _)| (*id).clone())
                    .collect();
                for (id, name) in live(&ids)? {
                    graph.person(id, name);
                    found += 1;
                }
            }
        }
        graph.my_ties(self);
        Ok(graph.finish(now))
    }

    /// The people my ties with would be dormant (if they are live), with (strength
    /// descending as bits, latest evidence), most dormant first: the order of
    /// [`Graph::dormant`] but for the graph's order, which only breaks ties of both.
    fn dormant_candidates(&self, now: i64) -> Vec<(&Id, (u32, i64))> {
        let mut evidence: HashMap<&Id, Acc, FxBuildHasher> =
            HashMap::with_capacity_and_hasher(self.met.len(), FxBuildHasher);
        let mut add = |id, acc| {
            evidence
                .entry(id)
                .and_modify(|e: &mut Acc| e.add(acc))
                .or_insert(acc);
        };
        for r in &self.mine {
            add(&r.person, Acc::mine(r));
        }
        for m in &self.met {
            add(&m.person, Acc::met_me(m));
        }
        let mut out: Vec<(&Id, (u32, i64))> = evidence
            .into_iter()
            .filter_map(|(id, acc)| {
                let e = Edge::new(0, 1, acc, now);
                (f64::from(e.strength) >= DORMANT_STRENGTH && e.days_since(now) >= DORMANT_DAYS)
                    // Strengths are non-negative: their bits order like them, reversed
                    // here so that the strongest come first.
                    .then_some((id, (u32::MAX - e.strength.to_bits(), acc.last)))
            })
            .collect();
        out.sort_unstable_by(|x, y| x.1.cmp(&y.1).then(x.0.cmp(y.0)));
        out
    }
}
