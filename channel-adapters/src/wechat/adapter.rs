//! The running WeChat adapter: URL check, signature checks, decryption, passive reply.

use chrono::Utc;
use gateway_core::EmergencyService;

use super::config::{EncryptionMode, WechatConfig};
use super::crypto::{WechatCrypto, signature};
use super::error::WechatError;
use super::message::{Parties, WechatEvent, to_inbound, xml_fields};
use crate::webhook::{Inbound, IntakeOutcome, Method, WebhookReply, WebhookRequest, secrets_match};

/// One Official Account's webhook, ready to take requests. Built by [`WechatConfig::build`].
#[derive(Debug, Clone)]
pub struct WechatAdapter {
    config: WechatConfig,
    crypto: Option<WechatCrypto>,
}

/// What one push delivered, and what is needed to answer it.
#[derive(Debug, Clone, PartialEq)]
pub struct WechatPush {
    /// The appeal or the event (a push carries one message).
    pub items: Vec<Inbound<WechatEvent>>,
    /// True when the push was encrypted, so the reply is too.
    pub encrypted: bool,
    parties: Parties,
}

impl WechatAdapter {
    pub(super) fn new(config: WechatConfig, crypto: Option<WechatCrypto>) -> Self {
        Self { config, crypto }
    }

    /// The account's cipher, when it has an EncodingAESKey.
    pub fn crypto(&self) -> Option<&WechatCrypto> {
        self.crypto.as_ref()
    }

    /// Answers the platform's URL check (GET with `signature`, `timestamp`, `nonce`,
    /// `echostr`): `echostr` unchanged as plain text, in every mode.
    pub fn verify_url(&self, request: &WebhookRequest) -> Result<WebhookReply, WechatError> {
        if request.method != Method::Get {
            return Err(self.wrong_method(request));
        }
        self.check_signature(request)?;
        let echo = request
            .query_param("echostr")
            .ok_or(WechatError::MalformedField {
                field: "echostr",
                problem: "is missing from the url check".to_string(),
            })?;
        Ok(WebhookReply::text(echo))
    }

    /// Reads one push (POST): checks `signature`, and in safe or compat mode `msg_signature`,
    /// decrypts, and turns the message into an appeal or an event.
    pub fn parse_push(&self, request: &WebhookRequest) -> Result<WechatPush, WechatError> {
        if request.method != Method::Post {
            return Err(self.wrong_method(request));
        }

        // Every push is signed over token, timestamp and nonce, encrypted or not.
        let (timestamp, nonce) = self.check_signature(request)?;

        // The body is XML; in safe mode it holds only `Encrypt`.
        let body = std::str::from_utf8(&request.body).map_err(|_| WechatError::MalformedXml {
            reason: "body is not utf-8".to_string(),
        })?;
        let outer = xml_fields(body)?;
        let encrypt_requested = request.query_param("encrypt_type") == Some("aes");
        let encrypted_text = outer.get("Encrypt").filter(|e| !e.is_empty());
        let use_encryption = match (
            self.config.encryption_mode,
            encrypt_requested,
            encrypted_text,
        ) {
            (EncryptionMode::Safe, _, None) => {
                return Err(WechatError::MalformedField {
                    field: "Encrypt",
                    problem: "is missing; the account is configured for safe mode".to_string(),
                });
            }
            (_, true, None) => {
                return Err(WechatError::MalformedField {
                    field: "Encrypt",
                    problem: "is missing although the url says encrypt_type=aes".to_string(),
                });
            }
            (EncryptionMode::Plain, true, Some(_)) if self.crypto.is_none() => {
                return Err(WechatError::Config {
                    reason: "the push is encrypted but the account is configured plain; set encryption_mode and encoding_aes_key".to_string(),
                });
            }
            (EncryptionMode::Safe, _, Some(_)) => true,
            (_, requested, Some(_)) => requested && self.crypto.is_some(),
            (_, false, None) => false,
        };

        // Decrypt after checking the signature over the ciphertext.
        let (fields, raw) = if use_encryption {
            let encrypted = encrypted_text.map(String::as_str).unwrap_or_default();
            let given =
                request
                    .query_param("msg_signature")
                    .ok_or(WechatError::MissingSignature {
                        name: "msg_signature",
                    })?;
            let expected = signature(&[&self.config.token, timestamp, nonce, encrypted]);
            if !secrets_match(expected.as_bytes(), given.to_ascii_lowercase().as_bytes()) {
                return Err(WechatError::SignatureMismatch {
                    name: "msg_signature",
                });
            }
            let crypto = self.crypto.as_ref().ok_or_else(|| WechatError::Config {
                reason: "encoding_aes_key is not configured".to_string(),
            })?;
            let decrypted = crypto.decrypt(encrypted)?;
            (xml_fields(&decrypted.msg)?, decrypted.msg)
        } else {
            (outer, body.to_string())
        };

        // One message: an appeal, or an event that is not one.
        // Limitation: the timestamp is not checked against the clock; a replayed push is
        // caught by its MsgId (or sender and CreateTime) when the daemon deduplicates.
        let (inbound, parties) = to_inbound(&fields, &raw)?;
        Ok(WechatPush {
            items: vec![inbound],
            encrypted: use_encryption || self.config.encryption_mode == EncryptionMode::Safe,
            parties,
        })
    }

    /// The passive reply: for an accepted appeal, a text message telling the citizen the
    /// case number (encrypted when the push was); otherwise `success`, which stops WeChat's
    /// retries and shows the citizen nothing.
    pub fn reply(&self, push: &WechatPush, outcomes: &[IntakeOutcome]) -> WebhookReply {
        let random: [u8; 16] = rand::random();
        let nonce = rand::random_range(1_000_000_000u64..10_000_000_000).to_string();
        self.reply_with(push, outcomes, random, Utc::now().timestamp(), &nonce)
    }

    /// [`reply`](Self::reply) with the random prefix, time and nonce given, for tests and
    /// replays.
    pub fn reply_with(
        &self,
        push: &WechatPush,
        outcomes: &[IntakeOutcome],
        random: [u8; 16],
        timestamp: i64,
        nonce: &str,
    ) -> WebhookReply {
        let has_appeal = push.items.iter().any(|item| item.as_appeal().is_some());
        let Some(outcome) = outcomes.first().filter(|_| has_appeal) else {
            return WebhookReply::text("success");
        };

        // The text message, To and From swapped.
        let content = self.reply_text(outcome);
        let xml = format!(
            "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>{}</Content></xml>",
            cdata(&push.parties.from_user),
            cdata(&push.parties.to_user),
            cdata(&content),
        );
        let crypto = match (&self.crypto, push.encrypted) {
            (Some(crypto), true) => crypto,
            _ => return WebhookReply::xml(xml),
        };

        // Safe mode: the envelope, with `TimeStamp` spelled as WeChat spells it.
        let encrypted = crypto.encrypt(random, &xml);
        let timestamp = timestamp.to_string();
        let msg_signature = signature(&[&self.config.token, &timestamp, nonce, &encrypted]);
        WebhookReply::xml(format!(
            "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce>{}</Nonce></xml>",
            cdata(&encrypted),
            cdata(&msg_signature),
            cdata(nonce),
        ))
    }

    fn reply_text(&self, outcome: &IntakeOutcome) -> String {
        let template = match (outcome.emergency, &outcome.reply) {
            (Some(_), _) => &self.config.emergency_reply_template,
            (None, Some(reply)) => return reply.clone(),
            (None, None) => &self.config.reply_template,
        };
        let service = outcome
            .emergency
            .map(EmergencyService::number)
            .unwrap_or_default();
        template
            .replace("{case_number}", &outcome.case_number)
            .replace("{service}", service)
    }

    /// Checks `signature` over token, timestamp and nonce; returns timestamp and nonce.
    fn check_signature<'r>(
        &self,
        request: &'r WebhookRequest,
    ) -> Result<(&'r str, &'r str), WechatError> {
        let param = |name: &'static str| {
            request
                .query_param(name)
                .ok_or(WechatError::MissingSignature { name })
        };
        let given = param("signature")?;
        let timestamp = param("timestamp")?;
        let nonce = param("nonce")?;
        let expected = signature(&[&self.config.token, timestamp, nonce]);
        if !secrets_match(expected.as_bytes(), given.to_ascii_lowercase().as_bytes()) {
            return Err(WechatError::SignatureMismatch { name: "signature" });
        }
        Ok((timestamp, nonce))
    }

    fn wrong_method(&self, request: &WebhookRequest) -> WechatError {
        WechatError::MethodNotAllowed {
            method: match &request.method {
                Method::Get => "get".to_string(),
                Method::Post => "post".to_string(),
                Method::Other(name) => name.to_ascii_lowercase(),
            },
        }
    }
}

/// Text as a CDATA section; a `]]>` inside is split across two sections.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_survives_its_own_terminator() {
        let xml = format!("<x>{}</x>", cdata("a]]>b"));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let text: String = doc
            .root_element()
            .children()
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(text, "a]]>b");
    }
}
