//! The engines a conformance test runs against, each a fresh database.
//!
//! PostgreSQL: `RAPPORT_TEST_POSTGRES` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); every test gets its own database,
//! dropped afterwards. Without a server the PostgreSQL tests are reported as ignored,
//! unless `RAPPORT_REQUIRE_POSTGRES=1`, which makes them fail instead (CI sets it).

use std::sync::atomic::{AtomicU32, Ordering};

use rapport_store::Store;

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
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { name: String, url: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Fresh {
    pub fn sqlite() -> Fresh {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("rapport.db").to_string_lossy().into_owned();
        Fresh::Sqlite { _dir: dir, url }
    }

    pub fn postgres() -> Fresh {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let name = format!("rapport_test_{}_{}_{}", std::process::id(), nanos, n);
        let mut admin = postgres::Client::connect(&pg_base(), postgres::NoTls).expect("PostgreSQL server");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
        let base = pg_base();
        let url = match base.rfind('/') {
            Some(i) if base[..i].contains("://") && base[i..].len() > 1 && !base[..i].ends_with('/') => {
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

    pub fn open(&self) -> Store {
        Store::open(self.url()).expect("open store")
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Fresh::Postgres { name, .. } = self {
            if let Ok(mut admin) = postgres::Client::connect(&pg_base(), postgres::NoTls) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}
