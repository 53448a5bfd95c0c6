//! Cross-process locks: the one place that calls `File::lock`/`try_lock`.
//!
//! When 100 callers start together they must cause one token refresh and one role-credential
//! fetch, not 100. Two kinds of lock make that so, always taken in this order:
//!
//! 1. the **role lock**, one per (session, account, role), held while fetching role credentials;
//! 2. the **token lock**, one per SSO session, held while refreshing its token (taken inside 1).
//!
//! The lock files live in this program's own cache folder (`~/.cache/aws-sso-credential-process/locks`
//! on Linux), where no AWS tool looks: `aws sso logout` parses the files in the AWS caches. They are
//! `flock`-style locks (the standard library's `File::lock`, successor of the `fs2` API), so the
//! operating system releases them when a holder exits or is killed: a `kill -9` never leaves a
//! stale lock. std's blocking `lock()` has no timeout, so waiting polls `try_lock` until a deadline.

use std::fs::{File, OpenOptions, TryLockError};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a caller waits for a lock by default: long enough for a holder's refresh and fetch
/// (each bounded by the AWS call timeout), short enough for a credential_process.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where this program's lock and back-off files live.
#[derive(Debug, Clone)]
pub struct LockDir {
    dir: PathBuf,
}

impl LockDir {
    /// `<cache dir>/locks`.
    pub fn new(cache_dir: &Path) -> Self {
        Self { dir: cache_dir.join("locks") }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The role lock for the role whose AWS CLI cache file is `role_cache_file`.
    pub fn role_lock(&self, role_cache_file: &Path) -> PathBuf {
        self.named("role", role_cache_file, "lock")
    }

    /// The token lock for the SSO session whose token file is `token_file`.
    pub fn token_lock(&self, token_file: &Path) -> PathBuf {
        self.named("token", token_file, "lock")
    }

    /// The shared throttling back-off for the SSO session whose token file is `token_file`.
    pub fn backoff_file(&self, token_file: &Path) -> PathBuf {
        self.named("backoff", token_file, "until")
    }

    /// Named after the cache file's own SHA-1 name, so one lock maps to one cache file.
    fn named(&self, kind: &str, cache_file: &Path, extension: &str) -> PathBuf {
        let stem = cache_file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        self.dir.join(format!("{kind}-{stem}.{extension}"))
    }
}

/// A held lock, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process held it for the whole wait.
    Timeout {
        /// How long we waited.
        waited: Duration,
        /// What the holder wrote into the lock file (`pid 1234`), if anything.
        holder: Option<String>,
    },
    /// Locks cannot be used here (no cache folder, a read-only or network file system).
    Unavailable(io::Error),
}

/// Takes the lock at `path`, waiting up to `timeout` for another holder to release it.
#[expect(clippy::disallowed_methods, reason = "the one place that takes file locks")]
pub fn acquire(path: &Path, timeout: Duration) -> Result<LockGuard, LockError> {
    if let Some(dir) = path.parent() {
        crate::fs_util::create_private_dir_all(dir).map_err(LockError::Unavailable)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(LockError::Unavailable)?;
    let started = Instant::now();
    let jitter = std::collections::hash_map::RandomState::new();
    let mut attempt: u64 = 0;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(LockError::Unavailable(e)),
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(LockError::Timeout { waited, holder: holder_of(&mut file) });
        }
        // 10–40 ms, jittered so that waiters do not wake in lock-step.
        attempt += 1;
        let mut hasher = jitter.build_hasher();
        hasher.write_u64(attempt);
        let pause = Duration::from_millis(10 + hasher.finish() % 31);
        std::thread::sleep(pause.min(timeout - waited));
    }
    // Say who holds it, for the message a timed-out waiter prints. Best effort.
    let _ = file.set_len(0).and_then(|()| write!(&file, "pid {}", std::process::id()));
    Ok(LockGuard { file })
}

/// Whether a lock is held right now, as [`probe`] sees it.
#[derive(Debug)]
pub enum LockProbe {
    /// Nobody holds it (or nobody ever took it: there is no lock file).
    Free,
    /// Another process holds it.
    Held {
        /// What the holder wrote into the lock file (`pid 1234`), if anything.
        holder: Option<String>,
    },
    /// It cannot be told: the lock file cannot be opened or locked.
    Unknown(io::Error),
}

/// Whether another process holds the lock at `path` right now, without waiting and without
/// creating the file (for `status`). A free lock is taken for an instant and released at once;
/// a caller that polls it meanwhile simply tries again.
#[expect(clippy::disallowed_methods, reason = "the one place that takes file locks")]
pub fn probe(path: &Path) -> LockProbe {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return LockProbe::Free,
        Err(e) => return LockProbe::Unknown(e),
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            LockProbe::Free
        }
        Err(TryLockError::WouldBlock) => LockProbe::Held { holder: holder_of(&mut file) },
        Err(TryLockError::Error(e)) => LockProbe::Unknown(e),
    }
}

fn holder_of(file: &mut File) -> Option<String> {
    let mut text = String::new();
    // Reading needs no lock; the holder writes a few bytes once.
    let _ = io::Seek::rewind(file);
    file.take(100).read_to_string(&mut text).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_times_out_and_names_its_holder_then_is_free_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locks/role-x.lock");
        let held = acquire(&path, Duration::ZERO).unwrap();
        match acquire(&path, Duration::from_millis(50)) {
            Err(LockError::Timeout { waited, holder }) => {
                assert!(waited >= Duration::from_millis(50));
                assert_eq!(holder, Some(format!("pid {}", std::process::id())));
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        acquire(&path, Duration::ZERO).unwrap();
    }

    #[test]
    fn a_probe_tells_a_held_lock_from_a_free_or_missing_one_without_creating_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locks/token-x.lock");
        assert!(matches!(probe(&path), LockProbe::Free));
        assert!(!path.exists(), "probing creates nothing");
        let held = acquire(&path, Duration::ZERO).unwrap();
        match probe(&path) {
            LockProbe::Held { holder } => assert_eq!(holder, Some(format!("pid {}", std::process::id()))),
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(matches!(probe(&path), LockProbe::Free));
        // The probe released it again.
        acquire(&path, Duration::ZERO).unwrap();
    }

    #[test]
    fn lock_names_follow_the_cache_file_names() {
        let locks = LockDir::new(Path::new("/c"));
        assert_eq!(locks.role_lock(Path::new("/h/.aws/cli/cache/abc.json")), PathBuf::from("/c/locks/role-abc.lock"));
        assert_eq!(locks.token_lock(Path::new("/h/.aws/sso/cache/def.json")), PathBuf::from("/c/locks/token-def.lock"));
        assert_eq!(
            locks.backoff_file(Path::new("/h/.aws/sso/cache/def.json")),
            PathBuf::from("/c/locks/backoff-def.until")
        );
    }
}
