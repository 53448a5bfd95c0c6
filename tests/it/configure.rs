use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use aws_sso_credential_process::{Environment, config};

use crate::harness::*;

const USAGE: i32 = 2;

/// The sample config without `dev`, the profile that runs the helper for `dev-sso`.
fn without_dev() -> String {
    let dev = "[profile dev]\ncredential_process = aws-sso-credential-process --profile dev-sso\nregion = us-east-1\n";
    assert!(CONFIG.contains(dev));
    CONFIG.replace(dev, "")
}

/// The program word `configure` writes: this test binary's real path, quoted for a shell.
fn program() -> String {
    let path = std::fs::canonicalize(binary_under_test()).unwrap();
    shlex::try_quote(path.to_str().unwrap()).unwrap().into_owned()
}

/// The section `configure --profile dev-sso` adds.
fn dev_section(eol: &str) -> String {
    format!("[profile dev]{eol}credential_process = {} --profile dev-sso{eol}region = us-east-1{eol}", program())
}

fn config_path(env: &TestEnv) -> PathBuf {
    env.aws_dir().join("config")
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The files in `~/.aws`, by name.
fn aws_files(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(env.aws_dir()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

fn run_ok(env: &TestEnv, args: &[&str]) -> String {
    let run = env.run_any(args);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    for secret in env.fake.secrets() {
        assert!(!run.stdout.contains(secret.as_str()));
    }
    run.stdout
}

fn run_refused(env: &TestEnv, args: &[&str]) -> String {
    let run = env.run_any(args);
    assert_eq!((run.code, run.stdout.as_str()), (USAGE, ""), "{args:?}: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    run.stderr.trim_end().strip_prefix("aws-sso-credential-process: ").unwrap().to_owned()
}

/// Checks the written config as the helper reads it: `dev` runs the helper for `dev-sso`, which
/// still works, and `dev` itself is refused, naming `dev-sso`.
fn assert_dev_works(env: &TestEnv) {
    let sdk_env = Environment::from_vars([("HOME", env.home.path().to_str().unwrap())]);
    let loaded = config::load(&sdk_env).unwrap();
    let dev = loaded.profile("dev").expect("profile dev");
    assert_eq!(dev.get("credential_process"), Some(format!("{} --profile dev-sso", program()).as_str()));
    assert_eq!(dev.get("region"), Some("us-east-1"));
    assert_eq!(config::helper_profile(&dev, &[]).as_deref(), Some("dev-sso"));

    env.login(8 * HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    let line = env.run_err(&["--profile", "dev"], USAGE);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: profile `dev` in `{}` gets its credentials from this helper itself \
             (credential_process = {} --profile dev-sso); use the profile it points to: --profile dev-sso",
            config_path(env).display(),
            program()
        )
    );
}

#[test]
fn prints_the_section_for_one_profile_and_changes_nothing() {
    let env = TestEnv::new();
    env.write_config(&without_dev());
    let stdout = run_ok(&env, &["configure", "--profile", "dev-sso"]);
    assert_eq!(stdout, format!("# add to {}:\n{}", config_path(&env).display(), dev_section("\n")));
    let stdout = run_ok(&env, &["configure", "--profile", "prod-admin", "--name", "prod-2"]);
    assert_eq!(
        stdout,
        format!(
            "# add to {}:\n[profile prod-2]\ncredential_process = {} --profile prod-admin\nregion = eu-west-1\n",
            config_path(&env).display(),
            program()
        )
    );
    assert_eq!(std::fs::read_to_string(config_path(&env)).unwrap(), without_dev());
    assert_eq!(aws_files(&env), ["config"]);
}

#[test]
fn prints_every_sso_profile_that_has_no_helper_profile_yet() {
    let env = TestEnv::new();
    // The sample: dev-sso has `dev`, prod-admin has `prod`; legacy has nothing (and no region).
    let stdout = run_ok(&env, &["configure"]);
    assert_eq!(
        stdout,
        format!(
            "# add to {}:\n[profile legacy-process]\ncredential_process = {} --profile legacy\n# note: profile `legacy` sets no region to copy: add `region = <the region your resources are in>` to [profile legacy-process], or tools using it stop with \"You must specify a region\" unless AWS_REGION is set\n",
            config_path(&env).display(),
            program()
        )
    );
    env.write_config(&without_dev());
    let stdout = run_ok(&env, &["configure"]);
    assert_eq!(
        stdout,
        format!(
            "# add to {}:\n{}\n[profile legacy-process]\ncredential_process = {} --profile legacy\n# note: profile `legacy` sets no region to copy: add `region = <the region your resources are in>` to [profile legacy-process], or tools using it stop with \"You must specify a region\" unless AWS_REGION is set\n",
            config_path(&env).display(),
            dev_section("\n"),
            program()
        )
    );
    assert_eq!(aws_files(&env), ["config"]);
}

#[test]
fn says_so_when_there_is_nothing_to_do() {
    let env = TestEnv::new();
    let path = config_path(&env);
    let stdout = run_ok(&env, &["configure", "--profile", "dev-sso", "--write"]);
    assert_eq!(
        stdout,
        format!(
            "already configured: profile `dev` in `{}` gets its credentials from this helper with --profile dev-sso; nothing to change\n",
            path.display()
        )
    );
    env.write_config(&format!("{CONFIG}\n[profile legacy-process]\ncredential_process = /opt/bin/aws-sso-credential-process --profile legacy\n"));
    let stdout = run_ok(&env, &["configure", "--write"]);
    assert_eq!(
        stdout,
        format!(
            "nothing to do: every IAM Identity Center (SSO) profile in `{}` already has a profile that runs this helper\n",
            path.display()
        )
    );
    env.write_config("# nothing yet\n");
    let stdout = run_ok(&env, &["configure"]);
    assert_eq!(
        stdout,
        format!(
            "nothing to do: no profile in `{}` gets its credentials from IAM Identity Center (SSO); create one with `aws configure sso`\n",
            path.display()
        )
    );
    assert_eq!(aws_files(&env), ["config"], "no backup when nothing is written");
}

/// A config full of comments, blank lines, odd spacing and an sso-session after the profiles.
const UNTIDY: &str = "\
# my AWS config  \n\
;   semicolon comment\n\
\n\
\n\
[profile   dev-sso  ]   # trailing comment\n\
sso_session=my-sso\n\
sso_account_id   =   111122223333\n\
sso_role_name = ReadOnly\n\
  ; why not (a comment: the AWS CLI keeps `;` after a value as part of it)\n\
region\t=\tus-east-1\n\
\n\
[default]\n\
output = json\n\
\n\
[sso-session my-sso]\n\
sso_start_url = https://d-1234567890.awsapps.com/start\n\
sso_region = us-east-1\n\
# last words\n\
\t\n\
";

#[test]
fn write_appends_keeping_every_byte_makes_a_backup_and_keeps_the_mode() {
    let env = TestEnv::new();
    env.write_config(UNTIDY);
    let path = config_path(&env);
    set_mode(&path, 0o640);
    let stdout = run_ok(&env, &["configure", "--profile", "dev-sso", "--write"]);
    let backup = env.aws_dir().join("config.bak");
    assert_eq!(
        stdout,
        format!(
            "backed up {} to {}\nadded to {}:\n{}\ntry it: aws sts get-caller-identity --profile dev\n",
            path.display(),
            backup.display(),
            path.display(),
            dev_section("\n")
        )
    );
    // The last line is blank (a tab), so no other blank line is added.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{UNTIDY}{}", dev_section("\n")));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), UNTIDY);
    assert_eq!((mode(&path), mode(&backup)), (0o640, 0o640));
    assert_eq!(aws_files(&env), ["config", "config.bak"], "no temporary file left");
    assert_dev_works(&env);

    // Once is enough; a later write makes a new backup and never overwrites the old one.
    assert!(run_ok(&env, &["configure", "--profile", "dev-sso", "--write"]).starts_with("already configured"));
    let before = std::fs::read(&path).unwrap();
    let stdout = run_ok(&env, &["configure", "--profile", "dev-sso", "--name", "dev2", "--write"]);
    assert!(stdout.starts_with(&format!("backed up {} to {}.1\n", path.display(), backup.display())), "{stdout}");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), UNTIDY);
    assert_eq!(std::fs::read(env.aws_dir().join("config.bak.1")).unwrap(), before);
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        format!(
            "{}\n{}",
            String::from_utf8(before).unwrap(),
            dev_section("\n").replace("[profile dev]", "[profile dev2]")
        )
    );
}

#[test]
fn write_keeps_crlf_line_endings() {
    let env = TestEnv::new();
    let crlf = without_dev().replace('\n', "\r\n");
    env.write_config(&crlf);
    run_ok(&env, &["configure", "--profile", "dev-sso", "--write"]);
    let written = std::fs::read_to_string(config_path(&env)).unwrap();
    // The sample ends with a non-blank line: a blank line separates the new section.
    assert_eq!(written, format!("{crlf}\r\n{}", dev_section("\r\n")));
    assert_eq!(std::fs::read_to_string(env.aws_dir().join("config.bak")).unwrap(), crlf);
    assert_dev_works(&env);
}

#[test]
fn write_adds_the_missing_final_newline_first() {
    let env = TestEnv::new();
    let unterminated = without_dev().trim_end().to_owned();
    assert!(!unterminated.ends_with('\n'));
    env.write_config(&unterminated);
    run_ok(&env, &["configure", "--profile", "dev-sso", "--write"]);
    let written = std::fs::read_to_string(config_path(&env)).unwrap();
    assert_eq!(written, format!("{unterminated}\n\n{}", dev_section("\n")));
    assert_dev_works(&env);
}

#[test]
fn write_follows_aws_config_file_and_a_symlink_to_the_real_file() {
    let mut env = TestEnv::new();
    let dotfiles = env.home.path().join("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    let real = dotfiles.join("aws-config");
    std::fs::write(&real, without_dev()).unwrap();
    set_mode(&real, 0o600);
    let link = env.home.path().join("my-config");
    std::os::unix::fs::symlink("dotfiles/aws-config", &link).unwrap();
    env.set_env("AWS_CONFIG_FILE", "~/my-config");
    let stdout = run_ok(&env, &["configure", "--profile", "dev-sso", "--write"]);
    let real = std::fs::canonicalize(&real).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "backed up {link} to {link}.bak\nadded to {} (linked from {link}):\n",
            real.display(),
            link = link.display()
        )),
        "{stdout}"
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("dotfiles/aws-config"));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), format!("{}\n{}", without_dev(), dev_section("\n")));
    assert_eq!(std::fs::read_to_string(env.home.path().join("my-config.bak")).unwrap(), without_dev());
    assert_eq!((mode(&real), mode(&env.home.path().join("my-config.bak"))), (0o600, 0o600));
    // ~/.aws/config was never involved.
    assert_eq!(std::fs::read_to_string(config_path(&env)).unwrap(), CONFIG);
}

#[test]
fn refuses_a_taken_name_a_missing_profile_and_a_profile_that_is_not_sso() {
    let env = TestEnv::new();
    let path = config_path(&env);
    env.write_config(&format!("{CONFIG}\n[profile plain]\nregion = eu-west-1\n"));
    let before = std::fs::read(&path).unwrap();
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "dev-sso", "--name", "prod", "--write"]),
        format!(
            "cannot add profile `prod` for `dev-sso`: profile `prod` already exists in `{}` and runs this helper with --profile prod-admin",
            path.display()
        )
    );
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "dev-sso", "--name", "plain"]),
        format!(
            "cannot add profile `plain` for `dev-sso`: profile `plain` already exists in `{}` and does not run this helper with --profile dev-sso",
            path.display()
        )
    );
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "nope", "--write"]),
        format!(
            "profile `nope` (from --profile) not found in `{}`; `aws-sso-credential-process status --all` lists the SSO profiles",
            path.display()
        )
    );
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "plain", "--write"]),
        format!(
            "profile `plain` in `{}` is not an IAM Identity Center (SSO) profile: it sets none of sso_session, sso_start_url, sso_account_id, sso_role_name",
            path.display()
        )
    );
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "dev", "--write"]),
        format!(
            "profile `dev` in `{}` gets its credentials from this helper itself (credential_process = aws-sso-credential-process --profile dev-sso); use the profile it points to: --profile dev-sso",
            path.display()
        )
    );
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "legacy", "--name", "my profile"]),
        "--name 'my profile': a profile name may only have letters, digits and _ - / . % @ : +"
    );
    // A name only the credentials file uses is taken too: the SDKs would merge the two.
    env.write_credentials_file("[legacy-process]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n");
    assert_eq!(
        run_refused(&env, &["configure", "--profile", "legacy"]),
        format!(
            "cannot add profile `legacy-process` for `legacy`: profile `legacy-process` already exists in `{}` or `{}` and does not run this helper with --profile legacy",
            path.display(),
            env.aws_dir().join("credentials").display()
        )
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(aws_files(&env), ["config", "credentials"]);
}

#[test]
fn a_missing_config_or_a_full_disk_is_an_error_that_changes_nothing() {
    let env = TestEnv::empty();
    let run = env.run_any(&["configure", "--profile", "dev-sso", "--write"]);
    assert_eq!((run.code, run.stdout.as_str()), (USAGE, ""));
    assert!(run.stderr.contains("(the file does not exist)"), "{}", run.stderr);
    assert!(!env.aws_dir().exists(), "no ~/.aws made");

    let env = TestEnv::new();
    env.write_config(&without_dev());
    let mut command = env.command(&["configure", "--profile", "dev-sso", "--write"]);
    let output = crate::faults::with_a_full_disk(&mut command).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!((output.status.code(), output.stdout.as_slice()), (Some(1), &b""[..]), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "aws-sso-credential-process: cannot back up the config file `{}`: File too large (os error 27)\n",
            config_path(&env).display()
        )
    );
    assert_eq!(std::fs::read_to_string(config_path(&env)).unwrap(), without_dev());
    assert_eq!(aws_files(&env), ["config"], "no cut-short backup left");
}

/// An SSO profile without `region`: the new profile has none to copy, and the output says what
/// to add (the SDKs need one).
#[test]
fn a_source_without_region_gets_a_note_saying_what_to_add() {
    let env = TestEnv::new();
    env.write_config(&without_dev().replacen(
        "sso_role_name = ReadOnly\nregion = us-east-1\n",
        "sso_role_name = ReadOnly\n",
        1,
    ));
    let stdout = run_ok(&env, &["configure", "--profile", "dev-sso"]);
    assert_eq!(
        stdout,
        format!(
            "# add to {}:\n[profile dev]\ncredential_process = {} --profile dev-sso\n# note: profile `dev-sso` sets no region to copy: add `region = <the region your resources are in>` to [profile dev], or tools using it stop with \"You must specify a region\" unless AWS_REGION is set\n",
            config_path(&env).display(),
            program()
        )
    );
}

/// Run through a link (as `/usr/local/bin/aws-sso-credential-process` often is), `configure`
/// writes the link, found on PATH as the shell found it, not the file it points to: an upgrade
/// that moves the real file keeps the profile working.
#[cfg(unix)]
#[test]
fn a_program_run_through_a_link_writes_the_link() {
    let env = TestEnv::new();
    env.write_config(&without_dev());
    let bin = env.home.path().join("bin dir");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("aws-sso-credential-process");
    std::os::unix::fs::symlink(std::fs::canonicalize(binary_under_test()).unwrap(), &link).unwrap();
    let expected =
        format!("credential_process = {} --profile dev-sso\n", shlex::try_quote(link.to_str().unwrap()).unwrap());
    // By its path, and by its name on PATH.
    let by_path = env.command(&[]).output_of(link.as_os_str(), &["configure", "--profile", "dev-sso"]);
    assert!(String::from_utf8(by_path.stdout).unwrap().contains(&expected));
    let path = std::env::join_paths(
        [bin.clone()].into_iter().chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut command = env.command(&[]);
    command.env("PATH", &path);
    let by_name = command.output_of("aws-sso-credential-process".as_ref(), &["configure", "--profile", "dev-sso"]);
    assert!(
        String::from_utf8(by_name.stdout).unwrap().contains(&expected),
        "{}",
        String::from_utf8_lossy(&by_name.stderr)
    );
}
