//! The report routes, with the cases' bearer tokens.
//!
//! - `GET /api/v1/reports/units?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`: rates per unit;
//!   a supervisor sees every unit and the total, a unit its own row only.
//! - `GET /api/v1/reports/public?from=&to=`: the public feed of the cases resolved in the
//!   period, personal data removed; supervisors only.
//! - `GET /api/v1/reports/trends?from=&to=[&format=md|csv|townships|svg]`: hot and rising
//!   topics of the appeals received in the period (分析研判); supervisors only.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gateway_analysis::Period;
use serde_json::json;

use super::period::parse_period;
use super::rows::{only_unit, to_csv, to_json, unit_names};
use super::summaries::{ReportInputs, unit_report};
use crate::cases::api::{caller, supervisor_only};
use crate::cases::config::TokenOwner;
use crate::cases::error::CasesError;
use crate::cases::service::CaseService;
use crate::server::reload::Rules;

/// What the report routes read: the cases, and the rules for unit names.
#[derive(Clone)]
pub struct ReportsState {
    /// The case service, for tokens and cases.
    pub cases: Arc<CaseService>,
    /// The rules in force, for the names of units the cases config does not list.
    pub rules: Arc<Rules>,
    /// The knowledge base, when configured: each unit's entries past review are counted in
    /// its row, since keeping them current is part of its assessment.
    pub knowledge: Option<Arc<crate::knowledge::KnowledgeService>>,
}

/// The report routes; merge them into any router.
pub fn routes<S>(state: ReportsState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/reports/units", get(units))
        .route("/api/v1/reports/public", get(public))
        .route("/api/v1/reports/trends", get(trends))
        .with_state(state)
}

fn period_of(query: &BTreeMap<String, String>) -> Result<Period, CasesError> {
    parse_period(
        query.get("from").map(String::as_str),
        query.get("to").map(String::as_str),
    )
    .map_err(|e| CasesError::BadRequest(e.to_string()))
}

/// Reads every case off the async threads.
async fn inputs(cases: &Arc<CaseService>) -> Result<ReportInputs, CasesError> {
    let cases = Arc::clone(cases);
    tokio::task::spawn_blocking(move || {
        let all = cases.all_cases()?;
        Ok(ReportInputs::read(cases.store(), &all)?)
    })
    .await
    .map_err(|e| CasesError::Internal(format!("the report task stopped: {e}")))?
}

async fn units(
    State(state): State<ReportsState>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, CasesError> {
    let owner = caller(&state.cases, &headers)?;
    let period = period_of(&query)?;
    let csv = match query.get("format").map(String::as_str) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(CasesError::BadRequest(format!(
                "unknown format `{other}`; use json or csv"
            )));
        }
    };

    let inputs = inputs(&state.cases).await?;
    let report = unit_report(&inputs, period, state.cases.calendar())
        .map_err(|e| CasesError::Internal(e.to_string()))?;
    let (report, with_total) = match &owner {
        TokenOwner::Supervisor(_) => (report, true),
        TokenOwner::Unit(unit) => (only_unit(&report, unit), false),
    };

    if csv {
        let text = to_csv(&report, with_total).map_err(|e| {
            CasesError::Internal(format!("the report could not be written as csv: {e}"))
        })?;
        let mut response = text.into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        return Ok(response);
    }
    let names = unit_names(
        &state.cases.settings().unit_names,
        Some(&state.rules.current()),
    );
    let mut body = to_json(&report, &names, with_total);
    if let Some(knowledge) = &state.knowledge {
        let today = gateway_core::calendar::day_of(state.cases.clock().now());
        let stale = knowledge.stale_counts(today);
        if let Some(rows) = body["units"].as_array_mut() {
            for row in rows {
                let count = row["unit"]
                    .as_str()
                    .and_then(|unit| stale.get(&gateway_core::UnitId::new(unit)))
                    .copied()
                    .unwrap_or(0);
                row["stale_knowledge_entries"] = json!(count);
            }
        }
    }
    Ok(axum::Json(body).into_response())
}

async fn trends(
    State(state): State<ReportsState>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, CasesError> {
    let owner = caller(&state.cases, &headers)?;
    supervisor_only(&owner, "the analysis of hot topics")?;
    let period = period_of(&query)?;
    let format = query.get("format").map_or("md", String::as_str);
    if !["md", "csv", "townships", "svg"].contains(&format) {
        return Err(CasesError::BadRequest(format!(
            "unknown format `{format}`; use md, csv, townships or svg"
        )));
    }
    let store = state.cases.store().clone();
    let files = tokio::task::spawn_blocking(move || {
        let (from, until) = crate::trends::bounds(&period);
        let observations = crate::trends::observations(&store, from, until)?;
        crate::trends::analyse(
            &observations,
            &gateway_analysis::TrendConfig::default(),
            &crate::trends::title(&period),
        )
    })
    .await
    .map_err(|e| CasesError::Internal(format!("the analysis task stopped: {e}")))?
    .map_err(|e| CasesError::Internal(e.to_string()))?;
    let (text, content_type) = match format {
        "csv" => (files.weekly_csv, "text/csv; charset=utf-8"),
        "townships" => (files.township_csv, "text/csv; charset=utf-8"),
        "svg" => match files.svg {
            Some(svg) => (svg, "image/svg+xml"),
            None => {
                return Err(CasesError::NotFound(format!(
                    "no appeal was received from {} to {}: there is nothing to draw",
                    period.first_day, period.last_day
                )));
            }
        },
        _ => (files.markdown, "text/markdown; charset=utf-8"),
    };
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

async fn public(
    State(state): State<ReportsState>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, CasesError> {
    let owner = caller(&state.cases, &headers)?;
    supervisor_only(&owner, "the public feed")?;
    let period = period_of(&query)?;
    let inputs = inputs(&state.cases).await?;
    let feed = inputs.public_cases(period);
    Ok(axum::Json(json!({
        "period": {"from": period.first_day, "to": period.last_day},
        "cases": feed,
    }))
    .into_response())
}
