//! Speech to text with whisper.cpp (through whisper-rs): one loaded model,
//! reused for every utterance.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};

/// The manifest name of the default speech model.
pub const DEFAULT_MODEL: &str = "whisper-base";

#[derive(Debug, Clone)]
pub struct TranscribeOptions {
    /// ISO code (`en`), or `auto` to let whisper detect it.
    pub language: String,
    pub threads: usize,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        TranscribeOptions {
            language: "en".into(),
            threads: std::thread::available_parallelism()
                .map(|n| n.get().min(4))
                .unwrap_or(2),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    /// Seconds from the start of the audio.
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// whisper's probability that this segment holds no speech.
    pub no_speech_prob: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
    pub text: String,
    pub language: String,
    pub segments: Vec<Segment>,
    /// Length of the audio, seconds.
    pub audio_s: f64,
    /// Wall time spent in whisper, milliseconds.
    pub decode_ms: f64,
}

pub struct SpeechModel {
    ctx: WhisperContext,
    path: PathBuf,
}

impl SpeechModel {
    /// Loads a ggml whisper model. Check the file first (the model store's
    /// `require`) when it comes from the manifest: whisper.cpp's own errors on
    /// a damaged file are terse.
    pub fn load(path: &Path) -> Result<SpeechModel> {
        whisper_rs::install_logging_hooks();
        if !path.is_file() {
            return Err(Error::SpeechModel {
                path: path.to_path_buf(),
                reason: "no such file".into(),
            });
        }
        let params = WhisperContextParameters {
            use_gpu: false,
            ..Default::default()
        };
        let ctx =
            WhisperContext::new_with_params(path, params).map_err(|e| Error::SpeechModel {
                path: path.to_path_buf(),
                reason: format!("whisper.cpp could not load it ({e}); is it a ggml whisper model?"),
            })?;
        Ok(SpeechModel {
            ctx,
            path: path.to_path_buf(),
        })
    }

    /// Loads the default model from the store, verified against the manifest.
    pub fn load_default(store: &tofu_models::ModelStore) -> Result<SpeechModel> {
        let path = store.require_main(DEFAULT_MODEL)?;
        SpeechModel::load(&path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Transcribes 16 kHz mono audio.
    pub fn transcribe(&self, samples: &[f32], opts: &TranscribeOptions) -> Result<Transcript> {
        let audio_s = samples.len() as f64 / SAMPLE_RATE as f64;
        if samples.is_empty() {
            return Err(Error::Transcription("no audio to transcribe".into()));
        }
        let started = Instant::now();
        let mut state = self
            .ctx
            .create_state()
            .map_err(|e| Error::Transcription(format!("cannot create a whisper state: {e}")))?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(opts.threads as i32);
        params.set_language(Some(opts.language.as_str()));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        // Temperature fallback turned short clips into minutes of decoding and nonsense.
        params.set_temperature_inc(0.0);
        // whisper.cpp pads anything shorter than 1 s; pad ourselves with silence so
        // very short commands ("Front Left") are not rejected.
        let min = SAMPLE_RATE as usize + SAMPLE_RATE as usize / 10;
        let padded;
        let audio = if samples.len() < min {
            padded = [samples, &vec![0.0; min - samples.len()]].concat();
            &padded[..]
        } else {
            samples
        };
        state
            .full(params, audio)
            .map_err(|e| Error::Transcription(format!("whisper failed: {e}")))?;
        let language = whisper_rs::get_lang_str(state.full_lang_id_from_state())
            .unwrap_or(opts.language.as_str())
            .to_string();
        let mut segments = Vec::new();
        for seg in state.as_iter() {
            let text = seg
                .to_str_lossy()
                .map_err(|e| Error::Transcription(format!("unreadable segment: {e}")))?
                .trim()
                .to_string();
            segments.push(Segment {
                start: seg.start_timestamp() as f64 / 100.0,
                end: (seg.end_timestamp() as f64 / 100.0).min(audio_s),
                text,
                no_speech_prob: seg.no_speech_probability(),
            });
        }
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Transcript {
            text,
            language,
            segments,
            audio_s,
            decode_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }
}
