//! Transcripts that cannot be what was said: more words than the audio could
//! carry, or one phrase over and over (whisper's decoding loop: a 0.56 s
//! "zero" came back as "0, 0, 0, ..." 110 times), and the markers whisper
//! writes for what is not speech ("[BLANK_AUDIO]", "(music)").

/// Fast conversational speech stays under about 4.5 words a second; 6, plus
/// a few for very short clips ("Front left." in 0.9 s), is room to spare.
const WORDS_PER_SECOND: f64 = 6.0;
const SLACK_WORDS: f64 = 4.0;

/// The most words `audio_s` seconds of speech can hold.
pub fn word_budget(audio_s: f64) -> usize {
    (audio_s.max(0.0) * WORDS_PER_SECOND + SLACK_WORDS).ceil() as usize
}

/// Why a transcript cannot be right, if it cannot.
pub fn looped(text: &str, audio_s: f64) -> Option<String> {
    let words = words(text);
    if words.len() > word_budget(audio_s) {
        return Some(format!(
            "{} words in {audio_s:.2} s (at most {})",
            words.len(),
            word_budget(audio_s)
        ));
    }
    repeat_run(&words, LONG_RUN)
        .map(|(at, n, times)| format!("\"{}\" {times} times in a row", words[at..at + n].join(" ")))
}

/// Within what the audio can carry, a phrase must come back this many
/// words' worth in a row to be a loop: people say "no, no, no, no, no, no"
/// and "ha ha ha ha ha ha"; whisper's loops run on for dozens.
const LONG_RUN: usize = 12;

/// A phrase this long said three times over is a loop, not emphasis:
/// people say "I love you, I love you, I love you", but a whole clause
/// thrice is whisper going round a piece of a turn ("Had he married a more
/// amiable woman he might have been made? \"Dil more respectable than he
/// was.\"" and the quote twice more, on a sentence with a pause put in).
const LONG_PHRASE: usize = 4;

/// The first phrase of 1..=8 words said `times` times in a row: 4+ times
/// (3+ for a phrase of [`LONG_PHRASE`] words or more), and 6+ words in all
/// ("no, no, no" and "thank you, thank you, thank you" never count). Over
/// the word budget that is a loop; within it, only a run of [`LONG_RUN`]
/// words or more.
fn repeat_run(words: &[String], min_words: usize) -> Option<(usize, usize, usize)> {
    for at in 0..words.len() {
        for n in 1..=8 {
            if at + 2 * n > words.len() {
                break;
            }
            let mut times = 1;
            while at + (times + 1) * n <= words.len()
                && words[at + times * n..at + (times + 1) * n] == words[at..at + n]
            {
                times += 1;
            }
            let often = times >= 4 || (times >= 3 && n >= LONG_PHRASE);
            if often && times * n >= min_words.max(6) {
                return Some((at, n, times));
            }
        }
    }
    None
}

/// `text` with every loop said once and cut to what `audio_s` can carry:
/// the last resort when decoding again loops too.
pub fn cut(text: &str, audio_s: f64) -> String {
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    let keys: Vec<String> = tokens.iter().map(|t| key(t)).collect();
    let mut keys = keys;
    while let Some((at, n, times)) = repeat_run(&keys, 6) {
        tokens.drain(at + n..at + times * n);
        keys.drain(at + n..at + times * n);
    }
    tokens.truncate(word_budget(audio_s));
    let mut out = tokens.join(" ");
    // A loop cut in the middle ends on its separator ("0,").
    while out.ends_with([',', ';', ':', '-']) {
        out.pop();
    }
    out
}

/// Drops whisper's markers of what is not speech: "[BLANK_AUDIO]",
/// "[Music]", "(wind blowing)", "*sigh*", and the "♪" of music.
pub fn without_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth: Option<char> = None;
    for c in text.chars() {
        match (depth, c) {
            (None, '[') => depth = Some(']'),
            (None, '(') => depth = Some(')'),
            (None, '*') => depth = Some('*'),
            (Some(end), c) if c == end => depth = None,
            (Some(_), _) => {}
            (None, '♪') => {}
            (None, c) => out.push(c),
        }
    }
    // An unclosed bracket was not a marker: keep the text as it was.
    if depth.is_some() {
        return text.trim().to_string();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn key(token: &str) -> String {
    token
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(key)
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_is_found_and_cut() {
        let zeros = vec!["0,"; 110].join(" ") + " 0.";
        assert!(looped(&zeros, 0.56).is_some());
        assert_eq!(cut(&zeros, 0.56), "0");
        let phrase = "I went home. ".repeat(5);
        assert!(
            looped(&phrase, 10.0).unwrap().contains("5 times"),
            "{phrase}"
        );
        assert_eq!(cut(&phrase, 10.0), "I went home.");
        assert_eq!(cut("So we we we we we we went.", 3.0), "So we went.");
        // Within the budget, a short run is a person, a long one a loop.
        assert_eq!(looped("No no no no no no, not that one.", 3.0), None);
        assert_eq!(looped("Ha ha ha ha ha ha ha.", 3.0), None);
        assert!(looped(&"la ".repeat(14), 4.0).is_some());
        // A clause said three times over, within the budget.
        let thrice = format!(
            "He might have been made {}",
            "\"still more respectable than he was.\" ".repeat(3)
        );
        assert!(looped(&thrice, 4.0).is_some(), "{thrice}");
        assert_eq!(
            cut(&thrice, 4.0),
            "He might have been made \"still more respectable than he was.\""
        );
    }

    #[test]
    fn people_repeat_themselves_a_little() {
        assert_eq!(looped("No, no, no, not that one.", 1.5), None);
        assert_eq!(looped("Thank you, thank you, thank you!", 2.0), None);
        assert_eq!(looped("I love you, I love you, I love you.", 3.0), None);
        assert_eq!(looped("Front left.", 0.9), None);
        assert_eq!(looped("Bye bye.", 0.3), None, "two words fit any clip");
        assert!(looped(&"word ".repeat(30), 2.0).is_some(), "too many words");
    }

    #[test]
    fn markers_of_non_speech_are_dropped() {
        assert_eq!(without_markers("[BLANK_AUDIO]"), "");
        assert_eq!(
            without_markers(" (wind blowing) Hello there."),
            "Hello there."
        );
        assert_eq!(without_markers("♪ la la ♪"), "la la");
        assert_eq!(without_markers("I said (quietly"), "I said (quietly");
        assert_eq!(without_markers("Fine [inaudible] thanks."), "Fine thanks.");
    }
}
