//! The case API for handling units and supervisors, under `/api/v1`.
//!
//! Each unit has its own bearer token and sees and acts on the cases it leads or assists
//! only; another unit's case is 403. Supervisors' tokens see every case and take the
//! platform's actions. Every error becomes a status in [`CasesError::status`].
//!
//! - `GET /api/v1/cases?state=` (a unit: its cases; a supervisor: all)
//! - `GET /api/v1/cases/{case_number}`
//! - units: `POST .../acknowledge`, `.../return {reason}`,
//!   `.../extension {working_days, reason}`, `.../resolve {result, citizen_informed_by}`
//! - supervisors: `POST .../reassign {lead, assisting, reason?}`,
//!   `.../extension/grant {working_days?}`, `.../extension/refuse {reason}`,
//!   `.../close {reason}`, `.../reopen {reason}`
//! - both: `POST .../notes {text}`
//! - `GET /api/v1/supervision` (a unit: its own part)
//! - supervisors: `GET /api/v1/deliveries?state=pending|delivered|failed`,
//!   `POST /api/v1/deliveries/{id}/retry`
//! - supervisors: `POST .../duplicates {appeal_id}`, `DELETE .../duplicates/{appeal_id}`
//!   (see [`super::duplicates::api`]); a case's view carries its `duplicates`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use gateway_core::UnitId;
use gateway_core::case::{
    Action, Actor, Case, CaseNumber, CaseState, ExtensionStatus, ReplyMethod,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::config::TokenOwner;
use super::error::CasesError;
use super::service::CaseService;
use crate::dispatch::{DeliveryId, DeliveryState};

type Shared = Arc<CaseService>;

/// The case routes, with the service as their state; merge them into any router.
pub fn routes<S>(service: Arc<CaseService>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/cases", get(list_cases))
        .route("/api/v1/cases/{case_number}", get(get_case))
        .route("/api/v1/cases/{case_number}/acknowledge", post(acknowledge))
        .route("/api/v1/cases/{case_number}/return", post(return_case))
        .route(
            "/api/v1/cases/{case_number}/extension",
            post(request_extension),
        )
        .route(
            "/api/v1/cases/{case_number}/extension/grant",
            post(grant_extension),
        )
        .route(
            "/api/v1/cases/{case_number}/extension/refuse",
            post(refuse_extension),
        )
        .route("/api/v1/cases/{case_number}/resolve", post(resolve))
        .route("/api/v1/cases/{case_number}/reassign", post(reassign))
        .route("/api/v1/cases/{case_number}/close", post(close))
        .route("/api/v1/cases/{case_number}/reopen", post(reopen))
        .route("/api/v1/cases/{case_number}/notes", post(add_note))
        .route(
            "/api/v1/cases/{case_number}/duplicates",
            post(super::duplicates::api::link),
        )
        .route(
            "/api/v1/cases/{case_number}/duplicates/{appeal_id}",
            delete(super::duplicates::api::unlink),
        )
        .route("/api/v1/supervision", get(supervision))
        .route("/api/v1/deliveries", get(deliveries))
        .route("/api/v1/deliveries/{id}/retry", post(retry_delivery))
        .with_state(service)
}

/// The caller, from the `Authorization: Bearer` header.
pub(crate) fn caller(service: &CaseService, headers: &HeaderMap) -> Result<TokenOwner, CasesError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            CasesError::Unauthorized(
                "no bearer token; send `Authorization: Bearer <your unit's token>`".to_string(),
            )
        })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            CasesError::Unauthorized(
                "the Authorization header must be `Bearer <token>`".to_string(),
            )
        })?;
    service.authenticate(token).ok_or_else(|| {
        CasesError::Unauthorized("unknown token; check the token you were given".to_string())
    })
}

pub(crate) fn supervisor_only(owner: &TokenOwner, what: &str) -> Result<(), CasesError> {
    match owner {
        TokenOwner::Supervisor(_) => Ok(()),
        TokenOwner::Unit(unit) => Err(CasesError::Forbidden(format!(
            "{what} is for platform supervisors; unit {unit} cannot use it"
        ))),
    }
}

pub(crate) fn parse_number(text: &str) -> Result<CaseNumber, CasesError> {
    CaseNumber::parse(text).ok_or_else(|| {
        CasesError::BadRequest(format!(
            "`{text}` is not a case number; a case number is ten or more digits"
        ))
    })
}

/// The case, if the caller may see it: a unit only its own (lead or assisting).
pub(crate) fn visible_case(
    service: &CaseService,
    owner: &TokenOwner,
    number: &CaseNumber,
) -> Result<Case, CasesError> {
    let case = service
        .case(number)?
        .ok_or_else(|| CasesError::CaseNotFound(number.clone()))?;
    if let TokenOwner::Unit(unit) = owner
        && role_of(&case, unit).is_none()
    {
        return Err(CasesError::Forbidden(format!(
            "case {number} is not a case of unit {unit}; a unit sees only the cases it leads or \
             assists"
        )));
    }
    Ok(case)
}

fn role_of(case: &Case, unit: &UnitId) -> Option<&'static str> {
    if case.lead_unit() == unit {
        Some("lead")
    } else if case.assisting_units().contains(unit) {
        Some("assisting")
    } else {
        None
    }
}

fn actor_of(owner: &TokenOwner) -> Actor {
    match owner {
        TokenOwner::Unit(unit) => Actor::Unit(unit.clone()),
        TokenOwner::Supervisor(staff_id) => Actor::Supervisor(staff_id.clone()),
    }
}

/// The case as the caller sees it.
fn view(service: &CaseService, case: &Case, owner: &TokenOwner) -> Result<Value, CasesError> {
    let mut value = serde_json::to_value(case)
        .map_err(|e| CasesError::BadRequest(format!("the case could not be encoded: {e}")))?;
    let role = match owner {
        TokenOwner::Unit(unit) => role_of(case, unit),
        TokenOwner::Supervisor(_) => Some("supervisor"),
    };
    let appeal = service.appeal_of(case)?.map(|record| {
        let appeal = record.appeal;
        json!({
            "title": appeal.title,
            "body": appeal.body,
            "address": appeal.location.address,
            "channel": appeal.channel,
            "received_at": appeal.received_at,
            "attachments": appeal.attachments,
            "citizen": if role == Some("assisting") { Value::Null } else {
                serde_json::to_value(&appeal.citizen).unwrap_or_default()
            },
        })
    });
    let knowledge = service.knowledge_of(case.case_number())?;
    let duplicates = service.duplicate_summary(case)?;
    if let Value::Object(map) = &mut value {
        map.insert(
            "knowledge_candidates".to_string(),
            json!(
                knowledge
                    .as_ref()
                    .map(|k| &k.candidates)
                    .cloned()
                    .unwrap_or_default()
            ),
        );
        map.insert(
            "knowledge_answer".to_string(),
            json!(
                knowledge
                    .as_ref()
                    .and_then(|k| k.direct_answer.as_ref())
                    .map(|a| json!({
                        "entry_id": a.entry_id,
                        "question": a.question,
                        "owner": a.owner,
                        "score": a.score,
                    }))
            ),
        );
        map.insert("role".to_string(), json!(role));
        map.insert("state_chinese".to_string(), json!(case.state().chinese()));
        map.insert("appeal".to_string(), json!(appeal));
        map.insert("duplicates".to_string(), json!(duplicates));
    }
    Ok(value)
}

fn summary(case: &Case, owner: &TokenOwner, appeals: usize) -> Value {
    let role = match owner {
        TokenOwner::Unit(unit) => role_of(case, unit),
        TokenOwner::Supervisor(_) => Some("supervisor"),
    };
    json!({
        "case_number": case.case_number(),
        "state": case.state(),
        "state_chinese": case.state().chinese(),
        "kind": case.kind(),
        "lead_unit": case.lead_unit(),
        "assisting_units": case.assisting_units(),
        "deadline": case.deadline().due_at,
        "role": role,
        "duplicate_appeals": appeals,
    })
}

pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes, example: &str) -> Result<T, CasesError> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text).map_err(|e| {
        CasesError::BadRequest(format!(
            "the request body is not valid: {e}; send JSON like {example}"
        ))
    })
}

async fn list_cases(
    State(service): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    let state = match query.get("state") {
        None => None,
        Some(name) => Some(
            CaseState::ALL
                .into_iter()
                .find(|state| state.as_str() == name)
                .ok_or_else(|| {
                    CasesError::BadRequest(format!(
                        "unknown state `{name}`; use one of {}",
                        CaseState::ALL.map(CaseState::as_str).join(", ")
                    ))
                })?,
        ),
    };
    let cases = match &owner {
        TokenOwner::Unit(unit) => service.unit_cases(unit)?,
        TokenOwner::Supervisor(_) => service.all_cases()?,
    };
    let sizes = super::duplicates::records::appeal_counts(service.store())?;
    let listed: Vec<Value> = cases
        .iter()
        .filter(|case| state.is_none_or(|state| case.state() == state))
        .map(|case| {
            let appeals = sizes.get(case.case_number()).copied().unwrap_or(1);
            summary(case, &owner, appeals)
        })
        .collect();
    Ok(axum::Json(json!({"cases": listed})).into_response())
}

async fn get_case(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    let number = parse_number(&number)?;
    let case = visible_case(&service, &owner, &number)?;
    Ok(axum::Json(view(&service, &case, &owner)?).into_response())
}

/// Checks the caller may act on the case, applies the action and answers the case.
async fn act(
    service: &CaseService,
    headers: &HeaderMap,
    number: &str,
    action: impl FnOnce(&Case) -> Result<Action, CasesError>,
) -> Result<Response, CasesError> {
    let owner = caller(service, headers)?;
    let number = parse_number(number)?;
    let case = visible_case(service, &owner, &number)?;
    let action = action(&case)?;
    let result = service.act(&number, actor_of(&owner), action).await;
    let case = match result {
        Ok(case) => case,
        Err(error) => {
            service
                .metrics()
                .case_refusals
                .with_label_values(&[error.status().as_str()])
                .inc();
            return Err(error);
        }
    };
    Ok(axum::Json(view(service, &case, &owner)?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtensionBody {
    working_days: u32,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    #[serde(default)]
    working_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    result: String,
    citizen_informed_by: ReplyMethod,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReassignBody {
    lead: String,
    #[serde(default)]
    assisting: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

async fn acknowledge(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, CasesError> {
    act(&service, &headers, &number, |_| Ok(Action::Acknowledge)).await
}

async fn return_case(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ReasonBody = body(&bytes, r#"{"reason": "不属于本单位职责"}"#)?;
    act(&service, &headers, &number, |_| {
        Ok(Action::Return {
            reason: request.reason,
        })
    })
    .await
}

async fn request_extension(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ExtensionBody = body(&bytes, r#"{"working_days": 5, "reason": "需现场勘查"}"#)?;
    act(&service, &headers, &number, |_| {
        Ok(Action::RequestExtension {
            working_days: request.working_days,
            reason: request.reason,
        })
    })
    .await
}

async fn grant_extension(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: GrantBody = body(&bytes, r#"{"working_days": 5}"#)?;
    act(&service, &headers, &number, |case| {
        // Without a number, the days the unit asked for.
        let asked = case
            .extension_requests()
            .iter()
            .rev()
            .find(|request| request.status == ExtensionStatus::Pending)
            .map(|request| request.working_days);
        let working_days = request.working_days.or(asked).ok_or_else(|| {
            CasesError::BadRequest(format!(
                "case {} has no pending extension request and no working_days were given",
                case.case_number()
            ))
        })?;
        Ok(Action::GrantExtension { working_days })
    })
    .await
}

async fn refuse_extension(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ReasonBody = body(&bytes, r#"{"reason": "理由不充分"}"#)?;
    act(&service, &headers, &number, |_| {
        Ok(Action::RefuseExtension {
            reason: request.reason,
        })
    })
    .await
}

async fn resolve(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ResolveBody = body(
        &bytes,
        r#"{"result": "已责令整改", "citizen_informed_by": "phone"}"#,
    )?;
    act(&service, &headers, &number, |_| {
        Ok(Action::Resolve {
            result: request.result,
            citizen_informed_by: request.citizen_informed_by,
        })
    })
    .await
}

async fn reassign(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ReassignBody = body(
        &bytes,
        r#"{"lead": "urban-management", "assisting": ["housing"], "reason": "按职责改派"}"#,
    )?;
    let known = |id: &str| {
        let unit = UnitId::new(id);
        if service.settings().unit_names.contains_key(&unit) {
            Ok(unit)
        } else {
            Err(CasesError::BadRequest(format!(
                "unit `{id}` is not in the cases config; reassign to a configured unit"
            )))
        }
    };
    let lead = known(&request.lead)?;
    let assisting = request
        .assisting
        .iter()
        .map(|id| known(id))
        .collect::<Result<Vec<_>, _>>()?;
    let reason = request
        .reason
        .filter(|reason| !reason.trim().is_empty())
        .unwrap_or_else(|| "平台改派".to_string());
    act(&service, &headers, &number, |_| {
        Ok(Action::Reassign {
            lead_unit: lead,
            assisting_units: assisting,
            reason,
        })
    })
    .await
}

async fn close(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ReasonBody = body(&bytes, r#"{"reason": "市民满意"}"#)?;
    act(&service, &headers, &number, |_| {
        Ok(Action::Close {
            reason: request.reason,
        })
    })
    .await
}

async fn reopen(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: ReasonBody = body(&bytes, r#"{"reason": "办理结果不实"}"#)?;
    act(&service, &headers, &number, |_| {
        Ok(Action::Reopen {
            reason: request.reason,
        })
    })
    .await
}

async fn add_note(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    bytes: Bytes,
) -> Result<Response, CasesError> {
    let request: NoteBody = body(&bytes, r#"{"text": "已联系市民"}"#)?;
    act(&service, &headers, &number, |_| {
        Ok(Action::AddNote { text: request.text })
    })
    .await
}

async fn supervision(
    State(service): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    let mut list = service.supervision()?;
    if let TokenOwner::Unit(unit) = &owner {
        list.units.retain(|listed, _| listed == unit);
    }
    Ok(axum::Json(json!({"at": service.clock().now(), "units": list.units})).into_response())
}

async fn deliveries(
    State(service): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    supervisor_only(&owner, "the deliveries list")?;
    let state_name = query.get("state").map(String::as_str).unwrap_or("failed");
    let state = DeliveryState::parse(state_name).ok_or_else(|| {
        CasesError::BadRequest(format!(
            "unknown delivery state `{state_name}`; use pending, delivered or failed"
        ))
    })?;
    let limit = match query.get("limit") {
        None => 100,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=1_000).contains(limit))
            .ok_or_else(|| {
                CasesError::BadRequest(format!("limit `{text}` must be a number from 1 to 1000"))
            })?,
    };
    let found = service.deliveries(state, limit)?;
    Ok(axum::Json(json!({"state": state.as_str(), "deliveries": found})).into_response())
}

async fn retry_delivery(
    State(service): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, CasesError> {
    let owner = caller(&service, &headers)?;
    supervisor_only(&owner, "retrying a delivery")?;
    let delivery = service.retry_delivery(&DeliveryId::from_string(id)).await?;
    Ok(axum::Json(json!({"delivery": delivery})).into_response())
}
