use std::path::{Path, PathBuf};

use crate::harness::*;
use serde_json::Value;

/// Each `test-data/doctor/<case>/` is laid out in a temporary HOME (see its README), and both
/// outputs are compared with `expected.txt` and `expected.json` exactly, `$HOME` standing for the
/// temporary home. `DOCTOR_BLESS=1` rewrites the expected files instead (then review the diff).
#[test]
fn each_case_prints_exactly_what_is_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/doctor");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 13, "{cases:?}");
    let bless = std::env::var_os("DOCTOR_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let env = TestEnv::empty();
        lay_out(case, env.home.path());
        let home = env.home.path().to_str().unwrap();
        for (args, expected_file) in [(&["doctor"][..], "expected.txt"), (&["doctor", "--json"][..], "expected.json")] {
            let run = env.run_any(args);
            assert_eq!(run.stderr, "", "{name}: {args:?}");
            let stdout = run.stdout.replace(home, "$HOME");
            for secret in ["SECRET", "EXAMPLEKEYID"] {
                assert!(!stdout.contains(secret), "{name}: a secret or key ID reached stdout:\n{stdout}");
            }
            let expected_path = case.join(expected_file);
            if bless {
                std::fs::write(&expected_path, &stdout).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if stdout != expected {
                failures.push(format!("--- {name}/{expected_file} expected:\n{expected}--- got:\n{stdout}"));
            }
            let problems = match expected_file {
                "expected.json" => serde_json::from_str::<Value>(&stdout).unwrap()["problems"].as_u64() != Some(0),
                _ => stdout.lines().last().is_some_and(|line| !line.starts_with("no problems found")),
            };
            assert_eq!(run.code, i32::from(problems), "{name}: {args:?}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Copies a case into `home`: `config` and `credentials` into `~/.aws`, `sso-cache/*` and
/// `cli-cache/*` into the AWS caches, `helper-cache/*` into this program's cache folder; every
/// file 0600 and folder 0700, then the modes the case's `modes` file lists.
fn lay_out(case: &Path, home: &Path) {
    let places = [
        ("config", ".aws/config"),
        ("credentials", ".aws/credentials"),
        ("sso-cache", ".aws/sso/cache"),
        ("cli-cache", ".aws/cli/cache"),
        ("helper-cache", ".cache/aws-sso-credential-process"),
    ];
    for (from, to) in places {
        let source = case.join(from);
        let target = home.join(to);
        if source.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            for entry in std::fs::read_dir(&source).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
            }
        } else if source.is_file() {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, &target).unwrap();
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set =
            |path: &Path, mode: u32| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        fn walk(path: &Path, each: &dyn Fn(&Path, bool)) {
            for entry in std::fs::read_dir(path).unwrap() {
                let path = entry.unwrap().path();
                let is_dir = path.is_dir();
                each(&path, is_dir);
                if is_dir {
                    walk(&path, each);
                }
            }
        }
        walk(home, &|path, is_dir| set(path, if is_dir { 0o700 } else { 0o600 }));
        if let Ok(modes) = std::fs::read_to_string(case.join("modes")) {
            for line in modes.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
                let (path, mode) = line.rsplit_once(' ').unwrap();
                set(&home.join(path), u32::from_str_radix(mode, 8).unwrap());
            }
        }
    }
}

fn doctor_json(env: &TestEnv) -> (i32, Value) {
    let run = env.run_any(&["doctor", "--json"]);
    assert_eq!(run.stderr, "");
    for secret in env.fake.secrets() {
        assert!(!run.stdout.contains(&secret), "a secret reached stdout: {}", run.stdout);
    }
    (run.code, serde_json::from_str(&run.stdout).unwrap())
}

fn findings_of<'a>(document: &'a Value, check: &str) -> Vec<&'a Value> {
    document["findings"].as_array().unwrap().iter().filter(|f| f["check"] == check).collect()
}

#[test]
fn a_fetch_records_the_clock_and_doctor_reports_a_server_ten_minutes_ahead() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.set_clock_offset(600);
    env.run_ok(&["--profile", "dev-sso"]);
    let record = env.read_json(&env.home.path().join(".cache/aws-sso-credential-process/last-response.json"));
    assert_eq!(record["endpoint"], "sso");

    let (code, document) = doctor_json(&env);
    assert_eq!(code, 1);
    let skew = findings_of(&document, "clock-skew");
    assert_eq!(skew.len(), 1, "{document:#}");
    assert_eq!(skew[0]["severity"], "problem");
    let message = skew[0]["message"].as_str().unwrap();
    assert!(message.contains("min") && message.contains("behind AWS's: AWS refuses requests signed"), "{message}");
    assert!(["9 min 59 s", "10 min", "10 min 1 s"].iter().any(|d| message.contains(d)), "{message}");
    assert!(skew[0]["fix"].as_str().unwrap().contains("timedatectl set-ntp true"));
    let text = env.run_any(&["doctor"]).stdout;
    assert!(text.contains("problem  clock-skew\n"), "{text}");
}

#[test]
fn an_honest_clock_is_ok_and_the_hot_path_records_nothing() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    let record_path = env.home.path().join(".cache/aws-sso-credential-process/last-response.json");
    let written = std::fs::metadata(&record_path).unwrap().modified().unwrap();
    let (_, document) = doctor_json(&env);
    assert!(findings_of(&document, "clock-skew").is_empty(), "{document:#}");
    let text = env.run_any(&["doctor"]).stdout;
    assert!(text.contains("ok       clock-skew ("), "{text}");

    // Served from the cache: no client, no response, the record stays as it was.
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(std::fs::metadata(&record_path).unwrap().modified().unwrap(), written);
}

#[test]
fn without_any_config_nothing_is_wrong_and_the_missing_file_is_named() {
    let env = TestEnv::empty();
    let run = env.run_any(&["doctor"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let home = env.home.path().to_str().unwrap();
    assert!(run.stdout.starts_with(&format!("config file:      {home}/.aws/config (not found)\n")), "{}", run.stdout);
    assert!(run.stdout.ends_with("\nno problems found\n"), "{}", run.stdout);
}

#[test]
fn the_sample_config_has_only_its_legacy_profile_to_report() {
    let env = TestEnv::new();
    // Right after setup, before anyone signed in: the credential call would exit 3, and doctor
    // says so for each session the config names (my-sso, and the legacy profile's start URL).
    let (code, document) = doctor_json(&env);
    assert_eq!(code, 1);
    let checks = |document: &serde_json::Value| -> Vec<String> {
        document["findings"].as_array().unwrap().iter().map(|f| f["check"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(checks(&document), ["legacy-layout", "missing-token", "missing-token"], "{document:#}");
    assert_eq!(
        document["findings"][1]["fix"],
        "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
    );
    assert_eq!(
        document["findings"][2]["fix"],
        "run `aws-sso-credential-process login --profile legacy` (or `aws sso login --profile legacy`)"
    );
    // Signed in with both: only the legacy layout is left.
    let session = env.login(8 * HOUR);
    env.write_token(&env.legacy_token_path(), &token_document(&session, 8 * HOUR));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path, mode| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        mode(&env.aws_dir().join("sso/cache"), 0o700);
        mode(&env.token_path(), 0o600);
        mode(&env.legacy_token_path(), 0o600);
    }
    let (code, document) = doctor_json(&env);
    assert_eq!(code, 1);
    assert_eq!(checks(&document), ["legacy-layout"], "{document:#}");
    assert_eq!(document["findings"][0]["profile"], "legacy");
}

#[test]
fn a_config_named_by_aws_config_file_is_the_one_read() {
    let mut env = TestEnv::new();
    let other = env.home.path().join("elsewhere.ini");
    std::fs::write(&other, "[profile p]\ncredential_process = aws-sso-credential-process --profile p\n").unwrap();
    env.set_env("AWS_CONFIG_FILE", other.to_str().unwrap());
    let run = env.run_any(&["doctor"]);
    assert!(run.stdout.starts_with(&format!("config file:      {}\n", other.display())), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("  where: {}, [profile p]\n", other.display())), "{}", run.stdout);
}

/// `HOME` naming a folder that does not exist: `doctor` says so first (exit 1), and the
/// credential call's "not found" says it too.
#[test]
fn a_home_that_does_not_exist_is_a_problem() {
    let mut env = TestEnv::new();
    let home = env.home.path().join("nowhere");
    env.set_env("HOME", home.to_str().unwrap());
    let run = env.run_any(&["doctor"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let home = home.display();
    let block: Vec<&str> = run.stdout.lines().skip(3).take(4).collect();
    assert_eq!(
        block,
        [
            "problem  home-folder".to_owned(),
            format!("  where: {home}"),
            "  what:  the home folder (from $HOME) does not exist: the helper finds no sign-in and no cached credentials there and cannot save any, so every profile fails".to_owned(),
            format!("  fix:   set $HOME to your home folder, or create this one: mkdir -p {home}"),
        ]
    );
    assert!(run.stdout.ends_with("\n1 problem, 0 warnings\n"), "{}", run.stdout);
    let run = env.run_any(&["--profile", "dev-sso"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        format!(
            "aws-sso-credential-process: profile `dev-sso` (from --profile) not found in `{home}/.aws/config` (the file does not exist, nor does the home folder `{home}`: is HOME right?)\n"
        )
    );
}
