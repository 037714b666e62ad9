//! Business metrics of a period, per segment: retention and churn, referral rate, repeat
//! business, NPS and CSAT, average health and its change, the pipeline by stage,
//! commitments kept both ways, and conflicts opened and resolved. Every figure is defined
//! in `docs/metrics.md`; the definitions below are the same words.
//!
//! Pure: the caller passes the records, the period and the time zone that decides which
//! day a timestamp falls on.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::enums::*;
use crate::records::*;
use crate::{DomainError, Id};

#[cfg(test)]
mod tests;

/// How relationships are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SegmentBy {
    Kind,
    Tag,
    Owner,
}

impl SegmentBy {
    pub fn parse(s: &str) -> Result<SegmentBy, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kind" => Ok(SegmentBy::Kind),
            "tag" => Ok(SegmentBy::Tag),
            "owner" => Ok(SegmentBy::Owner),
            _ => Err(DomainError::invalid(
                "by",
                format!("`{s}` is not one of: kind, tag, owner"),
            )),
        }
    }
}

/// A period of `days` days ending on `to`: the days after `from` up to and including `to`.
/// "At the start" means on `from`, "at the end" on `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    pub days: i64,
}

impl Period {
    /// The `days` days up to and including `to`.
    pub fn ending(to: Date, days: i64) -> Period {
        let from = to.checked_sub(jiff::Span::new().days(days)).unwrap_or(to);
        Period { from, to, days }
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from < d && d <= self.to
    }
}

/// A relationship and the segments it belongs to (its kind, each tag of its subject, or
/// its owner's name), as the caller decided from `--by`.
#[derive(Debug, Clone)]
pub struct SegmentedRelationship {
    pub relationship: Relationship,
    pub segments: Vec<String>,
}

/// Everything the metrics are computed from. Records may be in any order; records dated
/// after the period are ignored.
#[derive(Debug, Clone)]
pub struct MetricsInput {
    pub period: Period,
    pub zone: TimeZone,
    pub relationships: Vec<SegmentedRelationship>,
    pub exchanges: Vec<Exchange>,
    /// Ties; only `introduced-by` and `referred-by` ones are used.
    pub ties: Vec<Tie>,
    pub deals: Vec<Deal>,
    pub feedback: Vec<Feedback>,
    pub commitments: Vec<Commitment>,
    pub conflicts: Vec<Conflict>,
    /// Recorded daily health scores per relationship id.
    pub health: HashMap<Id, Vec<(Date, u8)>>,
}

/// A share: `count` of `of`, and the rate in percent (absent when `of` is 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Share {
    pub count: usize,
    pub of: usize,
    pub percent: Option<f64>,
}

impl Share {
    fn new(count: usize, of: usize) -> Share {
        Share {
            count,
            of,
            percent: (of > 0).then(|| round1(100.0 * count as f64 / of as f64)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Retention {
    /// Relationships that existed on the first day (`from`).
    pub at_start: usize,
    /// Of those, still not ended on the last day.
    pub retained: usize,
    /// Of those, ended during the period.
    pub churned: usize,
    /// retained / at_start, in percent.
    pub retention_percent: Option<f64>,
    /// churned / at_start, in percent.
    pub churn_percent: Option<f64>,
    /// Relationships that began during the period.
    pub new: usize,
    /// Relationships that ended during the period (new ones included), by reason.
    pub end_reasons: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RepeatBusiness {
    /// Deals won during the period.
    pub deals_won: usize,
    /// Distinct customers (people or organizations) those deals were won with.
    pub customers: usize,
    /// deals_won / customers.
    pub deals_per_customer: Option<f64>,
    /// Of those customers, the ones with two or more won deals in all (as of the end).
    pub repeat_customers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Satisfaction {
    /// NPS responses in the period.
    pub nps_responses: usize,
    pub promoters: usize,
    pub passives: usize,
    pub detractors: usize,
    /// % promoters − % detractors, −100..100.
    pub nps: Option<f64>,
    /// CSAT responses in the period.
    pub csat_responses: usize,
    /// Share of CSAT responses that are 4 or 5, in percent.
    pub csat_percent: Option<f64>,
    /// Mean CSAT score, 1–5.
    pub csat_mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct HealthChange {
    /// Relationships with a score on the last day.
    pub scored: usize,
    /// Mean latest score on or before the last day.
    pub average: Option<f64>,
    /// Mean latest score on or before the first day, over relationships scored then.
    pub average_at_start: Option<f64>,
    /// average − average_at_start.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StageValue {
    pub stage: DealStage,
    pub deals: usize,
    /// Sum of amounts per currency (deals without an amount are counted, not summed).
    pub amounts: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct KeptRate {
    pub kept: usize,
    pub broken: usize,
    /// kept / (kept + broken), in percent.
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Commitments {
    /// Promises I made, closed during the period.
    pub mine: KeptRate,
    /// Promises they made, closed during the period.
    pub theirs: KeptRate,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Conflicts {
    pub opened: usize,
    pub resolved: usize,
    /// Median days from opening to resolution, over conflicts resolved in the period.
    pub median_days_to_resolve: Option<f64>,
}

/// All metrics of one segment.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SegmentMetrics {
    pub segment: String,
    /// Relationships with status `active` on the last day.
    pub active: usize,
    pub retention: Retention,
    /// Relationships that referred or introduced someone during the period, of those that
    /// existed at any time in it.
    pub referral: Share,
    pub repeat_business: RepeatBusiness,
    pub satisfaction: Satisfaction,
    pub health: HealthChange,
    /// Open deals (not won or lost) by stage, in pipeline order.
    pub pipeline: Vec<StageValue>,
    pub commitments: Commitments,
    pub conflicts: Conflicts,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Metrics {
    pub period: Period,
    /// `None`: one segment, `all`.
    pub by: Option<SegmentBy>,
    pub segments: Vec<SegmentMetrics>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The mean, unrounded.
fn mean_raw(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn mean(xs: &[f64]) -> Option<f64> {
    mean_raw(xs).map(round1)
}

/// The median of `xs` (the mean of the middle two for an even count).
pub fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Net Promoter Score of NPS responses: % of 9–10 minus % of 0–6.
pub fn nps(scores: &[u8]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let p = scores.iter().filter(|s| **s >= 9).count() as f64;
    let d = scores.iter().filter(|s| **s <= 6).count() as f64;
    Some(round1(100.0 * (p - d) / scores.len() as f64))
}

struct Days<'a> {
    zone: &'a TimeZone,
}

impl Days<'_> {
    fn of(&self, t: Timestamp) -> Date {
        t.to_zoned(self.zone.clone()).date()
    }
}

/// The day a relationship began: its start date, or the day it was recorded.
fn began(r: &Relationship, d: &Days<'_>) -> Date {
    r.started_on.unwrap_or_else(|| d.of(r.meta.created_at))
}

/// Whether the relationship existed on day `on`: begun on or before it and not ended by it.
fn existed(r: &Relationship, on: Date, d: &Days<'_>) -> bool {
    began(r, d) <= on && r.ended_on.is_none_or(|e| e > on)
}

/// The metrics of every segment, segments in name order (`all` when not segmented).
pub fn metrics(input: &MetricsInput, by: Option<SegmentBy>) -> Metrics {
    let mut names: Vec<String> = input
        .relationships
        .iter()
        .flat_map(|r| r.segments.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    if by.is_none() {
        names = vec!["all".into()];
    }
    let segments = names
        .into_iter()
        .map(|name| {
            let rels: Vec<&Relationship> = input
                .relationships
                .iter()
                .filter(|r| by.is_none() || r.segments.contains(&name))
                .map(|r| &r.relationship)
                .collect();
            segment(input, name, &rels)
        })
        .collect();
    Metrics {
        period: input.period,
        by,
        segments,
    }
}

/// The metrics over one set of relationships.
pub fn segment(input: &MetricsInput, name: String, rels: &[&Relationship]) -> SegmentMetrics {
    let p = input.period;
    let d = Days { zone: &input.zone };
    let in_period = |t: Timestamp| p.contains(d.of(t));
    // Relationships that existed at any time in the period.
    let touched: Vec<&Relationship> = rels
        .iter()
        .copied()
        .filter(|r| began(r, &d) <= p.to && r.ended_on.is_none_or(|e| e > p.from))
        .collect();
    let ids: HashSet<&Id> = touched.iter().map(|r| &r.meta.id).collect();
    let subjects: HashSet<&Id> = touched.iter().map(|r| &r.subject.id).collect();

    let active = rels
        .iter()
        .filter(|r| r.status == RelationshipStatus::Active && existed(r, p.to, &d))
        .count();

    // Retention and churn.
    let at_start: Vec<&&Relationship> = rels.iter().filter(|r| existed(r, p.from, &d)).collect();
    let retained = at_start.iter().filter(|r| existed(r, p.to, &d)).count();
    let churned = at_start.len() - retained;
    let new = rels.iter().filter(|r| p.contains(began(r, &d))).count();
    let mut end_reasons = BTreeMap::new();
    for r in rels
        .iter()
        .filter(|r| r.ended_on.is_some_and(|e| p.contains(e)))
    {
        let reason = r
            .end_reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("unspecified")
            .to_string();
        *end_reasons.entry(reason).or_insert(0) += 1;
    }
    let retention = Retention {
        at_start: at_start.len(),
        retained,
        churned,
        retention_percent: Share::new(retained, at_start.len()).percent,
        churn_percent: Share::new(churned, at_start.len()).percent,
        new,
        end_reasons,
    };

    // Referral rate: received introductions or referrals, and ties naming them as the
    // one who introduced or referred someone.
    let mut referrers: HashSet<&Id> = HashSet::new();
    for x in &input.exchanges {
        if x.direction == ExchangeDirection::Received
            && matches!(x.kind, ExchangeKind::Introduction | ExchangeKind::Referral)
            && in_period(x.at)
            && ids.contains(&x.relationship_id)
        {
            referrers.insert(&x.relationship_id);
        }
    }
    let mut referring_people: HashSet<&Id> = HashSet::new();
    for t in &input.ties {
        if matches!(t.kind, TieKind::IntroducedBy | TieKind::ReferredBy)
            && in_period(t.meta.created_at)
        {
            referring_people.insert(&t.to_person_id);
        }
    }
    for r in &touched {
        if r.subject.kind == SubjectKind::Person && referring_people.contains(&r.subject.id) {
            referrers.insert(&r.meta.id);
        }
    }
    let referral = Share::new(referrers.len(), touched.len());

    // Repeat business.
    let mut won_all: HashMap<&Id, usize> = HashMap::new();
    let mut won_in: HashMap<&Id, usize> = HashMap::new();
    let mut pipeline: BTreeMap<DealStage, StageValue> = BTreeMap::new();
    for deal in input
        .deals
        .iter()
        .filter(|x| subjects.contains(&x.subject.id))
    {
        let closed = deal.closed_at.map(|t| d.of(t));
        if deal.stage == DealStage::Won && closed.is_none_or(|c| c <= p.to) {
            *won_all.entry(&deal.subject.id).or_insert(0) += 1;
            if closed.is_some_and(|c| p.contains(c)) {
                *won_in.entry(&deal.subject.id).or_insert(0) += 1;
            }
        }
        if !deal.stage.is_closed() && d.of(deal.meta.created_at) <= p.to {
            let s = pipeline.entry(deal.stage).or_insert_with(|| StageValue {
                stage: deal.stage,
                deals: 0,
                amounts: BTreeMap::new(),
            });
            s.deals += 1;
            if let (Some(a), Some(c)) = (deal.amount, &deal.currency) {
                let sum = s.amounts.entry(c.clone()).or_insert(0.0);
                *sum = round2(*sum + a);
            }
        }
    }
    let deals_won: usize = won_in.values().sum();
    let repeat_business = RepeatBusiness {
        deals_won,
        customers: won_in.len(),
        deals_per_customer: (!won_in.is_empty())
            .then(|| round2(deals_won as f64 / won_in.len() as f64)),
        repeat_customers: won_in
            .keys()
            .filter(|s| won_all.get(*s).copied().unwrap_or(0) >= 2)
            .count(),
    };

    // NPS and CSAT.
    let mut nps_scores = vec![];
    let mut csat = vec![];
    for f in &input.feedback {
        if ids.contains(&f.relationship_id) && in_period(f.at) {
            match f.scale {
                FeedbackScale::Nps => nps_scores.push(f.score),
                FeedbackScale::Csat => csat.push(f.score),
            }
        }
    }
    let satisfaction = Satisfaction {
        nps_responses: nps_scores.len(),
        promoters: nps_scores.iter().filter(|s| **s >= 9).count(),
        passives: nps_scores.iter().filter(|s| (7..=8).contains(*s)).count(),
        detractors: nps_scores.iter().filter(|s| **s <= 6).count(),
        nps: nps(&nps_scores),
        csat_responses: csat.len(),
        csat_percent: Share::new(csat.iter().filter(|s| **s >= 4).count(), csat.len()).percent,
        csat_mean: mean(&csat.iter().map(|s| f64::from(*s)).collect::<Vec<_>>()),
    };

    // Average health and its change.
    let latest = |id: &Id, on: Date| -> Option<f64> {
        input
            .health
            .get(id)?
            .iter()
            .filter(|(day, _)| *day <= on)
            .max_by_key(|(day, _)| *day)
            .map(|(_, s)| f64::from(*s))
    };
    let end_scores: Vec<f64> = rels
        .iter()
        .filter(|r| existed(r, p.to, &d))
        .filter_map(|r| latest(&r.meta.id, p.to))
        .collect();
    let start_scores: Vec<f64> = rels
        .iter()
        .filter(|r| existed(r, p.from, &d))
        .filter_map(|r| latest(&r.meta.id, p.from))
        .collect();
    let average = mean_raw(&end_scores);
    let average_at_start = mean_raw(&start_scores);
    let health = HealthChange {
        scored: end_scores.len(),
        average: average.map(round1),
        average_at_start: average_at_start.map(round1),
        change: average.zip(average_at_start).map(|(a, b)| round1(a - b)),
    };

    // Commitments kept, both ways.
    let rate = |by: OwedBy| {
        let closed: Vec<&Commitment> = input
            .commitments
            .iter()
            .filter(|c| c.owed_by == by && ids.contains(&c.relationship_id))
            .filter(|c| c.closed_at.is_some_and(in_period))
            .collect();
        let kept = closed
            .iter()
            .filter(|c| c.status == CommitmentStatus::Kept)
            .count();
        let broken = closed
            .iter()
            .filter(|c| c.status == CommitmentStatus::Broken)
            .count();
        KeptRate {
            kept,
            broken,
            percent: Share::new(kept, kept + broken).percent,
        }
    };
    let commitments = Commitments {
        mine: rate(OwedBy::Me),
        theirs: rate(OwedBy::Them),
    };

    // Conflicts opened and resolved.
    let mine: Vec<&Conflict> = input
        .conflicts
        .iter()
        .filter(|c| ids.contains(&c.relationship_id))
        .collect();
    let resolved: Vec<&&Conflict> = mine
        .iter()
        .filter(|c| c.status == ConflictStatus::Resolved && c.resolved_at.is_some_and(in_period))
        .collect();
    let conflicts = Conflicts {
        opened: mine.iter().filter(|c| in_period(c.opened_at)).count(),
        resolved: resolved.len(),
        median_days_to_resolve: median(
            resolved
                .iter()
                .filter_map(|c| {
                    let r = c.resolved_at?;
                    Some(round1(
                        r.duration_since(c.opened_at).as_secs_f64() / 86_400.0,
                    ))
                })
                .collect(),
        ),
    };

    SegmentMetrics {
        segment: name,
        active,
        retention,
        referral,
        repeat_business,
        satisfaction,
        health,
        pipeline: pipeline.into_values().collect(),
        commitments,
        conflicts,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
