//! The rules a reply must keep, written so anyone can read and check them.
//!
//! `tofu bench conversation` counts how many replies break each rule, and the
//! mind uses the same detectors to refuse a sentence before it is shown or
//! spoken (see [`super::gate`]). The definitions are the ones issue #16 states,
//! kept literal so the figures mean the same thing outside the project:
//!
//! - **degenerate**: empty; a run of 3+ punctuation marks (other than an
//!   ellipsis); under 70 % of its tokens hold a letter; a word 3-gram said 3+
//!   times.
//! - **parroting**: shares 6+ consecutive words with something the person
//!   said in this conversation.
//! - **role confusion**: says in the first person what the person said of
//!   themselves: their "my X" / "our X", or a word 3-gram of theirs starting
//!   "I" / "I'm" / "we", comes back in the reply.
//! - **self-addressing**: "Hi/Hello/Dear <name>", "<name>:", or a reply that
//!   opens with a quote mark.
//! - **leaked instructions**: the reply repeats the prompt's wording (fixed
//!   markers such as "the person", "speak in a", "backstory", or 5 words in a
//!   row of the instructions it was given).
//! - **invented words**: a lower-case word of 4+ letters found in no English
//!   word list and not said by the person.
//! - **mood contradicted**: congratulating a sad line, commiserating a happy
//!   one.
//! - **recall**: the reply names one of the expected words.
//!
//! Every detector returns the evidence (the words that broke the rule), so
//! a failing figure can be read, not just counted.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One rule of a good reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Degenerate,
    Parroting,
    RoleConfusion,
    SelfAddressing,
    LeakedInstructions,
    InventedWords,
    MoodContradicted,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::Degenerate,
        Rule::Parroting,
        Rule::RoleConfusion,
        Rule::SelfAddressing,
        Rule::LeakedInstructions,
        Rule::InventedWords,
        Rule::MoodContradicted,
    ];

    /// The rule's name as the bench prints it (and its JSON key).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Degenerate => "degenerate",
            Rule::Parroting => "parroting",
            Rule::RoleConfusion => "role_confusion",
            Rule::SelfAddressing => "self_addressing",
            Rule::LeakedInstructions => "leaked_instructions",
            Rule::InventedWords => "invented_words",
            Rule::MoodContradicted => "mood_contradicted",
        }
    }
}

/// How a line feels, as a caring listener must not contradict it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mood {
    Neg,
    Pos,
    Neu,
}

/// A broken rule and what broke it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub rule: Rule,
    pub evidence: String,
}

/// English words: the lists a word is looked up in by
/// [`invented_words`]. Built from wordfreq (always provisioned with the
/// models) and, where installed, the system's dictionaries
/// (`/usr/share/dict/*-english`, Debian's `wamerican` / `wbritish`).
#[derive(Debug, Default, Clone)]
pub struct Lexicon {
    words: HashSet<String>,
    /// Where the words came from, for reports.
    pub sources: Vec<String>,
}

/// The system word lists read by [`Lexicon::with_system_lists`].
pub const SYSTEM_LISTS: [&str; 2] = [
    "/usr/share/dict/american-english",
    "/usr/share/dict/british-english",
];

impl Lexicon {
    pub fn from_words<I: IntoIterator<Item = S>, S: AsRef<str>>(words: I, source: &str) -> Lexicon {
        let mut l = Lexicon::default();
        l.add(words, source);
        l
    }

    pub fn add<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, words: I, source: &str) {
        let before = self.words.len();
        for w in words {
            let w = normalise(w.as_ref());
            if !w.is_empty() {
                self.words.insert(w);
            }
        }
        if self.words.len() > before || before == 0 {
            self.sources.push(source.to_string());
        }
    }

    /// General English as Tofu has it: wordfreq's list (provisioned with
    /// the models) and the system's dictionaries where installed.
    pub fn english(models: &tofu_models::ModelStore) -> crate::error::Result<Lexicon> {
        let bg = crate::style::Background::load_default(models)?;
        Ok(Lexicon::from_words(bg.words(), "wordfreq small_en").with_system_lists(&SYSTEM_LISTS))
    }

    /// Adds the word lists at `paths` that exist (one word per line).
    pub fn with_system_lists(mut self, paths: &[&str]) -> Lexicon {
        for p in paths {
            if let Ok(text) = std::fs::read_to_string(Path::new(p)) {
                self.add(text.lines(), p);
            }
        }
        self
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `word` (lower case) is English: listed itself, or a regular
    /// inflection of a listed word ("sunsets", "chewed", "painting").
    pub fn knows(&self, word: &str) -> bool {
        let w = normalise(word);
        if self.words.contains(&w) {
            return true;
        }
        let has = |s: &str| s.len() >= 2 && self.words.contains(s);
        for (suffix, add) in [
            ("s", ""),
            ("es", ""),
            ("ies", "y"),
            ("ed", ""),
            ("ed", "e"),
            ("ing", ""),
            ("ing", "e"),
            ("ly", ""),
            ("er", ""),
            ("est", ""),
            ("ness", ""),
            ("ful", ""),
            ("less", ""),
        ] {
            if let Some(stem) = w.strip_suffix(suffix) {
                if has(&format!("{stem}{add}")) {
                    return true;
                }
                // A doubled consonant: "stopped", "running".
                let b = stem.as_bytes();
                if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] && has(&stem[..stem.len() - 1])
                {
                    return true;
                }
            }
        }
        // Compounds written as one word ("housewarming", "weekend").
        (4..w.len().saturating_sub(3)).any(|i| {
            w.is_char_boundary(i) && self.words.contains(&w[..i]) && self.words.contains(&w[i..])
        })
    }
}

/// Lower case, with typographic apostrophes made plain.
fn normalise(w: &str) -> String {
    w.trim()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .to_lowercase()
}

/// The words of `text` in lower case ("I'm" stays one word), as every rule
/// counts them.
pub fn words(text: &str) -> Vec<String> {
    normalise(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// [`words`] with a possessive "'s" taken off ("my mother's birthday"
/// comes back as "my mother"): the first-person checks compare these.
pub fn plain_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .map(|w| match w.strip_suffix("'s") {
            Some(stem) if !stem.is_empty() => stem.to_string(),
            _ => w,
        })
        .collect()
}

fn ngrams(words: &[String], n: usize) -> impl Iterator<Item = &[String]> {
    words.windows(n)
}

/// Quote marks and brackets close and open around words ('?")' is not a
/// run of three marks); everything else that is neither a letter, a digit
/// nor a space counts.
fn is_mark(c: char) -> bool {
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

/// Degenerate: empty, a run of 3+ punctuation marks (an ellipsis aside),
/// under 70 % of tokens with a letter, or a word 3-gram said 3+ times.
pub fn degenerate(reply: &str) -> Option<String> {
    let text = reply.trim();
    if text.is_empty() {
        return Some("empty".into());
    }
    // Runs of marks, with ellipses ("...", "…") taken out of each run.
    let mut run = String::new();
    let check = |run: &mut String| -> Option<String> {
        let rest = run.replace("...", "").replace('\u{2026}', "");
        let bad = rest.chars().count() >= 3;
        let found = bad.then(|| run.clone());
        run.clear();
        found
    };
    for c in text.chars() {
        if is_mark(c) {
            run.push(c);
        } else if let Some(r) = check(&mut run) {
            return Some(format!("punctuation run {r:?}"));
        }
    }
    if let Some(r) = check(&mut run) {
        return Some(format!("punctuation run {r:?}"));
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let lettered = tokens
        .iter()
        .filter(|t| t.chars().any(char::is_alphabetic))
        .count();
    if (lettered as f64) < 0.7 * tokens.len() as f64 {
        return Some(format!(
            "{lettered} of {} tokens hold a letter",
            tokens.len()
        ));
    }
    let w = words(text);
    let mut counts: HashMap<&[String], usize> = HashMap::new();
    for g in ngrams(&w, 3) {
        let c = counts.entry(g).or_insert(0);
        *c += 1;
        if *c >= 3 {
            return Some(format!("\"{}\" said {} times", g.join(" "), c));
        }
    }
    None
}

/// Parroting: 6+ consecutive words shared with one thing the person said.
pub fn parroting(reply: &str, person: &[&str]) -> Option<String> {
    let r = words(reply);
    for said in person {
        let s = words(said);
        let grams: HashSet<&[String]> = ngrams(&s, 6).collect();
        if let Some(g) = ngrams(&r, 6).find(|g| grams.contains(g)) {
            return Some(format!("\"{}\"", g.join(" ")));
        }
    }
    None
}

/// Role confusion: the person's "my X" / "our X", or a word 3-gram of
/// theirs that starts "I", "I'm" or "we", comes back in the reply.
pub fn role_confusion(reply: &str, person: &[&str]) -> Option<String> {
    let r = plain_words(reply);
    let mut theirs: HashSet<Vec<String>> = HashSet::new();
    for said in person {
        let s = plain_words(said);
        for g in ngrams(&s, 2) {
            if g[0] == "my" || g[0] == "our" {
                theirs.insert(g.to_vec());
            }
        }
        for g in ngrams(&s, 3) {
            if matches!(g[0].as_str(), "i" | "i'm" | "we") {
                theirs.insert(g.to_vec());
            }
        }
    }
    for n in [2, 3] {
        if let Some(g) = ngrams(&r, n).find(|g| theirs.contains(*g)) {
            return Some(format!("\"{}\"", g.join(" ")));
        }
    }
    None
}

/// Self-addressing: "Hi/Hello/Dear <name>", "<name>:", or a reply that
/// opens with a quote mark.
pub fn self_addressing(reply: &str, name: &str) -> Option<String> {
    let text = reply.trim();
    if let Some(c) = text.chars().next() {
        if matches!(
            c,
            '"' | '\'' | '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}' | '\u{ab}' | '\u{201e}'
        ) {
            return Some(format!("opens with {c}"));
        }
    }
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    if lower.contains(&format!("{name}:")) {
        return Some(format!("\"{name}:\""));
    }
    let w = words(text);
    let name_words = words(&name);
    for (i, g) in w.iter().enumerate() {
        if matches!(g.as_str(), "hi" | "hello" | "dear" | "hey")
            && w.get(i + 1..i + 1 + name_words.len()) == Some(&name_words[..])
        {
            return Some(format!("\"{g} {name}\""));
        }
    }
    None
}

/// Wording of Tofu's own prompts that a reply must never say.
const LEAK_MARKERS: &[&str] = &[
    "the person",
    "speak in a",
    "speak plainly",
    "backstory",
    "system prompt",
    "my instructions",
    "your instructions",
    "this person talks",
    // The fixed lines of `plan::system_prompt` said back.
    "as in a conversation",
    "in one short sentence",
    "in two short sentences",
    "three or four sentences",
    "a question about them",
    "ask a question when it helps",
];

/// Leaked instructions: a fixed marker of the prompt's wording, or 5 words
/// in a row of `instructions` (the text the model was told to follow).
pub fn leaked(reply: &str, instructions: &str) -> Option<String> {
    // "the person's" is "the person" too.
    let bare: Vec<String> = words(reply)
        .into_iter()
        .map(|w| w.strip_suffix("'s").map(str::to_string).unwrap_or(w))
        .collect();
    let lower = bare.join(" ");
    let padded = format!(" {lower} ");
    if let Some(m) = LEAK_MARKERS
        .iter()
        .find(|m| padded.contains(&format!(" {m} ")))
    {
        return Some(format!("\"{m}\""));
    }
    let r = words(reply);
    let given = words(instructions);
    let grams: HashSet<&[String]> = ngrams(&given, 5).collect();
    let found = ngrams(&r, 5)
        .find(|g| grams.contains(g))
        .map(|g| format!("\"{}\"", g.join(" ")));
    found
}

/// The contractions and possessive a word may end in.
const CLITICS: [&str; 7] = ["n't", "'s", "'re", "'ll", "'ve", "'d", "'m"];

/// Invented words: lower-case words of 4+ letters that `lexicon` does not
/// know and the person did not say.
pub fn invented_words(reply: &str, person: &[&str], lexicon: &Lexicon) -> Vec<String> {
    let said: HashSet<String> = person.iter().flat_map(|s| words(s)).collect();
    let mut out = Vec::new();
    let text = reply.replace(['\u{2019}', '\u{2018}'], "'");
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let raw = raw.trim_matches('\'');
        if raw.is_empty() || !raw.chars().all(|c| c.is_lowercase() || c == '\'') {
            continue; // capitalised, a number, or mixed
        }
        let mut w = raw;
        for c in CLITICS {
            if let Some(stem) = w.strip_suffix(c) {
                w = stem;
                break;
            }
        }
        if w.chars().filter(|c| c.is_alphabetic()).count() < 4 || w.contains('\'') {
            continue;
        }
        if said.contains(raw) || said.contains(w) || lexicon.knows(w) || lexicon.knows(raw) {
            continue;
        }
        if !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// What congratulating sounds like.
const CHEER: &[&str] = &[
    "congratulations",
    "congrats",
    "glad to hear",
    "happy to hear",
    "great to hear",
    "good to hear",
    "nice to hear",
    "that's great",
    "that is great",
    "that's wonderful",
    "that is wonderful",
    "that's amazing",
    "that's awesome",
    "that's fantastic",
    "how exciting",
    "how wonderful",
    "how lovely",
    "what a wonderful",
    "what a great",
    "what a lovely",
    "well done",
    "good for you",
    "i'm so happy for you",
    "i'm glad",
    "i am glad",
    "so glad",
    "yay",
    "hooray",
    "woohoo",
];

/// What commiserating sounds like.
const SORROW: &[&str] = &[
    "sorry to hear",
    "i'm sorry",
    "i am sorry",
    "so sorry",
    "that's too bad",
    "that is too bad",
    "that must be hard",
    "that must be tough",
    "that's tough",
    "that's rough",
    "that sucks",
    "poor you",
    "how awful",
    "how terrible",
    "that's terrible",
    "that's awful",
    "sad to hear",
    "my condolences",
    "hang in there",
    "what a shame",
    "that's a shame",
];

fn says_any(reply: &str, phrases: &[&str]) -> Option<String> {
    let padded = format!(" {} ", words(reply).join(" "));
    phrases
        .iter()
        .find(|p| padded.contains(&format!(" {} ", words(p).join(" "))))
        .map(|p| format!("\"{p}\""))
}

/// Mood contradicted: congratulating a sad line, commiserating a happy one.
pub fn mood_contradicted(reply: &str, mood: Mood) -> Option<String> {
    match mood {
        Mood::Neg => says_any(reply, CHEER),
        Mood::Pos => says_any(reply, SORROW),
        Mood::Neu => None,
    }
}

/// Recall: the reply names one of `expected` (a word of the reply starts
/// with it: "drum" is in "drums", "12" in "12th").
pub fn recalls(reply: &str, expected: &[String]) -> bool {
    let w = words(reply);
    expected.iter().any(|e| {
        let e = normalise(e);
        w.iter().any(|x| x.starts_with(&e))
    })
}

/// What a reply is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Against<'a> {
    /// What the person said in this conversation, oldest first (the line
    /// being answered last).
    pub person: &'a [&'a str],
    /// What the person told in earlier conversations (the memories): said
    /// in the first person it is role confusion too, but repeating it is
    /// no parroting (a recall may).
    pub told: &'a [&'a str],
    /// The companion's name.
    pub name: &'a str,
    /// The instructions the model was given (system prompt wording).
    pub instructions: &'a str,
    /// The mood of the line being answered.
    pub mood: Mood,
    pub lexicon: &'a Lexicon,
}

/// Every rule `reply` breaks.
pub fn check(reply: &str, a: &Against<'_>) -> Vec<Breach> {
    let mut out = Vec::new();
    let mut note = |rule: Rule, evidence: Option<String>| {
        if let Some(evidence) = evidence {
            out.push(Breach { rule, evidence });
        }
    };
    note(Rule::Degenerate, degenerate(reply));
    note(Rule::Parroting, parroting(reply, a.person));
    let theirs: Vec<&str> = a.told.iter().chain(a.person).copied().collect();
    note(Rule::RoleConfusion, role_confusion(reply, &theirs));
    note(Rule::SelfAddressing, self_addressing(reply, a.name));
    note(Rule::LeakedInstructions, leaked(reply, a.instructions));
    let invented = invented_words(reply, &theirs, a.lexicon);
    note(
        Rule::InventedWords,
        (!invented.is_empty()).then(|| invented.join(", ")),
    );
    note(Rule::MoodContradicted, mood_contradicted(reply, a.mood));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::from_words(
            [
                "that", "sounds", "hard", "what", "happened", "next", "sunset", "chew", "paint",
                "house", "warming", "stop", "kitchen", "bright", "drum", "lovely", "really",
                "together", "music", "when", "does", "arrive",
            ],
            "test",
        )
    }

    #[test]
    fn degenerate_replies_are_caught_and_good_ones_are_not() {
        for bad in [
            "",
            "   ",
            "You??!?!?????!? What??!?!?????'s not a question",
            "Really!!! That is great.",
            "? ? ? ? ok",
            "I see you. I see you. I see you.",
            "it is so so so so good, it is so so so so good, it is so so so so",
        ] {
            assert!(degenerate(bad).is_some(), "{bad:?} should be degenerate");
        }
        for good in [
            "Oh... that sounds hard. What happened next?",
            "Wait\u{2026} really?",
            "She said \"yes?\" and left.",
            "(Ha!) That's a 10-minute walk, isn't it?",
            "Maybe...? Who knows.",
        ] {
            assert_eq!(degenerate(good), None, "{good:?} is fine");
        }
    }

    #[test]
    fn parroting_needs_six_words_in_a_row_of_one_thing_said() {
        let person = ["My sister Anna is visiting next week, I'm excited."];
        assert!(parroting("My sister Anna is visiting next week!", &person).is_some());
        assert!(parroting("Anna is visiting next week? Lovely.", &person).is_none());
        // Six words spread over two things said do not count.
        let two = ["I like the red", "car that you drove"];
        assert!(parroting("I like the red car that you drove.", &two).is_none());
    }

    #[test]
    fn role_confusion_is_the_persons_own_first_person_coming_back() {
        let person = [
            "I had a rough day at work. My boss yelled at me in front of everyone.",
            "What do you think I should do about it?",
        ];
        assert!(role_confusion("Do I think my boss yelled at me?", &person).is_some());
        assert!(role_confusion("I had a rough one too.", &person).is_some());
        assert!(role_confusion("Your boss yelled at you? That's awful.", &person).is_none());
        assert!(role_confusion("We could talk it through.", &person).is_none());
        let ours = ["We adopted a puppy yesterday! Our garden is a mess now."];
        assert!(role_confusion("Our garden is lovely too.", &ours).is_some());
        assert!(role_confusion("We adopted a kitten as well.", &ours).is_some());
        assert!(role_confusion("You adopted one? Lovely.", &ours).is_none());
        let mum = ["My mother's birthday is on the twelfth of March."];
        assert!(role_confusion("The birthday of my mother is soon.", &mum).is_some());
        assert!(role_confusion("Your mother's birthday is soon.", &mum).is_none());
    }

    #[test]
    fn self_addressing_greets_itself_or_opens_with_a_quote() {
        assert!(self_addressing("Hi Tofu, I'm glad to hear that.", "Tofu").is_some());
        assert!(self_addressing("Dear tofu, how are you?", "Tofu").is_some());
        assert!(self_addressing("Tofu: That sounds hard.", "Tofu").is_some());
        assert!(self_addressing("\"In front of everyone?\"", "Tofu").is_some());
        assert!(self_addressing("\u{201c}Why not?\u{201d}", "Tofu").is_some());
        assert!(self_addressing("Hi! I'm Tofu, nice to meet you.", "Tofu").is_none());
        assert!(self_addressing("That sounds hard.", "").is_none());
    }

    #[test]
    fn leaked_instructions_repeat_the_prompts_wording() {
        let prompt = "You are Tofu, a friendly companion who lives on this computer. \
                      Answer in one short sentence. Be warm and kind.";
        assert!(leaked(
            "Speak in a casual, friendly tone with a little humor.",
            prompt
        )
        .is_some());
        assert!(leaked("I will answer in one short sentence today.", prompt).is_some());
        assert!(leaked("I help the person who talks to me.", prompt).is_some());
        assert!(leaked("The person's birthday is in March.", prompt).is_some());
        assert!(leaked("My backstory is simple.", prompt).is_some());
        assert!(leaked("Speak clearly, as in a conversation.", "").is_some());
        assert!(leaked("That sounds hard. Be kind to yourself.", prompt).is_none());
        assert!(leaked("Personally, I'd talk to him.", prompt).is_none());
    }

    #[test]
    fn invented_words_are_unknown_lower_case_words_the_person_did_not_say() {
        let lex = lexicon();
        let person = ["We named the puppy Biscotto, he loves his chewtoy."];
        assert_eq!(
            invented_words("I'm a toffu and totofu, really.", &person, &lex),
            vec!["toffu", "totofu"]
        );
        // Inflections, compounds, short words, names and the person's own words pass.
        assert!(invented_words(
            "Sunsets! It chewed the chewtoy. Painting, stopped, housewarming, Biscotto, Zorp, zzz.",
            &person,
            &lex
        )
        .is_empty());
        // Contractions are looked up by their stem.
        assert!(invented_words("That's what happened.", &person, &lex).is_empty());
        assert_eq!(
            invented_words("It's kitchenish.", &person, &lex),
            vec!["kitchenish"]
        );
    }

    #[test]
    fn mood_is_contradicted_by_cheering_sorrow_or_pitying_joy() {
        assert!(mood_contradicted(
            "Hi, I'm glad to hear that. In front of everyone?",
            Mood::Neg
        )
        .is_some());
        assert!(mood_contradicted("Congratulations on that!", Mood::Neg).is_some());
        assert!(mood_contradicted("I'm sorry to hear that.", Mood::Pos).is_some());
        assert!(mood_contradicted("I'm sorry to hear that.", Mood::Neg).is_none());
        assert!(mood_contradicted("That's great news!", Mood::Pos).is_none());
        assert!(mood_contradicted("Congratulations!", Mood::Neu).is_none());
    }

    #[test]
    fn recall_finds_an_expected_word_by_its_start() {
        let e = vec!["drum".to_string(), "12".to_string()];
        assert!(recalls("He plays the drums, doesn't he?", &e));
        assert!(recalls("On the 12th!", &e));
        assert!(!recalls("He plays the guitar.", &e));
    }

    #[test]
    fn check_lists_every_broken_rule_with_its_evidence() {
        let lex = lexicon();
        let person = ["My sister Anna is visiting next week, I'm excited."];
        let a = Against {
            person: &person,
            told: &[],
            name: "Tofu",
            instructions: "Answer in one short sentence.",
            mood: Mood::Pos,
            lexicon: &lex,
        };
        let b = check(
            "\"My sister Anna is visiting next week! Sorry to hear it, toffu.",
            &a,
        );
        let rules: Vec<Rule> = b.iter().map(|b| b.rule).collect();
        assert_eq!(
            rules,
            vec![
                Rule::Parroting,
                Rule::RoleConfusion,
                Rule::SelfAddressing,
                Rule::InventedWords,
                Rule::MoodContradicted
            ]
        );
        assert!(check("How lovely, when does she arrive?", &a).is_empty());
    }
}
