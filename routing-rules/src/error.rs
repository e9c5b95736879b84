//! Errors in rule files, each pointing at `file:line:column`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One mistake in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The file, as named in the include list (relative to the entry file's folder).
    pub file: PathBuf,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// What is wrong, in lower case.
    pub message: String,
    /// What the engine expected there, when it can say.
    pub expected: Option<String>,
    /// How to fix it, when it can say.
    pub hint: Option<String>,
}

impl RuleError {
    /// An error at a byte range of `text`, the content of `file`.
    pub fn at(
        file: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = span.map(|s| line_column(text, s.start)).unwrap_or((1, 1));
        Self {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            expected: None,
            hint: None,
        }
    }

    /// Adds what was expected.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(expected) = &self.expected {
            write!(f, "\n  expected: {expected}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every mistake found in a rule set. A set with any mistake does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleErrors(pub Vec<RuleError>);

impl RuleErrors {
    /// The errors.
    pub fn iter(&self) -> impl Iterator<Item = &RuleError> {
        self.0.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleErrors {}

/// Line and column (both from 1, column in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\n名字 = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        let offset = text.find('=').unwrap();
        assert_eq!(line_column(text, offset), (1, 3));
        let second = text.find("= \"x").unwrap();
        assert_eq!(line_column(text, second), (2, 4));
    }

    #[test]
    fn display_names_file_line_and_column() {
        let error = RuleError::at(
            Path::new("topics.toml"),
            "x\ny",
            Some(2..3),
            "unknown key `kewords`",
        )
        .expected("one of `keywords`, `exclude`")
        .hint("check the spelling");
        assert_eq!(
            error.to_string(),
            "topics.toml:2:1: error: unknown key `kewords`\n  expected: one of `keywords`, `exclude`\n  hint: check the spelling"
        );
    }
}
