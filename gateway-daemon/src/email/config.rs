//! `[channels.email]`: the county mailbox the gateway watches and how it answers.

use std::time::Duration;

use channel_adapters::email::imap::ImapConfig;
use channel_adapters::email::{AckConfig, SmtpConfig};
use serde::{Deserialize, Serialize};

/// The email channel: IMAP intake, SMTP acknowledgements and the outbox between them.
///
/// ```toml
/// [channels.email.imap]
/// host = "imap.wencheng.example.gov.cn"
/// username = "xianzhang"
/// password = "..."
/// mailboxes = ["INBOX"]
///
/// [channels.email.smtp]
/// host = "smtp.wencheng.example.gov.cn"
/// security = "starttls"
///
/// [channels.email.acknowledgement]
/// from_address = "xianzhang@wencheng.example.gov.cn"
/// message_id_domain = "wencheng.example.gov.cn"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The mailbox server and the folders watched, one connection each.
    pub imap: ImapConfig,
    /// The server acknowledgements are sent through.
    pub smtp: SmtpConfig,
    /// The acknowledgement's sender and its Chinese templates, which operators edit.
    pub acknowledgement: AckConfig,
    /// How the outbox retries acknowledgements that could not be sent.
    #[serde(default)]
    pub outbox: OutboxConfig,
}

/// How the acknowledgement outbox retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConfig {
    /// The wait after the first failed send, in seconds; it doubles after each failure.
    /// Default 5.
    #[serde(default = "default_retry_initial_seconds")]
    pub retry_initial_seconds: u64,
    /// The longest wait between two attempts, in seconds. Default 600.
    #[serde(default = "default_retry_max_seconds")]
    pub retry_max_seconds: u64,
    /// How many failed attempts before an acknowledgement is given up and reported at
    /// ERROR; a permanent refusal (5xx) gives up at once. Default 100 (about 16 hours at
    /// the default waits).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// How often the outbox looks for due entries when nothing woke it, in seconds.
    /// Default 30.
    #[serde(default = "default_poll_interval_seconds")]
    pub poll_interval_seconds: u64,
    /// The most pending entries read in one pass. Default 64.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

fn default_retry_initial_seconds() -> u64 {
    5
}

fn default_retry_max_seconds() -> u64 {
    600
}

fn default_max_attempts() -> u32 {
    100
}

fn default_poll_interval_seconds() -> u64 {
    30
}

fn default_batch_size() -> usize {
    64
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            retry_initial_seconds: default_retry_initial_seconds(),
            retry_max_seconds: default_retry_max_seconds(),
            max_attempts: default_max_attempts(),
            poll_interval_seconds: default_poll_interval_seconds(),
            batch_size: default_batch_size(),
        }
    }
}

impl OutboxConfig {
    /// The wait before the next attempt after `failures` failed ones (one or more).
    pub fn retry_delay(&self, failures: u32) -> Duration {
        let initial = self.retry_initial_seconds.max(1);
        let max = self.retry_max_seconds.max(initial);
        let doublings = failures.saturating_sub(1).min(30);
        Duration::from_secs(initial.saturating_mul(1u64 << doublings).min(max))
    }

    pub(crate) fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_interval_seconds.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [imap]
        host = "imap.example.org"
        username = "u"
        password = "p"
        [smtp]
        host = "smtp.example.org"
        [acknowledgement]
        from_address = "xianzhang@example.org"
        message_id_domain = "example.org"
    "#;

    #[test]
    fn a_minimal_section_takes_the_defaults() {
        let config: EmailConfig = toml::from_str(MINIMAL).unwrap();
        assert_eq!(config.outbox, OutboxConfig::default());
        assert_eq!(config.imap.mailboxes, ["INBOX"]);
        assert!(
            config
                .acknowledgement
                .subject_template
                .contains("{case_number}")
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = format!("{MINIMAL}\n[outbox]\nretry_minutes = 3\n");
        let error = toml::from_str::<EmailConfig>(&text).unwrap_err();
        assert!(error.to_string().contains("retry_minutes"), "{error}");
    }

    #[test]
    fn retry_delay_doubles_up_to_the_maximum() {
        let outbox = OutboxConfig {
            retry_initial_seconds: 2,
            retry_max_seconds: 10,
            ..OutboxConfig::default()
        };
        let waits: Vec<u64> = (1..=5).map(|n| outbox.retry_delay(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 10, 10]);
        assert_eq!(outbox.retry_delay(u32::MAX).as_secs(), 10);
    }
}
