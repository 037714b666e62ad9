//! Who is calling: a bearer token, or the web session cookie (whose unsafe requests must
//! carry the session's CSRF token in `X-CSRF-Token`).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use rapport_app::Ctx;

use super::problem::Problem;
use crate::{AppState, blocking};

/// The name of the web session cookie.
pub const SESSION_COOKIE: &str = "rapport_session";
/// The header that carries the CSRF token for cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated caller, acting in their workspace.
pub struct Auth(pub Ctx);

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

impl FromRequestParts<AppState> for Auth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, Problem> {
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
            let ctx = blocking(state, move |app| app.authenticate_token(&token)).await?;
            return Ok(Auth(ctx));
        }
        if let Some(c) = cookie(parts, SESSION_COOKIE) {
            let c = c.to_string();
            let session = blocking(state, move |app| app.session(&c)).await?;
            if let Some(s) = session {
                if !is_safe(&parts.method) {
                    let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                    if sent != Some(s.csrf_token.as_str()) {
                        return Err(Problem::new(
                            axum::http::StatusCode::FORBIDDEN,
                            "a request authenticated by the session cookie needs its CSRF token in X-CSRF-Token",
                        ));
                    }
                }
                return Ok(Auth(s.ctx));
            }
        }
        Err(Problem::unauthorized(
            "authentication required: `Authorization: Bearer TOKEN`",
        ))
    }
}
