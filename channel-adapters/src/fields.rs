//! Bodies that come as JSON or as form data, read into one field map.
//!
//! The CTI API and the web form accept both; reading either into a JSON object lets one
//! set of field rules serve both. Form names ending in `[]` (`user[]`) collect every value
//! into an array under the bare name.

use serde_json::{Map, Value};

use crate::webhook::Headers;

/// How a body was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

impl BodyEncoding {
    /// The media type, for the raw original.
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            BodyEncoding::Json => "application/json",
            BodyEncoding::Form => "application/x-www-form-urlencoded",
        }
    }
}

/// Reads a JSON object or form body into a field map. Without a `Content-Type`, a body whose
/// first non-blank byte is `{` is taken for JSON.
pub(crate) fn read_fields(
    headers: &Headers,
    body: &[u8],
) -> Result<(BodyEncoding, Map<String, Value>), String> {
    let encoding = match headers.media_type().as_deref() {
        Some("application/json") | Some("text/json") => BodyEncoding::Json,
        Some("application/x-www-form-urlencoded") => BodyEncoding::Form,
        Some(other) if other.ends_with("+json") => BodyEncoding::Json,
        _ => match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => BodyEncoding::Json,
            _ => BodyEncoding::Form,
        },
    };
    let map = match encoding {
        BodyEncoding::Json => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("expected a json object".to_string()),
            Err(e) => return Err(format!("invalid json: {e}")),
        },
        BodyEncoding::Form => {
            let text =
                std::str::from_utf8(body).map_err(|_| "form data is not utf-8".to_string())?;
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(text).map_err(|e| format!("invalid form data: {e}"))?;
            form_pairs_to_map(pairs)
        }
    };
    Ok((encoding, map))
}

/// Collects form pairs into a map; `name[]` collects into an array under `name`.
pub(crate) fn form_pairs_to_map(pairs: Vec<(String, String)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        match name.strip_suffix("[]") {
            Some(bare) => {
                let entry = map
                    .entry(bare.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(values) = entry {
                    values.push(Value::String(value));
                }
            }
            None => {
                map.entry(name).or_insert(Value::String(value));
            }
        }
    }
    map
}

/// A field as text: strings as they are, numbers written out; absent, null and blank give
/// `None`; arrays and objects give an error naming what was found.
pub(crate) fn text(map: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(Value::Array(_)) => Err("must be text, not a list".to_string()),
        Some(Value::Object(_)) => Err("must be text, not an object".to_string()),
    }
}

/// A field that may be one text or a list of texts (`user`).
pub(crate) fn text_list(map: &Map<String, Value>, name: &str) -> Vec<String> {
    match map.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.clone()],
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_form_names_with_brackets_become_a_list() {
        let headers: Headers = [("Content-Type", "application/x-www-form-urlencoded")]
            .into_iter()
            .collect();
        let (encoding, map) =
            read_fields(&headers, b"event=newCall&user%5B%5D=Li&user%5B%5D=Wang").unwrap();
        assert_eq!(encoding, BodyEncoding::Form);
        assert_eq!(text_list(&map, "user"), vec!["Li", "Wang"]);
        assert_eq!(text(&map, "event").unwrap().as_deref(), Some("newCall"));
    }

    #[test]
    fn json_is_recognized_without_a_content_type() {
        let (encoding, map) = read_fields(&Headers::new(), br#" {"callId": 42}"#).unwrap();
        assert_eq!(encoding, BodyEncoding::Json);
        assert_eq!(text(&map, "callId").unwrap().as_deref(), Some("42"));
    }

    #[test]
    fn a_json_array_is_not_a_field_map() {
        let headers: Headers = [("content-type", "application/json")].into_iter().collect();
        assert!(read_fields(&headers, b"[1,2]").is_err());
        assert!(read_fields(&headers, b"{").is_err());
    }
}
