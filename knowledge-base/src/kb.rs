//! The knowledge base itself: entries owned by units, their history, and search over them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use gateway_core::UnitId;
use serde::Serialize;

use crate::entry::{Entry, Freshness};
use crate::error::KbError;
use crate::history::{Action, Change, HistoryLog};
use crate::import;
use crate::index::{Hit, SearchIndex, SearchWeights};

const HISTORY_FILE: &str = "history.jsonl";
const INDEX_DIR: &str = "index";

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// A new entry.
    Created,
    /// These fields changed.
    Updated {
        /// The names of the changed fields.
        fields: Vec<String>,
    },
    /// The entry was already so; nothing was written.
    Unchanged,
}

/// An entry that must not be given as a direct answer today, for the owner's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleEntry {
    /// The entry's id.
    pub entry_id: String,
    /// Its question.
    pub question: String,
    /// Why it is not fresh.
    pub freshness: Freshness,
    /// Its first valid day.
    pub valid_from: NaiveDate,
    /// Its review date.
    pub review_by: NaiveDate,
}

/// The knowledge base (知识库), kept in a directory: `history.jsonl`, the append-only record
/// of every change, from which the entries are rebuilt on opening, and `index/`, the tantivy
/// index, rebuilt from the entries whenever it does not hold the last change.
///
/// Writes take `&mut self`; a server shares it behind a `RwLock` so that searches run side by
/// side. Only one process may open a directory at a time (tantivy's writer lock refuses a
/// second).
pub struct KnowledgeBase {
    dir: PathBuf,
    log: HistoryLog,
    changes: Vec<Change>,
    entries: BTreeMap<String, Entry>,
    /// The unit each id ever used belongs to, retired entries included: an id stays with its
    /// unit, so another unit can neither take a retired id nor read its history as its own.
    owners: BTreeMap<String, UnitId>,
    index: SearchIndex,
}

impl KnowledgeBase {
    /// Opens the knowledge base in `dir` (created when absent) with the default weights.
    pub fn open(dir: impl AsRef<Path>) -> Result<KnowledgeBase, KbError> {
        Self::open_with(dir, SearchWeights::default())
    }

    /// Opens the knowledge base in `dir` with the given search weights.
    pub fn open_with(
        dir: impl AsRef<Path>,
        weights: SearchWeights,
    ) -> Result<KnowledgeBase, KbError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| KbError::Io {
            path: dir.clone(),
            source,
        })?;

        // The entries are what the history says.
        let (log, changes) = HistoryLog::open(&dir.join(HISTORY_FILE))?;
        let mut entries = BTreeMap::new();
        let mut owners = BTreeMap::new();
        for change in &changes {
            match &change.entry {
                Some(entry) => {
                    owners
                        .entry(change.entry_id.clone())
                        .or_insert_with(|| entry.owner.clone());
                    entries.insert(change.entry_id.clone(), entry.clone())
                }
                None => entries.remove(&change.entry_id),
            };
        }

        // The index follows; when it lags (a crash between history and commit), rebuild it.
        let mut index = SearchIndex::open(&dir.join(INDEX_DIR), weights)?;
        let last = changes.last().map_or(0, |c| c.seq);
        if index.applied_seq()? != last || index.len() != entries.len() as u64 {
            tracing::warn!(
                applied = index.applied_seq()?,
                last,
                "search index behind the history; rebuilding it"
            );
            index.rebuild(entries.values(), last)?;
        }
        tracing::info!(
            entries = entries.len(),
            changes = changes.len(),
            "knowledge base opened"
        );
        Ok(KnowledgeBase {
            dir,
            log,
            changes,
            entries,
            owners,
            index,
        })
    }

    /// The directory the knowledge base lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds or changes one entry in the name of `actor`, which must own it.
    pub fn upsert(&mut self, actor: &UnitId, entry: Entry) -> Result<Outcome, KbError> {
        let mut outcomes = self.upsert_many(actor, vec![entry])?;
        Ok(outcomes.pop().unwrap_or(Outcome::Unchanged))
    }

    /// Adds or changes entries in the name of `actor`, all or none: every entry is checked
    /// (valid, owned by `actor`, its id not already used by another unit, even for an entry
    /// since retired) before anything is written.
    pub fn upsert_many(
        &mut self,
        actor: &UnitId,
        entries: Vec<Entry>,
    ) -> Result<Vec<Outcome>, KbError> {
        // Check everything first.
        let mut outcomes = Vec::with_capacity(entries.len());
        for entry in &entries {
            entry.validate().map_err(|problem| KbError::Invalid {
                id: entry.id.clone(),
                problem,
            })?;
            let current = self.entries.get(&entry.id);
            let owner = current
                .map(|c| &c.owner)
                .or_else(|| self.owners.get(&entry.id))
                .unwrap_or(&entry.owner);
            if owner != actor || &entry.owner != actor {
                return Err(KbError::NotOwner {
                    actor: actor.clone(),
                    entry_id: entry.id.clone(),
                    owner: if owner != actor {
                        owner.clone()
                    } else {
                        entry.owner.clone()
                    },
                });
            }
            outcomes.push(match current {
                None => Outcome::Created,
                Some(current) => {
                    let fields = current.changed_fields(entry);
                    if fields.is_empty() {
                        Outcome::Unchanged
                    } else {
                        Outcome::Updated {
                            fields: fields.into_iter().map(String::from).collect(),
                        }
                    }
                }
            });
        }

        // Record the changes, then apply them.
        let now = Utc::now();
        let mut changes = Vec::new();
        let mut written = Vec::new();
        for (entry, outcome) in entries.into_iter().zip(&outcomes) {
            let (action, fields) = match outcome {
                Outcome::Unchanged => continue,
                Outcome::Created => (
                    Action::Created,
                    ALL_FIELDS.iter().map(|f| f.to_string()).collect(),
                ),
                Outcome::Updated { fields } => (Action::Updated, fields.clone()),
            };
            changes.push(Change {
                seq: self.changes.len() as u64 + changes.len() as u64 + 1,
                at: now,
                actor: actor.clone(),
                entry_id: entry.id.clone(),
                action,
                fields,
                entry: Some(entry.clone()),
            });
            written.push(entry);
        }
        self.commit(changes, written, Vec::new())?;
        Ok(outcomes)
    }

    /// Withdraws an entry in the name of `actor`, which must own it.
    pub fn retire(&mut self, actor: &UnitId, entry_id: &str) -> Result<(), KbError> {
        let current = self
            .entries
            .get(entry_id)
            .ok_or_else(|| KbError::NoSuchEntry(entry_id.to_string()))?;
        if &current.owner != actor {
            return Err(KbError::NotOwner {
                actor: actor.clone(),
                entry_id: entry_id.to_string(),
                owner: current.owner.clone(),
            });
        }
        let change = Change {
            seq: self.changes.len() as u64 + 1,
            at: Utc::now(),
            actor: actor.clone(),
            entry_id: entry_id.to_string(),
            action: Action::Retired,
            fields: Vec::new(),
            entry: None,
        };
        self.commit(vec![change], Vec::new(), vec![entry_id.to_string()])
    }

    /// Reads a department's `.md` or `.csv` file and upserts its entries in the name of
    /// `actor`, all or none.
    pub fn import_file(&mut self, actor: &UnitId, path: &Path) -> Result<Vec<Outcome>, KbError> {
        let imported = import::read_file(path)?;
        self.upsert_many(actor, imported.into_iter().map(|i| i.entry).collect())
    }

    fn commit(
        &mut self,
        changes: Vec<Change>,
        written: Vec<Entry>,
        retired: Vec<String>,
    ) -> Result<(), KbError> {
        if changes.is_empty() {
            return Ok(());
        }
        let seq = changes.last().map_or(0, |c| c.seq);

        // Durable history first: if the index commit fails, the next open rebuilds it.
        self.log.append(&changes)?;
        self.changes.extend(changes);
        for id in &retired {
            self.entries.remove(id);
        }
        let ids: Vec<String> = written.iter().map(|e| e.id.clone()).collect();
        for entry in written {
            self.owners
                .entry(entry.id.clone())
                .or_insert_with(|| entry.owner.clone());
            self.entries.insert(entry.id.clone(), entry);
        }
        let upserts: Vec<&Entry> = ids.iter().filter_map(|id| self.entries.get(id)).collect();
        let retired: Vec<&str> = retired.iter().map(String::as_str).collect();
        self.index.apply(&upserts, &retired, seq)
    }

    /// The entry with this id.
    pub fn get(&self, entry_id: &str) -> Option<&Entry> {
        self.entries.get(entry_id)
    }

    /// Every entry, by id.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every change ever made, oldest first.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The unit an id belongs to: the owner of its entry, or of its last version once
    /// retired; `None` for an id never used.
    pub fn owner_of(&self, entry_id: &str) -> Option<&UnitId> {
        self.owners.get(entry_id)
    }

    /// The changes to one entry, oldest first.
    pub fn history(&self, entry_id: &str) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|c| c.entry_id == entry_id)
            .collect()
    }

    /// Searches question, phrasings and answer; `topic` (the routing topic, may be empty)
    /// boosts entries of that topic. Scores are normalized (see [`crate::index`]).
    pub fn search(&self, query: &str, topic: &[String], limit: usize) -> Result<Vec<Hit>, KbError> {
        self.index.search(query, topic, limit)
    }

    /// The entries of `unit` that are past review or not yet valid on `today`.
    pub fn stale_entries(&self, unit: &UnitId, today: NaiveDate) -> Vec<StaleEntry> {
        self.entries
            .values()
            .filter(|e| &e.owner == unit)
            .filter_map(|e| stale(e, today))
            .collect()
    }

    /// The stale entries of every unit that has any, for the platform's report.
    pub fn stale_report(&self, today: NaiveDate) -> BTreeMap<UnitId, Vec<StaleEntry>> {
        let mut report: BTreeMap<UnitId, Vec<StaleEntry>> = BTreeMap::new();
        for entry in self.entries.values() {
            if let Some(item) = stale(entry, today) {
                report.entry(entry.owner.clone()).or_default().push(item);
            }
        }
        report
    }
}

fn stale(entry: &Entry, today: NaiveDate) -> Option<StaleEntry> {
    let freshness = entry.freshness(today);
    (freshness != Freshness::Fresh).then(|| StaleEntry {
        entry_id: entry.id.clone(),
        question: entry.question.clone(),
        freshness,
        valid_from: entry.valid_from,
        review_by: entry.review_by,
    })
}

const ALL_FIELDS: [&str; 8] = [
    "question",
    "answer",
    "phrasings",
    "owner",
    "topic",
    "source",
    "valid_from",
    "review_by",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_can_share_it_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<KnowledgeBase>();
    }
}
