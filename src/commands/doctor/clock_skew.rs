//! `clock-skew`: the local clock against the `Date` of the last AWS response, as the slow path
//! recorded it ([`crate::aws::LastResponse`]).

use std::path::Path;

use time::Duration;

use super::{Check, Finding, Severity, Status};
use crate::aws::LastResponse;
use crate::timestamp;

/// More off than this is worth a warning.
pub(super) const WARN_AFTER: Duration = Duration::seconds(60);
/// More off than this is a problem: SigV4 refuses requests signed more than 5 minutes off.
pub(super) const PROBLEM_AFTER: Duration = Duration::minutes(5);

/// `10 min 5 s`, `45 s`, `2 h 3 min`.
fn human(d: Duration) -> String {
    let secs = d.whole_seconds().unsigned_abs();
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

fn ahead_or_behind(skew: Duration) -> &'static str {
    if skew.is_negative() { "behind" } else { "ahead of" }
}

/// The fix, for this platform.
fn fix() -> String {
    let how = if cfg!(target_os = "linux") {
        "turn on time synchronisation: `sudo timedatectl set-ntp true` (then check `timedatectl status`)"
    } else if cfg!(target_os = "macos") {
        "turn on System Settings > General > Date & Time > Set time and date automatically"
    } else if cfg!(windows) {
        "synchronise the clock: `w32tm /resync` (or turn on Settings > Time & language > Set time automatically)"
    } else {
        "synchronise the clock with NTP"
    };
    format!("{how}; the helper records the clock again at its next AWS call")
}

/// The finding for the last recorded response, if the clock was off, or how the check went.
pub(super) fn check(record: Option<&LastResponse>, file: &Path) -> Result<Finding, Status> {
    let Some(record) = record else {
        return Err(Status::Skipped(
            "no AWS response recorded yet: the helper records one whenever it calls AWS".to_owned(),
        ));
    };
    let skew = record.skew();
    let when = format!(
        "at the last AWS response, from {} at {} by this machine's clock",
        record.endpoint,
        timestamp::format(record.local_time)
    );
    if skew.abs() <= WARN_AFTER {
        return Err(Status::Ran(Some(format!("{} {} AWS's clock {when}", human(skew), ahead_or_behind(skew)))));
    }
    let severity = if skew.abs() > PROBLEM_AFTER { Severity::Problem } else { Severity::Warning };
    let consequence = if severity == Severity::Problem {
        "AWS refuses requests signed more than 5 minutes off, and every expiry (tokens, credentials) is judged that far wrong"
    } else {
        "expiry decisions (tokens, credentials) are that far off, and past 5 minutes AWS refuses signed requests"
    };
    Ok(Finding {
        check: Check::ClockSkew,
        severity,
        file: file.to_path_buf(),
        section: None,
        message: format!(
            "{when}, this machine's clock was {} {} AWS's: {consequence}",
            human(skew),
            ahead_or_behind(skew)
        ),
        fix: fix(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn record(skew_secs: i64) -> LastResponse {
        let server = datetime!(2026-11-23 12:00:00 UTC);
        LastResponse { server_date: server, local_time: server + Duration::seconds(skew_secs), endpoint: "sso".into() }
    }

    #[test]
    fn small_skews_are_ok_larger_ones_a_warning_then_a_problem() {
        let file = Path::new("/h/.cache/x/last-response.json");
        assert_eq!(
            check(Some(&record(-3)), file).unwrap_err(),
            Status::Ran(Some(
                "3 s behind AWS's clock at the last AWS response, from sso at 2026-11-23T11:59:57Z by this machine's clock"
                    .into()
            ))
        );
        assert!(matches!(check(Some(&record(60)), file), Err(Status::Ran(_))));
        let warning = check(Some(&record(61)), file).unwrap();
        assert_eq!(warning.severity, Severity::Warning);
        assert!(
            warning.message.contains("this machine's clock was 1 min 1 s ahead of AWS's: expiry"),
            "{}",
            warning.message
        );
        let problem = check(Some(&record(-600)), file).unwrap();
        assert_eq!(problem.severity, Severity::Problem);
        assert_eq!(
            problem.message,
            "at the last AWS response, from sso at 2026-11-23T11:50:00Z by this machine's clock, this machine's clock was 10 min behind AWS's: AWS refuses requests signed more than 5 minutes off, and every expiry (tokens, credentials) is judged that far wrong"
        );
        assert!(matches!(check(None, file), Err(Status::Skipped(_))));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::seconds(-45)), "45 s");
        assert_eq!(human(Duration::seconds(600)), "10 min");
        assert_eq!(human(Duration::seconds(605)), "10 min 5 s");
        assert_eq!(human(Duration::seconds(7390)), "2 h 3 min");
    }
}
