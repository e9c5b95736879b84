//! The append-only history of changes: who changed which entry, when, and what.
//!
//! The history file is the knowledge base's record of truth: the entries are what replaying
//! it gives, and the search index is rebuilt from them whenever it lags behind.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use gateway_core::UnitId;
use serde::{Deserialize, Serialize};

use crate::entry::Entry;
use crate::error::KbError;

/// What a change did to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The entry was added.
    Created,
    /// Fields of the entry changed.
    Updated,
    /// The entry was withdrawn; it is no longer searched.
    Retired,
}

/// One change, as written to the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The change's number, from 1, without gaps.
    pub seq: u64,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The unit that made it.
    pub actor: UnitId,
    /// The entry it is about.
    pub entry_id: String,
    /// What it did.
    pub action: Action,
    /// The fields that changed (all fields for a creation, none for a retirement).
    pub fields: Vec<String>,
    /// The entry after the change; absent when it was retired.
    pub entry: Option<Entry>,
}

/// The history file, opened for appending.
#[derive(Debug)]
pub(crate) struct HistoryLog {
    path: PathBuf,
    file: File,
}

impl HistoryLog {
    /// Opens (or creates) the file and reads every change in it.
    ///
    /// A last line without its newline is what a crash during an append leaves; it is cut
    /// off, since its change was never acknowledged. A damaged line elsewhere is an error.
    pub(crate) fn open(path: &Path) -> Result<(HistoryLog, Vec<Change>), KbError> {
        let io = |source| KbError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut changes = Vec::new();
        let mut good_bytes = 0u64;
        if path.exists() {
            let reader = BufReader::new(File::open(path).map_err(io)?);
            let mut lines = reader.split(b'\n').peekable();
            let total = std::fs::metadata(path).map_err(io)?.len();
            let mut number = 0;
            while let Some(line) = lines.next() {
                number += 1;
                let line = line.map_err(io)?;
                // Complete when a newline follows it in the file.
                let complete = good_bytes + (line.len() as u64) < total;
                let parsed = std::str::from_utf8(&line)
                    .map_err(|e| e.to_string())
                    .and_then(|text| {
                        serde_json::from_str::<Change>(text).map_err(|e| e.to_string())
                    });
                match parsed {
                    Ok(change) if change.seq == changes.len() as u64 + 1 => {
                        changes.push(change);
                        good_bytes += line.len() as u64 + 1;
                    }
                    Ok(change) => {
                        return Err(KbError::CorruptHistory {
                            path: path.to_path_buf(),
                            line: number,
                            reason: format!(
                                "change {} follows change {}",
                                change.seq,
                                changes.len()
                            ),
                        });
                    }
                    Err(_) if !complete && lines.peek().is_none() => {
                        tracing::warn!(line = number, "cutting an unfinished last history line");
                        break;
                    }
                    Err(reason) => {
                        return Err(KbError::CorruptHistory {
                            path: path.to_path_buf(),
                            line: number,
                            reason,
                        });
                    }
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        file.set_len(good_bytes).map_err(io)?;
        Ok((
            HistoryLog {
                path: path.to_path_buf(),
                file,
            },
            changes,
        ))
    }

    /// Appends changes and makes them durable before returning.
    pub(crate) fn append(&mut self, changes: &[Change]) -> Result<(), KbError> {
        let io = |source| KbError::Io {
            path: self.path.clone(),
            source,
        };
        let mut buffer = Vec::new();
        for change in changes {
            serde_json::to_writer(&mut buffer, change).map_err(|e| io(std::io::Error::other(e)))?;
            buffer.push(b'\n');
        }
        self.file.write_all(&buffer).map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}
