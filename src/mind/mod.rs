//! The companion's mind: answers what the person said, in the chosen
//! personality, with what it remembers.
//!
//! - [`persona`]: name, backstory, sliders, presets (kept in settings).
//! - [`plan`]: how each slider acts on the prompt and on decoding.
//! - [`context`]: recent turns and memories found in the store.
//! - [`backend`]: where words come from (llama.cpp worker; `reflect` fallback).
//! - [`sentences`]: the token stream cut into sentences for speech.
//! - [`rules`]: what a good reply never does, as plain detectors; [`gate`]
//!   applies them to every sentence before it is shown or spoken.
//!
//! The prompt is laid out so the model's cache is reused across turns: the
//! system prompt (persona, style card) first, then this conversation's
//! turns, and only the last message (memories + what was just said) new.

pub mod backend;
pub mod context;
pub mod facts;
pub mod gate;
pub mod load;
pub mod once;
pub mod openai;
pub mod persona;
pub mod plan;
pub mod rerank;
pub mod role;
pub mod rules;
pub mod secrets;
pub mod sentences;
mod write;
use write::{Choosing, Collector};

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
    /// How many times the reply was written (more than the candidates
    /// sampled when the gate refused a try's first sentence).
    pub tries: usize,
}

/// Roughly how many tokens a text is (English, BPE): for budgeting only.
fn estimate_tokens(s: &str) -> usize {
    s.len() / 3 + 4
}

/// How many more times a reply is written when every try so far had its
/// first sentence refused.
pub const EXTRA_TRIES: usize = 3;

/// Tries written for a question about the past (the first that recalls
/// what was told stops the rest).
pub const RECALL_TRIES: usize = 3;

pub struct Mind {
    backend: Box<dyn Backend>,
    fallback: Reflect,
    /// Context window of the backend's model, in tokens.
    n_ctx: usize,
    /// English words, for judging invented ones (none: not judged).
    lexicon: Option<std::sync::Arc<rules::Lexicon>>,
    /// The conversation as the next turn's prompt will begin: the last
    /// prompt with the person's words and the memories shown with them
    /// (no style exemplars), and the reply after them. See
    /// [`Mind::read_ahead`].
    next: Option<Vec<Message>>,
    /// The memory lines shown with earlier turns, by what the person said
    /// then: they stay where they were in later prompts (so the prompt
    /// only grows at its end and the model's cache keeps all of it), and
    /// a memory already there is not said again.
    attached: std::collections::VecDeque<(String, String)>,
}

/// How many turns' memory lines [`Mind`] remembers (a context window holds
/// fewer turns than this).
const ATTACHED_TURNS: usize = 64;

impl Mind {
    pub fn new(backend: Box<dyn Backend>, n_ctx: usize) -> Mind {
        Mind {
            backend,
            fallback: Reflect,
            n_ctx,
            lexicon: None,
            next: None,
            attached: std::collections::VecDeque::new(),
        }
    }

    /// Judges words against `lexicon` (see [`rules::invented_words`]).
    pub fn with_lexicon(mut self, lexicon: std::sync::Arc<rules::Lexicon>) -> Mind {
        self.lexicon = Some(lexicon);
        self
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
        self.layout(persona, style, ctx, user_text, max_tokens).0
    }

    /// [`messages`](Self::messages), how many bytes at the end of the last
    /// one are this turn's (style exemplars, memories, what was said), and
    /// its memory lines (as the next prompt keeps them with the words).
    fn layout(
        &self,
        persona: &Persona,
        style: Option<&StyleHints>,
        ctx: &Context,
        user_text: &str,
        max_tokens: usize,
    ) -> (Vec<Message>, usize, String) {
        let system = plan::system_prompt(persona, style.map(|s| s.card.as_str()));
        // Earlier turns with the memory lines shown with them.
        let with_memories = |t: &crate::store::Turn| -> String {
            let text = t.text();
            let shown = (t.speaker == Speaker::User)
                .then(|| {
                    self.attached
                        .iter()
                        .rev()
                        .find(|(said, _)| said == text.trim())
                })
                .flatten();
            match shown {
                Some((_, lines)) => format!("{lines}{text}"),
                None => text.to_string(),
            }
        };
        let mut last = String::new();
        if let Some(s) = style.filter(|s| !s.exemplars.is_empty()) {
            // Context-dependent, so here and not in the (cached) system prompt.
            last.push_str("(Things I have said, to show how I talk:");
            for e in &s.exemplars {
                last.push_str(&format!(" \"{}\"", e.trim()));
            }
            last.push_str(")\n\n");
        }
        let earlier: Vec<String> = ctx.recent.iter().map(with_memories).collect();
        // Memory lines already in the conversation above are not repeated
        // (the model reads them there), except for a question about the
        // past: what it asks about is put right before it.
        let recalling = plan::asks_about_the_past(user_text, ctx.found);
        let mut lines = String::new();
        for m in &ctx.memories {
            let when = plan::when_told(m.when, crate::store::now_ms());
            // Plain sentences: a small model follows these better than a list.
            let line = plan::memory_line(&when, m.speaker, &m.text);
            if recalling || !earlier.iter().any(|e| e.contains(&line)) {
                lines.push_str(&line);
                lines.push('\n');
            }
        }
        if !lines.is_empty() {
            lines.push('\n');
        }
        last.push_str(&lines);
        last.push_str(user_text.trim());
        let budget = self
            .n_ctx
            .saturating_sub(max_tokens + estimate_tokens(&system) + estimate_tokens(&last) + 32);
        // Keep the newest turns that fit; drop in blocks of 8 so the kept
        // prefix stays the same for several turns (and stays cached).
        let costs: Vec<usize> = earlier.iter().map(|t| estimate_tokens(t) + 8).collect();
        let mut start = 0;
        while start < costs.len() && costs[start..].iter().sum::<usize>() > budget {
            start = (start + 8).min(costs.len());
        }
        let mut messages = vec![Message::new("system", &system)];
        for (t, text) in ctx.recent[start..].iter().zip(&earlier[start..]) {
            let role = match t.speaker {
                Speaker::User => "user",
                Speaker::Companion => "assistant",
            };
            // Two user turns in a row (nothing was answered) merge into one.
            match messages.last_mut() {
                Some(m) if m.role == role => {
                    m.content.push('\n');
                    m.content.push_str(text);
                }
                _ => messages.push(Message::new(role, text)),
            }
        }
        match messages.last_mut() {
            Some(m) if m.role == "user" => {
                m.content.push('\n');
                m.content.push_str(&last);
            }
            _ => messages.push(Message::new("user", &last)),
        }
        (messages, last.len(), lines)
    }

    /// Reads the conversation so far (up to the last reply) into the
    /// backend's cache while the person listens or talks, so the next
    /// reply only reads their new turn and its memories: about 50–120
    /// fewer tokens before its first word (~3.4 ms each on two cores).
    /// Call it when the reply is kept and nothing waits on the mind.
    pub fn read_ahead(&mut self) -> Result<()> {
        match self.next.take() {
            Some(messages) => self.backend.prefill(&messages),
            None => Ok(()),
        }
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
        opts.biases
            .extend(plan::memory_biases(&ctx.memories, ctx.found));
        opts.avoid.extend(plan::avoid_name(persona, user_text));
        if let Some(s) = style {
            opts.fusion = s.fusion.clone();
            if let Some(r) = &s.rhythm {
                plan::follow_rhythm(&mut opts, r);
            }
        }
        let (messages, this_turn, lines) =
            self.layout(persona, style, ctx, user_text, opts.max_tokens);
        let req = Request {
            messages,
            opts,
            user_text: user_text.to_string(),
        };
        self.next = None;
        tracing::trace!(messages = ?req.messages, "reply prompt");
        let mut out = Collector::new(started);
        let mut engine = self.backend.engine().to_string();
        let mut model = self.backend.model();
        let mut fell_back = None;
        // What every sentence is judged against (see `gate`).
        let person: Vec<&str> = ctx
            .recent
            .iter()
            .filter(|t| t.speaker == Speaker::User)
            .map(|t| t.text())
            .chain([user_text])
            .collect();
        // Spoken as the person's own, a memory is role confusion too. The
        // day each was told is in the prompt too: saying it is no made-up
        // number (see `facts`).
        let days: Vec<String> = ctx
            .memories
            .iter()
            .map(|m| crate::timefmt::local(m.when).format("%-d %B").to_string())
            .collect();
        let told: Vec<&str> = ctx
            .memories
            .iter()
            .map(|m| m.text.as_str())
            .chain(days.iter().map(String::as_str))
            .collect();
        let instructions = plan::system_prompt(persona, None);
        let lexicon = self.lexicon.clone();
        let against = rules::Against {
            person: &person,
            told: &told,
            name: &persona.name,
            instructions: &instructions,
            mood: gate::guess_mood(user_text),
            lexicon: lexicon.as_deref().unwrap_or(gate::no_lexicon()),
        };
        // What recalling means here: a word of a memory the person did not
        // just say ("sister" asked about; "Lena" or "Lisbon" remembered).
        let said = context::topic_words(user_text);
        let mut remembered: Vec<String> = Vec::new();
        for w in ctx
            .memories
            .iter()
            .flat_map(|m| context::topic_words(&m.text))
        {
            if !said.contains(&w) && !remembered.contains(&w) {
                remembered.push(w);
            }
        }
        let wants_recall = plan::asks_about_the_past(user_text, ctx.found);
        // The memory the question is about: the statement of theirs that
        // shares the most content words with it (at least one).
        let told_back = {
            let stems = |t: &str| -> Vec<String> {
                context::topic_words(t)
                    .iter()
                    .map(|w| w.chars().take(5).collect())
                    .collect()
            };
            let asked = stems(user_text);
            ctx.memories
                .iter()
                .filter(|m| m.speaker == Speaker::User && !m.text.trim_end().ends_with('?'))
                .map(|m| {
                    let shared = stems(&m.text).iter().filter(|w| asked.contains(w)).count();
                    (shared, m)
                })
                .filter(|(shared, _)| *shared > 0)
                .max_by_key(|(shared, _)| *shared)
                .map(|(_, m)| m)
                // No word in common ("grow" asked, "grew" told): the best
                // of those the search found by the question's words.
                .or(ctx.memories.first().filter(|m| {
                    ctx.found > 0 && m.speaker == Speaker::User && !m.text.trim_end().ends_with('?')
                }))
                .map(|m| plan::told_back(&m.text))
        };
        let how = Choosing {
            // A question about the past is answered from a few tries: the
            // first that recalls wins (a 135M model ignores its memories in
            // most single tries).
            candidates: style
                .map_or(1, |s| s.candidates.max(1))
                .max(if wants_recall { RECALL_TRIES } else { 1 }),
            remembered: &remembered,
            curiosity: persona.curiosity,
            wants_recall,
            recall_streams: wants_recall && style.is_none_or(|s| s.candidates <= 1),
            told_back: told_back.filter(|_| wants_recall && plan::asks_for_a_fact(user_text)),
            judge: style.and_then(|s| s.judge.as_deref()),
        };
        // A question after a fact they told, with the memory it is about:
        // their words, turned, are the answer. A 135M model's own tries got
        // the topic and not the fact ("In the correct month of March…",
        // "March 21st" for the twelfth), and which try it wrote changed
        // with any word of the prompt.
        let from_memory = how
            .told_back
            .clone()
            .filter(|_| plan::asks_for_a_fact(user_text));
        let result = match from_memory {
            Some(told) => {
                let mut split = SentenceSplitter::default();
                let mut sentences = split.push(&told);
                sentences.extend(split.finish());
                for s in sentences {
                    out.push_sentence(&s, &mut on_event);
                }
                Ok((backend::Outcome::default(), 0))
            }
            None => self.write(&req, &how, &against, cancel, &mut out, &mut on_event),
        };
        let mut tries = 0;
        let outcome = match result {
            Ok((o, n)) if !out.text.trim().is_empty() || o.stop == Some(Stop::Cancelled) => {
                tries = n;
                o
            }
            result => {
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(_) => "the model gave an empty reply".to_string(),
                };
                // The reason may quote a server's answer, which can echo
                // the request (what the person said): debug level only.
                tracing::warn!("reply backend failed; reflecting instead");
                tracing::debug!(%reason, "why the reply backend failed");
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
        let text = sentences.join(" ");
        if fell_back.is_none() && !text.is_empty() {
            // As the next turn will lay it out: this turn's memory lines
            // and words (no style exemplars), then the reply (see
            // `read_ahead`).
            let said = user_text.trim().to_string();
            if !lines.is_empty() {
                if self.attached.len() == ATTACHED_TURNS {
                    self.attached.pop_front();
                }
                self.attached.push_back((said.clone(), lines.clone()));
            }
            let mut next = req.messages.clone();
            if let Some(m) = next.last_mut() {
                m.content.truncate(m.content.len() - this_turn);
                m.content.push_str(&lines);
                m.content.push_str(&said);
            }
            next.push(Message::new("assistant", &text));
            self.next = Some(next);
        }
        Ok(Reply {
            text,
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
            tries,
        })
    }
}
