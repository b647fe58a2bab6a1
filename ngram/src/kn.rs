//! The person's own language model: word trigrams with interpolated
//! Kneser-Ney smoothing (Chen & Goodman's formulation with a single
//! absolute discount D = 0.75 at every order), counted incrementally as
//! utterances arrive.
//!
//! Written here because no maintained crate offers an incremental KN
//! n-gram model (the `kn`-style crates train once from a corpus file).

use std::collections::HashMap;

const BOS: u32 = 0;
const EOS: u32 = 1;
const UNK: u32 = 2;
const D: f64 = 0.75;

#[derive(Debug, Default, Clone)]
pub struct KneserNey {
    vocab: HashMap<String, u32>,
    words: Vec<String>,
    tri: HashMap<(u32, u32, u32), u32>,
    /// c(w1 w2 ·) and N1+(w1 w2 ·).
    tri_ctx: HashMap<(u32, u32), (u32, u32)>,
    /// N1+(· w2 w3): how many different words came before w2 w3.
    cont2: HashMap<(u32, u32), u32>,
    /// N1+(· w2 ·) and N1+(w2 ·) over continuation bigrams.
    cont2_ctx: HashMap<u32, (u32, u32)>,
    /// Raw bigram types, for the unigram continuation counts.
    bi: HashMap<(u32, u32), u32>,
    /// N1+(· w).
    cont1: HashMap<u32, u32>,
    /// N1+(· ·): the number of bigram types.
    bigram_types: u32,
    pub tokens: u64,
}

impl KneserNey {
    pub fn new() -> KneserNey {
        let mut m = KneserNey::default();
        for w in ["<s>", "</s>", "<unk>"] {
            m.id(w);
        }
        m
    }

    fn id(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.vocab.get(w) {
            return i;
        }
        let i = self.words.len() as u32;
        self.vocab.insert(w.to_string(), i);
        self.words.push(w.to_string());
        i
    }

    fn lookup(&self, w: &str) -> u32 {
        self.vocab.get(w).copied().unwrap_or(UNK)
    }

    /// Counts one sentence (its words, lower-case).
    pub fn learn(&mut self, words: &[String]) {
        if words.is_empty() {
            return;
        }
        let mut seq = vec![BOS, BOS];
        seq.extend(words.iter().map(|w| self.id(w)));
        seq.push(EOS);
        self.tokens += words.len() as u64 + 1;
        for t in seq.windows(3) {
            let (a, b, c) = (t[0], t[1], t[2]);
            let n = self.tri.entry((a, b, c)).or_default();
            *n += 1;
            let new_tri = *n == 1;
            let ctx = self.tri_ctx.entry((a, b)).or_default();
            ctx.0 += 1;
            if new_tri {
                ctx.1 += 1;
                let c2 = self.cont2.entry((b, c)).or_default();
                *c2 += 1;
                let e = self.cont2_ctx.entry(b).or_default();
                e.0 += 1;
                if *c2 == 1 {
                    e.1 += 1;
                }
            }
            let nb = self.bi.entry((b, c)).or_default();
            *nb += 1;
            if *nb == 1 {
                *self.cont1.entry(c).or_default() += 1;
                self.bigram_types += 1;
            }
        }
    }

    fn p_uni(&self, w: u32) -> f64 {
        // Uniform over everything that can follow (all but `<s>`).
        let v = (self.words.len() - 1) as f64;
        if self.bigram_types == 0 {
            return 1.0 / v;
        }
        let n = f64::from(self.bigram_types);
        let types = self.cont1.len() as f64;
        let c = f64::from(self.cont1.get(&w).copied().unwrap_or(0));
        (c - D).max(0.0) / n + D * types / n / v
    }

    fn p_bi(&self, b: u32, w: u32) -> f64 {
        match self.cont2_ctx.get(&b) {
            Some(&(total, distinct)) if total > 0 => {
                let c = f64::from(self.cont2.get(&(b, w)).copied().unwrap_or(0));
                let t = f64::from(total);
                (c - D).max(0.0) / t + D * f64::from(distinct) / t * self.p_uni(w)
            }
            _ => self.p_uni(w),
        }
    }

    fn p(&self, a: u32, b: u32, w: u32) -> f64 {
        match self.tri_ctx.get(&(a, b)) {
            Some(&(total, distinct)) if total > 0 => {
                let c = f64::from(self.tri.get(&(a, b, w)).copied().unwrap_or(0));
                let t = f64::from(total);
                (c - D).max(0.0) / t + D * f64::from(distinct) / t * self.p_bi(b, w)
            }
            _ => self.p_bi(b, w),
        }
    }

    /// Total log2 probability of a sentence and its token count (with `</s>`).
    pub fn score(&self, words: &[String]) -> (f64, usize) {
        let mut seq = vec![BOS, BOS];
        seq.extend(words.iter().map(|w| self.lookup(w)));
        seq.push(EOS);
        let lp: f64 = seq
            .windows(3)
            .map(|t| self.p(t[0], t[1], t[2]).log2())
            .sum();
        (lp, seq.len() - 2)
    }

    /// Perplexity over sentences (each a list of words).
    pub fn perplexity<'a>(&self, sentences: impl IntoIterator<Item = &'a Vec<String>>) -> f64 {
        let (mut lp, mut n) = (0.0, 0usize);
        for s in sentences {
            let (l, k) = self.score(s);
            lp += l;
            n += k;
        }
        if n == 0 {
            return f64::NAN;
        }
        2f64.powf(-lp / n as f64)
    }

    /// The most likely next words after `prev` (last two words), best first.
    pub fn next_words(&self, prev: &[String], k: usize) -> Vec<(String, f64)> {
        let (a, b) = self.history(prev);
        let mut cands: Vec<(u32, f64)> = (3..self.words.len() as u32)
            .chain([EOS])
            .map(|w| (w, self.p(a, b, w)))
            .collect();
        cands.sort_by(|x, y| y.1.total_cmp(&x.1));
        cands
            .into_iter()
            .take(k)
            .map(|(w, p)| (self.words[w as usize].clone(), p))
            .collect()
    }

    pub fn vocabulary(&self) -> usize {
        self.words.len() - 3
    }

    /// The words learned, with their ids (not `<s>`, `</s>`, `<unk>`).
    pub fn known_words(&self) -> impl Iterator<Item = (u32, &str)> {
        self.words
            .iter()
            .enumerate()
            .skip(3)
            .map(|(i, w)| (i as u32, w.as_str()))
    }

    /// The history a next word is predicted from: the last two of `prev`
    /// (the words so far in the sentence, lower-case).
    pub fn history(&self, prev: &[String]) -> (u32, u32) {
        let ids: Vec<u32> = prev.iter().rev().take(2).map(|w| self.lookup(w)).collect();
        match ids.as_slice() {
            [] => (BOS, BOS),
            [y] => (BOS, *y),
            [y, x, ..] => (*x, *y),
        }
    }

    /// The probability of the word with id `w` after `history`.
    pub fn probability(&self, history: (u32, u32), w: u32) -> f64 {
        self.p(history.0, history.1, w)
    }
}

#[cfg(test)]
mod tests {
    use super::KneserNey;

    fn s(t: &str) -> Vec<String> {
        t.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn probabilities_sum_to_one_and_own_text_is_likelier() {
        let mut m = KneserNey::new();
        for t in [
            "i think it is fine",
            "i think so too",
            "it is what it is",
            "well i never",
        ] {
            m.learn(&s(t));
        }
        // Every context's distribution sums to 1 over the vocabulary + </s> + <unk>.
        for (a, b) in [(0, 0), (0, 3), (3, 4), (9, 9)] {
            let total: f64 = (1..m.words.len() as u32).map(|w| m.p(a, b, w)).sum();
            assert!(
                (total - 1.0).abs() < 1e-9,
                "context ({a},{b}) sums to {total}"
            );
        }
        let own = m.perplexity(&[s("i think it is fine")]);
        let other = m.perplexity(&[s("the cat sat on the mat")]);
        assert!(own < other / 3.0, "{own} vs {other}");
        assert_eq!(m.next_words(&s("i"), 1)[0].0, "think");
        // The history is the last two words; a sentence's start is `<s> <s>`.
        assert_eq!(m.history(&s("well then i")), m.history(&s("then i")));
        assert_ne!(m.history(&s("well i")), m.history(&s("i")));
        let think = m.known_words().find(|(_, w)| *w == "think").unwrap().0;
        assert!(m.probability(m.history(&s("i")), think) > 0.5);
        assert_eq!(m.known_words().count(), m.vocabulary());
    }
}
