//! How duplicates are recognised: thresholds, windows, shingle length.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Duplicate detection (重复件) settings.
///
/// The defaults were tuned on the 4,326 real messages of `fixtures/appeals/hot-topics.jsonl`
/// by reading the groups found at several thresholds (see `examples/duplicates.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicateConfig {
    /// Characters per shingle. Default 2 (bigrams), which suits short Chinese complaints.
    pub shingle_chars: usize,
    /// Similarity (IDF-weighted cosine, 0 to 1) at which an appeal from the same citizen
    /// (same phone, email or WeChat sender) joins an open case. Default 0.45.
    pub same_citizen_threshold: f64,
    /// Similarity at which an appeal from someone else joins an open case; they must also
    /// agree on topic and place where both are known. Default 0.45.
    pub others_threshold: f64,
    /// How many days back the same citizen's appeals are compared. Default 90.
    pub same_citizen_window_days: u32,
    /// How many days back other citizens' appeals are compared. Default 30.
    pub others_window_days: u32,
    /// Texts with fewer shingles than this are never called duplicates (too short to
    /// tell "噪音扰民" from the next one). Default 6.
    pub min_shingles: usize,
    /// Shingles found in more than this share of indexed appeals are not used to find
    /// candidates (they still count in the score). Default 0.05.
    pub common_shingle_share: f64,
    /// How many indexed appeals, those sharing the most uncommon shingles, are scored for
    /// each new appeal. Default 64.
    pub max_candidates: usize,
}

impl Default for DuplicateConfig {
    fn default() -> Self {
        Self {
            shingle_chars: 2,
            same_citizen_threshold: 0.45,
            others_threshold: 0.45,
            same_citizen_window_days: 90,
            others_window_days: 30,
            min_shingles: 6,
            common_shingle_share: 0.05,
            max_candidates: 64,
        }
    }
}

/// A duplicate configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DuplicateConfigError {
    /// The TOML did not parse or named an unknown field.
    #[error("duplicate config is not valid toml: {message}")]
    Toml {
        /// The parser's message.
        message: String,
    },
    /// A threshold outside (0, 1].
    #[error("{field} is {value}; a similarity threshold lies above 0 and at most 1")]
    Threshold {
        /// The field.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// Shingle length outside 1 to 5.
    #[error("shingle_chars is {value}; use 1 to 5 characters (2 suits Chinese)")]
    ShingleChars {
        /// The value given.
        value: usize,
    },
    /// `max_candidates` is zero.
    #[error("max_candidates is 0; score at least one candidate (64 is the default)")]
    NoCandidates,
    /// Common share outside (0, 1].
    #[error("common_shingle_share is {value}; give a share above 0 and at most 1")]
    CommonShare {
        /// The value given.
        value: f64,
    },
}

impl DuplicateConfig {
    /// Reads a configuration from TOML; absent fields take their defaults.
    pub fn from_toml(text: &str) -> Result<DuplicateConfig, DuplicateConfigError> {
        toml::from_str(text).map_err(|e| DuplicateConfigError::Toml {
            message: e.to_string(),
        })
    }

    /// Checks the values.
    pub fn validate(&self) -> Result<(), DuplicateConfigError> {
        for (field, value) in [
            ("same_citizen_threshold", self.same_citizen_threshold),
            ("others_threshold", self.others_threshold),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(DuplicateConfigError::Threshold { field, value });
            }
        }
        if !(1..=5).contains(&self.shingle_chars) {
            return Err(DuplicateConfigError::ShingleChars {
                value: self.shingle_chars,
            });
        }
        if !(self.common_shingle_share > 0.0 && self.common_shingle_share <= 1.0) {
            return Err(DuplicateConfigError::CommonShare {
                value: self.common_shingle_share,
            });
        }
        if self.max_candidates == 0 {
            return Err(DuplicateConfigError::NoCandidates);
        }
        Ok(())
    }
}
