//! Follow-up (回访) in the daemon: the survey sent when a unit resolves a case, the
//! citizen's reply read wherever it arrives (SMS, WeChat, email), and what the rating does
//! to the case: a satisfied or partly satisfied rating closes it, a dissatisfied one reopens
//! it to the same unit (at most `max_reopens` times), no answer within the wait closes it
//! as not rated.
//!
//! The map:
//! - [`config`]: the `[follow_up]` section; [`address`]: where a citizen is answered.
//! - [`surveys`]: the survey queued with the resolution, in the case service's batch.
//! - [`replies`]: answers read at intake (SMS, WeChat) and from the email channel, and
//!   the waits that run out.
//! - [`messages`]: the outbox of messages to citizens; [`senders`]: Twilio SMS, WeChat
//!   customer-service messages, SMTP; [`worker`]: the loop that sends them.
//! - [`api`]: `GET /api/v1/cases/{case_number}/follow-up`.
//! - [`records`]: the follow-up of each case in the store, and the rating reports read.

pub mod address;
pub mod api;
pub mod config;
pub mod messages;
pub mod records;
pub mod replies;
pub mod senders;
pub mod surveys;
pub mod worker;

pub use address::CitizenAddress;
pub use config::{FollowUpSection, FollowUpSettings};
pub use records::{FollowUpRecord, rating_of};
pub use replies::{FollowUps, ReplyTaken};
pub use senders::Senders;
pub use surveys::Surveys;
pub use worker::MessageWorker;
