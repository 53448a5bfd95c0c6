//! The `aws-sso-credential-process` binary: parse, run, print one document or one error line.

use std::io::Write;
use std::process::ExitCode;

use aws_sso_credential_process::cli::{self, NotRun};
use aws_sso_credential_process::{Environment, ExitKind, Invocation, clock, output, program_name, run};

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
    let request = match cli::parse(args) {
        Ok(request) => request,
        Err(NotRun::Info(text)) => {
            let _ = std::io::stderr().flush();
            return match write_info(&text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(ExitKind::Other as u8),
            };
        }
        Err(NotRun::Usage(message)) => {
            say(&message);
            return ExitCode::from(ExitKind::Usage as u8);
        }
    };
    let invocation = Invocation { env: Environment::from_process(), now: clock::now(), program_name: started_as };
    match run(&request, &invocation) {
        Ok((credentials, report)) => {
            for warning in &report.warnings {
                say(&format!("warning: {warning}"));
            }
            match output::print(&credentials) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    say(&format!("cannot write to stdout: {e}"));
                    ExitCode::from(ExitKind::Other as u8)
                }
            }
        }
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

/// `--help` / `--version` text, on stdout as every CLI does.
#[expect(clippy::disallowed_methods, reason = "help text is asked for explicitly, never part of a credential run")]
fn write_info(text: &str) -> std::io::Result<()> {
    std::io::stdout().lock().write_all(text.as_bytes())
}
