//! Pages for the network, stakeholder maps and import.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_app::import::{ImportFormat, ImportOptions, ImportSummary};
use rapport_app::stakeholders::StakeLevels;
use rapport_core::network::TieView;
use rapport_core::*;

use super::pages::{Layout, check_csrf, read_checked_form};
use super::{WebError, WebUser, render, svg, urlencode};
use crate::{AppState, blocking};

type Form = HashMap<String, String>;

fn tie_row(t: &TieView) -> (String, String, String, String) {
    (
        format!("{} — {}", t.from.name, t.to.name),
        format!("{:.1}", t.strength),
        t.days_since.to_string(),
        t.why.clone(),
    )
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    l: Layout,
    people: usize,
    ties: usize,
    to: String,
    error: Option<String>,
    path: Vec<(String, String, String, String)>,
    path_target: String,
    path_score: String,
    searched: bool,
    graph: String,
    strongest: Vec<(String, String, String, String)>,
    connectors: Vec<(String, String, String, usize)>,
    approximate: bool,
    dormant: Vec<(String, String, String, String)>,
}

pub async fn network(
    State(s): State<AppState>,
    user: WebUser,
    Query(q): Query<Form>,
) -> Result<Response, WebError> {
    let to = q
        .get("to")
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let ctx = user.ctx.clone();
    let target = to.clone();
    let (overview, found) = blocking(&s, move |app| {
        let overview = app.network(&ctx, 10)?;
        let found = if target.is_empty() {
            None
        } else {
            Some(match app.resolve_person(&ctx, &target) {
                Ok(p) => {
                    let path = app.intro(&ctx, &p)?;
                    let around = app.neighbourhood(&ctx, &p, 12)?;
                    Ok((p, path, around))
                }
                Err(e) => Err(e.to_string()),
            })
        };
        Ok((overview, found))
    })
    .await?;
    let mut page = NetworkPage {
        l: Layout::new("Network", &user, "network"),
        people: overview.people,
        ties: overview.ties,
        to: to.clone(),
        error: None,
        path: vec![],
        path_target: String::new(),
        path_score: String::new(),
        searched: false,
        graph: String::new(),
        strongest: overview.strongest.iter().map(tie_row).collect(),
        connectors: overview
            .connectors
            .people
            .iter()
            .map(|c| {
                (
                    c.person
                        .id
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                    c.person.name.clone(),
                    format!("{:.1}", c.betweenness),
                    c.ties,
                )
            })
            .collect(),
        approximate: overview.connectors.approximate,
        dormant: overview.dormant.iter().map(tie_row).collect(),
    };
    match found {
        None => {}
        Some(Err(e)) => page.error = Some(e),
        Some(Ok((person, path, around))) => {
            page.searched = true;
            page.path_target = person.name.clone();
            if let Some(p) = path {
                page.path = p.hops.iter().map(tie_row).collect();
                page.path_score = format!("{:.2}", p.score);
            }
            let neighbours: Vec<(String, f64)> = around
                .iter()
                .map(|t| (t.to.name.clone(), t.strength))
                .collect();
            page.graph = svg::ego(
                &person.name,
                &neighbours,
                &format!("Ties of {}", person.name),
            );
        }
    }
    Ok(render(&page))
}

pub struct PlacedView {
    pub id: String,
    pub name: String,
    pub power: u8,
    pub interest: u8,
    pub attitude: String,
    pub contact: String,
    pub overdue: bool,
}

/// A project in the list of projects: its name, the page's query for it, how many
/// people are placed in it, and whether it is the one shown.
struct ProjectLink {
    name: String,
    query: String,
    people: u32,
    current: bool,
}

#[derive(Template)]
#[template(path = "stakeholders.html")]
struct StakeholdersPage {
    l: Layout,
    tag: String,
    /// The deal's id when the project shown is a deal.
    deal: String,
    project: String,
    projects: Vec<ProjectLink>,
    grid: String,
    quadrants: Vec<(String, String, Vec<PlacedView>)>,
    error: Option<String>,
    flash: Option<String>,
}

/// The page's query for a project: `tag=…` or `deal=…`.
fn project_query(p: &Project) -> String {
    let (kind, value) = p.key();
    format!("{kind}={}", urlencode(&value))
}

pub async fn stakeholders(
    State(s): State<AppState>,
    user: WebUser,
    Query(q): Query<Form>,
) -> Result<Response, WebError> {
    let text = |k: &str| q.get(k).map(|t| t.trim().to_string()).unwrap_or_default();
    let (tag, deal) = (text("tag"), text("deal"));
    let flash = q.get("done").cloned();
    let ctx = user.ctx.clone();
    let (t, d) = (tag.clone(), deal.clone());
    let (projects, map) = blocking(&s, move |app| {
        let projects = app.stake_projects(&ctx)?;
        if t.is_empty() && d.is_empty() {
            return Ok((projects, None));
        }
        let project = app.project(
            &ctx,
            Some(t.as_str()).filter(|t| !t.is_empty()),
            Some(d.as_str()).filter(|d| !d.is_empty()),
        );
        let map = project.and_then(|p| Ok((project_query(&p), app.stakeholder_map(&ctx, &p)?)));
        Ok((projects, Some(map)))
    })
    .await?;
    let shown = match &map {
        Some(Ok((query, _))) => query.clone(),
        _ => String::new(),
    };
    let mut page = StakeholdersPage {
        l: Layout::new("Stakeholders", &user, "stakeholders"),
        tag,
        deal,
        project: String::new(),
        projects: projects
            .into_iter()
            .map(|p| {
                let query = project_query(&p.project);
                ProjectLink {
                    current: query == shown,
                    name: p.name,
                    query,
                    people: p.people,
                }
            })
            .collect(),
        grid: String::new(),
        quadrants: vec![],
        error: None,
        flash,
    };
    let Some(map) = map else {
        return Ok(render(&page));
    };
    let map = map
        .map(|(_, m)| m)
        .map_err(crate::api::problem::Problem::from);
    match map {
        Ok(m) => {
            let mut all = Vec::new();
            page.project = m.project.clone();
            for g in &m.quadrants {
                let people: Vec<PlacedView> = g
                    .people
                    .iter()
                    .map(|p| {
                        all.push((
                            p.person.name.clone(),
                            p.power.get(),
                            p.interest.get(),
                            p.attitude.get(),
                        ));
                        PlacedView {
                            id: p.person.id.to_string(),
                            name: p.person.name.clone(),
                            power: p.power.get(),
                            interest: p.interest.get(),
                            attitude: format!("{:+}", p.attitude.get()),
                            contact: match p.last_contact {
                                Some(d) => format!("last {d}, every {} days", p.cadence_days),
                                None => format!("never, every {} days", p.cadence_days),
                            },
                            overdue: p.overdue,
                        }
                    })
                    .collect();
                page.quadrants.push((
                    g.quadrant.as_str().to_string(),
                    g.engagement.to_string(),
                    people,
                ));
            }
            page.grid = svg::stakeholder_grid(&all, &format!("Stakeholders of {}", m.project));
        }
        Err(p) if p.status == 422 => page.error = Some(p.detail),
        Err(p) => return Err(p.into()),
    }
    Ok(render(&page))
}

pub async fn set_stake(
    State(s): State<AppState>,
    user: WebUser,
    req: Request,
) -> Result<Response, WebError> {
    let (_, form) = read_checked_form(&user, req).await?;
    let text = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (tag, deal) = (text("tag"), text("deal"));
    let person = text("person");
    let level = |k: &str| {
        Level::parse(&text(k)).map_err(|_| {
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{k} must be a whole number from 1 to 5"),
            )
        })
    };
    let levels = StakeLevels {
        power: level("power")?,
        interest: level("interest")?,
        attitude: Attitude::parse(&text("attitude")).map_err(|_| {
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "attitude must be a whole number from -2 to 2",
            )
        })?,
    };
    let ctx = user.ctx.clone();
    let query = blocking(&s, move |app| {
        let p = match Id::parse(&person) {
            Ok(id) => app.get_record::<Person>(&ctx, &id)?,
            Err(_) => app.resolve_person(&ctx, &person)?,
        };
        // A deal's page posts its deal; every other page names a tag.
        let project = if deal.is_empty() {
            app.project(&ctx, Some(&tag), None)?
        } else {
            app.project(&ctx, None, Some(&deal))?
        };
        let query = project_query(&project);
        app.set_stake(&ctx, &p, project, levels)?;
        Ok(query)
    })
    .await?;
    Ok(Redirect::to(&format!("/stakeholders?{query}&done=Saved")).into_response())
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    formats: Vec<&'static str>,
    summary: Option<ImportSummary>,
    content: String,
    format: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "import_stream_head.html")]
struct ImportStreamHead {
    l: Layout,
    size: String,
}

#[derive(Template)]
#[template(path = "import_stream_foot.html")]
struct ImportStreamFoot {
    l: Layout,
    summary: Option<ImportSummary>,
    content: String,
    format: String,
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1u32 << 20))
    } else if bytes >= 1 << 10 {
        format!("{:.0} kB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Runs a confirmed import and streams the page as it goes: the head at once, a line per
/// step of progress ("watch progress"), then the summary. Nothing is kept on the server
/// between requests; the page itself is the progress report.
fn stream_import(s: &AppState, user: &WebUser, bytes: Vec<u8>, options: ImportOptions) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(64);
    let head = ImportStreamHead {
        l: Layout::new("Import", user, "import"),
        size: human_size(bytes.len()),
    }
    .render()
    .unwrap_or_default();
    let foot_layout = Layout::new("Import", user, "import");
    let app = s.app.clone();
    let ctx = user.ctx.clone();
    let total = bytes.len().max(1) as u64;
    let _ = tx.try_send(head);
    tokio::task::spawn_blocking(move || {
        let mut last_pct = 0u64;
        let mut report = |read: u64| {
            let pct = (100 * read / total).min(100);
            if pct >= last_pct + 5 || (pct == 100 && last_pct < 100) {
                last_pct = pct;
                let _ = tx.blocking_send(format!("<li>{pct}% read and written</li>\n"));
            }
        };
        let result = app.import(&ctx, &mut bytes.as_slice(), &options, &mut report);
        let (summary, error) = match result {
            Ok(summary) => (Some(summary), None),
            Err(e) => (None, Some(crate::api::problem::Problem::from(e).detail)),
        };
        let foot = ImportStreamFoot {
            l: foot_layout,
            summary,
            content: String::new(),
            format: String::new(),
        }
        .render()
        .unwrap_or_default();
        let tail = match error {
            Some(m) => format!(
                "<li><p class=\"error\" role=\"alert\">The import stopped: {}</p></li>\n{foot}",
                svg::esc(&m)
            ),
            None => foot,
        };
        let _ = tx.blocking_send(tail);
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
    });
    let mut r = axum::body::Body::from_stream(stream).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    r
}

const FORMATS: &[&str] = &[
    "auto", "vcard", "csv", "google", "linkedin", "outlook", "json",
];
/// The largest file the web import takes (the API and CLI take more).
pub const MAX_WEB_IMPORT: usize = 8 * 1024 * 1024;

pub async fn import_form(user: WebUser) -> Result<Response, WebError> {
    Ok(render(&ImportPage {
        l: Layout::new("Import", &user, "import"),
        formats: FORMATS.to_vec(),
        summary: None,
        content: String::new(),
        format: "auto".into(),
        error: None,
    }))
}

/// Upload → dry run and its summary → confirm → import. The confirm form carries the
/// file's text back, so no server keeps anything between the two steps.
pub async fn import(
    State(s): State<AppState>,
    user: WebUser,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let mut fields: Form = HashMap::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = mp.next_field().await.map_err(|e| {
        WebError::new(
            StatusCode::BAD_REQUEST,
            format!("The upload could not be read: {e}"),
        )
    })? {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|e| {
            WebError::new(
                StatusCode::BAD_REQUEST,
                format!("The upload could not be read: {e}"),
            )
        })?;
        if name == "file" {
            if !bytes.is_empty() {
                file = Some(bytes.to_vec());
            }
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    check_csrf(&user, &fields)?;
    let bytes = match file {
        Some(b) => b,
        None => fields
            .get("content")
            .cloned()
            .unwrap_or_default()
            .into_bytes(),
    };
    let format_text = fields
        .get("format")
        .cloned()
        .unwrap_or_else(|| "auto".into());
    let mut page = ImportPage {
        l: Layout::new("Import", &user, "import"),
        formats: FORMATS.to_vec(),
        summary: None,
        content: String::new(),
        format: format_text.clone(),
        error: None,
    };
    if bytes.is_empty() {
        page.error = Some("Choose a file to import.".into());
        let mut r = render(&page);
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let format: ImportFormat = format_text.parse()?;
    let confirm = fields.get("step").is_some_and(|s| s == "confirm");
    let options = ImportOptions {
        format,
        dry_run: !confirm,
        ..ImportOptions::default()
    };
    if confirm {
        return Ok(stream_import(&s, &user, bytes, options));
    }
    let ctx = user.ctx.clone();
    let data = bytes.clone();
    let result = blocking(&s, move |app| {
        app.import(&ctx, &mut data.as_slice(), &options, &mut |_| {})
    })
    .await;
    match result {
        Ok(summary) => {
            if !confirm {
                // The file goes back in the confirm form (as text; a binary file would
                // have been rejected by the parsers already).
                page.content = String::from_utf8_lossy(&bytes).into_owned();
            }
            page.summary = Some(summary);
        }
        Err(p) if p.status == 422 || p.status == 400 => page.error = Some(p.detail),
        Err(p) => return Err(p.into()),
    }
    Ok(render(&page))
}
