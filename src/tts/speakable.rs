//! What of a reply is said out loud.
//!
//! Small chat models write stage directions into their replies: "(laughs)",
//! "*smiles*", "(pauses to look at the person)". Read out, the companion
//! says "laughs". A stage direction is acted, not read, so the voice leaves
//! it out; the written reply keeps it. Written by hand: no crate knows a
//! stage direction from an aside, and the rule is a few lines.
//!
//! The rule (generic, no word list of actions):
//! - a span in round or square brackets is a stage direction when it starts
//!   in lower case, holds at most eight words and no sentence mark, and its
//!   first word reads like an action (ends in "s", "ing" or "ly", and is not
//!   a little word like "this" or "is"), or it is a single word: "(laughs)",
//!   "[sighing]", "(softly)", "(pause)"; "(the one on the corner)" is said;
//! - a span between asterisks is a stage direction at the start or the end
//!   of a sentence ("*smiles* Hello."); inside one it is emphasis ("I
//!   *really* do"), and only the asterisks go;
//! - other brackets stay as they are (the voice does not say them).

/// Little words that end like an action but are not one.
const NOT_ACTIONS: [&str; 14] = [
    "this",
    "is",
    "was",
    "has",
    "his",
    "hers",
    "its",
    "us",
    "yes",
    "as",
    "thus",
    "always",
    "nothing",
    "something",
];

fn is_action(inner: &str) -> bool {
    let words: Vec<&str> = inner.split_whitespace().collect();
    let Some(first) = words.first() else {
        return true; // "()" or "**": nothing to say
    };
    if words.len() > 8
        || !first.starts_with(|c: char| c.is_lowercase())
        || inner.contains(['.', '!', '?'])
    {
        return false;
    }
    let w = first.trim_matches(|c: char| !c.is_alphabetic());
    words.len() == 1
        || (!NOT_ACTIONS.contains(&w)
            && (w.ends_with("ing")
                || w.ends_with("ly")
                || (w.ends_with('s') && !w.ends_with("ss"))))
}

/// `text` with its stage directions left out and spaces tidied.
pub fn speakable(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let close = match c {
            '(' => Some(')'),
            '[' => Some(']'),
            '*' => Some('*'),
            _ => None,
        };
        let end = close.and_then(|close| {
            chars[i + 1..]
                .iter()
                .position(|&x| x == close || (x == '(' && close == ')'))
                .map(|k| i + 1 + k)
                .filter(|&j| chars[j] == close)
        });
        let Some(j) = end else {
            out.push(c);
            i += 1;
            continue;
        };
        let inner: String = chars[i + 1..j].iter().collect();
        let drop = if c == '*' {
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = chars[j + 1..].iter().find(|c| !c.is_whitespace());
            let edge = |c: Option<&char>| c.is_none_or(|c| matches!(c, '.' | '!' | '?' | '…'));
            edge(before) || edge(after)
        } else {
            is_action(&inner)
        };
        if !drop {
            if c == '*' {
                out.push_str(&inner);
            } else {
                out.extend(&chars[i..=j]);
            }
        }
        i = j + 1;
    }
    // Tidy what a dropped span leaves: doubled spaces, a space before a mark.
    let mut tidy = String::with_capacity(out.len());
    for w in out.split_whitespace() {
        let glued = w
            .chars()
            .all(|c| matches!(c, ',' | '.' | '!' | '?' | ';' | ':'));
        if !tidy.is_empty() && !glued {
            tidy.push(' ');
        }
        tidy.push_str(w);
    }
    tidy.trim_start_matches([',', ';', ':', ' ']).to_string()
}

#[cfg(test)]
mod tests {
    use super::speakable;

    #[test]
    fn stage_directions_are_not_read_out() {
        let cases = [
            (
                "The news today... (laughs) Well, I suppose so.",
                "The news today... Well, I suppose so.",
            ),
            (
                "The last trip... (pauses to look at the person) I was on a cruise.",
                "The last trip... I was on a cruise.",
            ),
            (
                "(laughs) (smiling) And that's all for me.",
                "And that's all for me.",
            ),
            ("*smiles warmly* Hello there.", "Hello there."),
            ("Hello there. *waves*", "Hello there."),
            ("[sighing] It rained all day.", "It rained all day."),
            ("Well (softly), good night.", "Well, good night."),
            ("(laughs)", ""),
        ];
        for (text, said) in cases {
            assert_eq!(speakable(text), said, "{text}");
        }
    }

    #[test]
    fn asides_and_emphasis_are_still_said() {
        let cases = [
            (
                "I went to the shop (the one on the corner) today.",
                "I went to the shop (the one on the corner) today.",
            ),
            ("I *really* do like it.", "I really do like it."),
            (
                "(I have no doubt your neighbour is in love with me!)",
                "(I have no doubt your neighbour is in love with me!)",
            ),
            ("(this is my favourite part)", "(this is my favourite part)"),
            ("It costs 3 * 4 pounds.", "It costs 3 * 4 pounds."),
            ("A smile :) and (a half", "A smile :) and (a half"),
            (
                "The song (Yesterday) is lovely.",
                "The song (Yesterday) is lovely.",
            ),
        ];
        for (text, said) in cases {
            assert_eq!(speakable(text), said, "{text}");
        }
    }
}
