use crate::harness::*;

/// The cached credentials of `write_cached_role_credentials`, in every `--format`, exactly.
#[test]
fn every_format_prints_the_cached_credentials_exactly() {
    let env = TestEnv::new();
    let cached = env.write_cached_role_credentials(2 * HOUR);
    let expiration = cached["Expiration"].as_str().unwrap();
    let [secret, token] = CACHED_SECRETS;
    let vars = [
        ("AWS_ACCESS_KEY_ID", "ASIACACHED0000000001"),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_SESSION_TOKEN", token),
        ("AWS_CREDENTIAL_EXPIRATION", expiration),
        ("AWS_ACCOUNT_ID", ACCOUNT),
    ];
    let lines = |line: &dyn Fn(&str, &str) -> String| vars.iter().map(|(name, value)| line(name, value)).collect();
    let expected: [(&str, String); 6] = [
        (
            "process",
            format!(
                "{{\"Version\":1,\"AccessKeyId\":\"ASIACACHED0000000001\",\"SecretAccessKey\":\"{secret}\",\"SessionToken\":\"{token}\",\"Expiration\":\"{expiration}\",\"AccountId\":\"{ACCOUNT}\"}}\n"
            ),
        ),
        ("env", lines(&|name, value| format!("export {name}={value}\n"))),
        ("env-no-export", lines(&|name, value| format!("{name}={value}\n"))),
        ("powershell", lines(&|name, value| format!("$Env:{name}=\"{value}\"\n"))),
        ("fish", lines(&|name, value| format!("set -gx {name} {value}\n"))),
        (
            "json-pretty",
            format!(
                "{{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIACACHED0000000001\",\n  \"SecretAccessKey\": \"{secret}\",\n  \"SessionToken\": \"{token}\",\n  \"Expiration\": \"{expiration}\",\n  \"AccountId\": \"{ACCOUNT}\"\n}}\n"
            ),
        ),
    ];
    for (format, text) in expected {
        let run = env.run_any(&["--profile", "dev-sso", "--format", format]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{format}");
        assert_eq!(run.stdout, text, "{format}");
    }
    // The default is the credential_process document.
    assert_eq!(
        env.run(&["--profile", "dev-sso"]).stdout,
        env.run_any(&["--profile", "dev-sso", "--format", "process"]).stdout
    );
    assert_eq!(env.fake.total_calls(), 0);
}

/// `eval "$(aws-sso-credential-process --format env)"` in sh sets (and exports) the variables;
/// `env-no-export` sets them in the shell only.
#[cfg(unix)]
#[test]
fn eval_of_the_env_forms_in_sh_sets_the_variables() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let binary = binary_under_test();
    let script = |format: &str| {
        format!(
            "set -e; eval \"$('{}' --profile dev-sso --format {format})\"; \
             printf '%s|%s|%s|%s|%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_CREDENTIAL_EXPIRATION\" \"$AWS_ACCOUNT_ID\"; \
             sh -c 'printf \"%s\\n\" \"${{AWS_ACCESS_KEY_ID:-not exported}}\"'",
            binary.display()
        )
    };
    for (format, exported) in [("env", true), ("env-no-export", false)] {
        let output = env.command(&[]).output_of("sh".as_ref(), &["-c", &script(format)]);
        assert!(output.status.success(), "{format}: {}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8(output.stdout).unwrap();
        let mut lines = stdout.lines();
        let fields: Vec<&str> = lines.next().unwrap().split('|').collect();
        let issued = env.fake.issued_credentials()[0].clone();
        assert_eq!(fields[0], issued.access_key_id, "{format}");
        assert_eq!(fields[1], issued.secret_access_key, "{format}");
        assert_eq!(fields[2], issued.session_token, "{format}");
        assert_eq!(fields[3].len(), "2026-11-23T18:49:49Z".len(), "{format}");
        assert_eq!(fields[4], ACCOUNT, "{format}");
        let child_sees = lines.next().unwrap();
        assert_eq!(child_sees == issued.access_key_id, exported, "{format}: {child_sees}");
    }
}

/// The documented way to take credentials into a script, in the README and in `--help` (and so
/// the man page), stops the script when there are none; `eval "$(…)" || exit` would not (`eval`
/// of nothing succeeds).
#[cfg(unix)]
#[test]
fn the_documented_shell_snippet_stops_the_script_when_the_session_is_gone() {
    const SNIPPET: &str =
        "creds=$(aws-sso-credential-process --profile dev-sso --format env --min-ttl 2h) || exit\neval \"$creds\"";
    let unindented = |text: &str| text.lines().map(str::trim_start).collect::<Vec<_>>().join("\n");
    let env = TestEnv::new();
    let help = env.command(&["--help"]).output().unwrap();
    for (place, text) in
        [("README.md", include_str!("../../README.md").to_owned()), ("--help", String::from_utf8(help.stdout).unwrap())]
    {
        assert!(unindented(&text).contains(SNIPPET), "{place} documents another snippet");
    }
    let script = format!(
        "{}\necho \"reached with $AWS_ACCOUNT_ID\"",
        SNIPPET.replace("aws-sso-credential-process", &format!("'{}'", binary_under_test().display()))
    );
    // No sign-in: the helper exits 3, and so does the script, before the next line.
    let output = env.command(&[]).output_of("sh".as_ref(), &["-c", &script]);
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    // Signed in, with a permission set that allows 4 hours: the script goes on with the
    // variables set.
    env.fake.set_role_session_duration(std::time::Duration::from_secs(4 * 3600));
    env.login(8 * HOUR);
    let output = env.command(&[]).output_of("sh".as_ref(), &["-c", &script]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("reached with {ACCOUNT}\n"));
}

/// A failure prints nothing on stdout in any format.
#[test]
fn a_failure_prints_nothing_in_any_format() {
    let env = TestEnv::new();
    for format in ["env", "env-no-export", "powershell", "fish", "json-pretty"] {
        let run = env.run_any(&["--profile", "dev-sso", "--format", format]);
        assert_eq!(run.code, 3, "{format}");
        assert_eq!(run.stdout, "", "{format}");
        assert_eq!(run.stderr.lines().count(), 1, "{format}");
    }
}

/// `… --format fish | source` in fish sets and exports the variables. fish is installed by
/// `.ci/run`, which sets AWS_SSO_CP_REQUIRE_SHELLS so that a missing fish fails there; a plain
/// `cargo test` on a machine without fish says so and checks the rest.
#[cfg(unix)]
#[test]
#[expect(clippy::print_stderr, reason = "says what it did not check when fish is missing")]
fn sourcing_the_fish_form_in_fish_sets_the_variables() {
    let Some(fish) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("fish"))
        .find(|path| path.is_file())
    else {
        assert!(std::env::var_os("AWS_SSO_CP_REQUIRE_SHELLS").is_none(), "fish is required but not installed");
        eprintln!("note: fish is not installed; the fish form was checked by its exact output only");
        return;
    };
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let script = format!(
        "'{}' --profile dev-sso --format fish | source; or exit 9; \
         printf '%s|%s|%s|%s\\n' $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN $AWS_ACCOUNT_ID; \
         sh -c 'printf \"%s\\n\" \"$AWS_ACCESS_KEY_ID\"'",
        binary_under_test().display()
    );
    let output = env.command(&[]).output_of(fish.as_os_str(), &["--no-config", "-c", &script]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let issued = env.fake.issued_credentials()[0].clone();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!(
            "{}|{}|{}|{ACCOUNT}\n{}\n",
            issued.access_key_id, issued.secret_access_key, issued.session_token, issued.access_key_id
        )
    );
}
