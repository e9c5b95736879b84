//! Checks on contact fields and times shared by the webhook adapters.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};

/// The offset of China Standard Time, in which providers without a zone report times.
pub(crate) fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// A Unix time in seconds as a time in China.
pub(crate) fn from_unix_seconds(seconds: i64) -> Option<DateTime<FixedOffset>> {
    china_offset().timestamp_opt(seconds, 0).single()
}

/// A local China time written `2017-09-01 00:00:00` or `20170901000000`.
pub(crate) fn from_china_local(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S"))
        .ok()?;
    china_offset().from_local_datetime(&naive).single()
}

/// Normalizes a phone number as a citizen or a carrier wrote it: full-width digits become
/// ASCII; spaces, dashes, dots and brackets are dropped; what remains must be an optional `+` and 5 to 15 digits (E.164
/// allows 15; 5 admits short service numbers such as 12345 and 95588).
///
/// Returns the normalized number, or the problem in lower case.
pub(crate) fn normalize_phone(raw: &str) -> Result<String, &'static str> {
    // A Chinese input method often types full-width digits and signs: fold them first.
    let compact: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '＋' => '+',
            other => other,
        })
        .filter(|c| {
            !matches!(
                c,
                ' ' | '-' | '.' | '(' | ')' | '\u{3000}' | '－' | '（' | '）'
            )
        })
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if digits.is_empty() {
        return Err("empty phone number");
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "invalid phone number: only digits, spaces, dashes and a leading + are allowed",
        );
    }
    if !(5..=15).contains(&digits.len()) {
        return Err("invalid phone number: expected 5 to 15 digits");
    }
    Ok(compact)
}

/// A loose check of an email address: one `@`, something before it, a dot after it, no
/// spaces. Mail delivery is the real test; this only catches typing slips.
pub(crate) fn plausible_email(raw: &str) -> bool {
    let raw = raw.trim();
    match raw.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !raw.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_lose_their_punctuation() {
        assert_eq!(normalize_phone("138-1234 5678").unwrap(), "13812345678");
        assert_eq!(
            normalize_phone("+86 (577) 1234567").unwrap(),
            "+865771234567"
        );
        assert_eq!(normalize_phone("12345").unwrap(), "12345");
        assert_eq!(
            normalize_phone("１３８－１２３４－５６７８").unwrap(),
            "13812345678"
        );
        assert_eq!(
            normalize_phone("＋86（0577）1234567").unwrap(),
            "+8605771234567"
        );
    }

    #[test]
    fn malformed_phone_numbers_are_refused_with_a_reason() {
        assert!(normalize_phone("").is_err());
        assert!(normalize_phone("138abc").unwrap_err().contains("digits"));
        assert!(normalize_phone("1234").unwrap_err().contains("5 to 15"));
    }

    #[test]
    fn both_alibaba_time_forms_parse_as_china_time() {
        let a = from_china_local("2025-03-02 19:05:11").unwrap();
        let b = from_china_local("20250302190511").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2025-03-02T19:05:11+08:00");
        assert!(from_china_local("yesterday").is_none());
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert!(plausible_email("zhang@example.org"));
        assert!(!plausible_email("zhang@example"));
        assert!(!plausible_email("zhang example.org"));
    }
}
