//! Fresh databases on each engine, for tests that must pass on both.
//!
//! PostgreSQL: `RAPPORT_TEST_POSTGRES` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); every test gets its own database,
//! dropped afterwards. Without a server the PostgreSQL tests are reported as ignored,
//! unless `RAPPORT_REQUIRE_POSTGRES=1`, which makes them fail instead (CI sets it).

use std::sync::atomic::{AtomicU32, Ordering};

pub const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn pg_base() -> String {
    std::env::var("RAPPORT_TEST_POSTGRES").unwrap_or_else(|_| PG_DEFAULT.to_string())
}

pub fn pg_required() -> bool {
    std::env::var("RAPPORT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

/// Whether the PostgreSQL server answers.
pub fn pg_available() -> bool {
    postgres::Client::connect(&pg_base(), postgres::NoTls).is_ok()
}

/// A fresh database that is removed when dropped.
pub enum Fresh {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        name: String,
        url: String,
    },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Fresh {
    pub fn sqlite() -> Fresh {
        #[allow(clippy::expect_used)] // reason: test support; no temp dir means no test
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("rapport.db").to_string_lossy().into_owned();
        Fresh::Sqlite { _dir: dir, url }
    }

    pub fn postgres() -> Fresh {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("rapport_test_{}_{}_{}", std::process::id(), nanos, n);
        #[allow(clippy::expect_used)]
        // reason: test support; a test without its database cannot run
        let mut admin =
            postgres::Client::connect(&pg_base(), postgres::NoTls).expect("PostgreSQL server");
        #[allow(clippy::expect_used)]
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let base = pg_base();
        let url = match base.rfind('/') {
            Some(i)
                if base[..i].contains("://")
                    && base[i..].len() > 1
                    && !base[..i].ends_with('/') =>
            {
                format!("{}/{name}", &base[..i])
            }
            _ => format!("{}/{name}", base.trim_end_matches('/')),
        };
        Fresh::Postgres { name, url }
    }

    pub fn url(&self) -> &str {
        match self {
            Fresh::Sqlite { url, .. } | Fresh::Postgres { url, .. } => url,
        }
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Fresh::Postgres { name, .. } = self
            && let Ok(mut admin) = postgres::Client::connect(&pg_base(), postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn fresh(self) -> Fresh {
        match self {
            Engine::Sqlite => Fresh::sqlite(),
            Engine::Postgres => Fresh::postgres(),
        }
    }
}

/// Builds one trial per engine for each named test body. PostgreSQL trials are
/// ignored (never passed) when no server answers, unless `RAPPORT_REQUIRE_POSTGRES=1`,
/// in which case they fail.
/// A named test body that runs against a fresh database.
pub type Body = (&'static str, fn(&Fresh));

pub fn trials(tests: &[Body]) -> Vec<libtest_mimic::Trial> {
    let pg_ok = pg_available();
    let required = pg_required();
    if !pg_ok && !required {
        eprintln!(
            "note: PostgreSQL at {} does not answer: its tests are ignored",
            pg_base()
        );
    }
    let mut out = Vec::new();
    for (name, body) in tests {
        let body = *body;
        out.push(libtest_mimic::Trial::test(
            format!("sqlite::{name}"),
            move || {
                body(&Fresh::sqlite());
                Ok(())
            },
        ));
        let pg = libtest_mimic::Trial::test(format!("postgres::{name}"), move || {
            if !pg_ok {
                return Err(format!(
                    "PostgreSQL is required (RAPPORT_REQUIRE_POSTGRES=1) but {} does not answer",
                    pg_base()
                )
                .into());
            }
            body(&Fresh::postgres());
            Ok(())
        });
        out.push(pg.with_ignored_flag(!pg_ok && !required));
    }
    out
}
