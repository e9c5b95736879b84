//! The CTI adapter's configuration.

use serde::{Deserialize, Serialize};

use super::adapter::CtiAdapter;
use super::error::CtiError;

/// How the CTI webhook is set up (`[cti]` in the gateway's config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CtiConfig {
    /// The secret in the webhook path, `/api/v1/cti/{token}`: the PBX's only credential.
    /// Use a long random string; a request with another token is refused with 403.
    pub token: String,
    /// Caller numbers whose `newCall` is answered with `{"action":"reject","reason":"busy"}`
    /// (nuisance callers the centre has decided to block). Compared after removing spaces
    /// and dashes. Default: none.
    #[serde(default)]
    pub blocked_callers: Vec<String>,
    /// `hangup` causes that mean nobody answered, so the caller is put on the call-back list.
    /// Default: `noAnswer`, `cancel` (the caller gave up while it rang) and `busy`.
    #[serde(default = "default_missed_call_causes")]
    pub missed_call_causes: Vec<String>,
}

fn default_missed_call_causes() -> Vec<String> {
    ["noAnswer", "cancel", "busy"]
        .into_iter()
        .map(String::from)
        .collect()
}

impl CtiConfig {
    /// A configuration with the given token and every other field at its default.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            blocked_callers: Vec::new(),
            missed_call_causes: default_missed_call_causes(),
        }
    }

    /// Checks the configuration and returns the running adapter.
    pub fn build(self) -> Result<CtiAdapter, CtiError> {
        if self.token.trim().len() < 8 {
            return Err(CtiError::Config {
                reason: "cti token must be at least 8 characters; use a long random string"
                    .to_string(),
            });
        }
        Ok(CtiAdapter::new(self))
    }
}
