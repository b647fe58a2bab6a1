//! Whether a pause ends the person's turn, judged from the sound of the
//! turn (Smart Turn v3.2: a Whisper-tiny encoder and a classifier, int8
//! ONNX, run on the ONNX Runtime the voice already loads). A falling "...and
//! that's it." is finished; "I would like to" trailing off is not, however
//! long the silence after it.
//!
//! Input: the last 8 s of the turn (zeros in front when shorter), as an
//! 80-bin Whisper log-mel of 800 frames, after scaling the waveform to zero
//! mean and unit variance. Output: the probability that the turn is
//! complete. The log-mel is written here (a hundred lines over `realfft`)
//! because no crate computes Whisper's exact variant without pulling in a
//! tensor library; the filter bank is Whisper's own (`whisper-mel-filters`).

use std::path::Path;
use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};

/// The manifest name of the model.
pub const MODEL: &str = "smart-turn-v3.2";

const SECONDS: usize = 8;
const SAMPLES: usize = SECONDS * SAMPLE_RATE as usize;
const N_FFT: usize = 400;
const HOP: usize = 160;
const BINS: usize = N_FFT / 2 + 1;
const MELS: usize = 80;
const FRAMES: usize = SAMPLES / HOP;

/// Whisper's log-mel front end, for 8 s of 16 kHz audio.
pub struct LogMel {
    /// 80 × 201, row-major (Whisper's `mel_80`).
    filters: Vec<f32>,
    /// Each mel row's non-zero bins (a triangle covers a few of the 201).
    spans: Vec<std::ops::Range<usize>>,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl LogMel {
    pub fn new(filters: Vec<f32>) -> Result<LogMel> {
        if filters.len() != MELS * BINS {
            return Err(Error::Invalid(format!(
                "a mel filter bank of {MELS} × {BINS} was expected, got {} values",
                filters.len()
            )));
        }
        // Periodic Hann, as torch.hann_window(400).
        let window = (0..N_FFT)
            .map(|k| {
                0.5 * (1.0 - (2.0 * std::f64::consts::PI * k as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        let spans = (0..MELS)
            .map(|m| {
                let row = &filters[m * BINS..(m + 1) * BINS];
                let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w != 0.0).map_or(0, |i| i + 1);
                first..last.max(first)
            })
            .collect();
        Ok(LogMel {
            filters,
            spans,
            window,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT),
        })
    }

    /// The model's input for `audio` (its last 8 s): 80 × 800 values, mel
    /// bin major.
    pub fn features(&self, audio: &[f32]) -> Vec<f32> {
        // The last 8 s, zeros in front.
        let mut x = vec![0f32; SAMPLES];
        let take = audio.len().min(SAMPLES);
        x[SAMPLES - take..].copy_from_slice(&audio[audio.len() - take..]);
        // Zero mean, unit variance over the whole 8 s (the padding too).
        let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / SAMPLES as f64;
        let var = x
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / SAMPLES as f64;
        let scale = 1.0 / (var + 1e-7).sqrt();
        for v in &mut x {
            *v = ((f64::from(*v) - mean) * scale) as f32;
        }
        // Centred frames: reflect-pad N_FFT/2 on both sides.
        let pad = N_FFT / 2;
        let mut padded = Vec::with_capacity(SAMPLES + 2 * pad);
        padded.extend((1..=pad).rev().map(|i| x[i]));
        padded.extend_from_slice(&x);
        padded.extend((1..=pad).map(|i| x[SAMPLES - 1 - i]));

        let mut frame = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut power = vec![0f32; BINS];
        let mut out = vec![0f32; MELS * FRAMES];
        // Whisper drops the last of its 801 frames.
        for t in 0..FRAMES {
            let start = t * HOP;
            for (k, f) in frame.iter_mut().enumerate() {
                *f = padded[start + k] * self.window[k];
            }
            self.fft
                .process(&mut frame, &mut spectrum)
                .expect("buffers made by the planner");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (m, span) in self.spans.iter().enumerate() {
                let row = &self.filters[m * BINS + span.start..m * BINS + span.end];
                let e: f32 = row
                    .iter()
                    .zip(&power[span.clone()])
                    .map(|(w, p)| w * p)
                    .sum();
                out[m * FRAMES + t] = e.max(1e-10).log10();
            }
        }
        let top = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for v in &mut out {
            *v = (v.max(top - 8.0) + 4.0) / 4.0;
        }
        out
    }
}

/// The loaded model: ask it whether a turn is finished.
pub struct SmartTurn {
    session: ort::session::Session,
    mel: LogMel,
}

impl SmartTurn {
    /// Loads the model and Whisper's filter bank from the model store, with
    /// the provisioned ONNX Runtime.
    pub fn load_default(store: &tofu_models::ModelStore) -> Result<SmartTurn> {
        let runtime = store.manifest().get(crate::tts::RUNTIME)?;
        let lib = store.require(crate::tts::RUNTIME, &runtime.files[0].path.clone())?;
        crate::tts::piper::init_runtime(&lib)?;
        let onnx = store.require_main(MODEL)?;
        let filters = store.require("whisper-mel-filters", "mel_filters.npz")?;
        SmartTurn::load(&onnx, &filters)
    }

    /// Loads `onnx` with the mel filters of the npz `filters` (the runtime
    /// must be loaded already).
    pub fn load(onnx: &Path, filters: &Path) -> Result<SmartTurn> {
        let bank = tofu_models::convert::npy::read_npz_f32(filters, "mel_80")?;
        let fail = |e: ort::Error| {
            Error::Invalid(format!(
                "cannot load the end-of-turn model {}: {e}",
                onnx.display()
            ))
        };
        // One thread, as its authors run it: a decision takes tens of
        // milliseconds and the other core is decoding speech meanwhile.
        let session = ort::session::Session::builder()
            .map_err(fail)?
            .with_intra_threads(1)
            .map_err(|e| fail(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| fail(e.into()))?
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level3)
            .map_err(|e| fail(e.into()))?
            .commit_from_file(onnx)
            .map_err(fail)?;
        Ok(SmartTurn {
            session,
            mel: LogMel::new(bank.data)?,
        })
    }

    /// The probability that the turn whose audio is `turn` (16 kHz, ending
    /// in the pause) is complete.
    ///
    /// The model runs on a thread of its own that ends with the call: after
    /// ONNX Runtime has run this model on a thread, whisper.cpp decoding on
    /// that same thread went wrong (a clear sentence came back as "-" or
    /// ","; the same samples on any other thread, or before the model ran,
    /// decoded right). The speech thread asks this question and decodes
    /// every final, so it must never be that thread.
    pub fn complete(&mut self, turn: &[f32]) -> Result<f32> {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("tofu-smart-turn".into())
                .spawn_scoped(s, || self.complete_here(turn))
                .map_err(|e| Error::Invalid(format!("cannot start the end-of-turn model: {e}")))?
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    fn complete_here(&mut self, turn: &[f32]) -> Result<f32> {
        let features = self.mel.features(turn);
        let fail = |e: ort::Error| Error::Invalid(format!("the end-of-turn model failed: {e}"));
        let input = ort::value::Tensor::<f32>::from_array((
            [1usize, MELS, FRAMES],
            features.into_boxed_slice(),
        ))
        .map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs!["input_features" => input])
            .map_err(fail)?;
        let (_, p) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        p.first()
            .copied()
            .filter(|p| p.is_finite())
            .ok_or_else(|| Error::Invalid("the end-of-turn model gave no probability".into()))
    }
}

/// The model shared by whoever listens (one loaded copy per session), as
/// the segmenter's judge: complete above one half. A failure is logged and
/// leaves the decision to the silence rule.
#[derive(Clone)]
pub struct Judge(pub Arc<std::sync::Mutex<SmartTurn>>);

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Judge(smart-turn)")
    }
}

impl Judge {
    pub fn new(model: SmartTurn) -> Judge {
        Judge(Arc::new(std::sync::Mutex::new(model)))
    }
}

impl Judge {
    /// The probability that the turn whose audio is `turn` sounds
    /// finished; `None` when the model failed (logged).
    pub fn probability(&self, turn: &[f32]) -> Option<f32> {
        let started = std::time::Instant::now();
        let mut model = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match model.complete(turn) {
            Ok(p) => {
                tracing::debug!(
                    p,
                    turn_s = turn.len() as f64 / f64::from(SAMPLE_RATE),
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "end of turn?"
                );
                Some(p)
            }
            Err(e) => {
                tracing::warn!(%e, "the end-of-turn model failed; the silence rule decides");
                None
            }
        }
    }
}

/// The sound alone (no words): finished, not yet, or the silence rule when
/// the model failed.
impl super::vad::EndOfTurn for Judge {
    fn judge(&mut self, turn: &[f32]) -> super::vad::Verdict {
        use super::vad::Verdict;
        match self.probability(turn) {
            Some(p) if p > 0.5 => Verdict::Finished,
            Some(_) => Verdict::NotYet,
            None => Verdict::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A triangle bank shaped like Whisper's is enough to check the frame
    /// arithmetic; the real bank is checked against reference values in
    /// tests/turns.rs.
    fn bank() -> Vec<f32> {
        let mut f = vec![0f32; MELS * BINS];
        for m in 0..MELS {
            f[m * BINS + (m * 2 + 1).min(BINS - 1)] = 0.02;
        }
        f
    }

    #[test]
    fn silence_is_flat_and_the_shape_is_the_models() {
        let mel = LogMel::new(bank()).unwrap();
        let f = mel.features(&[]);
        assert_eq!(f.len(), MELS * FRAMES);
        // All zeros: every value log10(1e-10), clamped to itself, scaled.
        assert!(
            f.iter().all(|&v| (v - (-1.5)).abs() < 1e-6),
            "{:?}",
            &f[..4]
        );
    }

    #[test]
    fn the_last_eight_seconds_count_and_shorter_audio_is_padded_in_front() {
        let mel = LogMel::new(bank()).unwrap();
        let tone: Vec<f32> = (0..SAMPLE_RATE as usize)
            .map(|n| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 16_000.0).sin())
            .collect();
        let f = mel.features(&tone);
        // The tone is in the last second: the first frames stay low, the last are loud.
        let first: f32 = (0..MELS).map(|m| f[m * FRAMES]).sum();
        let last: f32 = (0..MELS).map(|m| f[m * FRAMES + FRAMES - 1]).sum();
        assert!(last > first + 1.0, "{first} {last}");
        // Ten seconds: only the last eight are seen.
        let long: Vec<f32> = [vec![0.3; 2 * SAMPLE_RATE as usize], vec![0.0; SAMPLES]].concat();
        let g = mel.features(&long);
        assert!(g.iter().all(|&v| (v - g[0]).abs() < 1e-6));
    }

    #[test]
    fn a_bank_of_the_wrong_size_is_an_error() {
        assert!(LogMel::new(vec![0.0; 10]).is_err());
    }
}
