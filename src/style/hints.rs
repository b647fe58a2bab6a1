//! What the style model gives a reply: the card, exemplars, fusion with
//! the person's language model, their rhythm, how many candidates to
//! sample and the judge that picks among them.
//!
//! Fusion (see `workers/llm/src/fusion.rs`) replaced fixed token biases
//! toward the person's words: those pushed the words a letter writer shares
//! with every letter writer far past the person's own rates (in `tofu bench
//! style`'s Dickens replies, "very" at 4 times his rate, "glad" at 36), and
//! added nothing measurable on top of fusion, which asks at every word what
//! this person would say next after the words so far.

use std::sync::Arc;

use super::text::{sentences, words};
use super::{Background, StyleModel};
use crate::llm::Fusion;
use crate::mind::StyleHints;

/// The weight of the person's language model in the reply model's choice
/// of each word, at full mirroring. `tofu bench style` (30 prompts, two
/// authors) at full mirroring, attribution / what replies owe their prompt
/// (median PMI per token, as a share of the unmirrored replies'): 0.5 gave
/// 78 % / 37 % (replies that sound like the author and no longer answer),
/// 0.35 gives 72 % / 56 %, 0.3 72 % / 52 %. Earlier: 73 % at 0.5, 72 % at
/// 0.8 (less coherent), 68 % before fusion (fixed biases, no rhythm).
const FUSION: f64 = 0.35;

impl StyleModel {
    /// What a reply gets from this style at mirroring strength `mirror`
    /// (0 = nothing: the companion keeps its own voice).
    pub fn hints(self: &Arc<Self>, bg: &Arc<Background>, context: &str, mirror: f32) -> StyleHints {
        if mirror < 0.05 || self.texts.is_empty() {
            return StyleHints::default();
        }
        let strength = f64::from(mirror.clamp(0.0, 1.0));
        let keep: Vec<String> = crate::mind::context::topic_words(context);
        StyleHints {
            card: if mirror >= 0.3 {
                format!(
                    "Answer the way this person talks, in their words and rhythm:\n{}",
                    self.card(bg, "")
                )
            } else {
                String::new()
            },
            // A small model tends to answer its examples instead of the
            // person (the reranker then picks a candidate that answers):
            // short ones, and only near full mirroring.
            exemplars: if mirror >= 0.9 {
                self.exemplars(context, 6)
                    .into_iter()
                    .filter(|e| e.split_whitespace().count() <= 30)
                    .take(3)
                    .collect()
            } else {
                Vec::new()
            },
            // What is being talked about is never pushed down.
            fusion: (!self.sentences.is_empty()).then(|| Fusion {
                sentences: Arc::clone(&self.sentences),
                hashes: Arc::clone(&self.hashes),
                weight: (FUSION * strength * self.fusion_confidence()) as f32,
                keep,
            }),
            rhythm: {
                let t = self.counts.traits(0.0);
                Some(crate::mind::plan::Rhythm {
                    words: t.mean_words_per_utterance,
                    sentences: t.mean_words_per_utterance / t.mean_words_per_sentence.max(1.0),
                    strength,
                })
            },
            // Sampling several replies and keeping the one most like the
            // person costs one short generation each (the prompt is cached).
            candidates: candidates(mirror),
            judge: Some(Arc::new(StyleJudge {
                model: Arc::clone(self),
                bg: Arc::clone(bg),
            })),
        }
    }
}

/// How many words the person's model needs before it steers fully: a
/// trigram model learned from a few sentences knows little but those
/// sentences, and leaning on it makes the reply say them again (at full
/// mirroring, a fresh profile turned "My sister Anna is visiting next
/// week" straight back). Below this, fusion weighs in proportion.
pub const FUSION_FULL_WORDS: f64 = 2000.0;

impl StyleModel {
    /// 0..=1: how far fusion may trust the person's model, by how much it
    /// learned (see [`FUSION_FULL_WORDS`]).
    pub fn fusion_confidence(&self) -> f64 {
        (self.counts.traits(0.0).words as f64 / FUSION_FULL_WORDS).clamp(0.0, 1.0)
    }
}

/// How many replies to sample and choose among at mirroring `mirror`.
/// At full mirroring, `tofu bench style` (60 replies, attribution /
/// median PMI kept): 4 gave 67 % / 52 %, 5 gives 72 % / 54 %, 6 73 % /
/// 49 % (the judge, choosing among more, picks replies that sound like the
/// person and owe their prompt less). Each costs a short generation, at
/// high mirroring only.
pub fn candidates(mirror: f32) -> usize {
    match mirror {
        m if m >= 0.9 => 5,
        m if m >= 0.75 => 3,
        m if m >= 0.5 => 2,
        _ => 1,
    }
}

/// How much a reply sounds like this person: per word, the log-ratio of
/// their language model's probability to general English's (wordfreq), so
/// common words weigh nothing and their own turns of phrase weigh most.
pub struct StyleJudge {
    pub model: Arc<StyleModel>,
    pub bg: Arc<Background>,
}

impl crate::mind::Judge for StyleJudge {
    fn score(&self, reply: &str) -> f64 {
        let (mut ratio, mut n) = (0.0, 0usize);
        for s in sentences(reply) {
            let w = words(&s);
            if w.is_empty() {
                continue;
            }
            let (lp, _) = self.model.lm.score(&w);
            let bg: f64 = w.iter().map(|x| self.bg.freq(x).log2()).sum();
            ratio += lp - bg;
            n += w.len();
        }
        if n == 0 {
            return 0.0;
        }
        ratio / n as f64
    }
}
