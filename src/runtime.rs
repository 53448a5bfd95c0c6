//! The one place that builds an async runtime: a current-thread tokio runtime, only on the slow
//! path (the hot path never starts one). A leaf: it imports nothing from the crate.

/// A current-thread runtime with I/O and timers, for one run's AWS calls.
///
/// # Errors
/// The operating system's error if it cannot create the runtime's I/O driver.
#[expect(clippy::disallowed_methods, reason = "the one place that builds a runtime")]
pub fn current_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}
