//! How far each mailbox has been taken in: UIDVALIDITY and the last UID, per mailbox.
//!
//! The daemon implements [`ProgressStore`] on its durable store; [`MemoryProgress`] is for
//! tests and tools. Progress is saved only after a message was delivered and handled, so a
//! crash or a dropped connection repeats at most the message in flight, which the daemon's
//! intake key (channel and Message-ID) makes harmless.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// The watermark of one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailboxProgress {
    /// The mailbox's UIDVALIDITY when the UIDs below were seen.
    pub uid_validity: u32,
    /// The highest UID taken in.
    pub last_uid: u32,
}

/// Keeps progress per mailbox, and knows which Message-IDs were already taken in.
pub trait ProgressStore: Send + Sync {
    /// The saved progress of `mailbox`, if any.
    fn load(&self, mailbox: &str) -> Option<MailboxProgress>;
    /// Saves the progress of `mailbox`.
    fn save(&self, mailbox: &str, progress: MailboxProgress);
    /// True when a message with this Message-ID was already taken in. Asked before every
    /// delivery, so a repeat after a dropped connection or a changed UIDVALIDITY is skipped.
    fn already_taken_in(&self, message_id: &str) -> bool;
    /// Records that a message with this Message-ID was taken in.
    fn remember_taken_in(&self, message_id: &str);
}

/// Progress kept in memory.
#[derive(Debug, Default)]
pub struct MemoryProgress {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    marks: HashMap<String, MailboxProgress>,
    taken_in: HashSet<String>,
}

impl MemoryProgress {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut MemoryInner) -> T) -> T {
        // A panic elsewhere while holding the lock leaves plain data; keep using it.
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        f(&mut guard)
    }
}

impl ProgressStore for MemoryProgress {
    fn load(&self, mailbox: &str) -> Option<MailboxProgress> {
        self.with(|inner| inner.marks.get(mailbox).copied())
    }

    fn save(&self, mailbox: &str, progress: MailboxProgress) {
        self.with(|inner| inner.marks.insert(mailbox.to_string(), progress));
    }

    fn already_taken_in(&self, message_id: &str) -> bool {
        self.with(|inner| inner.taken_in.contains(message_id))
    }

    fn remember_taken_in(&self, message_id: &str) {
        self.with(|inner| inner.taken_in.insert(message_id.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_progress_keeps_marks_per_mailbox() {
        let store = MemoryProgress::new();
        assert_eq!(store.load("INBOX"), None);
        let mark = MailboxProgress {
            uid_validity: 7,
            last_uid: 42,
        };
        store.save("INBOX", mark);
        assert_eq!(store.load("INBOX"), Some(mark));
        assert_eq!(store.load("Other"), None);
        store.remember_taken_in("a@x");
        assert!(store.already_taken_in("a@x"));
        assert!(!store.already_taken_in("b@x"));
    }
}
