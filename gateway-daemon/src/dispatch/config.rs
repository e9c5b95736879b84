//! How dispatch is configured: delivery targets, retry limits and the notice templates.

use serde::{Deserialize, Serialize};

use super::template::TemplateConfig;

/// Where a unit's (or the supervisors') notices go. A choice between variants is the
/// `type` key.
///
/// ```toml
/// [[cases.units.market-supervision.targets]]
/// type = "webhook"
/// url = "https://oa.example.gov.cn/12345/cases"
/// secret = "a shared secret of at least 16 characters"
///
/// [[cases.units.market-supervision.targets]]
/// type = "email"
/// address = "12345@scjg.example.gov.cn"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetConfig {
    /// An HTTPS endpoint that receives each notice as a signed JSON `POST`.
    Webhook {
        /// The endpoint. `https://`, or `http://` on a loopback address only (tests, a
        /// local relay).
        url: String,
        /// The HMAC-SHA256 key shared with the receiver; at least 16 characters.
        secret: String,
    },
    /// A mailbox that receives each notice as a plain-text email.
    Email {
        /// The address.
        address: String,
    },
}

impl TargetConfig {
    /// `webhook` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            TargetConfig::Webhook { .. } => "webhook",
            TargetConfig::Email { .. } => "email",
        }
    }

    /// The URL or address, which names the target in the outbox (never the secret).
    pub fn address(&self) -> &str {
        match self {
            TargetConfig::Webhook { url, .. } => url,
            TargetConfig::Email { address } => address,
        }
    }

    /// Checks the target; `field` names it in the message.
    pub(crate) fn check(&self, field: &str) -> Result<(), String> {
        match self {
            TargetConfig::Webhook { url, secret } => {
                https_or_loopback(field, url)?;
                if secret.chars().count() < 16 {
                    return Err(format!(
                        "{field}: the secret is shorter than 16 characters; share a longer one \
                         with the receiver"
                    ));
                }
                Ok(())
            }
            TargetConfig::Email { address } => {
                let valid = address
                    .split_once('@')
                    .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
                if valid {
                    Ok(())
                } else {
                    Err(format!(
                        "{field}: `{address}` is not an email address; write it as name@domain"
                    ))
                }
            }
        }
    }
}

/// Refuses a URL that does not parse, or that is plain http off a loopback address.
pub(crate) fn https_or_loopback(field: &str, url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("{field}: url `{url}` does not parse ({e})"))?;
    let loopback = matches!(
        parsed.host_str(),
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
    );
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        other => Err(format!(
            "{field}: url `{url}` uses {other}; use https (plain http only on a loopback address)"
        )),
    }
}

/// The longest retry period accepted: one year.
pub const MAX_RETRY_FOR_SECONDS: u64 = 366 * 86_400;

/// The outbox's delivery settings (`[cases.dispatch]`).
///
/// ```toml
/// retry_for_seconds = 86400
/// initial_backoff_milliseconds = 1000
/// max_backoff_seconds = 300
/// timeout_seconds = 10
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchConfig {
    /// How long a delivery is retried, counted from when it was queued, before it is marked
    /// a delivery failure for people to act on. Default 86400 (one day).
    pub retry_for_seconds: u64,
    /// The wait before the first retry; each later wait doubles. Default 1000.
    pub initial_backoff_milliseconds: u64,
    /// The longest wait between two attempts. Default 300.
    pub max_backoff_seconds: u64,
    /// The whole time one webhook request may take. Default 10.
    pub timeout_seconds: u64,
    /// The time to open a connection to a webhook. Default 5.
    pub connect_timeout_seconds: u64,
    /// How often the outbox is scanned when nothing wakes it. Default 500.
    pub poll_interval_milliseconds: u64,
    /// The most deliveries attempted at once. Default 16.
    pub max_in_flight: usize,
    /// The Chinese texts of the notices, which the operator may edit.
    pub templates: TemplateConfig,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            retry_for_seconds: 86_400,
            initial_backoff_milliseconds: 1_000,
            max_backoff_seconds: 300,
            timeout_seconds: 10,
            connect_timeout_seconds: 5,
            poll_interval_milliseconds: 500,
            max_in_flight: 16,
            templates: TemplateConfig::default(),
        }
    }
}

impl DispatchConfig {
    /// Checks the numbers and the templates.
    pub(crate) fn check(&self) -> Result<(), String> {
        let positive = [
            ("dispatch.retry_for_seconds", self.retry_for_seconds),
            (
                "dispatch.initial_backoff_milliseconds",
                self.initial_backoff_milliseconds,
            ),
            ("dispatch.max_backoff_seconds", self.max_backoff_seconds),
            ("dispatch.timeout_seconds", self.timeout_seconds),
            (
                "dispatch.connect_timeout_seconds",
                self.connect_timeout_seconds,
            ),
            (
                "dispatch.poll_interval_milliseconds",
                self.poll_interval_milliseconds,
            ),
            ("dispatch.max_in_flight", self.max_in_flight as u64),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(format!("{field} is 0; it must be at least 1"));
            }
        }
        if self.retry_for_seconds > MAX_RETRY_FOR_SECONDS {
            return Err(format!(
                "dispatch.retry_for_seconds is {}; it must be at most {MAX_RETRY_FOR_SECONDS} \
                 (one year)",
                self.retry_for_seconds
            ));
        }
        if self.max_backoff_seconds > 86_400 {
            return Err(format!(
                "dispatch.max_backoff_seconds is {}; it must be at most 86400 (one day)",
                self.max_backoff_seconds
            ));
        }
        self.templates.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_by_type_and_refuse_unknown_fields() {
        let target: TargetConfig = toml::from_str(
            "type = \"webhook\"\nurl = \"https://oa.example.gov.cn/x\"\nsecret = \"0123456789abcdef\"",
        )
        .unwrap();
        assert_eq!(target.kind(), "webhook");
        assert!(target.check("t").is_ok());
        let error =
            toml::from_str::<TargetConfig>("type = \"email\"\naddress = \"a@b.cn\"\nport = 25")
                .unwrap_err();
        assert!(error.to_string().contains("port"), "{error}");
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let target = TargetConfig::Webhook {
            url: "http://oa.example.gov.cn/x".into(),
            secret: "0123456789abcdef".into(),
        };
        let error = target.check("units.a.targets[0]").unwrap_err();
        assert!(error.contains("use https"), "{error}");
        let local = TargetConfig::Webhook {
            url: "http://127.0.0.1:9000/x".into(),
            secret: "0123456789abcdef".into(),
        };
        assert!(local.check("t").is_ok());
        let short = TargetConfig::Webhook {
            url: "https://oa.example.gov.cn/x".into(),
            secret: "short".into(),
        };
        assert!(short.check("t").unwrap_err().contains("16 characters"));
    }
}
