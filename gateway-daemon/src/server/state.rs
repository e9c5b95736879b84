//! The state every handler shares.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use channel_adapters::cti::CtiAdapter;
use channel_adapters::sms::SmsAdapter;
use channel_adapters::web_form::WebFormAdapter;
use channel_adapters::wechat::WechatAdapter;
use gateway_core::AppealStore;

use super::api::auth::Tokens;
use super::api::status::RateLimiter;
use super::emergency::Emergencies;
use super::metrics::Metrics;
use super::reload::Rules;

/// The running channel adapters; a channel without a config section is `None` (404).
#[derive(Debug, Default)]
pub struct Channels {
    /// The phone system's webhook.
    pub cti: Option<CtiAdapter>,
    /// The SMS provider accounts.
    pub sms: Option<SmsAdapter>,
    /// The WeChat Official Accounts by name.
    pub wechat: BTreeMap<String, WechatAdapter>,
    /// How long a WeChat push may wait for the store before the daemon stops waiting.
    pub wechat_reply_timeout: Duration,
    /// The web form.
    pub web_form: Option<WebFormAdapter>,
}

/// Everything a handler needs, shared behind one `Arc`.
pub struct AppState {
    /// The durable store.
    pub store: AppealStore,
    /// The rule set in force, shared with the case service so re-routing uses reloaded rules.
    pub rules: Arc<Rules>,
    /// Cases, when `[cases]` is configured.
    pub cases: Option<Arc<crate::cases::CaseService>>,
    /// Follow-up, when `[follow_up]` is configured beside `[cases]`.
    pub follow_ups: Option<Arc<crate::followup::FollowUps>>,
    /// The knowledge base, when `[knowledge]` is configured.
    pub knowledge: Option<Arc<crate::knowledge::KnowledgeService>>,
    /// The channel adapters.
    pub channels: Channels,
    /// The API tokens.
    pub tokens: Tokens,
    /// The Prometheus metrics.
    pub metrics: Metrics,
    /// The emergency hand-off.
    pub emergencies: Emergencies,
    /// The status lookup's limit per client address.
    pub status_limiter: RateLimiter,
    /// The request body limit.
    pub max_body_bytes: usize,
    /// False once shutdown has begun, so `/readyz` turns away new traffic.
    pub accepting: AtomicBool,
}

impl AppState {
    /// True while the daemon takes traffic: store open, rules loaded, not shutting down.
    pub fn is_ready(&self) -> bool {
        self.accepting.load(Ordering::Relaxed) && self.store_answers()
    }

    fn store_answers(&self) -> bool {
        self.store
            .count(&gateway_core::store::AppealFilter::default())
            .is_ok()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}
