//! Group commit: one writer thread drains a queue of writes, works each out against the
//! stored state, commits the whole batch in one transaction and one fsync, then answers
//! every waiter.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::apply::{self, Staging};
use super::backend::{ChangeSet, StorageBackend};
use super::batch::BatchOp;
use super::error::StoreError;
use super::records::{IntakeOutcome, PreparedIntake};

/// Where the answer to one write goes: a blocked thread or an awaiting task.
pub(crate) enum Reply<T> {
    Blocking(mpsc::SyncSender<Result<T, StoreError>>),
    Async(oneshot::Sender<Result<T, StoreError>>),
}

impl<T> Reply<T> {
    fn send(self, result: Result<T, StoreError>) {
        // A waiter that went away (a cancelled task) needs no answer; the write stands.
        match self {
            Reply::Blocking(sender) => {
                let _ = sender.send(result);
            }
            Reply::Async(sender) => {
                let _ = sender.send(result);
            }
        }
    }
}

/// One write queued for the writer.
pub(crate) enum Job {
    Intake {
        prepared: Box<PreparedIntake>,
        reply: Reply<IntakeOutcome>,
    },
    Batch {
        ops: Vec<BatchOp>,
        reply: Reply<()>,
    },
    Attachment {
        sha256: String,
        bytes: Vec<u8>,
        reply: Reply<String>,
    },
    /// Commit what is queued before it and stop.
    Shutdown,
}

/// A worked-out write waiting for its batch to commit.
enum Answer {
    Intake(Reply<IntakeOutcome>, Result<IntakeOutcome, StoreError>),
    Batch(Reply<()>, Result<(), StoreError>),
    Attachment(Reply<String>, Result<String, StoreError>),
}

/// The group commit limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_batch: usize,
    pub(crate) max_wait: Duration,
}

/// Runs the writer until a shutdown job arrives or every sender is gone.
pub(crate) fn run(backend: Arc<dyn StorageBackend>, jobs: Receiver<Job>, limits: Limits) {
    loop {
        let Ok(first) = jobs.recv() else {
            return;
        };
        let mut batch = Vec::with_capacity(limits.max_batch);
        let mut stop = matches!(first, Job::Shutdown);
        if !stop {
            batch.push(first);
        }

        // Gather what is queued, and wait a little for more if configured to.
        let deadline = Instant::now() + limits.max_wait;
        while !stop && batch.len() < limits.max_batch {
            let next = match jobs.try_recv() {
                Ok(job) => job,
                Err(TryRecvError::Disconnected) => {
                    stop = true;
                    break;
                }
                Err(TryRecvError::Empty) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    match jobs.recv_timeout(deadline - now) {
                        Ok(job) => job,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            stop = true;
                            break;
                        }
                    }
                }
            };
            if matches!(next, Job::Shutdown) {
                stop = true;
            } else {
                batch.push(next);
            }
        }

        if !batch.is_empty() {
            commit_batch(backend.as_ref(), batch);
        }
        if stop {
            return;
        }
    }
}

/// Works out every job of a batch, commits their changes together, answers each.
fn commit_batch(backend: &dyn StorageBackend, batch: Vec<Job>) {
    let started = Instant::now();
    let jobs = batch.len();
    let mut changes = ChangeSet::default();
    let mut answers = Vec::with_capacity(jobs);

    // Each job sees the committed state and the jobs before it; a failed job adds nothing.
    for job in batch {
        let mut staging = Staging::new(backend, &changes);
        let answer = match job {
            Job::Intake { prepared, reply } => {
                Answer::Intake(reply, apply::intake(&mut staging, &prepared))
            }
            Job::Batch { ops, reply } => Answer::Batch(reply, apply::batch(&mut staging, &ops)),
            Job::Attachment {
                sha256,
                bytes,
                reply,
            } => {
                let result = apply::attachment(&mut staging, &sha256, &bytes).map(|()| sha256);
                Answer::Attachment(reply, result)
            }
            Job::Shutdown => continue,
        };
        let succeeded = match &answer {
            Answer::Intake(_, result) => result.is_ok(),
            Answer::Batch(_, result) => result.is_ok(),
            Answer::Attachment(_, result) => result.is_ok(),
        };
        let job_changes = staging.into_changes();
        if succeeded {
            changes.absorb(job_changes);
        }
        answers.push(answer);
    }

    // One transaction and one fsync for the whole batch.
    // Limitation: if the commit fails, every write of the batch is refused, also those that
    // would have committed alone; the callers retry, and intake retries are idempotent.
    let committed = if changes.is_empty() {
        Ok(())
    } else {
        backend.commit(&changes)
    };
    match &committed {
        Ok(()) => tracing::debug!(
            backend = %backend.backend_type(),
            jobs,
            keys = changes.len(),
            micros = started.elapsed().as_micros() as u64,
            "group commit"
        ),
        Err(error) => tracing::error!(
            backend = %backend.backend_type(),
            jobs,
            %error,
            "group commit failed; every write of the batch is refused"
        ),
    }

    // Answer after the commit, never before: an answer is a promise of durability.
    for answer in answers {
        match answer {
            Answer::Intake(reply, result) => reply.send(after(result, &committed)),
            Answer::Batch(reply, result) => reply.send(after(result, &committed)),
            Answer::Attachment(reply, result) => reply.send(after(result, &committed)),
        }
    }
}

/// A job's own result, or the commit's failure if the job had succeeded.
fn after<T>(
    result: Result<T, StoreError>,
    committed: &Result<(), StoreError>,
) -> Result<T, StoreError> {
    match (result, committed) {
        (Err(own), _) => Err(own),
        (Ok(_), Err(commit)) => Err(commit.clone()),
        (Ok(value), Ok(())) => Ok(value),
    }
}
