//! The neutral contact every importer produces and the vCard writer consumes.

use rapport_core::hash::Fnv1a;
use rapport_core::{Address, AnnualDate, Labeled, SubjectKind};

use crate::ParseError;

/// One contact read from a file, before it is matched against the store.
///
/// Strings are trimmed and never empty when `Some`; lists hold no empty values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContactCard {
    /// A person, or an organization (vCard `KIND:org`, Apple's `X-ABShowAs:COMPANY`).
    pub kind: SubjectKind,
    /// Display name; never empty.
    pub name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub nickname: Option<String>,
    /// Preferred values first.
    pub emails: Vec<Labeled>,
    pub phones: Vec<Labeled>,
    pub addresses: Vec<Address>,
    pub urls: Vec<Labeled>,
    pub birthday: Option<AnnualDate>,
    pub anniversary: Option<AnnualDate>,
    /// The organization a person works for (or an organization's own `ORG`).
    pub organization: Option<String>,
    pub title: Option<String>,
    /// As written (case kept), without duplicates nor Google's system labels.
    pub tags: Vec<String>,
    pub note: Option<String>,
    /// A `data:` URI or an URL; `None` when the options skip photos.
    pub photo: Option<String>,
    /// As written in the file (an IANA name or an UTC offset); not validated.
    pub time_zone: Option<String>,
    /// LinkedIn's "Connected On".
    pub connected_on: Option<jiff::civil::Date>,
    /// The vCard `UID`, LinkedIn's profile URL, or a stable hash of the content
    /// (see [`ContactCard::content_hash`]): the same record imported twice has the same id.
    pub source_id: String,
    /// 1-based line where the record starts in the file.
    pub line: usize,
    /// Parts of the record that were ignored, each with its line and reason.
    pub warnings: Vec<ParseError>,
}

impl ContactCard {
    /// A person with only a name; every other field empty.
    pub fn named(name: impl Into<String>) -> ContactCard {
        ContactCard {
            kind: SubjectKind::Person,
            name: name.into(),
            given_name: None,
            family_name: None,
            nickname: None,
            emails: Vec::new(),
            phones: Vec::new(),
            addresses: Vec::new(),
            urls: Vec::new(),
            birthday: None,
            anniversary: None,
            organization: None,
            title: None,
            tags: Vec::new(),
            note: None,
            photo: None,
            time_zone: None,
            connected_on: None,
            source_id: String::new(),
            line: 0,
            warnings: Vec::new(),
        }
    }

    /// A stable id built from what identifies the contact (kind, names, emails, phones,
    /// organization, birthday): `h` and 16 hex digits. Line numbers and notes do not count,
    /// so moving a row or editing a note keeps the id.
    pub fn content_hash(&self) -> String {
        let mut h = Fnv::new();
        h.field(self.kind.as_str());
        h.field(&self.name);
        h.opt(&self.given_name);
        h.opt(&self.family_name);
        for e in &self.emails {
            h.field(&e.value);
        }
        h.field("");
        for p in &self.phones {
            h.field(&p.value);
        }
        h.field("");
        h.opt(&self.organization);
        h.field(&self.birthday.map(|d| d.to_string()).unwrap_or_default());
        format!("h{:016x}", h.0.finish())
    }

    /// Every field that is set, one per line, for dry runs and tests:
    /// `person Ada Lovelace (line 3, id h…)`, then `email: ada@example.com (work)`, ….
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let mut out = format!(
            "{} {} (line {}, id {})\n",
            self.kind, self.name, self.line, self.source_id
        );
        let mut field = |name: &str, value: &dyn std::fmt::Display| {
            let _ = writeln!(out, "{name}: {value}");
        };
        let opt = |v: &Option<String>| v.clone();
        for (name, v) in [
            ("given", opt(&self.given_name)),
            ("family", opt(&self.family_name)),
            ("nickname", opt(&self.nickname)),
            ("organization", opt(&self.organization)),
            ("title", opt(&self.title)),
        ] {
            if let Some(v) = v {
                field(name, &v);
            }
        }
        let labeled = |l: &Labeled| match &l.label {
            Some(label) => format!("{} ({label})", l.value),
            None => l.value.clone(),
        };
        for e in &self.emails {
            field("email", &labeled(e));
        }
        for p in &self.phones {
            field("phone", &labeled(p));
        }
        for u in &self.urls {
            field("url", &labeled(u));
        }
        for a in &self.addresses {
            let part = |p: &Option<String>| p.as_deref().unwrap_or_default().replace('\n', "\\n");
            let parts = [&a.street, &a.city, &a.region, &a.postal_code, &a.country]
                .map(part)
                .join(" | ");
            match &a.label {
                Some(l) => field("address", &format!("{parts} ({l})")),
                None => field("address", &parts),
            }
        }
        if let Some(d) = self.birthday {
            field("birthday", &d);
        }
        if let Some(d) = self.anniversary {
            field("anniversary", &d);
        }
        if let Some(d) = self.connected_on {
            field("connected on", &d);
        }
        if !self.tags.is_empty() {
            field("tags", &self.tags.join(", "));
        }
        if let Some(n) = &self.note {
            field("note", &n.replace('\n', "\\n"));
        }
        if let Some(tz) = &self.time_zone {
            field("time zone", tz);
        }
        if let Some(p) = &self.photo {
            let head: String = p.chars().take(48).collect();
            let more = if p.len() > head.len() {
                format!("… ({} bytes)", p.len())
            } else {
                String::new()
            };
            field("photo", &format!("{head}{more}"));
        }
        for w in &self.warnings {
            field("warning", w);
        }
        out
    }

    /// Fills `name` from the other fields when it is empty, and `source_id` with the
    /// content hash when it is empty. `Err` when nothing can name the contact.
    pub(crate) fn finish(&mut self, name_parts: &NameParts) -> Result<(), ()> {
        if self.name.is_empty() {
            let built = name_parts.display();
            if !built.is_empty() {
                self.name = built;
            } else if let Some(org) = &self.organization {
                self.name = org.clone();
                self.kind = SubjectKind::Organization;
            } else if let Some(n) = self
                .nickname
                .clone()
                .or_else(|| self.emails.first().map(|e| e.value.clone()))
                .or_else(|| self.phones.first().map(|p| p.value.clone()))
            {
                self.name = n;
            } else {
                return Err(());
            }
        }
        if self.source_id.is_empty() {
            self.source_id = self.content_hash();
        }
        Ok(())
    }
}

/// The parts of a structured name, used to build a display name when none is given.
#[derive(Debug, Default)]
pub(crate) struct NameParts {
    pub given: Option<String>,
    pub middle: Option<String>,
    pub family: Option<String>,
    pub suffix: Option<String>,
}

impl NameParts {
    /// `given middle family suffix`. Honorific prefixes (Outlook's `Mr.`, vCard's
    /// `Dr.`) are left out: people are named without them, and duplicates are found by
    /// name.
    pub fn display(&self) -> String {
        [&self.given, &self.middle, &self.family, &self.suffix]
            .iter()
            .filter_map(|p| p.as_deref())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The content hash's fields, each followed by a unit separator so that moving text
/// from one field to the next changes the hash.
struct Fnv(Fnv1a);

impl Fnv {
    fn new() -> Fnv {
        Fnv(Fnv1a::new())
    }
    fn field(&mut self, s: &str) {
        self.0 = self.0.bytes(s.as_bytes()).bytes(&[0x1f]);
    }
    fn opt(&mut self, s: &Option<String>) {
        self.field(s.as_deref().unwrap_or(""));
    }
}

/// `Some(trimmed)` when not blank.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

/// Adds tags split from `raw`, skipping blanks, duplicates (ignoring case) and Google's
/// system labels (`* myContacts`, `* starred`, …); `* Friends` becomes `Friends`.
pub(crate) fn push_tags<'a>(tags: &mut Vec<String>, raw: impl IntoIterator<Item = &'a str>) {
    for t in raw {
        let t = t.trim();
        let (starred, t) = match t.strip_prefix('*') {
            Some(rest) => (true, rest.trim()),
            None => (false, t),
        };
        if t.is_empty() {
            continue;
        }
        let key: String = t
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        let system = matches!(
            key.as_str(),
            "mycontacts"
                | "starred"
                | "starredinandroid"
                | "systemgroup:mycontacts"
                | "systemgroup:starred"
        ) || (starred
            && matches!(
                key.as_str(),
                "othercontacts" | "other" | "blocked" | "chatbuddies"
            ));
        if system || tags.iter().any(|x| x.to_lowercase() == t.to_lowercase()) {
            continue;
        }
        tags.push(t.to_string());
    }
}

/// Labels that mean the same in every exporter, kept lowercase: `Work` → `work`.
const KNOWN_LABELS: &[&str] = &[
    "home",
    "work",
    "mobile",
    "other",
    "main",
    "fax",
    "home fax",
    "work fax",
    "other fax",
    "pager",
    "iphone",
    "personal",
    "school",
    "homepage",
    "blog",
    "profile",
];

/// A label as a person would read it: Google's `* ` (primary) mark removed, known labels
/// lowercased, `None` when blank.
pub(crate) fn clean_label(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t.strip_prefix('*').map(str::trim).unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    let lower = t.to_lowercase();
    if KNOWN_LABELS.contains(&lower.as_str()) {
        Some(lower)
    } else {
        Some(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_tags(raw: &[&str], expected: &[&str]) {
        let mut tags = Vec::new();
        push_tags(&mut tags, raw.iter().copied());
        assert_eq!(tags, expected);
    }

    #[test]
    fn tags_drop_system_labels_and_duplicates() {
        check_tags(
            &["* myContacts", "* starred", "Friends", "friends", " VIP "],
            &["Friends", "VIP"],
        );
        check_tags(&["* Family", "myContacts", "", "*"], &["Family"]);
        check_tags(&["System Group: My Contacts", "Clients"], &["Clients"]);
    }

    #[test]
    fn labels_are_cleaned() {
        assert_eq!(clean_label("* Home"), Some("home".into()));
        assert_eq!(clean_label("Work Fax"), Some("work fax".into()));
        assert_eq!(clean_label("Summer house"), Some("Summer house".into()));
        assert_eq!(clean_label("  "), None);
    }

    #[test]
    fn content_hash_is_stable_and_ignores_line() {
        let mut a = ContactCard::named("Ada Lovelace");
        a.emails.push(Labeled::new("ada@example.com", None));
        let mut b = a.clone();
        b.line = 40;
        b.note = Some("met at the engine demo".into());
        assert_eq!(a.content_hash(), b.content_hash());
        assert_eq!(a.content_hash(), "h7cdd174842f5705f");
        b.emails.push(Labeled::new("ada@work.example", None));
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn finish_builds_a_name() {
        let mut c = ContactCard::named("");
        c.organization = Some("Acme".into());
        assert_eq!(c.finish(&NameParts::default()), Ok(()));
        assert_eq!(
            (c.name.as_str(), c.kind),
            ("Acme", SubjectKind::Organization)
        );
        let mut c = ContactCard::named("");
        let parts = NameParts {
            given: Some("Ada".into()),
            family: Some("Lovelace".into()),
            ..NameParts::default()
        };
        assert_eq!(c.finish(&parts), Ok(()));
        assert_eq!(c.name, "Ada Lovelace");
        assert!(
            ContactCard::named("")
                .finish(&NameParts::default())
                .is_err()
        );
    }
}
