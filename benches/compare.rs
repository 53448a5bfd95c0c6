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
//! - A large config: the same hot path with the sample config in the middle of 6,000 generated
//!   SSO profiles (about 0.85 MB, in a second temporary `HOME`), timed in the same rounds as the
//!   hot path with the sample config, with its instructions and peak RSS, and the AWS CLI on it.
//! - Instructions: `valgrind --tool=callgrind`, a count that does not move with the machine's load.
//! - Peak RSS: `/usr/bin/time` (`%M`, as `-v` reports it), the largest of several runs.
//! - 64 parallel cold callers with every AWS call taking 100 ms: wall time from the first spawn
//!   to the last exit, and the AWS calls the fake counted.
//! - The stripped release binary's size.
//!
//! It prints a report and (unless `--quick` or `--no-write`) replaces the results section of
//! `docs/benchmarks.md` with it. `--check` makes it exit non-zero when a target that does not
//! depend on the machine's speed is missed (instructions, RSS, AWS calls per burst, and the large
//! config's instructions against the sample config's), so CI can run `--quick --check` without
//! timed assertions.

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

/// The host's default build, which `cargo bench` builds with the release profile.
const DYNAMIC_BINARY: &str = env!("CARGO_BIN_EXE_aws-sso-credential-process");
/// Set by `scripts/bench` to the static musl build it made.
const STATIC_BINARY_VARIABLE: &str = "AWS_SSO_CP_BENCH_STATIC_BINARY";
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
/// The large config's hot path against the sample config's: instructions (checked) and wall time
/// (reported), at most this many times.
const MAX_BIG_VS_SAMPLE: f64 = 1.3;
/// The large config's hot path: peak RSS below this.
const MAX_BIG_RSS_KIB: u64 = 8 * 1024;
const MAX_PARALLEL_WALL: Duration = Duration::from_secs(2);
const PARALLEL_CALLERS: usize = 64;
const PARALLEL_LATENCY: Duration = Duration::from_millis(100);

/// The large config: a big organisation's `aws-sso-util configure populate`, 1,500 accounts with
/// four roles each, one profile per (account, role), all on the sample config's `my-sso` session;
/// the sample config sits in the middle, so that looking up `dev-sso` does not get lucky by
/// finding it first.
const BIG_PROFILES: usize = 6_000;
const BIG_ROLES: [&str; 4] = ["Admin", "ReadOnly", "PowerUser", "Billing"];
const BIG_REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"];
/// How the large config's rows are labelled.
const BIG: &str = "6,000-profile config";
/// The helper memoises its reading of the config files (in its cache folder under `HOME`), but
/// only once they have been unchanged for a few seconds (at least 2 s: file-system timestamps may
/// be that coarse). The run waits, once, until both configs are this old before the warm-up calls
/// and everything measured; nothing rewrites a config after they are written.
const CONFIG_SETTLE: Duration = Duration::from_millis(3_500);

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

    /// Hot-path commands: (warm-up runs, runs, rounds) per command. The commands compared with
    /// each other are timed in rounds, in a rotated order, so that a machine that gets faster or
    /// slower during the run does not favour whichever came first.
    fn hot_rounds(&self) -> Rounds {
        if self.quick {
            Rounds { warmup: 5, runs: 30, rounds: 3 }
        } else {
            Rounds { warmup: 20, runs: 100, rounds: 10 }
        }
    }

    fn cold_rounds(&self) -> Rounds {
        if self.quick { Rounds { warmup: 2, runs: 10, rounds: 2 } } else { Rounds { warmup: 5, runs: 40, rounds: 5 } }
    }

    /// The AWS CLI takes about a second a run.
    fn cli_rounds(&self) -> Rounds {
        if self.quick { Rounds { warmup: 1, runs: 3, rounds: 1 } } else { Rounds { warmup: 3, runs: 20, rounds: 1 } }
    }

    /// The hot path with the large config, timed in the hot path's rounds: as many runs as the
    /// other hot-path commands, fewer in a quick run.
    fn big_per_round(&self) -> Option<PerRound> {
        self.quick.then_some(PerRound { warmup: 3, runs: 15 })
    }

    /// The AWS CLI with the large config (about 0.7 s a run), timed in the hot path's rounds.
    fn big_cli_per_round(&self) -> PerRound {
        if self.quick { PerRound { warmup: 0, runs: 1 } } else { PerRound { warmup: 1, runs: 2 } }
    }

    fn rss_runs(&self) -> usize {
        if self.quick { 2 } else { 5 }
    }

    fn bursts(&self) -> usize {
        if self.quick { 3 } else { 10 }
    }
}

#[derive(Clone, Copy)]
struct Rounds {
    warmup: u32,
    runs: u32,
    rounds: u32,
}

impl Rounds {
    fn per_round(self) -> PerRound {
        PerRound { warmup: self.warmup, runs: self.runs }
    }
}

/// Warm-up runs and timed runs of one command in one round.
#[derive(Clone, Copy, PartialEq)]
struct PerRound {
    warmup: u32,
    runs: u32,
}

/// Which temporary `HOME` a command runs in.
#[derive(Clone, Copy, PartialEq)]
enum Config {
    /// `examples/config`.
    Sample,
    /// The sample config in the middle of 6,000 generated SSO profiles.
    Big,
}

/// A command to time.
struct Spec {
    name: String,
    argv: Vec<String>,
    /// Run before each timed run (not timed), to put the caches back.
    prepare: Option<Vec<String>>,
    config: Config,
    /// Its own warm-up and runs per round, instead of the run's.
    per_round: Option<PerRound>,
}

impl Spec {
    fn new(name: impl Into<String>, argv: Vec<String>, prepare: Option<Vec<String>>) -> Self {
        Self { name: name.into(), argv, prepare, config: Config::Sample, per_round: None }
    }

    /// The same command in the large config's `HOME`.
    fn with_big_config(self, per_round: Option<PerRound>) -> Self {
        Self { config: Config::Big, per_round, ..self }
    }
}

/// A build of the helper under test.
struct Build {
    /// `static (musl)` or `dynamic (glibc)`.
    label: &'static str,
    path: String,
}

impl Build {
    /// The static musl build when `scripts/bench` built one (the build the targets are judged
    /// on: it is the one we recommend), then the host's default dynamic build that `cargo bench`
    /// just made.
    fn all() -> Result<Vec<Self>, String> {
        let mut builds = Vec::new();
        if let Some(path) = std::env::var_os(STATIC_BINARY_VARIABLE) {
            let path = path.into_string().map_err(|_| format!("{STATIC_BINARY_VARIABLE} is not UTF-8"))?;
            if !Path::new(&path).is_file() {
                return Err(format!("{STATIC_BINARY_VARIABLE}={path}: no such file"));
            }
            builds.push(Self { label: "static (musl)", path });
        }
        builds.push(Self { label: "dynamic (glibc)", path: DYNAMIC_BINARY.to_owned() });
        Ok(builds)
    }

    fn argv(&self, profile: &str) -> Vec<String> {
        vec![self.path.clone(), "--profile".to_owned(), profile.to_owned()]
    }
}

fn run(options: &Options) -> Result<bool, String> {
    let tools = Tools::find()?;
    let builds = Build::all()?;
    let bench = Bench::set_up(&builds[0])?;
    let cat = vec![tools.cat.clone(), bench.sample.role_cache().display().to_string()];
    let cli = vec![
        tools.aws.clone(),
        "configure".into(),
        "export-credentials".into(),
        "--profile".into(),
        SSO_PROFILE.into(),
        "--format".into(),
        "process".into(),
    ];
    let ours: Vec<_> = builds.iter().map(|build| build.argv(SSO_PROFILE)).collect();
    bench.sample.check_same_credentials(&ours, &cli)?;
    bench.big.check_same_credentials(&ours, &cli)?;
    bench.warm_up(&ours)?;

    let cold_prepare = bench.sample.prepare_script("cold", State::ColdTokenValid)?;
    let refresh_prepare = bench.sample.prepare_script("refresh", State::ColdRefreshDue)?;
    let floor_spec = Spec::new("`cat` of the cache file", cat.clone(), None);
    let mut hot_specs = vec![floor_spec];
    let mut cold_specs = Vec::new();
    for build in &builds {
        let label = build.label;
        let sso = build.argv(SSO_PROFILE);
        hot_specs.push(Spec::new(format!("ours {label}, hot path"), sso.clone(), None));
        hot_specs.push(Spec::new(format!("ours {label}, hot path, role chain"), build.argv(CHAIN_PROFILE), None));
        hot_specs.push(
            Spec::new(format!("ours {label}, hot path, {BIG}"), sso.clone(), None)
                .with_big_config(options.big_per_round()),
        );
        cold_specs.push(Spec::new(format!("ours {label}, cold: token valid"), sso.clone(), Some(cold_prepare.clone())));
        cold_specs.push(Spec::new(
            format!("ours {label}, cold: token refresh due"),
            sso,
            Some(refresh_prepare.clone()),
        ));
    }
    hot_specs.push(
        Spec::new(format!("`aws configure export-credentials`, {BIG}"), cli.clone(), None)
            .with_big_config(Some(options.big_cli_per_round())),
    );
    println!("== wall time (hyperfine), hot path with the sample and the {BIG}, `cat`, the AWS CLI with the {BIG}");
    let mut hot = bench.interleaved(&tools, &hot_specs, options.hot_rounds())?.into_iter();
    println!("== wall time (hyperfine), cold paths");
    let mut cold = bench.interleaved(&tools, &cold_specs, options.cold_rounds())?.into_iter();
    println!("== wall time (hyperfine), the AWS CLI");
    let cli_spec = Spec::new("`aws configure export-credentials`", cli.clone(), None);
    let cli_timing = bench.interleaved(&tools, &[cli_spec], options.cli_rounds())?.remove(0);
    bench.sample.set_state(State::Hot)?;
    let next = |timings: &mut std::vec::IntoIter<Timing>| timings.next().expect("every command was timed");
    let floor = next(&mut hot);

    println!("== instructions (callgrind) and peak RSS (/usr/bin/time) of `cat` and the AWS CLI");
    let cat_instructions = bench.sample.callgrind(&tools, &cat)?;
    let cat_rss = bench.sample.peak_rss(&tools, &cat, State::Hot, options.rss_runs())?;
    let cli_rss = bench.sample.peak_rss(&tools, &cli, State::Hot, options.rss_runs())?;

    let mut measured = Vec::new();
    for build in builds {
        println!("== {} build: {}", build.label, build.path);
        let sso = build.argv(SSO_PROFILE);
        let chain = build.argv(CHAIN_PROFILE);
        let timings = [next(&mut hot), next(&mut hot), next(&mut cold), next(&mut cold)];
        let runs = options.rss_runs();
        // A warm-up call of this build in each `HOME` before counting, in case its memo differs
        // from the other build's.
        for home in [&bench.sample, &bench.big] {
            home.set_state(State::Hot)?;
            home.run_ok(&sso)?;
        }
        let instructions = [bench.sample.callgrind(&tools, &sso)?, bench.sample.callgrind(&tools, &chain)?];
        let rss = [
            bench.sample.peak_rss(&tools, &sso, State::Hot, runs)?,
            bench.sample.peak_rss(&tools, &chain, State::Hot, runs)?,
            bench.sample.peak_rss(&tools, &sso, State::ColdTokenValid, runs)?,
            bench.sample.peak_rss(&tools, &sso, State::ColdRefreshDue, runs)?,
        ];
        let big = BigConfig {
            timing: next(&mut hot),
            instructions: bench.big.callgrind(&tools, &sso)?,
            rss: bench.big.peak_rss(&tools, &sso, State::Hot, runs)?,
        };
        let bursts = [
            bench.parallel_bursts(&build, "token valid, role cache empty", State::ColdTokenValid, options.bursts())?,
            bench.parallel_bursts(
                &build,
                "token refresh due, role cache empty",
                State::ColdRefreshDue,
                options.bursts(),
            )?,
        ];
        bench.sample.set_state(State::Hot)?;
        let size = fs::metadata(&build.path).map_err(|e| format!("{}: {e}", build.path))?.len();
        measured.push(Measured { build, timings, instructions, rss, bursts, size, big });
    }
    let cli_big = next(&mut hot);

    let results = Results {
        machine: Machine::describe(&tools),
        options,
        floor,
        cli: cli_timing,
        cli_big,
        big_config_size: bench.big_config_size,
        cat_instructions,
        cat_rss,
        cli_rss,
        builds: measured,
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

impl State {
    /// The saved token file (in the scratch folder) this state starts from.
    fn token_copy(self) -> &'static str {
        match self {
            Self::Hot | Self::ColdTokenValid => "token-valid.json",
            Self::ColdRefreshDue => "token-refresh-due.json",
        }
    }
}

/// The two temporary `HOME`s, one with the sample config and one with the large config, and the
/// loopback fake they talk to.
struct Bench {
    sample: Home,
    big: Home,
    /// The large config's size in bytes.
    big_config_size: usize,
    /// When the last config file was written.
    configs_written: Instant,
    fake: FakeAws,
}

impl Bench {
    /// Writes both configs, then fills the caches through the helper from the fake, as a user's
    /// first call does.
    fn set_up(build: &Build) -> Result<Self, String> {
        let fake = FakeAws::start();
        fake.assign_role(ACCOUNT, ROLE);
        fake.add_role(CHAIN_ROLE_ARN, TrustPolicy::trusting(FakeAws::sso_principal(ACCOUNT, ROLE)));
        // Long-lived role credentials, so the hot path stays hot for the whole run; a refresh
        // token that stays valid, so "refresh due" can be set up again and again.
        fake.set_role_session_duration(Duration::from_secs(12 * 3600));
        fake.set_refresh_policy(RefreshPolicy::Keep);
        let url = fake.url();
        let big_config = big_config();
        let sample = Home::new(CONFIG, &url)?;
        let big = Home::new(&big_config, &url)?;
        let configs_written = Instant::now();
        let bench = Self { sample, big, big_config_size: big_config.len(), configs_written, fake };

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
        for home in [&bench.sample, &bench.big] {
            write(&home.scratch().join(State::ColdTokenValid.token_copy()), &token(time::Duration::hours(8)))?;
            write(&home.scratch().join(State::ColdRefreshDue.token_copy()), &token(-time::Duration::minutes(1)))?;
        }

        // Fill the caches the way a user's first call does: through the helper, from the fake.
        bench.sample.set_state(State::ColdTokenValid)?;
        for profile in [SSO_PROFILE, CHAIN_PROFILE] {
            bench.sample.run_ok(&build.argv(profile))?;
        }
        // Kept to restore the hot state from, in both `HOME`s: the large config's `dev-sso` is
        // the same profile, so its cached credentials are the same.
        for home in [&bench.sample, &bench.big] {
            fs::copy(bench.sample.role_cache(), home.hot_role_cache_copy())
                .map_err(|e| format!("role cache copy: {e}"))?;
        }
        Ok(bench)
    }

    /// Waits, once, until the config files are old enough to be memoised (the helper memoises
    /// only files that have been unchanged for a while), then makes a warm-up call of each of
    /// `ours` in each `HOME`, so that every measured call finds its memo.
    fn warm_up(&self, ours: &[Vec<String>]) -> Result<(), String> {
        let settle = CONFIG_SETTLE.saturating_sub(self.configs_written.elapsed());
        println!("== waiting {:.1} s until the config files are old enough to be memoised", settle.as_secs_f64());
        std::thread::sleep(settle);
        for home in [&self.sample, &self.big] {
            home.set_state(State::Hot)?;
            for argv in ours {
                home.run_ok(argv)?;
            }
        }
        Ok(())
    }

    fn home(&self, config: Config) -> &Home {
        match config {
            Config::Sample => &self.sample,
            Config::Big => &self.big,
        }
    }

    /// Times `specs` with hyperfine in `rounds` rounds, each round one hyperfine run of every
    /// spec, in an order rotated by one each round; all runs of a spec are pooled. Within a
    /// round, the commands next to each other that share a `HOME` and a number of runs share one
    /// hyperfine run (hyperfine has one environment and one number of runs for all).
    fn interleaved(&self, tools: &Tools, specs: &[Spec], rounds: Rounds) -> Result<Vec<Timing>, String> {
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); specs.len()];
        let key = |i: usize| (specs[i].config, specs[i].per_round.unwrap_or(rounds.per_round()));
        for round in 0..rounds.rounds as usize {
            let order: Vec<usize> = (0..specs.len()).map(|i| (i + round) % specs.len()).collect();
            for group in order.chunk_by(|&a, &b| key(a) == key(b)) {
                let (config, per_round) = key(group[0]);
                self.hyperfine(tools, specs, group, config, per_round, &mut times)?;
            }
            println!("   round {} of {}", round + 1, rounds.rounds);
        }
        specs.iter().zip(times).map(|(spec, times)| Timing::of(&spec.name, times)).collect()
    }

    /// One hyperfine run of `specs[i]` for each `i` in `order`, in that order, in `config`'s
    /// `HOME`; adds the run times to `times[i]`.
    fn hyperfine(
        &self,
        tools: &Tools,
        specs: &[Spec],
        order: &[usize],
        config: Config,
        per_round: PerRound,
        times: &mut [Vec<f64>],
    ) -> Result<(), String> {
        let export = self.sample.scratch().join("hyperfine.json");
        let join = |argv: &[String]| shlex::try_join(argv.iter().map(String::as_str)).map_err(|e| e.to_string());
        let mut command = self.home(config).command(&[tools.hyperfine.as_str()]);
        command.args(["-N", "--style", "none", "--warmup", &per_round.warmup.to_string()]);
        command.args(["--runs", &per_round.runs.to_string()]).arg("--export-json").arg(&export);
        // Output goes to /dev/null: a pipe nobody reads would block the command.
        command.args(["--output", "null"]);
        for &i in order {
            if let Some(prepare) = &specs[i].prepare {
                command.arg("--prepare").arg(join(prepare)?);
            }
        }
        for &i in order {
            command.arg("--command-name").arg(&specs[i].name);
        }
        for &i in order {
            command.arg(join(&specs[i].argv)?);
        }
        let output = command.output().map_err(|e| format!("hyperfine: {e}"))?;
        if !output.status.success() {
            return Err(format!("hyperfine failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        let exported: Value = serde_json::from_slice(&fs::read(&export).map_err(|e| format!("hyperfine export: {e}"))?)
            .map_err(|e| format!("hyperfine export: {e}"))?;
        for (result, &i) in exported["results"].as_array().into_iter().flatten().zip(order) {
            if result["exit_codes"].as_array().is_some_and(|codes| codes.iter().any(|c| c != &json!(0))) {
                return Err(format!("{}: a run exited non-zero", specs[i].name));
            }
            let run_times = result["times"].as_array().ok_or("hyperfine export has no times")?;
            times[i].extend(run_times.iter().filter_map(Value::as_f64));
        }
        Ok(())
    }

    /// `bursts` times, in the sample config's `HOME`: caches set to `state`, every AWS call slowed
    /// to 100 ms, 64 copies started at once; the wall time until the last one exits, and the AWS
    /// calls they made.
    fn parallel_bursts(&self, build: &Build, name: &str, state: State, bursts: usize) -> Result<Bursts, String> {
        println!("   {name}: {bursts} bursts");
        self.fake.set_latency(PARALLEL_LATENCY);
        let mut walls = Vec::new();
        let mut calls = Vec::new();
        for _ in 0..bursts {
            self.sample.set_state(state)?;
            let before = (self.fake.calls(Route::CreateToken), self.fake.calls(Route::GetRoleCredentials));
            let started = Instant::now();
            let children = (0..PARALLEL_CALLERS)
                .map(|_| {
                    self.sample
                        .command(&build.argv(SSO_PROFILE))
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

/// The large config: `BIG_PROFILES` generated SSO profiles as `aws-sso-util configure populate`
/// writes them, with the sample config (its `[sso-session my-sso]`, `dev-sso`, `prod-admin`, …)
/// in the middle.
fn big_config() -> String {
    let mut text = String::with_capacity(BIG_PROFILES * 150 + CONFIG.len());
    for n in 0..BIG_PROFILES {
        if n == BIG_PROFILES / 2 {
            text.push_str(CONFIG);
            text.push('\n');
        }
        let account = n / BIG_ROLES.len() + 1;
        let role = BIG_ROLES[n % BIG_ROLES.len()];
        let _ = write!(
            text,
            "[profile Account-{account}.{role}]\nsso_session = my-sso\nsso_account_id = {:012}\n\
             sso_role_name = {role}\nregion = {}\noutput = json\n\n",
            200_000_000_000 + account * 7_919,
            BIG_REGIONS[account % BIG_REGIONS.len()],
        );
    }
    text
}

/// A temporary `HOME` with a config, the SSO and CLI caches, a scratch folder for the run's own
/// files, and the environment commands run with there.
struct Home {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Home {
    /// Creates the folders and writes `~/.aws/config`; nothing rewrites it after this.
    fn new(config: &str, fake_url: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temporary HOME: {e}"))?;
        // A small, fixed environment like a login shell's (the helper's start-up cost grows with
        // the environment's size, so it is the same on every machine), plus the fake's endpoints.
        // No LANG: `cat` would load locale files (about 0.2 ms), raising the floor we compare with.
        let env = [
            ("HOME", dir.path().display().to_string()),
            ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
            ("USER", "bench".into()),
            ("LOGNAME", "bench".into()),
            ("SHELL", "/bin/bash".into()),
            ("TERM", "xterm-256color".into()),
            ("PWD", dir.path().display().to_string()),
            ("AWS_ENDPOINT_URL_SSO", fake_url.to_owned()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", fake_url.to_owned()),
            ("AWS_ENDPOINT_URL_STS", fake_url.to_owned()),
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
        let home = Self { dir, env };
        let aws_dir = home.aws_dir();
        for dir in [aws_dir.join("sso/cache"), aws_dir.join("cli/cache"), home.scratch()] {
            fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        set_private(&aws_dir)?;
        write(&aws_dir.join("config"), config)?;
        Ok(home)
    }

    fn aws_dir(&self) -> PathBuf {
        self.dir.path().join(".aws")
    }

    fn scratch(&self) -> PathBuf {
        self.dir.path().join("bench")
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
                copy(&self.scratch().join(state.token_copy()), &self.token_file())?;
                copy(&self.hot_role_cache_copy(), &self.role_cache())
            }
            State::ColdTokenValid | State::ColdRefreshDue => {
                copy(&self.scratch().join(state.token_copy()), &self.token_file())?;
                match fs::remove_file(self.role_cache()) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("role cache: {e}")),
                    _ => Ok(()),
                }
            }
        }
    }

    /// A shell script that puts the caches into `state`, for hyperfine's `--prepare`. It touches
    /// only the caches, never the config.
    fn prepare_script(&self, name: &str, state: State) -> Result<Vec<String>, String> {
        let quote =
            |path: PathBuf| shlex::try_quote(&path.display().to_string()).map(|q| q.into_owned()).unwrap_or_default();
        let script = format!(
            "cp {} {}\nrm -f {}\n",
            quote(self.scratch().join(state.token_copy())),
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
            .current_dir(self.dir.path());
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
        String::from_utf8(output.stdout).map_err(|_| format!("`{shown}` printed non-UTF-8"))
    }

    /// Each of `ours` and the AWS CLI print the same credentials from the same cache, so the
    /// comparison is like for like.
    fn check_same_credentials(&self, ours: &[Vec<String>], cli: &[String]) -> Result<(), String> {
        self.set_state(State::Hot)?;
        let parse = |text: String| serde_json::from_str::<Value>(&text).map_err(|e| format!("not JSON: {e}"));
        let theirs = parse(self.run_ok(cli)?)?;
        for argv in ours {
            let a = parse(self.run_ok(argv)?)?;
            if a["AccessKeyId"] != theirs["AccessKeyId"] || a["Expiration"].is_null() || theirs["Version"] != json!(1) {
                return Err(format!(
                    "the AWS CLI did not print the cached credentials we did (ours {}, CLI {})",
                    a["AccessKeyId"], theirs["AccessKeyId"]
                ));
            }
        }
        Ok(())
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
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Folders made 0700, as the AWS CLI makes them (a no-op where modes are not Unix's).
#[cfg_attr(not(unix), allow(unused_variables))]
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
    runs: usize,
}

impl Timing {
    /// Statistics of pooled run times (seconds).
    fn of(name: &str, mut times: Vec<f64>) -> Result<Self, String> {
        if times.is_empty() {
            return Err(format!("{name}: no runs were timed"));
        }
        times.sort_by(f64::total_cmp);
        let n = times.len();
        let median = if n % 2 == 1 { times[n / 2] } else { (times[n / 2 - 1] + times[n / 2]) / 2.0 };
        let mean = times.iter().sum::<f64>() / n as f64;
        let variance = times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64;
        Ok(Self {
            name: name.to_owned(),
            median,
            mean,
            stddev: variance.sqrt(),
            min: times[0],
            max: times[n - 1],
            runs: n,
        })
    }
}

/// Everything measured for one build.
struct Measured {
    build: Build,
    /// Hot path, hot path of the chain, cold with a valid token, cold with a refresh due.
    timings: [Timing; 4],
    /// Hot path, hot path of the chain.
    instructions: [u64; 2],
    /// Peak RSS (KiB): hot, hot chain, cold, refresh due.
    rss: [u64; 4],
    /// Token valid; token refresh due.
    bursts: [Bursts; 2],
    size: u64,
    big: BigConfig,
}

/// The hot path (`dev-sso`, valid cached role credentials) with the large config.
struct BigConfig {
    timing: Timing,
    instructions: u64,
    /// Peak RSS (KiB).
    rss: u64,
}

impl Measured {
    /// The large config's hot path against the sample config's: wall time (medians).
    fn big_time_ratio(&self) -> f64 {
        self.big.timing.median / self.timings[0].median
    }

    fn big_instructions_ratio(&self) -> f64 {
        self.big.instructions as f64 / self.instructions[0] as f64
    }
}

const RSS_ROWS: [&str; 4] = ["hot path", "hot path, role chain", "cold: token valid", "cold: token refresh due"];

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
    floor: Timing,
    cli: Timing,
    /// The AWS CLI with the large config.
    cli_big: Timing,
    /// The large config's size in bytes.
    big_config_size: usize,
    cat_instructions: u64,
    cat_rss: u64,
    cli_rss: u64,
    /// The build the targets are judged on first.
    builds: Vec<Measured>,
}

/// One target: what it is, the goal, and how one build's results measure up to it.
struct Target {
    what: &'static str,
    goal: String,
    depends_on_speed: bool,
    measure: fn(&Results<'_>, &Measured) -> (String, bool),
}

fn targets() -> Vec<Target> {
    vec![
        Target {
            what: "Hot path wall time vs `cat` of the cache file (medians)",
            goal: format!("≤ {MAX_HOT_VS_CAT}×"),
            depends_on_speed: true,
            measure: |r, m| {
                let ratio = m.timings[0].median / r.floor.median;
                (format!("{ratio:.2}×"), ratio <= MAX_HOT_VS_CAT)
            },
        },
        Target {
            what: "Hot path vs `aws configure export-credentials` (medians)",
            goal: format!("≥ {MIN_FASTER_THAN_CLI}× faster"),
            depends_on_speed: true,
            measure: |r, m| {
                let ratio = r.cli.median / m.timings[0].median;
                (format!("{ratio:.0}× faster"), ratio >= MIN_FASTER_THAN_CLI)
            },
        },
        Target {
            what: "Hot path instructions (callgrind; the larger of SSO and chain)",
            goal: "≤ 1.5 M".into(),
            depends_on_speed: false,
            measure: |_, m| {
                let most = m.instructions[0].max(m.instructions[1]);
                (format!("{:.2} M", most as f64 / 1e6), most <= MAX_HOT_INSTRUCTIONS)
            },
        },
        Target {
            what: "Hot path peak RSS (the larger of SSO and chain)",
            goal: "≤ 8 MiB".into(),
            depends_on_speed: false,
            measure: |_, m| {
                let most = m.rss[0].max(m.rss[1]);
                (mib(most), most <= MAX_HOT_RSS_KIB)
            },
        },
        Target {
            what: "Hot path with the 6,000-profile config vs the sample config, wall time (medians)",
            goal: format!("≤ {MAX_BIG_VS_SAMPLE}×"),
            depends_on_speed: true,
            measure: |_, m| {
                let ratio = m.big_time_ratio();
                (format!("{ratio:.2}×"), ratio <= MAX_BIG_VS_SAMPLE)
            },
        },
        Target {
            what: "Hot path with the 6,000-profile config vs the sample config, instructions",
            goal: format!("≤ {MAX_BIG_VS_SAMPLE}×"),
            depends_on_speed: false,
            measure: |_, m| {
                let ratio = m.big_instructions_ratio();
                (format!("{ratio:.2}× ({:.2} M)", m.big.instructions as f64 / 1e6), ratio <= MAX_BIG_VS_SAMPLE)
            },
        },
        Target {
            what: "Hot path with the 6,000-profile config, peak RSS",
            goal: "< 8 MiB".into(),
            depends_on_speed: false,
            measure: |_, m| (mib(m.big.rss), m.big.rss < MAX_BIG_RSS_KIB),
        },
        Target {
            what: "64 parallel cold callers, 100 ms per AWS call (slowest burst)",
            goal: "< 2 s".into(),
            depends_on_speed: true,
            measure: |_, m| {
                let slowest = m.bursts.iter().map(Bursts::slowest).max().unwrap_or_default();
                (format!("{:.2} s", slowest.as_secs_f64()), slowest < MAX_PARALLEL_WALL)
            },
        },
        Target {
            what: "AWS calls per burst",
            goal: "1 CreateToken (if due), 1 GetRoleCredentials".into(),
            depends_on_speed: false,
            measure: |_, m| {
                let ok = m.bursts.iter().all(Bursts::calls_as_expected);
                (if ok { "as expected in every burst".into() } else { "more".into() }, ok)
            },
        },
    ]
}

impl Results<'_> {
    fn render(&self) -> (String, Vec<Verdict>) {
        let mut out = String::new();
        let mut verdicts = Vec::new();
        for line in &self.machine.lines {
            let _ = writeln!(out, "{line}  ");
        }
        let sizes: Vec<_> =
            self.builds.iter().map(|m| format!("{} {:.1} MiB", m.build.label, m.size as f64 / 1048576.0)).collect();
        let quick = if self.options.quick { " A `--quick` run: fewer runs." } else { "" };
        let _ = writeln!(out, "Stripped release binaries: {}.{quick}\n", sizes.join(", "));

        let _ = writeln!(out, "#### Targets\n");
        let labels: Vec<_> = self.builds.iter().map(|m| format!("{} build", m.build.label)).collect();
        let _ = writeln!(out, "| Target | Goal | {} |", labels.join(" | "));
        let _ = writeln!(out, "|---|---|{}", "---|".repeat(labels.len()));
        for target in targets() {
            let mut cells = Vec::new();
            for m in &self.builds {
                let (shown, met) = (target.measure)(self, m);
                cells.push(format!("{shown} {}", if met { "✓" } else { "✗ missed" }));
                verdicts.push(Verdict {
                    target: format!("{} ({} build)", target.what, m.build.label),
                    met,
                    depends_on_speed: target.depends_on_speed,
                });
            }
            let _ = writeln!(out, "| {} | {} | {} |", target.what, target.goal, cells.join(" | "));
        }

        let _ = writeln!(out, "\n#### Wall time (hyperfine -N)\n");
        let _ = writeln!(
            out,
            "| Command | Median | Mean ± σ | Min … max | Runs | Median vs `cat` |\n|---|---|---|---|---|---|"
        );
        // Each build's hot paths (the large config's after the sample config's), then its cold paths.
        let timings = self
            .builds
            .iter()
            .flat_map(|m| m.timings[..2].iter().chain([&m.big.timing]).chain(&m.timings[2..]))
            .chain([&self.floor, &self.cli, &self.cli_big]);
        for t in timings {
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
                t.median / self.floor.median
            );
        }

        let _ = writeln!(out, "\n#### Instructions (valgrind --tool=callgrind, whole process)\n");
        let _ = writeln!(out, "| Command | Instructions |\n|---|---|");
        for m in &self.builds {
            for (row, count) in RSS_ROWS.iter().zip(m.instructions) {
                let _ = writeln!(out, "| ours {}, {row} | {} |", m.build.label, thousands(count));
            }
            let _ = writeln!(out, "| ours {}, hot path, {BIG} | {} |", m.build.label, thousands(m.big.instructions));
        }
        let _ = writeln!(out, "| `cat` of the cache file | {} |", thousands(self.cat_instructions));

        let _ = writeln!(out, "\n#### Peak RSS (/usr/bin/time, largest of {} runs)\n", self.options.rss_runs());
        let _ = writeln!(out, "| Command | Peak RSS |\n|---|---|");
        for m in &self.builds {
            for (row, kib) in RSS_ROWS.iter().zip(m.rss) {
                let _ = writeln!(out, "| ours {}, {row} | {} |", m.build.label, mib(kib));
            }
            let _ = writeln!(out, "| ours {}, hot path, {BIG} | {} |", m.build.label, mib(m.big.rss));
        }
        let _ = writeln!(out, "| `cat` of the cache file | {} |", mib(self.cat_rss));
        let _ = writeln!(out, "| `aws configure export-credentials` | {} |", mib(self.cli_rss));

        let _ = writeln!(
            out,
            "\n#### Hot path with a large config: {} SSO profiles ({:.2} MB) against the sample config\n",
            thousands(BIG_PROFILES as u64),
            self.big_config_size as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "`dev-sso` with valid cached role credentials, each config in its own `HOME`; the medians come from \
             the same rounds as the hot path's above (the AWS CLI's with the sample config from its own run).\n"
        );
        let _ = writeln!(
            out,
            "| Command | Median: sample → {BIG} | Ratio | Instructions: sample → {BIG} | Ratio | Peak RSS: sample → {BIG} |\n|---|---|---|---|---|---|"
        );
        for m in &self.builds {
            let _ = writeln!(
                out,
                "| ours {}, hot path | {} → {} | {:.2}× | {} → {} | {:.2}× | {} → {} |",
                m.build.label,
                ms(m.timings[0].median),
                ms(m.big.timing.median),
                m.big_time_ratio(),
                thousands(m.instructions[0]),
                thousands(m.big.instructions),
                m.big_instructions_ratio(),
                mib(m.rss[0]),
                mib(m.big.rss),
            );
        }
        let _ = writeln!(
            out,
            "| `aws configure export-credentials` | {} → {} | {:.2}× | | | |",
            ms(self.cli.median),
            ms(self.cli_big.median),
            self.cli_big.median / self.cli.median,
        );

        let _ = writeln!(out, "\n#### {PARALLEL_CALLERS} parallel cold callers, every AWS call slowed to 100 ms\n");
        let _ = writeln!(
            out,
            "| Build | Caches before each burst | Median wall | Slowest | Bursts | CreateToken / GetRoleCredentials per burst |\n|---|---|---|---|---|---|"
        );
        for m in &self.builds {
            for b in &m.bursts {
                let calls: Vec<_> = b.calls.iter().map(|(t, r)| format!("{t} / {r}")).collect();
                let mut distinct = calls.clone();
                distinct.dedup();
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.2} s | {:.2} s | {} | {} |",
                    m.build.label,
                    b.name,
                    b.median().as_secs_f64(),
                    b.slowest().as_secs_f64(),
                    b.walls.len(),
                    if distinct.len() == 1 { format!("{} (every burst)", distinct[0]) } else { calls.join(", ") }
                );
            }
        }
        (out, verdicts)
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
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
