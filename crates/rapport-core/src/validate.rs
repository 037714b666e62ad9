//! Whole-record validation: what must hold for a record arriving from outside (API
//! bodies, imports) before it is stored. Field types already enforce ranges and
//! vocabularies; this checks what types alone cannot (text lengths, email shapes, …).
//! Every error names its field, all errors are reported at once.

use crate::records::*;
use crate::values::*;
use crate::{DomainError, FieldError};

/// A record that can check itself.
pub trait Validate {
    fn validate(&self) -> Result<(), DomainError>;
}

/// Collects field errors.
#[derive(Default)]
struct Check(Vec<FieldError>);

impl Check {
    fn add(&mut self, r: Result<(), DomainError>, field: &str) {
        if let Err(e) = r {
            for f in e.fields() {
                // Keep the caller's path (`emails[1]`) and the message.
                self.0.push(FieldError::new(field, f.message));
            }
        }
    }

    fn required(&mut self, field: &str, v: &str, max: usize) {
        self.add(required_text(field, v, max).map(|_| ()), field);
    }

    fn optional(&mut self, field: &str, v: &Option<String>, max: usize) {
        if let Some(v) = v {
            self.add(optional_text(field, v, max).map(|_| ()), field);
        }
    }

    fn done(self) -> Result<(), DomainError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(DomainError::Invalid(
                self.0
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| FieldError::new("", "")),
            )),
            _ => Err(DomainError::InvalidMany(self.0)),
        }
    }
}

impl Validate for Person {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        c.required("name", &self.name, SHORT_TEXT);
        for (f, v) in [
            ("given_name", &self.given_name),
            ("family_name", &self.family_name),
            ("nickname", &self.nickname),
            ("language", &self.language),
        ] {
            c.optional(f, v, SHORT_TEXT);
        }
        for (f, v) in [
            ("how_we_met", &self.how_we_met),
            ("needs_and_goals", &self.needs_and_goals),
        ] {
            c.optional(f, v, LONG_TEXT);
        }
        for (i, e) in self.emails.iter().enumerate() {
            c.add(Email::parse(&e.value).map(|_| ()), &format!("emails[{i}]"));
        }
        for (i, p) in self.phones.iter().enumerate() {
            c.add(parse_phone(&p.value).map(|_| ()), &format!("phones[{i}]"));
        }
        for (i, u) in self.urls.iter().enumerate() {
            c.required(&format!("urls[{i}]"), &u.value, 2_000);
        }
        for (i, t) in self.tags.iter().enumerate() {
            c.add(parse_tag(t).map(|_| ()), &format!("tags[{i}]"));
        }
        if let Some(tz) = &self.time_zone {
            c.add(parse_time_zone(tz).map(|_| ()), "time_zone");
        }
        if self.photo.as_ref().is_some_and(|p| p.len() > 2_000_000) {
            c.add(
                Err(DomainError::invalid("photo", "is larger than 2 MB")),
                "photo",
            );
        }
        if self.custom_fields.len() > 100 {
            c.add(
                Err(DomainError::invalid(
                    "custom_fields",
                    "has more than 100 fields",
                )),
                "custom_fields",
            );
        }
        c.done()
    }
}

impl Validate for Organization {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        c.required("name", &self.name, SHORT_TEXT);
        c.optional("industry", &self.industry, SHORT_TEXT);
        c.optional("kind", &self.kind, SHORT_TEXT);
        for (i, t) in self.tags.iter().enumerate() {
            c.add(parse_tag(t).map(|_| ()), &format!("tags[{i}]"));
        }
        for (i, d) in self.domains.iter().enumerate() {
            c.required(&format!("domains[{i}]"), d, 253);
        }
        c.done()
    }
}

impl Validate for Relationship {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        for (f, v) in [
            ("goals", &self.goals),
            ("expectations", &self.expectations),
            ("boundaries", &self.boundaries),
            ("end_reason", &self.end_reason),
        ] {
            c.optional(f, v, LONG_TEXT);
        }
        c.done()
    }
}

impl Validate for Interaction {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        c.required("summary", &self.summary, SHORT_TEXT);
        c.optional("body", &self.body, LONG_TEXT);
        if self.participants.is_empty() && self.organization_ids.is_empty() {
            c.add(
                Err(DomainError::invalid(
                    "participants",
                    "an interaction needs at least one participant",
                )),
                "participants",
            );
        }
        if self.minutes.is_some_and(|m| m > 24 * 60) {
            c.add(
                Err(DomainError::invalid("minutes", "is more than a day")),
                "minutes",
            );
        }
        c.done()
    }
}

macro_rules! text_checks {
    ($t:ty, required: [$($rf:ident),*], optional: [$($of:ident),*]) => {
        impl Validate for $t {
            fn validate(&self) -> Result<(), DomainError> {
                #[allow(unused_mut)] // reason: records with no text fields check nothing
                let mut c = Check::default();
                $(c.required(stringify!($rf), &self.$rf, LONG_TEXT);)*
                $(c.optional(stringify!($of), &self.$of, LONG_TEXT);)*
                c.done()
            }
        }
    };
}

text_checks!(Commitment, required: [text], optional: []);
text_checks!(Conflict, required: [description], optional: [resolution_note]);
text_checks!(Goal, required: [text], optional: []);
text_checks!(Task, required: [text], optional: []);
text_checks!(ImportantDate, required: [], optional: [label]);
text_checks!(Note, required: [body], optional: []);
text_checks!(Membership, required: [], optional: [title]);
text_checks!(Tie, required: [], optional: [note]);
text_checks!(Stake, required: [], optional: []);

impl Validate for Exchange {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        c.required("note", &self.note, SHORT_TEXT);
        if self.value == 0 || self.value > 1000 {
            c.add(
                Err(DomainError::invalid(
                    "value",
                    format!("{} is out of range 1..1000", self.value),
                )),
                "value",
            );
        }
        money(&mut c, self.amount, &self.currency);
        c.done()
    }
}

impl Validate for Feedback {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        c.optional("comment", &self.comment, LONG_TEXT);
        c.add(
            check_feedback_score(self.scale, self.score as i64).map(|_| ()),
            "score",
        );
        c.done()
    }
}

impl Validate for Deal {
    fn validate(&self) -> Result<(), DomainError> {
        let mut c = Check::default();
        c.required("title", &self.title, SHORT_TEXT);
        money(&mut c, self.amount, &self.currency);
        c.done()
    }
}

fn money(c: &mut Check, amount: Option<f64>, currency: &Option<String>) {
    if let Some(a) = amount {
        c.add(parse_amount(a).map(|_| ()), "amount");
        if currency.is_none() {
            c.add(
                Err(DomainError::invalid(
                    "currency",
                    "an amount needs a currency",
                )),
                "currency",
            );
        }
    }
    if let Some(cur) = currency {
        c.add(
            parse_currency(cur).and_then(|p| {
                if &p == cur {
                    Ok(())
                } else {
                    Err(DomainError::invalid(
                        "currency",
                        "must be uppercase, like EUR",
                    ))
                }
            }),
            "currency",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Id, Meta};

    fn meta() -> Meta {
        Meta::new(Id::v7(1, [0; 10]), jiff::Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn reports_every_bad_field_with_its_path() {
        let mut p = Person::named(meta(), " ".into());
        p.emails.push(crate::Labeled::new("ok@example.com", None));
        p.emails.push(crate::Labeled::new("nope", None));
        p.tags.push("a,b".into());
        let fields: Vec<String> = p
            .validate()
            .err()
            .map(|e| e.fields())
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, vec!["name", "emails[1]", "tags[0]"]);
    }

    #[test]
    fn valid_person_passes() {
        let mut p = Person::named(meta(), "Ada".into());
        p.time_zone = Some("Europe/London".into());
        assert!(p.validate().is_ok());
    }
}
