//! `GET /api/v1/appeals/{id}` and `GET /api/v1/appeals?unit=&township=&kind=&channel=&from=&to=&limit=&cursor=`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use gateway_core::store::{AppealFilter, PageRequest};
use gateway_core::{AppealId, Channel, Kind, TownshipCode, UnitId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::Role;
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// One appeal with its case number, decision in force and history.
pub async fn one(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.tokens.authorize(&headers, Role::Reader)?;
    let id = AppealId::from_string(id);
    let reader = Arc::clone(&state);
    let found = tokio::task::spawn_blocking(move || {
        let record = reader.store.appeal(&id)?;
        let history = reader.store.history(&id)?;
        Ok::<_, ApiError>(record.map(|r| (r, history)))
    })
    .await
    .map_err(|e| ApiError::Unavailable(format!("the read task stopped: {e}")))??;
    let Some((record, history)) = found else {
        return Err(ApiError::NotFound("no appeal with this id".to_string()));
    };
    Ok(Json(json!({
        "appeal": record.appeal,
        "case_number": record.case_number,
        "decision": record.decision,
        "history": history,
    })))
}

/// The list's query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A unit id, lead or assisting.
    pub unit: Option<String>,
    /// A township code.
    pub township: Option<String>,
    /// `complaint`, `request`, ...
    pub kind: Option<String>,
    /// `phone`, `sms`, `wechat`, `web_form`, `email`, ...
    pub channel: Option<String>,
    /// Received at or after, RFC 3339.
    pub from: Option<String>,
    /// Received before, RFC 3339.
    pub to: Option<String>,
    /// Page size, 1 to 1000; default 50.
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn time(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "`{field}` is not an rfc 3339 time ({e}); write e.g. 2026-12-03T08:00:00+08:00"
            ))
        })
}

/// One page of appeals, in receive order.
pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    state.tokens.authorize(&headers, Role::Reader)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(format!("bad query: {e}")))?;
    let mut filter = AppealFilter::default();
    if let Some(unit) = query.unit {
        filter = filter.unit(UnitId::new(unit));
    }
    if let Some(township) = query.township {
        filter = filter.township(TownshipCode::new(township));
    }
    if let Some(kind) = query.kind {
        let parsed = Kind::parse(&kind).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`kind` {kind:?} is unknown; use one of {}",
                Kind::ALL.map(Kind::as_str).join(", ")
            ))
        })?;
        filter = filter.kind(parsed);
    }
    if let Some(channel) = query.channel {
        let parsed = Channel::parse(&channel).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`channel` {channel:?} is unknown; use one of {}",
                Channel::ALL.map(Channel::as_str).join(", ")
            ))
        })?;
        filter = filter.channel(parsed);
    }
    if let Some(from) = query.from {
        filter.received_from = Some(time("from", &from)?);
    }
    if let Some(to) = query.to {
        filter.received_until = Some(time("to", &to)?);
    }
    let limit = query.limit.unwrap_or(50);
    if limit == 0 || limit > gateway_core::store::MAX_PAGE_LIMIT {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be 1 to {}",
            gateway_core::store::MAX_PAGE_LIMIT
        )));
    }
    let page = match query.cursor {
        Some(cursor) => PageRequest::after(limit, cursor),
        None => PageRequest::first(limit),
    };
    let reader = Arc::clone(&state);
    let page = tokio::task::spawn_blocking(move || reader.store.list(&filter, &page))
        .await
        .map_err(|e| ApiError::Unavailable(format!("the read task stopped: {e}")))??;
    let appeals: Vec<Value> = page
        .records
        .into_iter()
        .map(|r| {
            json!({
                "appeal": r.appeal,
                "case_number": r.case_number,
                "decision": r.decision,
            })
        })
        .collect();
    Ok(Json(json!({
        "appeals": appeals,
        "next_cursor": page.next_cursor,
    })))
}
