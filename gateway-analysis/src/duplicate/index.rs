//! The index of appeals already dispatched, queried for each new appeal.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use super::config::{DuplicateConfig, DuplicateConfigError};
use super::shingle::Shingles;
use gateway_core::case::CaseNumber;
use gateway_core::{Appeal, AppealId, RoutingDecision, TownshipCode};

/// The case a duplicate is linked to: its case number.
pub type CaseRef = CaseNumber;

/// An index operation that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DuplicateError {
    /// The appeal was added before.
    #[error("appeal {appeal_id} is already in the duplicate index under case {case}")]
    AlreadyIndexed {
        /// The appeal.
        appeal_id: AppealId,
        /// Its case.
        case: CaseRef,
    },
    /// The appeal is not in the index.
    #[error("appeal {appeal_id} is not in the duplicate index; add it first")]
    NotIndexed {
        /// The appeal.
        appeal_id: AppealId,
    },
}

/// One appeal of a group, and why it was judged a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchBasis {
    /// The same citizen reported it again.
    SameCitizen,
    /// Another citizen reported the same matter.
    OtherCitizen,
}

/// A duplicate found for an appeal.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateMatch {
    /// The open case it belongs to.
    pub case: CaseRef,
    /// The indexed appeal it is most like.
    pub appeal_id: AppealId,
    /// The similarity, 0 to 1.
    pub score: f64,
    /// Same citizen or another.
    pub basis: MatchBasis,
}

/// What one group of duplicates (one case) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    /// The case.
    pub case: CaseRef,
    /// The appeals linked to it, oldest first.
    pub appeals: Vec<AppealId>,
    /// Distinct citizens by contact (phone, email, WeChat sender); each anonymous appeal
    /// counts as one citizen, since nothing tells anonymous senders apart.
    pub citizens: usize,
}

#[derive(Debug, Clone)]
struct Entry {
    appeal_id: AppealId,
    case: CaseRef,
    contacts: Vec<String>,
    topic: Vec<String>,
    township: Option<TownshipCode>,
    village: Option<TownshipCode>,
    at: DateTime<Utc>,
    shingles: Shingles,
}

/// What the index compares of a new appeal.
struct Probe {
    contacts: Vec<String>,
    topic: Vec<String>,
    township: Option<TownshipCode>,
    village: Option<TownshipCode>,
    shingles: Shingles,
}

/// Appeals already dispatched, by case, searchable for duplicates of a new appeal.
///
/// Similarity is the cosine of IDF-weighted character-shingle sets: a shingle many appeals
/// share ("反映", "小区") weighs little, a rare one (a street or estate name) weighs much,
/// with weights from the appeals indexed so far. An appeal joins an open case when it is
/// within the window and reaches the threshold, which differs for the same citizen and for
/// others; others must also agree on topic and place where both are known.
#[derive(Debug, Clone)]
pub struct DuplicateIndex {
    config: DuplicateConfig,
    entries: Vec<Entry>,
    by_appeal: HashMap<AppealId, usize>,
    postings: HashMap<u64, Vec<u32>, BuildShingleHasher>,
    /// `ln(k)` for k = 1 ..= entries + 1, so that weights need no logarithm per lookup.
    ln_table: Vec<f64>,
    closed: HashSet<CaseRef>,
}

/// Shingles are already FNV hashes, so the posting table uses them as they are.
#[derive(Debug, Clone, Copy, Default)]
struct BuildShingleHasher;

#[derive(Debug, Clone, Copy, Default)]
struct ShingleHasher(u64);

impl std::hash::BuildHasher for BuildShingleHasher {
    type Hasher = ShingleHasher;
    fn build_hasher(&self) -> ShingleHasher {
        ShingleHasher(0)
    }
}

impl std::hash::Hasher for ShingleHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

impl DuplicateIndex {
    /// An empty index.
    pub fn new(config: DuplicateConfig) -> Result<DuplicateIndex, DuplicateConfigError> {
        config.validate()?;
        Ok(DuplicateIndex {
            config,
            entries: Vec::new(),
            by_appeal: HashMap::new(),
            postings: HashMap::default(),
            ln_table: vec![0.0, 2f64.ln()],
            closed: HashSet::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DuplicateConfig {
        &self.config
    }

    /// How many appeals are indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an appeal as part of `case` (its own new case, or the case it was found to
    /// duplicate). Its time is when the citizen sent it, or else when it was received.
    pub fn add(
        &mut self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        case: CaseRef,
    ) -> Result<(), DuplicateError> {
        if let Some(&i) = self.by_appeal.get(&appeal.id) {
            return Err(DuplicateError::AlreadyIndexed {
                appeal_id: appeal.id.clone(),
                case: self.entries[i].case.clone(),
            });
        }
        let probe = self.probe(appeal, decision);
        let index = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        for hash in probe.shingles.as_slice() {
            self.postings.entry(*hash).or_default().push(index);
        }
        self.by_appeal.insert(appeal.id.clone(), self.entries.len());
        let next = self.ln_table.len() + 1;
        self.ln_table.push((next as f64).ln());
        self.entries.push(Entry {
            appeal_id: appeal.id.clone(),
            case,
            contacts: probe.contacts,
            topic: probe.topic,
            township: probe.township,
            village: probe.village,
            at: appeal_time(appeal),
            shingles: probe.shingles,
        });
        Ok(())
    }

    /// The open case a new appeal duplicates, with the similarity, if any.
    pub fn find_duplicate(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        now: DateTime<Utc>,
    ) -> Option<(CaseRef, f64)> {
        self.best_match(appeal, decision, now)
            .map(|found| (found.case, found.score))
    }

    /// Like [`find_duplicate`](Self::find_duplicate), with the matched appeal and basis.
    pub fn best_match(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        now: DateTime<Utc>,
    ) -> Option<DuplicateMatch> {
        let probe = self.probe(appeal, decision);
        if probe.shingles.len() < self.config.min_shingles {
            return None;
        }
        let candidates = self.candidates(&probe);
        self.judge(&probe, candidates.into_iter(), now)
    }

    /// The same answer as [`best_match`](Self::best_match) found by comparing with every
    /// indexed appeal: the reference the candidate search is checked and measured against.
    pub fn best_match_by_scan(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        now: DateTime<Utc>,
    ) -> Option<DuplicateMatch> {
        let probe = self.probe(appeal, decision);
        if probe.shingles.len() < self.config.min_shingles {
            return None;
        }
        self.judge(&probe, 0..self.entries.len(), now)
    }

    /// Links an indexed appeal to a case by hand (a supervisor merges a duplicate).
    pub fn link(&mut self, appeal_id: &AppealId, case: CaseRef) -> Result<(), DuplicateError> {
        let i = self.position(appeal_id)?;
        self.entries[i].case = case;
        Ok(())
    }

    /// Takes an appeal out of its group by hand: it becomes its own case `own_case`.
    pub fn unlink(
        &mut self,
        appeal_id: &AppealId,
        own_case: CaseRef,
    ) -> Result<(), DuplicateError> {
        self.link(appeal_id, own_case)
    }

    /// The case an indexed appeal belongs to.
    pub fn case_of(&self, appeal_id: &AppealId) -> Option<&CaseRef> {
        self.by_appeal
            .get(appeal_id)
            .map(|&i| &self.entries[i].case)
    }

    /// A closed case takes no more duplicates; a new report of the matter opens a new case.
    pub fn close_case(&mut self, case: &CaseRef) {
        self.closed.insert(case.clone());
    }

    /// A reopened case takes duplicates again.
    pub fn reopen_case(&mut self, case: &CaseRef) {
        self.closed.remove(case);
    }

    /// The group of one case.
    pub fn group(&self, case: &CaseRef) -> Option<GroupSummary> {
        self.groups_by_case().remove(case)
    }

    /// Every group of two or more appeals, by case.
    pub fn duplicate_groups(&self) -> Vec<GroupSummary> {
        self.groups_by_case()
            .into_values()
            .filter(|g| g.appeals.len() > 1)
            .collect()
    }

    fn groups_by_case(&self) -> BTreeMap<CaseRef, GroupSummary> {
        let mut members: BTreeMap<CaseRef, Vec<&Entry>> = BTreeMap::new();
        for entry in &self.entries {
            members.entry(entry.case.clone()).or_default().push(entry);
        }
        members
            .into_iter()
            .map(|(case, mut entries)| {
                entries.sort_by_key(|e| e.at);
                // Limitation: a citizen is told by the first contact of each appeal, so one
                // person writing once by phone and once by email counts twice.
                let mut known: BTreeSet<&str> = BTreeSet::new();
                let mut anonymous = 0;
                for entry in &entries {
                    match entry.contacts.first() {
                        Some(contact) => {
                            known.insert(contact);
                        }
                        None => anonymous += 1,
                    }
                }
                let summary = GroupSummary {
                    case: case.clone(),
                    appeals: entries.iter().map(|e| e.appeal_id.clone()).collect(),
                    citizens: known.len() + anonymous,
                };
                (case, summary)
            })
            .collect()
    }

    fn position(&self, appeal_id: &AppealId) -> Result<usize, DuplicateError> {
        self.by_appeal
            .get(appeal_id)
            .copied()
            .ok_or_else(|| DuplicateError::NotIndexed {
                appeal_id: appeal_id.clone(),
            })
    }

    fn probe(&self, appeal: &Appeal, decision: &RoutingDecision) -> Probe {
        let title = appeal.title.as_deref().unwrap_or("");
        Probe {
            contacts: contacts(appeal),
            topic: decision.topic.clone(),
            township: decision.township.as_ref().map(|d| d.code.clone()),
            village: decision.village.as_ref().map(|d| d.code.clone()),
            shingles: Shingles::of_parts([title, appeal.body.as_str()], self.config.shingle_chars),
        }
    }

    /// Indexed appeals that share the most uncommon shingles with the probe, at most
    /// `max_candidates` of them.
    // Limitation: an appeal that shares only common shingles with the new one, or fewer
    // uncommon ones than the top candidates, is not compared. On the real messages this
    // lost no match against the full scan (a test checks it), but it is not exact in general.
    fn candidates(&self, probe: &Probe) -> Vec<usize> {
        let common =
            ((self.entries.len() as f64 * self.config.common_shingle_share) as usize).max(32);
        // Count shared shingles in a dense table; remember which entries were touched.
        let mut shared = vec![0u32; self.entries.len()];
        let mut touched: Vec<u32> = Vec::new();
        for hash in probe.shingles.as_slice() {
            let Some(list) = self.postings.get(hash) else {
                continue;
            };
            if list.len() > common {
                continue;
            }
            for &i in list {
                let count = &mut shared[i as usize];
                if *count == 0 {
                    touched.push(i);
                }
                *count += 1;
            }
        }

        // Keep those sharing the most.
        let mut ranked: Vec<(u32, u32)> = touched
            .into_iter()
            .map(|i| (i, shared[i as usize]))
            .collect();
        let keep = self.config.max_candidates;
        if ranked.len() > keep {
            ranked.select_nth_unstable_by(keep - 1, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked.truncate(keep);
        }
        ranked.into_iter().map(|(i, _)| i as usize).collect()
    }

    fn judge(
        &self,
        probe: &Probe,
        candidates: impl Iterator<Item = usize>,
        now: DateTime<Utc>,
    ) -> Option<DuplicateMatch> {
        // Smoothed IDF, ln((n + 1) / (df + 1)) + 1, from the table of logarithms.
        // Limitation: weights come from the appeals indexed so far, so a nearly empty index
        // weighs every shingle alike and a reworded report scores lower than it will later.
        let ln_n = self.ln_table[self.entries.len()];
        let idf = |hash: &u64| {
            let df = self.postings.get(hash).map_or(0, Vec::len);
            ln_n - self.ln_table[df] + 1.0
        };
        let probe_weights: Vec<f64> = probe.shingles.as_slice().iter().map(idf).collect();
        let probe_norm = probe_weights.iter().map(|w| w * w).sum::<f64>().sqrt();
        let citizen_since = now - Duration::days(i64::from(self.config.same_citizen_window_days));
        let others_since = now - Duration::days(i64::from(self.config.others_window_days));

        let mut best: Option<DuplicateMatch> = None;
        for i in candidates {
            let entry = &self.entries[i];
            if self.closed.contains(&entry.case) || entry.at > now {
                continue;
            }
            let same_citizen = entry.contacts.iter().any(|c| probe.contacts.contains(c));
            let (since, threshold, basis) = if same_citizen {
                (
                    citizen_since,
                    self.config.same_citizen_threshold,
                    MatchBasis::SameCitizen,
                )
            } else {
                (
                    others_since,
                    self.config.others_threshold,
                    MatchBasis::OtherCitizen,
                )
            };
            if entry.at < since {
                continue;
            }
            if !same_citizen && !same_matter_place(probe, entry) {
                continue;
            }
            let score = cosine(probe, &probe_weights, probe_norm, entry, &idf);
            if score < threshold {
                continue;
            }
            if best.as_ref().is_none_or(|b| score > b.score) {
                best = Some(DuplicateMatch {
                    case: entry.case.clone(),
                    appeal_id: entry.appeal_id.clone(),
                    score,
                    basis,
                });
            }
        }
        best
    }
}

/// Others' reports must agree on topic, village and township wherever both sides know them.
fn same_matter_place(probe: &Probe, entry: &Entry) -> bool {
    let agree = |a: &Option<TownshipCode>, b: &Option<TownshipCode>| match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    let topic_agrees =
        probe.topic.is_empty() || entry.topic.is_empty() || probe.topic == entry.topic;
    topic_agrees && agree(&probe.township, &entry.township) && agree(&probe.village, &entry.village)
}

fn cosine(
    probe: &Probe,
    probe_weights: &[f64],
    probe_norm: f64,
    entry: &Entry,
    idf: &impl Fn(&u64) -> f64,
) -> f64 {
    let a = probe.shingles.as_slice();
    let b = entry.shingles.as_slice();
    let (mut i, mut j, mut dot, mut norm) = (0, 0, 0.0, 0.0);
    while j < b.len() {
        let wb = idf(&b[j]);
        norm += wb * wb;
        while i < a.len() && a[i] < b[j] {
            i += 1;
        }
        if i < a.len() && a[i] == b[j] {
            dot += probe_weights[i] * wb;
        }
        j += 1;
    }
    if probe_norm == 0.0 || norm == 0.0 {
        0.0
    } else {
        (dot / (probe_norm * norm.sqrt())).min(1.0)
    }
}

/// The contacts that tell the same citizen: phone (last eleven digits), email, WeChat sender.
fn contacts(appeal: &Appeal) -> Vec<String> {
    let citizen = &appeal.citizen;
    let mut out = Vec::new();
    if let Some(phone) = &citizen.phone {
        let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
        let tail = &digits[digits.len().saturating_sub(11)..];
        if !tail.is_empty() {
            out.push(format!("phone:{tail}"));
        }
    }
    if let Some(email) = &citizen.email {
        out.push(format!("email:{}", email.trim().to_lowercase()));
    }
    if let Some(openid) = &citizen.wechat_openid {
        out.push(format!("wechat:{}", openid.trim()));
    }
    out
}

fn appeal_time(appeal: &Appeal) -> DateTime<Utc> {
    appeal
        .submitted_at
        .map_or(appeal.received_at, |at| at.with_timezone(&Utc))
}
