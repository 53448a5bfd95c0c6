//! The config-file corpus (`test-data/config-files`) run through the binary. For each case,
//! `expected-sso.json` says what botocore's SSO provider makes of every profile (written from
//! botocore by `tests/interop/botocore_sso_resolution.py --write`; the interop suite checks it
//! still agrees). Where botocore resolves a profile with SSO, the helper prints credentials for the
//! same account and role and caches them in the file the AWS CLI would (with the token the CLI
//! would read); where botocore refuses it or finds no SSO keys, the helper fails in one line with
//! nothing on stdout (the harness checks that on every run); a file botocore cannot read fails
//! for every profile.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::harness::*;

/// At most this many SSO profiles of one case are run (evenly spread): the large file has 400.
const MAX_SSO_RUNS_PER_CASE: usize = 25;

fn cases() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/config-files");
    let mut cases: Vec<(String, Value)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            let expected = std::fs::read(path.join("expected-sso.json"))
                .unwrap_or_else(|e| panic!("{}: expected-sso.json: {e}", path.display()));
            (path.file_name().unwrap().to_str().unwrap().to_owned(), serde_json::from_slice(&expected).unwrap())
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// A fake with every SSO profile's role assigned, the case's files in `~/.aws`, and a token in
/// every token file botocore would read.
fn case_env(case: &str, profiles: &serde_json::Map<String, Value>) -> TestEnv {
    let env = TestEnv::empty();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/config-files").join(case);
    std::fs::create_dir_all(env.aws_dir()).unwrap();
    for file in ["config", "credentials"] {
        if let Ok(bytes) = std::fs::read(source.join(file)) {
            std::fs::write(env.aws_dir().join(file), bytes).unwrap();
        }
    }
    let session = env.fake.seed_session();
    let mut token_files = BTreeSet::new();
    for sso in profiles.values().filter_map(|result| result.get("sso")) {
        env.fake.assign_role(sso["account_id"].as_str().unwrap(), sso["role_name"].as_str().unwrap());
        token_files.insert(sso["token_file"].as_str().unwrap().to_owned());
    }
    for file in token_files {
        env.write_token(&env.aws_dir().join("sso/cache").join(file), &token_document(&session, 8 * HOUR));
    }
    env
}

#[test]
fn every_profile_botocore_resolves_works_and_every_other_fails() {
    let (mut served, mut refused) = (0, 0);
    for (case, expected) in cases() {
        if expected["refused"] == json!(true) {
            let env = case_env(&case, &serde_json::Map::new());
            for profile in ["default", "dev-sso"] {
                let line = env.run_err(&["--profile", profile], 2);
                assert!(line.contains("the AWS CLI refuses this file too"), "{case}: {line}");
            }
            refused += 1;
            continue;
        }
        let profiles = expected["profiles"].as_object().unwrap();
        let env = case_env(&case, profiles);
        let sso: Vec<(&String, &Value)> = profiles.iter().filter_map(|(n, r)| Some((n, r.get("sso")?))).collect();
        let step = sso.len().div_ceil(MAX_SSO_RUNS_PER_CASE).max(1);
        for (name, sso) in sso.iter().step_by(step) {
            let run = env.run(&["--profile", name]);
            assert_eq!(run.code, 0, "{case}: profile `{name}` ({sso}): {}", run.stderr);
            let document: Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(document["AccountId"], sso["account_id"], "{case}: profile `{name}`");
            let cache = env.cli_cache_file(sso["role_cache_file"].as_str().unwrap().trim_end_matches(".json"));
            let cached = env.read_json(&cache);
            assert_eq!(cached["Credentials"]["AccessKeyId"], document["AccessKeyId"], "{case}: profile `{name}`");
            served += 1;
        }
        for (name, result) in profiles {
            if result.get("not_sso").is_some() || result.get("error").is_some() {
                let run = env.run(&["--profile", name]);
                assert_ne!(run.code, 0, "{case}: profile `{name}` ({result}) should fail: {}", run.stdout);
                refused += 1;
            }
        }
    }
    // The corpus covers both sides.
    assert!(served >= 40 && refused >= 40, "{served} profiles served, {refused} refused");
}
