//! `POST /channels/web-form`: the web form (网上信箱) as JSON, urlencoded or multipart with
//! files. Files are stored by their SHA-256 through the store before the appeal, and the
//! appeal before the answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::Response;
use channel_adapters::web_form::{UploadedFile, WebFormAdapter, WebFormSubmission};

use super::{body_error, refused, webhook_request};
use crate::server::error::{ApiError, reply_response};
use crate::server::intake::take_in;
use crate::server::state::AppState;

/// Handles one submission.
pub async fn handle(
    State(state): State<Arc<AppState>>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, request)
        .await
        .map_err(|e| refused(&state, "web_form", e))
}

async fn run(state: &Arc<AppState>, request: Request) -> Result<Response, ApiError> {
    let Some(form) = &state.channels.web_form else {
        return Err(ApiError::NotFound(
            "the web form is not configured; add [channels.web_form] to the config".to_string(),
        ));
    };
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let submission = if is_multipart {
        multipart(state, form, request).await?
    } else {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await;
        let webhook = webhook_request(state, &parts.method, &parts.uri, &parts.headers, bytes)?;
        form.parse(&webhook)
            .map_err(|e| ApiError::Channel(e.to_reply()))?
    };

    for file in &submission.files {
        let started = std::time::Instant::now();
        let sha256 = state.store.put_attachment(file.bytes.clone()).await?;
        state
            .metrics
            .store_commit_seconds
            .with_label_values(&["attachment"])
            .observe(started.elapsed().as_secs_f64());
        if sha256 != file.sha256 {
            return Err(ApiError::Unavailable(
                "an attachment was stored under another hash than the form computed".to_string(),
            ));
        }
    }
    let Some(appeal) = submission.appeal().cloned() else {
        return Err(ApiError::BadRequest(
            "the submission made no appeal".to_string(),
        ));
    };
    let outcome = take_in(state, appeal).await?;
    Ok(reply_response(form.reply(&outcome)))
}

/// Splits a multipart body into text fields and files, then checks them in the adapter.
async fn multipart(
    state: &Arc<AppState>,
    form: &WebFormAdapter,
    request: Request,
) -> Result<WebFormSubmission, ApiError> {
    let idempotency_key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| body_error(state, e.status(), &e))?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(body_error(state, e.status(), &e)),
        };
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| body_error(state, e.status(), &e))?;
                files.push(UploadedFile {
                    file_name: (!file_name.is_empty()).then_some(file_name),
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
            None => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| body_error(state, e.status(), &e))?;
                fields.push((name, value));
            }
        }
    }
    form.parse_fields(fields, files, idempotency_key.as_deref())
        .map_err(|e| ApiError::Channel(e.to_reply()))
}
