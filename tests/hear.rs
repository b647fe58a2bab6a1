//! Voice activity on real speech: turns start and end where the speech does,
//! the first word survives (pre-roll), silence yields nothing (and no invented
//! words), long speech is cut at the maximum length.

mod common;

use tofu::audio::wav::read_wav_16k_mono;
use tofu::audio::SAMPLE_RATE;
use tofu::eval::normalize_words;
use tofu::hear::vad::{segment_all, EndReason};
use tofu::hear::{transcribe_recording, VadConfig};
use tofu::stt::{SpeechModel, TranscribeOptions};

fn speech(name: &str) -> Vec<f32> {
    read_wav_16k_mono(&common::speech_file(name)).unwrap()
}

fn silence(secs: f32) -> Vec<f32> {
    // Faint noise rather than digital zeros: what a quiet room sounds like.
    let mut x: u32 = 12345;
    (0..(secs * SAMPLE_RATE as f32) as usize)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((x >> 9) as f32 / (1u32 << 23) as f32 - 0.5) * 0.002
        })
        .collect()
}

fn reference(name: &str) -> String {
    common::speech_manifest()
        .into_iter()
        .find(|(f, _)| f == name)
        .unwrap()
        .1
}

#[test]
fn turns_follow_the_speech_in_a_longer_recording() {
    let files = [
        "libri_1272-141231-0000.wav",
        "arctic_a0024.wav",
        "alsa_Rear_Left.wav",
    ];
    let mut audio = silence(2.0);
    let mut spans = Vec::new();
    for f in files {
        let s = speech(f);
        spans.push((
            audio.len() as f64 / 16_000.0,
            (audio.len() + s.len()) as f64 / 16_000.0,
        ));
        audio.extend(s);
        audio.extend(silence(2.0));
    }
    let utts = segment_all(&audio, &VadConfig::default());
    assert_eq!(
        utts.len(),
        files.len(),
        "one turn per spoken file: {:?}",
        utts.iter()
            .map(|u| (u.start_s(), u.end_s()))
            .collect::<Vec<_>>()
    );
    for (u, (start, end)) in utts.iter().zip(spans) {
        // The turn lies within the file's span (padded by the pre-roll and the kept tail).
        assert!(
            u.start_s() >= start - 0.45 && u.end_s() <= end + 0.45,
            "turn {:.2}..{:.2} vs file {start:.2}..{end:.2}",
            u.start_s(),
            u.end_s()
        );
        assert_eq!(u.reason, EndReason::Silence);
    }
}

#[test]
fn the_first_word_is_not_cut_off() {
    let model = SpeechModel::load_default(&common::model_store()).unwrap();
    for name in ["libri_1272-141231-0000.wav", "arctic_a0024.wav"] {
        let mut audio = silence(1.5);
        audio.extend(speech(name));
        audio.extend(silence(1.5));
        let t = transcribe_recording(
            &model,
            &audio,
            &VadConfig::default(),
            &TranscribeOptions::default(),
        )
        .unwrap();
        let heard = normalize_words(&t.text);
        let want = normalize_words(&reference(name));
        assert_eq!(heard.first(), want.first(), "{name}: heard {:?}", t.text);
        assert!(
            t.segments[0].start >= 1.0,
            "times are in the recording's time: {:?}",
            t.segments[0]
        );
    }
}

#[test]
fn silence_gives_no_turns_and_no_invented_words() {
    let model = SpeechModel::load_default(&common::model_store()).unwrap();
    let quiet = silence(120.0);
    let started = std::time::Instant::now();
    assert!(segment_all(&quiet, &VadConfig::default()).is_empty());
    let t = transcribe_recording(
        &model,
        &quiet,
        &VadConfig::default(),
        &TranscribeOptions::default(),
    )
    .unwrap();
    assert_eq!(t.text, "", "nothing was said");
    assert!(t.segments.is_empty());
    // Not a timing assertion on speed, just that silence never reaches whisper (which takes seconds per call).
    assert_eq!(
        t.decode_ms,
        0.0,
        "whisper was not called ({:?} in all)",
        started.elapsed()
    );
}

#[test]
fn long_speech_is_cut_at_the_maximum_length() {
    let audio = speech("libri_2412-153948-0000.wav"); // 11.7 s of continuous reading
    let cfg = VadConfig {
        max_utterance_ms: 4_000,
        ..VadConfig::default()
    };
    let utts = segment_all(&audio, &cfg);
    assert!(utts.len() >= 3, "{} pieces", utts.len());
    assert!(utts.iter().all(|u| u.samples.len() <= 4 * 16_000 + 256));
    assert!(utts.iter().any(|u| u.reason == EndReason::MaxLength));
    // Pieces follow each other without gaps or overlaps while the speech lasts.
    for w in utts.windows(2) {
        if w[0].reason == EndReason::MaxLength {
            assert_eq!(w[0].start + w[0].samples.len() as u64, w[1].start);
        }
    }
}
