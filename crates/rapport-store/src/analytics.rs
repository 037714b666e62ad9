//! Reads for metrics, the network and stakeholder maps: whole-workspace scans that
//! return only the columns the computation needs (the network reads projected columns,
//! not documents, so that a million ties load quickly).

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use rapport_core::network::{
    GraphBuilder, MeetingFact, MetMe, NetworkSnapshot, PeopleGraph, Placed, TieFact,
};
use rapport_core::*;

use crate::entity::Entity;
use crate::value::Value;
use crate::{Dialect, StoreError, Tx};

/// A transaction touching more people than this drops the kept graph of the network
/// (see [`Tx::network_changed`]): patching it would cost more than reading it all again.
const MAX_TOUCHED: usize = 2_000;

impl Tx<'_> {
    /// Every live record of one type in the workspace, in id order.
    pub fn all_live<E: Entity>(&mut self, ws: &Id) -> Result<Vec<E>, StoreError> {
        let sql = format!(
            "SELECT doc FROM {} WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY id",
            E::TABLE
        );
        self.c
            .query(&sql, &[ws.into()])?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Tags of every person and organization: (subject id, tag).
    pub fn subject_tags(&mut self, ws: &Id) -> Result<Vec<(Id, String)>, StoreError> {
        let rows = self.c.query(
            "SELECT entity_id, tag FROM tags WHERE workspace_id = $1 AND entity_kind IN ($2, $3)",
            &[
                ws.into(),
                EntityKind::Person.as_str().into(),
                EntityKind::Organization.as_str().into(),
            ],
        )?;
        rows.iter().map(|r| Ok((r.id(0)?, r.text(1)?))).collect()
    }

    /// Login names of the workspace's users by id.
    pub fn user_names(&mut self, ws: &Id) -> Result<HashMap<Id, String>, StoreError> {
        let rows = self.c.query(
            "SELECT id, name FROM users WHERE workspace_id = $1",
            &[ws.into()],
        )?;
        rows.iter().map(|r| Ok((r.id(0)?, r.text(1)?))).collect()
    }

    /// Every live tie, from its projected columns; dated by its last change.
    pub fn tie_facts(&mut self, ws: &Id) -> Result<Vec<TieFact>, StoreError> {
        let rows = self.c.query(
            "SELECT from_person_id, to_person_id, kind, strength, updated_at FROM ties
             WHERE workspace_id = $1 AND deleted_at IS NULL",
            &[ws.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(TieFact {
                    a: r.id(0)?,
                    b: r.id(1)?,
                    kind: TieKind::parse(&r.text(2)?)?,
                    strength: Strength::clamped(r.i64(3)?),
                    at: r.timestamp(4)?,
                })
            })
            .collect()
    }

    /// Streams the whole network of the workspace into `graph`, every row read in place:
    /// the live people in (name key, id) order — the order [`Tx::person_names`] lists
    /// them in, so node numbers and the ties' tie-breaks are those of the whole-workspace
    /// reads — then every live tie (dated by its last change) and the live
    /// interactions' evidence ([`Tx::network_meetings`]): between each two participants
    /// of one, and between me and each.
    pub fn network_into(&mut self, ws: &Id, graph: &mut GraphBuilder) -> Result<(), StoreError> {
        self.network_people_and_ties(ws, graph)?;
        self.network_meetings(ws)?.feed(graph);
        Ok(())
    }

    /// The first part of [`Tx::network_into`]: the people, then the ties. The meetings
    /// ([`Tx::network_meetings`]) may be read meanwhile, in another transaction that
    /// sees the same network.
    pub fn network_people_and_ties(
        &mut self,
        ws: &Id,
        graph: &mut GraphBuilder,
    ) -> Result<(), StoreError> {
        self.people_into(ws, graph)?;
        self.ties_into(ws, graph)
    }

    /// The meetings of [`Tx::network_into`], for [`NetworkMeetings::feed`]: the
    /// participants of every live interaction with two or more subjects, grouped by
    /// interaction, and how many live interactions I had with each subject, and the
    /// latest.
    ///
    /// An interaction's participants are each tied to me and to each other; the first
    /// is what `subject_activity` holds per subject (one interaction more and the latest
    /// time: the same evidence, folded), so only the interactions with another subject
    /// are read, from `group_meetings` (on the demo a tenth of them), not every
    /// participant row of the workspace.
    pub fn network_meetings(&mut self, ws: &Id) -> Result<NetworkMeetings, StoreError> {
        // The rows come in the key's order, by interaction, on SQLite. They are grouped
        // here anyway, each interaction by its id's 16 bytes (an id not in the stored
        // form by a number of its own), the subjects' text in one buffer: comparing the
        // ids' text took twice as long as the rest of the read.
        let mut m = NetworkMeetings::default();
        let mut other: HashMap<String, u128> = HashMap::new();
        self.c.for_each(
            "SELECT interaction_id, subject_id, at FROM group_meetings WHERE workspace_id = $1",
            &[ws.into()],
            &mut |r| {
                let interaction = r.str(0)?;
                let key = match Id::pack(interaction) {
                    Some(bytes) => (false, u128::from_be_bytes(bytes)),
                    None => {
                        let next = other.len() as u128;
                        (true, *other.entry(interaction.to_string()).or_insert(next))
                    }
                };
                let from = m.text.len();
                m.text.push_str(r.str(1)?);
                m.rows.push((key, from, m.text.len(), r.timestamp(2)?));
                Ok(())
            },
        )?;
        m.rows.sort_unstable_by_key(|r| r.0);
        // Organizations and people in the trash among them are not in the graph, which
        // leaves them out.
        m.met = self.met_subjects(ws)?;
        Ok(m)
    }

    /// Every live person of the workspace into `graph`, in (name key, id) order.
    ///
    /// On SQLite the rows are read in id order and put in that order here: through
    /// `people_ws_name`, in name order, each row's name and trash mark were a seek to a
    /// row anywhere in the table (most of the read); through `people_ws_id` the rows come
    /// in about the order they were written, page after page. SQLite compares text byte
    /// by byte, as `str` does, so the order is the same. PostgreSQL sorts by its own
    /// collation, and does so itself.
    fn people_into(&mut self, ws: &Id, graph: &mut GraphBuilder) -> Result<(), StoreError> {
        if self.c.dialect() == Dialect::Postgres {
            return self.c.for_each(
                "SELECT id, name FROM people WHERE workspace_id = $1 AND deleted_at IS NULL
                 ORDER BY name_key, id",
                &[ws.into()],
                &mut |r| {
                    graph.person(r.id(0)?, r.str(1)?.to_string());
                    Ok(())
                },
            );
        }
        // Each row's name key, id and name one after another in one buffer:
        // (where its key starts, its id, its name, where it ends).
        let mut text = String::new();
        let mut rows: Vec<[usize; 4]> = Vec::new();
        self.c.for_each(
            "SELECT name_key, id, name FROM people WHERE workspace_id = $1 AND deleted_at IS NULL
             ORDER BY id",
            &[ws.into()],
            &mut |r| {
                let key = text.len();
                text.push_str(r.str(0)?);
                let id = text.len();
                text.push_str(r.str(1)?);
                let name = text.len();
                text.push_str(r.str(2)?);
                rows.push([key, id, name, text.len()]);
                Ok(())
            },
        )?;
        let part = |r: &[usize; 4], i: usize| &text[r[i]..r[i + 1]];
        // Ids are unique: no two rows compare equal.
        rows.sort_unstable_by(|x, y| (part(x, 0), part(x, 1)).cmp(&(part(y, 0), part(y, 1))));
        graph.reserve(rows.len(), 0);
        for r in &rows {
            let id = part(r, 1);
            let id = Id::parse(id)
                .map_err(|_| StoreError::Corrupt(format!("a person's id `{id}` is not an id")))?;
            graph.person(id, part(r, 2).to_string());
        }
        Ok(())
    }

    /// Every live tie of the workspace into `graph`, through the covering `ties_network`
    /// index (no tie document is read). The rows are read here and handed, in batches
    /// of their text, to the builder on a second thread, so that the builder's lookups
    /// overlap the reading; the builder sees every row in the order read.
    fn ties_into(&mut self, ws: &Id, graph: &mut GraphBuilder) -> Result<(), StoreError> {
        const ROWS: usize = 4096;
        let (full, into_builder) = std::sync::mpsc::sync_channel::<TieBatch>(4);
        let (empty, back) = std::sync::mpsc::channel::<TieBatch>();
        std::thread::scope(|scope| {
            let builder = scope.spawn(move || {
                for batch in into_builder {
                    for t in &batch.rows {
                        let ends = &batch.text[t.ends.0 as usize..t.ends.2 as usize];
                        let (a, b) = ends.split_at((t.ends.1 - t.ends.0) as usize);
                        graph.tie(a, b, t.kind, t.strength, t.at);
                    }
                    // The reader may be gone after an error: then the batch is dropped.
                    let _ = empty.send(batch);
                }
            });
            let mut batch = TieBatch::default();
            let read = self.c.for_each(
                "SELECT from_person_id, to_person_id, kind, strength, updated_at FROM ties
                 WHERE workspace_id = $1 AND deleted_at IS NULL",
                &[ws.into()],
                &mut |r| {
                    let start = batch.text.len();
                    batch.text.push_str(r.str(0)?);
                    let mid = batch.text.len();
                    batch.text.push_str(r.str(1)?);
                    batch.rows.push(TieRow {
                        ends: (start as u32, mid as u32, batch.text.len() as u32),
                        kind: TieKind::parse(r.str(2)?)?,
                        strength: Strength::clamped(r.i64(3)?),
                        at: r.timestamp(4)?,
                    });
                    if batch.rows.len() == ROWS {
                        let mut next = back.try_recv().unwrap_or_default();
                        next.clear();
                        // The builder ends only when this channel closes.
                        let _ = full.send(std::mem::replace(&mut batch, next));
                    }
                    Ok(())
                },
            );
            if read.is_ok() && !batch.rows.is_empty() {
                let _ = full.send(batch);
            }
            drop(full);
            if let Err(panic) = builder.join() {
                std::panic::resume_unwind(panic);
            }
            read
        })
    }

    /// Marks the network of `ws` changed, touching these people: its generation moves
    /// on when the transaction ends (see [`Tx::network_generations_on`]), so that a
    /// snapshot computed before is no longer read, and the people are noted for the
    /// kept graph to be patched from. Called by the write path for every write of
    /// people, ties and interactions.
    pub(crate) fn network_changed(&mut self, ws: &Id, people: Vec<Id>) {
        let at = match self.network_changed.iter().position(|(w, _)| w == ws) {
            Some(at) => at,
            None => {
                self.network_changed.push((ws.clone(), Some(Vec::new())));
                self.network_changed.len() - 1
            }
        };
        let touched = &mut self.network_changed[at].1;
        if let Some(list) = touched {
            list.extend(people);
            if list.len() > MAX_TOUCHED {
                // A load or a large import: the whole graph is read again.
                *touched = None;
            }
        }
    }

    /// Moves on, once each, the generations of the networks this transaction changed,
    /// and notes the people each touched (or, when they were too many, drops the kept
    /// graph). Run last, just before the commit: on PostgreSQL the update locks the
    /// workspace's counter row until the commit, so other transactions that change
    /// the same network wait only for a commit, not for the rest of a long
    /// transaction, and a transaction never waits for the counter while holding a
    /// lock that the counter's holder still needs.
    pub(crate) fn network_generations_on(&mut self) -> Result<(), StoreError> {
        for (ws, touched) in std::mem::take(&mut self.network_changed) {
            let generation = self
                .c
                .query_one(
                    "INSERT INTO network_generations (workspace_id, generation) VALUES ($1, 1)
                     ON CONFLICT (workspace_id)
                     DO UPDATE SET generation = network_generations.generation + 1
                     RETURNING generation",
                    &[(&ws).into()],
                )?
                .map_or(Ok(0), |r| r.i64(0))?;
            match touched {
                Some(mut people) => {
                    people.sort();
                    people.dedup();
                    let list: Vec<&str> = people.iter().map(Id::as_str).collect();
                    self.c.execute(
                        "INSERT INTO network_changes (workspace_id, generation, people)
                         VALUES ($1, $2, $3)",
                        &[(&ws).into(), generation.into(), list.join(" ").into()],
                    )?;
                }
                None => {
                    self.c.execute(
                        "DELETE FROM network_bases WHERE workspace_id = $1",
                        &[(&ws).into()],
                    )?;
                    self.c.execute(
                        "DELETE FROM network_changes WHERE workspace_id = $1",
                        &[(&ws).into()],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The kept graph of `ws` and the generation it is the graph of, if there is one
    /// of this version's format.
    pub fn network_base(&mut self, ws: &Id) -> Result<Option<(i64, PeopleGraph)>, StoreError> {
        // Read in place: the document is tens of megabytes.
        let mut out = None;
        self.c.for_each(
            "SELECT generation, doc FROM network_bases WHERE workspace_id = $1",
            &[ws.into()],
            &mut |r| {
                let generation = r.i64(0)?;
                out = PeopleGraph::decode(r.bytes(1)?).map(|g| (generation, g));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// The people touched by the writes after generation `since` up to `until`, if
    /// every one of those generations noted them (a load, or a write by a version that
    /// did not note them, leaves a gap: then `None`).
    pub fn network_touched(
        &mut self,
        ws: &Id,
        since: i64,
        until: i64,
    ) -> Result<Option<Vec<Id>>, StoreError> {
        let rows = self.c.query(
            "SELECT generation, people FROM network_changes
             WHERE workspace_id = $1 AND generation > $2 AND generation <= $3
             ORDER BY generation",
            &[ws.into(), since.into(), until.into()],
        )?;
        if rows.len() as i64 != until - since {
            return Ok(None);
        }
        let mut people = Vec::new();
        for r in &rows {
            for id in r.text(1)?.split_whitespace() {
                people.push(Id::parse(id)?);
            }
        }
        people.sort();
        people.dedup();
        Ok(Some(people))
    }

    /// Keeps `graph` as the kept graph of `ws` at `generation`, unless the network has
    /// changed since, and forgets the writes it includes. Returns whether it was kept.
    pub fn keep_network_base(
        &mut self,
        ws: &Id,
        generation: i64,
        graph: &PeopleGraph,
    ) -> Result<bool, StoreError> {
        if !self.keep_at_generation("network_bases", ws, generation, graph.encode().into())? {
            return Ok(false);
        }
        self.c.execute(
            "DELETE FROM network_changes WHERE workspace_id = $1 AND generation <= $2",
            &[ws.into(), generation.into()],
        )?;
        Ok(true)
    }

    /// The live people among `ids` in the network's order, each with their name and
    /// the live person just before them in that order (see [`Placed`]).
    pub fn network_places(&mut self, ws: &Id, ids: &[Id]) -> Result<Vec<Placed>, StoreError> {
        let live = self.live_people_keyed(ws, ids)?;
        let mut out = Vec::with_capacity(live.len());
        for (key, id, name) in live {
            // Backwards from the person through `people_ws_name`.
            let after = self
                .c
                .query_one(
                    "SELECT id FROM people
                     WHERE workspace_id = $1 AND (name_key, id) < ($2, $3) AND deleted_at IS NULL
                     ORDER BY name_key DESC, id DESC LIMIT 1",
                    &[ws.into(), key.into(), (&id).into()],
                )?
                .map(|r| r.id(0))
                .transpose()?;
            out.push(Placed { id, name, after });
        }
        Ok(out)
    }

    /// How many transactions have changed the network of `ws` (0 when none has).
    pub fn network_generation(&mut self, ws: &Id) -> Result<i64, StoreError> {
        self.c
            .query_one(
                "SELECT generation FROM network_generations WHERE workspace_id = $1",
                &[ws.into()],
            )?
            .map_or(Ok(0), |r| r.i64(0))
    }

    /// The network snapshot of `ws` if it was computed at the current generation (and
    /// is of this version's format).
    pub fn network_snapshot(&mut self, ws: &Id) -> Result<Option<NetworkSnapshot>, StoreError> {
        let generation = self.network_generation(ws)?;
        let Some(row) = self.c.query_one(
            "SELECT doc FROM network_snapshots WHERE workspace_id = $1 AND generation = $2",
            &[ws.into(), generation.into()],
        )?
        else {
            return Ok(None);
        };
        Ok(NetworkSnapshot::from_json(&row.text(0)?))
    }

    /// Keeps `snapshot`, computed at `generation`, as the snapshot of `ws`, unless the
    /// network has changed since. Returns whether it was kept.
    pub fn keep_network_snapshot(
        &mut self,
        ws: &Id,
        generation: i64,
        snapshot: &NetworkSnapshot,
    ) -> Result<bool, StoreError> {
        let doc = snapshot
            .to_json()
            .map_err(|e| StoreError::Corrupt(format!("network snapshot: {e}")))?;
        self.keep_at_generation("network_snapshots", ws, generation, doc.into())
    }

    /// Writes `doc` as the one row of `ws` in `table` (`network_snapshots`, text, or
    /// `network_bases`, bytes) at `generation`, unless the network has changed since.
    /// Returns whether it was written.
    fn keep_at_generation(
        &mut self,
        table: &str,
        ws: &Id,
        generation: i64,
        doc: Value,
    ) -> Result<bool, StoreError> {
        if self.network_generation(ws)? != generation {
            return Ok(false);
        }
        self.c.execute(
            &format!(
                "INSERT INTO {table} (workspace_id, generation, doc) VALUES ($1, $2, $3)
                 ON CONFLICT (workspace_id)
                 DO UPDATE SET generation = excluded.generation, doc = excluded.doc"
            ),
            &[ws.into(), generation.into(), doc],
        )?;
        Ok(true)
    }

    /// The live people among `ids`, (id, name) in (name key, id) order: the order of
    /// the whole network's people (see [`Tx::network_into`]).
    pub fn live_people_in_network_order(
        &mut self,
        ws: &Id,
        ids: &[Id],
    ) -> Result<Vec<(Id, String)>, StoreError> {
        Ok(self
            .live_people_keyed(ws, ids)?
            .into_iter()
            .map(|(_, id, name)| (id, name))
            .collect())
    }

    /// [`Tx::live_people_in_network_order`] with each person's name key first.
    fn live_people_keyed(
        &mut self,
        ws: &Id,
        ids: &[Id],
    ) -> Result<Vec<(String, Id, String)>, StoreError> {
        let mut out: Vec<(String, Id, String)> = Vec::with_capacity(ids.len());
        // By primary key, the workspace and trash checked on each row.
        self.for_each_by_ids(
            &[],
            ids,
            |list| {
                format!(
                    "SELECT id, name, name_key, workspace_id, deleted_at FROM people WHERE id IN ({list})"
                )
            },
            &mut |r| {
                if r.str(3)? == ws.as_str() && r.opt_i64(4)?.is_none() {
                    out.push((r.str(2)?.to_string(), r.id(0)?, r.str(1)?.to_string()));
                }
                Ok(())
            },
        )?;
        out.sort_by(|x, y| (x.0.as_str(), x.1.as_str()).cmp(&(y.0.as_str(), y.1.as_str())));
        out.dedup_by(|x, y| x.1 == y.1);
        Ok(out)
    }

    /// The live ties of the given kinds (an index-free scan of one column, no documents
    /// parsed for the other kinds).
    pub fn ties_of_kinds(&mut self, ws: &Id, kinds: &[TieKind]) -> Result<Vec<Tie>, StoreError> {
        if kinds.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT doc FROM ties WHERE workspace_id = $1 AND deleted_at IS NULL AND kind IN ({}) ORDER BY id",
            crate::conn::placeholders(2, kinds.len())
        );
        let mut params: Vec<crate::Value> = vec![ws.into()];
        params.extend(kinds.iter().map(|k| crate::Value::from(k.as_str())));
        self.c
            .query(&sql, &params)?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Every live interaction with the people and organizations who took part.
    pub fn meeting_facts(&mut self, ws: &Id) -> Result<Vec<MeetingFact>, StoreError> {
        let rows = self.c.query(
            "SELECT s.interaction_id, s.subject_id, s.at FROM interaction_subjects s
             JOIN interactions i ON i.id = s.interaction_id
             WHERE s.workspace_id = $1 AND i.deleted_at IS NULL",
            &[ws.into()],
        )?;
        meetings(rows)
    }

    /// The live ties with one of `people` at either end: what the warm-introduction
    /// search reads of a person. Ends are as recorded (a trashed person may be one; see
    /// [`Tx::trashed_people`]); a tie between two of `people` is listed twice.
    pub fn ties_around(&mut self, ws: &Id, people: &[Id]) -> Result<Vec<TieFact>, StoreError> {
        let mut out = Vec::new();
        for chunk in people.chunks(500) {
            let list = crate::conn::placeholders(2, chunk.len());
            // Once by each end, so that each half is a seek in its end's index.
            let half = |end: &str| {
                format!(
                    "SELECT from_person_id, to_person_id, kind, strength, updated_at FROM ties
                     WHERE {end} IN ({list}) AND workspace_id = $1 AND deleted_at IS NULL"
                )
            };
            let sql = format!(
                "{} UNION ALL {}",
                half("from_person_id"),
                half("to_person_id")
            );
            let mut params: Vec<crate::Value> = vec![ws.into()];
            params.extend(chunk.iter().map(crate::Value::from));
            for r in self.c.query(&sql, &params)? {
                out.push(TieFact {
                    a: r.id(0)?,
                    b: r.id(1)?,
                    kind: TieKind::parse(&r.text(2)?)?,
                    strength: Strength::clamped(r.i64(3)?),
                    at: r.timestamp(4)?,
                });
            }
        }
        Ok(out)
    }

    /// A live person and everyone live they share a live tie or a live interaction with:
    /// (id, name) in (name key, id) order, as [`Tx::person_names`] lists them (the
    /// person among them only when live).
    pub fn neighbours_named(
        &mut self,
        ws: &Id,
        person: &Id,
    ) -> Result<Vec<(Id, String)>, StoreError> {
        // The ids through the indexes on tie ends and participants, then each person by
        // primary key: never a pass over the workspace's people.
        let rows = self.c.query(
            "SELECT p.id, p.name FROM (
                 SELECT CAST($2 AS TEXT) AS id
                 UNION SELECT to_person_id FROM ties
                       WHERE from_person_id = $2 AND workspace_id = $1 AND deleted_at IS NULL
                 UNION SELECT from_person_id FROM ties
                       WHERE to_person_id = $2 AND workspace_id = $1 AND deleted_at IS NULL
                 UNION SELECT s.subject_id FROM interaction_subjects m
                       JOIN interaction_subjects s ON s.interaction_id = m.interaction_id
                       JOIN interactions i ON i.id = m.interaction_id
                       WHERE m.subject_id = $2 AND m.workspace_id = $1 AND i.deleted_at IS NULL
             ) n JOIN people p ON p.id = n.id
             WHERE p.workspace_id = $1 AND p.deleted_at IS NULL
             ORDER BY p.name_key, p.id",
            &[ws.into(), person.into()],
        )?;
        rows.iter().map(|r| Ok((r.id(0)?, r.text(1)?))).collect()
    }

    /// The live interactions one of `people` took part in, each once with every live
    /// person who took part (organizations left out).
    pub fn meetings_around(
        &mut self,
        ws: &Id,
        people: &[Id],
    ) -> Result<Vec<MeetingFact>, StoreError> {
        let mut rows = Vec::new();
        // The workspace is checked on the interaction, not on its participants' rows:
        // given both, SQLite walked every participant row of the workspace (by the
        // index that has the workspace first) instead of seeking each interaction's.
        // Whether a participant is a person is a seek in the people's key index, and
        // the trash is the few people of `people_trashed`: not a read of each
        // participant's row for its trash mark.
        for chunk in people.chunks(500) {
            let sql = format!(
                "SELECT s.interaction_id, s.subject_id, s.at FROM interaction_subjects s
                 JOIN interactions i ON i.id = s.interaction_id
                 JOIN people p ON p.id = s.subject_id
                 WHERE s.interaction_id IN (SELECT interaction_id FROM interaction_subjects
                                            WHERE subject_id IN ({}) AND workspace_id = $1)
                 AND i.workspace_id = $1 AND i.deleted_at IS NULL
                 AND s.subject_id NOT IN (SELECT id FROM people
                                          WHERE workspace_id = $1 AND deleted_at IS NOT NULL)",
                crate::conn::placeholders(2, chunk.len())
            );
            let mut params: Vec<crate::Value> = vec![ws.into()];
            params.extend(chunk.iter().map(crate::Value::from));
            rows.extend(self.c.query(&sql, &params)?);
        }
        // An interaction found through two of `people` comes back twice: once is enough.
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| {
            let key = (r.text(0).ok(), r.text(1).ok());
            seen.insert(key)
        });
        meetings(rows)
    }

    /// The people in the trash: usually few, read once so that reads of ties need not
    /// look up each end.
    pub fn trashed_people(&mut self, ws: &Id) -> Result<Vec<Id>, StoreError> {
        self.c
            .query(
                "SELECT id FROM people WHERE workspace_id = $1 AND deleted_at IS NOT NULL",
                &[ws.into()],
            )?
            .iter()
            .map(|r| r.id(0))
            .collect()
    }

    /// Every live person who took part in a live interaction: in how many, and when last.
    ///
    /// Read from `subject_activity`, which the write path keeps as exactly that per
    /// subject (the latest live interaction and how many, each interaction once), so
    /// that a workspace's million participant rows are not walked and joined to their
    /// interactions on every read of my ties: one row per subject, its person looked up.
    ///
    /// Whether each subject is a person is looked up in the people's primary key index
    /// alone, and the people in the trash are left out afterwards (read once, from
    /// their own index): asking for `deleted_at` made each of 100,000 lookups a read of
    /// the person's row.
    pub fn met_people(&mut self, ws: &Id) -> Result<Vec<MetMe>, StoreError> {
        let trashed: HashSet<Id> = self.trashed_people(ws)?.into_iter().collect();
        let mut met = self.met(ws, "JOIN people p ON p.id = a.subject_id", "")?;
        if !trashed.is_empty() {
            met.retain(|m| !trashed.contains(&m.person));
        }
        Ok(met)
    }

    /// [`Tx::met_people`] without looking up whether each subject is a live person: also
    /// organizations and people in the trash. For a reader that looks up the few it
    /// uses (the overview's dormant ties of mine): the lookup of each of 100,000 people
    /// was most of the read.
    pub fn met_subjects(&mut self, ws: &Id) -> Result<Vec<MetMe>, StoreError> {
        self.met(ws, "", "")
    }

    fn met(&mut self, ws: &Id, join: &str, live: &str) -> Result<Vec<MetMe>, StoreError> {
        // Read in place: one row per subject met, a hundred thousand on a large workspace.
        let mut met = Vec::new();
        self.c.for_each(
            &format!(
                "SELECT a.subject_id, a.interactions, a.last_at FROM subject_activity a {join}
                 WHERE a.workspace_id = $1 AND a.interactions > 0 AND a.last_at IS NOT NULL
                   {live}
                 ORDER BY a.subject_id"
            ),
            &[ws.into()],
            &mut |r| {
                met.push(MetMe {
                    person: r.id(0)?,
                    times: u32::try_from(r.i64(1)?).unwrap_or(u32::MAX),
                    last: r.timestamp(2)?,
                });
                Ok(())
            },
        )?;
        Ok(met)
    }

    /// The live stakes of one project.
    pub fn stakes_of(&mut self, ws: &Id, project: &Project) -> Result<Vec<Stake>, StoreError> {
        let (kind, value) = project.key();
        let rows = self.c.query(
            "SELECT doc FROM stakes WHERE workspace_id = $1 AND project_kind = $2 AND project_value = $3
             AND deleted_at IS NULL ORDER BY id",
            &[ws.into(), kind.into(), value.into()],
        )?;
        rows.iter().map(|r| r.json(0)).collect()
    }

    /// The projects that have live stakes, each with how many people are placed in it:
    /// tags first, then deals, each kind in the order of its stored value.
    pub fn stake_projects(&mut self, ws: &Id) -> Result<Vec<(Project, u32)>, StoreError> {
        let rows = self.c.query(
            "SELECT project_kind, project_value, COUNT(*) FROM stakes
             WHERE workspace_id = $1 AND deleted_at IS NULL
             GROUP BY project_kind, project_value
             ORDER BY project_kind DESC, project_value",
            &[ws.into()],
        )?;
        rows.iter()
            .map(|r| {
                let value = r.text(1)?;
                let project = match r.text(0)?.as_str() {
                    "tag" => Project::Tag(value),
                    "deal" => Project::Deal(r.id(1)?),
                    other => {
                        return Err(StoreError::Corrupt(format!(
                            "a stake's project is a `{other}`, neither a tag nor a deal"
                        )));
                    }
                };
                let people = u32::try_from(r.i64(2)?)
                    .map_err(|_| StoreError::Corrupt("a negative count of stakes".into()))?;
                Ok((project, people))
            })
            .collect()
    }

    /// A person's stake in a project, live or trashed.
    pub fn stake_of(
        &mut self,
        ws: &Id,
        person: &Id,
        project: &Project,
    ) -> Result<Option<Stake>, StoreError> {
        let (kind, value) = project.key();
        self.c
            .query_one(
                "SELECT doc FROM stakes WHERE workspace_id = $1 AND person_id = $2 AND project_kind = $3
                 AND project_value = $4",
                &[ws.into(), person.into(), kind.into(), value.into()],
            )?
            .map(|r| r.json(0))
            .transpose()
    }
}

/// (interaction, subject, at) rows grouped into one meeting per interaction, in
/// interaction id order.
fn meetings(rows: Vec<crate::value::Row>) -> Result<Vec<MeetingFact>, StoreError> {
    let mut by: HashMap<String, (Timestamp, Vec<Id>)> = HashMap::new();
    for r in rows {
        let e = by
            .entry(r.text(0)?)
            .or_insert_with(|| (Timestamp::UNIX_EPOCH, vec![]));
        e.0 = r.timestamp(2)?;
        e.1.push(r.id(1)?);
    }
    let mut out: Vec<(String, MeetingFact)> = by
        .into_iter()
        .map(|(k, (at, people))| (k, MeetingFact { at, people }))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, m)| m).collect())
}

/// The meetings of a workspace's network (see [`Tx::network_meetings`]): the
/// participant rows of every live interaction with two or more subjects, grouped by
/// interaction, and the interactions I had with each subject. The order of the meetings
/// does not matter: a graph's evidence is folded the same in any order.
#[derive(Default)]
pub struct NetworkMeetings {
    /// The rows' subject ids, one after another.
    text: String,
    /// (interaction, subject's text from, to, when): the interaction as its id's bytes
    /// (`false`) or as a number given to an id not in the stored form (`true`).
    rows: Vec<((bool, u128), usize, usize, Timestamp)>,
    /// Per subject, how many live interactions it took part in, and the latest.
    met: Vec<MetMe>,
}

impl NetworkMeetings {
    /// Hands `graph` each interaction: a tie between each two of its participants, and
    /// between me and each of them (as the interactions I had with each).
    pub fn feed(&self, graph: &mut GraphBuilder) {
        let text = &self.text;
        // One interaction's rows are consecutive: each run is one meeting.
        for run in self.rows.chunk_by(|x, y| x.0 == y.0) {
            // Every row of an interaction carries its time.
            if let Some(&(.., at)) = run.last() {
                graph.met_together(at, run.iter().map(|r| &text[r.1..r.2]));
            }
        }
        for m in &self.met {
            graph.met_me(m);
        }
    }
}

/// Tie rows read but not yet handed to the graph: their ends' text one after another.
#[derive(Default)]
struct TieBatch {
    text: String,
    rows: Vec<TieRow>,
}

/// One tie row of a [`TieBatch`]: its ends are `text[ends.0..ends.1]` and
/// `text[ends.1..ends.2]`.
struct TieRow {
    ends: (u32, u32, u32),
    kind: TieKind,
    strength: Strength,
    at: Timestamp,
}

impl TieBatch {
    fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }
}
