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
