//! `interop-rust-client CALLS`: loads the AWS SDK for Rust's default config (so credentials come
//! from `$AWS_PROFILE`'s `credential_process`, through aws-config's own provider and identity
//! cache), then calls STS `GetCallerIdentity` CALLS times with one client, printing each `Arn` on
//! a line of stdout. On failure: the SDK's error and its sources on stderr, exit 1.
//! `interop-rust-client --version` prints the SDK crate versions it was built with.

use std::process::ExitCode;

use aws_config::BehaviorVersion;

/// The crate versions this binary was built with, read from its own lock file.
fn versions() -> String {
    let lock = include_str!("../Cargo.lock");
    let version_of = |name: &str| {
        let header = format!("name = \"{name}\"\nversion = \"");
        lock.split_once(&header)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map_or("?", |(version, _)| version)
            .to_owned()
    };
    format!("aws-config {} (aws-sdk-sts {})", version_of("aws-config"), version_of("aws-sdk-sts"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let argument = std::env::args().nth(1).unwrap_or_default();
    if argument == "--version" {
        println!("{}", versions());
        return ExitCode::SUCCESS;
    }
    let Ok(calls) = argument.parse::<usize>() else {
        eprintln!("usage: interop-rust-client CALLS | --version");
        return ExitCode::from(2);
    };
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let sts = aws_sdk_sts::Client::new(&config);
    for _ in 0..calls {
        match sts.get_caller_identity().send().await {
            Ok(identity) => println!("{}", identity.arn().unwrap_or_default()),
            Err(error) => {
                // The error and its sources, one after the other, as an application would log them.
                let mut text = error.to_string();
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    text.push_str(": ");
                    text.push_str(&cause.to_string());
                    source = cause.source();
                }
                eprintln!("{text}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
