//! Recognizing a citizen's reply to the gateway's own acknowledgement (追加/补充材料).
//!
//! Such a reply belongs to the existing case (工单), not to a new appeal. It is known by an
//! `In-Reply-To` or `References` id that the gateway itself sent (the daemon keeps those in
//! its outbox and answers through [`ThreadLookup`]), or by the case number in the subject in
//! one of the forms the gateway writes: `[工单 2612030042]`, `【工单 2612030042】`,
//! `工单号 2612030042`, `工单号：2612030042`.

use std::collections::HashMap;

/// The case number type is the store's: `YYMMDD` then a sequence of four or more digits.
pub use gateway_core::store::CaseNumber;

/// The daemon's memory of the acknowledgements it sent, implemented on its outbox.
pub trait ThreadLookup {
    /// The case whose acknowledgement had this `Message-ID` (with or without angle brackets).
    fn case_for_sent_message(&self, message_id: &str) -> Option<CaseNumber>;
}

/// A lookup that knows of no sent messages, for intake that runs before any were sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSentMessages;

impl ThreadLookup for NoSentMessages {
    fn case_for_sent_message(&self, _message_id: &str) -> Option<CaseNumber> {
        None
    }
}

/// An in-memory lookup, keyed by Message-ID without angle brackets (for tests and tools).
impl ThreadLookup for HashMap<String, CaseNumber> {
    fn case_for_sent_message(&self, message_id: &str) -> Option<CaseNumber> {
        self.get(strip_brackets(message_id)).cloned()
    }
}

/// How a reply was tied to its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadMatch {
    /// `In-Reply-To` named an acknowledgement the gateway sent.
    InReplyTo(String),
    /// `References` named an acknowledgement the gateway sent.
    References(String),
    /// The subject carried the case number in a form the gateway writes.
    Subject,
}

/// Finds the case a message continues, strongest evidence first.
pub fn find_case(
    subject: Option<&str>,
    in_reply_to: &[String],
    references: &[String],
    lookup: &dyn ThreadLookup,
) -> Option<(CaseNumber, ThreadMatch)> {
    for id in in_reply_to {
        if let Some(case) = lookup.case_for_sent_message(strip_brackets(id)) {
            return Some((case, ThreadMatch::InReplyTo(id.clone())));
        }
    }
    // The newest reference is last; look from there back.
    for id in references.iter().rev() {
        if let Some(case) = lookup.case_for_sent_message(strip_brackets(id)) {
            return Some((case, ThreadMatch::References(id.clone())));
        }
    }
    subject
        .and_then(case_number_in_subject)
        .map(|case| (case, ThreadMatch::Subject))
}

/// The fewest digits a case number has (`YYMMDD` and a four-digit sequence).
const MIN_CASE_NUMBER_DIGITS: usize = 10;

/// The case number in `subject`, when written in a form the gateway uses.
pub fn case_number_in_subject(subject: &str) -> Option<CaseNumber> {
    let mut search = subject;
    while let Some(at) = search.find("工单") {
        let before = search[..at].chars().next_back();
        let mut rest = &search[at + "工单".len()..];
        let numbered = rest.starts_with('号');
        if numbered {
            rest = &rest['号'.len_utf8()..];
        }
        rest = rest.trim_start_matches([':', '：', ' ', '\u{3000}']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest[digits.len()..].chars().next();
        let bracketed = matches!(
            (before, after),
            (Some('['), Some(']')) | (Some('【'), Some('】'))
        );
        if (bracketed || numbered)
            && digits.len() >= MIN_CASE_NUMBER_DIGITS
            && let Some(case) = CaseNumber::parse(&digits)
        {
            return Some(case);
        }
        search = &search[at + "工单".len()..];
    }
    None
}

/// A Message-ID without its angle brackets and surrounding whitespace.
pub fn strip_brackets(id: &str) -> &str {
    let id = id.trim();
    id.strip_prefix('<')
        .and_then(|inner| inner.strip_suffix('>'))
        .unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_subject_forms_carry_the_case_number() {
        for subject in [
            "Re: [工单 2612030042] 您的诉求已收到",
            "回复：【工单 2612030042】您的诉求已收到",
            "答复: 您的诉求已收到，工单号 2612030042",
            "工单号：2612030042 补充材料",
            "[工单2612030042]",
        ] {
            assert_eq!(
                case_number_in_subject(subject).map(|c| c.to_string()),
                Some("2612030042".to_string()),
                "{subject}"
            );
        }
    }

    #[test]
    fn the_ten_thousandth_case_of_a_day_has_eleven_digits() {
        let found = case_number_in_subject("Re: [工单 26120312345] 您的诉求已收到").unwrap();
        assert_eq!(found.as_str(), "26120312345");
    }

    #[test]
    fn other_numbers_are_not_case_numbers() {
        for subject in [
            "工单 2612030042 没有括号",
            "[工单 261203004]",
            "我的电话 13800000000",
            "工单",
        ] {
            assert_eq!(case_number_in_subject(subject), None, "{subject}");
        }
    }

    #[test]
    fn in_reply_to_wins_over_the_subject() {
        let mut sent = HashMap::new();
        sent.insert(
            "ack-1@hotline.example.gov.cn".to_string(),
            CaseNumber::parse("2612030001").unwrap(),
        );
        let found = find_case(
            Some("Re: [工单 2612030042]"),
            &["<ack-1@hotline.example.gov.cn>".to_string()],
            &[],
            &sent,
        )
        .unwrap();
        assert_eq!(found.0.as_str(), "2612030001");
        assert!(matches!(found.1, ThreadMatch::InReplyTo(_)));
    }

    #[test]
    fn references_are_searched_newest_first() {
        let mut sent = HashMap::new();
        sent.insert("a@x".to_string(), CaseNumber::parse("1111111111").unwrap());
        sent.insert("b@x".to_string(), CaseNumber::parse("2222222222").unwrap());
        let found = find_case(None, &[], &["a@x".into(), "b@x".into()], &sent).unwrap();
        assert_eq!(found.0.as_str(), "2222222222");
    }

    #[test]
    fn unknown_ids_and_plain_subjects_find_nothing() {
        assert_eq!(
            find_case(Some("路灯不亮"), &["z@x".into()], &[], &NoSentMessages),
            None
        );
    }
}
