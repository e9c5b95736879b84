//! The one place where errors become HTTP statuses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use channel_adapters::WebhookReply;
use gateway_core::store::StoreError;
use serde_json::json;
use thiserror::Error;

/// An error a handler answers with. Its message says what failed and how to fix it.
#[derive(Debug, Error)]
pub enum ApiError {
    /// A reply an adapter rendered for its own error (status and body as the channel
    /// expects them).
    #[error("{}", .0.body_text())]
    Channel(WebhookReply),
    /// The request body is over `max_body_bytes`.
    #[error(
        "the request body is over the limit of {max_body_bytes} bytes; send less or raise max_body_bytes"
    )]
    BodyTooLarge {
        /// The configured limit.
        max_body_bytes: usize,
    },
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No credential, or an unknown one.
    #[error("{0}")]
    Unauthorized(String),
    /// A known credential without the right.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing is there.
    #[error("{0}")]
    NotFound(String),
    /// The client asks too often.
    #[error("too many requests from this address; wait a minute and try again")]
    TooManyRequests,
    /// The store refused or failed.
    #[error("the appeal store failed: {0}")]
    Store(#[from] StoreError),
    /// Something the daemon could not finish in time.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Channel(reply) => {
                StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Store(error) => match error {
                StoreError::AttachmentTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                StoreError::InvalidCursor { .. } => StatusCode::BAD_REQUEST,
                StoreError::IdConflict { .. } => StatusCode::CONFLICT,
                StoreError::Closed | StoreError::Backend { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "request failed");
        }
        match self {
            ApiError::Channel(reply) => reply_response(reply),
            other => {
                let mut response =
                    (status, axum::Json(json!({"error": other.to_string()}))).into_response();
                if status == StatusCode::UNAUTHORIZED {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                response
            }
        }
    }
}

/// A channel reply as an HTTP response.
pub fn reply_response(reply: WebhookReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(reply.content_type),
        )],
        reply.body,
    )
        .into_response()
}

/// The answer when a handler panicked: a 500 that says so, and an ERROR log line.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    // The panic message is not logged in full: it could quote input.
    tracing::error!(message_chars = what.chars().count(), "a handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"error": "internal error while handling the request; it was not stored, please retry"})),
    )
        .into_response()
}
