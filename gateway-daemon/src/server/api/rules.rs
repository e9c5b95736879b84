//! `POST /api/v1/rules/reload` (admin): reload the rules now, answering what was wrong.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::config::Role;
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// Reloads; 200 with the set's name, or 422 with every `file:line:column` error while the
/// previous rules stay in force.
pub async fn reload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let token = state.tokens.authorize(&headers, Role::Admin)?;
    // The token's configured label (e.g. `platform-admin`), not a person's name.
    let token_label = &token.name;
    tracing::info!(token = %token_label, "rules reload asked over the api");
    let reloader = Arc::clone(&state);
    let result = tokio::task::spawn_blocking(move || reloader.rules.reload())
        .await
        .map_err(|e| ApiError::Unavailable(format!("the reload task stopped: {e}")))?;
    Ok(match result {
        Ok(set) => (
            StatusCode::OK,
            Json(json!({"reloaded": true, "rules": set.name()})),
        ),
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "reloaded": false,
                "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })),
        ),
    })
}
