//! `tofu transcribe FILE.wav...`: the same voice-activity and transcription
//! path as live listening; prints `FILE<TAB>transcript` per file
//! (or one JSON object per file with `--json`). A file that fails is reported
//! on stderr and the others still run; the exit code is then 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tofu::audio::wav::read_wav_16k_mono;
use tofu::hear::{transcribe_recording, VadConfig};
use tofu::stt::{SpeechModel, TranscribeOptions};
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
    #[arg(long)]
    pub plain: bool,
}

pub fn run(args: TranscribeArgs, paths: &Paths) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let model = match &args.model {
        Some(path) => SpeechModel::load(path)?,
        None => SpeechModel::load_default(&paths.model_store())?,
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
    let mut failed = 0;
    for file in &args.files {
        let result = read_wav_16k_mono(file).and_then(|audio| {
            if args.plain {
                model.transcribe(&audio, &opts)
            } else {
                transcribe_recording(&model, &audio, &vad, &opts)
            }
        });
        match result {
            Ok(t) => {
                if args.json {
                    let obj = serde_json::json!({
                        "file": file,
                        "text": t.text,
                        "language": t.language,
                        "segments": t.segments,
                        "confidence": t.confidence,
                        "timings": { "audio_s": t.audio_s, "decode_ms": t.decode_ms, "model_load_ms": load_ms },
                    });
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
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
