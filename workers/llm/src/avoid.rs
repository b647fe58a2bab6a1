//! Words a reply must not write, held back across tokens.
//!
//! The companion's name written in lower case is a word of its own to a
//! small model: "Tofu" becomes "my tofu got ready". The model writes it as
//! " to" + "fu", so no single-token bias can hold it back (" to" is a word
//! of its own). Here the word is followed as it is written: once the reply
//! has "to" with nothing after it, the tokens that would make it "tofu"
//! are taken out. Case counts: the name as a name ("Tofu") stays.
//!
//! Written here because llama.cpp's samplers bias tokens, not words.

/// Every token's text, sorted, to find the tokens that begin with a text.
pub struct Pieces {
    sorted: Vec<(String, i32)>,
}

impl Pieces {
    pub fn new(pieces: &[String]) -> Pieces {
        let mut sorted: Vec<(String, i32)> = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as i32))
            .collect();
        sorted.sort();
        Pieces { sorted }
    }

    /// The tokens whose text begins with `prefix`.
    fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = i32> + 'a {
        let from = self.sorted.partition_point(|(p, _)| p.as_str() < prefix);
        self.sorted[from..]
            .iter()
            .take_while(move |(p, _)| p.starts_with(prefix))
            .map(|(_, id)| *id)
    }
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The tokens that, written after `text`, would write one of `words`
/// (exactly as given; a longer word that begins with one counts too).
pub fn banned(pieces: &Pieces, words: &[String], text: &str) -> Vec<i32> {
    // The word being written: the letters at the end of the text.
    let start = text
        .char_indices()
        .rev()
        .take_while(|&(_, c)| word_char(c))
        .last()
        .map_or(text.len(), |(i, _)| i);
    let partial = &text[start..];
    let mut out = Vec::new();
    for w in words.iter().filter(|w| !w.is_empty()) {
        // A new word, after a space.
        out.extend(pieces.starting_with(&format!(" {w}")));
        // The word going on (or, after a space or a mark, a new one).
        if let Some(rest) = w.strip_prefix(partial).filter(|r| !r.is_empty()) {
            out.extend(pieces.starting_with(rest));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_held_back_however_it_is_cut_into_tokens() {
        let texts = [
            " to", "fu", " tofu", "tof", "u", " To", "f", " t", "o", "fun", " fu",
        ];
        let pieces = Pieces::new(&texts.map(String::from));
        let ids = |names: &[&str]| -> Vec<i32> {
            let mut v: Vec<i32> = names
                .iter()
                .map(|n| texts.iter().position(|t| t == n).unwrap() as i32)
                .collect();
            v.sort_unstable();
            v
        };
        let avoid = vec!["tofu".to_string()];
        // After "to": "fu" (and "fun", which begins with it) would write it.
        assert_eq!(
            banned(&pieces, &avoid, "I want to"),
            ids(&[" tofu", "fu", "fun"])
        );
        // After "tof": only "u" would.
        assert_eq!(banned(&pieces, &avoid, "my tof"), ids(&[" tofu", "u"]));
        // At a word's start: " tofu", or "tofu" right after a mark.
        assert_eq!(banned(&pieces, &avoid, "Hello ("), ids(&[" tofu"]));
        assert_eq!(banned(&pieces, &avoid, "Hello, "), ids(&[" tofu"]));
        // Case counts: "To" + "fu" is the name, and stays.
        assert_eq!(banned(&pieces, &avoid, "I am To"), ids(&[" tofu"]));
        // Another word: only a new " tofu" is held back.
        assert_eq!(banned(&pieces, &avoid, "I want tea"), ids(&[" tofu"]));
        assert!(banned(&pieces, &[], "to").is_empty());
    }
}
