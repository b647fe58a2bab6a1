//! Facts a reply states: at present, numbers. Answering what the person
//! told before, a 135M model gets the topic right and the number wrong
//! ("your mother's birthday is March 21st" for the twelfth of March); a
//! number nobody told is refused by the gate ([`super::gate::Gate::recalling`]).

/// The numbers in `text`, however written: digits ("21", "21st", "1983"),
/// cardinal and ordinal words up to the thirties ("twelve", "twelfth",
/// "twenty-first"). Only what a date, an age or a count is made of.
pub fn numbers(text: &str) -> Vec<u32> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const ORDINALS: [&str; 20] = [
        "zeroth",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
    ];
    let word = |w: &str| -> Option<u32> {
        UNITS
            .iter()
            .position(|u| *u == w)
            .or_else(|| ORDINALS.iter().position(|u| *u == w))
            .map(|i| i as u32)
            .or(match w {
                "twenty" | "twentieth" => Some(20),
                "thirty" | "thirtieth" => Some(30),
                _ => None,
            })
    };
    let mut out = Vec::new();
    // A tens word just read ("twenty"), waiting for a unit ("one") as the
    // very next word: "twenty one" is one number, "20. ... 2" are two.
    let mut tens: Option<usize> = None;
    let lower = text.to_lowercase();
    for token in lower.split(|c: char| !(c.is_alphanumeric() || c == '-')) {
        if token.is_empty() {
            // Two separators in a row (", " or ". "): not "twenty one".
            tens = None;
            continue;
        }
        let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            tens = None;
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
            continue;
        }
        // "twenty-first" is one token.
        let parts: Vec<u32> = token.split('-').filter_map(word).collect();
        match parts[..] {
            [t @ (20 | 30), unit] if (1..10).contains(&unit) => {
                out.push(t + unit);
                tens = None;
            }
            [unit] if (1..10).contains(&unit) && tens.is_some() => {
                let at = tens.take().unwrap_or_default();
                out[at] += unit;
            }
            [n] => {
                out.push(n);
                tens = matches!(n, 20 | 30).then(|| out.len() - 1);
            }
            _ => tens = None,
        }
    }
    out
}

/// The numbers `sentence` states that none of `theirs` holds (in any
/// writing: "the 12th" and "the twelfth" are one number). "One" alone is
/// left out: it is as often a pronoun ("a good one") as a count.
pub fn invented_numbers(sentence: &str, theirs: &[&str]) -> Vec<String> {
    let told: Vec<u32> = theirs.iter().flat_map(|t| numbers(t)).collect();
    let mut out: Vec<String> = numbers(sentence)
        .into_iter()
        .filter(|n| *n != 1 && !told.contains(n))
        .map(|n| n.to_string())
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_same_however_written() {
        assert_eq!(numbers("on the twelfth of March"), vec![12]);
        assert_eq!(numbers("March 21st, 1983"), vec![21, 1983]);
        assert_eq!(numbers("twenty-first or thirty one"), vec![21, 31]);
        assert_eq!(numbers("for ten years"), vec![10]);
        // Only neighbours join: two numbers stay two.
        assert_eq!(numbers("She is 20. She has 2 kids."), vec![20, 2]);
        assert_eq!(numbers("twenty. One more"), vec![20, 1]);
        assert_eq!(numbers("twenty years and one day"), vec![20, 1]);
        assert!(numbers("a nice long walk").is_empty());
    }
}
