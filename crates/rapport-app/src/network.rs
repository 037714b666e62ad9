//! `network` and `intro`: the tie graph of the workspace, seen from its owner.

use rapport_core::network::*;
use rapport_core::*;

use crate::{App, Ctx, Result};

impl App {
    /// Builds the graph: every live person, tie and interaction, and the people the actor
    /// holds a (not ended) relationship with as the first hop.
    pub fn network_graph(&self, ctx: &Ctx) -> Result<Graph> {
        let input = self.store.read(|tx| {
            let mine = self
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
                .collect();
            Ok(NetworkInput {
                people: tx
                    .person_names(&ctx.ws)?
                    .into_iter()
                    .map(|(id, name, _)| (id, name))
                    .collect(),
                ties: tx.tie_facts(&ctx.ws)?,
                meetings: tx.meeting_facts(&ctx.ws)?,
                mine,
            })
        })?;
        Ok(Graph::build(&input, self.now()))
    }

    /// Strongest ties, connectors and dormant strong ties, `limit` of each.
    pub fn network(&self, ctx: &Ctx, limit: usize) -> Result<Network> {
        Ok(self.network_graph(ctx)?.overview(limit))
    }

    /// The warm-introduction path from me to `target`, if any chain of ties reaches them.
    pub fn intro(&self, ctx: &Ctx, target: &Person) -> Result<Option<IntroPath>> {
        Ok(self.network_graph(ctx)?.intro(&target.meta.id))
    }

    /// A person's strongest ties, for drawing their neighbourhood.
    pub fn neighbourhood(&self, ctx: &Ctx, person: &Person, limit: usize) -> Result<Vec<TieView>> {
        Ok(self
            .network_graph(ctx)?
            .neighbourhood(&person.meta.id, limit))
    }
}
