//! The lossless JSON export of a whole workspace, and its import. Every record keeps its
//! id, timestamps and version, so exporting, importing into an empty database and
//! exporting again gives the same document. It is also the PostgreSQL backup format.

use std::io::Write;

use rapport_core::*;
use rapport_store::{Entity, StoreError, Tx};
use serde::{Deserialize, Serialize};

use crate::{App, Ctx, Result};

pub const FORMAT: &str = "rapport-export";
pub const VERSION: u32 = 1;

/// The document, for reading. Arrays are in dependency order (people before the
/// relationships that point at them) so an import can insert them in order.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub workspace: String,
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub organizations: Vec<Organization>,
    #[serde(default)]
    pub memberships: Vec<Membership>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    #[serde(default)]
    pub ties: Vec<Tie>,
    #[serde(default)]
    pub interactions: Vec<Interaction>,
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub feedback: Vec<Feedback>,
    #[serde(default)]
    pub goals: Vec<Goal>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub dates: Vec<ImportantDate>,
    #[serde(default)]
    pub deals: Vec<Deal>,
    #[serde(default)]
    pub notes: Vec<Note>,
    #[serde(default)]
    pub stakes: Vec<Stake>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub skipped: usize,
}

const PAGE: usize = 1_000;

fn io(e: std::io::Error) -> StoreError {
    StoreError::Config(format!("cannot write the export: {e}"))
}

fn section<E: Entity>(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    out: &mut dyn Write,
    name: &str,
) -> Result<(), StoreError> {
    write!(out, ",\n\"{name}\":[").map_err(io)?;
    let mut after: Option<Id> = None;
    let mut first = true;
    loop {
        let page: Vec<E> = tx.all_after(&ctx.ws, after.as_ref(), PAGE)?;
        for rec in &page {
            if !first {
                out.write_all(b",").map_err(io)?;
            }
            first = false;
            out.write_all(b"\n").map_err(io)?;
            serde_json::to_writer(&mut *out, rec).map_err(|e| io(e.into()))?;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.meta().id.clone()),
            _ => break,
        }
    }
    write!(out, "]").map_err(io)
}

impl App {
    /// Writes the whole workspace as one JSON document, from one consistent snapshot,
    /// a page of records at a time.
    pub fn export_json(&self, ctx: &Ctx, out: &mut dyn Write) -> Result<()> {
        self.store.read(|tx| {
            let ws_name = tx.workspace(&ctx.ws)?.map(|w| w.name).unwrap_or_default();
            write!(
                out,
                "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"workspace\":"
            )
            .map_err(io)?;
            serde_json::to_writer(&mut *out, &ws_name).map_err(|e| io(e.into()))?;
            section::<Person>(tx, ctx, out, "people")?;
            section::<Organization>(tx, ctx, out, "organizations")?;
            section::<Membership>(tx, ctx, out, "memberships")?;
            section::<Relationship>(tx, ctx, out, "relationships")?;
            section::<Tie>(tx, ctx, out, "ties")?;
            section::<Interaction>(tx, ctx, out, "interactions")?;
            section::<Commitment>(tx, ctx, out, "commitments")?;
            section::<Exchange>(tx, ctx, out, "exchanges")?;
            section::<Conflict>(tx, ctx, out, "conflicts")?;
            section::<Feedback>(tx, ctx, out, "feedback")?;
            section::<Goal>(tx, ctx, out, "goals")?;
            section::<Task>(tx, ctx, out, "tasks")?;
            section::<ImportantDate>(tx, ctx, out, "dates")?;
            section::<Deal>(tx, ctx, out, "deals")?;
            section::<Note>(tx, ctx, out, "notes")?;
            section::<Stake>(tx, ctx, out, "stakes")?;
            writeln!(out, "}}").map_err(io)?;
            out.flush().map_err(io)
        })?;
        Ok(())
    }

    /// Imports an export into the workspace in one transaction. Records whose id exists
    /// already are skipped, so importing the same file twice creates nothing new.
    pub fn import_json(&self, ctx: &Ctx, doc: &str) -> Result<ImportSummary> {
        self.check_write(ctx)?;
        let export: Export = serde_json::from_str(doc).map_err(|e| {
            DomainError::invalid(
                "json",
                format!("line {}, column {}: {e}", e.line(), e.column()),
            )
        })?;
        if export.format != FORMAT || export.version != VERSION {
            return Err(DomainError::invalid(
                "format",
                format!(
                    "expected a {FORMAT} document of version {VERSION}, found `{}` version {}",
                    export.format, export.version
                ),
            )
            .into());
        }
        validate_all(&export)?;
        Ok(self.store.write(|tx| {
            let mut s = ImportSummary::default();
            macro_rules! load {
                ($($field:ident),*) => {$(
                    for rec in &export.$field {
                        if exists_typed(tx, rec)? {
                            s.skipped += 1;
                        } else {
                            tx.insert(&ctx.ws, rec)?;
                            s.created += 1;
                        }
                    }
                )*};
            }
            load!(
                people,
                organizations,
                memberships,
                relationships,
                ties,
                interactions,
                commitments,
                exchanges,
                conflicts,
                feedback,
                goals,
                tasks,
                dates,
                deals,
                notes,
                stakes
            );
            Ok(s)
        })?)
    }
}

fn exists_typed<E: Entity>(tx: &mut rapport_store::Tx<'_>, rec: &E) -> Result<bool, StoreError> {
    tx.exists::<E>(&rec.meta().id)
}

fn validate_all(e: &Export) -> Result<()> {
    fn each<T: Validate + Entity>(name: &str, v: &[T]) -> Result<()> {
        for (i, r) in v.iter().enumerate() {
            r.validate()
                .map_err(|err| err.within(&format!("{name}[{i}].")))?;
        }
        Ok(())
    }
    each("people", &e.people)?;
    each("organizations", &e.organizations)?;
    each("memberships", &e.memberships)?;
    each("relationships", &e.relationships)?;
    each("ties", &e.ties)?;
    each("interactions", &e.interactions)?;
    each("commitments", &e.commitments)?;
    each("exchanges", &e.exchanges)?;
    each("conflicts", &e.conflicts)?;
    each("feedback", &e.feedback)?;
    each("goals", &e.goals)?;
    each("tasks", &e.tasks)?;
    each("dates", &e.dates)?;
    each("deals", &e.deals)?;
    each("notes", &e.notes)?;
    each("stakes", &e.stakes)
}
