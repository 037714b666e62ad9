use rapport_core::{DomainError, EntityKind};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {entity} with id {id}")]
    NotFound { entity: EntityKind, id: String },
    #[error(
        "{entity} {id} was changed by someone else (you had version {expected}, it is now at {actual})"
    )]
    StaleVersion {
        entity: EntityKind,
        id: String,
        expected: i64,
        actual: i64,
    },
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("the database stayed busy; try again")]
    Busy,
    /// A transaction inside [`crate::without_waiting`] that would have had to wait (for
    /// a connection, a lock or the network), refused without running.
    #[error("this transaction would have to wait, and may not here")]
    WouldWait,
    #[error("stored data is not what Rapport expects: {0}")]
    Corrupt(String),
    #[error("cannot open the database: {0}")]
    Config(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
}

impl StoreError {
    /// True for transient lock or serialization failures that a retry of the whole
    /// transaction resolves.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Busy => true,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
            }
            StoreError::Postgres(e) => e.code().is_some_and(|c| {
                *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
            }),
            _ => false,
        }
    }

    /// True when a unique constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            StoreError::Postgres(e) => {
                e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
            }
            _ => false,
        }
    }
}
