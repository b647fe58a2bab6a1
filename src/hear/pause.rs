//! Judging a pause, the way the live loop and `tofu bench turns` both do it:
//! the sound of the turn ([`smart_turn`](super::smart_turn)) and its words
//! ([`words`](super::words)). The transcript runs beside the sound model
//! (on the other core), so the verdict comes when the words do, and the
//! words are the turn's transcript, ready for a reply, if the pause ends it.
//!
//! - the sound says "not yet" (p ≤ 0.5): wait, up to the ceiling;
//! - it is unsure (p ≤ [`SURE`]), or the words trail, or they are only left
//!   open (no closing mark) and the sound is not certain (p ≤ [`CERTAIN`]):
//!   doubtful, a longer wait;
//! - it is sure and the words are whole: finished, now.

use super::smart_turn::Judge;
use super::vad::Verdict;
use super::words::{reading, Reading};
use crate::error::Result;
use crate::stt::Transcript;

/// Above this probability the sound of a turn is taken as finished without
/// doubt; between one half and this the model is unsure.
pub const SURE: f32 = 0.8;

/// Above this the sound outweighs words that are merely left open (no
/// closing punctuation, nothing else trailing: see [`Reading::Unclosed`]):
/// whisper often leaves a finished short phrase ("Rear center") open. At
/// 1.0 (never), such phrases waited the whole doubt; at 0.9 Smart Turn
/// once heard "A man said to the universe" (a mid-sentence pause) as
/// finished, which the hold now covers ([`super::vad::VadConfig::hold_ms`]:
/// the person goes on before the reply could be heard). Through the whole
/// loop, held: 3 of 17 paused sentences cut in at either value, and the
/// median wait on the shared speech fell from 1570 ms to 1167 ms.
pub const CERTAIN: f32 = 0.9;

/// The verdict on a pause in the turn whose audio is `turn`, and the
/// transcript of its first `speech` samples (the turn up to the pause).
pub fn judge_pause(
    sound: &Judge,
    turn: &[f32],
    speech: usize,
    transcribe: impl FnOnce(&[f32]) -> Result<Transcript> + Send,
) -> (Verdict, Result<Transcript>) {
    let said = &turn[..speech.min(turn.len())];
    let (p, transcript) = std::thread::scope(|s| {
        let words = s.spawn(|| transcribe(said));
        let p = sound.probability(turn);
        let transcript = words
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (p, transcript)
    });
    (verdict(p, transcript.as_ref().ok()), transcript)
}

/// The sound's probability and the words, as a verdict.
fn verdict(p: Option<f32>, words: Option<&Transcript>) -> Verdict {
    match (p, words) {
        (Some(p), _) if p <= 0.5 => Verdict::NotYet,
        (p, Some(t)) => match (p, reading(&t.text, &t.language)) {
            (_, Reading::Trailing) => Verdict::Doubtful,
            (Some(p), Reading::Unclosed) if p <= CERTAIN => Verdict::Doubtful,
            (None, Reading::Unclosed) => Verdict::Doubtful,
            (Some(p), _) if p > SURE => Verdict::Finished,
            (Some(_), _) => Verdict::Doubtful,
            // The model failed and the words are whole: the silence rule.
            (None, _) => Verdict::Unknown,
        },
        // The transcription failed: the silence rule.
        _ => Verdict::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Transcript {
        Transcript {
            text: text.into(),
            ..Transcript::empty("en", 1.0)
        }
    }

    #[test]
    fn the_sound_and_the_words_must_both_say_finished() {
        let whole = said("I went to the market.");
        let trailing = said("I went to the");
        assert_eq!(verdict(Some(0.95), Some(&whole)), Verdict::Finished);
        assert_eq!(verdict(Some(0.95), Some(&trailing)), Verdict::Doubtful);
        // Words merely left open yield to a certain sound only.
        let open = said("Rear center");
        assert_eq!(verdict(Some(0.95), Some(&open)), Verdict::Finished);
        assert_eq!(verdict(Some(0.85), Some(&open)), Verdict::Doubtful);
        assert_eq!(verdict(None, Some(&open)), Verdict::Doubtful);
        assert_eq!(verdict(Some(0.6), Some(&whole)), Verdict::Doubtful);
        assert_eq!(verdict(Some(0.3), Some(&whole)), Verdict::NotYet);
        assert_eq!(verdict(None, Some(&whole)), Verdict::Unknown);
        assert_eq!(verdict(Some(0.95), None), Verdict::Unknown);
        // Noise transcribed as nothing: nothing to wait for.
        assert_eq!(verdict(Some(0.9), Some(&said(""))), Verdict::Finished);
    }
}
