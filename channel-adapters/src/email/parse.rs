//! Parsing one raw message into the fields the hotline needs.
//!
//! `mail-parser` does the MIME work. Around it: the header block is repaired first
//! ([`super::header_repair`]); the subject is decoded here, word by word, so a mislabelled
//! charset inside an encoded word is corrected like a body's; and the text part's bytes are
//! taken from the raw message and decoded with [`super::charset::decode_text`] rather than
//! trusting the part's label. Parsing never fails: whatever cannot be read is flagged, and the
//! raw message is kept by the caller.

use chrono::{DateTime, FixedOffset};
use gateway_core::IntakeFlag;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::html::html_to_text;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, HeaderName, HeaderValue, Message, MessageParser, MessagePart};
use mail_parser::{MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::charset::{DecodedText, decode_text};
use super::classify::{NotAnAppeal, classify};
use super::header_repair::repair_headers;

/// The sender as the `From` header names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The display name, decoded.
    pub name: Option<String>,
    /// The address.
    pub address: Option<String>,
}

/// Where the body text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySource {
    /// A `text/plain` part.
    Plain,
    /// A `text/html` part, converted to text.
    Html,
    /// The message has no text part (e.g. only an S/MIME blob or only attachments).
    None,
    /// The input was not a MIME message; its bytes were decoded as text.
    Unparsed,
}

/// One attachment with its bytes, ready for the content-addressed store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAttachment {
    /// The file name the sender's client gave, decoded.
    pub file_name: Option<String>,
    /// The media type, e.g. `image/jpeg`.
    pub content_type: String,
    /// The content after transfer decoding.
    pub bytes: Vec<u8>,
}

impl EmailAttachment {
    /// Hex SHA-256 of the content: the key it is stored under.
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }

    /// The appeal's reference to this attachment.
    pub fn to_appeal_attachment(&self) -> gateway_core::Attachment {
        gateway_core::Attachment {
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size_bytes: Some(self.bytes.len() as u64),
            sha256: Some(self.sha256_hex()),
            url: None,
        }
    }
}

/// A message as the hotline reads it. Every field is as lenient as the input forced it to be.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEmail {
    /// The `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The `In-Reply-To` ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// The `References` ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// The decoded subject.
    pub subject: Option<String>,
    /// The sender.
    pub from: Option<Sender>,
    /// The first `Reply-To` address, where the sender wants answers.
    pub reply_to: Option<String>,
    /// When the sender's client says it was sent.
    pub date: Option<DateTime<FixedOffset>>,
    /// The whole decoded body text, quotes included.
    pub text: String,
    /// Where [`Self::text`] came from.
    pub body_source: BodySource,
    /// The decoded HTML part, when there is one.
    pub html: Option<String>,
    /// The attachments, with their bytes.
    pub attachments: Vec<EmailAttachment>,
    /// Problems found while parsing, each with its raw value where that is text.
    pub flags: Vec<IntakeFlag>,
    /// Why this is not an appeal, when it is an auto-reply, a bounce or list traffic.
    pub not_an_appeal: Option<NotAnAppeal>,
}

impl ParsedEmail {
    /// The address an acknowledgement should go to: `Reply-To`, else `From`.
    pub fn reply_address(&self) -> Option<&str> {
        self.reply_to
            .as_deref()
            .or_else(|| self.from.as_ref().and_then(|from| from.address.as_deref()))
    }
}

/// Parses `raw` (one RFC 5322 message) leniently; never fails and never panics.
pub fn parse_email(raw: &[u8]) -> ParsedEmail {
    // Repair the header block, then let mail-parser do the MIME structure.
    let repaired = repair_headers(raw);
    let mut flags: Vec<IntakeFlag> = repaired
        .transcoded
        .iter()
        .map(|header| IntakeFlag {
            field: header.name.clone(),
            problem: "raw 8-bit header is not utf-8; decoded as gb18030".into(),
            raw: Some(header.raw.clone()),
        })
        .collect();
    let Some(message) = MessageParser::default().parse(repaired.bytes.as_ref()) else {
        return unparsed(raw, flags);
    };

    // Identity and threading headers.
    let message_id = message.message_id().map(|id| id.trim().to_string());
    let in_reply_to = id_list(message.in_reply_to());
    let references = id_list(message.references());

    // The subject, decoded here so that a wrong charset label is corrected.
    let subject = decode_subject(&message, &mut flags);

    // Sender, reply address and date.
    let from = message
        .from()
        .and_then(|from| from.first())
        .map(|addr| Sender {
            name: addr
                .name()
                .map(|name| name.trim().to_string())
                .filter(|n| !n.is_empty()),
            address: addr.address().map(|a| a.trim().to_string()),
        });
    let reply_to = message
        .reply_to()
        .and_then(|to| to.first())
        .and_then(|addr| addr.address())
        .map(|a| a.trim().to_string());
    let date = decode_date(&message, &mut flags);

    // The body: the first plain part, else the first HTML part converted to text.
    let plain_id = message.text_body.iter().copied().find(|&id| {
        matches!(
            message.parts.get(id as usize).map(|p| &p.body),
            Some(PartType::Text(_))
        )
    });
    let html_id = message.html_body.iter().copied().find(|&id| {
        matches!(
            message.parts.get(id as usize).map(|p| &p.body),
            Some(PartType::Html(_))
        )
    });
    let html = html_id
        .and_then(|id| message.parts.get(id as usize))
        .map(|part| decode_part_text(&message, part, "text/html", &mut flags));
    let (text, body_source) = match plain_id.and_then(|id| message.parts.get(id as usize)) {
        Some(part) => (
            decode_part_text(&message, part, "text/plain", &mut flags),
            BodySource::Plain,
        ),
        None => match &html {
            Some(html) => (html_to_text(html), BodySource::Html),
            None => (String::new(), BodySource::None),
        },
    };

    // Attachments: every part mail-parser calls one, except the parts read as the body, and
    // any further inline plain-text part, so that no text the citizen sent is dropped.
    let further_text = message.text_body.iter().copied().filter(|&id| {
        Some(id) != plain_id
            && !message.attachments.contains(&id)
            && matches!(
                message.parts.get(id as usize).map(|p| &p.body),
                Some(PartType::Text(_))
            )
    });
    let attachment_ids: Vec<u32> = message
        .attachments
        .iter()
        .copied()
        .filter(|&id| Some(id) != plain_id && Some(id) != html_id)
        .chain(further_text)
        .collect();
    let attachments = attachment_ids
        .into_iter()
        .filter_map(|id| message.parts.get(id as usize))
        .map(|part| attachment(&message, part))
        .collect();

    let not_an_appeal = classify(&message, subject.as_deref());
    ParsedEmail {
        message_id,
        in_reply_to,
        references,
        subject,
        from,
        reply_to,
        date,
        text,
        body_source,
        html,
        attachments,
        flags,
        not_an_appeal,
    }
}

/// A message mail-parser could not read at all: its bytes become the text.
fn unparsed(raw: &[u8], mut flags: Vec<IntakeFlag>) -> ParsedEmail {
    let decoded = decode_text(raw, None);
    flags.push(IntakeFlag {
        field: "message".into(),
        problem: "not a mime message; its bytes were kept as text".into(),
        raw: None,
    });
    ParsedEmail {
        message_id: None,
        in_reply_to: Vec::new(),
        references: Vec::new(),
        subject: None,
        from: None,
        reply_to: None,
        date: None,
        text: decoded.text,
        body_source: BodySource::Unparsed,
        html: None,
        attachments: Vec::new(),
        flags,
        not_an_appeal: None,
    }
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.trim().to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.trim().to_string()).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|id| !id.is_empty())
    .collect()
}

/// The raw bytes of the first header named `name` in the root part.
fn raw_header<'m>(message: &'m Message<'_>, name: HeaderName<'_>) -> Option<&'m [u8]> {
    let header = message
        .root_part()
        .headers()
        .iter()
        .find(|header| header.name == name)?;
    message
        .raw_message()
        .get(header.offset_start() as usize..header.offset_end() as usize)
}

fn decode_subject(message: &Message<'_>, flags: &mut Vec<IntakeFlag>) -> Option<String> {
    let raw = raw_header(message, HeaderName::Subject)?;
    let raw = String::from_utf8_lossy(raw);
    let (subject, problems) = decode_unstructured(&raw);
    for problem in problems {
        flags.push(IntakeFlag {
            field: "Subject".into(),
            problem,
            raw: Some(raw.trim().to_string()),
        });
    }
    Some(subject)
}

/// Decodes an unstructured header value (RFC 2047), correcting each encoded word's charset.
///
/// Folding is undone, whitespace between adjacent encoded words is dropped, and the whole is
/// trimmed, as Python's `email` package does.
pub fn decode_unstructured(raw: &str) -> (String, Vec<String>) {
    let unfolded: String = raw.replace("\r\n", "\n").replace('\n', "");
    let value = unfolded.trim();
    let mut out = String::with_capacity(value.len());
    let mut problems = Vec::new();
    let mut rest = value;
    let mut pending_space = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        // Copy plain text up to the next encoded word.
        let Some(at) = rest.find("=?") else {
            out.push_str(&pending_space);
            out.push_str(rest);
            break;
        };
        let Some((charset, bytes, consumed)) = parse_encoded_word(&rest[at..]) else {
            out.push_str(&pending_space);
            pending_space.clear();
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            last_was_word = false;
            continue;
        };
        let between = &rest[..at];
        if between.chars().all(char::is_whitespace) && last_was_word {
            // Whitespace between two encoded words is not part of the text.
        } else {
            out.push_str(&pending_space);
            out.push_str(between);
        }
        pending_space.clear();
        let decoded: DecodedText = decode_text(&bytes, Some(charset));
        if let Some(problem) = decoded.problem() {
            problems.push(problem);
        }
        out.push_str(&decoded.text);
        rest = &rest[at + consumed..];
        last_was_word = true;

        // Hold whitespace after a word until we know whether another word follows.
        let spaces = rest.len() - rest.trim_start().len();
        pending_space.push_str(&rest[..spaces]);
        rest = &rest[spaces..];
    }
    (out, problems)
}

/// Parses `=?charset?B|Q?text?=` at the start of `input`: charset, bytes, length consumed.
fn parse_encoded_word(input: &str) -> Option<(&str, Vec<u8>, usize)> {
    let body = input.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = body[..q1].split('*').next().unwrap_or_default();
    let after = &body[q1 + 1..];
    let kind = after.chars().next()?;
    if after.get(1..2)? != "?" {
        return None;
    }
    let text_part = &after[2..];
    let close = text_part.find("?=")?;
    let text = &text_part[..close];
    if charset.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    let bytes = match kind {
        'b' | 'B' => base64_decode(text.as_bytes())?,
        'q' | 'Q' => {
            let spaced = text.replace('_', " ");
            quoted_printable_decode(spaced.as_bytes())?
        }
        _ => return None,
    };
    Some((charset, bytes, 2 + q1 + 1 + 2 + close + 2))
}

fn decode_date(
    message: &Message<'_>,
    flags: &mut Vec<IntakeFlag>,
) -> Option<DateTime<FixedOffset>> {
    let raw = raw_header(message, HeaderName::Date);
    let parsed = message
        .date()
        .filter(|date| date.is_valid())
        .and_then(|date| DateTime::parse_from_rfc3339(&date.to_rfc3339()).ok());
    if parsed.is_none()
        && let Some(raw) = raw
    {
        flags.push(IntakeFlag {
            field: "Date".into(),
            problem: "date is not an rfc 5322 date-time".into(),
            raw: Some(String::from_utf8_lossy(raw).trim().to_string()),
        });
    }
    parsed
}

/// The part's content after transfer decoding, from the raw message bytes.
fn transfer_decoded(message: &Message<'_>, part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let raw = message
        .raw_message()
        .get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)?;
    match part.encoding {
        Encoding::Base64 => base64_decode(raw),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::None => Some(raw.to_vec()),
    }
}

fn decode_part_text(
    message: &Message<'_>,
    part: &MessagePart<'_>,
    field: &str,
    flags: &mut Vec<IntakeFlag>,
) -> String {
    let declared = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(str::to_string);

    // Without the bytes (a damaged transfer encoding) mail-parser's own decoding is all there is.
    let Some(bytes) = transfer_decoded(message, part) else {
        flags.push(IntakeFlag {
            field: field.into(),
            problem: "transfer encoding did not decode; text is mail-parser's best effort".into(),
            raw: None,
        });
        return part.text_contents().unwrap_or_default().to_string();
    };
    let decoded = decode_text(&bytes, declared.as_deref());
    if let Some(problem) = decoded.problem() {
        flags.push(IntakeFlag {
            field: field.into(),
            problem,
            raw: None,
        });
    }
    decoded.text
}

fn attachment(message: &Message<'_>, part: &MessagePart<'_>) -> EmailAttachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        })
        .unwrap_or_else(|| match part.body {
            PartType::Message(_) => "message/rfc822".into(),
            PartType::Text(_) => "text/plain".into(),
            _ => "application/octet-stream".into(),
        });

    // Text attachments keep their original bytes, not mail-parser's re-decoded UTF-8.
    let bytes = match &part.body {
        PartType::Text(_) | PartType::Html(_) => {
            transfer_decoded(message, part).unwrap_or_else(|| part.contents().to_vec())
        }
        _ => part.contents().to_vec(),
    };
    let file_name = part
        .attachment_name()
        .map(repair_name)
        .filter(|name| !name.is_empty());
    EmailAttachment {
        file_name,
        content_type,
        bytes,
    }
}

/// A file name that mail-parser left with encoded words (some clients quote them) is decoded.
fn repair_name(name: &str) -> String {
    if name.contains("=?") {
        decode_unstructured(name).0
    } else if name.contains('\u{fffd}') {
        // Limitation: a raw 8-bit GBK file name has already lost its bytes here.
        name.to_string()
    } else {
        name.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_inline_text_part_is_kept_as_an_attachment() {
        let raw = b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xe7\xac\xac\xe4\xb8\x80\r\n\
            --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xe7\xac\xac\xe4\xba\x8c\r\n--b--\r\n";
        let parsed = parse_email(raw);
        assert_eq!(parsed.text.trim(), "第一");
        assert_eq!(parsed.attachments.len(), 1, "{:?}", parsed.attachments);
        assert_eq!(parsed.attachments[0].bytes.trim_ascii(), "第二".as_bytes());
        assert_eq!(parsed.attachments[0].content_type, "text/plain");
    }

    #[test]
    fn html_only_mail_is_read_as_text() {
        let raw = b"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>\xe8\xb7\xaf\xe7\x81\xaf<br>\xe4\xb8\x8d\xe4\xba\xae</p>";
        let parsed = parse_email(raw);
        assert_eq!(parsed.body_source, BodySource::Html);
        assert!(parsed.text.contains("路灯"), "{}", parsed.text);
        assert!(parsed.html.unwrap().contains("<p>"));
    }

    #[test]
    fn unfolded_subject_words_lose_only_the_space_between_them() {
        let (text, problems) =
            decode_unstructured("Re: =?UTF-8?B?6Lev54Gv?=\r\n =?UTF-8?B?5LiN5Lqu?= now");
        assert_eq!(text, "Re: 路灯不亮 now");
        assert!(problems.is_empty());
    }
}
