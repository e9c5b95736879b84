//! The Chinese tokenizer: jieba's search-mode words, lower-cased, without punctuation and
//! without the function words that every question shares.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy_jieba::JiebaTokenizer;

/// The name the tokenizer is registered under in the index.
pub const TOKENIZER_NAME: &str = "kb_chinese";

/// Words too common in citizens' questions to tell one answer from another.
const STOP_WORDS: &[&str] = &[
    "的",
    "了",
    "是",
    "我",
    "我们",
    "你",
    "您",
    "你们",
    "他",
    "她",
    "它",
    "在",
    "和",
    "与",
    "及",
    "或",
    "有",
    "吗",
    "呢",
    "啊",
    "吧",
    "呀",
    "哪",
    "哪里",
    "什么",
    "怎么",
    "怎样",
    "怎么办",
    "如何",
    "请问",
    "请",
    "一下",
    "这",
    "那",
    "这个",
    "那个",
    "就",
    "都",
    "也",
    "还",
    "要",
    "能",
    "会",
    "可以",
    "是否",
    "为什么",
    "没有",
    "不",
    "对",
    "把",
    "被",
    "从",
    "到",
    "给",
    "让",
    "等",
    "a",
    "the",
];

/// jieba in search mode (long words and the shorter words inside them), filtered.
#[derive(Clone, Default)]
pub struct ChineseTokenizer {
    inner: JiebaTokenizer,
}

impl ChineseTokenizer {
    /// A tokenizer over jieba's built-in dictionary.
    pub fn new() -> Self {
        Self {
            inner: JiebaTokenizer::new(),
        }
    }

    /// The words of `text`, as the index sees them, in order and with repeats.
    pub fn words(&mut self, text: &str) -> Vec<String> {
        let mut stream = self.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() {
            words.push(stream.token().text.clone());
        }
        words
    }
}

fn keep(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric) && !STOP_WORDS.contains(&word)
}

/// The filtered tokens of one text.
pub struct ChineseTokenStream {
    tokens: Vec<Token>,
    next: usize,
    // What `token` shows before the first `advance`, which tantivy never asks for.
    before_start: Token,
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = ChineseTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ChineseTokenStream {
        let mut inner = self.inner.token_stream(text);
        let mut tokens = Vec::new();
        while inner.advance() {
            let token = inner.token();
            let word = token.text.to_lowercase();
            if keep(&word) {
                let mut kept = token.clone();
                kept.text = word;
                kept.position = tokens.len();
                tokens.push(kept);
            }
        }
        ChineseTokenStream {
            tokens,
            next: 0,
            before_start: Token::default(),
        }
    }
}

impl TokenStream for ChineseTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.next.checked_sub(1) {
            Some(index) => &self.tokens[index],
            None => &self.before_start,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(index) => &mut self.tokens[index],
            None => &mut self.before_start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_punctuation_and_function_words() {
        let words = ChineseTokenizer::new().words("请问，怎么办理 居住证？ABC");
        assert!(words.contains(&"办理".to_string()), "{words:?}");
        assert!(words.contains(&"居住证".to_string()), "{words:?}");
        assert!(words.contains(&"abc".to_string()), "{words:?}");
        assert!(
            !words
                .iter()
                .any(|w| w == "，" || w == "？" || w == "请问" || w == " ")
        );
    }
}
