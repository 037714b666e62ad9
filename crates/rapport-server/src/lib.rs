//! Rapport's HTTP server: the JSON API (and, as it lands, the web UI) over `rapport-app`.
//!
//! Architecture invariant: the only crate that knows HTTP. Handlers parse requests into
//! domain values, call one use case of [`rapport_app::App`] on a blocking thread (the
//! store is synchronous) and turn the result or the error into a response. Nothing is
//! kept in the process between requests that another instance would need: sessions,
//! rate-limit counters and tokens live in the database. (What a process does keep, the
//! dashboard's figures of a large workspace in [`web::kept`], only saves work: another
//! instance computes its own.)

pub mod api;
pub mod openapi;
pub mod web;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rapport_app::{App, AppError, Ctx};
use tracing::Instrument;

use api::problem::Problem;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub openapi: Arc<serde_json::Value>,
    pub options: Options,
    /// The dashboard's figures kept between views of a large workspace.
    pub dashboards: Arc<web::kept::KeptFigures>,
}

/// How the server is run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Behind a reverse proxy or load balancer that appends the client's address to
    /// `X-Forwarded-For`: use that address (for login rate limits) instead of the peer's.
    pub trust_proxy: bool,
    /// Up to how many relationships (that a user may see) the dashboard computes its
    /// health summary and 90-day figures on every view; above, it shows the last ones
    /// computed and refreshes them in the background (see [`web::kept`]).
    pub dashboard_live_up_to: usize,
    /// How old kept dashboard figures may get before a view refreshes them.
    pub dashboard_refresh_after: std::time::Duration,
}

impl Options {
    /// The default of [`Options::dashboard_live_up_to`].
    pub const DASHBOARD_LIVE_UP_TO: usize = 2_000;
    /// The default of [`Options::dashboard_refresh_after`], in seconds.
    pub const DASHBOARD_REFRESH_SECS: u64 = 30;
}

impl Default for Options {
    fn default() -> Options {
        Options {
            trust_proxy: false,
            dashboard_live_up_to: Options::DASHBOARD_LIVE_UP_TO,
            dashboard_refresh_after: std::time::Duration::from_secs(
                Options::DASHBOARD_REFRESH_SECS,
            ),
        }
    }
}

/// Runs a use case on a blocking thread.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&App) -> Result<T, AppError> + Send + 'static,
) -> Result<T, Problem> {
    on_blocking_thread(state, move |app| f(app).map_err(Problem::from)).await
}

/// Checks the caller's credential and, as them, runs `f` (which parses what the request
/// carries and calls a use case), both on one blocking thread: one hop from the async
/// worker per request. A bad credential is refused before `f` looks at the request.
pub async fn as_caller<T: Send + 'static>(
    state: &AppState,
    caller: api::auth::Auth,
    f: impl FnOnce(&App, Ctx) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    on_blocking_thread(state, move |app| f(app, caller.check(app)?)).await
}

/// [`as_caller`] for a short read: a few index lookups, such as a record by id. It is
/// first tried on the async worker itself, with no hop, where the store can answer at
/// once (SQLite, with an idle pooled connection and no lock in the way: see
/// [`rapport_store::without_waiting`]); where it cannot, or `f` asks for a write or
/// anything else that may wait, the same runs on a blocking thread as `as_caller` runs
/// it. So `f` may run twice and must only read; and it must stay short, since while it
/// runs on a worker the other connections that worker serves wait.
pub async fn as_caller_short<T, F>(
    state: &AppState,
    caller: api::auth::Auth,
    f: F,
) -> Result<T, Problem>
where
    T: Send + 'static,
    F: Fn(&App, Ctx) -> Result<T, Problem> + Send + 'static,
{
    if state.app.store.reads_without_waiting() {
        let app: &App = &state.app;
        if let Some(r) = on_worker(|| f(app, caller.check(app)?)) {
            return r;
        }
    }
    as_caller(state, caller, f).await
}

/// [`blocking`] for a short read, tried on the async worker first as
/// [`as_caller_short`] tries it.
pub async fn blocking_short<T, F>(state: &AppState, f: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: Fn(&App) -> Result<T, AppError> + Send + 'static,
{
    if state.app.store.reads_without_waiting() {
        let app: &App = &state.app;
        if let Some(r) = on_worker(|| f(app).map_err(Problem::from)) {
            return r;
        }
    }
    blocking(state, f).await
}

/// Runs `f` on this (async worker) thread inside [`rapport_store::without_waiting`]:
/// `None` when the store refused something. A panic is answered as on a blocking
/// thread, with a 500, not by dropping the connection.
fn on_worker<T>(f: impl FnOnce() -> Result<T, Problem>) -> Option<Result<T, Problem>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rapport_store::without_waiting(f)
    })) {
        Ok(r) => r,
        Err(_) => {
            tracing::error!("a request's work failed");
            Some(Err(Problem::internal()))
        }
    }
}

async fn on_blocking_thread<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&App) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    let app = state.app.clone();
    match tokio::task::spawn_blocking(move || f(&app)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "a request's work failed");
            Err(Problem::internal())
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole application: API routes, request ids and logs, body limit, 404s as problems.
pub fn router(app: Arc<App>, options: Options) -> Router {
    let (routes, doc) = api::routes().into_parts();
    let state = AppState {
        app,
        openapi: Arc::new(doc),
        options,
        dashboards: Arc::new(web::kept::KeptFigures::new(
            options.dashboard_live_up_to,
            options.dashboard_refresh_after,
        )),
    };
    routes
        .merge(web::routes())
        .fallback(|| async { Problem::new(axum::http::StatusCode::NOT_FOUND, "no such route") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(api::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_log,
        ))
        .with_state(state)
}

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Gives each request an id (echoed in `X-Request-Id`) and logs it with its status and
/// duration. Only the path is logged: query strings can carry feed tokens.
async fn request_log(State(_s): State<AppState>, req: Request, next: Next) -> Response {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
    // The process id once: `getpid` is a system call on every request otherwise.
    static PID: OnceLock<u32> = OnceLock::new();
    let id = format!("{:x}-{n}", PID.get_or_init(std::process::id));
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let _g = span.enter();
    tracing::info!(
        status = res.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "done"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res.into_response()
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish. `on_ready` is
/// called with the bound address (port 0 picks a free one) before the first request.
pub fn serve(
    app: App,
    addr: &str,
    options: Options,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    // Requests run their use cases on blocking threads, each holding a pooled connection:
    // with more threads than connections the surplus would only wait on the pool's lock.
    // Kept to the pool's size, a request that finds every connection busy waits in the
    // runtime's queue instead, and no thread is woken for nothing.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(app.store.max_connections())
        .build()?;
    // The app is dropped after the runtime: a PostgreSQL client must not be dropped
    // inside async code.
    let app = Arc::new(app);
    let served = app.clone();
    let result = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let bound = listener.local_addr()?;
        on_ready(bound);
        tracing::info!(%bound, "listening");
        axum::serve(
            listener,
            router(served, options).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown())
        .await?;
        tracing::info!("stopped");
        Ok(())
    });
    drop(rt);
    drop(app);
    result
}

async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::{Barrier, RwLock, mpsc};
    use std::time::Duration;

    use rapport_app::{Actor, FixedClock};
    use rapport_core::Role;

    /// One GET on its own connection: the status and the whole response.
    fn get(addr: SocketAddr, path: &str, token: &str) -> (u16, String) {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            c,
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        let status = out.split(' ').nth(1).unwrap().parse().unwrap();
        (status, out)
    }

    /// A short read is answered on the worker when a connection is idle, and through a
    /// blocking thread when none is; the worker stays free for other requests while a
    /// read waits for a connection, and the answers (a record, 401, 404) are the same
    /// typed responses either way.
    #[test]
    fn short_reads_do_not_hold_the_worker_while_the_pool_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let store = rapport_store::Store::open(dir.path().join("r.db").to_str().unwrap()).unwrap();
        let now = "2026-11-23T09:00:00Z".parse().unwrap();
        let app = App::new(store, Box::new(FixedClock(now)));
        let ws = app.workspace("default").unwrap().meta.id;
        let owner = Ctx {
            ws,
            actor: Actor::local(),
        };
        app.add_user(&owner, "alice", Role::Admin, None).unwrap();
        let token = app.create_token(&owner, Some("alice"), None).unwrap().token;
        let ada: rapport_core::Person = app
            .create_record(&owner, serde_json::json!({"name": "Ada"}))
            .unwrap();
        let path = format!("/api/v1/people/{}", ada.meta.id);
        let app = Arc::new(app);

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(app.store.max_connections())
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let router = router(app.clone(), Options::default());
        rt.spawn(async move { axum::serve(listener, router).await });

        let (status, body) = get(addr, &path, &token);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"Ada\""), "{body}");
        assert!(body.to_ascii_lowercase().contains("etag: \"1\""), "{body}");
        let (status, body) = get(addr, &path, "rpt_forged");
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("application/problem+json"), "{body}");
        let (status, body) = get(addr, "/api/v1/people/nonsense", &token);
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("application/problem+json"), "{body}");

        // Every pooled connection held by a long read.
        let n = app.store.max_connections();
        let gate = RwLock::new(());
        let closed = gate.write().unwrap();
        let holding = Barrier::new(n + 1);
        std::thread::scope(|s| {
            for _ in 0..n {
                s.spawn(|| {
                    let mut first = true;
                    app.store
                        .read(|_| {
                            if std::mem::take(&mut first) {
                                holding.wait();
                            }
                            drop(gate.read().unwrap());
                            Ok(())
                        })
                        .unwrap()
                });
            }
            holding.wait();
            let (sent, answered) = mpsc::channel();
            for t in [token.clone(), "rpt_forged".to_string()] {
                let (path, sent) = (path.clone(), sent.clone());
                s.spawn(move || sent.send(get(addr, &path, &t).0).unwrap());
            }
            // The workers still serve what needs no connection.
            let (status, _) = get(addr, "/api/openapi.json", "");
            assert_eq!(status, 200);
            assert!(
                answered.try_recv().is_err(),
                "answered without a connection"
            );
            drop(closed);
            let mut statuses = [
                answered.recv_timeout(Duration::from_secs(60)).unwrap(),
                answered.recv_timeout(Duration::from_secs(60)).unwrap(),
            ];
            statuses.sort();
            assert_eq!(statuses, [200, 401]);
        });
        drop(rt);
    }

    #[test]
    fn every_route_is_documented_once() {
        let r = api::routes();
        let routes = r.routes();
        let (_, doc) = r.into_parts();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = 0;
        for (method, path) in &routes {
            let op = &paths[path][method.to_ascii_lowercase()];
            assert!(op.is_object(), "{method} {path} is not in the document");
            assert!(op["responses"].is_object());
            documented += 1;
        }
        let in_doc: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(
            in_doc, documented,
            "the document has routes the router lacks"
        );
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["components"]["schemas"]["Person"].is_object());
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }
}
