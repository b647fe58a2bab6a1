//! The interpretable side of a style: how long the person's utterances are,
//! how varied their words, how often they hedge, fill, ask, exclaim,
//! contract, say "I" or "we", how formal and how positive they sound.
//! Counted incrementally.

use std::collections::HashMap;

use serde::Serialize;

use super::text::{sentences, words};

pub const FILLERS: &[&str] = &[
    "like",
    "um",
    "uh",
    "well",
    "so",
    "actually",
    "basically",
    "literally",
    "honestly",
    "right",
    "okay",
    "ok",
    "yeah",
    "anyway",
];
pub const HEDGES: &[&str] = &[
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "guess",
    "suppose",
    "kinda",
    "sort",
    "kind",
    "somewhat",
    "apparently",
    "seems",
    "think",
    "believe",
];
const POSITIVE: &[&str] = &[
    "good",
    "great",
    "love",
    "happy",
    "glad",
    "nice",
    "lovely",
    "wonderful",
    "best",
    "fun",
    "excited",
    "beautiful",
    "pleased",
    "delighted",
    "enjoy",
    "enjoyed",
    "thanks",
    "thank",
    "kind",
    "amazing",
    "awesome",
    "fine",
    "hope",
    "better",
    "dear",
    "charming",
    "agreeable",
];
const NEGATIVE: &[&str] = &[
    "bad",
    "sad",
    "hate",
    "angry",
    "tired",
    "worried",
    "awful",
    "terrible",
    "worst",
    "sorry",
    "afraid",
    "upset",
    "annoyed",
    "hard",
    "difficult",
    "miss",
    "poor",
    "ill",
    "pain",
    "unhappy",
    "wrong",
    "fear",
    "trouble",
    "disappointed",
    "lonely",
];
const FIRST_SINGULAR: &[&str] = &[
    "i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd",
];
const FIRST_PLURAL: &[&str] = &[
    "we",
    "us",
    "our",
    "ours",
    "ourselves",
    "we're",
    "we've",
    "we'll",
];
const SECOND: &[&str] = &[
    "you", "your", "yours", "yourself", "you're", "you've", "you'll",
];
const INFORMAL: &[&str] = &[
    "yeah", "gonna", "wanna", "gotta", "kinda", "sorta", "ok", "okay", "hey", "cool", "stuff",
    "lol", "yep", "nope", "dunno", "awesome", "guys", "super",
];

/// Running counts.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub utterances: u64,
    pub sentences: u64,
    pub words: u64,
    pub questions: u64,
    pub exclamations: u64,
    pub contractions: u64,
    pub long_words: u64,
    pub informal: u64,
    pub positive: u64,
    pub negative: u64,
    pub first_singular: u64,
    pub first_plural: u64,
    pub second: u64,
    pub fillers: HashMap<String, u64>,
    pub hedges: HashMap<String, u64>,
    /// Words per utterance: 1-3, 4-7, 8-15, 16-31, 32-63, 64+.
    pub lengths: [u64; 6],
    /// Words per sentence, summed (for the mean).
    pub sentence_words: u64,
}

impl Counts {
    pub fn learn(&mut self, text: &str) {
        let ws = words(text);
        if ws.is_empty() {
            return;
        }
        self.utterances += 1;
        self.words += ws.len() as u64;
        let bucket = match ws.len() {
            0..=3 => 0,
            4..=7 => 1,
            8..=15 => 2,
            16..=31 => 3,
            32..=63 => 4,
            _ => 5,
        };
        self.lengths[bucket] += 1;
        for s in sentences(text) {
            let n = words(&s).len() as u64;
            if n == 0 {
                continue;
            }
            self.sentences += 1;
            self.sentence_words += n;
            let end = s.trim_end_matches(['"', '”', '’', ')', '\'']);
            if end.ends_with('?') {
                self.questions += 1;
            } else if end.ends_with('!') {
                self.exclamations += 1;
            }
        }
        for w in &ws {
            let w = w.as_str();
            if w.contains('\'') {
                self.contractions += 1;
            }
            if w.chars().count() >= 9 {
                self.long_words += 1;
            }
            let hit = |list: &[&str]| list.contains(&w);
            self.informal += u64::from(hit(INFORMAL));
            self.positive += u64::from(hit(POSITIVE));
            self.negative += u64::from(hit(NEGATIVE));
            self.first_singular += u64::from(hit(FIRST_SINGULAR));
            self.first_plural += u64::from(hit(FIRST_PLURAL));
            self.second += u64::from(hit(SECOND));
            if hit(FILLERS) {
                *self.fillers.entry(w.to_string()).or_default() += 1;
            }
            if hit(HEDGES) {
                *self.hedges.entry(w.to_string()).or_default() += 1;
            }
        }
    }
}

/// What the person can read about how they talk (all rates per 100 words
/// unless said otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Traits {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub utterances: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub words: u64,
    pub mean_words_per_utterance: f64,
    pub mean_words_per_sentence: f64,
    /// Share of utterances in each length band (1-3, 4-7, 8-15, 16-31, 32-63, 64+ words).
    pub length_bands: [f64; 6],
    /// Moving-average type-token ratio over 100-word windows (0..1).
    pub vocabulary_richness: f64,
    pub fillers_per_100_words: f64,
    #[cfg_attr(feature = "ts", ts(type = "Array<[string, number]>"))]
    pub top_fillers: Vec<(String, u64)>,
    pub hedges_per_100_words: f64,
    #[cfg_attr(feature = "ts", ts(type = "Array<[string, number]>"))]
    pub top_hedges: Vec<(String, u64)>,
    /// Shares of sentences.
    pub question_rate: f64,
    pub exclamation_rate: f64,
    pub i_per_100_words: f64,
    pub we_per_100_words: f64,
    pub you_per_100_words: f64,
    pub contractions_per_100_words: f64,
    /// 0 casual .. 1 formal: long words up, contractions and casual words down.
    pub formality: f64,
    /// Shares of sentiment words that are positive / negative.
    pub positive_share: f64,
    pub negative_share: f64,
}

fn top(map: &HashMap<String, u64>, k: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = map.iter().map(|(w, n)| (w.clone(), *n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(k);
    v
}

impl Counts {
    pub fn traits(&self, richness: f64) -> Traits {
        let per100 = |n: u64| {
            if self.words == 0 {
                0.0
            } else {
                n as f64 * 100.0 / self.words as f64
            }
        };
        let share = |n: u64, of: u64| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        let fillers: u64 = self.fillers.values().sum();
        let hedges: u64 = self.hedges.values().sum();
        let sentiment = self.positive + self.negative;
        let formal = 0.5 + 3.0 * share(self.long_words, self.words)
            - 4.0 * share(self.contractions, self.words)
            - 8.0 * share(self.informal, self.words);
        Traits {
            utterances: self.utterances,
            words: self.words,
            mean_words_per_utterance: share(self.words, self.utterances),
            mean_words_per_sentence: share(self.sentence_words, self.sentences),
            length_bands: self.lengths.map(|n| share(n, self.utterances)),
            vocabulary_richness: richness,
            fillers_per_100_words: per100(fillers),
            top_fillers: top(&self.fillers, 5),
            hedges_per_100_words: per100(hedges),
            top_hedges: top(&self.hedges, 5),
            question_rate: share(self.questions, self.sentences),
            exclamation_rate: share(self.exclamations, self.sentences),
            i_per_100_words: per100(self.first_singular),
            we_per_100_words: per100(self.first_plural),
            you_per_100_words: per100(self.second),
            contractions_per_100_words: per100(self.contractions),
            formality: formal.clamp(0.0, 1.0),
            positive_share: share(self.positive, sentiment),
            negative_share: share(self.negative, sentiment),
        }
    }
}
