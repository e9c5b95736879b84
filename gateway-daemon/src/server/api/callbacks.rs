//! `GET /api/v1/callbacks?limit=`: callers nobody answered, to be called back.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::Role;
use crate::server::channels::cti::{CALLBACK_TABLE, CallBack};
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// The query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackQuery {
    /// The most entries returned, 1 to 1000; default 100.
    pub limit: Option<usize>,
}

/// The call-back list, by call id.
pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    state.tokens.authorize(&headers, Role::Reader)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(format!("bad query: {e}")))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    // Limitation: the list is in call-id order and not paged; entries stay until a later
    // module marks them called back.
    let entries = state.store.scan_prefix(CALLBACK_TABLE, b"", limit)?;
    let mut callbacks = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match serde_json::from_slice::<CallBack>(&value) {
            Ok(entry) => callbacks.push(entry),
            Err(e) => tracing::error!(
                key = %String::from_utf8_lossy(&key),
                error = %e,
                "a call-back entry does not decode; it is skipped"
            ),
        }
    }
    Ok(Json(json!({ "callbacks": callbacks })))
}
