//! The clock that case actions, deadlines and the outbox read: the system clock in
//! production, a clock the test sets in tests.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// What time it is, for case commands, supervision and delivery retries.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set or advanced, for tests and replays.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(at),
        }
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.guard() = at;
    }

    /// Moves the time on.
    pub fn advance(&self, by: Duration) {
        let mut now = self.guard();
        *now += by;
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        match self.now.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.guard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-09-22T10:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::hours(2));
        assert_eq!(clock.now(), start + Duration::hours(2));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
