//! A short back-off shared by all callers after AWS throttles us.
//!
//! When `GetRoleCredentials` or `CreateToken` answers 429 even after the SDK's retries, the
//! caller records "not before T" in a small file next to the locks. Callers that get the lock
//! until then do not call AWS at all: they serve still-valid cached credentials with a warning, or
//! fail at once. Sixty waiting callers then make no calls instead of sixty more throttled ones.

use std::path::Path;

use time::{Duration, OffsetDateTime};

use crate::timestamp;

/// How long callers stay away after a throttled call.
pub const THROTTLE_BACKOFF: Duration = Duration::seconds(10);

/// The end of the back-off recorded in `path`, if it is still in the future at `now`.
pub fn active_until(path: &Path, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let text = std::fs::read_to_string(path).ok()?;
    timestamp::parse(&text).filter(|until| *until > now)
}

/// Records a back-off until `now + THROTTLE_BACKOFF`. Best effort: without it callers merely
/// call AWS sooner.
pub fn record(path: &Path, now: OffsetDateTime) {
    let _ = crate::fs_util::write_atomically(path, timestamp::format(now + THROTTLE_BACKOFF).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_recorded_back_off_is_active_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backoff-x.until");
        let now = datetime!(2026-11-23 12:00:00 UTC);
        assert_eq!(active_until(&path, now), None);
        record(&path, now);
        assert_eq!(active_until(&path, now), Some(now + THROTTLE_BACKOFF));
        assert_eq!(active_until(&path, now + THROTTLE_BACKOFF), None);
    }
}
