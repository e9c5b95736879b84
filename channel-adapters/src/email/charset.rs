//! Choosing the character set of a text part when the declared one may be wrong.
//!
//! Citizens' mail clients label GBK text `gb2312`, send UTF-8 under a `gbk` label, or declare
//! nothing at all. The rule here: a GB-labelled part whose bytes are valid UTF-8 (with some
//! non-ASCII) is UTF-8; otherwise the declared charset, then GB18030, then UTF-8 are tried in
//! that order and the first that decodes without a replacement character wins. When none does,
//! the declared charset's lossy decoding is kept and the caller flags the field.

use encoding_rs::{Encoding, GB18030, UTF_8};

/// The text of one part and how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText {
    /// The text, possibly with U+FFFD where bytes did not decode (see [`Self::clean`]).
    pub text: String,
    /// The charset that was used, as `encoding_rs` names it (`GBK`, `gb18030`, `UTF-8`).
    pub used: &'static str,
    /// The charset the part declared, lower-cased, if any.
    pub declared: Option<String>,
    /// True when every byte decoded; false when replacement characters were inserted.
    pub clean: bool,
    /// True when the part says `gb2312` but holds GBK or GB18030 characters beyond it.
    pub beyond_gb2312: bool,
}

impl DecodedText {
    /// A problem worth flagging, in lower case, or `None` when the declared charset was right.
    pub fn problem(&self) -> Option<String> {
        let declared = self.declared.as_deref().unwrap_or("none");
        if !self.clean {
            return Some(format!(
                "charset {declared} did not decode cleanly; text kept with replacement characters"
            ));
        }
        let declared_encoding = self
            .declared
            .as_deref()
            .and_then(|label| Encoding::for_label(label.as_bytes()));
        match declared_encoding {
            Some(encoding) if encoding.name() == self.used && self.beyond_gb2312 => Some(format!(
                "charset {declared} was wrong; text holds characters beyond gb2312, decoded as gbk"
            )),
            Some(encoding) if encoding.name() == self.used => None,
            // An undeclared charset on pure ASCII text is the normal case.
            None if self.declared.is_none() && self.used == "ascii" => None,
            _ => Some(format!(
                "charset {declared} was wrong; text decoded as {}",
                self.used.to_ascii_lowercase()
            )),
        }
    }
}

/// True for the labels of the GB family (GB2312, GBK, GB18030 and their aliases).
pub fn is_gb_label(label: &str) -> bool {
    matches!(
        Encoding::for_label(label.trim().as_bytes()),
        Some(encoding) if encoding == GB18030 || encoding.name() == "GBK"
    )
}

/// Decodes `bytes` declared as `declared`, correcting a wrong label as the module describes.
pub fn decode_text(bytes: &[u8], declared: Option<&str>) -> DecodedText {
    let declared_lower = declared.map(|label| label.trim().to_ascii_lowercase());

    // Pure ASCII reads the same under every charset a mail client would use.
    if bytes.is_ascii() {
        return DecodedText {
            text: String::from_utf8_lossy(bytes).into_owned(),
            used: "ascii",
            declared: declared_lower,
            clean: true,
            beyond_gb2312: false,
        };
    }

    // A GB label on bytes that are valid UTF-8 is a mislabel: real GBK text almost never
    // forms valid UTF-8 sequences throughout. A literal U+FFFD in that UTF-8 means an
    // earlier, broken conversion of GBK text, so the label is believed then.
    if let Some(label) = declared_lower.as_deref()
        && is_gb_label(label)
        && let Ok(text) = std::str::from_utf8(bytes)
        && !text.contains('\u{fffd}')
    {
        return DecodedText {
            text: text.to_string(),
            used: UTF_8.name(),
            declared: declared_lower,
            clean: true,
            beyond_gb2312: false,
        };
    }

    // Declared charset first, then GB18030, then UTF-8: the first clean one wins.
    let declared_encoding = declared_lower
        .as_deref()
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        // UTF-16 and UTF-7 labels are never right for 8-bit mail text; ignore them.
        .filter(|encoding| encoding.is_ascii_compatible());
    let mut candidates: Vec<&'static Encoding> = Vec::with_capacity(3);
    if let Some(encoding) = declared_encoding {
        candidates.push(encoding);
    }
    for fallback in [GB18030, UTF_8] {
        if !candidates.contains(&fallback) {
            candidates.push(fallback);
        }
    }
    for encoding in &candidates {
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            let beyond_gb2312 = declared_lower.as_deref().is_some_and(is_gb2312_label)
                && encoding.name() == "GBK"
                && !is_within_gb2312(bytes);
            return DecodedText {
                text: text.into_owned(),
                used: encoding.name(),
                declared: declared_lower,
                clean: true,
                beyond_gb2312,
            };
        }
    }

    // Nothing decoded cleanly: keep the first candidate's lossy text.
    let first = candidates[0];
    let (text, _) = first.decode_without_bom_handling(bytes);
    DecodedText {
        text: text.into_owned(),
        used: first.name(),
        declared: declared_lower,
        clean: false,
        beyond_gb2312: false,
    }
}

/// True for the labels that name GB2312 itself rather than GBK or GB18030.
fn is_gb2312_label(label: &str) -> bool {
    matches!(
        label,
        "gb2312"
            | "gb_2312"
            | "gb_2312-80"
            | "csgb2312"
            | "csiso58gb231280"
            | "euc-cn"
            | "x-euc-cn"
    )
}

/// True when every two-byte sequence lies in GB2312's EUC-CN range (both bytes 0xA1–0xFE).
fn is_within_gb2312(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        if lead < 0x80 {
            i += 1;
            continue;
        }
        let Some(&trail) = bytes.get(i + 1) else {
            return false;
        };
        if !(0xA1..=0xF7).contains(&lead) || !(0xA1..=0xFE).contains(&trail) {
            return false;
        }
        i += 2;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn gbk_only_characters_under_a_gb2312_label_decode() {
        let decoded = decode_text(&gbk("朱镕基 王喆 张堃"), Some("gb2312"));
        assert_eq!(decoded.text, "朱镕基 王喆 张堃");
        assert!(decoded.clean);
    }

    #[test]
    fn four_byte_gb18030_characters_under_a_gbk_label_decode() {
        let decoded = decode_text(&gbk("𠮷㐀路灯"), Some("GBK"));
        assert_eq!(decoded.text, "𠮷㐀路灯");
        assert!(decoded.clean);
    }

    #[test]
    fn utf8_under_a_gbk_label_is_read_as_utf8_and_reported() {
        let decoded = decode_text("在 2024 年写道：".as_bytes(), Some("gbk"));
        assert_eq!(decoded.text, "在 2024 年写道：");
        assert_eq!(decoded.used, "UTF-8");
        assert!(decoded.problem().unwrap().contains("was wrong"));
    }

    #[test]
    fn gbk_under_a_utf8_label_falls_back_to_gb18030() {
        let decoded = decode_text(&gbk("路灯不亮了"), Some("utf-8"));
        assert_eq!(decoded.text, "路灯不亮了");
        assert_eq!(decoded.used, "gb18030");
        assert!(decoded.problem().is_some());
    }

    #[test]
    fn undecodable_bytes_are_kept_lossy_and_reported() {
        let decoded = decode_text(&[0x81, 0x20, 0xff, 0xfe, 0x30], Some("gb2312"));
        assert!(!decoded.clean);
        assert!(decoded.text.contains('\u{fffd}'));
        assert!(decoded.problem().unwrap().contains("did not decode"));
    }

    #[test]
    fn missing_label_on_gbk_is_decoded_as_gb18030() {
        let decoded = decode_text(&gbk("噪音扰民"), None);
        assert_eq!(decoded.text, "噪音扰民");
        assert!(decoded.problem().unwrap().contains("charset none"));
    }

    #[test]
    fn characters_beyond_gb2312_under_its_label_are_reported() {
        let decoded = decode_text(&gbk("朱镕基"), Some("gb2312"));
        assert_eq!(decoded.text, "朱镕基");
        assert!(decoded.beyond_gb2312);
        assert!(decoded.problem().unwrap().contains("beyond gb2312"));
        let plain = decode_text(&gbk("路灯不亮"), Some("gb2312"));
        assert_eq!(plain.problem(), None);
    }

    #[test]
    fn utf8_holding_replacement_characters_keeps_the_gb_label() {
        let mut bytes = "\u{fffd}\u{fffd} 2020".as_bytes().to_vec();
        bytes.extend_from_slice(&gbk("写"));
        let decoded = decode_text(&bytes, Some("gbk"));
        assert!(decoded.text.ends_with('写'), "{}", decoded.text);
    }

    #[test]
    fn ascii_needs_no_label() {
        let decoded = decode_text(b"hello", None);
        assert_eq!(decoded.problem(), None);
    }
}
