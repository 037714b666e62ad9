//! Read models for the web pages: a person's whole page, the people table with health
//! and last contact, the pipeline board. Each gathers in one read what a page shows,
//! restricted to what the actor may see.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rapport_core::health::HealthStatus;
use rapport_core::*;
use rapport_store::{ListQuery, Page};
use serde::Serialize;

use crate::health::HealthReport;
use crate::records::PersonView;
use crate::{App, Ctx, Result};

/// One relationship on a person's page, with its record and health.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipPanel {
    pub relationship: Relationship,
    pub health: HealthReport,
    pub commitments: Vec<Commitment>,
    pub exchanges: Vec<Exchange>,
    /// Points given minus points received.
    pub balance: i64,
    pub conflicts: Vec<Conflict>,
    pub feedback: Vec<Feedback>,
    pub goals: Vec<Goal>,
}

/// Everything a person's page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    pub view: PersonView,
    pub relationships: Vec<RelationshipPanel>,
    /// Interactions, newest first.
    pub timeline: Vec<Interaction>,
    pub tasks: Vec<Task>,
    pub dates: Vec<ImportantDate>,
    pub deals: Vec<Deal>,
}

/// A person or organization: what the people and organizations tables list.
pub trait Named: rapport_store::Entity {
    fn name(&self) -> &str;
}

impl Named for Person {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for Organization {
    fn name(&self) -> &str {
        &self.name
    }
}

/// One row of the people (or organizations) table.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectRow<E> {
    pub record: E,
    /// The lowest health among the person's relationships the actor sees.
    pub health: Option<u8>,
    pub status: Option<HealthStatus>,
    pub kinds: Vec<RelationshipKind>,
    /// The users who own the person's relationships (the actor sees).
    pub owners: Vec<Id>,
    pub last_contact: Option<Timestamp>,
    /// Past the check-in cadence of one of their relationships.
    pub overdue: bool,
}

/// How the people table is filtered and sorted.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub tag: Option<String>,
    pub kind: Option<RelationshipKind>,
    /// Only people with a relationship owned by this user.
    pub owner: Option<Id>,
    /// Only people whose health is in this band.
    pub band: Option<HealthStatus>,
    pub overdue: bool,
    pub sort: PeopleSort,
    pub cursor: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PeopleSort {
    #[default]
    Name,
    /// Worst health first.
    Health,
    /// Longest without contact first.
    LastContact,
}

/// How many people a sorted or health-filtered table considers at most: those views
/// compute health per person, so they work on a bounded window.
pub const SORT_WINDOW: usize = 2_000;

/// The deals board: stages in pipeline order with their deals and totals per currency.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineColumn {
    pub stage: DealStage,
    pub deals: Vec<(Deal, String)>,
    pub totals: BTreeMap<String, f64>,
}

impl App {
    /// A person's page; `None` when there is no such person for the actor.
    pub fn person_page(&self, ctx: &Ctx, id: &Id) -> Result<PersonPage> {
        let view = self.person_view(ctx, id)?;
        let mut relationships = Vec::new();
        for rel in &view.relationships {
            let health = self.relationship_health(ctx, rel, None)?;
            let rec = self.store.read(|tx| tx.relationship_record(&ctx.ws, rel))?;
            let balance = rec
                .exchanges
                .iter()
                .map(|e| match e.direction {
                    ExchangeDirection::Given => e.value as i64,
                    ExchangeDirection::Received => -(e.value as i64),
                })
                .sum();
            relationships.push(RelationshipPanel {
                relationship: rel.clone(),
                health,
                commitments: rec.commitments,
                exchanges: rec.exchanges,
                balance,
                conflicts: rec.conflicts,
                feedback: rec.feedback,
                goals: rec.goals,
            });
        }
        let (timeline, tasks, dates, deals) = self.store.read(|tx| {
            Ok((
                tx.interactions_with(&ctx.ws, std::slice::from_ref(id), 200)?,
                tx.where_eq::<Task>(&ctx.ws, "link_id", id.into())?,
                tx.where_eq::<ImportantDate>(&ctx.ws, "person_id", id.into())?,
                tx.where_eq::<Deal>(&ctx.ws, "subject_id", id.into())?,
            ))
        })?;
        Ok(PersonPage {
            view,
            relationships,
            timeline,
            tasks,
            dates,
            deals,
        })
    }

    fn subject_row<E: Named>(&self, ctx: &Ctx, record: E) -> Result<SubjectRow<E>> {
        let today = self.today();
        let rels = self.visible(
            ctx,
            self.store
                .read(|tx| tx.relationships_of(&ctx.ws, &record.meta().id))?,
        );
        let mut health: Option<u8> = None;
        let mut status = None;
        let mut overdue = false;
        let mut last_contact: Option<Timestamp> = None;
        for r in rels
            .iter()
            .filter(|r| r.status == RelationshipStatus::Active)
        {
            let report = self.store.read(|tx| {
                let rec = tx.relationship_record(&ctx.ws, r)?;
                Ok((
                    crate::health::compute(
                        r,
                        &rapport_store::HealthRecord::from(&rec),
                        today,
                        &self.clock.zone(),
                    ),
                    rec.interactions.iter().map(|i| i.at).max(),
                ))
            })?;
            let (h, last) = report;
            if last > last_contact {
                last_contact = last;
            }
            if let Some(s) = h.score
                && health.is_none_or(|cur| s < cur)
            {
                health = Some(s);
                status = Some(h.status);
            }
            let cadence = i64::from(r.cadence_days.map(|c| c.get()).unwrap_or_else(|| {
                rapport_core::health::default_cadence(r.kind, r.importance).get()
            }));
            let since = last
                .map(|t| t.to_zoned(self.clock.zone()).date())
                .or(r.started_on)
                .map(|d| (today - d).get_days() as i64);
            if since.is_some_and(|d| d > cadence) {
                overdue = true;
            }
        }
        let kinds = rels.iter().map(|r| r.kind).collect();
        let owners = rels.iter().filter_map(|r| r.owner_id.clone()).collect();
        Ok(SubjectRow {
            record,
            health,
            status,
            kinds,
            owners,
            last_contact,
            overdue,
        })
    }

    /// The people (or organizations) table: filtered, sorted, a page at a time.
    pub fn subject_table<E: Named>(
        &self,
        ctx: &Ctx,
        q: &PeopleQuery,
    ) -> Result<Page<SubjectRow<E>>> {
        let limit = q.limit.clamp(1, 200);
        let ids = match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(
                self.search(ctx, text, 200)?
                    .into_iter()
                    .filter(|h| h.kind == E::KIND)
                    .map(|h| h.id)
                    .collect::<Vec<_>>(),
            ),
            None => None,
        };
        let needs_rows = q.sort != PeopleSort::Name
            || q.band.is_some()
            || q.overdue
            || q.kind.is_some()
            || q.owner.is_some()
            || ids.is_some();
        if !needs_rows && q.tag.is_none() {
            // The common case scales: keyset pages in name order, rows for the page only.
            let page = self
                .store
                .read(|tx| tx.list_by_name::<E>(&ctx.ws, q.cursor.as_deref(), limit))?;
            let items = page
                .items
                .into_iter()
                .map(|p| self.subject_row(ctx, p))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Page {
                items,
                next_cursor: page.next_cursor,
            });
        }
        // Otherwise: a bounded window of candidates, rows computed, filtered, sorted.
        let mut candidates: Vec<E> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.store.read(|tx| {
                tx.list::<E>(
                    &ctx.ws,
                    &ListQuery {
                        limit: 500,
                        cursor: cursor.clone(),
                        tag: q.tag.clone(),
                        ids: ids.clone(),
                        ..ListQuery::default()
                    },
                )
            })?;
            candidates.extend(page.items);
            match page.next_cursor {
                Some(c) if candidates.len() < SORT_WINDOW && ids.is_none() => cursor = Some(c),
                _ => break,
            }
        }
        let mut rows = Vec::new();
        for p in candidates {
            let row = self.subject_row(ctx, p)?;
            if q.kind.is_some_and(|k| !row.kinds.contains(&k)) {
                continue;
            }
            if q.owner.as_ref().is_some_and(|o| !row.owners.contains(o)) {
                continue;
            }
            if q.band.is_some() && row.status != q.band {
                continue;
            }
            if q.overdue && !row.overdue {
                continue;
            }
            rows.push(row);
        }
        match q.sort {
            PeopleSort::Name => rows.sort_by_key(|r| fold(r.record.name())),
            PeopleSort::Health => rows.sort_by_key(|r| (r.health.is_none(), r.health)),
            PeopleSort::LastContact => rows.sort_by_key(|r| r.last_contact),
        }
        let offset: usize = q
            .cursor
            .as_deref()
            .and_then(|c| rapport_store::decode_cursor(c).ok())
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let end = (offset + limit).min(rows.len());
        let next_cursor =
            (end < rows.len()).then(|| rapport_store::encode_cursor(&end.to_string()));
        let items = rows.into_iter().skip(offset).take(limit).collect();
        Ok(Page { items, next_cursor })
    }

    /// The deals of the workspace as a board by stage, with totals per currency.
    pub fn pipeline(&self, ctx: &Ctx) -> Result<Vec<PipelineColumn>> {
        let mut deals: Vec<Deal> = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.read(|tx| {
                tx.list::<Deal>(
                    &ctx.ws,
                    &ListQuery {
                        limit: 500,
                        cursor: cursor.clone(),
                        ..ListQuery::default()
                    },
                )
            })?;
            deals.extend(page.items);
            match page.next_cursor {
                Some(c) if deals.len() < 10_000 => cursor = Some(c),
                _ => break,
            }
        }
        let ids: Vec<Id> = deals.iter().map(|d| d.subject.id.clone()).collect();
        let names = self.store.read(|tx| tx.subject_cards(&ctx.ws, &ids))?;
        let mut columns: Vec<PipelineColumn> = DealStage::ALL
            .iter()
            .map(|s| PipelineColumn {
                stage: *s,
                deals: vec![],
                totals: BTreeMap::new(),
            })
            .collect();
        for d in deals {
            if let Some(col) = columns.iter_mut().find(|c| c.stage == d.stage) {
                if let (Some(a), Some(cur)) = (d.amount, &d.currency) {
                    *col.totals.entry(cur.clone()).or_insert(0.0) += a;
                }
                let who = names
                    .get(&d.subject.id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                col.deals.push((d, who));
            }
        }
        Ok(columns)
    }
}

impl App {
    /// Whether each id is a person or an organization (ids of neither are left out).
    pub fn subject_kinds(
        &self,
        ctx: &Ctx,
        ids: &[Id],
    ) -> Result<std::collections::HashMap<Id, SubjectKind>> {
        Ok(self.store.read(|tx| {
            let mut out = std::collections::HashMap::new();
            for id in ids {
                if tx.find::<Person>(&ctx.ws, id)?.is_some() {
                    out.insert(id.clone(), SubjectKind::Person);
                } else if tx.find::<Organization>(&ctx.ws, id)?.is_some() {
                    out.insert(id.clone(), SubjectKind::Organization);
                }
            }
            Ok(out)
        })?)
    }

    /// An organization with its members (and their titles) and the relationships with it
    /// that the actor may see.
    #[allow(clippy::type_complexity)]
    pub fn organization_view(
        &self,
        ctx: &Ctx,
        id: &Id,
    ) -> Result<(
        Organization,
        Vec<(Person, Option<String>)>,
        Vec<Relationship>,
    )> {
        let (org, members, rels) = self.store.read(|tx| {
            let org: Organization = tx.get(&ctx.ws, id)?;
            let mut members = Vec::new();
            for m in tx.where_eq::<Membership>(&ctx.ws, "organization_id", id.into())? {
                if let Some(p) = tx.find::<Person>(&ctx.ws, &m.person_id)?
                    && p.meta.deleted_at.is_none()
                {
                    members.push((p, m.title));
                }
            }
            Ok((org, members, tx.relationships_of(&ctx.ws, id)?))
        })?;
        Ok((org, members, self.visible(ctx, rels)))
    }

    /// Whether the actor has a calendar-feed token.
    pub fn has_feed(&self, ctx: &Ctx) -> Result<bool> {
        match &ctx.actor.user_id {
            Some(u) => Ok(self.store.read(|tx| tx.has_feed_token(&ctx.ws, u))?),
            None => Ok(false),
        }
    }
}

/// How many relationships at risk the dashboard lists at most.
pub const DASHBOARD_AT_RISK: usize = 10;

/// A relationship the dashboard lists as at risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRiskRow {
    pub relationship_id: Id,
    pub subject: Subject,
    pub name: String,
    pub kind: RelationshipKind,
    pub score: Option<u8>,
}

/// What the dashboard shows beside the agenda: every visible relationship's health
/// summed up, and the figures of the last 90 days. Both read the whole workspace, so
/// the server may keep them between views of a large one (see `computed_at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashboardFigures {
    /// When they were computed (the app's clock).
    pub computed_at: Timestamp,
    /// How many relationships the actor may see.
    pub relationships: usize,
    /// How many of them are in each status, in the order of [`DASHBOARD_STATUSES`].
    pub by_status: Vec<(HealthStatus, usize)>,
    /// The mean of the known scores, rounded down.
    pub average: Option<u8>,
    /// The first [`DASHBOARD_AT_RISK`] relationships at risk, worst first.
    pub at_risk: Vec<AtRiskRow>,
    /// The last 90 days, one segment.
    pub metrics: rapport_core::metrics::Metrics,
}

/// The order the dashboard counts health statuses in: best first.
pub const DASHBOARD_STATUSES: [HealthStatus; 5] = [
    HealthStatus::Thriving,
    HealthStatus::Healthy,
    HealthStatus::NeedsAttention,
    HealthStatus::AtRisk,
    HealthStatus::Unknown,
];

impl DashboardFigures {
    /// Sums up `health` (worst first, as [`App::all_health`] returns it).
    fn new(
        computed_at: Timestamp,
        health: &[HealthReport],
        metrics: rapport_core::metrics::Metrics,
    ) -> DashboardFigures {
        let by_status = DASHBOARD_STATUSES
            .iter()
            .map(|st| {
                (
                    *st,
                    health.iter().filter(|h| h.health.status == *st).count(),
                )
            })
            .collect();
        let scores: Vec<u32> = health
            .iter()
            .filter_map(|h| h.health.score.map(u32::from))
            .collect();
        let average = (!scores.is_empty())
            .then(|| u8::try_from(scores.iter().sum::<u32>() / scores.len() as u32).ok())
            .flatten();
        let at_risk = health
            .iter()
            .filter(|h| h.health.status == HealthStatus::AtRisk)
            .take(DASHBOARD_AT_RISK)
            .map(|h| AtRiskRow {
                relationship_id: h.relationship_id.clone(),
                subject: h.subject.clone(),
                name: h.name.clone(),
                kind: h.kind,
                score: h.health.score,
            })
            .collect();
        DashboardFigures {
            computed_at,
            relationships: health.len(),
            by_status,
            average,
            at_risk,
            metrics,
        }
    }
}

impl App {
    /// The dashboard's figures: the health of every relationship the actor may see
    /// (recorded for today, as [`App::all_health`] does) and the metrics of the last
    /// 90 days.
    pub fn dashboard_figures(&self, ctx: &Ctx) -> Result<DashboardFigures> {
        let computed_at = self.now();
        let health = self.all_health(ctx, None)?;
        let metrics = self.metrics(ctx, 90, None)?;
        Ok(DashboardFigures::new(computed_at, &health, metrics))
    }

    /// How many relationships the actor may see, counted no further than `at_most`:
    /// whether the dashboard's figures are too costly to compute while the user waits,
    /// known without reading the workspace.
    pub fn relationships_seen_up_to(&self, ctx: &Ctx, at_most: u32) -> Result<u32> {
        Ok(self
            .store
            .read(|tx| tx.relationships_seen_up_to(&ctx.ws, ctx.actor.user_id.as_ref(), at_most))?)
    }

    /// The latest recorded health score of each of `relationships` within the last
    /// [`rapport_core::health::FALL_WINDOW_DAYS`] days up to today (those with none
    /// are left out): what the agenda's falling-health items fell to.
    pub fn recorded_scores(
        &self,
        ctx: &Ctx,
        relationships: &[Id],
    ) -> Result<std::collections::HashMap<Id, Option<u8>>> {
        let today = self.today();
        let since = today
            .checked_sub(jiff::Span::new().days(rapport_core::health::FALL_WINDOW_DAYS))
            .unwrap_or(today);
        Ok(self.store.read(|tx| {
            let mut out = std::collections::HashMap::new();
            for id in relationships {
                let rel: Option<Relationship> = tx.find(&ctx.ws, id)?;
                if rel.is_none_or(|r| !self.may_see(ctx, &r)) {
                    continue;
                }
                if let Some((_, score)) = tx
                    .health_history(id, since)?
                    .into_iter()
                    .rfind(|(d, _)| *d <= today)
                {
                    out.insert(id.clone(), score);
                }
            }
            Ok(out)
        })?)
    }
}
