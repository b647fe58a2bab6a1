//! `tofu persona ...` (the companion's personality) and `tofu reply TEXT`
//! (one reply through the same engine the app uses).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use tofu::mind::backend::{ReplySettings, SETTINGS_KEY};
use tofu::mind::{BackendKind, Persona};
use tofu::store::{ConversationId, Store};
use tofu::Paths;

#[derive(Debug, Subcommand)]
pub enum PersonaCommand {
    /// The current personality: `KEY<TAB>VALUE` lines (or --json)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change settings: name=..., backstory=..., or a slider (warmth,
    /// playfulness, curiosity, verbosity, formality, mirroring) = 0..1
    Set {
        #[arg(required = true, value_name = "KEY=VALUE")]
        assignments: Vec<String>,
    },
    /// Start from a preset (keeps the name and backstory); without NAME, list them
    Preset { name: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum LlmCommand {
    /// Where replies come from: `KEY<TAB>VALUE` lines (or --json)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// backend=embedded|openai|remix|reflect, model=FILE.gguf (embedded),
    /// n_ctx=N, endpoint=URL and remote_model=NAME (openai; the API key is
    /// set with `tofu llm key set`, never in settings)
    Set {
        #[arg(required = true, value_name = "KEY=VALUE")]
        assignments: Vec<String>,
    },
    /// The model server's API key: kept in the OS keyring (or, with none, a
    /// file only you can read); TOFU_LLM_API_KEY overrides it
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Read the key from stdin (one line) and keep it
    Set,
    /// Forget the key
    Clear,
}

pub fn llm(cmd: LlmCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    use tofu::mind::secrets;
    if let LlmCommand::Key { action } = &cmd {
        match action {
            KeyAction::Set => {
                if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                    eprintln!("paste the API key and press Enter:");
                }
                let mut key = String::new();
                std::io::stdin().read_line(&mut key)?;
                let settings: ReplySettings = Store::open(&paths.data_dir)?
                    .setting(SETTINGS_KEY)?
                    .unwrap_or_default();
                let place = secrets::set_api_key(&paths.data_dir, &key, &settings.endpoint)?;
                let origin = secrets::key_origin(&paths.data_dir).unwrap_or_default();
                println!("api key kept in the {place}, for {origin} only");
            }
            KeyAction::Clear => {
                secrets::clear_api_key(&paths.data_dir)?;
                println!("api key forgotten");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = Store::open(&paths.data_dir)?;
    let mut settings: ReplySettings = store.setting(SETTINGS_KEY)?.unwrap_or_default();
    if let LlmCommand::Set { assignments } = &cmd {
        let mut v = serde_json::to_value(&settings)?;
        for a in assignments {
            let (k, val) = a
                .split_once('=')
                .with_context(|| format!("`{a}`: write KEY=VALUE"))?;
            let (k, val) = (k.trim(), val.trim());
            if v.get(k).is_none() {
                anyhow::bail!("no setting `{k}` (backend, model, n_ctx, endpoint, remote_model)");
            }
            v[k] = match k {
                "n_ctx" => serde_json::json!(val
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (256..=131_072).contains(n))
                    .with_context(|| format!("n_ctx `{val}`: a number from 256 to 131072"))?),
                "model" if val.is_empty() || val == "default" => serde_json::Value::Null,
                "backend" => serde_json::to_value(val.parse::<BackendKind>()?)?,
                _ => serde_json::json!(val),
            };
        }
        settings = serde_json::from_value(v)?;
        store.set_setting(SETTINGS_KEY, &settings)?;
    }
    let mut v = serde_json::to_value(&settings)?;
    v["endpoint"] = serde_json::json!(tofu::mind::openai::shown_endpoint(&settings.endpoint));
    v["api_key"] = match secrets::api_key(&paths.data_dir) {
        Some((_, place)) => serde_json::json!(format!("set ({place})")),
        None => serde_json::json!("none"),
    };
    if matches!(cmd, LlmCommand::Show { json: true }) {
        println!("{v}");
    } else {
        for (k, v) in v.as_object().expect("settings are an object") {
            match v {
                serde_json::Value::String(s) => println!("{k}\t{s}"),
                serde_json::Value::Null => println!("{k}\t(default)"),
                other => println!("{k}\t{other}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// What the person said
    pub text: String,
    /// The style profile to mirror
    #[arg(long, default_value = tofu::style::DEFAULT_PROFILE)]
    pub profile: String,
    /// Mirroring strength 0..1 for this reply (default: the persona's)
    #[arg(long, value_name = "X")]
    pub mirror: Option<f32>,
    /// Other persona settings for this reply only (KEY=VALUE, repeatable);
    /// `chat_model=NAME|FILE` answers with another chat model
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// embedded (the local GGUF model), openai (a server), remix (Tofu mode:
    /// your own phrases, no model) or reflect (no model)
    /// [default: `tofu llm show`]
    #[arg(long)]
    pub backend: Option<String>,
    /// Answer as part of this conversation (its turns are the recent context)
    #[arg(long, value_name = "c12")]
    pub conversation: Option<String>,
    /// The reply and its figures as one JSON object
    #[arg(long)]
    pub json: bool,
}

fn print_persona(p: &Persona, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(p)?);
        return Ok(());
    }
    let v = serde_json::to_value(p)?;
    for (k, v) in v.as_object().expect("a persona is an object") {
        match v {
            serde_json::Value::String(s) => println!("{k}\t{}", s.replace(['\t', '\n'], " ")),
            other => println!("{k}\t{other}"),
        }
    }
    Ok(())
}

pub fn persona(cmd: PersonaCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&paths.data_dir)?;
    let mut p = Persona::load(&store)?;
    match cmd {
        PersonaCommand::Show { json } => print_persona(&p, json)?,
        PersonaCommand::Set { assignments } => {
            for a in &assignments {
                p.set(a)?;
            }
            p.save(&mut store)?;
            print_persona(&p, false)?;
        }
        PersonaCommand::Preset { name: None } => {
            for (name, what) in tofu::mind::persona::PRESETS {
                println!("{name}\t{what}");
            }
        }
        PersonaCommand::Preset { name: Some(name) } => {
            let preset = Persona::preset(&name)?;
            let p = Persona {
                name: p.name,
                backstory: p.backstory,
                ..preset
            };
            p.save(&mut store)?;
            print_persona(&p, false)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reply(args: ReplyArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    let store = Store::open(&paths.data_dir)?;
    let mut persona = Persona::load(&store)?;
    let mut settings: ReplySettings = store.setting(SETTINGS_KEY)?.unwrap_or_default();
    for o in
        &tofu::catalogue::take_model_override(&args.overrides, &paths.model_store(), &mut settings)?
    {
        persona.set(o)?;
    }
    if let Some(m) = args.mirror {
        persona.set(&format!("mirroring={m}"))?;
    }
    if let Some(b) = &args.backend {
        settings.backend = b.parse::<BackendKind>()?;
    }
    let conversation = args
        .conversation
        .as_deref()
        .map(|c| c.parse::<ConversationId>().map_err(anyhow::Error::msg))
        .transpose()?;
    if let Some(c) = conversation {
        store
            .conversation(c)?
            .with_context(|| format!("no conversation {c}"))?;
    }
    let ask = tofu::mind::once::Ask {
        persona: &persona,
        settings: Some(settings),
        profile: &args.profile,
        conversation,
        text: &args.text,
    };
    let reply =
        tofu::mind::once::reply_once(paths, &store, ask, &mut |note| eprintln!("note: {note}"))?;
    if args.json {
        println!("{}", serde_json::to_string(&reply)?);
    } else {
        println!("{}", reply.text);
        tracing::info!(
            engine = reply.engine,
            first_token_ms = ?reply.first_token_ms,
            first_sentence_ms = ?reply.first_sentence_ms,
            total_ms = reply.total_ms,
            tokens = reply.tokens,
            "reply"
        );
    }
    Ok(ExitCode::SUCCESS)
}
