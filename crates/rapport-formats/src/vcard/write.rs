//! vCard 4.0 writer (RFC 6350): CRLF, lines folded at 75 octets, TEXT escaped.

use rapport_core::{AnnualDate, Labeled, SubjectKind};

use crate::ContactCard;
use crate::text::{escape_text, escape_uri, fold_into};

/// Writes the cards as one vCard 4.0 stream.
pub fn write(cards: &[ContactCard]) -> String {
    let mut out = String::new();
    for card in cards {
        write_card(&mut out, card);
    }
    out
}

/// Appends one card. What [`crate::vcard::read`] reads back equals the card in every field
/// but `line`, `warnings`, `connected_on` (no vCard property) and an empty `source_id`
/// (read back as the content hash).
pub fn write_card(out: &mut String, card: &ContactCard) {
    let mut w = Writer { out, group: 0 };
    w.line("BEGIN:VCARD");
    w.line("VERSION:4.0");
    if card.kind == SubjectKind::Organization {
        w.line("KIND:org");
    }
    w.line(&format!("FN:{}", escape_text(&card.name)));
    if card.given_name.is_some() || card.family_name.is_some() {
        let part = |p: &Option<String>| p.as_deref().map(escape_text).unwrap_or_default();
        w.line(&format!(
            "N:{};{};;;",
            part(&card.family_name),
            part(&card.given_name)
        ));
    }
    w.text("NICKNAME", card.nickname.as_deref());
    w.text("ORG", card.organization.as_deref());
    w.text("TITLE", card.title.as_deref());
    for e in &card.emails {
        w.labeled("EMAIL", e, escape_text(&e.value));
    }
    for p in &card.phones {
        w.labeled("TEL", p, escape_text(&p.value));
    }
    for a in &card.addresses {
        let part = |p: &Option<String>| p.as_deref().map(escape_text).unwrap_or_default();
        let value = format!(
            ";;{};{};{};{};{}",
            part(&a.street),
            part(&a.city),
            part(&a.region),
            part(&a.postal_code),
            part(&a.country)
        );
        w.with_label("ADR", a.label.as_deref(), &value);
    }
    for u in &card.urls {
        w.labeled("URL", u, escape_uri(&u.value));
    }
    if let Some(d) = card.birthday {
        w.line(&format!("BDAY:{}", date(d)));
    }
    if let Some(d) = card.anniversary {
        w.line(&format!("ANNIVERSARY:{}", date(d)));
    }
    if !card.tags.is_empty() {
        let tags: Vec<String> = card.tags.iter().map(|t| escape_text(t)).collect();
        w.line(&format!("CATEGORIES:{}", tags.join(",")));
    }
    w.text("NOTE", card.note.as_deref());
    w.text("TZ", card.time_zone.as_deref());
    if let Some(photo) = &card.photo {
        w.line(&format!("PHOTO:{}", escape_uri(photo)));
    }
    if !card.source_id.is_empty() {
        w.line(&format!("UID:{}", escape_text(&card.source_id)));
    }
    w.line("END:VCARD");
}

struct Writer<'a> {
    out: &'a mut String,
    /// Last `itemN` group used for a custom label.
    group: u32,
}

impl Writer<'_> {
    fn line(&mut self, line: &str) {
        fold_into(self.out, line);
    }

    fn text(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.line(&format!("{name}:{}", escape_text(v)));
        }
    }

    fn labeled(&mut self, name: &str, v: &Labeled, value: String) {
        self.with_label(name, v.label.as_deref(), &value);
    }

    /// A label made of standard TYPE words goes in TYPE (`mobile` as `cell`); any other
    /// label goes in a grouped `X-ABLabel`, as Apple and Google write custom labels.
    fn with_label(&mut self, name: &str, label: Option<&str>, value: &str) {
        match label {
            None => self.line(&format!("{name}:{value}")),
            Some(l) => match type_words(l) {
                Some(types) => self.line(&format!("{name};TYPE={types}:{value}")),
                None => {
                    self.group += 1;
                    let g = self.group;
                    self.line(&format!("item{g}.{name}:{value}"));
                    self.line(&format!("item{g}.X-ABLabel:{}", escape_text(l)));
                }
            },
        }
    }
}

/// `work fax` → `work,fax`; `None` when a word is not a standard type.
fn type_words(label: &str) -> Option<String> {
    let words: Vec<&str> = label.split(' ').collect();
    let mapped: Option<Vec<&str>> = words
        .iter()
        .map(|w| match *w {
            "mobile" => Some("cell"),
            "home" | "work" | "other" | "fax" | "pager" | "main" | "iphone" | "video"
            | "textphone" | "car" => Some(*w),
            _ => None,
        })
        .collect();
    mapped.filter(|m| !m.is_empty()).map(|m| m.join(","))
}

/// RFC 6350 basic format: `19900518`, or `--0518` without a year.
fn date(d: AnnualDate) -> String {
    match d.year() {
        Some(y) => format!("{y:04}{:02}{:02}", d.month(), d.day()),
        None => format!("--{:02}{:02}", d.month(), d.day()),
    }
}
