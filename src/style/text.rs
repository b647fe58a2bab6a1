//! Words, sentences and documents, as the style model counts them.

/// Lower-cased words; an apostrophe inside a word stays (`don't`, `i'm`),
/// curly apostrophes become straight ones.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let c = if c == '’' || c == '‘' { '\'' } else { c };
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
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
    fn words_keep_inner_apostrophes() {
        assert_eq!(
            words("I’m sure it's fine -- isn't it? 'Quoted' 3.5"),
            ["i'm", "sure", "it's", "fine", "isn't", "it", "quoted", "3", "5"]
        );
    }

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
