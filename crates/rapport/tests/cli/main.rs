//! Black-box tests of the real `rapport` binary, each run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod demo;
mod health;
mod import;
mod metrics;
mod records;
mod support;
mod today;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut all: Vec<rapport_testkit::Body> = Vec::new();
    all.extend_from_slice(records::ALL);
    all.extend_from_slice(backup::ALL);
    all.extend_from_slice(today::ALL);
    all.extend_from_slice(health::ALL);
    all.extend_from_slice(import::ALL);
    all.extend_from_slice(metrics::ALL);
    all.extend_from_slice(demo::ALL);
    libtest_mimic::run(&args, rapport_testkit::trials(&all)).exit();
}
