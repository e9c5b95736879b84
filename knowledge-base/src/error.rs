//! Errors at the knowledge base's boundaries: editing, importing files, storage and search.

use std::path::PathBuf;

use chrono::NaiveDate;
use gateway_core::UnitId;

/// Why an entry is not acceptable, whatever file or call it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    /// The id is empty or has characters other than ASCII letters, digits, `-`, `_`, `.`.
    #[error("entry id {0:?} is not valid: use ASCII letters, digits, '-', '_' or '.'")]
    BadId(String),
    /// A required text is empty.
    #[error("the {0} is empty: write it")]
    Empty(&'static str),
    /// The review date comes before the first valid day.
    #[error("review_by {review_by} is before valid_from {valid_from}: review_by must be later")]
    ReviewBeforeValid {
        /// The first valid day.
        valid_from: NaiveDate,
        /// The review date.
        review_by: NaiveDate,
    },
}

/// A problem in a department's import file, with the file and line where it is.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {problem}", file.display())]
pub struct ImportError {
    /// The file that was read.
    pub file: PathBuf,
    /// The 1-based line of the problem (the entry's heading or CSV record when the problem is
    /// about the whole entry).
    pub line: usize,
    /// What is wrong.
    pub problem: ImportProblem,
}

/// What is wrong in an import file.
#[derive(Debug, thiserror::Error)]
pub enum ImportProblem {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Read(#[source] std::io::Error),
    /// A line is where no entry has started, or is not a `- key: value` line.
    #[error("{0}")]
    Syntax(String),
    /// A key or column the format does not know.
    #[error(
        "unknown key {0:?}: the keys are id, owner, topic, source, valid_from, review_by, phrasing"
    )]
    UnknownKey(String),
    /// A key given twice for one entry.
    #[error("key {0:?} is given twice for this entry")]
    DuplicateKey(String),
    /// A required key is missing.
    #[error("key {0:?} is missing for this entry")]
    MissingKey(&'static str),
    /// A date is not written as `YYYY-MM-DD`.
    #[error("{key} {value:?} is not a date: write it as YYYY-MM-DD")]
    BadDate {
        /// The key.
        key: &'static str,
        /// The text found.
        value: String,
    },
    /// The CSV could not be parsed.
    #[error("csv: {0}")]
    Csv(String),
    /// The entry is complete but not valid.
    #[error(transparent)]
    Entry(#[from] EntryProblem),
    /// Two entries of the file have one id.
    #[error("entry id {id:?} is used again here; it was first used at line {first_line}")]
    DuplicateId {
        /// The id.
        id: String,
        /// Where it was used first.
        first_line: usize,
    },
}

/// An error of the knowledge base.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// A unit tried to change an entry another unit owns, or to create one in another unit's
    /// name.
    #[error(
        "unit {actor} may not change entry {entry_id}: it belongs to {owner}; ask that unit to change it"
    )]
    NotOwner {
        /// Who tried.
        actor: UnitId,
        /// The entry.
        entry_id: String,
        /// Its owner.
        owner: UnitId,
    },
    /// No entry has the id.
    #[error("no entry has id {0:?}")]
    NoSuchEntry(String),
    /// The entry is not valid.
    #[error("entry {id:?} is not valid: {problem}")]
    Invalid {
        /// The entry's id as given.
        id: String,
        /// What is wrong.
        problem: EntryProblem,
    },
    /// An import file is wrong.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The directory or a file in it could not be read or written.
    #[error("knowledge base storage at {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// A line of the history file is damaged.
    #[error(
        "history {}:{line} is damaged ({reason}); restore the file from a backup",
        path.display()
    )]
    CorruptHistory {
        /// The history file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What failed.
        reason: String,
    },
    /// The search index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}
