//! Where "now" comes from: the one place that reads the system's time.
//!
//! The application is given a [`Clock`] (`App.clock`): the system clock in
//! production, a settable one in tests and in the demo builder (which drives
//! six months of events through the real use cases at past moments). Every
//! stamp, due time and "today" is read from it, so nothing depends on the day
//! the code happens to run unless it is meant to.

use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time. Cheap to clone; clones of a set clock share it.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands at `at` until it is set or advanced.
    pub fn fixed(at: Timestamp) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(at.as_microsecond()))))
    }

    /// Whether this is the system clock.
    pub fn is_system(&self) -> bool {
        self.0.is_none()
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            None => Timestamp::now(),
            Some(us) => Timestamp::from_microsecond(us.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }

    /// Now as stored: milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }

    /// Sets a fixed clock to `at` (the system clock cannot be set: it is left alone).
    pub fn set(&self, at: Timestamp) {
        if let Some(us) = &self.0 {
            us.store(at.as_microsecond(), Ordering::SeqCst);
        }
    }

    /// Moves a fixed clock on by `d`.
    pub fn advance(&self, d: SignedDuration) {
        self.set(self.now().saturating_add(d).unwrap_or(self.now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_until_set_and_its_clones_follow() {
        let t: Timestamp = "2027-03-01T02:00:00Z".parse().unwrap();
        let c = Clock::fixed(t);
        let twin = c.clone();
        assert_eq!(c.now(), t);
        c.advance(SignedDuration::from_mins(90));
        assert_eq!(twin.now().to_string(), "2027-03-01T03:30:00Z");
        twin.set(t);
        assert_eq!(c.now_ms(), t.as_millisecond());
        assert!(!c.is_system());
    }

    #[test]
    fn the_system_clock_runs_and_ignores_set() {
        let c = Clock::system();
        let before = c.now();
        c.set(Timestamp::UNIX_EPOCH);
        assert!(c.now() >= before);
    }
}
