//! The `[follow_up]` section: when and how citizens are asked for their rating, and the
//! accounts the surveys go out through.
//!
//! ```toml
//! [follow_up]
//! reply_max_chars = 40
//!
//! [follow_up.survey]
//! answer_wait_hours = 72
//! max_reopens = 2
//!
//! [follow_up.sms]
//! account_sid = "AC..."
//! auth_token = "..."
//! from = "+8610690000"
//!
//! [follow_up.wechat.wencheng]
//! app_secret = "..."
//! ```

use std::collections::BTreeMap;

use gateway_analysis::{FollowUpConfig, FollowUpPlan};
use serde::{Deserialize, Serialize};

use crate::dispatch::config::https_or_loopback;

/// How follow-up runs in the daemon. It needs `[cases]`: there is nothing to follow up
/// without cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpSection {
    /// Whether surveys are sent at all. Default true.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How often surveys whose wait ran out are looked for, in seconds. Default 60.
    #[serde(default = "default_tick_seconds")]
    pub tick_seconds: u64,
    /// An SMS or WeChat message from a citizen who was asked for a rating is read as the
    /// reply when it is at most this many characters long (if it gives no rating and the
    /// routing rules find no matter in it, the survey is sent again; if they do, it is a new
    /// appeal); a longer one is a new appeal, even when it mentions 满意. A reply mail is read
    /// at any length when it gives a rating. Default 40.
    #[serde(default = "default_reply_max_chars")]
    pub reply_max_chars: usize,
    /// The answer to a satisfied or partly satisfied rating; `{case_number}` is replaced.
    #[serde(default = "default_thanks_template")]
    pub thanks_template: String,
    /// The answer when a dissatisfied rating cannot reopen the case again and goes to the
    /// supervisors; `{case_number}` is replaced.
    #[serde(default = "default_escalated_template")]
    pub escalated_template: String,
    /// The subject of a survey email; `{case_number}` is replaced. The case number in the
    /// subject also ties the citizen's answer to the case when the mail client drops the
    /// threading headers.
    #[serde(default = "default_email_subject_template")]
    pub email_subject_template: String,
    /// How long a survey message is retried before it is given up, in seconds.
    /// Default 86400.
    #[serde(default = "default_retry_for_seconds")]
    pub retry_for_seconds: u64,
    /// The survey itself: waits, retries, reopens, texts and choices.
    #[serde(default)]
    pub survey: FollowUpConfig,
    /// The SMS account that sends surveys to phones (phone appeals, SMS appeals, web forms
    /// with a phone number).
    #[serde(default)]
    pub sms: Option<SmsSenderConfig>,
    /// Per WeChat account (the names of `[channels.wechat.accounts]`): the secret for the
    /// customer-service message API (客服消息) that sends surveys to followers.
    #[serde(default)]
    pub wechat: BTreeMap<String, WechatSenderConfig>,
}

/// Twilio's REST API for outbound SMS (`POST /2010-04-01/Accounts/{sid}/Messages.json`).
// Limitation: only Twilio's sending API is spoken; an Alibaba Cloud or Tencent Cloud SMS
// account needs an approved template per message, which is not written yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSenderConfig {
    /// The account SID (`AC...`).
    pub account_sid: String,
    /// The auth token.
    pub auth_token: String,
    /// The number or sender id the surveys come from.
    pub from: String,
    /// The API's base URL. Default `https://api.twilio.com`; `http://` only on loopback.
    #[serde(default = "default_twilio_base")]
    pub api_base: String,
}

/// One Official Account's access to the customer-service message API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatSenderConfig {
    /// The AppSecret (开发者密码) of the account whose AppID is in `[channels.wechat]`.
    pub app_secret: String,
    /// The API's base URL. Default `https://api.weixin.qq.com`; `http://` only on loopback.
    #[serde(default = "default_wechat_base")]
    pub api_base: String,
}

fn yes() -> bool {
    true
}
fn default_tick_seconds() -> u64 {
    60
}
fn default_reply_max_chars() -> usize {
    40
}
fn default_retry_for_seconds() -> u64 {
    86_400
}
fn default_thanks_template() -> String {
    "【文成12345】感谢您对工单{case_number}的评价，我们将继续改进工作。".to_string()
}
fn default_escalated_template() -> String {
    "【文成12345】您对工单{case_number}的办理结果仍不满意，已转平台督办人员跟进处理。".to_string()
}
fn default_email_subject_template() -> String {
    "【文成12345】工单{case_number}办理结果回访".to_string()
}
fn default_twilio_base() -> String {
    "https://api.twilio.com".to_string()
}
fn default_wechat_base() -> String {
    "https://api.weixin.qq.com".to_string()
}

impl Default for FollowUpSection {
    fn default() -> Self {
        Self {
            enabled: true,
            tick_seconds: default_tick_seconds(),
            reply_max_chars: default_reply_max_chars(),
            thanks_template: default_thanks_template(),
            escalated_template: default_escalated_template(),
            email_subject_template: default_email_subject_template(),
            retry_for_seconds: default_retry_for_seconds(),
            survey: FollowUpConfig::default(),
            sms: None,
            wechat: BTreeMap::new(),
        }
    }
}

/// The checked section, ready to run.
#[derive(Debug, Clone)]
pub struct FollowUpSettings {
    /// The section as written.
    pub section: FollowUpSection,
    /// The survey plan built from it.
    pub plan: FollowUpPlan,
}

impl FollowUpSection {
    /// Checks the section and builds the survey plan; `wechat_accounts` are the names of
    /// the configured WeChat accounts.
    pub fn build(self, wechat_accounts: &[String]) -> Result<FollowUpSettings, String> {
        if self.tick_seconds == 0 {
            return Err("follow_up.tick_seconds is 0; it must be at least 1".to_string());
        }
        if self.retry_for_seconds == 0 {
            return Err("follow_up.retry_for_seconds is 0; it must be at least 1".to_string());
        }
        for (field, template) in [
            ("follow_up.thanks_template", &self.thanks_template),
            ("follow_up.escalated_template", &self.escalated_template),
            (
                "follow_up.email_subject_template",
                &self.email_subject_template,
            ),
        ] {
            if template.trim().is_empty() {
                return Err(format!("{field} is empty; write the text citizens get"));
            }
        }
        if let Some(sms) = &self.sms {
            https_or_loopback("follow_up.sms.api_base", &sms.api_base)?;
            if sms.account_sid.trim().is_empty() || sms.auth_token.trim().is_empty() {
                return Err(
                    "follow_up.sms needs account_sid and auth_token of the sending account"
                        .to_string(),
                );
            }
        }
        for (name, account) in &self.wechat {
            if !wechat_accounts.contains(name) {
                return Err(format!(
                    "follow_up.wechat.{name}: there is no [channels.wechat.accounts.{name}]; \
                     name one of: {}",
                    wechat_accounts.join(", ")
                ));
            }
            https_or_loopback(
                &format!("follow_up.wechat.{name}.api_base"),
                &account.api_base,
            )?;
        }
        let plan = self
            .survey
            .clone()
            .build()
            .map_err(|e| format!("follow_up.survey: {e}"))?;
        Ok(FollowUpSettings {
            section: self,
            plan,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build_and_unknown_fields_are_refused() {
        let section: FollowUpSection = toml::from_str("").unwrap();
        assert!(section.enabled);
        assert!(section.build(&[]).is_ok());
        let error = toml::from_str::<FollowUpSection>("wait = 3").unwrap_err();
        assert!(error.to_string().contains("wait"), "{error}");
    }

    #[test]
    fn a_wechat_sender_must_name_a_configured_account_and_bases_must_be_safe() {
        let section: FollowUpSection =
            toml::from_str("[wechat.other]\napp_secret = \"s\"").unwrap();
        let error = section.build(&["wencheng".to_string()]).unwrap_err();
        assert!(
            error.contains("no [channels.wechat.accounts.other]"),
            "{error}"
        );

        let section: FollowUpSection = toml::from_str(
            "[sms]\naccount_sid = \"AC1\"\nauth_token = \"t\"\nfrom = \"+1\"\napi_base = \"http://sms.example.com\"",
        )
        .unwrap();
        let error = section.build(&[]).unwrap_err();
        assert!(error.contains("use https"), "{error}");
    }
}
