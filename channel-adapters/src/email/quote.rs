//! Trimming quoted earlier mail from a reply, so the appeal holds what the citizen wrote now.
//!
//! Recognized: `>` quoted lines; an attribution line ("On … wrote:", "在 … 写道：", possibly
//! wrapped over two lines), after which everything is quote; an Outlook or Foxmail separator
//! ("-----原始邮件-----", "-----Original Message-----") or a header block ("From: …" followed
//! by "Sent: …", "发件人: …" followed by "发送时间: …"), after which everything is quote too.
//! The untrimmed text stays in the raw message.

/// The text the citizen wrote, and whether anything was trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrimmedText {
    /// The new text, without quoted mail, trailing blank lines removed.
    pub text: String,
    /// True when quoted mail was found and removed.
    pub trimmed: bool,
}

/// Removes quoted earlier replies from `text` (lines separated by LF or CRLF).
pub fn trim_quoted(text: &str) -> TrimmedText {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut trimmed = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let next = lines.get(i + 1).copied();

        // Everything from an attribution or a forwarded-header block on is quote.
        if starts_quote_block(line, next, &lines[i..]) {
            trimmed = true;
            break;
        }

        // A quoted line is dropped where it stands; the citizen's own lines around it stay.
        if line.trim_start().starts_with('>') {
            trimmed = true;
            i += 1;
            continue;
        }
        kept.push(line);
        i += 1;
    }
    while kept.last().is_some_and(|line| line.trim().is_empty()) {
        kept.pop();
    }
    TrimmedText {
        text: kept.join("\n"),
        trimmed,
    }
}

fn starts_quote_block(line: &str, next: Option<&str>, rest: &[&str]) -> bool {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return false;
    }
    is_attribution(trimmed, next.map(str::trim)) || is_separator(trimmed) || is_header_block(rest)
}

fn is_attribution(line: &str, next: Option<&str>) -> bool {
    // "On Tue, 3 Dec 2026, Zhang San <z@example.org> wrote:", sometimes wrapped after the name.
    if line.starts_with("On ") {
        if line.ends_with("wrote:") {
            return true;
        }
        if let Some(next) = next
            && next.ends_with("wrote:")
            && !next.starts_with('>')
        {
            return true;
        }
    }

    // "在 2026年12月3日 10:00，张三 写道：" and the ASCII-colon variant.
    if line.starts_with('在') && (line.ends_with("写道：") || line.ends_with("写道:")) {
        return true;
    }
    if line.starts_with('在')
        && let Some(next) = next
        && (next.ends_with("写道：") || next.ends_with("写道:"))
    {
        return true;
    }
    false
}

fn is_separator(line: &str) -> bool {
    let inner = line.trim_matches(|c: char| c == '-' || c == '—' || c.is_whitespace());
    let dashed = line.starts_with("--") && line.ends_with("--");
    dashed
        && matches!(
            inner,
            "原始邮件"
                | "原始郵件"
                | "Original Message"
                | "Original message"
                | "转发的邮件"
                | "Forwarded message"
        )
}

fn is_header_block(rest: &[&str]) -> bool {
    // An Outlook or Foxmail header block: From/发件人 then, within four lines, Sent/Date/发送时间.
    let first = rest.first().map(|line| line.trim()).unwrap_or_default();
    let first = first.trim_start_matches('*');
    let opens = ["From:", "发件人:", "发件人：", "寄件者:", "寄件者："]
        .iter()
        .any(|prefix| first.starts_with(prefix));
    if !opens {
        return false;
    }
    rest.iter().skip(1).take(4).any(|line| {
        let line = line.trim().trim_start_matches('*');
        [
            "Sent:",
            "Date:",
            "发送时间:",
            "发送时间：",
            "日期:",
            "日期：",
            "時間:",
            "寄件日期:",
        ]
        .iter()
        .any(|prefix| line.starts_with(prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_attribution_and_everything_after_it_is_removed() {
        let text = "路灯还是不亮。\n\nOn Tue, 3 Dec 2026 at 10:00, 12345 <ack@example.org> wrote:\n> 您的诉求已收到\n";
        let trimmed = trim_quoted(text);
        assert_eq!(trimmed.text, "路灯还是不亮。");
        assert!(trimmed.trimmed);
    }

    #[test]
    fn wrapped_english_attribution_is_recognized() {
        let text = "谢谢\nOn Tue, 3 Dec 2026 at 10:00, Zhang San\n<z@example.org> wrote:\n> old";
        assert_eq!(trim_quoted(text).text, "谢谢");
    }

    #[test]
    fn chinese_attribution_is_removed() {
        let text =
            "问题仍未解决\r\n\r\n在 2026年12月3日 10:00，县长信箱 写道：\r\n> 您的诉求已收到\r\n";
        assert_eq!(trim_quoted(text).text, "问题仍未解决");
    }

    #[test]
    fn outlook_original_message_block_is_removed() {
        let text = "补充一张照片。\n\n-----原始邮件-----\n发件人: 县长信箱\n发送时间: 2026年12月3日\n主题: 您的诉求已收到";
        assert_eq!(trim_quoted(text).text, "补充一张照片。");
    }

    #[test]
    fn outlook_header_block_without_separator_is_removed() {
        let text = "See below.\n\nFrom: Hotline <ack@example.org>\nSent: Tuesday, December 3, 2026\nTo: me\nSubject: x\n\nold text";
        assert_eq!(trim_quoted(text).text, "See below.");
    }

    #[test]
    fn interleaved_quotes_drop_only_the_quoted_lines() {
        let text = "> 第一条\n我的回答一\n> 第二条\n我的回答二";
        assert_eq!(trim_quoted(text).text, "我的回答一\n我的回答二");
    }

    #[test]
    fn text_without_quotes_is_unchanged() {
        let text = "From now on the street light is broken.\n楼下噪音";
        let trimmed = trim_quoted(text);
        assert_eq!(trimmed.text, text);
        assert!(!trimmed.trimmed);
    }
}
