//! Linking and unlinking duplicates by hand, for supervisors only.
//!
//! - `POST /api/v1/cases/{case_number}/duplicates {"appeal_id": "..."}`: links the appeal;
//!   its own open case, if any, is closed as a duplicate. Answers the case's duplicates.
//! - `DELETE /api/v1/cases/{case_number}/duplicates/{appeal_id}`: unlinks it; it gets its
//!   own case again, dispatched. Answers that case.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use gateway_core::AppealId;
use serde::Deserialize;
use serde_json::json;

use crate::cases::api::{body, caller, parse_number, supervisor_only};
use crate::cases::config::TokenOwner;
use crate::cases::error::CasesError;
use crate::cases::service::CaseService;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    appeal_id: String,
}

fn staff_id(owner: &TokenOwner) -> &str {
    match owner {
        TokenOwner::Supervisor(staff_id) => staff_id,
        TokenOwner::Unit(unit) => unit.as_str(),
    }
}

/// `POST /api/v1/cases/{case_number}/duplicates`.
pub async fn link(
    State(service): State<Arc<CaseService>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    supervisor_only(&owner, "linking a duplicate")?;
    let number = parse_number(&number)?;
    let request: LinkBody = body(&bytes, r#"{"appeal_id": "01KBM3Q5W8X2C4D6E8F0G1H2J3"}"#)?;
    if request.appeal_id.trim().is_empty() {
        return Err(CasesError::BadRequest(
            "appeal_id is empty; give the id of the appeal to link".to_string(),
        ));
    }
    let appeal_id = AppealId::from_string(request.appeal_id.trim());
    let duplicates = service
        .link_by_hand(&number, &appeal_id, staff_id(&owner))
        .await?;
    Ok(axum::Json(json!({"case_number": number, "duplicates": duplicates})).into_response())
}

/// `DELETE /api/v1/cases/{case_number}/duplicates/{appeal_id}`.
pub async fn unlink(
    State(service): State<Arc<CaseService>>,
    headers: HeaderMap,
    Path((number, appeal_id)): Path<(String, String)>,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    supervisor_only(&owner, "unlinking a duplicate")?;
    let number = parse_number(&number)?;
    let appeal_id = AppealId::from_string(appeal_id);
    let own = service
        .unlink_by_hand(&number, &appeal_id, staff_id(&owner))
        .await?;
    Ok(axum::Json(json!({
        "appeal_id": appeal_id,
        "case_number": own.case_number(),
        "state": own.state(),
        "lead_unit": own.lead_unit(),
    }))
    .into_response())
}
