//! The webhook channels, one module each; they share how a request is read.

pub mod cti;
pub mod sms;
pub mod web_form;
pub mod wechat;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::routing::{get, post};
use channel_adapters::{Method, WebhookRequest};

use super::error::ApiError;
use super::state::AppState;

/// `/channels/...`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/channels/cti/{token}", post(cti::handle))
        .route(
            "/channels/sms/{provider}",
            get(sms::handle).post(sms::handle),
        )
        .route(
            "/channels/wechat/{account}",
            get(wechat::verify).post(wechat::push),
        )
        .route("/channels/web-form", post(web_form::handle))
}

/// The request as the adapters take it: method, the full URL as the channel called it
/// (rebuilt from `Host`, since providers sign it), headers and the raw body.
pub fn webhook_request(
    state: &AppState,
    method: &HttpMethod,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<WebhookRequest, ApiError> {
    let body = body.map_err(|rejection| body_error(state, rejection.status(), &rejection))?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    // Limitation: behind a TLS proxy the scheme the provider signed is https; the URL is
    // rebuilt as http, so put the proxy's `X-Forwarded-Proto` to use before going live.
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    let mut request = WebhookRequest::new(
        Method::parse(method.as_str()),
        format!("{scheme}://{host}{path}"),
        body.to_vec(),
    );
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            request.headers.insert(name.as_str(), value);
        }
    }
    Ok(request)
}

/// The error for a body that could not be read: 413 over the limit, else 400.
pub fn body_error(
    state: &AppState,
    status: StatusCode,
    reason: &dyn std::fmt::Display,
) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::BodyTooLarge {
            max_body_bytes: state.max_body_bytes,
        }
    } else {
        ApiError::BadRequest(format!("could not read the request body: {reason}"))
    }
}

/// Counts a refused request for `/metrics`, then passes the error on.
pub fn refused(state: &AppState, route: &str, error: ApiError) -> ApiError {
    let status = error.status();
    state
        .metrics
        .refused
        .with_label_values(&[route, status.as_str()])
        .inc();
    if status.is_client_error() {
        tracing::info!(route, status = status.as_u16(), reason = %error, "request refused");
    }
    error
}
