//! The relationship record (SPEC §2). These types are also the JSON representation shared
//! by the CLI's `--json` output and the HTTP API: one definition per resource.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Id;
use crate::enums::*;
use crate::values::*;

/// What every record carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Meta {
    pub id: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Incremented by every update; updates name the version they saw (optimistic concurrency).
    pub version: i64,
    /// Set while the record is in the trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
}

impl Meta {
    pub fn new(id: Id, now: Timestamp) -> Meta {
        Meta {
            id,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: None,
        }
    }
}

/// The other party of a relationship or deal: a person or an organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: Id,
}

/// A link from a note or task to the record it is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    pub kind: EntityKind,
    pub id: Id,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Workspace {
    #[serde(flatten)]
    pub meta: Meta,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    #[serde(flatten)]
    pub meta: Meta,
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Person {
    #[serde(flatten)]
    pub meta: Meta,
    /// Display name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default)]
    pub emails: Vec<Labeled>,
    #[serde(default)]
    pub phones: Vec<Labeled>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub urls: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<AnnualDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_we_met: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_and_goals: Option<String>,
    /// A photo as a `data:` URI or an URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
}

impl Person {
    /// A person with only a name; the rest empty.
    pub fn named(meta: Meta, name: String) -> Person {
        Person {
            meta,
            name,
            given_name: None,
            family_name: None,
            nickname: None,
            emails: vec![],
            phones: vec![],
            addresses: vec![],
            urls: vec![],
            birthday: None,
            time_zone: None,
            preferred_channel: None,
            language: None,
            how_we_met: None,
            needs_and_goals: None,
            photo: None,
            tags: vec![],
            custom_fields: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Organization {
    #[serde(flatten)]
    pub meta: Meta,
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
}

impl Organization {
    pub fn named(meta: Meta, name: String) -> Organization {
        Organization {
            meta,
            name,
            domains: vec![],
            industry: None,
            kind: None,
            address: None,
            tags: vec![],
            custom_fields: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Membership {
    #[serde(flatten)]
    pub meta: Meta,
    pub person_id: Id,
    pub organization_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Relationship {
    #[serde(flatten)]
    pub meta: Meta,
    pub subject: Subject,
    pub kind: RelationshipKind,
    pub stage: Stage,
    pub importance: Importance,
    /// Days between check-ins; `None` means derived from importance and kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence_days: Option<CadenceDays>,
    pub status: RelationshipStatus,
    /// The user who owns the relationship; `None` for the workspace as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Id>,
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectations: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
}

impl Relationship {
    /// A relationship with the defaults: relational, importance 3, no cadence (derived),
    /// active, visible to the workspace.
    pub fn new(meta: Meta, subject: Subject, kind: RelationshipKind) -> Relationship {
        Relationship {
            meta,
            subject,
            kind,
            stage: Stage::Relational,
            importance: Importance::default(),
            cadence_days: None,
            status: RelationshipStatus::Active,
            owner_id: None,
            visibility: Visibility::Workspace,
            goals: None,
            expectations: None,
            boundaries: None,
            started_on: None,
            ended_on: None,
            end_reason: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tie {
    #[serde(flatten)]
    pub meta: Meta,
    pub from_person_id: Id,
    pub to_person_id: Id,
    pub kind: TieKind,
    pub strength: Strength,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Interaction {
    #[serde(flatten)]
    pub meta: Meta,
    pub at: Timestamp,
    pub channel: Channel,
    pub direction: Direction,
    /// People who took part.
    #[serde(default)]
    pub participants: Vec<Id>,
    /// Organizations the interaction was with (when logged against an organization).
    #[serde(default)]
    pub organization_ids: Vec<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Commitment {
    #[serde(flatten)]
    pub meta: Meta,
    pub relationship_id: Id,
    pub owed_by: OwedBy,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    pub status: CommitmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Exchange {
    #[serde(flatten)]
    pub meta: Meta,
    pub relationship_id: Id,
    pub direction: ExchangeDirection,
    pub kind: ExchangeKind,
    /// Points of value, default 1.
    pub value: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub note: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Conflict {
    #[serde(flatten)]
    pub meta: Meta,
    pub relationship_id: Id,
    pub description: String,
    pub severity: Severity,
    pub status: ConflictStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_method: Option<ResolutionMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<String>,
    pub opened_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Feedback {
    #[serde(flatten)]
    pub meta: Meta,
    pub relationship_id: Id,
    pub scale: FeedbackScale,
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub at: Timestamp,
}

/// Checks a feedback score against its scale.
pub fn check_feedback_score(scale: FeedbackScale, score: i64) -> Result<u8, crate::DomainError> {
    let (lo, hi) = scale.range();
    if (lo as i64..=hi as i64).contains(&score) {
        Ok(score as u8)
    } else {
        Err(crate::DomainError::invalid(
            "score",
            format!("{score} is out of range {lo}..{hi} for {scale}"),
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Goal {
    #[serde(flatten)]
    pub meta: Meta,
    pub relationship_id: Id,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_date: Option<Date>,
    pub status: GoalStatus,
    pub progress: Progress,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Task {
    #[serde(flatten)]
    pub meta: Meta,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ImportantDate {
    #[serde(flatten)]
    pub meta: Meta,
    pub person_id: Id,
    pub kind: DateKind,
    pub date: AnnualDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Deal {
    #[serde(flatten)]
    pub meta: Meta,
    pub subject: Subject,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub stage: DealStage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_close: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    #[serde(flatten)]
    pub meta: Meta,
    pub link: Link,
    pub body: String,
}

/// What a stakeholder map is drawn for: everyone with a tag, or one deal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Project {
    Tag(String),
    Deal(Id),
}

impl Project {
    /// The project as two texts: `("tag", name)` or `("deal", id)`.
    pub fn key(&self) -> (&'static str, String) {
        match self {
            Project::Tag(t) => ("tag", t.clone()),
            Project::Deal(id) => ("deal", id.to_string()),
        }
    }
}

/// One person's place on a project's stakeholder map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Stake {
    #[serde(flatten)]
    pub meta: Meta,
    pub person_id: Id,
    pub project: Project,
    pub power: Level,
    pub interest: Level,
    pub attitude: Attitude,
}

/// One append-only line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuditEvent {
    pub id: Id,
    pub at: Timestamp,
    /// The user who acted; `None` for the local CLI owner or the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Id>,
    pub actor: String,
    pub action: String,
    pub entity: EntityKind,
    pub entity_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta::new(Id::v7(1_700_000_000_000, [1; 10]), Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn person_json_shape() {
        let mut p = Person::named(meta(), "Ada Lovelace".into());
        p.emails
            .push(Labeled::new("ada@example.com", Some("work".into())));
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["name"], "Ada Lovelace");
        assert_eq!(v["emails"][0]["value"], "ada@example.com");
        assert_eq!(v["emails"][0]["label"], "work");
        assert_eq!(v["version"], 1);
        assert!(v.get("deleted_at").is_none());
        let back: Person =
            serde_json::from_value(v).unwrap_or_else(|_| Person::named(meta(), String::new()));
        assert_eq!(back, p);
    }

    #[test]
    fn feedback_scores_are_checked_per_scale() {
        assert!(check_feedback_score(FeedbackScale::Nps, 0).is_ok());
        assert!(check_feedback_score(FeedbackScale::Csat, 0).is_err());
        assert!(check_feedback_score(FeedbackScale::Nps, 11).is_err());
    }
}
