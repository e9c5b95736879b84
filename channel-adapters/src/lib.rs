//! Channel adapters: one module per intake channel.
//!
//! Each adapter owns its wire format (what the channel sends, how it signs it, what it
//! expects back) and produces the common [`gateway_core::Appeal`]. Storage and routing are
//! left to `gateway-core` and `routing-rules`.
//!
//! The webhook adapters ([`cti`], [`sms`], [`wechat`], [`web_form`]) are sans-IO: the
//! daemon hands each a [`WebhookRequest`] (method, URL as the channel called it, query,
//! case-insensitive headers, raw body), stores the [`Inbound`] appeals it gets back, and
//! sends the [`WebhookReply`] the adapter renders from the [`IntakeOutcome`]. Each adapter
//! has a `…Config` with `build()`, and one error enum whose `status()` is the HTTP status.
pub mod cti;
pub mod email;
pub mod sms;
pub mod web_form;
pub mod webhook;
pub mod wechat;

mod contact;
mod fields;

pub use webhook::{Headers, Inbound, IntakeOutcome, Method, WebhookReply, WebhookRequest};
