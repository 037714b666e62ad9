//! Stakeholder maps: the people of a project (a tag or a deal) placed on power × interest
//! in four quadrants, each with the engagement it calls for and a check-in cadence. The
//! overdue "manage closely" stakeholders feed the agenda as check-ins.
//! `docs/metrics.md` gives the rules.

use std::collections::HashSet;

use jiff::civil::Date;
use serde::Serialize;

use crate::Id;
use crate::agenda::{AgendaItem, ItemKind, SubjectRef};
use crate::health::{clamp, days};
use crate::values::{Attitude, Level};

/// Where a stakeholder sits on the power × interest grid. Power or interest of 3 or more
/// is "high".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Quadrant {
    /// High power, high interest.
    ManageClosely,
    /// High power, low interest.
    KeepSatisfied,
    /// Low power, high interest.
    KeepInformed,
    /// Low power, low interest.
    Monitor,
}

impl Quadrant {
    pub const ALL: [Quadrant; 4] = [
        Quadrant::ManageClosely,
        Quadrant::KeepSatisfied,
        Quadrant::KeepInformed,
        Quadrant::Monitor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "manage closely",
            Quadrant::KeepSatisfied => "keep satisfied",
            Quadrant::KeepInformed => "keep informed",
            Quadrant::Monitor => "monitor",
        }
    }

    /// How to engage the people of this quadrant.
    pub fn engagement(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "involve them in decisions; meet regularly",
            Quadrant::KeepSatisfied => "consult on what affects them; keep requests short",
            Quadrant::KeepInformed => "share progress regularly; listen for concerns",
            Quadrant::Monitor => "check in now and then; no heavy communication",
        }
    }
}

/// Power or interest of 3 or more counts as high.
const HIGH: u8 = 3;

/// The quadrant of a power and an interest.
pub fn quadrant(power: Level, interest: Level) -> Quadrant {
    match (power.get() >= HIGH, interest.get() >= HIGH) {
        (true, true) => Quadrant::ManageClosely,
        (true, false) => Quadrant::KeepSatisfied,
        (false, true) => Quadrant::KeepInformed,
        (false, false) => Quadrant::Monitor,
    }
}

/// The recommended days between contacts: manage closely 14 (7 when opposed, attitude
/// below 0), keep satisfied 30, keep informed 30, monitor 90.
pub fn cadence_days(q: Quadrant, attitude: Attitude) -> i64 {
    match q {
        Quadrant::ManageClosely if attitude.get() < 0 => 7,
        Quadrant::ManageClosely => 14,
        Quadrant::KeepSatisfied | Quadrant::KeepInformed => 30,
        Quadrant::Monitor => 90,
    }
}

/// One stakeholder of one project, as stored and last contacted.
#[derive(Debug, Clone, PartialEq)]
pub struct StakeholderFacts {
    /// The stake's id.
    pub id: Id,
    pub person: SubjectRef,
    /// The project's name: `#tag` or the deal's title.
    pub project: String,
    pub power: Level,
    pub interest: Level,
    pub attitude: Attitude,
    pub last_contact: Option<Date>,
}

/// A stakeholder placed on the map.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Placed {
    pub stake_id: Id,
    pub person: SubjectRef,
    pub power: Level,
    pub interest: Level,
    pub attitude: Attitude,
    pub quadrant: Quadrant,
    /// Recommended days between contacts.
    pub cadence_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_contact: Option<Date>,
    /// Past the cadence, or never contacted.
    pub overdue: bool,
}

/// One quadrant of the map and its people, most powerful first.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct QuadrantGroup {
    pub quadrant: Quadrant,
    pub engagement: &'static str,
    pub people: Vec<Placed>,
}

/// A project's stakeholder map: the four quadrants, always in the same order.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StakeholderMap {
    pub project: String,
    pub quadrants: Vec<QuadrantGroup>,
}

/// A project that has people placed in it, as the list of projects shows it:
/// `{"kind": "tag", "value": "launch", "name": "#launch", "people": 12}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProjectSummary {
    /// What `--tag` / `--deal` (and `?tag=` / `?deal=`) take: the tag, or the deal's id.
    #[serde(flatten)]
    pub project: crate::Project,
    /// How the project is named: `#tag` or the deal's title.
    pub name: String,
    /// How many people are placed in it.
    pub people: u32,
}

fn overdue(f: &StakeholderFacts, cadence: i64, today: Date) -> Option<i64> {
    match f.last_contact {
        Some(d) => {
            let since = days(d, today);
            (since > cadence).then_some(since)
        }
        None => Some(-1),
    }
}

/// Places each stakeholder: quadrants in [`Quadrant::ALL`] order, people by power, then
/// interest (highest first), then name.
pub fn map(project: String, facts: &[StakeholderFacts], today: Date) -> StakeholderMap {
    let quadrants = Quadrant::ALL
        .into_iter()
        .map(|q| {
            let mut people: Vec<Placed> = facts
                .iter()
                .filter(|f| quadrant(f.power, f.interest) == q)
                .map(|f| {
                    let cadence = cadence_days(q, f.attitude);
                    Placed {
                        stake_id: f.id.clone(),
                        person: f.person.clone(),
                        power: f.power,
                        interest: f.interest,
                        attitude: f.attitude,
                        quadrant: q,
                        cadence_days: cadence,
                        last_contact: f.last_contact,
                        overdue: overdue(f, cadence, today).is_some(),
                    }
                })
                .collect();
            people.sort_by(|a, b| {
                b.power
                    .cmp(&a.power)
                    .then(b.interest.cmp(&a.interest))
                    .then(a.person.name.cmp(&b.person.name))
            });
            QuadrantGroup {
                quadrant: q,
                engagement: q.engagement(),
                people,
            }
        })
        .collect();
    StakeholderMap { project, quadrants }
}

/// Minutes a stakeholder check-in takes: a call.
const CHECK_IN_MINUTES: u32 = 15;

/// Agenda check-ins for "manage closely" stakeholders past their cadence (or never
/// contacted), one per person (their most powerful stake), skipping people in `skip`
/// (who already have a relationship check-in). Worth 2 × power × (1 + ln r) at r
/// cadences since the last contact (r from 1 to 30; 1 when never contacted).
pub fn check_ins(facts: &[StakeholderFacts], today: Date, skip: &HashSet<&Id>) -> Vec<AgendaItem> {
    let mut items: Vec<AgendaItem> = vec![];
    let mut seen: HashSet<&Id> = HashSet::new();
    let mut ordered: Vec<&StakeholderFacts> = facts.iter().collect();
    ordered.sort_by(|a, b| b.power.cmp(&a.power).then(a.id.cmp(&b.id)));
    for f in ordered {
        let q = quadrant(f.power, f.interest);
        if q != Quadrant::ManageClosely || skip.contains(&f.person.id) {
            continue;
        }
        let cadence = cadence_days(q, f.attitude);
        let Some(since) = overdue(f, cadence, today) else {
            continue;
        };
        if !seen.insert(&f.person.id) {
            continue;
        }
        let (ratio, last) = if since < 0 {
            (1.0, "no contact recorded yet".to_string())
        } else {
            (
                since as f64 / cadence as f64,
                format!("last contact {since} days ago"),
            )
        };
        items.push(AgendaItem {
            kind: ItemKind::CheckIn,
            subject: Some(f.person.clone()),
            action: format!("Call {} — stakeholder of {}", f.person.name, f.project),
            reason: format!(
                "manage closely on {} (power {}, interest {}): {last}, recommended every {cadence} days",
                f.project, f.power, f.interest
            ),
            minutes: CHECK_IN_MINUTES,
            score: ((2.0 * f64::from(f.power.get()) * (1.0 + clamp(ratio, 1.0, 30.0).ln()))
                * 10.0)
                .round()
                / 10.0,
            record_id: f.id.clone(),
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        s.parse().unwrap_or(Date::MIN)
    }

    fn id(n: u64) -> Id {
        Id::v7(1_700_000_000_000 + n, [n as u8; 10])
    }

    fn facts(
        n: u64,
        power: i64,
        interest: i64,
        attitude: i64,
        last: Option<&str>,
    ) -> StakeholderFacts {
        StakeholderFacts {
            id: id(n),
            person: SubjectRef {
                id: id(100 + n),
                name: format!("P{n}"),
            },
            project: "#launch".into(),
            power: Level::clamped(power),
            interest: Level::clamped(interest),
            attitude: Attitude::clamped(attitude),
            last_contact: last.map(day),
        }
    }

    #[test]
    fn quadrants_split_at_three() {
        let q = |p, i| quadrant(Level::clamped(p), Level::clamped(i));
        assert_eq!(q(5, 5), Quadrant::ManageClosely);
        assert_eq!(q(3, 3), Quadrant::ManageClosely);
        assert_eq!(q(4, 2), Quadrant::KeepSatisfied);
        assert_eq!(q(2, 4), Quadrant::KeepInformed);
        assert_eq!(q(2, 2), Quadrant::Monitor);
        assert_eq!(q(1, 5), Quadrant::KeepInformed);
    }

    #[test]
    fn cadence_is_closer_for_opponents_with_power() {
        let a = Attitude::clamped;
        assert_eq!(cadence_days(Quadrant::ManageClosely, a(0)), 14);
        assert_eq!(cadence_days(Quadrant::ManageClosely, a(-1)), 7);
        assert_eq!(cadence_days(Quadrant::KeepSatisfied, a(-2)), 30);
        assert_eq!(cadence_days(Quadrant::Monitor, a(2)), 90);
    }

    #[test]
    fn map_places_and_orders() {
        let today = day("2026-11-23");
        let m = map(
            "#launch".into(),
            &[
                facts(1, 4, 2, -1, Some("2026-11-01")),
                facts(2, 5, 5, 2, Some("2026-11-20")),
                facts(3, 3, 4, -1, Some("2026-11-10")),
                facts(4, 1, 1, 0, None),
            ],
            today,
        );
        type Placement = Vec<(Quadrant, Vec<(String, i64, bool)>)>;
        let got: Placement = m
            .quadrants
            .iter()
            .map(|g| {
                (
                    g.quadrant,
                    g.people
                        .iter()
                        .map(|p| (p.person.name.clone(), p.cadence_days, p.overdue))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                // P2: 3 days since, every 14 → fine. P3: opposed, 13 days > 7 → overdue.
                (
                    Quadrant::ManageClosely,
                    vec![("P2".to_string(), 14, false), ("P3".into(), 7, true)]
                ),
                (Quadrant::KeepSatisfied, vec![("P1".into(), 30, false)]),
                (Quadrant::KeepInformed, vec![]),
                (Quadrant::Monitor, vec![("P4".into(), 90, true)]),
            ]
        );
    }

    #[test]
    fn overdue_manage_closely_become_check_ins() {
        let today = day("2026-11-23");
        let all = [
            facts(1, 4, 2, -1, Some("2026-01-01")), // keep satisfied: never on the agenda
            facts(2, 5, 5, 2, Some("2026-11-20")),  // within 14 days
            facts(3, 3, 4, -1, Some("2026-11-09")), // 14 days > 7: overdue, r = 2
            facts(5, 4, 4, 0, None),                // never contacted
        ];
        let items = check_ins(&all, today, &HashSet::new());
        let got: Vec<(String, f64)> = items
            .iter()
            .map(|i| {
                (
                    i.subject
                        .as_ref()
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    i.score,
                )
            })
            .collect();
        // P5: 2 × 4 × 1 = 8. P3: 2 × 3 × (1 + ln 2) = 10.2.
        assert_eq!(got, vec![("P5".to_string(), 8.0), ("P3".into(), 10.2)]);
        assert_eq!(
            items[1].reason,
            "manage closely on #launch (power 3, interest 4): last contact 14 days ago, recommended every 7 days"
        );
        assert!(items.iter().all(|i| i.kind == ItemKind::CheckIn));
        let skipped = id(103);
        let skip: HashSet<&Id> = [&skipped].into_iter().collect();
        assert_eq!(check_ins(&all, today, &skip).len(), 1);
    }

    #[test]
    fn the_agenda_ranks_them_once_per_person() {
        use crate::agenda::{AgendaInput, RelationshipFacts, rank};
        use crate::enums::RelationshipKind;
        use crate::values::Importance;
        let today = day("2026-11-23");
        let mut input = AgendaInput::new(today);
        input.stakeholders = vec![
            facts(3, 3, 4, -1, Some("2026-11-09")),
            facts(5, 4, 4, 0, None),
        ];
        // P5 also has an overdue relationship: one check-in, the relationship's.
        input.relationships.push(RelationshipFacts {
            id: id(900),
            subject: input.stakeholders[1].person.clone(),
            kind: RelationshipKind::Customer,
            importance: Importance::clamped(3),
            cadence_days: None,
            last_contact: Some(day("2026-01-01")),
            started_on: None,
            health: None,
            falling: None,
            preferred_channel: None,
        });
        let items = rank(&input);
        let ids: Vec<&Id> = items.iter().map(|i| &i.record_id).collect();
        assert_eq!(items.len(), 2);
        assert!(ids.contains(&&id(900)));
        assert!(ids.contains(&&id(3)));
    }
}
