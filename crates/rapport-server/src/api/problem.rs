//! The API's one error type: RFC 9457 `application/problem+json`, with a field-level
//! `errors` list. Every failure of the API is turned into one of these here, once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::AppError;
use serde::Serialize;

/// One bad field of a request.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FieldProblem {
    /// The field at fault, as a path (`emails[1]`); empty for the body as a whole.
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: vec![],
        }
    }

    pub fn field(status: StatusCode, field: &str, message: impl Into<String>) -> Problem {
        let message = message.into();
        let detail = if field.is_empty() {
            message.clone()
        } else {
            format!("{field}: {message}")
        };
        let mut p = Problem::new(status, detail);
        p.errors.push(FieldProblem {
            field: field.into(),
            message,
        });
        p
    }

    pub fn not_found() -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "no such record")
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn internal() -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side; it has been logged",
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Problem {
        match e {
            AppError::Invalid(d) => {
                let fields = d.fields();
                let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, d.to_string());
                p.errors = fields
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        message: f.message,
                    })
                    .collect();
                p
            }
            AppError::Reference(r) => Problem::new(StatusCode::NOT_FOUND, r.to_string()),
            AppError::NotFound(m) => Problem::new(StatusCode::NOT_FOUND, m),
            AppError::Conflict(m) => Problem::new(StatusCode::CONFLICT, m),
            AppError::Stale(m) => Problem::new(StatusCode::PRECONDITION_FAILED, m),
            AppError::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, m),
            AppError::Unauthorized(m) => Problem::unauthorized(m),
            AppError::RateLimited(m) => Problem::new(StatusCode::TOO_MANY_REQUESTS, m),
            // Only inside `rapport_store::without_waiting`, whose caller drops this answer
            // and runs the request again where it may wait: nothing failed.
            AppError::Store(rapport_store::StoreError::WouldWait) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store would have had to wait",
            ),
            AppError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                Problem::internal()
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rapport\""),
            );
        }
        r
    }
}
