//! Phone calls through a PBX that speaks Zammad's "Generic CTI" webhook.
//!
//! The PBX posts `newCall`, `answer` and `hangup` to `/api/v1/cti/{token}` (JSON, or form
//! data with `user[]` repeated) and reads the answer to `newCall`, so a PBX already
//! integrated with that API works unchanged. The hotline adds one event, `record`, sent when
//! the operator saves the call: it carries the operator's summary or the speech transcript
//! and creates the appeal. A `hangup` whose cause says nobody answered becomes a
//! [`CallBackEntry`]. The token in the path is the only authentication.
//!
//! ```
//! use channel_adapters::cti::CtiConfig;
//! use channel_adapters::{Method, WebhookRequest};
//!
//! let cti = CtiConfig::new("s3cret-token").build().unwrap();
//! let body = r#"{"event":"newCall","from":"057000000001","to":"12345","direction":"in","callId":"c-1"}"#;
//! let request = WebhookRequest::new(Method::Post, "http://127.0.0.1/api/v1/cti/s3cret-token", body)
//!     .with_header("Content-Type", "application/json");
//! let intake = cti.parse("s3cret-token", &request).unwrap();
//! assert_eq!(cti.reply(&intake, &[]).body_text(), "{}");
//! ```

mod adapter;
mod config;
mod error;
mod event;

pub use adapter::{CtiAdapter, CtiIntake};
pub use config::CtiConfig;
pub use error::CtiError;
pub use event::{CallBackEntry, CallEvent, CallEventKind, CallRecord, CtiEvent};
