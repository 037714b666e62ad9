//! The storage conformance suite: every test body runs unchanged against SQLite and
//! PostgreSQL. Run with `cargo test -p rapport-store --test conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod network;
mod tests;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = rapport_testkit::trials(tests::ALL);
    trials.extend(rapport_testkit::trials(network::ALL));
    libtest_mimic::run(&args, trials).exit();
}
