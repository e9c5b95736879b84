//! `GET /api/v1/cases/{case_number}/follow-up`: where the survey of a case stands, its
//! replies as read, and the messages sent to the citizen. Units see their own cases only.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::messages;
use super::replies::FollowUps;
use crate::cases::api::{caller, parse_number, visible_case};
use crate::cases::{CaseService, CasesError};

#[derive(Clone)]
struct Parts {
    cases: Arc<CaseService>,
    follow_ups: Arc<FollowUps>,
}

/// The follow-up routes.
pub fn routes<S>(cases: Arc<CaseService>, follow_ups: Arc<FollowUps>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/cases/{case_number}/follow-up", get(follow_up))
        .with_state(Parts { cases, follow_ups })
}

async fn follow_up(
    State(parts): State<Parts>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, CasesError> {
    let owner = caller(&parts.cases, &headers)?;
    let number = parse_number(&number)?;
    visible_case(&parts.cases, &owner, &number)?;
    let record = parts.follow_ups.record(&number)?;
    let sent = messages::of_case(parts.follow_ups.surveys().store(), &number)?;
    let messages: Vec<_> = sent
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "channel": m.address.kind(),
                "text": m.text,
                "state": m.state,
                "attempts": m.attempts,
                "created_at": m.created_at,
                "last_error": m.last_error,
            })
        })
        .collect();
    let body = match record {
        None => json!({"case_number": number, "state": "not_resolved", "messages": messages}),
        Some(record) => {
            let follow_up = record.follow_up.as_ref();
            json!({
                "case_number": number,
                "state": follow_up.map_or("not_asked", |f| f.state().name()),
                "rating": record.rating().map(|r| r.as_str()),
                "reopens": follow_up.map_or(0, |f| f.reopens()),
                "rounds": follow_up.map_or(0, |f| f.rounds()),
                "channel": record.address.as_ref().map(|a| a.kind()),
                "replies": follow_up.map(|f| f.replies()),
                "resolved_at": record.resolved_at,
                "messages": messages,
            })
        }
    };
    Ok(axum::Json(body).into_response())
}
