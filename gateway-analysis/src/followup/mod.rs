//! Follow-up (回访): the survey sent when a case is resolved, the reading of the citizen's
//! reply, and the rounds of asking, rating, reopening and "no answer".
//!
//! [`FollowUpConfig`] is what the operator edits (wait, retries, reopen limit, the Chinese
//! texts with `{case_number}`); [`FollowUpPlan`] is the checked form; [`ReplyParser`] reads a
//! reply as a [`Rating`]; [`FollowUp`] is the per-case machine, which returns the
//! [`FollowUpEffect`]s for the caller to carry out on the case.

mod config;
mod error;
mod machine;
mod rating;

pub use config::{FollowUpConfig, FollowUpPlan};
pub use error::{FollowUpConfigError, FollowUpError};
pub use machine::{FollowUp, FollowUpEffect, FollowUpReply, FollowUpState};
pub use rating::{Rating, ReplyParser, ReplyReading, SurveyChoice};
