//! Tofu's word n-gram language model, shared by two processes: the engine's
//! style model learns the person's words with it, and the language-model
//! worker (`tofu-llm`) fuses it into decoding so replies lean toward them.
//!
//! Its own crate because the worker must not link the engine (llama.cpp
//! and whisper.cpp each bring their own ggml), and both must count words
//! the same way.

mod kn;

pub use kn::KneserNey;

/// Lower-cased words; an apostrophe inside a word stays (`don't`, `i'm`),
/// curly apostrophes become straight ones.
pub fn words(text: &str) -> Vec<String> {
    split(text, true)
}

/// The same words as [`words`], as written (case kept).
pub fn written_words(text: &str) -> Vec<String> {
    split(text, false)
}

fn split(text: &str, lower: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let c = if c == '’' || c == '‘' { '\'' } else { c };
        if c.is_alphanumeric() {
            if lower {
                cur.extend(c.to_lowercase());
            } else {
                cur.push(c);
            }
        } else if c == '\''
            && !cur.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        {
            cur.push('\'');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_apostrophes() {
        assert_eq!(
            words("I’m sure it's fine -- isn't it? 'Quoted' 3.5"),
            ["i'm", "sure", "it's", "fine", "isn't", "it", "quoted", "3", "5"]
        );
        assert_eq!(
            written_words("I’m sure Mrs Smith's fine"),
            ["I'm", "sure", "Mrs", "Smith's", "fine"]
        );
    }
}
