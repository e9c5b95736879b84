//! What the case and dispatch tests share: a store in a temp dir, a small real rule set, the
//! case service served on loopback, and webhook receivers that record what they get.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Utc};
use gateway_core::store::{BackendType, StoreConfig};
use gateway_core::{Appeal, AppealStore, Channel};
use gateway_daemon::cases::{
    CaseService, CaseServiceParts, CasesConfig, Clock, SupervisorConfig, UnitConfig,
};
use gateway_daemon::dispatch::{EmailSender, TargetConfig};
use routing_rules::{EmbeddedSources, RouteInput, RuleSet};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The secret every test webhook shares.
pub const SECRET: &str = "test-webhook-secret-0123456789";
/// The supervisor's token.
pub const SUPERVISOR_TOKEN: &str = "supervisor-token-D001-abcdef";

/// A unit's token.
pub fn token(unit: &str) -> String {
    format!("unit-token-{unit}-0123456789")
}

/// A rule set of three units: cooking fumes are owned by market supervision (lead) with urban
/// management; leaking roofs by housing alone.
pub fn rules() -> RuleSet {
    let files = EmbeddedSources::new([(
        "routing.toml",
        r#"
        [ruleset]
        name = "cases-test"
        default_kind = "complaint"

        [[unit]]
        id = "market-supervision"
        name = "县市场监管局"
        type = "department"

        [[unit]]
        id = "urban-management"
        name = "县综合行政执法局"
        type = "department"

        [[unit]]
        id = "housing"
        name = "县住建局"
        type = "department"

        [[topic]]
        id = "cooking-fumes"
        path = ["生态环境", "大气污染", "餐饮油烟"]
        principle = "owner"
        owners = ["market-supervision", "urban-management"]
        keywords = ["油烟"]

        [[topic]]
        id = "roof-leak"
        path = ["城乡建设", "房屋管理", "房屋漏水"]
        principle = "owner"
        owners = ["housing"]
        keywords = ["漏水"]
        "#,
    )]);
    RuleSet::load_from(&files, Path::new("routing.toml")).expect("the test rules compile")
}

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Bytes,
    pub path: String,
}

/// What a receiver saw and how it answers.
#[derive(Debug, Default)]
pub struct ReceiverLog {
    /// Every request, repeats included.
    pub requests: Vec<Received>,
    /// The keys it accepted, each once: a repeat is dropped.
    pub accepted: Vec<String>,
    /// How many of the next requests to answer 503 after recording them (a lost answer).
    pub fail_next: usize,
}

/// A webhook receiver on loopback that can be taken down and brought back on its port.
pub struct Receiver {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<ReceiverLog>>,
    stop: Option<watch::Sender<bool>>,
}

async fn receive(
    State(log): State<Arc<Mutex<ReceiverLog>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let received = Received {
        key: header("idempotency-key"),
        timestamp: header("x-gateway-timestamp"),
        signature: header("x-gateway-signature"),
        body,
        path: uri.path().to_string(),
    };
    let mut log = log.lock().unwrap();
    let key = received.key.clone();
    log.requests.push(received);
    if !log.accepted.contains(&key) {
        log.accepted.push(key);
    }
    if log.fail_next > 0 {
        log.fail_next -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::OK
}

impl Receiver {
    /// A receiver listening now.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut receiver = Receiver {
            addr,
            log: Arc::default(),
            stop: None,
        };
        receiver.serve(listener);
        receiver
    }

    /// A receiver whose port is chosen but that does not listen until [`Receiver::up`].
    pub async fn down() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        Receiver {
            addr,
            log: Arc::default(),
            stop: None,
        }
    }

    /// Starts listening on its port again.
    pub async fn up(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// Stops listening.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }

    fn serve(&mut self, listener: TcpListener) {
        let (stop, mut stopped) = watch::channel(false);
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state(Arc::clone(&self.log));
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await
                .unwrap();
        });
        self.stop = Some(stop);
    }

    /// The URL of a path on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A copy of what it saw.
    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().requests.clone()
    }

    /// The keys it accepted.
    pub fn accepted(&self) -> Vec<String> {
        self.log.lock().unwrap().accepted.clone()
    }
}

/// A config with three units and a supervisor, each unit's webhook at `/{unit}` of
/// `receiver`, the supervisors' at `/supervisors`.
pub fn config(receiver: &Receiver) -> CasesConfig {
    let mut units = BTreeMap::new();
    for (id, name) in [
        ("market-supervision", "县市场监管局"),
        ("urban-management", "县综合行政执法局"),
        ("housing", "县住建局"),
    ] {
        units.insert(
            id.to_string(),
            UnitConfig {
                name: name.to_string(),
                token: token(id),
                targets: vec![TargetConfig::Webhook {
                    url: receiver.url(&format!("/{id}")),
                    secret: SECRET.to_string(),
                }],
            },
        );
    }
    let mut config = CasesConfig {
        units,
        supervisors: vec![SupervisorConfig {
            staff_id: "D001".to_string(),
            token: SUPERVISOR_TOKEN.to_string(),
        }],
        supervisor_targets: vec![TargetConfig::Webhook {
            url: receiver.url("/supervisors"),
            secret: SECRET.to_string(),
        }],
        supervision_interval_seconds: 1,
        ..CasesConfig::default()
    };
    config.dispatch.initial_backoff_milliseconds = 50;
    config.dispatch.max_backoff_seconds = 1;
    config.dispatch.poll_interval_milliseconds = 50;
    config.dispatch.timeout_seconds = 5;
    config
}

/// The service served on loopback, with its dispatch worker (and optionally its scheduler)
/// running.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub store: AppealStore,
    pub rules: Arc<RuleSet>,
    pub service: Arc<CaseService>,
    pub base: String,
    pub client: reqwest::Client,
    stop: watch::Sender<bool>,
}

impl Harness {
    /// Starts everything with this config and clock; `scheduler` also runs supervision.
    pub async fn start(config: CasesConfig, clock: Arc<dyn Clock>, scheduler: bool) -> Harness {
        Harness::start_with_email(config, clock, scheduler, None).await
    }

    /// [`Harness::start`] with an email sender for email targets.
    pub async fn start_with_email(
        config: CasesConfig,
        clock: Arc<dyn Clock>,
        scheduler: bool,
        email: Option<Arc<dyn EmailSender>>,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = AppealStore::open(&StoreConfig::new(
            BackendType::Redb,
            dir.path().join("cases.redb"),
        ))
        .unwrap();
        let rules = Arc::new(rules());
        let service = Arc::new(
            CaseService::new(CaseServiceParts {
                store: store.clone(),
                settings: config.build().expect("the test config builds"),
                clock,
                decisions: rules.clone(),
                email,
            })
            .unwrap(),
        );
        let (stop, stopped) = watch::channel(false);
        let shutdown = |mut stopped: watch::Receiver<bool>| async move {
            let _ = stopped.changed().await;
        };

        // The worker (and the scheduler), as the daemon starts them.
        if scheduler {
            gateway_daemon::cases::spawn_tasks(&service, stopped.clone()).unwrap();
        } else {
            let worker = service.dispatch_worker().unwrap();
            tokio::spawn(worker.run(shutdown(stopped.clone())));
        }
        let app: Router = gateway_daemon::cases::routes(Arc::clone(&service));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let serve_stop = shutdown(stopped);
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(serve_stop)
                .await
                .unwrap();
        });
        Harness {
            dir,
            store,
            rules,
            service,
            base,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            stop,
        }
    }

    /// Takes in an appeal as intake does (routed by the rules, stored durably) and opens
    /// its case. Returns the case number.
    pub async fn intake(&self, id: &str, body: &str, received_at: DateTime<Utc>) -> String {
        let appeal_id = self.store_only(id, body, received_at).await;
        let case = self.service.open_case(&appeal_id).await.unwrap();
        case.case_number().as_str().to_string()
    }

    /// Takes in an appeal without opening its case, as if the daemon stopped in between.
    pub async fn store_only(
        &self,
        id: &str,
        body: &str,
        received_at: DateTime<Utc>,
    ) -> gateway_core::AppealId {
        let appeal = Appeal::builder(Channel::WebForm, id, body)
            .address("大峃镇")
            .received_at(received_at)
            .build();
        let decision = self.rules.route(&RouteInput::from(&appeal));
        self.store.intake(appeal, decision).await.unwrap().appeal_id
    }

    /// A GET with a bearer token; returns status and JSON.
    pub async fn get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// A POST of JSON with a bearer token; returns status and JSON.
    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Stops the worker, the scheduler and the server.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until `check` holds, for at most `seconds`; panics with `what` otherwise.
pub async fn wait_for(seconds: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while !check() {
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {seconds} s waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// An instant from RFC 3339 text.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}
