//! The wall clock. Decisions take `now` as an argument; only the binary's entry point asks the
//! system for the time, through [`now`].

use std::time::Instant;

use time::OffsetDateTime;

/// The current time in UTC.
#[expect(clippy::disallowed_methods, reason = "the one place that reads the system clock")]
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The wall time during a run without reading the system clock again: the run's `now`, advanced
/// by the monotonic clock since it was given. Used to timestamp events late in a run (an AWS
/// response after a lock wait), where the start time alone could be seconds off.
#[derive(Debug, Clone, Copy)]
pub struct RunClock {
    start: OffsetDateTime,
    started: Instant,
}

impl RunClock {
    /// A clock that reads `start` now. Call it as soon as `start` is known: the (monotonic) time
    /// between reading `start` and this call is not counted.
    pub fn starting_at(start: OffsetDateTime) -> Self {
        Self { start, started: Instant::now() }
    }

    /// `start` plus the time elapsed since [`RunClock::starting_at`].
    pub fn now(&self) -> OffsetDateTime {
        self.start + self.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_run_clock_starts_at_the_given_time_and_never_goes_back() {
        let start = datetime!(2026-11-23 12:00:00 UTC);
        let clock = RunClock::starting_at(start);
        let (first, second) = (clock.now(), clock.now());
        assert!(start <= first && first <= second && second - start < time::Duration::minutes(1));
    }
}
