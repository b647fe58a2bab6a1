//! `tofu listen`: live transcription from the microphone (or a WAV file used
//! as one). Each finished turn is kept in the store (one conversation per
//! run; `--no-save` keeps nothing) and then prints `you: TEXT` on stdout;
//! partial transcripts and problems go to stderr. `--json` prints every event
//! as one JSON object per line instead.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use tofu::audio::mic::{list_input_devices, MicSource};
use tofu::audio::source::{AudioSource, Pace, WavSource};
use tofu::hear::{listen, Controls, HearEvent, Heard, ListenConfig};
use tofu::store::{AudioIn, ConversationId, NewTurn, Source, Store};
use tofu::stt::SpeechModel;
use tofu::Paths;

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Input device: an id or part of its name [default: the system default, followed when it changes]
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// List input devices and exit
    #[arg(long)]
    pub list_devices: bool,
    /// Use a WAV file as the microphone (played in real time; see --fast)
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// With --input: play the file as fast as it can be processed
    #[arg(long, requires = "input")]
    pub fast: bool,
    /// Every event as a JSON line on stdout (speech_started, partial, final, error)
    #[arg(long)]
    pub json: bool,
    /// With --json: include the input level events (about 20 per second)
    #[arg(long, requires = "json")]
    pub levels: bool,
    /// Spoken language (ISO code), or `auto`
    #[arg(long, default_value = "en")]
    pub language: String,
    /// Keep nothing: no audio, no history (by default every turn is saved)
    #[arg(long)]
    pub no_save: bool,
}

/// Saves each heard turn into one conversation, started at the first turn.
struct Keeper {
    store: Store,
    conversation: Option<ConversationId>,
    listen_started: i64,
    model: String,
}

impl Keeper {
    fn keep(&mut self, h: &Heard) -> tofu::Result<()> {
        let conversation = self.conversation()?;
        let turn = NewTurn {
            language: Some(h.language.clone()),
            confidence: Some(f64::from(h.confidence)),
            model: Some(self.model.clone()),
            ..NewTurn::user(
                h.text.clone(),
                self.listen_started + (h.start_s * 1e3).round() as i64,
                self.listen_started + (h.end_s * 1e3).round() as i64,
            )
        };
        let audio = h.audio.as_deref().map(AudioIn::InDataDir);
        let stored = self.store.add_turn(conversation, turn, audio)?;
        // Every final transcript feeds the style model.
        self.store.add_style_texts(
            tofu::style::DEFAULT_PROFILE,
            &[stored.heard_text],
            "turn",
            Some(stored.id),
        )?;
        Ok(())
    }

    fn keep_untranscribed(&mut self, audio: &std::path::Path) -> tofu::Result<()> {
        let conversation = self.conversation()?;
        let now = tofu::store::now_ms();
        let turn = NewTurn::user("", now, now);
        self.store
            .add_turn(conversation, turn, Some(AudioIn::InDataDir(audio)))?;
        Ok(())
    }

    fn conversation(&mut self) -> tofu::Result<ConversationId> {
        Ok(match self.conversation {
            Some(c) => c,
            None => *self.conversation.insert(self.store.start_conversation(
                self.listen_started,
                Source::Live,
                None,
            )?),
        })
    }
}

pub fn run(args: ListenArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    if args.list_devices {
        let devices = list_input_devices();
        if devices.is_empty() {
            eprintln!("no input devices found");
        }
        for d in devices {
            println!(
                "{}{}\t{}\t{}\t{}",
                if d.is_default { "* " } else { "  " },
                d.name,
                d.id,
                d.host,
                d.default_config.unwrap_or_default()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    paths.ensure()?;
    let mut keeper = match args.no_save {
        true => None,
        false => Some(Keeper {
            store: Store::open(&paths.data_dir)?,
            conversation: None,
            listen_started: 0,
            model: String::new(),
        }),
    };
    let model = Arc::new(SpeechModel::load_default(&paths.model_store())?);
    if let Some(k) = keeper.as_mut() {
        k.model = model.name();
    }
    let source: Box<dyn AudioSource> = match &args.input {
        Some(file) => Box::new(WavSource::new(
            file,
            if args.fast {
                Pace::Fast
            } else {
                Pace::RealTime
            },
        )),
        None => Box::new(MicSource {
            device: args.device.clone(),
        }),
    };
    eprintln!("listening to {} (Ctrl-C to stop)", source.describe());
    let day = chrono::Local::now().format("%Y-%m-%d").to_string();
    let mut cfg = ListenConfig {
        audio_dir: keeper
            .as_ref()
            .map(|k| k.store.data_dir().join("audio").join(day)),
        ..ListenConfig::default()
    };
    cfg.stt.language = args.language.clone();
    let controls = Controls::default();
    let mut errors = 0;
    if let Some(k) = keeper.as_mut() {
        // Turn times count from here, where the stream starts.
        k.listen_started = tofu::store::now_ms();
    }
    listen(source, model, cfg, controls, |ev| {
        // Saved before it is shown: a turn on screen is a turn on disk.
        if let (Some(k), HearEvent::Final(h)) = (keeper.as_mut(), &ev) {
            if h.text.is_empty() {
                // Only noise: its recording holds nothing worth keeping.
                if let Some(a) = &h.audio {
                    let _ = std::fs::remove_file(a);
                }
            } else if let Err(e) = k.keep(h) {
                errors += 1;
                eprintln!("error: could not save the turn: {e}");
            }
        }
        // A turn that could not be transcribed is kept too (empty text, its
        // audio), so it shows in the history and can be played or deleted.
        if let (Some(k), HearEvent::Error { audio: Some(a), .. }) = (keeper.as_mut(), &ev) {
            if let Err(e) = k.keep_untranscribed(a) {
                eprintln!("error: could not save the untranscribed turn: {e}");
            }
        }
        if args.json {
            if args.levels || !matches!(ev, HearEvent::Level { .. }) {
                println!("{}", serde_json::to_string(&ev).unwrap_or_default());
            }
            return;
        }
        match ev {
            HearEvent::Partial { text, .. } if !text.is_empty() => eprintln!("… {text}"),
            HearEvent::Final(h) if !h.text.is_empty() => println!("you: {}", h.text),
            HearEvent::Error { message, audio } => {
                errors += 1;
                match audio {
                    Some(a) => eprintln!("error: {message} (audio kept at {})", a.display()),
                    None => eprintln!("error: {message}"),
                }
            }
            _ => {}
        }
    })?;
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
