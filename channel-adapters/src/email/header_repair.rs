//! Repairs to the top-level header block before `mail-parser` reads it.
//!
//! Two faults of real Chinese mail are fixed at the byte level, where they can be:
//!
//! - **A character split across adjacent encoded words** (`=?GBK?B?wre1xrI=?= =?GBK?B?u8HBwcs=?=`).
//!   RFC 2047 says the whitespace between adjacent encoded words is not text, so words with the
//!   same charset are decoded to bytes, joined and written back as one Base64 word.
//! - **Raw 8-bit GBK in a header** (no encoded word at all). RFC 6532 allows only UTF-8 there;
//!   a field that is not valid UTF-8 is transcoded from GB18030, and the caller flags it.
//!
//! Only the message's own header block is repaired; headers of nested parts are left to
//! `mail-parser`.
// Limitation: attachment file names written as raw 8-bit GBK inside a part's headers are
// decoded by mail-parser as lossy UTF-8.

use std::borrow::Cow;

use base64::Engine as _;
use encoding_rs::GB18030;

/// A header field that had to be transcoded, for the intake flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscodedHeader {
    /// The field name as written (`Subject`, `From`).
    pub name: String,
    /// The raw value, lossily shown as UTF-8.
    pub raw: String,
}

/// The message with its header block repaired, and the fields that were transcoded.
#[derive(Debug, Clone)]
pub struct RepairedMessage<'a> {
    /// The bytes to parse: borrowed when nothing needed repair.
    pub bytes: Cow<'a, [u8]>,
    /// Fields that held raw 8-bit text that was not UTF-8.
    pub transcoded: Vec<TranscodedHeader>,
}

/// Repairs the header block of `raw` as the module describes.
pub fn repair_headers(raw: &[u8]) -> RepairedMessage<'_> {
    let header_end = header_block_end(raw);
    let block = &raw[..header_end];

    // Most messages need nothing: no 8-bit bytes and no adjacent encoded words.
    if block.is_ascii() && !has_adjacent_encoded_words(block) {
        return RepairedMessage {
            bytes: Cow::Borrowed(raw),
            transcoded: Vec::new(),
        };
    }

    // Rebuild field by field; a field is a line plus its folded continuation lines.
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut transcoded = Vec::new();
    let mut changed = false;
    for field in split_fields(block) {
        let fixed = repair_field(field, &mut transcoded);
        if fixed.as_ref() != field {
            changed = true;
        }
        out.extend_from_slice(&fixed);
    }
    if !changed {
        return RepairedMessage {
            bytes: Cow::Borrowed(raw),
            transcoded,
        };
    }
    out.extend_from_slice(&raw[header_end..]);
    RepairedMessage {
        bytes: Cow::Owned(out),
        transcoded,
    }
}

/// The offset just past the header block (the blank line stays with the body).
fn header_block_end(raw: &[u8]) -> usize {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\n' {
            let rest = &raw[i + 1..];
            if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
                return i + 1;
            }
        }
        i += 1;
    }
    raw.len()
}

/// Splits a header block into fields, each with its own line endings.
fn split_fields(block: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < block.len() {
        if block[i] == b'\n' {
            let next = block.get(i + 1).copied();
            if !matches!(next, Some(b' ') | Some(b'\t')) {
                fields.push(&block[start..=i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    if start < block.len() {
        fields.push(&block[start..]);
    }
    fields
}

fn repair_field<'f>(field: &'f [u8], transcoded: &mut Vec<TranscodedHeader>) -> Cow<'f, [u8]> {
    let colon = field.iter().position(|&b| b == b':');
    let Some(colon) = colon else {
        return Cow::Borrowed(field);
    };
    let (name, value) = field.split_at(colon + 1);

    // Raw 8-bit text that is not UTF-8 is read as GB18030, the superset of GB2312 and GBK.
    let value: Cow<'f, str> = match std::str::from_utf8(value) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let (text, _, _) = GB18030.decode(value);
            transcoded.push(TranscodedHeader {
                name: String::from_utf8_lossy(&name[..colon]).trim().to_string(),
                raw: String::from_utf8_lossy(value).trim().to_string(),
            });
            Cow::Owned(text.into_owned())
        }
    };

    // Join adjacent encoded words of one charset so split characters come back whole.
    let joined = join_adjacent_words(&value);
    match (&value, joined) {
        (Cow::Borrowed(_), None) => Cow::Borrowed(field),
        (_, joined) => {
            let mut out = name.to_vec();
            out.extend_from_slice(joined.as_deref().unwrap_or(&value).as_bytes());
            Cow::Owned(out)
        }
    }
}

/// One RFC 2047 encoded word found in a header value.
#[derive(Debug)]
struct EncodedWord<'v> {
    start: usize,
    end: usize,
    charset: &'v str,
    bytes: Vec<u8>,
}

/// Finds the encoded word starting at `at`, if one does.
fn encoded_word_at(value: &str, at: usize) -> Option<EncodedWord<'_>> {
    let rest = value.get(at..)?;
    if !rest.starts_with("=?") {
        return None;
    }
    let body = &rest[2..];
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    let after_charset = &body[q1 + 1..];
    let mut chars = after_charset.chars();
    let kind = chars.next()?;
    if !kind.is_ascii() || chars.next()? != '?' {
        return None;
    }
    let text_start = &after_charset[2..];
    let close = text_start.find("?=")?;
    let text = &text_start[..close];
    if charset.is_empty() || charset.contains(char::is_whitespace) || text.contains(' ') {
        return None;
    }
    let bytes = match kind {
        'b' | 'B' => decode_b(text)?,
        'q' | 'Q' => decode_q(text),
        _ => return None,
    };
    let consumed = 2 + q1 + 1 + 2 + close + 2;
    Some(EncodedWord {
        start: at,
        end: at + consumed,
        charset,
        bytes,
    })
}

fn decode_b(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()
}

fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|pair| pair.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'='),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// The charset of an encoded word without an RFC 2231 language suffix, lower-cased.
fn charset_key(charset: &str) -> String {
    charset
        .split('*')
        .next()
        .unwrap_or(charset)
        .to_ascii_lowercase()
}

fn has_adjacent_encoded_words(block: &[u8]) -> bool {
    // Cheap pre-check: an encoded word ending, whitespace, another beginning.
    let mut i = 0;
    while i + 1 < block.len() {
        if block[i] == b'?' && block[i + 1] == b'=' {
            let mut j = i + 2;
            while j < block.len() && matches!(block[j], b' ' | b'\t' | b'\r' | b'\n') {
                j += 1;
            }
            if j > i + 2 && block[j..].starts_with(b"=?") {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Rewrites `value` with runs of adjacent same-charset encoded words joined into one word;
/// `None` when there was nothing to join.
fn join_adjacent_words(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut copied_to = 0;
    let mut changed = false;
    let mut at = 0;
    while let Some(found) = value[at..].find("=?") {
        let start = at + found;
        let Some(first) = encoded_word_at(value, start) else {
            at = start + 2;
            continue;
        };

        // Extend the run while only whitespace separates words of the same charset.
        let key = charset_key(first.charset);
        let mut bytes = first.bytes;
        let mut end = first.end;
        let mut count = 1;
        loop {
            let gap_end = value[end..]
                .find(|c: char| !c.is_whitespace())
                .map_or(value.len(), |offset| end + offset);
            if gap_end == end {
                break;
            }
            match encoded_word_at(value, gap_end) {
                Some(next) if charset_key(next.charset) == key => {
                    bytes.extend_from_slice(&next.bytes);
                    end = next.end;
                    count += 1;
                }
                _ => break,
            }
        }
        if count > 1 {
            out.push_str(&value[copied_to..first.start]);
            out.push_str("=?");
            out.push_str(first.charset);
            out.push_str("?B?");
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(&bytes));
            out.push_str("?=");
            copied_to = end;
            changed = true;
        }
        at = end;
    }
    if !changed {
        return None;
    }
    out.push_str(&value[copied_to..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_character_across_words_is_joined() {
        let raw = b"Subject: =?GBK?B?wre1xrI=?=\r\n =?GBK?B?u8HBwcs=?=\r\n\r\nbody";
        let repaired = repair_headers(raw);
        let text = String::from_utf8(repaired.bytes.into_owned()).unwrap();
        assert!(text.starts_with("Subject: =?GBK?B?"), "{text}");
        assert!(text.ends_with("\r\n\r\nbody"));
        let message = mail_parser::MessageParser::default()
            .parse(text.as_bytes())
            .unwrap();
        assert_eq!(message.subject(), Some("路灯不亮了"));
    }

    #[test]
    fn words_of_different_charsets_stay_apart() {
        let value = "=?GBK?B?wre1xg==?= =?UTF-8?B?5LiN?=";
        assert_eq!(join_adjacent_words(value), None);
    }

    #[test]
    fn q_words_are_joined_too() {
        let value = "=?gb2312?Q?=C2=B7?= =?gb2312?Q?=B5=C6_?=";
        let joined = join_adjacent_words(value).unwrap();
        let word = encoded_word_at(&joined, 0).unwrap();
        assert_eq!(GB18030.decode(&word.bytes).0, "路灯 ");
    }

    #[test]
    fn raw_gbk_header_is_transcoded_and_reported() {
        let mut raw = b"Subject: ".to_vec();
        raw.extend_from_slice(&GB18030.encode("噪音扰民").0);
        raw.extend_from_slice(b"\r\nFrom: a@example.org\r\n\r\n");
        let repaired = repair_headers(&raw);
        assert_eq!(repaired.transcoded.len(), 1);
        assert_eq!(repaired.transcoded[0].name, "Subject");
        let message = mail_parser::MessageParser::default()
            .parse(repaired.bytes.as_ref())
            .unwrap();
        assert_eq!(message.subject(), Some("噪音扰民"));
    }

    #[test]
    fn clean_headers_are_borrowed() {
        let raw = b"Subject: =?UTF-8?B?5L2g5aW9?=\r\n\r\nx";
        assert!(matches!(repair_headers(raw).bytes, Cow::Borrowed(_)));
    }

    #[test]
    fn malformed_words_do_not_panic() {
        for value in [
            "=?x?中?abc?= =?x?B?YQ==?=",
            "=?gbk?B?wre1xrI=?= =?gbk?中?x?=",
            "=?",
            "=?x?",
            "=?x?B?",
            "=?x?B?abc",
            "=?x?Z?abc?= =?x?B?",
            "=?gbk?Q?=",
            "=?gbk?Q?=4?=",
        ] {
            let _ = join_adjacent_words(value);
            let _ = encoded_word_at(value, 0);
        }
    }
}
