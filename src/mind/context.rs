//! What the companion knows when it answers: the recent turns of this
//! conversation, and memories, past turns from other conversations found by
//! full-text search on what the person just said.

use serde::Serialize;

use crate::error::Result;
use crate::store::read::Highlight;
use crate::store::{ConversationId, SearchQuery, Speaker, Store, Turn};

/// A past turn brought back because it matches what was just said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Memory {
    pub when: i64,
    pub speaker: Speaker,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Context {
    /// This conversation so far, oldest first.
    pub recent: Vec<Turn>,
    pub memories: Vec<Memory>,
    /// How many of the first `memories` were found by the words of what
    /// was just said (the rest are the person's latest statements).
    pub found: usize,
}

/// Words that say nothing about a topic (so "what did I tell you about my
/// sister" searches for "sister").
const STOP: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "for",
    "from",
    "get",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "like",
    "ll",
    "me",
    "mean",
    "mention",
    "mentioned",
    "more",
    "my",
    "myself",
    "no",
    "not",
    "now",
    "of",
    "oh",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "our",
    "out",
    "over",
    "please",
    "re",
    "really",
    "remember",
    "said",
    "say",
    "she",
    "should",
    "so",
    "some",
    "tell",
    "tells",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "to",
    "told",
    "too",
    "up",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "yeah",
    "yes",
    "you",
    "your",
];

/// The words of `text` worth searching for.
pub fn topic_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.chars().count() >= 3 && !STOP.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
    }
    out.truncate(8);
    out
}

/// Gathers the context for answering `user_text` in `conversation`.
pub fn gather(
    store: &Store,
    conversation: Option<ConversationId>,
    user_text: &str,
    max_memories: usize,
) -> Result<Context> {
    let recent = match conversation {
        Some(c) => store.conversation(c)?.map(|c| c.turns).unwrap_or_default(),
        None => Vec::new(),
    };
    let words = topic_words(user_text);
    let mut memories = Vec::new();
    if !words.is_empty() && max_memories > 0 {
        let q = SearchQuery {
            // Each word and what starts with it: "eat" finds "eaten" (the
            // index stems regular endings only).
            text: words
                .iter()
                .map(|w| format!("{w} OR {w}*"))
                .collect::<Vec<_>>()
                .join(" OR "),
            limit: Some((max_memories * 4) as u32),
            ..SearchQuery::default()
        };
        for hit in store.search(&q, Highlight::default())? {
            if Some(hit.conversation_id) == conversation {
                continue;
            }
            let Some(turn) = store.turn(hit.turn_id)? else {
                continue;
            };
            // Only what the person said: the companion's own past words are
            // no facts, and quoted back they read as the person's.
            if turn.speaker == Speaker::User {
                memories.push(Memory {
                    when: turn.started_at,
                    speaker: turn.speaker,
                    text: turn.text().to_string(),
                });
            }
        }
        memories.truncate(max_memories);
    }
    let found = memories.len();
    // What they told most recently fills the rest ("what instrument does
    // my son play" shares no word with "Leo plays the drums").
    if memories.len() < max_memories {
        for turn in store.recent_person_turns(conversation, max_memories * 2)? {
            if memories.len() >= max_memories {
                break;
            }
            if !memories.iter().any(|m| m.text == turn.text()) {
                memories.push(Memory {
                    when: turn.started_at,
                    speaker: turn.speaker,
                    text: turn.text().to_string(),
                });
            }
        }
    }
    Ok(Context {
        recent,
        memories,
        found,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn topic_words_drop_the_question_around_the_topic() {
        assert_eq!(
            super::topic_words("What did I tell you about my sister?"),
            vec!["sister"]
        );
        assert_eq!(
            super::topic_words("I'm worried about the exam on Friday"),
            vec!["worried", "exam", "friday"]
        );
    }
}
