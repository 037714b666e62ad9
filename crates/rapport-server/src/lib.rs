//! Rapport's HTTP server: the JSON API (and, as it lands, the web UI) over `rapport-app`.
//!
//! Architecture invariant: the only crate that knows HTTP. Handlers parse requests into
//! domain values, call one use case of [`rapport_app::App`] on a blocking thread (the
//! store is synchronous) and turn the result or the error into a response. Nothing is
//! kept in the process between requests that another instance would need: sessions,
//! rate-limit counters and tokens live in the database.

pub mod api;
pub mod openapi;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
}

/// How the server is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Behind a reverse proxy or load balancer that appends the client's address to
    /// `X-Forwarded-For`: use that address (for login rate limits) instead of the peer's.
    pub trust_proxy: bool,
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
    let id = format!("{:x}-{n}", std::process::id());
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
