//! Fresh databases on each engine, for tests that must pass on both.
//!
//! PostgreSQL: `RAPPORT_TEST_POSTGRES` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); every test gets its own database,
//! dropped afterwards. Without a server the PostgreSQL tests are reported as ignored,
//! unless `RAPPORT_REQUIRE_POSTGRES=1`, which makes them fail instead (CI sets it).
//!
//! Browser: [`Browser`] drives a headless Chromium over WebDriver (see [`browser`]);
//! [`browser_trials`] and [`browser_trial`] skip or fail without one, the same way.

pub mod browser;

pub use browser::{Browser, Cookie, Element, browser_available, browser_required};

use std::sync::atomic::{AtomicU32, Ordering};

/// Polls `condition` until it holds, up to [`browser::WAIT`]: for what another process
/// (a server's background work) does in its own time. Panics naming `what` if it never
/// holds.
pub fn eventually(what: &str, condition: impl FnMut() -> bool) {
    assert!(
        browser::holds_within_wait(condition),
        "timed out after {:?} waiting for {what}",
        browser::WAIT
    );
}

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

/// A named test body that runs against a fresh database.
pub type Body = (&'static str, fn(&Fresh));

/// Builds one trial per engine for each named test body. PostgreSQL trials are
/// ignored (never passed) when no server answers, unless `RAPPORT_REQUIRE_POSTGRES=1`,
/// in which case they fail.
pub fn trials(tests: &[Body]) -> Vec<libtest_mimic::Trial> {
    engine_trials(tests, false)
}

/// Like [`trials`], for bodies that also drive a [`Browser`]: without Chromium and
/// chromedriver every trial is ignored, unless `RAPPORT_REQUIRE_BROWSER=1`, in which
/// case it fails.
pub fn browser_trials(tests: &[Body]) -> Vec<libtest_mimic::Trial> {
    engine_trials(tests, true)
}

/// One trial that drives a [`Browser`] and needs no database; ignored or failed
/// without a browser exactly like [`browser_trials`].
pub fn browser_trial(name: &str, body: fn()) -> libtest_mimic::Trial {
    let gate = BrowserGate::probe();
    libtest_mimic::Trial::test(name, move || {
        gate.check()?;
        body();
        Ok(())
    })
    .with_ignored_flag(gate.skip())
}

/// Whether the browser tests can run, and what to do when they cannot.
#[derive(Clone, Copy)]
struct BrowserGate {
    needed: bool,
    ok: bool,
    required: bool,
}

impl BrowserGate {
    fn probe() -> BrowserGate {
        let gate = BrowserGate {
            needed: true,
            ok: browser_available(),
            required: browser_required(),
        };
        if !gate.ok && !gate.required {
            eprintln!(
                "note: {} or {} is missing: browser tests are ignored",
                browser::chromium_path().display(),
                browser::chromedriver_path().display()
            );
        }
        gate
    }

    fn none() -> BrowserGate {
        BrowserGate {
            needed: false,
            ok: true,
            required: false,
        }
    }

    fn skip(self) -> bool {
        self.needed && !self.ok && !self.required
    }

    fn check(self) -> Result<(), libtest_mimic::Failed> {
        if self.needed && !self.ok {
            return Err(format!(
                "a browser is required (RAPPORT_REQUIRE_BROWSER=1) but {} or {} is missing",
                browser::chromium_path().display(),
                browser::chromedriver_path().display()
            )
            .into());
        }
        Ok(())
    }
}

fn engine_trials(tests: &[Body], needs_browser: bool) -> Vec<libtest_mimic::Trial> {
    let pg_ok = pg_available();
    let required = pg_required();
    if !pg_ok && !required {
        eprintln!(
            "note: PostgreSQL at {} does not answer: its tests are ignored",
            pg_base()
        );
    }
    let gate = if needs_browser {
        BrowserGate::probe()
    } else {
        BrowserGate::none()
    };
    let mut out = Vec::new();
    for (name, body) in tests {
        let body = *body;
        let sqlite = libtest_mimic::Trial::test(format!("sqlite::{name}"), move || {
            gate.check()?;
            body(&Fresh::sqlite());
            Ok(())
        });
        out.push(sqlite.with_ignored_flag(gate.skip()));
        let pg = libtest_mimic::Trial::test(format!("postgres::{name}"), move || {
            if !pg_ok {
                return Err(format!(
                    "PostgreSQL is required (RAPPORT_REQUIRE_POSTGRES=1) but {} does not answer",
                    pg_base()
                )
                .into());
            }
            gate.check()?;
            body(&Fresh::postgres());
            Ok(())
        });
        out.push(pg.with_ignored_flag((!pg_ok && !required) || gate.skip()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::BrowserGate;

    fn gate(ok: bool, required: bool) -> BrowserGate {
        BrowserGate {
            needed: true,
            ok,
            required,
        }
    }

    #[test]
    fn a_missing_browser_skips_unless_required_and_never_passes() {
        assert!(gate(false, false).skip());
        assert!(gate(false, false).check().is_err());
        assert!(!gate(false, true).skip());
        assert!(gate(false, true).check().is_err());
        for required in [false, true] {
            assert!(!gate(true, required).skip());
            assert!(gate(true, required).check().is_ok());
        }
        assert!(!BrowserGate::none().skip());
        assert!(BrowserGate::none().check().is_ok());
    }
}
