//! The sans-IO boundary shared by the webhook adapters (CTI, SMS, WeChat, web form).
//!
//! The daemon owns the sockets. For each request it builds a [`WebhookRequest`] from the
//! parts it received, hands it to an adapter, stores what comes back, and sends the
//! [`WebhookReply`] the adapter renders from the [`IntakeOutcome`].

use std::collections::BTreeMap;

use gateway_core::{Appeal, AppealId, EmergencyService};

/// The HTTP method of a webhook request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `GET`: URL verification (WeChat), or a provider configured to push by GET (Twilio).
    Get,
    /// `POST`: the ordinary push.
    Post,
    /// Anything else, kept as sent.
    Other(String),
}

impl Method {
    /// Parses a method name, case-insensitively.
    pub fn parse(name: &str) -> Method {
        if name.eq_ignore_ascii_case("GET") {
            Method::Get
        } else if name.eq_ignore_ascii_case("POST") {
            Method::Post
        } else {
            Method::Other(name.to_string())
        }
    }
}

/// Request headers with case-insensitive names. Repeated names keep every value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header; the name is stored in lower case.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        self.entries
            .push((name.as_ref().to_ascii_lowercase(), value.into()));
    }

    /// The first value of a header, whatever the case of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type` in lower case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.get("content-type").map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.insert(name, value);
        }
        headers
    }
}

/// One webhook request as the daemon received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The method.
    pub method: Method,
    /// The full URL as the channel called it, scheme, host, port and query included, byte for
    /// byte (Twilio signs it; behind a proxy, rebuild it from the public address).
    pub url: String,
    /// The query parameters, percent-decoded. A repeated name keeps its first value.
    pub query: BTreeMap<String, String>,
    /// The headers.
    pub headers: Headers,
    /// The raw body.
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// A request whose query map is parsed from `url` (everything after the first `?`).
    pub fn new(method: Method, url: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        let url = url.into();
        let query = match url.split_once('?') {
            Some((_, query)) => parse_query(query),
            None => BTreeMap::new(),
        };
        Self {
            method,
            url,
            query,
            headers: Headers::new(),
            body: body.into(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
}

/// Parses an `application/x-www-form-urlencoded` query string; a repeated name keeps its
/// first value, and undecodable pairs are skipped.
pub fn parse_query(query: &str) -> BTreeMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut map = BTreeMap::new();
    for (name, value) in pairs {
        map.entry(name).or_insert(value);
    }
    map
}

/// What the daemon did with an appeal, which the adapter turns into the channel's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeOutcome {
    /// The id of the stored appeal.
    pub appeal_id: AppealId,
    /// The case number (工单号) the citizen is given.
    pub case_number: String,
    /// The emergency service it was handed to, when routing found an emergency.
    pub emergency: Option<EmergencyService>,
    /// A text to give the citizen on the channel's own reply (the WeChat passive reply)
    /// instead of the acknowledgement template: a direct answer from the knowledge base, or
    /// the answer to a follow-up rating. An emergency's reply takes precedence over it.
    pub reply: Option<String>,
}

/// One thing a request delivered: an appeal to store, or a channel event that is not one.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound<E> {
    /// A new appeal, to be stored before the channel is answered.
    Appeal(Box<Appeal>),
    /// A channel event (a call starting, a WeChat subscription) that creates no appeal.
    Event(E),
}

impl<E> Inbound<E> {
    /// The appeal, if this is one.
    pub fn as_appeal(&self) -> Option<&Appeal> {
        match self {
            Inbound::Appeal(appeal) => Some(appeal),
            Inbound::Event(_) => None,
        }
    }

    /// The event, if this is one.
    pub fn as_event(&self) -> Option<&E> {
        match self {
            Inbound::Appeal(_) => None,
            Inbound::Event(event) => Some(event),
        }
    }
}

/// The answer to send back: status, media type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReply {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl WebhookReply {
    /// A 200 reply with a JSON body.
    pub fn json(value: &serde_json::Value) -> Self {
        Self {
            status: 200,
            content_type: "application/json; charset=utf-8",
            body: value.to_string().into_bytes(),
        }
    }

    /// A 200 reply with a plain-text body.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: text.into().into_bytes(),
        }
    }

    /// A 200 reply with an XML body.
    pub fn xml(xml: impl Into<String>) -> Self {
        Self {
            status: 200,
            content_type: "application/xml; charset=utf-8",
            body: xml.into().into_bytes(),
        }
    }

    /// The error reply for an adapter error: its status and its message as plain text.
    pub fn error(status: u16, message: &impl std::fmt::Display) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: message.to_string().into_bytes(),
        }
    }

    /// The body as text (lossy), for tests and logs of non-personal replies.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Compares two secrets in constant time (for tokens and signatures).
pub(crate) fn secrets_match(expected: &[u8], given: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    expected.len() == given.len() && bool::from(expected.ct_eq(given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_case_insensitive() {
        let request = WebhookRequest::new(Method::Post, "http://127.0.0.1/x", Vec::new())
            .with_header("X-Twilio-Signature", "abc")
            .with_header("Content-Type", "Application/JSON; charset=utf-8");
        assert_eq!(request.headers.get("x-twilio-signature"), Some("abc"));
        assert_eq!(
            request.headers.media_type().as_deref(),
            Some("application/json")
        );
    }

    #[test]
    fn query_is_parsed_and_decoded_from_the_url() {
        let request = WebhookRequest::new(
            Method::Get,
            "http://127.0.0.1/wx?signature=ab&echostr=a%2Bb%3D&nonce=1&nonce=2",
            Vec::new(),
        );
        assert_eq!(request.query_param("echostr"), Some("a+b="));
        assert_eq!(request.query_param("nonce"), Some("1"));
    }

    #[test]
    fn secrets_of_other_length_do_not_match() {
        assert!(secrets_match(b"abc", b"abc"));
        assert!(!secrets_match(b"abc", b"abd"));
        assert!(!secrets_match(b"abc", b"abcd"));
    }
}
