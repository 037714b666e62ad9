//! The ceiling for the HTTP benchmarks: a hello-world handler on the same web stack as
//! `rapport serve` (axum on a multi-threaded tokio runtime, the same crate versions and
//! features, and the same allocator), with no database and no middleware.
//!
//! `cargo run --release -p rapport-server --example hello -- 127.0.0.1:0` prints
//! `listening on http://ADDR` once bound and serves `GET /` until killed.

use std::io::Write;

use axum::Router;
use axum::routing::get;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        let bound = listener.local_addr()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{bound}")?;
        out.flush()?;
        drop(out);
        let app = Router::new().route("/", get(|| async { "Hello, world!" }));
        axum::serve(listener, app).await?;
        Ok(())
    })
}
