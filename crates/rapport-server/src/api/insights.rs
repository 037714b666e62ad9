//! Metrics, the network, stakeholder maps, import/export and the calendar feed: the same
//! use cases as `rapport metrics|network|intro|stakeholders|import|export|feed`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rapport_app::export::ExportFormat;
use rapport_app::import::{ImportFormat, ImportOptions};
use rapport_core::metrics::SegmentBy;
use rapport_core::*;
use serde_json::json;

use super::auth::Auth;
use super::problem::Problem;
use super::{Params, json_response, query};
use crate::openapi::{Op, Param, Routes};
use crate::{AppState, as_caller, blocking};

type QueryResult = Result<Query<Params>, axum::extract::rejection::QueryRejection>;

fn invalid(field: &str, message: impl Into<String>) -> Problem {
    Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, message)
}

/// The largest file the import endpoint reads.
pub const MAX_IMPORT: usize = 64 * 1024 * 1024;

async fn metrics(
    State(s): State<AppState>,
    caller: Auth,
    q: QueryResult,
) -> Result<Response, Problem> {
    let m = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let days = match p.get("period") {
            Some(v) => i64::from(
                CadenceDays::parse_span(v)
                    .map_err(|_| invalid("period", "must be a span like 30d, 12w, 3m or 1y"))?
                    .get(),
            ),
            None => 90,
        };
        let by = p
            .get("by")
            .map(|b| SegmentBy::parse(b))
            .transpose()
            .map_err(|e| invalid("by", e.to_string()))?;
        Ok(app.metrics(&ctx, days, by)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &m))
}

async fn network(
    State(s): State<AppState>,
    caller: Auth,
    q: QueryResult,
) -> Result<Response, Problem> {
    let n = as_caller(&s, caller, move |app, ctx| {
        let limit = super::limit_param(&query(q)?, 100, 10)?;
        Ok(app.network(&ctx, limit)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &n))
}

async fn intro(
    State(s): State<AppState>,
    caller: Auth,
    q: QueryResult,
) -> Result<Response, Problem> {
    let path = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let to = p
            .get("to")
            .ok_or_else(|| invalid("to", "is required: the id of the person to reach"))?;
        let to = Id::parse(to).map_err(|_| invalid("to", "must be a person's id"))?;
        let person = app.get_record::<Person>(&ctx, &to)?;
        Ok(app.intro(&ctx, &person)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &json!({"path": path})))
}

async fn stakeholders(
    State(s): State<AppState>,
    caller: Auth,
    q: QueryResult,
) -> Result<Response, Problem> {
    let m = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let project = app.project(
            &ctx,
            p.get("tag").map(String::as_str),
            p.get("deal").map(String::as_str),
        )?;
        Ok(app.stakeholder_map(&ctx, &project)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &m))
}

/// The projects that have people placed in them, to pick a map from.
async fn stake_projects(State(s): State<AppState>, caller: Auth) -> Result<Response, Problem> {
    let items = as_caller(&s, caller, move |app, ctx| Ok(app.stake_projects(&ctx)?)).await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({"items": items, "next_cursor": null}),
    ))
}

fn flag(p: &Params, name: &str) -> bool {
    p.get(name)
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"))
}

async fn import(
    State(s): State<AppState>,
    caller: Auth,
    q: QueryResult,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let summary = as_caller(&s, caller, move |app, ctx| {
        let p = query(q)?;
        let format: ImportFormat = p
            .get("format")
            .map(|f| f.parse())
            .transpose()
            .map_err(|e: DomainError| invalid("format", e.to_string()))?
            .unwrap_or_default();
        let options = ImportOptions {
            format,
            dry_run: flag(&p, "dry_run"),
            overwrite: flag(&p, "overwrite"),
            skip_photos: flag(&p, "skip_photos"),
            ..ImportOptions::default()
        };
        let bytes = body.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    e.status(),
                    format!("the file is larger than {MAX_IMPORT} bytes"),
                )
            } else {
                Problem::new(StatusCode::BAD_REQUEST, e.body_text())
            }
        })?;
        Ok(app.import(&ctx, &mut bytes.as_ref(), &options, &mut |_| {})?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &summary))
}

async fn export(
    State(s): State<AppState>,
    caller: Auth,
    q: QueryResult,
) -> Result<Response, Problem> {
    let (format, body) = as_caller(&s, caller, move |app, ctx| {
        let format: ExportFormat = query(q)?
            .get("format")
            .map(|f| f.parse())
            .transpose()
            .map_err(|e: DomainError| invalid("format", e.to_string()))?
            .unwrap_or_default();
        let mut out = Vec::new();
        app.export(&ctx, format, &mut out)?;
        Ok((format, out))
    })
    .await?;
    let (kind, name) = match format {
        ExportFormat::Json => ("application/json", "rapport.json"),
        ExportFormat::Vcard => ("text/vcard; charset=utf-8", "rapport.vcf"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "rapport.csv"),
    };
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The calendar feed: the token in the URL is the credential (calendar apps send no
/// headers). A wrong or rotated token is "not found".
async fn calendar(State(s): State<AppState>, q: QueryResult) -> Result<Response, Problem> {
    let p = query(q)?;
    let token = p.get("token").cloned().unwrap_or_default();
    if token.is_empty() || token.len() > 200 {
        return Err(Problem::not_found());
    }
    let ics = blocking(&s, move |app| match app.feed_ctx(&token)? {
        Some(ctx) => app.calendar(&ctx).map(Some),
        None => Ok(None),
    })
    .await?
    .ok_or_else(Problem::not_found)?;
    let mut r = ics.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(r)
}

pub fn register(r: &mut Routes) {
    let metrics_schema = r.schema::<rapport_core::metrics::Metrics>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/metrics",
            "Business metrics of a period, per segment",
        )
        .tag("insights")
        .param(Param::query(
            "period",
            "The period before today: 30d, 12w, 3m, 1y (default 90d)",
            json!({"type": "string"}),
        ))
        .param(Param::query(
            "by",
            "Segment by kind, tag or owner",
            json!({"type": "string", "enum": ["kind", "tag", "owner"]}),
        ))
        .ok(200, "The metrics", Some(metrics_schema))
        .errors(&[400, 422]),
        get(metrics),
    );
    let network_schema = r.schema::<rapport_core::network::Network>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/network",
            "Strongest ties, connectors and dormant ties worth reviving",
        )
        .tag("insights")
        .param(Param::query(
            "limit",
            "Entries per list, 1–100 (default 10)",
            json!({"type": "integer"}),
        ))
        .ok(200, "The network", Some(network_schema))
        .errors(&[400, 422]),
        get(network),
    );
    let path_schema = r.schema::<rapport_core::network::IntroPath>();
    r.add(
        Op::new("GET", "/api/v1/network/intro", "The warm-introduction path to a person")
            .tag("insights")
            .param(Param { required: true, ..Param::query("to", "The person's id", json!({"type": "string", "format": "uuid"})) })
            .ok(200, "The best chain of ties from you, or null", Some(json!({"type": "object", "properties": {"path": {"oneOf": [path_schema, {"type": "null"}]}}})))
            .errors(&[400, 404, 422]),
        get(intro),
    );
    let map_schema = r.schema::<rapport_core::stakeholders::StakeholderMap>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/stakeholders",
            "A project's stakeholder map (power × interest)",
        )
        .tag("insights")
        .param(Param::query(
            "tag",
            "The project as a tag",
            json!({"type": "string"}),
        ))
        .param(Param::query(
            "deal",
            "The project as a deal id",
            json!({"type": "string"}),
        ))
        .ok(200, "The four quadrants", Some(map_schema))
        .errors(&[400, 404, 422]),
        get(stakeholders),
    );
    let project_schema = r.schema::<rapport_core::stakeholders::ProjectSummary>();
    r.add(
        Op::new(
            "GET",
            "/api/v1/stakeholders/projects",
            "The projects (tags and deals) that have people placed in them",
        )
        .tag("insights")
        .ok(
            200,
            "Tags first, then deals; `kind` and `value` name the map to ask for",
            Some(super::page_schema(&project_schema)),
        ),
        get(stake_projects),
    );
    r.add(
        Op::new("POST", "/api/v1/import", "Import a file: vCard, Google/LinkedIn/Outlook/generic CSV or Rapport JSON")
            .tag("data")
            .param(Param::query("format", "auto (default), vcard, csv, google, linkedin, outlook, json", json!({"type": "string"})))
            .param(Param::query("dry_run", "Report what would happen; write nothing", json!({"type": "boolean"})))
            .param(Param::query("overwrite", "Replace fields already set", json!({"type": "boolean"})))
            .param(Param::query("skip_photos", "Leave photos out", json!({"type": "boolean"})))
            .body(json!({"type": "string", "contentMediaType": "application/octet-stream", "description": "The file's bytes"}))
            .ok(200, "What was created, merged, skipped and rejected (with line numbers)", Some(json!({"type": "object"})))
            .errors(&[400, 403, 413, 422]),
        post(import).layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT)),
    );
    r.add(
        Op::new(
            "GET",
            "/api/v1/export",
            "Export the workspace: json (lossless), vcard or csv",
        )
        .tag("data")
        .param(Param::query(
            "format",
            "json (default), vcard or csv",
            json!({"type": "string"}),
        ))
        .ok(200, "The file", Some(json!({"type": "string"})))
        .header("Content-Disposition")
        .errors(&[400, 422]),
        get(export),
    );
    r.add(
        Op::new(
            "GET",
            "/calendar.ics",
            "A user's iCalendar feed: check-ins, commitments, tasks, important dates",
        )
        .tag("data")
        .public()
        .param(Param {
            required: true,
            ..Param::query(
                "token",
                "The feed token from `rapport feed`",
                json!({"type": "string"}),
            )
        })
        .ok(
            200,
            "text/calendar (RFC 5545)",
            Some(json!({"type": "string"})),
        )
        .errors(&[400, 404]),
        get(calendar),
    );
}
