//! The Markdown format a department clerk writes by hand.
//!
//! ```text
//! # 县人力资源和社会保障局 知识库          (text before the first `##` is ignored)
//!
//! ## 灵活就业人员怎样参加职工养老保险？    (the question)
//!
//! - id: hrss-0001                         (required: letters, digits, - _ .)
//! - owner: human-resources-social-security (required: the unit id of units.toml)
//! - topic: 劳动和社会保障 / 城镇职工社会保险  (levels separated by /)
//! - source: 《中华人民共和国社会保险法》
//! - valid_from: 2026-01-01                (required, YYYY-MM-DD)
//! - review_by: 2027-06-30                 (required, YYYY-MM-DD)
//! - phrasing: 个体户怎么交养老保险          (as many as wanted)
//!
//! 携带身份证到县社保中心窗口……               (the answer: every line up to the next ##)
//! ```
//!
//! The `- key: value` lines come right after the heading (blank lines between are fine);
//! a key is lower-case ASCII. The first other line starts the answer, so an answer may hold
//! its own lists, as long as their items do not begin with an ASCII word and a colon.

use std::path::Path;

use super::{ImportedEntry, RawFields, check_unique};
use crate::error::{ImportError, ImportProblem};

/// Parses a Markdown knowledge file; `file` only names it in errors.
pub fn parse(file: &Path, text: &str) -> Result<Vec<ImportedEntry>, ImportError> {
    let error = |line: usize, problem: ImportProblem| ImportError {
        file: file.to_path_buf(),
        line,
        problem,
    };
    let mut entries = Vec::new();
    let mut current: Option<Pending> = None;

    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim_end();

        // A `## ` heading closes the entry before and opens the next.
        let heading = if line == "##" {
            Some("")
        } else {
            line.strip_prefix("## ")
        };
        if let Some(question) = heading {
            if let Some(pending) = current.take() {
                entries.push(pending.finish().map_err(|p| error(p.0, p.1))?);
            }
            let question = question.trim();
            if question.is_empty() {
                return Err(error(
                    number,
                    ImportProblem::Syntax("the question heading is empty".into()),
                ));
            }
            let fields = RawFields {
                question: Some(question.to_string()),
                ..RawFields::default()
            };
            current = Some(Pending {
                line: number,
                fields,
                answer: Vec::new(),
                in_answer: false,
            });
            continue;
        }

        // Text before the first entry is the file's own preamble.
        let Some(pending) = current.as_mut() else {
            continue;
        };

        // Key lines until the answer starts; then every line is answer text.
        if !pending.in_answer {
            if line.trim().is_empty() {
                continue;
            }
            if let Some((key, value)) = key_line(line) {
                pending
                    .fields
                    .set(key, value.to_string(), number)
                    .map_err(|p| error(number, p))?;
                continue;
            }
            pending.in_answer = true;
        }
        pending.answer.push(line.to_string());
    }
    if let Some(pending) = current.take() {
        entries.push(pending.finish().map_err(|p| error(p.0, p.1))?);
    }
    check_unique(file, &entries)?;
    Ok(entries)
}

/// An entry whose lines are still being read.
struct Pending {
    line: usize,
    fields: RawFields,
    answer: Vec<String>,
    in_answer: bool,
}

impl Pending {
    fn finish(mut self) -> Result<ImportedEntry, (usize, ImportProblem)> {
        while self.answer.last().is_some_and(|l| l.trim().is_empty()) {
            self.answer.pop();
        }
        if !self.answer.is_empty() {
            self.fields.answer = Some(self.answer.join("\n"));
        }
        let line = self.line;
        let entry = self.fields.into_entry(line)?;
        Ok(ImportedEntry { line, entry })
    }
}

/// `- key: value` with a lower-case ASCII key; the colon may be full-width.
fn key_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix("- ")?;
    let (key, value) = rest.split_once(':').or_else(|| rest.split_once('：'))?;
    let key = key.trim();
    let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    is_key.then_some((key, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines_need_an_ascii_key() {
        assert_eq!(key_line("- id: a-1"), Some(("id", "a-1")));
        assert_eq!(
            key_line("- review_by：2027-01-01"),
            Some(("review_by", "2027-01-01"))
        );
        assert_eq!(key_line("- 身份证：原件"), None);
        assert_eq!(key_line("一、材料"), None);
    }
}
