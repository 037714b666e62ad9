//! `network` and `intro`: the tie graph of the workspace, seen from its owner.

use std::collections::{HashMap, HashSet};

use rapport_core::network::*;
use rapport_core::*;
use rapport_store::{StoreError, Tx};

use crate::{App, Ctx, Result};

/// The store as the warm-introduction search reads it: one person's neighbourhood at a
/// time, through the indexes on tie ends and interaction participants, for at most
/// `budget` people.
struct StoreNeighbourhoods<'t, 'c> {
    tx: &'t mut Tx<'c>,
    ws: &'t Id,
    /// People in the trash: their ties are not part of the network.
    trashed: HashSet<Id>,
    /// How many more people's neighbourhoods the search may read.
    budget: usize,
}

/// Why the neighbourhood search stopped before its answer.
enum NearStop {
    Store(StoreError),
    /// It would have read more neighbourhoods than its budget: the target is far, and
    /// the whole graph answers sooner.
    Budget,
}

impl From<StoreError> for NearStop {
    fn from(e: StoreError) -> Self {
        NearStop::Store(e)
    }
}

/// The people whose neighbourhoods `intro` reads one by one before it turns to the
/// whole graph. A far chain on a large network (or from someone who has met most of it)
/// settles tens of thousands of people, each read through the indexes, where the kept
/// graph is read whole in one go.
const NEAR_BUDGET: usize = 1_000;

impl Neighbourhoods for StoreNeighbourhoods<'_, '_> {
    type Error = NearStop;

    fn around(&mut self, people: &[Id]) -> std::result::Result<Around, NearStop> {
        self.budget = self
            .budget
            .checked_sub(people.len())
            .ok_or(NearStop::Budget)?;
        let mut ties = self.tx.ties_around(self.ws, people)?;
        ties.retain(|t| !self.trashed.contains(&t.a) && !self.trashed.contains(&t.b));
        Ok(Around {
            ties,
            meetings: self.tx.meetings_around(self.ws, people)?,
        })
    }

    fn names(&mut self, people: &[Id]) -> std::result::Result<HashMap<Id, String>, NearStop> {
        Ok(self
            .tx
            .subject_cards(self.ws, people)?
            .into_iter()
            .map(|(id, card)| (id, card.name))
            .collect())
    }
}

/// What the overview's read found: the answer (from a current snapshot, or from the
/// whole graph when the snapshot is current but could not prove it), the whole graph of
/// a generation that has no snapshot yet, or the kept graph brought up to such a
/// generation, with my own ties.
enum Overview {
    Answered(Network),
    Whole(i64, Graph),
    Patched {
        generation: i64,
        kept_at: i64,
        graph: PeopleGraph,
        me: Graph,
    },
}

/// The kept graph is written again, with every write since folded in, once this many
/// generations separate it from the current one; until then each first overview after
/// a write patches it from the people all those writes touched.
const REKEEP_AFTER: i64 = 32;

impl App {
    /// The people the actor holds a (not ended) relationship with, as seen by the actor:
    /// the first hop of the network.
    fn my_relationships(
        &self,
        ctx: &Ctx,
        tx: &mut Tx<'_>,
    ) -> Result<Vec<MyRelationship>, StoreError> {
        tx.network_relationships(&ctx.ws, ctx.actor.user_id.as_ref())
    }

    /// Builds the graph: every live person, tie and interaction, streamed from the store
    /// into the graph's arrays, and the people the actor holds a (not ended)
    /// relationship with as the first hop.
    pub fn network_graph(&self, ctx: &Ctx) -> Result<Graph> {
        Ok(self.store.read(|tx| {
            let generation = tx.network_generation(&ctx.ws)?;
            self.whole_graph(ctx, tx, generation)
        })?)
    }

    /// [`App::network_graph`] in `tx`, which sees the network at `generation`.
    ///
    /// The meetings (the participant rows of interactions with two or more subjects,
    /// and the interactions I had with each subject) are read on a second thread, in a
    /// transaction of their own (SQLite: [`rapport_store::Store::read_apart`]), with my
    /// relationships, while `tx` reads the people and ties: used only if that
    /// transaction sees the same generation, the same network (then the answer is the
    /// one of its snapshot: people, ties and interactions did not change between the
    /// two, and my relationships are its own). Otherwise (PostgreSQL, a write between
    /// the two, any error there) `tx` reads them afterwards.
    fn whole_graph(
        &self,
        ctx: &Ctx,
        tx: &mut Tx<'_>,
        generation: i64,
    ) -> Result<Graph, StoreError> {
        let mut graph = GraphBuilder::new();
        let (read, beside) = std::thread::scope(|scope| {
            let beside = scope.spawn(|| {
                self.store.read_apart(|apart| {
                    if apart.network_generation(&ctx.ws)? != generation {
                        return Ok(None);
                    }
                    Ok(Some((
                        apart.network_meetings(&ctx.ws)?,
                        self.my_relationships(ctx, apart)?,
                    )))
                })
            });
            let read = tx.network_people_and_ties(&ctx.ws, &mut graph);
            (read, beside.join())
        });
        read?;
        let (meetings, mine) = match beside {
            Ok(Ok(Some(Some(read)))) => read,
            Err(panic) => std::panic::resume_unwind(panic),
            // Not read beside: read here, where an error is the answer.
            Ok(_) => (
                tx.network_meetings(&ctx.ws)?,
                self.my_relationships(ctx, tx)?,
            ),
        };
        meetings.feed(&mut graph);
        drop(meetings);
        for r in &mine {
            graph.mine(r);
        }
        Ok(graph.finish(self.now()))
    }

    /// The actor's own ties as a kept snapshot's overview reads them: the relationships
    /// they hold and everyone they met, with only the people among the first
    /// `limit` dormant ties (and those tied with the last) looked up and placed in the
    /// whole graph's order, not every person the actor knows (see
    /// [`MyTies::dormant_graph`]).
    fn my_graph(&self, ctx: &Ctx, tx: &mut Tx<'_>, limit: usize) -> Result<Graph, StoreError> {
        // Whether each is a live person is looked up only for the few that can be
        // among the first dormant ties, by `dormant_graph`.
        let my = MyTies {
            mine: self.my_relationships(ctx, tx)?,
            met: tx.met_subjects(&ctx.ws)?,
        };
        my.dormant_graph(limit, self.now(), |ids| {
            tx.live_people_in_network_order(&ctx.ws, ids)
        })
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
                && let Some(network) =
                    snapshot.overview(&self.my_graph(ctx, tx, limit)?, limit, now)
            {
                return Ok(Overview::Answered(network));
            }
            let generation = tx.network_generation(&ctx.ws)?;
            if kept.is_none()
                && let Some((kept_at, graph)) = self.kept_graph(ctx, tx, generation)?
            {
                return Ok(Overview::Patched {
                    generation,
                    kept_at,
                    graph,
                    me: self.my_graph(ctx, tx, limit)?,
                });
            }
            let graph = self.whole_graph(ctx, tx, generation)?;
            Ok(match kept {
                // Current, but it could not prove this answer: nothing new to keep.
                Some(_) => Overview::Answered(graph.overview(limit)),
                None => Overview::Whole(generation, graph),
            })
        })?;
        match read {
            Overview::Answered(network) => Ok(network),
            Overview::Whole(generation, graph) => {
                let (network, snapshot, people) = graph.overview_and_kept(limit, KEPT);
                drop(graph);
                self.store.write(|tx| {
                    if tx.keep_network_snapshot(&ctx.ws, generation, &snapshot)? {
                        tx.keep_network_base(&ctx.ws, generation, &people)?;
                    }
                    Ok(())
                })?;
                Ok(network)
            }
            Overview::Patched {
                generation,
                kept_at,
                mut graph,
                me,
            } => {
                let snapshot = graph.snapshot(KEPT);
                self.store.write(|tx| {
                    if tx.keep_network_snapshot(&ctx.ws, generation, &snapshot)?
                        && generation - kept_at >= REKEEP_AFTER
                    {
                        tx.keep_network_base(&ctx.ws, generation, &graph)?;
                    }
                    Ok(())
                })?;
                match snapshot.overview(&me, limit, now) {
                    Some(network) => Ok(network),
                    // Ties of equal score across a cut: the whole graph answers, as
                    // when a current snapshot cannot prove an answer.
                    None => Ok(self.network_graph(ctx)?.overview(limit)),
                }
            }
        }
    }

    /// The kept graph of the network brought up to `generation` (with the generation
    /// it was kept at), when one is kept and every write since noted the people it
    /// touched: their places and ties are read around them and replace what the kept
    /// graph knows of them. Also touched: everyone they met, since a meeting counts as
    /// evidence between its participants only while few enough of them are live.
    fn kept_graph(
        &self,
        ctx: &Ctx,
        tx: &mut Tx<'_>,
        generation: i64,
    ) -> Result<Option<(i64, PeopleGraph)>, StoreError> {
        let Some((kept_at, mut graph)) = tx.network_base(&ctx.ws)? else {
            return Ok(None);
        };
        if kept_at > generation {
            return Ok(None);
        }
        let Some(written) = tx.network_touched(&ctx.ws, kept_at, generation)? else {
            return Ok(None);
        };
        if written.is_empty() {
            return Ok(Some((kept_at, graph)));
        }
        let mut touched: HashSet<Id> = written.iter().cloned().collect();
        for m in tx.meetings_around(&ctx.ws, &written)? {
            touched.extend(m.people);
        }
        let touched_list: Vec<Id> = touched.iter().cloned().collect();
        let ties = tx.ties_around(&ctx.ws, &touched_list)?;
        let meetings = tx.meetings_around(&ctx.ws, &touched_list)?;
        let mut ids: HashSet<Id> = touched.clone();
        for t in &ties {
            ids.extend([t.a.clone(), t.b.clone()]);
        }
        for m in &meetings {
            ids.extend(m.people.iter().cloned());
        }
        let ids: Vec<Id> = ids.into_iter().collect();
        let mut around = GraphBuilder::new();
        for (id, name) in tx.live_people_in_network_order(&ctx.ws, &ids)? {
            around.person(id, name);
        }
        for t in &ties {
            around.tie(t.a.as_str(), t.b.as_str(), t.kind, t.strength, t.at);
        }
        for m in &meetings {
            around.meeting(m.at, m.people.iter().map(Id::as_str));
        }
        let placed = tx.network_places(&ctx.ws, &touched_list)?;
        graph.patch(&touched, &placed, &around.finish(self.now()));
        Ok(Some((kept_at, graph)))
    }

    /// The warm-introduction path from me to `target`, if any chain of ties reaches them.
    /// Reads only the neighbourhoods the search needs, up to [`NEAR_BUDGET`] people's;
    /// a search that needs more answers from the whole graph: the kept one brought up to
    /// date when there is one, else the whole graph read from the store, which is then
    /// kept, so that the next far introduction and the next overview start from it.
    pub fn intro(&self, ctx: &Ctx, target: &Person) -> Result<Option<IntroPath>> {
        self.intro_with_budget(ctx, target, NEAR_BUDGET)
    }

    /// [`App::intro`] reading at most `near_budget` people's neighbourhoods one by one
    /// (for tests and measurements: 0 always answers from the whole graph).
    pub fn intro_with_budget(
        &self,
        ctx: &Ctx,
        target: &Person,
        near_budget: usize,
    ) -> Result<Option<IntroPath>> {
        let now = self.now();
        let (path, keep) = self.store.read(|tx| {
            let my = MyTies {
                mine: self.my_relationships(ctx, tx)?,
                met: tx.met_people(&ctx.ws)?,
            };
            let trashed = tx.trashed_people(&ctx.ws)?.into_iter().collect();
            let mut src = StoreNeighbourhoods {
                tx,
                ws: &ctx.ws,
                trashed,
                budget: near_budget,
            };
            match intro_near(&mut src, &my, &target.meta.id, now) {
                Ok((path, _)) => return Ok((path, None)),
                Err(NearStop::Store(e)) => return Err(e),
                Err(NearStop::Budget) => {}
            }
            let generation = tx.network_generation(&ctx.ws)?;
            Ok(match self.kept_graph(ctx, tx, generation)? {
                Some((_, kept)) => (kept.with_me(&my, now).intro(&target.meta.id), None),
                None => {
                    let graph = self.whole_graph(ctx, tx, generation)?;
                    let path = graph.intro(&target.meta.id);
                    (path, Some((generation, graph.people_graph())))
                }
            })
        })?;
        if let Some((generation, graph)) = keep {
            // Kept only if the network has not changed since it was read.
            self.store
                .write(|tx| tx.keep_network_base(&ctx.ws, generation, &graph))?;
        }
        Ok(path)
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
