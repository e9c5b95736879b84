//! Dispatch (派单) to handling units through a durable outbox.
//!
//! A case change queues its notices as [`Delivery`] rows in the store in the same batch as
//! the change; the [`DispatchWorker`] sends them to each recipient's targets: a webhook gets
//! a JSON `POST` signed with HMAC-SHA256 over `timestamp + "." + body`
//! ([`signature`]) and an `Idempotency-Key` so that a receiver drops repeats; an email
//! target goes through an [`EmailSender`] that the email channel provides. Failures are
//! retried with exponential backoff for `retry_for_seconds`, then kept as delivery failures
//! for people to see and retry; none is dropped.
//!
//! The map:
//! - [`config`]: targets and retry settings; [`template`]: the editable Chinese texts.
//! - [`delivery`]: one outbox row; [`outbox`]: the tables that hold them.
//! - [`targets`]: who gets notices where; [`signature`]: the webhook signature.
//! - [`email`]: the email hook; [`worker`]: the sender loop.

pub mod config;
pub mod delivery;
pub mod email;
pub mod outbox;
pub mod signature;
pub mod targets;
pub mod template;
pub mod worker;

pub use config::{DispatchConfig, TargetConfig};
pub use delivery::{Delivery, DeliveryId, DeliveryRole, DeliveryState, DispatchNotice, TargetRef};
pub use email::{EmailMessage, EmailSender, RecordingEmailSender};
pub use targets::TargetBook;
pub use template::TemplateConfig;
pub use worker::{AttemptError, DispatchWorker, WorkerParts};
