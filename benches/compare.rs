//! The benchmark behind `docs/benchmarks.md`: whole processes, side by side, on one machine in
//! one run.
//!
//! `scripts/bench` installs the public tools it drives (hyperfine, valgrind, GNU time, the AWS
//! CLI) and runs it; or `cargo bench --bench compare -- [--quick] [--no-write] [--check]`.
//!
//! - Wall time: `hyperfine -N` (no shell in between) over many runs, medians compared: our
//!   release binary on the hot path (valid cached role credentials) against `cat` of the same
//!   cache file (the floor: starting a process and reading one small file) and against
//!   `aws configure export-credentials` on the same profile and cache; the cold paths against
//!   the loopback fake (`fake-aws`): token valid with the role cache empty, and token refresh due.
//! - Instructions: `valgrind --tool=callgrind`, a count that does not move with the machine's load.
//! - Peak RSS: `/usr/bin/time` (`%M`, as `-v` reports it), the largest of several runs.
//! - 64 parallel cold callers with every AWS call taking 100 ms: wall time from the first spawn
//!   to the last exit, and the AWS calls the fake counted.
//! - The stripped release binary's size.
//!
//! It prints a report and (unless `--quick` or `--no-write`) replaces the results section of
//! `docs/benchmarks.md` with it. `--check` makes it exit non-zero when a target that does not
//! depend on the machine's speed is missed (instructions, RSS, AWS calls per burst), so CI can
//! run `--quick --check` without timed assertions.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a benchmark driver: it reports on the terminal and reads PATH and the clock; those rules are the helper's"
)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use aws_sso_credential_process::timestamp;
use fake_aws::{FakeAws, RefreshPolicy, Route, TrustPolicy};
use serde_json::{Value, json};
use time::OffsetDateTime;

const BINARY: &str = env!("CARGO_BIN_EXE_aws-sso-credential-process");
const CONFIG: &str = include_str!("../examples/config");
const START_URL: &str = "https://d-1234567890.awsapps.com/start";
const ACCOUNT: &str = "111122223333";
const ROLE: &str = "ReadOnly";
const CHAIN_ROLE_ARN: &str = "arn:aws:iam::444455556666:role/Admin";
const SSO_PROFILE: &str = "dev-sso";
const CHAIN_PROFILE: &str = "prod-admin";
/// sha1("my-sso"), the `[sso-session my-sso]` token file.
const TOKEN_FILE: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";
/// The AWS CLI's cache key for (my-sso, 111122223333, ReadOnly).
const ROLE_CACHE_FILE: &str = "0521d1f6a6c4e68f9e18540309367cc3cccb6305.json";
const DOC: &str = "docs/benchmarks.md";
const RESULTS_START: &str = "<!-- results: written by `scripts/bench`; do not edit by hand -->";
const RESULTS_END: &str = "<!-- end of results -->";

/// The targets.
const MAX_HOT_VS_CAT: f64 = 2.0;
const MIN_FASTER_THAN_CLI: f64 = 100.0;
const MAX_HOT_INSTRUCTIONS: u64 = 1_500_000;
const MAX_HOT_RSS_KIB: u64 = 8 * 1024;
const MAX_PARALLEL_WALL: Duration = Duration::from_secs(2);
const PARALLEL_CALLERS: usize = 64;
const PARALLEL_LATENCY: Duration = Duration::from_millis(100);

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("compare: {message}\nusage: cargo bench --bench compare -- [--quick] [--no-write] [--check]");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("compare: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    quick: bool,
    write: bool,
    check: bool,
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let (mut quick, mut no_write, mut check) = (false, false, false);
        for arg in args {
            match arg.as_str() {
                "--quick" => quick = true,
                "--no-write" => no_write = true,
                "--check" => check = true,
                // `cargo bench` passes this to every bench target.
                "--bench" => {}
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(Self { quick, write: !quick && !no_write, check })
    }

    /// Runs (after warm-up runs) for a command that takes about a millisecond, and for one that
    /// takes about a second.
    fn fast_runs(&self) -> (u32, u32) {
        if self.quick { (10, 100) } else { (50, 1000) }
    }

    fn slow_runs(&self) -> (u32, u32) {
        if self.quick { (1, 3) } else { (3, 20) }
    }

    fn cold_runs(&self) -> (u32, u32) {
        if self.quick { (3, 20) } else { (10, 200) }
    }

    fn rss_runs(&self) -> usize {
        if self.quick { 2 } else { 5 }
    }

    fn bursts(&self) -> usize {
        if self.quick { 3 } else { 10 }
    }
}

fn run(options: &Options) -> Result<bool, String> {
    let tools = Tools::find()?;
    let bench = Bench::set_up()?;
    println!("== benchmarking {BINARY}");

    let ours = |profile: &str| vec![BINARY.to_owned(), "--profile".to_owned(), profile.to_owned()];
    let cat = vec![tools.cat.clone(), bench.role_cache().display().to_string()];
    let cli = vec![
        tools.aws.clone(),
        "configure".into(),
        "export-credentials".into(),
        "--profile".into(),
        SSO_PROFILE.into(),
        "--format".into(),
        "process".into(),
    ];
    bench.check_same_credentials(&ours(SSO_PROFILE), &cli)?;

    println!("== wall time (hyperfine)");
    let hot = bench.hyperfine(&tools, "ours, hot path", &ours(SSO_PROFILE), None, options.fast_runs())?;
    let hot_chain =
        bench.hyperfine(&tools, "ours, hot path, role chain", &ours(CHAIN_PROFILE), None, options.fast_runs())?;
    let floor = bench.hyperfine(&tools, "cat of the cache file", &cat, None, options.fast_runs())?;
    let cli_hot = bench.hyperfine(&tools, "aws configure export-credentials", &cli, None, options.slow_runs())?;
    let cold_prepare = bench.prepare_script("cold", State::ColdTokenValid)?;
    let cold = bench.hyperfine(
        &tools,
        "ours, cold: token valid",
        &ours(SSO_PROFILE),
        Some(&cold_prepare),
        options.cold_runs(),
    )?;
    let refresh_prepare = bench.prepare_script("refresh", State::ColdRefreshDue)?;
    let refresh = bench.hyperfine(
        &tools,
        "ours, cold: token refresh due",
        &ours(SSO_PROFILE),
        Some(&refresh_prepare),
        options.cold_runs(),
    )?;
    bench.set_state(State::Hot)?;

    println!("== instructions (callgrind)");
    let instructions = Instructions {
        hot: bench.callgrind(&tools, &ours(SSO_PROFILE))?,
        hot_chain: bench.callgrind(&tools, &ours(CHAIN_PROFILE))?,
        cat: bench.callgrind(&tools, &cat)?,
    };

    println!("== peak RSS (/usr/bin/time)");
    let runs = options.rss_runs();
    let rss = vec![
        ("ours, hot path", bench.peak_rss(&tools, &ours(SSO_PROFILE), State::Hot, runs)?),
        ("ours, hot path, role chain", bench.peak_rss(&tools, &ours(CHAIN_PROFILE), State::Hot, runs)?),
        ("cat of the cache file", bench.peak_rss(&tools, &cat, State::Hot, runs)?),
        ("aws configure export-credentials", bench.peak_rss(&tools, &cli, State::Hot, runs)?),
        ("ours, cold: token valid", bench.peak_rss(&tools, &ours(SSO_PROFILE), State::ColdTokenValid, runs)?),
        ("ours, cold: token refresh due", bench.peak_rss(&tools, &ours(SSO_PROFILE), State::ColdRefreshDue, runs)?),
    ];
    bench.set_state(State::Hot)?;

    println!("== {PARALLEL_CALLERS} parallel cold callers, {} ms per AWS call", PARALLEL_LATENCY.as_millis());
    let bursts = vec![
        bench.parallel_bursts("token valid, role cache empty", State::ColdTokenValid, options.bursts())?,
        bench.parallel_bursts("token refresh due, role cache empty", State::ColdRefreshDue, options.bursts())?,
    ];
    bench.set_state(State::Hot)?;

    let binary_size = fs::metadata(BINARY).map_err(|e| format!("{BINARY}: {e}"))?.len();
    let results = Results {
        machine: Machine::describe(&tools),
        options,
        timings: vec![hot, hot_chain, floor, cli_hot, cold, refresh],
        instructions,
        rss,
        bursts,
        binary_size,
    };
    let (report, verdicts) = results.render();
    println!("\n{report}");
    if options.write {
        write_into_doc(&report)?;
        println!("== wrote the results into {DOC}");
    }
    let missed: Vec<_> = verdicts.iter().filter(|v| !v.met).collect();
    for verdict in &missed {
        let note = if verdict.depends_on_speed { " (a wall-time target: --check does not judge it)" } else { "" };
        println!("missed: {}{note}", verdict.target);
    }
    Ok(!options.check || missed.iter().all(|v| v.depends_on_speed))
}

/// The external programs, found once.
struct Tools {
    hyperfine: String,
    valgrind: String,
    gnu_time: String,
    aws: String,
    cat: String,
}

impl Tools {
    fn find() -> Result<Self, String> {
        let on_path = |name: &str| {
            std::env::var_os("PATH")
                .into_iter()
                .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
                .map(|path| path.display().to_string())
        };
        let need = |found: Option<String>, what: &str| {
            found.ok_or_else(|| format!("{what} is not installed; scripts/bench installs it"))
        };
        let existing = |path: &str| Path::new(path).is_file().then(|| path.to_owned());
        Ok(Self {
            hyperfine: need(on_path("hyperfine"), "hyperfine")?,
            valgrind: need(on_path("valgrind"), "valgrind")?,
            gnu_time: need(existing("/usr/bin/time"), "GNU time (/usr/bin/time)")?,
            // The AWS CLI v2 as Debian packages it: the `aws` first on PATH may be v1 or a shim.
            aws: need(existing("/usr/bin/aws"), "the AWS CLI v2 (/usr/bin/aws)")?,
            cat: need(existing("/bin/cat").or_else(|| on_path("cat")), "cat")?,
        })
    }
}

/// What the caches hold before a run.
#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Valid token, fresh role credentials (and chain hop) cached.
    Hot,
    /// Valid token, no cached role credentials.
    ColdTokenValid,
    /// Token expired (so due for refresh) but refreshable, no cached role credentials.
    ColdRefreshDue,
}

/// A temporary `HOME` with the sample config, and the loopback fake it talks to.
struct Bench {
    home: tempfile::TempDir,
    fake: FakeAws,
    env: Vec<(String, String)>,
}

impl Bench {
    fn set_up() -> Result<Self, String> {
        let home = tempfile::tempdir().map_err(|e| format!("temporary HOME: {e}"))?;
        let fake = FakeAws::start();
        fake.assign_role(ACCOUNT, ROLE);
        fake.add_role(CHAIN_ROLE_ARN, TrustPolicy::trusting(FakeAws::sso_principal(ACCOUNT, ROLE)));
        // Long-lived role credentials, so the hot path stays hot for the whole run; a refresh
        // token that stays valid, so "refresh due" can be set up again and again.
        fake.set_role_session_duration(Duration::from_secs(12 * 3600));
        fake.set_refresh_policy(RefreshPolicy::Keep);
        let url = fake.url();
        // A small, fixed environment like a login shell's (the helper's start-up cost grows with
        // the environment's size, so it is the same on every machine), plus the fake's endpoints.
        let env = [
            ("HOME", home.path().display().to_string()),
            ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
            ("USER", "bench".into()),
            ("LOGNAME", "bench".into()),
            ("SHELL", "/bin/bash".into()),
            ("LANG", "C.UTF-8".into()),
            ("TERM", "xterm-256color".into()),
            ("PWD", home.path().display().to_string()),
            ("AWS_ENDPOINT_URL_SSO", url.clone()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", url.clone()),
            ("AWS_ENDPOINT_URL_STS", url),
            // Nothing may reach real AWS: the metadata service is off, and everything else would
            // go through a proxy that refuses connections.
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("HTTPS_PROXY", "http://127.0.0.1:9".into()),
            ("NO_PROXY", "127.0.0.1,localhost".into()),
            ("AWS_PAGER", String::new()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let bench = Self { home, fake, env };

        let aws_dir = bench.aws_dir();
        for dir in [aws_dir.join("sso/cache"), aws_dir.join("cli/cache"), bench.scratch()] {
            fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        set_private(&aws_dir)?;
        fs::write(aws_dir.join("config"), CONFIG).map_err(|e| format!("config: {e}"))?;
        let session = bench.fake.seed_session();
        let token = |expires_in: time::Duration| {
            json!({
                "startUrl": START_URL,
                "region": "us-east-1",
                "accessToken": session.access_token,
                "expiresAt": timestamp::format(OffsetDateTime::now_utc() + expires_in),
                "clientId": session.client_id,
                "clientSecret": session.client_secret,
                "registrationExpiresAt": timestamp::format(OffsetDateTime::now_utc() + time::Duration::days(80)),
                "refreshToken": session.refresh_token,
            })
            .to_string()
        };
        write(&bench.scratch().join("token-valid.json"), &token(time::Duration::hours(8)))?;
        write(&bench.scratch().join("token-refresh-due.json"), &token(-time::Duration::minutes(1)))?;

        // Fill the caches the way a user's first call does: through the helper, from the fake.
        bench.set_state(State::ColdTokenValid)?;
        for profile in [SSO_PROFILE, CHAIN_PROFILE] {
            bench.run_ok(&[BINARY, "--profile", profile])?;
        }
        Ok(bench)
    }

    fn aws_dir(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    fn scratch(&self) -> PathBuf {
        self.home.path().join("bench")
    }

    fn role_cache(&self) -> PathBuf {
        self.aws_dir().join("cli/cache").join(ROLE_CACHE_FILE)
    }

    fn token_file(&self) -> PathBuf {
        self.aws_dir().join("sso/cache").join(TOKEN_FILE)
    }

    fn hot_role_cache_copy(&self) -> PathBuf {
        self.scratch().join("role-cache-hot.json")
    }

    /// Puts the SSO token and role caches into `state` (the chain's hop cache is left alone).
    fn set_state(&self, state: State) -> Result<(), String> {
        let copy = |from: &Path, to: &Path| fs::copy(from, to).map(drop).map_err(|e| format!("{}: {e}", to.display()));
        match state {
            State::Hot => {
                copy(&self.scratch().join("token-valid.json"), &self.token_file())?;
                copy(&self.hot_role_cache_copy(), &self.role_cache())
            }
            State::ColdTokenValid | State::ColdRefreshDue => {
                let token = if state == State::ColdTokenValid { "token-valid.json" } else { "token-refresh-due.json" };
                copy(&self.scratch().join(token), &self.token_file())?;
                match fs::remove_file(self.role_cache()) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("role cache: {e}")),
                    _ => Ok(()),
                }
            }
        }
    }

    /// A shell script that puts the caches into `state`, for hyperfine's `--prepare`.
    fn prepare_script(&self, name: &str, state: State) -> Result<Vec<String>, String> {
        let token = if state == State::ColdTokenValid { "token-valid.json" } else { "token-refresh-due.json" };
        let quote =
            |path: PathBuf| shlex::try_quote(&path.display().to_string()).map(|q| q.into_owned()).unwrap_or_default();
        let script = format!(
            "cp {} {}\nrm -f {}\n",
            quote(self.scratch().join(token)),
            quote(self.token_file()),
            quote(self.role_cache())
        );
        let path = self.scratch().join(format!("prepare-{name}.sh"));
        write(&path, &script)?;
        Ok(vec!["/bin/sh".into(), path.display().to_string()])
    }

    fn command(&self, argv: &[impl AsRef<str>]) -> Command {
        let mut command = Command::new(argv[0].as_ref());
        command
            .args(argv[1..].iter().map(AsRef::as_ref))
            .env_clear()
            .envs(self.env.iter().cloned())
            .current_dir(self.home.path());
        command.stdin(Stdio::null());
        command
    }

    /// Runs `argv` once and returns its stdout; fails on a non-zero exit.
    fn run_ok(&self, argv: &[impl AsRef<str>]) -> Result<String, String> {
        let output = self.command(argv).output().map_err(|e| format!("{}: {e}", argv[0].as_ref()))?;
        let shown = argv.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" ");
        if !output.status.success() {
            return Err(format!(
                "`{shown}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        if argv[0].as_ref() == BINARY {
            // The first run filled the cache: keep a copy to restore the hot state from.
            if !self.hot_role_cache_copy().exists() && self.role_cache().exists() {
                fs::copy(self.role_cache(), self.hot_role_cache_copy()).map_err(|e| format!("role cache copy: {e}"))?;
            }
        }
        String::from_utf8(output.stdout).map_err(|_| format!("`{shown}` printed non-UTF-8"))
    }

    /// Both print the same credentials from the same cache, so the comparison is like for like.
    fn check_same_credentials(&self, ours: &[String], cli: &[String]) -> Result<(), String> {
        self.set_state(State::Hot)?;
        let parse = |text: String| serde_json::from_str::<Value>(&text).map_err(|e| format!("not JSON: {e}"));
        let (a, b) = (parse(self.run_ok(ours)?)?, parse(self.run_ok(cli)?)?);
        if a["AccessKeyId"] != b["AccessKeyId"] || a["Expiration"].is_null() || b["Version"] != json!(1) {
            return Err(format!(
                "the AWS CLI did not print the cached credentials we did (ours {}, CLI {})",
                a["AccessKeyId"], b["AccessKeyId"]
            ));
        }
        Ok(())
    }

    fn hyperfine(
        &self,
        tools: &Tools,
        name: &str,
        argv: &[String],
        prepare: Option<&[String]>,
        (warmup, runs): (u32, u32),
    ) -> Result<Timing, String> {
        println!("   {name}: {runs} runs");
        let export = self.scratch().join("hyperfine.json");
        let join = |argv: &[String]| shlex::try_join(argv.iter().map(String::as_str)).map_err(|e| e.to_string());
        let mut command = self.command(&[tools.hyperfine.as_str()]);
        command.args(["-N", "--style", "none", "--warmup", &warmup.to_string(), "--runs", &runs.to_string()]);
        command.arg("--export-json").arg(&export);
        if let Some(prepare) = prepare {
            command.arg("--prepare").arg(join(prepare)?);
        }
        // Output goes to /dev/null: a pipe nobody reads would block the command.
        command.args(["--output", "null", "--command-name", name]).arg(join(argv)?);
        let output = command.output().map_err(|e| format!("hyperfine: {e}"))?;
        if !output.status.success() {
            return Err(format!("hyperfine on {name} failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        let results: Value = serde_json::from_slice(&fs::read(&export).map_err(|e| format!("hyperfine export: {e}"))?)
            .map_err(|e| format!("hyperfine export: {e}"))?;
        let result = &results["results"][0];
        let seconds = |key: &str| result[key].as_f64().ok_or_else(|| format!("hyperfine export has no {key}"));
        if result["exit_codes"].as_array().is_some_and(|codes| codes.iter().any(|c| c != &json!(0))) {
            return Err(format!("{name}: a run exited non-zero"));
        }
        Ok(Timing {
            name: name.to_owned(),
            median: seconds("median")?,
            mean: seconds("mean")?,
            stddev: seconds("stddev").unwrap_or(0.0),
            min: seconds("min")?,
            max: seconds("max")?,
            runs,
        })
    }

    fn callgrind(&self, tools: &Tools, argv: &[String]) -> Result<u64, String> {
        let mut command =
            self.command(&[tools.valgrind.as_str(), "--tool=callgrind", "--callgrind-out-file=/dev/null"]);
        let output = command.args(argv).stdout(Stdio::null()).output().map_err(|e| format!("valgrind: {e}"))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(format!("valgrind {} failed: {stderr}", argv.join(" ")));
        }
        stderr
            .lines()
            .find_map(|line| line.split_once("Collected :").map(|(_, n)| n.trim().parse::<u64>()))
            .and_then(Result::ok)
            .ok_or_else(|| format!("no instruction count in valgrind's output: {stderr}"))
    }

    /// The largest peak RSS (KiB) of `runs` runs, each from `state`.
    fn peak_rss(&self, tools: &Tools, argv: &[String], state: State, runs: usize) -> Result<u64, String> {
        let report = self.scratch().join("time.txt");
        let mut peak = 0;
        for _ in 0..runs {
            self.set_state(state)?;
            let mut command = self.command(&[tools.gnu_time.as_str(), "-f", "%M", "-o"]);
            let status =
                command.arg(&report).args(argv).stdout(Stdio::null()).status().map_err(|e| format!("time: {e}"))?;
            if !status.success() {
                return Err(format!("{} failed under /usr/bin/time", argv.join(" ")));
            }
            let text = fs::read_to_string(&report).map_err(|e| format!("time's report: {e}"))?;
            let kib = text.trim().parse::<u64>().map_err(|_| format!("time's report: {text:?}"))?;
            peak = peak.max(kib);
        }
        Ok(peak)
    }

    /// `bursts` times: caches set to `state`, every AWS call slowed to 100 ms, 64 copies started
    /// at once; the wall time until the last one exits, and the AWS calls they made.
    fn parallel_bursts(&self, name: &str, state: State, bursts: usize) -> Result<Bursts, String> {
        println!("   {name}: {bursts} bursts");
        self.fake.set_latency(PARALLEL_LATENCY);
        let mut walls = Vec::new();
        let mut calls = Vec::new();
        for _ in 0..bursts {
            self.set_state(state)?;
            let before = (self.fake.calls(Route::CreateToken), self.fake.calls(Route::GetRoleCredentials));
            let started = Instant::now();
            let children = (0..PARALLEL_CALLERS)
                .map(|_| {
                    self.command(&[BINARY, "--profile", SSO_PROFILE])
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .map_err(|e| format!("spawn: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let outputs = children.into_iter().map(|child| child.wait_with_output()).collect::<Result<Vec<_>, _>>();
            walls.push(started.elapsed());
            for output in outputs.map_err(|e| format!("wait: {e}"))? {
                let printed: Option<Value> = serde_json::from_slice(&output.stdout).ok();
                if !output.status.success() || printed.is_none_or(|doc| doc["Version"] != json!(1)) {
                    return Err(format!(
                        "a parallel caller failed: {}",
                        String::from_utf8_lossy(&output.stderr).trim()
                    ));
                }
            }
            calls.push((
                self.fake.calls(Route::CreateToken) - before.0,
                self.fake.calls(Route::GetRoleCredentials) - before.1,
            ));
        }
        self.fake.set_latency(Duration::ZERO);
        walls.sort();
        Ok(Bursts {
            name: name.to_owned(),
            expected_refreshes: usize::from(state == State::ColdRefreshDue),
            walls,
            calls,
        })
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn set_private(dir: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in [dir.to_owned(), dir.join("sso"), dir.join("sso/cache"), dir.join("cli"), dir.join("cli/cache")] {
            fs::set_permissions(&entry, fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("{}: {e}", entry.display()))?;
        }
    }
    Ok(())
}

struct Timing {
    name: String,
    median: f64,
    mean: f64,
    stddev: f64,
    min: f64,
    max: f64,
    runs: u32,
}

struct Instructions {
    hot: u64,
    hot_chain: u64,
    cat: u64,
}

struct Bursts {
    name: String,
    expected_refreshes: usize,
    /// Sorted.
    walls: Vec<Duration>,
    /// (CreateToken, GetRoleCredentials) per burst.
    calls: Vec<(usize, usize)>,
}

impl Bursts {
    fn median(&self) -> Duration {
        self.walls[self.walls.len() / 2]
    }

    fn slowest(&self) -> Duration {
        self.walls.last().copied().unwrap_or_default()
    }

    fn calls_as_expected(&self) -> bool {
        self.calls.iter().all(|&calls| calls == (self.expected_refreshes, 1))
    }
}

struct Machine {
    lines: Vec<String>,
}

impl Machine {
    fn describe(tools: &Tools) -> Self {
        let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|line| {
                line.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        let memory = read("/proc/meminfo")
            .lines()
            .find_map(|line| {
                line.strip_prefix("MemTotal:").and_then(|kb| kb.trim().trim_end_matches(" kB").parse::<u64>().ok())
            })
            .map_or_else(|| "unknown memory".into(), |kb| format!("{} GiB", (kb + (1 << 19)) >> 20));
        let os = read("/etc/os-release")
            .lines()
            .find_map(|line| line.strip_prefix("PRETTY_NAME=").map(|name| name.trim_matches('"').to_owned()))
            .unwrap_or_else(|| std::env::consts::OS.into());
        let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
        let load = read("/proc/loadavg").split_whitespace().next().unwrap_or("?").to_owned();
        let version = |argv: &[&str]| {
            Command::new(argv[0])
                .args(&argv[1..])
                .output()
                .ok()
                .map(|o| {
                    let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
                    String::from_utf8_lossy(&text).lines().next().unwrap_or_default().trim().to_owned()
                })
                .unwrap_or_else(|| "?".into())
        };
        let commit = version(&["git", "describe", "--always", "--dirty"]);
        let now = OffsetDateTime::now_utc();
        Self {
            lines: vec![
                format!(
                    "Run on {} UTC, commit `{commit}`.",
                    timestamp::format(now).trim_end_matches('Z').replace('T', " ")
                ),
                format!(
                    "Machine: {cpu}, {cores} cores, {memory}, {os}, Linux {kernel}; load average {load} at the start."
                ),
                format!(
                    "Tools: {}, {}, GNU time, {}, {}.",
                    version(&[&tools.hyperfine, "--version"]),
                    version(&[&tools.valgrind, "--version"]),
                    version(&[&tools.aws, "--version"]).split_whitespace().next().unwrap_or("aws"),
                    version(&["rustc", "--version"]),
                ),
            ],
        }
    }
}

struct Verdict {
    target: String,
    met: bool,
    /// Wall-time targets move with the machine's load; instruction counts, memory and call
    /// counts do not.
    depends_on_speed: bool,
}

struct Results<'a> {
    machine: Machine,
    options: &'a Options,
    timings: Vec<Timing>,
    instructions: Instructions,
    rss: Vec<(&'static str, u64)>,
    bursts: Vec<Bursts>,
    binary_size: u64,
}

impl Results<'_> {
    fn timing(&self, name: &str) -> &Timing {
        self.timings.iter().find(|t| t.name.as_str() == name).expect("every timing is measured")
    }

    fn render(&self) -> (String, Vec<Verdict>) {
        let hot = self.timing("ours, hot path");
        let floor = self.timing("cat of the cache file");
        let cli = self.timing("aws configure export-credentials");
        let vs_cat = hot.median / floor.median;
        let faster_than_cli = cli.median / hot.median;
        let hot_rss =
            self.rss.iter().filter(|(name, _)| name.starts_with("ours, hot")).map(|&(_, kib)| kib).max().unwrap_or(0);
        let hot_instructions = self.instructions.hot.max(self.instructions.hot_chain);
        let slowest_burst = self.bursts.iter().map(Bursts::slowest).max().unwrap_or_default();
        let ok = |met: bool| if met { "✓" } else { "✗ missed" };

        let verdicts = vec![
            Verdict {
                target: format!("hot path median ≤ {MAX_HOT_VS_CAT}× cat"),
                met: vs_cat <= MAX_HOT_VS_CAT,
                depends_on_speed: true,
            },
            Verdict {
                target: format!("hot path ≥ {MIN_FASTER_THAN_CLI}× faster than the AWS CLI"),
                met: faster_than_cli >= MIN_FASTER_THAN_CLI,
                depends_on_speed: true,
            },
            Verdict {
                target: "hot path ≤ 1.5 M instructions".into(),
                met: hot_instructions <= MAX_HOT_INSTRUCTIONS,
                depends_on_speed: false,
            },
            Verdict {
                target: "hot path peak RSS ≤ 8 MiB".into(),
                met: hot_rss <= MAX_HOT_RSS_KIB,
                depends_on_speed: false,
            },
            Verdict {
                target: format!("{PARALLEL_CALLERS} parallel cold callers < 2 s"),
                met: slowest_burst < MAX_PARALLEL_WALL,
                depends_on_speed: true,
            },
            Verdict {
                target: "one refresh and one fetch per burst".into(),
                met: self.bursts.iter().all(Bursts::calls_as_expected),
                depends_on_speed: false,
            },
        ];

        let mut out = String::new();
        let quick = if self.options.quick { " (`--quick`: fewer runs)" } else { "" };
        for line in &self.machine.lines {
            let _ = writeln!(out, "{line}  ");
        }
        let _ = writeln!(out, "Stripped release binary: {:.1} MiB{quick}.\n", self.binary_size as f64 / 1048576.0);

        let _ = writeln!(out, "#### Targets (2-core machine)\n");
        let _ = writeln!(out, "| Target | Goal | Measured | |\n|---|---|---|---|");
        let rows = [
            (
                "Hot path wall time vs `cat` of the cache file (medians)",
                format!("≤ {MAX_HOT_VS_CAT}×"),
                format!("{vs_cat:.2}×"),
            ),
            (
                "Hot path vs `aws configure export-credentials` (medians)",
                format!("≥ {MIN_FASTER_THAN_CLI}× faster"),
                format!("{faster_than_cli:.0}× faster"),
            ),
            (
                "Hot path instructions (callgrind; SSO and chain, larger)",
                "≤ 1.5 M".into(),
                format!("{:.3} M", hot_instructions as f64 / 1e6),
            ),
            (
                "Hot path peak RSS (SSO and chain, larger)",
                "≤ 8 MiB".into(),
                format!("{:.1} MiB", hot_rss as f64 / 1024.0),
            ),
            (
                "64 parallel cold callers, 100 ms per AWS call (slowest burst)",
                "< 2 s".into(),
                format!("{:.2} s", slowest_burst.as_secs_f64()),
            ),
            (
                "AWS calls per burst (CreateToken + GetRoleCredentials)",
                "1 refresh (if due) + 1 fetch".into(),
                self.burst_calls_summary(),
            ),
        ];
        for ((what, goal, measured), verdict) in rows.iter().zip(&verdicts) {
            let _ = writeln!(out, "| {what} | {goal} | {measured} | {} |", ok(verdict.met));
        }

        let _ = writeln!(out, "\n#### Wall time (hyperfine -N)\n");
        let _ = writeln!(
            out,
            "| Command | Median | Mean ± σ | Min … max | Runs | Median vs `cat` |\n|---|---|---|---|---|---|"
        );
        for t in &self.timings {
            let _ = writeln!(
                out,
                "| {} | {} | {} ± {} | {} … {} | {} | {:.2}× |",
                t.name,
                ms(t.median),
                ms(t.mean),
                ms(t.stddev),
                ms(t.min),
                ms(t.max),
                t.runs,
                t.median / floor.median
            );
        }

        let _ = writeln!(out, "\n#### Instructions (valgrind --tool=callgrind, whole process)\n");
        let _ = writeln!(out, "| Command | Instructions |\n|---|---|");
        for (name, count) in [
            ("ours, hot path", self.instructions.hot),
            ("ours, hot path, role chain", self.instructions.hot_chain),
            ("cat of the cache file", self.instructions.cat),
        ] {
            let _ = writeln!(out, "| {name} | {} |", thousands(count));
        }

        let _ = writeln!(out, "\n#### Peak RSS (/usr/bin/time, largest of {} runs)\n", self.options.rss_runs());
        let _ = writeln!(out, "| Command | Peak RSS |\n|---|---|");
        for (name, kib) in &self.rss {
            let _ = writeln!(out, "| {name} | {:.1} MiB |", *kib as f64 / 1024.0);
        }

        let _ = writeln!(out, "\n#### {PARALLEL_CALLERS} parallel cold callers, every AWS call slowed to 100 ms\n");
        let _ = writeln!(
            out,
            "| Caches before each burst | Median wall | Slowest | Bursts | CreateToken / GetRoleCredentials per burst |\n|---|---|---|---|---|"
        );
        for b in &self.bursts {
            let calls = b.calls.iter().map(|(t, r)| format!("{t} / {r}")).collect::<Vec<_>>();
            let mut distinct = calls.clone();
            distinct.dedup();
            let _ = writeln!(
                out,
                "| {} | {:.2} s | {:.2} s | {} | {} |",
                b.name,
                b.median().as_secs_f64(),
                b.slowest().as_secs_f64(),
                b.walls.len(),
                if distinct.len() == 1 { format!("{} (every burst)", distinct[0]) } else { calls.join(", ") }
            );
        }
        (out, verdicts)
    }

    fn burst_calls_summary(&self) -> String {
        self.bursts
            .iter()
            .map(|b| {
                let worst = b.calls.iter().copied().max().unwrap_or_default();
                format!(
                    "{} + {} at most ({})",
                    worst.0,
                    worst.1,
                    if b.expected_refreshes == 1 { "refresh due" } else { "token valid" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn ms(seconds: f64) -> String {
    if seconds >= 1.0 { format!("{seconds:.2} s") } else { format!("{:.2} ms", seconds * 1000.0) }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Replaces what lies between the results markers in docs/benchmarks.md.
fn write_into_doc(report: &str) -> Result<(), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(start), Some(end)) = (text.find(RESULTS_START), text.find(RESULTS_END)) else {
        return Err(format!("{} has no results markers", path.display()));
    };
    let updated = format!("{}{RESULTS_START}\n\n{report}\n{}", &text[..start], &text[end..]);
    write(&path, &updated)
}
