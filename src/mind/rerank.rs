//! Choosing among candidate replies.
//!
//! At high mirroring the mind samples a few replies and keeps the one that
//! best sounds like the person *and* answers them. A 135M model drifts a
//! lot between samples (one answers, one repeats a word twenty times, one
//! narrates stage directions), so a cheap judge over whole candidates buys
//! more than any prompt wording. Every rule here is generic (nothing is
//! fitted to one prompt or one author):
//!
//! - style: the [`Judge`] (the person's own language model against general
//!   English), per word;
//! - topic: shares a content word of what the person said (first five
//!   letters, so "walk" meets "walking");
//! - parroting: most of the reply's word pairs repeated from the person;
//! - degenerate: a word repeated in a run, or one word most of the reply;
//! - stage directions: a reply that is only a parenthesised aside.

use super::context::topic_words;

/// Scores how much a reply sounds like the person (higher = more like
/// them), per word, so long and short replies compare.
pub trait Judge: Send + Sync {
    fn score(&self, reply: &str) -> f64;
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn stem(w: &str) -> String {
    w.chars().take(5).collect()
}

/// Whether `reply` mentions a content word of `said`.
pub fn on_topic(said: &str, reply: &str) -> bool {
    let stems: Vec<String> = words(reply).iter().map(|w| stem(w)).collect();
    topic_words(said).iter().any(|w| stems.contains(&stem(w)))
}

/// Share of the reply's word pairs that the person said.
fn parroted(said: &str, reply: &str) -> f64 {
    let s = words(said);
    let r = words(reply);
    if r.len() < 2 {
        return 0.0;
    }
    let pairs: std::collections::HashSet<(&str, &str)> = s
        .windows(2)
        .map(|p| (p[0].as_str(), p[1].as_str()))
        .collect();
    let hits = r
        .windows(2)
        .filter(|p| pairs.contains(&(p[0].as_str(), p[1].as_str())))
        .count();
    hits as f64 / (r.len() - 1) as f64
}

/// A word repeated three times in a row, or one word a third of a reply of
/// ten words or more.
fn degenerate(reply: &str) -> bool {
    let w = words(reply);
    if w.windows(3).any(|t| t[0] == t[1] && t[1] == t[2]) {
        return true;
    }
    if w.len() >= 10 {
        let mut counts = std::collections::HashMap::new();
        for x in &w {
            *counts.entry(x.as_str()).or_insert(0usize) += 1;
        }
        if counts.values().any(|&c| c * 3 >= w.len()) {
            return true;
        }
    }
    false
}

/// The score of one candidate reply to `said` (higher is better).
pub fn score(judge: Option<&dyn Judge>, said: &str, reply: &str) -> f64 {
    score_recalling(judge, said, reply, &[])
}

/// Whether `reply` names one of the `remembered` words (first five
/// letters, so "moving" meets "moves").
pub fn recalls(reply: &str, remembered: &[String]) -> bool {
    recalled_words(reply, remembered) > 0
}

/// How many different `remembered` words `reply` names.
pub fn recalled_words(reply: &str, remembered: &[String]) -> usize {
    let stems: Vec<String> = words(reply).iter().map(|w| stem(w)).collect();
    let mut hit: Vec<String> = remembered
        .iter()
        .map(|w| stem(w))
        .filter(|w| stems.contains(w))
        .collect();
    hit.sort();
    hit.dedup();
    hit.len()
}

/// [`score`], and a reply that names a word of what the person told
/// before (`remembered`: the memories' topic words) is preferred: among
/// replies that keep every rule, the one that remembers.
pub fn score_recalling(
    judge: Option<&dyn Judge>,
    said: &str,
    reply: &str,
    remembered: &[String],
) -> f64 {
    let base = score_alone(judge, said, reply);
    if recalls(reply, remembered) {
        base + 1.5
    } else {
        base
    }
}

fn score_alone(judge: Option<&dyn Judge>, said: &str, reply: &str) -> f64 {
    let text = reply.trim();
    if text.is_empty() {
        return f64::NEG_INFINITY;
    }
    let mut s = judge.map_or(0.0, |j| j.score(text).clamp(-8.0, 8.0));
    if on_topic(said, text) {
        s += 2.0;
    }
    if parroted(said, text) > 0.5 {
        s -= 4.0;
    }
    if degenerate(text) {
        s -= 8.0;
    }
    if text.starts_with('(') && text.ends_with(')') {
        s -= 4.0;
    }
    s
}

/// Index of the best candidate (the first on ties); `None` if there are none.
pub fn best(judge: Option<&dyn Judge>, said: &str, candidates: &[String]) -> Option<usize> {
    candidates
        .iter()
        .map(|c| score(judge, said, c))
        .enumerate()
        .fold(None, |acc: Option<(usize, f64)>, (i, s)| match acc {
            Some((_, b)) if b >= s => acc,
            _ => Some((i, s)),
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Likes(&'static str);
    impl Judge for Likes {
        fn score(&self, reply: &str) -> f64 {
            if reply.contains(self.0) {
                1.0
            } else {
                0.0
            }
        }
    }

    #[test]
    fn degenerate_and_parroted_replies_lose() {
        let said = "I received a letter from an old friend.";
        let c = vec![
            "I am very sorry my dear dear dear dear friend.".to_string(),
            "I received a letter from an old friend.".to_string(),
            "(smiles warmly)".to_string(),
            "How lovely! What did your friend write?".to_string(),
        ];
        assert_eq!(best(None, said, &c), Some(3));
        assert!(degenerate(&c[0]));
        assert!(parroted(said, &c[1]) > 0.9);
    }

    #[test]
    fn style_breaks_ties_between_answers_on_topic() {
        let said = "The weather has turned cold again.";
        let c = vec![
            "Cold weather is no fun at all.".to_string(),
            "Indeed, my dear, the weather is cold and raw.".to_string(),
        ];
        assert_eq!(best(Some(&Likes("my dear")), said, &c), Some(1));
        assert_eq!(best(None, said, &c), Some(0));
        assert_eq!(best(None, said, &[]), None);
    }

    #[test]
    fn topic_counts_more_than_a_little_style() {
        let said = "I want to take a walk.";
        let c = vec![
            "My dear, how kind.".to_string(),
            "A walk sounds good.".to_string(),
        ];
        assert_eq!(best(Some(&Likes("my dear")), said, &c), Some(1));
    }
}
