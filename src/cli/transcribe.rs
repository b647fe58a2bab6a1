//! `tofu transcribe FILE.wav...`: the same voice-activity and transcription
//! path as live listening; prints `FILE<TAB>transcript` per file
//! (or one JSON object per file with `--json`). A file that fails is reported
//! on stderr and the others still run; the exit code is then 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tofu::audio::wav::read_wav_16k_mono;
use tofu::audio::SAMPLE_RATE;
use tofu::hear::{transcribe_utterances, Utterance, VadConfig};
use tofu::store::keep::Keeper;
use tofu::store::{AudioIn, ConversationId, NewTurn, Source, Store};
use tofu::stt::{SpeechModel, TranscribeOptions, Transcript};
use tofu::Paths;

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// WAV files (any rate, channel count, 8–32-bit integer or float)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per file: file, text, language, segments (start/end seconds), timings
    #[arg(long)]
    pub json: bool,
    /// Spoken language (ISO code), or `auto` to detect it
    #[arg(long, default_value = "en")]
    pub language: String,
    /// A ggml whisper model file to use instead of the installed default
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Encoder frames (1/50 s) kept past the end of each utterance when trimming whisper's window
    #[arg(long, value_name = "FRAMES")]
    pub ctx_margin: Option<u32>,
    /// whisper.cpp's plain decode of the whole file (no voice-activity cut, full 30 s window)
    #[arg(long, conflicts_with = "save")]
    pub plain: bool,
    /// Keep the recordings: each utterance becomes a turn of one new
    /// conversation (files one after another), its audio copied into the data folder
    #[arg(long)]
    pub save: bool,
}

/// Where `--save` puts things: one conversation, files laid end to end,
/// kept through the engine's one path for keeping turns.
struct Saver {
    store: Store,
    keeper: Keeper,
    started_at: i64,
    /// Where the next file starts on the conversation's timeline.
    offset_ms: i64,
    model: String,
}

impl Saver {
    fn save(
        &mut self,
        audio_len: usize,
        utterances: &[(Utterance, Transcript)],
    ) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::new();
        for (u, t) in utterances.iter().filter(|(_, t)| !t.text.is_empty()) {
            let base = self.started_at + self.offset_ms;
            let turn = NewTurn {
                language: Some(t.language.clone()),
                confidence: Some(f64::from(t.confidence)),
                model: Some(self.model.clone()),
                ..NewTurn::user(
                    t.text.clone(),
                    base + (u.start_s() * 1e3).round() as i64,
                    base + (u.end_s() * 1e3).round() as i64,
                )
            };
            let stored = self.keeper.keep_person(
                &mut self.store,
                turn,
                Some(AudioIn::Samples(&u.samples)),
            )?;
            ids.push(stored.id.to_string());
        }
        self.offset_ms += (audio_len as f64 * 1e3 / SAMPLE_RATE as f64).round() as i64;
        Ok(ids)
    }

    fn conversation(&self) -> Option<ConversationId> {
        self.keeper.conversation()
    }
}

pub fn run(args: TranscribeArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let model = match &args.model {
        Some(path) => SpeechModel::load(path)?,
        None => SpeechModel::load(&tofu::catalogue::speech_model_path(paths)?)?,
    };
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    tracing::info!(model = %model.path().display(), load_ms, "speech model loaded");
    let base = if args.plain {
        TranscribeOptions::reference()
    } else {
        TranscribeOptions::default()
    };
    let opts = TranscribeOptions {
        language: args.language.clone(),
        ctx_margin: args.ctx_margin.unwrap_or(base.ctx_margin),
        ..base
    };
    let vad = VadConfig::default();
    let mut saver = match args.save {
        true => Some(Saver {
            store: Store::open(&paths.data_dir)?,
            keeper: {
                let at = tofu::store::now_ms();
                Keeper::starting_at(Source::Recording, tofu::style::DEFAULT_PROFILE, at)
            },
            started_at: tofu::store::now_ms(),
            offset_ms: 0,
            model: model.name(),
        }),
        false => None,
    };
    let mut failed = 0;
    for file in &args.files {
        let result = read_wav_16k_mono(file).and_then(|audio| {
            if args.plain {
                return Ok((model.transcribe(&audio, &opts)?, audio.len(), Vec::new()));
            }
            let utterances = transcribe_utterances(&model, &audio, &vad, &opts)?;
            let parts = utterances.iter().map(|(_, t)| t.clone()).collect();
            let audio_s = audio.len() as f64 / SAMPLE_RATE as f64;
            let joined = Transcript::join(parts, &opts.language, audio_s);
            Ok((joined, audio.len(), utterances))
        });
        match result {
            Ok((t, audio_len, utterances)) => {
                let turns = match saver.as_mut() {
                    Some(saver) => match saver.save(audio_len, &utterances) {
                        Ok(ids) => ids,
                        Err(e) => {
                            eprintln!("{}: not saved: {e:#}", file.display());
                            failed += 1;
                            Vec::new()
                        }
                    },
                    None => Vec::new(),
                };
                if args.json {
                    let mut obj = serde_json::json!({
                        "file": file,
                        "text": t.text,
                        "language": t.language,
                        "segments": t.segments,
                        "confidence": t.confidence,
                        "timings": { "audio_s": t.audio_s, "decode_ms": t.decode_ms, "model_load_ms": load_ms },
                    });
                    if let Some(c) = saver.as_ref().and_then(Saver::conversation) {
                        obj["conversation"] = c.to_string().into();
                        obj["turns"] = turns.into();
                    }
                    println!("{obj}");
                } else {
                    println!("{}\t{}", file.display(), t.text.replace(['\t', '\n'], " "));
                }
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed += 1;
            }
        }
    }
    if let Some(c) = saver.as_ref().and_then(Saver::conversation) {
        eprintln!("saved as conversation {c} (tofu history show {c})");
    } else if saver.is_some() {
        eprintln!("nothing was said, so nothing was saved");
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
