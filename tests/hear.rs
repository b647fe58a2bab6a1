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
    tofu::audio::room_tone(f64::from(secs), 12345)
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

#[test]
fn an_hour_of_silence_transcribes_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.wav");
    // A 16 kHz 16-bit mono WAV header, then an hour of zeros (a sparse file).
    let data_len: u32 = 16_000 * 2 * 3600;
    let mut header = Vec::new();
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&(36 + data_len).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&1u16.to_le_bytes()); // PCM
    header.extend_from_slice(&1u16.to_le_bytes()); // mono
    header.extend_from_slice(&16_000u32.to_le_bytes());
    header.extend_from_slice(&32_000u32.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data_len.to_le_bytes());
    std::fs::write(&path, &header).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(44 + data_len as u64)
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let stdout = common::stdout_of(common::tofu(data.path()).arg("transcribe").arg(&path));
    assert_eq!(stdout, format!("{}\t\n", path.display()));
}

#[test]
fn push_to_talk_makes_the_turn_while_pressed() {
    use tofu::audio::source::{Pace, WavSource};
    use tofu::hear::{listen, Controls, HearEvent, ListenConfig, Mode};
    let model = std::sync::Arc::new(SpeechModel::load_default(&common::model_store()).unwrap());
    let name = "arctic_a0024.wav";
    let finals_with = |press: bool, cfg: ListenConfig| {
        let controls = Controls::default();
        controls.set_mode(Mode::PushToTalk);
        if press {
            controls.press();
        }
        let mut finals = Vec::new();
        let source = WavSource::new(common::speech_file(name), Pace::Fast);
        listen(Box::new(source), model.clone(), cfg, controls, |e| {
            if let HearEvent::Final(h) = e {
                finals.push((h.text, h.end_s - h.start_s))
            }
        })
        .unwrap();
        finals
    };
    let finals = |press: bool| -> Vec<String> {
        finals_with(press, ListenConfig::default())
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    };
    assert!(
        finals(false).is_empty(),
        "nothing is heard until the key is pressed"
    );
    let held = finals(true);
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(
        tofu::eval::wer(&reference(name), &held[0]) <= 0.15,
        "{held:?}"
    );
    // A key held longer than a turn may last: turns of the maximum length,
    // not a buffer that grows without end.
    let mut cfg = ListenConfig::default();
    cfg.vad.max_utterance_ms = 1500;
    let capped = finals_with(true, cfg);
    assert!(capped.len() >= 2, "{capped:?}");
    assert!(capped.iter().all(|(_, secs)| *secs <= 1.6), "{capped:?}");
}

#[test]
fn a_transcription_in_progress_can_be_cancelled() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let model = SpeechModel::load_default(&common::model_store()).unwrap();
    let audio = speech("libri_2412-153948-0000.wav");
    let flag = std::sync::Arc::new(AtomicBool::new(false));
    let opts = TranscribeOptions {
        cancel: Some(flag.clone()),
        ..TranscribeOptions::default()
    };
    let setter = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            flag.store(true, Ordering::SeqCst);
        })
    };
    let result = model.transcribe(&audio, &opts);
    setter.join().unwrap();
    assert!(
        matches!(result, Err(tofu::Error::Cancelled)),
        "{:?}",
        result.map(|t| t.text)
    );
    // The model is still usable afterwards.
    let t = model
        .transcribe(&audio[..16_000 * 3], &TranscribeOptions::default())
        .unwrap();
    assert!(!t.text.is_empty());
}

#[test]
fn short_pieces_of_speech_never_come_back_as_loops() {
    // Half a second of a command or a digit, cut anywhere: whisper's first
    // decode loops on some ("front, front, front, ...", "2, 2, 2, ..."); what
    // Tofu returns never does.
    let model = SpeechModel::load_default(&common::model_store()).unwrap();
    let fast = TranscribeOptions {
        fix_loops: false,
        ..TranscribeOptions::default()
    };
    let (mut pieces, mut looped_first) = (0, 0);
    for (name, _) in common::speech_manifest()
        .into_iter()
        .filter(|(f, _)| f.starts_with("alsa_") || f.starts_with("fsdd_"))
    {
        let audio = speech(&name);
        for (from, len) in [(0.2, 0.5), (0.2, 0.7), (0.7, 0.5), (0.7, 0.7)] {
            let a = (from * SAMPLE_RATE as f64) as usize;
            let b = ((from + len) * SAMPLE_RATE as f64) as usize;
            let Some(piece) = audio.get(a..b.min(audio.len())).filter(|p| p.len() > 1000) else {
                continue;
            };
            let secs = piece.len() as f64 / SAMPLE_RATE as f64;
            pieces += 1;
            let first = model.transcribe(piece, &fast).unwrap();
            if tofu::stt::loops::looped(&first.text, secs).is_some() {
                looped_first += 1;
                let fixed = model
                    .transcribe(piece, &TranscribeOptions::default())
                    .unwrap();
                assert_eq!(
                    tofu::stt::loops::looped(&fixed.text, secs),
                    None,
                    "{name} from {from} s: {:?}",
                    fixed.text
                );
                assert!(
                    fixed.text.split_whitespace().count() <= tofu::stt::loops::word_budget(secs),
                    "{:?}",
                    fixed.text
                );
            }
        }
    }
    println!("{looped_first} of {pieces} pieces looped at first");
    assert!(pieces >= 40, "{pieces} pieces");
    // The set must show the problem, or this test proves nothing.
    assert!(looped_first >= 1, "no piece looped at first");
}
