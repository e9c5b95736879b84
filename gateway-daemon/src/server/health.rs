//! `/healthz` (the process answers) and `/readyz` (store open, rules loaded, not stopping).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use super::state::AppState;

/// The two probes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
}

async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, String) {
    let probe = Arc::clone(&state);
    let ready = tokio::task::spawn_blocking(move || probe.is_ready())
        .await
        .unwrap_or(false);
    if ready {
        (
            StatusCode::OK,
            format!(
                "ready: store open, rules {:?} loaded",
                state.rules.current().name()
            ),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the store is not answering or the daemon is shutting down".to_string(),
        )
    }
}
