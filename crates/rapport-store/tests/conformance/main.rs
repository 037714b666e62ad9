//! The storage conformance suite: every test body runs unchanged against SQLite and
//! PostgreSQL. Run with `cargo test -p rapport-store --test conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tests;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, rapport_testkit::trials(tests::ALL)).exit();
}
