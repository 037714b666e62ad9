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

    /// Builds the graph: every live person, tie and interaction, and the people the actor
    /// holds a (not ended) relationship with as the first hop.
    pub fn network_graph(&self, ctx: &Ctx) -> Result<Graph> {
        let input = self.store.read(|tx| {
            Ok(NetworkInput {
                mine: self.my_relationships(ctx, tx)?,
                people: tx
                    .person_names(&ctx.ws)?
                    .into_iter()
                    .map(|(id, name, _)| (id, name))
                    .collect(),
                ties: tx.tie_facts(&ctx.ws)?,
                meetings: tx.meeting_facts(&ctx.ws)?,
            })
        })?;
        Ok(Graph::build(&input, self.now()))
    }

    /// Strongest ties, connectors and dormant strong ties, `limit` of each.
    pub fn network(&self, ctx: &Ctx, limit: usize) -> Result<Network> {
        Ok(self.network_graph(ctx)?.overview(limit))
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

    /// A person's strongest ties, for drawing their neighbourhood.
    pub fn neighbourhood(&self, ctx: &Ctx, person: &Person, limit: usize) -> Result<Vec<TieView>> {
        Ok(self
            .network_graph(ctx)?
            .neighbourhood(&person.meta.id, limit))
    }
}
