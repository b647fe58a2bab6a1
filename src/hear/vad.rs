//! Voice activity and turn-taking: cuts a stream of 16 kHz audio into
//! utterances.
//!
//! Frame scores come from `earshot` (a small neural VAD, weights built in, no
//! allocation). On top of them, hysteresis: speech starts only after
//! `start_ms` of mostly-speech frames, ends after `end_silence_ms` of
//! non-speech, and an utterance is cut at `max_utterance_ms`. A pre-roll
//! buffer keeps the audio just before the start, so the first word is whole.
//!
//! With an [`EndOfTurn`] judge (the Smart Turn model), a pause of `decide_ms`
//! asks it whether the turn sounds finished: yes ends the turn there (fast),
//! no keeps listening until the person speaks again or the pause reaches
//! `ceiling_ms` (patient while they think). Without one, `end_silence_ms` of
//! silence ends the turn.

use std::collections::VecDeque;

use crate::audio::SAMPLE_RATE;

/// earshot's fixed frame: 256 samples = 16 ms at 16 kHz.
pub const FRAME: usize = 256;
const FRAME_MS: u32 = (FRAME as u32 * 1000) / SAMPLE_RATE;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VadConfig {
    /// A frame is speech at or above this probability.
    pub threshold: f32,
    /// Once speaking, a frame counts as silence only below this (hysteresis).
    pub release: f32,
    /// Speech must hold this long before a turn starts (filters clicks and coughs).
    pub start_ms: u32,
    /// This much silence ends the turn.
    pub end_silence_ms: u32,
    /// Audio kept from before the detected start.
    pub preroll_ms: u32,
    /// A turn longer than this is cut (and the next one starts at once).
    pub max_utterance_ms: u32,
    /// End turns with the end-of-turn model (asked at `decide_ms`, patient
    /// up to `ceiling_ms`) instead of `end_silence_ms` of silence. Off by
    /// default: on the shared speech it cut natural mid-sentence pauses more
    /// often than the silence rule (see `tofu bench turns`).
    #[serde(default)]
    pub smart_turn: bool,
    /// With a judge: the pause at which it is asked whether the turn is over.
    #[serde(default = "default_decide_ms")]
    pub decide_ms: u32,
    /// With a judge: a pause this long ends the turn whatever it said.
    #[serde(default = "default_ceiling_ms")]
    pub ceiling_ms: u32,
    /// With a judge: after a "not yet", ask again every this many ms of
    /// pause (0: wait for the ceiling).
    #[serde(default)]
    pub reask_ms: u32,
}

fn default_decide_ms() -> u32 {
    200
}

fn default_ceiling_ms() -> u32 {
    2000
}

/// Decides whether a turn that has paused is finished (see the module doc).
pub trait EndOfTurn: Send {
    /// `turn`: the turn's audio so far, ending in the pause. `None` when it
    /// cannot tell (the silence rule decides then).
    fn finished(&mut self, turn: &[f32]) -> Option<bool>;
}

impl Default for VadConfig {
    fn default() -> Self {
        VadConfig {
            threshold: 0.5,
            release: 0.35,
            start_ms: 144,
            end_silence_ms: 560,
            preroll_ms: 400,
            max_utterance_ms: 28_000,
            smart_turn: false,
            decide_ms: default_decide_ms(),
            ceiling_ms: default_ceiling_ms(),
            reask_ms: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EndReason {
    Silence,
    MaxLength,
    EndOfStream,
    /// Not heard: typed in instead of spoken.
    Typed,
}

/// One turn of speech, with where it sits in the stream.
#[derive(Debug, Clone)]
pub struct Utterance {
    /// Stream position of the first sample (including pre-roll), in samples.
    pub start: u64,
    pub samples: Vec<f32>,
    pub reason: EndReason,
}

impl Utterance {
    pub fn start_s(&self) -> f64 {
        self.start as f64 / SAMPLE_RATE as f64
    }
    pub fn end_s(&self) -> f64 {
        (self.start + self.samples.len() as u64) as f64 / SAMPLE_RATE as f64
    }
}

#[derive(Debug, Clone)]
pub enum VadEvent {
    /// Speech began; `at` is the stream position (samples) of the first speech frame.
    SpeechStarted { at: u64 },
    /// A turn ended.
    Utterance(Utterance),
}

enum State {
    Idle {
        /// Consecutive-ish speech frames seen (decays on silence).
        speech_frames: u32,
    },
    Speaking {
        start: u64,
        samples: Vec<f32>,
        silence_frames: u32,
        /// Length of `samples` when the trailing silence reached what a
        /// finished turn keeps of it: if the silence goes on, the turn
        /// ends as exactly these samples.
        settled: Option<usize>,
        /// The judge was asked about this pause: the silence (frames) that
        /// ends it now (the ceiling after "not yet", the plain rule when it
        /// could not tell).
        wait: Option<u32>,
        /// After a "not yet": the silence (frames) at which to ask again.
        next_ask: Option<u32>,
    },
}

pub struct Segmenter {
    cfg: VadConfig,
    detector: Box<earshot::Detector>,
    frame: [f32; FRAME],
    fill: usize,
    preroll: VecDeque<f32>,
    state: State,
    /// Stream position of the next sample to be framed.
    pos: u64,
    judge: Option<Box<dyn EndOfTurn>>,
}

fn ms_to_frames(ms: u32) -> u32 {
    ms.div_ceil(FRAME_MS).max(1)
}

impl Segmenter {
    pub fn new(cfg: VadConfig) -> Segmenter {
        Segmenter {
            detector: earshot::Detector::default_boxed(),
            frame: [0.0; FRAME],
            fill: 0,
            preroll: VecDeque::with_capacity(
                (cfg.preroll_ms * SAMPLE_RATE / 1000) as usize + FRAME,
            ),
            state: State::Idle { speech_frames: 0 },
            pos: 0,
            cfg,
            judge: None,
        }
    }

    /// Ends turns by `judge` at a short pause (see the module doc).
    pub fn with_judge(mut self, judge: Box<dyn EndOfTurn>) -> Segmenter {
        self.judge = Some(judge);
        self
    }

    /// The silence (in frames) after which a turn ends: the fixed rule, or
    /// with a judge, its decision point, then what its answer set.
    fn end_frames(&self, wait: Option<u32>) -> u32 {
        match (&self.judge, wait) {
            (None, _) => ms_to_frames(self.cfg.end_silence_ms),
            (Some(_), None) => ms_to_frames(self.cfg.decide_ms),
            (Some(_), Some(w)) => w,
        }
    }

    /// The turn in progress as it will end if the silence now under way goes
    /// on: its final audio, known `end_silence_ms` − 200 ms early (so its
    /// transcription can start before the turn is over).
    pub fn settled(&self) -> Option<&[f32]> {
        match &self.state {
            State::Speaking {
                samples,
                settled: Some(n),
                ..
            } => Some(&samples[..*n]),
            _ => None,
        }
    }

    /// Where the turn in progress starts in the stream (samples).
    pub fn current_start(&self) -> Option<u64> {
        match &self.state {
            State::Speaking { start, .. } => Some(*start),
            State::Idle { .. } => None,
        }
    }

    /// The audio of the turn in progress (for partial transcripts).
    pub fn current(&self) -> Option<&[f32]> {
        match &self.state {
            State::Speaking { samples, .. } => Some(samples),
            State::Idle { .. } => None,
        }
    }

    /// Feeds audio; events are appended to `out`.
    pub fn push(&mut self, mut samples: &[f32], out: &mut Vec<VadEvent>) {
        while !samples.is_empty() {
            let n = (FRAME - self.fill).min(samples.len());
            for (dst, src) in self.frame[self.fill..self.fill + n]
                .iter_mut()
                .zip(&samples[..n])
            {
                *dst = src.clamp(-1.0, 1.0);
            }
            self.fill += n;
            samples = &samples[n..];
            if self.fill == FRAME {
                self.fill = 0;
                self.on_frame(out);
            }
        }
    }

    /// Ends the stream: a turn in progress becomes an utterance.
    pub fn finish(&mut self, out: &mut Vec<VadEvent>) {
        if self.fill > 0 {
            let frame = self.frame;
            if let State::Speaking { samples, .. } = &mut self.state {
                samples.extend_from_slice(&frame[..self.fill]);
            }
            self.pos += self.fill as u64;
            self.fill = 0;
        }
        if let State::Speaking { start, samples, .. } =
            std::mem::replace(&mut self.state, State::Idle { speech_frames: 0 })
        {
            out.push(VadEvent::Utterance(Utterance {
                start,
                samples,
                reason: EndReason::EndOfStream,
            }));
        }
        self.detector.reset();
    }

    fn on_frame(&mut self, out: &mut Vec<VadEvent>) {
        let p = self.detector.predict_f32(&self.frame);
        let frame_start = self.pos;
        self.pos += FRAME as u64;
        let start_frames = ms_to_frames(self.cfg.start_ms);
        let end_frames = match &self.state {
            State::Speaking { wait, .. } => self.end_frames(*wait),
            State::Idle { .. } => 0,
        };
        let max_samples = (self.cfg.max_utterance_ms as u64 * SAMPLE_RATE as u64 / 1000) as usize;
        match &mut self.state {
            State::Idle { speech_frames } => {
                if p >= self.cfg.threshold {
                    *speech_frames += 1;
                } else {
                    *speech_frames = speech_frames.saturating_sub(1);
                }
                self.preroll.extend(self.frame.iter().copied());
                let keep = (self.cfg.preroll_ms * SAMPLE_RATE / 1000) as usize
                    + (start_frames as usize * FRAME);
                while self.preroll.len() > keep {
                    self.preroll.pop_front();
                }
                if *speech_frames >= start_frames {
                    let samples: Vec<f32> = self.preroll.drain(..).collect();
                    let start = self.pos - samples.len() as u64;
                    let at = frame_start + FRAME as u64 - (start_frames as u64 * FRAME as u64);
                    out.push(VadEvent::SpeechStarted { at: at.max(start) });
                    self.state = State::Speaking {
                        start,
                        samples,
                        silence_frames: 0,
                        settled: None,
                        wait: None,
                        next_ask: None,
                    };
                }
            }
            State::Speaking {
                start,
                samples,
                silence_frames,
                settled,
                wait,
                next_ask,
            } => {
                samples.extend_from_slice(&self.frame);
                if p < self.cfg.release {
                    *silence_frames += 1;
                } else {
                    *silence_frames = 0;
                    *settled = None;
                    // Speaking again: the next pause is judged afresh.
                    *wait = None;
                    *next_ask = None;
                }
                if *silence_frames == ms_to_frames(200).min(end_frames) {
                    *settled = Some(samples.len());
                }
                let mut ends = *silence_frames >= end_frames;
                let first_ask = ends && wait.is_none();
                let ask_again = !ends && next_ask.is_some_and(|n| *silence_frames >= n);
                if first_ask || ask_again {
                    if let Some(judge) = self.judge.as_mut() {
                        match judge.finished(samples) {
                            Some(true) => ends = true,
                            // "Not yet": patient up to the ceiling, asking
                            // again as the pause grows (if so configured).
                            Some(false) => {
                                let ceiling = ms_to_frames(self.cfg.ceiling_ms);
                                *wait = Some(ceiling);
                                *next_ask = (self.cfg.reask_ms > 0)
                                    .then(|| *silence_frames + ms_to_frames(self.cfg.reask_ms));
                                ends = *silence_frames >= ceiling;
                            }
                            // Cannot tell: the silence rule.
                            None => {
                                let rule = ms_to_frames(self.cfg.end_silence_ms);
                                *wait = Some(rule);
                                *next_ask = None;
                                ends = *silence_frames >= rule;
                            }
                        }
                    }
                }
                if ends {
                    // Keep a little of the trailing silence: whisper likes a soft ending.
                    let tail =
                        ((*silence_frames).saturating_sub(ms_to_frames(200)) as usize) * FRAME;
                    samples.truncate(samples.len() - tail.min(samples.len()));
                    let utterance = Utterance {
                        start: *start,
                        samples: std::mem::take(samples),
                        reason: EndReason::Silence,
                    };
                    out.push(VadEvent::Utterance(utterance));
                    self.state = State::Idle { speech_frames: 0 };
                    self.preroll.clear();
                } else if samples.len() >= max_samples {
                    let utterance = Utterance {
                        start: *start,
                        samples: std::mem::take(samples),
                        reason: EndReason::MaxLength,
                    };
                    *start = self.pos;
                    *silence_frames = 0;
                    *settled = None;
                    *wait = None;
                    *next_ask = None;
                    out.push(VadEvent::Utterance(utterance));
                }
            }
        }
    }
}

/// Runs a whole recording through a segmenter: the utterances in it.
pub fn segment_all(samples: &[f32], cfg: &VadConfig) -> Vec<Utterance> {
    segment_all_with(samples, cfg, None)
}

/// [`segment_all`] with an end-of-turn judge.
pub fn segment_all_with(
    samples: &[f32],
    cfg: &VadConfig,
    judge: Option<Box<dyn EndOfTurn>>,
) -> Vec<Utterance> {
    let mut seg = Segmenter::new(cfg.clone());
    if let Some(j) = judge {
        seg = seg.with_judge(j);
    }
    let mut events = Vec::new();
    for chunk in samples.chunks(SAMPLE_RATE as usize / 10) {
        seg.push(chunk, &mut events);
    }
    seg.finish(&mut events);
    events
        .into_iter()
        .filter_map(|e| match e {
            VadEvent::Utterance(u) => Some(u),
            VadEvent::SpeechStarted { .. } => None,
        })
        .collect()
}
