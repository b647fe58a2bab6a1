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

use super::rules::{self, Against, Breach, Lexicon, Mood, Rule};

/// Rules whose breach is never shown, even when no try kept them all.
pub fn is_hard(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::Degenerate | Rule::SelfAddressing | Rule::LeakedInstructions
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

const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "we've", "our",
    "us",
];
const SECOND_PERSON: &[&str] = &["you", "your", "you're", "you've", "yours", "yourself"];

/// Speaking as the person, more strictly than the bench's role-confusion
/// rule (the gate may be stricter than the measure, never looser): a word
/// pair of the person's own first-person sentences that holds a content
/// word ("finished painting", "I'm excited") comes back in a reply
/// sentence right after a first-person word ("I've already finished
/// painting the kitchen"), with no "you"/"your" between them ("I'm sorry
/// your boss yelled" is comfort, not confusion).
pub fn speaks_as_person(sentence: &str, person: &[&str]) -> Option<String> {
    let r = rules::words(sentence);
    let mut theirs: std::collections::HashSet<(String, String)> = Default::default();
    for said in person {
        for s in crate::style::text::sentences(said) {
            let w = rules::words(&s);
            if !w.iter().any(|x| FIRST_PERSON.contains(&x.as_str())) {
                continue;
            }
            let content = super::context::topic_words(&s);
            for p in w.windows(2) {
                if content.contains(&p[0]) || content.contains(&p[1]) {
                    theirs.insert((p[0].clone(), p[1].clone()));
                }
            }
        }
    }
    for (i, p) in r.windows(2).enumerate() {
        if !theirs.contains(&(p[0].clone(), p[1].clone())) {
            continue;
        }
        // The nearest first person before (or in) the pair, within six words.
        let from = i.saturating_sub(6);
        for j in (from..=i).rev() {
            let w = r[j].as_str();
            if SECOND_PERSON.contains(&w) {
                break;
            }
            if FIRST_PERSON.contains(&w) || (j == i && FIRST_PERSON.contains(&p[0].as_str())) {
                return Some(format!("\"{} {}\" after \"{}\"", p[0], p[1], r[j]));
            }
        }
    }
    None
}

/// Judges a reply as it is written: each sentence against what was
/// accepted before it.
pub struct Gate<'a> {
    against: Against<'a>,
    accepted: String,
}

impl<'a> Gate<'a> {
    pub fn new(against: Against<'a>) -> Gate<'a> {
        Gate {
            against,
            accepted: String::new(),
        }
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
        if let Some(evidence) = speaks_as_person(sentence, self.against.person) {
            b.push(Breach {
                rule: Rule::RoleConfusion,
                evidence,
            });
        }
        if self.against.lexicon.is_empty() {
            // No word list loaded: every word would look invented.
            b.retain(|b| b.rule != Rule::InventedWords);
        }
        // Whole-reply checks that only held for the text already accepted
        // stay accepted: judge what this sentence adds.
        if !self.accepted.is_empty() {
            let before = rules::check(&self.accepted, &self.against);
            b.retain(|x| !before.iter().any(|y| y.rule == x.rule));
        }
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

    fn against<'a>(person: &'a [&'a str], lexicon: &'a Lexicon) -> Against<'a> {
        Against {
            person,
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
    fn speaking_as_the_person_is_refused_comfort_is_not() {
        let person = [
            "My sister Anna is visiting next week, I'm excited.",
            "I finished painting the kitchen yellow.",
            "My boss yelled at me in front of everyone.",
        ];
        for bad in [
            "I'm excited to see Anna.",
            "I've already finished painting the kitchen yellow.",
            "Yesterday my boss yelled at me too.",
        ] {
            assert!(speaks_as_person(bad, &person).is_some(), "{bad}");
        }
        for good in [
            "I'm sorry your boss yelled at you.",
            "You finished painting the kitchen? Lovely.",
            "Your sister Anna sounds fun.",
            "I think yellow is cheerful.",
        ] {
            assert_eq!(speaks_as_person(good, &person), None, "{good}");
        }
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
