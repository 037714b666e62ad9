//! Lookups for finding and merging duplicate people: pairs of live people that share an
//! email or a phone (self-joins on the side indexes), and every live person's name key.

use std::collections::{HashMap, HashSet};

use rapport_core::{Id, Person};

use crate::conn::placeholders;
use crate::value::Value;
use crate::{StoreError, Tx};

/// Two live people of one workspace that share a value; `a` sorts before `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedValue {
    pub a: Id,
    pub b: Id,
    pub value: String,
}

/// How PostgreSQL plans the import's lookups of known emails and phones
/// ([`Tx::known_emails`]): through the `(workspace_id, value)` index, one probe per value
/// (at most 500 a statement), never by reading the whole table. For an `IN` list of 500
/// values the planner prices the index's probes above a scan that hashes the list, and
/// once an import's first batch has filled the table (50,000 rows) it scanned all of it,
/// in parallel, for every 500 values: 15–28 ms a statement, 268 statements for 100,000
/// contacts, against 0.5 ms through the index.
const KNOWN_PLANNING: [(&str, &str); 2] = [
    ("enable_seqscan", "off"),
    ("max_parallel_workers_per_gather", "0"),
];

/// How many people of one name the import's name match looks at.
pub const CANDIDATES: usize = 50;

/// One of the people the import's name match would look at for a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namesake {
    pub name_key: String,
    pub id: Id,
    pub has_email: bool,
    /// Folded names of the organizations the person is a member of.
    pub org_keys: Vec<String>,
}

/// The ids (and, `with_key`, the name key) of the first [`CANDIDATES`] live people whose
/// folded name is parameter `$n` (workspace: `$1`): an index range of bounded length, so
/// the cost of a name match does not grow with the number of namesakes.
fn first_namesakes(n: usize, with_key: bool) -> String {
    format!(
        "SELECT {}id FROM people WHERE workspace_id = $1 AND name_key = ${n} AND deleted_at IS NULL
         ORDER BY name_key, id LIMIT {CANDIDATES}",
        if with_key { "name_key, " } else { "" }
    )
}

impl Tx<'_> {
    /// Pairs of live people sharing an email (`value`: the email).
    pub fn people_sharing_email(&mut self, ws: &Id) -> Result<Vec<SharedValue>, StoreError> {
        self.shared(ws, "person_emails", "email")
    }

    /// Pairs of live people sharing a phone number (`value`: its digits).
    pub fn people_sharing_phone(&mut self, ws: &Id) -> Result<Vec<SharedValue>, StoreError> {
        self.shared(ws, "person_phones", "phone_key")
    }

    fn shared(
        &mut self,
        ws: &Id,
        table: &'static str,
        column: &'static str,
    ) -> Result<Vec<SharedValue>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT x.person_id, y.person_id, x.{column}
             FROM {table} x JOIN {table} y
               ON y.workspace_id = x.workspace_id AND y.{column} = x.{column} AND y.person_id > x.person_id
             JOIN people px ON px.id = x.person_id
             JOIN people py ON py.id = y.person_id
             WHERE x.workspace_id = $1 AND px.deleted_at IS NULL AND py.deleted_at IS NULL
             ORDER BY x.person_id, y.person_id"
        );
        self.c
            .query(&sql, &[ws.into()])?
            .iter()
            .map(|r| {
                Ok(SharedValue {
                    a: r.id(0)?,
                    b: r.id(1)?,
                    value: r.text(2)?,
                })
            })
            .collect()
    }

    /// Which of `emails` (lowercase) belong to a live person of the workspace: the
    /// import's email match for a whole batch at once.
    pub fn known_emails(
        &mut self,
        ws: &Id,
        emails: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        self.known(ws, "person_emails", "email", emails)
    }

    /// Which of `phone_keys` (digits, see `phone_key`) belong to a live person.
    pub fn known_phones(
        &mut self,
        ws: &Id,
        phone_keys: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        self.known(ws, "person_phones", "phone_key", phone_keys)
    }

    fn known(
        &mut self,
        ws: &Id,
        table: &'static str,
        column: &'static str,
        values: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut out = HashSet::new();
        if values.is_empty() {
            return Ok(out);
        }
        let planner = self.set_planning(&KNOWN_PLANNING)?;
        for chunk in values.chunks(500) {
            let sql = format!(
                "SELECT DISTINCT x.{column} FROM {table} x JOIN people p ON p.id = x.person_id
                 WHERE x.workspace_id = $1 AND x.{column} IN ({}) AND p.deleted_at IS NULL",
                placeholders(2, chunk.len())
            );
            let mut params: Vec<Value> = vec![ws.into()];
            params.extend(chunk.iter().map(Value::from));
            for r in self.c.query(&sql, &params)? {
                out.insert(r.text(0)?);
            }
        }
        self.restore_planning(&KNOWN_PLANNING, planner)?;
        Ok(out)
    }

    /// For each of `name_keys`, the people [`Tx::people_named`] would look at (the first
    /// [`CANDIDATES`] live people of that folded name), without their documents: whether
    /// each has an email and the folded names of their organizations. With
    /// `without_email`, only those of them who have no email (the only ones a contact
    /// with an email can match by name); the others' organizations are not read. One
    /// statement per hundred names, each name an index range of bounded length.
    pub fn namesakes(
        &mut self,
        ws: &Id,
        name_keys: &[String],
        without_email: bool,
    ) -> Result<Vec<Namesake>, StoreError> {
        let mut out: Vec<Namesake> = Vec::new();
        for chunk in name_keys.chunks(100) {
            let arms: Vec<String> = (0..chunk.len())
                .map(|i| format!("SELECT * FROM ({}) a{i}", first_namesakes(i + 2, true)))
                .collect();
            let sql = format!(
                "SELECT c.name_key, c.id,
                        (SELECT COUNT(*) FROM person_emails e WHERE e.person_id = c.id),
                        o.name_key
                 FROM ({}) c
                 LEFT JOIN memberships m ON m.person_id = c.id AND m.deleted_at IS NULL
                 LEFT JOIN organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
                 {}",
                arms.join(" UNION ALL "),
                if without_email {
                    "WHERE NOT EXISTS (SELECT 1 FROM person_emails e WHERE e.person_id = c.id)"
                } else {
                    ""
                }
            );
            let mut params: Vec<Value> = vec![ws.into()];
            params.extend(chunk.iter().map(Value::from));
            let mut at: HashMap<Id, usize> = HashMap::new();
            for r in self.c.query(&sql, &params)? {
                let id = r.id(1)?;
                let org = r.opt_text(3)?;
                match at.get(&id) {
                    Some(&i) => out[i].org_keys.extend(org),
                    None => {
                        at.insert(id.clone(), out.len());
                        out.push(Namesake {
                            name_key: r.text(0)?,
                            id,
                            has_email: r.i64(2)? > 0,
                            org_keys: org.into_iter().collect(),
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Live people whose folded name is `name_key`, each with the folded names of the
    /// organizations they are a member of; with `without_email`, only people who have no
    /// email. One indexed query over at most [`CANDIDATES`] namesakes (the import's
    /// name-and-organization match).
    pub fn people_named(
        &mut self,
        ws: &Id,
        name_key: &str,
        without_email: bool,
    ) -> Result<Vec<(Person, Vec<String>)>, StoreError> {
        let filter = if without_email {
            "AND NOT EXISTS (SELECT 1 FROM person_emails e WHERE e.person_id = p.id)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT p.id, p.doc, o.name_key FROM ({}) c
             JOIN people p ON p.id = c.id
             LEFT JOIN memberships m ON m.person_id = p.id AND m.deleted_at IS NULL
             LEFT JOIN organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
             WHERE 1 = 1 {filter}
             ORDER BY p.id",
            first_namesakes(2, false)
        );
        let mut out: Vec<(Person, Vec<String>)> = Vec::new();
        for r in self.c.query(&sql, &[ws.into(), name_key.into()])?.iter() {
            let id = r.id(0)?;
            let org = r.opt_text(2)?;
            match out.last_mut() {
                Some((p, orgs)) if p.meta.id == id => orgs.extend(org),
                _ => out.push((r.json(1)?, org.into_iter().collect())),
            }
        }
        Ok(out)
    }

    /// Every live person's id, name and folded name, in name-key order.
    pub fn person_names(&mut self, ws: &Id) -> Result<Vec<(Id, String, String)>, StoreError> {
        self.c
            .query(
                "SELECT id, name, name_key FROM people WHERE workspace_id = $1 AND deleted_at IS NULL
                 ORDER BY name_key, id",
                &[ws.into()],
            )?
            .iter()
            .map(|r| Ok((r.id(0)?, r.text(1)?, r.text(2)?)))
            .collect()
    }
}
