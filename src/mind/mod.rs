//! The companion's mind: answers what the person said, in the chosen
//! personality, with what it remembers.
//!
//! - [`persona`]: name, backstory, sliders, presets (kept in settings).
//! - [`plan`]: how each slider acts on the prompt and on decoding.
//! - [`context`]: recent turns and memories found in the store.
//! - [`backend`]: where words come from (llama.cpp worker; `reflect` fallback).
//! - [`sentences`]: the token stream cut into sentences for speech.
//!
//! The prompt is laid out so the model's cache is reused across turns: the
//! system prompt (persona, style card) first, then this conversation's
//! turns, and only the last message (memories + what was just said) new.

pub mod backend;
pub mod context;
pub mod once;
pub mod openai;
pub mod persona;
pub mod plan;
pub mod rerank;
pub mod secrets;
pub mod sentences;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use crate::error::Result;
use crate::llm::{Message, Stop};
use crate::store::Speaker;
pub use backend::{Backend, BackendKind, Embedded, Reflect, Request};
pub use context::{Context, Memory};
pub use persona::Persona;
pub use rerank::Judge;
pub use sentences::SentenceSplitter;

/// What the style model offers a reply, scaled by the mirroring slider:
/// a card for the system prompt (stable, so it stays cached), a few of the
/// person's own utterances close to the context, fusion with their
/// language model (each word leans toward what they would say next) and
/// their rhythm (reply length). At high mirroring, also a judge of how much a
/// reply sounds like the person and how many candidates to choose among
/// (see [`rerank`]).
#[derive(Clone, Default)]
pub struct StyleHints {
    pub card: String,
    pub exemplars: Vec<String>,
    /// Lean each word toward the person's own language model (backends
    /// that run the model here; others ignore it).
    pub fusion: Option<crate::llm::Fusion>,
    /// How long the person's turns are, and how far the reply follows.
    pub rhythm: Option<plan::Rhythm>,
    /// Replies to sample and choose among (0 or 1: just one, streamed).
    pub candidates: usize,
    pub judge: Option<std::sync::Arc<dyn Judge>>,
}

impl std::fmt::Debug for StyleHints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StyleHints")
            .field("card", &self.card)
            .field("exemplars", &self.exemplars)
            .field("fusion", &self.fusion)
            .field("rhythm", &self.rhythm)
            .field("candidates", &self.candidates)
            .field("judge", &self.judge.is_some())
            .finish()
    }
}

/// What a reply produces as it goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MindEvent {
    Token {
        text: String,
    },
    /// A complete sentence, ready to be spoken.
    Sentence {
        text: String,
    },
    /// The chosen backend failed; the fallback answers instead.
    FellBack {
        reason: String,
    },
}

/// A finished reply.
#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    pub text: String,
    pub sentences: Vec<String>,
    pub engine: String,
    pub model: Option<String>,
    pub persona: String,
    pub stop: Option<Stop>,
    /// Why the fallback answered, if it did.
    pub fell_back: Option<String>,
    pub memories: Vec<Memory>,
    pub first_token_ms: Option<f64>,
    pub first_sentence_ms: Option<f64>,
    pub total_ms: f64,
    pub tokens: usize,
    pub prompt_tokens: usize,
    pub reused_tokens: usize,
}

/// Gathers a reply as it streams: its text, its sentences, when they came.
struct Collector {
    started: Instant,
    text: String,
    sentences: Vec<String>,
    splitter: SentenceSplitter,
    first_token_ms: Option<f64>,
    first_sentence_ms: Option<f64>,
}

impl Collector {
    fn new(started: Instant) -> Collector {
        Collector {
            started,
            text: String::new(),
            sentences: Vec::new(),
            splitter: SentenceSplitter::default(),
            first_token_ms: None,
            first_sentence_ms: None,
        }
    }

    fn ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1e3
    }

    fn push(&mut self, piece: &str, on_event: &mut dyn FnMut(MindEvent)) {
        if self.text.trim().is_empty() && piece.trim().is_empty() {
            return; // leading whitespace
        }
        let ms = self.ms();
        self.first_token_ms.get_or_insert(ms);
        self.text.push_str(piece);
        on_event(MindEvent::Token {
            text: piece.to_string(),
        });
        for s in self.splitter.push(piece) {
            self.first_sentence_ms.get_or_insert(ms);
            on_event(MindEvent::Sentence { text: s.clone() });
            self.sentences.push(s);
        }
    }

    fn finish(&mut self, on_event: &mut dyn FnMut(MindEvent)) {
        if let Some(rest) = self.splitter.finish() {
            let ms = self.ms();
            self.first_sentence_ms.get_or_insert(ms);
            on_event(MindEvent::Sentence { text: rest.clone() });
            self.sentences.push(rest);
        }
    }
}

/// Roughly how many tokens a text is (English, BPE): for budgeting only.
fn estimate_tokens(s: &str) -> usize {
    s.len() / 3 + 4
}

pub struct Mind {
    backend: Box<dyn Backend>,
    fallback: Reflect,
    /// Context window of the backend's model, in tokens.
    n_ctx: usize,
}

impl Mind {
    pub fn new(backend: Box<dyn Backend>, n_ctx: usize) -> Mind {
        Mind {
            backend,
            fallback: Reflect,
            n_ctx,
        }
    }

    pub fn backend(&mut self) -> &mut dyn Backend {
        self.backend.as_mut()
    }

    /// The chat messages for answering `user_text`, fitted to the context
    /// window: the oldest turns of the conversation go first when it is full.
    pub fn messages(
        &self,
        persona: &Persona,
        style: Option<&StyleHints>,
        ctx: &Context,
        user_text: &str,
        max_tokens: usize,
    ) -> Vec<Message> {
        let system = plan::system_prompt(persona, style.map(|s| s.card.as_str()));
        let mut last = String::new();
        if let Some(s) = style.filter(|s| !s.exemplars.is_empty()) {
            // Context-dependent, so here and not in the (cached) system prompt.
            last.push_str("(Things I have said, to show how I talk:");
            for e in &s.exemplars {
                last.push_str(&format!(" \"{}\"", e.trim()));
            }
            last.push_str(")\n\n");
        }
        if !ctx.memories.is_empty() {
            // Plain sentences: a small model follows these better than a list.
            for m in &ctx.memories {
                let who = match m.speaker {
                    Speaker::User => "I told you",
                    Speaker::Companion => "you told me",
                };
                let when = crate::timefmt::local(m.when).format("%-d %B");
                // A long turn is cut: the prompt must fit the context.
                let text: String = m.text.trim().chars().take(300).collect();
                last.push_str(&format!("On {when} {who}: \"{text}\"\n"));
            }
            last.push('\n');
        }
        last.push_str(user_text.trim());
        let budget = self
            .n_ctx
            .saturating_sub(max_tokens + estimate_tokens(&system) + estimate_tokens(&last) + 32);
        // Keep the newest turns that fit; drop in blocks of 8 so the kept
        // prefix stays the same for several turns (and stays cached).
        let costs: Vec<usize> = ctx
            .recent
            .iter()
            .map(|t| estimate_tokens(t.text()) + 8)
            .collect();
        let mut start = 0;
        while start < costs.len() && costs[start..].iter().sum::<usize>() > budget {
            start = (start + 8).min(costs.len());
        }
        let mut messages = vec![Message::new("system", &system)];
        for t in &ctx.recent[start..] {
            let role = match t.speaker {
                Speaker::User => "user",
                Speaker::Companion => "assistant",
            };
            // Two user turns in a row (nothing was answered) merge into one.
            match messages.last_mut() {
                Some(m) if m.role == role => {
                    m.content.push('\n');
                    m.content.push_str(t.text());
                }
                _ => messages.push(Message::new(role, t.text())),
            }
        }
        match messages.last_mut() {
            Some(m) if m.role == "user" => {
                m.content.push('\n');
                m.content.push_str(&last);
            }
            _ => messages.push(Message::new("user", &last)),
        }
        messages
    }

    /// Gets the backend ready and its cache holding the system prompt for
    /// `persona` and `style`, so the first reply only evaluates what was said.
    pub fn warm_up(&mut self, persona: &Persona, style: Option<&StyleHints>) -> Result<()> {
        self.backend.warm_up()?;
        let mut opts = plan::options(persona);
        opts.max_tokens = 1;
        // The worker learns the person's model now, not on the first reply.
        opts.fusion = style.and_then(|s| s.fusion.clone());
        let req = Request {
            messages: self.messages(persona, style, &Context::default(), "Hello.", 1),
            opts,
            user_text: "Hello.".into(),
        };
        self.backend.generate(&req, None, &mut |_| {}).map(|_| ())
    }

    /// Samples `n` replies (seeds differ; the cached prompt is shared) and
    /// returns the best by [`rerank::score`], with the outcome of the last
    /// generation (tokens summed). Stops early when cancelled.
    fn best_of(
        &mut self,
        req: &Request,
        n: usize,
        judge: Option<&dyn Judge>,
        cancel: Option<&AtomicBool>,
    ) -> Result<(String, backend::Outcome)> {
        let mut texts = Vec::new();
        let mut outcome = backend::Outcome::default();
        let mut tokens = 0;
        for i in 0..n {
            let mut r = req.clone();
            r.opts.seed = req.opts.seed.wrapping_add(i as u32);
            let mut text = String::new();
            let o = self.backend.generate(&r, cancel, &mut |p| text.push_str(p));
            let o = match o {
                Ok(o) => o,
                // One good candidate is enough; an error after it is not fatal.
                Err(e) if texts.is_empty() => return Err(e),
                Err(_) => break,
            };
            tokens += o.tokens;
            if i == 0 {
                outcome = o.clone();
            }
            outcome.stop = o.stop;
            texts.push(text);
            if o.stop == Some(Stop::Cancelled) {
                break;
            }
        }
        outcome.tokens = tokens;
        let i = rerank::best(judge, &req.user_text, &texts).unwrap_or(0);
        for (k, t) in texts.iter().enumerate() {
            tracing::debug!(
                candidate = k,
                chosen = k == i,
                score = rerank::score(judge, &req.user_text, t),
                style = judge.map(|j| j.score(t)),
                text = t.as_str(),
                "reply candidate"
            );
        }
        Ok((texts.swap_remove(i), outcome))
    }

    /// Answers `user_text`. Tokens and sentences stream through `on_event`;
    /// `cancel` stops it (the reply so far is returned, `stop` = cancelled).
    /// If the backend fails, the fallback answers and `fell_back` says why.
    pub fn reply(
        &mut self,
        persona: &Persona,
        style: Option<&StyleHints>,
        ctx: &Context,
        user_text: &str,
        cancel: Option<&AtomicBool>,
        mut on_event: impl FnMut(MindEvent),
    ) -> Result<Reply> {
        let started = Instant::now();
        let mut opts = plan::options(persona);
        opts.biases.extend(plan::memory_biases(&ctx.memories));
        opts.avoid.extend(plan::avoid_name(persona, user_text));
        if let Some(s) = style {
            opts.fusion = s.fusion.clone();
            if let Some(r) = &s.rhythm {
                plan::follow_rhythm(&mut opts, r);
            }
        }
        let req = Request {
            messages: self.messages(persona, style, ctx, user_text, opts.max_tokens),
            opts,
            user_text: user_text.to_string(),
        };
        let mut out = Collector::new(started);
        let mut engine = self.backend.engine().to_string();
        let mut model = self.backend.model();
        let mut fell_back = None;
        let candidates = style.map_or(1, |s| s.candidates.max(1));
        let result = if candidates > 1 {
            self.best_of(
                &req,
                candidates,
                style.and_then(|s| s.judge.as_deref()),
                cancel,
            )
            .map(|(text, outcome)| {
                out.push(&text, &mut on_event);
                outcome
            })
        } else {
            self.backend
                .generate(&req, cancel, &mut |p| out.push(p, &mut on_event))
        };
        let outcome = match result {
            Ok(o) if !out.text.trim().is_empty() || o.stop == Some(Stop::Cancelled) => o,
            result => {
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(_) => "the model gave an empty reply".to_string(),
                };
                tracing::warn!(%reason, "reply backend failed; reflecting instead");
                on_event(MindEvent::FellBack {
                    reason: reason.clone(),
                });
                fell_back = Some(reason);
                engine = self.fallback.engine().to_string();
                model = None;
                out = Collector::new(started);
                self.fallback
                    .generate(&req, cancel, &mut |p| out.push(p, &mut on_event))?
            }
        };
        out.finish(&mut on_event);
        let Collector {
            sentences,
            first_token_ms,
            first_sentence_ms,
            ..
        } = out;
        Ok(Reply {
            text: sentences.join(" "),
            sentences,
            engine,
            model,
            persona: persona.name.clone(),
            stop: outcome.stop,
            fell_back,
            memories: ctx.memories.clone(),
            first_token_ms,
            first_sentence_ms,
            total_ms: started.elapsed().as_secs_f64() * 1e3,
            tokens: outcome.tokens,
            prompt_tokens: outcome.prompt_tokens,
            reused_tokens: outcome.reused_tokens,
        })
    }
}
