//! The `aws-sso-credential-process` binary: parse, run, print one document or one error line.

use std::io::Write;
use std::process::ExitCode;

use aws_sso_credential_process::cli::{self, Command, NotRun};
use aws_sso_credential_process::commands::{completions, configure, doctor, man, status};
use aws_sso_credential_process::{Environment, ExitKind, Invocation, Outcome, clock, output, program_name, run};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = info.payload_as_str().unwrap_or("unexpected failure");
        say(&format!("internal error: {message}; please report this"));
    }));
    let args: Vec<_> = std::env::args_os().collect();
    let started_as = args
        .first()
        .and_then(|arg0| std::path::Path::new(arg0).file_stem())
        .and_then(|stem| stem.to_str())
        .map(str::to_owned);
    let parsed = match cli::parse(args) {
        Ok(parsed) => parsed,
        Err(NotRun::Info(text)) => return print_outcome(Ok(Outcome { stdout: text, exit_code: ExitKind::Success })),
        Err(NotRun::Usage(message)) => {
            say(&message);
            return ExitCode::from(ExitKind::Usage as u8);
        }
    };
    let env = Environment::from_process();
    let traced = parsed.verbose
        || env
            .get(cli::LOG_VARIABLE)
            .is_some_and(|level| ["debug", "trace"].contains(&level.to_ascii_lowercase().as_str()));
    let invocation =
        Invocation { env, now: clock::now(), program_name: started_as, trace: traced.then_some(trace as fn(&str)) };
    match parsed.command {
        Command::Credentials(request) => print_outcome(run(&request, &invocation).map(|(credentials, report)| {
            for warning in &report.warnings {
                say(&format!("warning: {warning}"));
            }
            Outcome { stdout: output::format_credentials(&credentials, request.format), exit_code: ExitKind::Success }
        })),
        Command::Status(request) => print_outcome(status::run(&request, &invocation)),
        Command::Configure(request) => {
            // The path written into `credential_process`; taken here, at the edge, like the clock.
            let executable = invoked_executable(std::env::args_os().next().as_deref());
            print_outcome(configure::run(&request, &invocation, executable.as_deref()))
        }
        Command::Doctor { json } => print_outcome(doctor::run(json, &invocation)),
        Command::Login(request) => {
            let mut tell = |text: &str| {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            };
            let surroundings = aws_sso_credential_process::sign_in::browser::Surroundings::detect();
            print_outcome(aws_sso_credential_process::sign_in::login::run(
                &request,
                &invocation,
                surroundings,
                &mut tell,
            ))
        }
        Command::Logout(request) => {
            print_outcome(aws_sso_credential_process::sign_in::logout::run(&request, &invocation))
        }
        Command::Completions(shell) => {
            print_outcome(Ok(Outcome { stdout: completions::script(shell), exit_code: ExitKind::Success }))
        }
        Command::Man => print_outcome(Ok(Outcome { stdout: man::page(), exit_code: ExitKind::Success })),
        // Quiet whatever happens: a completion must never print an error into the command line.
        Command::Complete(names) => print_outcome(Ok(Outcome {
            stdout: completions::names(names, &invocation.env),
            exit_code: ExitKind::Success,
        })),
    }
}

/// The path to write in `credential_process`: the command as it was run, found on `PATH` as the
/// shell found it (`which`), if it is this very program, so that a link such as
/// `/usr/local/bin/aws-sso-credential-process` stays the link and an upgrade that moves the real
/// file keeps working; else the running executable (`current_exe`, links resolved).
fn invoked_executable(arg0: Option<&std::ffi::OsStr>) -> Option<std::path::PathBuf> {
    let current = std::env::current_exe().ok()?;
    let invoked = arg0.and_then(|arg0| which::which(arg0).ok()).and_then(|path| std::path::absolute(path).ok());
    let same = |a: &std::path::Path, b: &std::path::Path| matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b);
    match invoked {
        Some(invoked) if same(&invoked, &current) => Some(invoked),
        _ => Some(current),
    }
}

/// The text on stdout (in one write) and the exit code, or the one error line.
fn print_outcome(outcome: Result<Outcome, aws_sso_credential_process::Error>) -> ExitCode {
    match outcome {
        Ok(Outcome { stdout, exit_code }) => match output::print_text(&stdout) {
            Ok(()) => ExitCode::from(exit_code as u8),
            Err(e) => {
                say(&format!("cannot write to stdout: {e}"));
                ExitCode::from(ExitKind::Other as u8)
            }
        },
        Err(error) => {
            say(&error.one_line());
            ExitCode::from(error.exit_kind() as u8)
        }
    }
}

/// One line on stderr, prefixed with the program name (clients show it after their own prefix).
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}: {line}", program_name());
}

/// One `--verbose` line on stderr.
fn trace(line: &str) {
    say(&format!("debug: {line}"));
}
