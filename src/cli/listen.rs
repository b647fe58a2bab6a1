//! `tofu listen`: the conversation. The microphone (or a WAV file used as
//! one) is heard; each finished turn is kept in the store (one conversation
//! per run; `--no-save` keeps nothing) and printed as `you: TEXT`; the
//! companion answers, printed as `<name>: TEXT` and spoken (speakers, or
//! `--output FILE.wav`). `--no-reply` only transcribes. Partial transcripts
//! and problems go to stderr. `--json` prints every event as one JSON object
//! per line instead.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use tofu::audio::mic::{list_input_devices, MicSource};
use tofu::audio::source::{AudioSource, Pace, WavSource};
use tofu::hear::{listen, Controls, HearEvent, Heard, ListenConfig};
use tofu::store::{AudioIn, NewTurn, Source, Store};
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
    /// End turns by judging each pause (the default: Smart Turn on the
    /// sound and the words, asked at 200 ms, patient up to 2 s); kept for
    /// scripts that ask for it by name
    #[arg(long, conflicts_with = "silence_rule")]
    pub smart_turn: bool,
    /// End turns after 560 ms of silence instead of judging the pause
    #[arg(long)]
    pub silence_rule: bool,
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
    /// Only transcribe: no replies
    #[arg(long)]
    pub no_reply: bool,
    /// Write the companion's voice to this WAV file (16 kHz mono, on the
    /// input's timeline) instead of playing it
    #[arg(long, value_name = "FILE.wav", conflicts_with = "no_reply")]
    pub output: Option<PathBuf>,
    /// Replies as text only (no voice)
    #[arg(long, conflicts_with_all = ["no_reply", "output"])]
    pub mute_voice: bool,
    /// Output device: part of its name [default: the system default]
    #[arg(long, value_name = "NAME")]
    pub output_device: Option<String>,
}

/// Saves each heard turn into one conversation, started at the first turn,
/// through the engine's one path for keeping turns.
struct Keeper {
    store: Store,
    keeper: tofu::store::keep::Keeper,
    listen_started: i64,
    model: String,
}

impl Keeper {
    fn keep(&mut self, h: &Heard) -> tofu::Result<()> {
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
        self.keeper.keep_person(&mut self.store, turn, audio)?;
        Ok(())
    }

    fn keep_untranscribed(&mut self, audio: &std::path::Path) -> tofu::Result<()> {
        let now = tofu::store::now_ms();
        let turn = NewTurn::user("", now, now);
        self.keeper
            .keep_person(&mut self.store, turn, Some(AudioIn::InDataDir(audio)))?;
        Ok(())
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
    // One recorder per data folder (not needed when nothing is kept).
    let _lock = match args.no_save {
        true => None,
        false => Some(tofu::store::lock::DataLock::acquire(
            &paths.data_dir,
            "tofu listen",
        )?),
    };
    if !args.no_reply {
        return converse(args, paths);
    }
    let mut keeper = match args.no_save {
        true => None,
        false => Some(Keeper {
            store: Store::open(&paths.data_dir)?,
            keeper: tofu::store::keep::Keeper::new(Source::Live, tofu::style::DEFAULT_PROFILE),
            listen_started: 0,
            model: String::new(),
        }),
    };
    let model = Arc::new(SpeechModel::load(&tofu::catalogue::speech_model_path(
        paths,
    )?)?);
    if let Some(k) = keeper.as_mut() {
        k.model = model.name();
        let mut notes = Vec::new();
        tofu::converse::recover::recover_noting(
            &mut k.store,
            &model,
            tofu::style::DEFAULT_PROFILE,
            &mut notes,
        );
        for n in notes {
            eprintln!("note: {n}");
        }
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
    cfg.vad.smart_turn = !args.silence_rule;
    // No reply is written here: nothing to hold a finished turn open for.
    cfg.vad.hold_ms = 0;
    cfg.lockstep = args.fast;
    if cfg.vad.smart_turn {
        let mut notes = Vec::new();
        cfg.end_of_turn = tofu::converse::setup::end_of_turn(&paths.model_store(), &mut notes);
        for n in notes {
            eprintln!("note: {n}");
        }
    }
    cfg.stt.language = args.language.clone();
    let controls = Controls::default();
    stop_on_signal(&controls);
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
        errors += usize::from(show(&ev));
    })?;
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Ctrl-C (or SIGTERM, SIGHUP: a closed terminal, a logout) stops
/// listening the way the app's stop button does: the turn being spoken is
/// transcribed and kept, and the replies under way finish. A second one
/// quits at once (exit 130); what was already kept stays kept.
fn stop_on_signal(controls: &Controls) {
    let controls = controls.clone();
    let mut asked = false;
    let handler = move || {
        use std::io::Write;
        if asked {
            let _ = writeln!(std::io::stderr(), "stopped");
            std::process::exit(130);
        }
        asked = true;
        // Stop first: after a hangup, stderr may be gone (a failed
        // eprintln! would panic this thread before the stop).
        controls.stop();
        let _ = writeln!(
            std::io::stderr(),
            "stopping: keeping the turn in progress (Ctrl-C again to quit now)"
        );
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        eprintln!("note: Ctrl-C will quit at once ({e})");
    }
}

/// Prints what was heard: `you: TEXT` on stdout, partials and problems on
/// stderr. True for an error.
fn show(ev: &HearEvent) -> bool {
    match ev {
        HearEvent::Partial { text, .. } if !text.is_empty() => eprintln!("… {text}"),
        HearEvent::Final(h) if !h.text.is_empty() => println!("you: {}", h.text),
        HearEvent::Error { message, audio } => {
            match audio {
                Some(a) => eprintln!("error: {message} (audio kept at {})", a.display()),
                None => eprintln!("error: {message}"),
            }
            return true;
        }
        _ => {}
    }
    false
}

fn converse(args: ListenArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    use tofu::audio::sink::{AudioSink, SpeakerSink, WavSink};
    use tofu::converse::{CompanionEvent, LoopConfig, LoopEvent};
    let pace = if args.fast {
        Pace::Fast
    } else {
        Pace::RealTime
    };
    let mut notes = Vec::new();
    let sink: Option<Arc<dyn AudioSink>> = match (&args.output, args.mute_voice) {
        (_, true) => None,
        (Some(path), _) => Some(Arc::new(WavSink::new(path, pace))),
        (None, _) => match SpeakerSink::open(args.output_device.as_deref()) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                notes.push(format!(
                    "{e}; replies are text only (use --output FILE.wav to hear them later)"
                ));
                None
            }
        },
    };
    let store = match args.no_save {
        true => None,
        false => Some(Store::open(&paths.data_dir)?),
    };
    let mut cfg = LoopConfig::default();
    let day = chrono::Local::now().format("%Y-%m-%d").to_string();
    cfg.listen.audio_dir = store.as_ref().map(|s| s.data_dir().join("audio").join(day));
    cfg.listen.stt.language = args.language.clone();
    cfg.listen.vad.smart_turn = !args.silence_rule;
    cfg.listen.lockstep = args.fast;
    // A file played faster than real time has no "while it talks".
    cfg.barge_in = !args.fast;
    let parts = tofu::converse::setup::load(paths, store, &cfg.profile, sink, &mut notes)?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    let source: Box<dyn AudioSource> = match &args.input {
        Some(file) => Box::new(WavSource::load(file, pace)?),
        None => Box::new(MicSource {
            device: args.device.clone(),
        }),
    };
    eprintln!("listening to {} (Ctrl-C to stop)", source.describe());
    let mut errors = 0;
    let controls = Controls::default();
    stop_on_signal(&controls);
    tofu::converse::converse(source, parts, cfg, controls, |ev| {
        if args.json {
            let skip = matches!(ev, LoopEvent::Hear(HearEvent::Level { .. })) && !args.levels;
            if !skip {
                println!("{}", serde_json::to_string(&ev).unwrap_or_default());
            }
            return;
        }
        match ev {
            LoopEvent::Hear(h) => errors += usize::from(show(&h)),
            LoopEvent::Companion(CompanionEvent::Reply {
                name,
                text,
                interrupted,
                ..
            }) => {
                // Talked over before it said anything: nothing to print.
                if !text.is_empty() {
                    println!("{name}: {text}");
                }
                if interrupted {
                    eprintln!("(interrupted)");
                }
            }
            LoopEvent::Companion(CompanionEvent::Error { message }) => {
                eprintln!("note: {message}")
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
