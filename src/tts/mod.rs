//! Text to speech. Two voices behind one trait:
//!
//! - [`piper::PiperVoice`], the default: a neural Piper voice run by ONNX
//!   Runtime (loaded at run time from the provisioned `libonnxruntime`),
//!   phonemes from espeak-ng compiled into the binary;
//! - [`flite::FliteVoice`], the fallback that always works: CMU Flite's
//!   "kal" voice in pure Rust, no files, deterministic (tests rely on it).
//!
//! Synthesis is per sentence: the loop speaks the first sentence while the
//! mind is still writing the rest.

pub mod flite;
pub mod piper;
pub mod speakable;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use flite::FliteVoice;
pub use piper::{PiperVoice, DEFAULT_VOICE, RUNTIME};
pub use speakable::speakable;

/// Samples of speech, mono, in [-1, 1].
#[derive(Debug, Clone)]
pub struct Speech {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Speech {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }
}

pub trait Voice: Send {
    /// `piper:en_US-joe-medium`, `flite:kal16`.
    fn name(&self) -> String;
    fn sample_rate(&self) -> u32;
    /// Speaks `text` (a sentence or a few).
    fn synthesize(&mut self, text: &str) -> Result<Speech>;
}

/// Which voice, how fast, how loud (setting `voice`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoiceSettings {
    /// `piper` (the neural voice) or `flite` (the robotic fallback).
    pub voice: String,
    /// Speaking rate: 1.0 normal, 0.5..2.0.
    pub rate: f32,
    /// 0..1 (applied to the samples).
    pub volume: f32,
}

pub const SETTINGS_KEY: &str = "voice";

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            voice: "piper".into(),
            rate: 1.0,
            volume: 1.0,
        }
    }
}

impl VoiceSettings {
    pub fn validate(&self) -> Result<()> {
        if !["piper", "flite"].contains(&self.voice.as_str()) {
            return Err(Error::Invalid(format!(
                "voice `{}`: piper or flite",
                self.voice
            )));
        }
        if !(0.5..=2.0).contains(&self.rate) {
            return Err(Error::Invalid(format!(
                "rate {}: from 0.5 to 2.0",
                self.rate
            )));
        }
        if !(0.0..=1.0).contains(&self.volume) {
            return Err(Error::Invalid(format!(
                "volume {}: from 0 to 1",
                self.volume
            )));
        }
        Ok(())
    }
}

/// A voice with the settings' rate and volume applied, that says only what
/// is meant to be heard ([`speakable`]).
pub struct Tuned {
    inner: Box<dyn Voice>,
    volume: f32,
}

impl Voice for Tuned {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }
    /// Stage directions ("(laughs)") are left out; a sentence that is only
    /// one gives no speech.
    fn synthesize(&mut self, text: &str) -> Result<Speech> {
        let text = speakable(text);
        if !text.chars().any(char::is_alphanumeric) {
            return Ok(Speech {
                samples: Vec::new(),
                sample_rate: self.inner.sample_rate(),
            });
        }
        let mut s = self.inner.synthesize(&text)?;
        if self.volume < 1.0 {
            for x in &mut s.samples {
                *x *= self.volume;
            }
        }
        Ok(s)
    }
}

/// Loads the voice the settings name. If the Piper voice cannot be loaded
/// (model missing or damaged, no runtime), Flite speaks instead and the
/// reason is returned beside it, so the caller can say so.
pub fn load(
    settings: &VoiceSettings,
    models: &tofu_models::ModelStore,
) -> Result<(Box<dyn Voice>, Option<String>)> {
    settings.validate()?;
    let (inner, fell_back): (Box<dyn Voice>, Option<String>) = match settings.voice.as_str() {
        "flite" => (Box::new(FliteVoice::new(settings.rate)), None),
        _ => match PiperVoice::load_default(models) {
            Ok(mut v) => {
                v.rate = settings.rate;
                (Box::new(v), None)
            }
            Err(e) => (
                Box::new(FliteVoice::new(settings.rate)),
                Some(e.to_string()),
            ),
        },
    };
    Ok((
        Box::new(Tuned {
            inner,
            volume: settings.volume,
        }),
        fell_back,
    ))
}

/// Cuts leading and trailing near-silence (Piper pads each sentence), keeping
/// `keep_ms` of it at each end so words are not clipped.
pub fn trim_silence(s: &mut Speech, keep_ms: u32) {
    let thr = 0.003;
    let keep = (s.sample_rate * keep_ms / 1000) as usize;
    let first = s.samples.iter().position(|x| x.abs() > thr);
    let last = s.samples.iter().rposition(|x| x.abs() > thr);
    if let (Some(a), Some(b)) = (first, last) {
        let a = a.saturating_sub(keep);
        let b = (b + keep + 1).min(s.samples.len());
        s.samples = s.samples[a..b].to_vec();
    }
}

/// The samples at the engine's rate (16 kHz), for the sinks.
pub fn at_engine_rate(s: &Speech) -> Result<Vec<f32>> {
    let rate = crate::audio::SAMPLE_RATE;
    if s.sample_rate == rate || s.samples.is_empty() {
        return Ok(s.samples.clone());
    }
    crate::audio::wav::resample(&s.samples, s.sample_rate, rate).map_err(Error::Voice)
}

/// Says `text` on `sink`, sentence by sentence (each is played as soon as it
/// is synthesized), then waits for the sink to finish. Returns how many
/// sentences and seconds of speech.
pub fn speak(
    voice: &mut dyn Voice,
    text: &str,
    sink: &dyn crate::audio::sink::AudioSink,
) -> Result<(usize, f64)> {
    let mut splitter = crate::mind::SentenceSplitter::default();
    let mut sentences = splitter.push(text);
    sentences.extend(splitter.finish());
    let mut seconds = 0.0;
    for sentence in &sentences {
        let speech = voice.synthesize(sentence)?;
        seconds += speech.duration_s();
        sink.play(&at_engine_rate(&speech)?)?;
    }
    sink.finish()?;
    Ok((sentences.len(), seconds))
}
