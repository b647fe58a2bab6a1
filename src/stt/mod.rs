//! Speech to text with whisper.cpp (through whisper-rs): one loaded model,
//! reused for every utterance. A transcript that loops or holds more words
//! than its audio could carry is decoded again differently, then cut
//! ([`loops`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};

pub mod loops;

/// The manifest name of the default speech model.
pub const DEFAULT_MODEL: &str = "whisper-base";

/// whisper's encoder sees 50 frames per second of audio (1500 for its 30 s window).
const CTX_PER_SECOND: f64 = 50.0;
const FULL_CTX: u32 = 1500;

#[derive(Debug, Clone)]
pub struct TranscribeOptions {
    /// ISO code (`en`), or `auto` to let whisper detect it.
    pub language: String,
    pub threads: usize,
    /// Encode only as much of whisper's 30 s window as the audio needs (plus
    /// `ctx_margin` frames): a 3 s utterance then costs a fraction of the encoder time.
    pub trim_context: bool,
    /// Extra encoder frames (1/50 s each) kept past the end of the audio when trimming.
    pub ctx_margin: u32,
    /// Drop segments whisper itself thinks hold no speech (its no-speech
    /// probability above this, with a low average log-probability): the
    /// "Thank you." it invents on noise. `None` keeps everything.
    pub no_speech_gate: Option<f32>,
    /// Set it to abandon a transcription in progress (whisper checks it between steps).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Decode a transcript that loops again, then cut it ([`loops`]). Off
    /// only to measure how often the first decode loops.
    pub fix_loops: bool,
    /// Time each word ([`Transcript::words`]) from whisper's token
    /// timestamps: the live loop's partials, whose words that stay put
    /// become the turn's piece.
    pub word_times: bool,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        TranscribeOptions {
            language: "en".into(),
            threads: std::thread::available_parallelism()
                .map(|n| n.get().min(4))
                .unwrap_or(2),
            trim_context: true,
            ctx_margin: 128,
            no_speech_gate: Some(0.6),
            cancel: None,
            fix_loops: true,
            word_times: false,
        }
    }
}

impl TranscribeOptions {
    /// whisper.cpp's plain decode: the full 30 s window, nothing dropped.
    pub fn reference() -> TranscribeOptions {
        TranscribeOptions {
            trim_context: false,
            no_speech_gate: None,
            ..TranscribeOptions::default()
        }
    }

    /// The encoder context for `n` samples of audio, or 0 for whisper's full window.
    pub fn audio_ctx(&self, n: usize) -> u32 {
        if !self.trim_context {
            return 0;
        }
        let frames =
            (n as f64 / SAMPLE_RATE as f64 * CTX_PER_SECOND).ceil() as u32 + self.ctx_margin;
        if frames >= FULL_CTX {
            0
        } else {
            frames
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Segment {
    /// Seconds from the start of the audio.
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// whisper's probability that this segment holds no speech.
    pub no_speech_prob: f32,
    /// Mean log-probability of the segment's text tokens.
    pub avg_logprob: f32,
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
    /// exp(mean token log-probability) over the kept text, 0..1.
    pub confidence: f32,
    /// Each word with its time, when [`TranscribeOptions::word_times`]
    /// asked for them (not part of any output).
    #[serde(skip)]
    pub words: Vec<TimedWord>,
}

/// One word of a transcript as whisper wrote it (its punctuation
/// attached), and where it is, in seconds from the start of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedWord {
    pub text: String,
    pub start: f64,
    pub end: f64,
}

impl Transcript {
    /// A transcript of nothing (no speech was found).
    pub fn empty(language: &str, audio_s: f64) -> Transcript {
        Transcript {
            text: String::new(),
            language: language.to_string(),
            segments: Vec::new(),
            audio_s,
            decode_ms: 0.0,
            confidence: 0.0,
            words: Vec::new(),
        }
    }

    /// Joins transcripts of consecutive pieces of one recording.
    pub fn join(parts: Vec<Transcript>, language: &str, audio_s: f64) -> Transcript {
        let mut out = Transcript::empty(language, audio_s);
        let mut weight = 0.0;
        for p in parts {
            if out.segments.is_empty() && !p.segments.is_empty() {
                out.language = p.language.clone();
            }
            let w = p.segments.len() as f32;
            out.confidence += p.confidence * w;
            weight += w;
            out.decode_ms += p.decode_ms;
            out.segments.extend(p.segments);
            out.words.extend(p.words);
        }
        out.confidence = if weight > 0.0 {
            out.confidence / weight
        } else {
            0.0
        };
        out.text = join_text(&out.segments);
        out
    }
}

fn join_text(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| s.text.as_str())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct SpeechModel {
    ctx: WhisperContext,
    path: PathBuf,
    /// whisper states (its buffers, tens of MB each) kept between decodes:
    /// one made per decode cost a few ms each time and left the process's
    /// memory growing over hours (see `tofu bench soak`). At most
    /// [`KEPT_STATES`] wait here; a decode takes one or makes one.
    states: Mutex<Vec<WhisperState>>,
}

/// States kept for reuse: the speech thread's, and one for a caller
/// decoding beside it (the sequential pipeline of `bench latency`).
const KEPT_STATES: usize = 2;

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
            states: Mutex::new(Vec::new()),
        })
    }

    /// Loads the default model from the store, verified against the manifest.
    pub fn load_default(store: &tofu_models::ModelStore) -> Result<SpeechModel> {
        let path = store.require_main(DEFAULT_MODEL)?;
        SpeechModel::load(&path)
    }

    /// The model's name as stored with each turn (its file name without extension).
    pub fn name(&self) -> String {
        self.path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "whisper".into())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Transcribes 16 kHz mono audio.
    pub fn transcribe(&self, samples: &[f32], opts: &TranscribeOptions) -> Result<Transcript> {
        self.transcribe_at(samples, 0.0, opts)
    }

    /// Transcribes a piece of a longer recording that starts `offset_s` into it
    /// (segment times are reported in the recording's time).
    pub fn transcribe_at(
        &self,
        samples: &[f32],
        offset_s: f64,
        opts: &TranscribeOptions,
    ) -> Result<Transcript> {
        let audio_s = samples.len() as f64 / SAMPLE_RATE as f64;
        if samples.is_empty() {
            return Err(Error::Transcription("no audio to transcribe".into()));
        }
        let first = self.decode(samples, offset_s, opts, Decode::Fast)?;
        let Some(why) = loops::looped(&first.text, audio_s).filter(|_| opts.fix_loops) else {
            return Ok(first);
        };
        // A loop is a decoding accident: the whole encoder window and a
        // small beam usually read the same audio right.
        tracing::debug!(text = %first.text, %why, "the transcript loops; decoding again");
        let mut again = self.decode(samples, offset_s, opts, Decode::Careful)?;
        again.decode_ms += first.decode_ms;
        if let Some(why) = loops::looped(&again.text, audio_s) {
            tracing::debug!(text = %again.text, %why, "it loops again; cutting the loop");
            again.cut_loops();
        }
        Ok(again)
    }

    fn decode(
        &self,
        samples: &[f32],
        offset_s: f64,
        opts: &TranscribeOptions,
        how: Decode,
    ) -> Result<Transcript> {
        let audio_s = samples.len() as f64 / SAMPLE_RATE as f64;
        let started = Instant::now();
        let kept = self.states.lock().ok().and_then(|mut s| s.pop());
        let mut state = match kept {
            Some(state) => state,
            None => self
                .ctx
                .create_state()
                .map_err(|e| Error::Transcription(format!("cannot create a whisper state: {e}")))?,
        };
        let mut params = FullParams::new(match how {
            Decode::Fast => SamplingStrategy::Greedy { best_of: 1 },
            Decode::Careful => SamplingStrategy::BeamSearch {
                beam_size: 3,
                patience: -1.0,
            },
        });
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
        params.set_token_timestamps(opts.word_times);
        let ctx = match how {
            Decode::Fast => opts.audio_ctx(samples.len().max(SAMPLE_RATE as usize)),
            Decode::Careful => 0,
        };
        params.set_audio_ctx(ctx as i32);
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
        if let Some(flag) = &opts.cancel {
            // SAFETY: whisper.cpp calls `abort_when_set` with this pointer during
            // `full`, and `flag` (an Arc held by `opts`) outlives that call. The raw
            // API is used because whisper-rs 0.16's `set_abort_callback_safe` casts
            // the boxed closure back to the wrong type and aborts at random.
            unsafe {
                params.set_abort_callback(Some(abort_when_set));
                params.set_abort_callback_user_data(Arc::as_ptr(flag) as *mut std::ffi::c_void);
            }
        }
        let result = state.full(params, audio);
        if opts
            .cancel
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
        {
            return Err(Error::Cancelled);
        }
        result.map_err(|e| Error::Transcription(format!("whisper failed: {e}")))?;
        let language = whisper_rs::get_lang_str(state.full_lang_id_from_state())
            .unwrap_or(opts.language.as_str())
            .to_string();
        let eot = self.ctx.token_eot();
        let mut segments = Vec::new();
        let mut words = Vec::new();
        let (mut logprob_sum, mut logprob_n) = (0.0f32, 0usize);
        for seg in state.as_iter() {
            let text = loops::without_markers(
                &seg.to_str_lossy()
                    .map_err(|e| Error::Transcription(format!("unreadable segment: {e}")))?,
            );
            let (mut sum, mut n) = (0.0f32, 0usize);
            let mut seg_words: Vec<TimedWord> = Vec::new();
            for i in 0..seg.n_tokens() {
                if let Some(tok) = seg.get_token(i) {
                    if tok.token_id() < eot {
                        sum += tok.token_data().plog;
                        n += 1;
                        if opts.word_times {
                            let data = tok.token_data();
                            let piece = tok.to_str_lossy().unwrap_or_default();
                            add_token(&mut seg_words, &piece, data.t0, data.t1, offset_s);
                        }
                    }
                }
            }
            let avg_logprob = if n > 0 {
                sum / n as f32
            } else {
                f32::NEG_INFINITY
            };
            let no_speech_prob = seg.no_speech_probability();
            if let Some(gate) = opts.no_speech_gate {
                if no_speech_prob > gate && avg_logprob < -1.0 {
                    tracing::debug!(%text, no_speech_prob, avg_logprob, "dropped a segment whisper heard as non-speech");
                    continue;
                }
            }
            if text.is_empty() {
                continue;
            }
            logprob_sum += sum;
            logprob_n += n;
            words.extend(seg_words);
            segments.push(Segment {
                start: offset_s + seg.start_timestamp() as f64 / 100.0,
                end: offset_s + (seg.end_timestamp() as f64 / 100.0).min(audio_s),
                text,
                no_speech_prob,
                avg_logprob,
            });
        }
        // Read out: the state serves the next decode (whisper.cpp resets
        // it at the start of each). One that failed or was cancelled is
        // dropped instead (never reached here).
        if let Ok(mut kept) = self.states.lock() {
            if kept.len() < KEPT_STATES {
                kept.push(state);
            }
        }
        let text = join_text(&segments);
        let confidence = if logprob_n > 0 {
            (logprob_sum / logprob_n as f32).exp()
        } else {
            0.0
        };
        Ok(Transcript {
            text,
            language,
            segments,
            audio_s,
            decode_ms: started.elapsed().as_secs_f64() * 1e3,
            confidence,
            words,
        })
    }
}

/// Adds one of whisper's tokens (`t0`..`t1` in hundredths of a second
/// from `offset_s`) to `words`: a token that opens with a space starts a
/// word, any other (a word's second half, a comma) extends the last.
/// Markers such as "[BLANK_AUDIO]" and empty tokens are no words.
fn add_token(words: &mut Vec<TimedWord>, token: &str, t0: i64, t1: i64, offset_s: f64) {
    if token.trim().is_empty() || token.trim_start().starts_with('[') {
        return;
    }
    let (start, end) = (offset_s + t0 as f64 / 100.0, offset_s + t1 as f64 / 100.0);
    match words.last_mut() {
        Some(w) if !token.starts_with(' ') => {
            w.text.push_str(token);
            w.end = w.end.max(end);
        }
        _ => words.push(TimedWord {
            text: token.trim_start().to_string(),
            start,
            end,
        }),
    }
}

/// How hard [`SpeechModel::decode`] tries: greedy on the trimmed window
/// (every turn), or a beam over whisper's whole window (a loop's retry).
#[derive(Clone, Copy)]
enum Decode {
    Fast,
    Careful,
}

impl Transcript {
    /// Says each loop once and keeps what the audio can carry: segments
    /// that repeat the one before go, each segment is cut to its length.
    fn cut_loops(&mut self) {
        let mut kept: Vec<Segment> = Vec::new();
        for mut seg in std::mem::take(&mut self.segments) {
            seg.text = loops::cut(&seg.text, (seg.end - seg.start).max(0.0));
            let repeat = kept
                .last()
                .is_some_and(|k| k.text.eq_ignore_ascii_case(&seg.text));
            if !seg.text.is_empty() && !repeat {
                kept.push(seg);
            }
        }
        self.segments = kept;
        self.text = loops::cut(&join_text(&self.segments), self.audio_s);
        // The words of a loop are not the words that were said.
        self.words.clear();
    }
}

unsafe extern "C" fn abort_when_set(data: *mut std::ffi::c_void) -> bool {
    // SAFETY: `data` is the `AtomicBool` set in `transcribe_at`, alive for the call.
    !data.is_null() && unsafe { &*(data as *const AtomicBool) }.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_make_timed_words() {
        let mut w = Vec::new();
        for (tok, t0, t1) in [
            (" Hello", 0, 40),
            (",", 40, 42),
            ("[BLANK_AUDIO]", 42, 50),
            (" wor", 60, 80),
            ("ld", 80, 95),
            (".", 95, 96),
        ] {
            add_token(&mut w, tok, t0, t1, 2.0);
        }
        let texts: Vec<&str> = w.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, ["Hello,", "world."]);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(w[0].start, 2.0) && near(w[0].end, 2.42), "{w:?}");
        assert!(near(w[1].start, 2.6) && near(w[1].end, 2.96), "{w:?}");
    }
}
