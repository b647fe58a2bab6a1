//! `tofu say TEXT` (speak, to the speakers or a WAV file) and `tofu voice`
//! (which voice, how fast, how loud).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use tofu::audio::sink::{AudioSink, SpeakerSink, WavSink};
use tofu::audio::source::Pace;
use tofu::store::Store;
use tofu::tts::{self, VoiceSettings};
use tofu::Paths;

#[derive(Debug, Args)]
pub struct SayArgs {
    /// What to say
    pub text: String,
    /// Write the speech to this WAV file (16 kHz mono) instead of playing it
    #[arg(long, value_name = "FILE.wav")]
    pub out: Option<PathBuf>,
    /// piper or flite [default: `tofu voice show`]
    #[arg(long)]
    pub voice: Option<String>,
    /// Speaking rate 0.5..2.0 [default: `tofu voice show`]
    #[arg(long)]
    pub rate: Option<f32>,
    /// Output device: part of its name [default: the system default]
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum VoiceCommand {
    /// The voice settings: `KEY<TAB>VALUE` lines (or --json)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// voice=piper|flite, rate=0.5..2.0, volume=0..1
    Set {
        #[arg(required = true, value_name = "KEY=VALUE")]
        assignments: Vec<String>,
    },
}

pub fn settings(store: &Store) -> anyhow::Result<VoiceSettings> {
    Ok(store.setting(tts::SETTINGS_KEY)?.unwrap_or_default())
}

pub fn voice(cmd: VoiceCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&paths.data_dir)?;
    let mut s = settings(&store)?;
    if let VoiceCommand::Set { assignments } = &cmd {
        for a in assignments {
            let (k, v) = a
                .split_once('=')
                .with_context(|| format!("`{a}`: write KEY=VALUE"))?;
            let num = || {
                v.trim()
                    .parse::<f32>()
                    .with_context(|| format!("{k}: `{v}` is not a number"))
            };
            match k.trim() {
                "voice" => s.voice = v.trim().to_string(),
                "rate" => s.rate = num()?,
                "volume" => s.volume = num()?,
                other => anyhow::bail!("no voice setting `{other}` (voice, rate, volume)"),
            }
        }
        s.validate()?;
        store.set_setting(tts::SETTINGS_KEY, &s)?;
    }
    if matches!(cmd, VoiceCommand::Show { json: true }) {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!("voice\t{}\nrate\t{}\nvolume\t{}", s.voice, s.rate, s.volume);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn say(args: SayArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut s = match Store::open(&paths.data_dir) {
        Ok(store) => settings(&store)?,
        Err(_) => VoiceSettings::default(),
    };
    if let Some(v) = args.voice {
        s.voice = v;
    }
    if let Some(r) = args.rate {
        s.rate = r;
    }
    let (mut voice, fell_back) = tts::load(&s, &paths.model_store())?;
    if let Some(why) = fell_back {
        eprintln!("note: the Piper voice is unavailable ({why}); speaking with Flite");
    }
    let sink: Box<dyn AudioSink> = match &args.out {
        Some(path) => Box::new(WavSink::new(path, Pace::Fast)),
        None => Box::new(SpeakerSink::open(args.device.as_deref()).map_err(|e| {
            anyhow::anyhow!("{e}; use --out FILE.wav to write the speech to a file")
        })?),
    };
    let started = std::time::Instant::now();
    let (sentences, seconds) = tts::speak(voice.as_mut(), &args.text, sink.as_ref())?;
    eprintln!(
        "{}: {} sentence(s), {:.2} s of speech, synthesized in {} ms{}",
        voice.name(),
        sentences,
        seconds,
        started.elapsed().as_millis(),
        args.out
            .as_ref()
            .map(|p| format!(", written to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
