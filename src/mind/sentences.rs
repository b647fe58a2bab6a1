//! Cuts a stream of tokens into sentences as they complete, so speech can
//! start on the first one while the rest is generated.

/// Feed it text as it arrives; it hands back each sentence once it is whole.
#[derive(Debug, Default)]
pub struct SentenceSplitter {
    buf: String,
}

fn terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

impl SentenceSplitter {
    /// Adds text; returns the sentences it completed (trimmed, non-empty).
    /// A sentence is complete once its end mark is followed by whitespace
    /// (or a line ends), so "3.5" and "..." stay whole.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buf.push_str(text);
        let mut out = Vec::new();
        while let Some(cut) = self.first_cut() {
            let sentence = self.buf[..cut].trim().to_string();
            self.buf.drain(..cut);
            if sentence.chars().any(char::is_alphanumeric) {
                out.push(sentence);
            }
        }
        out
    }

    /// Does the text held back end with a sentence mark (so the sentence is
    /// complete unless more marks follow)? Lets a caller stop at once.
    pub fn pending_complete(&self) -> bool {
        let t = self.buf.trim_end_matches(['"', '”', '’', ')']);
        t.chars().any(char::is_alphanumeric) && t.ends_with(terminal)
    }

    /// The text held back: the sentence being written.
    pub fn pending(&self) -> &str {
        &self.buf
    }

    /// The rest, when the stream ends.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buf);
        let rest = rest.trim();
        rest.chars()
            .any(char::is_alphanumeric)
            .then(|| rest.to_string())
    }

    /// Byte offset just past the first complete sentence (its closing marks
    /// and quotes included), if there is one.
    fn first_cut(&self) -> Option<usize> {
        let chars: Vec<(usize, char)> = self.buf.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            if c == '\n' && self.buf[..i].chars().any(char::is_alphanumeric) {
                return Some(i + 1);
            }
            if !terminal(c) {
                continue;
            }
            // Take the whole run of end marks and closing quotes.
            let mut j = k;
            while j + 1 < chars.len()
                && (terminal(chars[j + 1].1) || matches!(chars[j + 1].1, '"' | '”' | '’' | ')'))
            {
                j += 1;
            }
            match chars.get(j + 1) {
                Some(&(next_i, n)) if n.is_whitespace() => return Some(next_i),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::SentenceSplitter;

    fn split(pieces: &[&str]) -> Vec<String> {
        let mut s = SentenceSplitter::default();
        let mut out: Vec<String> = pieces.iter().flat_map(|p| s.push(p)).collect();
        out.extend(s.finish());
        out
    }

    #[test]
    fn sentences_come_out_as_they_complete() {
        let mut s = SentenceSplitter::default();
        assert!(s.push("Hello").is_empty());
        assert!(
            s.push(" there.").is_empty(),
            "not sure it ended until a space follows"
        );
        assert_eq!(s.push(" How"), vec!["Hello there."]);
        assert_eq!(s.push(" are you? I"), vec!["How are you?"]);
        assert_eq!(s.finish().as_deref(), Some("I"));
    }

    #[test]
    fn numbers_ellipses_quotes_and_lines() {
        assert_eq!(
            split(&["It costs 3.5 euros. Fine"]),
            vec!["It costs 3.5 euros.", "Fine"]
        );
        assert_eq!(
            split(&["Well... maybe. Yes!"]),
            vec!["Well...", "maybe.", "Yes!"]
        );
        assert_eq!(
            split(&["\"Really?\" she said."]),
            vec!["\"Really?\"", "she said."]
        );
        assert_eq!(split(&["One\nTwo"]), vec!["One", "Two"]);
        assert_eq!(split(&["  \n. \n"]), Vec::<String>::new());
    }
}
