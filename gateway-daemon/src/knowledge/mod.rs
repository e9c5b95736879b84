//! The knowledge base (知识库) in the daemon: departments' answers searched at intake, so
//! that the platform answers a consultation itself and sends on only what it cannot.
//!
//! At start the [`KnowledgeService`] opens the knowledge base of `knowledge-base` in its
//! folder and imports the configured department files. At intake
//! [`intake::consult_knowledge`] asks it about each stored appeal: a consultation whose best
//! fresh entry clears the threshold, on a channel that carries the reply (WeChat, a Twilio
//! SMS account), is answered with the entry's answer and its case is opened resolved
//! (no notice to any unit); every other case is routed with the best entries attached for
//! the handling unit. [`intake::answer_not_helpful`] turns the citizen's "没有帮助" reply into
//! a dispatched case. The [`api`] lets units keep their own entries.
//!
//! The map:
//! - [`config`]: the `[knowledge]` section and the citizen's texts.
//! - [`service`]: the knowledge base behind its lock, on the blocking pool.
//! - [`records`]: what the knowledge base did for each case, in the store.
//! - [`intake`]: the direct answer and the "did not help" steps of intake.
//! - [`closing`]: answered cases closed once the "did not help" window has passed.
//! - [`api`]: the routes under `/api/v1/kb`; [`error`]: errors and their statuses.

pub mod api;
pub mod closing;
pub mod config;
pub mod error;
pub mod intake;
pub mod records;
pub mod service;

pub use config::{KnowledgeConfig, KnowledgeTemplates, NotHelpfulConfig};
pub use error::KnowledgeError;
pub use records::{CandidateRecord, DirectAnswerRecord, KnowledgeRecord};
pub use service::{Consultation, KnowledgeService};
