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
    // So is one that stops on "the" or "my": nobody ends a thought there.
    let last = rest
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase();
    let open = rest
        .trim_end()
        .ends_with([',', ':', ';', '-', '—', '–', '(', '“'])
        || rest.matches(['"', '“', '”']).count() % 2 == 1
        || DANGLING.contains(&last.as_str());
    if !(cut || open) || end.ends_with(terminal) {
        return Some(rest);
    }
    // A colon the reply stops on (the model's own end, or the token cap
    // just after it) opened a list that never came: what came before it is
    // a whole clause ("...at your market today:").
    let before = rest.trim_end();
    if before.ends_with(':') && rest.matches(['"', '“', '”']).count().is_multiple_of(2) {
        let clause = before.trim_end_matches(':').trim_end();
        if clause.split_whitespace().count() >= 3 {
            return Some(format!("{clause}."));
        }
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

/// Words no finished thought ends on, even one the model ended itself.
const DANGLING: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "my", "your", "their", "our", "its", "because", "of",
    "with", "than",
];

/// Drops the numbers of a list a reply opens ("...try these: 1. Pasta"
/// is said "...try these: Pasta"; a reply that stops on "today: 1." stops
/// on the colon, and is then cut as unfinished): read aloud, "one." after a
/// colon sounds like a sentence of its own.
pub fn without_list_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        out.push(chars[i]);
        if chars[i] == ':' || chars[i] == '\n' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let digits = chars[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            let k = j + digits;
            // "10:30." is a time: a list's number follows a space or a line.
            let spaced = chars[i] == '\n' || j > i + 1;
            if spaced
                && (1..=2).contains(&digits)
                && chars.get(k) == Some(&'.')
                && chars.get(k + 1).is_none_or(|c| c.is_whitespace())
            {
                // Skip the number and its point; after a colon, keep one
                // space if text follows.
                let colon = chars[i] == ':';
                i = k + 1;
                while i < chars.len() && chars[i] == ' ' {
                    i += 1;
                }
                if colon && i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                }
                continue;
            }
        }
        i += 1;
    }
    out
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
        // A list's "1." is no sentence end (a number still being written,
        // "1" before its point, is left for the next push).
        if self.buf.contains([':', '\n']) {
            self.buf = without_list_numbers(&self.buf);
        }
        let mut out = Vec::new();
        while let Some(cut) = self.first_cut() {
            // One line when spoken and shown ("Ideas:\nRest" is one sentence).
            let sentence = self.buf[..cut]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
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
        let rest = without_list_numbers(&std::mem::take(&mut self.buf));
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
            // A line that ends on a colon opens what the next lines hold.
            if c == '\n'
                && self.buf[..i].chars().any(char::is_alphanumeric)
                && !self.buf[..i].trim_end().ends_with(':')
            {
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
    use super::{unfinished_tail, without_list_numbers, SentenceSplitter};

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
        // Or on a word no thought ends on.
        assert_eq!(ended("You might want to know my answer: The"), None);
        assert_eq!(
            unfinished_tail("I love the colours of the".to_string(), false, false).as_deref(),
            Some("I love the colours…")
        );
        assert_eq!(
            unfinished_tail("I think so".to_string(), false, true).as_deref(),
            Some("I think so")
        );
    }

    #[test]
    fn a_list_number_is_no_sentence() {
        assert_eq!(
            without_list_numbers("Try these: 1. Pasta. 2. Rice."),
            "Try these: Pasta. 2. Rice."
        );
        assert_eq!(
            without_list_numbers("Dishes at the market today: 1."),
            "Dishes at the market today:"
        );
        assert_eq!(
            without_list_numbers("It costs 3.5 euros at 10:30."),
            "It costs 3.5 euros at 10:30."
        );
        assert_eq!(
            without_list_numbers("Ideas:\n1. Rest\n2. Walk"),
            "Ideas:\nRest\nWalk"
        );
        // Streamed, the number never becomes a sentence of its own, and a
        // reply that stops on it stops on the colon, unfinished.
        assert_eq!(
            split(&[
                "Try the dishes at the market today: 1",
                ". Pasta salad. Enjoy"
            ]),
            vec!["Try the dishes at the market today: Pasta salad.", "Enjoy"]
        );
        assert_eq!(
            split(&["Some ideas:\n1. Rest\n2. Walk.\nBye"]),
            vec!["Some ideas: Rest", "Walk.", "Bye"]
        );
        let mut s = SentenceSplitter::default();
        assert_eq!(s.push("Good. Try the market today:\n1."), vec!["Good."]);
        let rest = s.finish().unwrap();
        assert_eq!(rest, "Try the market today:");
        // The list never came: the clause before it is said as a sentence.
        assert_eq!(
            unfinished_tail(rest, false, true).as_deref(),
            Some("Try the market today.")
        );
        assert_eq!(
            unfinished_tail("You could try these dishes:".into(), true, true).as_deref(),
            Some("You could try these dishes.")
        );
        // Too short to stand alone.
        assert_eq!(unfinished_tail("Try these:".into(), true, true), None);
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
