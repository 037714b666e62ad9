//! The one write path for records: a generic repository over every entity type.
//! Each record is stored as its JSON document plus the projected columns queries use;
//! side indexes (emails, phones, tags, participants, search text) are rewritten here too.

use rapport_core::*;
use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::conn::Dialect;
use crate::value::{Cell, Row, Value};
use crate::{StoreError, Tx};

/// Side-index rows derived from a record.
#[derive(Default, Clone)]
pub struct Indexes {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub tags: Vec<String>,
    /// People or organizations who took part (interactions only).
    pub subjects: Vec<Id>,
    /// When the interaction happened (microseconds), and whether it is live.
    pub at: Option<(i64, bool)>,
    /// How the interaction felt (interactions only), kept beside its subjects for health.
    pub sentiment: Option<i64>,
    /// Text to search, folded; `None` when the record is not searchable.
    pub search: Option<String>,
}

/// The SQL condition that a relationship (or a row with its `visibility` and
/// `owner_id`, on table alias `alias`) is private to someone other than the viewer
/// whose id is the SQL expression `viewer` (a parameter such as `$2`, or a column).
pub(crate) fn private_sql(alias: &str, viewer: &str) -> String {
    format!(
        "{alias}.visibility <> 'workspace' AND {alias}.owner_id IS NOT NULL AND {alias}.owner_id <> {viewer}"
    )
}

/// Who may see a record. Relationships can be private to their owner; the records that
/// hang off a relationship (or link to one) are as private as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every member of the workspace sees it.
    Workspace,
    /// A relationship: private ones are seen by their owner only.
    Relationship,
    /// Belongs to the relationship named by its `relationship_id` column.
    ViaRelationship,
    /// Attached by its `link_id` column to a record that may be a relationship.
    Linked,
}

impl Scope {
    /// The SQL condition (on table alias `t`) that hides what viewer `$n` may not see.
    pub(crate) fn visible_sql(self, n: usize) -> Option<String> {
        self.visible_to(&format!("${n}"))
    }

    /// The SQL condition (on table alias `t`) that hides what the viewer whose id is the
    /// SQL expression `viewer` may not see.
    pub(crate) fn visible_to(self, viewer: &str) -> Option<String> {
        let private = |alias: &str| private_sql(alias, viewer);
        match self {
            Scope::Workspace => None,
            Scope::Relationship => Some(format!("NOT ({})", private("t"))),
            Scope::ViaRelationship => Some(format!(
                "NOT EXISTS (SELECT 1 FROM relationships r WHERE r.id = t.relationship_id AND {})",
                private("r")
            )),
            Scope::Linked => Some(format!(
                "NOT EXISTS (SELECT 1 FROM relationships r WHERE r.id = t.link_id AND {})",
                private("r")
            )),
        }
    }
}

pub trait Entity: Serialize + DeserializeOwned + Clone {
    const KIND: EntityKind;
    const TABLE: &'static str;
    /// Who may see it; see [`Scope`].
    const SCOPE: Scope = Scope::Workspace;
    /// Projected columns, in the order `values` returns them.
    const COLUMNS: &'static [&'static str];
    fn meta(&self) -> &Meta;
    fn meta_mut(&mut self) -> &mut Meta;
    fn values(&self) -> Vec<Value>;
    fn indexes(&self) -> Indexes {
        Indexes::default()
    }
    /// For a kind whose records the network shows by name (people): the name. An edit
    /// of such a record changes the network only when its name or its liveness
    /// changes (an email added does not). `None`: every write of the kind counts alike
    /// (see [`Tx::network_changed`] for which kinds do).
    fn network_name(&self) -> Option<&str> {
        None
    }
    /// For a kind the network is built from (people, ties, interactions): the people a
    /// write of this record touches (the person; a tie's ends; who took part). `None`
    /// for the other kinds.
    fn network_people(&self) -> Option<Vec<Id>> {
        None
    }
    /// For a kind the network is built from: the people the stored record `$1` of
    /// workspace `$2` touches, one a row, as [`Entity::network_people`] names them —
    /// before an update, so that the people it no longer touches are known too.
    const STORED_NETWORK_PEOPLE: Option<&'static str> = None;
}

fn person_search(p: &Person) -> String {
    let mut s = String::new();
    for part in [Some(&p.name), p.nickname.as_ref()].into_iter().flatten() {
        s.push_str(part);
        s.push(' ');
    }
    for e in &p.emails {
        s.push_str(&e.value);
        s.push(' ');
    }
    for ph in &p.phones {
        s.push_str(&phone_key(&ph.value));
        s.push(' ');
    }
    for t in &p.tags {
        s.push_str(t);
        s.push(' ');
    }
    fold(&s)
}

macro_rules! meta_access {
    () => {
        fn meta(&self) -> &Meta {
            &self.meta
        }
        fn meta_mut(&mut self) -> &mut Meta {
            &mut self.meta
        }
    };
}

impl Entity for Person {
    const KIND: EntityKind = EntityKind::Person;
    const TABLE: &'static str = "people";
    const COLUMNS: &'static [&'static str] =
        &["name", "name_key", "birthday_md", "preferred_channel"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        let md = self
            .birthday
            .map(|b| format!("{:02}-{:02}", b.month(), b.day()));
        vec![
            self.name.clone().into(),
            fold(&self.name).into(),
            md.into(),
            self.preferred_channel.map(|c| c.as_str()).into(),
        ]
    }
    fn indexes(&self) -> Indexes {
        Indexes {
            emails: self.emails.iter().map(|e| e.value.to_lowercase()).collect(),
            phones: self.phones.iter().map(|p| phone_key(&p.value)).collect(),
            tags: self.tags.clone(),
            search: Some(person_search(self)),
            ..Indexes::default()
        }
    }
    fn network_name(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn network_people(&self) -> Option<Vec<Id>> {
        Some(vec![self.meta.id.clone()])
    }
    const STORED_NETWORK_PEOPLE: Option<&'static str> =
        Some("SELECT id FROM people WHERE id = $1 AND workspace_id = $2");
}

impl Entity for Organization {
    const KIND: EntityKind = EntityKind::Organization;
    const TABLE: &'static str = "organizations";
    const COLUMNS: &'static [&'static str] = &["name", "name_key"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![self.name.clone().into(), fold(&self.name).into()]
    }
    fn indexes(&self) -> Indexes {
        let text = format!(
            "{} {} {}",
            self.name,
            self.domains.join(" "),
            self.tags.join(" ")
        );
        Indexes {
            tags: self.tags.clone(),
            search: Some(fold(&text)),
            ..Indexes::default()
        }
    }
}

impl Entity for Membership {
    const KIND: EntityKind = EntityKind::Membership;
    const TABLE: &'static str = "memberships";
    const COLUMNS: &'static [&'static str] = &["person_id", "organization_id"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![(&self.person_id).into(), (&self.organization_id).into()]
    }
}

impl Entity for Relationship {
    const KIND: EntityKind = EntityKind::Relationship;
    const TABLE: &'static str = "relationships";
    const SCOPE: Scope = Scope::Relationship;
    const COLUMNS: &'static [&'static str] = &[
        "subject_kind",
        "subject_id",
        "kind",
        "status",
        "importance",
        "cadence_days",
        "owner_id",
        "visibility",
        "started_on",
    ];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            self.subject.kind.as_str().into(),
            (&self.subject.id).into(),
            self.kind.as_str().into(),
            self.status.as_str().into(),
            self.importance.get().into(),
            self.cadence_days.map(|c| c.get()).into(),
            self.owner_id.as_ref().into(),
            self.visibility.as_str().into(),
            self.started_on.into(),
        ]
    }
}

impl Entity for Tie {
    const KIND: EntityKind = EntityKind::Tie;
    const TABLE: &'static str = "ties";
    const COLUMNS: &'static [&'static str] =
        &["from_person_id", "to_person_id", "kind", "strength"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            (&self.from_person_id).into(),
            (&self.to_person_id).into(),
            self.kind.as_str().into(),
            self.strength.get().into(),
        ]
    }
    fn network_people(&self) -> Option<Vec<Id>> {
        Some(vec![self.from_person_id.clone(), self.to_person_id.clone()])
    }
    const STORED_NETWORK_PEOPLE: Option<&'static str> = Some(
        "SELECT from_person_id FROM ties WHERE id = $1 AND workspace_id = $2
         UNION ALL SELECT to_person_id FROM ties WHERE id = $1 AND workspace_id = $2",
    );
}

impl Entity for Interaction {
    const KIND: EntityKind = EntityKind::Interaction;
    const TABLE: &'static str = "interactions";
    const COLUMNS: &'static [&'static str] = &[
        "at",
        "channel",
        "direction",
        "sentiment",
        "minutes",
        "source",
        "source_id",
    ];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            self.at.into(),
            self.channel.as_str().into(),
            self.direction.as_str().into(),
            self.sentiment.map(|s| s.get()).into(),
            self.minutes.into(),
            self.source.as_str().into(),
            self.source_id.as_ref().into(),
        ]
    }
    fn indexes(&self) -> Indexes {
        // Each subject once, however often listed: one row per (interaction, subject),
        // so that a repeated participant is one interaction in their activity.
        let mut subjects: Vec<Id> = Vec::with_capacity(self.participants.len());
        for s in self.participants.iter().chain(&self.organization_ids) {
            if !subjects.contains(s) {
                subjects.push(s.clone());
            }
        }
        Indexes {
            subjects,
            at: Some((
                crate::value::micros(self.at),
                self.meta.deleted_at.is_none(),
            )),
            sentiment: self.sentiment.map(|s| i64::from(s.get())),
            ..Indexes::default()
        }
    }
    fn network_people(&self) -> Option<Vec<Id>> {
        Some(self.participants.clone())
    }
    const STORED_NETWORK_PEOPLE: Option<&'static str> = Some(
        "SELECT subject_id FROM interaction_subjects WHERE interaction_id = $1 AND workspace_id = $2",
    );
}

impl Entity for Commitment {
    const KIND: EntityKind = EntityKind::Commitment;
    const TABLE: &'static str = "commitments";
    const SCOPE: Scope = Scope::ViaRelationship;
    const COLUMNS: &'static [&'static str] =
        &["relationship_id", "owed_by", "status", "due", "text"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            (&self.relationship_id).into(),
            self.owed_by.as_str().into(),
            self.status.as_str().into(),
            self.due.into(),
            (&self.text).into(),
        ]
    }
}

impl Entity for Exchange {
    const KIND: EntityKind = EntityKind::Exchange;
    const TABLE: &'static str = "exchanges";
    const SCOPE: Scope = Scope::ViaRelationship;
    const COLUMNS: &'static [&'static str] =
        &["relationship_id", "direction", "kind", "value", "at"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            (&self.relationship_id).into(),
            self.direction.as_str().into(),
            self.kind.as_str().into(),
            self.value.into(),
            self.at.into(),
        ]
    }
}

impl Entity for Conflict {
    const KIND: EntityKind = EntityKind::Conflict;
    const TABLE: &'static str = "conflicts";
    const SCOPE: Scope = Scope::ViaRelationship;
    const COLUMNS: &'static [&'static str] = &["relationship_id", "severity", "status"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            (&self.relationship_id).into(),
            self.severity.get().into(),
            self.status.as_str().into(),
        ]
    }
}

impl Entity for Feedback {
    const KIND: EntityKind = EntityKind::Feedback;
    const TABLE: &'static str = "feedback";
    const SCOPE: Scope = Scope::ViaRelationship;
    const COLUMNS: &'static [&'static str] = &["relationship_id", "scale", "score", "at"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            (&self.relationship_id).into(),
            self.scale.as_str().into(),
            self.score.into(),
            self.at.into(),
        ]
    }
}

impl Entity for Goal {
    const KIND: EntityKind = EntityKind::Goal;
    const TABLE: &'static str = "goals";
    const SCOPE: Scope = Scope::ViaRelationship;
    const COLUMNS: &'static [&'static str] = &["relationship_id", "status"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![(&self.relationship_id).into(), self.status.as_str().into()]
    }
}

impl Entity for Task {
    const KIND: EntityKind = EntityKind::Task;
    const TABLE: &'static str = "tasks";
    const SCOPE: Scope = Scope::Linked;
    const COLUMNS: &'static [&'static str] = &["due", "done_at", "link_kind", "link_id"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            self.due.into(),
            self.done_at.into(),
            self.link.as_ref().map(|l| l.kind.as_str()).into(),
            self.link.as_ref().map(|l| &l.id).into(),
        ]
    }
}

impl Entity for ImportantDate {
    const KIND: EntityKind = EntityKind::ImportantDate;
    const TABLE: &'static str = "important_dates";
    const COLUMNS: &'static [&'static str] = &["person_id", "kind", "month_day"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            (&self.person_id).into(),
            self.kind.as_str().into(),
            format!("{:02}-{:02}", self.date.month(), self.date.day()).into(),
        ]
    }
}

impl Entity for Deal {
    const KIND: EntityKind = EntityKind::Deal;
    const TABLE: &'static str = "deals";
    const COLUMNS: &'static [&'static str] =
        &["subject_kind", "subject_id", "stage", "amount", "currency"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![
            self.subject.kind.as_str().into(),
            (&self.subject.id).into(),
            self.stage.as_str().into(),
            self.amount.into(),
            self.currency.as_ref().into(),
        ]
    }
    fn indexes(&self) -> Indexes {
        Indexes {
            search: Some(fold(&self.title)),
            ..Indexes::default()
        }
    }
}

impl Entity for Note {
    const KIND: EntityKind = EntityKind::Note;
    const TABLE: &'static str = "notes";
    const SCOPE: Scope = Scope::Linked;
    const COLUMNS: &'static [&'static str] = &["link_kind", "link_id"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        vec![self.link.kind.as_str().into(), (&self.link.id).into()]
    }
    fn indexes(&self) -> Indexes {
        Indexes {
            search: Some(fold(&self.body)),
            ..Indexes::default()
        }
    }
}

impl Entity for Stake {
    const KIND: EntityKind = EntityKind::Stake;
    const TABLE: &'static str = "stakes";
    const COLUMNS: &'static [&'static str] = &["person_id", "project_kind", "project_value"];
    meta_access!();
    fn values(&self) -> Vec<Value> {
        let (k, v) = self.project.key();
        vec![(&self.person_id).into(), k.into(), v.into()]
    }
}

/// Filters for listing records of one type.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// At most this many (1..=500).
    pub limit: usize,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    pub tag: Option<String>,
    pub updated_since: Option<jiff::Timestamp>,
    /// Column equality filters (`kind = customer`); names must be among the entity's columns.
    pub filters: Vec<(&'static str, Value)>,
    /// List the trash instead of live records.
    pub trashed: bool,
    /// Hide what this user may not see (private relationships of others); `None` sees all.
    pub viewer: Option<Id>,
    /// Only these records (for example the hits of a search).
    pub ids: Option<Vec<Id>>,
}

/// A page of records.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// New records of one type with what their rows hold, made before they are written:
/// each record's document (one buffer, one after another), its columns' values and its
/// side indexes. A load makes the next batch's on another thread while the connection
/// writes the last one ([`Tx::insert_prepared`]).
pub struct Prepared<E> {
    recs: Vec<E>,
    rows: Rows,
}

impl<E: Entity> Prepared<E> {
    pub fn new(recs: Vec<E>) -> Result<Self, StoreError> {
        let rows = Rows::of(&recs)?;
        Ok(Prepared { recs, rows })
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }
}

/// What the rows of some records hold, in their order (see [`Prepared`]).
struct Rows {
    docs: String,
    doc_ends: Vec<usize>,
    values: Vec<Vec<Value>>,
    indexes: Vec<Indexes>,
}

impl Rows {
    fn of<E: Entity>(recs: &[E]) -> Result<Rows, StoreError> {
        let mut docs = Vec::with_capacity(recs.len() * 256);
        let mut doc_ends = Vec::with_capacity(recs.len());
        let mut values = Vec::with_capacity(recs.len());
        let mut indexes = Vec::with_capacity(recs.len());
        for rec in recs {
            write_doc(&mut docs, rec)?;
            doc_ends.push(docs.len());
            values.push(rec.values());
            indexes.push(rec.indexes());
        }
        let docs = String::from_utf8(docs)
            .map_err(|e| StoreError::Corrupt(format!("a document is not UTF-8: {e}")))?;
        Ok(Rows {
            docs,
            doc_ends,
            values,
            indexes,
        })
    }
}

/// Fewer new rows than this go to PostgreSQL as an `INSERT` even in a load: `COPY`
/// takes three round trips (prepare, start, finish) where a cached `INSERT` takes one.
const COPY_MIN_ROWS: usize = 16;

fn common_columns() -> &'static str {
    "id, workspace_id, created_at, updated_at, version, deleted_at, doc"
}

impl Tx<'_> {
    /// Inserts a new record and its side indexes.
    pub fn insert<E: Entity>(&mut self, ws: &Id, rec: &E) -> Result<(), StoreError> {
        self.insert_many(ws, std::slice::from_ref(rec))
    }

    /// Inserts new records of one type and their side indexes with multi-row
    /// statements: the bulk path (demo data, imports) and the single insert are the same
    /// code, so the derived rows cannot differ between them.
    pub fn insert_many<E: Entity>(&mut self, ws: &Id, recs: &[E]) -> Result<(), StoreError> {
        self.insert_rows_of(ws, recs, &Rows::of(recs)?)
    }

    /// [`Tx::insert_many`] of records whose rows' contents were made beforehand,
    /// possibly on another thread while this connection wrote something else.
    pub fn insert_prepared<E: Entity>(
        &mut self,
        ws: &Id,
        prepared: &Prepared<E>,
    ) -> Result<(), StoreError> {
        self.insert_rows_of(ws, &prepared.recs, &prepared.rows)
    }

    /// Writes `recs` with `rows`, made from them by [`Rows::of`].
    fn insert_rows_of<E: Entity>(
        &mut self,
        ws: &Id,
        recs: &[E],
        rows: &Rows,
    ) -> Result<(), StoreError> {
        if recs.is_empty() {
            return Ok(());
        }
        let Rows {
            docs,
            doc_ends,
            values,
            indexes,
        } = rows;
        let cols = E::COLUMNS;
        let head = format!(
            "INSERT INTO {} ({}{}{})",
            E::TABLE,
            common_columns(),
            if cols.is_empty() { "" } else { ", " },
            cols.join(", "),
        );
        let width = 7 + cols.len();
        // The statement's values borrow the documents, the columns' values and the ids
        // rather than copying each into a `Value` of its own.
        let mut params: Vec<Cell<'_>> = Vec::with_capacity(recs.len() * width);
        let mut doc_start = 0;
        for ((rec, &doc_end), vals) in recs.iter().zip(doc_ends).zip(values) {
            let m = rec.meta();
            params.extend([
                (&m.id).into(),
                ws.into(),
                m.created_at.into(),
                m.updated_at.into(),
                m.version.into(),
                m.deleted_at.into(),
                Cell::Text(&docs[doc_start..doc_end]),
            ]);
            params.extend(vals.iter().map(Cell::from));
            doc_start = doc_end;
        }
        self.insert_rows(&head, width, &params, "").map_err(|e| {
            if e.is_unique_violation() {
                match recs {
                    [one] => StoreError::Duplicate(format!("{} {}", E::KIND, one.meta().id)),
                    _ => StoreError::Duplicate(format!("a {} among {}", E::KIND, recs.len())),
                }
            } else {
                e
            }
        })?;
        let indexes: Vec<(&Id, &Indexes)> =
            recs.iter().map(|r| &r.meta().id).zip(indexes).collect();
        self.insert_indexes(ws, E::KIND, &indexes, true)?;
        let touched: Vec<Id> = recs
            .iter()
            .filter_map(Entity::network_people)
            .flatten()
            .collect();
        if E::STORED_NETWORK_PEOPLE.is_some() {
            self.network_changed(ws, touched);
        }
        let ids: Vec<&Id> = recs.iter().map(|r| &r.meta().id).collect();
        self.agenda_after_write(ws, E::KIND, &ids)
    }

    /// Keeps `agenda_relationships` in step with a write of these records: a
    /// relationship's own row, or the rows of a person's or organization's
    /// relationships (their name and channel). Interactions refresh the rows of the
    /// subjects whose activity they change, where that activity is written.
    fn agenda_after_write(
        &mut self,
        ws: &Id,
        kind: EntityKind,
        ids: &[&Id],
    ) -> Result<(), StoreError> {
        use crate::queries::AgendaRefresh;
        match kind {
            EntityKind::Relationship => self.refresh_agenda(ws, AgendaRefresh::Relationships, ids),
            EntityKind::Person | EntityKind::Organization => {
                self.refresh_agenda(ws, AgendaRefresh::Subjects, ids)
            }
            _ => Ok(()),
        }
    }

    /// Runs `head VALUES (…), (…) tail` over `params`, `width` values a row, in chunks
    /// that stay well under both engines' limit on parameters. Full chunks share one
    /// statement text, built once, so the prepared statement is reused. In a load
    /// (`Store::load`) on PostgreSQL, rows without a `tail` are copied in instead.
    pub(crate) fn insert_rows(
        &mut self,
        head: &str,
        width: usize,
        params: &[Cell<'_>],
        tail: &str,
    ) -> Result<u64, StoreError> {
        if width == 0 {
            return Ok(0);
        }
        // Loading (`Store::load`, `Writer::load`): new rows without a conflict clause are
        // copied in, unless they are too few to repay `COPY`'s extra round trips (a
        // record merged during an import adds one row here and there).
        if self.copy
            && tail.is_empty()
            && params.len() >= COPY_MIN_ROWS * width
            && let Some(target) = head.strip_prefix("INSERT INTO ")
            && let Some(n) = self.c.copy_in(target, width, params)?
        {
            return Ok(n);
        }
        let per_stmt = (4_000 / width).clamp(1, 256);
        let statement = |rows: usize| {
            let mut sql = String::with_capacity(head.len() + tail.len() + rows * width * 6);
            sql.push_str(head);
            sql.push_str(" VALUES ");
            for r in 0..rows {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&crate::conn::placeholders(1 + r * width, width));
                sql.push(')');
            }
            if !tail.is_empty() {
                sql.push(' ');
                sql.push_str(tail);
            }
            sql
        };
        // The full chunks first, through one statement, then the rest: the rows go in
        // in the order given.
        let full = params.len() / (per_stmt * width) * (per_stmt * width);
        let (full, rest) = params.split_at(full);
        let mut changed = 0;
        if !full.is_empty() {
            changed += self
                .c
                .execute_each(&statement(per_stmt), full, per_stmt * width)?;
        }
        if !rest.is_empty() {
            changed += self.c.execute_cells(&statement(rest.len() / width), rest)?;
        }
        Ok(changed)
    }

    /// Replaces a record whose stored version is `expected`; bumps the version and
    /// `updated_at`. A stale `expected` changes nothing and fails with `StaleVersion`.
    pub fn update<E: Entity>(
        &mut self,
        ws: &Id,
        rec: &mut E,
        expected: i64,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        {
            let m = rec.meta_mut();
            m.version = expected + 1;
            m.updated_at = now;
        }
        // A write of people, ties or interactions changes the network (see
        // [`Tx::network_changed`]) — unless it keeps a person's name and liveness (see
        // [`Entity::network_name`]). It touches the people the record touched before
        // and those it touches now.
        let network = match rec.network_name() {
            Some(name) => {
                let m = rec.meta();
                !self.network_reads_alike::<E>(ws, &m.id, name, m.deleted_at.is_none())?
            }
            None => true,
        };
        if network && let Some(sql) = E::STORED_NETWORK_PEOPLE {
            let id = &rec.meta().id;
            let mut touched = rec.network_people().unwrap_or_default();
            for r in self.c.query(sql, &[id.into(), ws.into()])? {
                touched.push(r.id(0)?);
            }
            self.network_changed(ws, touched);
        }
        let cols = E::COLUMNS;
        let mut sets = vec![
            "updated_at = $1".to_string(),
            "version = $2".into(),
            "deleted_at = $3".into(),
            "doc = $4".into(),
        ];
        for (i, c) in cols.iter().enumerate() {
            sets.push(format!("{c} = ${}", 5 + i));
        }
        let k = 5 + cols.len();
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ${} AND workspace_id = ${} AND version = ${}",
            E::TABLE,
            sets.join(", "),
            k,
            k + 1,
            k + 2
        );
        let m = rec.meta().clone();
        let mut params: Vec<Value> = vec![
            now.into(),
            m.version.into(),
            m.deleted_at.into(),
            to_doc(rec)?.into(),
        ];
        params.extend(rec.values());
        params.extend([(&m.id).into(), ws.into(), expected.into()]);
        if self.c.execute(&sql, &params)? == 0 {
            let actual = self.version_of::<E>(ws, &m.id)?;
            return Err(StoreError::StaleVersion {
                entity: E::KIND,
                id: m.id.to_string(),
                expected,
                actual,
            });
        }
        self.replace_indexes(ws, E::KIND, &m.id, &rec.indexes())?;
        self.agenda_after_write(ws, E::KIND, &[&m.id])
    }

    /// Whether record `id` (of a kind with a [`Entity::network_name`]) is stored with
    /// this name and liveness already: then writing it changes nothing the network
    /// reads.
    fn network_reads_alike<E: Entity>(
        &mut self,
        ws: &Id,
        id: &Id,
        name: &str,
        live: bool,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "SELECT 1 FROM {} WHERE id = $1 AND workspace_id = $2 AND name = $3 AND deleted_at IS {}NULL",
            E::TABLE,
            if live { "" } else { "NOT " }
        );
        Ok(self
            .c
            .query_one(&sql, &[id.into(), ws.into(), name.into()])?
            .is_some())
    }

    fn version_of<E: Entity>(&mut self, ws: &Id, id: &Id) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT version FROM {} WHERE id = $1 AND workspace_id = $2",
            E::TABLE
        );
        match self.c.query_one(&sql, &[id.into(), ws.into()])? {
            Some(r) => r.i64(0),
            None => Err(StoreError::NotFound {
                entity: E::KIND,
                id: id.to_string(),
            }),
        }
    }

    /// A live record of this workspace (not in the trash).
    pub fn get<E: Entity>(&mut self, ws: &Id, id: &Id) -> Result<E, StoreError> {
        match self.find::<E>(ws, id)? {
            Some(r) if r.meta().deleted_at.is_none() => Ok(r),
            _ => Err(StoreError::NotFound {
                entity: E::KIND,
                id: id.to_string(),
            }),
        }
    }

    /// A record of this workspace, live or trashed.
    pub fn find<E: Entity>(&mut self, ws: &Id, id: &Id) -> Result<Option<E>, StoreError> {
        self.find_doc::<E>(ws, id)?.map(|d| d.record()).transpose()
    }

    /// A record of this workspace, live or trashed, as stored: its document and version.
    pub fn find_doc<E: Entity>(
        &mut self,
        ws: &Id,
        id: &Id,
    ) -> Result<Option<StoredDoc>, StoreError> {
        let sql = format!(
            "SELECT doc, version FROM {} WHERE id = $1 AND workspace_id = $2",
            E::TABLE
        );
        let Some(mut row) = self.c.query_one(&sql, &[id.into(), ws.into()])? else {
            return Ok(None);
        };
        StoredDoc::take(&mut row, 0, E::KIND, id)
    }

    /// Several live records by id, in no particular order; unknown ids are skipped.
    pub fn get_many<E: Entity>(&mut self, ws: &Id, ids: &[Id]) -> Result<Vec<E>, StoreError> {
        let ids: Vec<Value> = ids.iter().map(Value::from).collect();
        self.live_where_in(ws, "id", &ids)
    }

    /// Live records of this workspace whose `column` is one of `values`, in no
    /// particular order: one statement per 500 values. By primary key the lookup is by
    /// id alone, the workspace and the trash checked on each row: with them in the WHERE
    /// the planner may prefer a (workspace_id, deleted_at, …) index and walk the whole
    /// workspace once per chunk. Other columns are indexed after the workspace, so it
    /// stays in the WHERE.
    pub(crate) fn live_where_in<E: Entity>(
        &mut self,
        ws: &Id,
        column: &'static str,
        values: &[Value],
    ) -> Result<Vec<E>, StoreError> {
        let mut out = Vec::with_capacity(values.len());
        let by_id = column == "id";
        for chunk in values.chunks(500) {
            let sql = format!(
                "SELECT doc, workspace_id, deleted_at FROM {} WHERE {}{column} IN ({})",
                E::TABLE,
                if by_id { "" } else { "workspace_id = $1 AND " },
                crate::conn::placeholders(if by_id { 1 } else { 2 }, chunk.len())
            );
            let mut params: Vec<Value> = if by_id { Vec::new() } else { vec![ws.into()] };
            params.extend(chunk.iter().cloned());
            self.c.for_each(&sql, &params, &mut |r| {
                if r.str(1)? == ws.as_str() && r.opt_i64(2)?.is_none() {
                    out.push(r.json(0)?);
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// Whether `viewer` may see the record `id` (which must exist in the workspace).
    pub fn visible<E: Entity>(
        &mut self,
        ws: &Id,
        id: &Id,
        viewer: &Id,
    ) -> Result<bool, StoreError> {
        let Some(cond) = E::SCOPE.visible_sql(3) else {
            return Ok(true);
        };
        let sql = format!(
            "SELECT 1 FROM {} t WHERE t.id = $1 AND t.workspace_id = $2 AND {cond}",
            E::TABLE
        );
        Ok(self
            .c
            .query_one(&sql, &[id.into(), ws.into(), viewer.into()])?
            .is_some())
    }

    /// Moves a record to the trash (or back). Returns the record as it now is.
    pub fn set_trashed<E: Entity>(
        &mut self,
        ws: &Id,
        id: &Id,
        trashed: bool,
        expected: Option<i64>,
        now: jiff::Timestamp,
    ) -> Result<E, StoreError> {
        let mut rec: E = self.find(ws, id)?.ok_or_else(|| StoreError::NotFound {
            entity: E::KIND,
            id: id.to_string(),
        })?;
        let current = rec.meta().version;
        if let Some(exp) = expected.filter(|e| *e != current) {
            return Err(StoreError::StaleVersion {
                entity: E::KIND,
                id: id.to_string(),
                expected: exp,
                actual: current,
            });
        }
        rec.meta_mut().deleted_at = if trashed { Some(now) } else { None };
        self.update(ws, &mut rec, current, now)?;
        Ok(rec)
    }

    /// Lists live (or trashed) records in creation order, a page at a time (keyset on id).
    pub fn list<E: Entity>(&mut self, ws: &Id, q: &ListQuery) -> Result<Page<E>, StoreError> {
        let limit = q.limit.clamp(1, 500);
        let mut sql = format!("SELECT doc, id FROM {} t WHERE workspace_id = $1", E::TABLE);
        let mut params: Vec<Value> = vec![ws.into()];
        sql.push_str(if q.trashed {
            " AND deleted_at IS NOT NULL"
        } else {
            " AND deleted_at IS NULL"
        });
        if let Some(c) = &q.cursor {
            params.push(decode_cursor(c)?.into());
            sql.push_str(&format!(" AND id > ${}", params.len()));
        }
        if let Some(tag) = &q.tag {
            params.push(tag.to_lowercase().into());
            params.push(E::KIND.as_str().into());
            sql.push_str(&format!(
                " AND id IN (SELECT entity_id FROM tags WHERE workspace_id = $1 AND tag = ${} AND entity_kind = ${})",
                params.len() - 1,
                params.len()
            ));
        }
        if let Some(since) = q.updated_since {
            params.push(since.into());
            sql.push_str(&format!(" AND updated_at >= ${}", params.len()));
        }
        if let Some(v) = &q.viewer
            && let Some(cond) = E::SCOPE.visible_sql(params.len() + 1)
        {
            params.push(v.into());
            sql.push_str(&format!(" AND {cond}"));
        }
        if let Some(ids) = &q.ids {
            if ids.is_empty() {
                return Ok(Page {
                    items: vec![],
                    next_cursor: None,
                });
            }
            let first = params.len() + 1;
            params.extend(ids.iter().take(500).map(Value::from));
            sql.push_str(&format!(
                " AND id IN ({})",
                crate::conn::placeholders(first, ids.len().min(500))
            ));
        }
        for (col, v) in &q.filters {
            if !E::COLUMNS.contains(col) {
                return Err(StoreError::Corrupt(format!(
                    "{col} is not a column of {}",
                    E::TABLE
                )));
            }
            params.push(v.clone());
            sql.push_str(&format!(" AND {col} = ${}", params.len()));
        }
        params.push(((limit + 1) as i64).into());
        sql.push_str(&format!(" ORDER BY id LIMIT ${}", params.len()));
        let rows = self.c.query(&sql, &params)?;
        page_of(rows, limit)
    }

    /// Rewrites the side indexes of a record being replaced: removes its old rows, writes
    /// the new ones, and recomputes the activity of every subject it had or has.
    fn replace_indexes(
        &mut self,
        ws: &Id,
        kind: EntityKind,
        id: &Id,
        ix: &Indexes,
    ) -> Result<(), StoreError> {
        let mut stale_subjects: Vec<Id> = Vec::new();
        if kind == EntityKind::Person {
            for t in ["person_emails", "person_phones"] {
                self.c.execute(
                    &format!("DELETE FROM {t} WHERE person_id = $1"),
                    &[id.into()],
                )?;
            }
        }
        if matches!(kind, EntityKind::Person | EntityKind::Organization) {
            self.c
                .execute("DELETE FROM tags WHERE entity_id = $1", &[id.into()])?;
        }
        if kind == EntityKind::Interaction {
            let old = self.c.query(
                "SELECT subject_id FROM interaction_subjects WHERE interaction_id = $1",
                &[id.into()],
            )?;
            for r in old {
                stale_subjects.push(r.id(0)?);
            }
            self.c.execute(
                "DELETE FROM interaction_subjects WHERE interaction_id = $1",
                &[id.into()],
            )?;
            self.c.execute(
                "DELETE FROM group_meetings WHERE workspace_id = $1 AND interaction_id = $2",
                &[ws.into(), id.into()],
            )?;
        }
        if ix.search.is_some() {
            if self.c.dialect() == Dialect::Sqlite {
                self.c.execute(
                    "INSERT INTO search_docs_fts (search_docs_fts, rowid, body)
                     SELECT 'delete', rowid, body FROM search_docs WHERE entity_id = $1",
                    &[id.into()],
                )?;
            }
            self.c
                .execute("DELETE FROM search_docs WHERE entity_id = $1", &[id.into()])?;
        }
        self.insert_indexes(ws, kind, &[(id, ix)], false)?;
        // An edited, trashed or restored interaction: recompute its subjects exactly.
        stale_subjects.extend(ix.subjects.iter().cloned());
        stale_subjects.sort();
        stale_subjects.dedup();
        for s in &stale_subjects {
            let (last, n) = match self.c.query_one(
                "SELECT MAX(i.at), COUNT(DISTINCT i.id) FROM interaction_subjects x JOIN interactions i ON i.id = x.interaction_id
                 WHERE x.workspace_id = $2 AND x.subject_id = $1 AND i.deleted_at IS NULL",
                &[s.into(), ws.into()],
            )? {
                Some(r) => (r.opt_i64(0)?, r.i64(1)?),
                None => (None, 0),
            };
            self.c.execute(
                "INSERT INTO subject_activity (subject_id, workspace_id, last_at, interactions) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (subject_id) DO UPDATE SET last_at = excluded.last_at, interactions = excluded.interactions",
                &[s.into(), ws.into(), last.into(), n.into()],
            )?;
        }
        let subjects: Vec<&Id> = stale_subjects.iter().collect();
        self.refresh_agenda(ws, crate::queries::AgendaRefresh::Subjects, &subjects)
    }

    /// Writes the side-index rows of records, a multi-row statement per table. With
    /// `fold_activity` (new records), each live interaction is folded into its subjects'
    /// activity: the latest time and one more interaction, summed per subject first.
    fn insert_indexes(
        &mut self,
        ws: &Id,
        kind: EntityKind,
        recs: &[(&Id, &Indexes)],
        fold_activity: bool,
    ) -> Result<(), StoreError> {
        let (mut emails, mut phones, mut tags, mut subjects, mut groups) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Per subject, in first-seen order: the latest live interaction and how many.
        let mut activity: Vec<(&Id, i64, i64)> = Vec::new();
        let mut activity_at: HashMap<&Id, usize> = HashMap::new();
        let mut docs = Vec::new();
        let mut terms: Vec<&str> = Vec::new();
        let mut seen_terms: HashSet<&str> = HashSet::new();
        let kind_value = Cell::Text(kind.as_str());
        let ws_value = Cell::from(ws);
        for (id, ix) in recs {
            let id = Cell::from(*id);
            for e in &ix.emails {
                emails.extend([ws_value, id, e.into()]);
            }
            for p in &ix.phones {
                phones.extend([ws_value, id, p.into()]);
            }
            for t in &ix.tags {
                tags.extend([ws_value, kind_value, id, t.into()]);
            }
            let (at, live) = ix.at.unwrap_or((0, false));
            // A live interaction with two or more subjects: a meeting between them too.
            if live && ix.subjects.len() > 1 {
                for s in &ix.subjects {
                    groups.extend([ws_value, id, s.into(), at.into()]);
                }
            }
            for s in &ix.subjects {
                subjects.extend([
                    ws_value,
                    id,
                    s.into(),
                    at.into(),
                    ix.sentiment.into(),
                    live.into(),
                ]);
                if fold_activity && live {
                    match activity_at.get(s) {
                        Some(&i) => {
                            let a = &mut activity[i];
                            a.1 = a.1.max(at);
                            a.2 += 1;
                        }
                        None => {
                            activity_at.insert(s, activity.len());
                            activity.push((s, at, 1));
                        }
                    }
                }
            }
            if let Some(body) = &ix.search {
                docs.extend([body.into(), ws_value, kind_value, id]);
                for term in crate::search::terms(body) {
                    if seen_terms.insert(term) {
                        terms.push(term);
                    }
                }
            }
        }
        self.insert_rows(
            "INSERT INTO person_emails (workspace_id, person_id, email)",
            3,
            &emails,
            "",
        )?;
        self.insert_rows(
            "INSERT INTO person_phones (workspace_id, person_id, phone_key)",
            3,
            &phones,
            "",
        )?;
        self.insert_rows(
            "INSERT INTO tags (workspace_id, entity_kind, entity_id, tag)",
            4,
            &tags,
            "",
        )?;
        self.insert_rows(
            "INSERT INTO interaction_subjects (workspace_id, interaction_id, subject_id, at, sentiment, live)",
            6,
            &subjects,
            "",
        )?;
        self.insert_rows(
            "INSERT INTO group_meetings (workspace_id, interaction_id, subject_id, at)",
            4,
            &groups,
            "",
        )?;
        let active: Vec<&Id> = activity.iter().map(|(s, _, _)| *s).collect();
        let activity: Vec<Cell<'_>> = activity
            .into_iter()
            .flat_map(|(s, at, n)| [s.into(), ws_value, at.into(), n.into()])
            .collect();
        self.insert_rows(
            "INSERT INTO subject_activity (subject_id, workspace_id, last_at, interactions)",
            4,
            &activity,
            "ON CONFLICT (subject_id) DO UPDATE SET
               last_at = CASE WHEN subject_activity.last_at IS NULL OR excluded.last_at > subject_activity.last_at
                              THEN excluded.last_at ELSE subject_activity.last_at END,
               interactions = subject_activity.interactions + excluded.interactions",
        )?;
        self.refresh_agenda(ws, crate::queries::AgendaRefresh::Subjects, &active)?;
        if docs.is_empty() {
            return Ok(());
        }
        let reversed: Vec<String> = terms.iter().map(|t| t.chars().rev().collect()).collect();
        // SQLite's FTS5 index of the documents is external-content: feed it the rows just
        // added, which are exactly those past the largest rowid before (this transaction
        // holds the write lock). A bulk build fills it from the table once, at the end.
        // The vocabulary carries each word reversed, for typo correction (search.rs).
        let feed_fts = self.c.dialect() == Dialect::Sqlite && !self.bulk_build;
        let docs_from = if feed_fts {
            self.max_rowid("search_docs")?
        } else {
            0
        };
        self.insert_rows(
            "INSERT INTO search_docs (body, workspace_id, entity_kind, entity_id)",
            4,
            &docs,
            "",
        )?;
        if feed_fts {
            self.c.execute(
                "INSERT INTO search_docs_fts (rowid, body) SELECT rowid, body FROM search_docs WHERE rowid > $1",
                &[docs_from.into()],
            )?;
        }
        if let Some(vocabulary) = self.vocabulary.as_deref_mut() {
            let ws = ws.to_string();
            let words = terms
                .into_iter()
                .zip(reversed)
                .flat_map(|(t, r)| [ws.clone(), t.to_string(), r])
                .collect();
            return vocabulary.send(words);
        }
        let terms: Vec<Cell<'_>> = terms
            .into_iter()
            .zip(&reversed)
            .flat_map(|(t, r)| [ws_value, t.into(), r.into()])
            .collect();
        self.insert_vocabulary(&terms)?;
        Ok(())
    }

    /// Adds words to the vocabulary (rows of workspace, word, word reversed, flattened);
    /// those already there are left as they are.
    pub(crate) fn insert_vocabulary(&mut self, rows: &[Cell<'_>]) -> Result<u64, StoreError> {
        self.insert_rows(
            "INSERT INTO search_terms (workspace_id, term, reversed)",
            3,
            rows,
            "ON CONFLICT DO NOTHING",
        )
    }

    /// The largest rowid of a SQLite table (0 when empty).
    fn max_rowid(&mut self, table: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT COALESCE(MAX(rowid), 0) FROM {table}");
        match self.c.query_one(&sql, &[])? {
            Some(r) => r.i64(0),
            None => Ok(0),
        }
    }
}

/// A record's document as stored, with its version (the `version` column, the same as
/// the document's). The document is what [`to_doc`] wrote: `serde_json::to_string` of the
/// record, byte for byte (the engines store it as text, unchanged).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDoc {
    pub doc: String,
    pub version: i64,
}

impl StoredDoc {
    /// The document in column `at` of a row and its version in the next (`None` when
    /// both are NULL, as where a record was outer-joined and not found), taken out of
    /// the row.
    pub(crate) fn take(
        row: &mut Row,
        at: usize,
        kind: EntityKind,
        id: &Id,
    ) -> Result<Option<StoredDoc>, StoreError> {
        let Some(version) = row.opt_i64(at + 1)? else {
            return Ok(None);
        };
        match row.0.get_mut(at).map(|v| std::mem::replace(v, Value::Null)) {
            Some(Value::Text(doc)) => Ok(Some(StoredDoc { doc, version })),
            other => Err(StoreError::Corrupt(format!(
                "{kind} {id}: the document is {other:?}, not text"
            ))),
        }
    }

    /// The document `rec` is stored as, with `version`: what [`Tx::find_doc`] reads back.
    pub fn of<E: Serialize>(rec: &E, version: i64) -> Result<StoredDoc, StoreError> {
        Ok(StoredDoc {
            doc: to_doc(rec)?,
            version,
        })
    }

    /// The record the document holds.
    pub fn record<E: DeserializeOwned>(&self) -> Result<E, StoreError> {
        serde_json::from_str(&self.doc)
            .map_err(|e| StoreError::Corrupt(format!("bad document: {e}")))
    }
}

fn to_doc<E: Serialize>(rec: &E) -> Result<String, StoreError> {
    serde_json::to_string(rec)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialize record: {e}")))
}

/// Appends a record's document to `out`: `serde_json`'s compact form, the same bytes as
/// `serde_json::to_string`.
fn write_doc<E: Serialize>(out: &mut Vec<u8>, rec: &E) -> Result<(), StoreError> {
    serde_json::to_writer(out, rec)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialize record: {e}")))
}

/// Builds a page from rows of `(doc, sort key)` fetched with `limit + 1`.
pub(crate) fn page_of<T: DeserializeOwned>(
    mut rows: Vec<Row>,
    limit: usize,
) -> Result<Page<T>, StoreError> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more {
        rows.last()
            .map(|r| r.text(1))
            .transpose()?
            .map(|k| encode_cursor(&k))
    } else {
        None
    };
    let items = rows
        .iter()
        .map(|r| r.json(0))
        .collect::<Result<Vec<T>, _>>()?;
    Ok(Page { items, next_cursor })
}

/// Cursors are opaque to clients: the last key, hex-encoded.
pub fn encode_cursor(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn decode_cursor(c: &str) -> Result<String, StoreError> {
    let bad = || {
        StoreError::Domain(DomainError::invalid(
            "cursor",
            "is not a cursor returned by a previous page",
        ))
    };
    if !c.len().is_multiple_of(2) || c.len() > 2048 {
        return Err(bad());
    }
    let bytes = (0..c.len())
        .step_by(2)
        .map(|i| c.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let k = "ada lovelace\u{1f}0190a0b0-0000-7000-8000-000000000001";
        assert_eq!(decode_cursor(&encode_cursor(k)).ok().as_deref(), Some(k));
        assert!(decode_cursor("abc").is_err());
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor("ff").is_err(), "not UTF-8");
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(s in "\\PC{0,64}") {
            let _ = decode_cursor(&s);
        }

        #[test]
        fn any_key_round_trips(k in "\\PC{0,64}") {
            proptest::prop_assert_eq!(decode_cursor(&encode_cursor(&k)).ok(), Some(k));
        }
    }
}
