//! The API under `/api/v1`: reading appeals back and the call-back list (bearer token), a
//! rules reload (admin token), and the citizens' status lookup (no token, rate-limited).

pub mod appeals;
pub mod auth;
pub mod callbacks;
pub mod rules;
pub mod status;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::state::AppState;

/// `/api/v1/...`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/appeals", get(appeals::list))
        .route("/api/v1/appeals/{id}", get(appeals::one))
        .route("/api/v1/callbacks", get(callbacks::list))
        .route("/api/v1/rules/reload", post(rules::reload))
        .route("/api/v1/status", get(status::lookup))
}
