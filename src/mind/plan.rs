//! How the sliders act. Each one says something in the system prompt and,
//! because a small model follows instructions loosely, also acts on decoding:
//! verbosity caps the sentences (cut at a sentence end) and tokens, curiosity
//! biases question marks up or down, playfulness sets the temperature.

use super::persona::Persona;
use crate::llm::{Bias, GenerateOptions};

/// The system prompt for a persona. Stable for a given persona, so the
/// model's cache of it is reused turn after turn.
pub fn system_prompt(p: &Persona, style_card: Option<&str>) -> String {
    let mut s = String::new();
    let backstory = p.backstory.trim();
    if backstory.is_empty() {
        s.push_str(&format!("You are {}, a companion.", p.name));
    } else {
        s.push_str(backstory);
    }
    // Short, plain lines: a 135M model repeats long instructions back.
    s.push_str(&format!(
        " Your name is {}. Speak plainly, as in a conversation.",
        p.name
    ));
    let pick = |v: f32, low: &'static str, mid: &'static str, high: &'static str| {
        if v < 0.34 {
            low
        } else if v < 0.67 {
            mid
        } else {
            high
        }
    };
    let lines = [
        pick(
            p.verbosity,
            "Answer in one short sentence.",
            "Answer in two short sentences.",
            "Answer in three or four sentences.",
        ),
        pick(
            p.warmth,
            "Be matter-of-fact.",
            "Be friendly.",
            "Be warm and kind.",
        ),
        pick(
            p.playfulness,
            "Be earnest.",
            "Add a little humour.",
            "Be playful and witty.",
        ),
        pick(
            p.curiosity,
            "Do not ask questions.",
            "Ask a question when it helps.",
            "End your reply with a question about them.",
        ),
        pick(
            p.formality,
            "Speak casually.",
            "Speak naturally.",
            "Speak formally.",
        ),
    ];
    for l in lines {
        s.push(' ');
        s.push_str(l);
    }
    if let Some(card) = style_card.filter(|c| !c.trim().is_empty()) {
        s.push_str("\n\n");
        s.push_str(card.trim());
    }
    s
}

/// A small model often ignores the memories in its prompt; a nudge toward
/// their distinctive words (names, places) lets it use them. The first
/// `found` memories (found by the words just said) get the full nudge; the
/// person's latest statements that fill the rest, half.
pub fn memory_biases(memories: &[super::Memory], found: usize) -> Vec<Bias> {
    let mut words: Vec<(String, f32)> = Vec::new();
    for (i, m) in memories.iter().enumerate() {
        let bias = if i < found { 2.0 } else { 1.0 };
        for w in super::context::topic_words(&m.text) {
            // The word as it was written (capitalised names stay so).
            if let Some(orig) = m
                .text
                .split(|c: char| !c.is_alphanumeric())
                .find(|o| o.to_lowercase() == w)
            {
                if !words.iter().any(|(x, _)| x == orig) {
                    words.push((orig.to_string(), bias));
                }
            }
        }
    }
    words.truncate(8);
    words
        .into_iter()
        .map(|(w, bias)| Bias {
            text: Some(format!(" {w}")),
            contains: None,
            bias,
        })
        .collect()
}

/// Words that ask about what the person told or did ("Where did I grow
/// up?"), even when no memory shares its words.
const PAST_CUES: [&str; 8] = [
    " remember",
    " told you",
    " tell you",
    " mentioned",
    " did i ",
    " did we ",
    " was i ",
    " were we ",
];

/// Lower case, punctuation as spaces, a space at each end: cues are
/// matched as whole words.
fn padded(said: &str) -> String {
    format!(
        " {} ",
        said.to_lowercase().replace(['?', ',', '.', '!'], " ")
    )
}

/// Whether `said` asks about something the person told before: a question
/// about themselves ("my", "I") with a memory found by its words, or one
/// naming the past ("remember", "told you"). Such a question wants an
/// answer that recalls. ("How was your day?" is about the companion: no.)
pub fn asks_about_the_past(said: &str, found: usize) -> bool {
    let lower = format!(" {} ", said.trim().to_lowercase().replace('?', " ? "));
    let question = lower.contains(" ? ")
        || [
            " what ", " who ", " where ", " when ", " which ", " do you ", " did i ",
        ]
        .iter()
        .any(|w| lower.starts_with(w));
    let about_me = [" my ", " i ", " me "].iter().any(|w| lower.contains(w));
    let past = PAST_CUES.iter().any(|w| lower.contains(w));
    question && (past || (about_me && found > 0))
}

/// Whether `said` asks for a suggestion or advice ("What could I send
/// her?", "Any ideas…"): what they told is its ground, not its answer, so
/// saying it back ([`told_back`]) would not answer. Asking to be reminded
/// ("Can you remind me…", "Could you tell me…") is no advice.
pub fn asks_for_advice(said: &str) -> bool {
    let lower = padded(said);
    let reminded = [" remind", " remember", " tell me ", " told you", " said "]
        .iter()
        .any(|w| lower.contains(w));
    !reminded
        && [
            " should ",
            " could ",
            " suggest",
            " recommend",
            " idea ",
            " ideas ",
            " advice ",
            " how do ",
            " how can ",
            " what can ",
            " can you ",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Whether `said` asks for a fact they told (when, where, who, what, how
/// many…, or what they did), not advice or an opinion: the questions a
/// memory said back ([`told_back`]) answers.
pub fn asks_for_a_fact(said: &str) -> bool {
    let lower = padded(said);
    let fact = [
        " when ",
        " where ",
        " who ",
        " what ",
        " which ",
        " how old ",
        " how many ",
        " how long ",
    ]
    .iter()
    .chain(&PAST_CUES)
    .any(|w| lower.contains(w));
    // What they think or like is asked, not what was told.
    let opinion = [
        " you think",
        " you feel",
        " you like",
        " your opinion",
        " should i ",
    ]
    .iter()
    .any(|w| lower.contains(w));
    fact && !opinion && !asks_for_advice(said)
}

/// When a memory was told, as a person says it: "Earlier today",
/// "Yesterday", else "On 5 December" (local time; `now` and `then` in ms).
/// Relative days also keep the prompt the same whatever the date, so a
/// reply does not change with the calendar.
pub fn when_told(then: i64, now: i64) -> String {
    let (then, now) = (crate::timefmt::local(then), crate::timefmt::local(now));
    let days = (now.date_naive() - then.date_naive()).num_days();
    match days {
        0 => "Earlier today".into(),
        1 => "Yesterday".into(),
        _ => then.format("On %-d %B").to_string(),
    }
}

/// One memory as a line of the person's message. What the person told is
/// reported ("On 5 December I told you that I'm vegetarian."), not quoted:
/// with quotes, the 135M model pasted memories back verbatim ("On 5 December
/// I told you: \"...\"") and recalled 3 of the 4 shared recall scripts;
/// reported, 4 of 4, every rule still at 0% (`tofu bench conversation`).
/// The companion's own words and the person's questions stay quoted: "you
/// told me that I..." would swap who said what.
///
/// `when`: [`when_told`]'s phrase ("Earlier today", "On 5 December").
pub fn memory_line(when: &str, speaker: crate::store::Speaker, text: &str) -> String {
    // A long turn is cut: the prompt must fit the context.
    let text: String = text.trim().chars().take(300).collect();
    let stated = text.trim_end_matches(['.', '!', ' ']);
    match speaker {
        crate::store::Speaker::User if !text.ends_with('?') && !stated.is_empty() => {
            format!("{when} I told you that {}.", lower_first_word(stated))
        }
        crate::store::Speaker::User => format!("{when} I asked you: \"{text}\""),
        crate::store::Speaker::Companion => format!("{when} you told me: \"{text}\""),
    }
}

/// What the person told, said back to them ("I'm vegetarian" → "You told
/// me that you're vegetarian."): the answer to a question about the past
/// when no try of the model brings it back right. The words are theirs,
/// only the person turned (I → you, my → your).
pub fn told_back(text: &str) -> String {
    let text: String = text.trim().chars().take(300).collect();
    let stated = text.trim_end_matches(['.', '!', ' ']);
    let turned: Vec<String> = stated
        .split(' ')
        .map(|w| {
            let (core, tail) = w.split_at(w.trim_end_matches([',', ';', ':']).len());
            let swapped = match core.to_lowercase().as_str() {
                "i" => "you",
                "i'm" => "you're",
                "i've" => "you've",
                "i'll" => "you'll",
                "i'd" => "you'd",
                "me" | "myself" => "you",
                "my" | "our" => "your",
                "mine" | "ours" => "yours",
                "we" => "you",
                "we're" => "you're",
                "we've" => "you've",
                "us" => "you",
                _ => return w.to_string(),
            };
            format!("{swapped}{tail}")
        })
        .collect();
    format!("You told me that {}.", lower_first_word(&turned.join(" ")))
}

/// "My son Leo..." reads "my son Leo..." inside a sentence; a name or "I"
/// keeps its capital (only common opening words are lowered).
fn lower_first_word(text: &str) -> String {
    const COMMON: &[&str] = &[
        "my",
        "our",
        "we",
        "we're",
        "we've",
        "the",
        "a",
        "an",
        "it",
        "it's",
        "there",
        "there's",
        "they",
        "they're",
        "he",
        "she",
        "his",
        "her",
        "their",
        "this",
        "that",
        "today",
        "yesterday",
        "tomorrow",
        "last",
        "next",
        "me",
        "some",
        "so",
        "and",
        "but",
        "yes",
        "no",
        "well",
        "oh",
    ];
    let first = text.split_whitespace().next().unwrap_or("");
    let bare = first.trim_end_matches([',', ';', ':']).to_lowercase();
    if COMMON.contains(&bare.as_str()) {
        let mut c = text.chars();
        c.next()
            .map(|f| f.to_lowercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        text.to_string()
    }
}

/// The companion's name written in lower case is a word of its own to a
/// small model: "Tofu" becomes "my tofu got ready", "I'm a very good tofu"
/// (11 of 120 replies in `tofu bench style`). Unless the person said the
/// word, the reply never writes it so; the name as a name stays.
pub fn avoid_name(p: &Persona, user_text: &str) -> Option<String> {
    let name = p.name.trim().to_lowercase();
    let said = crate::style::text::words(user_text).contains(&name);
    let one_word = !name.is_empty() && name.chars().all(char::is_alphanumeric);
    (one_word && !said).then_some(name)
}

/// Decoding settings for a persona.
pub fn options(p: &Persona) -> GenerateOptions {
    let max_sentences = 1 + (p.verbosity * 3.0).round() as usize; // 1..=4
    let mut biases = Vec::new();
    // Below 0.5, every token holding a "?" is pushed down (-8 at 0: questions
    // all but banned). Above, only the plain "?" token is pushed up (+3 at
    // 1): pushing every "?"-token up by +6 made "You??!?!?????" of a reply
    // (the worker now also refuses any run of three marks).
    if p.curiosity < 0.5 - 0.01 {
        biases.push(Bias {
            text: None,
            contains: Some("?".into()),
            bias: -16.0 * (0.5 - p.curiosity),
        });
    } else if p.curiosity > 0.5 + 0.01 {
        biases.push(Bias {
            text: Some("?".into()),
            contains: None,
            bias: 6.0 * (p.curiosity - 0.5),
        });
    }
    GenerateOptions {
        max_tokens: 28 + (p.verbosity * 100.0).round() as usize, // 28..=128
        max_sentences,
        temperature: 0.2 + 0.6 * p.playfulness,
        top_p: 0.9,
        biases,
        ..GenerateOptions::default()
    }
}

/// How long the person's turns are (from their style profile) and how far
/// a reply follows that length (the mirroring strength, 0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rhythm {
    pub words: f64,
    pub sentences: f64,
    pub strength: f64,
}

/// Moves the reply's sentence cap and token budget toward the person's
/// usual turn, by the mirroring strength: someone who talks in short bursts
/// gets short answers, a letter writer longer ones (within the slider's
/// range: 1..=4 sentences, 16..=128 tokens).
pub fn follow_rhythm(opts: &mut GenerateOptions, r: &Rhythm) {
    let s = r.strength.clamp(0.0, 1.0);
    if !(r.words.is_finite() && r.sentences.is_finite()) || r.words <= 0.0 || s == 0.0 {
        return;
    }
    let lerp = |from: f64, to: f64| from + (to - from) * s;
    let sentences = lerp(
        opts.max_sentences.max(1) as f64,
        r.sentences.clamp(1.0, 4.0),
    );
    // About 1.4 tokens per English word, and room to finish the sentence.
    let tokens = lerp(
        opts.max_tokens as f64,
        (r.words * 1.4 + 12.0).clamp(16.0, 128.0),
    );
    opts.max_sentences = sentences.round() as usize;
    opts.max_tokens = tokens.round() as usize;
}

#[cfg(test)]
mod tests {

    #[test]
    fn memories_are_reported_not_quoted() {
        use crate::store::Speaker;
        assert_eq!(
            memory_line(
                "On 5 December",
                Speaker::User,
                "I'm vegetarian, I eat no meat."
            ),
            "On 5 December I told you that I'm vegetarian, I eat no meat."
        );
        assert_eq!(
            memory_line(
                "On 5 December",
                Speaker::User,
                "My son Leo plays the drums!"
            ),
            "On 5 December I told you that my son Leo plays the drums."
        );
        assert_eq!(
            memory_line("On 5 December", Speaker::User, "Leo plays the drums"),
            "On 5 December I told you that Leo plays the drums."
        );
        assert_eq!(
            memory_line("On 1 May", Speaker::User, "Can you help?"),
            "On 1 May I asked you: \"Can you help?\""
        );
        assert_eq!(
            memory_line("On 1 May", Speaker::Companion, "I'm glad."),
            "On 1 May you told me: \"I'm glad.\""
        );
        let day = 86_400_000;
        // Noon UTC, so a second earlier is the same day in most zones.
        let now = 40 * day + day / 2;
        assert_eq!(when_told(now - 1000, now), "Earlier today");
        assert_eq!(when_told(now - day, now), "Yesterday");
        assert!(when_told(now - 9 * day, now).starts_with("On "));
    }
    #[test]
    fn questions_about_the_past_want_recall() {
        use super::asks_about_the_past as past;
        assert!(past("What did I tell you about my sister?", 1));
        assert!(past("Do you remember what happened at work?", 0));
        assert!(past("what instrument does my son play", 1));
        assert!(!past("How was your day?", 2));
        assert!(!past("My sister Anna is visiting next week.", 1));
        assert!(!past("What instrument does my son play?", 0));
        assert!(past("Where did I grow up?", 0));
        assert!(!super::asks_for_advice("When is my mum's birthday?"));
        assert!(super::asks_for_advice(
            "What could I send her as a present?"
        ));
        assert!(super::asks_for_advice(
            "Can you suggest something for dinner?"
        ));
        assert!(!super::asks_for_advice(
            "Can you remind me when my mum's birthday is?"
        ));
        assert!(!super::asks_for_advice("What is an ideal gift?"));
        assert!(super::asks_for_a_fact(
            "Can you remind me when my mum's birthday is?"
        ));
        assert!(super::asks_for_a_fact("Where did I grow up?"));
        assert!(!super::asks_for_a_fact("Do you like my new haircut?"));
        assert!(!super::asks_for_a_fact(
            "What could I send her as a present?"
        ));
        assert!(!past("What should I do this weekend?", 0));
    }

    use super::*;

    #[test]
    fn what_they_told_comes_back_to_them_in_the_second_person() {
        assert_eq!(
            told_back("My mother's birthday is on the twelfth of March."),
            "You told me that your mother's birthday is on the twelfth of March."
        );
        assert_eq!(
            told_back("I'm vegetarian, I haven't eaten meat for ten years."),
            "You told me that you're vegetarian, you haven't eaten meat for ten years."
        );
        assert_eq!(
            told_back("We grew up near the lake, me and my brother Tom!"),
            "You told me that you grew up near the lake, you and your brother Tom."
        );
    }

    #[test]
    fn sliders_move_the_decoding_the_stated_way() {
        let quiet = Persona {
            verbosity: 0.0,
            curiosity: 0.0,
            playfulness: 0.0,
            ..Persona::default()
        };
        let loud = Persona {
            verbosity: 1.0,
            curiosity: 1.0,
            playfulness: 1.0,
            ..Persona::default()
        };
        let (a, b) = (options(&quiet), options(&loud));
        assert!(a.max_sentences < b.max_sentences && a.max_tokens < b.max_tokens);
        assert!(a.temperature < b.temperature);
        assert!(a.biases[0].bias < 0.0 && b.biases[0].bias > 0.0);
        assert!(system_prompt(&quiet, None).contains("one short sentence"));
        assert!(system_prompt(&loud, None).contains("question about them"));
        assert!(system_prompt(&loud, Some("They say \"honestly\" a lot.")).ends_with("a lot."));
    }

    #[test]
    fn replies_follow_the_persons_rhythm_by_the_mirroring() {
        let base = options(&Persona::default());
        let terse = Rhythm {
            words: 6.0,
            sentences: 1.0,
            strength: 1.0,
        };
        let mut o = base.clone();
        follow_rhythm(&mut o, &terse);
        assert_eq!(o.max_sentences, 1);
        assert!(o.max_tokens < base.max_tokens);
        let mut o = base.clone();
        follow_rhythm(
            &mut o,
            &Rhythm {
                words: 70.0,
                sentences: 4.0,
                strength: 1.0,
            },
        );
        assert_eq!((o.max_sentences, o.max_tokens), (4, 110));
        let mut o = base.clone();
        follow_rhythm(
            &mut o,
            &Rhythm {
                strength: 0.0,
                ..terse
            },
        );
        assert_eq!(
            (o.max_sentences, o.max_tokens),
            (base.max_sentences, base.max_tokens)
        );
    }
}
