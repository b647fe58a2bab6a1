//! Whether the words of a paused turn read as unfinished: the second
//! opinion after the sound ([`super::smart_turn`]). Read aloud, a phrase
//! often falls like a sentence's end where it is not one ("A man said to
//! the universe", "Even when we lose."); its words then still give it away.
//!
//! Rules of written English, not of any recording:
//! - a transcript ending in `...`, `,`, `:` or a dash trails (any
//!   language);
//! - in English, whisper usually closes a sentence it heard end with `.`,
//!   `!` or `?`; one left open is a weak sign (it often leaves a short
//!   phrase open), which only an unsure sound heeds;
//! - an article, a possessive, a conjunction or a preposition that takes an
//!   object never ends an English statement ("…more than", "…the");
//! - a statement opened by a subordinating word ("If…", "Unless…",
//!   "Even when…") with no comma to its main clause has no main clause yet.
//!
//! Other languages: only the trailing marks (a sentence may end in `。`,
//! `؟`, `।` or nothing: the sound decides).

/// Words that end no English statement (a question may end in a
/// preposition: "What are you afraid of?", so they count only without `?`).
const NEVER_LAST: &[&str] = &[
    "a", "an", "the", "my", "your", "our", "their", "its", "and", "or", "but", "nor", "because",
    "than", "of", "to", "with", "from", "if", "unless", "although", "whether",
];

/// Words that open a clause needing a main clause after it.
const SUBORDINATORS: &[&str] = &[
    "if", "unless", "although", "though", "whenever", "when", "whereas",
];

/// How the words of a paused turn read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A closed statement, or words in a language judged by marks alone.
    Whole,
    /// English without closing punctuation and nothing else that trails.
    /// Weak evidence: whisper often leaves a short phrase it heard end
    /// ("Rear center", "Side left") unclosed.
    Unclosed,
    /// The words themselves trail: a trailing mark, a last word no English
    /// statement ends with, a subordinate clause with no main clause.
    Trailing,
}

/// Whether `text` (a transcript, in `language`: an ISO code, or empty when
/// unknown) reads as a turn the person has not finished.
pub fn unfinished(text: &str, language: &str) -> bool {
    reading(text, language) != Reading::Whole
}

/// How `text` (a transcript, in `language`) reads: see [`Reading`].
pub fn reading(text: &str, language: &str) -> Reading {
    let text = text
        .trim()
        .trim_end_matches(['"', '\'', ')', '”', '’'])
        .trim_end();
    let Some(last) = text.chars().last() else {
        return Reading::Whole;
    };
    if text.ends_with("...") || matches!(last, '…' | ',' | '，' | '、' | ':' | ';' | '-' | '—')
    {
        return Reading::Trailing;
    }
    // Whether whisper closes a sentence is known for English; other scripts
    // end theirs with their own marks, or none (then the sound decides).
    let english = language.is_empty() || language.starts_with("en");
    if !english || last == '?' {
        return Reading::Whole;
    }
    let closed = matches!(last, '.' | '!');
    let sentence = last_sentence(text, closed);
    let words: Vec<String> = sentence
        .split(|c: char| c.is_whitespace())
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let (Some(first), Some(last_word)) = (words.first(), words.last()) else {
        return Reading::Whole;
    };
    let opens = SUBORDINATORS.contains(&first.as_str())
        || (first == "even"
            && words
                .get(1)
                .is_some_and(|w| SUBORDINATORS.contains(&w.as_str())));
    if NEVER_LAST.contains(&last_word.as_str())
        || (opens && words.len() > 1 && !sentence.contains(','))
    {
        Reading::Trailing
    } else if closed {
        Reading::Whole
    } else {
        Reading::Unclosed
    }
}

/// The last sentence of `text` (`closed`: it ends in closing punctuation).
fn last_sentence(text: &str, closed: bool) -> &str {
    let body = if closed {
        &text[..text.len() - 1]
    } else {
        text
    };
    match body.rfind(['.', '!', '?']) {
        // "Mr. Quilter": a full stop after a short word opens no sentence.
        Some(i) if body[..i].rsplit(' ').next().is_some_and(|w| w.len() > 3) => &body[i + 1..],
        _ => body,
    }
    .trim()
}

#[cfg(test)]
mod tests {
    use super::{reading, unfinished, Reading};

    #[test]
    fn closed_sentences_are_finished() {
        for t in [
            "He was not an ill-disposed young man.",
            "Front, center.",
            "I leave it to them.",
            "What are you afraid of?",
            "When is my mum's birthday?",
            "Even when we lose, it's really a very close game.",
            "If you like, we can go.",
            "Because I was tired.",
            "\"Sir, I exist.\"",
            "Yes!",
            "",
            "Nor is Mr. Quilter's manner less interesting than his matter.",
        ] {
            assert!(!unfinished(t, "en"), "{t}");
        }
    }

    #[test]
    fn trailing_words_are_unfinished() {
        for t in [
            "A man said to the universe",
            "It was more than...",
            "I now know the answers to…",
            "Well, I think,",
            "It is more than.",
            "I went to see the.",
            "Unless to be rather cold-hearted and rather self.",
            "Even when we lose.",
            "It was fine. When I got there.",
        ] {
            assert!(unfinished(t, "en"), "{t}");
        }
    }

    #[test]
    fn an_open_phrase_is_weaker_evidence_than_a_trailing_word() {
        assert_eq!(reading("Rear center", "en"), Reading::Unclosed);
        assert_eq!(
            reading("A man said to the universe", "en"),
            Reading::Unclosed
        );
        assert_eq!(reading("plus the", "en"), Reading::Trailing);
        assert_eq!(reading("Unless it rains", "en"), Reading::Trailing);
        assert_eq!(
            reading("I now know the answers to…", "en"),
            Reading::Trailing
        );
        assert_eq!(reading("Front, center.", "en"), Reading::Whole);
    }

    #[test]
    fn other_languages_are_judged_by_trailing_marks_alone() {
        assert!(!unfinished("Je pense que le.", "fr"));
        assert!(!unfinished("我今天很好。", "zh"));
        assert!(!unfinished("كيف حالك؟", "ar"));
        assert!(!unfinished("Je pense que le", "fr"));
        assert!(unfinished("Ich glaube...", "de"));
        assert!(unfinished("我觉得，", "zh"));
    }
}
