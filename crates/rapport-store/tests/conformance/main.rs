//! The storage conformance suite: every test body runs unchanged against SQLite and
//! PostgreSQL. Run with `cargo test -p rapport-store --test conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engines;
mod tests;

use engines::Fresh;
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let pg_ok = engines::pg_available();
    let required = engines::pg_required();
    let mut trials = Vec::new();
    for (name, body) in tests::ALL {
        let body = *body;
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            let db = Fresh::sqlite();
            body(&db);
            Ok(())
        }));
        let pg = Trial::test(format!("postgres::{name}"), move || {
            if !pg_ok {
                return Err(format!("PostgreSQL is required (RAPPORT_REQUIRE_POSTGRES=1) but {} does not answer", engines::pg_base()).into());
            }
            let db = Fresh::postgres();
            body(&db);
            Ok(())
        });
        // Without a server, and not required: reported as ignored, never as passed.
        trials.push(pg.with_ignored_flag(!pg_ok && !required));
    }
    if !pg_ok && !required {
        eprintln!("note: PostgreSQL at {} does not answer: its conformance tests are ignored", engines::pg_base());
    }
    libtest_mimic::run(&args, trials).exit();
}
