//! The appeal (诉求): one request from a citizen, as one channel delivered it, normalized.

use std::fmt;

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::AppealId;

/// The version of the appeal's JSON form. Readers accept this version and every earlier one.
pub const APPEAL_SCHEMA_VERSION: u32 = 1;

/// The channel (渠道) an appeal came in by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call through the CTI system, 12345 or an old department hotline.
    Phone,
    /// The county mailbox (县长信箱).
    Email,
    /// An inbound SMS (上行短信).
    Sms,
    /// A message to the WeChat Official Account.
    Wechat,
    /// The web form (网上信箱).
    WebForm,
    /// A case handed over by another platform (city or provincial 12345, 96345).
    Platform,
}

impl Channel {
    /// Every channel, in a stable order.
    pub const ALL: [Channel; 6] = [
        Channel::Phone,
        Channel::Email,
        Channel::Sms,
        Channel::Wechat,
        Channel::WebForm,
        Channel::Platform,
    ];

    /// The channel's name as it appears in JSON and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Wechat => "wechat",
            Channel::WebForm => "web_form",
            Channel::Platform => "platform",
        }
    }

    /// Parses a channel name as written in JSON (`web_form`, `wechat`, ...).
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who asked (诉求人) and how to answer them. Every field is optional: anonymous is allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citizen {
    /// The name the citizen gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A phone number: the caller (ANI) of a call, the sender of an SMS, or one typed in a form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// An email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The WeChat OpenID of the sender, unique per Official Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_openid: Option<String>,
}

impl Citizen {
    /// True when the citizen left no way to be reached.
    pub fn is_anonymous(&self) -> bool {
        self.phone.is_none() && self.email.is_none() && self.wechat_openid.is_none()
    }
}

/// A picture, recording or document (附件), kept by reference: the bytes live in the store
/// under their content hash, or at the channel's URL until fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name the citizen's client gave, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The media type, e.g. `image/jpeg`.
    pub content_type: String,
    /// Size in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Hex SHA-256 of the content, once the bytes are stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Where the channel keeps it (a WeChat media URL, a recording URL), when not stored here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Coordinates in WGS-84 (or whatever datum the channel reports; WeChat uses GCJ-02).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
}

/// Where the matter happened (发生地), as far as the channel told us.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Free address text, e.g. `玉壶镇东樟村`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Coordinates, from a WeChat location message or a form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// The number the citizen dialed (DNIS): 12345, or an old department hotline that still
    /// rings through and keeps that department as the owner hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialed: Option<String>,
}

/// A problem found in one field during intake. The field's raw value is kept beside it, so
/// nothing the citizen sent is lost because it was malformed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeFlag {
    /// The field, in the channel's own naming (`Subject`, `phone`, `CreateTime`).
    pub field: String,
    /// What was wrong, in lower case: `invalid phone number`, `charset gb2312 did not decode`.
    pub problem: String,
    /// The raw value as received, when it is text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

/// The original as the channel sent it, kept for audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawOriginal {
    /// The media type of the original (`application/json`, `text/xml`, `message/rfc822`).
    pub content_type: String,
    /// The bytes, in base64 so that any encoding survives JSON.
    pub base64: String,
}

impl RawOriginal {
    /// Keeps the given bytes.
    pub fn new(content_type: impl Into<String>, bytes: &[u8]) -> Self {
        Self {
            content_type: content_type.into(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The original bytes; `None` if the stored base64 was damaged.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .ok()
    }
}

/// One request from a citizen, as one channel delivered it, normalized (诉求).
///
/// The pair (`channel`, `channel_message_id`) is the key for idempotent intake: a channel that
/// retries delivers the same pair again and gets the same appeal back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appeal {
    /// The version of this record's JSON form, [`APPEAL_SCHEMA_VERSION`] when written.
    pub version: u32,
    /// The gateway's id.
    pub id: AppealId,
    /// The channel it came in by.
    pub channel: Channel,
    /// The channel's own id for the message: a WeChat `MsgId`, a CTI `callId`, a Message-ID.
    pub channel_message_id: String,
    /// When the gateway received it.
    pub received_at: DateTime<Utc>,
    /// When the citizen sent it, as the channel reports it, with the sender's offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<FixedOffset>>,
    /// Who asked; possibly nobody known.
    #[serde(default)]
    pub citizen: Citizen,
    /// A title or subject, when the channel has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The citizen's text, or the operator's summary or transcript of a call.
    pub body: String,
    /// Attachments, by reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Where it happened, as far as known.
    #[serde(default)]
    pub location: Location,
    /// Problems found during intake, each with the raw value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<IntakeFlag>,
    /// The original as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawOriginal>,
}

impl Appeal {
    /// Starts an appeal received now by `channel` with its own message id and the citizen's text.
    pub fn builder(
        channel: Channel,
        channel_message_id: impl Into<String>,
        body: impl Into<String>,
    ) -> AppealBuilder {
        AppealBuilder {
            appeal: Appeal {
                version: APPEAL_SCHEMA_VERSION,
                id: AppealId::generate(),
                channel,
                channel_message_id: channel_message_id.into(),
                received_at: Utc::now(),
                submitted_at: None,
                citizen: Citizen::default(),
                title: None,
                body: body.into(),
                attachments: Vec::new(),
                location: Location::default(),
                flags: Vec::new(),
                raw: None,
            },
        }
    }

    /// The text that classification reads: the title, then the body.
    pub fn text_for_routing(&self) -> String {
        match &self.title {
            Some(title) if !title.is_empty() => format!("{title}\n{}", self.body),
            _ => self.body.clone(),
        }
    }

    /// The idempotency key: channel and the channel's own message id.
    pub fn intake_key(&self) -> String {
        format!("{}:{}", self.channel, self.channel_message_id)
    }
}

/// Builds an [`Appeal`] field by field.
#[derive(Debug, Clone)]
pub struct AppealBuilder {
    appeal: Appeal,
}

impl AppealBuilder {
    /// Sets the title or subject.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.appeal.title = Some(title.into());
        self
    }

    /// Sets the free address text.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.appeal.location.address = Some(address.into());
        self
    }

    /// Sets the dialed number of a call.
    pub fn dialed(mut self, dialed: impl Into<String>) -> Self {
        self.appeal.location.dialed = Some(dialed.into());
        self
    }

    /// Sets the coordinates.
    pub fn coordinates(mut self, latitude: f64, longitude: f64) -> Self {
        self.appeal.location.coordinates = Some(Coordinates {
            latitude,
            longitude,
        });
        self
    }

    /// Sets the citizen.
    pub fn citizen(mut self, citizen: Citizen) -> Self {
        self.appeal.citizen = citizen;
        self
    }

    /// Sets when the citizen sent it.
    pub fn submitted_at(mut self, at: DateTime<FixedOffset>) -> Self {
        self.appeal.submitted_at = Some(at);
        self
    }

    /// Sets when the gateway received it (for replays and tests).
    pub fn received_at(mut self, at: DateTime<Utc>) -> Self {
        self.appeal.received_at = at;
        self
    }

    /// Adds an attachment.
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.appeal.attachments.push(attachment);
        self
    }

    /// Records a problem with a field, keeping its raw value.
    pub fn flag(
        mut self,
        field: impl Into<String>,
        problem: impl Into<String>,
        raw: Option<String>,
    ) -> Self {
        self.appeal.flags.push(IntakeFlag {
            field: field.into(),
            problem: problem.into(),
            raw,
        });
        self
    }

    /// Keeps the original bytes for audit.
    pub fn raw(mut self, content_type: impl Into<String>, bytes: &[u8]) -> Self {
        self.appeal.raw = Some(RawOriginal::new(content_type, bytes));
        self
    }

    /// Uses a given id instead of a fresh one.
    pub fn id(mut self, id: AppealId) -> Self {
        self.appeal.id = id;
        self
    }

    /// The appeal.
    pub fn build(self) -> Appeal {
        self.appeal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_every_field() {
        let appeal = Appeal::builder(Channel::Phone, "call-42", "有人拿刀在街上追人")
            .title("紧急")
            .dialed("12345")
            .address("大峃镇")
            .coordinates(27.78, 120.09)
            .citizen(Citizen {
                phone: Some("13800000000".into()),
                ..Citizen::default()
            })
            .flag("phone", "invalid phone number", Some("1380000".into()))
            .raw("application/json", br#"{"event":"record"}"#)
            .build();
        let json = serde_json::to_string(&appeal).unwrap();
        assert!(json.contains("\"version\":1"));
        let back: Appeal = serde_json::from_str(&json).unwrap();
        assert_eq!(back, appeal);
        assert_eq!(back.raw.unwrap().bytes().unwrap(), br#"{"event":"record"}"#);
    }

    #[test]
    fn anonymous_citizen_has_no_contact() {
        assert!(Citizen::default().is_anonymous());
        let named_only = Citizen {
            name: Some("张某".into()),
            ..Citizen::default()
        };
        assert!(named_only.is_anonymous());
    }

    #[test]
    fn channel_names_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
            let json = serde_json::to_string(&channel).unwrap();
            assert_eq!(json, format!("\"{}\"", channel.as_str()));
        }
    }

    #[test]
    fn routing_text_puts_title_first() {
        let appeal = Appeal::builder(Channel::Email, "m1", "正文")
            .title("标题")
            .build();
        assert_eq!(appeal.text_for_routing(), "标题\n正文");
    }
}
