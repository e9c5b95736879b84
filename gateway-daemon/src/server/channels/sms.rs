//! `POST /channels/sms/{provider}`: inbound SMS from Alibaba Cloud, Tencent Cloud and Twilio
//! accounts, named in the config. Every message of a push is stored before the answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use channel_adapters::{Inbound, WebhookReply};

use super::{refused, webhook_request};
use crate::server::error::{ApiError, reply_response};
use crate::server::intake::take_in_all;
use crate::server::state::AppState;

/// Handles one push to an SMS account.
pub async fn handle(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    run(&state, &account, &method, &uri, &headers, body)
        .await
        .map_err(|e| refused(&state, "sms", e))
}

async fn run(
    state: &AppState,
    account: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(sms) = &state.channels.sms else {
        return Err(ApiError::NotFound(format!(
            "no sms account {account:?}: the sms channel is not configured"
        )));
    };
    let request = webhook_request(state, method, uri, headers, body)?;
    let intake = sms
        .parse(account, &request)
        .map_err(|e| ApiError::Channel(WebhookReply::error(e.status(), &e)))?;
    let appeals: Vec<_> = intake
        .items
        .iter()
        .map(|item| match item {
            Inbound::Appeal(appeal) => (**appeal).clone(),
            Inbound::Event(never) => match *never {},
        })
        .collect();
    let outcomes = take_in_all(state, appeals).await?;
    Ok(reply_response(sms.reply(&intake, &outcomes)))
}
