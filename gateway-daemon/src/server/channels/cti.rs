//! `POST /channels/cti/{token}`: the phone system (Generic CTI events and the `record`).
//!
//! A `record` becomes an appeal, stored before the answer; an emergency is answered
//! `{"action":"transfer","number":"119"}` so the PBX hands the caller over. A hangup before
//! anyone answered goes on the call-back list, the named table [`CALLBACK_TABLE`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use channel_adapters::cti::{CallBackEntry, CtiEvent};
use channel_adapters::{Inbound, WebhookReply};
use chrono::{DateTime, Utc};
use gateway_core::mask;
use gateway_core::store::WriteBatch;
use serde::{Deserialize, Serialize};

use super::{refused, webhook_request};
use crate::server::error::{ApiError, reply_response};
use crate::server::intake::take_in;
use crate::server::state::AppState;

/// The named table of callers to call back, keyed by the PBX's call id.
pub const CALLBACK_TABLE: &str = "callbacks";

/// A caller nobody answered, as stored and as `GET /api/v1/callbacks` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallBack {
    /// The PBX's call id.
    pub call_id: String,
    /// The number to call back.
    pub caller: String,
    /// The number the citizen dialed.
    pub dialed: Option<String>,
    /// The hangup cause.
    pub cause: String,
    /// The queue the call waited in.
    pub queue: Option<String>,
    /// When the gateway learnt of the hangup.
    pub missed_at: DateTime<Utc>,
}

impl From<&CallBackEntry> for CallBack {
    fn from(entry: &CallBackEntry) -> Self {
        Self {
            call_id: entry.call_id.clone(),
            caller: entry.caller.clone(),
            dialed: entry.dialed.clone(),
            cause: entry.cause.clone(),
            queue: entry.queue.clone(),
            missed_at: entry.missed_at,
        }
    }
}

/// Handles one CTI event.
pub async fn handle(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    run(&state, &token, &method, &uri, &headers, body)
        .await
        .map_err(|e| refused(&state, "cti", e))
}

async fn run(
    state: &AppState,
    token: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(cti) = &state.channels.cti else {
        return Err(ApiError::NotFound(
            "the cti channel is not configured; add [channels.cti] to the config".to_string(),
        ));
    };
    let request = webhook_request(state, method, uri, headers, body)?;
    let intake = cti
        .parse(token, &request)
        .map_err(|e| ApiError::Channel(WebhookReply::error(e.status(), &e)))?;

    let mut outcomes = Vec::new();
    let mut call_backs = WriteBatch::new();
    for item in &intake.items {
        match item {
            Inbound::Appeal(appeal) => outcomes.push(take_in(state, (**appeal).clone()).await?),
            Inbound::Event(CtiEvent::CallBack(entry)) => {
                tracing::info!(
                    call_id = %entry.call_id,
                    caller = %mask::phone(&entry.caller),
                    cause = %entry.cause,
                    "missed call put on the call-back list"
                );
                call_backs.put_json(CALLBACK_TABLE, &entry.call_id, &CallBack::from(entry))?;
            }
            Inbound::Event(CtiEvent::Call(call)) => {
                tracing::debug!(call_id = %call.call_id, event = %call.kind, "call event");
            }
        }
    }
    if !call_backs.is_empty() {
        state.store.commit(call_backs).await?;
    }
    Ok(reply_response(cti.reply(&intake, &outcomes)))
}
