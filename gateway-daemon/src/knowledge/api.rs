//! The knowledge base API, under `/api/v1/kb`.
//!
//! Reading takes any API token (reader or admin) or a cases token; a unit's token sees its
//! own entries only. Writing takes a unit's token from `[cases]`, and a unit changes only
//! the entries it owns (403 otherwise); every change is kept in the entry's history.
//!
//! - `GET /api/v1/kb/search?q=&topic=&limit=`: ranked entries with scores and freshness
//! - `GET /api/v1/kb/entries[?owner=]`, `GET|PUT|DELETE /api/v1/kb/entries/{id}`
//! - `GET /api/v1/kb/entries/{id}/history`
//! - `POST /api/v1/kb/import`: a CSV (`text/csv`) or Markdown (`text/markdown`) file
//! - `GET /api/v1/kb/stale`: entries past review, per unit
//! - `GET /api/v1/appeals/{id}/suggestions`: the entries the knowledge base found for an
//!   appeal (for the operator's screen during a call); not for unit tokens

use std::collections::BTreeMap;
use std::path::Path as FilePath;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use gateway_core::calendar::day_of;
use gateway_core::{AppealId, UnitId};
use knowledge_base::{Entry, ImportedEntry, KbError, KnowledgeBase, Outcome};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::KnowledgeError;
use super::records;
use super::service::KnowledgeService;
use crate::cases::TokenOwner;
use crate::config::Role;
use crate::server::AppState;

type Shared = Arc<AppState>;

/// The knowledge base routes; merge them when `[knowledge]` is configured.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/kb/search", get(search))
        .route("/api/v1/kb/entries", get(list_entries))
        .route(
            "/api/v1/kb/entries/{id}",
            get(get_entry).put(put_entry).delete(retire_entry),
        )
        .route("/api/v1/kb/entries/{id}/history", get(entry_history))
        .route("/api/v1/kb/import", axum::routing::post(import))
        .route("/api/v1/kb/stale", get(stale))
        .route("/api/v1/appeals/{id}/suggestions", get(suggestions))
}

/// Who called.
enum Caller {
    /// An API token, or a supervisor's cases token: reads everything.
    Platform,
    /// A unit's cases token: reads and changes its own entries.
    Unit(UnitId),
}

impl Caller {
    /// Whether the caller may read an entry of `owner`.
    fn sees(&self, owner: &UnitId) -> bool {
        match self {
            Caller::Platform => true,
            Caller::Unit(unit) => unit == owner,
        }
    }
}

fn service(state: &AppState) -> Result<&KnowledgeService, KnowledgeError> {
    state.knowledge.as_deref().ok_or_else(|| {
        KnowledgeError::NotFound("the knowledge base is off; add a [knowledge] section".into())
    })
}

fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, KnowledgeError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| {
            KnowledgeError::Unauthorized(
                "missing bearer token; send `Authorization: Bearer <token>`".to_string(),
            )
        })?;
    if let Some(cases) = &state.cases
        && let Some(owner) = cases.authenticate(token)
    {
        return Ok(match owner {
            TokenOwner::Unit(unit) => Caller::Unit(unit),
            TokenOwner::Supervisor(_) => Caller::Platform,
        });
    }
    match state.tokens.authorize(headers, Role::Reader) {
        Ok(_) => Ok(Caller::Platform),
        Err(_) => Err(KnowledgeError::Unauthorized(
            "the bearer token is not known; ask the administrator for one".to_string(),
        )),
    }
}

fn unit_only(caller: &Caller, what: &str) -> Result<UnitId, KnowledgeError> {
    match caller {
        Caller::Unit(unit) => Ok(unit.clone()),
        Caller::Platform => Err(KnowledgeError::Forbidden(format!(
            "{what} is for the unit that owns the entries; use that unit's token from [cases]"
        ))),
    }
}

fn today() -> NaiveDate {
    day_of(Utc::now())
}

/// An entry as the API shows it, with its freshness today.
fn entry_json(entry: &Entry, today: NaiveDate) -> Value {
    let mut value = serde_json::to_value(entry).unwrap_or_default();
    value["freshness"] = json!(entry.freshness(today));
    value
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: Option<String>,
    topic: Option<String>,
    limit: Option<String>,
}

async fn search(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<SearchQuery>,
) -> Result<Response, KnowledgeError> {
    let caller = caller(&state, &headers)?;
    let text = query
        .q
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| KnowledgeError::BadRequest("give the question as `q=`".to_string()))?;
    let limit = match query.limit {
        None => 10,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=50).contains(limit))
            .ok_or_else(|| {
                KnowledgeError::BadRequest(format!("limit `{text}` must be a number from 1 to 50"))
            })?,
    };
    let topic: Vec<String> = query
        .topic
        .map(|t| {
            t.split('/')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let today = today();
    let own = match &caller {
        Caller::Unit(unit) => Some(unit.clone()),
        Caller::Platform => None,
    };
    let hits = service(&state)?
        .read(move |kb| -> Result<Vec<Value>, KbError> {
            // A unit searches among its own entries: look deeper so its own still show.
            let depth = if own.is_some() {
                kb.len().max(limit)
            } else {
                limit
            };
            let hits = kb.search(&text, &topic, depth)?;
            Ok(hits
                .iter()
                .filter_map(|hit| kb.get(&hit.entry_id).map(|entry| (hit, entry)))
                .filter(|(_, entry)| own.as_ref().is_none_or(|unit| &entry.owner == unit))
                .take(limit)
                .map(|(hit, entry)| {
                    let mut value = entry_json(entry, today);
                    value["score"] = json!(hit.score);
                    value
                })
                .collect())
        })
        .await??;
    Ok(axum::Json(json!({"today": today, "hits": hits})).into_response())
}

async fn list_entries(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, KnowledgeError> {
    let caller = caller(&state, &headers)?;
    let owner = match (query.get("owner"), &caller) {
        (Some(owner), Caller::Unit(unit)) if owner != unit.as_str() => {
            return Err(KnowledgeError::Forbidden(format!(
                "unit {unit} sees only its own entries; leave out owner= or give owner={unit}"
            )));
        }
        (_, Caller::Unit(unit)) => Some(unit.clone()),
        (Some(owner), Caller::Platform) => Some(UnitId::new(owner)),
        (None, Caller::Platform) => None,
    };
    let today = today();
    let entries = service(&state)?
        .read(move |kb| {
            kb.entries()
                .filter(|e| owner.as_ref().is_none_or(|o| &e.owner == o))
                .map(|e| entry_json(e, today))
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(axum::Json(json!({"count": entries.len(), "entries": entries})).into_response())
}

/// The entry, if the caller may see it.
fn visible(kb: &KnowledgeBase, caller: &Caller, id: &str) -> Result<Entry, KnowledgeError> {
    let entry = kb
        .get(id)
        .ok_or_else(|| KnowledgeError::NotFound(format!("no entry has id {id:?}")))?;
    if !caller.sees(&entry.owner) {
        return Err(KnowledgeError::Forbidden(format!(
            "entry {id} belongs to {}; a unit sees only its own entries",
            entry.owner
        )));
    }
    Ok(entry.clone())
}

async fn get_entry(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, KnowledgeError> {
    let caller = caller(&state, &headers)?;
    let entry = service(&state)?
        .read(move |kb| visible(kb, &caller, &id))
        .await??;
    Ok(axum::Json(json!({"entry": entry_json(&entry, today())})).into_response())
}

/// The body of `PUT /api/v1/kb/entries/{id}`: the entry without its id (the path gives it);
/// the owner defaults to the calling unit.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryBody {
    question: String,
    answer: String,
    #[serde(default)]
    phrasings: Vec<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    topic: Vec<String>,
    #[serde(default)]
    source: String,
    valid_from: NaiveDate,
    review_by: NaiveDate,
}

async fn put_entry(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, KnowledgeError> {
    let unit = unit_only(&caller(&state, &headers)?, "changing an entry")?;
    let body: EntryBody = serde_json::from_slice(&bytes).map_err(|e| {
        KnowledgeError::BadRequest(format!(
            "the request body is not valid: {e}; send JSON like {{\"question\": \"...\", \
             \"answer\": \"...\", \"source\": \"...\", \"valid_from\": \"2026-01-01\", \
             \"review_by\": \"2027-01-01\"}}"
        ))
    })?;
    let entry = Entry {
        id: id.clone(),
        question: body.question,
        answer: body.answer,
        phrasings: body.phrasings,
        owner: body.owner.map_or_else(|| unit.clone(), UnitId::new),
        topic: body.topic,
        source: body.source,
        valid_from: body.valid_from,
        review_by: body.review_by,
    };
    let (outcome, entry) = service(&state)?
        .write(move |kb| -> Result<(Outcome, Option<Entry>), KbError> {
            let outcome = kb.upsert(&unit, entry)?;
            Ok((outcome, kb.get(&id).cloned()))
        })
        .await??;
    let status = if outcome == Outcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let entry = entry.map(|e| entry_json(&e, today()));
    Ok((
        status,
        axum::Json(json!({"outcome": outcome, "entry": entry})),
    )
        .into_response())
}

async fn retire_entry(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, KnowledgeError> {
    let unit = unit_only(&caller(&state, &headers)?, "retiring an entry")?;
    let retired = id.clone();
    service(&state)?
        .write(move |kb| kb.retire(&unit, &retired))
        .await??;
    Ok(axum::Json(json!({"retired": id})).into_response())
}

async fn entry_history(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, KnowledgeError> {
    let caller = caller(&state, &headers)?;
    let wanted = id.clone();
    // A retired entry keeps its history, and its id stays with its unit.
    let (owner, changes) = service(&state)?
        .read(move |kb| {
            let changes = kb.history(&wanted).into_iter().cloned().collect::<Vec<_>>();
            (kb.owner_of(&wanted).cloned(), changes)
        })
        .await?;
    let owner = owner.ok_or_else(|| KnowledgeError::NotFound(format!("no entry has id {id:?}")))?;
    if !caller.sees(&owner) {
        return Err(KnowledgeError::Forbidden(format!(
            "entry {id} belongs to {owner}; a unit sees only its own entries"
        )));
    }
    Ok(axum::Json(json!({"entry_id": id, "history": changes})).into_response())
}

async fn import(
    State(state): State<Shared>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, KnowledgeError> {
    let unit = unit_only(&caller(&state, &headers)?, "importing entries")?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        KnowledgeError::BadRequest(
            "the file is not UTF-8; save it as UTF-8 and send it again".into(),
        )
    })?;

    // The library's own readers, with a file name standing for the upload.
    let parsed = match content_type.as_str() {
        "text/csv" => knowledge_base::import::csv::parse(FilePath::new("upload.csv"), &text),
        "text/markdown" => {
            knowledge_base::import::markdown::parse(FilePath::new("upload.md"), &text)
        }
        other => {
            return Err(KnowledgeError::BadRequest(format!(
                "content type `{other}` is not an import format; send text/csv or text/markdown"
            )));
        }
    };
    let imported: Vec<ImportedEntry> = parsed.map_err(|error| KnowledgeError::Unprocessable {
        problems: vec![(error.line, error.problem.to_string())],
    })?;
    // An empty file, or one with `#` headings instead of `##`, is a mistake to tell about.
    if imported.is_empty() {
        return Err(KnowledgeError::Unprocessable {
            problems: vec![(
                1,
                "the file holds no entries: in Markdown each entry starts with a `## question` \
                 heading, in CSV each row after the header is one entry"
                    .to_string(),
            )],
        });
    }
    let lines: BTreeMap<String, usize> = imported
        .iter()
        .map(|i| (i.entry.id.clone(), i.line))
        .collect();
    let entries: Vec<Entry> = imported.into_iter().map(|i| i.entry).collect();
    let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    let result = service(&state)?
        .write(move |kb| kb.upsert_many(&unit, entries))
        .await?;
    let outcomes = match result {
        Ok(outcomes) => outcomes,
        // A refusal names the entry; give its line as well.
        Err(KbError::NotOwner {
            entry_id, owner, ..
        }) => {
            let line = lines.get(&entry_id).copied().unwrap_or(0);
            return Err(KnowledgeError::Forbidden(format!(
                "line {line}: entry {entry_id} belongs to {owner}; a unit imports only its own entries"
            )));
        }
        Err(KbError::Invalid { id, problem }) => {
            let line = lines.get(&id).copied().unwrap_or(0);
            return Err(KnowledgeError::Unprocessable {
                problems: vec![(line, format!("entry {id:?}: {problem}"))],
            });
        }
        Err(other) => return Err(other.into()),
    };
    let count = |wanted: fn(&Outcome) -> bool| outcomes.iter().filter(|o| wanted(o)).count();
    let body = json!({
        "created": count(|o| matches!(o, Outcome::Created)),
        "updated": count(|o| matches!(o, Outcome::Updated { .. })),
        "unchanged": count(|o| matches!(o, Outcome::Unchanged)),
        "entries": ids.iter().zip(&outcomes).map(|(id, outcome)| json!({"entry_id": id, "outcome": outcome})).collect::<Vec<_>>(),
    });
    Ok(axum::Json(body).into_response())
}

async fn stale(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, KnowledgeError> {
    let caller = caller(&state, &headers)?;
    let today = today();
    let mut report = service(&state)?
        .read(move |kb| kb.stale_report(today))
        .await?;
    if let Caller::Unit(unit) = &caller {
        report.retain(|owner, _| owner == unit);
    }
    let total: usize = report.values().map(Vec::len).sum();
    Ok(axum::Json(json!({"today": today, "count": total, "units": report})).into_response())
}

async fn suggestions(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, KnowledgeError> {
    if let Caller::Unit(unit) = caller(&state, &headers)? {
        return Err(KnowledgeError::Forbidden(format!(
            "suggestions are for the platform's operators; unit {unit} sees its cases' \
             knowledge_candidates at /api/v1/cases/{{case_number}}"
        )));
    }
    let appeal = state
        .store
        .appeal(&AppealId::from_string(id.clone()))?
        .ok_or_else(|| KnowledgeError::NotFound(format!("no appeal {id} is stored")))?;
    let record = records::load(&state.store, &appeal.case_number)?;
    let wanted: Vec<String> = record
        .iter()
        .flat_map(|r| {
            r.direct_answer
                .iter()
                .map(|a| a.entry_id.clone())
                .chain(r.candidates.iter().map(|c| c.entry_id.clone()))
        })
        .collect();
    let today = today();
    let entries = service(&state)?
        .read(move |kb| {
            let mut seen = Vec::new();
            wanted
                .iter()
                .filter(|id| {
                    let first = !seen.contains(*id);
                    seen.push((*id).clone());
                    first
                })
                .filter_map(|id| kb.get(id).map(|e| entry_json(e, today)))
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(axum::Json(json!({
        "appeal_id": id,
        "case_number": appeal.case_number,
        "knowledge": record,
        "entries": entries,
    }))
    .into_response())
}
