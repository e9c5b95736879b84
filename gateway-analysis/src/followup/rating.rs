//! Reading a citizen's rating reply (回访评价) as sent by SMS, WeChat or email.
//!
//! The reading policy, in order:
//!
//! 1. A quoted survey (an email reply that keeps the original below a marker such as
//!    `-----原始邮件-----`, `在 … 写道：`, or lines starting with `>`) is cut off, so the words
//!    of the survey itself ("1 满意，3 不满意") are never read as the answer.
//! 2. The text is folded: full-width digits to ASCII, traditional to simplified characters.
//! 3. Rating phrases are found longest first, so `基本满意` is one phrase and not `满意`, and
//!    `不是很满意` is not read as `很满意`.
//! 4. Any dissatisfied phrase wins: a citizen who writes "满意，但问题没解决" still has a
//!    matter open and the case should go back. Otherwise a partly satisfied phrase wins over a
//!    satisfied one.
//! 5. A lone option number (`1`, `２`, `回复3`) is read by the survey's choices. When a number
//!    and the words disagree ("1 不满意"), the reply is [`Rating::Unclear`] and is asked again.
//!
//! Negations: `不满意`, `不太满意`, `不是很满意`, `不怎么满意` and `不算满意` are all read as
//! dissatisfied. In the hotline's practice a citizen who hedges ("not very satisfied") is
//! asking for more, and counting it as partly satisfied would hide that from the unit's
//! rate. `不是不满意` (a double negation) reads as partly satisfied.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::fold;

/// The citizen's rating of a resolved case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意.
    Satisfied,
    /// 基本满意.
    PartlySatisfied,
    /// 不满意: may reopen the case.
    Dissatisfied,
    /// The reply could not be read as a rating.
    Unclear,
}

impl Rating {
    /// The rating's name as written in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::PartlySatisfied => "partly_satisfied",
            Rating::Dissatisfied => "dissatisfied",
            Rating::Unclear => "unclear",
        }
    }

    /// The Chinese name units and citizens read.
    pub fn chinese(self) -> &'static str {
        match self {
            Rating::Satisfied => "满意",
            Rating::PartlySatisfied => "基本满意",
            Rating::Dissatisfied => "不满意",
            Rating::Unclear => "无法识别",
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One numbered option of a survey: the citizen replies `key` to mean `rating`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyChoice {
    /// What the citizen types, e.g. `1`. Compared after folding full-width digits.
    pub key: String,
    /// What it means.
    pub rating: Rating,
}

/// What a reply was read as, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyReading {
    /// The rating.
    pub rating: Rating,
    /// The phrases and option numbers that decided, as folded.
    pub evidence: Vec<String>,
}

/// Rating phrases. Longer phrases are tried first at each position.
// Limitation: a fixed phrase list; irony beyond the few scornful phrases listed, dialect
// words and long free-text complaints without a rating word read as unclear or, worse, by
// the one rating word they contain.
const PHRASES: &[(&str, Rating)] = &[
    // Dissatisfied, including hedged negations.
    ("不满意", Rating::Dissatisfied),
    ("不太满意", Rating::Dissatisfied),
    ("不是很满意", Rating::Dissatisfied),
    ("不是太满意", Rating::Dissatisfied),
    ("不怎么满意", Rating::Dissatisfied),
    ("不算满意", Rating::Dissatisfied),
    ("不大满意", Rating::Dissatisfied),
    ("很不满意", Rating::Dissatisfied),
    ("非常不满意", Rating::Dissatisfied),
    ("没解决", Rating::Dissatisfied),
    ("没有解决", Rating::Dissatisfied),
    ("未解决", Rating::Dissatisfied),
    ("不解决", Rating::Dissatisfied),
    ("没处理", Rating::Dissatisfied),
    ("没有处理", Rating::Dissatisfied),
    ("没人管", Rating::Dissatisfied),
    ("敷衍", Rating::Dissatisfied),
    ("太差", Rating::Dissatisfied),
    ("很差", Rating::Dissatisfied),
    ("差评", Rating::Dissatisfied),
    ("不认可", Rating::Dissatisfied),
    ("不同意", Rating::Dissatisfied),
    // Scorn that contains the word for satisfied.
    ("满意个屁", Rating::Dissatisfied),
    ("满意什么", Rating::Dissatisfied),
    ("怎么可能满意", Rating::Dissatisfied),
    ("能满意吗", Rating::Dissatisfied),
    ("谈何满意", Rating::Dissatisfied),
    // Partly satisfied.
    ("不是不满意", Rating::PartlySatisfied),
    ("基本满意", Rating::PartlySatisfied),
    ("比较满意", Rating::PartlySatisfied),
    ("还算满意", Rating::PartlySatisfied),
    ("一般", Rating::PartlySatisfied),
    ("还行", Rating::PartlySatisfied),
    ("还可以", Rating::PartlySatisfied),
    ("凑合", Rating::PartlySatisfied),
    ("马马虎虎", Rating::PartlySatisfied),
    ("部分解决", Rating::PartlySatisfied),
    ("基本解决", Rating::PartlySatisfied),
    // Satisfied.
    ("满意", Rating::Satisfied),
    ("很满意", Rating::Satisfied),
    ("非常满意", Rating::Satisfied),
    ("十分满意", Rating::Satisfied),
    ("挺满意", Rating::Satisfied),
    ("已解决", Rating::Satisfied),
    ("解决了", Rating::Satisfied),
    ("处理好了", Rating::Satisfied),
    ("好评", Rating::Satisfied),
];

/// Words a citizen puts around an option number (`回复1`, `我选2`), dropped before the
/// number is read.
const NUMBER_FILLERS: &[&str] = &["我选择", "我选", "选择", "选", "回复", "答"];

/// Reads rating replies by one survey's numbered choices.
#[derive(Debug, Clone)]
pub struct ReplyParser {
    choices: Vec<SurveyChoice>,
    phrases: Vec<(&'static str, Rating)>,
}

impl ReplyParser {
    /// A parser for a survey with these numbered choices.
    pub fn new(choices: Vec<SurveyChoice>) -> Self {
        let choices = choices
            .into_iter()
            .map(|c| SurveyChoice {
                key: fold(c.key.trim()),
                rating: c.rating,
            })
            .collect();
        let mut phrases = PHRASES.to_vec();
        phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.chars().count()));
        Self { choices, phrases }
    }

    /// Reads one reply.
    pub fn read(&self, reply: &str) -> ReplyReading {
        // Read only what the citizen wrote, not the survey quoted below it.
        let own = strip_quoted(reply);
        let folded = fold(&own);
        let compact: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();

        // Phrases, longest first at each position.
        let mut found = Vec::new();
        let mut i = 0;
        while i < compact.len() {
            let rest = &compact[i..];
            match self.phrases.iter().find(|(p, _)| rest.starts_with(p)) {
                Some((phrase, rating)) => {
                    found.push((phrase.to_string(), *rating));
                    i += phrase.len();
                }
                None => i += rest.chars().next().map_or(1, char::len_utf8),
            }
        }
        let by_words = [
            Rating::Dissatisfied,
            Rating::PartlySatisfied,
            Rating::Satisfied,
        ]
        .into_iter()
        .find(|r| found.iter().any(|(_, f)| f == r));

        // A lone option number.
        let by_number = self.option_number(&folded);

        let evidence: Vec<String> = found
            .iter()
            .map(|(p, _)| p.clone())
            .chain(by_number.as_ref().map(|(key, _)| key.clone()))
            .collect();
        let rating = match (by_words, by_number) {
            (Some(words), Some((_, number))) if words != number => Rating::Unclear,
            (Some(words), _) => words,
            (None, Some((_, number))) => number,
            (None, None) => Rating::Unclear,
        };
        ReplyReading { rating, evidence }
    }

    /// The survey choice a reply names by its number: a run of one or two digits that is
    /// not part of a longer number (a case or phone number) nor followed by a measure or
    /// address word (`3号楼`, `2天`), if exactly one such choice is named.
    fn option_number(&self, folded: &str) -> Option<(String, Rating)> {
        const NOT_AN_OPTION_AFTER: &str = "号楼栋幢单元室组天日月年个次元块层点分岁";
        let mut text = folded.to_string();
        for filler in NUMBER_FILLERS {
            text = text.replace(filler, " ");
        }
        let chars: Vec<char> = text.chars().collect();
        let mut keys: Vec<String> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let measured = next.is_some_and(|c| NOT_AN_OPTION_AFTER.contains(*c));
            let run: String = chars[start..i].iter().collect();
            if run.len() <= 2 && !measured && !keys.contains(&run) {
                keys.push(run);
            }
        }
        let named: Vec<&SurveyChoice> = self
            .choices
            .iter()
            .filter(|choice| keys.contains(&choice.key))
            .collect();
        match named.as_slice() {
            [one] => Some((one.key.clone(), one.rating)),
            _ => None,
        }
    }
}

/// The part of a reply above any quoted original.
fn strip_quoted(reply: &str) -> String {
    const MARKERS: &[&str] = &[
        "-----原始邮件-----",
        "------------------ 原始邮件",
        "-----original message-----",
        "原始邮件",
        "发件人:",
        "发件人：",
        "from:",
    ];
    let mut kept = Vec::new();
    for line in reply.lines() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        let quotes_original = MARKERS.iter().any(|m| lower.starts_with(m))
            || (trimmed.starts_with('在')
                && (trimmed.ends_with("写道：") || trimmed.ends_with("写道:")))
            || (lower.starts_with("on ") && lower.ends_with("wrote:"));
        if quotes_original {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line);
    }
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_original_is_cut_at_the_marker() {
        let reply = "满意\n\n在 2026年12月3日，12345 写道：\n> 1 满意 3 不满意";
        assert_eq!(strip_quoted(reply).trim(), "满意");
    }
}
