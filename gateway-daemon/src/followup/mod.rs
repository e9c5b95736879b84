//! Follow-up (回访) in the daemon: the survey sent when a unit resolves a case, the
//! citizen's reply read wherever it arrives (SMS, WeChat, email), and what the rating does
//! to the case.
//!
//! The map:
//! - [`records`]: the follow-up of each case in the store, and the rating reports read.

pub mod records;

pub use records::{FollowUpRecord, rating_of};
