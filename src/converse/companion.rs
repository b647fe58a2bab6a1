//! The companion thread: keeps each heard turn, feeds the style model,
//! writes the reply (for a tentative turn, ahead of time) and hands its
//! sentences to the voice.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;

use super::{CompanionEvent, Job, LoopConfig, Say, Shared, Timings};
use crate::error::Result;
use crate::hear::{HearEvent, Heard};
use crate::mind::{context, Mind, MindEvent, Persona};
use crate::store::keep::Keeper;
use crate::store::{AudioIn, NewTurn, Store};
use crate::style::{Background, StyleModel};

pub(super) struct CompanionSide {
    pub(super) mind: Mind,
    pub(super) persona: Persona,
    pub(super) store: Option<Store>,
    pub(super) style: Option<(Arc<StyleModel>, Arc<Background>)>,
    /// Keeps this conversation's turns (see `store::keep`).
    pub(super) keeper: Keeper,
    /// The speech model's name, recorded with each heard turn.
    pub(super) speech_model: Option<String>,
    pub(super) cfg: LoopConfig,
    /// The reply written for a tentative turn: (generation, reply, timings).
    pub(super) tentative: Option<(u64, crate::mind::Reply, Timings)>,
}

impl CompanionSide {
    /// Keeps the person's turn (before it is shown), through the one path
    /// every turn takes ([`Keeper`]); the speech model is recorded for a
    /// heard turn, not for a typed one.
    fn keep_heard(&mut self, h: &Heard, t0_ms: i64) -> Result<()> {
        let Some(store) = self.store.as_mut() else {
            return Ok(());
        };
        let turn = NewTurn {
            language: Some(h.language.clone()),
            confidence: Some(f64::from(h.confidence)),
            model: h.audio.as_ref().and(self.speech_model.clone()),
            ..NewTurn::user(
                h.text.clone(),
                t0_ms + (h.start_s * 1e3).round() as i64,
                t0_ms + (h.end_s * 1e3).round() as i64,
            )
        };
        let audio = h.audio.as_deref().map(AudioIn::InDataDir);
        self.keeper.keep_person(store, turn, audio)?;
        Ok(())
    }

    pub(super) fn answer(
        &mut self,
        job: Job,
        shared: &Shared,
        ev: &mpsc::Sender<CompanionEvent>,
        hear: &mpsc::Sender<HearEvent>,
        say: &mpsc::Sender<Say>,
    ) {
        let current = |g: u64| shared.generation.load(Ordering::SeqCst) == g;
        match job {
            Job::Persona(p) => self.persona = *p,
            Job::Tentative {
                turn,
                text,
                generation,
            } => {
                self.tentative = None;
                if !current(generation) {
                    return;
                }
                let mut timings = Timings::default();
                if let Some(reply) =
                    self.write_reply(turn, &text, generation, &mut timings, shared, ev, say)
                {
                    self.tentative = Some((generation, reply, timings));
                }
            }
            Job::Heard {
                turn,
                heard,
                generation,
                mut timings,
                confirmed,
            } => {
                let t0_ms = crate::store::now_ms() - (shared.now() * 1e3) as i64;
                if let Err(e) = self.keep_heard(&heard, t0_ms) {
                    let _ = ev.send(CompanionEvent::Error {
                        message: format!("could not save the turn: {e}"),
                    });
                }
                if let Some((model, _)) = self.style.as_mut() {
                    Arc::make_mut(model).learn(&heard.text);
                }
                let text = heard.text.clone();
                let _ = hear.send(HearEvent::Final(heard));
                let written = self.tentative.take();
                if !current(generation) {
                    // Talked over before a word of it was spoken: the turn
                    // still gets its (empty, interrupted) reply, so every
                    // heard turn is answered exactly once.
                    let _ = ev.send(self.unanswered(turn, timings));
                    return;
                }
                if let Some((g, reply, t)) = written.filter(|(g, ..)| confirmed && *g == generation)
                {
                    // Written while the pause was still being decided.
                    let _ = g;
                    timings.first_token_s = t.first_token_s;
                    timings.first_sentence_s = t.first_sentence_s;
                    self.finish(turn, reply, generation, timings, shared, ev, say);
                    return;
                }
                let _ = say.send(Say::Confirm { turn, generation });
                match self.write_reply(turn, &text, generation, &mut timings, shared, ev, say) {
                    Some(reply) => self.finish(turn, reply, generation, timings, shared, ev, say),
                    // It failed (said as an error): the turn is still closed.
                    None => {
                        let _ = say.send(Say::End {
                            turn,
                            generation,
                            reply: Box::new(self.unanswered(turn, timings)),
                        });
                    }
                }
            }
        }
    }

    /// The reply event of a turn that got no reply (talked over before a
    /// word was said, or the mind failed): every heard turn is closed by
    /// exactly one reply event.
    pub(super) fn unanswered(&self, turn: u32, timings: Timings) -> CompanionEvent {
        CompanionEvent::Reply {
            turn,
            name: self.persona.name.clone(),
            text: String::new(),
            engine: String::new(),
            interrupted: true,
            timings,
        }
    }

    /// Writes the reply to `text`, handing each sentence to the voice as
    /// soon as it is complete (it plays once its generation is confirmed).
    #[allow(clippy::too_many_arguments)]
    fn write_reply(
        &mut self,
        turn: u32,
        text: &str,
        generation: u64,
        timings: &mut Timings,
        shared: &Shared,
        ev: &mpsc::Sender<CompanionEvent>,
        say: &mpsc::Sender<Say>,
    ) -> Option<crate::mind::Reply> {
        shared.cancel.store(false, Ordering::SeqCst);
        shared.thinking.store(true, Ordering::SeqCst);
        let _ = ev.send(CompanionEvent::Thinking { turn });
        let mut ctx = match &self.store {
            Some(store) => context::gather(
                store,
                self.keeper.conversation(),
                text,
                self.cfg.max_memories,
            )
            .unwrap_or_default(),
            None => Default::default(),
        };
        // The turn, if already kept, is in `recent`: the mind adds it itself.
        if ctx
            .recent
            .last()
            .is_some_and(|t| t.speaker == crate::store::Speaker::User && t.text() == text)
        {
            ctx.recent.pop();
        }
        let hints = self
            .style
            .as_ref()
            .map(|(m, bg)| m.hints(bg, text, self.persona.mirroring));
        let streaming = self.cfg.streaming;
        let mut sentences = Vec::new();
        let reply = self.mind.reply(
            &self.persona,
            hints.as_ref(),
            &ctx,
            text,
            Some(&shared.cancel),
            |e| match e {
                MindEvent::Token { text } => {
                    timings.first_token_s.get_or_insert(shared.now());
                    let _ = ev.send(CompanionEvent::Token { turn, text });
                }
                MindEvent::Sentence { text } => {
                    timings.first_sentence_s.get_or_insert(shared.now());
                    let _ = ev.send(CompanionEvent::Sentence {
                        turn,
                        text: text.clone(),
                    });
                    if streaming {
                        shared.queued.fetch_add(1, Ordering::SeqCst);
                        let _ = say.send(Say::Sentence {
                            turn,
                            generation,
                            text,
                        });
                    } else {
                        sentences.push(text);
                    }
                }
                MindEvent::FellBack { reason } => {
                    let _ = ev.send(CompanionEvent::Error {
                        message: format!("{reason}; answering without the model"),
                    });
                }
            },
        );
        drop(hints);
        shared.thinking.store(false, Ordering::SeqCst);
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                let _ = ev.send(CompanionEvent::Error {
                    message: format!("no reply: {e}"),
                });
                return None;
            }
        };
        if !streaming && !sentences.is_empty() {
            shared.queued.fetch_add(1, Ordering::SeqCst);
            let _ = say.send(Say::Sentence {
                turn,
                generation,
                text: sentences.join(" "),
            });
        }
        timings.reply_done_s = shared.now();
        Some(reply)
    }

    /// Keeps the reply and tells the voice the turn is complete.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        turn: u32,
        reply: crate::mind::Reply,
        generation: u64,
        timings: Timings,
        shared: &Shared,
        ev: &mpsc::Sender<CompanionEvent>,
        say: &mpsc::Sender<Say>,
    ) {
        let interrupted = shared.generation.load(Ordering::SeqCst) != generation
            || reply.stop == Some(crate::llm::Stop::Cancelled);
        if let (Some(store), Some(_)) = (self.store.as_mut(), self.keeper.conversation()) {
            let now = crate::store::now_ms();
            let row = NewTurn {
                engine: Some(reply.engine.clone()),
                model: reply.model.clone(),
                persona: Some(self.persona.name.clone()),
                ..NewTurn::companion(reply.text.clone(), now, now)
            };
            let kept = if reply.text.is_empty() {
                Ok(())
            } else {
                self.keeper.keep_companion(store, row).map(|_| ())
            };
            if let Err(e) = kept {
                let _ = ev.send(CompanionEvent::Error {
                    message: format!("could not save the reply: {e}"),
                });
            }
        }
        let _ = say.send(Say::End {
            turn,
            generation,
            reply: Box::new(CompanionEvent::Reply {
                turn,
                name: self.persona.name.clone(),
                text: reply.text,
                engine: reply.engine,
                interrupted,
                timings,
            }),
        });
        // While the reply is spoken, the conversation so far is read into
        // the model's cache: the next turn only reads what is new.
        if let Err(e) = self.mind.read_ahead() {
            tracing::debug!(error = %e, "reading ahead failed");
        }
    }
}
