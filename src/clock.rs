//! The wall clock. Decisions take `now` as an argument; only the binary's entry point asks the
//! system for the time, through [`now`].

use time::OffsetDateTime;

/// The current time in UTC.
#[expect(clippy::disallowed_methods, reason = "the one place that reads the system clock")]
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
