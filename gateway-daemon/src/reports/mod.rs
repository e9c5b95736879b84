//! Reports per handling unit and period (考核指标) and the public feed of resolved cases,
//! computed from the cases in the store with `gateway-analysis`.
//!
//! Both the API of the running daemon and `gateway report` (offline, on the data dir) read
//! the same way:
//! - [`period`]: the `from` and `to` Beijing days, both included.
//! - [`summaries`]: one [`CaseSummary`](gateway_analysis::CaseSummary) per case, with topic
//!   and township from the appeal's stored decision and the rating from follow-up; the
//!   rates and the feed from them.
//! - [`rows`]: the rate report as JSON rows with unit names, for one unit or all.
//! - [`api`]: `GET /api/v1/reports/units` (JSON or CSV) and `GET /api/v1/reports/public`.

pub mod api;
pub mod period;
pub mod rows;
pub mod summaries;

pub use period::{PeriodError, parse_period};
pub use summaries::{ReportInputs, unit_report};
