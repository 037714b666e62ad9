//! The lossless JSON export of a whole workspace, and its import. Every record keeps its
//! id, timestamps and version, so exporting, importing into an empty database and
//! exporting again gives the same document. It is also the PostgreSQL backup format.

use std::io::{Read, Write};

use rapport_core::*;
use rapport_store::{Entity, StoreError, Tx};
use serde::Deserialize;

use rapport_formats::ContactCard;
use rapport_formats::csv::CsvWriter;
use rapport_formats::ical::{Calendar, Event, uid};

use crate::import::ImportSummary;
use crate::{App, Ctx, Result};

pub const FORMAT: &str = "rapport-export";
pub const VERSION: u32 = 1;

const PAGE: usize = 1_000;

fn io(e: std::io::Error) -> StoreError {
    StoreError::Config(format!("cannot write the export: {e}"))
}

fn section<E: Entity>(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    out: &mut dyn Write,
    name: &str,
) -> Result<(), StoreError> {
    write!(out, ",\n\"{name}\":[").map_err(io)?;
    let mut after: Option<Id> = None;
    let mut first = true;
    loop {
        let page: Vec<E> = tx.all_after(&ctx.ws, after.as_ref(), PAGE)?;
        for rec in &page {
            if !first {
                out.write_all(b",").map_err(io)?;
            }
            first = false;
            out.write_all(b"\n").map_err(io)?;
            serde_json::to_writer(&mut *out, rec).map_err(|e| io(e.into()))?;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.meta().id.clone()),
            _ => break,
        }
    }
    write!(out, "]").map_err(io)
}

impl App {
    /// Writes the whole workspace as one JSON document, from one consistent snapshot,
    /// a page of records at a time.
    pub fn export_json(&self, ctx: &Ctx, out: &mut dyn Write) -> Result<()> {
        self.store.read(|tx| {
            let ws_name = tx.workspace(&ctx.ws)?.map(|w| w.name).unwrap_or_default();
            write!(
                out,
                "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"workspace\":"
            )
            .map_err(io)?;
            serde_json::to_writer(&mut *out, &ws_name).map_err(|e| io(e.into()))?;
            section::<Person>(tx, ctx, out, "people")?;
            section::<Organization>(tx, ctx, out, "organizations")?;
            section::<Membership>(tx, ctx, out, "memberships")?;
            section::<Relationship>(tx, ctx, out, "relationships")?;
            section::<Tie>(tx, ctx, out, "ties")?;
            section::<Interaction>(tx, ctx, out, "interactions")?;
            section::<Commitment>(tx, ctx, out, "commitments")?;
            section::<Exchange>(tx, ctx, out, "exchanges")?;
            section::<Conflict>(tx, ctx, out, "conflicts")?;
            section::<Feedback>(tx, ctx, out, "feedback")?;
            section::<Goal>(tx, ctx, out, "goals")?;
            section::<Task>(tx, ctx, out, "tasks")?;
            section::<ImportantDate>(tx, ctx, out, "dates")?;
            section::<Deal>(tx, ctx, out, "deals")?;
            section::<Note>(tx, ctx, out, "notes")?;
            section::<Stake>(tx, ctx, out, "stakes")?;
            writeln!(out, "}}").map_err(io)?;
            out.flush().map_err(io)
        })?;
        Ok(())
    }

    /// Imports an export into the workspace in one transaction, reading it as a stream:
    /// each record is checked and written as it is read, so memory does not grow with
    /// the file. Sections are loaded in the order the document gives them (an export
    /// writes them in dependency order: people before the relationships that point at
    /// them). Records whose id exists already are skipped, so importing the same file
    /// twice creates nothing new. Any fault (syntax, a record that is not valid) rolls
    /// the whole import back. A dry run does the same and rolls back.
    pub fn import_json(
        &self,
        ctx: &Ctx,
        input: &mut dyn Read,
        dry_run: bool,
    ) -> Result<ImportSummary> {
        self.check_write(ctx)?;
        let mut started = false;
        let mut result: Option<ImportSummary> = None;
        let outcome = self.store.write(|tx| {
            // The input cannot be read twice: a transaction run again would see nothing.
            if started {
                return Err(StoreError::Config(
                    "the database was busy during the import; run it again".into(),
                ));
            }
            started = true;
            let mut loader = Loader {
                tx,
                ws: &ctx.ws,
                summary: ImportSummary {
                    format: "json".into(),
                    dry_run,
                    ..ImportSummary::default()
                },
                failure: None,
                format: None,
                version: None,
            };
            let mut checked = Utf8Only::new(&mut *input);
            let mut de =
                serde_json::Deserializer::from_reader(std::io::BufReader::new(&mut checked));
            let read =
                serde::Deserializer::deserialize_map(&mut de, &mut loader).and_then(|()| de.end());
            drop(de);
            if let Some(at) = checked.bad_at {
                return Err(StoreError::Domain(DomainError::invalid(
                    "file",
                    format!("not UTF-8 at byte {at} (a JSON export is UTF-8)"),
                )));
            }
            if let Err(e) = read {
                return Err(loader.failure.take().unwrap_or_else(|| {
                    StoreError::Domain(DomainError::invalid(
                        "json",
                        format!("line {}, column {}: {e}", e.line(), e.column()),
                    ))
                }));
            }
            if dry_run {
                result = Some(loader.summary);
                return Err(StoreError::Config("dry run: rolled back".into()));
            }
            Ok(loader.summary)
        });
        match (outcome, result) {
            (_, Some(s)) => Ok(s),
            (r, None) => Ok(r?),
        }
    }
}

/// A reader that hands on UTF-8 only: at the first byte that cannot be (a JSON export
/// is UTF-8) it fails, keeping that byte's offset for the error message.
struct Utf8Only<R> {
    inner: R,
    /// Bytes read and not handed on; the first `valid` of them are checked.
    buf: Vec<u8>,
    valid: usize,
    /// Bytes handed on so far.
    pos: u64,
    bad_at: Option<u64>,
    eof: bool,
}

impl<R: Read> Utf8Only<R> {
    fn new(inner: R) -> Utf8Only<R> {
        Utf8Only {
            inner,
            buf: Vec::new(),
            valid: 0,
            pos: 0,
            bad_at: None,
            eof: false,
        }
    }
}

impl<R: Read> Read for Utf8Only<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.valid > 0 {
                let n = self.valid.min(out.len());
                out[..n].copy_from_slice(&self.buf[..n]);
                self.buf.drain(..n);
                self.valid -= n;
                self.pos += n as u64;
                return Ok(n);
            }
            if let Some(at) = self.bad_at {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("not UTF-8 at byte {at}"),
                ));
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(0);
                }
                // A sequence cut short by the end of the file.
                self.bad_at = Some(self.pos);
                continue;
            }
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            self.eof = n == 0;
            self.buf.extend_from_slice(&chunk[..n]);
            match std::str::from_utf8(&self.buf) {
                Ok(_) => self.valid = self.buf.len(),
                Err(e) => {
                    self.valid = e.valid_up_to();
                    // Without an error length the sequence is only incomplete: read on.
                    if e.error_len().is_some() {
                        self.bad_at = Some(self.pos + self.valid as u64);
                    }
                }
            }
        }
    }
}

/// The keys of an export document.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    Format,
    Version,
    Workspace,
    People,
    Organizations,
    Memberships,
    Relationships,
    Ties,
    Interactions,
    Commitments,
    Exchanges,
    Conflicts,
    Feedback,
    Goals,
    Tasks,
    Dates,
    Deals,
    Notes,
    Stakes,
}

/// Reads an export document and loads each record as it is read (see
/// [`App::import_json`]).
struct Loader<'x, 'a> {
    tx: &'x mut Tx<'a>,
    ws: &'x Id,
    summary: ImportSummary,
    /// Why loading stopped, when it was not the document's syntax.
    failure: Option<StoreError>,
    format: Option<String>,
    version: Option<u32>,
}

impl Loader<'_, '_> {
    /// Records the reason loading stops and hands `serde` an error that stops it.
    fn fail<E: serde::de::Error>(&mut self, e: StoreError) -> E {
        let message = e.to_string();
        self.failure = Some(e);
        E::custom(message)
    }

    /// Whether the document said it is an export this version reads.
    fn check_header(&self) -> Result<(), StoreError> {
        match (&self.format, self.version) {
            (Some(f), Some(v)) if f == FORMAT && v == VERSION => Ok(()),
            (f, v) => Err(StoreError::Domain(DomainError::invalid(
                "format",
                format!(
                    "expected a {FORMAT} document of version {VERSION}, found `{}` version {}",
                    f.as_deref().unwrap_or_default(),
                    v.map_or_else(|| "none".to_string(), |v| v.to_string())
                ),
            ))),
        }
    }

    /// Checks a record and writes it unless its id exists.
    fn load<E: Entity + Validate>(
        &mut self,
        section: &str,
        index: usize,
        rec: &E,
    ) -> Result<(), StoreError> {
        rec.validate()
            .map_err(|err| StoreError::Domain(err.within(&format!("{section}[{index}]."))))?;
        if self.tx.exists::<E>(&rec.meta().id)? {
            self.summary.skipped += 1;
        } else {
            self.tx.insert(self.ws, rec)?;
            self.summary.created += 1;
        }
        Ok(())
    }

    fn section<'de, E, A>(&mut self, map: &mut A, name: &'static str) -> Result<(), A::Error>
    where
        E: Entity + Validate,
        A: serde::de::MapAccess<'de>,
    {
        // Refused before anything is written when the header came first (as an export
        // writes it); otherwise at the end, which rolls back what was written.
        if (self.format.is_some() || self.version.is_some())
            && let Err(e) = self.check_header()
        {
            return Err(self.fail(e));
        }
        map.next_value_seed(Section::<E> {
            loader: self,
            name,
            records: std::marker::PhantomData,
        })
    }
}

impl<'de> serde::de::Visitor<'de> for &mut Loader<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Rapport export (a JSON object)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let mut workspace = false;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Format => self.format = Some(map.next_value()?),
                Key::Version => self.version = Some(map.next_value()?),
                Key::Workspace => {
                    map.next_value::<String>()?;
                    workspace = true;
                }
                Key::People => self.section::<Person, _>(&mut map, "people")?,
                Key::Organizations => self.section::<Organization, _>(&mut map, "organizations")?,
                Key::Memberships => self.section::<Membership, _>(&mut map, "memberships")?,
                Key::Relationships => self.section::<Relationship, _>(&mut map, "relationships")?,
                Key::Ties => self.section::<Tie, _>(&mut map, "ties")?,
                Key::Interactions => self.section::<Interaction, _>(&mut map, "interactions")?,
                Key::Commitments => self.section::<Commitment, _>(&mut map, "commitments")?,
                Key::Exchanges => self.section::<Exchange, _>(&mut map, "exchanges")?,
                Key::Conflicts => self.section::<Conflict, _>(&mut map, "conflicts")?,
                Key::Feedback => self.section::<Feedback, _>(&mut map, "feedback")?,
                Key::Goals => self.section::<Goal, _>(&mut map, "goals")?,
                Key::Tasks => self.section::<Task, _>(&mut map, "tasks")?,
                Key::Dates => self.section::<ImportantDate, _>(&mut map, "dates")?,
                Key::Deals => self.section::<Deal, _>(&mut map, "deals")?,
                Key::Notes => self.section::<Note, _>(&mut map, "notes")?,
                Key::Stakes => self.section::<Stake, _>(&mut map, "stakes")?,
            }
        }
        if self.format.is_none() {
            return Err(A::Error::missing_field("format"));
        }
        if self.version.is_none() {
            return Err(A::Error::missing_field("version"));
        }
        if !workspace {
            return Err(A::Error::missing_field("workspace"));
        }
        self.check_header().map_err(|e| self.fail(e))
    }
}

/// One array of records, each loaded as it is read.
struct Section<'l, 'x, 'a, E> {
    loader: &'l mut Loader<'x, 'a>,
    name: &'static str,
    records: std::marker::PhantomData<E>,
}

impl<'de, E: Entity + Validate> serde::de::DeserializeSeed<'de> for Section<'_, '_, '_, E> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E: Entity + Validate> serde::de::Visitor<'de> for Section<'_, '_, '_, E> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an array of {}", self.name)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(rec) = seq.next_element::<E>()? {
            if let Err(e) = self.loader.load(self.name, index, &rec) {
                return Err(self.loader.fail(e));
            }
            index += 1;
        }
        Ok(())
    }
}

/// What `rapport export --format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// The lossless workspace document.
    #[default]
    Json,
    /// vCard 4.0: people, then organizations as `KIND:org` cards.
    Vcard,
    /// One row per person, under the generic header the CSV import maps back.
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<ExportFormat, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "vcard" | "vcf" => Ok(ExportFormat::Vcard),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(DomainError::invalid(
                "format",
                format!("`{s}` is not an export format: json, vcard or csv"),
            )),
        }
    }
}

/// A person as a neutral contact: their first current organization and title, their
/// anniversary, and their notes joined (oldest first) as the note.
fn person_card(tx: &mut Tx<'_>, ws: &Id, p: &Person) -> Result<ContactCard, StoreError> {
    let mut c = ContactCard::named(p.name.clone());
    c.given_name.clone_from(&p.given_name);
    c.family_name.clone_from(&p.family_name);
    c.nickname.clone_from(&p.nickname);
    c.emails.clone_from(&p.emails);
    c.phones.clone_from(&p.phones);
    c.addresses.clone_from(&p.addresses);
    c.urls.clone_from(&p.urls);
    c.birthday = p.birthday;
    c.tags.clone_from(&p.tags);
    c.photo.clone_from(&p.photo);
    c.time_zone.clone_from(&p.time_zone);
    c.source_id = format!("urn:uuid:{}", p.meta.id);
    let current = tx
        .memberships_of(ws, &p.meta.id)?
        .into_iter()
        .find(|m| m.to.is_none());
    if let Some(m) = current
        && let Some(o) = tx.find::<Organization>(ws, &m.organization_id)?
    {
        c.organization = Some(o.name);
        c.title = m.title;
    }
    c.anniversary = tx
        .where_eq::<ImportantDate>(ws, "person_id", (&p.meta.id).into())?
        .into_iter()
        .find(|d| d.kind == DateKind::Anniversary)
        .map(|d| d.date);
    let notes: Vec<String> = tx
        .where_eq::<Note>(ws, "link_id", (&p.meta.id).into())?
        .into_iter()
        .map(|n| n.body)
        .collect();
    if !notes.is_empty() {
        c.note = Some(notes.join("\n\n"));
    }
    Ok(c)
}

fn org_card(o: &Organization) -> ContactCard {
    let mut c = ContactCard::named(o.name.clone());
    c.kind = SubjectKind::Organization;
    c.organization = Some(o.name.clone());
    c.tags.clone_from(&o.tags);
    c.addresses = o.address.iter().cloned().collect();
    for (field, list) in [
        ("phone", &mut c.phones),
        ("email", &mut c.emails),
        ("url", &mut c.urls),
    ] {
        if let Some(v) = o.custom_fields.get(field) {
            list.push(Labeled::new(v.clone(), None));
        }
    }
    c.source_id = format!("urn:uuid:{}", o.meta.id);
    c
}

/// Each live record of a type, a page at a time.
fn each<E: Entity>(
    tx: &mut Tx<'_>,
    ws: &Id,
    mut f: impl FnMut(&mut Tx<'_>, E) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut after: Option<Id> = None;
    loop {
        let page: Vec<E> = tx.all_after(ws, after.as_ref(), PAGE)?;
        let full = page.len() == PAGE;
        after = page.last().map(|r| r.meta().id.clone());
        for rec in page {
            if rec.meta().deleted_at.is_none() {
                f(tx, rec)?;
            }
        }
        if !full {
            return Ok(());
        }
    }
}

impl App {
    /// Writes the workspace in `format`: JSON losslessly; vCard and CSV as contacts
    /// (people, and for vCard organizations too).
    pub fn export(&self, ctx: &Ctx, format: ExportFormat, out: &mut dyn Write) -> Result<()> {
        match format {
            ExportFormat::Json => self.export_json(ctx, out),
            ExportFormat::Vcard => Ok(self.store.read(|tx| {
                let mut buf = String::new();
                each::<Person>(tx, &ctx.ws, |tx, p| {
                    buf.clear();
                    rapport_formats::vcard::write_card(&mut buf, &person_card(tx, &ctx.ws, &p)?);
                    out.write_all(buf.as_bytes()).map_err(io)
                })?;
                each::<Organization>(tx, &ctx.ws, |_, o| {
                    buf.clear();
                    rapport_formats::vcard::write_card(&mut buf, &org_card(&o));
                    out.write_all(buf.as_bytes()).map_err(io)
                })?;
                out.flush().map_err(io)
            })?),
            ExportFormat::Csv => Ok(self.store.read(|tx| {
                let mut w = CsvWriter::new(&mut *out).map_err(io)?;
                each::<Person>(tx, &ctx.ws, |tx, p| {
                    w.write(&person_card(tx, &ctx.ws, &p)?).map_err(io)
                })?;
                w.finish().map_err(io)?.flush().map_err(io)
            })?),
        }
    }

    /// The workspace's calendar for the actor, as iCalendar text: the next check-in of
    /// each active relationship they may see, open commitments and tasks with a due
    /// date, and birthdays and important dates as yearly events. UIDs are built from
    /// record ids, so a client refreshing the feed updates events instead of adding them.
    pub fn calendar(&self, ctx: &Ctx) -> Result<String> {
        let today = self.today();
        let zone = self.clock.zone();
        let cal = self.store.read(|tx| {
            let ws_name = tx.workspace(&ctx.ws)?.map(|w| w.name).unwrap_or_default();
            let mut cal = Calendar::new().named(format!("Rapport: {ws_name}"));
            let rels = self.visible(ctx, tx.all_relationships(&ctx.ws)?);
            let mut ids: Vec<Id> = rels.iter().map(|r| r.subject.id.clone()).collect();
            ids.sort();
            ids.dedup();
            let cards = tx.subject_cards(&ctx.ws, &ids)?;
            let name = |id: &Id| {
                cards
                    .get(id)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| id.short().to_string())
            };
            let last: std::collections::HashMap<Id, jiff::civil::Date> = tx
                .last_contacts(&ctx.ws)?
                .into_iter()
                .map(|(id, at)| (id, at.to_zoned(zone.clone()).date()))
                .collect();
            for r in rels
                .iter()
                .filter(|r| r.status == RelationshipStatus::Active)
            {
                let cadence = r
                    .cadence_days
                    .unwrap_or_else(|| rapport_core::health::default_cadence(r.kind, r.importance));
                let from = last.get(&r.subject.id).copied().or(r.started_on);
                let due = from
                    .and_then(|d| {
                        d.checked_add(jiff::Span::new().days(i64::from(cadence.get())))
                            .ok()
                    })
                    .map_or(today, |d| d.max(today));
                cal = cal.event(
                    Event::all_day(
                        uid("checkin", &r.meta.id.to_string()),
                        due,
                        format!("Check in with {}", name(&r.subject.id)),
                    )
                    .description(format!(
                        "{} relationship, every {} days",
                        r.kind,
                        cadence.get()
                    )),
                );
            }
            let rel_subject: std::collections::HashMap<&Id, &Id> =
                rels.iter().map(|r| (&r.meta.id, &r.subject.id)).collect();
            for c in tx.open_commitments(&ctx.ws)? {
                let (Some(due), Some(subject)) = (c.due, rel_subject.get(&c.relationship_id))
                else {
                    continue;
                };
                let who = name(subject);
                let summary = match c.owed_by {
                    OwedBy::Me => format!("Promised {who}: {}", c.text),
                    OwedBy::Them => format!("{who} promised: {}", c.text),
                };
                cal = cal.event(Event::all_day(
                    uid("commitment", &c.meta.id.to_string()),
                    due,
                    summary,
                ));
            }
            for t in tx.open_tasks(&ctx.ws)? {
                if let Some(due) = t.due {
                    cal = cal.event(Event::all_day(
                        uid("task", &t.meta.id.to_string()),
                        due,
                        format!("Task: {}", t.text),
                    ));
                }
            }
            for p in tx.birthdays_between(&ctx.ws, "01-01", "12-31")? {
                if let Some(b) = p.birthday {
                    cal = cal.event(
                        Event::all_day(
                            uid("birthday", &p.meta.id.to_string()),
                            first_occurrence(b, today),
                            format!("Birthday: {}", p.name),
                        )
                        .yearly(),
                    );
                }
            }
            let dates = tx.dates_between(&ctx.ws, "01-01", "12-31")?;
            let mut people: Vec<Id> = dates.iter().map(|d| d.person_id.clone()).collect();
            people.sort();
            people.dedup();
            let names = tx.subject_cards(&ctx.ws, &people)?;
            for d in dates {
                let who = names
                    .get(&d.person_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                let what = d.label.clone().unwrap_or_else(|| d.kind.to_string());
                cal = cal.event(
                    Event::all_day(
                        uid("date", &d.meta.id.to_string()),
                        first_occurrence(d.date, today),
                        format!("{who}: {what}"),
                    )
                    .yearly(),
                );
            }
            Ok(cal)
        })?;
        Ok(cal.to_ics(self.now()))
    }
}

/// Where a yearly event starts: the year of origin when known (a birth date), else this
/// year's or next year's occurrence.
fn first_occurrence(d: AnnualDate, today: jiff::civil::Date) -> jiff::civil::Date {
    d.year()
        .and_then(|y| jiff::civil::Date::new(y, d.month() as i8, d.day() as i8).ok())
        .unwrap_or_else(|| d.next_on_or_after(today))
}

#[cfg(test)]
mod utf8_tests {
    use super::*;

    /// One byte per read, so that every sequence is cut.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn read_all(bytes: &[u8]) -> (Vec<u8>, Option<u64>) {
        let mut r = Utf8Only::new(Trickle(bytes));
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
        (out, r.bad_at)
    }

    #[test]
    fn utf8_passes_whole_and_the_first_bad_byte_is_named() {
        let good = "aé€😀b".as_bytes();
        assert_eq!(read_all(good), (good.to_vec(), None));
        assert_eq!(read_all(b"ab\xffc"), (b"ab".to_vec(), Some(2)));
        assert_eq!(read_all(b"a\xc3"), (b"a".to_vec(), Some(1)));
    }
}
