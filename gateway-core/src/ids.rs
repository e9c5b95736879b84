//! Identifiers: appeal ids, handling unit ids and division codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The gateway's own id for an appeal: time-ordered, 26 characters of Crockford base 32.
///
/// The first ten characters encode the milliseconds since the Unix epoch, so ids sort in
/// arrival order; the remaining sixteen are random. The format is that of a ULID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppealId(String);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl AppealId {
    /// A new id for an appeal received now.
    pub fn generate() -> Self {
        let millis = chrono::Utc::now().timestamp_millis().max(0) as u128;
        Self::from_parts(millis, rand::random::<u128>())
    }

    /// The id made of a millisecond timestamp and 80 random bits (the rest are ignored).
    pub fn from_parts(millis: u128, random: u128) -> Self {
        let value = (millis << 80) | (random & ((1u128 << 80) - 1));
        let mut text = String::with_capacity(26);
        for i in (0..26).rev() {
            let digit = ((value >> (i * 5)) & 0x1f) as usize;
            text.push(CROCKFORD[digit] as char);
        }
        Self(text)
    }

    /// Wraps an id that was stored or received before; it is not checked.
    pub fn from_string(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a handling unit (承办单位) as the rule files declare it, e.g. `market-supervision`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(String);

impl UnitId {
    /// Wraps a unit id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The platform's own coordination (平台协调), which decides when the rules cannot.
    pub fn coordination() -> Self {
        Self::new("coordination")
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A statistical division code of a township (9 digits) or village (12 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TownshipCode(String);

impl TownshipCode {
    /// Wraps a division code.
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TownshipCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A township or village named by its official code and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DivisionRef {
    /// The statistical division code.
    pub code: TownshipCode,
    /// The official name, e.g. `玉壶镇` or `东樟村委会`.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appeal_ids_sort_by_time() {
        let early = AppealId::from_parts(1_000, u128::MAX);
        let late = AppealId::from_parts(1_001, 0);
        assert!(early < late);
        assert_eq!(early.as_str().len(), 26);
    }

    #[test]
    fn generated_ids_differ() {
        assert_ne!(AppealId::generate(), AppealId::generate());
    }
}
