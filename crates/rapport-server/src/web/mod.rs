//! The web UI: server-rendered pages (askama templates, escaped by default), plain forms
//! that work without JavaScript, and a small script that enhances them (search as you
//! type, confirmation of destructive actions). Every form carries the session's CSRF
//! token; every id from a form is looked up in the caller's workspace before use.

mod assets;
mod insights;
pub mod kept;
mod pages;
pub mod svg;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rapport_app::{AppError, Ctx};

use crate::api::auth::{SESSION_COOKIE, cookie};
use crate::{AppState, blocking_short};

/// A logged-in person using the web UI.
pub struct WebUser {
    pub ctx: Ctx,
    pub csrf: String,
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<WebUser, Response> {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let to_login =
            || Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response();
        let Some(c) = cookie(parts, SESSION_COOKIE).map(str::to_string) else {
            return Err(to_login());
        };
        match blocking_short(state, move |app| app.session(&c)).await {
            Ok(Some(s)) => Ok(WebUser {
                ctx: s.ctx,
                csrf: s.csrf_token,
            }),
            Ok(None) => Err(to_login()),
            Err(p) => Err(p.into_response()),
        }
    }
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What a page handler fails with: an HTML error page.
pub struct WebError {
    status: StatusCode,
    message: String,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> WebError {
        WebError {
            status,
            message: message.into(),
        }
    }
    pub fn forbidden_csrf() -> WebError {
        WebError::new(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from Rapport (missing or wrong CSRF token). Go back, reload the page and try again.",
        )
    }
}

impl From<crate::api::problem::Problem> for WebError {
    fn from(p: crate::api::problem::Problem) -> WebError {
        WebError::new(p.status(), p.detail)
    }
}

impl From<rapport_core::DomainError> for WebError {
    fn from(e: rapport_core::DomainError) -> WebError {
        WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        crate::api::problem::Problem::from(e).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = pages::ErrorPage {
            status: self.status.as_u16(),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            message: self.message,
        };
        let mut r = render(&page);
        *r.status_mut() = self.status;
        r
    }
}

/// Renders a template to an HTML response.
pub fn render<T: askama::Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = Html(html).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// The web UI's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/", get(pages::dashboard))
        .route("/people", get(pages::people))
        .route("/people/{id}", get(pages::person))
        .route("/people/{id}/edit", post(pages::edit_person))
        .route("/organizations", get(pages::organizations))
        .route("/organizations/{id}", get(pages::organization))
        .route("/relationships/{id}/edit", post(pages::edit_relationship))
        .route("/log", post(pages::log_interaction))
        .route("/commitments/{id}/kept", post(pages::commitment_kept))
        .route("/pipeline", get(pages::pipeline))
        .route("/deals/{id}/stage", post(pages::move_deal))
        .route("/settings", get(pages::settings))
        .route("/settings/users", post(pages::add_user))
        .route("/settings/tokens", post(pages::add_token))
        .route("/settings/feed", post(pages::rotate_feed))
        .route("/network", get(insights::network))
        .route(
            "/stakeholders",
            get(insights::stakeholders).post(insights::set_stake),
        )
        .route(
            "/import",
            get(insights::import_form).post(insights::import).layer(
                axum::extract::DefaultBodyLimit::max(insights::MAX_WEB_IMPORT),
            ),
        )
        .route("/static/{name}", get(assets::serve))
}
