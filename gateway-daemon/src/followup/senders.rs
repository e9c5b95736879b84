//! The channels that carry messages to citizens: Twilio's SMS API, WeChat's
//! customer-service message API (客服消息), and the email channel's SMTP.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use super::address::CitizenAddress;
use super::config::{SmsSenderConfig, WechatSenderConfig};
use super::messages::CitizenMessage;
use crate::dispatch::worker::status_outcome;
use crate::dispatch::{AttemptError, EmailMessage, EmailSender};

/// WeChat's answer codes that mean the access token is no longer good.
const TOKEN_EXPIRED: [i64; 3] = [40001, 40014, 42001];

/// Every sender the daemon has; a channel without one fails its messages with a reason.
#[derive(Clone)]
pub struct Senders {
    client: reqwest::Client,
    sms: Option<SmsSenderConfig>,
    wechat: BTreeMap<String, Arc<WechatSender>>,
    email: Option<Arc<dyn EmailSender>>,
}

impl std::fmt::Debug for Senders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Senders")
            .field("sms", &self.sms.is_some())
            .field("wechat", &self.wechat.keys().collect::<Vec<_>>())
            .field("email", &self.email.is_some())
            .finish()
    }
}

struct WechatSender {
    app_id: String,
    config: WechatSenderConfig,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

impl Senders {
    /// Senders from config: `wechat` pairs each account's AppID with its sending secret.
    pub fn new(
        sms: Option<SmsSenderConfig>,
        wechat: BTreeMap<String, (String, WechatSenderConfig)>,
        email: Option<Arc<dyn EmailSender>>,
    ) -> Result<Senders, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let wechat = wechat
            .into_iter()
            .map(|(name, (app_id, config))| {
                let sender = WechatSender {
                    app_id,
                    config,
                    token: Mutex::new(None),
                };
                (name, Arc::new(sender))
            })
            .collect();
        Ok(Senders {
            client,
            sms,
            wechat,
            email,
        })
    }

    /// The name of the only WeChat account that can send, if exactly one can.
    // Limitation: with several sending accounts the daemon cannot yet tell which one a
    // follower wrote to, so WeChat surveys go out only when one account sends.
    pub fn single_wechat_account(&self) -> Option<&str> {
        match self.wechat.len() {
            1 => self.wechat.keys().next().map(String::as_str),
            _ => None,
        }
    }

    /// Whether messages to this kind of address can be sent at all.
    pub fn can_send(&self, address: &CitizenAddress) -> bool {
        match address {
            CitizenAddress::Sms { .. } => self.sms.is_some(),
            CitizenAddress::Wechat { account, .. } => self.wechat.contains_key(account),
            CitizenAddress::Email { .. } => self.email.is_some(),
        }
    }

    /// One attempt to send a message.
    pub async fn send(&self, message: &CitizenMessage) -> Result<(), AttemptError> {
        match &message.address {
            CitizenAddress::Sms { phone } => self.sms(phone, message).await,
            CitizenAddress::Wechat { account, openid } => {
                let Some(sender) = self.wechat.get(account) else {
                    return Err(AttemptError::Permanent(format!(
                        "no [follow_up.wechat.{account}] sending secret is configured"
                    )));
                };
                sender.send(&self.client, openid, &message.text).await
            }
            CitizenAddress::Email { address } => {
                let Some(email) = &self.email else {
                    return Err(AttemptError::Permanent(
                        "no [channels.email] smtp is configured to send survey emails".to_string(),
                    ));
                };
                let mail = EmailMessage {
                    to: address.clone(),
                    subject: message.subject.clone(),
                    body: message.text.clone(),
                    idempotency_key: message.id.clone(),
                };
                email
                    .send(&mail)
                    .await
                    .map_err(|e| AttemptError::Retryable(format!("smtp: {e}")))
            }
        }
    }

    async fn sms(&self, phone: &str, message: &CitizenMessage) -> Result<(), AttemptError> {
        let Some(config) = &self.sms else {
            return Err(AttemptError::Permanent(
                "no [follow_up.sms] account is configured to send SMS".to_string(),
            ));
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            config.api_base.trim_end_matches('/'),
            config.account_sid
        );
        let response = self
            .client
            .post(&url)
            .basic_auth(&config.account_sid, Some(&config.auth_token))
            .header("I-Twilio-Idempotency-Token", &message.id)
            .form(&[
                ("To", phone),
                ("From", config.from.as_str()),
                ("Body", message.text.as_str()),
            ])
            .send()
            .await
            .map_err(|e| http_failure("could not reach the sms api", e))?;
        status_outcome(response.status(), "the sms api")
    }
}

impl WechatSender {
    async fn token(&self, client: &reqwest::Client, fresh: bool) -> Result<String, AttemptError> {
        let mut held = self.token.lock().await;
        if !fresh
            && let Some((token, until)) = held.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let url = format!(
            "{}/cgi-bin/token",
            self.config.api_base.trim_end_matches('/')
        );
        let answer: TokenAnswer = client
            .get(&url)
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", self.app_id.as_str()),
                ("secret", self.config.app_secret.as_str()),
            ])
            .send()
            .await
            .map_err(|e| http_failure("could not reach the wechat api", e))?
            .json()
            .await
            .map_err(|e| http_failure("the wechat token answer", e))?;
        match answer.access_token {
            Some(token) => {
                // Renewed five minutes early, as the platform allows two tokens to overlap.
                let lifetime = answer
                    .expires_in
                    .unwrap_or(7200)
                    .saturating_sub(300)
                    .max(60);
                *held = Some((
                    token.clone(),
                    Instant::now() + Duration::from_secs(lifetime),
                ));
                Ok(token)
            }
            None => Err(AttemptError::Retryable(format!(
                "wechat refused the access token: {} {}",
                answer.errcode.unwrap_or_default(),
                answer.errmsg.unwrap_or_default()
            ))),
        }
    }

    async fn send(
        &self,
        client: &reqwest::Client,
        openid: &str,
        text: &str,
    ) -> Result<(), AttemptError> {
        let body = serde_json::json!({
            "touser": openid,
            "msgtype": "text",
            "text": {"content": text},
        });
        let url = format!(
            "{}/cgi-bin/message/custom/send",
            self.config.api_base.trim_end_matches('/')
        );
        for fresh in [false, true] {
            let token = self.token(client, fresh).await?;
            let answer: SendAnswer = client
                .post(&url)
                .query(&[("access_token", token.as_str())])
                .json(&body)
                .send()
                .await
                .map_err(|e| http_failure("could not reach the wechat api", e))?
                .json()
                .await
                .map_err(|e| http_failure("the wechat send answer", e))?;
            match answer.errcode {
                0 => return Ok(()),
                code if TOKEN_EXPIRED.contains(&code) && !fresh => continue,
                // -1: the platform is busy.
                -1 => {
                    return Err(AttemptError::Retryable(format!(
                        "wechat is busy: {}",
                        answer.errmsg
                    )));
                }
                // 45015: the follower has not written in 48 hours; 43004: unfollowed.
                code => {
                    return Err(AttemptError::Permanent(format!(
                        "wechat refused the message: {code} {}",
                        answer.errmsg
                    )));
                }
            }
        }
        Err(AttemptError::Retryable(
            "wechat refused a fresh access token".to_string(),
        ))
    }
}

/// A failed request as a retryable error, without its URL: the WeChat token request carries
/// the app secret in its query and the send request the access token, and the error is kept
/// with the message, which the case's units can read, and logged.
fn http_failure(what: &str, error: reqwest::Error) -> AttemptError {
    let error = error.without_url();
    let mut text = format!("{what}: {error}");
    let mut cause = std::error::Error::source(&error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    AttemptError::Retryable(text)
}
