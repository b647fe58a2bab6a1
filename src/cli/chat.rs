//! `tofu chat`: a conversation in the terminal, one turn per line of
//! stdin, kept and answered exactly as a typed turn in the app is.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use tofu::converse::chat::Chat;
use tofu::mind::backend::{ReplySettings, SETTINGS_KEY};
use tofu::mind::{BackendKind, Persona};
use tofu::store::{ConversationId, Store};
use tofu::Paths;

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Go on with this conversation (its turns are the recent context)
    #[arg(long, value_name = "c12")]
    pub conversation: Option<String>,
    /// Persona settings for this chat only (KEY=VALUE, repeatable);
    /// `chat_model=NAME|FILE` answers with another chat model
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// The style profile to learn from and mirror
    #[arg(long, default_value = tofu::style::DEFAULT_PROFILE)]
    pub profile: String,
    /// embedded, openai, remix or reflect [default: `tofu llm show`]
    #[arg(long)]
    pub backend: Option<String>,
    /// One JSON object per turn (`you`, `reply`, `conversation` and the
    /// figures of `tofu reply --json`)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ChatArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    paths.ensure()?;
    let (mut persona, mut settings) = {
        let store = Store::open(&paths.data_dir)?;
        let settings: ReplySettings = store.setting(SETTINGS_KEY)?.unwrap_or_default();
        (Persona::load(&store)?, settings)
    };
    for o in
        &tofu::catalogue::take_model_override(&args.overrides, &paths.model_store(), &mut settings)?
    {
        persona.set(o)?;
    }
    if let Some(b) = &args.backend {
        settings.backend = b.parse::<BackendKind>()?;
    }
    let continuing = args
        .conversation
        .as_deref()
        .map(|c| c.parse::<ConversationId>().map_err(anyhow::Error::msg))
        .transpose()?;
    let mut chat = Chat::open(
        paths,
        persona,
        Some(settings),
        &args.profile,
        continuing,
        &mut |n| eprintln!("note: {n}"),
    )?;
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    let name = chat.persona.name.clone();
    let mut lines = stdin.lock().lines();
    loop {
        if tty {
            eprint!("you: ");
            std::io::stderr().flush()?;
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = chat.turn(&line)?;
        if let Some(why) = &reply.fell_back {
            eprintln!("note: {why}; answered without the model");
        }
        if args.json {
            let mut v = serde_json::to_value(&reply)?;
            v["you"] = line.trim().into();
            v["reply"] = reply.text.clone().into();
            if let Some(c) = chat.conversation() {
                v["conversation"] = c.to_string().into();
            }
            println!("{v}");
        } else {
            println!("{name}: {}", reply.text);
        }
        std::io::stdout().flush()?;
        chat.read_ahead();
    }
    if let Some(c) = chat.conversation() {
        eprintln!("kept as conversation {c} (tofu chat --conversation {c} goes on with it)");
    }
    Ok(ExitCode::SUCCESS)
}
