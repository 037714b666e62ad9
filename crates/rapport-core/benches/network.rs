//! Network benchmarks at scale: `cargo bench -p rapport-core --bench network`.
//!
//! The graph is `network::synthetic(100_000, 10, …)`: 100,000 people in communities of
//! 100, 1,000,000 recorded ties (nine inside the community, one to anyone), I hold
//! relationships with 200 of them.
//!
//! - `network/build-100k-1m`: building the graph arrays from the facts.
//! - `network/intro-100k-1m`: the warm path from me to one person far from my first hop.
//! - `network/connectors-100k-1m`: sampled betweenness (16 sources) and the top 10.
//! - `network/overview-100k-1m`: strongest, connectors and dormant, 10 of each.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rapport_core::network::{Graph, synthetic};

fn bench_network(c: &mut Criterion) {
    let now = "2026-11-23T09:00:00Z"
        .parse()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let input = synthetic(100_000, 10, 7, now);
    let graph = Graph::build(&input, now);
    // Someone in a community where I know no one.
    let target = input.people[54_321].0.clone();
    let mut g = c.benchmark_group("network");
    g.sample_size(10);
    g.bench_function("build-100k-1m", |b| {
        b.iter(|| Graph::build(black_box(&input), now))
    });
    g.bench_function("intro-100k-1m", |b| {
        b.iter(|| graph.intro(black_box(&target)))
    });
    g.bench_function("connectors-100k-1m", |b| {
        b.iter(|| graph.connectors(black_box(10)))
    });
    g.bench_function("overview-100k-1m", |b| {
        b.iter(|| graph.overview(black_box(10)))
    });
    g.finish();
}

criterion_group!(benches, bench_network);
criterion_main!(benches);
