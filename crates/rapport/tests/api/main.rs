//! Black-box tests of the HTTP API and the web UI: the real binary serves on a free
//! loopback port, each test on SQLite and on PostgreSQL; the browser tests drive
//! headless Chromium against it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod data;
mod records;
mod security;
mod support;
mod web;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut all: Vec<rapport_testkit::Body> = Vec::new();
    all.extend_from_slice(records::ALL);
    all.extend_from_slice(data::ALL);
    all.extend_from_slice(security::ALL);
    all.extend_from_slice(web::ALL);
    let mut trials = rapport_testkit::trials(&all);
    trials.extend(rapport_testkit::browser_trials(browser::ALL));
    libtest_mimic::run(&args, trials).exit();
}
