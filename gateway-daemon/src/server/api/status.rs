//! `GET /api/v1/status?case_number=&phone_last4=`: a citizen asks how the case stands.
//!
//! No token: the case number and the last four digits of the phone the appeal came with are
//! the credential. A wrong pair answers exactly like an unknown case number, so the lookup
//! cannot be used to find which numbers exist, and each client address gets a limited number
//! of lookups per minute. The answer is the status alone: received, routed to which type of
//! unit, or resolved; never the text, the name or the unit's internal id.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, Query, State};
use gateway_core::store::CaseNumber;
use routing_rules::UnitType;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::server::error::ApiError;
use crate::server::state::AppState;

/// The answer to a wrong pair and to an unknown case alike.
const NOT_FOUND: &str =
    "没有找到该工单，请核对工单号和手机号后四位 (no case matches this case number and phone)";

/// The query.
#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    /// The case number (工单号) the citizen was given.
    pub case_number: Option<String>,
    /// The last four digits of the phone number the appeal came with.
    pub phone_last4: Option<String>,
}

/// A fixed window of lookups per client address.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// Allows `per_minute` lookups per address per minute.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a lookup; false when the address is over its allowance.
    pub fn allow(&self, address: IpAddr) -> bool {
        let now = Instant::now();
        let mut windows = match self.windows.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if windows.len() > 100_000 {
            // Forget finished windows so that many addresses cannot grow the map forever.
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let window = windows.entry(address).or_insert((now, 0));
        if now.duration_since(window.0) >= Duration::from_secs(60) {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 <= self.per_minute
    }
}

/// The lookup.
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Query(query): Query<StatusQuery>,
) -> Result<Json<Value>, ApiError> {
    // Limitation: behind a proxy every citizen shares the proxy's address; the limit is then
    // per proxy, not per citizen.
    if !state.status_limiter.allow(client.ip()) {
        return Err(ApiError::TooManyRequests);
    }
    let not_found = || ApiError::NotFound(NOT_FOUND.to_string());
    let (Some(case_number), Some(last4)) = (query.case_number, query.phone_last4) else {
        return Err(ApiError::BadRequest(
            "give both `case_number` and `phone_last4`".to_string(),
        ));
    };
    let last4 = last4.trim().to_string();
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest(
            "`phone_last4` must be the last four digits of your phone number".to_string(),
        ));
    }
    let Some(case_number) = CaseNumber::parse(&case_number) else {
        return Err(not_found());
    };
    let reader = Arc::clone(&state);
    let found = tokio::task::spawn_blocking(move || {
        let Some(record) = reader.store.appeal_by_case_number(&case_number)? else {
            return Ok(None);
        };
        let history = reader.store.history(&record.appeal.id)?;
        // Citizens whose reports joined the case (重复件) follow it with their own phone.
        let mut phones = vec![record.appeal.citizen.phone.clone()];
        if reader.cases.is_some() {
            let linked = crate::cases::duplicates::records::linked_to(&reader.store, &case_number)?;
            for appeal_id in linked {
                if let Some(linked) = reader.store.appeal(&appeal_id)? {
                    phones.push(linked.appeal.citizen.phone);
                }
            }
        }
        Ok::<_, ApiError>(Some((record, history, phones)))
    })
    .await
    .map_err(|e| ApiError::Unavailable(format!("the read task stopped: {e}")))??;
    let Some((record, history, phones)) = found else {
        return Err(not_found());
    };
    let matches = |phone: &Option<String>| {
        let digits: String = phone
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        digits.len() >= 4 && digits.ends_with(&last4)
    };
    if !phones.iter().any(matches) {
        return Err(not_found());
    }

    // Limitation: until cases are stored by the case module, "resolved" is read from the
    // appeal's history (an entry whose action is `resolved` or `closed`).
    let resolved = history
        .iter()
        .any(|h| h.action == "resolved" || h.action == "closed");
    let rules = state.rules.current();
    let unit_type = rules
        .unit(record.decision.lead_unit.as_str())
        .map(|u| u.unit_type);
    let (status, label) = if resolved {
        ("resolved", "已办结".to_string())
    } else if let Some(unit_type) = unit_type {
        let (kind, chinese) = match unit_type {
            UnitType::Department => ("department", "县级职能部门"),
            UnitType::Township => ("township", "乡镇（街道）"),
            UnitType::Platform => ("platform", "热线平台"),
        };
        return Ok(Json(json!({
            "case_number": record.case_number,
            "status": "routed",
            "unit_type": kind,
            "message": format!("已受理，已转{chinese}办理"),
        })));
    } else {
        ("received", "已受理，正在分派".to_string())
    };
    Ok(Json(json!({
        "case_number": record.case_number,
        "status": status,
        "message": label,
    })))
}
