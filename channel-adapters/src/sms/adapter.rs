//! The running SMS adapter: finds the account, hands the request to its provider, answers.

use std::convert::Infallible;

use gateway_core::{AppealBuilder, Citizen};
use serde_json::json;

use super::config::{SmsAccountConfig, SmsConfig};
use super::error::SmsError;
use super::{aliyun, tencent, twilio};
use crate::contact::normalize_phone;
use crate::webhook::{Inbound, IntakeOutcome, WebhookReply, WebhookRequest};

/// The SMS webhooks, ready to take requests. Built by [`SmsConfig::build`].
#[derive(Debug, Clone)]
pub struct SmsAdapter {
    config: SmsConfig,
}

/// Which provider an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsProvider {
    /// Alibaba Cloud SmsUp.
    Aliyun,
    /// Tencent Cloud SMS.
    Tencent,
    /// Twilio.
    Twilio,
}

/// What one SMS push delivered, and what is needed to answer it.
#[derive(Debug, Clone, PartialEq)]
pub struct SmsIntake {
    /// The appeals, one per message, in the order of the push. SMS pushes carry no events.
    pub items: Vec<Inbound<Infallible>>,
    /// The provider, which decides the answer's shape.
    pub provider: SmsProvider,
    /// The account the push came to.
    pub account: String,
}

impl SmsAdapter {
    pub(super) fn new(config: SmsConfig) -> Self {
        Self { config }
    }

    /// Reads one push to `/sms/{account}`.
    pub fn parse(&self, account: &str, request: &WebhookRequest) -> Result<SmsIntake, SmsError> {
        let config = self
            .config
            .accounts
            .get(account)
            .ok_or_else(|| SmsError::UnknownAccount {
                account: account.to_string(),
            })?;
        let (provider, appeals) = match config {
            SmsAccountConfig::Aliyun(aliyun) => (
                SmsProvider::Aliyun,
                aliyun::parse(account, aliyun, request)?,
            ),
            SmsAccountConfig::Tencent(_) => {
                (SmsProvider::Tencent, tencent::parse(account, request)?)
            }
            SmsAccountConfig::Twilio(twilio) => (
                SmsProvider::Twilio,
                twilio::parse(account, twilio, request)?,
            ),
        };
        Ok(SmsIntake {
            items: appeals
                .into_iter()
                .map(|a| Inbound::Appeal(Box::new(a)))
                .collect(),
            provider,
            account: account.to_string(),
        })
    }

    /// The answer the provider expects once the appeals are stored (one outcome per appeal).
    pub fn reply(&self, intake: &SmsIntake, outcomes: &[IntakeOutcome]) -> WebhookReply {
        match intake.provider {
            SmsProvider::Aliyun => WebhookReply::json(&json!({"code": 0, "msg": "接收成功"})),
            SmsProvider::Tencent => WebhookReply::json(&json!({"result": 0, "errmsg": "OK"})),
            SmsProvider::Twilio => {
                let template = match self.config.accounts.get(&intake.account) {
                    Some(SmsAccountConfig::Twilio(twilio)) => twilio.reply_template.as_deref(),
                    _ => None,
                };
                twilio::twiml(template, outcomes.first())
            }
        }
    }
}

/// Puts the sender on the appeal: a usable number as the citizen's phone, anything else
/// flagged with its raw value.
pub(super) fn with_sender(builder: AppealBuilder, field: &str, raw: &str) -> AppealBuilder {
    match normalize_phone(raw) {
        Ok(phone) => builder.citizen(Citizen {
            phone: Some(phone),
            ..Citizen::default()
        }),
        Err(problem) => builder.flag(field, problem, Some(raw.to_string())),
    }
}
