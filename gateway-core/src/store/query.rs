//! Reads: one appeal, lists with filters and paging, counts.
//!
//! A list walks one index table in sort key order (receive time, then id) between the
//! bounds of the time range: the unit index when a unit is asked for, else the township's,
//! the kind's, the channel's, or the one of every appeal. Filters beyond that index are
//! tested on each appeal's small facets record, never on the whole appeal.

use chrono::{DateTime, Utc};

use super::apply::{decode_json, decode_u64};
use super::backend::{StorageBackend, prefix_end};
use super::error::StoreError;
use super::keys;
use super::records::{AppealRecord, Facets, StoredAppeal};
use crate::appeal::Channel;
use crate::decision::{Kind, RoutingDecision};
use crate::ids::{AppealId, TownshipCode, UnitId};

/// The most appeals one page holds; larger limits are cut to this.
pub const MAX_PAGE_LIMIT: usize = 1_000;

/// Which appeals a list or count covers. Every field left `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppealFilter {
    /// A unit that is the lead (主办) or an assisting (协办) unit of the decision in force.
    pub unit: Option<UnitId>,
    /// The township code of the decision in force.
    pub township: Option<TownshipCode>,
    /// The kind of the decision in force.
    pub kind: Option<Kind>,
    /// The channel the appeal came in by.
    pub channel: Option<Channel>,
    /// Received at or after this time (millisecond precision).
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this time (millisecond precision).
    pub received_until: Option<DateTime<Utc>>,
}

impl AppealFilter {
    /// Only appeals where `unit` leads or assists.
    pub fn unit(mut self, unit: UnitId) -> Self {
        self.unit = Some(unit);
        self
    }

    /// Only appeals placed in this township.
    pub fn township(mut self, township: TownshipCode) -> Self {
        self.township = Some(township);
        self
    }

    /// Only appeals of this kind.
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Only appeals from this channel.
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Only appeals received in `[from, until)`.
    pub fn received_between(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.received_from = Some(from);
        self.received_until = Some(until);
        self
    }

    fn is_everything(&self) -> bool {
        *self == AppealFilter::default()
    }

    /// The index to walk and the prefix of the wanted value within it.
    fn driving_index(&self) -> (&'static str, Vec<u8>, Dimension) {
        if let Some(unit) = &self.unit {
            (
                keys::BY_UNIT,
                keys::value_prefix(unit.as_str()),
                Dimension::Unit,
            )
        } else if let Some(township) = &self.township {
            (
                keys::BY_TOWNSHIP,
                keys::value_prefix(township.as_str()),
                Dimension::Township,
            )
        } else if let Some(kind) = self.kind {
            (
                keys::BY_KIND,
                keys::value_prefix(kind.as_str()),
                Dimension::Kind,
            )
        } else if let Some(channel) = self.channel {
            (
                keys::BY_CHANNEL,
                keys::value_prefix(channel.as_str()),
                Dimension::Channel,
            )
        } else {
            (keys::BY_RECEIVED, Vec::new(), Dimension::Time)
        }
    }

    /// True when some filter is not covered by the walked index and its time bounds.
    fn needs_facets(&self, driving: Dimension) -> bool {
        (self.unit.is_some() && driving != Dimension::Unit)
            || (self.township.is_some() && driving != Dimension::Township)
            || (self.kind.is_some() && driving != Dimension::Kind)
            || (self.channel.is_some() && driving != Dimension::Channel)
    }

    fn matches(&self, facets: &Facets) -> bool {
        let unit = self
            .unit
            .as_ref()
            .is_none_or(|unit| facets.units.iter().any(|u| u == unit.as_str()));
        let township = self
            .township
            .as_ref()
            .is_none_or(|code| facets.township.as_deref() == Some(code.as_str()));
        let kind = self.kind.is_none_or(|kind| facets.kind == kind.as_str());
        let channel = self
            .channel
            .is_none_or(|channel| facets.channel == channel.as_str());
        let from = self
            .received_from
            .is_none_or(|from| facets.received_millis >= from.timestamp_millis());
        let until = self
            .received_until
            .is_none_or(|until| facets.received_millis < until.timestamp_millis());
        unit && township && kind && channel && from && until
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Unit,
    Township,
    Kind,
    Channel,
    Time,
}

/// Which page of a list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// The most appeals on the page, from 1 to [`MAX_PAGE_LIMIT`].
    pub limit: usize,
    /// The `next_cursor` of the previous page; `None` for the first page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first page of at most `limit` appeals.
    pub fn first(limit: usize) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }

    /// The page after the one that returned `cursor`.
    pub fn after(limit: usize, cursor: impl Into<String>) -> Self {
        Self {
            limit,
            cursor: Some(cursor.into()),
        }
    }
}

/// One page of a list, in receive order (then id order).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The appeals on this page.
    pub records: Vec<AppealRecord>,
    /// Where the next page starts; `None` when this is the last page. Appeals taken in
    /// later that sort after it appear on later pages; nothing is listed twice.
    pub next_cursor: Option<String>,
}

/// The bounds of a walk over `prefix` within the time range, after the cursor if any.
fn bounds(
    filter: &AppealFilter,
    prefix: &[u8],
    cursor: Option<&[u8]>,
) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut lower = prefix.to_vec();
    if let Some(from) = filter.received_from {
        lower.extend_from_slice(&keys::millis_bytes(from.timestamp_millis()));
    }
    if let Some(cursor) = cursor {
        // The smallest key after the cursor's is the cursor's with a zero byte appended.
        let mut after = prefix.to_vec();
        after.extend_from_slice(cursor);
        after.push(0);
        lower = lower.max(after);
    }
    let upper = match filter.received_until {
        Some(until) => {
            let mut upper = prefix.to_vec();
            upper.extend_from_slice(&keys::millis_bytes(until.timestamp_millis()));
            Some(upper)
        }
        None => prefix_end(prefix),
    };
    (lower, upper)
}

fn decode_cursor(cursor: &str) -> Result<Vec<u8>, StoreError> {
    match hex::decode(cursor) {
        Ok(bytes) if keys::id_of_sort_key(&bytes).is_some() => Ok(bytes),
        _ => Err(StoreError::InvalidCursor {
            cursor: cursor.to_string(),
        }),
    }
}

fn facets(backend: &dyn StorageBackend, id: &AppealId) -> Result<Option<Facets>, StoreError> {
    let key = id.as_str().as_bytes();
    backend
        .get(keys::FACETS, key)?
        .map(|bytes| decode_json(keys::FACETS, key, &bytes))
        .transpose()
}

/// Walks the matching sort keys in order until `visit` returns `false`.
fn walk(
    backend: &dyn StorageBackend,
    filter: &AppealFilter,
    cursor: Option<&[u8]>,
    visit: &mut dyn FnMut(&[u8]) -> bool,
) -> Result<(), StoreError> {
    let (table, prefix, driving) = filter.driving_index();
    let (lower, upper) = bounds(filter, &prefix, cursor);
    if upper.as_ref().is_some_and(|upper| *upper <= lower) {
        return Ok(());
    }
    // Limitation: when filters combine (a unit and a kind, say), only the first is an index
    // range; the walk reads the facets of every appeal in that range to test the others.
    let check_facets = filter.needs_facets(driving);
    backend.scan(table, &lower, upper.as_deref(), &mut |key, _| {
        let Some(sort_key) = key.get(prefix.len()..) else {
            return Ok(true);
        };
        if check_facets {
            let Some(id) = keys::id_of_sort_key(sort_key) else {
                return Ok(true);
            };
            // An index entry whose facets no longer match was re-routed meanwhile.
            match facets(backend, &id)? {
                Some(facets) if filter.matches(&facets) => {}
                _ => return Ok(true),
            }
        }
        Ok(visit(sort_key))
    })
}

/// One page of the appeals matching `filter`.
pub(crate) fn list(
    backend: &dyn StorageBackend,
    filter: &AppealFilter,
    page: &PageRequest,
) -> Result<Page, StoreError> {
    let limit = page.limit.clamp(1, MAX_PAGE_LIMIT);
    let cursor = page.cursor.as_deref().map(decode_cursor).transpose()?;

    // One more than the limit tells whether another page follows.
    let mut sort_keys: Vec<Vec<u8>> = Vec::with_capacity(limit + 1);
    walk(backend, filter, cursor.as_deref(), &mut |sort_key| {
        sort_keys.push(sort_key.to_vec());
        sort_keys.len() <= limit
    })?;
    let next_cursor = if sort_keys.len() > limit {
        sort_keys.truncate(limit);
        sort_keys.last().map(hex::encode)
    } else {
        None
    };

    let mut records = Vec::with_capacity(sort_keys.len());
    for sort_key in &sort_keys {
        let Some(id) = keys::id_of_sort_key(sort_key) else {
            continue;
        };
        match record(backend, &id)? {
            Some(record) => records.push(record),
            None => {
                return Err(StoreError::Corrupt {
                    table: keys::APPEALS.to_string(),
                    key: id.to_string(),
                    reason: "a list index names this appeal but it is missing".to_string(),
                });
            }
        }
    }
    Ok(Page {
        records,
        next_cursor,
    })
}

/// How many appeals match `filter`.
pub(crate) fn count(
    backend: &dyn StorageBackend,
    filter: &AppealFilter,
) -> Result<u64, StoreError> {
    if filter.is_everything() {
        return match backend.get(keys::COUNTERS, keys::APPEAL_COUNT)? {
            Some(bytes) => decode_u64(keys::COUNTERS, keys::APPEAL_COUNT, &bytes),
            None => Ok(0),
        };
    }
    // Limitation: a filtered count walks the matching index range, one key per appeal
    // counted (and one facets read each when filters combine); there is no counter per value.
    let mut count = 0u64;
    walk(backend, filter, None, &mut |_| {
        count += 1;
        true
    })?;
    Ok(count)
}

/// The stored appeal with its case number and decision in force.
pub(crate) fn record(
    backend: &dyn StorageBackend,
    id: &AppealId,
) -> Result<Option<AppealRecord>, StoreError> {
    let key = id.as_str().as_bytes();
    let Some(bytes) = backend.get(keys::APPEALS, key)? else {
        return Ok(None);
    };
    let stored: StoredAppeal = decode_json(keys::APPEALS, key, &bytes)?;
    let decision: RoutingDecision = match backend.get(keys::DECISIONS, key)? {
        Some(bytes) => decode_json(keys::DECISIONS, key, &bytes)?,
        None => {
            return Err(StoreError::Corrupt {
                table: keys::DECISIONS.to_string(),
                key: id.to_string(),
                reason: "the appeal is stored but its routing decision is missing".to_string(),
            });
        }
    };
    Ok(Some(AppealRecord {
        appeal: stored.appeal,
        case_number: stored.case_number,
        decision,
    }))
}
