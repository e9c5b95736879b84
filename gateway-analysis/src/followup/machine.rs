//! The follow-up of one case: survey, reply, retry, rating, reopen or no answer.
//!
//! ```text
//!  start ─▶ asked ─reply─▶ rated (satisfied / partly)          ─▶ close the case
//!             │  ▲   └────▶ rated dissatisfied ─▶ reopened ─resolved again─▶ asked
//!       unclear  │           (at most max_reopens times, then stays rated dissatisfied)
//!             └──┘ asked again max_unclear_retries times, then unclear
//!  asked ─tick past answer_wait_hours─▶ no answer                ─▶ close the case
//! ```
//!
//! No clock is read: every event carries its time. A reply that arrives after the wait ran
//! out but before [`FollowUp::tick`] recorded "no answer" is still accepted, because the
//! citizen's answer is worth more than the exact cut-off.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::config::FollowUpPlan;
use super::error::FollowUpError;
use super::rating::Rating;
use gateway_core::case::CaseNumber;

/// Where the follow-up of a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FollowUpState {
    /// A survey was sent; waiting for the reply.
    Asked {
        /// 1 for the first survey of a round, 2 after the first unclear reply, ...
        attempt: u32,
        /// When it was sent.
        asked_at: DateTime<Utc>,
        /// When the wait runs out.
        answer_due_at: DateTime<Utc>,
    },
    /// The citizen rated the result; final unless the rating reopened the case.
    Rated {
        /// The rating.
        rating: Rating,
        /// When.
        at: DateTime<Utc>,
    },
    /// A dissatisfied rating reopened the case; a new round starts when it is resolved again.
    Reopened {
        /// When.
        at: DateTime<Utc>,
    },
    /// No reply within the wait (未回复).
    NoAnswer {
        /// When the wait ran out.
        at: DateTime<Utc>,
    },
    /// The replies could not be read, after asking again.
    Unclear {
        /// When the last reply came.
        at: DateTime<Utc>,
    },
}

impl FollowUpState {
    /// The state's name as written in JSON and error messages.
    pub fn name(&self) -> &'static str {
        match self {
            FollowUpState::Asked { .. } => "asked",
            FollowUpState::Rated { .. } => "rated",
            FollowUpState::Reopened { .. } => "reopened",
            FollowUpState::NoAnswer { .. } => "no_answer",
            FollowUpState::Unclear { .. } => "unclear",
        }
    }
}

/// What the caller must do after a follow-up event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FollowUpEffect {
    /// Send this text to the citizen on the channel they used.
    SendToCitizen {
        /// The text, in Chinese.
        text: String,
    },
    /// Record the rating on the case (for the satisfaction rate).
    RecordRating {
        /// The rating.
        rating: Rating,
    },
    /// Apply `Action::ReopenOnDissatisfaction` to the case: back to the same lead unit.
    ReopenCase,
    /// The case was reopened as often as allowed; the supervisors decide what follows.
    ReopenLimitReached {
        /// How many times it was reopened.
        reopens: u32,
    },
    /// The follow-up is over; close the case (归档) with this reason.
    CloseCase {
        /// The reason, in Chinese, for the case history.
        reason: String,
    },
}

/// One reply the citizen sent, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpReply {
    /// When it came.
    pub at: DateTime<Utc>,
    /// The text as received.
    pub text: String,
    /// How it was read.
    pub rating: Rating,
}

/// The follow-up (回访) of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    case_number: CaseNumber,
    state: FollowUpState,
    reopens: u32,
    rounds: u32,
    replies: Vec<FollowUpReply>,
}

impl FollowUp {
    /// Starts the follow-up of a case resolved at `now`: the survey goes out.
    pub fn start(
        case_number: CaseNumber,
        now: DateTime<Utc>,
        plan: &FollowUpPlan,
    ) -> (FollowUp, Vec<FollowUpEffect>) {
        let mut follow_up = FollowUp {
            case_number,
            state: FollowUpState::NoAnswer { at: now },
            reopens: 0,
            rounds: 0,
            replies: Vec::new(),
        };
        let effects = follow_up.ask(1, now, plan);
        (follow_up, effects)
    }

    /// The case.
    pub fn case_number(&self) -> &CaseNumber {
        &self.case_number
    }

    /// The current state.
    pub fn state(&self) -> FollowUpState {
        self.state
    }

    /// How many times dissatisfied ratings reopened the case.
    pub fn reopens(&self) -> u32 {
        self.reopens
    }

    /// How many rounds of surveys were started (one, plus one per reopening resolved again).
    pub fn rounds(&self) -> u32 {
        self.rounds
    }

    /// Every reply, oldest first.
    pub fn replies(&self) -> &[FollowUpReply] {
        &self.replies
    }

    /// The latest rating the citizen gave, if any round ended rated.
    pub fn latest_rating(&self) -> Option<Rating> {
        match self.state {
            FollowUpState::Rated { rating, .. } => Some(rating),
            FollowUpState::Reopened { .. } => Some(Rating::Dissatisfied),
            _ => self
                .replies
                .iter()
                .rev()
                .map(|r| r.rating)
                .find(|r| *r != Rating::Unclear),
        }
    }

    /// A reply from the citizen.
    pub fn reply(
        &mut self,
        text: &str,
        now: DateTime<Utc>,
        plan: &FollowUpPlan,
    ) -> Result<Vec<FollowUpEffect>, FollowUpError> {
        let FollowUpState::Asked { attempt, .. } = self.state else {
            return Err(FollowUpError::NotAsking {
                case_number: self.case_number.to_string(),
                state: self.state.name(),
            });
        };

        // Read and keep it.
        let rating = plan.parser().read(text).rating;
        self.replies.push(FollowUpReply {
            at: now,
            text: text.to_string(),
            rating,
        });

        // Then act on the rating.
        let config = plan.config();
        let effects = match rating {
            Rating::Unclear if attempt <= config.max_unclear_retries => {
                self.ask(attempt + 1, now, plan)
            }
            Rating::Unclear => {
                self.state = FollowUpState::Unclear { at: now };
                vec![FollowUpEffect::CloseCase {
                    reason: "回访答复无法识别，按未评价归档".to_string(),
                }]
            }
            Rating::Satisfied | Rating::PartlySatisfied => {
                self.state = FollowUpState::Rated { rating, at: now };
                vec![
                    FollowUpEffect::RecordRating { rating },
                    FollowUpEffect::CloseCase {
                        reason: format!("回访评价：{}", rating.chinese()),
                    },
                ]
            }
            Rating::Dissatisfied if self.reopens < config.max_reopens => {
                self.reopens += 1;
                self.state = FollowUpState::Reopened { at: now };
                vec![
                    FollowUpEffect::RecordRating { rating },
                    FollowUpEffect::ReopenCase,
                    FollowUpEffect::SendToCitizen {
                        text: plan.reopen_text(self.case_number.as_str()),
                    },
                ]
            }
            Rating::Dissatisfied => {
                self.state = FollowUpState::Rated { rating, at: now };
                vec![
                    FollowUpEffect::RecordRating { rating },
                    FollowUpEffect::ReopenLimitReached {
                        reopens: self.reopens,
                    },
                ]
            }
        };
        Ok(effects)
    }

    /// The clock moved on: a survey whose wait ran out is recorded as no answer.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<FollowUpEffect> {
        match self.state {
            FollowUpState::Asked { answer_due_at, .. } if now >= answer_due_at => {
                self.state = FollowUpState::NoAnswer { at: answer_due_at };
                vec![FollowUpEffect::CloseCase {
                    reason: "回访未回复，按未评价归档".to_string(),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// The reopened case was resolved again: a new round of surveys starts.
    pub fn resolved_again(
        &mut self,
        now: DateTime<Utc>,
        plan: &FollowUpPlan,
    ) -> Result<Vec<FollowUpEffect>, FollowUpError> {
        match self.state {
            FollowUpState::Reopened { .. } => Ok(self.ask(1, now, plan)),
            other => Err(FollowUpError::NotReopened {
                case_number: self.case_number.to_string(),
                state: other.name(),
            }),
        }
    }

    /// Sends a survey: the first of a round, or again after an unclear reply.
    fn ask(
        &mut self,
        attempt: u32,
        now: DateTime<Utc>,
        plan: &FollowUpPlan,
    ) -> Vec<FollowUpEffect> {
        if attempt == 1 {
            self.rounds += 1;
        }
        let wait = Duration::hours(i64::from(plan.config().answer_wait_hours));
        self.state = FollowUpState::Asked {
            attempt,
            asked_at: now,
            answer_due_at: now + wait,
        };
        let text = if attempt == 1 {
            plan.survey_text(self.case_number.as_str())
        } else {
            plan.retry_text(self.case_number.as_str())
        };
        vec![FollowUpEffect::SendToCitizen { text }]
    }
}
