//! The personal style model: how this person talks, learned from every
//! final transcript, every correction and any writing they import.
//!
//! - [`text`]: words, sentences, documents.
//! - [`traits`]: the interpretable profile (lengths, fillers, hedges,
//!   questions, pronouns, contractions, formality, sentiment).
//! - [`lm`]: their own trigram language model (Kneser-Ney): perplexity and
//!   next-word preferences.
//! - [`background`]: general English (wordfreq), which distinctive words and
//!   phrases are measured against (log-odds with an informative prior).
//!
//! A model is a pure function of the texts learned (minus excluded
//! phrases), which the store keeps per named profile (`store/style.rs`).

pub mod background;
pub mod hints;
pub mod portrait;
pub mod text;
pub mod traits;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::store::Store;
pub use background::Background;
pub use hints::{candidates, StyleJudge};
use lm::KneserNey;
use text::{sentences, words};
pub use tofu_ngram as lm;
use tofu_ngram::written_words;
use traits::{Counts, Traits};

/// The profile the app learns into.
pub const DEFAULT_PROFILE: &str = "me";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Scored {
    pub text: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// How distinctive (a z-score for words, count × PMI for phrases).
    pub score: f64,
}

/// Everything `tofu style show` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Profile {
    pub name: String,
    pub traits: Traits,
    pub vocabulary: usize,
    pub distinctive_words: Vec<Scored>,
    pub phrases: Vec<Scored>,
    /// Distinctive content words: what they talk about.
    pub topics: Vec<String>,
    pub excluded: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct StyleModel {
    pub name: String,
    texts: Vec<String>,
    excluded: Vec<Vec<String>>,
    counts: Counts,
    lm: KneserNey,
    unigrams: HashMap<String, u64>,
    /// In how many texts each word appears (for the exemplars' idf).
    doc_freq: HashMap<String, u64>,
    ngrams: HashMap<Vec<String>, u64>,
    /// Per word, how often it is written with a capital inside a sentence,
    /// and how often it is inside one at all ("I", "Mrs", "Fanny").
    capitals: HashMap<String, (u32, u32)>,
    /// The most recent words (for the vocabulary richness window).
    stream: Vec<String>,
    /// Every sentence the language model learned, in order, and a running
    /// hash after each (what the reply model's fusion learns, and how the
    /// worker tells what it already has; see `hints`).
    sentences: Arc<Vec<String>>,
    hashes: Arc<Vec<u64>>,
}

fn contains_phrase(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase)
}

/// The card names a word only if general English uses it less often than
/// this (per word): "dear", "shall", "upon" are named; "i", "my", "very"
/// (1e-3) are not.
const NAMED_BELOW: f64 = 5e-4;

impl StyleModel {
    pub fn new(name: &str) -> StyleModel {
        StyleModel {
            name: name.to_string(),
            lm: KneserNey::new(),
            ..StyleModel::default()
        }
    }

    /// Builds a model from its texts and exclusions (what the store keeps).
    pub fn build(name: &str, texts: &[String], excluded: &[String]) -> StyleModel {
        let mut m = StyleModel::new(name);
        m.excluded = excluded
            .iter()
            .map(|p| words(p))
            .filter(|p| !p.is_empty())
            .collect();
        for t in texts {
            m.learn(t);
        }
        m
    }

    /// Learns one utterance (or paragraph). Sentences holding an excluded
    /// phrase are left out entirely.
    pub fn learn(&mut self, text: &str) {
        let kept: Vec<String> = sentences(text)
            .into_iter()
            .filter(|s| {
                let ws = words(s);
                !self.excluded.iter().any(|p| contains_phrase(&ws, p))
            })
            .collect();
        if kept.is_empty() {
            return;
        }
        let text = kept.join(" ");
        self.counts.learn(&text);
        let mut distinct = words(&text);
        distinct.sort();
        distinct.dedup();
        for w in distinct {
            *self.doc_freq.entry(w).or_default() += 1;
        }
        for s in &kept {
            let ws = words(s);
            for (w, as_written) in ws.iter().zip(written_words(s)).skip(1) {
                let c = self.capitals.entry(w.clone()).or_default();
                c.0 += u32::from(as_written.starts_with(char::is_uppercase));
                c.1 += 1;
            }
            self.lm.learn(&ws);
            for w in &ws {
                *self.unigrams.entry(w.clone()).or_default() += 1;
            }
            for n in [2, 3] {
                for g in ws.windows(n) {
                    *self.ngrams.entry(g.to_vec()).or_default() += 1;
                }
            }
            self.stream.extend(ws);
            // FNV-1a, continued over each sentence and a separator.
            let mut h = self.hashes.last().copied().unwrap_or(0xcbf2_9ce4_8422_2325);
            for b in s.bytes().chain([0]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
            Arc::make_mut(&mut self.hashes).push(h);
            Arc::make_mut(&mut self.sentences).push(s.clone());
        }
        let keep = 5_000;
        if self.stream.len() > 2 * keep {
            self.stream.drain(..self.stream.len() - keep);
        }
        self.texts.push(text);
    }

    pub fn utterances(&self) -> usize {
        self.texts.len()
    }

    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// Moving-average type-token ratio over 100-word windows (stable
    /// whatever the amount of text, unlike a plain type-token ratio).
    fn richness(&self) -> f64 {
        let s = &self.stream[self.stream.len().saturating_sub(5_000)..];
        let w = 100;
        if s.len() < w {
            let distinct: std::collections::HashSet<_> = s.iter().collect();
            return if s.is_empty() {
                0.0
            } else {
                distinct.len() as f64 / s.len() as f64
            };
        }
        let mut total = 0.0;
        let mut n = 0;
        for win in s.windows(w).step_by(25) {
            let distinct: std::collections::HashSet<_> = win.iter().collect();
            total += distinct.len() as f64 / w as f64;
            n += 1;
        }
        total / n as f64
    }

    /// Words that set this person apart from general English, most
    /// distinctive first: log-odds ratio with an informative Dirichlet prior
    /// (Monroe, Colaresi & Quinn 2008), background = wordfreq.
    pub fn distinctive_words(&self, bg: &Background, k: usize) -> Vec<Scored> {
        let n: f64 = self.counts.words as f64;
        if n == 0.0 {
            return Vec::new();
        }
        // The background as a corpus of 10M words; prior strength 1000 words.
        let (big, a0) = (1e7, 1000.0);
        let mut out: Vec<Scored> = self
            .unigrams
            .iter()
            .filter(|(w, c)| **c >= 3 && w.chars().all(|ch| ch.is_alphabetic() || ch == '\''))
            .map(|(w, &c)| {
                let f = bg.freq(w);
                let (y, b, a) = (c as f64, f * big, f * a0);
                let delta = ((y + a) / (n + a0 - y - a)).ln() - ((b + a) / (big + a0 - b - a)).ln();
                let var = 1.0 / (y + a) + 1.0 / (b + a);
                Scored {
                    text: w.clone(),
                    count: c,
                    score: delta / var.sqrt(),
                }
            })
            .filter(|s| s.score > 2.0)
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.text.cmp(&b.text)));
        out.truncate(k);
        out
    }

    /// Two- and three-word phrases the person uses more than their words'
    /// general frequencies predict: count × pointwise mutual information.
    pub fn phrases(&self, bg: &Background, k: usize) -> Vec<Scored> {
        let n = self.counts.words.max(1) as f64;
        let mut out: Vec<Scored> = self
            .ngrams
            .iter()
            .filter(|(_, c)| **c >= 3)
            .map(|(g, &c)| {
                let p = c as f64 / n;
                let expect: f64 = g.iter().map(|w| bg.freq(w)).product();
                let pmi = (p / expect).log2() / g.len() as f64;
                Scored {
                    text: g.join(" "),
                    count: c,
                    score: c as f64 * pmi,
                }
            })
            .filter(|s| s.score > 0.0)
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.text.cmp(&b.text)));
        // A phrase inside a better one adds nothing (compared word by word:
        // "in the" is not inside "within the").
        let mut kept: Vec<Scored> = Vec::new();
        for s in out {
            let sw: Vec<String> = s.text.split(' ').map(str::to_string).collect();
            let overlaps = kept.iter().any(|k| {
                let kw: Vec<String> = k.text.split(' ').map(str::to_string).collect();
                contains_phrase(&kw, &sw) || contains_phrase(&sw, &kw)
            });
            if !overlaps {
                kept.push(s);
            }
            if kept.len() == k {
                break;
            }
        }
        kept
    }

    pub fn profile(&self, bg: &Background, excluded: &[String]) -> Profile {
        let distinctive = self.distinctive_words(bg, 20);
        let topics = distinctive
            .iter()
            .filter(|s| s.text.chars().count() >= 4 && bg.freq(&s.text) < 1e-4)
            .take(8)
            .map(|s| s.text.clone())
            .collect();
        Profile {
            name: self.name.clone(),
            traits: self.counts.traits(self.richness()),
            vocabulary: self.lm.vocabulary(),
            distinctive_words: distinctive,
            phrases: self.phrases(bg, 12),
            topics,
            excluded: excluded.to_vec(),
        }
    }

    /// Perplexity of `text` under this person's language model.
    pub fn perplexity(&self, text: &str) -> f64 {
        let ss: Vec<Vec<String>> = sentences(text)
            .iter()
            .map(|s| words(s))
            .filter(|w| !w.is_empty())
            .collect();
        self.lm.perplexity(&ss)
    }

    pub fn language_model(&self) -> &KneserNey {
        &self.lm
    }

    /// The person's own past utterances closest to `context` (TF-IDF cosine
    /// over words), best first.
    pub fn exemplars(&self, context: &str, k: usize) -> Vec<String> {
        let q = words(context);
        if q.is_empty() || self.texts.is_empty() {
            return Vec::new();
        }
        let n = self.texts.len() as f64;
        let idf = |w: &str| {
            let df = self.doc_freq.get(w).copied().unwrap_or(0) as f64;
            ((n + 1.0) / (df + 1.0)).ln().max(0.0)
        };
        let mut scored: Vec<(f64, &String)> = self
            .texts
            .iter()
            .filter(|t| t.len() < 400)
            .map(|t| {
                let ws = words(t);
                let mut dot = 0.0;
                for w in &q {
                    if ws.contains(w) {
                        dot += idf(w).powi(2);
                    }
                }
                (dot / (ws.len() as f64).sqrt().max(1.0), t)
            })
            .filter(|(s, _)| *s > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(k).map(|(_, t)| t.clone()).collect()
    }

    /// `word` (lower case) as this person writes it: capitalised if they
    /// mostly capitalise it inside a sentence ("I", "Mrs", "Fanny"). A
    /// model shown "i shall" or "mrs" writes them so.
    pub fn written(&self, word: &str) -> String {
        match self.capitals.get(word) {
            Some(&(cap, all)) if cap * 2 > all => {
                let mut c = word.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            _ => word.to_string(),
        }
    }

    /// A few plain lines a reply engine can put in its prompt (with the
    /// person's utterances closest to `context`, when it is not empty).
    pub fn card(&self, bg: &Background, context: &str) -> String {
        if self.texts.is_empty() {
            return String::new();
        }
        let t = self.counts.traits(self.richness());
        let mut lines = vec![format!(
            "The person usually says about {:.0} words at a time, {}.",
            t.mean_words_per_utterance.max(1.0),
            if t.formality > 0.6 {
                "in a formal way"
            } else if t.formality < 0.35 {
                "casually"
            } else {
                "plainly"
            }
        )];
        // Only words rarer than everyday function words are named: told
        // "words they like: i, my, very", a small model says "very" in
        // every line (replies had it at 4 times the person's rate). How
        // often they use common words is the fusion's job, in context.
        let rare = |w: &str| bg.freq(w) < NAMED_BELOW;
        let phrases: Vec<String> = self
            .phrases(bg, 12)
            .into_iter()
            .filter(|s| s.text.split(' ').any(rare))
            .take(5)
            .map(|s| {
                let ws: Vec<String> = s.text.split(' ').map(|w| self.written(w)).collect();
                format!("\"{}\"", ws.join(" "))
            })
            .collect();
        if !phrases.is_empty() {
            lines.push(format!("They often say {}.", phrases.join(", ")));
        }
        let words: Vec<String> = self
            .distinctive_words(bg, 20)
            .into_iter()
            .map(|s| s.text)
            .filter(|w| rare(w))
            .take(8)
            .map(|w| self.written(&w))
            .collect();
        if !words.is_empty() {
            lines.push(format!("Words they like: {}.", words.join(", ")));
        }
        let ex = self.exemplars(context, 2);
        if !ex.is_empty() {
            lines.push("How they talk:".into());
            for e in ex {
                lines.push(format!("- \"{e}\""));
            }
        }
        lines.join("\n")
    }
}

impl StyleModel {
    /// Tofu mode: a reply made only of the person's own words, no language
    /// model. It walks their trigram model from the start of a sentence,
    /// drawn toward the words of `prompt` (so it answers the topic), and
    /// stops at the end of a sentence. Deterministic for a given prompt.
    pub fn remix(&self, prompt: &str, max_words: usize) -> String {
        if self.texts.is_empty() {
            return String::new();
        }
        let topic: Vec<String> = crate::mind::context::topic_words(prompt);
        let stem = |w: &str| w.chars().take(5).collect::<String>();
        let topic_stems: Vec<String> = topic.iter().map(|w| stem(w)).collect();
        let seed = prompt.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut out: Vec<String> = Vec::new();
        let mut used_topic = false;
        while out.len() < max_words {
            let mut cands = self.lm.next_words(&out, 12);
            for c in &mut cands {
                // Toward the prompt's topic, once; away from repeating itself.
                if !used_topic && topic_stems.contains(&stem(&c.0)) {
                    c.1 *= 40.0;
                }
                if out.iter().rev().take(6).any(|w| *w == c.0) {
                    c.1 *= 0.05;
                }
                if c.0 == "</s>" && out.len() < 4 {
                    c.1 *= 0.01;
                }
            }
            let total: f64 = cands.iter().map(|c| c.1).sum();
            if total <= 0.0 {
                break;
            }
            let mut x = rng.f64() * total;
            let mut pick = cands[0].0.clone();
            for (w, p) in &cands {
                if x < *p {
                    pick = w.clone();
                    break;
                }
                x -= p;
            }
            if pick == "</s>" {
                break;
            }
            used_topic |= topic_stems.contains(&stem(&pick));
            out.push(pick);
        }
        let mut s = out.join(" ");
        if let Some(c) = s.chars().next() {
            s = c.to_uppercase().collect::<String>() + &s[c.len_utf8()..];
        }
        s = s.replace(" i ", " I ").replace(" i'", " I'");
        if !s.is_empty() {
            s.push('.');
        }
        s
    }
}

/// Tofu mode as a reply backend.
pub struct Remix {
    pub model: StyleModel,
}

impl crate::mind::Backend for Remix {
    fn engine(&self) -> &'static str {
        "remix"
    }

    fn model(&self) -> Option<String> {
        Some(format!("style:{}", self.model.name))
    }

    fn generate(
        &mut self,
        req: &crate::mind::Request,
        _cancel: Option<&std::sync::atomic::AtomicBool>,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<crate::mind::backend::Outcome> {
        let words = 8 + req.opts.max_sentences * 6;
        let text = self.model.remix(&req.user_text, words);
        if text.is_empty() {
            return Err(crate::error::Error::Invalid(format!(
                "the style profile `{}` has learned nothing yet",
                self.model.name
            )));
        }
        on_token(&text);
        Ok(crate::mind::backend::Outcome {
            stop: Some(crate::llm::Stop::Eos),
            tokens: text.split_whitespace().count(),
            ..Default::default()
        })
    }
}

/// Loads a profile's model from the store.
pub fn load(store: &Store, profile: &str) -> Result<StyleModel> {
    let texts = store.style_texts(profile)?;
    let excluded = store.style_exclusions(profile)?;
    Ok(StyleModel::build(profile, &texts, &excluded))
}
