//! Inbound message XML (§2.2 of the protocol notes): fields, and what each `MsgType` becomes.

use std::collections::BTreeMap;

use gateway_core::{Appeal, Attachment, Channel, Citizen};

use super::error::WechatError;
use crate::contact::from_unix_seconds;
use crate::webhook::Inbound;

/// The text of each top-level element of a WeChat XML document, by element name.
///
/// Nested elements (an event's `ScanCodeInfo`, say) are not read; their text stays in the
/// raw original.
pub(crate) fn xml_fields(xml: &str) -> Result<BTreeMap<String, String>, WechatError> {
    let document = roxmltree::Document::parse(xml).map_err(|e| WechatError::MalformedXml {
        reason: e.to_string(),
    })?;
    let mut fields = BTreeMap::new();
    for child in document
        .root_element()
        .children()
        .filter(|n| n.is_element())
    {
        let text: String = child
            .children()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        fields
            .entry(child.tag_name().name().to_string())
            .or_insert_with(|| text.trim().to_string());
    }
    Ok(fields)
}

/// A push that is not an appeal: a subscription, a menu click, a location report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatEvent {
    /// `MsgType` (`event`, `device_event`).
    pub msg_type: String,
    /// `Event` (`subscribe`, `CLICK`, `LOCATION`, ...), empty when absent.
    pub event: String,
    /// The sender's OpenID (`FromUserName`).
    pub from_user: String,
    /// The account (`ToUserName`).
    pub to_user: String,
    /// `CreateTime`, Unix seconds, when it parsed.
    pub create_time: Option<i64>,
    /// `EventKey`, when present (a menu key, a QR scene, a URL).
    pub event_key: Option<String>,
    /// The key a retried push repeats: `FromUserName` and `CreateTime` (events have no MsgId).
    pub dedupe_key: String,
}

/// Whom a passive reply goes to: the inbound's sender and account, swapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parties {
    pub(crate) from_user: String,
    pub(crate) to_user: String,
}

/// Turns the fields of one message into an appeal or an event.
///
/// `raw` is the XML as received after decryption, kept with the appeal.
pub(crate) fn to_inbound(
    fields: &BTreeMap<String, String>,
    raw: &str,
) -> Result<(Inbound<WechatEvent>, Parties), WechatError> {
    let get = |name: &str| fields.get(name).filter(|v| !v.is_empty()).cloned();
    let required = |name: &'static str| {
        get(name).ok_or(WechatError::MalformedField {
            field: name,
            problem: "is missing or empty".to_string(),
        })
    };
    let from_user = required("FromUserName")?;
    let to_user = required("ToUserName")?;
    let msg_type = required("MsgType")?;
    let create_time_raw = get("CreateTime");
    let create_time = create_time_raw
        .as_deref()
        .and_then(|t| t.parse::<i64>().ok());
    let parties = Parties {
        from_user: from_user.clone(),
        to_user: to_user.clone(),
    };
    let time_key = create_time_raw.clone().unwrap_or_default();

    // Events: no MsgId; deduplicated by sender and time.
    if msg_type == "event" || msg_type.ends_with("_event") {
        let event = WechatEvent {
            msg_type,
            event: get("Event").unwrap_or_default(),
            dedupe_key: format!("{from_user}:{time_key}"),
            from_user,
            to_user,
            create_time,
            event_key: get("EventKey"),
        };
        return Ok((Inbound::Event(event), parties));
    }

    // Messages: the MsgId is the channel's own id.
    let mut flags: Vec<(&str, String, Option<String>)> = Vec::new();
    let message_id = match get("MsgId") {
        Some(id) => id,
        None => {
            flags.push((
                "MsgId",
                "missing; keyed by sender and CreateTime".to_string(),
                None,
            ));
            format!("{from_user}:{time_key}")
        }
    };
    let mut title = None;
    let mut attachments = Vec::new();
    let mut coordinates = None;
    let mut address = None;
    let body = match msg_type.as_str() {
        "text" => get("Content").unwrap_or_default(),
        "voice" => {
            if let Some(media_id) = get("MediaId") {
                let format = get("Format")
                    .unwrap_or_else(|| "amr".to_string())
                    .to_ascii_lowercase();
                attachments.push(media_attachment(&media_id, &format!("audio/{format}")));
            }
            match get("Recognition") {
                Some(text) => text,
                None => {
                    flags.push((
                        "Recognition",
                        "no speech recognition text; listen to the recording".to_string(),
                        None,
                    ));
                    "[语音]".to_string()
                }
            }
        }
        "image" => {
            match get("PicUrl") {
                Some(url) => attachments.push(Attachment {
                    file_name: None,
                    content_type: "image/jpeg".to_string(),
                    size_bytes: None,
                    sha256: None,
                    url: Some(url),
                }),
                None => {
                    if let Some(media_id) = get("MediaId") {
                        attachments.push(media_attachment(&media_id, "image/jpeg"));
                    }
                }
            }
            "[图片]".to_string()
        }
        "video" | "shortvideo" => {
            if let Some(media_id) = get("MediaId") {
                attachments.push(media_attachment(&media_id, "video/mp4"));
            }
            "[视频]".to_string()
        }
        "location" => {
            let latitude = number_field(fields, "Location_X", &mut flags);
            let longitude = number_field(fields, "Location_Y", &mut flags);
            if let (Some(lat), Some(lon)) = (latitude, longitude) {
                coordinates = Some((lat, lon));
            }
            address = get("Label");
            match &address {
                Some(label) => format!("[位置] {label}"),
                None => "[位置]".to_string(),
            }
        }
        "link" => {
            title = get("Title");
            let description = get("Description").unwrap_or_default();
            let url = get("Url").unwrap_or_default();
            [description, url]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        }
        other => {
            // Lenient in: an unknown message type from a citizen is kept, flagged, for a person
            // to read.
            flags.push((
                "MsgType",
                format!("unsupported message type {other:?}; read the raw original"),
                Some(other.to_string()),
            ));
            get("Content").unwrap_or_default()
        }
    };

    let mut builder = Appeal::builder(Channel::Wechat, message_id, body)
        .citizen(Citizen {
            wechat_openid: Some(from_user),
            ..Citizen::default()
        })
        .raw("text/xml", raw.as_bytes());
    match (create_time, create_time_raw) {
        (Some(seconds), _) => {
            if let Some(at) = from_unix_seconds(seconds) {
                builder = builder.submitted_at(at);
            }
        }
        (None, Some(raw_time)) => {
            flags.push((
                "CreateTime",
                "not an integer number of seconds".to_string(),
                Some(raw_time),
            ));
        }
        (None, None) => {}
    }
    if let Some(title) = title {
        builder = builder.title(title);
    }
    if let Some(address) = address {
        builder = builder.address(address);
    }
    if let Some((lat, lon)) = coordinates {
        builder = builder.coordinates(lat, lon);
    }
    for attachment in attachments {
        builder = builder.attachment(attachment);
    }
    for (field, problem, raw_value) in flags {
        builder = builder.flag(field, problem, raw_value);
    }
    Ok((Inbound::Appeal(Box::new(builder.build())), parties))
}

/// A media file the platform keeps, by its `MediaId`; fetched later through the media API.
fn media_attachment(media_id: &str, content_type: &str) -> Attachment {
    Attachment {
        file_name: None,
        content_type: content_type.to_string(),
        size_bytes: None,
        sha256: None,
        // Limitation: WeChat gives voice and video only as a MediaId, valid three days; the
        // reference is `wechat-media:{MediaId}` until the daemon fetches and stores the bytes.
        url: Some(format!("wechat-media:{media_id}")),
    }
}

fn number_field(
    fields: &BTreeMap<String, String>,
    name: &'static str,
    flags: &mut Vec<(&'static str, String, Option<String>)>,
) -> Option<f64> {
    let raw = fields.get(name)?;
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() => Some(value),
        _ => {
            flags.push((name, "not a number".to_string(), Some(raw.clone())));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_with_a_bad_latitude_keeps_the_label_and_flags_the_value() {
        let xml = "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>\
            <CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>north</Location_X>\
            <Location_Y>120.1</Location_Y><Label>玉壶镇</Label><MsgId>9</MsgId></xml>";
        let fields = xml_fields(xml).unwrap();
        let (inbound, _) = to_inbound(&fields, xml).unwrap();
        let appeal = inbound.as_appeal().unwrap();
        assert_eq!(appeal.location.address.as_deref(), Some("玉壶镇"));
        assert!(appeal.location.coordinates.is_none());
        assert_eq!(appeal.flags[0].field, "Location_X");
        assert_eq!(appeal.flags[0].raw.as_deref(), Some("north"));
    }

    #[test]
    fn a_message_without_msg_id_is_keyed_by_sender_and_time() {
        let xml = "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>\
            <CreateTime>17</CreateTime><MsgType>text</MsgType><Content>路灯坏了</Content></xml>";
        let (inbound, _) = to_inbound(&xml_fields(xml).unwrap(), xml).unwrap();
        let appeal = inbound.as_appeal().unwrap();
        assert_eq!(appeal.channel_message_id, "o1:17");
        assert_eq!(appeal.flags[0].field, "MsgId");
    }
}
