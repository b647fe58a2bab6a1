//! Shallow fusion with the person's own language model: while the chat
//! model writes a reply, each choice of the next *word* leans toward what
//! this person would say next after the words so far (their Kneser-Ney
//! trigram model, `tofu-ngram`), so the reply takes on their turns of
//! phrase and function words, while the chat model keeps the meaning,
//! the punctuation and where words end.
//!
//! At a step, among the chat model's most likely tokens, those that start a
//! word share the probability the chat model gives to starting a word; it
//! is redistributed by a log-linear mix (weight `w`):
//! `(1 - w) * log p_chat(token) + w * log q(token)`, where `q` is the
//! person's probability of the words that begin with that token. Tokens
//! that go on a word or are punctuation keep their chat-model probability,
//! so the mix never decides when a sentence ends.
//!
//! Written here because llama.cpp has no n-gram fusion sampler.

use std::collections::{HashMap, HashSet};

use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::LlamaToken;
use tofu_ngram::{words, KneserNey};

/// The chat model's top tokens considered at each step.
const TOP: usize = 48;
/// The person's probability of a word they have never said.
const UNSEEN: f64 = 1e-5;
/// A case variant of a word below this share of its likeliest variant is
/// not written.
const CASE_FLOOR: f64 = 0.1;

/// A person's language model, ready to fuse.
pub struct Style {
    pub id: String,
    lm: KneserNey,
    /// For each token that starts a word, the person's words it starts
    /// (as the chat model's tokenizer begins them, after a space or not,
    /// lower-case or capitalised).
    first: HashMap<i32, Vec<u32>>,
}

/// The forms of `w` a reply may begin it with.
fn forms(w: &str) -> Vec<String> {
    let mut c = w.chars();
    let capital: String = c
        .next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default();
    let mut out = vec![format!(" {w}"), w.to_string()];
    if capital != w {
        out.push(format!(" {capital}"));
        out.push(capital);
    }
    out
}

fn first_tokens(model: &LlamaModel, w: &str) -> Vec<i32> {
    let vocab = model.vocab();
    let mut out: Vec<i32> = forms(w)
        .iter()
        .filter_map(|f| {
            vocab
                .tokenize(f.as_bytes(), false, false)
                .first()
                .map(|t| t.0)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl Style {
    /// Learns `sentences` (the person's, as the style model keeps them).
    pub fn build(id: &str, sentences: &[String], model: &LlamaModel) -> Style {
        let mut style = Style {
            id: String::new(),
            lm: KneserNey::new(),
            first: HashMap::new(),
        };
        style.extend(id, sentences, model);
        style
    }

    /// Learns more sentences; the model is now called `id`.
    pub fn extend(&mut self, id: &str, sentences: &[String], model: &LlamaModel) {
        let known = self.lm.vocabulary() + 3;
        for s in sentences {
            self.lm.learn(&words(s));
        }
        // Ids are given in order, so the new words are the ones past `known`.
        for (w_id, w) in self.lm.known_words().skip(known - 3) {
            for t in first_tokens(model, w) {
                self.first.entry(t).or_default().push(w_id);
            }
        }
        self.id = id.to_string();
    }

    pub fn words(&self) -> usize {
        self.lm.vocabulary()
    }

    /// The tokens that begin any of `keep` (what is being talked about):
    /// the mix never pushes these down.
    pub fn keep_tokens(model: &LlamaModel, keep: &[String]) -> HashSet<i32> {
        keep.iter()
            .flat_map(|w| first_tokens(model, &w.to_lowercase()))
            .collect()
    }

    /// Re-weighs the candidates for the token after `text` (the reply so
    /// far); `pieces` holds each token's text.
    pub fn apply(
        &self,
        data: &mut [LlamaTokenData],
        text: &str,
        pieces: &[String],
        weight: f64,
        keep: &HashSet<i32>,
    ) {
        if data.is_empty() || weight <= 0.0 {
            return;
        }
        let top = TOP.min(data.len());
        let mut order: Vec<usize> = (0..data.len()).collect();
        order.select_nth_unstable_by(top - 1, |&a, &b| {
            data[b].logit().total_cmp(&data[a].logit())
        });
        order.truncate(top);
        let max = order
            .iter()
            .map(|&i| f64::from(data[i].logit()))
            .fold(f64::MIN, f64::max);
        let lse = max
            + order
                .iter()
                .map(|&i| (f64::from(data[i].logit()) - max).exp())
                .sum::<f64>()
                .ln();
        let at_boundary = text.is_empty() || text.ends_with(char::is_whitespace);
        let starts_word = |piece: &str| {
            let mut c = piece.chars();
            match c.next() {
                Some(' ') => c.next().is_some_and(char::is_alphabetic),
                Some(f) => at_boundary && f.is_alphabetic(),
                None => false,
            }
        };
        let history = self.lm.history(&sentence_words(text));
        // Tokens that begin the same word ("I", " I", " i") form one choice:
        // the mix picks among words, the chat model keeps its say on case.
        // Groups in the order first met, so sums run in the same order in
        // every process (a test compares greedy replies across two).
        let mut tokens = Vec::new();
        // Per group: the chat model's probability, the person's, and the
        // chat model's best variant.
        let mut groups: Vec<(f64, f64, f64)> = Vec::new();
        let mut group_of: HashMap<String, usize> = HashMap::new();
        for &i in &order {
            let tok: LlamaToken = data[i].id();
            let Some(piece) = pieces.get(tok.0 as usize) else {
                continue;
            };
            if !starts_word(piece) {
                continue;
            }
            let p = (f64::from(data[i].logit()) - lse).exp();
            let mut q: f64 = self.first.get(&tok.0).map_or(0.0, |ws| {
                ws.iter().map(|&w| self.lm.probability(history, w)).sum()
            });
            if keep.contains(&tok.0) {
                q = q.max(p);
            }
            let next = groups.len();
            let g = *group_of
                .entry(piece.trim_start().to_lowercase())
                .or_insert(next);
            if g == next {
                groups.push((0.0, 0.0, 0.0));
            }
            groups[g].0 += p;
            groups[g].1 = groups[g].1.max(q);
            groups[g].2 = groups[g].2.max(p);
            tokens.push((i, p, g));
        }
        if tokens.is_empty() {
            return;
        }
        let mass: f64 = groups.iter().map(|g| g.0).sum();
        let mixed: Vec<f64> = groups
            .iter()
            .map(|&(p, q, _)| (1.0 - weight) * p.ln() + weight * q.max(UNSEEN).ln())
            .collect();
        let m = mixed.iter().copied().fold(f64::MIN, f64::max);
        let total = m + mixed.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
        // The case is the chat model's choice, not a draw: a variant it
        // finds far less likely than the group's best ("i" beside "I", "mr"
        // beside "Mr") gets nothing. Raising the whole group would raise
        // it too, and the repetition penalty on a much-used "I" lets it
        // through.
        let case = |p: f64, g: usize| p >= CASE_FLOOR * groups[g].2;
        let mut kept = vec![0.0; groups.len()];
        for &(_, p, g) in &tokens {
            if case(p, g) {
                kept[g] += p;
            }
        }
        for &(i, p, g) in &tokens {
            let lp = if case(p, g) {
                mass.ln() + mixed[g] - total + (p / kept[g]).ln()
            } else {
                -50.0
            };
            data[i].set_logit((lse + lp) as f32);
        }
    }
}

/// The words of the sentence `text` ends in (empty right after a `.`, `!`
/// or `?`).
fn sentence_words(text: &str) -> Vec<String> {
    let t = text.trim_end();
    if t.is_empty() || t.ends_with(['.', '!', '?', '\n']) {
        return Vec::new();
    }
    let start = t
        .char_indices()
        .rev()
        .filter(|&(i, c)| {
            matches!(c, '.' | '!' | '?' | '\n')
                && t[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .next()
        .unwrap_or(0);
    words(&t[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_the_current_sentence() {
        assert_eq!(sentence_words("Yes. I am very"), ["i", "am", "very"]);
        assert!(sentence_words("I am glad.").is_empty());
        assert!(sentence_words("").is_empty());
        assert_eq!(sentence_words("Mr. Smith came"), ["smith", "came"]);
        assert_eq!(forms("i"), [" i", "i", " I", "I"]);
    }

    fn softmax(data: &[LlamaTokenData]) -> Vec<f64> {
        let m = data
            .iter()
            .map(|d| f64::from(d.logit()))
            .fold(f64::MIN, f64::max);
        let z: f64 = data.iter().map(|d| (f64::from(d.logit()) - m).exp()).sum();
        data.iter()
            .map(|d| (f64::from(d.logit()) - m).exp() / z)
            .collect()
    }

    #[test]
    fn the_mix_moves_words_not_punctuation_and_never_lowercases_i() {
        // A person who begins with "I", and four candidate tokens for the
        // first word of a sentence.
        let mut lm = KneserNey::new();
        for s in [
            "I am here.",
            "I think so.",
            "I went out.",
            "We saw the sea.",
        ] {
            lm.learn(&words(s));
        }
        let id = |w: &str| lm.known_words().find(|(_, k)| *k == w).unwrap().0;
        let first = HashMap::from([(0, vec![id("i")]), (1, vec![id("i")]), (2, vec![id("the")])]);
        let style = Style {
            id: "p".into(),
            lm,
            first,
        };
        let pieces: Vec<String> = [" I", " i", " the", "."].map(String::from).into();
        let logits = [2.0, -1.0, 2.5, 1.0];
        let fresh = || -> Vec<LlamaTokenData> {
            (0..4)
                .map(|t| LlamaTokenData::new(LlamaToken(t), logits[t as usize], 0.0))
                .collect()
        };
        let before = softmax(&fresh());
        let mut data = fresh();
        style.apply(&mut data, "", &pieces, 0.5, &HashSet::new());
        let after = softmax(&data);
        // Punctuation keeps its probability; the words share theirs.
        assert!((after[3] - before[3]).abs() < 1e-6, "{before:?} {after:?}");
        // The person says "I" far more than "the" here: the mix follows.
        assert!(
            after[0] / after[2] > 3.0 * before[0] / before[2],
            "{after:?}"
        );
        // " i" is a case variant the chat model finds unlikely: never drawn.
        assert!(before[1] > 0.01 && after[1] < 1e-12, "{before:?} {after:?}");
        // No weight, no change.
        let mut same = fresh();
        style.apply(&mut same, "Well, ", &pieces, 0.0, &HashSet::new());
        assert_eq!(softmax(&same), before);
    }
}
