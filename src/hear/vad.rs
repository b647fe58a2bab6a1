//! Voice activity and turn-taking: cuts a stream of 16 kHz audio into
//! utterances.
//!
//! Frame scores come from `earshot` (a small neural VAD, weights built in, no
//! allocation). On top of them, hysteresis: speech starts only after
//! `start_ms` of mostly-speech frames, ends after `end_silence_ms` of
//! non-speech, and an utterance is cut at `max_utterance_ms`. A pre-roll
//! buffer keeps the audio just before the start, so the first word is whole.
//!
//! With a judge, a pause of `decide_ms` asks it whether the turn is
//! finished ([`Verdict`]): yes ends the turn there (fast), or holds it open
//! until the reply written meanwhile is ready ([`VadConfig::hold_ms`],
//! [`Segmenter::release`]); "doubtful" waits
//! `doubt_ms`, "not yet" up to `ceiling_ms`, unless the person speaks again
//! first (patient while they think). Without one, `end_silence_ms` of
//! silence ends the turn. The judge answers at once ([`EndOfTurn`], in
//! [`Segmenter::with_judge`]) or later ([`Segmenter::with_deferred_judge`]:
//! the question is a [`VadEvent::Paused`], the answer
//! [`Segmenter::decide`]), so a slow judge never holds the audio up.

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
    /// End turns by judging a pause at `decide_ms` (the sound of the turn,
    /// then its words: `hear::pause`) instead of `end_silence_ms` of
    /// silence, where a judge is given. On by default: on mid-sentence
    /// pauses of 0.7–1.2 s it cut in a quarter as often as the silence rule
    /// and answered a finished turn sooner (see `tofu bench turns`).
    #[serde(default = "yes")]
    pub smart_turn: bool,
    /// With a judge: the pause at which it is asked whether the turn is over.
    #[serde(default = "default_decide_ms")]
    pub decide_ms: u32,
    /// With a judge: a pause this long ends the turn whatever it said.
    #[serde(default = "default_ceiling_ms")]
    pub ceiling_ms: u32,
    /// With a judge: after a "not yet" or a doubt, ask again every this
    /// many ms of pause (0: never), the sound hearing the longer silence.
    #[serde(default)]
    pub reask_ms: u32,
    /// With a judge: a frame this many dB below the turn's loudest speech
    /// is a pause whatever the VAD's probability says (0: off). earshot's
    /// probability decays slowly once a voice stops (0.6 for 250 ms of
    /// near-digital silence after the last word on the shared speech), and
    /// that is waited before a pause is even noticed. Not while the
    /// companion's voice may be in the microphone ([`Segmenter::set_echo`]):
    /// its echo's sentences end in digital silence, and each was then heard
    /// as the person starting again, a barge-in on itself
    /// (`tests/converse.rs`).
    #[serde(default = "default_quiet_db")]
    pub quiet_db: f32,
    /// With a judge: the pause that ends a turn it was unsure of (it sounds
    /// finished, its words do not): longer than a breath mid-sentence
    /// (0.7–1.2 s), shorter than the ceiling.
    #[serde(default = "default_doubt_ms")]
    pub doubt_ms: u32,
    /// With a judge: a turn it called finished is held open until its reply
    /// is ready to be heard ([`Segmenter::release`]), and at most until the
    /// pause is this long (0: it ends at the verdict). The reply is written
    /// meanwhile, from the transcript the verdict came with, and is heard
    /// once the turn ends: the hold costs the person no wait, and one who
    /// was only drawing breath and goes on before the reply is ready stays
    /// in one turn.
    #[serde(default = "default_hold_ms")]
    pub hold_ms: u32,
}

fn default_quiet_db() -> f32 {
    40.0
}

/// 1.5 s from where the voice stops (the quiet rule counts the whole
/// pause): `tofu bench turns` cut in on 4 of 17 paused sentences with it,
/// 5 with 1.4 s, at the same waits on natural speech.
fn default_doubt_ms() -> u32 {
    1500
}

/// 1.2 s of pause at the most (the reply is usually ready sooner and ends
/// the hold). Through the whole loop (`tofu bench latency --hold-ms` on a
/// `make_paused.py` folder of 17 sentences) it took the cut-ins from 5 to
/// 3, and on the shared speech the median wait stayed where the doubt's
/// 1.5 s puts it (1570 ms held, 1578 ms not).
fn default_hold_ms() -> u32 {
    1200
}

fn yes() -> bool {
    true
}

fn default_decide_ms() -> u32 {
    200
}

/// The longest mid-sentence pause waited for (1.2 s), the quiet around
/// it that is counted too (see [`VadConfig::quiet_db`]), and a margin:
/// with a ceiling of 1.7 s instead of 2 s, `tofu bench turns` cut in on no
/// more paused sentences and a finished turn the model called unfinished
/// waited 0.3 s less.
fn default_ceiling_ms() -> u32 {
    1700
}

/// A judge's answer about a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The turn is over: it ends now.
    Finished,
    /// It may be over: it ends after `doubt_ms` of pause.
    Doubtful,
    /// The person is not done: wait up to `ceiling_ms`.
    NotYet,
    /// The judge cannot tell: `end_silence_ms` decides.
    Unknown,
}

/// Decides whether a turn that has paused is finished (see the module doc).
pub trait EndOfTurn: Send {
    /// `turn`: the turn's audio so far, ending in the pause.
    fn judge(&mut self, turn: &[f32]) -> Verdict;
}

/// Who answers the segmenter's questions.
enum Judging {
    /// The segmenter asks and gets its answer in the same call.
    Inline(Box<dyn EndOfTurn>),
    /// The question goes out as an event; the answer comes back through
    /// [`Segmenter::decide`].
    Deferred,
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
            smart_turn: true,
            decide_ms: default_decide_ms(),
            ceiling_ms: default_ceiling_ms(),
            reask_ms: 0,
            doubt_ms: default_doubt_ms(),
            quiet_db: default_quiet_db(),
            hold_ms: default_hold_ms(),
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
    /// A deferred judge's question: is the turn whose audio so far is
    /// `turn` finished? Its first `speech` samples (ending 200 ms into the
    /// pause) are the audio the turn ends as if the pause goes on: its
    /// words; a question asked again later in the same pause has more
    /// silence after them, for the sound. Answer with
    /// [`Segmenter::decide`] and `ask`; an answer that comes after the
    /// person spoke again is ignored.
    Paused {
        ask: u32,
        turn: Vec<f32>,
        speech: usize,
    },
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
        /// A deferred question not yet answered.
        asked: Option<u32>,
        /// The pause under way was judged the turn's end, and the turn is
        /// held open until [`Segmenter::release`] or the hold runs out.
        held: bool,
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
    judge: Option<Judging>,
    /// Questions asked of a deferred judge.
    asks: u32,
    /// The loudest speech frame of the turn in progress (RMS).
    peak: f32,
    /// The companion's voice may be in the microphone: the level does not
    /// tell a pause (see [`VadConfig::quiet_db`]).
    echo: bool,
    /// The speech in progress is only the companion's echo (as the
    /// conversation's echo gate judged it).
    echo_turn: bool,
}

fn rms(frame: &[f32]) -> f32 {
    (frame.iter().map(|x| x * x).sum::<f32>() / frame.len().max(1) as f32).sqrt()
}

fn ms_to_frames(ms: u32) -> u32 {
    ms.div_ceil(FRAME_MS).max(1)
}

/// For a judge's answer: the pause (frames) after which the turn ends,
/// after "not yet", the pause after which to ask again (if so configured),
/// and whether the turn is held open for its reply meanwhile.
fn answered(cfg: &VadConfig, verdict: Verdict) -> (u32, Option<u32>, bool) {
    let held = verdict == Verdict::Finished && cfg.hold_ms > 0;
    let wait = match verdict {
        Verdict::Finished if held => ms_to_frames(cfg.hold_ms),
        Verdict::Finished => 0,
        Verdict::Doubtful => ms_to_frames(cfg.doubt_ms),
        Verdict::NotYet => ms_to_frames(cfg.ceiling_ms),
        Verdict::Unknown => ms_to_frames(cfg.end_silence_ms),
    };
    let unsure = matches!(verdict, Verdict::NotYet | Verdict::Doubtful);
    let reask = (unsure && cfg.reask_ms > 0).then(|| ms_to_frames(cfg.reask_ms));
    (wait, reask, held)
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
            asks: 0,
            peak: 0.0,
            echo: false,
            echo_turn: false,
        }
    }

    /// Ends turns by `judge` at a short pause (see the module doc).
    pub fn with_judge(mut self, judge: Box<dyn EndOfTurn>) -> Segmenter {
        self.judge = Some(Judging::Inline(judge));
        self
    }

    /// Whether the companion's voice may be in the microphone now (it is
    /// playing, or stopped a moment ago): a pause is then only what the
    /// VAD's probability calls one.
    pub fn set_echo(&mut self, echo: bool) {
        self.echo = echo;
    }

    /// Whether the speech in progress is only the companion's echo. Once
    /// the companion is quiet ([`Segmenter::set_echo`] false), the first
    /// 200 ms pause ends such a turn without a judge: otherwise the person
    /// answering a second after the companion stops is heard in one turn
    /// with its echo.
    pub fn set_echo_turn(&mut self, echo_turn: bool) {
        self.echo_turn = echo_turn;
    }

    /// Ends turns by a judge that answers later: each question is a
    /// [`VadEvent::Paused`], each answer a call to [`Segmenter::decide`].
    pub fn with_deferred_judge(mut self) -> Segmenter {
        self.judge = Some(Judging::Deferred);
        self
    }

    /// The silence (in frames) after which a turn ends: the fixed rule, or
    /// with a judge, its decision point, then what its answer set (the
    /// ceiling while a question is unanswered).
    fn end_frames(&self, wait: Option<u32>, asked: bool) -> u32 {
        match (&self.judge, wait) {
            (None, _) => ms_to_frames(self.cfg.end_silence_ms),
            (Some(_), Some(w)) => w,
            (Some(_), None) if asked => ms_to_frames(self.cfg.ceiling_ms),
            (Some(_), None) => ms_to_frames(self.cfg.decide_ms),
        }
    }

    /// A deferred judge's answer to question `ask` (see
    /// [`VadEvent::Paused`]): the turn may end now (its utterance is
    /// appended to `out`). An answer to an older question changes nothing.
    pub fn decide(&mut self, ask: u32, verdict: Verdict, out: &mut Vec<VadEvent>) {
        let State::Speaking {
            silence_frames,
            wait,
            next_ask,
            asked,
            held,
            ..
        } = &mut self.state
        else {
            return;
        };
        if *asked != Some(ask) {
            return;
        }
        let (wait_frames, reask, hold) = answered(&self.cfg, verdict);
        *held = hold;
        *asked = None;
        *wait = Some(wait_frames);
        *next_ask = reask.map(|r| *silence_frames + r);
        if *silence_frames >= wait_frames {
            self.end_turn(EndReason::Silence, out);
        }
    }

    /// The reply to the turn held open (see [`VadConfig::hold_ms`]) is
    /// ready: the turn ends now (its utterance is appended to `out`).
    /// Nothing happens unless a turn is held.
    pub fn release(&mut self, out: &mut Vec<VadEvent>) {
        if matches!(self.state, State::Speaking { held: true, .. }) {
            self.end_turn(EndReason::Silence, out);
        }
    }

    /// Ends the turn in progress as an utterance appended to `out`.
    fn end_turn(&mut self, reason: EndReason, out: &mut Vec<VadEvent>) {
        let State::Speaking {
            start,
            mut samples,
            silence_frames,
            ..
        } = std::mem::replace(&mut self.state, State::Idle { speech_frames: 0 })
        else {
            return;
        };
        // Keep a little of the trailing silence: whisper likes a soft ending.
        let tail = (silence_frames.saturating_sub(ms_to_frames(200)) as usize) * FRAME;
        samples.truncate(samples.len() - tail.min(samples.len()));
        out.push(VadEvent::Utterance(Utterance {
            start,
            samples,
            reason,
        }));
        self.preroll.clear();
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
            State::Speaking { wait, asked, .. } => self.end_frames(*wait, asked.is_some()),
            State::Idle { .. } => 0,
        };
        let max_samples = (self.cfg.max_utterance_ms as u64 * SAMPLE_RATE as u64 / 1000) as usize;
        let State::Speaking {
            start,
            samples,
            silence_frames,
            settled,
            wait,
            next_ask,
            asked,
            held,
        } = &mut self.state
        else {
            self.on_idle_frame(p, frame_start, start_frames, out);
            return;
        };
        samples.extend_from_slice(&self.frame);
        let level = rms(&self.frame);
        if p >= self.cfg.threshold {
            self.peak = self.peak.max(level);
        }
        // (With a judge only: the plain silence rule's 560 ms were set
        // with the probability's lag in them, and stay as they were.)
        let quiet = self.cfg.quiet_db > 0.0
            && self.judge.is_some()
            && !self.echo
            && level < self.peak * 10f32.powf(-self.cfg.quiet_db / 20.0);
        if p < self.cfg.release || quiet {
            *silence_frames += 1;
        } else {
            *silence_frames = 0;
            *settled = None;
            // Speaking again: the next pause is judged afresh.
            *held = false;
            *wait = None;
            *next_ask = None;
            *asked = None;
        }
        if *silence_frames == ms_to_frames(200).min(end_frames) {
            *settled = Some(samples.len());
        }
        if self.echo_turn && !self.echo && *silence_frames >= ms_to_frames(200) {
            self.end_turn(EndReason::Silence, out);
            return;
        }
        let mut ends = *silence_frames >= end_frames;
        let first_ask = ends && wait.is_none() && asked.is_none();
        let ask_again = !ends && next_ask.is_some_and(|n| *silence_frames >= n);
        if (first_ask || ask_again) && self.judge.is_some() {
            *next_ask = None;
            match self.judge.as_mut() {
                Some(Judging::Inline(judge)) => {
                    let (frames, reask, hold) = answered(&self.cfg, judge.judge(samples));
                    *held = hold;
                    *wait = Some(frames);
                    *next_ask = reask.map(|r| *silence_frames + r);
                    ends = *silence_frames >= frames;
                }
                _ => {
                    self.asks += 1;
                    *asked = Some(self.asks);
                    // (Asked again, the last answer's wait holds meanwhile.)
                    // The turn as it ends if the pause goes on (200 ms of
                    // it kept), so its transcript can be the final one.
                    let speech = settled.unwrap_or(samples.len());
                    out.push(VadEvent::Paused {
                        ask: self.asks,
                        turn: samples.clone(),
                        speech,
                    });
                    ends = false;
                }
            }
        }
        if ends {
            self.end_turn(EndReason::Silence, out);
        } else if samples.len() >= max_samples {
            let utterance = Utterance {
                start: *start,
                samples: std::mem::take(samples),
                reason: EndReason::MaxLength,
            };
            self.state = State::Speaking {
                start: self.pos,
                samples: Vec::new(),
                silence_frames: 0,
                settled: None,
                wait: None,
                next_ask: None,
                asked: None,
                held: false,
            };
            out.push(VadEvent::Utterance(utterance));
        }
    }

    fn on_idle_frame(
        &mut self,
        p: f32,
        frame_start: u64,
        start_frames: u32,
        out: &mut Vec<VadEvent>,
    ) {
        let State::Idle { speech_frames } = &mut self.state else {
            return;
        };
        if p >= self.cfg.threshold {
            *speech_frames += 1;
        } else {
            *speech_frames = speech_frames.saturating_sub(1);
        }
        self.preroll.extend(self.frame.iter().copied());
        let keep =
            (self.cfg.preroll_ms * SAMPLE_RATE / 1000) as usize + (start_frames as usize * FRAME);
        while self.preroll.len() > keep {
            self.preroll.pop_front();
        }
        if *speech_frames >= start_frames {
            self.peak = 0.0;
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
                asked: None,
                held: false,
            };
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
            VadEvent::SpeechStarted { .. } | VadEvent::Paused { .. } => None,
        })
        .collect()
}
