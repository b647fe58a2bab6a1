//! Argument parsing and dispatch. Each subcommand lives in its own module.

mod bench;
mod chat;
mod history;
mod listen;
mod mind;
mod models;
mod style;
mod transcribe;
mod voice;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tofu::Paths;

/// Tofu: a local-first voice companion. Everything it hears stays on this machine.
#[derive(Debug, Parser)]
#[command(name = "tofu", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Where Tofu keeps what it heard and learned [env: TOFU_DATA_DIR; default: the platform's data folder]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug); TOFU_LOG=<filter> for fine control
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install, list and convert models (speech-to-text, chat, voice)
    #[command(subcommand)]
    Models(models::ModelsCommand),

    /// Transcribe WAV files: one line per file, `FILE<TAB>transcript`
    Transcribe(transcribe::TranscribeArgs),

    /// Listen live and print what was said (`you: TEXT` per turn)
    Listen(listen::ListenArgs),

    /// Review what was said: list, show, search, edit, delete, export, import
    #[command(subcommand)]
    History(history::HistoryCommand),

    /// The companion's personality: show, set KEY=VALUE, presets
    #[command(subcommand)]
    Persona(mind::PersonaCommand),

    /// How you talk, as the companion learned it: learn, show, exclude, reset
    #[command(subcommand)]
    Style(style::StyleCommand),

    /// Where replies come from: the embedded model, an OpenAI-compatible server, or none
    #[command(subcommand)]
    Llm(mind::LlmCommand),

    /// A conversation in the terminal: one turn per line of stdin, `NAME: reply` per turn
    /// (kept like a typed turn in the app; --conversation c12 goes on with one)
    Chat(chat::ChatArgs),

    /// One reply to TEXT, through the same engine the app uses (prints the reply)
    Reply(mind::ReplyArgs),

    /// Speak TEXT with the companion's voice (to the speakers, or --out FILE.wav)
    Say(voice::SayArgs),

    /// The companion's voice: show, set voice=piper|flite rate=.. volume=..
    #[command(subcommand)]
    Voice(voice::VoiceCommand),

    /// Delete everything Tofu keeps about you (history, audio, settings, style), not the models
    ForgetEverything {
        /// Yes, really: this cannot be undone
        #[arg(long)]
        yes: bool,
    },

    /// Show where Tofu keeps its data, models and the app's logs
    Paths,

    /// What someone helping you needs to know about this install (version,
    /// CPU features, models and checksums, audio devices), and nothing you said
    Diagnostics,

    /// Benchmarks that print figures (with a baseline measured in the same run)
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOFU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let _ = tracing_subscriber::registry()
        .with(tofu::logs::QuietAborts)
        .with(stderr)
        .try_init();
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(cli.data_dir.as_deref())?;
    match cli.command {
        Command::Models(cmd) => models::run(cmd, &paths),
        Command::Transcribe(args) => transcribe::run(args, &paths),
        Command::Bench(cmd) => bench::run(cmd, &paths),
        Command::Listen(args) => listen::run(args, &paths),
        Command::History(cmd) => history::run(cmd, &paths),
        Command::Persona(cmd) => mind::persona(cmd, &paths),
        Command::Reply(args) => mind::reply(args, &paths),
        Command::Chat(args) => chat::run(args, &paths),
        Command::Say(args) => voice::say(args, &paths),
        Command::Voice(cmd) => voice::voice(cmd, &paths),
        Command::Llm(cmd) => mind::llm(cmd, &paths),
        Command::Style(cmd) => style::run(cmd, &paths),
        Command::ForgetEverything { yes } => {
            if !yes {
                eprintln!(
                    "this deletes every conversation, recording, setting and the style model in {}; \
                     run again with --yes to do it",
                    paths.data_dir.display()
                );
                return Ok(ExitCode::FAILURE);
            }
            // Not while the app or `tofu listen` is writing there.
            let lock = match paths.data_dir.is_dir() {
                true => Some(tofu::store::lock::DataLock::acquire(
                    &paths.data_dir,
                    "tofu forget-everything",
                )?),
                false => None,
            };
            let removed = tofu::forget::forget_everything(&paths, &mut |n| eprintln!("note: {n}"))?;
            if let Some(lock) = lock {
                lock.remove();
            }
            println!(
                "forgot everything: removed {} item(s) from {}",
                removed.len(),
                paths.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Paths => {
            println!("data\t{}", paths.data_dir.display());
            println!("models\t{}", paths.models_dir.display());
            println!("logs\t{}", paths.logs_dir().display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Diagnostics => {
            print!("{}", tofu::diagnostics::report(&paths, "tofu"));
            Ok(ExitCode::SUCCESS)
        }
    }
}
