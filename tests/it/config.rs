use crate::harness::*;
use fake_aws::Route;
use serde_json::json;

const USAGE: i32 = 2;

#[test]
fn legacy_layout_uses_the_start_url_keyed_token_and_cache() {
    let env = TestEnv::new();
    let session = env.fake.seed_session();
    env.write_token(&env.legacy_token_path(), &token_document(&session, 8 * HOUR));
    let document = env.run_ok(&["--profile", "legacy"]);
    assert_eq!(document["AccountId"], json!(ACCOUNT));
    let cached = env.read_json(&env.legacy_role_cache_path());
    assert_eq!(cached["Credentials"]["AccessKeyId"], document["AccessKeyId"]);
}

#[test]
fn sso_session_flags_need_no_profile() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let document = env.run_ok(&["--sso-session", "my-sso", "--account-id", ACCOUNT, "--role-name", ROLE]);
    assert_eq!(document["AccountId"], json!(ACCOUNT));
    // Same session, account and role: the same CLI cache entry as the profile.
    assert!(env.role_cache_path().exists());
    assert_eq!(env.run_ok(&["--profile", "dev-sso"]), document);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
}

#[test]
fn start_url_flags_need_no_config_at_all() {
    let env = TestEnv::empty();
    env.fake.assign_role(ACCOUNT, ROLE);
    let session = env.fake.seed_session();
    env.write_token(&env.legacy_token_path(), &token_document(&session, 8 * HOUR));
    let document =
        env.run_ok(&["--start-url", START_URL, "--region", "us-east-1", "--account-id", ACCOUNT, "--role-name", ROLE]);
    assert_eq!(document["AccountId"], json!(ACCOUNT));
    assert!(env.legacy_role_cache_path().exists());
}

#[test]
fn aws_config_file_and_aws_profile_are_honoured() {
    let mut env = TestEnv::empty();
    env.fake.assign_role(ACCOUNT, ROLE);
    let alt = env.home.path().join("elsewhere.ini");
    std::fs::write(&alt, CONFIG).unwrap();
    env.set_env("AWS_CONFIG_FILE", alt.to_str().unwrap());
    env.set_env("AWS_PROFILE", "dev-sso");
    env.login(8 * HOUR);
    env.run_ok(&[]);
}

/// "Not found" says where the name came from, the near misses, and a section that lacks the
/// `profile ` prefix (exact text, as the user sees it).
#[test]
fn a_missing_profile_leads_somewhere() {
    let mut env = TestEnv::new();
    let config = env.aws_dir().join("config");
    let status_all = "`aws-sso-credential-process status --all` lists the SSO profiles";
    let line = env.run_err(&["--profile", "dev-ssso"], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `dev-ssso` (from --profile) not found in `{}`; {status_all}; did you mean `dev-sso`?",
            config.display()
        )
    );
    env.set_env("AWS_PROFILE", "staging");
    let line = env.run_err(&[], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `staging` (from $AWS_PROFILE) not found in `{}`; {status_all}",
            config.display()
        )
    );
    env.remove_env("AWS_PROFILE");
    let line = env.run_err(&[], USAGE);
    assert!(
        line.starts_with("aws-sso-credential-process: profile `default` (from the default, with no --profile, $AWS_PROFILE or $AWS_DEFAULT_PROFILE) not found"),
        "{line}"
    );
    env.write_config(&CONFIG.replace("[profile dev-sso]", "[dev-sso]"));
    let line = env.run_err(&["--profile", "dev-sso"], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `dev-sso` (from --profile) not found in `{}`; its section [dev-sso] is not a profile in the config file: write it [profile dev-sso]; {status_all}",
            config.display()
        )
    );
}

/// An sso-session name that is not in the file, from `--sso-session` or from a profile's
/// `sso_session`: where it came from, and the near miss.
#[test]
fn a_missing_sso_session_leads_somewhere() {
    let env = TestEnv::new();
    let config = env.aws_dir().join("config");
    let line = env.run_err(&["--sso-session", "my-ssso", "--account-id", ACCOUNT, "--role-name", ROLE], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: sso-session `my-ssso` (from --sso-session) not found in `{}`: it has no [sso-session my-ssso] section; did you mean `my-sso`?",
            config.display()
        )
    );
    let line = env.run_err(&["status", "--sso-session", "other", "--account-id", ACCOUNT, "--role-name", ROLE], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: sso-session `other` (from --sso-session) not found in `{}`: it has no [sso-session other] section",
            config.display()
        )
    );
    env.write_config(&format!(
        "{CONFIG}\n[profile typo]\nsso_session = My-SSO\nsso_account_id = 1\nsso_role_name = R\n"
    ));
    let line = env.run_err(&["--profile", "typo"], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `typo` refers to sso-session `My-SSO`, but `{}` has no [sso-session My-SSO] section; did you mean `my-sso`?",
            config.display()
        )
    );
}

#[test]
fn missing_config_names_the_profile_and_the_file() {
    let env = TestEnv::empty();
    let line = env.run_err(&["--profile", "dev-sso"], USAGE);
    let path = env.aws_dir().join("config");
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `dev-sso` (from --profile) not found in `{}` (the file does not exist)",
            path.display()
        )
    );
}

#[test]
fn incomplete_config_names_profile_file_and_keys() {
    let env = TestEnv::empty();
    env.write_config("[profile p]\nsso_session = s\nsso_account_id = 1\n\n[sso-session s]\nsso_start_url = https://x/start\nsso_region = us-east-1\n");
    let line = env.run_err(&["--profile", "p"], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `p` in `{}` is missing sso_role_name",
            env.aws_dir().join("config").display()
        )
    );
    env.write_config("[profile p]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n");
    let line = env.run_err(&["--profile", "p"], USAGE);
    assert!(line.contains("profile `p` refers to sso-session `nope`, but `"), "{line}");
}

#[test]
fn a_profile_that_runs_this_helper_is_refused_not_followed_forever() {
    let env = TestEnv::new();
    let line = env.run_err(&["--profile", "dev"], USAGE);
    assert!(line.contains("profile `dev` in `"), "{line}");
    assert!(line.contains("gets its credentials from this helper itself (credential_process = aws-sso-credential-process --profile dev-sso)"), "{line}");
    assert!(line.ends_with("use the profile it points to: --profile dev-sso"), "{line}");

    // As run by a client for profile `dev` with no --profile: AWS_PROFILE=dev.
    let mut env = TestEnv::new();
    env.set_env("AWS_PROFILE", "dev");
    let line = env.run_err(&[], USAGE);
    assert!(line.contains("gets its credentials from this helper itself"), "{line}");
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let env = TestEnv::new();
    for args in [
        &["--profile", "a", "--sso-session", "s", "--account-id", "1", "--role-name", "R"][..],
        &["--sso-session", "s"],
        &["--unknown-flag"],
        &["--profile", ""],
    ] {
        let line = env.run_err(args, USAGE);
        assert!(!line.is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version_go_to_stdout() {
    let env = TestEnv::new();
    let version = env.command(&["--version"]).output().unwrap();
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("aws-sso-credential-process {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = env.command(&["--help"]).output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("--sso-session") && text.contains("Exit codes"), "{text}");
}

#[test]
fn the_credentials_file_is_read_as_the_cli_reads_it_and_its_errors_name_it() {
    let mut env = TestEnv::new();
    env.login(8 * HOUR);
    // Sections of the credentials file merge into the profiles, as in the AWS CLI; unrelated keys
    // there change nothing for an SSO profile.
    env.write_credentials_file("[dev-sso]\ncli_pager =\n");
    env.run_ok(&["--profile", "dev-sso"]);
    let alternative = env.home.path().join("alt-credentials");
    std::fs::write(&alternative, "[default]\nnot a key value line\n").unwrap();
    env.set_env("AWS_SHARED_CREDENTIALS_FILE", alternative.to_str().unwrap());
    let line = env.run_err(&["--profile", "dev-sso"], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: cannot read `{}`: line 2 is neither a comment, a [section] header nor a key = value line; the AWS CLI refuses this file too (\"Unable to parse config file\")",
            alternative.display()
        )
    );
}

/// `aws configure sso` writes a quoted header for a session name with spaces; the CLI reads it as
/// the session `My Corp Ltd` (token file: SHA-1 of the name), and so do we.
#[test]
fn a_quoted_sso_session_name_works_as_in_the_aws_cli() {
    let env = TestEnv::new();
    env.write_config(
        "[profile corp]\nsso_session = My Corp Ltd\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\
         [sso-session 'My Corp Ltd']\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let session = env.fake.seed_session();
    // sha1("My Corp Ltd")
    let token = env.aws_dir().join("sso/cache/f4139c8382aab83f0e7aa489ffdab67031060fba.json");
    env.write_token(&token, &token_document(&session, 8 * HOUR));
    let document = env.run_ok(&["--profile", "corp"]);
    assert_eq!(document["AccountId"], json!(ACCOUNT));
    // The CLI's key: {"accountId", "roleName", "sessionName": "My Corp Ltd"}.
    let cached = env.read_json(&env.cli_cache_file("32e1710493f6a9ed6c2b163593aa75deaf683c82"));
    assert_eq!(cached["Credentials"]["AccessKeyId"], document["AccessKeyId"]);
    let line = env.run_err(&["--profile", "nope"], USAGE);
    assert!(line.contains("profile `nope` (from --profile) not found"), "{line}");
}

/// One unrelated profile with indented keys made the SDK's parser refuse the whole file; the CLI
/// reads it, and so do we, for every profile.
#[test]
fn indented_keys_in_another_profile_break_nothing() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.write_config(&format!(
        "{CONFIG}\n[profile other]\n    role_arn = arn:aws:iam::444455556666:role/Admin\n    source_profile = dev-sso\n"
    ));
    let document = env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(document["AccountId"], json!(ACCOUNT));
}

/// What the CLI refuses, we refuse, naming the line; the two files' errors name their file.
#[test]
fn a_file_the_cli_refuses_is_refused_with_its_line() {
    let env = TestEnv::new();
    env.write_config(&format!("{CONFIG}\n[profile dev-sso]\nregion = eu-west-1\n"));
    let line = env.run_err(&["--profile", "dev-sso"], USAGE);
    let config = env.aws_dir().join("config");
    assert!(
        line.ends_with(&format!(
            "cannot read `{}`: line 39 repeats the section [profile dev-sso] of line 10; the AWS CLI refuses this file too (\"Unable to parse config file\")",
            config.display()
        )),
        "{line}"
    );
}

/// A mistyped flag or subcommand keeps clap's suggestion, on the one error line.
#[test]
fn usage_errors_keep_the_suggestion() {
    let env = TestEnv::new();
    assert_eq!(
        env.run_err(&["--profle", "dev-sso"], USAGE),
        "aws-sso-credential-process: unexpected argument '--profle' found; a similar argument exists: '--profile'; see --help"
    );
    assert_eq!(
        env.run_err(&["statsu"], USAGE),
        "aws-sso-credential-process: unrecognized subcommand 'statsu'; a similar subcommand exists: 'status'; see --help"
    );
}

/// Options before a subcommand: `-v` is taken wherever it is; anything else says to put the
/// subcommand first; an unquoted value with a space says to quote it.
#[test]
fn options_before_a_subcommand_lead_somewhere() {
    let env = TestEnv::new();
    let run = env.run_any(&["-v", "status", "--profile", "dev"]);
    assert_eq!(run.code, 3, "as `status --profile dev -v`: {}", run.stderr);
    assert!(run.stderr.contains("debug: profile `dev` gets its credentials from this helper"), "{}", run.stderr);
    assert_eq!(
        env.run_err(&["--profile", "dev-sso", "status"], USAGE),
        "aws-sso-credential-process: --profile comes before the subcommand `status`: put the subcommand first (`aws-sso-credential-process status --profile …`); see --help"
    );
    assert_eq!(
        env.run_err(&["--profile", "dev-sso", "--min-ttl", "2", "hours"], USAGE),
        "aws-sso-credential-process: unexpected word 'hours' after '--min-ttl <DURATION>': quote a value that has a space (`--min-ttl '… hours'`); see --help"
    );
}
