//! Property tests: the engine's parsers and text rules on input nobody
//! wrote by hand (random bytes, damaged files, any Unicode). Each property
//! says what must hold for every input, not only that nothing panics.
//! Bounded case counts keep the whole file to a few seconds in CI.

use proptest::prelude::*;
use tofu::mind::rules::{self, Against, Lexicon, Mood};
use tofu::mind::sentences::SentenceSplitter;
use tofu::mind::Persona;
use tofu::stt::loops;

/// A valid 16-bit mono WAV of `n` samples at `rate`.
fn wav(rate: u32, n: usize) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for i in 0..n {
            w.write_sample(((i * 37) % 2000) as i16 - 1000).unwrap();
        }
        w.finalize().unwrap();
    }
    cursor.into_inner()
}

fn read(bytes: &[u8]) -> tofu::Result<Vec<f32>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.wav");
    std::fs::write(&path, bytes).unwrap();
    tofu::audio::wav::read_wav_16k_mono(&path)
}

/// Any Unicode, weighted towards what text code trips on: marks, quotes,
/// multi-byte letters, combining accents, newlines.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z'),
            2 => Just(' '),
            1 => proptest::sample::select(vec![
                '.', '!', '?', '…', ',', '"', '\'', '”', '’', '(', ')', '[', ']', '*', '\n',
                'é', 'ß', 'İ', '\u{301}', '日', '🙂', 'I', 'T',
            ]),
            1 => any::<char>(),
        ],
        0..80,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A WAV with any header byte changed reads as audio or fails with an
    /// error: never a panic or an abort (a made-up rate once asked for
    /// 17 GB), and audio read is finite.
    #[test]
    fn a_damaged_wav_header_is_an_error_or_audio(
        at in 0usize..44,
        value in any::<u8>(),
        rate in prop_oneof![Just(8_000u32), Just(16_000), Just(44_100)],
    ) {
        let mut bytes = wav(rate, 400);
        bytes[at] = value;
        if let Ok(samples) = read(&bytes) {
            prop_assert!(samples.iter().all(|s| s.is_finite()));
        }
    }

    #[test]
    fn any_bytes_are_an_error_or_audio(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        if let Ok(samples) = read(&bytes) {
            prop_assert!(samples.iter().all(|s| s.is_finite()));
        }
    }

    /// Sentences come out the same however the text is cut into tokens,
    /// and no letter or digit is lost or moved.
    #[test]
    fn sentence_splitting_does_not_depend_on_how_tokens_fall(
        t in text(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let whole = {
            let mut s = SentenceSplitter::default();
            let mut out = s.push(&t);
            out.extend(s.finish());
            out
        };
        let bounds: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
        let mut at: Vec<usize> = cuts.iter().map(|c| bounds[c.index(bounds.len())]).collect();
        at.sort_unstable();
        let mut s = SentenceSplitter::default();
        let mut pieces = Vec::new();
        let mut from = 0;
        for a in at.into_iter().chain([t.len()]) {
            pieces.extend(s.push(&t[from..a]));
            from = a;
        }
        pieces.extend(s.finish());
        prop_assert_eq!(&pieces, &whole);
        let alnum = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>();
        prop_assert_eq!(alnum(&whole.concat()), alnum(&t));
    }

    /// Every rule gives an answer on any text, and a reply that is the
    /// person's own long line is always caught as parroting.
    #[test]
    fn the_rules_judge_any_text(reply in text(), said in text()) {
        let lexicon = Lexicon::from_words(["hello", "there", "good"], "test");
        let person = [said.as_str()];
        for mood in [Mood::Neg, Mood::Pos, Mood::Neu] {
            let against = Against {
                person: &person,
                told: &[],
                name: "Tofu",
                instructions: "Speak in a warm tone. The person is your friend.",
                mood,
                lexicon: &lexicon,
            };
            let _ = rules::check(&reply, &against);
        }
        let _ = rules::recalls(&reply, &["lisbon".to_string()]);
        if rules::plain_words(&said).len() >= 6 {
            prop_assert!(rules::parroting(&said, &person).is_some(), "{said:?}");
        }
    }

    /// A transcript cut for a loop fits its audio and is no loop any more.
    #[test]
    fn a_cut_transcript_is_never_a_loop(
        phrase in proptest::collection::vec("[a-z0-9]{1,6},?", 1..4),
        times in 1usize..60,
        audio_s in 0.2f64..20.0,
    ) {
        let text = std::iter::repeat_n(phrase.join(" "), times).collect::<Vec<_>>().join(" ");
        let cut = loops::cut(&text, audio_s);
        prop_assert!(cut.split_whitespace().count() <= loops::word_budget(audio_s));
        prop_assert_eq!(loops::looped(&cut, audio_s), None, "{}", cut);
        let _ = loops::without_markers(&text);
    }

    /// Settings from outside (the CLI's --set, a settings file) either
    /// apply and leave a valid persona, or are refused and change nothing.
    #[test]
    fn a_persona_assignment_applies_validly_or_changes_nothing(
        key in prop_oneof![
            Just("name".to_string()), Just("backstory".to_string()),
            Just("curiosity".to_string()), Just("mirroring".to_string()),
            "[a-z]{0,8}",
        ],
        value in prop_oneof![
            Just("NaN".to_string()), Just("inf".to_string()), Just("-0.5".to_string()),
            Just("1e400".to_string()), "[0-9.]{0,5}", text(),
        ],
    ) {
        let mut p = Persona::default();
        let before = serde_json::to_string(&p).unwrap();
        match p.set(&format!("{key}={value}")) {
            Ok(()) => prop_assert!(p.validate().is_ok(), "{key}={value:?} left {p:?}"),
            Err(_) => prop_assert_eq!(serde_json::to_string(&p).unwrap(), before),
        }
    }
}
