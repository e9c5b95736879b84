//! The case number (工单号): digits a citizen can read out on the phone.

use std::fmt;

use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use serde::{Deserialize, Serialize};

/// The hotline's local time, China Standard Time (UTC+8), which dates case numbers.
fn china_standard_time() -> FixedOffset {
    // Eight hours is within chrono's range of offsets, so the fallback never runs.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// A case number: `YYMMDD` of the receive date in Asia/Shanghai, then the day's sequence in
/// at least four digits, e.g. `2612030042`; the 10,000th appeal of a day gets five digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseNumber(String);

impl CaseNumber {
    /// The number of the `sequence`th appeal received on the local date of `received_at`.
    pub fn new(received_at: DateTime<Utc>, sequence: u64) -> Self {
        Self(format!("{}{sequence:04}", date_prefix(received_at)))
    }

    /// Parses a number as a citizen or operator gives it: ten or more ASCII digits.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        (text.len() >= 10 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(text.to_string()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `YYMMDD` of the date in Asia/Shanghai.
pub(crate) fn date_prefix(received_at: DateTime<Utc>) -> String {
    received_at
        .with_timezone(&china_standard_time())
        .format("%y%m%d")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_is_taken_in_china_standard_time() {
        // 16:30 UTC on 2 December is 00:30 on 3 December in Wencheng.
        let at = DateTime::parse_from_rfc3339("2026-12-02T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(CaseNumber::new(at, 42).as_str(), "2612030042");
    }

    #[test]
    fn sequence_grows_past_four_digits() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(CaseNumber::new(at, 12_345).as_str(), "26120312345");
    }

    #[test]
    fn parse_accepts_only_digits() {
        assert_eq!(
            CaseNumber::parse(" 2612030042 ").unwrap().as_str(),
            "2612030042"
        );
        assert!(CaseNumber::parse("261203004").is_none());
        assert!(CaseNumber::parse("26120300a2").is_none());
    }
}
