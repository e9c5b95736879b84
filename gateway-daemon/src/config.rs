//! The daemon's configuration file (`gateway serve --config gateway.toml`).
//!
//! Every section is a serde struct that refuses unknown fields, so a misspelt setting is an
//! error at start-up rather than a silent default. Paths in the file are relative to the
//! file's folder, except `data_dir`, which is relative to the working directory (so that the
//! example runs from the checkout with its data under `gateway-data/`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use channel_adapters::cti::CtiConfig;
use channel_adapters::sms::SmsConfig;
use channel_adapters::web_form::WebFormConfig;
use channel_adapters::wechat::WechatConfig;
use gateway_core::EmergencyService;
use gateway_core::store::{BackendType, StoreConfig};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The environment variable that may hold an extra admin API token.
pub const ADMIN_TOKEN_ENV: &str = "GATEWAY_ADMIN_TOKEN";

/// What went wrong reading the configuration.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("could not read the config file {path}: {reason}; check the path given to --config")]
    Read {
        /// The path.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid config file {path}: {reason}")]
    Parse {
        /// The path.
        path: PathBuf,
        /// What the parser said, with line and column.
        reason: String,
    },
    /// A value that parses but cannot be used.
    #[error("invalid config value `{field}`: {reason}")]
    Invalid {
        /// The setting.
        field: String,
        /// Why it is refused and what to write instead.
        reason: String,
    },
}

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The address to listen on. Default `127.0.0.1:8080`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Where the store's files live, relative to the working directory. Default
    /// `gateway-data`.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// The largest request body accepted, in bytes; a larger one is answered 413.
    /// Default 25 MiB (room for a web form's files).
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// How long shutdown waits for requests in flight, in seconds. Default 10.
    #[serde(default = "default_shutdown_grace_seconds")]
    pub shutdown_grace_seconds: u64,
    /// The durable store.
    #[serde(default)]
    pub store: StoreSection,
    /// The routing rules.
    #[serde(default)]
    pub rules: RulesSection,
    /// The read-back API.
    #[serde(default)]
    pub api: ApiSection,
    /// The citizens' status lookup.
    #[serde(default)]
    pub status: StatusSection,
    /// The intake channels.
    #[serde(default)]
    pub channels: ChannelsSection,
    /// The emergency hand-off.
    #[serde(default)]
    pub emergency: EmergencySection,
    /// Logging.
    #[serde(default)]
    pub logging: LoggingSection,
    /// Cases: dispatch to handling units, their answers, deadlines and supervision; off
    /// when absent.
    #[serde(default)]
    pub cases: Option<crate::cases::CasesConfig>,
    /// Follow-up (回访): surveys after a case is resolved; needs `[cases]`. Off when absent.
    #[serde(default)]
    pub follow_up: Option<crate::followup::FollowUpSection>,
    /// The knowledge base: direct answers to consultations, candidates for routed cases,
    /// the units' entries API; off when absent.
    #[serde(default)]
    pub knowledge: Option<crate::knowledge::KnowledgeConfig>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".to_string()
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("gateway-data")
}
fn default_max_body_bytes() -> usize {
    25 * 1024 * 1024
}
fn default_shutdown_grace_seconds() -> u64 {
    10
}

/// `[store]`: which engine and how it commits; the path comes from `data_dir`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// `redb` (default) or `sled` (needs the `sled` feature).
    #[serde(rename = "type", default)]
    pub backend: BackendType,
    /// The most writes in one commit and one fsync (group commit); 1 turns it off.
    /// Default 256.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// How long a commit waits for more writes to join, in microseconds. Default 0: while one
    /// fsync runs, the next writes queue up and form the next batch by themselves.
    #[serde(default)]
    pub max_batch_wait_micros: u64,
    /// The largest attachment stored, in bytes. Default 20 MiB.
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
    /// The engine's page cache, in bytes. Default 64 MiB.
    #[serde(default = "default_cache_bytes")]
    pub cache_bytes: u64,
}

fn default_max_batch() -> usize {
    256
}
fn default_max_attachment_bytes() -> u64 {
    20 * 1024 * 1024
}
fn default_cache_bytes() -> u64 {
    64 * 1024 * 1024
}

impl Default for StoreSection {
    fn default() -> Self {
        Self {
            backend: BackendType::Redb,
            max_batch: default_max_batch(),
            max_batch_wait_micros: 0,
            max_attachment_bytes: default_max_attachment_bytes(),
            cache_bytes: default_cache_bytes(),
        }
    }
}

impl StoreSection {
    /// The store's own config, with its file (redb) or folder (sled) under `data_dir`.
    pub fn store_config(&self, data_dir: &Path) -> StoreConfig {
        let path = match self.backend {
            BackendType::Redb => data_dir.join("appeals.redb"),
            BackendType::Sled => data_dir.join("appeals.sled"),
        };
        let mut config = StoreConfig::new(self.backend, path);
        config.max_batch = self.max_batch;
        config.max_batch_wait_micros = self.max_batch_wait_micros;
        config.max_attachment_bytes = self.max_attachment_bytes;
        config.cache_bytes = self.cache_bytes;
        config
    }
}

/// `[rules]`: the routing rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// The rule set's entry file, relative to the config file. When absent, the example
    /// county embedded in the binary is used (and nothing is watched).
    #[serde(default)]
    pub entry: Option<PathBuf>,
    /// Whether to watch the rule files and reload on change. Default true.
    #[serde(default = "default_true")]
    pub watch: bool,
    /// How long to wait after a change for the editor to finish writing, in milliseconds.
    /// Default 200.
    #[serde(default = "default_debounce_millis")]
    pub debounce_millis: u64,
}

fn default_true() -> bool {
    true
}
fn default_debounce_millis() -> u64 {
    200
}

impl Default for RulesSection {
    fn default() -> Self {
        Self {
            entry: None,
            watch: true,
            debounce_millis: default_debounce_millis(),
        }
    }
}

/// `[api]`: who may read appeals back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    /// The bearer tokens (`[[api.tokens]]`). An admin token may also come from the
    /// environment variable `GATEWAY_ADMIN_TOKEN`.
    #[serde(default)]
    pub tokens: Vec<ApiToken>,
}

/// One bearer token of the read-back API.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    /// Who holds it, for logs (never the token itself).
    pub name: String,
    /// The secret, sent as `Authorization: Bearer <token>`; at least 16 characters.
    pub token: String,
    /// What it may do.
    pub role: Role,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read everything, and ask for a rules reload.
    Admin,
    /// Read appeals and the call-back list.
    Reader,
}

/// `[status]`: the citizens' lookup by case number and the phone's last four digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSection {
    /// Lookups allowed per client address per minute. Default 20.
    #[serde(default = "default_lookups_per_minute")]
    pub lookups_per_minute: u32,
}

fn default_lookups_per_minute() -> u32 {
    20
}

impl Default for StatusSection {
    fn default() -> Self {
        Self {
            lookups_per_minute: default_lookups_per_minute(),
        }
    }
}

/// `[channels]`: each channel is off unless its section is present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsSection {
    /// `[channels.cti]`: the phone system's webhook.
    #[serde(default)]
    pub cti: Option<CtiConfig>,
    /// `[channels.sms.accounts.NAME]`: SMS provider accounts.
    #[serde(default)]
    pub sms: Option<SmsConfig>,
    /// `[channels.wechat.accounts.NAME]`: WeChat Official Accounts.
    #[serde(default)]
    pub wechat: Option<WechatSection>,
    /// `[channels.web_form]`: the web form.
    #[serde(default)]
    pub web_form: Option<WebFormConfig>,
    /// `[channels.email]`: the county mailbox over IMAP, acknowledgements over SMTP.
    #[serde(default)]
    pub email: Option<crate::email::EmailConfig>,
}

/// `[channels.wechat]`: Official Accounts by the name in the webhook path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatSection {
    /// Accounts by name (`/channels/wechat/{name}`).
    #[serde(default)]
    pub accounts: BTreeMap<String, WechatConfig>,
    /// How long the store may take before the passive reply is given up on, in
    /// milliseconds; WeChat waits 5 s. Default 4000.
    #[serde(default = "default_wechat_reply_timeout_millis")]
    pub reply_timeout_millis: u64,
}

fn default_wechat_reply_timeout_millis() -> u64 {
    4000
}

/// `[emergency]`: where emergencies are handed off, and how hard to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencySection {
    /// The endpoint of each service, keyed by its number: `"110"`, `"119"`, `"120"`,
    /// `"122"`.
    #[serde(default)]
    pub endpoints: BTreeMap<String, EmergencyEndpoint>,
    /// The timeout of one hand-off request, in milliseconds. Default 3000.
    #[serde(default = "default_request_timeout_millis")]
    pub request_timeout_millis: u64,
    /// The wait before the first retry, in milliseconds; it doubles each time. Default 200.
    #[serde(default = "default_initial_backoff_millis")]
    pub initial_backoff_millis: u64,
    /// The longest wait between retries, in milliseconds. Default 30000.
    #[serde(default = "default_max_backoff_millis")]
    pub max_backoff_millis: u64,
}

fn default_request_timeout_millis() -> u64 {
    3000
}
fn default_initial_backoff_millis() -> u64 {
    200
}
fn default_max_backoff_millis() -> u64 {
    30_000
}

impl Default for EmergencySection {
    fn default() -> Self {
        Self {
            endpoints: BTreeMap::new(),
            request_timeout_millis: default_request_timeout_millis(),
            initial_backoff_millis: default_initial_backoff_millis(),
            max_backoff_millis: default_max_backoff_millis(),
        }
    }
}

/// One emergency service's endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyEndpoint {
    /// The URL the appeal and decision are POSTed to as JSON.
    pub url: String,
}

/// `[logging]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingSection {
    /// `text` (default) or `json`.
    #[serde(default)]
    pub format: LogFormat,
    /// An `EnvFilter` directive such as `info` or `gateway_daemon=debug,info`; `RUST_LOG`
    /// overrides it. Default `info`.
    #[serde(default = "default_level")]
    pub level: String,
}

fn default_level() -> String {
    "info".to_string()
}

impl Default for LoggingSection {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: default_level(),
        }
    }
}

/// The log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl GatewayConfig {
    /// Reads and checks a config file; relative paths in it are resolved against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut config = Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { reason, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                reason,
            },
            other => other,
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        if let Some(entry) = &config.rules.entry
            && entry.is_relative()
        {
            config.rules.entry = Some(folder.join(entry));
        }
        if let Some(knowledge) = &mut config.knowledge {
            knowledge.resolve_paths(folder);
        }
        Ok(config)
    }

    /// Parses and checks config text; paths are left as written.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: GatewayConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            reason: e.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// The listen address, parsed.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|e| ConfigError::Invalid {
            field: "listen".to_string(),
            reason: format!(
                "{:?} is not an address ({e}); write e.g. 127.0.0.1:8080",
                self.listen
            ),
        })
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |field: &str, reason: String| ConfigError::Invalid {
            field: field.to_string(),
            reason,
        };
        self.listen_addr()?;
        if self.max_body_bytes == 0 {
            return Err(invalid(
                "max_body_bytes",
                "it must be at least 1".to_string(),
            ));
        }
        for token in &self.api.tokens {
            if token.token.len() < 16 {
                return Err(invalid(
                    "api.tokens.token",
                    format!(
                        "the token named {:?} is shorter than 16 characters; use a long random string",
                        token.name
                    ),
                ));
            }
        }
        for (number, endpoint) in &self.emergency.endpoints {
            if EmergencyService::parse(number).is_none() {
                return Err(invalid(
                    "emergency.endpoints",
                    format!(
                        "{number:?} is not a service; use \"110\", \"119\", \"120\" or \"122\""
                    ),
                ));
            }
            if !(endpoint.url.starts_with("http://") || endpoint.url.starts_with("https://")) {
                return Err(invalid(
                    "emergency.endpoints.url",
                    format!("the url of {number} must start with http:// or https://"),
                ));
            }
        }
        if self.emergency.initial_backoff_millis == 0 {
            return Err(invalid(
                "emergency.initial_backoff_millis",
                "it must be at least 1".to_string(),
            ));
        }
        if let Some(knowledge) = &self.knowledge {
            knowledge
                .check()
                .map_err(|(field, reason)| invalid(&field, reason))?;
        }
        if self.status.lookups_per_minute == 0 {
            return Err(invalid(
                "status.lookups_per_minute",
                "it must be at least 1".to_string(),
            ));
        }
        if let Some(follow_up) = &self.follow_up {
            if self.cases.is_none() {
                return Err(invalid(
                    "follow_up",
                    "follow-up needs cases: add a [cases] section or remove [follow_up]"
                        .to_string(),
                ));
            }
            follow_up
                .clone()
                .build(&self.wechat_account_names())
                .map_err(|reason| invalid("follow_up", reason))?;
        }
        Ok(())
    }

    /// The names of the configured WeChat accounts.
    pub fn wechat_account_names(&self) -> Vec<String> {
        self.channels
            .wechat
            .as_ref()
            .map(|w| w.accounts.keys().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/wencheng/gateway.toml");
        let config = GatewayConfig::load(&path).unwrap();
        assert!(config.channels.cti.is_some());
        let sms = config.channels.sms.unwrap();
        assert_eq!(sms.accounts.len(), 3);
        let wechat = config.channels.wechat.unwrap();
        assert!(wechat.accounts.contains_key("wencheng"));
        assert!(config.rules.entry.unwrap().ends_with("routing.toml"));
        let knowledge = config.knowledge.expect("the example has a knowledge base");
        assert!(knowledge.import[0].ends_with("knowledge"));
        assert!(knowledge.import[0].is_dir(), "{:?}", knowledge.import[0]);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused() {
        let err = GatewayConfig::parse("listen_addr = \"127.0.0.1:1\"").unwrap_err();
        assert!(err.to_string().contains("listen_addr"), "{err}");
        let err = GatewayConfig::parse("listen = \"nowhere\"").unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
        let err =
            GatewayConfig::parse("[emergency.endpoints.999]\nurl = \"http://x\"").unwrap_err();
        assert!(err.to_string().contains("999"), "{err}");
    }

    #[test]
    fn defaults_fill_an_empty_file() {
        let config = GatewayConfig::parse("").unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert_eq!(config.max_body_bytes, 25 * 1024 * 1024);
        let store = config.store.store_config(Path::new("d"));
        assert_eq!(store.path, Path::new("d/appeals.redb"));
    }
}
