//! Mail that is not a citizen's appeal: auto-replies, bounces and mailing-list traffic.
//!
//! The public mailbox answers every appeal, so an out-of-office reply or a bounce answered in
//! turn would loop forever; and a mailbox subscribed to a list by mistake must not turn every
//! list post into a case. These are recognized by their headers (RFC 3834 `Auto-Submitted`,
//! the de-facto `X-Autoreply` and `Precedence`, RFC 3464 `multipart/report`, RFC 2919
//! `List-Id`, RFC 2369 `List-Post`) and by the subjects Chinese clients give auto-replies.

use std::fmt;

use mail_parser::{Message, MimeHeaders};

/// Why a message is not taken in as an appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAnAppeal {
    /// An automatic reply (out of office, 自动回复); `evidence` names the header or subject.
    AutoReply {
        /// What showed it, e.g. `Auto-Submitted: auto-replied`.
        evidence: String,
    },
    /// A delivery status notification (退信).
    Bounce {
        /// What showed it, e.g. `Content-Type: multipart/report`.
        evidence: String,
    },
    /// Traffic from a mailing list.
    MailingList {
        /// What showed it, e.g. `List-Id: <linux-erofs.lists.ozlabs.org>`.
        evidence: String,
    },
}

impl fmt::Display for NotAnAppeal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAnAppeal::AutoReply { evidence } => write!(f, "automatic reply ({evidence})"),
            NotAnAppeal::Bounce { evidence } => write!(f, "delivery failure report ({evidence})"),
            NotAnAppeal::MailingList { evidence } => {
                write!(f, "mailing-list message ({evidence})")
            }
        }
    }
}

/// Subject prefixes and words that mark an automatic reply.
const AUTO_REPLY_SUBJECTS: [&str; 8] = [
    "自动回复",
    "自動回覆",
    "自动答复",
    "Auto Reply",
    "Auto-Reply",
    "AutoReply",
    "Automatic reply",
    "Out of Office",
];

/// Decides whether `message` (with its decoded `subject`) is not an appeal, and why.
pub fn classify(message: &Message<'_>, subject: Option<&str>) -> Option<NotAnAppeal> {
    // Bounces first: a bounce of an auto-reply is still a bounce.
    if let Some(content_type) = message.root_part().content_type()
        && content_type.ctype().eq_ignore_ascii_case("multipart")
        && content_type
            .subtype()
            .is_some_and(|sub| sub.eq_ignore_ascii_case("report"))
    {
        return Some(NotAnAppeal::Bounce {
            evidence: "Content-Type: multipart/report".into(),
        });
    }
    if let Some(from) = message.from().and_then(|from| from.first())
        && let Some(address) = from.address()
    {
        let local = address.split('@').next().unwrap_or_default();
        if local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster") {
            return Some(NotAnAppeal::Bounce {
                evidence: format!("From: {local}@…"),
            });
        }
    }

    // Automatic replies, by header.
    if let Some(value) = header_text(message, "Auto-Submitted")
        && !value.eq_ignore_ascii_case("no")
    {
        return Some(NotAnAppeal::AutoReply {
            evidence: format!("Auto-Submitted: {value}"),
        });
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(value) = header_text(message, name) {
            return Some(NotAnAppeal::AutoReply {
                evidence: format!("{name}: {value}"),
            });
        }
    }

    // Mailing lists: RFC 2919 and 2369 headers, or the older Precedence: list.
    if let Some(value) = header_text(message, "Precedence")
        && value.eq_ignore_ascii_case("list")
        && header_text(message, "List-Id").is_none()
    {
        return Some(NotAnAppeal::MailingList {
            evidence: "Precedence: list".into(),
        });
    }
    for name in ["List-Id", "List-Post"] {
        if let Some(value) = header_text(message, name) {
            return Some(NotAnAppeal::MailingList {
                evidence: format!("{name}: {value}"),
            });
        }
    }

    // Bulk mail that is not list traffic is treated as automatic.
    if let Some(value) = header_text(message, "Precedence") {
        let lower = value.to_ascii_lowercase();
        if matches!(lower.as_str(), "bulk" | "junk" | "auto_reply") {
            return Some(NotAnAppeal::AutoReply {
                evidence: format!("Precedence: {lower}"),
            });
        }
    }

    // Automatic replies, by subject.
    if let Some(subject) = subject {
        let lower = subject.to_lowercase();
        for marker in AUTO_REPLY_SUBJECTS {
            if lower.contains(&marker.to_lowercase()) {
                return Some(NotAnAppeal::AutoReply {
                    evidence: format!("subject contains \"{marker}\""),
                });
            }
        }
    }
    None
}

/// The trimmed raw value of the first header called `name`, if it is present and not empty.
fn header_text<'m>(message: &'m Message<'_>, name: &str) -> Option<&'m str> {
    message
        .root_part()
        .headers()
        .iter()
        .find(|header| header.name().eq_ignore_ascii_case(name))
        .and_then(|header| {
            let raw = message
                .raw_message()
                .get(header.offset_start() as usize..header.offset_end() as usize)?;
            std::str::from_utf8(raw).ok()
        })
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn classify_raw(raw: &str) -> Option<NotAnAppeal> {
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        classify(&message, message.subject())
    }

    #[test]
    fn auto_submitted_is_an_auto_reply() {
        let reason = classify_raw("Auto-Submitted: auto-replied\r\nSubject: x\r\n\r\nbody");
        assert!(
            matches!(reason, Some(NotAnAppeal::AutoReply { .. })),
            "{reason:?}"
        );
    }

    #[test]
    fn auto_submitted_no_is_ordinary_mail() {
        assert_eq!(
            classify_raw("Auto-Submitted: no\r\nSubject: 路灯\r\n\r\nbody"),
            None
        );
    }

    #[test]
    fn x_autoreply_and_precedence_are_auto_replies() {
        for raw in [
            "X-Autoreply: yes\r\n\r\nx",
            "Precedence: bulk\r\n\r\nx",
            "Precedence: junk\r\n\r\nx",
        ] {
            assert!(
                matches!(classify_raw(raw), Some(NotAnAppeal::AutoReply { .. })),
                "{raw}"
            );
        }
    }

    #[test]
    fn chinese_auto_reply_subject_is_recognized() {
        let reason =
            classify_raw("Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSN77ya5oiR5Zyo5bqm5YGH?=\r\n\r\nx");
        assert!(
            matches!(reason, Some(NotAnAppeal::AutoReply { .. })),
            "{reason:?}"
        );
    }

    #[test]
    fn delivery_report_is_a_bounce() {
        let raw = "From: MAILER-DAEMON@example.org\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n";
        assert!(matches!(
            classify_raw(raw),
            Some(NotAnAppeal::Bounce { .. })
        ));
        let raw = "From: Mail Delivery System <MAILER-DAEMON@example.org>\r\nSubject: Undelivered\r\n\r\nx";
        assert!(matches!(
            classify_raw(raw),
            Some(NotAnAppeal::Bounce { .. })
        ));
    }

    #[test]
    fn list_headers_mark_list_traffic() {
        let reason = classify_raw("List-Id: <x.lists.example.org>\r\nSubject: y\r\n\r\nz");
        assert!(matches!(reason, Some(NotAnAppeal::MailingList { .. })));
        let reason = classify_raw("List-Post: <mailto:x@example.org>\r\n\r\nz");
        assert!(
            reason
                .unwrap()
                .to_string()
                .starts_with("mailing-list message")
        );
    }
}
