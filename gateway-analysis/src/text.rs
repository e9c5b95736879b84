//! Text folding shared by the reply parser and the duplicate index.
//!
//! Citizens type full-width digits and letters, traditional characters and every kind of
//! punctuation; matching is done on a folded form where those differences are gone.

/// Folds full-width ASCII forms (`１`, `Ａ`, the ideographic space) to ASCII, traditional
/// characters to simplified ones, and upper-case Latin letters to lower case.
pub fn fold(text: &str) -> String {
    let narrow: String = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0)
                .unwrap_or(c)
                .to_ascii_lowercase(),
            _ => c.to_ascii_lowercase(),
        })
        .collect();
    fast2s::convert(&narrow)
}

/// The folded text with everything but letters, digits and CJK characters removed.
pub(crate) fn letters_only(text: &str) -> String {
    fold(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_traditional_characters_fold() {
        assert_eq!(fold("１號"), "1号");
        assert_eq!(fold("非常滿意！"), "非常满意!");
        assert_eq!(letters_only("还行吧。。。 ＯＫ"), "还行吧ok");
    }
}
