//! Queries beyond the generic repository: workspaces, users, lookups for references,
//! a relationship's record, the audit trail, health history.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_core::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::entity::{Entity, Page, page_of};
use crate::value::{Cell, Cells, Value};
use crate::{StoreError, Tx};

/// What the agenda shows of a person or organization.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectCard {
    pub name: String,
    pub preferred_channel: Option<Channel>,
}

/// A live relationship as the agenda reads it: projected columns only, never the
/// document, with its subject's name, preferred channel and last contact. (Who may see
/// it is decided in SQL, by the viewer the reads are given.)
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaRelationship {
    pub id: Id,
    pub subject: Subject,
    pub kind: RelationshipKind,
    pub status: RelationshipStatus,
    pub importance: Importance,
    pub cadence_days: Option<CadenceDays>,
    /// The subject's name and channel; `None` when the subject is missing.
    pub card: Option<SubjectCard>,
    /// The subject's own last live interaction.
    pub last_at: Option<Timestamp>,
    /// When the relationship began (it counts when there is no contact to go by).
    pub started_on: Option<Date>,
}

/// Whom a live relationship is with, as the agenda names it on the promises, conflicts
/// and tasks of relationships it does not otherwise read.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaSubject {
    pub relationship_id: Id,
    pub subject_id: Id,
    /// The subject's name; `None` when the subject is missing.
    pub name: Option<String>,
}

/// Which check-ins the agenda asks the store for: those that may be due on the day
/// starting at `day_start`, each relationship judged by its own cadence or, without one,
/// by `default_cadence` (the core's rule, passed in so the store does not restate it).
pub struct DueCheckIns<'a> {
    /// Midnight at the start of the day, in the user's time zone.
    pub day_start: Timestamp,
    pub default_cadence: &'a dyn Fn(RelationshipKind, Importance) -> CadenceDays,
}

impl DueCheckIns<'_> {
    /// The default cadence of every kind and importance as a `VALUES` list of
    /// `(kind, importance, days)`, whose literals come from the enums and the core's
    /// rule, never from input. The due read takes each as one range of its index, so no
    /// row evaluates a `CASE` over all of them.
    fn cadences_sql(&self) -> String {
        let mut rows = Vec::new();
        for kind in RelationshipKind::ALL {
            for i in Importance::MIN..=Importance::MAX {
                if let Ok(importance) = Importance::new(i64::from(i)) {
                    let days = (self.default_cadence)(*kind, importance).get();
                    rows.push(format!("('{}', {i}, {days})", kind.as_str()));
                }
            }
        }
        format!("VALUES {}", rows.join(", "))
    }
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The 11 columns the agenda reads of `agenda_relationships` (see [`agenda_relationship`]).
macro_rules! agenda_read_columns {
    () => {
        "r.id, r.subject_kind, r.subject_id, r.kind, r.status, r.importance, r.cadence_days,
        r.last_at, r.name, r.preferred_channel, r.started_on"
    };
}

/// The agenda's view of relationships by id: the rows of `agenda_relationships`
/// ([`agenda_read_columns`]) with the workspace as a 12th column. Callers add the `WHERE`.
const AGENDA_SELECT_WS: &str = concat!(
    "SELECT ",
    agenda_read_columns!(),
    ", r.workspace_id FROM agenda_relationships r"
);

/// The columns of `agenda_relationships`, in the order [`AGENDA_ROWS`] computes them.
const AGENDA_COLUMNS: &str =
    "id, workspace_id, status, subject_kind, subject_id, kind, importance, cadence_days,
        owner_id, visibility, started_on, last_at, name, preferred_channel";

/// What `agenda_relationships` must hold, computed from the records: one row per live
/// relationship, with its subject's name and channel (live or trashed) and last live
/// contact. The write path refreshes rows with it, a bulk build fills the table with it,
/// migration 0008 backfilled with the same query, and [`Tx::agenda_table_check`]
/// compares the table with it. Callers may add `AND …` conditions.
const AGENDA_ROWS: &str = "SELECT r.id, r.workspace_id, r.status, r.subject_kind, r.subject_id, r.kind,
        r.importance, r.cadence_days, r.owner_id, r.visibility, r.started_on, a.last_at,
        COALESCE(p.name, o.name), p.preferred_channel
 FROM relationships r
 LEFT JOIN subject_activity a ON a.subject_id = r.subject_id AND a.workspace_id = r.workspace_id
 LEFT JOIN people p ON r.subject_kind = 'person' AND p.id = r.subject_id AND p.workspace_id = r.workspace_id
 LEFT JOIN organizations o ON r.subject_kind = 'organization' AND o.id = r.subject_id AND o.workspace_id = r.workspace_id
 WHERE r.deleted_at IS NULL";

/// The statements that recompute the agenda rows of the workspace's (`$1`)
/// relationships with the subjects in `list`: a delete, then an insert. Both find the
/// relationships through `relationships_subject` (see migration 0014). On SQLite, whose
/// planner has no statistics, the insert names them by id through a subquery (with the
/// subjects in its own `WHERE` it walked the workspace's relationships instead); on
/// PostgreSQL it names the subjects directly: with the subquery, the refresh at the end of
/// a 100k-people demo ran for minutes (the plan was not captured; most likely a semi-join
/// over every relationship for each chunk, on statistics taken early in the load).
pub(crate) fn agenda_by_subjects(dialect: crate::Dialect, list: &str) -> (String, String) {
    let ids =
        format!("SELECT id FROM relationships WHERE workspace_id = $1 AND subject_id IN ({list})");
    let insert = match dialect {
        crate::Dialect::Sqlite => format!(
            "INSERT INTO agenda_relationships ({AGENDA_COLUMNS}) {AGENDA_ROWS} AND r.id IN ({ids})"
        ),
        crate::Dialect::Postgres => format!(
            "INSERT INTO agenda_relationships ({AGENDA_COLUMNS}) {AGENDA_ROWS}
             AND r.workspace_id = $1 AND r.subject_id IN ({list})"
        ),
    };
    (
        format!("DELETE FROM agenda_relationships WHERE id IN ({ids})"),
        insert,
    )
}

/// Which relationships' agenda rows to recompute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AgendaRefresh {
    /// These relationships (by id; in any workspace, as each row says).
    Relationships,
    /// The relationships of the workspace with these people or organizations.
    Subjects,
}

/// The `agenda_relationships` rows a load will recompute before it commits, by
/// workspace and by how [`AgendaRefresh`] names them.
#[derive(Debug, Default)]
pub(crate) struct AgendaLater(BTreeMap<(Id, AgendaRefresh), BTreeSet<Id>>);

/// Adds one `(relationship_id, day, score)` row to the scores by relationship.
fn add_score(out: &mut HashMap<Id, Vec<(Date, u8)>>, r: &dyn Cells) -> Result<(), StoreError> {
    let score = r.i64(2)?.clamp(0, 100) as u8;
    let day = r.date(1)?;
    out.entry(r.id(0)?).or_default().push((day, score));
    Ok(())
}

/// One row of [`agenda_read_columns`], read in place.
fn agenda_relationship(r: &dyn Cells) -> Result<AgendaRelationship, StoreError> {
    let card = match r.opt_str(8)? {
        Some(name) => Some(SubjectCard {
            name: name.to_string(),
            preferred_channel: r.opt_str(9)?.and_then(|c| Channel::parse(c).ok()),
        }),
        None => None,
    };
    Ok(AgendaRelationship {
        id: r.id(0)?,
        subject: Subject {
            kind: SubjectKind::parse(r.str(1)?)?,
            id: r.id(2)?,
        },
        kind: RelationshipKind::parse(r.str(3)?)?,
        status: RelationshipStatus::parse(r.str(4)?)?,
        importance: Importance::new(r.i64(5)?)?,
        cadence_days: r.opt_i64(6)?.map(CadenceDays::new).transpose()?,
        card,
        last_at: r.opt_timestamp(7)?,
        started_on: r.opt_date(10)?,
    })
}

/// The condition (`AND …`, on alias `r`) that leaves out the relationships private to
/// someone other than `viewer` (parameter `$n`); nothing without a viewer.
fn seen_by(viewer: Option<&Id>, n: usize) -> String {
    match viewer {
        Some(_) => format!(
            " AND NOT ({})",
            crate::entity::private_sql("r", &format!("${n}"))
        ),
        None => String::new(),
    }
}

/// An open commitment as the agenda reads it: columns, not the document.
#[derive(Debug, Clone, PartialEq)]
pub struct DueCommitment {
    pub id: Id,
    pub relationship_id: Id,
    pub owed_by: OwedBy,
    pub text: String,
    pub due: Option<Date>,
}

/// A task that is due, as the agenda reads it: the fields it shows, parsed from the
/// document without the others (a whole `Task`, with its flattened `Meta`, costs several
/// times more to parse).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct AgendaTask {
    pub id: Id,
    pub text: String,
    #[serde(default)]
    pub due: Option<Date>,
    #[serde(default)]
    pub link: Option<Link>,
}

/// An open conflict as the agenda reads it: the fields it shows, parsed from the
/// document without the others (as [`AgendaTask`]).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct AgendaConflict {
    pub id: Id,
    pub relationship_id: Id,
    pub severity: Severity,
    pub opened_at: Timestamp,
}

/// Everything recorded about one relationship, for health and the person page.
#[derive(Debug, Clone, Default)]
pub struct RelationshipRecord {
    pub interactions: Vec<Interaction>,
    pub commitments: Vec<Commitment>,
    pub exchanges: Vec<Exchange>,
    pub conflicts: Vec<Conflict>,
    pub feedback: Vec<Feedback>,
    pub goals: Vec<Goal>,
}

impl Tx<'_> {
    pub fn workspace_by_name(&mut self, name: &str) -> Result<Option<Workspace>, StoreError> {
        self.c
            .query_one(
                "SELECT doc FROM workspaces WHERE name = $1 AND deleted_at IS NULL",
                &[name.into()],
            )?
            .map(|r| r.json(0))
            .transpose()
    }

    pub fn workspace(&mut self, id: &Id) -> Result<Option<Workspace>, StoreError> {
        self.c
            .query_one("SELECT doc FROM workspaces WHERE id = $1", &[id.into()])?
            .map(|r| r.json(0))
            .transpose()
    }

    pub fn insert_workspace(&mut self, w: &Workspace) -> Result<(), StoreError> {
        let doc = serde_json::to_string(w).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.c
            .execute(
                "INSERT INTO workspaces (id, name, created_at, updated_at, version, doc) VALUES ($1, $2, $3, $4, $5, $6)",
                &[(&w.meta.id).into(), (&w.name).into(), w.meta.created_at.into(), w.meta.updated_at.into(), w.meta.version.into(), doc.into()],
            )
            .map_err(|e| if e.is_unique_violation() { StoreError::Duplicate(format!("workspace {}", w.name)) } else { e })?;
        Ok(())
    }

    pub fn workspaces(&mut self) -> Result<Vec<Workspace>, StoreError> {
        self.c
            .query("SELECT doc FROM workspaces ORDER BY name", &[])?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Live people of the workspace with this email (case-insensitive).
    pub fn people_by_email(&mut self, ws: &Id, email: &str) -> Result<Vec<Person>, StoreError> {
        let rows = self.c.query(
            "SELECT DISTINCT p.doc, p.id FROM person_emails e JOIN people p ON p.id = e.person_id
             WHERE e.workspace_id = $1 AND e.email = $2 AND p.deleted_at IS NULL ORDER BY p.id",
            &[ws.into(), email.to_lowercase().into()],
        )?;
        rows.iter().map(|r| r.json(0)).collect()
    }

    /// Live people of the workspace with this phone number (compared by digits).
    pub fn people_by_phone(&mut self, ws: &Id, phone: &str) -> Result<Vec<Person>, StoreError> {
        let rows = self.c.query(
            "SELECT DISTINCT p.doc, p.id FROM person_phones e JOIN people p ON p.id = e.person_id
             WHERE e.workspace_id = $1 AND e.phone_key = $2 AND p.deleted_at IS NULL ORDER BY p.id",
            &[ws.into(), phone_key(phone).into()],
        )?;
        rows.iter().map(|r| r.json(0)).collect()
    }

    /// Live records whose folded name equals `name_key` exactly.
    pub fn by_name_key<E: Entity>(
        &mut self,
        ws: &Id,
        name_key: &str,
    ) -> Result<Vec<E>, StoreError> {
        let sql = format!(
            "SELECT doc FROM {} WHERE workspace_id = $1 AND name_key = $2 AND deleted_at IS NULL ORDER BY id LIMIT 50",
            E::TABLE
        );
        self.c
            .query(&sql, &[ws.into(), name_key.into()])?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Live records whose folded name is one of `name_keys`, oldest first.
    pub fn by_name_keys<E: Entity>(
        &mut self,
        ws: &Id,
        name_keys: &[String],
    ) -> Result<Vec<E>, StoreError> {
        let keys: Vec<Value> = name_keys.iter().map(Value::from).collect();
        let mut out: Vec<E> = self.live_where_in(ws, "name_key", &keys)?;
        out.sort_by(|a, b| a.meta().id.cmp(&b.meta().id));
        Ok(out)
    }

    /// Live records whose folded name starts with `prefix` (an index range scan).
    pub fn by_name_prefix<E: Entity>(
        &mut self,
        ws: &Id,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<E>, StoreError> {
        let sql = format!(
            "SELECT doc FROM {} WHERE workspace_id = $1 AND name_key >= $2 AND name_key < $3 AND deleted_at IS NULL
             ORDER BY name_key, id LIMIT $4",
            E::TABLE
        );
        let upper = format!("{prefix}\u{10FFFF}");
        self.c
            .query(
                &sql,
                &[
                    ws.into(),
                    prefix.into(),
                    upper.into(),
                    (limit as i64).into(),
                ],
            )?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Live records of one type whose `column` equals `value`, oldest first.
    pub fn where_eq<E: Entity>(
        &mut self,
        ws: &Id,
        column: &'static str,
        value: Value,
    ) -> Result<Vec<E>, StoreError> {
        if !E::COLUMNS.contains(&column) {
            return Err(StoreError::Corrupt(format!(
                "{column} is not a column of {}",
                E::TABLE
            )));
        }
        // Sorted here, not in SQL: an ORDER BY id invites the planner to walk the whole
        // table in id order instead of using the column's index.
        let sql = format!(
            "SELECT doc FROM {} WHERE workspace_id = $1 AND {column} = $2 AND deleted_at IS NULL",
            E::TABLE
        );
        let mut out: Vec<E> = self
            .c
            .query(&sql, &[ws.into(), value])?
            .iter()
            .map(|r| r.json(0))
            .collect::<Result<_, _>>()?;
        out.sort_by(|a, b| a.meta().id.cmp(&b.meta().id));
        Ok(out)
    }

    /// The live relationships with one person or organization.
    pub fn relationships_of(
        &mut self,
        ws: &Id,
        subject: &Id,
    ) -> Result<Vec<Relationship>, StoreError> {
        self.where_eq(ws, "subject_id", subject.into())
    }

    /// Organizations a person is a member of.
    pub fn memberships_of(&mut self, ws: &Id, person: &Id) -> Result<Vec<Membership>, StoreError> {
        self.where_eq(ws, "person_id", person.into())
    }

    /// Interactions with any of `subjects`, newest first.
    pub fn interactions_with(
        &mut self,
        ws: &Id,
        subjects: &[Id],
        limit: usize,
    ) -> Result<Vec<Interaction>, StoreError> {
        if subjects.is_empty() {
            return Ok(vec![]);
        }
        // Driven by the (workspace_id, subject_id, at, …) index, a seek per subject:
        // never a walk over all interactions. A subject row carries its interaction's
        // workspace; a condition on `i.workspace_id` as well would lead SQLite's planner
        // (no statistics) to walk the workspace's interactions instead.
        let sql = format!(
            "SELECT DISTINCT i.doc, s.at, i.id FROM interaction_subjects s JOIN interactions i ON i.id = s.interaction_id
             WHERE s.workspace_id = $1 AND s.subject_id IN ({}) AND i.deleted_at IS NULL
             ORDER BY s.at DESC, i.id DESC LIMIT ${}",
            crate::conn::placeholders(2, subjects.len()),
            subjects.len() + 2
        );
        let mut params: Vec<Value> = vec![ws.into()];
        params.extend(subjects.iter().map(Value::from));
        params.push((limit as i64).into());
        self.c
            .query(&sql, &params)?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// The people and organizations an interaction with this subject counts for:
    /// the subject itself and, for an organization, its members.
    pub fn subject_ids_for(&mut self, ws: &Id, subject: &Subject) -> Result<Vec<Id>, StoreError> {
        let mut ids = vec![subject.id.clone()];
        if subject.kind == SubjectKind::Organization {
            let members: Vec<Membership> =
                self.where_eq(ws, "organization_id", (&subject.id).into())?;
            ids.extend(
                members
                    .into_iter()
                    .filter(|m| m.to.is_none())
                    .map(|m| m.person_id),
            );
        }
        Ok(ids)
    }

    /// Everything recorded about one relationship.
    pub fn relationship_record(
        &mut self,
        ws: &Id,
        rel: &Relationship,
    ) -> Result<RelationshipRecord, StoreError> {
        let subjects = self.subject_ids_for(ws, &rel.subject)?;
        let rid: Value = (&rel.meta.id).into();
        Ok(RelationshipRecord {
            interactions: self.interactions_with(ws, &subjects, crate::HEALTH_INTERACTIONS)?,
            commitments: self.where_eq(ws, "relationship_id", rid.clone())?,
            exchanges: self.where_eq(ws, "relationship_id", rid.clone())?,
            conflicts: self.where_eq(ws, "relationship_id", rid.clone())?,
            feedback: self.where_eq(ws, "relationship_id", rid.clone())?,
            goals: self.where_eq(ws, "relationship_id", rid)?,
        })
    }

    /// Open commitments of the workspace due by the dates `by` gives (mine and theirs;
    /// an index range up to the later), read as columns, in no particular order (the
    /// agenda ranks them; sorting them here cost SQLite a temporary B-tree, as the index
    /// has `deleted_at` between `due` and `id`).
    pub fn open_commitments_due(
        &mut self,
        ws: &Id,
        by: agenda::PromisesDueBy,
    ) -> Result<Vec<DueCommitment>, StoreError> {
        let mut out = Vec::new();
        let last = by.mine.max(by.theirs);
        self.c.for_each(
            "SELECT id, relationship_id, owed_by, text, due FROM commitments
             WHERE workspace_id = $1 AND status = 'open' AND due <= $2 AND deleted_at IS NULL
               AND due <= CASE owed_by WHEN 'them' THEN $3 ELSE $4 END",
            &[ws.into(), last.into(), by.theirs.into(), by.mine.into()],
            &mut |r| {
                out.push(DueCommitment {
                    id: r.id(0)?,
                    relationship_id: r.id(1)?,
                    owed_by: OwedBy::parse(r.str(2)?)?,
                    text: r.str(3)?.to_string(),
                    due: Some(r.date(4)?),
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Open commitments of the workspace.
    pub fn open_commitments(&mut self, ws: &Id) -> Result<Vec<Commitment>, StoreError> {
        self.where_eq(ws, "status", CommitmentStatus::Open.as_str().into())
    }

    /// Conflicts not yet resolved, as the agenda reads them, in no particular order (the
    /// agenda ranks them; sorting them by id cost SQLite a temporary B-tree of documents).
    pub fn open_conflicts(&mut self, ws: &Id) -> Result<Vec<AgendaConflict>, StoreError> {
        let mut out = Vec::new();
        self.c.for_each(
            "SELECT doc FROM conflicts WHERE workspace_id = $1 AND status <> 'resolved' AND deleted_at IS NULL",
            &[ws.into()],
            &mut |r| {
                out.push(r.json(0)?);
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Tasks not done.
    pub fn open_tasks(&mut self, ws: &Id) -> Result<Vec<Task>, StoreError> {
        let rows = self.c.query(
            "SELECT doc FROM tasks WHERE workspace_id = $1 AND done_at IS NULL AND deleted_at IS NULL ORDER BY id",
            &[ws.into()],
        )?;
        rows.iter().map(|r| r.json(0)).collect()
    }

    /// Tasks not done that are due on or before `until` (an index range), as the agenda
    /// reads them, in no particular order (as [`Tx::open_conflicts`]).
    pub fn tasks_due(&mut self, ws: &Id, until: Date) -> Result<Vec<AgendaTask>, StoreError> {
        let mut out = Vec::new();
        self.c.for_each(
            "SELECT doc FROM tasks WHERE workspace_id = $1 AND done_at IS NULL AND due <= $2 AND deleted_at IS NULL",
            &[ws.into(), until.into()],
            &mut |r| {
                out.push(r.json(0)?);
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Important dates whose month-day falls in `[from, to]` (inclusive, `MM-DD`, may wrap the year).
    pub fn dates_between(
        &mut self,
        ws: &Id,
        from: &str,
        to: &str,
    ) -> Result<Vec<ImportantDate>, StoreError> {
        let sql = if from <= to {
            "SELECT doc FROM important_dates WHERE workspace_id = $1 AND deleted_at IS NULL AND month_day >= $2 AND month_day <= $3"
        } else {
            "SELECT doc FROM important_dates WHERE workspace_id = $1 AND deleted_at IS NULL AND (month_day >= $2 OR month_day <= $3)"
        };
        self.c
            .query(sql, &[ws.into(), from.into(), to.into()])?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Live people whose birthday's month-day falls in `[from, to]` (`MM-DD`, may wrap the year).
    pub fn birthdays_between(
        &mut self,
        ws: &Id,
        from: &str,
        to: &str,
    ) -> Result<Vec<Person>, StoreError> {
        let sql = if from <= to {
            "SELECT doc FROM people WHERE workspace_id = $1 AND deleted_at IS NULL AND birthday_md >= $2 AND birthday_md <= $3"
        } else {
            "SELECT doc FROM people WHERE workspace_id = $1 AND deleted_at IS NULL AND (birthday_md >= $2 OR birthday_md <= $3)"
        };
        self.c
            .query(sql, &[ws.into(), from.into(), to.into()])?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Name and preferred channel of people and organizations by id (live or trashed).
    pub fn subject_cards(
        &mut self,
        ws: &Id,
        ids: &[Id],
    ) -> Result<HashMap<Id, SubjectCard>, StoreError> {
        let mut out: HashMap<Id, SubjectCard> = HashMap::with_capacity(ids.len());
        // By id alone through the (id, workspace_id, name, …) covering indexes, the
        // workspace checked on each row (as in `get_many`): with the workspace in the
        // WHERE, SQLite seeks (workspace_id, id) and reads each record's row. The
        // organizations are asked only for the ids that are not people (ids are unique
        // across both).
        let sqlite = self.c.dialect() == crate::Dialect::Sqlite;
        let mut rest: Vec<&Id> = ids.iter().collect();
        for (table, index, channel) in [
            ("people", "people_card", "preferred_channel"),
            ("organizations", "organizations_card", "NULL"),
        ] {
            if table == "organizations" {
                rest.retain(|id| !out.contains_key(*id));
            }
            let from = if sqlite {
                format!("{table} INDEXED BY {index}")
            } else {
                table.to_string()
            };
            self.for_each_by_ids(
                &[],
                &rest,
                |list| {
                    format!(
                        "SELECT id, name, {channel}, workspace_id FROM {from} WHERE id IN ({list})"
                    )
                },
                &mut |r| {
                    if r.str(3)? != ws.as_str() {
                        return Ok(());
                    }
                    let preferred_channel = r.opt_str(2)?.and_then(|c| Channel::parse(c).ok());
                    out.insert(
                        r.id(0)?,
                        SubjectCard {
                            name: r.str(1)?.to_string(),
                            preferred_channel,
                        },
                    );
                    Ok(())
                },
            )?;
        }
        Ok(out)
    }

    /// The active relationships of the workspace whose check-in may be due on the day
    /// that `due` describes, for the agenda. The test runs in SQL on the indexed columns,
    /// so only those rows are joined to their subject and read: a relationship is read
    /// when its subject has no last contact, or when that contact is older than the
    /// cadence in force less one day (the day of slack covers time-zone offsets, so
    /// every due check-in is among the rows; the core decides which are due). With a
    /// `viewer`, the relationships private to someone else are left out.
    pub fn agenda_relationships(
        &mut self,
        ws: &Id,
        due: &DueCheckIns<'_>,
        viewer: Option<&Id>,
    ) -> Result<Vec<AgendaRelationship>, StoreError> {
        // One index range per (kind, importance), each with its default cadence: the
        // cadences are the outer loop (`CROSS JOIN` keeps SQLite from reordering it).
        let sql = format!(
            "WITH d(kind, importance, cadence) AS ({})
             SELECT {} FROM d CROSS JOIN agenda_relationships r
             WHERE r.workspace_id = $1 AND r.status = 'active' AND r.kind = d.kind
               AND r.importance = d.importance
               AND (r.last_at IS NULL OR r.last_at < $2 - (COALESCE(r.cadence_days, d.cadence) - 1) * {MICROS_PER_DAY}){}",
            due.cadences_sql(),
            agenda_read_columns!(),
            seen_by(viewer, 3),
        );
        let mut params: Vec<Value> = vec![ws.into(), due.day_start.into()];
        params.extend(viewer.map(Value::from));
        let mut out = Vec::new();
        self.c.for_each(&sql, &params, &mut |r| {
            out.push(agenda_relationship(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Live relationships of the workspace by id, as the agenda reads them (missing and
    /// trashed ids are left out, and with a `viewer` those private to someone else).
    pub fn agenda_relationships_by_id(
        &mut self,
        ws: &Id,
        ids: &[Id],
        viewer: Option<&Id>,
    ) -> Result<Vec<AgendaRelationship>, StoreError> {
        let mut out = Vec::new();
        // By primary key alone, the workspace checked on each row (as in `get_many`);
        // trashed relationships have no row. The viewer, if any, is `$1`.
        let lead: Vec<Value> = viewer.map(Value::from).into_iter().collect();
        self.for_each_by_ids(
            &lead,
            ids,
            |list| {
                format!(
                    "{AGENDA_SELECT_WS} WHERE r.id IN ({list}){}",
                    seen_by(viewer, 1)
                )
            },
            &mut |r| {
                if r.str(11)? == ws.as_str() {
                    out.push(agenda_relationship(r)?);
                }
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Whom the live relationships of the workspace with these ids are with (missing
    /// and trashed ids are left out, and with a `viewer` those private to someone
    /// else): all the agenda needs of a relationship whose promises, conflicts or tasks
    /// it shows but whose check-in is not due. A third of the columns of
    /// [`Tx::agenda_relationships_by_id`].
    pub fn agenda_subjects(
        &mut self,
        ws: &Id,
        ids: &[&Id],
        viewer: Option<&Id>,
    ) -> Result<Vec<AgendaSubject>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        // As `agenda_relationships_by_id`: by primary key, the workspace checked per row.
        let lead: Vec<Value> = viewer.map(Value::from).into_iter().collect();
        self.for_each_by_ids(
            &lead,
            ids,
            |list| {
                format!(
                    "SELECT r.id, r.subject_id, r.name, r.workspace_id FROM agenda_relationships r
                     WHERE r.id IN ({list}){}",
                    seen_by(viewer, 1)
                )
            },
            &mut |r| {
                if r.str(3)? == ws.as_str() {
                    out.push(AgendaSubject {
                        relationship_id: r.id(0)?,
                        subject_id: r.id(1)?,
                        name: r.opt_str(2)?.map(str::to_string),
                    });
                }
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Last live interaction of the current members of the organizations `orgs`:
    /// `(organization, member's last contact)`, possibly repeated.
    pub fn member_contacts(
        &mut self,
        ws: &Id,
        orgs: &[&Id],
    ) -> Result<Vec<(Id, Timestamp)>, StoreError> {
        /// All a membership's document is read for here: whether it has ended.
        #[derive(serde::Deserialize)]
        struct Ended {
            #[serde(default)]
            to: Option<Date>,
        }
        let mut out = Vec::new();
        self.for_each_by_ids(
            &[ws.into()],
            orgs,
            |list| {
                format!(
                    "SELECT m.organization_id, a.last_at, m.doc FROM memberships m
                     JOIN subject_activity a ON a.subject_id = m.person_id AND a.workspace_id = m.workspace_id
                     WHERE m.organization_id IN ({list}) AND m.workspace_id = $1 AND m.deleted_at IS NULL
                       AND a.last_at IS NOT NULL"
                )
            },
            &mut |r| {
                let m: Ended = r.json(2)?;
                if m.to.is_none() {
                    out.push((r.id(0)?, r.timestamp(1)?));
                }
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Current members (person ids) of each organization of the workspace.
    pub fn current_members(&mut self, ws: &Id) -> Result<HashMap<Id, Vec<Id>>, StoreError> {
        let rows = self.c.query(
            "SELECT organization_id, person_id, doc FROM memberships WHERE workspace_id = $1 AND deleted_at IS NULL",
            &[ws.into()],
        )?;
        let mut out: HashMap<Id, Vec<Id>> = HashMap::new();
        for r in rows {
            let m: Membership = r.json(2)?;
            if m.to.is_none() {
                out.entry(r.id(0)?).or_default().push(r.id(1)?);
            }
        }
        Ok(out)
    }

    /// All live relationships of the workspace.
    pub fn all_relationships(&mut self, ws: &Id) -> Result<Vec<Relationship>, StoreError> {
        let rows = self.c.query(
            "SELECT doc FROM relationships WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY id",
            &[ws.into()],
        )?;
        rows.iter().map(|r| r.json(0)).collect()
    }

    /// How many live relationships of the workspace the viewer may see (all of them
    /// without a viewer), counted no further than `at_most`: whether a workspace is
    /// larger than some size costs at most that many index entries, not the workspace.
    pub fn relationships_seen_up_to(
        &mut self,
        ws: &Id,
        viewer: Option<&Id>,
        at_most: u32,
    ) -> Result<u32, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM relationships r
             WHERE r.workspace_id = $1 AND r.deleted_at IS NULL{} LIMIT $2) AS seen",
            seen_by(viewer, 3)
        );
        let mut params: Vec<Value> = vec![ws.into(), at_most.into()];
        params.extend(viewer.map(Value::from));
        let n = match self.c.query_one(&sql, &params)? {
            Some(r) => r.i64(0)?,
            None => 0,
        };
        Ok(u32::try_from(n).unwrap_or(at_most))
    }

    /// The people the viewer holds a live, not ended relationship with — the first hop
    /// of the network: whom, how important, since when — in relationship id order (as
    /// [`Tx::all_relationships`]), from the relationship's columns rather than its
    /// document. With a `viewer`, those private to someone else are left out.
    pub fn network_relationships(
        &mut self,
        ws: &Id,
        viewer: Option<&Id>,
    ) -> Result<Vec<rapport_core::network::MyRelationship>, StoreError> {
        let sql = format!(
            "SELECT r.subject_id, r.importance, r.created_at FROM relationships r
             WHERE r.workspace_id = $1 AND r.deleted_at IS NULL
               AND r.subject_kind = 'person' AND r.status <> 'ended'{}
             ORDER BY r.id",
            seen_by(viewer, 2)
        );
        let mut params: Vec<Value> = vec![ws.into()];
        params.extend(viewer.map(Value::from));
        let mut out = Vec::new();
        self.c.for_each(&sql, &params, &mut |r| {
            out.push(rapport_core::network::MyRelationship {
                person: r.id(0)?,
                importance: Importance::new(r.i64(1)?)?,
                since: r.timestamp(2)?,
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// Last live interaction time per subject (person or organization) of the workspace.
    pub fn last_contacts(&mut self, ws: &Id) -> Result<Vec<(Id, Timestamp)>, StoreError> {
        let mut out = Vec::new();
        self.c.for_each(
            "SELECT subject_id, last_at FROM subject_activity WHERE workspace_id = $1 AND last_at IS NOT NULL",
            &[ws.into()],
            &mut |r| {
                out.push((r.id(0)?, r.timestamp(1)?));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Last live interaction time of each of `subjects` that has one.
    pub fn last_contacts_of(
        &mut self,
        ws: &Id,
        subjects: &[Id],
    ) -> Result<Vec<(Id, Timestamp)>, StoreError> {
        let mut out = Vec::with_capacity(subjects.len());
        self.for_each_by_ids(
            &[ws.into()],
            subjects,
            |list| {
                format!(
                    "SELECT subject_id, last_at FROM subject_activity
                     WHERE workspace_id = $1 AND last_at IS NOT NULL AND subject_id IN ({list})"
                )
            },
            &mut |r| {
                out.push((r.id(0)?, r.timestamp(1)?));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// One subject's activity as the write path keeps it: their latest live interaction
    /// and how many live interactions they took part in. `None` before their first.
    pub fn activity_of(
        &mut self,
        ws: &Id,
        subject: &Id,
    ) -> Result<Option<(Option<Timestamp>, i64)>, StoreError> {
        self.c
            .query_one(
                "SELECT last_at, interactions FROM subject_activity WHERE subject_id = $1 AND workspace_id = $2",
                &[subject.into(), ws.into()],
            )?
            .map(|r| {
                let last = r.opt_i64(0)?.map(crate::value::from_micros).transpose()?;
                Ok((last, r.i64(1)?))
            })
            .transpose()
    }

    /// Appends one event to the audit trail.
    pub fn audit(&mut self, ws: &Id, e: &AuditEvent) -> Result<(), StoreError> {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        self.c.execute(
            "INSERT INTO audit_events (id, workspace_id, at, actor_id, actor, action, entity, entity_id, before_doc, after_doc)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                (&e.id).into(),
                ws.into(),
                e.at.into(),
                e.actor_id.as_ref().into(),
                (&e.actor).into(),
                (&e.action).into(),
                e.entity.as_str().into(),
                (&e.entity_id).into(),
                json(&e.before).into(),
                json(&e.after).into(),
            ],
        )?;
        Ok(())
    }

    /// The audit trail, oldest first, a page at a time.
    pub fn audit_events(
        &mut self,
        ws: &Id,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<AuditEvent>, StoreError> {
        let limit = limit.clamp(1, 500);
        let after = cursor
            .map(crate::entity::decode_cursor)
            .transpose()?
            .unwrap_or_default();
        let rows = self.c.query(
            "SELECT id, at, actor_id, actor, action, entity, entity_id, before_doc, after_doc FROM audit_events
             WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[ws.into(), after.into(), ((limit + 1) as i64).into()],
        )?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let mut events = Vec::new();
        for r in &rows {
            events.push(AuditEvent {
                id: r.id(0)?,
                at: r.timestamp(1)?,
                actor_id: r.opt_text(2)?.map(|s| Id::parse(&s)).transpose()?,
                actor: r.text(3)?,
                action: r.text(4)?,
                entity: EntityKind::parse(&r.text(5)?)?,
                entity_id: r.id(6)?,
                before: parse(r.opt_text(7)?),
                after: parse(r.opt_text(8)?),
            });
        }
        let more = events.len() > limit;
        events.truncate(limit);
        let next_cursor = if more {
            events
                .last()
                .map(|e| crate::entity::encode_cursor(e.id.as_str()))
        } else {
            None
        };
        Ok(Page {
            items: events,
            next_cursor,
        })
    }

    /// Records today's health score of a relationship (one row per day; the latest wins),
    /// as [`Tx::record_health_many`] does.
    pub fn record_health(
        &mut self,
        ws: &Id,
        rel: &Id,
        day: Date,
        score: Option<u8>,
    ) -> Result<(), StoreError> {
        self.record_health_many(ws, day, &[(rel.clone(), score)])
    }

    /// Health history of a relationship since `since`, oldest first.
    pub fn health_history(
        &mut self,
        rel: &Id,
        since: Date,
    ) -> Result<Vec<(Date, Option<u8>)>, StoreError> {
        let rows = self.c.query(
            "SELECT day, score FROM health_history WHERE relationship_id = $1 AND day >= $2 ORDER BY day",
            &[rel.into(), since.into()],
        )?;
        rows.iter()
            .map(|r| Ok((r.date(0)?, r.opt_i64(1)?.map(|s| s.clamp(0, 100) as u8))))
            .collect()
    }

    /// Recorded health scores of the workspace's relationships since `since`.
    pub fn recent_health(
        &mut self,
        ws: &Id,
        since: Date,
    ) -> Result<HashMap<Id, Vec<(Date, u8)>>, StoreError> {
        let mut out: HashMap<Id, Vec<(Date, u8)>> = HashMap::new();
        self.c.for_each(
            "SELECT relationship_id, day, score FROM health_history WHERE workspace_id = $1 AND day >= $2 AND score IS NOT NULL",
            &[ws.into(), since.into()],
            &mut |r| add_score(&mut out, r),
        )?;
        Ok(out)
    }

    /// Recorded health scores of some relationships of the workspace since `since`.
    pub fn recent_health_of(
        &mut self,
        ws: &Id,
        ids: &[Id],
        since: Date,
    ) -> Result<HashMap<Id, Vec<(Date, u8)>>, StoreError> {
        let mut out: HashMap<Id, Vec<(Date, u8)>> = HashMap::new();
        // By primary key; the workspace checked on each row (as in `get_many`).
        self.for_each_by_ids(
            &[since.into()],
            ids,
            |list| {
                format!(
                    "SELECT relationship_id, day, score, workspace_id FROM health_history
                     WHERE relationship_id IN ({list}) AND day >= $1 AND score IS NOT NULL"
                )
            },
            &mut |r| {
                if r.str(3)? == ws.as_str() {
                    add_score(&mut out, r)?;
                }
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// The relationships with a recorded fall (see `rapport_core::health::fall_days`)
    /// in `[since, until]`: the only ones whose health can be falling on `until`.
    pub fn health_falls(
        &mut self,
        ws: &Id,
        since: Date,
        until: Date,
    ) -> Result<Vec<Id>, StoreError> {
        let mut out = Vec::new();
        self.c.for_each(
            "SELECT DISTINCT relationship_id FROM health_falls
             WHERE workspace_id = $1 AND day >= $2 AND day <= $3",
            &[ws.into(), since.into(), until.into()],
            &mut |r| {
                out.push(r.id(0)?);
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Replaces the recorded falls of `rels` in `[since, until]` by `falls` (relationship
    /// and day; each must lie in that range and be one of `rels`).
    pub(crate) fn replace_health_falls(
        &mut self,
        ws: &Id,
        rels: &[Id],
        since: Date,
        until: Date,
        falls: &[(Id, Date)],
    ) -> Result<(), StoreError> {
        for chunk in rels.chunks(500) {
            let sql = format!(
                "DELETE FROM health_falls WHERE workspace_id = $1 AND day >= $2 AND day <= $3
                 AND relationship_id IN ({})",
                crate::conn::placeholders(4, chunk.len())
            );
            let mut params: Vec<Value> = vec![ws.into(), since.into(), until.into()];
            params.extend(chunk.iter().map(Value::from));
            self.c.execute(&sql, &params)?;
        }
        let params: Vec<Value> = falls
            .iter()
            .flat_map(|(id, day)| [ws.into(), id.into(), (*day).into()])
            .collect();
        self.insert_rows(
            "INSERT INTO health_falls (workspace_id, relationship_id, day)",
            3,
            &params.iter().map(Cell::from).collect::<Vec<_>>(),
            "ON CONFLICT (relationship_id, day) DO NOTHING",
        )?;
        Ok(())
    }

    /// The interaction imported from `source` with `source_id`, if any (live or trashed).
    pub fn interaction_by_source(
        &mut self,
        ws: &Id,
        source: Source,
        source_id: &str,
    ) -> Result<Option<Interaction>, StoreError> {
        self.c
            .query_one(
                "SELECT doc FROM interactions WHERE workspace_id = $1 AND source = $2 AND source_id = $3",
                &[ws.into(), source.as_str().into(), source_id.into()],
            )?
            .map(|r| r.json(0))
            .transpose()
    }

    /// Live records of a type in name order, a page at a time (keyset on name and id).
    pub fn list_by_name<E: Entity>(
        &mut self,
        ws: &Id,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<E>, StoreError> {
        let limit = limit.clamp(1, 500);
        let (name, id) = match cursor {
            Some(c) => {
                let k = crate::entity::decode_cursor(c)?;
                let (n, i) = k.split_once('\u{1f}').unwrap_or(("", ""));
                (n.to_string(), i.to_string())
            }
            None => (String::new(), String::new()),
        };
        let sql = format!(
            "SELECT doc, name_key || $4 || id FROM {} WHERE workspace_id = $1 AND deleted_at IS NULL
             AND (name_key > $2 OR (name_key = $2 AND id > $3)) ORDER BY name_key, id LIMIT $5",
            E::TABLE
        );
        let rows = self.c.query(
            &sql,
            &[
                ws.into(),
                name.into(),
                id.into(),
                "\u{1f}".into(),
                ((limit + 1) as i64).into(),
            ],
        )?;
        page_of(rows, limit)
    }
}

impl Tx<'_> {
    /// Recomputes the `agenda_relationships` rows of `ids` (relationships, or the
    /// subjects of relationships, as `by` says) from the records: the write path calls
    /// this whenever a relationship, a person's or organization's name or channel, or a
    /// subject's last contact may have changed. A bulk build skips it and fills the
    /// table once at the end ([`Tx::fill_agenda_relationships`]).
    pub(crate) fn refresh_agenda(
        &mut self,
        ws: &Id,
        by: AgendaRefresh,
        ids: &[&Id],
    ) -> Result<(), StoreError> {
        if self.bulk_build || ids.is_empty() {
            return Ok(());
        }
        if let Some(later) = self.agenda_later.as_mut() {
            later
                .0
                .entry((ws.clone(), by))
                .or_default()
                .extend(ids.iter().map(|id| (*id).clone()));
            return Ok(());
        }
        self.refresh_agenda_now(ws, by, ids)
    }

    /// Recomputes, once each, the rows a load put off (see [`AgendaLater`]).
    pub(crate) fn refresh_agenda_later(&mut self) -> Result<(), StoreError> {
        let Some(later) = self.agenda_later.take() else {
            return Ok(());
        };
        for ((ws, by), ids) in &later.0 {
            let ids: Vec<&Id> = ids.iter().collect();
            self.refresh_agenda_now(ws, *by, &ids)?;
        }
        Ok(())
    }

    fn refresh_agenda_now(
        &mut self,
        ws: &Id,
        by: AgendaRefresh,
        ids: &[&Id],
    ) -> Result<(), StoreError> {
        for chunk in ids.chunks(500) {
            let mut params: Vec<Value> = Vec::with_capacity(chunk.len() + 1);
            let (delete, insert) = match by {
                AgendaRefresh::Relationships => {
                    let list = crate::conn::placeholders(1, chunk.len());
                    (
                        format!("DELETE FROM agenda_relationships WHERE id IN ({list})"),
                        format!(
                            "INSERT INTO agenda_relationships ({AGENDA_COLUMNS}) {AGENDA_ROWS} AND r.id IN ({list})"
                        ),
                    )
                }
                AgendaRefresh::Subjects => {
                    params.push(ws.into());
                    agenda_by_subjects(self.c.dialect(), &crate::conn::placeholders(2, chunk.len()))
                }
            };
            params.extend(chunk.iter().map(|id| Value::from(*id)));
            self.c.execute(&delete, &params)?;
            self.c.execute(&insert, &params)?;
        }
        Ok(())
    }

    /// Fills `agenda_relationships` from the records, for a database whose table is
    /// empty (a bulk build, after its load).
    pub(crate) fn fill_agenda_relationships(&mut self) -> Result<(), StoreError> {
        self.c.execute(
            &format!("INSERT INTO agenda_relationships ({AGENDA_COLUMNS}) {AGENDA_ROWS}"),
            &[],
        )?;
        Ok(())
    }

    /// The workspace's `agenda_relationships` rows as stored and as computed afresh from
    /// the records, both in id order: equal unless the write path missed a change.
    #[allow(clippy::type_complexity)]
    pub fn agenda_table_check(
        &mut self,
        ws: &Id,
    ) -> Result<(Vec<Vec<Value>>, Vec<Vec<Value>>), StoreError> {
        let stored = format!(
            "SELECT {AGENDA_COLUMNS} FROM agenda_relationships WHERE workspace_id = $1 ORDER BY id"
        );
        let fresh = format!("{AGENDA_ROWS} AND r.workspace_id = $1 ORDER BY r.id");
        let mut rows = |sql: &str| -> Result<Vec<Vec<Value>>, StoreError> {
            Ok(self
                .c
                .query(sql, &[ws.into()])?
                .into_iter()
                .map(|r| r.0)
                .collect())
        };
        Ok((rows(&stored)?, rows(&fresh)?))
    }
}

impl Tx<'_> {
    /// A user of the workspace by login name.
    pub fn user_by_name(&mut self, ws: &Id, name: &str) -> Result<Option<User>, StoreError> {
        self.c
            .query_one(
                "SELECT doc FROM users WHERE workspace_id = $1 AND name = $2 AND deleted_at IS NULL",
                &[ws.into(), name.into()],
            )?
            .map(|r| r.json(0))
            .transpose()
    }
}

impl Tx<'_> {
    /// Records of one type in id order after `after`, live and trashed: for exports.
    pub fn all_after<E: Entity>(
        &mut self,
        ws: &Id,
        after: Option<&Id>,
        limit: usize,
    ) -> Result<Vec<E>, StoreError> {
        let sql = format!(
            "SELECT doc FROM {} WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            E::TABLE
        );
        let after = after.map(|a| a.as_str().to_string()).unwrap_or_default();
        self.c
            .query(&sql, &[ws.into(), after.into(), (limit as i64).into()])?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Whether a record of this type with this id exists anywhere (any workspace).
    pub fn exists<E: Entity>(&mut self, id: &Id) -> Result<bool, StoreError> {
        let sql = format!("SELECT 1 FROM {} WHERE id = $1", E::TABLE);
        Ok(self.c.query_one(&sql, &[id.into()])?.is_some())
    }
}
