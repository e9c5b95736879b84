//! Channel adapters: one module per intake channel.
//!
//! Each adapter owns its wire format (what the channel sends, how it signs it, what it
//! expects back) and produces the common [`gateway_core::Appeal`]. Storage and routing are
//! left to `gateway-core` and `routing-rules`.
pub mod email;
pub mod cti;
pub mod sms;
pub mod web_form;
pub mod webhook;
pub mod wechat;

mod contact;
mod fields;

pub use webhook::{Headers, Inbound, IntakeOutcome, Method, WebhookReply, WebhookRequest};
