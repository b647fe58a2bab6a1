//! The loop's hands: turns what the ears report into [`Input`]s for the
//! turn-taking machine ([`super::turns`]) and carries out the [`Action`]s
//! it decides (jobs to the companion thread, word to the voice thread, the
//! speaker). Nothing here decides anything about turns.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};

use super::turns::{Action, Input, TurnTaking};
use super::{echo, CompanionEvent, Job, LoopEvent, Say, Shared, Timings};
use crate::audio::sink::AudioSink;
use crate::hear::{HearEvent, Heard};

/// The input a hear event is to the machine, if any. The echo gate
/// follows every level and speech boundary here (it tells the person's
/// voice from the companion's own coming back through the microphone).
pub(super) fn input_of(
    ev: &HearEvent,
    gate: &mut echo::EchoGate,
    turns: &TurnTaking,
    shared: &Shared,
    sink: &Option<Arc<dyn AudioSink>>,
) -> Option<Input> {
    match ev {
        HearEvent::Level { rms, .. } => {
            let speaker = sink.as_ref().map_or(0.0, |s| s.recent_rms(0.15));
            gate.level(*rms, speaker);
            (turns.in_echo() && gate.voice_over_echo())
                .then(|| Input::VoiceOverEcho { at_s: shared.now() })
        }
        HearEvent::SpeechStarted { at_s } => {
            gate.speech_started();
            tracing::debug!(at_s, ?gate, "speech started");
            Some(Input::SpeechStarted {
                at_s: *at_s,
                person: gate.person(),
            })
        }
        HearEvent::SpeechEnded { .. } => {
            gate.speech_ended();
            Some(Input::SpeechEnded { at_s: shared.now() })
        }
        HearEvent::Tentative { text, end_s } => Some(Input::Tentative {
            text: text.clone(),
            end_s: *end_s,
        }),
        HearEvent::Final(h) => Some(Input::Final {
            text: h.text.clone(),
            end_s: h.end_s,
        }),
        _ => None,
    }
}

pub(super) struct Hands<'a> {
    pub shared: &'a Shared,
    pub sink: &'a Option<Arc<dyn AudioSink>>,
    pub jobs: &'a mpsc::Sender<Job>,
    pub say: &'a mpsc::Sender<Say>,
    /// The language typed turns are taken to be in.
    pub language: &'a str,
    /// Typed turns waiting for their `Answer` (in order).
    pub typed: VecDeque<String>,
}

impl Hands<'_> {
    /// Whether the companion is writing a reply, owes one, or has speech
    /// queued or playing (what a barge-in would stop).
    pub fn busy(&self) -> bool {
        let s = self.shared;
        s.thinking.load(Ordering::SeqCst)
            || s.awaiting.load(Ordering::SeqCst) > 0
            || s.queued.load(Ordering::SeqCst) > 0
            || self.sink.as_ref().is_some_and(|s| s.pending_s() > 0.0)
    }

    /// Carries out `actions`; `heard`: the final transcript they are about.
    /// Returns whether that hear event was consumed (a turn kept, shown
    /// once the companion thread sends it back; or the companion's echo,
    /// never shown).
    pub fn carry_out(
        &mut self,
        actions: Vec<Action>,
        heard: Option<&Heard>,
        on_event: &mut dyn FnMut(LoopEvent),
    ) -> bool {
        let mut consumed = false;
        for a in actions {
            match a {
                Action::Discard { generation } => {
                    self.shared.generation.store(generation, Ordering::SeqCst);
                    self.shared.cancel.store(true, Ordering::SeqCst);
                }
                Action::Silence => {
                    if let Some(s) = self.sink {
                        s.stop();
                    }
                }
                Action::Interrupted { turn, at_s } => {
                    on_event(LoopEvent::Companion(CompanionEvent::Interrupted {
                        turn,
                        at_s,
                    }))
                }
                Action::WriteAhead {
                    turn,
                    text,
                    generation,
                } => {
                    let _ = self.jobs.send(Job::Tentative {
                        turn,
                        text,
                        generation,
                    });
                }
                Action::Confirm { turn, generation } => {
                    let _ = self.say.send(Say::Confirm { turn, generation });
                }
                Action::Answer {
                    turn,
                    generation,
                    confirmed,
                    end_detected_s,
                    ..
                } => {
                    let now = self.shared.now();
                    let (heard, timings) = match heard {
                        Some(h) => (
                            h.clone(),
                            Timings {
                                speech_end_s: h.end_s,
                                end_detected_s,
                                transcript_s: now,
                                ..Timings::default()
                            },
                        ),
                        None => {
                            let Some(text) = self.typed.pop_front() else {
                                continue;
                            };
                            (
                                self.typed_turn(text, now),
                                Timings {
                                    speech_end_s: now,
                                    end_detected_s: now,
                                    transcript_s: now,
                                    ..Timings::default()
                                },
                            )
                        }
                    };
                    self.shared.awaiting.fetch_add(1, Ordering::SeqCst);
                    let _ = self.jobs.send(Job::Heard {
                        turn,
                        heard,
                        generation,
                        timings,
                        confirmed,
                    });
                    consumed = true;
                }
                Action::DropEcho => {
                    if let Some(h) = heard {
                        tracing::debug!(text = h.text, "ignored the companion's echo");
                        if let Some(a) = &h.audio {
                            let _ = std::fs::remove_file(a);
                        }
                    }
                    consumed = true;
                }
            }
        }
        consumed
    }

    fn typed_turn(&self, text: String, now: f64) -> Heard {
        Heard {
            text,
            language: self.language.to_string(),
            confidence: 1.0,
            segments: Vec::new(),
            start_s: now,
            end_s: now,
            audio: None,
            decode_ms: 0.0,
            reason: crate::hear::EndReason::Typed,
        }
    }
}
