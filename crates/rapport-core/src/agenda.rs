//! The daily agenda: what deserves attention today, ranked, each with its reason and an
//! estimate of the minutes it takes — and, given a time budget, the set of actions worth
//! the most that fits (a 0/1 knapsack by dynamic programming, not a truncation).
//!
//! Scores are in one unit, "value of acting today", so that items of different kinds can
//! be ranked together. `docs/health.md` gives every formula and minute estimate.

use jiff::civil::Date;
use serde::Serialize;

use crate::enums::{Channel, DateKind, OwedBy, RelationshipKind};
use crate::health::{Falling, assumed_cadence, cadence_days_in_force, clamp, days, plural};
use crate::values::{CadenceDays, Importance, Severity};
use crate::{DomainError, Id};

#[cfg(test)]
mod tests;

/// What kind of action an agenda item asks for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// A relationship is past its check-in cadence.
    CheckIn,
    /// A promise is due or overdue.
    Commitment,
    /// A conflict is open.
    Conflict,
    /// A birthday, anniversary or other date is within a week.
    Date,
    /// A relationship's health is falling.
    AtRisk,
    /// A task is due or overdue.
    Task,
}

/// The other party an item is about: `{"id": …, "name": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct SubjectRef {
    /// The person's or organization's id.
    pub id: Id,
    pub name: String,
}

/// One relationship as the agenda sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipFacts {
    /// The relationship's id: the record a check-in or at-risk item refers to.
    pub id: Id,
    pub subject: SubjectRef,
    pub kind: RelationshipKind,
    pub importance: Importance,
    /// `None`: the default cadence for kind and importance.
    pub cadence_days: Option<CadenceDays>,
    pub last_contact: Option<Date>,
    /// When the relationship began; counts as the last contact when there was none.
    pub started_on: Option<Date>,
    /// The current health score, when known.
    pub health: Option<u8>,
    /// Set when health is falling (see [`crate::health::is_falling`]).
    pub falling: Option<Falling>,
    pub preferred_channel: Option<Channel>,
}

/// An open promise, by either side.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCommitment {
    pub id: Id,
    pub subject: SubjectRef,
    pub owed_by: OwedBy,
    pub text: String,
    pub due: Option<Date>,
}

/// A conflict that is not resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenConflict {
    pub id: Id,
    pub subject: SubjectRef,
    pub severity: Severity,
    pub opened_on: Date,
}

/// A birthday, anniversary or custom date and its next occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct UpcomingDate {
    /// The important date's id (or the person's, for a birthday kept on the person).
    pub id: Id,
    pub subject: SubjectRef,
    pub kind: DateKind,
    /// What a custom date is, e.g. "company founded".
    pub label: Option<String>,
    /// The next occurrence on or after today.
    pub next: Date,
}

/// A task that is not done.
#[derive(Debug, Clone, PartialEq)]
pub struct DueTask {
    pub id: Id,
    /// Who the task is about, if anyone.
    pub subject: Option<SubjectRef>,
    pub text: String,
    pub due: Date,
}

/// Everything the agenda is computed from. Facts that do not need attention on `today`
/// (a check-in within its cadence, a date three weeks away) may be included: they are
/// left off the agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaInput {
    pub today: Date,
    pub relationships: Vec<RelationshipFacts>,
    pub commitments: Vec<OpenCommitment>,
    pub conflicts: Vec<OpenConflict>,
    pub dates: Vec<UpcomingDate>,
    pub tasks: Vec<DueTask>,
    /// Stakeholders of projects; overdue "manage closely" ones become check-ins.
    pub stakeholders: Vec<crate::stakeholders::StakeholderFacts>,
}

impl AgendaInput {
    /// An input for `today` with no facts yet.
    pub fn new(today: Date) -> AgendaInput {
        AgendaInput {
            today,
            relationships: vec![],
            commitments: vec![],
            conflicts: vec![],
            dates: vec![],
            tasks: vec![],
            stakeholders: vec![],
        }
    }
}

/// One thing to do today.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AgendaItem {
    pub kind: ItemKind,
    /// `None` only for a task about no one.
    pub subject: Option<SubjectRef>,
    /// What to do, in a few words: "Call Ada — check in".
    pub action: String,
    /// Why it is on the agenda.
    pub reason: String,
    /// Estimated minutes it takes.
    pub minutes: u32,
    /// Value of doing it today, rounded to a tenth; higher ranks first.
    pub score: f64,
    /// The record the item is about: the relationship, commitment, conflict, date or task.
    pub record_id: Id,
}

/// The agenda of a day: the items chosen, best first, and what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Agenda {
    pub items: Vec<AgendaItem>,
    /// How many items did not fit the budget.
    pub left_out: usize,
    /// The items that did not fit, best first (empty without a budget).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out_items: Vec<AgendaItem>,
}

/// The largest budget, in minutes: a day.
pub const MAX_BUDGET: u32 = 1440;

/// How many of the best items the knapsack weighs exactly; items ranked below are only
/// used to fill the minutes left over.
const CONSIDERED: usize = 400;

/// Minutes for a check-in on a channel: a call 15, a video call 20, a meeting 45, an
/// event 60, an email or a message 5, a letter 15; no preferred channel means a call.
fn check_in_minutes(channel: Option<Channel>) -> u32 {
    match channel {
        Some(Channel::Meeting) => 45,
        Some(Channel::Event) => 60,
        Some(Channel::Video) => 20,
        Some(Channel::Email | Channel::Message | Channel::Social) => 5,
        Some(Channel::Letter) => 15,
        Some(Channel::Call | Channel::Other) | None => 15,
    }
}

fn check_in_verb(channel: Option<Channel>) -> &'static str {
    match channel {
        Some(Channel::Meeting | Channel::Event) => "Meet",
        Some(Channel::Video) => "Video-call",
        Some(Channel::Email) => "Email",
        Some(Channel::Message | Channel::Social) => "Message",
        Some(Channel::Letter) => "Write to",
        Some(Channel::Call | Channel::Other) | None => "Call",
    }
}

const MY_PROMISE_MINUTES: u32 = 20;
const THEIR_PROMISE_MINUTES: u32 = 5;
const CONFLICT_MINUTES: u32 = 30;
const DATE_MINUTES: u32 = 5;
const AT_RISK_MINUTES: u32 = 15;
const TASK_MINUTES: u32 = 15;

/// My promises show this many days before they are due.
const MY_PROMISE_LEAD_DAYS: i64 = 3;
/// The last due dates of the open promises the agenda of `today` may show: mine, which
/// show [`MY_PROMISE_LEAD_DAYS`] ahead, and theirs, which show once due. Promises due
/// later need not be read.
pub fn promises_due_by(today: Date) -> PromisesDueBy {
    PromisesDueBy {
        mine: today
            .checked_add(jiff::Span::new().days(MY_PROMISE_LEAD_DAYS))
            .unwrap_or(Date::MAX),
        theirs: today,
    }
}

/// See [`promises_due_by`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromisesDueBy {
    /// The last due date of my promises shown.
    pub mine: Date,
    /// The last due date of their promises shown (never after `mine`).
    pub theirs: Date,
}

/// Dates show this many days ahead.
const DATE_LEAD_DAYS: i64 = 7;

fn round_tenth(x: f64) -> f64 {
    (clamp(x, 0.0, 1e6) * 10.0).round() / 10.0
}

fn when(days_until: i64) -> String {
    match days_until {
        0 => "due today".to_string(),
        u if u < 0 => format!("overdue by {}", plural(-u, "day")),
        u => format!("due in {}", plural(u, "day")),
    }
}

/// How a check-in describes the last contact: days since it, since the relationship
/// started, or none recorded.
#[derive(Debug, Clone, Copy)]
enum Last {
    Contact(i64),
    Started(i64),
    Never,
}

/// What an item is written from: its fact and what judging it found.
#[derive(Clone)]
enum Fact<'a> {
    CheckIn {
        r: &'a RelationshipFacts,
        cadence: i64,
        last: Last,
    },
    AtRisk {
        r: &'a RelationshipFacts,
        fall: Falling,
    },
    Commitment {
        c: &'a OpenCommitment,
        until: i64,
    },
    Conflict {
        c: &'a OpenConflict,
        age: i64,
    },
    Date {
        d: &'a UpcomingDate,
        until: i64,
    },
    Task {
        t: &'a DueTask,
        until: i64,
    },
    /// Stakeholder check-ins, which are few, come written.
    Written(Box<AgendaItem>),
}

/// An item judged but not yet written: what ranking and the budget look at, and the
/// fact to write it from. Only the items that are shown get their sentences written.
#[derive(Clone)]
struct Candidate<'a> {
    kind: ItemKind,
    minutes: u32,
    score: f64,
    fact: Fact<'a>,
}

/// What ranking and fitting a budget look at, for written and unwritten items alike.
trait Ranked {
    fn kind(&self) -> ItemKind;
    fn score(&self) -> f64;
    fn minutes(&self) -> u32;
    fn subject(&self) -> Option<&SubjectRef>;
    fn record_id(&self) -> &Id;
}

impl Ranked for AgendaItem {
    fn kind(&self) -> ItemKind {
        self.kind
    }
    fn score(&self) -> f64 {
        self.score
    }
    fn minutes(&self) -> u32 {
        self.minutes
    }
    fn subject(&self) -> Option<&SubjectRef> {
        self.subject.as_ref()
    }
    fn record_id(&self) -> &Id {
        &self.record_id
    }
}

impl Ranked for Candidate<'_> {
    fn kind(&self) -> ItemKind {
        self.kind
    }
    fn score(&self) -> f64 {
        self.score
    }
    fn minutes(&self) -> u32 {
        self.minutes
    }
    fn subject(&self) -> Option<&SubjectRef> {
        match &self.fact {
            Fact::CheckIn { r, .. } | Fact::AtRisk { r, .. } => Some(&r.subject),
            Fact::Commitment { c, .. } => Some(&c.subject),
            Fact::Conflict { c, .. } => Some(&c.subject),
            Fact::Date { d, .. } => Some(&d.subject),
            Fact::Task { t, .. } => t.subject.as_ref(),
            Fact::Written(i) => i.subject.as_ref(),
        }
    }
    fn record_id(&self) -> &Id {
        match &self.fact {
            Fact::CheckIn { r, .. } | Fact::AtRisk { r, .. } => &r.id,
            Fact::Commitment { c, .. } => &c.id,
            Fact::Conflict { c, .. } => &c.id,
            Fact::Date { d, .. } => &d.id,
            Fact::Task { t, .. } => &t.id,
            Fact::Written(i) => &i.record_id,
        }
    }
}

impl Candidate<'_> {
    /// The item with its action and reason written.
    fn write(self) -> AgendaItem {
        let (subject, record_id) = (self.subject().cloned(), self.record_id().clone());
        let (action, reason) = match self.fact {
            Fact::Written(item) => return *item,
            Fact::CheckIn { r, cadence, last } => check_in_text(r, cadence, last),
            Fact::AtRisk { r, fall } => (
                format!("Look into what changed with {}", r.subject.name),
                format!(
                    "health fell from {} to {} in {}",
                    fall.from,
                    fall.to,
                    plural(i64::from(fall.days), "day")
                ),
            ),
            Fact::Commitment { c, until } => {
                let (action, whose) = match c.owed_by {
                    OwedBy::Me => (
                        format!("Keep your promise to {}: {}", c.subject.name, c.text),
                        "your",
                    ),
                    OwedBy::Them => (
                        format!("Remind {} of their promise: {}", c.subject.name, c.text),
                        "their",
                    ),
                };
                (action, format!("{whose} promise, {}", when(until)))
            }
            Fact::Conflict { c, age } => (
                format!("Work on resolving the conflict with {}", c.subject.name),
                format!(
                    "severity {} conflict, open for {}",
                    c.severity,
                    plural(age, "day")
                ),
            ),
            Fact::Date { d, until } => date_text(d, until),
            Fact::Task { t, until } => (
                match &t.subject {
                    Some(s) => format!("{} ({})", t.text, s.name),
                    None => t.text.clone(),
                },
                format!("task {}", when(until)),
            ),
        };
        AgendaItem {
            kind: self.kind,
            subject,
            action,
            reason,
            minutes: self.minutes,
            score: self.score,
            record_id,
        }
    }
}

/// Everything that deserves attention on `input.today`, best first.
pub fn rank(input: &AgendaInput) -> Vec<AgendaItem> {
    candidates(input)
        .into_iter()
        .map(Candidate::write)
        .collect()
}

/// Everything that deserves attention on `input.today`, judged but not written, best
/// first.
fn candidates(input: &AgendaInput) -> Vec<Candidate<'_>> {
    sorted(judged(input))
}

/// Everything that deserves attention on `input.today`, judged but not written, in no
/// particular order.
fn judged(input: &AgendaInput) -> Vec<Candidate<'_>> {
    let today = input.today;
    // Room for an item per fact (more only with falling health or stakeholders), so that
    // tens of thousands of candidates are not copied as the vector grows.
    let mut items = Vec::with_capacity(
        input.relationships.len()
            + input.commitments.len()
            + input.conflicts.len()
            + input.dates.len()
            + input.tasks.len(),
    );
    for r in &input.relationships {
        if let Some(item) = check_in(r, today) {
            items.push(item);
        }
        if let Some(fall) = r.falling {
            let drop = f64::from(fall.from.saturating_sub(fall.to));
            let low = r.health.is_some_and(|h| h < 40);
            items.push(Candidate {
                kind: ItemKind::AtRisk,
                minutes: AT_RISK_MINUTES,
                score: round_tenth(
                    drop / 2.0 * f64::from(r.importance.get()) / 3.0 + if low { 4.0 } else { 0.0 },
                ),
                fact: Fact::AtRisk { r, fall },
            });
        }
    }
    // The subjects with a check-in already (only needed when there are stakeholders).
    let checked: std::collections::HashSet<&Id> = if input.stakeholders.is_empty() {
        Default::default()
    } else {
        items
            .iter()
            .filter(|i| i.kind == ItemKind::CheckIn)
            .filter_map(|i| i.subject().map(|s| &s.id))
            .collect()
    };
    let stakeholder_check_ins =
        crate::stakeholders::check_ins(&input.stakeholders, today, &checked);
    items.extend(stakeholder_check_ins.into_iter().map(|item| Candidate {
        kind: item.kind,
        minutes: item.minutes,
        score: item.score,
        fact: Fact::Written(Box::new(item)),
    }));
    let shown_by = promises_due_by(today);
    for c in &input.commitments {
        let Some(due) = c.due else { continue };
        let last_shown = match c.owed_by {
            OwedBy::Me => shown_by.mine,
            OwedBy::Them => shown_by.theirs,
        };
        if due > last_shown {
            continue;
        }
        let until = days(today, due);
        let overdue = (-until).clamp(0, 30) as f64;
        let (score, minutes) = match c.owed_by {
            OwedBy::Me => (
                if until > 0 {
                    20.0 - 3.0 * until as f64
                } else {
                    20.0 + overdue / 3.0
                },
                MY_PROMISE_MINUTES,
            ),
            OwedBy::Them => (6.0 + overdue / 10.0, THEIR_PROMISE_MINUTES),
        };
        items.push(Candidate {
            kind: ItemKind::Commitment,
            minutes,
            score: round_tenth(score),
            fact: Fact::Commitment { c, until },
        });
    }
    for c in &input.conflicts {
        let age = days(c.opened_on, today).max(0);
        items.push(Candidate {
            kind: ItemKind::Conflict,
            minutes: CONFLICT_MINUTES,
            score: round_tenth(
                6.0 * f64::from(c.severity.get()) + clamp(age as f64 / 7.0, 0.0, 8.0),
            ),
            fact: Fact::Conflict { c, age },
        });
    }
    for d in &input.dates {
        let until = days(today, d.next);
        if !(0..=DATE_LEAD_DAYS).contains(&until) {
            continue;
        }
        let top = match d.kind {
            DateKind::Birthday | DateKind::Anniversary => 10.0,
            DateKind::Custom => 8.0,
        };
        items.push(Candidate {
            kind: ItemKind::Date,
            minutes: DATE_MINUTES,
            score: round_tenth(top - until as f64).max(1.0),
            fact: Fact::Date { d, until },
        });
    }
    for t in &input.tasks {
        let until = days(today, t.due);
        if until > 0 {
            continue;
        }
        items.push(Candidate {
            kind: ItemKind::Task,
            minutes: TASK_MINUTES,
            score: round_tenth(8.0 + (-until).clamp(0, 20) as f64 * 0.3),
            fact: Fact::Task { t, until },
        });
    }
    items
}

/// The action and reason of an upcoming date `until` days away.
fn date_text(d: &UpcomingDate, until: i64) -> (String, String) {
    let name = &d.subject.name;
    let (what, action) = match (d.kind, &d.label) {
        (DateKind::Birthday, _) => (
            "birthday".to_string(),
            format!("Wish {name} a happy birthday"),
        ),
        (DateKind::Anniversary, label) => {
            let what = label.clone().unwrap_or_else(|| "anniversary".into());
            let action = format!("Mark {name}'s {what}");
            (what, action)
        }
        (DateKind::Custom, label) => {
            let what = label.clone().unwrap_or_else(|| "date".into());
            let action = format!("Remember {name}'s {what}");
            (what, action)
        }
    };
    let at = match until {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        u => format!("in {u} days ({})", d.next),
    };
    (action, format!("{what} {at}"))
}

/// Items in rank order. Sorts indices rather than the items themselves, which are large.
fn sorted<T: Ranked>(items: Vec<T>) -> Vec<T> {
    if items.is_sorted_by(|a, b| rank_order(a, b).is_le()) {
        return items;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_unstable_by(|&a, &b| rank_order(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

fn subject_name<T: Ranked>(item: &T) -> Option<&str> {
    item.subject().map(|s| s.name.as_str())
}

/// Best first; ties broken by kind, name and record so that the order is stable.
fn rank_order<T: Ranked>(a: &T, b: &T) -> std::cmp::Ordering {
    b.score()
        .total_cmp(&a.score())
        .then_with(|| a.kind().cmp(&b.kind()))
        .then_with(|| subject_name(a).cmp(&subject_name(b)))
        .then_with(|| a.record_id().cmp(b.record_id()))
}

/// An overdue check-in: worth 2 × importance × (1 + ln r) at r cadences since the last
/// contact (r capped at 30), so importance counts linearly and lateness with diminishing
/// weight. With no contact and no start date recorded, r counts as 1.
fn check_in(r: &RelationshipFacts, today: Date) -> Option<Candidate<'_>> {
    let cadence = cadence_days_in_force(r.kind, r.importance, r.cadence_days);
    let (ratio, last) = match (r.last_contact, r.started_on) {
        (Some(d), _) => {
            let since = days(d, today);
            (since as f64 / cadence as f64, Last::Contact(since))
        }
        (None, Some(d)) => {
            let since = days(d, today);
            (since as f64 / cadence as f64, Last::Started(since))
        }
        (None, None) => (1.0, Last::Never),
    };
    if ratio <= 1.0 && !matches!(last, Last::Never) {
        return None;
    }
    Some(Candidate {
        kind: ItemKind::CheckIn,
        minutes: check_in_minutes(r.preferred_channel),
        score: round_tenth(
            2.0 * f64::from(r.importance.get()) * (1.0 + clamp(ratio, 1.0, 30.0).ln()),
        ),
        fact: Fact::CheckIn { r, cadence, last },
    })
}

/// The action and reason of a check-in.
fn check_in_text(r: &RelationshipFacts, cadence: i64, last: Last) -> (String, String) {
    let last = match last {
        Last::Contact(0) => "last contact today".to_string(),
        Last::Contact(1) => "last contact yesterday".to_string(),
        Last::Contact(n) => format!("last contact {n} days ago"),
        Last::Started(n) => format!(
            "no contact since the relationship started {} ago",
            plural(n, "day")
        ),
        Last::Never => "no contact recorded yet".to_string(),
    };
    let reason = match r.cadence_days {
        None => format!("{last}; {}", assumed_cadence(r.kind, r.importance, cadence)),
        Some(_) => format!(
            "{last}, cadence {cadence} days (importance {})",
            r.importance.get()
        ),
    };
    let name = &r.subject.name;
    (
        format!("{} {name} — check in", check_in_verb(r.preferred_channel)),
        reason,
    )
}

/// Whether the items a budget leaves out are written out or only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOut {
    /// Written, best first, into [`Agenda::left_out_items`] (the JSON of the CLI and API).
    Listed,
    /// Only counted in [`Agenda::left_out`] (the CLI's table, which prints the count).
    Counted,
}

/// The ranked agenda of `input.today`, fitted to `budget` minutes when one is given.
/// Only the items returned are written, and when the left-out items are only counted,
/// only as many items are put in rank order as choosing needs.
pub fn agenda(input: &AgendaInput, budget: Option<u32>, left_out: LeftOut) -> Agenda {
    let Some(budget) = budget else {
        return Agenda {
            items: candidates(input)
                .into_iter()
                .map(Candidate::write)
                .collect(),
            left_out: 0,
            left_out_items: vec![],
        };
    };
    let mut ranking = Ranking::new(judged(input));
    if left_out == LeftOut::Listed {
        ranking.sort_all();
    }
    let chosen = choose(&mut ranking, budget);
    let mut items = Vec::new();
    let mut left_out_items = Vec::new();
    let mut left = 0;
    for (item, chosen) in ranking.items.into_iter().zip(chosen) {
        if chosen {
            items.push(item.write());
        } else {
            left += 1;
            if left_out == LeftOut::Listed {
                left_out_items.push(item.write());
            }
        }
    }
    Agenda {
        items,
        left_out: left,
        left_out_items,
    }
}

/// The first `n` items of the ranked agenda of `input.today` with no budget, and how
/// many others there are (in `left_out`; `left_out_items` stays empty): what a page
/// that shows the top of the agenda needs. Only those `n` are put in rank order and
/// written, not the tens of thousands a large workspace may have due.
pub fn agenda_first(input: &AgendaInput, n: usize) -> Agenda {
    let (items, total) = best(judged(input), n);
    Agenda {
        left_out: total - items.len(),
        items,
        left_out_items: vec![],
    }
}

/// [`agenda_first`] of `input` with its first `k` items of `kind`, wherever they rank,
/// in rank order (the falling relationships a dashboard lists beside the agenda's top):
/// the facts judged once for both.
pub fn agenda_top(
    input: &AgendaInput,
    n: usize,
    kind: ItemKind,
    k: usize,
) -> (Agenda, Vec<AgendaItem>) {
    let all = judged(input);
    let of_kind = all.iter().filter(|c| c.kind == kind).cloned().collect();
    let (items, total) = best(all, n);
    let top = Agenda {
        left_out: total - items.len(),
        items,
        left_out_items: vec![],
    };
    (top, best(of_kind, k).0)
}

/// The best `n` of `candidates`, put in rank order and written (only those), and how
/// many candidates there were.
fn best(candidates: Vec<Candidate<'_>>, n: usize) -> (Vec<AgendaItem>, usize) {
    let mut ranking = Ranking::new(candidates);
    ranking.sort_to(n);
    let total = ranking.items.len();
    let items = ranking
        .items
        .into_iter()
        .take(n)
        .map(Candidate::write)
        .collect();
    (items, total)
}

/// Chooses the items worth the most in total whose minutes add up to at most `budget`
/// (capped at [`MAX_BUDGET`]): a 0/1 knapsack solved by dynamic programming over minutes
/// on the best 400 items, O(400 · budget), whose leftover minutes are then filled from
/// the rest in rank order. The result is never worse than taking items greedily by score.
/// Chosen and left-out items both come back in rank order.
pub fn fit_budget(ranked: Vec<AgendaItem>, budget: u32) -> Agenda {
    let mut ranking = Ranking::new(ranked);
    ranking.sort_all();
    let chosen = choose(&mut ranking, budget);
    let mut items = Vec::new();
    let mut left_out_items = Vec::new();
    for (item, chosen) in ranking.items.into_iter().zip(chosen) {
        if chosen {
            items.push(item);
        } else {
            left_out_items.push(item);
        }
    }
    Agenda {
        items,
        left_out: left_out_items.len(),
        left_out_items,
    }
}

/// Items put in rank order a prefix at a time: `items[..sorted]` are the best items in
/// rank order, and every item after them ranks below them, in no particular order. A
/// budget of 45 minutes needs the best few hundred of 50,000 in order, not all of them.
struct Ranking<T> {
    items: Vec<T>,
    sorted: usize,
    /// How many more items the next extension puts in order (doubles each time).
    step: usize,
}

impl<T: Ranked> Ranking<T> {
    fn new(items: Vec<T>) -> Ranking<T> {
        Ranking::with_step(items, CONSIDERED)
    }

    fn with_step(items: Vec<T>, step: usize) -> Ranking<T> {
        Ranking {
            items,
            sorted: 0,
            step: step.max(1),
        }
    }

    fn sort_all(&mut self) {
        self.sort_to(self.items.len());
    }

    /// Puts (at least) the best `n` items in rank order.
    fn sort_to(&mut self, n: usize) {
        let n = n.min(self.items.len());
        if n <= self.sorted {
            return;
        }
        let rest = &mut self.items[self.sorted..];
        let k = n - self.sorted;
        if k < rest.len() {
            rest.select_nth_unstable_by(k, rank_order);
        }
        if let Some(head) = rest.get_mut(..k) {
            head.sort_unstable_by(rank_order);
        }
        self.sorted = n;
    }

    /// Puts the next items in rank order; false when all are.
    fn extend(&mut self) -> bool {
        if self.sorted == self.items.len() {
            return false;
        }
        let step = self.step;
        self.step = self.step.saturating_mul(2);
        self.sort_to(self.sorted.saturating_add(step));
        true
    }
}

/// Which of the ranked items [`fit_budget`] chooses: the better of the exact knapsack
/// and the greedy fill. Chosen items all lie in the part put in rank order.
fn choose<T: Ranked>(ranking: &mut Ranking<T>, budget: u32) -> Vec<bool> {
    let budget = budget.min(MAX_BUDGET);
    let value = |i: &T| clamp(i.score(), 0.0, f64::MAX);
    let exact = knapsack(ranking, budget);
    let greedy = fill(ranking, vec![false; ranking.items.len()], budget);
    let worth = |chosen: &[bool]| -> f64 {
        ranking
            .items
            .iter()
            .zip(chosen)
            .filter(|(_, c)| **c)
            .map(|(i, _)| value(i))
            .sum()
    };
    if worth(&greedy) > worth(&exact) {
        greedy
    } else {
        exact
    }
}

/// The exact best choice among the first [`CONSIDERED`] items, then filled greedily.
fn knapsack<T: Ranked>(ranking: &mut Ranking<T>, budget: u32) -> Vec<bool> {
    ranking.sort_to(CONSIDERED);
    let ranked = &ranking.items;
    let cap = budget as usize;
    let n = ranked.len().min(CONSIDERED);
    let width = cap + 1;
    // best[m]: the most value within m minutes using the items seen so far;
    // took[i * width + m]: whether item i improved best[m] (to trace the choice back).
    let mut best = vec![0.0f64; width];
    let mut took = vec![false; n * width];
    for (i, item) in ranked.iter().take(n).enumerate() {
        let cost = item.minutes() as usize;
        if cost > cap {
            continue;
        }
        let v = clamp(item.score(), 0.0, f64::MAX);
        for m in (cost..=cap).rev() {
            let with = best[m - cost] + v;
            if with > best[m] {
                best[m] = with;
                took[i * width + m] = true;
            }
        }
    }
    let mut chosen = vec![false; ranked.len()];
    let mut m = cap;
    for i in (0..n).rev() {
        if took[i * width + m] {
            chosen[i] = true;
            m -= ranked[i].minutes() as usize;
        }
    }
    fill(ranking, chosen, budget)
}

/// Adds, in rank order, every item not yet chosen that still fits. Items are put in
/// rank order only while one of those left could still fit.
fn fill<T: Ranked>(ranking: &mut Ranking<T>, mut chosen: Vec<bool>, budget: u32) -> Vec<bool> {
    let mut used: u64 = ranking
        .items
        .iter()
        .zip(&chosen)
        .filter(|(_, c)| **c)
        .map(|(i, _)| u64::from(i.minutes()))
        .sum();
    let mut i = 0;
    loop {
        if i == ranking.sorted {
            // Nothing ranked below fits the minutes left: the rest stays unordered.
            let fits = ranking.items[i..]
                .iter()
                .any(|item| used + u64::from(item.minutes()) <= u64::from(budget));
            if !fits || !ranking.extend() {
                break;
            }
        }
        let (Some(item), Some(c)) = (ranking.items.get(i), chosen.get_mut(i)) else {
            break;
        };
        if !*c && used + u64::from(item.minutes()) <= u64::from(budget) {
            *c = true;
            used += u64::from(item.minutes());
        }
        i += 1;
    }
    chosen
}

/// Parses a time budget into minutes: `45m`, `90` (minutes), `1h`, `2h`, `1h30m`, `1h30`,
/// `1h 30min`, `2 hours`. Between 1 minute and 24 hours.
pub fn parse_budget(s: &str) -> Result<u32, DomainError> {
    let bad = || {
        DomainError::invalid(
            "budget",
            format!("`{s}` is not a time budget like 45m, 1h or 1h30m"),
        )
    };
    let t: String = s
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() || t.len() > 24 {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut rest = t.as_str();
    let mut saw_hours = false;
    let mut saw_minutes = false;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 || digits > 6 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let letters = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..letters];
        rest = &rest[letters..];
        let per = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" if !saw_hours && !saw_minutes => {
                saw_hours = true;
                60
            }
            // A bare number is minutes: alone (`90`) or after hours (`1h30`).
            "" | "m" | "min" | "mins" | "minute" | "minutes" if !saw_minutes => {
                saw_minutes = true;
                1
            }
            _ => return Err(bad()),
        };
        total += n * per;
    }
    if total == 0 {
        return Err(DomainError::invalid(
            "budget",
            format!("`{s}` is no time: a budget is at least 1 minute"),
        ));
    }
    if total > u64::from(MAX_BUDGET) {
        return Err(DomainError::invalid(
            "budget",
            format!("`{s}` is more than 24 hours"),
        ));
    }
    u32::try_from(total).map_err(|_| bad())
}
