//! The CSV format, for units that keep their answers in a spreadsheet.
//!
//! The first row names the columns, in any order: `id`, `owner`, `question`, `answer`,
//! `valid_from`, `review_by` (required) and `topic` (levels separated by `/`), `source`,
//! `phrasings` (separated by `|`). UTF-8, comma-separated, quoted as usual; an answer may
//! span lines inside quotes. Errors name the line the record starts on.

use std::path::Path;

use super::{ImportedEntry, RawFields, check_unique};
use crate::error::{ImportError, ImportProblem};

const COLUMNS: [&str; 9] = [
    "id",
    "owner",
    "question",
    "answer",
    "topic",
    "source",
    "valid_from",
    "review_by",
    "phrasings",
];

/// Parses a CSV knowledge file; `file` only names it in errors.
pub fn parse(file: &Path, text: &str) -> Result<Vec<ImportedEntry>, ImportError> {
    let error = |line: usize, problem: ImportProblem| ImportError {
        file: file.to_path_buf(),
        line,
        problem,
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());

    // The header names known columns, each once.
    let headers = reader
        .headers()
        .map_err(|e| error(1, ImportProblem::Csv(e.to_string())))?
        .clone();
    let mut names = Vec::with_capacity(headers.len());
    for name in headers.iter() {
        let name = name.trim().trim_start_matches('\u{feff}').to_string();
        if !COLUMNS.contains(&name.as_str()) {
            return Err(error(1, ImportProblem::UnknownKey(name)));
        }
        if names.contains(&name) {
            return Err(error(1, ImportProblem::DuplicateKey(name)));
        }
        names.push(name);
    }

    // Each record is one entry; empty cells count as absent.
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            error(line, ImportProblem::Csv(e.to_string()))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut fields = RawFields::default();
        for (name, value) in names.iter().zip(record.iter()) {
            if value.trim().is_empty() {
                continue;
            }
            fields
                .set(name, value.to_string(), line)
                .map_err(|p| error(line, p))?;
        }
        let entry = fields.into_entry(line).map_err(|(l, p)| error(l, p))?;
        entries.push(ImportedEntry { line, entry });
    }
    check_unique(file, &entries)?;
    Ok(entries)
}
