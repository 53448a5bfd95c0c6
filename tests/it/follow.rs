use std::time::Duration;

use aws_sso_credential_process::config::memo;

use crate::harness::*;

/// The `debug:` lines of a run.
fn trace(stderr: &str) -> Vec<&str> {
    stderr.lines().filter_map(|line| line.strip_prefix("aws-sso-credential-process: debug: ")).collect()
}

const FOLLOWED: &str =
    "profile `dev` gets its credentials from this helper with --profile dev-sso: using profile `dev-sso`";

/// The line that refuses `dev` itself, which runs this helper: the credential_process run never
/// follows it, and a second hand-over is not followed.
fn dev_refused(config: &std::path::Path) -> String {
    format!(
        "aws-sso-credential-process: profile `dev` in `{}` gets its credentials from this helper itself (credential_process = aws-sso-credential-process --profile dev-sso); use the profile it points to: --profile dev-sso\n",
        config.display()
    )
}

/// With `AWS_PROFILE=dev` (the README's setup: `dev` runs this helper with `--profile dev-sso`),
/// the shell formats print dev-sso's credentials, and `--verbose` says why; the same with
/// `--profile dev`.
#[test]
fn shell_formats_follow_a_profile_that_runs_this_helper() {
    let mut env = TestEnv::new();
    env.write_cached_role_credentials(2 * HOUR);
    let expected = env.run_any(&["--profile", "dev-sso", "--format", "env"]);
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    for args in [&["--profile", "dev", "--format", "env"][..], &["--profile", "dev", "--format", "json-pretty"]] {
        let run = env.run_any(args);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    }
    env.set_env("AWS_PROFILE", "dev");
    let run = env.run_any(&["--format", "env"]);
    assert_eq!((run.code, run.stderr.as_str(), run.stdout.as_str()), (0, "", expected.stdout.as_str()));
    let run = env.run_any(&["--format", "fish", "--verbose"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = env.aws_dir().join("config");
    assert_eq!(trace(&run.stderr)[..2], [format!("read {} for profile `dev`", config.display()).as_str(), FOLLOWED]);
    assert_eq!(env.fake.total_calls(), 0);
}

/// The credential_process run itself is unchanged: `dev` asking for `dev` is refused (a tool
/// using `dev` runs this very command, so following would only hide a loop elsewhere).
#[test]
fn the_credential_process_run_does_not_follow() {
    let mut env = TestEnv::new();
    env.write_cached_role_credentials(2 * HOUR);
    env.set_env("AWS_PROFILE", "dev");
    let run = env.run_any(&[]);
    let config = env.aws_dir().join("config");
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(run.stderr, dev_refused(&config));
}

/// `status` with `AWS_PROFILE=dev` shows dev-sso; `status --profile prod` shows the chain of
/// prod-admin; `--verbose` says which profile is shown.
#[test]
fn status_follows_a_profile_that_runs_this_helper() {
    let mut env = TestEnv::new();
    env.login(8 * HOUR);
    let run = env.run_any(&["status", "--profile", "prod", "--verbose"]);
    assert_eq!(run.code, 0, "signed in: {}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "Profile:                prod-admin (for prod, which runs this helper with --profile prod-admin)\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        trace(&run.stderr),
        [
            "profile `prod` gets its credentials from this helper with --profile prod-admin: showing profile `prod-admin`"
        ]
    );
    env.set_env("AWS_PROFILE", "dev");
    let run = env.run_any(&["status", "--json"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["profiles"][0]["profile"], "dev-sso");
    assert_eq!(document["profiles"][0]["via"], "dev");
    assert_eq!(env.fake.total_calls(), 0);
}

/// A profile that hands over to a profile that does not exist: the message says where the name
/// came from and suggests the near miss.
#[test]
fn a_missing_followed_profile_says_where_its_name_came_from() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "{CONFIG}\n[profile typo]\ncredential_process = aws-sso-credential-process --profile dev-ssso\n"
    ));
    let config = env.aws_dir().join("config");
    let expected = format!(
        "aws-sso-credential-process: profile `dev-ssso` (from the --profile in the credential_process of profile `typo`) not found in `{}`; `aws-sso-credential-process status --all` lists the SSO profiles; did you mean `dev-sso`?\n",
        config.display()
    );
    for args in [&["--profile", "typo", "--format", "env"][..], &["status", "--profile", "typo"]] {
        let run = env.run_any(args);
        assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (2, "", expected.as_str()), "{args:?}");
    }
}

/// Followed once only: a profile handing over to another that runs this helper is refused with
/// the usual message, for the second one.
#[test]
fn only_one_step_is_followed() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "{CONFIG}\n[profile outer]\ncredential_process = aws-sso-credential-process --profile dev\n"
    ));
    let config = env.aws_dir().join("config");
    let run = env.run_any(&["--profile", "outer", "--format", "env"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(run.stderr, dev_refused(&config));
}

/// The memo remembers that a person's request was followed (and keeps it apart from the
/// credential_process run's refusal).
#[test]
fn a_remembered_resolution_still_says_it_was_followed() {
    let mut env = TestEnv::new();
    env.write_cached_role_credentials(2 * HOUR);
    env.set_env("AWS_PROFILE", "dev");
    std::thread::sleep(Duration::try_from(memo::SETTLE).unwrap() + Duration::from_millis(200));
    let first = env.run_any(&["--format", "env", "--verbose"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let remembered = env.run_any(&["--format", "env", "--verbose"]);
    let lines = trace(&remembered.stderr);
    assert!(lines[0].contains("unchanged since its resolution was remembered"), "{lines:?}");
    assert_eq!(lines[1], FOLLOWED);
    assert_eq!(remembered.stdout, first.stdout);
    assert_eq!(env.run_any(&[]).code, 2, "the credential_process run is still refused");
}
