//! Words, sentences and documents, as the style model counts them.

pub use tofu_ngram::{words, written_words};

/// Sentences (trimmed), split after `.`, `!`, `?` followed by a space, and at line breaks.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut splitter = crate::mind::SentenceSplitter::default();
    for line in text.lines() {
        out.extend(splitter.push(line));
        out.extend(splitter.push(" "));
        out.extend(splitter.finish());
    }
    out
}

/// Splits writing the person already has into documents: on blank lines or
/// on lines holding only `---`.
pub fn documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t == "---" {
            if !cur.trim().is_empty() {
                docs.push(cur.trim().to_string());
            }
            cur.clear();
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(t);
        }
    }
    if !cur.trim().is_empty() {
        docs.push(cur.trim().to_string());
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_on_blank_and_rule_lines() {
        let d = documents("Dear Anna,\nhow are you\n\nSecond one.\n---\nThird\nline two\n\n\n");
        assert_eq!(
            d,
            ["Dear Anna, how are you", "Second one.", "Third line two"]
        );
    }

    #[test]
    fn sentences_split() {
        assert_eq!(
            sentences("Hello there. How are you?\nFine"),
            ["Hello there.", "How are you?", "Fine"]
        );
    }
}
