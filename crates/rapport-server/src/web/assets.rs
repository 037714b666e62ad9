//! The stylesheet and script, embedded in the binary and served under names that carry
//! a hash of their content, so browsers may cache them for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_core::hash::fnv1a;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

// The cache-busting part of an asset's name, computed at compile time.
const CSS_HASH: u64 = fnv1a(CSS.as_bytes());
const JS_HASH: u64 = fnv1a(JS.as_bytes());

pub fn css_url() -> String {
    format!("/static/app-{:016x}.css", CSS_HASH)
}

pub fn js_url() -> String {
    format!("/static/app-{:016x}.js", JS_HASH)
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, kind) = if name == format!("app-{:016x}.css", CSS_HASH) {
        (CSS, "text/css; charset=utf-8")
    } else if name == format!("app-{:016x}.js", JS_HASH) {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    r
}
