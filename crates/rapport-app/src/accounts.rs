//! Accounts: users with roles, API tokens, web sessions, login rate limiting and
//! calendar-feed tokens. Passwords are hashed with argon2id; tokens, session ids and
//! feed tokens are random 256-bit values stored only as SHA-256 hashes. Nothing here
//! keeps state in the process: every instance of a server sees the same accounts.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jiff::{SignedDuration, Timestamp};
use rapport_core::*;
use rapport_store::{Principal, TokenInfo};
use sha2::{Digest, Sha256};

use crate::{Actor, App, AppError, Ctx, Result};

/// How long a web session lasts.
pub const SESSION_DAYS: i64 = 14;
/// Login rate limits: failures allowed per account and per client address in a window.
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failures are counted in buckets of this many seconds.
const BUCKET_SECS: i64 = 60;

/// A secret shown once to its owner; only its hash is stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// A logged-in web session: the cookie value (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// A session looked up from its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub ctx: Ctx,
    pub csrf_token: String,
}

/// 32 random bytes as lowercase hex: tokens, session ids, CSRF tokens.
pub fn random_secret() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| AppError::Conflict(format!("no randomness available: {e}")))?;
    Ok(hex(&b))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The answer to a bearer token that belongs to nobody.
pub(crate) fn invalid_token() -> AppError {
    AppError::Unauthorized("invalid or revoked token".into())
}

/// The stored form of a high-entropy secret (token, session id, feed token).
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with argon2id (a PHC string with its own salt).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| AppError::Conflict(format!("no randomness available: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::Conflict(format!("cannot encode a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Conflict(format!("cannot hash the password: {e}")))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that a login for an
/// unknown name takes as long as one for a known name.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

fn check_password_rules(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n == 0 || n > 1024 {
        return Err(DomainError::invalid("password", "must be 1 to 1024 characters").into());
    }
    Ok(())
}

/// The login name rules: 1–64 characters of letters, digits, `.`, `_`, `-` and `@`.
pub fn parse_login(name: &str) -> Result<String, DomainError> {
    let n = name.trim();
    if n.is_empty()
        || n.chars().count() > 64
        || !n
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(DomainError::invalid(
            "name",
            format!("`{name}` is not a login name (1–64 letters, digits, . _ - @)"),
        ));
    }
    Ok(n.to_string())
}

impl App {
    pub(crate) fn check_admin(&self, ctx: &Ctx) -> Result<()> {
        if ctx.actor.role.can_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{} is not an admin of this workspace",
                ctx.actor.name
            )))
        }
    }

    /// The context of a user acting in their workspace.
    pub fn ctx_of(p: &Principal) -> Ctx {
        Ctx {
            ws: p.workspace_id.clone(),
            actor: Actor {
                user_id: Some(p.user_id.clone()),
                name: p.name.clone(),
                role: p.role,
            },
        }
    }

    /// Creates a user (admins only), with a password when one is given.
    pub fn add_user(
        &self,
        ctx: &Ctx,
        name: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<User> {
        self.check_admin(ctx)?;
        if role == Role::Owner && ctx.actor.role != Role::Owner {
            return Err(AppError::Forbidden(
                "only an owner can make an owner".into(),
            ));
        }
        let name = parse_login(name)?;
        let hash = match password {
            Some(p) => {
                check_password_rules(p)?;
                Some(hash_password(p)?)
            }
            None => None,
        };
        let user = User {
            meta: self.new_meta(),
            name: name.clone(),
            role,
            time_zone: None,
        };
        self.store.write(|tx| {
            if tx.user_by_name(&ctx.ws, &name)?.is_some() {
                return Err(rapport_store::StoreError::Duplicate(format!(
                    "user `{name}` already exists"
                )));
            }
            self.insert_audited(tx, ctx, &user)?;
            tx.set_password_hash(&ctx.ws, &user.meta.id, hash.as_deref())
        })?;
        Ok(user)
    }

    /// A user of the actor's workspace by id.
    pub fn get_user(&self, ctx: &Ctx, id: &Id) -> Result<User> {
        Ok(self.store.read(|tx| tx.get::<User>(&ctx.ws, id))?)
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<()> {
        Ok(self.store.read(|tx| tx.ping())?)
    }

    pub fn users(&self, ctx: &Ctx) -> Result<Vec<User>> {
        Ok(self.store.read(|tx| tx.users(&ctx.ws))?)
    }

    /// Sets a user's password: their own, or anyone's for an admin.
    pub fn set_password(&self, ctx: &Ctx, user: &str, password: &str) -> Result<()> {
        check_password_rules(password)?;
        let u = self.user_named(ctx, user)?;
        if ctx.actor.user_id.as_ref() != Some(&u.meta.id) {
            self.check_admin(ctx)?;
        }
        let hash = hash_password(password)?;
        Ok(self
            .store
            .write(|tx| tx.set_password_hash(&ctx.ws, &u.meta.id, Some(&hash)))?)
    }

    /// A user of the workspace by login name.
    pub fn user_named(&self, ctx: &Ctx, name: &str) -> Result<User> {
        self.store
            .read(|tx| tx.user_by_name(&ctx.ws, name))?
            .ok_or_else(|| AppError::NotFound(format!("no user named `{name}` in this workspace")))
    }

    /// Creates an API token for `user` (default: the actor). Only admins create tokens
    /// for others. The token is returned once; only its hash is kept.
    pub fn create_token(
        &self,
        ctx: &Ctx,
        user: Option<&str>,
        label: Option<&str>,
    ) -> Result<NewToken> {
        let u = match user {
            Some(name) => self.user_named(ctx, name)?,
            None => match &ctx.actor.user_id {
                Some(id) => self.store.read(|tx| tx.get::<User>(&ctx.ws, id))?,
                None => {
                    return Err(DomainError::invalid(
                        "user",
                        "name the user the token is for (--user NAME)",
                    )
                    .into());
                }
            },
        };
        if ctx.actor.user_id.as_ref() != Some(&u.meta.id) {
            self.check_admin(ctx)?;
        }
        let label = label
            .map(|l| optional_text("label", l, SHORT_TEXT))
            .transpose()?
            .flatten();
        let token = format!("rpt_{}", random_secret()?);
        let now = self.now();
        let info = TokenInfo {
            id: self.new_id(now),
            user_id: u.meta.id.clone(),
            label,
            created_at: now,
            last_used_at: None,
        };
        let hash = secret_hash(&token);
        self.store
            .write(|tx| tx.insert_token(&ctx.ws, &info, &hash))?;
        Ok(NewToken { token, info })
    }

    /// The tokens of a user (their own, or anyone's for an admin).
    pub fn tokens(&self, ctx: &Ctx, user: &str) -> Result<Vec<TokenInfo>> {
        let u = self.user_named(ctx, user)?;
        if ctx.actor.user_id.as_ref() != Some(&u.meta.id) {
            self.check_admin(ctx)?;
        }
        Ok(self.store.read(|tx| tx.tokens_of(&ctx.ws, &u.meta.id))?)
    }

    pub fn revoke_token(&self, ctx: &Ctx, id: &Id) -> Result<()> {
        let now = self.now();
        let own = match &ctx.actor.user_id {
            Some(me) => self
                .store
                .read(|tx| tx.tokens_of(&ctx.ws, me))?
                .iter()
                .any(|t| &t.id == id),
            None => false,
        };
        if !own {
            self.check_admin(ctx)?;
        }
        if self.store.write(|tx| tx.revoke_token(&ctx.ws, id, now))? {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("no live token {id}")))
        }
    }

    /// Who a bearer token belongs to; `Unauthorized` when nobody.
    pub fn authenticate_token(&self, token: &str) -> Result<Ctx> {
        let hash = secret_hash(token.trim());
        match self.store.read_one(|tx| tx.token_principal(&hash))? {
            Some(p) => Ok(App::ctx_of(&p)),
            None => Err(invalid_token()),
        }
    }

    /// Checks a login and opens a session. Failures are counted per account and per
    /// client address in the store; past the limit, logins are refused without
    /// checking the password until the window has passed.
    pub fn login(
        &self,
        workspace: &str,
        name: &str,
        password: &str,
        client: &str,
    ) -> Result<NewSession> {
        let now = self.now();
        let secs = now.as_second();
        let bucket = secs - secs.rem_euclid(BUCKET_SECS);
        let since = secs - LOGIN_WINDOW_SECS;
        let account_key = format!("account:{workspace}:{}", name.trim().to_lowercase());
        let address_key = format!("address:{client}");
        let (account_failures, address_failures) = self.store.read(|tx| {
            Ok((
                tx.login_failures(&account_key, since)?,
                tx.login_failures(&address_key, since)?,
            ))
        })?;
        if account_failures >= MAX_FAILURES_PER_ACCOUNT
            || address_failures >= MAX_FAILURES_PER_ADDRESS
        {
            return Err(AppError::RateLimited(
                "too many failed logins; try again in a few minutes".into(),
            ));
        }
        let ws = self.store.read(|tx| tx.workspace_by_name(workspace))?;
        let found = match &ws {
            Some(w) => self
                .store
                .read(|tx| tx.user_with_password(&w.meta.id, name.trim()))?,
            None => None,
        };
        let ok = match &found {
            Some((_, Some(hash))) => verify_password(password, hash),
            _ => {
                verify_password(password, decoy_hash());
                false
            }
        };
        let (Some(w), Some((user, _)), true) = (ws, found, ok) else {
            self.store.write(|tx| {
                tx.add_login_failure(&account_key, bucket)?;
                tx.add_login_failure(&address_key, bucket)
            })?;
            return Err(AppError::Unauthorized("wrong user name or password".into()));
        };
        let cookie = random_secret()?;
        let csrf_token = random_secret()?;
        let expires_at = now
            .checked_add(SignedDuration::from_hours(24 * SESSION_DAYS))
            .unwrap_or(now);
        let id_hash = secret_hash(&cookie);
        self.store.write(|tx| {
            tx.clear_login_failures(&account_key, since)?;
            tx.purge_sessions(now)?;
            tx.insert_session(
                &id_hash,
                &w.meta.id,
                &user.meta.id,
                &csrf_token,
                now,
                expires_at,
            )
        })?;
        Ok(NewSession {
            cookie,
            csrf_token,
            expires_at,
        })
    }

    /// The session a cookie opens, if it is live.
    pub fn session(&self, cookie: &str) -> Result<Option<Session>> {
        let now = self.now();
        let hash = secret_hash(cookie);
        Ok(self
            .store
            .read_one(|tx| tx.session(&hash, now))?
            .map(|s| Session {
                ctx: App::ctx_of(&s.principal),
                csrf_token: s.csrf_token,
            }))
    }

    pub fn logout(&self, cookie: &str) -> Result<()> {
        let hash = secret_hash(cookie);
        Ok(self.store.write(|tx| tx.delete_session(&hash))?)
    }

    /// A new calendar-feed token for `user` (the old one stops working). Returned once.
    pub fn rotate_feed_token(&self, ctx: &Ctx, user: &str) -> Result<String> {
        let u = self.user_named(ctx, user)?;
        if ctx.actor.user_id.as_ref() != Some(&u.meta.id) {
            self.check_admin(ctx)?;
        }
        let token = format!("rpf_{}", random_secret()?);
        let hash = secret_hash(&token);
        self.store
            .write(|tx| tx.set_feed_token_hash(&ctx.ws, &u.meta.id, &hash))?;
        Ok(token)
    }

    /// The user's feed token: a new one when they have none or `rotate` is asked.
    /// Only its hash is kept, so an existing token cannot be shown again.
    pub fn feed_token(&self, ctx: &Ctx, user: &str, rotate: bool) -> Result<String> {
        let u = self.user_named(ctx, user)?;
        let exists = self
            .store
            .read(|tx| tx.has_feed_token(&ctx.ws, &u.meta.id))?;
        if exists && !rotate {
            return Err(AppError::Conflict(format!(
                "{user} already has a calendar link, shown when it was made; --rotate replaces it"
            )));
        }
        self.rotate_feed_token(ctx, user)
    }

    /// Every workspace.
    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        Ok(self.store.read(|tx| tx.workspaces())?)
    }

    /// For `serve --demo`: demo data in an empty workspace and the user `demo` (password
    /// `demo`). Returns what was loaded, if anything.
    pub fn start_demo(&self, ctx: &Ctx) -> Result<Option<crate::DemoSummary>> {
        let empty = self
            .store
            .read(|tx| {
                tx.list::<Person>(
                    &ctx.ws,
                    &rapport_store::ListQuery {
                        limit: 1,
                        ..Default::default()
                    },
                )
            })?
            .items
            .is_empty();
        let summary = if empty {
            Some(self.load_demo(ctx, 200, 42)?)
        } else {
            None
        };
        if self
            .store
            .read(|tx| tx.user_by_name(&ctx.ws, "demo"))?
            .is_none()
        {
            self.add_user(ctx, "demo", Role::Owner, Some("demo"))?;
        }
        Ok(summary)
    }

    /// Who a calendar-feed token belongs to.
    pub fn feed_ctx(&self, token: &str) -> Result<Option<Ctx>> {
        let hash = secret_hash(token.trim());
        Ok(self
            .store
            .read(|tx| tx.feed_principal(&hash))?
            .map(|p| App::ctx_of(&p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horse ", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret().unwrap();
        let b = random_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
        assert_eq!(secret_hash(&a), secret_hash(&a));
    }

    #[test]
    fn login_names() {
        assert!(parse_login("ada.l@x").is_ok());
        assert!(parse_login("").is_err());
        assert!(parse_login("a b").is_err());
        assert!(parse_login(&"x".repeat(65)).is_err());
    }
}
