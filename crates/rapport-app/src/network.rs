//! `network` and `intro`: the tie graph of the workspace, seen from its owner.

use std::collections::{HashMap, HashSet};

use rapport_core::network::*;
use rapport_core::*;
use rapport_store::{StoreError, Tx};

use crate::{App, Ctx, Result};

/// The store as the warm-introduction search reads it: one person's neighbourhood at a
/// time, through the indexes on tie ends and interaction participants.
struct StoreNeighbourhoods<'t, 'c> {
    tx: &'t mut Tx<'c>,
    ws: &'t Id,
    /// People in the trash: their ties are not part of the network.
    trashed: HashSet<Id>,
}

impl Neighbourhoods for StoreNeighbourhoods<'_, '_> {
    type Error = StoreError;

    fn around(&mut self, people: &[Id]) -> std::result::Result<Around, StoreError> {
        let mut ties = self.tx.ties_around(self.ws, people)?;
        ties.retain(|t| !self.trashed.contains(&t.a) && !self.trashed.contains(&t.b));
        Ok(Around {
            ties,
            meetings: self.tx.meetings_around(self.ws, people)?,
        })
    }

    fn names(&mut self, people: &[Id]) -> std::result::Result<HashMap<Id, String>, StoreError> {
        Ok(self
            .tx
            .subject_cards(self.ws, people)?
            .into_iter()
            .map(|(id, card)| (id, card.name))
            .collect())
    }
}

/// What the overview's read found: the answer (from a current snapshot, or from the
/// whole graph when the snapshot is current but could not prove it), or the whole graph
/// of a generation that has no snapshot yet.
enum Overview {
    Answered(Network),
    Whole(i64, Graph),
}

impl App {
    /// The people the actor holds a (not ended) relationship with, as seen by the actor:
    /// the first hop of the network.
    fn my_relationships(
        &self,
        ctx: &Ctx,
        tx: &mut Tx<'_>,
    ) -> Result<Vec<MyRelationship>, StoreError> {
        Ok(self
            .visible(ctx, tx.all_relationships(&ctx.ws)?)
            .into_iter()
            .filter(|r| {
                r.subject.kind == SubjectKind::Person && r.status != RelationshipStatus::Ended
            })
            .map(|r| MyRelationship {
                person: r.subject.id,
                importance: r.importance,
                since: r.meta.created_at,
            })
            .collect())
    }

    /// Builds the graph: every live person, tie and interaction, streamed from the store
    /// into the graph's arrays, and the people the actor holds a (not ended)
    /// relationship with as the first hop.
    pub fn network_graph(&self, ctx: &Ctx) -> Result<Graph> {
        Ok(self.store.read(|tx| self.whole_graph(ctx, tx))?)
    }

    fn whole_graph(&self, ctx: &Ctx, tx: &mut Tx<'_>) -> Result<Graph, StoreError> {
        let mut graph = GraphBuilder::new();
        tx.network_into(&ctx.ws, &mut graph)?;
        for r in self.my_relationships(ctx, tx)? {
            graph.mine(&r);
        }
        Ok(graph.finish(self.now()))
    }

    /// The actor's own ties alone: the relationships they hold with live people and
    /// everyone live they met, in the whole graph's order.
    fn my_graph(&self, ctx: &Ctx, tx: &mut Tx<'_>) -> Result<Graph, StoreError> {
        let mine = self.my_relationships(ctx, tx)?;
        let met = tx.met_people(&ctx.ws)?;
        let ids: Vec<Id> = mine
            .iter()
            .map(|r| r.person.clone())
            .chain(met.iter().map(|m| m.person.clone()))
            .collect();
        let mut graph = GraphBuilder::new();
        for (id, name) in tx.live_people_in_network_order(&ctx.ws, &ids)? {
            graph.person(id, name);
        }
        for r in &mine {
            graph.mine(r);
        }
        for m in &met {
            graph.met_me(m);
        }
        Ok(graph.finish(self.now()))
    }

    /// Strongest ties, connectors and dormant strong ties, `limit` of each.
    ///
    /// Read from the workspace's network snapshot and the actor's own ties when the
    /// snapshot is current (no person, tie or interaction written since it was computed)
    /// and can prove the answer; otherwise from the whole graph, whose snapshot is then
    /// kept for the next reads unless a current one was there already (one that could
    /// not prove this answer: ties of equal score across a cut, or more asked for than
    /// it keeps). Either way the answer is the whole graph's.
    pub fn network(&self, ctx: &Ctx, limit: usize) -> Result<Network> {
        let now = self.now();
        let read = self.store.read(|tx| {
            let kept = tx.network_snapshot(&ctx.ws)?;
            if let Some(snapshot) = &kept
                && let Some(network) = snapshot.overview(&self.my_graph(ctx, tx)?, limit, now)
            {
                return Ok(Overview::Answered(network));
            }
            let generation = tx.network_generation(&ctx.ws)?;
            let graph = self.whole_graph(ctx, tx)?;
            Ok(match kept {
                // Current, but it could not prove this answer: nothing new to keep.
                Some(_) => Overview::Answered(graph.overview(limit)),
                None => Overview::Whole(generation, graph),
            })
        })?;
        let (generation, graph) = match read {
            Overview::Answered(network) => return Ok(network),
            Overview::Whole(generation, graph) => (generation, graph),
        };
        let (network, snapshot) = graph.overview_and_snapshot(limit, KEPT);
        drop(graph);
        self.store
            .write(|tx| tx.keep_network_snapshot(&ctx.ws, generation, &snapshot))?;
        Ok(network)
    }

    /// The warm-introduction path from me to `target`, if any chain of ties reaches them.
    /// Reads only the neighbourhoods the search needs, not the whole graph.
    pub fn intro(&self, ctx: &Ctx, target: &Person) -> Result<Option<IntroPath>> {
        let now = self.now();
        Ok(self.store.read(|tx| {
            let my = MyTies {
                mine: self.my_relationships(ctx, tx)?,
                met: tx.met_people(&ctx.ws)?,
            };
            let trashed = tx.trashed_people(&ctx.ws)?.into_iter().collect();
            let mut src = StoreNeighbourhoods {
                tx,
                ws: &ctx.ws,
                trashed,
            };
            Ok(intro_near(&mut src, &my, &target.meta.id, now)?.0)
        })?)
    }

    /// A person's strongest ties, for drawing their neighbourhood. Reads only what
    /// touches them: their ties and interactions, and the people at the other ends, in
    /// the whole graph's order so that ties of equal score come in the same order too.
    /// Every piece of evidence for a tie of theirs involves them, so each tie is the
    /// whole graph's.
    pub fn neighbourhood(&self, ctx: &Ctx, person: &Person, limit: usize) -> Result<Vec<TieView>> {
        let now = self.now();
        let id = &person.meta.id;
        Ok(self.store.read(|tx| {
            let mut graph = GraphBuilder::new();
            for (p, name) in tx.neighbours_named(&ctx.ws, id)? {
                graph.person(p, name);
            }
            for t in tx.ties_around(&ctx.ws, std::slice::from_ref(id))? {
                graph.tie(t.a.as_str(), t.b.as_str(), t.kind, t.strength, t.at);
            }
            for m in tx.meetings_around(&ctx.ws, std::slice::from_ref(id))? {
                graph.meeting(m.at, m.people.iter().map(Id::as_str));
            }
            for r in self.my_relationships(ctx, tx)? {
                graph.mine(&r);
            }
            Ok(graph.finish(now).neighbourhood(id, limit))
        })?)
    }
}
