//! Lookups for finding and merging duplicate people: pairs of live people that share an
//! email or a phone (self-joins on the side indexes), and every live person's name key.

use rapport_core::Id;

use crate::{StoreError, Tx};

/// Two live people of one workspace that share a value; `a` sorts before `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedValue {
    pub a: Id,
    pub b: Id,
    pub value: String,
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
