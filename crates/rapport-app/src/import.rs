//! Importing contacts: vCard, the CSV exports (Google, LinkedIn, Outlook, generic) and
//! Rapport's own JSON export, matched against the store and merged.
//!
//! Each contact is matched, in order, by email, by phone, then by folded name plus
//! organization (all indexed lookups). A match is merged: new emails, phones, URLs,
//! addresses and tags are added, empty fields filled, and nothing set is overwritten
//! unless [`ImportOptions::overwrite`]. So importing the same file twice creates nothing.
//! Contacts are written in batches of [`ImportOptions::batch`], one transaction each; a
//! dry run does the same work in one transaction that is rolled back.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::rc::Rc;
use std::str::FromStr;

use rapport_core::*;
pub use rapport_formats::csv::ColumnMap;
use rapport_formats::csv::{CsvFormat, CsvOptions, CsvReader};
use rapport_formats::{ContactCard, Format, ParseError};
use rapport_store::{StoreError, Tx};
use serde::Serialize;

use crate::{App, AppError, Ctx, Result};

/// What `--format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportFormat {
    /// Told from the content.
    #[default]
    Auto,
    Vcard,
    /// Any CSV: the dialect is told from the header row.
    Csv,
    Google,
    LinkedIn,
    Outlook,
    Json,
}

impl FromStr for ImportFormat {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<ImportFormat, DomainError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "auto" => ImportFormat::Auto,
            "vcard" | "vcf" => ImportFormat::Vcard,
            "csv" => ImportFormat::Csv,
            "google" => ImportFormat::Google,
            "linkedin" => ImportFormat::LinkedIn,
            "outlook" => ImportFormat::Outlook,
            "json" => ImportFormat::Json,
            _ => {
                return Err(DomainError::invalid(
                    "format",
                    format!(
                        "`{s}` is not an import format: auto, vcard, csv, google, linkedin, outlook or json"
                    ),
                ));
            }
        })
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: ImportFormat,
    /// Do everything, then roll back: the summary says what would happen.
    pub dry_run: bool,
    /// Replace fields already set (name, birthday, …) with the file's values.
    pub overwrite: bool,
    pub skip_photos: bool,
    /// CSV `COLUMN=FIELD` mappings.
    pub mapping: Vec<ColumnMap>,
    /// Contacts per transaction.
    pub batch: usize,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            format: ImportFormat::Auto,
            dry_run: false,
            overwrite: false,
            skip_photos: false,
            mapping: Vec::new(),
            batch: 50_000,
        }
    }
}

/// A rejected record or a dropped value, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: usize,
    pub reason: String,
}

impl From<&ParseError> for Problem {
    fn from(e: &ParseError) -> Problem {
        Problem {
            line: e.line,
            reason: e.reason.to_string(),
        }
    }
}

/// At most this many problems are listed; the counts go on.
const MAX_LISTED: usize = 10_000;

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// `vcard`, `google`, `linkedin`, `outlook`, `csv` or `json`.
    pub format: String,
    pub dry_run: bool,
    /// Records created.
    pub created: usize,
    /// Existing records that gained something.
    pub merged: usize,
    /// Records already present with nothing new.
    pub skipped: usize,
    /// Records not imported, with the line where each starts (the first 10,000).
    pub rejected: Vec<Problem>,
    pub rejected_count: usize,
    /// Values dropped from records that were imported (a bad email, a date that is not one).
    pub warnings: Vec<Problem>,
    pub warning_count: usize,
}

impl ImportSummary {
    fn reject(&mut self, p: Problem) {
        self.rejected_count += 1;
        if self.rejected.len() < MAX_LISTED {
            self.rejected.push(p);
        }
    }

    fn warn(&mut self, p: Problem) {
        self.warning_count += 1;
        if self.warnings.len() < MAX_LISTED {
            self.warnings.push(p);
        }
    }

    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Created => self.created += 1,
            Outcome::Merged => self.merged += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.rejected {
            writeln!(f, "rejected: line {}: {}", p.line, p.reason)?;
        }
        for p in &self.warnings {
            writeln!(f, "warning: line {}: {}", p.line, p.reason)?;
        }
        write!(
            f,
            "{}{}: {} created, {} merged, {} skipped, {} rejected",
            if self.dry_run {
                "Dry run, nothing written. "
            } else {
                ""
            },
            self.format,
            self.created,
            self.merged,
            self.skipped,
            self.rejected_count
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Merged,
    Skipped,
}

/// One of the people a name match may look at: their state as far as the match rule
/// needs it, or `Any` when it is not known (a person merged one by one in this batch,
/// whose memberships may have changed), which may match any contact of that name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Candidate {
    Known {
        has_email: bool,
        org_keys: Vec<String>,
    },
    Any,
}

/// What a contact could match among some people: their emails (lowercase), phones (by
/// digits) and, by folded name, the candidates of the name-and-organization match.
/// [`Known::may_match`] errs on the side of "maybe": a contact it rules out matches none
/// of these people under the rules of `find_person`.
#[derive(Debug, Default)]
struct Known {
    emails: HashSet<String>,
    phones: HashSet<String>,
    names: HashMap<String, Vec<Candidate>>,
}

impl Known {
    /// The people in the store before a batch that the batch's person contacts could
    /// match: one query for the emails, one for the phones, one per hundred names.
    fn fetch(tx: &mut Tx<'_>, ws: &Id, batch: &[ContactCard]) -> Result<Known, StoreError> {
        let people = || batch.iter().filter(|c| c.kind == SubjectKind::Person);
        let mut emails: Vec<String> = people()
            .flat_map(|c| c.emails.iter().map(|e| e.value.to_lowercase()))
            .collect();
        let mut phones: Vec<String> = people()
            .flat_map(|c| c.phones.iter().map(|p| phone_key(&p.value)))
            .filter(|k| k.len() >= 5)
            .collect();
        for v in [&mut emails, &mut phones] {
            v.sort();
            v.dedup();
        }
        let mut known = Known {
            emails: tx.known_emails(ws, &emails)?,
            phones: tx.known_phones(ws, &phones)?,
            names: HashMap::new(),
        };
        // Contacts that match by email or phone are not matched by name: look up only
        // the names of the others (none when a file is imported again), with whether
        // one of the contacts of that name has no email.
        let mut names: Vec<(String, bool)> = people()
            .filter(|c| !known.may_match(c))
            .map(|c| (fold(&c.name), c.emails.is_empty()))
            .collect();
        names.sort();
        names.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            kept.1 |= same && later.1;
            same
        });
        // A contact with an email matches by name only people without one: when every
        // contact of a name has an email, namesakes with one are left out.
        let (any, with_email): (Vec<_>, Vec<_>) = names.into_iter().partition(|n| n.1);
        for (names, without_email) in [(any, false), (with_email, true)] {
            let keys: Vec<String> = names.into_iter().map(|n| n.0).collect();
            for n in tx.namesakes(ws, &keys, without_email)? {
                known
                    .names
                    .entry(n.name_key)
                    .or_default()
                    .push(Candidate::Known {
                        has_email: n.has_email,
                        org_keys: n.org_keys,
                    });
            }
        }
        Ok(known)
    }

    /// Records a person; `org_key` is `Some` with the folded name of its only
    /// organization (or none) when that is known, `None` when it is not.
    fn add(&mut self, p: &Person, org_key: Option<Option<String>>) {
        self.emails
            .extend(p.emails.iter().map(|e| e.value.to_lowercase()));
        self.phones
            .extend(p.phones.iter().map(|ph| phone_key(&ph.value)));
        let candidate = match org_key {
            Some(org) => Candidate::Known {
                has_email: !p.emails.is_empty(),
                org_keys: org.into_iter().collect(),
            },
            None => Candidate::Any,
        };
        self.names.entry(fold(&p.name)).or_default().push(candidate);
    }

    /// Whether `card` may match one of these people by email, phone, or name and
    /// organization (see `find_person`).
    fn may_match(&self, card: &ContactCard) -> bool {
        if card
            .emails
            .iter()
            .any(|e| self.emails.contains(&e.value.to_lowercase()))
        {
            return true;
        }
        if card.phones.iter().any(|p| {
            let k = phone_key(&p.value);
            k.len() >= 5 && self.phones.contains(&k)
        }) {
            return true;
        }
        let want_org = card.organization.as_deref().map(fold);
        let Some(candidates) = self.names.get(&fold(&card.name)) else {
            return false;
        };
        candidates.iter().any(|c| match c {
            Candidate::Any => true,
            Candidate::Known {
                has_email,
                org_keys,
            } => {
                // Both with emails and none shared: two people.
                (!*has_email || card.emails.is_empty())
                    && match &want_org {
                        Some(k) => org_keys.contains(k),
                        None => org_keys.is_empty(),
                    }
            }
        })
    }
}

/// The records a new contact brings besides the person.
#[derive(Debug, Default)]
struct Related {
    membership: Option<Membership>,
    note: Option<Note>,
    date: Option<ImportantDate>,
    relationship: Option<Relationship>,
}

/// How many new people a batch holds in memory before writing them: enough for
/// multi-row statements to pay and for SQLite's full-text indexes to be fed in few large
/// segments (each write of what is pending adds one, and FTS5 merges them later), few
/// enough to keep memory bounded.
const PENDING_PEOPLE: usize = 20_000;

/// New records of a batch not written yet.
#[derive(Debug, Default)]
struct Pending {
    orgs: Vec<Organization>,
    people: Vec<Person>,
    memberships: Vec<Membership>,
    notes: Vec<Note>,
    dates: Vec<ImportantDate>,
    relationships: Vec<Relationship>,
}

impl Pending {
    fn add(&mut self, r: Related) {
        self.memberships.extend(r.membership);
        self.notes.extend(r.note);
        self.dates.extend(r.date);
        self.relationships.extend(r.relationship);
    }

    /// Writes everything pending with multi-row inserts (referenced records first) and
    /// forgets it.
    fn write(&mut self, tx: &mut Tx<'_>, ws: &Id) -> Result<(), StoreError> {
        tx.insert_many(ws, &std::mem::take(&mut self.orgs))?;
        tx.insert_many(ws, &std::mem::take(&mut self.people))?;
        tx.insert_many(ws, &std::mem::take(&mut self.memberships))?;
        tx.insert_many(ws, &std::mem::take(&mut self.notes))?;
        tx.insert_many(ws, &std::mem::take(&mut self.dates))?;
        tx.insert_many(ws, &std::mem::take(&mut self.relationships))
    }
}

/// What a batch created in bulk: the content of its summary audit event.
#[derive(Debug, Default, Serialize)]
struct BulkCounts {
    people: usize,
    organizations: usize,
    memberships: usize,
    notes: usize,
    dates: usize,
    relationships: usize,
    /// The lines of the first and last contact created.
    first_line: usize,
    last_line: usize,
}

impl BulkCounts {
    fn count(&mut self, r: &Related, line: usize) {
        self.people += 1;
        self.memberships += usize::from(r.membership.is_some());
        self.notes += usize::from(r.note.is_some());
        self.dates += usize::from(r.date.is_some());
        self.relationships += usize::from(r.relationship.is_some());
        if self.first_line == 0 {
            self.first_line = line;
        }
        self.last_line = line;
    }

    fn event(&self, format: &str) -> serde_json::Value {
        serde_json::json!({ "format": format, "created": self })
    }
}

/// A reader that counts the bytes read through it, for progress.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

fn io_error(e: std::io::Error) -> AppError {
    DomainError::invalid("file", format!("cannot read: {e}")).into()
}

/// After this many new records an import first refreshes the planner's statistics, and
/// again each time the records it created have doubled since (20,000, 40,000, …): the
/// plans follow the tables' growth (as the demo's do) at a cost of log(n) refreshes,
/// whose vacuums of the search tables read them whole.
const ANALYZE_AFTER: usize = 10_000;

/// The sentinel error that rolls a dry run back.
const ROLLBACK: &str = "dry run: rolled back";

impl App {
    /// Imports `input`; `progress` is told how many bytes were read so far.
    pub fn import(
        &self,
        ctx: &Ctx,
        input: &mut dyn Read,
        options: &ImportOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        self.check_write(ctx)?;
        let count = Rc::new(Cell::new(0));
        let mut input = Counting {
            inner: input,
            count: count.clone(),
        };
        let mut head = Vec::with_capacity(64 * 1024);
        (&mut input)
            .take(64 * 1024)
            .read_to_end(&mut head)
            .map_err(io_error)?;
        let format = match options.format {
            ImportFormat::Auto => match rapport_formats::detect(&head) {
                Format::Unknown | Format::ICalendar => {
                    return Err(DomainError::invalid(
                        "format",
                        "cannot tell the file's format from its content: give --format",
                    )
                    .into());
                }
                f => f,
            },
            ImportFormat::Vcard => Format::Vcard,
            ImportFormat::Json => Format::Json,
            ImportFormat::Csv => Format::Csv(CsvFormat::Generic),
            ImportFormat::Google => Format::Csv(CsvFormat::Google),
            ImportFormat::LinkedIn => Format::Csv(CsvFormat::LinkedIn),
            ImportFormat::Outlook => Format::Csv(CsvFormat::Outlook),
        };
        match format {
            Format::Json => {
                let summary = self.import_json(
                    ctx,
                    &mut std::io::Cursor::new(head).chain(&mut input),
                    options.dry_run,
                )?;
                progress(count.get());
                Ok(summary)
            }
            Format::Vcard => {
                let cards = rapport_formats::vcard::read_from(
                    std::io::Cursor::new(head).chain(input),
                    rapport_formats::vcard::ReadOptions {
                        skip_photos: options.skip_photos,
                    },
                );
                let mut summary = ImportSummary {
                    format: "vcard".into(),
                    ..ImportSummary::default()
                };
                self.import_cards(ctx, cards, options, &mut summary, &mut || {
                    progress(count.get())
                })?;
                progress(count.get());
                Ok(summary)
            }
            Format::Csv(dialect) => {
                let csv_options = CsvOptions {
                    format: match options.format {
                        ImportFormat::Auto | ImportFormat::Csv => None,
                        _ => Some(dialect),
                    },
                    mapping: options.mapping.clone(),
                    skip_photos: options.skip_photos,
                    delimiter: None,
                };
                let reader = CsvReader::new(std::io::Cursor::new(head).chain(input), &csv_options)
                    .map_err(|e| DomainError::invalid("file", e.to_string()))?;
                let mut summary = ImportSummary {
                    format: match reader.format() {
                        CsvFormat::Google => "google",
                        CsvFormat::LinkedIn => "linkedin",
                        CsvFormat::Outlook => "outlook",
                        CsvFormat::Generic => "csv",
                    }
                    .into(),
                    ..ImportSummary::default()
                };
                self.import_cards(ctx, reader, options, &mut summary, &mut || {
                    progress(count.get())
                })?;
                progress(count.get());
                Ok(summary)
            }
            Format::Unknown | Format::ICalendar => {
                Err(DomainError::invalid("format", "an iCalendar file cannot be imported").into())
            }
        }
    }

    /// Reads, cleans and applies contacts, a batch per transaction (one rolled-back
    /// transaction for a dry run).
    fn import_cards(
        &self,
        ctx: &Ctx,
        cards: impl Iterator<Item = Result<ContactCard, ParseError>>,
        options: &ImportOptions,
        summary: &mut ImportSummary,
        tick: &mut dyn FnMut(),
    ) -> Result<()> {
        summary.dry_run = options.dry_run;
        let mut cards = cards.peekable();
        let batch_size = options.batch.max(1);
        let mut next_batch = |summary: &mut ImportSummary| {
            let mut batch = Vec::with_capacity(batch_size.min(4096));
            for item in cards.by_ref() {
                match item.map_err(|e| Problem::from(&e)).and_then(clean) {
                    Ok((card, warnings)) => {
                        for w in warnings {
                            summary.warn(w);
                        }
                        batch.push(card);
                        if batch.len() >= batch_size {
                            break;
                        }
                    }
                    Err(p) => summary.reject(p),
                }
            }
            batch
        };
        // One connection for every batch, with a page cache that holds what the batches
        // keep adding to.
        let mut writer = self.store.writer()?;
        if options.dry_run {
            // Everything in one transaction, so later contacts see earlier ones, then
            // rolled back, vocabulary words included. A retried transaction could not
            // re-read the input: refuse.
            let mut started = false;
            let mut result: Option<ImportSummary> = None;
            let outcome = writer.load_all_inside(|tx| {
                if started {
                    return Err(StoreError::Config(
                        "the database was busy during the dry run; run it again".into(),
                    ));
                }
                started = true;
                let mut s = summary.clone();
                let mut orgs = HashMap::new();
                loop {
                    let batch = next_batch(&mut s);
                    if batch.is_empty() {
                        break;
                    }
                    for o in self.apply_batch(tx, ctx, &batch, &s.format, options, &mut orgs)? {
                        s.add(o);
                    }
                    tick();
                }
                result = Some(s);
                Err(StoreError::Config(ROLLBACK.into()))
            });
            return match (outcome, result) {
                (_, Some(s)) => {
                    *summary = s;
                    Ok(())
                }
                (Err(e), None) => Err(e.into()),
                (Ok(()), None) => Ok(()),
            };
        }
        // Records created since the planner's statistics were last refreshed.
        let (mut created, mut refresh_at) = (0, ANALYZE_AFTER);
        loop {
            let batch = next_batch(summary);
            if batch.is_empty() {
                return Ok(());
            }
            let counts = writer.load(|tx| {
                let mut orgs = HashMap::new();
                self.apply_batch(tx, ctx, &batch, &summary.format, options, &mut orgs)
            })?;
            for o in counts {
                created += usize::from(o == Outcome::Created);
                summary.add(o);
            }
            // The next batch's lookups, and what runs after the import, are planned for
            // the tables as they now are (PostgreSQL; nothing to do on SQLite).
            if created >= refresh_at {
                writer.refresh_statistics()?;
                refresh_at = created * 2;
            }
            // Progress counts what is written, not what is read ahead.
            tick();
        }
    }

    /// Applies a batch of clean contacts in one transaction, in file order.
    ///
    /// A contact that cannot match anything — no email, phone or name (with its
    /// organization) of the people in the store before the batch or of those the batch
    /// has touched so far — is created in memory and written with the batch's other new
    /// records in a few multi-row inserts, and the batch appends one summary audit event
    /// for them. Any other contact (and every organization card) first writes what is
    /// pending, then goes through [`App::apply_person`], the one-at-a-time match and merge
    /// with its own audit events, so the outcome is that of applying the contacts one by
    /// one.
    fn apply_batch(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        batch: &[ContactCard],
        format: &str,
        options: &ImportOptions,
        orgs: &mut HashMap<String, Organization>,
    ) -> Result<Vec<Outcome>, StoreError> {
        let stored = Known::fetch(tx, &ctx.ws, batch)?;
        self.fetch_orgs(tx, ctx, batch, orgs)?;
        let mut touched = Known::default();
        let mut pending = Pending::default();
        let mut bulk = BulkCounts::default();
        let mut out = Vec::with_capacity(batch.len());
        for card in batch {
            if card.kind == SubjectKind::Organization {
                pending.write(tx, &ctx.ws)?;
                out.push(self.apply_org(tx, ctx, card, options, orgs)?);
            } else if stored.may_match(card) || touched.may_match(card) {
                pending.write(tx, &ctx.ws)?;
                let (outcome, person) = self.apply_person(tx, ctx, card, options, orgs)?;
                touched.add(&person, None);
                out.push(outcome);
            } else {
                let org = card
                    .organization
                    .as_ref()
                    .map(|name| self.bulk_org(name, orgs, &mut pending, &mut bulk));
                let mut p = Person::named(self.new_meta(), card.name.clone());
                merge_person(&mut p, card, false);
                let related = self.related(&p, org.as_ref(), card);
                bulk.count(&related, card.line);
                pending.add(related);
                touched.add(&p, Some(org.map(|o| fold(&o.name))));
                pending.people.push(p);
                if pending.people.len() >= PENDING_PEOPLE {
                    pending.write(tx, &ctx.ws)?;
                }
                out.push(Outcome::Created);
            }
        }
        pending.write(tx, &ctx.ws)?;
        if bulk.people + bulk.organizations > 0 {
            self.audit_event(
                tx,
                ctx,
                "import",
                EntityKind::Workspace,
                &ctx.ws,
                None,
                Some(bulk.event(format)),
            )?;
        }
        Ok(out)
    }

    /// Puts the stored organizations named by the batch's contacts into `orgs`, in one
    /// query: the oldest of each name, as `find_or_create_org` would pick.
    fn fetch_orgs(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        batch: &[ContactCard],
        orgs: &mut HashMap<String, Organization>,
    ) -> Result<(), StoreError> {
        let mut keys: Vec<String> = batch
            .iter()
            .filter_map(|c| c.organization.as_deref().map(fold))
            .filter(|k| !orgs.contains_key(k))
            .collect();
        keys.sort();
        keys.dedup();
        for o in tx.by_name_keys::<Organization>(&ctx.ws, &keys)? {
            orgs.entry(fold(&o.name)).or_insert(o);
        }
        Ok(())
    }

    /// The organization of that name for a new contact: known (stored or pending), or
    /// new and pending.
    fn bulk_org(
        &self,
        name: &str,
        orgs: &mut HashMap<String, Organization>,
        pending: &mut Pending,
        bulk: &mut BulkCounts,
    ) -> Organization {
        orgs.entry(fold(name))
            .or_insert_with(|| {
                let o = Organization::named(self.new_meta(), name.to_string());
                pending.orgs.push(o.clone());
                bulk.organizations += 1;
                o
            })
            .clone()
    }

    /// The records a new contact brings besides the person: a membership in its
    /// organization, its note, its anniversary and, for a LinkedIn connection, a
    /// relationship that started then.
    fn related(&self, person: &Person, org: Option<&Organization>, card: &ContactCard) -> Related {
        let subject_id = &person.meta.id;
        Related {
            membership: org.map(|o| Membership {
                meta: self.new_meta(),
                person_id: subject_id.clone(),
                organization_id: o.meta.id.clone(),
                title: card.title.clone(),
                from: None,
                to: None,
            }),
            note: card.note.as_ref().map(|body| Note {
                meta: self.new_meta(),
                link: Link {
                    kind: EntityKind::Person,
                    id: subject_id.clone(),
                },
                body: body.clone(),
            }),
            date: card.anniversary.map(|date| ImportantDate {
                meta: self.new_meta(),
                person_id: subject_id.clone(),
                kind: DateKind::Anniversary,
                date,
                label: None,
            }),
            relationship: card.connected_on.map(|on| {
                let mut r = Relationship::new(
                    self.new_meta(),
                    Subject {
                        kind: SubjectKind::Person,
                        id: subject_id.clone(),
                    },
                    RelationshipKind::Other,
                );
                r.started_on = Some(on);
                r
            }),
        }
    }

    /// Matches one clean contact and creates or merges it, one statement at a time and
    /// audited record by record. Returns the person as it now is.
    fn apply_person(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        card: &ContactCard,
        options: &ImportOptions,
        orgs: &mut HashMap<String, Organization>,
    ) -> Result<(Outcome, Person), StoreError> {
        let now = self.now();
        let found = find_person(tx, &ctx.ws, card)?;
        let (person, mut outcome) = match found {
            None => {
                let mut p = Person::named(self.new_meta(), card.name.clone());
                merge_person(&mut p, card, false);
                self.insert_audited(tx, ctx, &p)?;
                (p, Outcome::Created)
            }
            Some(before) => {
                let mut after = before.clone();
                if merge_person(&mut after, card, options.overwrite) {
                    tx.update(&ctx.ws, &mut after, before.meta.version, now)?;
                    self.audit(
                        tx,
                        ctx,
                        "update",
                        &after.meta.id,
                        Some(&before),
                        Some(&after),
                    )?;
                    (after, Outcome::Merged)
                } else {
                    (after, Outcome::Skipped)
                }
            }
        };
        let fresh = outcome == Outcome::Created;
        let mut more = false;
        if let Some(org_name) = &card.organization {
            let org = self.cached_org(tx, ctx, org_name, orgs)?;
            let existing = if fresh {
                None
            } else {
                tx.memberships_of(&ctx.ws, &person.meta.id)?
                    .into_iter()
                    .find(|m| m.organization_id == org.meta.id)
            };
            match existing {
                None => {
                    if let Some(m) = self.related(&person, Some(&org), card).membership {
                        self.insert_audited(tx, ctx, &m)?;
                    }
                    more = true;
                }
                Some(m) if card.title.is_some() && (m.title.is_none() || options.overwrite) => {
                    if m.title != card.title {
                        let mut after = m.clone();
                        after.title = card.title.clone();
                        tx.update(&ctx.ws, &mut after, m.meta.version, now)?;
                        self.audit(tx, ctx, "update", &m.meta.id, Some(&m), Some(&after))?;
                        more = true;
                    }
                }
                Some(_) => {}
            }
        }
        if let Some(body) = &card.note {
            let known = !fresh
                && tx
                    .where_eq::<Note>(&ctx.ws, "link_id", (&person.meta.id).into())?
                    .iter()
                    .any(|n| n.body.trim() == body.trim());
            if !known && let Some(n) = self.related(&person, None, card).note {
                self.insert_audited(tx, ctx, &n)?;
                more = true;
            }
        }
        if card.anniversary.is_some() {
            let known = !fresh
                && tx
                    .where_eq::<ImportantDate>(&ctx.ws, "person_id", (&person.meta.id).into())?
                    .iter()
                    .any(|d| d.kind == DateKind::Anniversary);
            if !known && let Some(d) = self.related(&person, None, card).date {
                self.insert_audited(tx, ctx, &d)?;
                more = true;
            }
        }
        if let Some(on) = card.connected_on {
            let rels = if fresh {
                Vec::new()
            } else {
                tx.relationships_of(&ctx.ws, &person.meta.id)?
            };
            match rels.into_iter().next() {
                None => {
                    if let Some(r) = self.related(&person, None, card).relationship {
                        self.insert_audited(tx, ctx, &r)?;
                    }
                    more = true;
                }
                Some(r)
                    if r.started_on.is_none()
                        || (options.overwrite && r.started_on != Some(on)) =>
                {
                    let mut after = r.clone();
                    after.started_on = Some(on);
                    tx.update(&ctx.ws, &mut after, r.meta.version, now)?;
                    self.audit(tx, ctx, "update", &r.meta.id, Some(&r), Some(&after))?;
                    more = true;
                }
                Some(_) => {}
            }
        }
        if more && outcome == Outcome::Skipped {
            outcome = Outcome::Merged;
        }
        Ok((outcome, person))
    }

    /// The organization of that name from this batch's cache, the store, or new.
    fn cached_org(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        name: &str,
        orgs: &mut HashMap<String, Organization>,
    ) -> Result<Organization, StoreError> {
        let key = fold(name);
        if let Some(o) = orgs.get(&key) {
            return Ok(o.clone());
        }
        let o = self.find_or_create_org(tx, ctx, name, &self.new_meta())?;
        orgs.insert(key, o.clone());
        Ok(o)
    }

    /// A `KIND:org` card: the organization of that name, created or merged.
    fn apply_org(
        &self,
        tx: &mut Tx<'_>,
        ctx: &Ctx,
        card: &ContactCard,
        options: &ImportOptions,
        orgs: &mut HashMap<String, Organization>,
    ) -> Result<Outcome, StoreError> {
        let key = fold(&card.name);
        let found = match orgs.get(&key) {
            Some(o) => Some(tx.get::<Organization>(&ctx.ws, &o.meta.id)?),
            None => tx
                .by_name_key::<Organization>(&ctx.ws, &key)?
                .into_iter()
                .next(),
        };
        let (org, outcome) = match found {
            None => {
                let mut o = Organization::named(self.new_meta(), card.name.clone());
                merge_org(&mut o, card, false);
                self.insert_audited(tx, ctx, &o)?;
                (o, Outcome::Created)
            }
            Some(before) => {
                let mut after = before.clone();
                if merge_org(&mut after, card, options.overwrite) {
                    tx.update(&ctx.ws, &mut after, before.meta.version, self.now())?;
                    self.audit(
                        tx,
                        ctx,
                        "update",
                        &after.meta.id,
                        Some(&before),
                        Some(&after),
                    )?;
                    (after, Outcome::Merged)
                } else {
                    (after, Outcome::Skipped)
                }
            }
        };
        orgs.insert(key, org);
        Ok(outcome)
    }
}

/// The person a contact is: same email, else same phone, else same folded name and the
/// same organization (or both none) without disagreeing emails.
fn find_person(tx: &mut Tx<'_>, ws: &Id, card: &ContactCard) -> Result<Option<Person>, StoreError> {
    for e in &card.emails {
        if let Some(p) = tx.people_by_email(ws, &e.value)?.into_iter().next() {
            return Ok(Some(p));
        }
    }
    for ph in &card.phones {
        if phone_key(&ph.value).len() < 5 {
            continue;
        }
        if let Some(p) = tx.people_by_phone(ws, &ph.value)?.into_iter().next() {
            return Ok(Some(p));
        }
    }
    // Both having emails and none shared (else the email lookup had matched) means two
    // people: only people without email can match a card with emails by name.
    let want_org = card.organization.as_deref().map(fold);
    for (p, org_keys) in tx.people_named(ws, &fold(&card.name), !card.emails.is_empty())? {
        let same_org = match &want_org {
            Some(k) => org_keys.contains(k),
            None => org_keys.is_empty(),
        };
        if same_org {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

fn set_opt<T: PartialEq + Clone>(
    field: &mut Option<T>,
    value: &Option<T>,
    overwrite: bool,
) -> bool {
    match value {
        Some(v) if field.is_none() || (overwrite && field.as_ref() != Some(v)) => {
            *field = Some(v.clone());
            true
        }
        _ => false,
    }
}

fn add_labeled(list: &mut Vec<Labeled>, new: &[Labeled], key: impl Fn(&str) -> String) -> bool {
    let mut changed = false;
    for l in new {
        let k = key(&l.value);
        if !list.iter().any(|x| key(&x.value) == k) {
            list.push(l.clone());
            changed = true;
        }
    }
    changed
}

fn add_tags(tags: &mut Vec<String>, new: &[String]) -> bool {
    let mut changed = false;
    for t in new {
        if !tags.contains(t) {
            tags.push(t.clone());
            changed = true;
        }
    }
    changed
}

/// Adds what `card` has and `p` lacks; with `overwrite`, the card's values win.
/// True when anything changed.
fn merge_person(p: &mut Person, card: &ContactCard, overwrite: bool) -> bool {
    let mut changed = false;
    if overwrite && p.name != card.name {
        p.name = card.name.clone();
        changed = true;
    }
    changed |= set_opt(&mut p.given_name, &card.given_name, overwrite);
    changed |= set_opt(&mut p.family_name, &card.family_name, overwrite);
    changed |= set_opt(&mut p.nickname, &card.nickname, overwrite);
    changed |= set_opt(&mut p.birthday, &card.birthday, overwrite);
    changed |= set_opt(&mut p.time_zone, &card.time_zone, overwrite);
    changed |= set_opt(&mut p.photo, &card.photo, overwrite);
    changed |= add_labeled(&mut p.emails, &card.emails, str::to_lowercase);
    changed |= add_labeled(&mut p.phones, &card.phones, phone_key);
    changed |= add_labeled(&mut p.urls, &card.urls, str::to_string);
    for a in &card.addresses {
        if !p.addresses.contains(a) {
            p.addresses.push(a.clone());
            changed = true;
        }
    }
    changed |= add_tags(&mut p.tags, &card.tags);
    changed
}

/// An organization card's fields: tags and the first address; its phones, emails and
/// URLs as custom fields (an organization has no such lists).
fn merge_org(o: &mut Organization, card: &ContactCard, overwrite: bool) -> bool {
    let mut changed = add_tags(&mut o.tags, &card.tags);
    changed |= set_opt(&mut o.address, &card.addresses.first().cloned(), overwrite);
    for (field, list) in [
        ("phone", &card.phones),
        ("email", &card.emails),
        ("url", &card.urls),
    ] {
        if let Some(first) = list.first() {
            let cur = o.custom_fields.get(field);
            if cur.is_none() || (overwrite && cur != Some(&first.value)) {
                o.custom_fields.insert(field.into(), first.value.clone());
                changed = true;
            }
        }
    }
    changed
}

/// Checks a contact against the record's rules: values that do not fit are dropped
/// with a warning; a contact whose name does not fit is rejected.
fn clean(mut card: ContactCard) -> Result<(ContactCard, Vec<Problem>), Problem> {
    let line = card.line;
    let mut warnings: Vec<Problem> = card.warnings.iter().map(Problem::from).collect();
    let reject = |e: DomainError| Problem {
        line,
        reason: e.to_string(),
    };
    let mut warn = |what: String| warnings.push(Problem { line, reason: what });
    card.name = required_text("name", &card.name, SHORT_TEXT).map_err(reject)?;
    for (field, v) in [
        ("given name", &mut card.given_name),
        ("family name", &mut card.family_name),
        ("nickname", &mut card.nickname),
        ("organization", &mut card.organization),
        ("title", &mut card.title),
    ] {
        if let Some(t) = v.as_deref() {
            match optional_text(field, t, SHORT_TEXT) {
                Ok(t) => *v = t,
                Err(e) => {
                    warn(format!("{field} dropped: {e}"));
                    *v = None;
                }
            }
        }
    }
    if let Some(t) = card.note.as_deref() {
        match optional_text("note", t, LONG_TEXT) {
            Ok(t) => card.note = t,
            Err(e) => {
                warn(format!("note dropped: {e}"));
                card.note = None;
            }
        }
    }
    let mut emails: Vec<Labeled> = Vec::new();
    for e in std::mem::take(&mut card.emails) {
        match Email::parse(&e.value) {
            Ok(v)
                if !emails
                    .iter()
                    .any(|x| x.value.eq_ignore_ascii_case(v.as_str())) =>
            {
                emails.push(Labeled::new(v.as_str(), e.label));
            }
            Ok(_) => {}
            Err(err) => warn(format!("email dropped: {err}")),
        }
    }
    card.emails = emails;
    let mut phones: Vec<Labeled> = Vec::new();
    for p in std::mem::take(&mut card.phones) {
        let raw = p.value.trim();
        let raw = raw
            .strip_prefix("tel:")
            .unwrap_or(raw)
            .replace(";ext=", " ext ");
        match parse_phone(&raw) {
            Ok(v) if !phones.iter().any(|x| phone_key(&x.value) == phone_key(&v)) => {
                phones.push(Labeled::new(v, p.label));
            }
            Ok(_) => {}
            Err(err) => warn(format!("phone dropped: {err}")),
        }
    }
    card.phones = phones;
    card.urls.retain(|u| {
        let ok = u.value.chars().count() <= 2_000;
        if !ok {
            warnings.push(Problem {
                line,
                reason: "URL longer than 2,000 characters dropped".into(),
            });
        }
        ok
    });
    let mut tags: Vec<String> = Vec::new();
    for t in std::mem::take(&mut card.tags) {
        match parse_tag(&t) {
            Ok(t) if !tags.contains(&t) => tags.push(t),
            Ok(_) => {}
            Err(e) => warnings.push(Problem {
                line,
                reason: format!("tag dropped: {e}"),
            }),
        }
    }
    card.tags = tags;
    if let Some(tz) = card.time_zone.take() {
        match parse_time_zone(&tz) {
            Ok(tz) => card.time_zone = Some(tz),
            Err(e) => warnings.push(Problem {
                line,
                reason: format!("time zone dropped: {e}"),
            }),
        }
    }
    if card.photo.as_ref().is_some_and(|p| p.len() > 2_000_000) {
        card.photo = None;
        warnings.push(Problem {
            line,
            reason: "photo larger than 2 MB dropped".into(),
        });
    }
    Ok((card, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_bad_values_and_keeps_the_rest() {
        let mut c = ContactCard::named("Ada");
        c.line = 7;
        c.emails = vec![
            Labeled::new("ada@EXAMPLE.com", None),
            Labeled::new("ada@example.com", None),
            Labeled::new("not an email", None),
        ];
        c.phones = vec![
            Labeled::new("tel:+81-3-1234-5678;ext=102", None),
            Labeled::new("call me", None),
        ];
        c.tags = vec!["VIP".into(), "vip".into(), "a,b".into()];
        c.time_zone = Some("+02:00".into());
        let (c, warnings) = clean(c).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(c.emails, vec![Labeled::new("ada@example.com", None)]);
        assert_eq!(
            c.phones,
            vec![Labeled::new("+81-3-1234-5678 ext 102", None)]
        );
        assert_eq!(c.tags, vec!["vip".to_string()]);
        assert_eq!(c.time_zone, None);
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings.iter().all(|w| w.line == 7));
        assert!(clean(ContactCard::named(" ")).is_err());
    }

    #[test]
    fn merge_adds_and_never_overwrites_without_asking() {
        let meta = Meta::new(Id::v7(1, [0; 10]), jiff::Timestamp::UNIX_EPOCH);
        let mut p = Person::named(meta, "Ada".into());
        p.emails.push(Labeled::new("ada@example.com", None));
        p.birthday = AnnualDate::new(None, 12, 10).ok();
        let mut c = ContactCard::named("Ada Lovelace");
        c.emails = vec![
            Labeled::new("ADA@example.com", None),
            Labeled::new("ada@work.example", None),
        ];
        c.birthday = AnnualDate::new(Some(1815), 12, 10).ok();
        assert!(merge_person(&mut p, &c, false));
        assert_eq!(p.name, "Ada");
        assert_eq!(p.emails.len(), 2);
        assert_eq!(p.birthday, AnnualDate::new(None, 12, 10).ok());
        assert!(
            !merge_person(&mut p, &c, false),
            "nothing new the second time"
        );
        assert!(merge_person(&mut p, &c, true));
        assert_eq!(p.name, "Ada Lovelace");
        assert_eq!(p.birthday, c.birthday);
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            "LinkedIn".parse::<ImportFormat>().ok(),
            Some(ImportFormat::LinkedIn)
        );
        assert!("xls".parse::<ImportFormat>().is_err());
    }
}
