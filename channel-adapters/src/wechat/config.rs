//! The WeChat Official Account adapter's configuration.

use serde::{Deserialize, Serialize};

use super::adapter::WechatAdapter;
use super::crypto::WechatCrypto;
use super::error::WechatError;

/// Whether the account encrypts its pushes, as set on the platform (消息加解密方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionMode {
    /// 明文模式: nothing is encrypted.
    #[default]
    Plain,
    /// 兼容模式: pushes carry plain elements and `Encrypt`; either kind of reply is accepted.
    Compat,
    /// 安全模式: pushes carry only `Encrypt`, and replies must be encrypted.
    Safe,
}

/// How one Official Account is set up (`[wechat]` in the gateway's config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    /// The Token (令牌) set on the platform, 3 to 32 letters and digits.
    pub token: String,
    /// The account's AppID (`wx…`); every decrypted message must end with it.
    pub app_id: String,
    /// The 43-character EncodingAESKey; required unless `encryption_mode` is `plain`.
    #[serde(default)]
    pub encoding_aes_key: Option<String>,
    /// `plain`, `compat` or `safe`, as set on the platform. Default: `plain`.
    #[serde(default)]
    pub encryption_mode: EncryptionMode,
    /// The passive reply to an accepted appeal; `{case_number}` is replaced by the case number.
    #[serde(default = "default_reply_template")]
    pub reply_template: String,
    /// The passive reply when routing found an emergency; `{service}` is replaced by 110,
    /// 119, 120 or 122 and `{case_number}` by the case number.
    #[serde(default = "default_emergency_reply_template")]
    pub emergency_reply_template: String,
}

fn default_reply_template() -> String {
    "您的诉求已受理，工单号 {case_number}。我们将尽快转交承办单位办理，请留意后续回复。".to_string()
}

fn default_emergency_reply_template() -> String {
    "您反映的情况紧急，已转{service}处置，工单号 {case_number}。如仍有危险，请立即拨打{service}。"
        .to_string()
}

impl WechatConfig {
    /// A plain-mode account with the default reply templates.
    pub fn new(token: impl Into<String>, app_id: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            app_id: app_id.into(),
            encoding_aes_key: None,
            encryption_mode: EncryptionMode::Plain,
            reply_template: default_reply_template(),
            emergency_reply_template: default_emergency_reply_template(),
        }
    }

    /// The same account in another mode with its EncodingAESKey.
    pub fn with_encryption(
        mut self,
        mode: EncryptionMode,
        encoding_aes_key: impl Into<String>,
    ) -> Self {
        self.encryption_mode = mode;
        self.encoding_aes_key = Some(encoding_aes_key.into());
        self
    }

    /// Checks the configuration and returns the running adapter.
    pub fn build(self) -> Result<WechatAdapter, WechatError> {
        let config_error = |reason: &str| WechatError::Config {
            reason: reason.to_string(),
        };
        if !(3..=32).contains(&self.token.len())
            || !self.token.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(config_error(
                "token must be 3 to 32 letters and digits, as the platform requires",
            ));
        }
        if self.app_id.trim().is_empty() {
            return Err(config_error(
                "app_id is empty; copy the AppID (wx…) from the platform",
            ));
        }
        if self.reply_template.trim().is_empty() || self.emergency_reply_template.trim().is_empty()
        {
            return Err(config_error("reply templates must not be empty"));
        }
        let crypto = match (&self.encoding_aes_key, self.encryption_mode) {
            (Some(key), _) => Some(WechatCrypto::new(key, &self.app_id)?),
            (None, EncryptionMode::Plain) => None,
            (None, _) => {
                return Err(config_error(
                    "encoding_aes_key is required when encryption_mode is compat or safe",
                ));
            }
        };
        Ok(WechatAdapter::new(self, crypto))
    }
}
