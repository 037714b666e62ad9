//! The daily agenda: what deserves attention today, ranked, each with its reason and
//! an estimate of the minutes it takes — and, given a time budget, the set of actions
//! worth the most that fits (a 0/1 knapsack, not a truncation).

use jiff::civil::Date;
use serde::Serialize;

use crate::enums::*;
use crate::values::*;
use crate::{DomainError, Id};

/// What kind of action an agenda item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    CheckIn,
    Commitment,
    Conflict,
    Date,
    AtRisk,
    Task,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectRef {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaItem {
    pub kind: ItemKind,
    pub subject: SubjectRef,
    /// What to do, in a few words.
    pub action: String,
    /// Why it is on the agenda.
    pub reason: String,
    /// Estimated minutes it takes.
    pub minutes: u32,
    /// Value of doing it today; higher first.
    pub score: f64,
    /// The record the item is about (relationship, commitment, conflict, date, task).
    pub record_id: Id,
}

/// A relationship's check-in state.
#[derive(Debug, Clone)]
pub struct CheckInFact {
    pub relationship_id: Id,
    pub subject: SubjectRef,
    pub kind: RelationshipKind,
    pub importance: Importance,
    pub cadence: Option<CadenceDays>,
    pub last_contact: Option<Date>,
    pub started_on: Option<Date>,
    pub preferred_channel: Option<Channel>,
}

#[derive(Debug, Clone)]
pub struct CommitmentFact {
    pub id: Id,
    pub subject: SubjectRef,
    pub owed_by: OwedBy,
    pub text: String,
    pub due: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct ConflictFact {
    pub id: Id,
    pub subject: SubjectRef,
    pub severity: Severity,
    pub opened_on: Date,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct DateFact {
    pub id: Id,
    pub subject: SubjectRef,
    pub kind: DateKind,
    pub label: Option<String>,
    pub next: Date,
}

#[derive(Debug, Clone)]
pub struct TaskFact {
    pub id: Id,
    pub subject: Option<SubjectRef>,
    pub text: String,
    pub due: Option<Date>,
}

/// A relationship whose health fell.
#[derive(Debug, Clone)]
pub struct AtRiskFact {
    pub relationship_id: Id,
    pub subject: SubjectRef,
    pub importance: Importance,
    pub from: u8,
    pub to: u8,
    pub days: i32,
}

/// Everything the agenda is computed from.
#[derive(Debug, Clone, Default)]
pub struct AgendaInput {
    pub check_ins: Vec<CheckInFact>,
    pub commitments: Vec<CommitmentFact>,
    pub conflicts: Vec<ConflictFact>,
    pub dates: Vec<DateFact>,
    pub tasks: Vec<TaskFact>,
    pub at_risk: Vec<AtRiskFact>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agenda {
    pub items: Vec<AgendaItem>,
    /// How many items did not fit the budget.
    pub left_out: usize,
    /// The items that did not fit, best first (empty without a budget).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out_items: Vec<AgendaItem>,
}

/// Minutes a check-in takes on a channel.
pub fn check_in_minutes(channel: Option<Channel>) -> u32 {
    match channel {
        Some(Channel::Meeting) => 45,
        Some(Channel::Call) | Some(Channel::Video) => 15,
        Some(Channel::Email) | Some(Channel::Letter) => 10,
        Some(Channel::Message) | Some(Channel::Social) => 5,
        Some(Channel::Event) => 60,
        _ => 15,
    }
}

fn days(from: Date, to: Date) -> i64 {
    (to - from).get_days() as i64
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn verb(channel: Option<Channel>) -> &'static str {
    match channel {
        Some(Channel::Email) | Some(Channel::Letter) => "Write to",
        Some(Channel::Message) | Some(Channel::Social) => "Message",
        Some(Channel::Meeting) | Some(Channel::Event) => "Meet",
        Some(Channel::Video) => "Video-call",
        _ => "Call",
    }
}

/// Ranks everything that deserves attention on `today`.
pub fn agenda(input: &AgendaInput, today: Date) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    for c in &input.check_ins {
        let (cadence, assumed) = match c.cadence {
            Some(c) => (c, false),
            None => (crate::health::default_cadence(c.kind, c.importance), true),
        };
        let cad = cadence.get() as i64;
        let since = match (c.last_contact, c.started_on) {
            (Some(d), _) => days(d, today),
            (None, Some(s)) => days(s, today),
            (None, None) => cad + 1,
        };
        if since <= cad {
            continue;
        }
        let ratio = since as f64 / cad as f64;
        let last = match c.last_contact {
            Some(_) => format!("last contact {} ago", plural(since, "day")),
            None => "no contact recorded".to_string(),
        };
        let cadence_text = if assumed {
            format!(
                "no cadence set: {cad} days assumed for a {} of importance {}",
                c.kind, c.importance
            )
        } else {
            format!("cadence {cad} days")
        };
        items.push(AgendaItem {
            kind: ItemKind::CheckIn,
            subject: c.subject.clone(),
            action: format!(
                "{} {} — check in",
                verb(c.preferred_channel),
                c.subject.name
            ),
            reason: format!(
                "{last}, {cadence_text}: {ratio:.1}× overdue (importance {})",
                c.importance
            ),
            minutes: check_in_minutes(c.preferred_channel),
            // Grows with lateness without bound, but slower than linearly: a year-long
            // silence does not drown out everything else.
            score: c.importance.get() as f64 * 2.0 * (1.0 + ratio.ln()),
            record_id: c.relationship_id.clone(),
        });
    }
    for c in &input.commitments {
        let Some(due) = c.due else { continue };
        let until = days(today, due);
        if until > 3 {
            continue;
        }
        let mine = c.owed_by == OwedBy::Me;
        let when = match until {
            u if u < 0 => format!("overdue by {}", plural(-u, "day")),
            0 => "due today".to_string(),
            u => format!("due in {}", plural(u, "day")),
        };
        let overdue = (-until).max(0) as f64;
        items.push(AgendaItem {
            kind: ItemKind::Commitment,
            subject: c.subject.clone(),
            action: if mine {
                format!("Keep your promise to {}: {}", c.subject.name, c.text)
            } else {
                format!("Remind {} of their promise: {}", c.subject.name, c.text)
            },
            reason: format!("{} promise {when}", if mine { "your" } else { "their" }),
            minutes: if mine { 20 } else { 5 },
            score: if mine { 12.0 } else { 6.0 } + overdue.min(30.0) * if mine { 0.5 } else { 0.2 },
            record_id: c.id.clone(),
        });
    }
    for c in &input.conflicts {
        let age = days(c.opened_on, today).max(0);
        items.push(AgendaItem {
            kind: ItemKind::Conflict,
            subject: c.subject.clone(),
            action: format!("Work on resolving the conflict with {}", c.subject.name),
            reason: format!(
                "open for {} (severity {}): {}",
                plural(age, "day"),
                c.severity,
                c.description
            ),
            minutes: 30,
            score: c.severity.get() as f64 * 5.0 + (age as f64 / 7.0).min(10.0),
            record_id: c.id.clone(),
        });
    }
    for d in &input.dates {
        let until = days(today, d.next);
        if !(0..=7).contains(&until) {
            continue;
        }
        let what = match (d.kind, &d.label) {
            (DateKind::Birthday, _) => "birthday".to_string(),
            (_, Some(l)) => l.clone(),
            (k, None) => k.to_string(),
        };
        let when = match until {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            u => format!("in {u} days ({})", d.next),
        };
        items.push(AgendaItem {
            kind: ItemKind::Date,
            subject: d.subject.clone(),
            action: format!("Send {} a note for their {what}", d.subject.name),
            reason: format!("{what} {when}"),
            minutes: 5,
            score: 9.0 - until as f64,
            record_id: d.id.clone(),
        });
    }
    for r in &input.at_risk {
        items.push(AgendaItem {
            kind: ItemKind::AtRisk,
            subject: r.subject.clone(),
            action: format!("Look at what changed with {}", r.subject.name),
            reason: format!(
                "health fell from {} to {} in {}",
                r.from,
                r.to,
                plural(r.days as i64, "day")
            ),
            minutes: 15,
            score: (r.from.saturating_sub(r.to)) as f64 / 5.0 * r.importance.get() as f64,
            record_id: r.relationship_id.clone(),
        });
    }
    for t in &input.tasks {
        let Some(due) = t.due else { continue };
        let until = days(today, due);
        if until > 0 {
            continue;
        }
        let name = t
            .subject
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        items.push(AgendaItem {
            kind: ItemKind::Task,
            subject: t.subject.clone().unwrap_or(SubjectRef {
                id: t.id.clone(),
                name: name.clone(),
            }),
            action: t.text.clone(),
            reason: if until == 0 {
                "task due today".into()
            } else {
                format!("task overdue by {}", plural(-until, "day"))
            },
            minutes: 15,
            score: 5.0 + (-until as f64).min(20.0) * 0.3,
            record_id: t.id.clone(),
        });
    }
    items.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.subject.name.cmp(&b.subject.name))
            .then_with(|| a.record_id.cmp(&b.record_id))
    });
    items
}

/// Parses a time budget: `45m`, `1h`, `1h30m`, `90` (minutes).
pub fn parse_budget(s: &str) -> Result<u32, DomainError> {
    let bad = || {
        DomainError::invalid(
            "budget",
            format!("`{s}` is not a time budget like 45m, 1h or 1h30m"),
        )
    };
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() || t.len() > 12 {
        return Err(bad());
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=1440).contains(m))
            .ok_or_else(bad);
    }
    let mut total: u32 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            let n: u32 = num.parse().map_err(|_| bad())?;
            num.clear();
            let m = match c {
                'h' => n.checked_mul(60).ok_or_else(bad)?,
                'm' => n,
                _ => return Err(bad()),
            };
            total = total.checked_add(m).ok_or_else(bad)?;
        }
    }
    if !num.is_empty() || !(1..=1440).contains(&total) {
        return Err(bad());
    }
    Ok(total)
}

/// How many of the best items a budgeted selection considers.
const CONSIDERED: usize = 500;

/// Picks the items worth the most whose minutes fit `budget` (0/1 knapsack by dynamic
/// programming over minutes). Returns the chosen items in rank order and the rest.
pub fn fit_budget(ranked: Vec<AgendaItem>, budget: u32) -> Agenda {
    let budget = budget.min(1440) as usize;
    let n = ranked.len().min(CONSIDERED);
    // value[i][m]: best value from the first i items within m minutes; kept as one table
    // of choices so the selection can be traced back.
    let w = budget + 1;
    let mut best = vec![0.0f64; w];
    let mut take = vec![false; n * w];
    for (i, item) in ranked.iter().take(n).enumerate() {
        let cost = item.minutes as usize;
        if cost > budget {
            continue;
        }
        for m in (cost..=budget).rev() {
            let with = best[m - cost] + item.score.max(0.0);
            if with > best[m] {
                best[m] = with;
                take[i * w + m] = true;
            }
        }
    }
    let mut chosen = vec![false; ranked.len()];
    let mut m = budget;
    for i in (0..n).rev() {
        if take[i * w + m] {
            chosen[i] = true;
            m -= ranked[i].minutes as usize;
        }
    }
    let mut items = Vec::new();
    let mut left = Vec::new();
    for (i, item) in ranked.into_iter().enumerate() {
        if chosen[i] {
            items.push(item)
        } else {
            left.push(item)
        }
    }
    Agenda {
        items,
        left_out: left.len(),
        left_out_items: left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn subject(n: u8, name: &str) -> SubjectRef {
        SubjectRef {
            id: Id::v7(n as u64, [n; 10]),
            name: name.into(),
        }
    }

    fn check_in(n: u8, name: &str, importance: i64, cadence: i64, last: Date) -> CheckInFact {
        CheckInFact {
            relationship_id: Id::v7(100 + n as u64, [n; 10]),
            subject: subject(n, name),
            kind: RelationshipKind::Customer,
            importance: Importance::clamped(importance),
            cadence: Some(CadenceDays::clamped(cadence)),
            last_contact: Some(last),
            started_on: None,
            preferred_channel: Some(Channel::Call),
        }
    }

    fn item(n: u8, minutes: u32, score: f64) -> AgendaItem {
        AgendaItem {
            kind: ItemKind::Task,
            subject: subject(n, "x"),
            action: String::new(),
            reason: String::new(),
            minutes,
            score,
            record_id: Id::v7(n as u64, [n; 10]),
        }
    }

    #[test]
    fn overdue_check_ins_rank_by_importance_and_lateness() {
        let today = date(2026, 11, 23);
        let input = AgendaInput {
            check_ins: vec![
                check_in(1, "Tended", 5, 14, date(2026, 11, 20)),
                check_in(2, "Neglected", 5, 14, date(2026, 9, 9)),
                check_in(3, "Minor", 1, 14, date(2026, 10, 1)),
            ],
            ..AgendaInput::default()
        };
        let items = agenda(&input, today);
        let names: Vec<_> = items.iter().map(|i| i.subject.name.as_str()).collect();
        assert_eq!(names, vec!["Neglected", "Minor"]);
        assert_eq!(
            items[0].reason,
            "last contact 75 days ago, cadence 14 days: 5.4× overdue (importance 5)"
        );
    }

    #[test]
    fn my_promises_come_before_theirs() {
        let today = date(2026, 11, 23);
        let c = |n: u8, by: OwedBy| CommitmentFact {
            id: Id::v7(n as u64, [n; 10]),
            subject: subject(n, "P"),
            owed_by: by,
            text: "x".into(),
            due: Some(today),
        };
        let items = agenda(
            &AgendaInput {
                commitments: vec![c(1, OwedBy::Them), c(2, OwedBy::Me)],
                ..Default::default()
            },
            today,
        );
        assert_eq!(items[0].reason, "your promise due today");
        assert_eq!(items[1].reason, "their promise due today");
    }

    #[test]
    fn knapsack_beats_truncation() {
        // Greedy by score takes the 40-minute item and nothing else fits in 45 minutes;
        // the two 20-minute items are worth more together.
        let ranked = vec![item(1, 40, 10.0), item(2, 20, 7.0), item(3, 20, 7.0)];
        let a = fit_budget(ranked, 45);
        assert_eq!(a.items.iter().map(|i| i.minutes).sum::<u32>(), 40);
        assert_eq!(a.items.iter().map(|i| i.score).sum::<f64>(), 14.0);
        assert_eq!(a.left_out, 1);
    }

    #[test]
    fn budgets() {
        assert_eq!(parse_budget("45m").ok(), Some(45));
        assert_eq!(parse_budget("1h30m").ok(), Some(90));
        assert_eq!(parse_budget("2h").ok(), Some(120));
        assert_eq!(parse_budget("90").ok(), Some(90));
        for bad in ["", "0", "45s", "h", "1h30", "25h", "9999999999m"] {
            assert!(parse_budget(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_budget_is_never_exceeded_and_beats_greedy(
            spec in proptest::collection::vec((1u32..120, 0.0f64..50.0), 0..40),
            budget in 1u32..300,
        ) {
            let ranked: Vec<AgendaItem> = spec.iter().enumerate().map(|(i, (m, s))| item(i as u8, *m, *s)).collect();
            let mut greedy_sorted = ranked.clone();
            greedy_sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
            let mut used = 0;
            let mut greedy = 0.0;
            for i in &greedy_sorted {
                if used + i.minutes <= budget {
                    used += i.minutes;
                    greedy += i.score;
                }
            }
            let a = fit_budget(ranked, budget);
            let total: u32 = a.items.iter().map(|i| i.minutes).sum();
            proptest::prop_assert!(total <= budget);
            let value: f64 = a.items.iter().map(|i| i.score).sum();
            proptest::prop_assert!(value + 1e-9 >= greedy);
            proptest::prop_assert_eq!(a.items.len() + a.left_out, spec.len());
        }

        #[test]
        fn budget_parsing_never_panics(s in "\\PC{0,16}") {
            let _ = parse_budget(&s);
        }
    }
}
