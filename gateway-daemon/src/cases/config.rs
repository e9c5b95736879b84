//! The cases section of the daemon's config (`[cases]`): the case policy, the handling
//! units with their tokens and delivery targets, the supervisors, and dispatch settings.

use std::collections::BTreeMap;

use gateway_core::UnitId;
use gateway_core::case::{CaseConfig, CasePolicy};
use serde::{Deserialize, Serialize};

use super::duplicates::DuplicatesConfig;
use super::error::CasesConfigError;
use crate::dispatch::{DispatchConfig, TargetBook, TargetConfig};

/// The cases section.
///
/// ```toml
/// [cases]
/// supervision_interval_seconds = 60
///
/// [cases.policy]
/// max_returns = 2
///
/// [cases.units.market-supervision]
/// name = "县市场监管局"
/// token = "a long random token for this unit"
/// [[cases.units.market-supervision.targets]]
/// type = "webhook"
/// url = "https://oa.example.gov.cn/12345"
/// secret = "a shared secret of at least 16 characters"
///
/// [[cases.supervisors]]
/// staff_id = "D001"
/// token = "a long random token for this supervisor"
///
/// [[cases.supervisor_targets]]
/// type = "email"
/// address = "dubanke@example.gov.cn"
///
/// [cases.duplicates]
/// enabled = true
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesConfig {
    /// Deadlines, returns and supervision steps, as `gateway-core` reads them.
    #[serde(default)]
    pub policy: CaseConfig,
    /// The handling units (承办单位) by unit id, as the rule files name them.
    #[serde(default)]
    pub units: BTreeMap<String, UnitConfig>,
    /// The platform's supervisors (平台督办人员).
    #[serde(default)]
    pub supervisors: Vec<SupervisorConfig>,
    /// Where notices for the supervisors go (extension requests, 督办, coordination).
    #[serde(default)]
    pub supervisor_targets: Vec<TargetConfig>,
    /// The staff id under which the gateway re-routes a returned case by the rules; it
    /// appears in the case history as the supervisor who reassigned. Default `routing`.
    #[serde(default = "default_reroute_staff_id")]
    pub reroute_staff_id: String,
    /// How often the scheduler looks for supervision steps that fell due. Default 60.
    #[serde(default = "default_supervision_interval_seconds")]
    pub supervision_interval_seconds: u64,
    /// Delivery retries, timeouts and notice templates.
    #[serde(default)]
    pub dispatch: DispatchConfig,
    /// Duplicates (重复件) at intake; on with the tuned thresholds when absent.
    #[serde(default)]
    pub duplicates: DuplicatesConfig,
}

/// One handling unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitConfig {
    /// The unit's name as units and citizens read it, e.g. `县市场监管局`.
    pub name: String,
    /// The bearer token the unit answers with; at least 16 characters, unique.
    pub token: String,
    /// Where its notices go; a unit without targets gets its deliveries marked failed.
    #[serde(default)]
    pub targets: Vec<TargetConfig>,
}

/// One platform supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisorConfig {
    /// The staff number (工号), recorded in the history of what the supervisor does.
    pub staff_id: String,
    /// The bearer token; at least 16 characters, unique.
    pub token: String,
}

fn default_reroute_staff_id() -> String {
    "routing".to_string()
}

fn default_supervision_interval_seconds() -> u64 {
    60
}

impl Default for CasesConfig {
    fn default() -> Self {
        Self {
            policy: CaseConfig::default(),
            units: BTreeMap::new(),
            supervisors: Vec::new(),
            supervisor_targets: Vec::new(),
            reroute_staff_id: default_reroute_staff_id(),
            supervision_interval_seconds: default_supervision_interval_seconds(),
            dispatch: DispatchConfig::default(),
            duplicates: DuplicatesConfig::default(),
        }
    }
}

/// Who a bearer token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOwner {
    /// A handling unit.
    Unit(UnitId),
    /// A supervisor, by staff id.
    Supervisor(String),
}

/// The checked cases config, ready to run.
#[derive(Debug, Clone)]
pub struct CasesSettings {
    /// The case policy.
    pub policy: CasePolicy,
    /// Unit names by id.
    pub unit_names: BTreeMap<UnitId, String>,
    /// Tokens and their owners.
    pub tokens: Vec<(String, TokenOwner)>,
    /// Every recipient's targets.
    pub targets: TargetBook,
    /// The re-routing staff id.
    pub reroute_staff_id: String,
    /// The scheduler's period.
    pub supervision_interval_seconds: u64,
    /// Dispatch settings.
    pub dispatch: DispatchConfig,
    /// Duplicate detection, checked.
    pub duplicates: DuplicatesConfig,
}

impl CasesConfig {
    /// Checks every field and returns the settings the service runs with.
    pub fn build(self) -> Result<CasesSettings, CasesConfigError> {
        let invalid = |field: String, reason: String| CasesConfigError::Invalid { field, reason };
        let policy = self.policy.build().map_err(CasesConfigError::Policy)?;
        self.dispatch
            .check()
            .map_err(|reason| invalid("cases.dispatch".to_string(), reason))?;
        self.duplicates
            .detection()
            .validate()
            .map_err(|e| invalid("cases.duplicates".to_string(), e.to_string()))?;
        if self.supervision_interval_seconds == 0 {
            return Err(invalid(
                "cases.supervision_interval_seconds".to_string(),
                "is 0; it must be at least 1".to_string(),
            ));
        }
        if self.reroute_staff_id.trim().is_empty() {
            return Err(invalid(
                "cases.reroute_staff_id".to_string(),
                "is empty; name the staff id that automatic re-routing acts as".to_string(),
            ));
        }

        // Tokens: long enough, and each names one owner.
        let mut tokens: Vec<(String, TokenOwner)> = Vec::new();
        let mut add_token = |field: String, token: &str, owner: TokenOwner| {
            if token.chars().count() < 16 {
                return Err(invalid(
                    field,
                    "is shorter than 16 characters; use a long random token".to_string(),
                ));
            }
            if tokens.iter().any(|(known, _)| known == token) {
                return Err(invalid(
                    field,
                    "is the same as another unit's or supervisor's token; give each its own"
                        .to_string(),
                ));
            }
            tokens.push((token.to_string(), owner));
            Ok(())
        };
        let mut unit_names = BTreeMap::new();
        let mut unit_targets = BTreeMap::new();
        for (id, unit) in &self.units {
            let field = format!("cases.units.{id}");
            if unit.name.trim().is_empty() {
                return Err(invalid(
                    format!("{field}.name"),
                    "is empty; write the unit's name".to_string(),
                ));
            }
            add_token(
                format!("{field}.token"),
                &unit.token,
                TokenOwner::Unit(UnitId::new(id.clone())),
            )?;
            for (index, target) in unit.targets.iter().enumerate() {
                target
                    .check(&format!("{field}.targets[{index}]"))
                    .map_err(|reason| invalid(format!("{field}.targets"), reason))?;
            }
            unit_names.insert(UnitId::new(id.clone()), unit.name.clone());
            unit_targets.insert(UnitId::new(id.clone()), unit.targets.clone());
        }
        for (index, supervisor) in self.supervisors.iter().enumerate() {
            let field = format!("cases.supervisors[{index}]");
            if supervisor.staff_id.trim().is_empty() {
                return Err(invalid(
                    format!("{field}.staff_id"),
                    "is empty; write the supervisor's staff number".to_string(),
                ));
            }
            add_token(
                format!("{field}.token"),
                &supervisor.token,
                TokenOwner::Supervisor(supervisor.staff_id.clone()),
            )?;
        }
        for (index, target) in self.supervisor_targets.iter().enumerate() {
            target
                .check(&format!("cases.supervisor_targets[{index}]"))
                .map_err(|reason| invalid("cases.supervisor_targets".to_string(), reason))?;
        }

        Ok(CasesSettings {
            policy,
            unit_names,
            tokens,
            targets: TargetBook::new(unit_targets, self.supervisor_targets),
            reroute_staff_id: self.reroute_staff_id,
            supervision_interval_seconds: self.supervision_interval_seconds,
            dispatch: self.dispatch,
            duplicates: self.duplicates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
        [units.market-supervision]
        name = "县市场监管局"
        token = "unit-token-0123456789"
        [[units.market-supervision.targets]]
        type = "webhook"
        url = "https://oa.example.gov.cn/12345"
        secret = "secret-0123456789"

        [[supervisors]]
        staff_id = "D001"
        token = "supervisor-token-0123456789"
    "#;

    #[test]
    fn the_example_builds() {
        let config: CasesConfig = toml::from_str(EXAMPLE).unwrap();
        let settings = config.build().unwrap();
        assert_eq!(settings.tokens.len(), 2);
        assert_eq!(settings.policy.max_returns, 2);
    }

    #[test]
    fn a_shared_token_is_refused() {
        let mut config: CasesConfig = toml::from_str(EXAMPLE).unwrap();
        config.supervisors[0].token = "unit-token-0123456789".to_string();
        let error = config.build().unwrap_err().to_string();
        assert!(error.contains("cases.supervisors[0].token"), "{error}");
    }

    #[test]
    fn a_duplicate_threshold_above_one_is_refused() {
        let mut config: CasesConfig = toml::from_str(EXAMPLE).unwrap();
        config.duplicates.others_threshold = 1.5;
        let error = config.build().unwrap_err().to_string();
        assert!(error.contains("cases.duplicates"), "{error}");
        assert!(error.contains("others_threshold"), "{error}");
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let error = toml::from_str::<CasesConfig>("retry_seconds = 3").unwrap_err();
        assert!(error.to_string().contains("retry_seconds"), "{error}");
    }
}
