//! Accounts and what a server keeps between requests: users, API tokens, sessions and
//! login-attempt counters. All of it lives in the database so that any number of server
//! instances can serve the same users. Secrets are stored only as hashes computed by
//! the caller; this module never sees a token or a password in clear.

use jiff::Timestamp;
use rapport_core::*;

use crate::entity::{Entity, Indexes, StoredDoc};
use crate::value::{Row, Value};
use crate::{StoreError, Tx};

impl Entity for User {
    const KIND: EntityKind = EntityKind::User;
    const TABLE: &'static str = "users";
    const COLUMNS: &'static [&'static str] = &["name", "role"];
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn values(&self) -> Vec<Value> {
        vec![self.name.clone().into(), self.role.as_str().into()]
    }
    fn indexes(&self) -> Indexes {
        Indexes::default()
    }
}

/// A user found by a credential, with the workspace they act in: the user's columns
/// (a credential is checked on every request; its user's document is not parsed).
#[derive(Debug, Clone)]
pub struct Principal {
    pub workspace_id: Id,
    pub user_id: Id,
    pub name: String,
    pub role: Role,
}

/// The columns of `users` (aliased `u`) a [`Principal`] is read from, first in a row
/// (read by [`principal`]).
macro_rules! principal_columns {
    () => {
        "u.workspace_id, u.id, u.name, u.role"
    };
}

/// The condition that `k` is a live (unrevoked) token `$1` of a live user `u`, joined
/// `FROM api_tokens k JOIN users u ON u.id = k.user_id`.
macro_rules! live_token {
    () => {
        "k.token_hash = $1 AND k.revoked_at IS NULL AND u.deleted_at IS NULL"
    };
}

/// The [`Principal`] in the first columns of a row that begins with `principal_columns!()`.
fn principal(row: &Row) -> Result<Principal, StoreError> {
    Ok(Principal {
        workspace_id: row.id(0)?,
        user_id: row.id(1)?,
        name: row.text(2)?,
        role: Role::parse(&row.text(3)?)?,
    })
}

/// A live web session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// An API token's metadata (never the token itself).
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct TokenInfo {
    pub id: Id,
    pub user_id: Id,
    pub label: Option<String>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

impl Tx<'_> {
    fn principal_where(&mut self, sql: &str, key: &str) -> Result<Option<Principal>, StoreError> {
        let Some(row) = self.c.query_one(sql, &[key.into()])? else {
            return Ok(None);
        };
        principal(&row).map(Some)
    }

    /// A trivial query: the database answers.
    pub fn ping(&mut self) -> Result<(), StoreError> {
        self.c.query_one("SELECT 1", &[])?;
        Ok(())
    }

    /// The users of a workspace, by name.
    pub fn users(&mut self, ws: &Id) -> Result<Vec<User>, StoreError> {
        self.c
            .query(
                "SELECT doc FROM users WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY name",
                &[ws.into()],
            )?
            .iter()
            .map(|r| r.json(0))
            .collect()
    }

    /// Sets (or clears) a user's password hash (a PHC string).
    pub fn set_password_hash(
        &mut self,
        ws: &Id,
        user: &Id,
        hash: Option<&str>,
    ) -> Result<(), StoreError> {
        self.c.execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2 AND workspace_id = $3",
            &[hash.into(), user.into(), ws.into()],
        )?;
        Ok(())
    }

    /// A live user and their password hash, by workspace and login name.
    pub fn user_with_password(
        &mut self,
        ws: &Id,
        name: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let Some(row) = self.c.query_one(
            "SELECT doc, password_hash FROM users WHERE workspace_id = $1 AND name = $2 AND deleted_at IS NULL",
            &[ws.into(), name.into()],
        )?
        else {
            return Ok(None);
        };
        Ok(Some((row.json(0)?, row.opt_text(1)?)))
    }

    /// Stores a new API token by its hash.
    pub fn insert_token(
        &mut self,
        ws: &Id,
        info: &TokenInfo,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        self.c.execute(
            "INSERT INTO api_tokens (id, workspace_id, user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                (&info.id).into(),
                ws.into(),
                (&info.user_id).into(),
                token_hash.into(),
                info.label.as_deref().into(),
                info.created_at.into(),
            ],
        )?;
        Ok(())
    }

    /// The user an unrevoked token belongs to.
    pub fn token_principal(&mut self, token_hash: &str) -> Result<Option<Principal>, StoreError> {
        self.principal_where(
            concat!(
                "SELECT ",
                principal_columns!(),
                " FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE ",
                live_token!()
            ),
            token_hash,
        )
    }

    /// The user an unrevoked token belongs to and, in the same statement, the stored
    /// document of record `id` of their workspace, live or trashed, if they may see it
    /// (`None` when there is no such record or it is hidden from them): what
    /// [`Tx::token_principal`] and then [`Tx::find_doc`] with [`Tx::visible`] answer, in
    /// one round trip.
    pub fn token_principal_and_doc<E: Entity>(
        &mut self,
        token_hash: &str,
        id: &Id,
    ) -> Result<Option<(Principal, Option<StoredDoc>)>, StoreError> {
        let visible = E::SCOPE
            .visible_to("u.id")
            .map(|c| format!(" AND {c}"))
            .unwrap_or_default();
        let sql = format!(
            concat!(
                "SELECT ",
                principal_columns!(),
                ", t.doc, t.version FROM api_tokens k JOIN users u ON u.id = k.user_id
                 LEFT JOIN {table} t ON t.id = $2 AND t.workspace_id = u.workspace_id{visible}
                 WHERE ",
                live_token!()
            ),
            table = E::TABLE,
            visible = visible,
        );
        let Some(mut row) = self.c.query_one(&sql, &[token_hash.into(), id.into()])? else {
            return Ok(None);
        };
        let doc = StoredDoc::take(&mut row, 4, E::KIND, id)?;
        Ok(Some((principal(&row)?, doc)))
    }

    /// The tokens of a user, newest first.
    pub fn tokens_of(&mut self, ws: &Id, user: &Id) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = self.c.query(
            "SELECT id, user_id, label, created_at, last_used_at FROM api_tokens
             WHERE workspace_id = $1 AND user_id = $2 AND revoked_at IS NULL ORDER BY id DESC",
            &[ws.into(), user.into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.id(0)?,
                    user_id: r.id(1)?,
                    label: r.opt_text(2)?,
                    created_at: r.timestamp(3)?,
                    last_used_at: r.opt_i64(4)?.map(crate::value::from_micros).transpose()?,
                })
            })
            .collect()
    }

    /// Revokes a token of the workspace; false when there was none to revoke.
    pub fn revoke_token(&mut self, ws: &Id, id: &Id, now: Timestamp) -> Result<bool, StoreError> {
        Ok(self.c.execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 AND revoked_at IS NULL",
            &[now.into(), id.into(), ws.into()],
        )? > 0)
    }

    /// Replaces a user's calendar-feed token hash (rotation invalidates the old one).
    pub fn set_feed_token_hash(
        &mut self,
        ws: &Id,
        user: &Id,
        hash: &str,
    ) -> Result<(), StoreError> {
        self.c.execute(
            "UPDATE users SET feed_token_hash = $1 WHERE id = $2 AND workspace_id = $3",
            &[hash.into(), user.into(), ws.into()],
        )?;
        Ok(())
    }

    /// The user a calendar-feed token belongs to.
    pub fn feed_principal(&mut self, hash: &str) -> Result<Option<Principal>, StoreError> {
        self.principal_where(
            concat!(
                "SELECT ",
                principal_columns!(),
                " FROM users u WHERE u.feed_token_hash = $1 AND u.deleted_at IS NULL"
            ),
            hash,
        )
    }

    /// Whether the user has a feed token at all.
    pub fn has_feed_token(&mut self, ws: &Id, user: &Id) -> Result<bool, StoreError> {
        Ok(self
            .c
            .query_one(
                "SELECT 1 FROM users WHERE id = $1 AND workspace_id = $2 AND feed_token_hash IS NOT NULL",
                &[user.into(), ws.into()],
            )?
            .is_some())
    }

    pub fn insert_session(
        &mut self,
        id_hash: &str,
        ws: &Id,
        user: &Id,
        csrf_token: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.c.execute(
            "INSERT INTO sessions (id_hash, workspace_id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                id_hash.into(),
                ws.into(),
                user.into(),
                csrf_token.into(),
                now.into(),
                expires_at.into(),
            ],
        )?;
        Ok(())
    }

    /// A session that has not expired, with its user.
    pub fn session(
        &mut self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRow>, StoreError> {
        let Some(row) = self.c.query_one(
            concat!(
                "SELECT ",
                principal_columns!(),
                ", s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL"
            ),
            &[id_hash.into(), now.into()],
        )?
        else {
            return Ok(None);
        };
        Ok(Some(SessionRow {
            principal: principal(&row)?,
            csrf_token: row.text(4)?,
            expires_at: row.timestamp(5)?,
        }))
    }

    pub fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.c
            .execute("DELETE FROM sessions WHERE id_hash = $1", &[id_hash.into()])?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub fn purge_sessions(&mut self, now: Timestamp) -> Result<u64, StoreError> {
        self.c
            .execute("DELETE FROM sessions WHERE expires_at <= $1", &[now.into()])
    }

    /// Counts one failed login for `key` in the window starting at `window_start`.
    pub fn add_login_failure(&mut self, key: &str, window_start: i64) -> Result<(), StoreError> {
        self.c.execute(
            "INSERT INTO login_attempts (attempt_key, window_start, failures) VALUES ($1, $2, 1)
             ON CONFLICT (attempt_key, window_start) DO UPDATE SET failures = login_attempts.failures + 1",
            &[key.into(), window_start.into()],
        )?;
        Ok(())
    }

    /// Failed logins for `key` in windows starting at or after `since`.
    pub fn login_failures(&mut self, key: &str, since: i64) -> Result<i64, StoreError> {
        match self.c.query_one(
            "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM login_attempts WHERE attempt_key = $1 AND window_start >= $2",
            &[key.into(), since.into()],
        )? {
            Some(r) => r.i64(0),
            None => Ok(0),
        }
    }

    /// Forgets the failures of `key` (after a successful login) and windows older than `before`.
    pub fn clear_login_failures(&mut self, key: &str, before: i64) -> Result<(), StoreError> {
        self.c.execute(
            "DELETE FROM login_attempts WHERE attempt_key = $1 OR window_start < $2",
            &[key.into(), before.into()],
        )?;
        Ok(())
    }
}
