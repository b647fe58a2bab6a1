//! The engine's ears: voice activity → utterances → transcripts.
//!
//! - [`vad`]: cuts audio into utterances (earshot + hysteresis + pre-roll),
//!   asking a judge whether a short pause ends the turn.
//! - [`pause`]: that judge: the sound of the turn ([`smart_turn`]), then
//!   its words ([`words`]).
//! - [`listen`]: the live loop, from any audio source to typed events.
//! - [`transcribe_recording`]: a whole recording through the same VAD and
//!   transcription path the live loop uses.

mod decoder;
pub mod listen;
pub mod pause;
pub mod smart_turn;
pub mod vad;
pub mod words;

use crate::audio::SAMPLE_RATE;
use crate::error::Result;
use crate::stt::{SpeechModel, TranscribeOptions, Transcript};

pub use listen::{listen, Controls, HearEvent, Heard, ListenConfig, Mode};
pub use vad::{EndOfTurn, EndReason, Segmenter, Utterance, VadConfig, VadEvent, Verdict};

/// Transcribes a recording: each utterance the VAD finds is transcribed on its
/// own (with an encoder context trimmed to its length), and the pieces are
/// joined with their times in the recording. Silence yields an empty
/// transcript, never an invented one.
pub fn transcribe_recording(
    model: &SpeechModel,
    samples: &[f32],
    vad: &VadConfig,
    opts: &TranscribeOptions,
) -> Result<Transcript> {
    let audio_s = samples.len() as f64 / SAMPLE_RATE as f64;
    let parts = transcribe_utterances(model, samples, vad, opts)?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    Ok(Transcript::join(parts, &opts.language, audio_s))
}

/// Each utterance the VAD finds in a recording, with its own transcript
/// (segment times are in the recording's timeline).
pub fn transcribe_utterances(
    model: &SpeechModel,
    samples: &[f32],
    vad: &VadConfig,
    opts: &TranscribeOptions,
) -> Result<Vec<(Utterance, Transcript)>> {
    vad::segment_all(samples, vad)
        .into_iter()
        .map(|u| {
            let t = model.transcribe_at(&u.samples, u.start_s(), opts)?;
            Ok((u, t))
        })
        .collect()
}
