//! Searching, demo data and backups.

use std::collections::HashMap;
use std::fmt;

use std::path::Path;

use rapport_core::*;
use rapport_store::{Dialect, Entity, Prepared, StoreError, Tx};

use crate::demo::{DemoBatch, DemoConfig, DemoGenerator};

use crate::{App, AppError, Ctx, Result};

/// The live records of kind `E` among search hits, by id, read in one statement.
fn live_hits<E: Entity>(
    tx: &mut Tx<'_>,
    ws: &Id,
    hits: &[rapport_store::Hit],
) -> std::result::Result<HashMap<Id, E>, StoreError> {
    let ids: Vec<Id> = hits
        .iter()
        .filter(|h| h.kind == E::KIND)
        .map(|h| h.id.clone())
        .collect();
    Ok(tx
        .get_many::<E>(ws, &ids)?
        .into_iter()
        .map(|r| (r.meta().id.clone(), r))
        .collect())
}

/// One search result, named for people.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct SearchResult {
    pub kind: EntityKind,
    pub id: Id,
    pub name: String,
    pub detail: String,
    pub score: f64,
}

/// What `demo` created.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    pub people: usize,
    pub organizations: usize,
    pub relationships: usize,
    pub interactions: usize,
    pub commitments: usize,
    pub other_records: usize,
    pub seconds: f64,
    /// True when this seed's data was already in the workspace (nothing was added).
    pub already_loaded: bool,
    /// True when the database held no records, so the data was built into a new file
    /// and put in place at once (SQLite); false when it was added batch by batch.
    pub bulk_built: bool,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.already_loaded {
            return write!(
                f,
                "Demo data with this seed is already here; nothing added (use --seed for more)"
            );
        }
        write!(
            f,
            "Created {} people, {} organizations, {} relationships, {} interactions, {} commitments and {} other records in {:.1}s",
            self.people,
            self.organizations,
            self.relationships,
            self.interactions,
            self.commitments,
            self.other_records,
            self.seconds
        )
    }
}

fn insert_all<E: Entity>(
    tx: &mut Tx<'_>,
    ws: &Id,
    prepared: &Prepared<E>,
) -> Result<usize, StoreError> {
    tx.insert_prepared(ws, prepared)?;
    Ok(prepared.len())
}

impl App {
    /// Generates and stores demo data, one transaction per batch of people. Demo data is
    /// generated, not typed by anyone: it is not written to the audit trail.
    pub fn load_demo(&self, ctx: &Ctx, people: u32, seed: u64) -> Result<DemoSummary> {
        self.load_demo_with(ctx, people, seed, None)
    }

    /// `load_demo` with about `interactions_per_person` interactions per person on
    /// average (1..=1000; `None`: the cadences' own, about 9), for benchmark databases.
    pub fn load_demo_with(
        &self,
        ctx: &Ctx,
        people: u32,
        seed: u64,
        interactions_per_person: Option<u32>,
    ) -> Result<DemoSummary> {
        self.check_write(ctx)?;
        if let Some(n) = interactions_per_person.filter(|n| !(1..=1000).contains(n)) {
            return Err(DomainError::invalid(
                "interactions",
                format!("{n} is out of range 1..1000"),
            )
            .into());
        }
        if people == 0 || people > 10_000_000 {
            return Err(DomainError::invalid(
                "people",
                format!("{people} is out of range 1..10000000"),
            )
            .into());
        }
        let started = std::time::Instant::now();
        // The workspace salts the ids, so one seed can fill several workspaces.
        let id_salt = rapport_core::hash::fnv1a(ctx.ws.as_str().as_bytes());
        let cfg = DemoConfig {
            people,
            seed,
            id_salt,
            today: self.today(),
            now: self.now(),
            interactions_per_person,
        };
        let mut generator = DemoGenerator::new(cfg);
        let mut summary = DemoSummary::default();
        let orgs = generator.organizations();
        // The same seed was loaded into this workspace before: nothing to add.
        let marker = crate::demo::source_id(seed, 0);
        if self
            .store
            .read(|tx| tx.interaction_by_source(&ctx.ws, Source::Demo, &marker))?
            .is_some()
        {
            summary.already_loaded = true;
            summary.seconds = started.elapsed().as_secs_f64();
            return Ok(summary);
        }
        // An empty database is built in a new file and put in place at the end; otherwise
        // one load transaction per batch (PostgreSQL copies the rows in).
        let mut bulk = self.store.begin_bulk_load()?;
        summary.bulk_built = bulk.is_some();
        let mut write =
            |f: &mut dyn FnMut(&mut Tx<'_>) -> Result<BatchCounts, StoreError>| match bulk.as_mut()
            {
                Some(b) => b.write(f),
                None => self.store.load(f),
            };
        let orgs = Prepared::new(orgs)?;
        summary.organizations =
            write(&mut |tx| Ok((insert_all(tx, &ctx.ws, &orgs)?, 0, 0, 0, 0)))?.0;
        // Batches of about 45,000 interactions: few commits, bounded memory.
        let per_person = interactions_per_person.unwrap_or(9).max(1);
        let batch_people = (45_000 / per_person as usize).clamp(50, 5_000);
        // One thread generates the next batch and makes its rows' contents while this one
        // writes the last, and hands it over when this one asks (a channel of no
        // capacity): two batches at most, so memory stays bounded. Written batches go
        // back to be freed there too, by the thread that allocated them, instead of
        // taking the writer's time. When writing fails the channels close and the
        // generator stops.
        std::thread::scope(|s| -> Result<()> {
            let (batches, received) =
                std::sync::mpsc::sync_channel::<Result<PreparedBatch, StoreError>>(0);
            let (written, to_free) = std::sync::mpsc::channel::<PreparedBatch>();
            s.spawn(move || {
                while let Some(batch) = generator.next_batch(batch_people) {
                    let prepared = PreparedBatch::new(batch);
                    let failed = prepared.is_err();
                    if batches.send(prepared).is_err() || failed {
                        break;
                    }
                    to_free.try_iter().for_each(drop);
                }
                drop(batches);
                to_free.iter().for_each(drop);
            });
            for (n, batch) in received.into_iter().enumerate() {
                let batch = batch?;
                // PostgreSQL plans the next batch's statements (the agenda rows' joins
                // among them) from statistics; refreshed after batches 1, 2, 4, 8, …
                // they follow the tables' growth at a cost of log(batches) passes.
                if n.is_power_of_two() && !summary.bulk_built {
                    self.store.refresh_statistics()?;
                }
                let counts = write(&mut |tx| insert_batch(tx, &ctx.ws, &batch))?;
                summary.people += counts.0;
                summary.relationships += counts.1;
                summary.interactions += counts.2;
                summary.commitments += counts.3;
                summary.other_records += counts.4;
                // The generator frees what it is sent until this loop ends; only if its
                // thread panicked is the batch freed here instead.
                let _ = written.send(batch);
            }
            Ok(())
        })?;
        if let Some(b) = bulk {
            b.finish()?;
        }
        self.store.refresh_statistics()?;
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }

    /// Searches people, organizations, deals and notes; notes and deals are shown with
    /// the record they belong to.
    pub fn search(&self, ctx: &Ctx, query: &str, limit: usize) -> Result<Vec<SearchResult>> {
        let limit = limit.clamp(1, 200);
        Ok(self.store.read(|tx| {
            let hits = tx.search(&ctx.ws, query, limit)?;
            // The live people, organizations and deals among the hits, one statement per
            // kind rather than a round trip per hit.
            let mut people = live_hits::<Person>(tx, &ctx.ws, &hits)?;
            let mut orgs = live_hits::<Organization>(tx, &ctx.ws, &hits)?;
            let mut deals = live_hits::<Deal>(tx, &ctx.ws, &hits)?;
            let mut out = Vec::with_capacity(hits.len());
            for h in hits {
                let (name, detail) = match h.kind {
                    EntityKind::Person => match people.remove(&h.id) {
                        Some(p) => {
                            let detail = p
                                .emails
                                .first()
                                .map(|e| e.value.clone())
                                .unwrap_or_else(|| p.tags.join(", "));
                            (p.name, detail)
                        }
                        None => continue,
                    },
                    EntityKind::Organization => match orgs.remove(&h.id) {
                        Some(o) => (o.name, o.industry.unwrap_or_default()),
                        None => continue,
                    },
                    EntityKind::Deal => match deals.remove(&h.id) {
                        Some(d) => (d.title, d.stage.to_string()),
                        None => continue,
                    },
                    EntityKind::Note => match tx.find::<Note>(&ctx.ws, &h.id)? {
                        Some(n)
                            if n.meta.deleted_at.is_none()
                                && self.may_see_record::<Note>(tx, ctx, &h.id)? =>
                        {
                            let about = match n.link.kind {
                                EntityKind::Person => {
                                    tx.find::<Person>(&ctx.ws, &n.link.id)?.map(|p| p.name)
                                }
                                EntityKind::Organization => tx
                                    .find::<Organization>(&ctx.ws, &n.link.id)?
                                    .map(|o| o.name),
                                _ => None,
                            };
                            let excerpt: String = n.body.chars().take(60).collect();
                            (
                                about.unwrap_or_else(|| n.link.kind.to_string()),
                                format!("note: {excerpt}"),
                            )
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                out.push(SearchResult {
                    kind: h.kind,
                    id: h.id,
                    name,
                    detail,
                    score: h.score,
                });
            }
            Ok(out)
        })?)
    }

    /// Writes a consistent backup: a SQLite copy (`VACUUM INTO`), or for PostgreSQL a
    /// JSON export of the workspace. Returns the format written.
    pub fn backup(&self, ctx: &Ctx, dest: &Path) -> Result<&'static str> {
        if dest.exists() {
            return Err(AppError::Conflict(format!(
                "{} exists already; choose a new file",
                dest.display()
            )));
        }
        match self.store.dialect() {
            Dialect::Sqlite => {
                self.store.sqlite_backup(dest)?;
                Ok("sqlite")
            }
            Dialect::Postgres => {
                // A consistent JSON export: written to a temporary file, renamed when complete.
                let tmp = dest.with_extension("partial");
                let file = std::fs::File::create(&tmp).map_err(|e| {
                    AppError::Conflict(format!("cannot create {}: {e}", tmp.display()))
                })?;
                let mut out = std::io::BufWriter::new(file);
                self.export_json(ctx, &mut out)?;
                drop(out);
                std::fs::rename(&tmp, dest).map_err(|e| {
                    AppError::Conflict(format!("cannot write {}: {e}", dest.display()))
                })?;
                Ok("json")
            }
        }
    }

    /// The id of a user of the workspace, by login name.
    pub fn user_id(&self, ctx: &Ctx, name: &str) -> Result<Id> {
        let u = self.store.read(|tx| tx.user_by_name(&ctx.ws, name))?;
        u.map(|u| u.meta.id)
            .ok_or_else(|| AppError::NotFound(format!("no user named `{name}` in this workspace")))
    }
}

type BatchCounts = (usize, usize, usize, usize, usize);

/// A demo batch with what its rows hold (documents, column values, side indexes), made
/// on the generator's thread so that the writing thread only binds and steps.
struct PreparedBatch {
    people: Prepared<Person>,
    memberships: Prepared<Membership>,
    relationships: Prepared<Relationship>,
    ties: Prepared<Tie>,
    interactions: Prepared<Interaction>,
    commitments: Prepared<Commitment>,
    exchanges: Prepared<Exchange>,
    conflicts: Prepared<Conflict>,
    feedback: Prepared<Feedback>,
    goals: Prepared<Goal>,
    tasks: Prepared<Task>,
    dates: Prepared<ImportantDate>,
    deals: Prepared<Deal>,
    notes: Prepared<Note>,
    stakes: Prepared<Stake>,
}

impl PreparedBatch {
    fn new(b: DemoBatch) -> Result<PreparedBatch, StoreError> {
        Ok(PreparedBatch {
            people: Prepared::new(b.people)?,
            memberships: Prepared::new(b.memberships)?,
            relationships: Prepared::new(b.relationships)?,
            ties: Prepared::new(b.ties)?,
            interactions: Prepared::new(b.interactions)?,
            commitments: Prepared::new(b.commitments)?,
            exchanges: Prepared::new(b.exchanges)?,
            conflicts: Prepared::new(b.conflicts)?,
            feedback: Prepared::new(b.feedback)?,
            goals: Prepared::new(b.goals)?,
            tasks: Prepared::new(b.tasks)?,
            dates: Prepared::new(b.dates)?,
            deals: Prepared::new(b.deals)?,
            notes: Prepared::new(b.notes)?,
            stakes: Prepared::new(b.stakes)?,
        })
    }
}

fn insert_batch(tx: &mut Tx<'_>, ws: &Id, p: &PreparedBatch) -> Result<BatchCounts, StoreError> {
    let people = insert_all(tx, ws, &p.people)?;
    let mut other = insert_all(tx, ws, &p.memberships)?;
    let rels = insert_all(tx, ws, &p.relationships)?;
    other += insert_all(tx, ws, &p.ties)?;
    let interactions = insert_all(tx, ws, &p.interactions)?;
    let commitments = insert_all(tx, ws, &p.commitments)?;
    other += insert_all(tx, ws, &p.exchanges)?;
    other += insert_all(tx, ws, &p.conflicts)?;
    other += insert_all(tx, ws, &p.feedback)?;
    other += insert_all(tx, ws, &p.goals)?;
    other += insert_all(tx, ws, &p.tasks)?;
    other += insert_all(tx, ws, &p.dates)?;
    other += insert_all(tx, ws, &p.deals)?;
    other += insert_all(tx, ws, &p.notes)?;
    other += insert_all(tx, ws, &p.stakes)?;
    Ok((people, rels, interactions, commitments, other))
}
