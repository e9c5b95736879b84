//! The rule set in force, and its reloading on file change (notify) and on SIGHUP.
//!
//! A reload compiles the whole set first; only a set that compiles replaces the one in
//! force, so a broken edit never stops routing. Each error is logged at ERROR with its
//! `file:line:column`; a good set logs INFO "rules reloaded".

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use routing_rules::{RuleErrors, RuleSet};
use tokio::sync::mpsc;

use super::metrics::Metrics;
use super::state::AppState;
use crate::defaults;

/// The rule set in force, swapped whole on reload.
#[derive(Debug)]
pub struct Rules {
    current: RwLock<Arc<RuleSet>>,
    entry: Option<PathBuf>,
    metrics: Metrics,
}

impl Rules {
    /// Loads the set at `entry` (the embedded example county when `None`).
    pub fn load(entry: Option<PathBuf>, metrics: Metrics) -> Result<Self, RuleErrors> {
        let set = defaults::load_rules(entry.as_deref())?;
        Ok(Self {
            current: RwLock::new(Arc::new(set)),
            entry,
            metrics,
        })
    }

    /// The set in force. Cheap: one read lock and an `Arc` clone.
    pub fn current(&self) -> Arc<RuleSet> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The entry file, when the rules come from disk.
    pub fn entry(&self) -> Option<&Path> {
        self.entry.as_deref()
    }

    /// Compiles the set again; on success it replaces the one in force, on failure the old
    /// one keeps running and every error is logged. Blocks while compiling.
    pub fn reload(&self) -> Result<Arc<RuleSet>, RuleErrors> {
        match defaults::load_rules(self.entry.as_deref()) {
            Ok(set) => {
                let set = Arc::new(set);
                match self.current.write() {
                    Ok(mut guard) => *guard = Arc::clone(&set),
                    Err(poisoned) => *poisoned.into_inner() = Arc::clone(&set),
                }
                self.metrics.reloads.with_label_values(&["ok"]).inc();
                tracing::info!(
                    rules = set.name(),
                    files = set.files().len(),
                    patterns = set.pattern_count(),
                    "rules reloaded"
                );
                Ok(set)
            }
            Err(errors) => {
                self.metrics.reloads.with_label_values(&["failed"]).inc();
                for error in errors.iter() {
                    tracing::error!(
                        location = %format!("{}:{}:{}", error.file.display(), error.line, error.column),
                        error = %error.message,
                        "rule set does not compile; the previous rules stay in force"
                    );
                }
                Err(errors)
            }
        }
    }
}

/// Reloads on every change under the entry file's folder (after a short pause so that an
/// editor finishes writing) and on every SIGHUP. Returns the watcher, which must be kept
/// alive; `None` when the rules are embedded or watching is off.
pub fn spawn_reloader(
    state: Arc<AppState>,
    watch: bool,
    debounce: Duration,
) -> Option<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();

    // SIGHUP asks for a reload whatever the watch setting.
    #[cfg(unix)]
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                tracing::error!("could not listen for SIGHUP; reload by file change only");
                return;
            };
            while hangups.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading rules");
                if tx.send(()).is_err() {
                    return;
                }
            }
        });
    }

    let watcher = match (watch, state.rules.entry()) {
        (true, Some(entry)) => {
            let folder = entry
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            let tx = tx.clone();
            let handler = move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && matches!(
                        event.kind,
                        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                    )
                {
                    let _ = tx.send(());
                }
            };
            match notify::recommended_watcher(handler) {
                Ok(mut watcher) => match watcher.watch(&folder, RecursiveMode::Recursive) {
                    Ok(()) => {
                        tracing::info!(folder = %folder.display(), "watching rule files");
                        Some(watcher)
                    }
                    Err(e) => {
                        tracing::error!(folder = %folder.display(), error = %e, "could not watch the rule files; reload with SIGHUP");
                        None
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, "could not start the file watcher; reload with SIGHUP");
                    None
                }
            }
        }
        _ => None,
    };

    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Let the writer finish, then take every change seen meanwhile as one.
            tokio::time::sleep(debounce).await;
            while rx.try_recv().is_ok() {}
            let handle = Arc::clone(&state);
            let _ = tokio::task::spawn_blocking(move || handle.rules.reload()).await;
        }
    });
    watcher
}
