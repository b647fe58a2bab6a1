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

/// What to do with the text left when a reply stops (`rest`, what
/// [`SentenceSplitter::finish`] returns). A reply the model ended keeps it.
/// A reply cut by the token cap (`cut`) in the middle of a sentence
/// ("...and that process creates this"), or one that stops on a comma or
/// inside a quotation, drops it when whole sentences came
/// before it, and otherwise ends it at its last clause with an ellipsis, so
/// nobody hears a sentence stop on "the" as if it were said that way.
pub fn unfinished_tail(rest: String, cut: bool, had_sentences: bool) -> Option<String> {
    let end = rest.trim_end_matches(['"', '”', '’', ')']);
    // A model that stops by itself on a comma, a colon or inside a quotation
    // was cut off too (by a stop string, a new line).
    let open = rest
        .trim_end()
        .ends_with([',', ':', ';', '-', '—', '–', '(', '“'])
        || rest.matches(['"', '“', '”']).count() % 2 == 1;
    if !(cut || open) || end.ends_with(terminal) {
        return Some(rest);
    }
    if had_sentences {
        return None;
    }
    // The last comma, semicolon or dash that leaves some words before it.
    let clause = rest
        .rmatch_indices([',', ';', '—', '–'])
        .map(|(i, _)| &rest[..i])
        .find(|head| head.split_whitespace().count() >= 4)
        .unwrap_or(&rest);
    // A quotation left open is cut where it opened.
    let clause = match clause.matches(['"', '“', '”']).count() % 2 {
        1 => &clause[..clause.rfind(['"', '“', '”']).unwrap_or(clause.len())],
        _ => clause,
    };
    // It trails off on a word that leads somewhere, not on "on the".
    let mut words: Vec<&str> = clause.split_whitespace().collect();
    while words.len() > 2 {
        let last = words[words.len() - 1]
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_lowercase();
        if !LEADING_WORDS.contains(&last.as_str()) && !last.is_empty() {
            break;
        }
        words.pop();
    }
    let clause = words.join(" ");
    let clause = clause.trim_end_matches(|c: char| !c.is_alphanumeric());
    clause
        .chars()
        .any(char::is_alphanumeric)
        .then(|| format!("{clause}…"))
}

/// Words that lead into what follows: a thought cut after one of them sounds
/// broken, not unfinished.
const LEADING_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "so", "of", "on", "in", "to", "with", "when", "this",
    "that", "for", "at", "by", "as", "like", "because", "if", "its", "their", "your", "my", "our",
    "his", "is", "are", "was", "were", "be", "from", "into", "than", "then", "which", "who",
    "what", "where", "while", "can", "will", "would", "could", "should", "i", "we", "they", "he",
    "she", "it's", "i'm", "you're", "not", "very", "more",
];

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
    use super::{unfinished_tail, SentenceSplitter};

    #[test]
    fn a_reply_cut_by_the_token_cap_never_ends_mid_sentence() {
        let tail = |rest: &str, had: bool| unfinished_tail(rest.to_string(), true, had);
        // After whole sentences, the unfinished one goes.
        assert_eq!(
            tail("It bounces off of molecules like water droplets on", true),
            None
        );
        // Alone, it trails off at a clause, or at a word that ends a thought.
        assert_eq!(
            tail(
                "It seems like everyone is looking at you, but I'm not sure if that",
                false
            )
            .as_deref(),
            Some("It seems like everyone is looking at you…")
        );
        assert_eq!(
            tail(
                "Sunsets are red because of the way light scatters in the",
                false
            )
            .as_deref(),
            Some("Sunsets are red because of the way light scatters…")
        );
        assert_eq!(
            tail("You could say to her, \"Hello, my", false).as_deref(),
            Some("You could say to her…")
        );
        // A finished sentence, or a reply the model ended, is kept as it is.
        assert_eq!(tail("That is all.", true).as_deref(), Some("That is all."));
        assert_eq!(
            unfinished_tail("Maybe later".to_string(), false, true).as_deref(),
            Some("Maybe later")
        );
        // Stopped by itself inside a quotation or on a comma: unfinished too.
        let ended = |rest: &str| unfinished_tail(rest.to_string(), false, true);
        assert_eq!(ended("You could say: \"Hello,"), None);
        assert_eq!(ended("And then,"), None);
    }

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
