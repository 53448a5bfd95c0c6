//! A memo of resolutions, so a cache hit costs the same with 6,000 profiles as with 6.
//!
//! A resolution ([`Resolved`]) is a pure function of the two files' bytes, the request (target,
//! profile name, the names this program answers to) and the environment variables resolution
//! reads. The memo file for a request (`<cache folder>/resolved/<sha1 of the request>.json`)
//! holds the result with what it was computed from: each file's identity (device, inode, size,
//! mtime and ctime to the nanosecond; "absent") taken *before* the file was read, and the names
//! and values of the variables resolution read, recorded as it ran
//! ([`Environment::recording`]). A lookup returns the result only if all of them are unchanged,
//! so it never reads the files.
//!
//! Why this is sound: any write to a file changes its ctime (which no program can set back), and
//! a replacement changes its inode. The one gap is a write within the same tick of the file
//! system's clock as the state that was read (ext4 ticks in milliseconds, HFS+ and ext3 in
//! seconds, FAT in two): so a file that changed less than [`SETTLE`] before the run is never
//! memoised; it is read again until it has been still for that long.
//!
//! Not memoised: failures (rare, and their messages should reflect the file as it is now) and
//! chains whose base is access keys (the memo holds no secret).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Resolved, Target};
use crate::env::Environment;
use crate::token::cache::sha1_hex;

/// How long a file must have been unchanged before a resolution of it is memoised: more than the
/// coarsest file-system timestamp tick (FAT's 2 s).
pub const SETTLE: time::Duration = time::Duration::seconds(3);

/// The folder under this program's cache folder that holds the memo files.
pub const FOLDER: &str = "resolved";

/// What a memo file holds.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// This program's version: another version may resolve differently.
    version: String,
    /// The config file's identity when it was read; `None`: there was no file.
    config: Option<String>,
    /// The credentials file's identity when it was read; `None`: there was no file.
    credentials: Option<String>,
    /// Each variable resolution read, with its value then (`None`: unset or empty).
    env: Vec<(String, Option<String>)>,
    /// The result.
    resolved: Resolved,
    /// The profile a person's request was followed to ([`super::resolve_following`]).
    #[serde(default)]
    followed: Option<String>,
}

/// One request's memo: where it is kept, and the files' identities taken before they are read.
#[derive(Debug)]
pub struct Memo {
    path: PathBuf,
    config: Identity,
    credentials: Identity,
}

/// A file's identity, or why there is none to rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    /// No file (or folder) at the path.
    Absent,
    /// The file's identity, and its last change.
    File { id: String, changed: OffsetDateTime },
    /// It could not be examined: nothing is memoised.
    Unknown,
}

impl Identity {
    fn of(path: Option<&Path>) -> Self {
        let Some(path) = path else { return Self::Absent };
        match std::fs::metadata(path) {
            Ok(metadata) => file_identity(&metadata).map_or(Self::Unknown, |(id, changed)| Self::File { id, changed }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::Absent,
            Err(_) => Self::Unknown,
        }
    }

    /// The form kept in the memo; `Err` if there is nothing to rely on.
    fn kept(&self) -> Result<Option<&str>, ()> {
        match self {
            Self::Absent => Ok(None),
            Self::File { id, .. } => Ok(Some(id)),
            Self::Unknown => Err(()),
        }
    }
}

/// Device, inode, size, mtime and ctime (ns), and the later of the two times.
#[cfg(unix)]
fn file_identity(metadata: &std::fs::Metadata) -> Option<(String, OffsetDateTime)> {
    use std::os::unix::fs::MetadataExt;
    let time = |secs: i64, nanos: i64| {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(secs) * 1_000_000_000 + i128::from(nanos)).ok()
    };
    let changed = time(metadata.mtime(), metadata.mtime_nsec())?.max(time(metadata.ctime(), metadata.ctime_nsec())?);
    let id = format!(
        "{}:{}:{}:{}.{:09}:{}.{:09}",
        metadata.dev(),
        metadata.ino(),
        metadata.size(),
        metadata.mtime(),
        metadata.mtime_nsec(),
        metadata.ctime(),
        metadata.ctime_nsec()
    );
    Some((id, changed))
}

/// Size, and the last-write and creation times (Windows has no inode or change time in `std`).
#[cfg(not(unix))]
fn file_identity(metadata: &std::fs::Metadata) -> Option<(String, OffsetDateTime)> {
    let nanos = |t: std::io::Result<std::time::SystemTime>| -> Option<i128> {
        t.ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos().try_into().ok()
    };
    let (modified, created) = (nanos(metadata.modified())?, nanos(metadata.created()).unwrap_or(0));
    let changed = OffsetDateTime::from_unix_timestamp_nanos(modified.max(created)).ok()?;
    Some((format!("{}:{modified}:{created}", metadata.len()), changed))
}

impl Memo {
    /// The memo of this request, with the files' identities taken now, before anyone reads them;
    /// `None` without a cache folder.
    /// `follow`: the request is resolved with [`super::resolve_following`].
    pub fn new(
        env: &Environment,
        target: &Target,
        profile: Option<&str>,
        program_names: &[&str],
        follow: bool,
    ) -> Option<Self> {
        let config_path = env.config_file()?;
        let credentials_path = env.credentials_file();
        let request =
            serde_json::json!([format!("{target:?}"), profile, config_path, credentials_path, program_names, follow]);
        let path = env.cache_dir()?.join(FOLDER).join(format!("{}.json", sha1_hex(request.to_string().as_bytes())));
        Some(Self {
            path,
            config: Identity::of(Some(&config_path)),
            credentials: Identity::of(credentials_path.as_deref()),
        })
    }

    /// The memo file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The remembered resolution (and the profile it was followed to), if the files and the
    /// variables it was computed from are as they were.
    pub fn lookup(&self, env: &Environment) -> Option<(Resolved, Option<String>)> {
        let (config, credentials) = (self.config.kept().ok()?, self.credentials.kept().ok()?);
        let bytes = std::fs::read(&self.path).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        let unchanged = entry.version == env!("CARGO_PKG_VERSION")
            && entry.config.as_deref() == config
            && entry.credentials.as_deref() == credentials
            && entry.env.iter().all(|(name, value)| env.get(name) == value.as_deref());
        unchanged.then_some((entry.resolved, entry.followed))
    }

    /// Remembers `resolved`, computed from the files as identified in [`Memo::new`] and the
    /// variables `recorded` read; skipped (best effort, silently) if a file changed less than
    /// [`SETTLE`] before `now`, or the result holds a secret.
    pub fn store(&self, resolved: &Resolved, followed: Option<&str>, recorded: &Environment, now: OffsetDateTime) {
        let settled = |identity: &Identity| match identity {
            Identity::Absent => true,
            Identity::File { changed, .. } => *changed + SETTLE <= now,
            Identity::Unknown => false,
        };
        if !settled(&self.config) || !settled(&self.credentials) {
            return;
        }
        let (Ok(config), Ok(credentials)) = (self.config.kept(), self.credentials.kept()) else { return };
        let entry = Entry {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            config: config.map(str::to_owned),
            credentials: credentials.map(str::to_owned),
            env: recorded.recorded_reads(),
            resolved: resolved.clone(),
            followed: followed.map(str::to_owned),
        };
        // A chain on access keys does not serialise (the keys are never written): no memo.
        if let Ok(bytes) = serde_json::to_vec(&entry) {
            let _ = crate::fs_util::write_atomically(&self.path, &bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Resolved};

    struct Setup {
        home: tempfile::TempDir,
        env: Environment,
    }

    fn setup(config_text: &str) -> Setup {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config_text).unwrap();
        let env = Environment::from_vars([("HOME", home.path().to_str().unwrap())]);
        Setup { home, env }
    }

    /// Resolves `profile` from the files and memoises it as the credential path does.
    fn resolve_and_store(setup: &Setup, profile: &str, now: OffsetDateTime) -> (Memo, Resolved) {
        let target = Target::Profile(Some(profile.to_owned()));
        let memo = Memo::new(&setup.env, &target, Some(profile), &[], false).unwrap();
        let loaded = config::load(&setup.env).unwrap();
        let recording = setup.env.recording();
        let resolved = config::resolve(&loaded, &recording, &target, &[]).unwrap();
        memo.store(&resolved, None, &recording, now);
        (memo, resolved)
    }

    fn lookup(env: &Environment, profile: &str) -> Option<Resolved> {
        Memo::new(env, &Target::Profile(Some(profile.to_owned())), Some(profile), &[], false)?
            .lookup(env)
            .map(|(r, _)| r)
    }

    const CONFIG: &str = include_str!("../../examples/config");
    fn later() -> OffsetDateTime {
        crate::clock::now() + time::Duration::minutes(1)
    }

    #[test]
    fn a_resolution_is_remembered_only_once_the_files_have_settled() {
        let setup = setup(CONFIG);
        let (memo, resolved) = resolve_and_store(&setup, "dev-sso", crate::clock::now());
        assert!(!memo.path().exists(), "a file changed just now is not memoised");
        assert_eq!(lookup(&setup.env, "dev-sso"), None);
        let (memo, _) = resolve_and_store(&setup, "dev-sso", later());
        assert!(memo.path().starts_with(setup.home.path().join(".cache/aws-sso-credential-process/resolved")));
        assert_eq!(lookup(&setup.env, "dev-sso"), Some(resolved));
        // Another request has its own memo.
        assert_eq!(lookup(&setup.env, "legacy"), None);
    }

    #[test]
    fn any_change_to_a_file_or_a_variable_read_is_a_miss() {
        let setup = setup(CONFIG);
        resolve_and_store(&setup, "prod-admin", later());
        assert!(lookup(&setup.env, "prod-admin").is_some());
        // The chain's STS region comes from AWS_REGION when set: resolution read it.
        let with_region =
            Environment::from_vars([("HOME", setup.home.path().to_str().unwrap()), ("AWS_REGION", "ap-south-1")]);
        assert_eq!(lookup(&with_region, "prod-admin"), None);
        // A credentials file appearing, and an edit of the same size, are misses.
        let credentials = setup.home.path().join(".aws/credentials");
        std::fs::write(&credentials, "[x]\n").unwrap();
        assert_eq!(lookup(&setup.env, "prod-admin"), None);
        std::fs::remove_file(&credentials).unwrap();
        assert!(lookup(&setup.env, "prod-admin").is_some());
        // An edit that keeps the size: its ctime differs once a tick of the file system's clock
        // has passed (the memo was stored as if the file had settled, which it had not).
        std::thread::sleep(std::time::Duration::from_millis(50));
        let config = setup.home.path().join(".aws/config");
        std::fs::write(&config, CONFIG.replace("444455556666", "444455556667")).unwrap();
        assert_eq!(lookup(&setup.env, "prod-admin"), None);
        // A damaged memo file is a miss too.
        let (memo, _) = resolve_and_store(&setup, "prod-admin", later());
        std::fs::write(memo.path(), b"{\"version\":").unwrap();
        assert_eq!(lookup(&setup.env, "prod-admin"), None);
    }

    #[test]
    fn a_chain_on_access_keys_is_never_written_down() {
        let setup = setup("[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = base\n");
        std::fs::write(
            setup.home.path().join(".aws/credentials"),
            "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n",
        )
        .unwrap();
        let (memo, _) = resolve_and_store(&setup, "a", later());
        assert!(!memo.path().exists());
        assert_eq!(lookup(&setup.env, "a"), None);
    }
}
