//! Search ranking over a SQLite store of demo data: candidates from the trigram index,
//! typo corrections from the vocabulary, then scoring and ordering.
//! `cargo bench -p rapport-app --bench search`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rapport_app::{Actor, App, Ctx, FixedClock};
use rapport_store::Store;

/// Demo people loaded once; enough for each query to have many candidates to rank.
const PEOPLE: u32 = 5_000;
/// Under `cargo test` (no `--bench`), criterion runs each benchmark once: a small store
/// keeps that check quick in a debug build.
const PEOPLE_CHECK: u32 = 200;

fn bench_search(c: &mut Criterion) {
    let setup = || -> Result<(tempfile::TempDir, App, Ctx), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("search.db");
        let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse()?;
        let app = App::new(
            Store::open(&db.to_string_lossy())?,
            Box::new(FixedClock(now)),
        );
        let ws = app.workspace("default")?.meta.id;
        let ctx = Ctx {
            ws,
            actor: Actor::local(),
        };
        let bench = std::env::args().any(|a| a == "--bench");
        app.load_demo(&ctx, if bench { PEOPLE } else { PEOPLE_CHECK }, 1)?;
        Ok((dir, app, ctx))
    };
    let (_dir, app, ctx) = match setup() {
        Ok(s) => s,
        Err(e) => return eprintln!("search bench: setup failed: {e}"),
    };
    let mut g = c.benchmark_group("search-5k-people");
    for (name, query) in [
        ("fragment", "ander"),
        ("typo", "andersen"),
        ("two-words", "olivia anderson"),
        ("email-domain", "beaconfoods"),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                app.search(&ctx, black_box(query), 20)
                    .map(|hits| hits.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_search);
criterion_main!(benches);
