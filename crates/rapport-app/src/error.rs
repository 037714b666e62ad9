use rapport_core::DomainError;
use rapport_core::reference::ReferenceError;
use rapport_store::StoreError;

/// What a use case can fail with. Each surface (CLI, API, web) maps it once.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The record changed since the version the caller saw (optimistic concurrency).
    #[error("{0}")]
    Stale(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    RateLimited(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound(e.to_string()),
            StoreError::StaleVersion { .. } => AppError::Stale(e.to_string()),
            StoreError::Duplicate(_) => AppError::Conflict(e.to_string()),
            StoreError::Domain(d) => AppError::Invalid(d),
            e => AppError::Store(e),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
