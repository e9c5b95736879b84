//! The durable outbox: deliveries kept in named tables of the appeal store.
//!
//! `dispatch_outbox` holds every delivery by id; `dispatch_pending` and `dispatch_failed`
//! index the ids of those still to send and those given up, so that the worker and the
//! deliveries API read only what they need. A delivery is written in the same batch as the
//! case change that caused it, so a notice is queued exactly when the change is durable.

use gateway_core::store::{AppealStore, StoreError, WriteBatch};

use super::delivery::{Delivery, DeliveryId, DeliveryState};

/// Every delivery by id.
pub const OUTBOX_TABLE: &str = "dispatch_outbox";
/// The ids of pending deliveries.
pub const PENDING_TABLE: &str = "dispatch_pending";
/// The ids of failed deliveries.
pub const FAILED_TABLE: &str = "dispatch_failed";

/// The most rows one scan reads.
// Limitation: a scan stops at this many rows; an outbox with more pending or failed
// deliveries than this serves the oldest first and the rest on later rounds.
pub const SCAN_LIMIT: usize = 10_000;

/// Adds the delivery and its state index to the batch; used for new and updated deliveries.
pub fn put(batch: &mut WriteBatch, delivery: &Delivery) -> Result<(), StoreError> {
    let key = delivery.id.as_str();
    batch.put_json(OUTBOX_TABLE, key, delivery)?;
    match delivery.state {
        DeliveryState::Pending => {
            batch.put(PENDING_TABLE, key, Vec::new())?;
            batch.delete(FAILED_TABLE, key)?;
        }
        DeliveryState::Delivered => {
            batch.delete(PENDING_TABLE, key)?;
            batch.delete(FAILED_TABLE, key)?;
        }
        DeliveryState::Failed => {
            batch.delete(PENDING_TABLE, key)?;
            batch.put(FAILED_TABLE, key, Vec::new())?;
        }
    }
    Ok(())
}

/// The delivery with this id.
pub fn get(store: &AppealStore, id: &DeliveryId) -> Result<Option<Delivery>, StoreError> {
    store.get_json(OUTBOX_TABLE, id.as_str())
}

/// Deliveries in a state, oldest first, at most `limit`.
pub fn list(
    store: &AppealStore,
    state: DeliveryState,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let index = match state {
        DeliveryState::Pending => PENDING_TABLE,
        DeliveryState::Failed => FAILED_TABLE,
        DeliveryState::Delivered => {
            // Delivered ones have no index of their own: read the outbox and keep them.
            let mut found = Vec::new();
            for (key, value) in store.scan_prefix(OUTBOX_TABLE, b"", SCAN_LIMIT)? {
                let delivery = decode(&key, &value)?;
                if delivery.state == DeliveryState::Delivered {
                    found.push(delivery);
                    if found.len() >= limit {
                        break;
                    }
                }
            }
            return Ok(found);
        }
    };
    let mut found = Vec::new();
    for (key, _) in store.scan_prefix(index, b"", limit)? {
        let id = DeliveryId::from_string(String::from_utf8_lossy(&key).into_owned());
        if let Some(delivery) = get(store, &id)? {
            found.push(delivery);
        }
    }
    Ok(found)
}

fn decode(key: &[u8], value: &[u8]) -> Result<Delivery, StoreError> {
    serde_json::from_slice(value).map_err(|e| StoreError::Corrupt {
        table: OUTBOX_TABLE.to_string(),
        key: String::from_utf8_lossy(key).into_owned(),
        reason: e.to_string(),
    })
}
