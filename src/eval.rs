//! Measuring transcripts: text normalisation and word error rate, shared by the
//! tests and the `bench` commands so both judge the same way.
//!
//! Normalisation (applied to reference and hypothesis alike): lower case;
//! hyphens become spaces; apostrophes and other punctuation are dropped; numbers
//! written in digits become words (0 to 999 999); `mr`/`mrs`/`dr`/`st` expand.

/// The words of `text`, normalised.
pub fn normalize_words(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase().replace(['-', '—', '–', '/'], " ");
    let mut words = Vec::new();
    for raw in lowered.split_whitespace() {
        let w: String = raw.chars().filter(|c| c.is_alphanumeric()).collect();
        if w.is_empty() {
            continue;
        }
        if w.chars().all(|c| c.is_ascii_digit()) {
            match w.parse::<u64>() {
                Ok(n) if n < 1_000_000 => words.extend(number_words(n)),
                _ => words.push(w),
            }
            continue;
        }
        let expanded = match w.as_str() {
            "mr" => "mister",
            "mrs" => "missus",
            "dr" => "doctor",
            "st" => "saint",
            other => other,
        };
        words.push(expanded.to_string());
    }
    words
}

fn number_words(n: u64) -> Vec<String> {
    const ONES: [&str; 20] = [
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
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let mut out = Vec::new();
    let mut n = n;
    if n >= 1000 {
        out.extend(number_words(n / 1000));
        out.push("thousand".into());
        n %= 1000;
        if n == 0 {
            return out;
        }
    }
    if n >= 100 {
        out.push(ONES[(n / 100) as usize].into());
        out.push("hundred".into());
        n %= 100;
        if n == 0 {
            return out;
        }
    }
    if n >= 20 {
        out.push(TENS[(n / 10) as usize].into());
        if !n.is_multiple_of(10) {
            out.push(ONES[(n % 10) as usize].into());
        }
    } else if out.is_empty() || n > 0 {
        out.push(ONES[n as usize].into());
    }
    out
}

/// Word-level edit distance between two word sequences.
pub fn word_errors(reference: &[String], hypothesis: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut cur = vec![i + 1; hypothesis.len() + 1];
        for (j, h) in hypothesis.iter().enumerate() {
            let sub = prev[j] + usize::from(r != h);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[hypothesis.len()]
}

/// Word error rate of `hypothesis` against `reference`, after normalisation.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (normalize_words(reference), normalize_words(hypothesis));
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    word_errors(&r, &h) as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_makes_styles_comparable() {
        assert_eq!(
            normalize_words("NOR IS MISTER QUILTER'S MANNER"),
            normalize_words("Nor is Mr. Quilter's manner,")
        );
        assert_eq!(
            normalize_words("I have 21 cats, 100 dogs and 7."),
            normalize_words("i have twenty one cats one hundred dogs and seven")
        );
        assert_eq!(normalize_words("2005"), vec!["two", "thousand", "five"]);
        assert_eq!(normalize_words("Front-Left!"), vec!["front", "left"]);
    }

    #[test]
    fn wer_counts_substitutions_insertions_deletions() {
        assert_eq!(wer("a b c d", "a b c d"), 0.0);
        assert_eq!(wer("a b c d", "a x c d"), 0.25);
        assert_eq!(wer("a b c d", "a b c"), 0.25);
        assert_eq!(wer("a b", "a b c d"), 1.0);
        assert_eq!(wer("", ""), 0.0);
    }
}
