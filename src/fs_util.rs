//! The one place that writes files, and the check that the folders we keep secrets in are ours
//! (plus the listing of a cache folder's files, for `doctor` and `logout`).
//!
//! Every cache file is written whole to a temporary file in the same folder (mode 0600), flushed
//! to disk, and renamed over the target, so a reader sees the old file or the new one, never a
//! half-written one, and a crash at any point loses nothing. Folders we create are 0700. An
//! existing file's mode is never widened. A cache file that is a symbolic link (a dotfiles setup)
//! stays one: the file it points to is replaced, by a rename in that file's own folder.
//!
//! A cache folder that other users can write to, or that another user owns, lets them swap the
//! cached credentials or token for their own: [`folder_trust_problem`] says what is wrong and how
//! to fix it, and the slow path prints that as a warning (it still works).

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The regular files (links followed) in `folder`, sorted; none if it cannot be listed.
pub fn regular_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.filter_map(|entry| Some(entry.ok()?.path())).filter(|path| path.is_file()).collect();
    files.sort();
    files
}

/// The `*.json` files of [`regular_files`]: the AWS caches' entries.
pub fn json_files(folder: &Path) -> Vec<PathBuf> {
    regular_files(folder).into_iter().filter(|path| path.extension().is_some_and(|e| e == "json")).collect()
}

/// Links followed by hand before giving up, as the kernel's `ELOOP` limit.
const MAX_LINKS: usize = 40;

/// Writes `contents` to `path` atomically (temporary file + fsync + rename). If `path` is a
/// symbolic link, the file it points to is written that way instead, and the link is kept.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let path = resolve_links(path)?;
    if let Cow::Borrowed(_) = path {
        create_private_dir_all(folder_of(&path))?;
    }
    replace_through_temporary(&path, contents, |file| restrict_mode(file, &path))
}

/// Replaces the existing file `path` with `contents` atomically, as [`write_atomically`] does, but
/// keeps the file's own permission bits (a config file people edit is usually 0644, and is not
/// ours to narrow) and creates no folders. A symbolic link is kept and the file it leads to is
/// replaced. Returns the path of the file replaced.
pub fn replace_keeping_mode(path: &Path, contents: &[u8]) -> io::Result<PathBuf> {
    let path = resolve_links(path)?;
    let permissions = std::fs::metadata(&path)?.permissions();
    replace_through_temporary(&path, contents, |file| file.set_permissions(permissions))?;
    Ok(path.into_owned())
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// A temporary file (0600) in `path`'s folder, given its mode by `set_mode` before anything is
/// written, filled with `contents`, fsynced and renamed over `path`; then the folder is synced.
fn replace_through_temporary(
    path: &Path,
    contents: &[u8],
    set_mode: impl FnOnce(&std::fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = folder_of(path);
    let mut file = tempfile::Builder::new().prefix(".tmp-").suffix(".partial").tempfile_in(dir)?;
    set_mode(file.as_file())?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    persist_retrying(file, path)?;
    sync_dir(dir);
    Ok(())
}

/// How long a replacement is retried while another program holds the target open (Windows).
pub const REPLACE_RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// Renames `file` over `path`. On Windows a file another program holds open without
/// `FILE_SHARE_DELETE` (as Python, and so the AWS CLI, opens files to read them) cannot be
/// replaced: "Access is denied" (os error 5). A reader holds it for milliseconds, so the rename is
/// retried every 20 ms for up to [`REPLACE_RETRY`]; then the error stands (callers warn). Elsewhere
/// a rename over an open file succeeds at once.
fn persist_retrying(mut file: tempfile::NamedTempFile, path: &Path) -> io::Result<()> {
    let deadline = std::time::Instant::now() + REPLACE_RETRY;
    loop {
        match file.persist(path) {
            Ok(_) => return Ok(()),
            Err(e)
                if cfg!(windows)
                    && e.error.kind() == io::ErrorKind::PermissionDenied
                    && std::time::Instant::now() < deadline =>
            {
                file = e.file;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// Copies `contents` (the current bytes of `path`) to a new backup next to `path`: `NAME.bak`, or
/// `NAME.bak.1`, `NAME.bak.2`… if that exists; an existing backup is never overwritten. The
/// backup gets `permissions` (the original's), and is private until then. Returns its path.
pub fn write_new_backup(path: &Path, contents: &[u8], permissions: std::fs::Permissions) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| io::Error::other("not a file name"))?.to_string_lossy();
    for n in 0..MAX_BACKUPS {
        let suffix = if n == 0 { String::new() } else { format!(".{n}") };
        let backup = path.with_file_name(format!("{name}.bak{suffix}"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(&backup) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file
            .write_all(contents)
            .and_then(|()| file.set_permissions(permissions.clone()))
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            // A cut-short copy is not a backup: leave none rather than a misleading one.
            let _ = std::fs::remove_file(&backup);
            return Err(e);
        }
        return Ok(backup);
    }
    Err(io::Error::other(format!("{MAX_BACKUPS} backups of it exist already; remove some")))
}

/// Backups of one file [`write_new_backup`] makes before it gives up.
const MAX_BACKUPS: usize = 1000;

/// `path` itself unless it is a symbolic link; else the file the link leads to, which may not
/// exist yet (a dangling link), but whose folder must: folders are only created for our own paths.
fn resolve_links(path: &Path) -> io::Result<Cow<'_, Path>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {}
        _ => return Ok(Cow::Borrowed(path)),
    }
    match std::fs::canonicalize(path) {
        Ok(target) => Ok(Cow::Owned(target)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => follow_dangling_links(path).map(Cow::Owned),
        Err(e) => Err(e),
    }
}

/// Follows a chain of links that ends at a missing file, to that file's path.
fn follow_dangling_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                // A relative target is relative to the link's folder; an absolute one replaces it.
                current = current.parent().map_or_else(|| target.clone(), |dir| dir.join(&target));
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other(format!("too many levels of symbolic links at `{}`", path.display())))
}

/// Creates `dir` and any missing parents with mode 0700 (existing folders are left as they are).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Gives the new file 0600, or the existing file's mode if that is narrower.
#[cfg(unix)]
fn restrict_mode(file: &std::fs::File, existing: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match std::fs::metadata(existing) {
        Ok(meta) => meta.permissions().mode() & 0o600,
        Err(_) => 0o600,
    };
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict_mode(_file: &std::fs::File, _existing: &Path) -> io::Result<()> {
    Ok(())
}

/// Makes the rename itself durable. Best effort: not every platform can open a folder for this.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Why a folder cannot be trusted with credentials, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderDistrust {
    /// What is wrong, after the folder's name: `is writable by other users (mode 0777)`.
    pub what: String,
    /// The shell command that fixes it: `chmod 700 /home/me/.aws/cli/cache`.
    pub fix: String,
}

/// Whether `folder` can be trusted with credentials, given its permission bits `mode`, its
/// `owner`'s uid and ours (`us`). A folder is trusted if it is owned by us or by root and no one
/// else may write to it: anyone who can write to it can replace the files in it (rename over
/// them), whatever the files' own modes.
pub fn folder_distrust(folder: &Path, mode: u32, owner: u32, us: u32) -> Option<FolderDistrust> {
    let foreign = owner != us && owner != 0;
    let shared = mode & 0o022 != 0;
    let name = folder.to_string_lossy();
    let quoted = shlex::try_quote(&name).unwrap_or(Cow::Borrowed(&name));
    let (what, fix) = match (foreign, shared) {
        (false, false) => return None,
        (false, true) => {
            (format!("is writable by other users (mode {:04o})", mode & 0o7777), format!("chmod 700 {quoted}"))
        }
        (true, false) => {
            (format!("is owned by another user (uid {owner}; you are uid {us})"), format!("sudo chown {us} {quoted}"))
        }
        (true, true) => (
            format!(
                "is owned by another user (uid {owner}; you are uid {us}) and writable by other users (mode {:04o})",
                mode & 0o7777
            ),
            format!("sudo chown {us} {quoted} && chmod 700 {quoted}"),
        ),
    };
    Some(FolderDistrust { what, fix })
}

/// What is wrong with keeping credentials in `folder` ([`folder_distrust`]), as one warning line
/// with the command that fixes it; `None` if nothing is.
pub fn folder_trust_problem(folder: &Path, mode: u32, owner: u32, us: u32) -> Option<String> {
    let FolderDistrust { what, fix } = folder_distrust(folder, mode, owner, us)?;
    Some(format!(
        "the cache folder `{}` {what}, so they could replace the credentials cached in it; run `{fix}`",
        folder.display()
    ))
}

/// Our effective uid, to compare with a folder's owner.
#[cfg(unix)]
pub fn our_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Adds to `warnings` a [`folder_trust_problem`] for each existing folder that holds one of
/// `files`, unless the same warning is already there (the SSO base of a role chain shares
/// `~/.aws/cli/cache` with its hops). Slow path only: it costs a `stat` per folder.
pub fn warn_about_untrusted_folders<'a>(files: impl IntoIterator<Item = &'a Path>, warnings: &mut Vec<String>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let us = our_uid();
        for folder in files.into_iter().filter_map(Path::parent) {
            let Ok(meta) = std::fs::metadata(folder) else { continue };
            if let Some(warning) = folder_trust_problem(folder, meta.mode(), meta.uid(), us)
                && !warnings.contains(&warning)
            {
                warnings.push(warning);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (files, warnings);
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_file_is_0600_in_a_new_0700_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/file.json");
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
    }

    #[test]
    fn replaces_whole_file_never_widens_mode_and_leaves_no_temporary_files() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("file.json");
        std::fs::write(&path, b"a much longer old content").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o400);
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.json")]);
    }

    #[test]
    fn a_symlinked_file_stays_a_link_and_its_target_is_replaced_atomically_keeping_its_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let dotfiles = tmp.path().join("dotfiles");
        std::fs::create_dir(&dotfiles).unwrap();
        let target = dotfiles.join("token.json");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let cache = tmp.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        // A relative link, through a second link: both are followed.
        let link = cache.join("token.json");
        std::os::unix::fs::symlink("../dotfiles/token.json", cache.join("middle.json")).unwrap();
        std::os::unix::fs::symlink("middle.json", &link).unwrap();

        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("middle.json"));
        assert!(std::fs::symlink_metadata(&target).unwrap().file_type().is_file());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(mode(&target), 0o600);
        let names = |dir: &Path| {
            let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
            names.sort();
            names
        };
        assert_eq!(names(&dotfiles), vec![std::ffi::OsString::from("token.json")], "no temporary file left");
        assert_eq!(names(&cache), vec![std::ffi::OsString::from("middle.json"), "token.json".into()]);
    }

    #[test]
    fn a_dangling_link_gets_its_target_written_but_no_folders_are_made_for_it() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("role.json");
        std::os::unix::fs::symlink(tmp.path().join("elsewhere.json"), &link).unwrap();
        write_atomically(&link, b"{}").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(tmp.path().join("elsewhere.json")).unwrap(), b"{}");
        assert_eq!(mode(&tmp.path().join("elsewhere.json")), 0o600);

        let nowhere = tmp.path().join("nowhere.json");
        std::os::unix::fs::symlink(tmp.path().join("missing/folder/x.json"), &nowhere).unwrap();
        assert_eq!(write_atomically(&nowhere, b"{}").unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(!tmp.path().join("missing").exists());

        let looped = tmp.path().join("loop.json");
        std::os::unix::fs::symlink("loop.json", &looped).unwrap();
        assert!(write_atomically(&looped, b"{}").is_err());
        assert!(std::fs::symlink_metadata(&looped).unwrap().file_type().is_symlink());
    }

    #[test]
    fn replacing_keeps_the_mode_and_the_link() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dotfiles-config");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = tmp.path().join("config");
        std::os::unix::fs::symlink("dotfiles-config", &link).unwrap();
        assert_eq!(replace_keeping_mode(&link, b"new").unwrap(), std::fs::canonicalize(&target).unwrap());
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!((std::fs::read(&target).unwrap(), mode(&target)), (b"new".to_vec(), 0o644));
        let missing = tmp.path().join("missing");
        assert_eq!(replace_keeping_mode(&missing, b"x").unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(!missing.exists());
    }

    #[test]
    fn backups_are_new_files_with_the_original_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        let permissions = std::fs::Permissions::from_mode(0o640);
        assert_eq!(write_new_backup(&path, b"one", permissions.clone()).unwrap(), tmp.path().join("config.bak"));
        assert_eq!(write_new_backup(&path, b"two", permissions.clone()).unwrap(), tmp.path().join("config.bak.1"));
        assert_eq!(write_new_backup(&path, b"three", permissions).unwrap(), tmp.path().join("config.bak.2"));
        assert_eq!(std::fs::read(tmp.path().join("config.bak")).unwrap(), b"one");
        assert_eq!(std::fs::read(tmp.path().join("config.bak.1")).unwrap(), b"two");
        assert_eq!(mode(&tmp.path().join("config.bak.2")), 0o640);
    }

    #[test]
    fn folders_others_can_write_to_or_that_others_own_are_named_with_the_fix() {
        let folder = Path::new("/home/me/.aws/cli/cache");
        assert_eq!(folder_trust_problem(folder, 0o700, 1000, 1000), None);
        assert_eq!(folder_trust_problem(folder, 0o755, 1000, 1000), None, "readable is fine: the files are 0600");
        assert_eq!(folder_trust_problem(folder, 0o700, 0, 1000), None, "root may own it");
        assert_eq!(
            folder_trust_problem(folder, 0o40777, 1000, 1000).unwrap(),
            "the cache folder `/home/me/.aws/cli/cache` is writable by other users (mode 0777), so they could replace the credentials cached in it; run `chmod 700 /home/me/.aws/cli/cache`"
        );
        assert!(folder_trust_problem(folder, 0o770, 1000, 1000).unwrap().contains("(mode 0770)"));
        assert!(folder_trust_problem(folder, 0o1777, 0, 1000).unwrap().contains("(mode 1777)"));
        assert_eq!(
            folder_trust_problem(folder, 0o700, 1001, 1000).unwrap(),
            "the cache folder `/home/me/.aws/cli/cache` is owned by another user (uid 1001; you are uid 1000), so they could replace the credentials cached in it; run `sudo chown 1000 /home/me/.aws/cli/cache`"
        );
        assert!(
            folder_trust_problem(folder, 0o700, 1000, 0)
                .unwrap()
                .contains("owned by another user (uid 1000; you are uid 0)")
        );
        let both = folder_trust_problem(Path::new("/h/my cache"), 0o777, 1001, 1000).unwrap();
        assert!(
            both.contains("owned by another user (uid 1001; you are uid 1000) and writable by other users (mode 0777)"),
            "{both}"
        );
        assert!(both.ends_with("run `sudo chown 1000 '/h/my cache' && chmod 700 '/h/my cache'`"), "{both}");
    }

    #[test]
    fn an_open_folder_is_warned_about_once_and_a_private_or_missing_one_not_at_all() {
        let tmp = tempfile::tempdir().unwrap();
        let open = tmp.path().join("open");
        let private = tmp.path().join("private");
        for (dir, m) in [(&open, 0o777), (&private, 0o700)] {
            std::fs::create_dir(dir).unwrap();
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(m)).unwrap();
        }
        let mut warnings = vec!["something else".to_owned()];
        let files =
            [open.join("a.json"), private.join("b.json"), tmp.path().join("missing/c.json"), open.join("d.json")];
        warn_about_untrusted_folders(files.iter().map(PathBuf::as_path), &mut warnings);
        warn_about_untrusted_folders([open.join("e.json").as_path()], &mut warnings);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[1].contains(&format!("`{}` is writable by other users (mode 0777)", open.display())));
    }
}
