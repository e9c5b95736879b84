//! What can go wrong with cases, and the one place these errors become HTTP statuses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gateway_core::case::{CaseError, CaseNumber, ConfigError};
use gateway_core::store::StoreError;
use serde_json::json;
use thiserror::Error;

/// A cases config that cannot be used.
#[derive(Debug, Error)]
pub enum CasesConfigError {
    /// The case policy (`[cases.policy]`) was refused by `gateway-core`.
    #[error("cases.policy: {0}")]
    Policy(ConfigError),
    /// A field has a value that cannot be used.
    #[error("invalid config value `{field}`: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// Why, and what to write instead.
        reason: String,
    },
    /// The working calendar could not be loaded.
    #[error("the working calendar could not be loaded: {0}")]
    Calendar(String),
    /// The HTTP client for webhooks could not be built.
    #[error("the webhook client could not be built: {0}")]
    Client(String),
    /// The duplicate index could not be built from the store.
    #[error("the duplicate index could not be built: {0}")]
    Duplicates(String),
}

/// An error of the case service or its API.
#[derive(Debug, Error)]
pub enum CasesError {
    /// No bearer token, or one nobody has.
    #[error("{0}")]
    Unauthorized(String),
    /// A known token without the right.
    #[error("{0}")]
    Forbidden(String),
    /// No such case.
    #[error("no case {0}; check the case number")]
    CaseNotFound(CaseNumber),
    /// Something else is missing.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with what is stored (a link that exists, a closed case).
    #[error("{0}")]
    Conflict(String),
    /// The case machine refused the action; the case is unchanged.
    #[error("{0}")]
    Case(#[from] CaseError),
    /// The store refused or failed.
    #[error("the appeal store failed: {0}")]
    Store(#[from] StoreError),
    /// The working calendar could not count a date (a year it does not cover).
    #[error("the working calendar could not count the dates: {0}; add the year's calendar")]
    Calendar(String),
    /// Something the gateway itself got wrong (a task that stopped, an encoding that failed).
    #[error("{0}")]
    Internal(String),
}

impl CasesError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            CasesError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            CasesError::Forbidden(_) => StatusCode::FORBIDDEN,
            CasesError::CaseNotFound(_) | CasesError::NotFound(_) => StatusCode::NOT_FOUND,
            CasesError::BadRequest(_) => StatusCode::BAD_REQUEST,
            CasesError::Conflict(_) => StatusCode::CONFLICT,
            CasesError::Case(error) => case_status(error),
            CasesError::Store(error) => match error {
                StoreError::Closed | StoreError::Backend { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            CasesError::Calendar(_) | CasesError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Illegal transitions are conflicts with the case's state; a wrong actor is forbidden; a
/// malformed action (blank reason, too many days) is unprocessable.
fn case_status(error: &CaseError) -> StatusCode {
    match error {
        CaseError::NotAllowed { .. }
        | CaseError::ExtensionPending { .. }
        | CaseError::NoPendingExtension { .. }
        | CaseError::ReturnLimitReached { .. }
        | CaseError::StepNotDue { .. }
        | CaseError::StepAlreadyRecorded { .. }
        | CaseError::TimeWentBackwards { .. } => StatusCode::CONFLICT,
        CaseError::WrongRole { .. } | CaseError::NotLeadUnit { .. } => StatusCode::FORBIDDEN,
        CaseError::MissingText { .. }
        | CaseError::ExtensionDays { .. }
        | CaseError::LeadAlsoAssisting { .. }
        | CaseError::UnknownStep { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        CaseError::EmptyCaseNumber | CaseError::Calendar { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl IntoResponse for CasesError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "case request failed");
        }
        let mut response = (status, axum::Json(json!({"error": self.to_string()}))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
