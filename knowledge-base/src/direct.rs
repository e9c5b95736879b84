//! Direct answers: a consultation whose best fresh entry scores high enough is answered from
//! the knowledge base; everything else is routed with the best entries attached.

use chrono::NaiveDate;
use gateway_core::{Appeal, Kind, RoutingDecision, UnitId};
use serde::{Deserialize, Serialize};

use crate::entry::{Entry, Freshness};
use crate::error::KbError;
use crate::kb::KnowledgeBase;

/// When the platform may answer directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectAnswerConfig {
    /// The normalized score (0 to 1) the best fresh entry must reach. The example set's
    /// evaluation (`cargo run --release -p knowledge-base --example evaluate`) prints how the
    /// answered share and precision move with it; at 0.5 the top entry was right for every
    /// body query it answered (29% of them) and every paraphrase it answered (6 of 10); at
    /// 0.4, 99% of 54%. Lower it to answer more, at the cost of wrong answers. Default 0.5.
    pub threshold: f32,
    /// How many entries to attach to a routed case. Default 3.
    pub candidate_count: usize,
    /// How many hits to look through for the best fresh one. Default 10.
    pub search_depth: usize,
}

impl Default for DirectAnswerConfig {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            candidate_count: 3,
            search_depth: 10,
        }
    }
}

/// What to do with an appeal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum DirectAnswer {
    /// Answer the citizen with this entry's answer and close.
    Answer {
        /// The entry.
        entry: Entry,
        /// Its normalized score.
        score: f32,
    },
    /// Route the case as usual, with these entries attached for the handling unit.
    Route {
        /// The best entries, best first; stale ones are kept but marked.
        candidates: Vec<Candidate>,
        /// Why it was not answered directly.
        reason: RouteReason,
    },
}

/// An entry attached to a routed case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The entry's id.
    pub entry_id: String,
    /// Its question.
    pub question: String,
    /// Its owner.
    pub owner: UnitId,
    /// Its normalized score.
    pub score: f32,
    /// Whether it may be given today.
    pub freshness: Freshness,
}

/// Why an appeal was routed rather than answered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum RouteReason {
    /// Only consultations are answered directly.
    NotConsultation,
    /// No entry shares a word with it.
    NoMatch,
    /// Only stale entries matched.
    OnlyStale,
    /// The best fresh entry scored below the threshold.
    BelowThreshold {
        /// That entry's score.
        best_score: f32,
    },
}

impl KnowledgeBase {
    /// Decides between a direct answer and routing for a text of `kind` about `topic`
    /// (the routing topic path, may be empty), on `today`.
    pub fn direct_answer(
        &self,
        text: &str,
        kind: Kind,
        topic: &[String],
        config: &DirectAnswerConfig,
        today: NaiveDate,
    ) -> Result<DirectAnswer, KbError> {
        // The hits, with their entries and whether each may be given today.
        let depth = config.search_depth.max(config.candidate_count).max(1);
        let hits = self.search(text, topic, depth)?;
        let found: Vec<(&Entry, f32)> = hits
            .iter()
            .filter_map(|hit| self.get(&hit.entry_id).map(|e| (e, hit.score)))
            .collect();
        let candidates: Vec<Candidate> = found
            .iter()
            .take(config.candidate_count)
            .map(|(entry, score)| Candidate {
                entry_id: entry.id.clone(),
                question: entry.question.clone(),
                owner: entry.owner.clone(),
                score: *score,
                freshness: entry.freshness(today),
            })
            .collect();
        let route = |reason| {
            Ok(DirectAnswer::Route {
                candidates: candidates.clone(),
                reason,
            })
        };

        // Only a consultation whose best fresh entry clears the threshold is answered.
        if kind != Kind::Consultation {
            return route(RouteReason::NotConsultation);
        }
        if found.is_empty() {
            return route(RouteReason::NoMatch);
        }
        let Some((entry, score)) = found.iter().find(|(e, _)| e.is_fresh(today)) else {
            return route(RouteReason::OnlyStale);
        };
        if *score < config.threshold {
            return route(RouteReason::BelowThreshold { best_score: *score });
        }
        Ok(DirectAnswer::Answer {
            entry: (*entry).clone(),
            score: *score,
        })
    }

    /// [`KnowledgeBase::direct_answer`] for an appeal as routing decided it: its title and
    /// body, the decision's kind and topic.
    pub fn direct_answer_for(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        config: &DirectAnswerConfig,
        today: NaiveDate,
    ) -> Result<DirectAnswer, KbError> {
        self.direct_answer(
            &appeal.text_for_routing(),
            decision.kind,
            &decision.topic,
            config,
            today,
        )
    }
}
