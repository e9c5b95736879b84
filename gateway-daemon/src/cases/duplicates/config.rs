//! The `[cases.duplicates]` section: whether intake links repeated reports to the open case,
//! and how alike two reports must be.

use gateway_analysis::DuplicateConfig;
use serde::{Deserialize, Serialize};

/// Duplicate detection at intake (重复件). An absent section means detection on, with the
/// thresholds tuned on the real messages of `fixtures/appeals/hot-topics.jsonl`.
///
/// ```toml
/// [cases.duplicates]
/// enabled = true
/// same_citizen_threshold = 0.45
/// others_threshold = 0.45
/// others_window_days = 30
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicatesConfig {
    /// Whether intake links a repeated report to the open case instead of opening another.
    /// With `false`, supervisors can still link and unlink by hand. Default `true`.
    pub enabled: bool,
    /// Characters per shingle. Default 2 (bigrams), which suits short Chinese complaints.
    pub shingle_chars: usize,
    /// Similarity (0 to 1) at which the same citizen's report joins an open case. Default
    /// 0.45.
    pub same_citizen_threshold: f64,
    /// Similarity at which someone else's report joins an open case; topic and place must
    /// also agree where both are known. Default 0.45.
    pub others_threshold: f64,
    /// How many days back the same citizen's reports are compared. Default 90.
    pub same_citizen_window_days: u32,
    /// How many days back other citizens' reports are compared. Default 30.
    pub others_window_days: u32,
    /// Texts with fewer shingles than this are never called duplicates. Default 6.
    pub min_shingles: usize,
    /// Shingles in more than this share of reports are not used to find candidates.
    /// Default 0.05.
    pub common_shingle_share: f64,
    /// How many candidates are scored for each new report. Default 64.
    pub max_candidates: usize,
}

impl Default for DuplicatesConfig {
    fn default() -> Self {
        DuplicatesConfig::from_detection(true, DuplicateConfig::default())
    }
}

impl DuplicatesConfig {
    fn from_detection(enabled: bool, detection: DuplicateConfig) -> Self {
        Self {
            enabled,
            shingle_chars: detection.shingle_chars,
            same_citizen_threshold: detection.same_citizen_threshold,
            others_threshold: detection.others_threshold,
            same_citizen_window_days: detection.same_citizen_window_days,
            others_window_days: detection.others_window_days,
            min_shingles: detection.min_shingles,
            common_shingle_share: detection.common_shingle_share,
            max_candidates: detection.max_candidates,
        }
    }

    /// The detection settings as the analysis library reads them.
    pub fn detection(&self) -> DuplicateConfig {
        DuplicateConfig {
            shingle_chars: self.shingle_chars,
            same_citizen_threshold: self.same_citizen_threshold,
            others_threshold: self.others_threshold,
            same_citizen_window_days: self.same_citizen_window_days,
            others_window_days: self.others_window_days,
            min_shingles: self.min_shingles,
            common_shingle_share: self.common_shingle_share,
            max_candidates: self.max_candidates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_section_is_on_with_the_tuned_defaults() {
        let config: DuplicatesConfig = toml::from_str("").unwrap();
        assert!(config.enabled);
        assert_eq!(config.detection(), DuplicateConfig::default());
    }

    #[test]
    fn a_misspelt_threshold_is_refused() {
        let error = toml::from_str::<DuplicatesConfig>("other_threshold = 0.5").unwrap_err();
        assert!(error.to_string().contains("other_threshold"), "{error}");
    }
}
