//! Who is calling: a bearer token, or the web session cookie (whose unsafe requests must
//! carry the session's CSRF token in `X-CSRF-Token`).
//!
//! The extractor only reads the credential from the headers; it is checked against the
//! store by [`crate::as_caller`], on the same blocking thread that then runs the use case,
//! so an authenticated request leaves the async worker once, not twice (and not at all
//! for a short read that [`crate::as_caller_short`] can answer on the worker).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use rapport_app::{App, Ctx};

use super::problem::Problem;
use crate::AppState;

/// The name of the web session cookie.
pub const SESSION_COOKIE: &str = "rapport_session";
/// The header that carries the CSRF token for cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The credential a request presents, not yet checked.
pub struct Auth(Credential);

enum Credential {
    Token(String),
    Session {
        cookie: String,
        /// The CSRF token sent with an unsafe request; `None` for a safe method, which
        /// needs none.
        csrf: Option<Option<String>>,
    },
}

/// The value of cookie `name` in a request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn required() -> Problem {
    Problem::unauthorized("authentication required: `Authorization: Bearer TOKEN`")
}

impl Auth {
    /// The bearer token presented, if that is the credential (not yet checked).
    pub(crate) fn token(&self) -> Option<&str> {
        match &self.0 {
            Credential::Token(token) => Some(token),
            Credential::Session { .. } => None,
        }
    }

    /// Checks the credential against the store: the caller's context, or the 401 (403 for
    /// a session write without its CSRF token). Blocking: call it on a blocking thread.
    pub(crate) fn check(&self, app: &App) -> Result<Ctx, Problem> {
        match &self.0 {
            Credential::Token(token) => Ok(app.authenticate_token(token)?),
            Credential::Session { cookie, csrf } => {
                let Some(s) = app.session(cookie)? else {
                    return Err(required());
                };
                if let Some(sent) = csrf
                    && sent.as_deref() != Some(s.csrf_token.as_str())
                {
                    return Err(Problem::new(
                        axum::http::StatusCode::FORBIDDEN,
                        "a request authenticated by the session cookie needs its CSRF token in X-CSRF-Token",
                    ));
                }
                Ok(s.ctx)
            }
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Auth, Problem> {
        if let Some(h) = parts.headers.get(AUTHORIZATION) {
            let token = h
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty() && t.len() <= 200)
                .ok_or_else(|| Problem::unauthorized("use `Authorization: Bearer TOKEN`"))?;
            return Ok(Auth(Credential::Token(token)));
        }
        if let Some(c) = cookie(parts, SESSION_COOKIE) {
            let csrf = (!is_safe(&parts.method)).then(|| {
                parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            });
            return Ok(Auth(Credential::Session {
                cookie: c.to_string(),
                csrf,
            }));
        }
        Err(required())
    }
}
