//! Relationship health: an explainable score from 0 to 100 for one relationship.
//!
//! The score is built from named components, each worth at most a fixed number of points
//! and each explained by one sentence. A component with no data is left out, and the
//! score is the points earned over the points possible among the components present,
//! rescaled to 100. A relationship with no data at all has no score: its status is
//! `unknown`, not 0 and not 100. `docs/health.md` gives every formula and why.
//!
//! Two properties hold by construction and are tested: recording a kept promise never
//! lowers the score, and one more day without contact never raises it. The second is why
//! the trends are exponentially weighted rather than counted in fixed windows: a window
//! that lets an old, bad month slide out would make silence look like improvement.
//!
//! Every fact dated after `today` is ignored (a promise kept or a conflict resolved after
//! `today` counts as still open), so the same input computes the health of any past day.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::enums::{
    CommitmentStatus, ConflictStatus, ExchangeDirection, FeedbackScale, OwedBy, RelationshipKind,
    RelationshipStatus,
};
use crate::values::{CadenceDays, Importance, Sentiment, Severity};

#[cfg(test)]
mod tests;

/// One interaction with the other party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InteractionFact {
    /// The day it happened (in the user's time zone).
    pub on: Date,
    pub sentiment: Option<Sentiment>,
}

/// One promise, made by either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitmentFact {
    pub owed_by: OwedBy,
    pub status: CommitmentStatus,
    pub due: Option<Date>,
    /// The day it was kept, broken, renegotiated or cancelled.
    pub closed_on: Option<Date>,
}

/// One line of the reciprocity ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeFact {
    pub direction: ExchangeDirection,
    /// Points of value.
    pub value: u32,
    pub on: Date,
}

/// One conflict, open or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConflictFact {
    pub severity: Severity,
    pub status: ConflictStatus,
    pub opened_on: Date,
    pub resolved_on: Option<Date>,
}

/// One feedback score; only the latest on or before `today` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackFact {
    pub scale: FeedbackScale,
    /// The score on its scale (NPS 0–10, CSAT 1–5); out-of-range values are clamped.
    pub score: u8,
    pub on: Date,
}

/// Everything one relationship's health is computed from. The slices need no order.
#[derive(Debug, Clone, Copy)]
pub struct HealthInput<'a> {
    /// The day the health is computed for.
    pub today: Date,
    pub kind: RelationshipKind,
    pub importance: Importance,
    /// `None`: derived from kind and importance by [`default_cadence`].
    pub cadence_days: Option<CadenceDays>,
    /// `dormant` relaxes the cadence threefold; `ended` leaves recency and frequency out.
    pub status: RelationshipStatus,
    pub interactions: &'a [InteractionFact],
    pub commitments: &'a [CommitmentFact],
    pub exchanges: &'a [ExchangeFact],
    pub conflicts: &'a [ConflictFact],
    pub feedback: &'a [FeedbackFact],
}

impl<'a> HealthInput<'a> {
    /// An active relationship with no cadence set and no records yet.
    pub fn new(today: Date, kind: RelationshipKind, importance: Importance) -> HealthInput<'a> {
        HealthInput {
            today,
            kind,
            importance,
            cadence_days: None,
            status: RelationshipStatus::Active,
            interactions: &[],
            commitments: &[],
            exchanges: &[],
            conflicts: &[],
            feedback: &[],
        }
    }
}

/// A relationship's health: the score, its band and the components that explain it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Health {
    /// 0–100; `None` when there is no data to judge by.
    pub score: Option<u8>,
    pub status: HealthStatus,
    /// The components present, in a fixed order.
    pub components: Vec<Component>,
}

/// One named part of the score.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Component {
    /// A stable identifier: `recency`, `frequency`, `their-reliability`,
    /// `my-reliability`, `reciprocity`, `conflicts`, `sentiment`, `feedback`.
    pub name: &'static str,
    /// Points earned, rounded to a tenth; between 0 and `max`.
    pub points: f64,
    /// The component's weight: the most it can earn.
    pub max: f64,
    /// Why, in one sentence.
    pub reason: String,
}

/// The band a score falls in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum HealthStatus {
    /// No data: no score.
    Unknown,
    /// 0–39.
    AtRisk,
    /// 40–59.
    NeedsAttention,
    /// 60–79.
    Healthy,
    /// 80–100.
    Thriving,
}

impl HealthStatus {
    /// The band of a score.
    pub fn of(score: Option<u8>) -> HealthStatus {
        match score {
            None => HealthStatus::Unknown,
            Some(s) if s < 40 => HealthStatus::AtRisk,
            Some(s) if s < 60 => HealthStatus::NeedsAttention,
            Some(s) if s < 80 => HealthStatus::Healthy,
            Some(_) => HealthStatus::Thriving,
        }
    }

    /// The text form: `unknown`, `at-risk`, `needs-attention`, `healthy`, `thriving`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Unknown => "unknown",
            HealthStatus::AtRisk => "at-risk",
            HealthStatus::NeedsAttention => "needs-attention",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Thriving => "thriving",
        }
    }
}

impl std::fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A health drop worth flagging: from `from` to `to` over `days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Falling {
    pub from: u8,
    pub to: u8,
    pub days: u32,
}

/// How many points health must lose within [`FALL_WINDOW_DAYS`] to count as falling.
pub const FALL_POINTS: u8 = 10;
/// The window, in days up to today, in which a fall is looked for.
pub const FALL_WINDOW_DAYS: i64 = 30;

// The weights (most points each component can earn); together 100.
const RECENCY: u32 = 30;
const FREQUENCY: u32 = 10;
const THEIR_RELIABILITY: u32 = 10;
const MY_RELIABILITY: u32 = 15;
const RECIPROCITY: u32 = 10;
const CONFLICTS: u32 = 10;
const SENTIMENT: u32 = 5;
const FEEDBACK: u32 = 10;

/// Mean lives, in days, of the short and long exponential weights of the frequency trend.
const PACE_SHORT: f64 = 45.0;
const PACE_LONG: f64 = 180.0;
/// Half-life, in days, of a rated interaction's weight against the newest one.
const SENTIMENT_HALF_LIFE: f64 = 60.0;
/// Half-life, in days, of the good part of a feedback score.
const FEEDBACK_HALF_LIFE: f64 = 180.0;
/// A conflict resolved within this many days leaves no mark.
const PROMPT_RESOLUTION_DAYS: i64 = 14;

/// The check-in cadence assumed when none is set: a base from importance (5 → 14 days,
/// 4 → 21, 3 → 30, 2 → 60, 1 → 90), stretched ×1.5 for suppliers, investors and
/// colleagues and ×2 for community and other ties.
pub fn default_cadence(kind: RelationshipKind, importance: Importance) -> CadenceDays {
    let base: i64 = match importance.get() {
        5 => 14,
        4 => 21,
        3 => 30,
        2 => 60,
        _ => 90,
    };
    let stretched = match kind {
        RelationshipKind::Supplier | RelationshipKind::Investor | RelationshipKind::Colleague => {
            base * 3 / 2
        }
        RelationshipKind::Community | RelationshipKind::Other => base * 2,
        _ => base,
    };
    CadenceDays::clamped(stretched)
}

/// The cadence in force and, when it was assumed, the sentence that says so.
pub(crate) fn cadence_in_force(
    kind: RelationshipKind,
    importance: Importance,
    set: Option<CadenceDays>,
) -> (i64, Option<String>) {
    let c = cadence_days_in_force(kind, importance, set);
    (
        c,
        set.is_none().then(|| assumed_cadence(kind, importance, c)),
    )
}

/// The cadence in force, in days: the one set, else the default for kind and importance.
pub(crate) fn cadence_days_in_force(
    kind: RelationshipKind,
    importance: Importance,
    set: Option<CadenceDays>,
) -> i64 {
    i64::from(
        set.unwrap_or_else(|| default_cadence(kind, importance))
            .get(),
    )
}

/// The sentence that says a cadence of `days` was assumed.
pub(crate) fn assumed_cadence(kind: RelationshipKind, importance: Importance, days: i64) -> String {
    format!(
        "no cadence set: {days} days assumed for {} {kind} of importance {importance}",
        article(kind)
    )
}

fn article(kind: RelationshipKind) -> &'static str {
    if kind.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days(from: Date, to: Date) -> i64 {
    from.duration_until(to).as_secs() / 86_400
}

/// `1 day`, `3 days`.
pub(crate) fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A number in `lo..=hi`, with NaN mapped to `lo`.
pub(crate) fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() { lo } else { x.clamp(lo, hi) }
}

/// A component while it is computed: the share of its weight earned, in `0..=1`.
struct Part {
    name: &'static str,
    max: u32,
    share: f64,
    reason: String,
}

impl Part {
    fn new(name: &'static str, max: u32, share: f64, reason: String) -> Part {
        Part {
            name,
            max,
            share,
            reason,
        }
    }

    /// Points earned in tenths: the unit the score is added up in, so that the score is
    /// exactly what the shown points add up to.
    fn tenths(&self) -> u32 {
        (clamp(self.share, 0.0, 1.0) * f64::from(self.max) * 10.0).round() as u32
    }
}

/// Computes the health of one relationship.
pub fn health(input: &HealthInput<'_>) -> Health {
    let today = input.today;
    let mut contacts: Vec<Date> = input
        .interactions
        .iter()
        .map(|i| i.on)
        .filter(|d| *d <= today)
        .collect();
    contacts.sort_unstable();
    let parts = [
        recency(input, contacts.last().copied()),
        frequency(input, &contacts),
        reliability(input, OwedBy::Them),
        reliability(input, OwedBy::Me),
        reciprocity(input),
        conflicts(input),
        sentiment(input),
        feedback(input),
    ];
    let parts: Vec<Part> = parts.into_iter().flatten().collect();
    let earned: u64 = parts.iter().map(|p| u64::from(p.tenths())).sum();
    let possible: u64 = parts.iter().map(|p| u64::from(p.max) * 10).sum();
    let score = if possible == 0 {
        None
    } else {
        // round(100 · earned / possible), in integers so that it is exact.
        let s = (200 * earned + possible) / (2 * possible);
        Some(s.min(100) as u8)
    };
    Health {
        score,
        status: HealthStatus::of(score),
        components: parts
            .into_iter()
            .map(|p| Component {
                name: p.name,
                points: f64::from(p.tenths()) / 10.0,
                max: f64::from(p.max),
                reason: p.reason,
            })
            .collect(),
    }
}

/// Days since the last contact against the cadence: full points within the cadence, then
/// falling fast (e^−(r−1) of the weight at r cadences since the last contact).
fn recency(input: &HealthInput<'_>, last: Option<Date>) -> Option<Part> {
    if input.status == RelationshipStatus::Ended {
        return None;
    }
    let last = last?;
    let (mut cadence, assumed) = cadence_in_force(input.kind, input.importance, input.cadence_days);
    let mut notes: Vec<String> = assumed.into_iter().collect();
    if input.status == RelationshipStatus::Dormant {
        cadence *= 3;
        notes.push(format!("dormant: cadence relaxed to {cadence} days"));
    }
    let since = days(last, input.today).max(0);
    let ratio = since as f64 / cadence.max(1) as f64;
    let share = if ratio <= 1.0 {
        1.0
    } else {
        (-(ratio - 1.0)).exp()
    };
    let last_text = match since {
        0 => "last contact today".to_string(),
        1 => "last contact yesterday".to_string(),
        d => format!("last contact {d} days ago"),
    };
    let verdict = if ratio <= 1.0 {
        format!("{last_text}, within the {cadence}-day cadence")
    } else if notes.is_empty() {
        format!("{last_text}, cadence {cadence} days: {ratio:.1}× overdue")
    } else {
        format!("{last_text}: {ratio:.1}× overdue")
    };
    notes.push(verdict);
    Some(Part::new("recency", RECENCY, share, notes.join("; ")))
}

/// The recent pace of contact against the long-run pace. Both are exponentially weighted
/// counts (mean lives of 45 and 180 days) scaled to a rate, so that steady contact gives a
/// ratio near 1 and silence lowers it every day. Needs two contacts.
fn frequency(input: &HealthInput<'_>, contacts: &[Date]) -> Option<Part> {
    if input.status == RelationshipStatus::Ended || contacts.len() < 2 {
        return None;
    }
    let last = *contacts.last()?;
    // Weights are taken relative to the last contact, and the days since it applied as
    // one factor, so the ratio depends on `today` only through that factor.
    let (mut short, mut long) = (0.0, 0.0);
    for d in contacts {
        let age = days(*d, last) as f64;
        short += (-age / PACE_SHORT).exp();
        long += (-age / PACE_LONG).exp();
    }
    let quiet = days(last, input.today).max(0) as f64;
    let fade = (-quiet * (1.0 / PACE_SHORT - 1.0 / PACE_LONG)).exp();
    let pace = clamp(
        (short / PACE_SHORT) / (long / PACE_LONG) * fade,
        0.0,
        PACE_LONG / PACE_SHORT,
    );
    let shown = (pace * 10.0).round() / 10.0;
    let (recent, before) = contacts
        .iter()
        .fold((0, 0), |(r, b), d| match days(*d, input.today) {
            0..90 => (r + 1, b),
            90..180 => (r, b + 1),
            _ => (r, b),
        });
    let verdict = if shown >= 1.0 {
        "steady or rising"
    } else if shown >= 0.7 {
        "slowing"
    } else {
        "falling"
    };
    let reason = format!(
        "{} in the last 90 days, {before} in the 90 before; recent pace {shown:.1}× the long-run pace: {verdict}",
        plural(recent, "contact")
    );
    Some(Part::new("frequency", FREQUENCY, pace.min(1.0), reason))
}

/// Promises of one side: kept earns 1, renegotiated ½, broken 0; for my promises an open
/// one past its due date also earns 0. Cancelled promises do not count.
fn reliability(input: &HealthInput<'_>, side: OwedBy) -> Option<Part> {
    let today = input.today;
    let (mut kept, mut renegotiated, mut broken, mut lapsed) = (0u32, 0u32, 0u32, 0u32);
    for c in input.commitments.iter().filter(|c| c.owed_by == side) {
        let closed_later = c.closed_on.is_some_and(|d| d > today);
        let status = if closed_later {
            CommitmentStatus::Open
        } else {
            c.status
        };
        match status {
            CommitmentStatus::Kept => kept += 1,
            CommitmentStatus::Renegotiated => renegotiated += 1,
            CommitmentStatus::Broken => broken += 1,
            CommitmentStatus::Cancelled => {}
            CommitmentStatus::Open => {
                if side == OwedBy::Me && c.due.is_some_and(|d| d < today) {
                    lapsed += 1;
                }
            }
        }
    }
    let counted = kept + renegotiated + broken + lapsed;
    if counted == 0 {
        return None;
    }
    let share = (f64::from(kept) + 0.5 * f64::from(renegotiated)) / f64::from(counted);
    let mut rest = Vec::new();
    if renegotiated > 0 {
        rest.push(format!("{renegotiated} renegotiated"));
    }
    if broken > 0 {
        rest.push(format!("{broken} broken"));
    }
    if lapsed > 0 {
        rest.push(format!("{lapsed} open past its due date"));
    }
    let who = match side {
        OwedBy::Me => "you",
        OwedBy::Them => "they",
    };
    let mut reason = format!(
        "{who} kept {kept} of {}",
        plural(i64::from(counted), "promise")
    );
    if !rest.is_empty() {
        reason.push_str(": ");
        reason.push_str(&rest.join(", "));
    }
    let (name, max) = match side {
        OwedBy::Me => ("my-reliability", MY_RELIABILITY),
        OwedBy::Them => ("their-reliability", THEIR_RELIABILITY),
    };
    Some(Part::new(name, max, share, reason))
}

/// Value given against value received, each side counted one point more so that a single
/// line is not judged as total imbalance. A split up to 60/40 earns full points; beyond it
/// points fall linearly to nothing at 90/10.
fn reciprocity(input: &HealthInput<'_>) -> Option<Part> {
    let (mut given, mut received, mut lines) = (0u64, 0u64, 0u32);
    for e in input.exchanges.iter().filter(|e| e.on <= input.today) {
        lines += 1;
        match e.direction {
            ExchangeDirection::Given => given += u64::from(e.value),
            ExchangeDirection::Received => received += u64::from(e.value),
        }
    }
    if lines == 0 {
        return None;
    }
    let (g, r) = (given as f64 + 1.0, received as f64 + 1.0);
    let imbalance = (g - r).abs() / (g + r);
    let share = clamp(1.0 - (imbalance - 0.2) / 0.6, 0.0, 1.0);
    let verdict = if imbalance <= 0.2 {
        "balanced"
    } else if imbalance < 0.5 {
        if given > received {
            "leaning toward you giving"
        } else {
            "leaning toward you receiving"
        }
    } else if given > received {
        "strongly one-sided: you give far more than you receive"
    } else {
        "strongly one-sided: you receive far more than you give"
    };
    let reason = format!("you gave {given} points of value and received {received}: {verdict}");
    Some(Part::new("reciprocity", RECIPROCITY, share, reason))
}

/// Open conflicts weigh severity/3, from 0.4 of that when just opened up to all of it
/// after 60 days, scaled by status (acknowledged 0.85, resolving 0.7). A conflict resolved
/// within 14 days leaves no mark; a slower one leaves up to a quarter of its weight.
/// The weights add up, and the component loses that share of its points.
fn conflicts(input: &HealthInput<'_>) -> Option<Part> {
    let today = input.today;
    let mut penalty = 0.0;
    let mut open: Vec<(u8, i64)> = Vec::new();
    let (mut resolved, mut slow) = (0u32, 0u32);
    let mut present = false;
    for c in input.conflicts.iter().filter(|c| c.opened_on <= today) {
        present = true;
        let severity = f64::from(c.severity.get()) / 3.0;
        let resolved_by_today =
            c.status == ConflictStatus::Resolved && c.resolved_on.is_none_or(|d| d <= today);
        if resolved_by_today {
            resolved += 1;
            let took = c.resolved_on.map_or(0, |d| days(c.opened_on, d));
            if took > PROMPT_RESOLUTION_DAYS {
                slow += 1;
                let late = clamp((took - PROMPT_RESOLUTION_DAYS) as f64 / 76.0, 0.0, 1.0);
                penalty += severity * 0.25 * late;
            }
        } else {
            let age = days(c.opened_on, today).max(0);
            let progress = match c.status {
                ConflictStatus::Acknowledged => 0.85,
                ConflictStatus::Resolving => 0.7,
                _ => 1.0,
            };
            let aged = 0.4 + 0.6 * clamp(age as f64 / 60.0, 0.0, 1.0);
            penalty += severity * progress * aged;
            open.push((c.severity.get(), age));
        }
    }
    if !present {
        return None;
    }
    open.sort_by(|a, b| b.cmp(a));
    let mut said = Vec::new();
    if open.is_empty() {
        said.push("no open conflicts".to_string());
    } else {
        let worst: Vec<String> = open
            .iter()
            .take(3)
            .map(|(s, age)| format!("severity {s}, open {}", plural(*age, "day")))
            .collect();
        let more = if open.len() > 3 { ", …" } else { "" };
        said.push(format!(
            "{} ({}{more})",
            plural(open.len() as i64, "open conflict"),
            worst.join("; ")
        ));
    }
    if resolved > 0 {
        let how = match slow {
            0 => format!("all within {PROMPT_RESOLUTION_DAYS} days"),
            n if n == resolved => format!("none within {PROMPT_RESOLUTION_DAYS} days"),
            n => format!("{n} took longer than {PROMPT_RESOLUTION_DAYS} days"),
        };
        said.push(format!("{resolved} resolved, {how}"));
    }
    let share = 1.0 - clamp(penalty, 0.0, 1.0);
    Some(Part::new("conflicts", CONFLICTS, share, said.join("; ")))
}

/// The mean sentiment of rated interactions, each weighted by half every 60 days it lies
/// before the newest rated one, mapped from −2..+2 onto the weight.
fn sentiment(input: &HealthInput<'_>) -> Option<Part> {
    let rated: Vec<(Date, f64)> = input
        .interactions
        .iter()
        .filter(|i| i.on <= input.today)
        .filter_map(|i| i.sentiment.map(|s| (i.on, f64::from(s.get()))))
        .collect();
    let newest = rated.iter().map(|(d, _)| *d).max()?;
    let (mut sum, mut weight) = (0.0, 0.0);
    let (mut early_sum, mut early_n) = (0.0, 0u32);
    for (d, s) in &rated {
        let age = days(*d, newest) as f64;
        let w = (-age / SENTIMENT_HALF_LIFE * std::f64::consts::LN_2).exp();
        sum += w * s;
        weight += w;
        if age >= 90.0 {
            early_sum += s;
            early_n += 1;
        }
    }
    let mean = clamp(sum / weight, -2.0, 2.0);
    let trend = if early_n > 0 {
        let before = early_sum / f64::from(early_n);
        let word = if mean - before >= 0.3 {
            "improving"
        } else if before - mean >= 0.3 {
            "worsening"
        } else {
            "steady"
        };
        format!(", {word} (earlier {})", signed(before))
    } else {
        String::new()
    };
    let reason = format!(
        "{}, recent ones weigh most: {} on a −2..+2 scale{trend}",
        plural(rated.len() as i64, "rated interaction"),
        signed(mean)
    );
    Some(Part::new(
        "sentiment",
        SENTIMENT,
        (mean + 2.0) / 4.0,
        reason,
    ))
}

/// `+1.2`, `-0.5`, `0.0`.
fn signed(x: f64) -> String {
    if x.abs() < 0.05 {
        "0.0".into()
    } else {
        format!("{x:+.1}")
    }
}

/// The latest feedback on its scale, mapped onto 0..1 (NPS score/10, CSAT (score−1)/4).
/// The part above the middle fades by half every 180 days; a low score stands until new
/// feedback replaces it.
fn feedback(input: &HealthInput<'_>) -> Option<Part> {
    let latest = input
        .feedback
        .iter()
        .filter(|f| f.on <= input.today)
        .max_by_key(|f| f.on)?;
    let (lo, hi) = latest.scale.range();
    let score = latest.score.clamp(lo, hi);
    let quality = f64::from(score - lo) / f64::from(hi - lo);
    let age = days(latest.on, input.today).max(0);
    let share = if quality > 0.5 {
        let fade = (-(age as f64) / FEEDBACK_HALF_LIFE * std::f64::consts::LN_2).exp();
        0.5 + (quality - 0.5) * fade
    } else {
        quality
    };
    let scale = match latest.scale {
        FeedbackScale::Nps => "NPS",
        FeedbackScale::Csat => "CSAT",
    };
    let when = match age {
        0 => "today".to_string(),
        1 => "yesterday".to_string(),
        d => format!("{d} days ago"),
    };
    let note = if quality > 0.5 && age >= 90 {
        ": praise fades with age, time to ask again"
    } else if quality < 0.5 {
        ": a low score stands until new feedback"
    } else {
        ""
    };
    let reason = format!("{scale} {score} of {hi}, {when}{note}");
    Some(Part::new("feedback", FEEDBACK, share, reason))
}

/// The days of `history` on which the score fell at least [`FALL_POINTS`] below the
/// highest score recorded in the [`FALL_WINDOW_DAYS`] days before that day: of the days
/// in `[from, until]` only (their windows must lie within `history`). Health can be
/// falling on a day (see [`is_falling`]) only if one of these days lies in that day's
/// window: the window's latest score is such a fall. Keeping these days as scores are
/// recorded lets the agenda read them instead of every score of the window. The history
/// needs no order; oldest first in the result.
pub fn fall_days(history: &[(Date, u8)], from: Date, until: Date) -> Vec<Date> {
    let mut out: Vec<Date> = history
        .iter()
        .filter(|(d, _)| *d >= from && *d <= until)
        .filter(|(day, score)| {
            let start = day
                .checked_sub(jiff::Span::new().days(FALL_WINDOW_DAYS))
                .unwrap_or(*day);
            history
                .iter()
                .filter(|(d, _)| *d >= start && d < day)
                .map(|(_, s)| (*s).min(100))
                .max()
                .is_some_and(|peak| peak.saturating_sub((*score).min(100)) >= FALL_POINTS)
        })
        .map(|(d, _)| *d)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Flags a falling health: the latest score on or before `today` is at least
/// [`FALL_POINTS`] below the highest score recorded in the [`FALL_WINDOW_DAYS`] days
/// before it (and within that window of `today`). The history needs no order.
pub fn is_falling(history: &[(Date, u8)], today: Date) -> Option<Falling> {
    let start = today
        .checked_sub(jiff::Span::new().days(FALL_WINDOW_DAYS))
        .unwrap_or(today);
    let window = || {
        history
            .iter()
            .filter(move |(d, _)| *d >= start && *d <= today)
            .map(|(d, s)| (*d, (*s).min(100)))
    };
    let (last_day, to) = window().max_by_key(|(d, _)| *d)?;
    // The highest earlier score; among equals the latest, so `days` is the shortest fall.
    let (peak_day, from) = window()
        .filter(|(d, _)| *d < last_day)
        .max_by_key(|(d, s)| (*s, *d))?;
    if from.saturating_sub(to) < FALL_POINTS {
        return None;
    }
    Some(Falling {
        from,
        to,
        days: u32::try_from(days(peak_day, last_day)).unwrap_or(0),
    })
}
