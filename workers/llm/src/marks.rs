//! No run of three punctuation marks, ever.
//!
//! A logit bias on question marks (the curiosity slider) and the repetition
//! penalty together once made "You??!?!?????!? What??!?!?????" of a reply:
//! each "?" token is pushed up, and once "?" has been used a lot the
//! penalty moves the model to "??" and "?!" instead. No reply is better for
//! "?!?" or "!!!", so a token that would make a run of three or more marks
//! (an ellipsis aside) is never chosen, whatever the biases say. Marks are
//! the engine's definition (`tofu::mind::rules`): anything but letters,
//! digits, spaces, quote marks and brackets.
//!
//! Written here because llama.cpp's samplers know tokens, not the text
//! they make together.

/// Whether `c` counts toward a run of marks.
pub fn is_mark(c: char) -> bool {
    !(c.is_alphanumeric()
        || c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '\u{2018}'
                | '\u{2019}'
                | '\u{201c}'
                | '\u{201d}'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '\u{ab}'
                | '\u{bb}'
        ))
}

/// Whether `s` holds a run of 3+ marks once ellipses are taken out.
fn has_bad_run(s: &str) -> bool {
    let mut run = String::new();
    let bad = |run: &str| {
        run.replace("...", "")
            .replace('\u{2026}', "")
            .chars()
            .count()
            >= 3
    };
    for c in s.chars() {
        if is_mark(c) {
            run.push(c);
        } else {
            if bad(&run) {
                return true;
            }
            run.clear();
        }
    }
    bad(&run)
}

/// The tokens that hold a mark, for the check at each step.
pub struct MarkTokens {
    with_marks: Vec<(i32, String)>,
    /// Tokens that make a bad run on their own ("!!!", "?!?").
    always: Vec<i32>,
}

impl MarkTokens {
    pub fn new(pieces: &[String]) -> MarkTokens {
        let with_marks: Vec<(i32, String)> = pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p.chars().any(is_mark))
            .map(|(i, p)| (i as i32, p.clone()))
            .collect();
        let always = with_marks
            .iter()
            .filter(|(_, p)| has_bad_run(p))
            .map(|(i, _)| *i)
            .collect();
        MarkTokens { with_marks, always }
    }

    /// The tokens that, written after `text`, would make a run of three
    /// marks. Sorted.
    pub fn banned(&self, text: &str) -> Vec<i32> {
        let run: String = {
            let mut r: Vec<char> = text.chars().rev().take_while(|&c| is_mark(c)).collect();
            r.reverse();
            r.into_iter().collect()
        };
        if run.is_empty() {
            return self.always.clone();
        }
        let mut out: Vec<i32> = self
            .with_marks
            .iter()
            .filter(|(_, p)| has_bad_run(&format!("{run}{p}")))
            .map(|(i, _)| *i)
            .collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_three_marks_are_held_back_ellipses_are_not() {
        let texts = [
            "?", "??", "!", "?!?", ".", "..", "...", " ?", "?\"", " what", "\u{2026}",
        ];
        let m = MarkTokens::new(&texts.map(String::from));
        let names =
            |ids: Vec<i32>| -> Vec<&str> { ids.iter().map(|&i| texts[i as usize]).collect() };
        // Alone, only the token that is a bad run itself.
        assert_eq!(names(m.banned("Really")), vec!["?!?"]);
        // After one mark, two more may not follow.
        assert_eq!(names(m.banned("Really?")), vec!["??", "?!?", ".."]);
        // After two, no mark may follow (an ellipsis may: it counts for nothing).
        assert_eq!(
            names(m.banned("Really?!")),
            vec!["?", "??", "!", "?!?", ".", "..", "?\""]
        );
        // Two dots and a mark are three marks; three dots are an ellipsis.
        assert_eq!(
            names(m.banned("Well..")),
            vec!["?", "??", "!", "?!?", "?\""]
        );
        assert!(!names(m.banned("Well...")).contains(&"?"));
        assert!(has_bad_run("You??!?!"));
        assert!(!has_bad_run("Wait\u{2026} what?\" she said."));
    }
}
