//! `tofu`: the command-line face of the engine. Subcommands and output formats
//! are contracts (scripts and benchmarks parse them): change them only with the issue that owns them.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tofu::prepare_process();
    if let Some(why) = tofu::unsupported_cpu() {
        eprintln!("error: {why}");
        return ExitCode::from(2);
    }
    let args = cli::Cli::parse();
    cli::init_logging(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each cause shown once (the engine's errors
/// often already quote their source).
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !msg.contains(&text) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&text);
        }
    }
    msg
}
