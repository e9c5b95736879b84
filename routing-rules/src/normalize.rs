//! Text normalized for matching only: full-width letters and digits to half-width, lower
//! case, traditional to simplified Chinese. Full-width punctuation and spaces stay as they
//! are (rule phrases are normalized the same way, so they still match), which keeps most
//! texts at their byte length and lets matches map back to the original without a table.
//!
//! Every character maps to exactly one character, so the `n`th character of the normalized
//! text is the `n`th character of the original. The original text is never changed; the
//! engine uses this to quote what a rule matched in the citizen's own words.

use std::sync::OnceLock;

/// Normalizes `text` for matching into `out` (cleared first). Returns true when every
/// character kept its UTF-8 length, so that byte offsets of `out` are those of `text`.
pub fn normalize_into(text: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(text.len());
    let table = simplified_table();
    let mut same_offsets = true;
    for c in text.chars() {
        let folded = match c as u32 {
            0..=0x7F => c.to_ascii_lowercase(),
            CJK_FIRST..=CJK_LAST => table[(c as u32 - CJK_FIRST) as usize],
            _ => fold_width_and_case(c),
        };
        same_offsets &= folded.len_utf8() == c.len_utf8();
        out.push(folded);
    }
    same_offsets
}

/// Normalizes `text` for matching.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    normalize_into(text, &mut out);
    out
}

/// The CJK blocks whose traditional characters are mapped: Extension A and the Unified
/// Ideographs.
const CJK_FIRST: u32 = 0x3400;
const CJK_LAST: u32 = 0x9FFF;

/// The simplified form of every character of the CJK blocks, built once from `fast2s`.
///
/// Limitation: `fast2s` converts a few characters differently by their neighbours (乾隆,
/// 看著); the table holds each character's form alone, so those few stay as written. Rule
/// phrases are normalized the same way, so matching stays consistent.
fn simplified_table() -> &'static [char] {
    static TABLE: OnceLock<Vec<char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut buffer = [0u8; 4];
        (CJK_FIRST..=CJK_LAST)
            .map(|code| {
                let c = char::from_u32(code).unwrap_or(' ');
                let converted = fast2s::convert(c.encode_utf8(&mut buffer));
                let mut chars = converted.chars();
                match (chars.next(), chars.next()) {
                    (Some(simple), None) => simple,
                    _ => c,
                }
            })
            .collect()
    })
}

/// Folds one character: full-width letters and digits to ASCII, ASCII letters to lower case.
fn fold_width_and_case(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            let ascii = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
            ascii.to_ascii_lowercase()
        }
        _ => c.to_ascii_lowercase(),
    }
}

/// The part of `original` that corresponds to the byte range `start..end` of its normalized
/// form. Both strings have the same number of characters, so character positions line up.
pub fn original_span<'a>(original: &'a str, normalized: &str, start: usize, end: usize) -> &'a str {
    let first = normalized[..start].chars().count();
    let count = normalized[start..end].chars().count();
    let mut indices = original.char_indices().map(|(i, _)| i).skip(first);
    let from = indices.next().unwrap_or(original.len());
    let to = indices
        .nth(count.saturating_sub(1))
        .unwrap_or(original.len());
    &original[from..to.max(from)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_letters_and_digits_become_ascii() {
        assert_eq!(normalize("ＡＢＣ１２３，"), "abc123，");
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(normalize("樓道裡着火了"), "楼道里着火了");
        assert_eq!(normalize("違章建築"), "违章建筑");
    }

    #[test]
    fn punctuation_and_spaces_keep_their_width() {
        assert_eq!(normalize("好，\u{3000}吗？"), "好，\u{3000}吗？");
    }

    #[test]
    fn character_count_is_kept() {
        for text in ["樓道裡着火了，ＦＩＲＥ！", "abc", "", "😀繁體字"] {
            assert_eq!(
                normalize(text).chars().count(),
                text.chars().count(),
                "{text}"
            );
        }
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let original = "樓道裡着火了";
        let normalized = normalize(original);
        let start = normalized.find("着火").unwrap();
        let end = start + "着火".len();
        assert_eq!(original_span(original, &normalized, start, end), "着火");
        let start = normalized.find("楼道").unwrap();
        assert_eq!(
            original_span(original, &normalized, start, start + 6),
            "樓道"
        );
    }
}
