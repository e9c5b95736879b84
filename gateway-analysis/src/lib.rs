//! Closing the loop of the 12345 gateway: what happens after a case is resolved, and what
//! all the appeals together say.
//!
//! - [`followup`]: the survey sent when a case is resolved (回访), the reading of the
//!   citizen's reply as a [`Rating`], and the per-case machine that asks again, records "no
//!   answer" and asks to reopen on a dissatisfied rating.
//! - [`duplicate`]: the index that links an appeal to the open case it repeats (重复件).
//! - [`report`]: rates per handling unit and period (按期办结率, 满意率, ...) as a table and
//!   CSV, and the public feed of resolved cases with personal data removed.
//! - [`trends`]: hot and rising topics by week and township (分析研判), as Markdown, CSV and
//!   an SVG chart.
//!
//! This crate does no IO of its own beyond writers it is handed, reads no clock (every call
//! takes the time), and knows no HTTP: the daemon stores the records and serves them.
//!
//! How the daemon uses it: on intake, after routing, ask the [`DuplicateIndex`] for an open
//! case before opening a new one, and add the appeal under whichever case it joins; when a
//! case is resolved, start a [`FollowUp`], pass it the citizen's replies and a periodic
//! `tick`, and carry out the [`FollowUpEffect`]s on the case; for reports, fill
//! [`CaseSummary`] records from the store and call [`unit_rates`].
//!
//! ```
//! use chrono::{DateTime, Duration, Utc};
//! use gateway_analysis::{FollowUp, FollowUpConfig, FollowUpEffect, Rating};
//! use gateway_core::case::CaseNumber;
//!
//! let plan = FollowUpConfig::default().build().unwrap();
//! let resolved: DateTime<Utc> = "2026-12-03T02:00:00Z".parse().unwrap();
//! let case = CaseNumber::parse("2612030042").unwrap();
//! let (mut follow_up, effects) = FollowUp::start(case, resolved, &plan);
//! assert!(matches!(&effects[0], FollowUpEffect::SendToCitizen { text } if text.contains("2612030042")));
//!
//! // The citizen answers by SMS with a full-width digit.
//! let effects = follow_up.reply("３", resolved + Duration::hours(5), &plan).unwrap();
//! assert_eq!(effects[0], FollowUpEffect::RecordRating { rating: Rating::Dissatisfied });
//! assert_eq!(effects[1], FollowUpEffect::ReopenCase);
//! ```

pub mod duplicate;
pub mod followup;
pub mod report;
mod text;
pub mod trends;

pub use duplicate::{CaseRef, DuplicateConfig, DuplicateIndex};
pub use followup::{FollowUp, FollowUpConfig, FollowUpEffect, FollowUpPlan, Rating};
pub use report::{CaseSummary, Period, unit_rates};
pub use text::fold;
pub use trends::{TrendConfig, TrendReport};
