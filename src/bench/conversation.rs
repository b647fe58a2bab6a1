//! `tofu bench conversation`: scripted conversations, answered the way
//! `tofu chat` answers them, and every reply judged by the rules of
//! [`crate::mind::rules`] (each rule's share of replies that break it),
//! recall across sessions, the sliders' effects counted on well-formed
//! replies only, and the first-sentence latency.
//!
//! The scripts are JSON: `{"items": [{"id", "sessions": [[{"say", "mood"}]],
//! "recall": [words]}]}`. Each item gets a fresh data folder; each session in
//! it is a new conversation on that folder, so what was told in one is
//! remembered only through the store.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::percentile;
use crate::converse::chat::Chat;
use crate::error::{Error, Result};
use crate::mind::rules::{self, Against, Breach, Lexicon, Mood, Rule};
use crate::mind::{plan, Embedded, Mind, Persona};
use crate::store::Store;
use crate::style::Background;

#[derive(Debug, Clone, Deserialize)]
pub struct Script {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub id: String,
    pub sessions: Vec<Vec<Line>>,
    /// Words the reply to the last line of the last session must contain
    /// (any one of them).
    #[serde(default)]
    pub recall: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Line {
    pub say: String,
    pub mood: Mood,
}

impl Script {
    pub fn load(path: &Path) -> Result<Script> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Invalid(format!(
                "{}: not a conversation script: {e}",
                path.display()
            ))
        })
    }
}

/// One reply and the rules it broke.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `item.session.line`, from 1.
    pub at: String,
    pub mood: Mood,
    pub say: String,
    pub reply: String,
    pub broken: Vec<Breach>,
    pub words: usize,
    pub questions: usize,
    pub first_sentence_ms: f64,
    /// How many times the mind wrote it (see `Reply::tries`).
    pub tries: usize,
    /// For the last line of an item with expected words: were they named?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recalled: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleFigure {
    pub replies: usize,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConversationReport {
    pub model: String,
    pub persona: Persona,
    pub items: usize,
    pub replies: usize,
    /// Per rule, the replies that break it.
    pub rules: BTreeMap<&'static str, RuleFigure>,
    /// Replies that break no rule.
    pub well_formed: usize,
    pub recall_hits: usize,
    pub recall_items: usize,
    pub first_sentence_median_ms: f64,
    /// On well-formed replies only: mean words and questions per reply.
    pub well_formed_mean_words: f64,
    pub well_formed_questions_per_reply: f64,
    /// Where the invented-words rule looked words up.
    pub word_lists: Vec<String>,
    pub rows: Vec<Row>,
}

/// Sentences that ask: ending in a question mark.
pub fn questions(reply: &str) -> usize {
    let mut split = crate::mind::SentenceSplitter::default();
    let mut s = split.push(reply);
    s.extend(split.finish());
    s.iter()
        .filter(|s| s.trim_end_matches(['"', '\u{201d}', ')']).ends_with('?'))
        .count()
}

/// Runs `script` with the chat model at `model` as `persona`, each item in
/// a fresh folder under `work_dir`.
pub fn run(
    script: &Script,
    model: &Path,
    persona: &Persona,
    bg: &Arc<Background>,
    lexicon: &Arc<Lexicon>,
    work_dir: &Path,
) -> Result<ConversationReport> {
    let profile = crate::style::DEFAULT_PROFILE;
    let mut mind = Some(
        Mind::new(Box::new(Embedded::new(model.to_path_buf(), 2048)), 2048)
            .with_lexicon(Arc::clone(lexicon)),
    );
    let instructions = plan::system_prompt(persona, None);
    let mut rows = Vec::new();
    let (mut recall_hits, mut recall_items) = (0, 0);
    for item in &script.items {
        let dir = work_dir.join(&item.id);
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = Some(Store::open(&dir)?);
        for (si, session) in item.sessions.iter().enumerate() {
            let s = store.take().expect("the store is back after each session");
            let style = if persona.mirroring >= 0.05 {
                Some((crate::style::load(&s, profile)?, Arc::clone(bg)))
            } else {
                None
            };
            let m = mind.take().expect("the mind is back after each session");
            let mut chat = Chat::new(s, m, persona.clone(), style, profile, None);
            let mut said: Vec<String> = Vec::new();
            for (li, line) in session.iter().enumerate() {
                let reply = chat.turn(&line.say)?;
                // As `tofu chat` and the app do while the reply is read.
                chat.read_ahead();
                said.push(line.say.clone());
                let person: Vec<&str> = said.iter().map(String::as_str).collect();
                let against = Against {
                    person: &person,
                    told: &[],
                    name: &persona.name,
                    instructions: &instructions,
                    mood: line.mood,
                    lexicon,
                };
                let last = si + 1 == item.sessions.len() && li + 1 == session.len();
                let recalled = (last && !item.recall.is_empty())
                    .then(|| rules::recalls(&reply.text, &item.recall));
                if let Some(hit) = recalled {
                    recall_items += 1;
                    recall_hits += usize::from(hit);
                }
                rows.push(Row {
                    at: format!("{}.{}.{}", item.id, si + 1, li + 1),
                    mood: line.mood,
                    say: line.say.clone(),
                    broken: rules::check(&reply.text, &against),
                    words: rules::words(&reply.text).len(),
                    questions: questions(&reply.text),
                    first_sentence_ms: reply.first_sentence_ms.unwrap_or(reply.total_ms),
                    tries: reply.tries,
                    reply: reply.text,
                    recalled,
                });
            }
            let (s, m) = chat.into_parts();
            store = Some(s);
            mind = Some(m);
        }
    }
    let n = rows.len();
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let rules = Rule::ALL
        .iter()
        .map(|r| {
            let k = rows
                .iter()
                .filter(|row| row.broken.iter().any(|b| b.rule == *r))
                .count();
            (
                r.name(),
                RuleFigure {
                    replies: k,
                    share: share(k),
                },
            )
        })
        .collect();
    let good: Vec<&Row> = rows.iter().filter(|r| r.broken.is_empty()).collect();
    let mean = |f: fn(&Row) -> usize| {
        if good.is_empty() {
            0.0
        } else {
            good.iter().map(|r| f(r) as f64).sum::<f64>() / good.len() as f64
        }
    };
    Ok(ConversationReport {
        model: model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        persona: persona.clone(),
        items: script.items.len(),
        replies: n,
        rules,
        well_formed: good.len(),
        recall_hits,
        recall_items,
        first_sentence_median_ms: percentile(
            &rows.iter().map(|r| r.first_sentence_ms).collect::<Vec<_>>(),
            50.0,
        ),
        well_formed_mean_words: mean(|r| r.words),
        well_formed_questions_per_reply: mean(|r| r.questions),
        word_lists: lexicon.sources.clone(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn questions_are_sentences_that_end_in_a_question_mark() {
        assert_eq!(
            super::questions("Oh no. What happened? Was he \"angry?\""),
            2
        );
        assert_eq!(super::questions("Fine."), 0);
    }
}
