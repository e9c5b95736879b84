//! Masking of personal data before it reaches a log line.
//!
//! Logs carry ids, channels and decisions; when they must mention a contact or a text, they
//! carry these masked forms, never the original.

/// A phone number with all but its last four digits hidden: `*******0000`.
pub fn phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() <= 4 {
        return "*".repeat(digits.len());
    }
    let keep: String = digits[digits.len() - 4..].iter().collect();
    format!("{}{keep}", "*".repeat(digits.len() - 4))
}

/// An email address with the local part hidden but its first character: `z***@example.org`.
pub fn email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// A name with all but the surname hidden: `张*`.
pub fn name(full: &str) -> String {
    let mut chars = full.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// A citizen's text reduced to its length, which is all a log needs: `<text: 42 chars>`.
pub fn text(body: &str) -> String {
    format!("<text: {} chars>", body.chars().count())
}

/// An opaque identifier (a WeChat OpenID) shortened to its first four characters.
pub fn opaque(id: &str) -> String {
    let head: String = id.chars().take(4).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keeps_last_four() {
        assert_eq!(phone("13812345678"), "*******5678");
        assert_eq!(phone("+86 138-1234-5678"), "*********5678");
        assert_eq!(phone("123"), "***");
    }

    #[test]
    fn email_hides_local_part() {
        assert_eq!(email("zhangsan@example.org"), "z***@example.org");
        assert_eq!(email("not-an-address"), "***");
    }

    #[test]
    fn name_keeps_surname_only() {
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name("李"), "李*");
    }

    #[test]
    fn text_shows_only_length() {
        assert_eq!(text("楼道里着火了"), "<text: 6 chars>");
    }
}
