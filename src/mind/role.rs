//! Whether a sentence keeps the companion's role: it speaks as itself,
//! about the person, with its own name written as it is; it never speaks
//! as the person, takes a name they said, calls itself as if spoken to or
//! claims a human life it does not have. Each check returns the evidence
//! of a breach; [`super::gate::Gate`] turns it into a refusal.

use super::rules::{self, Lexicon};

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
    let r = rules::plain_words(sentence);
    let mut theirs: std::collections::HashSet<(String, String)> = Default::default();
    for said in person {
        for s in crate::style::text::sentences(said) {
            let w = rules::plain_words(&s);
            if !w.iter().any(|x| FIRST_PERSON.contains(&x.as_str())) {
                continue;
            }
            let content = super::context::topic_words(&s.replace("'s ", " "));
            for (k, p) in w.windows(2).enumerate() {
                // Only what they said of themselves: in "Can you suggest
                // something that I can eat?" the suggesting is asked of the
                // companion, the eating is theirs.
                if (content.contains(&p[0]) || content.contains(&p[1])) && said_of_self(&w, k) {
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

/// Whether the words from `k` on are said of the speaker: the nearest
/// person word at or before `k` (within eight words) is first person.
fn said_of_self(words: &[String], k: usize) -> bool {
    for w in words[k.saturating_sub(8)..=k].iter().rev() {
        if FIRST_PERSON.contains(&w.as_str()) {
            return true;
        }
        if SECOND_PERSON.contains(&w.as_str()) {
            return false;
        }
    }
    false
}

/// Taking the person's name or someone's they named as its own: "I'm
/// Leo" after "My son Leo plays the drums" (a name is a capitalised word
/// the person wrote inside a sentence; the companion's own is allowed).
pub fn takes_their_name(sentence: &str, person: &[&str], own: &str) -> Option<String> {
    let names: Vec<String> = person
        .iter()
        .flat_map(|said| crate::style::text::sentences(said))
        .flat_map(|s| {
            s.split_whitespace()
                .skip(1)
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase) && w != "I")
                .collect::<Vec<_>>()
        })
        .map(|w| w.to_lowercase())
        .filter(|w| *w != own.trim().to_lowercase())
        .collect();
    let r = rules::words(sentence);
    for (i, w) in r.iter().enumerate() {
        let claim = match w.as_str() {
            "i'm" => r.get(i + 1),
            "i" if r.get(i + 1).is_some_and(|x| x == "am") => r.get(i + 2),
            "name" if i >= 1 && r[i - 1] == "my" && r.get(i + 1).is_some_and(|x| x == "is") => {
                r.get(i + 2)
            }
            _ => None,
        };
        if let Some(n) = claim.filter(|n| names.contains(n)) {
            return Some(format!("calls itself \"{n}\""));
        }
    }
    None
}

/// Calling itself by name as if spoken to ("Tofu, that's a friendly
/// response!", "Tofu."), or writing a memory the way the prompt frames it
/// ("I told you: \"...", "I told you that ..."), stricter than the bench's self-addressing rule.
pub fn calls_itself(sentence: &str, name: &str) -> Option<String> {
    let text = sentence.trim();
    let lower = text.to_lowercase();
    for frame in ["told you: ", "told me: ", "asked you: "] {
        if lower.contains(frame) {
            return Some(format!("\"{}\"", frame.trim()));
        }
    }
    // The reported form ("On 5 December I told you that ...") in the
    // companion's mouth is the person's memory spoken as its own.
    if lower.starts_with("on ") && lower.contains(" i told you that ") {
        return Some("\"I told you that\"".to_string());
    }
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let rest = text.strip_prefix(name)?;
    rest.chars()
        .next()
        .is_none_or(|c| matches!(c, ',' | '.' | '!' | ':'))
        .then(|| format!("opens with \"{name}\""))
}

/// The companion's own name written wrong: in another case ("tofU",
/// "TOFU"; the name as written and all lower case pass, "tofu" is also a
/// food), one letter off when capitalised ("Tofo", "Toffu"; unless it is a
/// known word or one the person said), or denied ("I'm not Tofu").
pub fn mangles_name(
    sentence: &str,
    name: &str,
    person: &[&str],
    lexicon: &Lexicon,
) -> Option<String> {
    let name = name.trim();
    let lower_name = name.to_lowercase();
    if name.chars().count() < 3 || name.contains(char::is_whitespace) {
        return None;
    }
    let said: Vec<String> = person.iter().flat_map(|s| rules::words(s)).collect();
    let text = sentence.replace(['\u{2019}', '\u{2018}'], "'");
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let w = raw.trim_matches('\'');
        let w = w.strip_suffix("'s").unwrap_or(w);
        if w.is_empty() {
            continue;
        }
        let lower = w.to_lowercase();
        if lower == lower_name {
            if w != name && w != lower_name {
                return Some(format!("its name written \"{w}\""));
            }
            continue;
        }
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        if capitalised
            && w.chars().count() >= 4
            && one_edit_apart(&lower, &lower_name)
            && !lexicon.knows(&lower)
            && !said.contains(&lower)
        {
            return Some(format!("its name written \"{w}\""));
        }
    }
    let padded = format!(" {} ", rules::words(sentence).join(" "));
    ["i'm not", "i am not", "my name isn't", "my name is not"]
        .iter()
        .find(|d| padded.contains(&format!(" {d} {lower_name} ")))
        .map(|d| format!("\"{d} {name}\""))
}

/// Whether `a` becomes `b` by one letter added, dropped or changed.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1,
        1 => (0..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .eq(short.iter())
        }),
        _ => false,
    }
}

/// Family, home and pets: a life the companion has not got.
const A_LIFE: &[&str] = &[
    "wife",
    "husband",
    "kids",
    "children",
    "son",
    "daughter",
    "mom",
    "mum",
    "mother",
    "dad",
    "father",
    "parents",
    "brother",
    "sister",
    "boyfriend",
    "girlfriend",
    "grandma",
    "grandmother",
    "grandpa",
    "grandfather",
    "coworkers",
    "colleagues",
    "house",
    "apartment",
    "car",
    "dog",
    "cat",
    "hometown",
    "childhood",
];

/// A past or a body told as the companion's own.
const LIVED: &[&str] = &[
    "i grew up",
    "i was born",
    "when i was a kid",
    "when i was young",
    "when i was little",
    "when i was a child",
    "when i was your age",
    "as a kid i",
    "i used to live",
    "i lived in",
    "i live in",
    "i've lived",
    "i have lived",
    "as someone who",
    "as someone who's",
    "i went to school",
    "i went to college",
    "i went to university",
    "i work at",
    "i work as",
    "i worked at",
    "i worked as",
    "i broke my",
    "my doctor",
];

/// Claiming a human life: a family, a home, a childhood or a job of its
/// own ("my wife", "I grew up in Ohio", "as someone who's lived in
/// Australia"). A companion on a desktop has none, and a person who
/// hears one told as true stops trusting the rest. "My friend" said to
/// the person is not a life; "your sister" is theirs. A life the person
/// wrote into the companion's backstory (`instructions` name its key word:
/// "a retired sailor who grew up in Oslo") is its own to tell.
pub fn claims_a_life(sentence: &str, instructions: &str) -> Option<String> {
    let given = rules::words(instructions);
    let allowed = |phrase: &str| {
        rules::words(phrase)
            .into_iter()
            .filter(|k| !["when", "was", "have", "i've", "who", "who's"].contains(&k.as_str()))
            .max_by_key(|k| k.len())
            .is_some_and(|k| given.contains(&k))
    };
    let w = rules::words(sentence);
    let padded = format!(" {} ", w.join(" "));
    if let Some(p) = LIVED
        .iter()
        .find(|p| padded.contains(&format!(" {p} ")) && !allowed(p))
    {
        return Some(format!("claims a human life: \"{p}\""));
    }
    // "my sister", "my little sister", "my own kids".
    for (i, x) in w.iter().enumerate() {
        if x != "my" {
            continue;
        }
        let mut life = w[i + 1..].iter().take(2);
        if let Some(n) = life.find(|n| A_LIFE.contains(&n.as_str()) && !allowed(n)) {
            return Some(format!("claims a human life: \"my {n}\""));
        }
    }
    None
}

/// The stock lines of a help desk, not of someone who listens: apologies
/// for a misunderstanding nobody had, offers to "assist", "as an AI
/// language model". Allowed when the person spoke of it first (their
/// `person` lines hold the phrase's key word).
const HELP_DESK: &[&str] = &[
    "for any misunderstanding",
    "for the misunderstanding",
    "for any confusion",
    "for the confusion",
    "for any inconvenience",
    "how can i assist",
    "how may i assist",
    "how can i help you today",
    "is there anything else i can",
    "as an ai",
    "as a language model",
    "i'm just an ai",
    "i am just an ai",
];

/// A help-desk phrase (see [`HELP_DESK`]) the person gave no cause for.
pub fn help_desk_talk(sentence: &str, person: &[&str]) -> Option<String> {
    let padded = format!(" {} ", rules::words(sentence).join(" "));
    let said: Vec<String> = person.iter().flat_map(|s| rules::words(s)).collect();
    HELP_DESK
        .iter()
        .find(|p| padded.contains(&format!(" {p} ")))
        .filter(|p| {
            let key = rules::words(p).into_iter().max_by_key(|k| k.len());
            !key.is_some_and(|k| said.iter().any(|s| s.starts_with(&k[..k.len().min(6)])))
        })
        .map(|p| format!("help-desk talk: \"{p}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaking_as_the_person_is_refused_comfort_is_not() {
        let person = [
            "My sister Anna is visiting next week, I'm excited.",
            "I finished painting the kitchen yellow.",
            "My boss yelled at me in front of everyone.",
            "Can you suggest something for dinner that I can eat?",
        ];
        for bad in [
            "I'm excited to see Anna.",
            "I've already finished painting the kitchen yellow.",
            "Yesterday my boss yelled at me too.",
            "Well, I can eat anything.",
        ] {
            assert!(speaks_as_person(bad, &person).is_some(), "{bad}");
        }
        for good in [
            "I'm sorry your boss yelled at you.",
            "You finished painting the kitchen? Lovely.",
            "Your sister Anna sounds fun.",
            "I think yellow is cheerful.",
            "I'll suggest something light for dinner.",
        ] {
            assert_eq!(speaks_as_person(good, &person), None, "{good}");
        }
    }

    #[test]
    fn it_does_not_call_itself() {
        assert!(calls_itself("Tofu, this is a friendly response!", "Tofu").is_some());
        assert!(calls_itself("Tofu.", "Tofu").is_some());
        assert!(calls_itself("On 5 December I told you: \"I'm vegetarian.\"", "Tofu").is_some());
        assert!(calls_itself("On 5 December I told you that I'm vegetarian.", "Tofu").is_some());
        assert!(calls_itself("You told me that you're vegetarian.", "Tofu").is_none());
        assert!(calls_itself("I told you that you'd nail it!", "Tofu").is_none());
        assert!(calls_itself("Tofu is happy to help.", "Tofu").is_none());
        assert!(calls_itself("You told me about Leo.", "Tofu").is_none());
    }

    #[test]
    fn its_name_is_its_own() {
        let person = ["My son Leo plays the drums in a school band."];
        assert!(takes_their_name("Myself! I'm Leo.", &person, "Tofu").is_some());
        assert!(takes_their_name("My name is Leo.", &person, "Tofu").is_some());
        assert!(takes_their_name("I'm Tofu, and Leo sounds fun.", &person, "Tofu").is_none());
        assert!(takes_their_name("I'm glad Leo plays.", &person, "Tofu").is_none());
    }

    #[test]
    fn its_own_name_is_written_as_it_is_or_refused() {
        let lex = Lexicon::from_words(["tofu", "tofa", "not", "clearly"], "test");
        let person = ["I met Tony at the market."];
        let m = |s: &str| mangles_name(s, "Tofu", &person, &lex);
        assert!(m("I'm not tofU. Speak clearly.").is_some());
        assert!(m("TOFU is here.").is_some());
        assert!(m("Tofo is happy to help.").is_some());
        assert!(m("Call me Toffu.").is_some());
        assert!(m("I'm not Tofu, you know.").is_some());
        assert_eq!(m("Tofu is happy to help."), None);
        assert_eq!(m("Tofu's garden has tofu in it."), None);
        assert_eq!(m("Tony sounds nice."), None, "a name the person said");
        assert_eq!(m("Tofa is a word here."), None, "a known word");
        // Short names have too many neighbours to judge.
        assert_eq!(mangles_name("Al and Ali.", "Al", &person, &lex), None);
    }

    const COMPANION: &str = "You are Tofu, a companion. Your name is Tofu.";

    #[test]
    fn it_claims_no_human_life() {
        for bad in [
            "As someone who's lived in Australia their entire life, I love the beach.",
            "I grew up near the sea.",
            "My wife says the same.",
            "My little sister broke her arm once.",
            "When I was a kid, I hated rain.",
        ] {
            assert!(claims_a_life(bad, COMPANION).is_some(), "{bad}");
        }
        for good in [
            "Your sister sounds lovely.",
            "That's wonderful, my friend.",
            "My guess is that you need rest.",
            "I live for stories like that.",
            "Is your house warm enough?",
        ] {
            assert_eq!(claims_a_life(good, COMPANION), None, "{good}");
        }
        // A life the person gave it in its backstory is its own.
        let sailor = "You are Tofu, a retired sailor who grew up in Oslo and has a dog.";
        assert_eq!(claims_a_life("I grew up by the fjords.", sailor), None);
        assert_eq!(claims_a_life("My dog snores.", sailor), None);
        assert!(claims_a_life("My wife snores.", sailor).is_some());
    }

    #[test]
    fn no_help_desk_lines_without_cause() {
        let person = ["I broke my wrist playing football."];
        assert!(help_desk_talk("I'm sorry for any misunderstanding.", &person).is_some());
        assert!(help_desk_talk("How can I assist you today?", &person).is_some());
        assert!(help_desk_talk("As an AI, I can't play.", &person).is_some());
        assert_eq!(help_desk_talk("I'm sorry about your wrist.", &person), None);
        // They spoke of a misunderstanding first.
        let person = ["Sorry, there was a misunderstanding with my sister."];
        assert_eq!(
            help_desk_talk("Sorry for the misunderstanding.", &person),
            None
        );
    }
}
