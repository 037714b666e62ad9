//! Health of relationships: gathers a relationship's record, computes its score with
//! `rapport_core::health`, and keeps one score per day as its trend (written lazily,
//! when health is computed — never a recomputation of everything on every write).

use jiff::civil::Date;
use rapport_core::health::{self as core_health, Health, HealthInput};
use rapport_core::*;
use rapport_store::{HealthRecord, Tx};
use serde::Serialize;

use crate::{App, Ctx, Result};

/// How many days of history a trend shows.
pub const TREND_DAYS: i64 = 90;

/// One day of a relationship's health history.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrendPoint {
    pub day: Date,
    pub score: Option<u8>,
}

/// A relationship's health with its breakdown and trend: the JSON of `health REF`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HealthReport {
    pub relationship_id: Id,
    pub subject: Subject,
    pub name: String,
    pub kind: RelationshipKind,
    #[serde(flatten)]
    pub health: Health,
    pub trend: Vec<TrendPoint>,
}

impl HealthReport {
    /// A relationship's report with no trend yet: the one shape both the single and the
    /// workspace-wide paths return.
    fn new(rel: &Relationship, name: String, health: Health) -> HealthReport {
        HealthReport {
            relationship_id: rel.meta.id.clone(),
            subject: rel.subject.clone(),
            name,
            kind: rel.kind,
            health,
            trend: vec![],
        }
    }
}

fn day(t: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> Date {
    t.to_zoned(zone.clone()).date()
}

/// The health of one relationship from its facts, on `today`.
pub fn compute(
    rel: &Relationship,
    rec: &HealthRecord,
    today: Date,
    zone: &jiff::tz::TimeZone,
) -> Health {
    let interactions: Vec<_> = rec
        .interactions
        .iter()
        .map(|i| core_health::InteractionFact {
            on: day(i.at, zone),
            sentiment: i.sentiment,
        })
        .collect();
    let commitments: Vec<_> = rec
        .commitments
        .iter()
        .map(|c| core_health::CommitmentFact {
            owed_by: c.owed_by,
            status: c.status,
            due: c.due,
            closed_on: c.closed_at.map(|t| day(t, zone)),
        })
        .collect();
    let exchanges: Vec<_> = rec
        .exchanges
        .iter()
        .map(|e| core_health::ExchangeFact {
            direction: e.direction,
            value: e.value,
            on: day(e.at, zone),
        })
        .collect();
    let conflicts: Vec<_> = rec
        .conflicts
        .iter()
        .map(|c| core_health::ConflictFact {
            severity: c.severity,
            status: c.status,
            opened_on: day(c.opened_at, zone),
            resolved_on: c.resolved_at.map(|t| day(t, zone)),
        })
        .collect();
    let feedback: Vec<_> = rec
        .feedback
        .iter()
        .map(|f| core_health::FeedbackFact {
            scale: f.scale,
            score: f.score,
            on: day(f.at, zone),
        })
        .collect();
    let mut input = HealthInput::new(today, rel.kind, rel.importance);
    input.cadence_days = rel.cadence_days;
    input.status = rel.status;
    input.interactions = &interactions;
    input.commitments = &commitments;
    input.exchanges = &exchanges;
    input.conflicts = &conflicts;
    input.feedback = &feedback;
    core_health::health(&input)
}

impl App {
    fn report(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        rel: &Relationship,
        today: Date,
    ) -> Result<HealthReport, rapport_store::StoreError> {
        let zone = self.clock.zone();
        let rec = tx.relationship_record(&ctx.ws, rel)?;
        let health = compute(rel, &HealthRecord::from(&rec), today, &zone);
        let name = tx
            .subject_cards(&ctx.ws, std::slice::from_ref(&rel.subject.id))?
            .remove(&rel.subject.id)
            .map(|c| c.name)
            .unwrap_or_default();
        Ok(HealthReport::new(rel, name, health))
    }

    /// One relationship's health on `today`, recorded in its history, with its trend.
    pub fn relationship_health(
        &self,
        ctx: &Ctx,
        rel: &Relationship,
        today: Option<Date>,
    ) -> Result<HealthReport> {
        let today = today.unwrap_or_else(|| self.today());
        let since = today
            .checked_sub(jiff::Span::new().days(TREND_DAYS))
            .unwrap_or(today);
        Ok(self.store.write(|tx| {
            let rel: Relationship = tx.get(&ctx.ws, &rel.meta.id)?;
            let mut report = self.report(tx, ctx, &rel, today)?;
            tx.record_health(&ctx.ws, &rel.meta.id, today, report.health.score)?;
            report.trend = tx
                .health_history(&rel.meta.id, since)?
                .into_iter()
                .filter(|(d, _)| *d <= today)
                .map(|(day, score)| TrendPoint { day, score })
                .collect();
            Ok(report)
        })?)
    }

    /// The health of every relationship the actor may see, worst first (unknown last).
    /// Today's scores are recorded in the history: computed in one read of the whole
    /// workspace's facts, then only the scores that differ from those already recorded
    /// for the day are written, so asking again the same day writes nothing.
    pub fn all_health(&self, ctx: &Ctx, today: Option<Date>) -> Result<Vec<HealthReport>> {
        let today = today.unwrap_or_else(|| self.today());
        let zone = self.clock.zone();
        let (mut reports, recorded) = self.store.read(|tx| {
            let rels = self.visible(ctx, tx.all_relationships(&ctx.ws)?);
            let keys: Vec<(&Id, &Subject)> =
                rels.iter().map(|r| (&r.meta.id, &r.subject)).collect();
            let records = tx.health_records(&ctx.ws, &keys)?;
            let mut subjects: Vec<Id> = rels.iter().map(|r| r.subject.id.clone()).collect();
            subjects.sort();
            subjects.dedup();
            let cards = tx.subject_cards(&ctx.ws, &subjects)?;
            let reports: Vec<HealthReport> = rels
                .iter()
                .zip(&records)
                .map(|(rel, rec)| {
                    let name = cards
                        .get(&rel.subject.id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default();
                    HealthReport::new(rel, name, compute(rel, rec, today, &zone))
                })
                .collect();
            Ok((reports, tx.health_on(&ctx.ws, today)?))
        })?;
        let changed: Vec<(Id, Option<u8>)> = reports
            .iter()
            .filter(|r| recorded.get(&r.relationship_id) != Some(&r.health.score))
            .map(|r| (r.relationship_id.clone(), r.health.score))
            .collect();
        if !changed.is_empty() {
            self.store
                .write(|tx| tx.record_health_many(&ctx.ws, today, &changed))?;
        }
        reports.sort_by_key(|r| (r.health.score.is_none(), r.health.score, r.name.clone()));
        Ok(reports)
    }
}
