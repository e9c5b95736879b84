//! What the IMAP intake connects to and how it behaves.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the IMAP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImapSecurity {
    /// Implicit TLS from the first byte (port 993).
    #[default]
    Tls,
    /// No encryption: only for a server on loopback, such as the test servers.
    Plain,
}

/// What happens to a message once it has been taken in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AfterIntake {
    /// Set the `\Seen` flag and leave it in the mailbox.
    #[default]
    MarkSeen,
    /// Move it to another folder (with `MOVE` where the server has it, else copy and expunge).
    Move {
        /// The folder to move to, e.g. `Processed`; it must exist.
        folder: String,
    },
}

/// The IMAP intake: one connection per watched mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// The server's host name (checked against its TLS certificate).
    pub host: String,
    /// The port; when absent, 993 for `tls` and 143 for `plain`.
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is secured.
    #[serde(default)]
    pub security: ImapSecurity,
    /// A PEM file of root certificates to trust besides the Mozilla roots (a private CA).
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// The login.
    pub username: String,
    /// The password for `username`.
    pub password: String,
    /// The mailboxes to watch, each on its own connection.
    #[serde(default = "default_mailboxes")]
    pub mailboxes: Vec<String>,
    /// What to do with a message once taken in.
    #[serde(default)]
    pub after_intake: AfterIntake,
    /// The limit on connecting, TLS and login together, in seconds.
    #[serde(default = "default_connect_timeout_seconds")]
    pub connect_timeout_seconds: u64,
    /// The limit on any one command and its responses, in seconds.
    #[serde(default = "default_command_timeout_seconds")]
    pub command_timeout_seconds: u64,
    /// How long one IDLE lasts before it is re-issued, in seconds; kept under 29 minutes.
    #[serde(default = "default_idle_seconds")]
    pub idle_seconds: u64,
    /// How often a server without IDLE is polled, in seconds.
    #[serde(default = "default_poll_interval_seconds")]
    pub poll_interval_seconds: u64,
    /// The first wait before reconnecting after a failure, in seconds; it doubles each time.
    #[serde(default = "default_backoff_initial_seconds")]
    pub backoff_initial_seconds: u64,
    /// The longest wait between reconnects, in seconds.
    #[serde(default = "default_backoff_max_seconds")]
    pub backoff_max_seconds: u64,
}

fn default_mailboxes() -> Vec<String> {
    vec!["INBOX".into()]
}

fn default_connect_timeout_seconds() -> u64 {
    20
}

fn default_command_timeout_seconds() -> u64 {
    60
}

fn default_idle_seconds() -> u64 {
    // Well under the 29 minutes after which servers may log an idle client off.
    600
}

fn default_poll_interval_seconds() -> u64 {
    60
}

fn default_backoff_initial_seconds() -> u64 {
    1
}

fn default_backoff_max_seconds() -> u64 {
    300
}

impl ImapConfig {
    /// The port in use, explicit or the default for the security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            ImapSecurity::Tls => 993,
            ImapSecurity::Plain => 143,
        })
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_seconds.max(1))
    }

    pub(crate) fn command_timeout(&self) -> Duration {
        Duration::from_secs(self.command_timeout_seconds.max(1))
    }

    pub(crate) fn idle_duration(&self) -> Duration {
        Duration::from_secs(self.idle_seconds.clamp(1, 28 * 60))
    }

    pub(crate) fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_interval_seconds.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_move_takes_a_folder() {
        let config: ImapConfig = serde_json::from_str(
            r#"{"host":"imap.example.org","username":"u","password":"p",
                "after_intake":{"type":"move","folder":"Processed"}}"#,
        )
        .unwrap();
        assert_eq!(config.effective_port(), 993);
        assert_eq!(config.mailboxes, ["INBOX"]);
        assert_eq!(
            config.after_intake,
            AfterIntake::Move {
                folder: "Processed".into()
            }
        );
        assert_eq!(config.idle_duration(), Duration::from_secs(600));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let result = serde_json::from_str::<ImapConfig>(
            r#"{"host":"h","username":"u","password":"p","idle_minutes":5}"#,
        );
        assert!(result.is_err());
    }
}
