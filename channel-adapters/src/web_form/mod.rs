//! The web form (网上信箱): fields `title`, `body`, `name`, `phone`, `email`, `address`, and
//! files.
//!
//! JSON and urlencoded bodies are read here ([`WebFormAdapter::parse`]); for multipart the
//! daemon splits fields and files itself and calls [`WebFormAdapter::parse_fields`].
//! Required fields are checked with messages a citizen understands, in Chinese; a malformed
//! phone number or email is kept raw and flagged, never refused.
//!
//! The form has no message id of its own. The appeal's `channel_message_id` is, in order of
//! preference: the `Idempotency-Key` header, the `client_token` field (a random token the
//! page makes when it loads), or else `sha256:` and the hex SHA-256 of the name, phone,
//! email, title and body, so that a double click makes one appeal, not two.

mod adapter;
mod config;
mod error;

pub use adapter::{StoredFile, UploadedFile, WebFormAdapter, WebFormSubmission};
pub use config::WebFormConfig;
pub use error::WebFormError;
