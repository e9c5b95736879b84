//! The case number (工单编号) the store gives a case.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A case number as the store issued it, e.g. `2612030042`. Citizens quote it to ask about
/// their case; this crate does not parse it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseNumber(String);

impl CaseNumber {
    /// Wraps a case number.
    pub fn new(number: impl Into<String>) -> Self {
        Self(number.into())
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for CaseNumber {
    fn from(number: &str) -> Self {
        Self::new(number)
    }
}

impl From<String> for CaseNumber {
    fn from(number: String) -> Self {
        Self(number)
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
