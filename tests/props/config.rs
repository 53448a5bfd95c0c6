use aws_sso_credential_process::config::{self, Resolved, SsoSession, Target};
use aws_sso_credential_process::{Environment, Error};
use proptest::prelude::*;

/// Section names shared by headers and references, so `source_profile`, `sso_session` and
/// `--profile` often hit a section (and `source_profile` references often go round in a loop).
const NAMES: [&str; 9] = ["a", "b", "c", "dev", "default", "my-sso", "x y", "é", ""];

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(NAMES.to_vec())
}

/// Any text that fits on one line, control characters and all.
fn junk(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(crate::json_text::any_char().prop_filter("one line", |c| *c != '\n'), 0..=max)
        .prop_map(|chars| chars.into_iter().collect())
}

fn pick(values: &[&'static str]) -> BoxedStrategy<String> {
    prop_oneof![4 => prop::sample::select(values.to_vec()).prop_map(str::to_owned), 1 => junk(24)].boxed()
}

/// The keys the helper interprets, each with values worth trying.
fn key_value() -> impl Strategy<Value = (&'static str, String)> {
    let name = || name().prop_map(str::to_owned).boxed();
    prop_oneof![
        (Just("sso_session"), name()),
        (Just("source_profile"), name()),
        (Just("sso_start_url"), pick(&["https://d-1234567890.awsapps.com/start", "", "not a url", "https://x/"])),
        (Just("sso_region"), pick(&["us-east-1", "eu-west-1", "", "US EAST 1"])),
        (Just("region"), pick(&["us-east-1", "eu-west-1", "", "cn-north-1", "us-gov-west-1"])),
        (Just("sso_account_id"), pick(&["111122223333", "", "abc", "1234567890123"])),
        (Just("sso_role_name"), pick(&["ReadOnly", "", "Admin/x"])),
        (
            Just("role_arn"),
            pick(&[
                "arn:aws:iam::444455556666:role/Admin",
                "arn:aws:iam::role",
                "arn:aws-cn:iam::123456789012:role/path/x",
                "arn:aws:iam:::role/",
                "not-an-arn",
                "",
            ])
        ),
        (Just("role_session_name"), pick(&["me", "", "bad name", "a@b.c"])),
        (Just("external_id"), pick(&["ext", ""])),
        (
            Just("duration_seconds"),
            pick(&[
                "3600",
                "900",
                "1200",
                "43200",
                "43201",
                "-1",
                "0",
                "99999999999999999999",
                "1h",
                "",
                " 3600 ",
                "0x10"
            ])
        ),
        (Just("credential_source"), pick(&["Environment", "Ec2InstanceMetadata", "EcsContainer", ""])),
        (Just("mfa_serial"), pick(&["arn:aws:iam::123456789012:mfa/me", ""])),
        (
            Just("credential_process"),
            pick(&[
                "aws-sso-credential-process --profile a",
                "/usr/local/bin/aws-sso-credential-process --profile 'x y'",
                "aws-sso-credential-process --profile",
                "aws-sso-credential-process --sso-session my-sso --account-id 1 --role-name R",
                "aws-sso-credential-process",
                "\"unterminated",
                "other-tool --profile a",
                "",
            ])
        ),
        (Just("aws_access_key_id"), pick(&["AKIAEXAMPLE", ""])),
        (Just("aws_secret_access_key"), pick(&["secret", ""])),
        (Just("aws_session_token"), pick(&["token"])),
        (Just("web_identity_token_file"), pick(&["/tmp/token"])),
        (Just("sts_regional_endpoints"), pick(&["regional", "legacy", "", "REGIONAL"])),
        (Just("endpoint_url"), pick(&["http://127.0.0.1:9", "", "not a url"])),
        (Just("ignore_configured_endpoint_urls"), pick(&["true", "false"])),
        (Just("sso_registration_scopes"), pick(&["sso:account:access"])),
    ]
}

/// One line of a config or credentials file.
fn line() -> impl Strategy<Value = String> {
    let spaces = || prop::sample::select(vec!["", " ", "\t", "  "]);
    prop_oneof![
        3 => (name(), prop::sample::select(vec![
            "[profile {}]", "[{}]", "[default]", "[sso-session {}]", "[services {}]", "[ profile {} ]", "[profile {}",
            "[]", "[profile]", "[sso-session]", "[profile {}] # comment", "[profile  {}]",
        ]))
            .prop_map(|(name, header)| header.replace("{}", name)),
        8 => (spaces(), key_value(), spaces(), spaces())
            .prop_map(|(indent, (key, value), before, after)| format!("{indent}{key}{before}={after}{value}")),
        1 => (prop::sample::select(vec!["sso", "sts", "sso-oidc", "sso_oidc"]), pick(&["http://127.0.0.1:9", ""]))
            .prop_map(|(service, url)| format!("{service} =\n  endpoint_url = {url}")),
        1 => junk(30),
        1 => prop::sample::select(vec!["", "# a comment", "; a comment", "=", "= value", "key", "\r", "  continued"])
            .prop_map(str::to_owned),
    ]
}

fn file() -> impl Strategy<Value = String> {
    proptest::collection::vec(line(), 0..30).prop_map(|lines| lines.join("\n"))
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        1 => Just(Target::Profile(None)),
        4 => name().prop_map(|n| Target::Profile(Some(n.to_owned()))),
        1 => (name(), pick(&["111122223333", ""]), pick(&["ReadOnly", ""])).prop_map(|(name, account_id, role_name)| {
            Target::SsoSession { name: name.to_owned(), account_id, role_name }
        }),
        1 => (pick(&["https://d-1234567890.awsapps.com/start", ""]), pick(&["us-east-1", ""]))
            .prop_map(|(start_url, region)| Target::StartUrl {
                start_url,
                region,
                account_id: "111122223333".into(),
                role_name: "ReadOnly".into(),
            }),
    ]
}

/// Optional environment variables that the config code reads.
fn variables() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let var = prop_oneof![
        (Just("AWS_PROFILE"), name().prop_map(str::to_owned)),
        (Just("AWS_DEFAULT_PROFILE"), name().prop_map(str::to_owned)),
        (Just("AWS_REGION"), pick(&["eu-west-1", ""])),
        (Just("AWS_DEFAULT_REGION"), pick(&["us-west-2"])),
        (Just("AWS_STS_REGIONAL_ENDPOINTS"), pick(&["regional", "legacy"])),
    ];
    proptest::collection::vec(var, 0..3)
}

fn assert_one_line(error: config::ConfigError) {
    let line = Error::Config(error).one_line();
    assert!(!line.is_empty(), "an empty error message");
    assert!(!line.chars().any(char::is_control), "a control character in the error line: {line:?}");
}

proptest! {
    #![proptest_config(crate::config(256))]

    /// Whatever the files say, loading and resolving returns (never panics, never loops), and an
    /// error is one printable line.
    #[test]
    fn load_and_resolve_never_panic(
        config_text in file(),
        credentials_text in proptest::option::of(file()),
        target in target(),
        variables in variables(),
    ) {
        let home = tempfile::tempdir().unwrap();
        let aws = home.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(aws.join("config"), &config_text).unwrap();
        if let Some(text) = &credentials_text {
            std::fs::write(aws.join("credentials"), text).unwrap();
        }
        let home_var = ("HOME", home.path().to_str().unwrap().to_owned());
        let env = Environment::from_vars(variables.into_iter().chain([home_var]));
        let loaded = match config::load(&env) {
            Ok(loaded) => loaded,
            Err(e) => {
                assert_one_line(e);
                return Ok(());
            }
        };
        match config::resolve(&loaded, &env, &target, &["aws-sso-credential-process"]) {
            Err(e) => assert_one_line(e),
            // A profile that resolves has everything a GetRoleCredentials call needs.
            Ok(Resolved::Sso(role)) if matches!(target, Target::Profile(_)) => {
                prop_assert!(!role.account_id.is_empty(), "{:?}", role);
                prop_assert!(!role.role_name.is_empty(), "{:?}", role);
                prop_assert!(!role.session.region().is_empty(), "{:?}", role);
                if let SsoSession::Named { name, .. } = &role.session {
                    prop_assert!(!role.session.start_url().is_empty(), "{}: {:?}", name, role);
                }
            }
            Ok(Resolved::Sso(_)) => {}
            Ok(Resolved::Chain(chain)) => {
                let _ = chain.last_hop();
            }
        }
    }
}
