//! Writing one reply: tries generated and judged sentence by sentence as
//! they stream ([`Mind::attempt`]), and the choice among tries, with the
//! retries a refused first sentence costs ([`Mind::write`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::*;
use crate::error::Result;
use crate::llm::Stop;

/// Gathers a reply as it streams: its text, its sentences, when they came.
pub(super) struct Collector {
    pub(super) started: Instant,
    pub(super) text: String,
    pub(super) sentences: Vec<String>,
    pub(super) splitter: SentenceSplitter,
    pub(super) first_token_ms: Option<f64>,
    pub(super) first_sentence_ms: Option<f64>,
}

impl Collector {
    pub(super) fn new(started: Instant) -> Collector {
        Collector {
            started,
            text: String::new(),
            sentences: Vec::new(),
            splitter: SentenceSplitter::default(),
            first_token_ms: None,
            first_sentence_ms: None,
        }
    }

    pub(super) fn ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1e3
    }

    pub(super) fn push(&mut self, piece: &str, on_event: &mut dyn FnMut(MindEvent)) {
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

    /// A whole sentence the gate accepted: its text as one token, then the
    /// sentence itself.
    pub(super) fn push_sentence(&mut self, sentence: &str, on_event: &mut dyn FnMut(MindEvent)) {
        let ms = self.ms();
        self.first_token_ms.get_or_insert(ms);
        self.first_sentence_ms.get_or_insert(ms);
        let piece = if self.text.is_empty() {
            sentence.to_string()
        } else {
            format!(" {sentence}")
        };
        self.text.push_str(&piece);
        on_event(MindEvent::Token { text: piece });
        on_event(MindEvent::Sentence {
            text: sentence.to_string(),
        });
        self.sentences.push(sentence.to_string());
    }

    pub(super) fn finish(&mut self, on_event: &mut dyn FnMut(MindEvent)) {
        if let Some(rest) = self.splitter.finish() {
            let ms = self.ms();
            self.first_sentence_ms.get_or_insert(ms);
            on_event(MindEvent::Sentence { text: rest.clone() });
            self.sentences.push(rest);
        }
    }
}

/// How [`Mind::write`] chooses among tries.
pub(super) struct Choosing<'a> {
    /// Good tries to choose among (1: the single try streams).
    pub(super) candidates: usize,
    /// Words of the memories the person did not just say.
    pub(super) remembered: &'a [String],
    pub(super) curiosity: f32,
    /// The person asked about the past: the first try that recalls wins.
    pub(super) wants_recall: bool,
    /// A try that recalls is heard from its recalling sentence on, as it is
    /// written (nothing else chooses among tries: no style rerank).
    pub(super) recall_streams: bool,
    /// Asked about the past and no try recalls: what the person told that
    /// the question is about, said back to them ([`plan::told_back`]).
    pub(super) told_back: Option<String>,
    pub(super) judge: Option<&'a dyn rerank::Judge>,
}

/// One try at a reply (see `Mind::attempt`).
pub(super) struct Attempt {
    /// The sentences the gate accepted, in order.
    pub(super) sentences: Vec<String>,
    /// The first sentence refused, and why.
    pub(super) refused: Option<(String, Vec<rules::Breach>)>,
    /// Everything the model wrote (for the log).
    pub(super) text: String,
    pub(super) outcome: backend::Outcome,
    /// The caller cancelled it.
    pub(super) cancelled: bool,
}

impl Mind {
    /// One try at a reply: generated with `req`, each sentence judged by
    /// `gate` as it completes. Accepted sentences go to `on_sentence` at
    /// once; the first refused one ends the try (generation is stopped).
    pub(super) fn attempt(
        &mut self,
        req: &Request,
        gate: &mut gate::Gate<'_>,
        cancel: Option<&AtomicBool>,
        on_sentence: &mut dyn FnMut(&str),
    ) -> Result<Attempt> {
        let halt = AtomicBool::new(false);
        let done = AtomicBool::new(false);
        let mut splitter = SentenceSplitter::default();
        let mut sentences: Vec<String> = Vec::new();
        let mut refused: Option<(String, Vec<rules::Breach>)> = None;
        let mut text = String::new();
        let backend = &mut self.backend;
        let result = std::thread::scope(|scope| {
            if let Some(c) = cancel {
                // The caller's cancel reaches the generation through `halt`,
                // which the judge can also raise.
                let (halt, done) = (&halt, &done);
                scope.spawn(move || {
                    while !done.load(Ordering::SeqCst) {
                        if c.load(Ordering::SeqCst) {
                            halt.store(true, Ordering::SeqCst);
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                });
            }
            let mut judge =
                |s: String,
                 gate: &mut gate::Gate<'_>,
                 sentences: &mut Vec<String>,
                 refused: &mut Option<(String, Vec<rules::Breach>)>| {
                    if refused.is_some() {
                        return;
                    }
                    // A stage direction ("(sighs)", "*smiles*") is neither said
                    // nor written: a companion talks, it does not narrate.
                    let s = crate::tts::speakable::speakable(&s);
                    if !s.chars().any(char::is_alphanumeric) {
                        return;
                    }
                    let mut breaches = gate.judge(&s);
                    if s.starts_with(['(', '[', '*']) {
                        // An aside too long to be a stage direction: a model
                        // narrating itself ("(Now speaking in a way that...)").
                        breaches.push(rules::Breach {
                            rule: rules::Rule::LeakedInstructions,
                            evidence: "opens with an aside".into(),
                        });
                    }
                    if breaches.is_empty() {
                        gate.accept(&s);
                        on_sentence(&s);
                        sentences.push(s);
                    } else {
                        tracing::debug!(sentence = s.as_str(), ?breaches, "sentence refused");
                        *refused = Some((s, breaches));
                        halt.store(true, Ordering::SeqCst);
                    }
                };
            // The watcher above ends when this does, also when the backend
            // panics (the scope would otherwise wait on it for ever).
            struct Finished<'a>(&'a AtomicBool);
            impl Drop for Finished<'_> {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::SeqCst);
                }
            }
            let _finished = Finished(&done);
            // Words already judged early in the sentence being written.
            let mut judged = 0;
            let r = backend.generate(req, Some(&halt), &mut |p| {
                text.push_str(p);
                let done = splitter.push(p);
                if !done.is_empty() {
                    judged = 0;
                }
                for s in done {
                    judge(s, gate, &mut sentences, &mut refused);
                }
                // A sentence that already breaks a rule is refused at once,
                // not after the model has written all of it.
                let partial = splitter.pending();
                let words = partial.split_whitespace().count();
                if refused.is_none() && words > judged {
                    judged = words;
                    let breaches = gate.judge_early(partial);
                    if !breaches.is_empty() {
                        tracing::debug!(partial, ?breaches, "sentence refused early");
                        refused = Some((partial.trim().to_string(), breaches));
                        halt.store(true, Ordering::SeqCst);
                    }
                }
            });
            if r.is_ok() && !halt.load(Ordering::SeqCst) {
                let cut = r.as_ref().is_ok_and(|o| o.stop == Some(Stop::Length));
                if let Some(rest) = splitter.finish() {
                    if let Some(rest) = sentences::unfinished_tail(rest, cut, !sentences.is_empty())
                    {
                        judge(rest, gate, &mut sentences, &mut refused);
                    }
                }
            }
            r
        });
        let mut outcome = result?;
        let cancelled = cancel.is_some_and(|c| c.load(Ordering::SeqCst));
        if outcome.stop == Some(Stop::Cancelled) && !cancelled {
            // Stopped by the judge, not by the caller.
            outcome.stop = Some(Stop::Sentences);
        }
        Ok(Attempt {
            sentences,
            refused,
            text,
            outcome,
            cancelled,
        })
    }

    /// Writes the reply into `out`: one streamed try, or `candidates` tries
    /// and the best by [`rerank::score`]. A try whose first sentence is
    /// refused is written again (another seed, hotter), up to
    /// [`EXTRA_TRIES`] more times; if none keeps the rules,
    /// [`gate::safe_reply`] answers. Returns the outcome and the tries made.
    pub(super) fn write(
        &mut self,
        req: &Request,
        how: &Choosing<'_>,
        against: &rules::Against<'_>,
        cancel: Option<&AtomicBool>,
        out: &mut Collector,
        on_event: &mut dyn FnMut(MindEvent),
    ) -> Result<(backend::Outcome, usize)> {
        let candidates = how.candidates;
        let streamed = candidates <= 1;
        let mut tries: Vec<Attempt> = Vec::new();
        let mut tokens = 0;
        let mut first: Option<backend::Outcome> = None;
        let mut flowed = false;
        for i in 0..candidates + EXTRA_TRIES {
            let good = tries.iter().filter(|t| !t.sentences.is_empty()).count();
            if good >= candidates || (streamed && good > 0) {
                break;
            }
            // Asked about the past: the first good try that brings back
            // what was told is the answer; no need to write more.
            if how.wants_recall
                && tries
                    .iter()
                    .any(|t| rerank::recalls(&t.sentences.join(" "), how.remembered))
            {
                break;
            }
            let mut r = req.clone();
            r.opts.seed = req.opts.seed.wrapping_add(i as u32);
            if i >= candidates {
                // The same settings wrote a refused reply: vary more.
                let extra = (i + 1 - candidates) as f32;
                r.opts.temperature = (req.opts.temperature.max(0.5) + 0.15 * extra).min(1.1);
            }
            // A try refused for pitying good news (or cheering bad) is
            // not written the same way again: the phrase's key word is
            // held back in the next tries ("I'm sorry for" came back with
            // every seed; cut at once, it still cost a try each time).
            for t in &tries {
                for b in t.refused.iter().flat_map(|(_, b)| b) {
                    if b.rule == rules::Rule::MoodContradicted {
                        r.opts.avoid.extend(gate::key_words(&b.evidence));
                    }
                }
            }
            let mut gate = gate::Gate::new(*against);
            if how.wants_recall {
                gate = gate.recalling();
            }
            // Asked about the past: this try's sentences wait until one
            // recalls, then they flow (the first that recalls wins anyway,
            // so nothing is lost by hearing it at once).
            let mut held: Vec<String> = Vec::new();
            let attempt = self.attempt(&r, &mut gate, cancel, &mut |s| {
                if streamed || flowed {
                    out.push_sentence(s, on_event);
                } else if how.recall_streams {
                    held.push(s.to_string());
                    if rerank::recalls(s, how.remembered) {
                        flowed = true;
                        for h in held.drain(..) {
                            out.push_sentence(&h, on_event);
                        }
                    }
                }
            });
            let attempt = match attempt {
                Ok(a) => a,
                // One good try is enough; an error after it is not fatal,
                // nor after sentences were already heard (they are the reply).
                Err(e) if tries.iter().all(|t| t.sentences.is_empty()) && out.text.is_empty() => {
                    return Err(e)
                }
                Err(_) => break,
            };
            tokens += attempt.outcome.tokens;
            // A try stopped by the judge did not wait for the worker's
            // figures: the first try that has them speaks for the prompt.
            if first.as_ref().is_none_or(|f| f.prompt_tokens == 0) {
                first = Some(attempt.outcome.clone());
            }
            let cancelled = attempt.cancelled;
            tries.push(attempt);
            if cancelled || flowed {
                break;
            }
        }
        let mut outcome = first.unwrap_or_default();
        outcome.tokens = tokens;
        if let Some(last) = tries.last() {
            outcome.stop = last.outcome.stop;
        }
        if (streamed || flowed) && !out.text.is_empty() {
            return Ok((outcome, tries.len()));
        }
        let texts: Vec<String> = tries.iter().map(|t| t.sentences.join(" ")).collect();
        let chosen = texts
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| {
                let mut s = rerank::score_recalling(how.judge, &req.user_text, t, how.remembered);
                // The curiosity slider chooses too: a small model ignores
                // "ask a question" most of the time, so among good tries the
                // one that asks wins above 0.5 (and loses below).
                if t.contains('?') {
                    s += 6.0 * f64::from(how.curiosity - 0.5);
                }
                (i, s)
            })
            .fold(None, |acc: Option<(usize, f64)>, (i, s)| match acc {
                Some((_, b)) if b >= s => acc,
                _ => Some((i, s)),
            });
        for (k, t) in tries.iter().enumerate() {
            tracing::debug!(
                candidate = k,
                chosen = chosen.is_some_and(|(c, _)| c == k),
                kept = texts[k].as_str(),
                written = t.text.as_str(),
                refused = ?t.refused.as_ref().map(|r| &r.1),
                "reply candidate"
            );
        }
        // Recalling a fact takes more than naming its topic ("your
        // mother's birthday" to "when is my mum's birthday?"): the chosen
        // reply names two words of what was told.
        let recalled =
            chosen.is_some_and(|(i, _)| rerank::recalled_words(&texts[i], how.remembered) >= 2);
        let text = match (chosen, &how.told_back) {
            // Asked about the past, no try brought it back (or brought it
            // back wrong and was refused): their own words, turned.
            (_, Some(told)) if !recalled && !tries.iter().any(|t| t.cancelled) => told.clone(),
            (Some((i, _)), _) => texts[i].clone(),
            (None, _) if tries.iter().any(|t| t.cancelled) => String::new(),
            // Nothing kept every rule: something short and true. (Using the
            // least bad refused try instead let "Me, I eat meat for ten
            // years" through, the person's words in the companion's mouth.)
            (None, _) => gate::safe_reply(&req.user_text),
        };
        if !text.is_empty() {
            let mut split = SentenceSplitter::default();
            let mut sentences = split.push(&text);
            sentences.extend(split.finish());
            for s in sentences {
                out.push_sentence(&s, on_event);
            }
        }
        Ok((outcome, tries.len()))
    }
}
