//! Helpers shared by the store's tests: real appeal texts from the fixtures, decisions,
//! configs for each backend.

#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use chrono::{DateTime, Utc};
use gateway_core::store::{BackendType, StoreConfig};
use gateway_core::{
    Appeal, AppealId, Channel, DivisionRef, Kind, Principle, RoutingDecision, TownshipCode, UnitId,
};

/// Every backend this build has.
pub fn backends() -> Vec<BackendType> {
    let mut all = vec![BackendType::Redb];
    if cfg!(feature = "sled") {
        all.push(BackendType::Sled);
    }
    all
}

/// A config for `backend` inside `dir`.
pub fn config(backend: BackendType, dir: &Path) -> StoreConfig {
    let path = match backend {
        BackendType::Redb => dir.join("appeals.redb"),
        BackendType::Sled => dir.join("appeals.sled"),
    };
    StoreConfig::new(backend, path)
}

/// Titles and bodies of real appeals from the labelled fixture.
pub fn texts() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/appeals/labelled-dev.jsonl");
    let text = std::fs::read_to_string(&path).expect("the labelled appeals fixture is readable");
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            Some((
                v.get("title")?.as_str()?.to_string(),
                v.get("body")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// An instant from RFC 3339 text.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid test time")
        .with_timezone(&Utc)
}

/// An appeal received at `received_at`, with an id of that time.
pub fn appeal(
    channel: Channel,
    message_id: &str,
    body: &str,
    received_at: DateTime<Utc>,
) -> Appeal {
    let id = AppealId::from_parts(received_at.timestamp_millis() as u128, rand_bits());
    Appeal::builder(channel, message_id, body)
        .received_at(received_at)
        .id(id)
        .build()
}

fn rand_bits() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) as u128;
    (std::process::id() as u128) << 48 | n
}

/// A decision for `lead` (and `assisting`), in `township` if given.
pub fn decision(
    kind: Kind,
    lead: &str,
    assisting: &[&str],
    township: Option<&str>,
) -> RoutingDecision {
    RoutingDecision {
        kind,
        topic: vec!["城乡建设".to_string()],
        emergency: None,
        township: township.map(|code| DivisionRef {
            code: TownshipCode::new(code),
            name: format!("乡镇{code}"),
        }),
        village: None,
        ambiguous_places: vec![],
        lead_unit: UnitId::new(lead),
        assisting_units: assisting.iter().map(|u| UnitId::new(*u)).collect(),
        principle: if township.is_some() {
            Principle::TerritorialFirst
        } else {
            Principle::OwnerResponsible
        },
        rules: vec![],
        confidence: 0.8,
    }
}
