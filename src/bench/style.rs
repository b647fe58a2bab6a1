//! `tofu bench style`: does mirroring make replies sound like the person,
//! without losing the thread?
//!
//! Two authors' letters (`../shared/testdata/style`), each split into a
//! learning half and a held-out half (alternate letters). One profile per
//! author is learned from the learning half; for a fixed list of neutral
//! prompts, each profile answers at mirror 1.0 and at 0.0 through the same
//! reply engine the app uses. Every reply is attributed to an author by a
//! character n-gram classifier trained on the held-out halves (its own
//! code: it shares nothing with the style model). Relevance: the share of
//! replies that mention the prompt's topic (a content word of the prompt,
//! compared on its first five letters). What a reply owes to its prompt:
//! the pointwise mutual information of reply and prompt under the plain
//! chat model (see [`Setting::pmi_median`]); plain perplexity is no guard,
//! since the authors' own letters score far higher than any modern reply.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::llm::{LlmWorker, Message};
use crate::mind::rules::{parroting, Lexicon};
use crate::mind::{context::topic_words, Context, Embedded, Mind, Persona};
use crate::style::{text::documents, Background, StyleModel};

/// Neutral things a person might say (no author's topics).
pub const PROMPTS: [&str; 30] = [
    "How was your morning?",
    "I am thinking about taking a walk later.",
    "What should I do this weekend?",
    "The weather has turned cold again.",
    "I had a long day at work.",
    "I received a letter from an old friend.",
    "Tell me about the last trip you enjoyed.",
    "I can't decide what to cook for dinner.",
    "My neighbour is having a party tonight.",
    "I have been reading a new book.",
    "What do you think about the news today?",
    "I am going to visit my family next week.",
    "The garden needs some work.",
    "I met someone interesting at the shop.",
    "I feel a little tired this evening.",
    "Do you like music?",
    "I bought a new coat yesterday.",
    "We are planning a small dinner with friends.",
    "The house is very quiet today.",
    "I want to write a letter to my brother.",
    "It rained all afternoon.",
    "I went to church on Sunday.",
    "My cousin is getting married in the spring.",
    "I have to travel to the city tomorrow.",
    "What makes a good friend?",
    "I am worried about money this month.",
    "The children were noisy today.",
    "I saw a play at the theatre.",
    "My health has been better lately.",
    "What are your plans for the evening?",
];

/// The held-out classifier: naive Bayes over character 2- to 5-grams
/// (lowercased, whitespace collapsed, padded with a space at each end) with
/// additive smoothing of 0.1. A standard authorship baseline, picked for its
/// accuracy on the authors' own writing it was not trained on (their
/// learning halves), never on replies: 88 % on 20-word passages, 93 % at 35,
/// 95 % at 50, where character trigrams with add-one smoothing got 81, 88
/// and 92. It shares nothing with the style model, which works on words.
struct CharGrams {
    counts: HashMap<String, f64>,
    total: f64,
}

const GRAMS: std::ops::RangeInclusive<usize> = 2..=5;
const SMOOTHING: f64 = 0.1;

fn char_grams(text: &str) -> Vec<String> {
    let mut chars = vec![' '];
    for w in text.split_whitespace() {
        chars.extend(w.chars().flat_map(char::to_lowercase));
        chars.push(' ');
    }
    GRAMS
        .flat_map(|n| chars.windows(n).map(|w| w.iter().collect::<String>()))
        .collect()
}

impl CharGrams {
    fn of(text: &str) -> CharGrams {
        let mut counts: HashMap<String, f64> = HashMap::new();
        for g in char_grams(text) {
            *counts.entry(g).or_default() += 1.0;
        }
        let total = counts.values().sum();
        CharGrams { counts, total }
    }

    /// Log-likelihood of the grams of a text (vocabulary size `v`).
    fn score(&self, grams: &[String], v: f64) -> f64 {
        grams
            .iter()
            .map(|g| {
                let c = self.counts.get(g).copied().unwrap_or(0.0);
                ((c + SMOOTHING) / (self.total + SMOOTHING * v)).ln()
            })
            .sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub mirror: f32,
    pub replies: usize,
    /// Share of replies attributed to the profile's own author.
    pub attribution: f64,
    /// The same, per author (in the order of `authors`).
    pub attribution_by_author: Vec<f64>,
    /// Share of replies that mention the prompt's topic.
    pub relevance: f64,
    pub mean_words: f64,
    /// The classifier on the authors' own writing that it was not trained
    /// on (the learning halves), cut into passages as long as this
    /// setting's mean reply: how well even the real author would score at
    /// this length.
    pub own_writing_attribution: f64,
    /// Share of replies that parrot their prompt (6+ words in a row, the
    /// conversation rule); a parroting reply is never counted as attributed.
    pub parroting: f64,
    /// How much each reply owes to its prompt: under the plain chat model
    /// (no persona, fusion or biases), the mean per-token log-probability
    /// of the reply after its own prompt minus after the next prompt of the
    /// set (pointwise mutual information, nats per token); the median.
    pub pmi_median: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorFigures {
    pub author: String,
    pub learned_docs: usize,
    pub learned_words: u64,
    pub learn_ms_per_doc: f64,
    pub perplexity_own: f64,
    pub perplexity_other: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StyleReport {
    pub model: String,
    pub prompts: usize,
    pub authors: Vec<AuthorFigures>,
    pub settings: Vec<Setting>,
    /// Relevance at mirror 1.0 as a share of relevance at 0.0.
    pub relevance_kept: f64,
    /// The median PMI at mirror 1.0 as a share of 0.0's (target >= 50%;
    /// NaN when 0.0's is not positive).
    pub pmi_kept: f64,
    pub card_ms: f64,
    /// How the classifier does on held-out letters themselves (its ceiling).
    pub classifier_accuracy_on_letters: f64,
    pub samples: Vec<(String, String, f32, String)>,
}

fn halves(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, d) in documents(text).into_iter().enumerate() {
        if i % 2 == 0 {
            a.push(d)
        } else {
            b.push(d)
        }
    }
    (a, b)
}

/// `k` passages of `len` words, evenly spaced through `docs`.
fn passages(docs: &[String], len: usize, k: usize) -> Vec<String> {
    let words: Vec<&str> = docs.iter().flat_map(|d| d.split_whitespace()).collect();
    if words.len() < len || k == 0 {
        return Vec::new();
    }
    let step = ((words.len() - len) / k).max(1);
    (0..k)
        .map(|j| j * step)
        .filter(|&at| at + len <= words.len())
        .map(|at| words[at..at + len].join(" "))
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn relevant(prompt: &str, reply: &str) -> bool {
    let stem = |w: &str| w.chars().take(5).collect::<String>();
    let reply_words: Vec<String> = crate::style::text::words(reply)
        .iter()
        .map(|w| stem(w))
        .collect();
    topic_words(prompt)
        .iter()
        .any(|w| reply_words.contains(&stem(w)))
}

/// Runs the benchmark over the first `n_prompts` prompts.
/// `lexicon`: the English words the mind's gate judges invented words by,
/// as the app loads them (`None`: no word is judged invented).
pub fn run(
    text_dir: &Path,
    model: &Path,
    bg: &Arc<Background>,
    lexicon: Option<Arc<Lexicon>>,
    n_prompts: usize,
) -> Result<StyleReport> {
    let mut files: Vec<_> = std::fs::read_dir(text_dir)
        .map_err(|e| Error::Io {
            path: text_dir.to_path_buf(),
            source: e,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    if files.len() != 2 {
        return Err(Error::Invalid(format!(
            "{} should hold two authors' .txt files (found {})",
            text_dir.display(),
            files.len()
        )));
    }
    let mut authors = Vec::new();
    let mut models = Vec::new();
    let mut classifiers = Vec::new();
    let mut held_docs = Vec::new();
    let mut learn_docs = Vec::new();
    for f in &files {
        let name = f
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(f).map_err(|e| Error::Io {
            path: f.clone(),
            source: e,
        })?;
        let (learn, held) = halves(&text);
        let t = Instant::now();
        let m = StyleModel::build(&name, &learn, &[]);
        let learn_ms = t.elapsed().as_secs_f64() * 1e3;
        classifiers.push(CharGrams::of(&held.join("\n")));
        authors.push(AuthorFigures {
            author: name,
            learned_docs: learn.len(),
            learned_words: m.profile(bg, &[]).traits.words,
            learn_ms_per_doc: learn_ms / learn.len().max(1) as f64,
            perplexity_own: 0.0,
            perplexity_other: 0.0,
        });
        models.push(Arc::new(m));
        held_docs.push(held);
        learn_docs.push(learn);
    }
    for i in 0..2 {
        let held = held_docs[i].join("\n");
        authors[i].perplexity_own = models[i].perplexity(&held);
        authors[i].perplexity_other = models[1 - i].perplexity(&held);
    }
    let v = {
        let mut all: std::collections::HashSet<&String> = classifiers[0].counts.keys().collect();
        all.extend(classifiers[1].counts.keys());
        all.len() as f64 + 1.0
    };
    let classify = |text: &str| {
        let t = char_grams(text);
        if classifiers[0].score(&t, v) >= classifiers[1].score(&t, v) {
            0
        } else {
            1
        }
    };
    // The classifier's ceiling: whole held-out letters (it was trained on them,
    // so this checks the classifier works, not that it generalises).
    let mut right = 0;
    let mut total = 0;
    for (i, docs) in held_docs.iter().enumerate() {
        for d in docs.iter().take(40) {
            total += 1;
            right += usize::from(classify(d) == i);
        }
    }

    let t = Instant::now();
    let _ = models[0].hints(bg, PROMPTS[0], 1.0);
    let card_ms = t.elapsed().as_secs_f64() * 1e3;

    let mut mind = Mind::new(Box::new(Embedded::new(model.to_path_buf(), 2048)), 2048);
    if let Some(l) = lexicon {
        mind = mind.with_lexicon(l);
    }
    // The plain model that scores replies: its own worker, so nothing of
    // the mind's decoding (persona, fusion, biases) leans on the figure.
    let mut judge = LlmWorker::start(model, 2048)?;
    let prompts = &PROMPTS[..n_prompts.min(PROMPTS.len())];
    let mut settings = Vec::new();
    let mut samples = Vec::new();
    for mirror in [1.0f32, 0.0] {
        let (mut attributed, mut rel, mut words, mut n, mut parrots) = (0, 0, 0, 0, 0);
        let mut pmi = Vec::new();
        let mut by_author = vec![0usize; models.len()];
        for (i, m) in models.iter().enumerate() {
            let persona = Persona {
                mirroring: mirror,
                ..Persona::default()
            };
            for (j, p) in prompts.iter().enumerate() {
                let hints = m.hints(bg, p, mirror);
                let r = mind.reply(&persona, Some(&hints), &Context::default(), p, None, |_| {})?;
                n += 1;
                let parrot = parroting(&r.text, &[p]).is_some();
                parrots += usize::from(parrot);
                let right = !parrot && classify(&r.text) == i;
                if prompts.len() > 1 && !r.text.trim().is_empty() {
                    let other = prompts[(j + 1) % prompts.len()];
                    let (k, own) = judge.score(&[Message::new("user", p)], &r.text)?;
                    let (_, after_other) = judge.score(&[Message::new("user", other)], &r.text)?;
                    pmi.push((own - after_other) / k.max(1) as f64);
                }
                tracing::debug!(
                    author = authors[i].author,
                    mirror,
                    prompt = p,
                    reply = r.text,
                    right
                );
                attributed += usize::from(right);
                by_author[i] += usize::from(right);
                rel += usize::from(relevant(p, &r.text));
                words += r.text.split_whitespace().count();
                if samples.len() < 12 || (samples.len() < 24 && mirror == 0.0) {
                    samples.push((
                        authors[i].author.clone(),
                        p.to_string(),
                        mirror,
                        r.text.clone(),
                    ));
                }
            }
        }
        let mean_words = words as f64 / n.max(1) as f64;
        let own_writing_attribution = {
            let len = mean_words.round().max(1.0) as usize;
            let (mut right, mut total) = (0, 0);
            for (i, docs) in learn_docs.iter().enumerate() {
                for passage in passages(docs, len, 60) {
                    total += 1;
                    right += usize::from(classify(&passage) == i);
                }
            }
            right as f64 / total.max(1) as f64
        };
        settings.push(Setting {
            mirror,
            replies: n,
            attribution: attributed as f64 / n.max(1) as f64,
            attribution_by_author: by_author
                .iter()
                .map(|&k| k as f64 / prompts.len().max(1) as f64)
                .collect(),
            relevance: rel as f64 / n.max(1) as f64,
            mean_words,
            own_writing_attribution,
            parroting: parrots as f64 / n.max(1) as f64,
            pmi_median: median(&mut pmi),
        });
    }
    let relevance_kept = if settings[1].relevance > 0.0 {
        settings[0].relevance / settings[1].relevance
    } else {
        f64::NAN
    };
    // Unmirrored replies that owe their prompt nothing leave no share to keep.
    let pmi_kept = if settings[1].pmi_median > 0.0 {
        settings[0].pmi_median / settings[1].pmi_median
    } else {
        f64::NAN
    };
    Ok(StyleReport {
        model: model
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        prompts: prompts.len(),
        authors,
        settings,
        relevance_kept,
        pmi_kept,
        card_ms,
        classifier_accuracy_on_letters: right as f64 / total.max(1) as f64,
        samples,
    })
}
