//! Twilio messaging webhook: form fields signed with `X-Twilio-Signature`, answered in TwiML.

use base64::Engine as _;
use gateway_core::{Appeal, Attachment, Channel};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::adapter::with_sender;
use super::config::TwilioConfig;
use super::error::SmsError;
use crate::webhook::{IntakeOutcome, Method, WebhookRequest, secrets_match};

/// The most media a Twilio message carries.
const MAX_MEDIA: usize = 10;

/// The signature Twilio computes: HMAC-SHA1 keyed by the Auth Token over the exact URL
/// followed by each parameter's name and value, sorted by name, then base64.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("hmac takes a key of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub(super) fn parse(
    account: &str,
    config: &TwilioConfig,
    request: &WebhookRequest,
) -> Result<Vec<Appeal>, SmsError> {
    // The parameters: the form body of a POST; for a GET they are in the signed URL.
    let params: Vec<(String, String)> = match request.method {
        Method::Get => request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => {
            if request.headers.media_type().as_deref() == Some("application/json") {
                // Limitation: JSON webhooks (signed with a bodySHA256 parameter) are not taken;
                // configure the messaging webhook to post form data.
                return Err(SmsError::MalformedBody {
                    account: account.to_string(),
                    reason: "is json; configure the twilio webhook to send form data".to_string(),
                });
            }
            let text = std::str::from_utf8(&request.body).map_err(|_| SmsError::MalformedBody {
                account: account.to_string(),
                reason: "is not utf-8 form data".to_string(),
            })?;
            serde_urlencoded::from_str(text).map_err(|e| SmsError::MalformedBody {
                account: account.to_string(),
                reason: format!("is not form data: {e}"),
            })?
        }
    };

    // The signature, over the URL exactly as Twilio called it.
    let given =
        request
            .headers
            .get("x-twilio-signature")
            .ok_or_else(|| SmsError::MissingSignature {
                account: account.to_string(),
                header: "X-Twilio-Signature",
            })?;
    let signed_params: &[(String, String)] = if request.method == Method::Get {
        &[]
    } else {
        &params
    };
    let expected = twilio_signature(&config.auth_token, &request.url, signed_params);
    if !secrets_match(expected.as_bytes(), given.trim().as_bytes()) {
        // Limitation: behind a proxy the URL must be rebuilt as Twilio saw it (scheme, host,
        // port); a mismatch there looks the same as a forged request.
        return Err(SmsError::SignatureMismatch {
            account: account.to_string(),
            reason: "x-twilio-signature does not match; check auth_token and that the url is exactly the one set in twilio (scheme, host, port, query)".to_string(),
        });
    }

    // The message.
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let field_error = |field: &str, problem: &str| SmsError::MalformedField {
        account: account.to_string(),
        field: field.to_string(),
        problem: problem.to_string(),
    };
    let sid = get("MessageSid")
        .or_else(|| get("SmsMessageSid"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| field_error("MessageSid", "is missing"))?;
    let from = get("From")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| field_error("From", "is missing"))?;
    let num_media_raw = get("NumMedia");
    let num_media = num_media_raw
        .as_deref()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let body = match get("Body") {
        Some(body) => body,
        None if num_media > 0 => String::new(),
        None => return Err(field_error("Body", "is missing")),
    };

    let raw = match request.method {
        Method::Get => request.url.clone().into_bytes(),
        _ => request.body.clone(),
    };
    let raw_type = match request.method {
        Method::Get => "text/uri-list",
        _ => "application/x-www-form-urlencoded",
    };
    let mut builder =
        Appeal::builder(Channel::Sms, format!("{account}:{sid}"), body).raw(raw_type, &raw);
    builder = with_sender(builder, "From", &from);
    if let Some(to) = get("To").filter(|t| !t.is_empty()) {
        builder = builder.dialed(to);
    }
    if let Some(raw_media) = num_media_raw.filter(|n| n.parse::<usize>().is_err()) {
        builder = builder.flag("NumMedia", "not a count", Some(raw_media));
    }
    for n in 0..num_media.min(MAX_MEDIA) {
        if let Some(url) = get(&format!("MediaUrl{n}")) {
            builder = builder.attachment(Attachment {
                file_name: None,
                content_type: get(&format!("MediaContentType{n}"))
                    .unwrap_or_else(|| "application/octet-stream".to_string()),
                size_bytes: None,
                sha256: None,
                url: Some(url),
            });
        }
    }
    Ok(vec![builder.build()])
}

/// The TwiML answer: the outcome's own reply (a direct answer, a follow-up's answer) when it
/// has one, else a message with the case number when a template is set, otherwise
/// `<Response/>`, which sends nothing.
pub(super) fn twiml(
    template: Option<&str>,
    outcome: Option<&IntakeOutcome>,
) -> crate::webhook::WebhookReply {
    let message = match (template, outcome) {
        (_, Some(outcome)) if outcome.emergency.is_none() && outcome.reply.is_some() => {
            outcome.reply.clone()
        }
        (Some(template), Some(outcome)) => {
            Some(template.replace("{case_number}", &outcome.case_number))
        }
        _ => None,
    };
    let xml = match message {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            escape_xml(&text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_string(),
    };
    crate::webhook::WebhookReply::xml(xml)
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_documented_example_signs() {
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let signature = twilio_signature(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            &params,
        );
        assert_eq!(signature, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn twiml_escapes_the_message() {
        let reply = twiml(
            Some("受理 <{case_number}>"),
            Some(&IntakeOutcome {
                appeal_id: gateway_core::AppealId::from_string("A"),
                case_number: "2025&1".to_string(),
                emergency: None,
                reply: None,
            }),
        );
        assert!(reply.body_text().contains("受理 &lt;2025&amp;1&gt;"));
    }
}
