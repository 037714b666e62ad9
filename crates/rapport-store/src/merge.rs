//! Lookups for finding and merging duplicate people: pairs of live people that share an
//! email or a phone (self-joins on the side indexes), and every live person's name key.

use rapport_core::{Id, Person};

use crate::{StoreError, Tx};

/// Two live people of one workspace that share a value; `a` sorts before `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedValue {
    pub a: Id,
    pub b: Id,
    pub value: String,
}

/// How many people of one name the import's name match looks at.
pub const CANDIDATES: usize = 50;

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
        // The first CANDIDATES people of that name only (an index range of bounded
        // length), so the cost per lookup does not grow with the number of namesakes.
        let sql = format!(
            "SELECT p.id, p.doc, o.name_key FROM
               (SELECT id FROM people WHERE workspace_id = $1 AND name_key = $2 AND deleted_at IS NULL
                ORDER BY name_key, id LIMIT {CANDIDATES}) c
             JOIN people p ON p.id = c.id
             LEFT JOIN memberships m ON m.person_id = p.id AND m.deleted_at IS NULL
             LEFT JOIN organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
             WHERE 1 = 1 {filter}
             ORDER BY p.id"
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
