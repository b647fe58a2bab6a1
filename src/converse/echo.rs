//! Telling the person's voice from the companion's own, heard back through
//! the microphone (on speakers; on headphones there is next to none).
//!
//! The simplest thing that works on both, without an echo canceller: while
//! the companion talks, the loop learns how much of the speaker's level
//! comes back at the microphone (the coupling: about 0 on headphones, 0.1-0.5
//! on a laptop's speakers), from the 20-per-second level readings taken
//! while nobody else speaks. Speech heard while the speaker plays is the
//! person only when the microphone is clearly louder than the echo that
//! coupling predicts; otherwise it is the companion's own voice, and the turn
//! it would make is dropped. The check repeats while the turn goes on, so a
//! person who starts under the echo still barges in once they are heard.
//!
//! Readings are learned from 300 ms late, and those taken just before a turn
//! starts are thrown away: the VAD needs ~150 ms to be sure of speech, and
//! the start of the person's voice must not teach the gate that the echo is
//! loud. The speaker's level is taken over 300 ms, so the tail of its last
//! word (and the room's reverberation) still counts as its own.

use std::collections::VecDeque;

/// How much louder than the predicted echo the microphone must be.
pub const MARGIN: f32 = 2.0;
/// Below this the speaker counts as silent (about −46 dBFS).
const QUIET: f32 = 0.005;
/// A voice heard over an echo is at least this loud (−40 dBFS).
const VOICE: f32 = 0.01;
/// A starting guess for the coupling: a laptop's speakers.
const START_COUPLING: f32 = 0.3;

/// Readings wait this long (in 50 ms readings) before they teach the gate.
const LEARN_DELAY: usize = 6;

#[derive(Debug, Clone)]
pub struct EchoGate {
    coupling: f32,
    recent: VecDeque<f32>,
    /// The speaker's last readings (its loudest in the last 300 ms is what
    /// an echo could be as loud as: speech is peaky, and rooms ring on).
    speaker: VecDeque<f32>,
    /// (microphone, speaker) readings not learned from yet.
    pending: VecDeque<(f32, f32)>,
    in_speech: bool,
}

impl Default for EchoGate {
    fn default() -> Self {
        EchoGate {
            coupling: START_COUPLING,
            recent: VecDeque::with_capacity(4),
            speaker: VecDeque::with_capacity(7),
            pending: VecDeque::with_capacity(LEARN_DELAY + 1),
            in_speech: false,
        }
    }
}

impl EchoGate {
    /// A microphone level reading (RMS over ~50 ms) and the speaker's level
    /// over the same time.
    pub fn level(&mut self, mic: f32, speaker: f32) {
        if self.recent.len() == 3 {
            self.recent.pop_front();
        }
        self.recent.push_back(mic);
        if self.speaker.len() == 6 {
            self.speaker.pop_front();
        }
        self.speaker.push_back(speaker);
        if self.in_speech {
            return;
        }
        self.pending.push_back((mic, speaker));
        if self.pending.len() > LEARN_DELAY {
            let (mic, speaker) = self.pending.pop_front().expect("not empty");
            if speaker > QUIET {
                let ratio = (mic / speaker).min(2.0);
                self.coupling += 0.2 * (ratio - self.coupling);
            }
        }
    }

    /// The microphone over the last ~150 ms.
    fn mic(&self) -> f32 {
        let n = self.recent.len().max(1) as f32;
        (self.recent.iter().map(|x| x * x).sum::<f32>() / n).sqrt()
    }

    fn speaker(&self) -> f32 {
        self.speaker.iter().copied().fold(0.0, f32::max)
    }

    /// Speech just started: is it the person (and not only the speaker's
    /// echo)? With the speaker silent, it is.
    pub fn person(&self) -> bool {
        let speaker = self.speaker();
        speaker <= QUIET || self.mic() > MARGIN * self.coupling * speaker
    }

    /// In a turn that began as echo: is a voice now heard over it? (The
    /// microphone must hold a voice: the silence that ends the echo's turn,
    /// once the speaker stops, is not the person.)
    pub fn voice_over_echo(&self) -> bool {
        self.mic() > VOICE.max(MARGIN * self.coupling * self.speaker())
    }

    pub fn speech_started(&mut self) {
        self.in_speech = true;
        self.pending.clear();
    }

    pub fn speech_ended(&mut self) {
        self.in_speech = false;
    }

    pub fn coupling(&self) -> f32 {
        self.coupling
    }

    /// Whether the speaker was heard in the last ~300 ms (its echo, or the
    /// room's ring after it, may still be in the microphone).
    pub fn speaker_heard(&self) -> bool {
        self.speaker() > QUIET
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_is_learned_and_a_louder_voice_still_counts() {
        let mut g = EchoGate::default();
        // Speakers: a third of the output comes back.
        for _ in 0..50 {
            g.level(0.033, 0.1);
        }
        assert!((g.coupling() - 0.33).abs() < 0.02, "{}", g.coupling());
        // The person's first syllables, before the VAD is sure, teach nothing.
        for _ in 0..3 {
            g.level(0.2, 0.1);
        }
        g.speech_started();
        assert!((g.coupling() - 0.33).abs() < 0.02, "{}", g.coupling());
        g.speech_ended();
        for _ in 0..3 {
            g.level(0.06, 0.1);
        }
        assert!(!g.person(), "echo alone, at a peak of the speaker's voice");
        g.speech_started();
        for _ in 0..3 {
            g.level(0.2, 0.1);
        }
        assert!(g.person() && g.voice_over_echo(), "someone talking over it");
        for _ in 0..6 {
            g.level(0.2, 0.0);
        }
        assert!(g.person(), "nothing playing: any speech is the person");
        for _ in 0..3 {
            g.level(0.001, 0.0);
        }
        assert!(!g.voice_over_echo(), "the silence after the echo is no one");
    }

    #[test]
    fn on_headphones_a_normal_voice_barges_in() {
        let mut g = EchoGate::default();
        for _ in 0..50 {
            g.level(0.001, 0.1);
        }
        g.speech_started();
        for _ in 0..3 {
            g.level(0.05, 0.1);
        }
        assert!(g.person());
    }
}
