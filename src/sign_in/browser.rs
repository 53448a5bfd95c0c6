//! Whether a browser on this machine can complete the sign-in, and opening it.

use crate::env::Environment;

/// What the environment says about where this runs, beyond its variables (read at the edge).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Surroundings {
    /// `/.dockerenv` or `/run/.containerenv` exists.
    pub container: bool,
    /// Linux (where a browser needs a display).
    pub linux: bool,
}

impl Surroundings {
    /// This machine's.
    pub fn detect() -> Self {
        let container = ["/.dockerenv", "/run/.containerenv"].iter().any(|path| std::path::Path::new(path).exists());
        Self { container, linux: cfg!(target_os = "linux") }
    }
}

/// Why no browser here could answer the redirect to `127.0.0.1`, if so: the person is on
/// another machine (a remote shell), there is no display, it is a container or a CI job.
/// `$BROWSER` set is taken as a browser that can (it is how people and tests say which one).
pub fn headless_reason(env: &Environment, surroundings: Surroundings) -> Option<&'static str> {
    if env.get("BROWSER").is_some() {
        return None;
    }
    if env.get("SSH_CONNECTION").is_some() || env.get("SSH_TTY").is_some() {
        return Some("this is a remote shell (SSH), so a browser here is not the one in front of you");
    }
    if env.get("CI").is_some() {
        return Some("this is a CI job, where no one can use a browser");
    }
    if surroundings.container {
        return Some("this is a container, where no browser can reach its loopback address");
    }
    let wsl = env.get("WSL_DISTRO_NAME").is_some() || env.get("WSL_INTEROP").is_some();
    if surroundings.linux && !wsl && env.get("DISPLAY").is_none() && env.get("WAYLAND_DISPLAY").is_none() {
        return Some("there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)");
    }
    None
}

/// Opens `url` in the person's browser (`webbrowser`: `$BROWSER` first, WSL's Windows browser,
/// `xdg-open`, `open`, the Windows default).
///
/// # Errors
/// The crate's error if no browser could be started.
pub fn open(url: &str) -> std::io::Result<()> {
    webbrowser::open(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_headless_case_is_named_and_browser_wins() {
        let linux = Surroundings { container: false, linux: true };
        let env = |vars: &[(&str, &str)]| Environment::from_vars(vars.iter().copied());
        assert_eq!(headless_reason(&env(&[("DISPLAY", ":0")]), linux), None);
        assert_eq!(headless_reason(&env(&[("WAYLAND_DISPLAY", "wayland-0")]), linux), None);
        assert!(headless_reason(&env(&[]), linux).unwrap().contains("no display"));
        assert_eq!(headless_reason(&env(&[("WSL_DISTRO_NAME", "Debian")]), linux), None);
        assert!(
            headless_reason(&env(&[("DISPLAY", ":0"), ("SSH_CONNECTION", "1 2 3 4")]), linux).unwrap().contains("SSH")
        );
        assert!(headless_reason(&env(&[("DISPLAY", ":0"), ("CI", "true")]), linux).unwrap().contains("CI"));
        let container = Surroundings { container: true, linux: true };
        assert!(headless_reason(&env(&[("DISPLAY", ":0")]), container).unwrap().contains("container"));
        assert_eq!(headless_reason(&env(&[("BROWSER", "x"), ("SSH_TTY", "/dev/pts/0"), ("CI", "1")]), container), None);
        assert_eq!(headless_reason(&env(&[]), Surroundings::default()), None, "macOS and Windows have a display");
    }
}
