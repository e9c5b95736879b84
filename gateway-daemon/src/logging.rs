//! Tracing to standard error, as text or JSON, with an `EnvFilter`.
//!
//! Log lines carry ids, channels, decisions and masked contacts (see
//! [`gateway_core::mask`]); never a phone number, a name, an OpenID or a citizen's text.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LoggingSection};

/// Installs the global subscriber; `RUST_LOG`, when set, overrides the configured level.
/// A second call (as in tests that start several servers) keeps the first subscriber.
pub fn init(config: &LoggingSection) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
