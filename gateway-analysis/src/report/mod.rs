//! Rates and reports per handling unit and period, and the public feed of resolved cases.
//!
//! Inputs are plain [`CaseSummary`] records the daemon fills from its store. [`unit_rates`]
//! computes received, resolved, 按期办结率, 满意率, return rate, reopened and average working
//! days per unit for a [`Period`]; [`render_table`] and [`write_csv`] print it.
//! [`public_feed`] publishes resolved cases with personal data removed by [`redact`].

mod error;
mod feed;
mod rates;
mod redact;
mod summary;
mod table;

pub use error::ReportError;
pub use feed::{FeedRecord, PublicCase, public_feed};
pub use rates::{RateReport, UnitRates, unit_rates};
pub use redact::redact;
pub use summary::{CaseSummary, Period};
pub use table::{display_width, render_table, write_csv};
