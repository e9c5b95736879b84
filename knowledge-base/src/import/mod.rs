//! Import of entries from the files departments write: Markdown ([`markdown`]) and CSV
//! ([`csv`]). Both give entries with the line each starts on, or the first error at
//! `file:line`. What an import may change is decided by the knowledge base, not here.

pub mod csv;
pub mod markdown;

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use gateway_core::UnitId;

use crate::entry::Entry;
use crate::error::{ImportError, ImportProblem};

/// An entry read from a file, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedEntry {
    /// The 1-based line of the entry's heading (Markdown) or record (CSV).
    pub line: usize,
    /// The entry.
    pub entry: Entry,
}

/// Reads a `.md` or `.csv` file by its extension.
pub fn read_file(path: &Path) -> Result<Vec<ImportedEntry>, ImportError> {
    let is_csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let text = std::fs::read_to_string(path).map_err(|source| ImportError {
        file: path.to_path_buf(),
        line: 0,
        problem: ImportProblem::Read(source),
    })?;
    if is_csv {
        csv::parse(path, &text)
    } else {
        markdown::parse(path, &text)
    }
}

/// The fields of one entry as written, before they are checked.
#[derive(Debug, Default)]
struct RawFields {
    id: Option<String>,
    owner: Option<String>,
    question: Option<String>,
    answer: Option<String>,
    topic: Option<String>,
    source: Option<String>,
    valid_from: Option<String>,
    review_by: Option<String>,
    phrasings: Vec<String>,
    /// The line each key was written on, for errors about one value.
    key_lines: Vec<(String, usize)>,
}

impl RawFields {
    /// Sets a single-valued key; `Err` when the key is unknown or given twice.
    fn set(&mut self, key: &str, value: String, line: usize) -> Result<(), ImportProblem> {
        self.key_lines.push((key.to_string(), line));
        let slot = match key {
            "id" => &mut self.id,
            "owner" => &mut self.owner,
            "question" => &mut self.question,
            "answer" => &mut self.answer,
            "topic" => &mut self.topic,
            "source" => &mut self.source,
            "valid_from" => &mut self.valid_from,
            "review_by" => &mut self.review_by,
            "phrasing" => {
                self.phrasings.push(value);
                return Ok(());
            }
            "phrasings" => {
                self.phrasings.extend(split_list(&value, '|'));
                return Ok(());
            }
            other => return Err(ImportProblem::UnknownKey(other.to_string())),
        };
        if slot.is_some() {
            return Err(ImportProblem::DuplicateKey(key.to_string()));
        }
        *slot = Some(value);
        Ok(())
    }

    /// The line a problem belongs on: a bad value's own line, else the entry's `line`.
    fn line_of(&self, problem: &ImportProblem, line: usize) -> usize {
        match problem {
            ImportProblem::BadDate { key, .. } => self
                .key_lines
                .iter()
                .find(|(k, _)| k == key)
                .map_or(line, |(_, l)| *l),
            _ => line,
        }
    }

    /// Builds and checks the entry; `Err` carries the line the problem belongs on.
    fn into_entry(self, line: usize) -> Result<Entry, (usize, ImportProblem)> {
        let lines = RawFields {
            key_lines: self.key_lines.clone(),
            ..RawFields::default()
        };
        self.build()
            .map_err(|problem| (lines.line_of(&problem, line), problem))
    }

    fn build(self) -> Result<Entry, ImportProblem> {
        let required = |value: Option<String>, key: &'static str| {
            value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .ok_or(ImportProblem::MissingKey(key))
        };
        let entry = Entry {
            id: required(self.id, "id")?,
            owner: UnitId::new(required(self.owner, "owner")?),
            question: required(self.question, "question")?,
            answer: required(self.answer, "answer")?,
            topic: self.topic.map(|t| split_list(&t, '/')).unwrap_or_default(),
            source: self.source.unwrap_or_default().trim().to_string(),
            valid_from: date("valid_from", required(self.valid_from, "valid_from")?)?,
            review_by: date("review_by", required(self.review_by, "review_by")?)?,
            phrasings: self
                .phrasings
                .into_iter()
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        };
        entry.validate()?;
        Ok(entry)
    }
}

fn split_list(text: &str, separator: char) -> Vec<String> {
    text.split(separator)
        .map(|part| part.trim().to_string())
        .filter(|part| !part.is_empty())
        .collect()
}

fn date(key: &'static str, value: String) -> Result<NaiveDate, ImportProblem> {
    NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| ImportProblem::BadDate { key, value })
}

/// Refuses a second use of an id within one file.
fn check_unique(file: &Path, entries: &[ImportedEntry]) -> Result<(), ImportError> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for imported in entries {
        if let Some(&first_line) = first.get(imported.entry.id.as_str()) {
            return Err(ImportError {
                file: file.to_path_buf(),
                line: imported.line,
                problem: ImportProblem::DuplicateId {
                    id: imported.entry.id.clone(),
                    first_line,
                },
            });
        }
        first.insert(&imported.entry.id, imported.line);
    }
    Ok(())
}
