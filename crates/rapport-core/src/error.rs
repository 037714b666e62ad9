//! Validation errors: every one names the field at fault.

use std::fmt;

/// One invalid field, with a message that says what is expected (no trailing period).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidMany(Vec<FieldError>),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid(FieldError::new(field, message))
    }

    /// The field errors, whichever variant holds them.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            DomainError::Invalid(e) => vec![e.clone()],
            DomainError::InvalidMany(v) => v.clone(),
        }
    }

    /// The same errors with every field name prefixed (`emails[2]`, `person.emails`).
    pub fn within(self, prefix: &str) -> Self {
        let pre = |e: FieldError| FieldError::new(format!("{prefix}{}", e.field), e.message);
        match self {
            DomainError::Invalid(e) => DomainError::Invalid(pre(e)),
            DomainError::InvalidMany(v) => {
                DomainError::InvalidMany(v.into_iter().map(pre).collect())
            }
        }
    }
}
