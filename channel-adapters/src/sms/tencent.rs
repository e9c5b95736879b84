//! Tencent Cloud SMS reply callback: one JSON object per reply.

use gateway_core::{Appeal, Channel};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::adapter::with_sender;
use super::error::SmsError;
use crate::contact::from_unix_seconds;
use crate::webhook::WebhookRequest;

/// Reads a callback: one object, or an array of them.
pub(super) fn parse(account: &str, request: &WebhookRequest) -> Result<Vec<Appeal>, SmsError> {
    let body_error = |reason: String| SmsError::MalformedBody {
        account: account.to_string(),
        reason,
    };
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(reply @ Value::Object(_)) => Ok(vec![to_appeal(account, None, &reply)?]),
        Ok(Value::Array(replies)) => replies
            .iter()
            .enumerate()
            .map(|(index, reply)| to_appeal(account, Some(index), reply))
            .collect(),
        Ok(_) => Err(body_error("is not a json object".to_string())),
        Err(e) => Err(body_error(format!("is not json: {e}"))),
    }
}

/// The first 16 hex digits of the SHA-256 of a text: enough to tell texts apart in a key.
pub(super) fn text_digest(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

fn to_appeal(account: &str, index: Option<usize>, reply: &Value) -> Result<Appeal, SmsError> {
    let name = |field: &str| match index {
        Some(i) => format!("[{i}].{field}"),
        None => field.to_string(),
    };
    let field_error = |field: &str, problem: &str| SmsError::MalformedField {
        account: account.to_string(),
        field: name(field),
        problem: problem.to_string(),
    };
    let object = reply
        .as_object()
        .ok_or_else(|| field_error("", "is not a json object"))?;
    let text = |key: &str| match object.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };

    // The sender and the text are required.
    let mobile = text("mobile").ok_or_else(|| field_error("mobile", "is missing or not text"))?;
    let content = match object.get("text") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(field_error("text", "is missing or not text")),
    };
    let nationcode = text("nationcode").unwrap_or_else(|| "86".to_string());
    let time = text("time");

    // No message id is documented: key by country, sender, time and text.
    let id = format!(
        "{account}:{nationcode}:{mobile}:{}:{}",
        time.clone().unwrap_or_default(),
        text_digest(&content)
    );
    let raw = serde_json::to_vec(reply).unwrap_or_default();
    let mut builder = Appeal::builder(Channel::Sms, id, content).raw("application/json", &raw);

    // A Chinese number stays national, as operators dial it; others get their country code.
    let phone = match nationcode.trim_start_matches('+') {
        "86" | "" => mobile,
        code => format!("+{code}{mobile}"),
    };
    builder = with_sender(builder, &name("mobile"), &phone);

    // `time` is Unix seconds, a number (a string is accepted too).
    match time {
        Some(raw_time) => match raw_time.parse::<i64>().ok().and_then(from_unix_seconds) {
            Some(at) => builder = builder.submitted_at(at),
            None => builder = builder.flag(name("time"), "not unix seconds", Some(raw_time)),
        },
        None => builder = builder.flag(name("time"), "missing", None),
    }
    if let Some(extend) = text("extend").filter(|e| !e.is_empty()) {
        builder = builder.dialed(extend);
    }
    Ok(builder.build())
}
