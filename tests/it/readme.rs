//! The README's setup, run as written: the SSO profile of step 1, `configure --write` adding
//! exactly the profile of step 2, then (signed in) `doctor` finding nothing and `AWS_PROFILE=dev`
//! working for the commands for people and the shell formats.

use crate::harness::*;

const README: &str = include_str!("../../README.md");

/// The fenced blocks of `lang` in the README's section `heading`, unindented.
fn blocks(heading: &str, lang: &str) -> Vec<String> {
    let start = README.find(&format!("\n## {heading}\n")).unwrap_or_else(|| panic!("no section {heading}"));
    let section = &README[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines().map(str::trim_start) {
        match &mut current {
            None if line == format!("```{lang}") => current = Some(String::new()),
            Some(block) if line == "```" => {
                found.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    found
}

#[test]
fn the_setup_works_as_written() {
    let ini = blocks("Setup", "ini");
    assert_eq!(ini.len(), 2, "step 1's SSO profile, step 2's helper profile");
    let env = TestEnv::empty();
    env.fake.assign_role(ACCOUNT, ROLE);
    env.write_config(&ini[0]);

    let sh = blocks("Setup", "sh");
    assert_eq!(sh[0].trim(), "aws-sso-credential-process configure --profile dev-sso --write");
    let run = env.run_any(&["configure", "--profile", "dev-sso", "--write"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let written = std::fs::read_to_string(env.aws_dir().join("config")).unwrap();
    let program =
        shlex::try_quote(std::fs::canonicalize(binary_under_test()).unwrap().to_str().unwrap()).unwrap().into_owned();
    let step_two = ini[1].replace("/home/me/.cargo/bin/aws-sso-credential-process", &program);
    assert_eq!(written, format!("{}\n{step_two}", ini[0]), "configure adds exactly step 2's lines");

    // Step 3: signed in, doctor finds nothing; the profile tools use works for people too.
    env.login(8 * HOUR);
    // With the modes `aws sso login` gives them (the harness writes with the umask's).
    #[cfg(unix)]
    for (path, mode) in [(env.aws_dir().join("sso/cache"), 0o700), (env.token_path(), 0o600)] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let run = env.run_any(&["doctor"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.ends_with("\nno problems found\n"), "{}", run.stdout);
    let mut env = env;
    env.set_env("AWS_PROFILE", "dev");
    assert_eq!(env.run_any(&["status"]).code, 0);
    let run = env.run_any(&["--format", "env"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(run.stdout.contains(&format!("export AWS_ACCOUNT_ID={ACCOUNT}\n")), "{}", run.stdout);
    // The credential_process line itself, as a client runs it.
    let line = step_two.lines().find_map(|l| l.strip_prefix("credential_process = ")).unwrap();
    let words = shlex::split(line).unwrap();
    let output =
        env.command(&[]).output_of(words[0].as_ref(), &words[1..].iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["AccountId"], ACCOUNT);
}
