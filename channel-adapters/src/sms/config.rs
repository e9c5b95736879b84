//! The SMS adapter's configuration: named provider accounts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::adapter::SmsAdapter;
use super::error::SmsError;

/// The SMS accounts (`[sms.accounts.NAME]` in the gateway's config).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// Accounts by the name in the webhook path, `/sms/{name}`. Default: none.
    #[serde(default)]
    pub accounts: BTreeMap<String, SmsAccountConfig>,
}

/// One provider account; `type` chooses the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SmsAccountConfig {
    /// Alibaba Cloud SmsUp HTTP batch push.
    Aliyun(AliyunConfig),
    /// Tencent Cloud SMS reply callback.
    Tencent(TencentConfig),
    /// Twilio messaging webhook.
    Twilio(TwilioConfig),
}

/// An Alibaba Cloud SmsUp account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunConfig {
    /// The most messages one push may carry; a longer array is refused with 400 so that
    /// nothing is half-taken. Default: 500.
    #[serde(default = "default_max_messages_per_push")]
    pub max_messages_per_push: usize,
}

impl Default for AliyunConfig {
    fn default() -> Self {
        Self {
            max_messages_per_push: default_max_messages_per_push(),
        }
    }
}

fn default_max_messages_per_push() -> usize {
    500
}

/// A Tencent Cloud SMS account. The callback carries no signature and needs no setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentConfig {}

/// A Twilio account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    /// The primary Auth Token, the key of `X-Twilio-Signature`.
    pub auth_token: String,
    /// An SMS answer to an accepted appeal, `{case_number}` replaced; none when unset
    /// (the TwiML is then `<Response/>`, which sends nothing and costs nothing).
    #[serde(default)]
    pub reply_template: Option<String>,
}

impl SmsConfig {
    /// Checks the configuration and returns the running adapter.
    pub fn build(self) -> Result<SmsAdapter, SmsError> {
        for (name, account) in &self.accounts {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(SmsError::Config {
                    reason: format!(
                        "account name {name:?} must be letters, digits, - and _ (it is a path segment)"
                    ),
                });
            }
            match account {
                SmsAccountConfig::Twilio(twilio) if twilio.auth_token.trim().is_empty() => {
                    return Err(SmsError::Config {
                        reason: format!(
                            "account {name}: auth_token is empty; copy it from the twilio console"
                        ),
                    });
                }
                SmsAccountConfig::Aliyun(aliyun) if aliyun.max_messages_per_push == 0 => {
                    return Err(SmsError::Config {
                        reason: format!("account {name}: max_messages_per_push must be at least 1"),
                    });
                }
                _ => {}
            }
        }
        Ok(SmsAdapter::new(self))
    }
}
