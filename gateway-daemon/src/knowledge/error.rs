//! What can go wrong with the knowledge base in the daemon, and the one place these errors
//! become HTTP statuses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gateway_core::store::StoreError;
use knowledge_base::KbError;
use serde_json::{Value, json};
use thiserror::Error;

/// An error of the knowledge service or its API.
#[derive(Debug, Error)]
pub enum KnowledgeError {
    /// No bearer token, or one nobody has.
    #[error("{0}")]
    Unauthorized(String),
    /// A known token without the right.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing is there.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// An uploaded file has problems, each at its line.
    #[error("the file has problems: {}", .problems.iter().map(|p| format!("line {}: {}", p.0, p.1)).collect::<Vec<_>>().join("; "))]
    Unprocessable {
        /// The 1-based line and what is wrong there.
        problems: Vec<(usize, String)>,
    },
    /// The knowledge base refused or failed.
    #[error(transparent)]
    Kb(#[from] KbError),
    /// The appeal store failed.
    #[error("the appeal store failed: {0}")]
    Store(#[from] StoreError),
    /// A blocking task did not finish.
    #[error("the knowledge base task stopped: {0}")]
    Task(String),
}

impl KnowledgeError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            KnowledgeError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            KnowledgeError::Forbidden(_) => StatusCode::FORBIDDEN,
            KnowledgeError::NotFound(_) => StatusCode::NOT_FOUND,
            KnowledgeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            KnowledgeError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            KnowledgeError::Kb(error) => match error {
                KbError::NotOwner { .. } => StatusCode::FORBIDDEN,
                KbError::NoSuchEntry(_) => StatusCode::NOT_FOUND,
                KbError::Invalid { .. } | KbError::Import(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            KnowledgeError::Store(error) => match error {
                StoreError::Closed | StoreError::Backend { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            KnowledgeError::Task(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for KnowledgeError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "knowledge base request failed");
        }
        let mut body = json!({"error": self.to_string()});
        if let KnowledgeError::Unprocessable { problems } = &self {
            body["problems"] = Value::Array(
                problems
                    .iter()
                    .map(|(line, problem)| json!({"line": line, "problem": problem}))
                    .collect(),
            );
        }
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
