//! `GET|POST /channels/wechat/{account}`: the WeChat Official Account's URL check and
//! message pushes, plain or in safe mode (encrypted).
//!
//! WeChat waits 5 seconds for the passive reply, then drops the connection and pushes the
//! same message again (three tries in all). The store's work is therefore bounded by
//! `reply_timeout_millis` (default 4 s). The intake runs in a task of its own, so it is
//! finished even when the reply is given up on. If the store is slower than the bound, the
//! daemon answers 503 with an empty body and no "success": WeChat then retries the push,
//! and the retry, deduplicated on `MsgId`, finds the appeal stored and gets the case number
//! in its reply. Answering "success" instead would stop the retries and leave the citizen
//! without a case number.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use channel_adapters::wechat::WechatAdapter;
use channel_adapters::{Inbound, WebhookReply};

use super::{refused, webhook_request};
use crate::server::error::{ApiError, reply_response};
use crate::server::intake::take_in;
use crate::server::state::AppState;

fn account<'s>(state: &'s AppState, name: &str) -> Result<&'s WechatAdapter, ApiError> {
    state.channels.wechat.get(name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no wechat account {name:?}; add [channels.wechat.accounts.{name}] to the config"
        ))
    })
}

/// The platform's URL check (GET with `echostr`).
pub async fn verify(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let answer = async {
        let adapter = account(&state, &name)?;
        let request = webhook_request(&state, &method, &uri, &headers, body)?;
        adapter
            .verify_url(&request)
            .map(reply_response)
            .map_err(|e| ApiError::Channel(WebhookReply::error(e.status(), &e)))
    }
    .await;
    answer.map_err(|e| refused(&state, "wechat", e))
}

/// One message push.
pub async fn push(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    run(&state, &name, &method, &uri, &headers, body)
        .await
        .map_err(|e| refused(&state, "wechat", e))
}

async fn run(
    state: &Arc<AppState>,
    name: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let adapter = account(state, name)?;
    let request = webhook_request(state, method, uri, headers, body)?;
    let push = adapter
        .parse_push(&request)
        .map_err(|e| ApiError::Channel(WebhookReply::error(e.status(), &e)))?;

    let appeal = push.items.iter().find_map(|item| match item {
        Inbound::Appeal(appeal) => Some((**appeal).clone()),
        Inbound::Event(event) => {
            tracing::debug!(msg_type = %event.msg_type, event = %event.event, sender = %gateway_core::mask::opaque(&event.from_user), "wechat event");
            None
        }
    });
    let outcomes = match appeal {
        None => Vec::new(),
        Some(appeal) => {
            let task_state = Arc::clone(state);
            let work = tokio::spawn(async move { take_in(&task_state, appeal).await });
            match tokio::time::timeout(state.channels.wechat_reply_timeout, work).await {
                Ok(Ok(outcome)) => vec![outcome?],
                Ok(Err(join)) => {
                    return Err(ApiError::Unavailable(format!(
                        "the intake task stopped: {join}"
                    )));
                }
                Err(_) => {
                    tracing::warn!(
                        timeout_millis = state.channels.wechat_reply_timeout.as_millis() as u64,
                        "the store was slower than the wechat reply bound; answering 503 so the platform retries"
                    );
                    return Err(ApiError::Unavailable(
                        "the appeal is still being stored; the platform's retry will get the reply"
                            .to_string(),
                    ));
                }
            }
        }
    };
    Ok(reply_response(adapter.reply(&push, &outcomes)))
}
