//! Start-up, serving, and graceful shutdown.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gateway_core::AppealStore;
use gateway_core::store::StoreError;
use routing_rules::RuleErrors;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::api::auth::Tokens;
use super::api::status::RateLimiter;
use super::emergency::Emergencies;
use super::metrics::Metrics;
use super::reload::{Rules, spawn_reloader};
use super::state::{AppState, Channels};
use crate::config::{ADMIN_TOKEN_ENV, ConfigError, GatewayConfig};

/// Why the daemon could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The rules do not compile.
    #[error("the rule set does not compile:\n{0}")]
    Rules(RuleErrors),
    /// A channel's section is wrong.
    #[error("invalid channel config [channels.{channel}]: {reason}")]
    Channel {
        /// The channel.
        channel: String,
        /// What the adapter said.
        reason: String,
    },
    /// The data dir could not be created.
    #[error("could not create the data dir {path}: {reason}; check --data-dir and its permissions")]
    DataDir {
        /// The path.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The address could not be bound.
    #[error("could not listen on {address}: {reason}; is another process using it?")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// What the system said.
        reason: String,
    },
    /// The HTTP client for emergencies could not be built.
    #[error("could not build the emergency hand-off client: {0}")]
    Client(String),
    /// The knowledge base could not be opened, or a configured folder listed.
    #[error("the knowledge base could not be opened: {0}")]
    Knowledge(String),
    /// The server failed while running.
    #[error("the server stopped: {0}")]
    Serve(String),
}

fn channel_error(channel: &str, reason: impl std::fmt::Display) -> ServeError {
    ServeError::Channel {
        channel: channel.to_string(),
        reason: reason.to_string(),
    }
}

/// Builds the shared state: opens the store, compiles the rules, builds each channel.
pub async fn build_state(config: &GatewayConfig) -> Result<Arc<AppState>, ServeError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| ServeError::DataDir {
        path: config.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let store_config = config.store.store_config(&config.data_dir);
    let store = tokio::task::spawn_blocking(move || AppealStore::open(&store_config))
        .await
        .map_err(|e| ServeError::Serve(e.to_string()))??;

    let metrics = Metrics::new();
    let entry = config.rules.entry.clone();
    let rules_metrics = metrics.clone();
    let rules = tokio::task::spawn_blocking(move || Rules::load(entry, rules_metrics))
        .await
        .map_err(|e| ServeError::Serve(e.to_string()))?
        .map_err(ServeError::Rules)?;

    let channels = &config.channels;
    let mut wechat = BTreeMap::new();
    if let Some(section) = &channels.wechat {
        for (name, account) in &section.accounts {
            let adapter = account
                .clone()
                .build()
                .map_err(|e| channel_error(&format!("wechat.accounts.{name}"), e))?;
            wechat.insert(name.clone(), adapter);
        }
    }
    let channels = Channels {
        cti: channels
            .cti
            .clone()
            .map(|c| c.build())
            .transpose()
            .map_err(|e| channel_error("cti", e))?,
        sms: channels
            .sms
            .clone()
            .map(|c| c.build())
            .transpose()
            .map_err(|e| channel_error("sms", e))?,
        wechat,
        wechat_reply_timeout: Duration::from_millis(
            channels
                .wechat
                .as_ref()
                .map_or(4000, |w| w.reply_timeout_millis),
        ),
        web_form: channels
            .web_form
            .clone()
            .map(|c| c.build())
            .transpose()
            .map_err(|e| channel_error("web_form", e))?,
    };

    let emergencies = Emergencies::new(&config.emergency, store.clone(), metrics.clone())
        .map_err(|e| ServeError::Client(e.to_string()))?;

    // Units with an email target get notices, and citizens who wrote by email get surveys,
    // over the email channel's SMTP.
    let email_sender = match &config.channels.email {
        Some(email) => Some(Arc::new(
            crate::email::notices::SmtpNoticeSender::from_config(email)
                .map_err(ServeError::Serve)?,
        ) as Arc<dyn crate::dispatch::EmailSender>),
        None => None,
    };
    let surveys = match (&config.follow_up, &config.cases) {
        (Some(section), Some(_)) => Some(Arc::new(build_surveys(
            config,
            section,
            &store,
            email_sender.clone(),
        )?)),
        _ => None,
    };

    // Cases re-route with the rules in force, so they share the reloadable rule set.
    let rules = Arc::new(rules);
    let cases = match &config.cases {
        None => None,
        Some(section) => {
            let settings = section
                .clone()
                .build()
                .map_err(|e| ServeError::Serve(e.to_string()))?;
            let rules = Arc::clone(&rules);
            let service = crate::cases::CaseService::new(crate::cases::CaseServiceParts {
                store: store.clone(),
                settings,
                clock: Arc::new(crate::cases::SystemClock),
                decisions: Arc::new(crate::cases::DecideWith(
                    move |appeal: &gateway_core::Appeal| {
                        rules
                            .current()
                            .route(&routing_rules::RouteInput::from(appeal))
                    },
                )),
                email: email_sender.clone(),
            })
            .map_err(|e| ServeError::Serve(e.to_string()))?;
            let service = match &surveys {
                Some(surveys) => service.with_surveys(Arc::clone(surveys)),
                None => service,
            };
            Some(Arc::new(service))
        }
    };
    // The SMS accounts whose webhook is signed (Twilio): only there is the sender's phone
    // proven, and only there does the webhook's answer reach the sender.
    let signed_sms_accounts: std::collections::BTreeSet<String> = config
        .channels
        .sms
        .iter()
        .flat_map(|sms| &sms.accounts)
        .filter(|(_, account)| {
            matches!(account, channel_adapters::sms::SmsAccountConfig::Twilio(_))
        })
        .map(|(name, _)| name.clone())
        .collect();
    let follow_ups = match (&cases, &surveys) {
        (Some(cases), Some(surveys)) => Some(Arc::new(crate::followup::FollowUps::new(
            store.clone(),
            Arc::clone(cases),
            Arc::clone(surveys),
            signed_sms_accounts.clone(),
        ))),
        _ => None,
    };

    // The knowledge base answers only where the channel's own reply reaches the citizen.
    let knowledge = match &config.knowledge {
        None => None,
        Some(section) => {
            let reply_accounts = signed_sms_accounts;
            let service = crate::knowledge::KnowledgeService::open(
                section.clone(),
                &config.data_dir,
                reply_accounts,
            )
            .await
            .map_err(|e| ServeError::Knowledge(e.to_string()))?;
            // Email consultations get their answer by mail through the citizens' outbox.
            let service = if config.channels.email.is_some() && follow_ups.is_some() {
                service.with_email_answers()
            } else {
                service
            };
            Some(Arc::new(service))
        }
    };
    Ok(Arc::new(AppState {
        store,
        rules,
        cases,
        follow_ups,
        knowledge,
        channels,
        tokens: Tokens::new(&config.api.tokens, std::env::var(ADMIN_TOKEN_ENV).ok()),
        metrics,
        emergencies,
        status_limiter: RateLimiter::new(config.status.lookups_per_minute),
        max_body_bytes: config.max_body_bytes,
        accepting: AtomicBool::new(true),
    }))
}

/// What the daemon does with a stored email: opens the case of a new appeal, and reads a
/// reply to a survey email as the citizen's rating.
fn after_stored_email(state: &Arc<AppState>) -> Option<crate::email::sink::AfterStored> {
    state.cases.as_ref()?;
    let state = Arc::clone(state);
    Some(Arc::new(move |stored| {
        let state = Arc::clone(&state);
        Box::pin(async move {
            match stored {
                crate::email::sink::StoredEmail::NewAppeal { appeal_id } => {
                    email_appeal_stored(&state, &appeal_id).await;
                }
                crate::email::sink::StoredEmail::CaseReply {
                    case_number,
                    text,
                    message_id,
                    from,
                } => {
                    email_reply_stored(&state, &case_number, &text, &message_id, from.as_deref())
                        .await
                }
            }
        })
    }))
}

/// A new email appeal: the knowledge base may answer it by mail; then its case is opened or
/// it joins the open case it repeats.
// Limitation: a stop between storing the mail and this leaves the case to be opened at the
// next start, without the knowledge base's answer.
async fn email_appeal_stored(state: &AppState, appeal_id: &gateway_core::AppealId) {
    let Some(cases) = &state.cases else {
        return;
    };
    let record = match state.store.appeal(appeal_id) {
        Ok(Some(record)) => record,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(%error, appeal = %appeal_id, "could not read a stored email appeal");
            return;
        }
    };
    let stored = gateway_core::store::IntakeOutcome {
        appeal_id: appeal_id.clone(),
        case_number: record.case_number.clone(),
        duplicate: false,
    };
    let answer = crate::knowledge::intake::consult_knowledge(
        state,
        &record.appeal,
        &record.decision,
        &stored,
    )
    .await;
    // An answered consultation has its own case, resolved at once; anything else may
    // repeat an open case (重复件) and join it.
    let opened = if answer.is_some() {
        cases.open_case(appeal_id).await.map(|_| ())
    } else {
        cases.open_or_link(appeal_id).await.map(|_| ())
    };
    if let Err(error) = opened {
        tracing::error!(%error, appeal = %appeal_id, "could not open the case of an email");
        return;
    }
    if let (Some(answer), Some(follow_ups), Some(address)) =
        (answer, &state.follow_ups, &record.appeal.citizen.email)
    {
        let address = crate::followup::CitizenAddress::Email {
            address: address.clone(),
        };
        if let Err(error) = follow_ups
            .send_to_citizen(&record.case_number, &address, answer)
            .await
        {
            tracing::error!(%error, case = %record.case_number, "could not queue the direct answer by mail");
        }
    }
}

/// A reply mail to a case: the answer to its survey, or "did not help" to its direct answer,
/// when it comes from the citizen's own address. A mail is tied to its case by its subject
/// alone as well, and case numbers follow each other, so a mail from anyone else is only
/// kept with the case, where people read it.
// Limitation: a citizen answering from another mailbox than the one the case knows is not
// read either; and a forged From header still passes, as mail does not prove its sender.
async fn email_reply_stored(
    state: &AppState,
    case_number: &gateway_core::case::CaseNumber,
    text: &str,
    message_id: &str,
    from: Option<&str>,
) {
    let citizen = match state.store.appeal_by_case_number(case_number) {
        Ok(Some(record)) => record.appeal.citizen.email,
        Ok(None) => None,
        Err(error) => {
            tracing::error!(%error, case = %case_number, "could not read the case of a reply mail");
            return;
        }
    };
    if !same_address(from, citizen.as_deref()) {
        tracing::info!(case = %case_number, "a reply mail from another address than the citizen's is kept with the case, not read as an answer");
        return;
    }
    if let Some(follow_ups) = &state.follow_ups {
        match follow_ups
            .take_email_reply(case_number, text, message_id)
            .await
        {
            Ok(Some(_)) => return,
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, case = %case_number, "could not read an email as a survey answer");
            }
        }
    }
    if let Some(answer) =
        crate::knowledge::intake::email_not_helpful(state, case_number, text).await
        && let Some(follow_ups) = &state.follow_ups
        && let Ok(Some(record)) = state.store.appeal_by_case_number(case_number)
        && let Some(address) = &record.appeal.citizen.email
    {
        let address = crate::followup::CitizenAddress::Email {
            address: address.clone(),
        };
        if let Err(error) = follow_ups
            .send_to_citizen(case_number, &address, answer)
            .await
        {
            tracing::error!(%error, case = %case_number, "could not queue the mail that the case went to its unit");
        }
    }
}

/// Whether a mail's sender is the citizen's address (case does not matter); never without
/// both.
fn same_address(from: Option<&str>, citizen: Option<&str>) -> bool {
    match (from, citizen) {
        (Some(from), Some(citizen)) => from.trim().eq_ignore_ascii_case(citizen.trim()),
        _ => false,
    }
}

/// The surveys of `[follow_up]`: its senders, with each sending WeChat account's AppID.
fn build_surveys(
    config: &GatewayConfig,
    section: &crate::followup::FollowUpSection,
    store: &AppealStore,
    email: Option<Arc<dyn crate::dispatch::EmailSender>>,
) -> Result<crate::followup::Surveys, ServeError> {
    let settings = section
        .clone()
        .build(&config.wechat_account_names())
        .map_err(|reason| channel_error("follow_up", reason))?;
    let mut wechat = BTreeMap::new();
    if let Some(accounts) = &config.channels.wechat {
        for (name, sender) in &section.wechat {
            if let Some(account) = accounts.accounts.get(name) {
                wechat.insert(name.clone(), (account.app_id.clone(), sender.clone()));
            }
        }
    }
    let senders = crate::followup::Senders::new(section.sms.clone(), wechat, email)
        .map_err(|e| ServeError::Client(e.to_string()))?;
    let email_domain = config
        .channels
        .email
        .as_ref()
        .map(|e| e.acknowledgement.message_id_domain.clone());
    Ok(crate::followup::Surveys::new(
        store.clone(),
        settings,
        senders,
        email_domain,
    ))
}

/// Runs the daemon until SIGTERM or Ctrl-C: then it stops accepting, lets the requests in
/// flight finish (for at most `shutdown_grace_seconds`) and closes the store. Appeals already
/// acknowledged were durable before their answer, so nothing acknowledged is lost either way.
///
/// Once listening, the bound address is printed on standard output as
/// `listening on http://ADDR`, so a caller that asked for port 0 learns the port.
pub async fn serve(config: GatewayConfig) -> Result<(), ServeError> {
    let address = config.listen_addr()?;
    let state = build_state(&config).await?;

    match state.emergencies.resume() {
        Ok(0) => {}
        Ok(n) => tracing::warn!(count = n, "resumed pending emergency hand-offs"),
        Err(e) => tracing::error!(error = %e, "could not read the pending emergency hand-offs"),
    }
    let _watcher = spawn_reloader(
        Arc::clone(&state),
        config.rules.watch,
        Duration::from_millis(config.rules.debounce_millis),
    );

    // The email loop has its own stop signal: its IMAP watchers stop only on `true`.
    let (email_stop, email_shutdown) = watch::channel(false);
    let email = match &config.channels.email {
        Some(section) => {
            let current = Arc::clone(&state);
            let rules: crate::email::CurrentRules = Arc::new(move || current.rules.current());
            // Emergencies by email go to the same hand-off as every other channel's.
            let emergencies = state.emergencies.clone();
            let handoff: crate::email::sink::EmergencyHandoff =
                Arc::new(move |appeal, decision, case_number| {
                    let emergencies = emergencies.clone();
                    Box::pin(async move {
                        emergencies
                            .hand_off(appeal, decision, case_number)
                            .await
                            .map_err(|e| e.to_string())
                    })
                });
            let channel = crate::email::spawn::spawn_with_hooks(
                section,
                state.store.clone(),
                rules,
                Some(handoff),
                after_stored_email(&state),
                email_shutdown,
            )
            .map_err(|e| ServeError::Channel {
                channel: "email".into(),
                reason: e.to_string(),
            })?;
            Some(channel)
        }
        None => None,
    };

    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| ServeError::Bind {
            address,
            reason: e.to_string(),
        })?;
    let bound = listener.local_addr().map_err(|e| ServeError::Bind {
        address,
        reason: e.to_string(),
    })?;
    tracing::info!(
        address = %bound,
        backend = %state.store.backend_type(),
        rules = state.rules.current().name(),
        "gateway listening"
    );
    println!("listening on http://{bound}");

    let (stop_tx, mut stop_rx) = watch::channel(false);
    let _case_tasks = match &state.cases {
        Some(cases) => crate::cases::spawn_tasks(cases, stop_rx.clone())
            .map_err(|e| ServeError::Serve(e.to_string()))?,
        None => Vec::new(),
    };
    let _follow_up_tasks = match (&state.follow_ups, &state.cases) {
        (Some(follow_ups), Some(cases)) => {
            let surveys = follow_ups.surveys();
            let worker = crate::followup::MessageWorker::new(
                state.store.clone(),
                surveys.senders().clone(),
                Arc::clone(cases.clock()),
                surveys.settings().section.retry_for_seconds,
                Arc::clone(surveys.wake()),
            );
            vec![
                tokio::spawn(worker.run(stop_rx.clone())),
                tokio::spawn(Arc::clone(follow_ups).run(stop_rx.clone())),
            ]
        }
        _ => Vec::new(),
    };
    let _knowledge_task = match (&state.knowledge, &state.cases) {
        (Some(knowledge), Some(cases)) => {
            let window =
                chrono::Duration::hours(i64::from(knowledge.config().not_helpful.window_hours));
            Some(tokio::spawn(crate::knowledge::closing::run(
                state.store.clone(),
                Arc::clone(cases),
                window,
                stop_rx.clone(),
            )))
        }
        _ => None,
    };
    let app = super::router(Arc::clone(&state));
    let stopping = Arc::clone(&state);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        stopping.accepting.store(false, Ordering::Relaxed);
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        let _ = stop_tx.send(true);
    });
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    let outcome = tokio::select! {
        result = server => result.map_err(|e| ServeError::Serve(e.to_string())),
        () = async {
            let _ = stop_rx.wait_for(|stopped| *stopped).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_seconds = grace.as_secs(), "requests still in flight after the grace period; stopping anyway");
            Ok(())
        }
    };
    let _ = email_stop.send(true);
    if let Some(email) = email {
        email.join().await;
    }
    let store = state.store.clone();
    drop(state);
    tokio::task::spawn_blocking(move || store.close())
        .await
        .map_err(|e| ServeError::Serve(e.to_string()))?;
    tracing::info!("store closed; gateway stopped");
    outcome
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

#[cfg(test)]
mod tests {
    use super::same_address;

    #[test]
    fn a_reply_counts_only_from_the_citizens_own_address() {
        assert!(same_address(
            Some(" Zhang@Example.org"),
            Some("zhang@example.org")
        ));
        assert!(!same_address(
            Some("li@example.org"),
            Some("zhang@example.org")
        ));
        assert!(!same_address(None, Some("zhang@example.org")));
        assert!(!same_address(Some("zhang@example.org"), None));
    }
}
