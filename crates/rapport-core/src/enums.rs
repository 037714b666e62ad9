//! Closed vocabularies of the domain. Each is written once with `text_enum!`, which gives
//! the text form used in the CLI, the API, the database and the docs.

use crate::DomainError;

/// Declares an enum whose variants have a fixed lowercase text form.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name of the field this vocabulary fills, for error messages.
            pub const FIELD: &'static str = $field;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the text form (case-insensitive; `_` and `-` are interchangeable).
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                // The text form itself (what the store holds) needs no normalizing.
                $(if s == $text { return Ok($name::$variant); })+
                let norm = s.trim().to_ascii_lowercase().replace('_', "-");
                $(if norm == $text { return Ok($name::$variant); })+
                Err(DomainError::invalid(
                    $field,
                    format!("`{}` is not one of: {}", s, Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")),
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { $name::parse(s) }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "enum": [$($text),+],
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_enum!(
    /// What the other party is to us.
    RelationshipKind, "kind" {
        Customer => "customer", Prospect => "prospect", Supplier => "supplier",
        Partner => "partner", Investor => "investor", Employee => "employee",
        Colleague => "colleague", Manager => "manager", Report => "report",
        Mentor => "mentor", Mentee => "mentee", Friend => "friend", Family => "family",
        Community => "community", Other => "other",
    }
);

text_enum!(
    /// The relationship model: from arm's-length transactions to shared goals.
    Stage, "stage" { Transactional => "transactional", Relational => "relational", Integrative => "integrative" }
);

text_enum!(RelationshipStatus, "status" { Active => "active", Dormant => "dormant", Ended => "ended" });

text_enum!(
    /// Who may see a relationship: its owner only, or the whole workspace.
    Visibility, "visibility" { Private => "private", Workspace => "workspace" }
);

text_enum!(SubjectKind, "subject_kind" { Person => "person", Organization => "organization" });

text_enum!(
    TieKind, "kind" {
        Knows => "knows", IntroducedBy => "introduced-by", ReferredBy => "referred-by",
        Family => "family", ReportsTo => "reports-to", MentorOf => "mentor-of", Other => "other",
    }
);

text_enum!(
    Channel, "channel" {
        Call => "call", Email => "email", Meeting => "meeting", Video => "video",
        Message => "message", Social => "social", Event => "event", Letter => "letter", Other => "other",
    }
);

text_enum!(Direction, "direction" { Inbound => "inbound", Outbound => "outbound", Mutual => "mutual" });

text_enum!(
    /// Where a record came from; with a source id it makes imports idempotent.
    Source, "source" {
        Manual => "manual", Vcard => "vcard", Csv => "csv", Email => "email",
        Calendar => "calendar", Api => "api", Json => "json", Demo => "demo",
    }
);

text_enum!(
    /// Who made a promise: me (the workspace) or them (the other party).
    OwedBy, "by" { Me => "me", Them => "them" }
);

text_enum!(
    CommitmentStatus, "status" {
        Open => "open", Kept => "kept", Broken => "broken",
        Renegotiated => "renegotiated", Cancelled => "cancelled",
    }
);

text_enum!(ExchangeDirection, "direction" { Given => "given", Received => "received" });

text_enum!(
    ExchangeKind, "kind" {
        Introduction => "introduction", Referral => "referral", Favor => "favor", Advice => "advice",
        Gift => "gift", Business => "business", Support => "support", Resource => "resource", Other => "other",
    }
);

text_enum!(
    ConflictStatus, "status" {
        Open => "open", Acknowledged => "acknowledged", Resolving => "resolving",
        Resolved => "resolved", Escalated => "escalated",
    }
);

text_enum!(
    ResolutionMethod, "method" {
        Discussion => "discussion", Compromise => "compromise", Mediation => "mediation",
        Arbitration => "arbitration", Other => "other",
    }
);

text_enum!(FeedbackScale, "scale" { Nps => "nps", Csat => "csat" });

text_enum!(GoalStatus, "status" { Open => "open", Achieved => "achieved", Dropped => "dropped" });

text_enum!(DateKind, "kind" { Birthday => "birthday", Anniversary => "anniversary", Custom => "custom" });

text_enum!(
    DealStage, "stage" {
        Lead => "lead", Qualified => "qualified", Proposal => "proposal",
        Negotiation => "negotiation", Won => "won", Lost => "lost",
    }
);

text_enum!(
    /// A user's role in a workspace, from most to least powerful.
    Role, "role" { Owner => "owner", Admin => "admin", Member => "member", Viewer => "viewer" }
);

text_enum!(
    /// The kinds of record a note, task or audit event can point at.
    EntityKind, "entity" {
        Person => "person", Organization => "organization", Membership => "membership",
        Relationship => "relationship", Tie => "tie", Interaction => "interaction",
        Commitment => "commitment", Exchange => "exchange", Conflict => "conflict",
        Feedback => "feedback", Goal => "goal", Task => "task", ImportantDate => "date",
        Deal => "deal", Note => "note", Stake => "stake", User => "user", Workspace => "workspace",
    }
);

impl ConflictStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, ConflictStatus::Resolved)
    }
}

impl CommitmentStatus {
    pub fn is_closed(self) -> bool {
        !matches!(self, CommitmentStatus::Open)
    }
}

impl DealStage {
    pub fn is_closed(self) -> bool {
        matches!(self, DealStage::Won | DealStage::Lost)
    }
}

impl Role {
    pub fn can_write(self) -> bool {
        !matches!(self, Role::Viewer)
    }
    pub fn can_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl FeedbackScale {
    /// The inclusive range of valid scores.
    pub fn range(self) -> (u8, u8) {
        match self {
            FeedbackScale::Nps => (0, 10),
            FeedbackScale::Csat => (1, 5),
        }
    }
}

impl From<SubjectKind> for EntityKind {
    fn from(k: SubjectKind) -> EntityKind {
        match k {
            SubjectKind::Person => EntityKind::Person,
            SubjectKind::Organization => EntityKind::Organization,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_lenient_about_case_and_separators() {
        assert_eq!(
            TieKind::parse("Introduced_By").ok(),
            Some(TieKind::IntroducedBy)
        );
        assert_eq!(Channel::parse(" CALL ").ok(), Some(Channel::Call));
    }

    #[test]
    fn unknown_value_lists_the_choices() {
        let err = Stage::parse("friendly")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            "stage: `friendly` is not one of: transactional, relational, integrative"
        );
    }

    #[test]
    fn text_forms_round_trip() {
        for k in RelationshipKind::ALL {
            assert_eq!(RelationshipKind::parse(k.as_str()).ok(), Some(*k));
        }
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::parse(k.as_str()).ok(), Some(*k));
        }
    }
}
