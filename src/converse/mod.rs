//! The conversation loop: ears, mind and voice together.
//!
//! ```text
//!  source ─▶ listen (VAD, partials, final) ──▶ companion thread ──▶ voice thread ─▶ sink
//!   (this thread; barge-in is decided here)     store, style,        synthesis per
//!                                               mind (streams         sentence
//!                                               sentences)
//! ```
//!
//! Three threads, data one way. The caller's thread runs [`crate::hear::listen`]
//! and decides barge-in; the companion thread keeps each turn in the store,
//! feeds the style model and streams the reply sentence by sentence; the
//! voice thread speaks each sentence as soon as it is complete, so the first
//! one plays while the rest is still being written. Every stage reports
//! through [`LoopEvent`]s, delivered on the caller's thread.
//!
//! Barge-in: when the person starts speaking while the companion thinks or
//! talks, the reply is cancelled (the mind returns within ~10 ms), queued
//! sentences are dropped and the sink stops at once; the new utterance is
//! captured whole, since the VAD keeps its pre-roll. [`echo`] keeps the
//! companion's own voice, coming back through the microphone, from counting
//! as the person.

pub mod chat;
mod companion;
pub mod echo;
pub mod recover;
pub mod session;
pub mod setup;
pub mod turns;
mod voice;
mod wiring;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::audio::sink::AudioSink;
use crate::audio::source::AudioSource;
use crate::error::Result;
use crate::hear::{listen, Controls, HearEvent, Heard, ListenConfig};
use crate::mind::{Mind, Persona};
use crate::store::Store;
use crate::stt::SpeechModel;
use crate::style::{Background, StyleModel};
use crate::tts::Voice;
use turns::{Input, TurnTaking};

/// When each stage of a turn finished, in seconds since the loop started
/// (wall clock; with a real-time source also the stream's time).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Timings {
    /// End of speech as the VAD placed it (stream time).
    pub speech_end_s: f64,
    /// When the VAD decided the turn was over.
    pub end_detected_s: f64,
    pub transcript_s: f64,
    pub first_token_s: Option<f64>,
    pub first_sentence_s: Option<f64>,
    /// When the first sentence's samples reached the sink.
    pub first_audio_s: Option<f64>,
    pub reply_done_s: f64,
}

/// What the companion side reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CompanionEvent {
    /// A turn was heard and kept; the reply is being written.
    Thinking {
        turn: u32,
    },
    Token {
        turn: u32,
        text: String,
    },
    Sentence {
        turn: u32,
        text: String,
    },
    /// A sentence started playing.
    Speaking {
        turn: u32,
        text: String,
    },
    /// The reply is complete (or was cut short: `interrupted`).
    Reply {
        turn: u32,
        name: String,
        text: String,
        engine: String,
        interrupted: bool,
        timings: Timings,
    },
    /// The person spoke over the companion: it stopped.
    Interrupted {
        turn: u32,
        at_s: f64,
    },
    Error {
        message: String,
    },
}

/// Everything the loop reports, in order, on the caller's thread.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LoopEvent {
    Hear(HearEvent),
    Companion(CompanionEvent),
}

#[derive(Debug, Clone)]
pub struct LoopConfig {
    pub listen: ListenConfig,
    /// The style profile that learns from each turn and shapes replies.
    pub profile: String,
    pub max_memories: usize,
    /// Stop and listen when the person talks over the companion.
    pub barge_in: bool,
    /// Speak each sentence as it completes (`false`: the plain sequential
    /// pipeline: whole reply, then whole synthesis, then playback).
    pub streaming: bool,
}

impl Default for LoopConfig {
    fn default() -> Self {
        LoopConfig {
            listen: ListenConfig::default(),
            profile: crate::style::DEFAULT_PROFILE.into(),
            max_memories: 3,
            barge_in: true,
            streaming: true,
        }
    }
}

/// The parts the loop runs on (the caller loads them: models take time).
pub struct Parts {
    pub stt: Arc<SpeechModel>,
    pub mind: Mind,
    pub persona: Persona,
    /// `None`: replies are text only.
    pub voice: Option<Box<dyn Voice>>,
    pub sink: Option<Arc<dyn AudioSink>>,
    /// `None`: nothing is kept (and there are no memories).
    pub store: Option<Store>,
    /// The person's style model and the background it needs (mirroring).
    pub style: Option<(StyleModel, Arc<Background>)>,
    /// Judges whether a pause ends the turn (`None`: the silence rule).
    pub end_of_turn: Option<crate::hear::smart_turn::Judge>,
}

enum Job {
    /// The person changed the companion's personality.
    Persona(Box<Persona>),
    /// The turn as it will be if the pause goes on: write the reply now,
    /// to be spoken once the turn is confirmed.
    Tentative {
        turn: u32,
        text: String,
        generation: u64,
    },
    Heard {
        turn: u32,
        heard: Heard,
        generation: u64,
        timings: Timings,
        /// The tentative reply of this generation answers it.
        confirmed: bool,
    },
}

enum Say {
    /// Sentences of this generation, for this turn or an earlier one, may
    /// play (until then they are held). Per turn, not per generation: the
    /// generation only moves when work is cut off, so the reply written
    /// ahead for the next turn shares it with the one just confirmed.
    Confirm { turn: u32, generation: u64 },
    Sentence {
        turn: u32,
        generation: u64,
        text: String,
    },
    End {
        turn: u32,
        generation: u64,
        reply: Box<CompanionEvent>,
    },
}

/// What the person does besides talking, while the loop runs: typed turns
/// and the stop button. Cheap to clone; every clone is the same inbox.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    typed: Arc<Mutex<VecDeque<String>>>,
    interrupt: Arc<AtomicBool>,
    persona: Arc<Mutex<Option<Persona>>>,
    /// Stopping now: the reply in progress is dropped, not finished.
    hurry: Arc<AtomicBool>,
}

impl Inbox {
    /// A turn typed instead of spoken: kept and answered like a heard one
    /// (and, like speech, it cuts off a reply in progress).
    pub fn say(&self, text: &str) {
        let text = text.trim();
        if !text.is_empty() {
            self.typed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(text.to_string());
        }
    }

    /// Stop talking now (the reply in progress is dropped).
    pub fn interrupt(&self) {
        self.interrupt.store(true, Ordering::SeqCst);
    }

    /// When the loop stops (`Controls::stop`), drop the reply in progress
    /// instead of finishing it: quitting should not wait for a sentence.
    pub fn stop_now(&self) {
        self.hurry.store(true, Ordering::SeqCst);
    }

    /// Answer as this persona from the next reply on.
    pub fn set_persona(&self, persona: Persona) {
        *self.persona.lock().unwrap_or_else(|e| e.into_inner()) = Some(persona);
    }

    fn take_typed(&self) -> Option<String> {
        self.typed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }
}

/// What the threads share.
struct Shared {
    t0: Instant,
    /// Bumped by every barge-in: work for an older generation is dropped.
    generation: AtomicU64,
    cancel: AtomicBool,
    thinking: AtomicBool,
    /// Sentences handed to the voice and not yet played.
    queued: AtomicUsize,
    /// Turns heard and not answered yet (the reply is coming).
    awaiting: AtomicUsize,
}

impl Shared {
    fn now(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }
}

/// Runs the loop until the source ends (then finishes the replies in
/// progress) or `controls.stop()`.
pub fn converse(
    source: Box<dyn AudioSource>,
    parts: Parts,
    cfg: LoopConfig,
    controls: Controls,
    on_event: impl FnMut(LoopEvent),
) -> Result<()> {
    converse_with(source, parts, cfg, controls, Inbox::default(), on_event)
}

/// [`converse`], also taking typed turns and the stop button from `inbox`
/// (looked at with every audio chunk, so within ~20 ms).
pub fn converse_with(
    source: Box<dyn AudioSource>,
    parts: Parts,
    cfg: LoopConfig,
    controls: Controls,
    inbox: Inbox,
    mut on_event: impl FnMut(LoopEvent),
) -> Result<()> {
    let Parts {
        stt,
        mind,
        persona,
        voice,
        sink,
        store,
        style,
        end_of_turn,
    } = parts;
    let stt_name = stt.name();
    let mut listen_cfg = cfg.listen.clone();
    if listen_cfg.end_of_turn.is_none() {
        listen_cfg.end_of_turn = end_of_turn;
    }
    if !cfg.streaming {
        // No reply is written ahead: a turn held open for one would only
        // wait out the whole hold.
        listen_cfg.vad.hold_ms = 0;
    }
    let shared = Arc::new(Shared {
        t0: Instant::now(),
        generation: AtomicU64::new(0),
        cancel: AtomicBool::new(false),
        thinking: AtomicBool::new(false),
        queued: AtomicUsize::new(0),
        awaiting: AtomicUsize::new(0),
    });
    let (ev_tx, ev_rx) = mpsc::channel::<CompanionEvent>();
    let (hear_tx, hear_rx) = mpsc::channel::<HearEvent>();
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (say_tx, say_rx) = mpsc::channel::<Say>();
    let confirm_tx = say_tx.clone();

    let voice_thread = {
        let (shared, sink, ev_tx) = (shared.clone(), sink.clone(), ev_tx.clone());
        // A reply written ahead that can be heard ends the turn held open
        // for it (`VadConfig::hold_ms`).
        let ears = controls.clone();
        let ready = move || ears.reply_ready();
        std::thread::Builder::new()
            .name("tofu-voice".into())
            .spawn(move || voice::voice_loop(voice, sink, say_rx, &shared, &ev_tx, &ready))
            .expect("spawn a thread")
    };
    let companion_thread = {
        let (shared, cfg, ev_tx) = (shared.clone(), cfg.clone(), ev_tx.clone());
        let mut c = companion::CompanionSide {
            mind,
            persona,
            store,
            style: style.map(|(m, bg)| (Arc::new(m), bg)),
            keeper: crate::store::keep::Keeper::new(crate::store::Source::Live, &cfg.profile),
            speech_model: Some(stt_name),
            cfg,
            tentative: None,
        };
        std::thread::Builder::new()
            .name("tofu-companion".into())
            .spawn(move || {
                for job in job_rx {
                    let heard = match &job {
                        Job::Heard {
                            turn, generation, ..
                        } => Some((*turn, *generation)),
                        _ => None,
                    };
                    // A panic in native code or the mind ends this job, not
                    // the thread: the turn is closed (unanswered), the error
                    // is shown, and the next turn is answered.
                    let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        c.answer(job, &shared, &ev_tx, &hear_tx, &say_tx)
                    }));
                    if let Err(p) = answered {
                        shared.thinking.store(false, Ordering::SeqCst);
                        let _ = ev_tx.send(CompanionEvent::Error {
                            message: format!(
                                "the companion failed: {}",
                                crate::error::panic_text(&*p)
                            ),
                        });
                        if let Some((turn, generation)) = heard {
                            let _ = say_tx.send(Say::End {
                                turn,
                                generation,
                                reply: Box::new(c.unanswered(turn, Timings::default())),
                            });
                        }
                    }
                    if heard.is_some() {
                        shared.awaiting.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            })
            .expect("spawn a thread")
    };
    drop(ev_tx);

    let deliver = |on_event: &mut dyn FnMut(LoopEvent)| {
        while let Ok(h) = hear_rx.try_recv() {
            on_event(LoopEvent::Hear(h));
        }
        while let Ok(e) = ev_rx.try_recv() {
            on_event(LoopEvent::Companion(e));
        }
    };
    if let Some(s) = &sink {
        s.begin();
    }
    let mut gate = echo::EchoGate::default();
    let mut turns = TurnTaking::new(cfg.barge_in, cfg.streaming);
    let mut hands = wiring::Hands {
        shared: &shared,
        sink: &sink,
        jobs: &job_tx,
        say: &confirm_tx,
        language: &cfg.listen.stt.language,
        typed: VecDeque::new(),
    };
    let ears = controls.clone();
    let result = listen(source, stt, listen_cfg, controls, |ev| {
        deliver(&mut on_event);
        if matches!(ev, HearEvent::Level { .. }) {
            // The companion's voice is queued to play or was heard a moment
            // ago: its echo's pauses must not count as the person's.
            let queued = sink.as_ref().is_some_and(|s| s.pending_s() > 0.0);
            ears.set_echo(queued || gate.speaker_heard());
            ears.set_echo_turn(turns.in_echo());
        }
        if let Some(p) = inbox
            .persona
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = hands.jobs.send(Job::Persona(Box::new(p)));
        }
        if inbox.interrupt.swap(false, Ordering::SeqCst) {
            let actions = turns.step(Input::Interrupt { at_s: shared.now() }, hands.busy());
            hands.carry_out(actions, None, &mut on_event);
        }
        while let Some(text) = inbox.take_typed() {
            hands.typed.push_back(text);
            let actions = turns.step(Input::Typed { at_s: shared.now() }, hands.busy());
            hands.carry_out(actions, None, &mut on_event);
        }
        if let Some(input) = wiring::input_of(&ev, &mut gate, &turns, &shared, &sink) {
            let heard = match &ev {
                HearEvent::Final(h) => Some(h),
                _ => None,
            };
            let actions = turns.step(input, hands.busy());
            if hands.carry_out(actions, heard, &mut on_event) {
                // Kept (shown once the companion thread sends it back), or
                // the companion's own echo.
                return;
            }
        }
        on_event(LoopEvent::Hear(ev));
    });
    // The stream is over: let the replies in progress finish (unless the
    // person is stopping the conversation now).
    if inbox.hurry.load(Ordering::SeqCst) {
        let actions = turns.step(Input::Hurry, true);
        hands.carry_out(actions, None, &mut |_| {});
    }
    drop(job_tx);
    drop(confirm_tx);
    let _ = companion_thread.join();
    let _ = voice_thread.join();
    deliver(&mut on_event);
    if let Some(s) = &sink {
        s.drain();
        if let Err(e) = s.finish() {
            on_event(LoopEvent::Companion(CompanionEvent::Error {
                message: e.to_string(),
            }));
        }
    }
    result
}
