//! What the companion may say, sentence by sentence.
//!
//! A 135M model drifts between samples: one answers, the next speaks as the
//! person, parrots them, greets itself or mangles its own name. No prompt
//! wording fixes that, so every sentence is judged by the [`rules`] the
//! moment it is complete, before it is shown or spoken. A refused first
//! sentence means the reply is written again (another seed, a little
//! hotter); a refused later one ends the reply where the good part ends.
//! Because only finished sentences are judged, the first sentence of a good
//! reply is not delayed at all.
//!
//! The person's mood is not known at run time as it is in the scripted
//! conversations, so it is guessed from a few plain cue words: a line with
//! a sad cue may not be congratulated, a line with only happy cues may not
//! be pitied, a line with no happy cue is not cheered either. A line with
//! both ("happy for her but I'll miss her") may be comforted, not cheered.

use super::role::{
    calls_itself, claims_a_life, help_desk_talk, mangles_name, speaks_as_person, takes_their_name,
};
use super::rules::{self, Against, Breach, Lexicon, Mood, Rule};

/// Rules whose breach is never shown, even when no try kept them all.
pub fn is_hard(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::Degenerate | Rule::SelfAddressing | Rule::LeakedInstructions
    )
}

/// The word of a refused phrase (a breach's evidence, "\"i'm sorry\"")
/// that a retry may not write, as it may be written: its longest word
/// that is not a frame word ("sorry", "glad", "hard"), lower-case and
/// capitalised.
pub fn key_words(evidence: &str) -> Vec<String> {
    let Some(w) = rules::words(evidence)
        .into_iter()
        .filter(|w| w.chars().all(char::is_alphabetic))
        .filter(|w| !["hear", "must", "that", "this", "been", "have"].contains(&w.as_str()))
        .max_by_key(|w| w.len())
    else {
        return Vec::new();
    };
    let mut cap = w.clone();
    if let Some(f) = cap.get_mut(..1) {
        f.make_ascii_uppercase();
    }
    vec![w, cap]
}

/// Rules a text keeps breaking however it goes on (see
/// [`Gate::judge_early`]).
fn early(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::Parroting
            | Rule::RoleConfusion
            | Rule::SelfAddressing
            | Rule::LeakedInstructions
            | Rule::InventedWords
            | Rule::MoodContradicted
    )
}

const SAD_CUES: &[&str] = &[
    "rough",
    "bad",
    "awful",
    "terrible",
    "horrible",
    "yelled",
    "shouted",
    "angry",
    "upset",
    "sad",
    "cry",
    "cried",
    "crying",
    "broke",
    "broken",
    "hurt",
    "hurts",
    "pain",
    "sick",
    "ill",
    "anxious",
    "anxiety",
    "worried",
    "worry",
    "stress",
    "stressed",
    "scared",
    "afraid",
    "lonely",
    "miss",
    "missing",
    "lost",
    "died",
    "death",
    "funeral",
    "fired",
    "failed",
    "exhausted",
    "hate",
    "annoyed",
    "frustrated",
    "depressed",
    "struggling",
    "can't",
    "cannot",
    "unfortunately",
    "disappointed",
    "nervous",
    "tired",
    "injured",
    "argument",
    "dumped",
    "crashed",
];

const HAPPY_CUES: &[&str] = &[
    "excited",
    "happy",
    "glad",
    "great",
    "love",
    "loved",
    "wonderful",
    "amazing",
    "awesome",
    "finally",
    "won",
    "passed",
    "celebrate",
    "celebrating",
    "proud",
    "yay",
    "fun",
    "enjoyed",
    "beautiful",
    "lovely",
    "promoted",
    "promotion",
    "engaged",
    "married",
    "thrilled",
    "delighted",
];

/// The mood a reply must not contradict, guessed from cue words (see the
/// module doc): `Pos` only for a line with a happy cue (or an exclamation)
/// and no sad one; every other line is `Neg`, because cheering needs a
/// reason ("Rent went up again." has no sad cue word, and "I'm glad you're
/// happy about it" was the reply). `Neg` forbids cheering, nothing else.
pub fn guess_mood(text: &str) -> Mood {
    let w = rules::words(text);
    let has = |cues: &[&str]| w.iter().any(|x| cues.contains(&x.as_str()));
    if !has(SAD_CUES) && (has(HAPPY_CUES) || text.contains('!') && !text.contains('?')) {
        Mood::Pos
    } else {
        Mood::Neg
    }
}

/// Words that put the person down.
const PUT_DOWNS: &[&str] = &[
    "annoying",
    "stupid",
    "dumb",
    "idiot",
    "idiotic",
    "lazy",
    "boring",
    "rude",
    "pathetic",
    "ridiculous",
    "selfish",
    "useless",
    "worthless",
    "weird",
    "crazy",
    "silly",
    "foolish",
    "ignorant",
    "childish",
    "dramatic",
    "overreacting",
    "whining",
    "whiny",
    "loser",
    "clumsy",
    "careless",
    "irresponsible",
    "immature",
    "unreasonable",
    "hopeless",
];

/// A companion does not put the person down: "you're being a bit of an
/// annoying person". A put-down word after words that speak to them
/// ("you", "your", "you're", at most six words before) is refused; "I'm
/// sorry the day was so annoying" is about the day and passes, and so does
/// "annoying for you" (the word comes first).
pub fn puts_them_down(sentence: &str) -> Option<String> {
    let w = rules::words(sentence);
    let to_them = |i: usize| {
        w[i.saturating_sub(6)..i].iter().any(|x| {
            matches!(
                x.as_str(),
                "you" | "you're" | "your" | "yourself" | "you've" | "you'd"
            )
        })
    };
    w.iter()
        .enumerate()
        .find(|(i, x)| PUT_DOWNS.contains(&x.as_str()) && to_them(*i))
        .map(|(_, x)| format!("puts them down: \"{x}\""))
}

/// A sentence that opens with a one-word label and a colon ("Fix: Puppy.",
/// "Answer: ..."): the form of a prompt or a worksheet, not of talk.
pub fn opens_with_a_label(sentence: &str) -> Option<String> {
    let (head, _) = sentence.trim().split_once(':')?;
    let head = head.trim();
    (!head.is_empty() && head.chars().all(char::is_alphabetic)).then(|| head.to_string())
}

/// Words the gate holds back beyond the bench's invented-words rule (which
/// only looks at lower-case words): an unknown capitalised word opening a
/// sentence ("Fuhgedder, my friend"), a dropped g ("Somethin'",
/// "Darlin'"), and an unknown word with an apostrophe inside ("n'est-ce").
/// Names the person wrote pass.
pub fn odd_words(sentence: &str, person: &[&str], lexicon: &Lexicon) -> Vec<String> {
    if lexicon.is_empty() {
        return Vec::new();
    }
    let said: Vec<String> = person.iter().flat_map(|s| rules::words(s)).collect();
    let text = sentence.replace(['\u{2019}', '\u{2018}'], "'");
    let mut out = Vec::new();
    let raw_words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.trim_matches('\'').is_empty())
        .collect();
    for (i, raw) in raw_words.iter().enumerate() {
        let lower = raw.to_lowercase();
        let bare = lower.trim_matches('\'');
        let letters = bare.chars().filter(|c| c.is_alphabetic()).count();
        if letters < 4 || said.iter().any(|w| w == bare) {
            continue;
        }
        let dropped_g = lower.ends_with("in'") && !lexicon.knows(bare);
        let inner = bare.contains('\'')
            && !["n't", "'s", "'re", "'ll", "'ve", "'d", "'m"]
                .iter()
                .any(|c| bare.ends_with(c))
            && !lexicon.knows(bare);
        let opening = i == 0
            && raw.chars().next().is_some_and(char::is_uppercase)
            && bare.chars().all(char::is_alphabetic)
            && !lexicon.knows(bare);
        if dropped_g || inner || opening {
            out.push(raw.trim_matches('\'').to_string());
        }
    }
    out
}

/// Judges a reply as it is written: each sentence against what was
/// accepted before it.
pub struct Gate<'a> {
    against: Against<'a>,
    accepted: String,
    /// Answering a question about what they told before: a number (a
    /// date, an age, a count) the person never said is a made-up fact.
    recalling: bool,
}

impl<'a> Gate<'a> {
    pub fn new(against: Against<'a>) -> Gate<'a> {
        Gate {
            against,
            accepted: String::new(),
            recalling: false,
        }
    }

    /// Judges a recall: see [`super::facts::invented_numbers`].
    pub fn recalling(mut self) -> Gate<'a> {
        self.recalling = true;
        self
    }

    /// The rules `sentence` would break after what was already accepted
    /// (a rule about the whole reply, such as a 3-gram said three times,
    /// counts the sentences before it too).
    pub fn judge(&self, sentence: &str) -> Vec<Breach> {
        let whole = if self.accepted.is_empty() {
            sentence.to_string()
        } else {
            format!("{} {sentence}", self.accepted)
        };
        let mut b = rules::check(&whole, &self.against);
        let theirs: Vec<&str> = self
            .against
            .told
            .iter()
            .chain(self.against.person)
            .copied()
            .collect();
        if let Some(evidence) = speaks_as_person(sentence, &theirs) {
            b.push(Breach {
                rule: Rule::RoleConfusion,
                evidence,
            });
        }
        if let Some(evidence) = takes_their_name(sentence, &theirs, self.against.name) {
            b.push(Breach {
                rule: Rule::RoleConfusion,
                evidence,
            });
        }
        if let Some(evidence) = claims_a_life(sentence, self.against.instructions)
            .or_else(|| help_desk_talk(sentence, self.against.person))
        {
            b.push(Breach {
                rule: Rule::RoleConfusion,
                evidence,
            });
        }
        if let Some(evidence) = calls_itself(sentence, self.against.name) {
            b.push(Breach {
                rule: Rule::SelfAddressing,
                evidence,
            });
        }
        if let Some(evidence) =
            mangles_name(sentence, self.against.name, &theirs, self.against.lexicon)
        {
            b.push(Breach {
                rule: Rule::SelfAddressing,
                evidence,
            });
        }
        if let Some(evidence) = puts_them_down(sentence) {
            b.push(Breach {
                rule: Rule::MoodContradicted,
                evidence,
            });
        }
        if let Some(label) = opens_with_a_label(sentence) {
            b.push(Breach {
                rule: Rule::LeakedInstructions,
                evidence: format!("opens with the label \"{label}:\""),
            });
        }
        let odd = odd_words(sentence, &theirs, self.against.lexicon);
        if !odd.is_empty() {
            b.push(Breach {
                rule: Rule::InventedWords,
                evidence: odd.join(", "),
            });
        }
        if self.against.lexicon.is_empty() {
            // No word list loaded: every word would look invented.
            b.retain(|b| b.rule != Rule::InventedWords);
        }
        if self.recalling {
            let made_up = super::facts::invented_numbers(sentence, &theirs);
            if !made_up.is_empty() {
                b.push(Breach {
                    rule: Rule::InventedWords,
                    evidence: format!("a number they never told: {}", made_up.join(", ")),
                });
            }
        }
        // Whole-reply checks that only held for the text already accepted
        // stay accepted: judge what this sentence adds.
        if !self.accepted.is_empty() {
            let before = rules::check(&self.accepted, &self.against);
            b.retain(|x| !before.iter().any(|y| y.rule == x.rule));
        }
        b
    }

    /// The rules the sentence being written already breaks, judged on its
    /// complete words (`partial`: what the model has written of it so far),
    /// so a try that opens with "I'm sorry" on good news is stopped after
    /// two words instead of twenty. Only rules that a longer text can never
    /// un-break are asked (a phrase, a word pair or a label once written
    /// stays written); the share-of-letters test of `Degenerate` is not one
    /// of them, and a stage direction still open is left for the whole
    /// sentence to decide.
    pub fn judge_early(&self, partial: &str) -> Vec<Breach> {
        let Some(cut) = partial.trim_start().rfind(char::is_whitespace) else {
            return Vec::new();
        };
        let words = partial.trim_start()[..cut].trim();
        // Two words at least: "Tofu" alone is the opening "Tofu." refused
        // whole, but only the start of "Tofu is here".
        if words.split_whitespace().count() < 2 || words.contains(['(', '[', '*']) {
            return Vec::new();
        }
        let mut b = self.judge(words);
        b.retain(|x| early(x.rule));
        b
    }

    pub fn accept(&mut self, sentence: &str) {
        if !self.accepted.is_empty() {
            self.accepted.push(' ');
        }
        self.accepted.push_str(sentence.trim());
    }

    pub fn accepted(&self) -> &str {
        &self.accepted
    }
}

/// What is said when no try kept the rules: short, true, and it breaks none.
pub fn safe_reply(user_text: &str) -> String {
    if user_text.trim_end().ends_with('?') {
        "I'm not sure. What do you think?".into()
    } else {
        "I'm listening. Tell me more.".into()
    }
}

/// A lexicon for tests and callers without the word lists: nothing is
/// judged invented.
pub fn no_lexicon() -> &'static Lexicon {
    static EMPTY: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Lexicon::default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mind::facts::invented_numbers;

    #[test]
    fn a_recall_may_not_make_up_a_number() {
        let told = ["My mother's birthday is on the twelfth of March."];
        assert_eq!(
            invented_numbers("The birthday of your mother is March 21st.", &told),
            vec!["21"]
        );
        assert!(invented_numbers("It is on the 12th of March.", &told).is_empty());
        assert!(invented_numbers("It's on March twelfth, a good one.", &told).is_empty());
        let person = ["When is my mum's birthday?"];
        let lexicon = no_lexicon();
        let a = Against {
            told: &told,
            ..against(&person, lexicon)
        };
        let g = Gate::new(a).recalling();
        assert!(g
            .judge("The birthday of your mother is March 21st.")
            .iter()
            .any(|b| b.evidence.contains("a number they never told: 21")));
        assert!(g
            .judge("Your mother's birthday is the twelfth of March.")
            .is_empty());
        // Outside a recall, numbers are the reply's own business.
        assert!(Gate::new(a).judge("Save 10 dollars a week.").is_empty());
    }

    fn against<'a>(person: &'a [&'a str], lexicon: &'a Lexicon) -> Against<'a> {
        Against {
            person,
            told: &[],
            name: "Tofu",
            instructions: "You are Tofu, a companion. Answer in one short sentence.",
            mood: guess_mood(person.last().copied().unwrap_or("")),
            lexicon,
        }
    }

    #[test]
    fn moods_are_guessed_from_plain_cues() {
        assert_eq!(
            guess_mood("I had a rough day at work. My boss yelled at me."),
            Mood::Neg
        );
        assert_eq!(
            guess_mood("I'm happy for her but I'll miss her."),
            Mood::Neg
        );
        assert_eq!(guess_mood("We adopted a puppy yesterday!"), Mood::Pos);
        // Nothing to congratulate: no cheering.
        assert_eq!(guess_mood("Rent went up again."), Mood::Neg);
    }

    #[test]
    fn a_sentence_is_refused_as_soon_as_its_words_break_a_rule() {
        let person = ["We adopted a puppy yesterday!"];
        let lex = Lexicon::default();
        let g = Gate::new(against(&person, &lex));
        // Pity on good news is refused after two words, not at the end.
        let b = g.judge_early("I'm sorry for");
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].rule, Rule::MoodContradicted);
        // The word still being written is not judged yet, and one word
        // alone is only the start of a sentence ("Tofu" of "Tofu is here").
        assert!(g.judge_early("I'm sorry").is_empty());
        assert!(g.judge_early("Tofu is").is_empty());
        assert!(!g.judge("Tofu.").is_empty());
        // Rules a longer text may yet keep are left for the whole sentence.
        assert!(g.judge_early("? ? ? ? what").is_empty());
        assert!(!g.judge("? ? ? ? what a puppy.").is_empty());
        // A stage direction still open is not judged.
        assert!(g.judge_early("(I'm sorry for").is_empty());
        // A good opening goes on.
        assert!(g.judge_early("What a lovely surprise").is_empty());
    }

    #[test]
    fn a_retry_holds_back_the_key_word_of_a_refused_phrase() {
        assert_eq!(key_words("\"i'm sorry\""), ["sorry", "Sorry"]);
        assert_eq!(key_words("\"glad to hear\""), ["glad", "Glad"]);
        assert_eq!(key_words("\"that must be hard\""), ["hard", "Hard"]);
        assert!(key_words("").is_empty());
    }

    #[test]
    fn a_sentence_is_judged_with_the_ones_before_it() {
        let person = ["My boss yelled at me in front of everyone."];
        let lex = Lexicon::default();
        let mut g = Gate::new(against(&person, &lex));
        assert!(g.judge("That sounds awful.").is_empty());
        g.accept("That sounds awful.");
        let b = g.judge("My boss yelled at me too.");
        assert_eq!(b[0].rule, Rule::RoleConfusion);
        // An empty lexicon judges no word invented.
        assert!(g.judge("Whatisthisfrob.").is_empty());
        // A 3-gram said a third time only counts when this sentence adds it.
        g.accept("Do you want to talk?");
        g.accept("Do you want to rest?");
        assert_eq!(g.judge("Do you want to eat?")[0].rule, Rule::Degenerate);
        assert_eq!(
            g.accepted(),
            "That sounds awful. Do you want to talk? Do you want to rest?"
        );
    }

    #[test]
    fn a_label_is_no_sentence() {
        assert_eq!(opens_with_a_label("Fix: Puppy.").as_deref(), Some("Fix"));
        assert!(opens_with_a_label("Here is one idea: rest.").is_none());
        assert!(opens_with_a_label("At 5:30 we eat.").is_none());
    }

    #[test]
    fn the_person_is_never_put_down() {
        assert!(puts_them_down("Now you're being a bit of an annoying person.").is_some());
        assert!(puts_them_down("That was annoying for you, wasn't it?").is_none());
        assert!(puts_them_down("You are so lazy.").is_some());
        assert!(puts_them_down("Your plan sounds silly to me.").is_some());
        assert_eq!(puts_them_down("I'm sorry the day was so annoying."), None);
        assert_eq!(puts_them_down("You sound tired. Rest a little."), None);
    }

    #[test]
    fn odd_words_are_held_back_names_and_english_are_not() {
        let lex = Lexicon::from_words(
            [
                "my",
                "friend",
                "something",
                "darling",
                "that",
                "story",
                "mine",
                "nest",
                "howdy",
                "sounds",
                "lovely",
                "there",
            ],
            "test",
        );
        let person = ["My sister Anna is visiting."];
        let odd = |s: &str| odd_words(s, &person, &lex);
        assert_eq!(odd("Fuhgedder, my friend."), vec!["Fuhgedder"]);
        assert_eq!(odd("I know somethin'."), vec!["somethin"]);
        assert_eq!(odd("Mine, n'est-ce pas?"), vec!["n'est"]);
        assert!(odd("Howdy there.").is_empty());
        assert!(odd("Anna sounds lovely.").is_empty());
        assert!(odd("That's something, darling.").is_empty());
    }

    #[test]
    fn the_safe_reply_breaks_no_rule() {
        let lex = Lexicon::from_words(
            ["listening", "tell", "more", "sure", "what", "think", "not"],
            "test",
        );
        for said in ["I broke my wrist.", "What should I do?", "I got the job!"] {
            let person = [said];
            let a = against(&person, &lex);
            let r = safe_reply(said);
            assert!(rules::check(&r, &a).is_empty(), "{r}");
        }
    }
}
