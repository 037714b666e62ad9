//! Page handlers and their templates. Handlers gather view models (plain strings and
//! numbers) so that templates stay simple; askama escapes everything they print except
//! the SVG charts, which `svg` builds from escaped parts.

use std::collections::HashMap;
use std::time::Instant;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use rapport_app::records::NewInteraction;
use rapport_app::resolve::{Accept, Target};
use rapport_app::views::{DASHBOARD_AT_RISK, PeopleQuery, PeopleSort};
use rapport_core::health::HealthStatus;
use rapport_core::*;
use serde_json::json;

use super::assets::{css_url, js_url};
use super::kept::{self, Plan};
use super::svg;
use super::{WebError, WebUser, render, urlencode};
use crate::api::{client_address, is_tls, session_cookie};
use crate::{AppState, blocking};

/// The cookie that carries the login form's CSRF token before there is a session.
const LOGIN_CSRF_COOKIE: &str = "rapport_login";

type Form = HashMap<String, String>;

/// Reads an urlencoded form body (at most 1 MiB).
pub(super) async fn read_form(
    req: Request,
) -> Result<(axum::http::request::Parts, Form), WebError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::api::MAX_BODY)
        .await
        .map_err(|_| WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
    let form: Form = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| WebError::new(StatusCode::BAD_REQUEST, "The form could not be read."))?;
    Ok((parts, form))
}

/// Reads a form posted by a logged-in user and checks its CSRF token: every form but
/// the login form goes through here, so none can forget the check.
pub(super) async fn read_checked_form(
    user: &WebUser,
    req: Request,
) -> Result<(axum::http::request::Parts, Form), WebError> {
    let (parts, form) = read_form(req).await?;
    check_csrf(user, &form)?;
    Ok((parts, form))
}

pub(super) fn check_csrf(user: &WebUser, form: &Form) -> Result<(), WebError> {
    match form.get("csrf") {
        Some(t) if *t == user.csrf => Ok(()),
        _ => Err(WebError::forbidden_csrf()),
    }
}

fn parse_id(s: &str) -> Result<Id, WebError> {
    Id::parse(s).map_err(|_| WebError::new(StatusCode::NOT_FOUND, "No such record."))
}

/// Only local paths may be redirected to after a login or a form.
fn safe_next(next: Option<&String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.clone(),
        _ => "/".into(),
    }
}

/// What every page's layout shows.
pub struct Layout {
    pub title: String,
    pub user: String,
    pub csrf: String,
    pub nav: &'static str,
    pub css: String,
    pub js: String,
}

impl Layout {
    pub(super) fn new(title: impl Into<String>, user: &WebUser, nav: &'static str) -> Layout {
        Layout {
            title: title.into(),
            user: user.ctx.actor.name.clone(),
            csrf: user.csrf.clone(),
            nav,
            css: css_url(),
            js: js_url(),
        }
    }
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

fn band_class(s: Option<HealthStatus>) -> &'static str {
    match s {
        Some(HealthStatus::Thriving | HealthStatus::Healthy) => "good",
        Some(HealthStatus::NeedsAttention) => "watch",
        Some(HealthStatus::AtRisk) => "risk",
        _ => "unknown",
    }
}

// ---------- errors ----------

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
}

// ---------- login ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    css: String,
    error: Option<String>,
    next: String,
    csrf: String,
    name: String,
}

pub async fn login_form(Query(q): Query<Form>) -> Result<Response, WebError> {
    let token = rapport_app::accounts::random_secret()?;
    let page = LoginPage {
        css: css_url(),
        error: None,
        next: safe_next(q.get("next")),
        csrf: token.clone(),
        name: String::new(),
    };
    let mut r = render(&page);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Lax; Max-Age=3600"
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn login(State(s): State<AppState>, req: Request) -> Result<Response, WebError> {
    let client = client_address(&req, s.options.trust_proxy);
    let (parts, form) = read_form(req).await?;
    let expected = super::cookie(&parts, LOGIN_CSRF_COOKIE).map(str::to_string);
    if expected.is_none() || form.get("csrf") != expected.as_ref() {
        return Err(WebError::forbidden_csrf());
    }
    let name = form.get("name").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let workspace = form
        .get("workspace")
        .filter(|w| !w.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| "default".into());
    let next = safe_next(form.get("next"));
    let n = name.clone();
    let result = blocking(&s, move |app| app.login(&workspace, &n, &password, &client)).await;
    match result {
        Ok(session) => {
            let mut r = Redirect::to(&next).into_response();
            let max_age = rapport_app::accounts::SESSION_DAYS * 86_400;
            if let Ok(v) = HeaderValue::from_str(&session_cookie(
                &session.cookie,
                max_age,
                is_tls(&parts.headers),
            )) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(p) if p.status == 401 || p.status == 429 => {
            let status = p.status();
            let page = LoginPage {
                css: css_url(),
                error: Some(p.detail),
                next,
                csrf: expected.unwrap_or_default(),
                name,
            };
            let mut r = render(&page);
            *r.status_mut() = status;
            Ok(r)
        }
        Err(p) => Err(p.into()),
    }
}

pub async fn logout(
    State(s): State<AppState>,
    user: WebUser,
    req: Request,
) -> Result<Response, WebError> {
    let (parts, _) = read_checked_form(&user, req).await?;
    if let Some(c) = super::cookie(&parts, crate::api::auth::SESSION_COOKIE).map(str::to_string) {
        blocking(&s, move |app| app.logout(&c)).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie("", 0, is_tls(&parts.headers))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

// ---------- dashboard ----------

pub struct AgendaRow {
    pub kind: String,
    pub action: String,
    pub reason: String,
    pub minutes: u32,
    pub subject_id: String,
    pub subject_name: String,
    pub subject_href: String,
    /// A commitment that can be marked kept from here.
    pub commitment_id: Option<String>,
    pub can_log: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    agenda: Vec<AgendaRow>,
    left_out: usize,
    at_risk: Vec<(String, String, Option<u8>, String)>,
    health_chart: String,
    /// How many relationships the figures are of; none while their first computation
    /// runs in the background (a large workspace, right after the server started).
    relationships: Option<usize>,
    average: Option<u8>,
    /// Key figures of the last 90 days: (label, value).
    figures: Vec<(String, String)>,
    pipeline_chart: String,
    /// When the figures beside the agenda were computed, if they were kept from an
    /// earlier view rather than computed for this one.
    as_of: Option<String>,
}

fn pct(v: Option<f64>) -> String {
    v.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "—".into())
}

fn subject_href(kind: SubjectKind, id: &Id) -> String {
    match kind {
        SubjectKind::Person => format!("/people/{id}"),
        SubjectKind::Organization => format!("/organizations/{id}"),
    }
}

/// How many agenda items the dashboard lists.
const AGENDA_ROWS: usize = 30;

/// Computes the dashboard's figures again on a blocking thread, for the next views.
fn refresh_figures(s: &AppState, ctx: rapport_app::Ctx, key: kept::Key) {
    let (app, kept) = (s.app.clone(), s.dashboards.clone());
    tokio::task::spawn_blocking(move || {
        let refreshed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            kept.compute(key.clone(), || app.dashboard_figures(&ctx))
        }));
        match refreshed {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the dashboard's figures could not be refreshed");
            }
            Err(_) => {
                tracing::error!("refreshing the dashboard's figures failed");
                kept.failed(&key);
            }
        }
    });
}

pub async fn dashboard(State(s): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    let ctx = user.ctx.clone();
    let key: kept::Key = (ctx.ws.clone(), ctx.actor.user_id.clone());
    // The agenda is read live; the figures beside it are computed in the same hop, or
    // shown as kept for a large workspace (see `kept`).
    let plan = match s.dashboards.plan(&key, Instant::now()) {
        Some(plan) => plan,
        None => {
            // None computed yet: compute them now only for a small workspace.
            let (c, up_to) = (ctx.clone(), s.dashboards.count_up_to());
            let seen = blocking(&s, move |app| app.relationships_seen_up_to(&c, up_to)).await?;
            if !s.dashboards.is_large(seen as usize) {
                Plan::Live
            } else {
                if s.dashboards.begin(&key) {
                    refresh_figures(&s, ctx.clone(), key.clone());
                }
                Plan::Pending
            }
        }
    };
    let as_of = match &plan {
        Plan::Kept { figures, refresh } => {
            if *refresh {
                refresh_figures(&s, ctx.clone(), key.clone());
            }
            Some(when(figures.computed_at))
        }
        Plan::Live | Plan::Pending => None,
    };
    let kept = s.dashboards.clone();
    let (agenda, falling, figures, kinds, scores) = blocking(&s, move |app| {
        let (agenda, falling) = app.agenda_top(&ctx, AGENDA_ROWS, DASHBOARD_AT_RISK)?;
        let figures = match plan {
            Plan::Live => Some(kept.compute(key, || app.dashboard_figures(&ctx))?),
            Plan::Kept { figures, .. } => Some(figures),
            Plan::Pending => None,
        };
        let ids: Vec<Id> = agenda
            .items
            .iter()
            .chain(&falling)
            .filter_map(|i| i.subject.as_ref().map(|s| s.id.clone()))
            .collect();
        let kinds = app.subject_kinds(&ctx, &ids)?;
        let rels: Vec<Id> = falling.iter().map(|i| i.record_id.clone()).collect();
        let scores = app.recorded_scores(&ctx, &rels)?;
        Ok((agenda, falling, figures, kinds, scores))
    })
    .await?;
    let m = figures.as_ref().and_then(|f| f.metrics.segments.first());
    let (figures_shown, pipeline_chart) = match m {
        Some(m) => {
            let figures = vec![
                ("Active relationships".to_string(), m.active.to_string()),
                (
                    "Retention (90 days)".into(),
                    pct(m.retention.retention_percent),
                ),
                ("Referral rate".into(), pct(m.referral.percent)),
                (
                    "NPS".into(),
                    m.satisfaction
                        .nps
                        .map(|n| format!("{n:.0}"))
                        .unwrap_or_else(|| "—".into()),
                ),
                ("Promises I kept".into(), pct(m.commitments.mine.percent)),
                (
                    "Promises they kept".into(),
                    pct(m.commitments.theirs.percent),
                ),
                (
                    "Conflicts opened / resolved".into(),
                    format!("{} / {}", m.conflicts.opened, m.conflicts.resolved),
                ),
            ];
            let bars: Vec<(String, f64)> = m
                .pipeline
                .iter()
                .map(|st| (st.stage.to_string(), st.amounts.values().sum::<f64>()))
                .collect();
            (figures, svg::bars(&bars, "Pipeline value by stage"))
        }
        None => (vec![], String::new()),
    };
    let rows = agenda
        .items
        .iter()
        .map(|i| {
            let (sid, sname) = i
                .subject
                .as_ref()
                .map(|s| (s.id.clone(), s.name.clone()))
                .unwrap_or((i.record_id.clone(), String::new()));
            let kind = kinds.get(&sid).copied().unwrap_or(SubjectKind::Person);
            AgendaRow {
                kind: serde_json::to_value(i.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                action: i.action.clone(),
                reason: i.reason.clone(),
                minutes: i.minutes,
                subject_href: subject_href(kind, &sid),
                subject_id: sid.to_string(),
                subject_name: sname,
                commitment_id: (i.kind == rapport_core::agenda::ItemKind::Commitment)
                    .then(|| i.record_id.to_string()),
                can_log: matches!(
                    i.kind,
                    rapport_core::agenda::ItemKind::CheckIn
                        | rapport_core::agenda::ItemKind::AtRisk
                ) && i.subject.is_some(),
            }
        })
        .collect();
    // Labelled by the status's own name, in words: `needs-attention` → "needs attention".
    let counts: Vec<(String, f64)> = figures
        .iter()
        .flat_map(|f| &f.by_status)
        .filter(|(_, n)| *n > 0)
        .map(|(st, n)| (st.as_str().replace('-', " "), *n as f64))
        .collect();
    // Falling health first (the agenda's at-risk items say why), then the lowest scores.
    let mut at_risk: Vec<(String, String, Option<u8>, String)> = falling
        .iter()
        .filter_map(|i| {
            let score = scores.get(&i.record_id)?;
            let subject = i.subject.as_ref()?;
            let kind = kinds
                .get(&subject.id)
                .copied()
                .unwrap_or(SubjectKind::Person);
            Some((
                subject_href(kind, &subject.id),
                subject.name.clone(),
                *score,
                i.reason.clone(),
            ))
        })
        .collect();
    for h in figures.iter().flat_map(|f| &f.at_risk) {
        if at_risk.len() >= DASHBOARD_AT_RISK {
            break;
        }
        let href = subject_href(h.subject.kind, &h.subject.id);
        if !at_risk.iter().any(|(x, ..)| *x == href) {
            at_risk.push((href, h.name.clone(), h.score, h.kind.to_string()));
        }
    }
    let page = DashboardPage {
        l: Layout::new("Today", &user, "dashboard"),
        agenda: rows,
        left_out: agenda.left_out,
        at_risk,
        health_chart: svg::bars(&counts, "Relationships by health"),
        relationships: figures.as_ref().map(|f| f.relationships),
        average: figures.as_ref().and_then(|f| f.average),
        figures: figures_shown,
        pipeline_chart,
        as_of,
    };
    Ok(render(&page))
}

// ---------- people ----------

pub struct PersonRowView {
    pub href: String,
    pub name: String,
    /// An email for people, the industry for organizations.
    pub detail: String,
    pub tags: String,
    pub kinds: String,
    pub health: String,
    pub band: &'static str,
    pub last_contact: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    l: Layout,
    /// `/people` or `/organizations`.
    base: &'static str,
    detail_label: &'static str,
    rows: Vec<PersonRowView>,
    q: String,
    tag: String,
    kind: String,
    band: String,
    sort: String,
    owner: String,
    owners: Vec<(String, String)>,
    overdue: bool,
    next: Option<String>,
    kinds: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "people_table.html")]
struct PeopleTable {
    detail_label: &'static str,
    rows: Vec<PersonRowView>,
    next: Option<String>,
}

/// What the list pages need to know of people and organizations.
trait Listed: rapport_app::views::Named + Send + 'static {
    const BASE: &'static str;
    const TITLE: &'static str;
    const NAV: &'static str;
    const DETAIL: &'static str;
    fn detail(&self) -> String;
    fn tags(&self) -> &[String];
}

impl Listed for Person {
    const BASE: &'static str = "/people";
    const TITLE: &'static str = "People";
    const NAV: &'static str = "people";
    const DETAIL: &'static str = "Email";
    fn detail(&self) -> String {
        self.emails
            .first()
            .map(|e| e.value.clone())
            .unwrap_or_default()
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
}

impl Listed for Organization {
    const BASE: &'static str = "/organizations";
    const TITLE: &'static str = "Organizations";
    const NAV: &'static str = "organizations";
    const DETAIL: &'static str = "Industry";
    fn detail(&self) -> String {
        self.industry.clone().unwrap_or_default()
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
}

pub async fn people(
    State(s): State<AppState>,
    user: WebUser,
    Query(p): Query<Form>,
) -> Result<Response, WebError> {
    subject_list::<Person>(s, user, p).await
}

pub async fn organizations(
    State(s): State<AppState>,
    user: WebUser,
    Query(p): Query<Form>,
) -> Result<Response, WebError> {
    subject_list::<Organization>(s, user, p).await
}

async fn subject_list<E: Listed>(
    s: AppState,
    user: WebUser,
    p: Form,
) -> Result<Response, WebError> {
    let get = |k: &str| {
        p.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let kind = get("kind")
        .map(|k| RelationshipKind::parse(&k))
        .transpose()?;
    let band = match get("band").as_deref() {
        None => None,
        Some("thriving") => Some(HealthStatus::Thriving),
        Some("healthy") => Some(HealthStatus::Healthy),
        Some("needs-attention") => Some(HealthStatus::NeedsAttention),
        Some("at-risk") => Some(HealthStatus::AtRisk),
        Some("unknown") => Some(HealthStatus::Unknown),
        Some(other) => {
            return Err(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`{other}` is not a health band"),
            ));
        }
    };
    let sort = match get("sort").as_deref() {
        None | Some("name") => PeopleSort::Name,
        Some("health") => PeopleSort::Health,
        Some("last-contact") => PeopleSort::LastContact,
        Some(other) => {
            return Err(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("cannot sort by `{other}`"),
            ));
        }
    };
    let owner = get("owner")
        .map(|o| {
            Id::parse(&o).map_err(|_| {
                WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "`owner` must be a user")
            })
        })
        .transpose()?;
    let q = PeopleQuery {
        q: get("q"),
        tag: get("tag"),
        kind,
        owner,
        band,
        overdue: get("overdue").is_some(),
        sort,
        cursor: get("cursor"),
        limit: 25,
    };
    let ctx = user.ctx.clone();
    let qq = q.clone();
    let (page, users) = blocking(&s, move |app| {
        Ok((app.subject_table::<E>(&ctx, &qq)?, app.users(&ctx)?))
    })
    .await?;
    let rows: Vec<PersonRowView> = page
        .items
        .into_iter()
        .map(|r| PersonRowView {
            href: format!("{}/{}", E::BASE, r.record.meta().id),
            detail: r.record.detail(),
            tags: r.record.tags().join(", "),
            kinds: r
                .kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            health: r
                .health
                .map(|h| h.to_string())
                .unwrap_or_else(|| "—".into()),
            band: band_class(r.status),
            last_contact: r.last_contact.map(when).unwrap_or_else(|| "never".into()),
            overdue: r.overdue,
            name: r.record.name().to_string(),
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        let mut qs: Vec<String> = p
            .iter()
            .filter(|(k, _)| *k != "cursor" && *k != "partial")
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect();
        qs.push(format!("cursor={}", urlencode(&c)));
        format!("{}?{}", E::BASE, qs.join("&"))
    });
    if get("partial").is_some() {
        return Ok(render(&PeopleTable {
            detail_label: E::DETAIL,
            rows,
            next,
        }));
    }
    let page = PeoplePage {
        l: Layout::new(E::TITLE, &user, E::NAV),
        base: E::BASE,
        detail_label: E::DETAIL,
        rows,
        q: get("q").unwrap_or_default(),
        tag: get("tag").unwrap_or_default(),
        kind: get("kind").unwrap_or_default(),
        band: get("band").unwrap_or_default(),
        sort: get("sort").unwrap_or_else(|| "name".into()),
        owner: get("owner").unwrap_or_default(),
        owners: users
            .into_iter()
            .map(|u| (u.meta.id.to_string(), u.name))
            .collect(),
        overdue: q.overdue,
        next,
        kinds: RelationshipKind::ALL.iter().map(|k| k.as_str()).collect(),
    };
    Ok(render(&page))
}

// ---------- a person's page ----------

pub struct ComponentView {
    pub name: String,
    pub points: f64,
    pub max: f64,
    pub reason: String,
    pub pct: u32,
}

pub struct CommitmentView {
    pub id: String,
    pub text: String,
    pub by: String,
    pub due: String,
    pub status: String,
    pub open: bool,
}

pub struct RelView {
    pub id: String,
    pub kind: String,
    pub stage: String,
    pub importance: u8,
    pub cadence: String,
    /// The cadence as typed in the form (`14d`), empty for the default.
    pub cadence_value: String,
    pub status: String,
    pub visibility: String,
    pub goals: String,
    pub boundaries: String,
    pub score: String,
    pub band: &'static str,
    pub components: Vec<ComponentView>,
    pub trend_svg: String,
    pub commitments: Vec<CommitmentView>,
    pub ledger: Vec<(String, String, String, u32)>,
    pub balance: i64,
    pub conflicts: Vec<(String, u8, String, String)>,
    pub goals_list: Vec<(String, String, u8)>,
    pub feedback: Vec<(String, String, u8, String)>,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPageT {
    l: Layout,
    id: String,
    name: String,
    emails: Vec<String>,
    phones: Vec<String>,
    orgs: Vec<(String, String, String)>,
    tags: String,
    birthday: String,
    how_we_met: String,
    needs: String,
    rels: Vec<RelView>,
    timeline: Vec<(String, String, String, String, String)>,
    tasks: Vec<(String, String, bool)>,
    notes: Vec<String>,
    dates: Vec<(String, String)>,
    deals: Vec<(String, String, String)>,
    channels: Vec<&'static str>,
    stages: Vec<&'static str>,
    statuses: Vec<&'static str>,
    errors: HashMap<String, String>,
    form: HashMap<String, String>,
    flash: Option<String>,
}

async fn person_response(
    s: &AppState,
    user: &WebUser,
    id: Id,
    errors: HashMap<String, String>,
    form: HashMap<String, String>,
    flash: Option<String>,
) -> Result<Response, WebError> {
    let ctx = user.ctx.clone();
    let page = blocking(s, move |app| app.person_page(&ctx, &id)).await?;
    let v = &page.view;
    let p = &v.person;
    let rels = page
        .relationships
        .iter()
        .map(|panel| {
            let r = &panel.relationship;
            let h = &panel.health.health;
            let trend: Vec<(String, Option<u8>)> = panel
                .health
                .trend
                .iter()
                .map(|t| (t.day.to_string(), t.score))
                .collect();
            RelView {
                id: r.meta.id.to_string(),
                kind: r.kind.to_string(),
                stage: r.stage.to_string(),
                importance: r.importance.get(),
                cadence: r
                    .cadence_days
                    .map(|c| format!("every {} days", c.get()))
                    .unwrap_or_else(|| "default for kind and importance".into()),
                cadence_value: r
                    .cadence_days
                    .map(|c| format!("{}d", c.get()))
                    .unwrap_or_default(),
                status: r.status.to_string(),
                visibility: r.visibility.to_string(),
                goals: r.goals.clone().unwrap_or_default(),
                boundaries: r.boundaries.clone().unwrap_or_default(),
                score: h
                    .score
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "unknown".into()),
                band: band_class(Some(h.status)),
                components: h
                    .components
                    .iter()
                    .map(|c| ComponentView {
                        name: c.name.to_string(),
                        points: c.points,
                        max: c.max,
                        reason: c.reason.clone(),
                        pct: if c.max > 0.0 {
                            (100.0 * c.points / c.max).round() as u32
                        } else {
                            0
                        },
                    })
                    .collect(),
                trend_svg: svg::trend(&trend, &format!("Health trend of {}", p.name)),
                commitments: panel
                    .commitments
                    .iter()
                    .map(|c| CommitmentView {
                        id: c.meta.id.to_string(),
                        text: c.text.clone(),
                        by: match c.owed_by {
                            OwedBy::Me => "I owe".into(),
                            OwedBy::Them => "They owe".into(),
                        },
                        due: c.due.map(|d| d.to_string()).unwrap_or_default(),
                        status: c.status.to_string(),
                        open: !c.status.is_closed(),
                    })
                    .collect(),
                ledger: panel
                    .exchanges
                    .iter()
                    .map(|e| (when(e.at), e.direction.to_string(), e.note.clone(), e.value))
                    .collect(),
                balance: panel.balance,
                conflicts: panel
                    .conflicts
                    .iter()
                    .map(|c| {
                        (
                            c.description.clone(),
                            c.severity.get(),
                            c.status.to_string(),
                            c.resolution_method
                                .map(|m| m.to_string())
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
                goals_list: panel
                    .goals
                    .iter()
                    .map(|g| (g.text.clone(), g.status.to_string(), g.progress.get()))
                    .collect(),
                feedback: panel
                    .feedback
                    .iter()
                    .map(|f| {
                        (
                            when(f.at),
                            f.scale.to_string(),
                            f.score,
                            f.comment.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let t = PersonPageT {
        l: Layout::new(p.name.clone(), user, "people"),
        id: p.meta.id.to_string(),
        name: p.name.clone(),
        emails: p.emails.iter().map(|e| e.value.clone()).collect(),
        phones: p.phones.iter().map(|e| e.value.clone()).collect(),
        orgs: v
            .organizations
            .iter()
            .map(|m| {
                (
                    m.organization_id.to_string(),
                    m.organization.clone(),
                    m.title.clone().unwrap_or_default(),
                )
            })
            .collect(),
        tags: p.tags.join(", "),
        birthday: p.birthday.map(|b| b.to_string()).unwrap_or_default(),
        how_we_met: p.how_we_met.clone().unwrap_or_default(),
        needs: p.needs_and_goals.clone().unwrap_or_default(),
        rels,
        timeline: page
            .timeline
            .iter()
            .map(|i| {
                (
                    when(i.at),
                    i.channel.to_string(),
                    i.direction.to_string(),
                    i.summary.clone(),
                    i.sentiment
                        .map(|s| format!("{:+}", s.get()))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        tasks: page
            .tasks
            .iter()
            .map(|t| {
                (
                    t.text.clone(),
                    t.due.map(|d| d.to_string()).unwrap_or_default(),
                    t.done_at.is_some(),
                )
            })
            .collect(),
        notes: v.notes.iter().map(|n| n.body.clone()).collect(),
        dates: page
            .dates
            .iter()
            .map(|d| (d.kind.to_string(), d.date.to_string()))
            .collect(),
        deals: page
            .deals
            .iter()
            .map(|d| {
                (
                    d.title.clone(),
                    d.stage.to_string(),
                    d.amount
                        .map(|a| format!("{a:.0} {}", d.currency.clone().unwrap_or_default()))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
        stages: Stage::ALL.iter().map(|c| c.as_str()).collect(),
        statuses: RelationshipStatus::ALL.iter().map(|c| c.as_str()).collect(),
        errors,
        form,
        flash,
    };
    Ok(render(&t))
}

pub async fn person(
    State(s): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<Form>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let flash = q.get("done").cloned();
    person_response(&s, &user, id, HashMap::new(), HashMap::new(), flash).await
}

pub async fn edit_person(
    State(s): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (_, form) = read_checked_form(&user, req).await?;
    let mut patch = serde_json::Map::new();
    let text = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    patch.insert("name".into(), json!(text("name")));
    let emails: Vec<serde_json::Value> = text("emails")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| json!({"value": e}))
        .collect();
    patch.insert("emails".into(), json!(emails));
    let tags: Vec<String> = text("tags")
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    patch.insert("tags".into(), json!(tags));
    for (field, key) in [("how_we_met", "how_we_met"), ("needs_and_goals", "needs")] {
        let v = text(key);
        patch.insert(field.into(), text_or_null(v));
    }
    let ctx = user.ctx.clone();
    let pid = id.clone();
    let patch = serde_json::Value::Object(patch);
    let result = blocking(&s, move |app| {
        app.patch_record::<Person>(&ctx, &pid, patch, None)
    })
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=Saved")).into_response()),
        Err(p) if p.status == 422 => {
            let mut errors = HashMap::new();
            for e in &p.errors {
                let key = e.field.split('[').next().unwrap_or("").to_string();
                errors.insert(
                    if key == "needs_and_goals" {
                        "needs".into()
                    } else {
                        key
                    },
                    e.message.clone(),
                );
            }
            let mut r = person_response(&s, &user, id, errors, form, None).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(p) => Err(p.into()),
    }
}

pub async fn edit_relationship(
    State(s): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (_, form) = read_checked_form(&user, req).await?;
    let text = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut patch = serde_json::Map::new();
    for k in ["stage", "status", "visibility"] {
        patch.insert(k.into(), json!(text(k)));
    }
    let importance = text("importance");
    patch.insert(
        "importance".into(),
        importance
            .parse::<i64>()
            .map(|n| json!(n))
            .unwrap_or(json!(importance)),
    );
    let cadence = text("cadence");
    patch.insert(
        "cadence_days".into(),
        if cadence.is_empty() {
            serde_json::Value::Null
        } else {
            match CadenceDays::parse_span(&cadence) {
                Ok(c) => json!(c.get()),
                Err(_) => json!(cadence),
            }
        },
    );
    for k in ["goals", "boundaries"] {
        let v = text(k);
        patch.insert(k.into(), text_or_null(v));
    }
    let ctx = user.ctx.clone();
    let rid = id.clone();
    let patch = serde_json::Value::Object(patch);
    let rel = blocking(&s, move |app| {
        app.patch_record::<Relationship>(&ctx, &rid, patch, None)
    })
    .await;

    match rel {
        Ok(r) => Ok(Redirect::to(&with_flash(
            &subject_href(r.subject.kind, &r.subject.id),
            "Saved",
        ))
        .into_response()),
        Err(p) if p.status == 422 => {
            let ctx = user.ctx.clone();
            let rid = id.clone();
            let r = blocking(&s, move |app| app.get_record::<Relationship>(&ctx, &rid)).await?;
            let mut errors = HashMap::new();
            for e in &p.errors {
                let key = if e.field == "cadence_days" {
                    "cadence".to_string()
                } else {
                    e.field.clone()
                };
                errors.insert(format!("rel-{id}-{key}"), e.message.clone());
            }
            let mut resp = match r.subject.kind {
                SubjectKind::Person => {
                    person_response(&s, &user, r.subject.id, errors, form, None).await?
                }
                SubjectKind::Organization => return Err(p.into()),
            };
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(p) => Err(p.into()),
    }
}

pub async fn log_interaction(
    State(s): State<AppState>,
    user: WebUser,
    req: Request,
) -> Result<Response, WebError> {
    let (_, form) = read_checked_form(&user, req).await?;
    let subject = parse_id(form.get("subject").map(String::as_str).unwrap_or(""))?;
    let summary = form.get("summary").cloned().unwrap_or_default();
    let channel = Channel::parse(form.get("channel").map(String::as_str).unwrap_or("call"))?;
    let minutes = match form
        .get("minutes")
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
    {
        Some(m) => Some(m.parse::<u32>().map_err(|_| {
            WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Minutes must be a whole number.",
            )
        })?),
        None => None,
    };
    let sentiment = form
        .get("sentiment")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(Sentiment::parse)
        .transpose()?;
    let back = safe_next(form.get("back"));
    let ctx = user.ctx.clone();
    blocking(&s, move |app| {
        // By id only, in the caller's workspace: another workspace's id is "not found".
        let target = app.resolve(&ctx, subject.as_str(), Accept::Subjects)?;
        if !matches!(target, Target::Person(_) | Target::Organization(_)) {
            return Err(rapport_app::AppError::NotFound(
                "no such person or organization".into(),
            ));
        }
        let summary = if summary.trim().is_empty() {
            "Check-in".to_string()
        } else {
            summary
        };
        app.log(
            &ctx,
            &[target],
            NewInteraction {
                at: app.now(),
                channel,
                direction: Direction::Outbound,
                minutes,
                sentiment,
                summary,
                body: None,
            },
        )
    })
    .await?;
    Ok(Redirect::to(&with_flash(&back, "Logged")).into_response())
}

/// A form's text as a merge-patch value: empty clears the field.
fn text_or_null(v: String) -> serde_json::Value {
    if v.is_empty() {
        serde_json::Value::Null
    } else {
        json!(v)
    }
}

fn with_flash(path: &str, msg: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}done={}", urlencode(msg))
}

pub async fn commitment_kept(
    State(s): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (_, form) = read_checked_form(&user, req).await?;
    let back = safe_next(form.get("back"));
    let ctx = user.ctx.clone();
    blocking(&s, move |app| {
        // Checks workspace and visibility before anything changes.
        app.get_record::<Commitment>(&ctx, &id)?;
        app.close_commitment(&ctx, &id, CommitmentStatus::Kept)
    })
    .await?;
    Ok(Redirect::to(&with_flash(&back, "Marked kept")).into_response())
}

// ---------- organizations ----------

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    l: Layout,
    id: String,
    name: String,
    domains: String,
    industry: String,
    tags: String,
    members: Vec<(String, String, String)>,
    relationships: Vec<(String, String, String)>,
    channels: Vec<&'static str>,
    flash: Option<String>,
}

pub async fn organization(
    State(s): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<Form>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let ctx = user.ctx.clone();
    let (org, members, rels) = blocking(&s, move |app| app.organization_view(&ctx, &id)).await?;
    Ok(render(&OrganizationPage {
        l: Layout::new(org.name.clone(), &user, "organizations"),
        id: org.meta.id.to_string(),
        name: org.name.clone(),
        domains: org.domains.join(", "),
        industry: org.industry.clone().unwrap_or_default(),
        tags: org.tags.join(", "),
        members: members
            .into_iter()
            .map(|(p, title)| (p.meta.id.to_string(), p.name, title.unwrap_or_default()))
            .collect(),
        relationships: rels
            .into_iter()
            .map(|r| {
                (
                    r.kind.to_string(),
                    r.status.to_string(),
                    r.importance.to_string(),
                )
            })
            .collect(),
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
        flash: q.get("done").cloned(),
    }))
}

// ---------- pipeline ----------

pub struct DealCard {
    pub id: String,
    pub title: String,
    pub who: String,
    pub amount: String,
    pub stage: String,
}

#[derive(Template)]
#[template(path = "pipeline.html")]
struct PipelinePage {
    l: Layout,
    columns: Vec<(String, Vec<DealCard>, String)>,
    stages: Vec<&'static str>,
    flash: Option<String>,
}

pub async fn pipeline(
    State(s): State<AppState>,
    user: WebUser,
    Query(q): Query<Form>,
) -> Result<Response, WebError> {
    let ctx = user.ctx.clone();
    let cols = blocking(&s, move |app| app.pipeline(&ctx)).await?;
    let columns = cols
        .into_iter()
        .map(|c| {
            let total = if c.totals.is_empty() {
                "—".to_string()
            } else {
                c.totals
                    .iter()
                    .map(|(cur, a)| format!("{a:.0} {cur}"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            let cards = c
                .deals
                .into_iter()
                .map(|(d, who)| DealCard {
                    id: d.meta.id.to_string(),
                    title: d.title.clone(),
                    who,
                    amount: d
                        .amount
                        .map(|a| format!("{a:.0} {}", d.currency.clone().unwrap_or_default()))
                        .unwrap_or_default(),
                    stage: d.stage.to_string(),
                })
                .collect();
            (c.stage.to_string(), cards, total)
        })
        .collect();
    Ok(render(&PipelinePage {
        l: Layout::new("Pipeline", &user, "pipeline"),
        columns,
        stages: DealStage::ALL.iter().map(|s| s.as_str()).collect(),
        flash: q.get("done").cloned(),
    }))
}

pub async fn move_deal(
    State(s): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (_, form) = read_checked_form(&user, req).await?;
    let stage = DealStage::parse(form.get("stage").map(String::as_str).unwrap_or(""))?;
    let ctx = user.ctx.clone();
    blocking(&s, move |app| {
        app.patch_record::<Deal>(&ctx, &id, json!({"stage": stage.as_str()}), None)
    })
    .await?;
    Ok(Redirect::to(&with_flash("/pipeline", &format!("Moved to {stage}"))).into_response())
}

// ---------- settings ----------

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    l: Layout,
    users: Vec<(String, String)>,
    is_admin: bool,
    roles: Vec<&'static str>,
    tokens: Vec<(String, String, String)>,
    new_token: Option<String>,
    feed_url: Option<String>,
    has_feed: bool,
    error: Option<String>,
}

async fn settings_page(
    s: &AppState,
    user: &WebUser,
    new_token: Option<String>,
    feed_url: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let ctx = user.ctx.clone();
    let (users, tokens, has_feed) = blocking(s, move |app| {
        let users = app.users(&ctx)?;
        let me = ctx.actor.name.clone();
        let tokens = app.tokens(&ctx, &me)?;
        let has_feed = app.has_feed(&ctx)?;
        Ok((users, tokens, has_feed))
    })
    .await?;
    Ok(render(&SettingsPage {
        l: Layout::new("Settings", user, "settings"),
        users: users
            .into_iter()
            .map(|u| (u.name, u.role.to_string()))
            .collect(),
        is_admin: user.ctx.actor.role.can_admin(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        tokens: tokens
            .into_iter()
            .map(|t| {
                (
                    t.id.short().to_string(),
                    t.label.unwrap_or_default(),
                    when(t.created_at),
                )
            })
            .collect(),
        new_token,
        feed_url,
        has_feed,
        error,
    }))
}

pub async fn settings(State(s): State<AppState>, user: WebUser) -> Result<Response, WebError> {
    settings_page(&s, &user, None, None, None).await
}

pub async fn add_user(
    State(s): State<AppState>,
    user: WebUser,
    req: Request,
) -> Result<Response, WebError> {
    let (_, form) = read_checked_form(&user, req).await?;
    let name = form.get("name").cloned().unwrap_or_default();
    let role = Role::parse(form.get("role").map(String::as_str).unwrap_or("member"))?;
    let password = form.get("password").cloned().filter(|p| !p.is_empty());
    let ctx = user.ctx.clone();
    match blocking(&s, move |app| {
        app.add_user(&ctx, &name, role, password.as_deref())
    })
    .await
    {
        Ok(_) => Ok(Redirect::to("/settings").into_response()),
        Err(p) if p.status == 422 || p.status == 409 => {
            let status = p.status();
            let mut r = settings_page(&s, &user, None, None, Some(p.detail)).await?;
            *r.status_mut() = status;
            Ok(r)
        }
        Err(p) => Err(p.into()),
    }
}

pub async fn add_token(
    State(s): State<AppState>,
    user: WebUser,
    req: Request,
) -> Result<Response, WebError> {
    let (_, form) = read_checked_form(&user, req).await?;
    let label = form.get("label").cloned().filter(|l| !l.trim().is_empty());
    let ctx = user.ctx.clone();
    let t = blocking(&s, move |app| {
        app.create_token(&ctx, None, label.as_deref())
    })
    .await?;
    settings_page(&s, &user, Some(t.token), None, None).await
}

pub async fn rotate_feed(
    State(s): State<AppState>,
    user: WebUser,
    req: Request,
) -> Result<Response, WebError> {
    read_checked_form(&user, req).await?;
    let ctx = user.ctx.clone();
    let me = user.ctx.actor.name.clone();
    let token = blocking(&s, move |app| app.rotate_feed_token(&ctx, &me)).await?;
    settings_page(
        &s,
        &user,
        None,
        Some(format!("/calendar.ics?token={token}")),
        None,
    )
    .await
}
