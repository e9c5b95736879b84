//! Alibaba Cloud SmsUp HTTP batch push: a JSON array of messages.

use gateway_core::{Appeal, Channel};
use serde_json::Value;

use super::adapter::with_sender;
use super::config::AliyunConfig;
use super::error::SmsError;
use crate::contact::from_china_local;
use crate::webhook::WebhookRequest;

/// Reads every message of a push. A message without `phone_number` or `content` refuses the
/// whole push, naming the field, so the provider's retry brings it again once fixed.
pub(super) fn parse(
    account: &str,
    config: &AliyunConfig,
    request: &WebhookRequest,
) -> Result<Vec<Appeal>, SmsError> {
    let body_error = |reason: String| SmsError::MalformedBody {
        account: account.to_string(),
        reason,
    };
    let messages = match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Array(messages)) => messages,
        Ok(_) => return Err(body_error("is not a json array of messages".to_string())),
        Err(e) => return Err(body_error(format!("is not json: {e}"))),
    };
    if messages.len() > config.max_messages_per_push {
        return Err(body_error(format!(
            "holds {} messages, more than max_messages_per_push = {}",
            messages.len(),
            config.max_messages_per_push
        )));
    }
    messages
        .iter()
        .enumerate()
        .map(|(index, message)| to_appeal(account, index, message))
        .collect()
}

fn to_appeal(account: &str, index: usize, message: &Value) -> Result<Appeal, SmsError> {
    let field_error = |field: &str, problem: &str| SmsError::MalformedField {
        account: account.to_string(),
        field: format!("[{index}].{field}"),
        problem: problem.to_string(),
    };
    let object = message
        .as_object()
        .ok_or_else(|| SmsError::MalformedField {
            account: account.to_string(),
            field: format!("[{index}]"),
            problem: "is not a json object".to_string(),
        })?;
    let text = |name: &str| match object.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };

    // The sender and the text are what make an appeal.
    let phone = text("phone_number")
        .ok_or_else(|| field_error("phone_number", "is missing or not text"))?;
    let content = match object.get("content") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(field_error("content", "is missing or not text")),
    };

    // The id: sequence_id (a number or a string) with the sender, as none is documented.
    let sequence_id = text("sequence_id");
    let id = match &sequence_id {
        Some(sequence) => format!("{account}:{sequence}:{phone}"),
        None => format!(
            "{account}:{phone}:{}:{}",
            text("send_time").unwrap_or_default(),
            super::tencent::text_digest(&content)
        ),
    };
    let raw = serde_json::to_vec(message).unwrap_or_default();
    let mut builder = Appeal::builder(Channel::Sms, id, content).raw("application/json", &raw);
    builder = with_sender(builder, "phone_number", &phone);
    if sequence_id.is_none() {
        builder = builder.flag(
            "sequence_id",
            "missing; keyed by sender, time and text",
            None,
        );
    }

    // China local time in either of the two documented forms.
    if let Some(send_time) = text("send_time") {
        match from_china_local(&send_time) {
            Some(at) => builder = builder.submitted_at(at),
            None => {
                builder = builder.flag(
                    "send_time",
                    "not a time as yyyy-mm-dd hh:mm:ss or yyyymmddhhmmss",
                    Some(send_time),
                )
            }
        }
    }
    // The extension code says which sign or sub-number the citizen texted.
    if let Some(dest_code) = text("dest_code") {
        builder = builder.dialed(dest_code);
    }
    Ok(builder.build())
}
