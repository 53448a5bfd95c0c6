//! A real browser (Debian's `chromium`, headless) completes our `login`'s authorization-code flow
//! with PKCE: it opens the authorize URL on the fake, follows the redirect to our `127.0.0.1`
//! listener, and gets the page saying the tab may be closed; the token is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fake_aws::FakeAws;

const CONFIG: &str = include_str!("../../examples/config");

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(path.is_file(), "/usr/bin/chromium is missing: `apt-get install chromium` (scripts/interop does it)");
    path
}

#[test]
fn headless_chromium_completes_the_pkce_sign_in() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();
    let fake = FakeAws::start();
    fake.assign_role("111122223333", "ReadOnly");
    // `$BROWSER`: chromium, headless, with a profile of its own; it loads the URL, follows the
    // redirect and prints the final page (our listener's) into a file.
    let page = home.path().join("page.html");
    let script = home.path().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir='{}' --dump-dom \"$1\" > '{}' 2>/dev/null\n",
            chromium().display(),
            home.path().join("chromium").display(),
            page.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(Path::new(env!("CARGO_BIN_EXE_aws-sso-credential-process")))
        .args(["login", "--profile", "dev-sso"])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("BROWSER", &script)
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url())
        .env("AWS_SSO_CREDENTIAL_PROCESS_LOGIN_TIMEOUT", "120")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "login through chromium failed: {stderr}");
    assert_eq!(fake.authorizations().len(), 1);
    assert_eq!(fake.code_logins().len(), 1, "the code chromium carried back was redeemed");
    let token = home.path().join(".aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json");
    let token: serde_json::Value = serde_json::from_slice(&std::fs::read(token).unwrap()).unwrap();
    assert!(fake.is_access_token_valid(token["accessToken"].as_str().unwrap()));
    // chromium may still be writing when the login returns; the page is a courtesy, not the test.
    let shown = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(shown.is_empty() || shown.contains("You may close this tab"), "{shown}");
}
