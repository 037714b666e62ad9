//! The JSON API under `/api/v1`: every resource of the record through one set of generic
//! handlers, plus agenda, health, search, audit and accounts.

pub mod auth;
mod insights;
pub mod problem;

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use rapport_app::resources::Resource;
use rapport_core::*;
use rapport_store::{ListQuery, Value as DbValue};
use serde::Serialize;
use serde_json::{Value, json};

use crate::openapi::{Op, Param, Routes};
use crate::{AppState, as_caller, as_caller_short, blocking, blocking_short};
use auth::Auth;
use problem::Problem;

/// The largest request body the API reads.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON response with status and headers.
pub fn json_response<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => json_body_response(status, body),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a response");
            Problem::internal().into_response()
        }
    }
}

/// A response of JSON already serialized.
fn json_body_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn record_response<E: Resource>(status: StatusCode, rec: &E) -> Response {
    with_etag(json_response(status, rec), rec.meta().version)
}

/// `r` with a record's version as its ETag.
fn with_etag(mut r: Response, version: i64) -> Response {
    r.headers_mut().insert(header::ETAG, etag(version));
    r
}

/// The version an `If-Match` header names: `None` without the header or with `*`.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    s.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(Some)
        .map_err(|_| {
            Problem::new(
                StatusCode::PRECONDITION_FAILED,
                format!("If-Match `{s}` does not match the record's ETag"),
            )
        })
}

fn parse_id(s: &str) -> Result<Id, Problem> {
    Id::parse(s).map_err(|_| Problem::not_found())
}

/// Reads a JSON request body: the right media type, within the size limit, well formed.
fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Value, Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if !(media == "application/json"
        || media == "application/merge-patch+json"
        || media.ends_with("+json"))
    {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as application/json",
        ));
    }
    let bytes = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                status,
                format!("the body is larger than {} bytes", MAX_BODY),
            )
        } else {
            Problem::new(StatusCode::BAD_REQUEST, e.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Problem::field(
            StatusCode::BAD_REQUEST,
            "",
            format!(
                "malformed JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// A JSON body parsed into a typed request (for bodies that are not records).
fn typed_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Problem> {
    serde_json::from_value(json_body(headers, body)?)
        .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "", e.to_string()))
}

/// Query parameters as given; each endpoint parses what it knows.
pub(crate) type Params = HashMap<String, String>;

fn query(
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Params, Problem> {
    q.map(|Query(p)| p)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.body_text()))
}

/// The `limit` parameter: a whole number in `1..=max`, `default` when absent.
pub(crate) fn limit_param(p: &Params, max: usize, default: usize) -> Result<usize, Problem> {
    match p.get("limit") {
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "limit",
                    format!("must be 1 to {max}"),
                )
            }),
        None => Ok(default),
    }
}

fn list_query<E: Resource>(p: &Params) -> Result<ListQuery, Problem> {
    let mut q = ListQuery {
        limit: 50,
        ..ListQuery::default()
    };
    for (k, v) in p {
        match k.as_str() {
            "limit" => q.limit = limit_param(p, 500, 50)?,
            "cursor" => {
                rapport_store::decode_cursor(v).map_err(|_| {
                    Problem::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "cursor",
                        "is not a cursor from this API",
                    )
                })?;
                q.cursor = Some(v.clone());
            }
            "tag" => q.tag = Some(v.clone()),
            "updated_since" => {
                q.updated_since = Some(v.parse::<jiff::Timestamp>().map_err(|_| {
                    Problem::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "updated_since",
                        "must be an RFC 3339 timestamp like 2026-01-31T09:00:00Z",
                    )
                })?);
            }
            "trashed" => q.trashed = matches!(v.as_str(), "true" | "1" | "yes"),
            "kind" | "owner" => {
                let col = if k == "kind" { "kind" } else { "owner_id" };
                if !E::COLUMNS.contains(&col) {
                    return Err(Problem::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        k,
                        format!("{} cannot be filtered by {k}", E::PATH),
                    ));
                }
                let value = if col == "owner_id" {
                    Id::parse(v)
                        .map_err(|_| {
                            Problem::field(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                "owner",
                                "must be a user id",
                            )
                        })?
                        .to_string()
                } else {
                    v.to_ascii_lowercase()
                };
                q.filters.push((col, DbValue::from(value)));
            }
            "q" => {}
            other => {
                return Err(Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    other,
                    "is not a parameter of this list",
                ));
            }
        }
    }
    Ok(q)
}

async fn list<E: Resource + Send + 'static>(
    State(s): State<AppState>,
    caller: Auth,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let page = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let mut lq = list_query::<E>(&p)?;
        if let Some(text) = p.get("q") {
            let hits = app.search(&ctx, text, 200)?;
            lq.ids = Some(
                hits.into_iter()
                    .filter(|h| h.kind == E::KIND)
                    .map(|h| h.id)
                    .collect(),
            );
        }
        Ok(app.list_records::<E>(&ctx, lq)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &page))
}

async fn create<E: Resource + Send + 'static>(
    State(s): State<AppState>,
    caller: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let rec: E = as_caller(&s, caller, move |app, ctx| {
        let body = json_body(&headers, body)?;
        Ok(app.create_record::<E>(&ctx, body)?)
    })
    .await?;
    let mut r = record_response(StatusCode::CREATED, &rec);
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/{}/{}", E::PATH, rec.meta().id)) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(r)
}

async fn read<E: Resource + Send + 'static>(
    State(s): State<AppState>,
    caller: Auth,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    // The record's JSON as stored, sent without parsing it where it is the same text. With
    // a bearer token and a well-formed id, the token is checked and the record read in one
    // statement; otherwise the credential first, then the id (a bad one is a 401 before
    // it is a 400).
    let rec = match (caller.token(), parse_id(&id)) {
        (Some(token), Ok(id)) => {
            let token = token.to_string();
            // On PostgreSQL the statement is awaited here, on the async worker.
            match s
                .app
                .get_record_json_with_token_async::<E>(&token, &id)
                .await
            {
                Some(r) => r?,
                None => {
                    blocking_short(&s, move |app| {
                        app.get_record_json_with_token::<E>(&token, &id)
                    })
                    .await?
                }
            }
        }
        _ => {
            as_caller_short(&s, caller, move |app, ctx| {
                Ok(app.get_record_json::<E>(&ctx, &parse_id(&id)?)?)
            })
            .await?
        }
    };
    Ok(with_etag(
        json_body_response(StatusCode::OK, rec.doc),
        rec.version,
    ))
}

async fn update<E: Resource + Send + 'static>(
    State(s): State<AppState>,
    caller: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let rec: E = as_caller(&s, caller, move |app, ctx| {
        let id = parse_id(&id)?;
        let expected = if_match(&headers)?;
        let patch = json_body(&headers, body)?;
        Ok(app.patch_record::<E>(&ctx, &id, patch, expected)?)
    })
    .await?;
    Ok(record_response(StatusCode::OK, &rec))
}

async fn trash<E: Resource + Send + 'static>(
    State(s): State<AppState>,
    caller: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    set_trashed::<E>(s, caller, id, headers, true).await
}

async fn restore<E: Resource + Send + 'static>(
    State(s): State<AppState>,
    caller: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    set_trashed::<E>(s, caller, id, headers, false).await
}

async fn set_trashed<E: Resource + Send + 'static>(
    s: AppState,
    caller: Auth,
    id: String,
    headers: HeaderMap,
    trashed: bool,
) -> Result<Response, Problem> {
    let rec: E = as_caller(&s, caller, move |app, ctx| {
        let id = parse_id(&id)?;
        let expected = if_match(&headers)?;
        Ok(app.trash_record::<E>(&ctx, &id, trashed, expected)?)
    })
    .await?;
    Ok(record_response(StatusCode::OK, &rec))
}

pub(super) fn page_schema(item: &Value) -> Value {
    json!({
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": item},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page"},
        },
    })
}

fn list_params(mut op: Op) -> Op {
    for p in [
        Param::query(
            "limit",
            "Page size, 1–500 (default 50)",
            json!({"type": "integer", "minimum": 1, "maximum": 500}),
        ),
        Param::query(
            "cursor",
            "The `next_cursor` of the previous page",
            json!({"type": "string"}),
        ),
        Param::query(
            "tag",
            "Only records with this tag",
            json!({"type": "string"}),
        ),
        Param::query(
            "kind",
            "Only records of this kind (where the resource has one)",
            json!({"type": "string"}),
        ),
        Param::query(
            "owner",
            "Only records owned by this user id (relationships)",
            json!({"type": "string"}),
        ),
        Param::query(
            "updated_since",
            "Only records updated at or after this RFC 3339 time",
            json!({"type": "string", "format": "date-time"}),
        ),
        Param::query(
            "q",
            "Only records matching this search",
            json!({"type": "string"}),
        ),
        Param::query(
            "trashed",
            "List the trash instead",
            json!({"type": "boolean"}),
        ),
    ] {
        op = op.param(p);
    }
    op
}

/// Registers the six operations of one resource.
fn resource<E: Resource + Send + 'static>(r: &mut Routes) {
    let base = format!("/api/v1/{}", E::PATH);
    let item = format!("{base}/{{id}}");
    let schema = r.schema::<E>();
    let tag = E::PATH;
    let id = Param::path("id", "The record's id");
    r.add(
        list_params(Op::new("GET", &base, format!("List {}", E::PATH)))
            .tag(tag)
            .ok(200, "A page of records", Some(page_schema(&schema)))
            .errors(&[400, 422]),
        get(list::<E>),
    );
    r.add(
        Op::new("POST", &base, format!("Create one of {}", E::PATH))
            .tag(tag)
            .body(json!({"description": "The record's fields; id, version and timestamps are set by the server", "type": "object"}))
            .ok(201, "Created", Some(schema.clone()))
            .header("ETag")
            .header("Location")
            .errors(&[400, 403, 413, 415, 422]),
        post(create::<E>),
    );
    r.add(
        Op::new("GET", &item, format!("Read one of {}", E::PATH))
            .tag(tag)
            .param(id.clone())
            .ok(200, "The record", Some(schema.clone()))
            .header("ETag")
            .errors(&[404]),
        get(read::<E>),
    );
    r.add(
        Op::new(
            "PATCH",
            &item,
            format!("Change one of {} (JSON merge patch)", E::PATH),
        )
        .tag(tag)
        .param(id.clone())
        .param(Param {
            name: "If-Match",
            location: "header",
            description: "The ETag last seen; a stale one is refused with 412",
            required: false,
            schema: json!({"type": "string"}),
        })
        .body(
            json!({"type": "object", "description": "RFC 7396 merge patch of the record's fields"}),
        )
        .ok(200, "The changed record", Some(schema.clone()))
        .header("ETag")
        .errors(&[400, 403, 404, 412, 413, 415, 422]),
        patch(update::<E>),
    );
    r.add(
        Op::new(
            "DELETE",
            &item,
            format!("Move one of {} to the trash", E::PATH),
        )
        .tag(tag)
        .param(id.clone())
        .ok(200, "The trashed record", Some(schema.clone()))
        .header("ETag")
        .errors(&[403, 404, 412]),
        delete(trash::<E>),
    );
    r.add(
        Op::new(
            "POST",
            format!("{item}/restore"),
            format!("Restore one of {} from the trash", E::PATH),
        )
        .tag(tag)
        .param(id)
        .ok(200, "The restored record", Some(schema))
        .header("ETag")
        .errors(&[403, 404, 412]),
        post(restore::<E>),
    );
}

async fn healthz(State(s): State<AppState>) -> Result<Response, Problem> {
    blocking(&s, |app| app.ping()).await?;
    Ok(json_response(StatusCode::OK, &json!({"status": "ok"})))
}

async fn agenda(
    State(s): State<AppState>,
    caller: Auth,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let agenda = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let budget = p
            .get("budget")
            .map(|b| rapport_core::agenda::parse_budget(b))
            .transpose()
            .map_err(|e| Problem::from(rapport_app::AppError::from(e)))?;
        let day = p
            .get("date")
            .map(|d| {
                d.parse::<jiff::civil::Date>().map_err(|_| {
                    Problem::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "date",
                        "must be YYYY-MM-DD",
                    )
                })
            })
            .transpose()?;
        let limit = p
            .get("limit")
            .map(|n| {
                n.parse::<usize>().map_err(|_| {
                    Problem::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "limit",
                        "must be a whole number",
                    )
                })
            })
            .transpose()?;
        Ok(match (limit, budget) {
            (Some(_), Some(_)) => {
                return Err(Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "limit",
                    "give a budget or a limit, not both",
                ));
            }
            (Some(n), None) => app.agenda_first(&ctx, day, n)?,
            (None, budget) => {
                app.agenda(&ctx, day, budget, rapport_core::agenda::LeftOut::Listed)?
            }
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, &agenda))
}

async fn health(
    State(s): State<AppState>,
    caller: Auth,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let report = as_caller(&s, caller, move |app, ctx| {
        let rel = app.get_record::<Relationship>(&ctx, &parse_id(&id)?)?;
        Ok(app.relationship_health(&ctx, &rel, None)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &report))
}

async fn search(
    State(s): State<AppState>,
    caller: Auth,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let hits = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let text = p
            .get("q")
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "q", "is required"))?;
        let limit = limit_param(&p, 200, 20)?;
        Ok(app.search(&ctx, text, limit)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &json!({"items": hits})))
}

async fn audit(
    State(s): State<AppState>,
    caller: Auth,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let page = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let limit = limit_param(&p, 500, 50)?;
        Ok(app.audit_trail(&ctx, p.get("cursor").map(String::as_str), limit)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &page))
}

async fn me(State(s): State<AppState>, caller: Auth) -> Result<Response, Problem> {
    let user = as_caller(&s, caller, move |app, ctx| match &ctx.actor.user_id {
        Some(id) => Ok(app.get_user(&ctx, id)?),
        None => Err(rapport_app::AppError::NotFound("no user".into()).into()),
    })
    .await?;
    Ok(json_response(StatusCode::OK, &user))
}

async fn users(State(s): State<AppState>, caller: Auth) -> Result<Response, Problem> {
    let users = as_caller(&s, caller, move |app, ctx| Ok(app.users(&ctx)?)).await?;
    Ok(json_response(StatusCode::OK, &json!({"items": users})))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    name: String,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    password: Option<String>,
}

async fn add_user(
    State(s): State<AppState>,
    caller: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let user = as_caller(&s, caller, move |app, ctx| {
        let b: NewUserBody = typed_body(&headers, body)?;
        Ok(app.add_user(
            &ctx,
            &b.name,
            b.role.unwrap_or(Role::Member),
            b.password.as_deref(),
        )?)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &user))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    /// The user the token is for (default: the caller; others need an admin).
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    label: Option<String>,
}

async fn add_token(
    State(s): State<AppState>,
    caller: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let t = as_caller(&s, caller, move |app, ctx| {
        let b: NewTokenBody = typed_body(&headers, body)?;
        Ok(app.create_token(&ctx, b.user.as_deref(), b.label.as_deref())?)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &t))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    /// The workspace (default: `default`).
    #[serde(default)]
    workspace: Option<String>,
    name: String,
    password: String,
}

/// The client's address, for login rate limiting: the peer's, or behind a trusted proxy
/// the last address in `X-Forwarded-For` (the one the proxy itself appended).
pub fn client_address(req: &axum::extract::Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|a| !a.is_empty())
    {
        return last.to_string();
    }
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The `Set-Cookie` value of a session (Secure when the request came over TLS).
pub fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        auth::SESSION_COOKIE,
        if secure { "; Secure" } else { "" }
    )
}

/// Whether the request reached us (or the proxy in front of us) over TLS.
pub fn is_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

async fn login(
    State(s): State<AppState>,
    req: axum::extract::Request,
) -> Result<Response, Problem> {
    let client = client_address(&req, s.options.trust_proxy);
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large"))?;
    let b: LoginBody = typed_body(&parts.headers, Ok(bytes))?;
    let ws = b.workspace.unwrap_or_else(|| "default".into());
    let session = blocking(&s, move |app| app.login(&ws, &b.name, &b.password, &client)).await?;
    let mut r = json_response(
        StatusCode::CREATED,
        &json!({"csrf_token": session.csrf_token, "expires_at": session.expires_at}),
    );
    let max_age = rapport_app::accounts::SESSION_DAYS * 86_400;
    if let Ok(v) = HeaderValue::from_str(&session_cookie(
        &session.cookie,
        max_age,
        is_tls(&parts.headers),
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

async fn logout(
    State(s): State<AppState>,
    req: axum::extract::Request,
) -> Result<Response, Problem> {
    let (parts, _) = req.into_parts();
    if let Some(c) = auth::cookie(&parts, auth::SESSION_COOKIE) {
        let c = c.to_string();
        blocking(&s, move |app| app.logout(&c)).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie("", 0, is_tls(&parts.headers))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

async fn openapi(State(s): State<AppState>) -> Response {
    json_response(StatusCode::OK, &*s.openapi)
}

/// Every API route, each registered with its documentation.
pub fn routes() -> Routes {
    let mut r = Routes::new();
    r.add(
        Op::new("GET", "/healthz", "Liveness and database check")
            .tag("meta")
            .public()
            .errors(&[]),
        get(healthz),
    );
    r.add(
        Op::new("GET", "/api/openapi.json", "This document")
            .tag("meta")
            .public(),
        get(openapi),
    );
    resource::<Person>(&mut r);
    resource::<Organization>(&mut r);
    resource::<Relationship>(&mut r);
    resource::<Interaction>(&mut r);
    resource::<Commitment>(&mut r);
    resource::<Exchange>(&mut r);
    resource::<Conflict>(&mut r);
    resource::<Feedback>(&mut r);
    resource::<Goal>(&mut r);
    resource::<Task>(&mut r);
    resource::<ImportantDate>(&mut r);
    resource::<Tie>(&mut r);
    resource::<Deal>(&mut r);
    resource::<Note>(&mut r);
    let agenda_schema = r.schema::<rapport_core::agenda::Agenda>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/agenda",
            "Today's ranked agenda, optionally fitted to a time budget",
        )
        .tag("insights")
        .param(Param::query(
            "budget",
            "Time available, like 45m or 1h30m",
            json!({"type": "string"}),
        ))
        .param(Param::query(
            "date",
            "The day (YYYY-MM-DD); default today",
            json!({"type": "string", "format": "date"}),
        ))
        .param(Param::query(
            "limit",
            "Only the first N items, with how many more are due in left_out (not with budget)",
            json!({"type": "integer", "minimum": 0}),
        ))
        .ok(200, "The agenda", Some(agenda_schema))
        .errors(&[400, 422]),
        get(agenda),
    );
    let health_schema = r.schema::<rapport_app::health::HealthReport>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/relationships/{id}/health",
            "A relationship's health with its breakdown and trend",
        )
        .tag("insights")
        .param(Param::path("id", "The relationship's id"))
        .ok(200, "The health report", Some(health_schema))
        .errors(&[404]),
        get(health),
    );
    let hit = r.schema::<rapport_app::SearchResult>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/search",
            "Search people, organizations, deals and notes (typo-tolerant)",
        )
        .tag("insights")
        .param(Param {
            required: true,
            ..Param::query("q", "The query", json!({"type": "string"}))
        })
        .param(Param::query(
            "limit",
            "At most this many, 1–200 (default 20)",
            json!({"type": "integer"}),
        ))
        .ok(
            200,
            "Hits, best first",
            Some(
                json!({"type": "object", "properties": {"items": {"type": "array", "items": hit}}}),
            ),
        )
        .errors(&[400, 422]),
        get(search),
    );
    insights::register(&mut r);
    let event = r.schema::<AuditEvent>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/audit",
            "The audit trail, oldest first (admins)",
        )
        .tag("accounts")
        .param(Param::query(
            "limit",
            "Page size, 1–500",
            json!({"type": "integer"}),
        ))
        .param(Param::query(
            "cursor",
            "The `next_cursor` of the previous page",
            json!({"type": "string"}),
        ))
        .ok(200, "A page of audit events", Some(page_schema(&event)))
        .errors(&[403, 422]),
        get(audit),
    );
    let user = r.schema::<User>();
    r.add(
        Op::new("GET", "/api/v1/me", "The calling user")
            .tag("accounts")
            .ok(200, "The user", Some(user.clone()))
            .errors(&[404]),
        get(me),
    );
    r.add(
        Op::new("GET", "/api/v1/users", "The users of the workspace")
            .tag("accounts")
            .ok(200, "Users", Some(json!({"type": "object", "properties": {"items": {"type": "array", "items": user}}}))),
        get(users),
    );
    let new_user = r.schema::<NewUserBody>();
    r.add(
        Op::new("POST", "/api/v1/users", "Add a user (admins)")
            .tag("accounts")
            .body(new_user)
            .ok(201, "The user", Some(user))
            .errors(&[400, 403, 409, 415, 422]),
        post(add_user),
    );
    let login_body = r.schema::<LoginBody>();
    r.add(
        Op::new("POST", "/api/v1/session", "Log in: opens a session (cookie) and returns its CSRF token")
            .tag("accounts")
            .public()
            .body(login_body)
            .ok(201, "Logged in", Some(json!({"type": "object", "properties": {"csrf_token": {"type": "string"}, "expires_at": {"type": "string"}}})))
            .header("Set-Cookie")
            .errors(&[400, 401, 415, 422, 429]),
        post(login),
    );
    r.add(
        Op::new("DELETE", "/api/v1/session", "Log out: ends the session")
            .tag("accounts")
            .public()
            .ok(204, "Logged out", None)
            .header("Set-Cookie"),
        delete(logout),
    );
    let new_token = r.schema::<NewTokenBody>();
    r.add(
        Op::new("POST", "/api/v1/tokens", "Create an API token (shown once)")
            .tag("accounts")
            .body(new_token)
            .ok(
                201,
                "The token and its metadata",
                Some(json!({"type": "object", "properties": {"token": {"type": "string"}}})),
            )
            .errors(&[400, 403, 404, 415, 422]),
        post(add_token),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(xff: &[&str], peer: &str) -> axum::extract::Request {
        let mut b = axum::http::Request::builder().uri("/api/v1/session");
        for v in xff {
            b = b.header("x-forwarded-for", *v);
        }
        let mut r = b.body(axum::body::Body::empty()).unwrap();
        let addr: std::net::SocketAddr = peer.parse().unwrap();
        r.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        r
    }

    #[test]
    fn client_address_trusts_the_proxy_only_when_told() {
        let r = request(&["203.0.113.9, 198.51.100.7"], "10.0.0.2:5000");
        assert_eq!(client_address(&r, false), "10.0.0.2");
        assert_eq!(client_address(&r, true), "198.51.100.7");
        let r = request(&["203.0.113.9", "198.51.100.8"], "10.0.0.2:5000");
        assert_eq!(client_address(&r, true), "198.51.100.8");
        let r = request(&[], "10.0.0.2:5000");
        assert_eq!(client_address(&r, true), "10.0.0.2");
    }
}
