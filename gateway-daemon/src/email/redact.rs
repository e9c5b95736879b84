//! Error texts made fit for logs: SMTP and IMAP servers quote addresses in their replies.

use gateway_core::mask;

/// `text` with every word that holds an `@` masked as an address (`z***@example.org`).
pub fn addresses_masked(text: &str) -> String {
    let separator = |c: char| c.is_whitespace() || "<>\"'()[],;".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str(&mask::email(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if separator(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_a_server_reply_are_masked() {
        let reply = "550 5.1.1 <zhangsan@example.org>: recipient rejected (lisi@example.org)";
        assert_eq!(
            addresses_masked(reply),
            "550 5.1.1 <z***@example.org>: recipient rejected (l***@example.org)"
        );
    }

    #[test]
    fn text_without_addresses_is_unchanged() {
        let text = "connection refused: smtp 127.0.0.1:25";
        assert_eq!(addresses_masked(text), text);
    }
}
