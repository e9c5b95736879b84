//! The knowledge service: the knowledge base behind a lock, opened and imported at start,
//! with every search and write run on the blocking pool, off the async threads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::NaiveDate;
use gateway_core::case::CaseNumber;
use gateway_core::{Appeal, Channel, RoutingDecision, UnitId};
use knowledge_base::{Candidate, DirectAnswer, Entry, KbError, KnowledgeBase, Outcome};
use sha2::Digest as _;

use super::config::KnowledgeConfig;
use super::error::KnowledgeError;
use crate::cases::locks::{CaseGuard, CaseLocks};

/// What the knowledge base says about one appeal.
#[derive(Debug, Clone, PartialEq)]
pub struct Consultation {
    /// The entry to answer with and its score, when the platform may answer directly.
    pub answer: Option<(Entry, f32)>,
    /// The best entries, best first, stale ones marked.
    pub candidates: Vec<Candidate>,
    /// Why it is not answered directly; `None` when it is.
    pub route_reason: Option<&'static str>,
}

/// The knowledge base (知识库) of the daemon. Share it behind an `Arc`.
pub struct KnowledgeService {
    kb: Arc<RwLock<KnowledgeBase>>,
    config: KnowledgeConfig,
    reply_accounts: BTreeSet<String>,
    email_answers: bool,
    replies: CaseLocks,
}

impl std::fmt::Debug for KnowledgeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl KnowledgeService {
    /// Opens the knowledge base in its folder and imports the configured files, on the
    /// blocking pool. `reply_accounts` are the SMS accounts whose webhook answer reaches the
    /// sender (Twilio): only there, and on WeChat, can a direct answer be given.
    pub async fn open(
        config: KnowledgeConfig,
        data_dir: &Path,
        reply_accounts: BTreeSet<String>,
    ) -> Result<Self, KnowledgeError> {
        let dir = config.dir_in(data_dir);
        let import = config.import.clone();
        let kb = tokio::task::spawn_blocking(move || -> Result<KnowledgeBase, KbError> {
            let mut kb = KnowledgeBase::open(&dir)?;
            import_all(&mut kb, &import)?;
            Ok(kb)
        })
        .await
        .map_err(|e| KnowledgeError::Task(e.to_string()))??;
        Ok(Self {
            kb: Arc::new(RwLock::new(kb)),
            config,
            reply_accounts,
            email_answers: false,
            replies: CaseLocks::default(),
        })
    }

    /// Answers consultations that come by email too, with a mail of their own: the daemon
    /// turns this on when it has an outbox to citizens and an SMTP server.
    pub fn with_email_answers(mut self) -> Self {
        self.email_answers = true;
        self
    }

    /// Waits until no other "did not help" reply to the case is being read, so that two
    /// deliveries of the same reply never both act on it.
    pub async fn lock_replies(&self, case_number: &CaseNumber) -> CaseGuard {
        self.replies.lock(case_number).await
    }

    /// The section in force.
    pub fn config(&self) -> &KnowledgeConfig {
        &self.config
    }

    /// Runs `read` on the blocking pool with the knowledge base shared.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&KnowledgeBase) -> T + Send + 'static,
    ) -> Result<T, KnowledgeError> {
        let kb = Arc::clone(&self.kb);
        tokio::task::spawn_blocking(move || {
            let kb = kb.read().unwrap_or_else(PoisonError::into_inner);
            read(&kb)
        })
        .await
        .map_err(|e| KnowledgeError::Task(e.to_string()))
    }

    /// Runs `write` on the blocking pool with the knowledge base held alone.
    pub async fn write<T: Send + 'static>(
        &self,
        write: impl FnOnce(&mut KnowledgeBase) -> T + Send + 'static,
    ) -> Result<T, KnowledgeError> {
        let kb = Arc::clone(&self.kb);
        tokio::task::spawn_blocking(move || {
            let mut kb = kb.write().unwrap_or_else(PoisonError::into_inner);
            write(&mut kb)
        })
        .await
        .map_err(|e| KnowledgeError::Task(e.to_string()))
    }

    /// The number of stale entries (past review or not yet valid on `today`) per unit that
    /// has any, for the reports.
    pub fn stale_counts(&self, today: NaiveDate) -> BTreeMap<UnitId, usize> {
        let kb = self.kb.read().unwrap_or_else(PoisonError::into_inner);
        kb.stale_report(today)
            .into_iter()
            .map(|(unit, entries)| (unit, entries.len()))
            .collect()
    }

    /// Whether the answer reaches the citizen on the channel the appeal came by: WeChat's
    /// passive reply, the TwiML of a Twilio SMS account, and a reply mail when email
    /// answers are on.
    // Limitation: Alibaba and Tencent SMS accounts and the web form get no direct answer,
    // because their webhook answers carry no text to the citizen; their consultations are
    // routed with candidates.
    pub fn replies_on(&self, appeal: &Appeal) -> bool {
        match appeal.channel {
            Channel::Wechat => true,
            Channel::Email => self.email_answers && appeal.citizen.email.is_some(),
            Channel::Sms => appeal
                .channel_message_id
                .split_once(':')
                .is_some_and(|(account, _)| self.reply_accounts.contains(account)),
            _ => false,
        }
    }

    /// Asks the knowledge base about an appeal as routing decided it, on the day `today`:
    /// a direct answer when the channel carries one and the best fresh entry clears the
    /// threshold, and the best entries in every case.
    pub async fn consult(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        today: NaiveDate,
    ) -> Result<Consultation, KnowledgeError> {
        let replies = self.replies_on(appeal);
        let direct = self.config.direct.clone();
        let appeal = appeal.clone();
        let decision = decision.clone();
        self.read(move |kb| -> Result<Consultation, KbError> {
            let decided = kb.direct_answer_for(&appeal, &decision, &direct, today)?;
            let (answer, candidates, reason) = match decided {
                DirectAnswer::Answer { entry, score } => {
                    let candidates =
                        candidates_of(kb, &appeal, &decision, direct.candidate_count, today)?;
                    if replies {
                        (Some((entry, score)), candidates, None)
                    } else {
                        (None, candidates, Some("channel_without_reply"))
                    }
                }
                DirectAnswer::Route { candidates, reason } => {
                    let reason = match reason {
                        knowledge_base::RouteReason::NotConsultation => "not_consultation",
                        knowledge_base::RouteReason::NoMatch => "no_match",
                        knowledge_base::RouteReason::OnlyStale => "only_stale",
                        knowledge_base::RouteReason::BelowThreshold { .. } => "below_threshold",
                    };
                    (None, candidates, Some(reason))
                }
            };
            Ok(Consultation {
                answer,
                candidates,
                route_reason: reason,
            })
        })
        .await?
        .map_err(KnowledgeError::from)
    }
}

/// The best entries for an appeal, as a routed case gets them.
fn candidates_of(
    kb: &KnowledgeBase,
    appeal: &Appeal,
    decision: &RoutingDecision,
    count: usize,
    today: NaiveDate,
) -> Result<Vec<Candidate>, KbError> {
    let hits = kb.search(&appeal.text_for_routing(), &decision.topic, count)?;
    Ok(hits
        .iter()
        .filter_map(|hit| {
            kb.get(&hit.entry_id).map(|entry| Candidate {
                entry_id: entry.id.clone(),
                question: entry.question.clone(),
                owner: entry.owner.clone(),
                score: hit.score,
                freshness: entry.freshness(today),
            })
        })
        .collect())
}

/// The file in the knowledge base's folder that remembers each imported file's SHA-256.
const IMPORTED_FILE: &str = "imported.json";

/// Imports every configured file, or every `.md` and `.csv` file of a configured folder, in
/// the name of the unit its stem names. A file whose content is as at the last import is
/// skipped, so an entry a unit changed over the API keeps its change until the department
/// changes the file; importing a file again changes only the entries that differ. A file
/// that cannot be read or imported is logged and left out; a folder that cannot be listed
/// is an error.
fn import_all(kb: &mut KnowledgeBase, paths: &[PathBuf]) -> Result<(), KbError> {
    let record = kb.dir().join(IMPORTED_FILE);
    let mut imported: BTreeMap<String, String> = std::fs::read(&record)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let (mut created, mut updated, mut unchanged, mut skipped, mut failed) = (0, 0, 0, 0, 0);
    for file in files_of(paths)? {
        let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let key = file.display().to_string();
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::error!(file = %key, %error, "a knowledge file could not be read; it is left out until the next start");
                failed += 1;
                continue;
            }
        };
        let hash = hex::encode(sha2::Sha256::digest(&bytes));
        if imported.get(&key) == Some(&hash) {
            skipped += 1;
            continue;
        }
        // One department's bad line, or an id another unit already owns, must not keep the
        // hotline from starting: the file is left out, its entries stay as they were, and
        // it is read again at the next start.
        // Limitation: the problem shows only in the log and the `files_failed` count.
        let outcomes = match kb.import_file(&UnitId::new(stem), &file) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                tracing::error!(file = %key, %error, "a knowledge file was not imported; its entries stay as they were");
                failed += 1;
                continue;
            }
        };
        for outcome in outcomes {
            match outcome {
                Outcome::Created => created += 1,
                Outcome::Updated { .. } => updated += 1,
                Outcome::Unchanged => unchanged += 1,
            }
        }
        imported.insert(key, hash);
    }
    // Written beside and renamed over the old record, so a stop mid-write leaves the old
    // record whole rather than a torn one (which would import every file again).
    let text = serde_json::to_vec_pretty(&imported).unwrap_or_default();
    let fresh = record.with_extension("json.new");
    std::fs::write(&fresh, text)
        .and_then(|()| std::fs::rename(&fresh, &record))
        .map_err(|source| KbError::Io {
            path: record.clone(),
            source,
        })?;
    tracing::info!(
        created,
        updated,
        unchanged,
        files_unchanged = skipped,
        files_failed = failed,
        entries = kb.len(),
        "knowledge base imported"
    );
    Ok(())
}

/// The files to import, folders expanded to their `.md` and `.csv` files in name order.
fn files_of(paths: &[PathBuf]) -> Result<Vec<PathBuf>, KbError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KbError::Io { path, source }
    };
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        for item in std::fs::read_dir(path).map_err(io(path))? {
            let file = item.map_err(io(path))?.path();
            let wanted = file
                .extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| {
                    ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("csv")
                });
            if wanted && file.is_file() {
                found.push(file);
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRIES: &str = "## 社保卡丢了怎么补办

- id: hrss-card
- owner: human-resources-social-security
- valid_from: 2026-01-01
- review_by: 2026-06-30

带身份证到县社保中心补办。
";

    async fn service(dir: &Path) -> KnowledgeService {
        let files = dir.join("files");
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("human-resources-social-security.md"), ENTRIES).unwrap();
        let config = KnowledgeConfig {
            import: vec![files],
            ..toml::from_str("").unwrap()
        };
        KnowledgeService::open(config, dir, BTreeSet::from(["twilio".to_string()]))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn only_wechat_and_reply_carrying_sms_accounts_get_direct_answers() {
        let dir = tempfile::tempdir().unwrap();
        let service = service(dir.path()).await;
        let appeal = |channel, id: &str| Appeal::builder(channel, id, "社保卡丢了怎么补办").build();
        assert!(service.replies_on(&appeal(Channel::Wechat, "1")));
        assert!(service.replies_on(&appeal(Channel::Sms, "twilio:SM1")));
        assert!(!service.replies_on(&appeal(Channel::Sms, "aliyun:1:13800000000")));
        assert!(!service.replies_on(&appeal(Channel::Phone, "call-1")));
        assert!(!service.replies_on(&appeal(Channel::WebForm, "form-1")));
    }

    #[tokio::test]
    async fn stale_counts_per_unit_follow_the_review_date_and_a_second_start_imports_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let service = service(dir.path()).await;
        let unit = UnitId::new("human-resources-social-security");
        let before = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert!(service.stale_counts(before).is_empty());
        assert_eq!(service.stale_counts(after).get(&unit), Some(&1));
        let changes = service.read(|kb| kb.changes().len()).await.unwrap();
        assert_eq!(changes, 1);
        drop(service);

        let again = self::service(dir.path()).await;
        assert_eq!(again.read(|kb| kb.changes().len()).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_file_with_a_bad_line_is_left_out_and_the_others_are_imported() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("files");
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("human-resources-social-security.md"), ENTRIES).unwrap();
        let broken = ENTRIES
            .replace("hrss-card", "market-card")
            .replace("human-resources-social-security", "market-supervision")
            .replace("2026-06-30", "2026-13-30");
        std::fs::write(files.join("market-supervision.md"), broken).unwrap();
        let config = KnowledgeConfig {
            import: vec![files],
            ..toml::from_str("").unwrap()
        };
        let service = KnowledgeService::open(config, dir.path(), BTreeSet::new())
            .await
            .unwrap();
        let ids = service
            .read(|kb| kb.entries().map(|e| e.id.clone()).collect::<Vec<_>>())
            .await
            .unwrap();
        assert_eq!(ids, ["hrss-card"]);
        // The broken file is not remembered as imported: it is read again next time.
        let imported =
            std::fs::read_to_string(dir.path().join("knowledge").join(IMPORTED_FILE)).unwrap();
        assert!(
            imported.contains("human-resources-social-security.md"),
            "{imported}"
        );
        assert!(!imported.contains("market-supervision.md"), "{imported}");
    }

    #[test]
    fn a_folder_gives_its_markdown_and_csv_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.md", "a.csv", "notes.py", "c.MD"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let files = files_of(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a.csv", "b.md", "c.MD"]);
    }
}
