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
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound(e.to_string()),
            StoreError::StaleVersion { .. } | StoreError::Duplicate(_) => {
                AppError::Conflict(e.to_string())
            }
            StoreError::Domain(d) => AppError::Invalid(d),
            e => AppError::Store(e),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
