//! `tofu transcribe` on real speech nobody here recorded, with the converted
//! whisper model: the words come back, in the output format scripts rely on.
//! `--plain` (whisper.cpp's own decode of the whole file) checks the model;
//! the default path (voice activity + trimmed encoder window) is held to a
//! word error rate over every clean recording of the set.

mod common;

use tofu::eval::normalize_words;

/// Read speech from three sources (LibriSpeech, CMU ARCTIC, LibriVox) and a
/// short command: clean enough that whisper base gets every word.
const FILES: [&str; 5] = [
    "libri_1272-141231-0000.wav",
    "libri_1272-128104-0001.wav",
    "arctic_a0024.wav",
    "librivox_0880.wav",
    "alsa_Front_Left.wav",
];

#[test]
fn plain_transcripts_of_real_speech_match_the_references() {
    let refs = common::speech_manifest();
    let data = tempfile::tempdir().unwrap();
    let stdout = common::stdout_of(
        common::tofu(data.path())
            .args(["transcribe", "--plain"])
            .args(FILES.iter().map(|f| common::speech_file(f))),
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), FILES.len(), "one line per file:\n{stdout}");
    for (line, name) in lines.iter().zip(FILES) {
        let (file, text) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("FILE<TAB>transcript: {line:?}"));
        assert_eq!(file, common::speech_file(name).display().to_string());
        let reference = &refs.iter().find(|(f, _)| f == name).unwrap().1;
        assert_eq!(
            normalize_words(text),
            normalize_words(reference),
            "{name}: heard {text:?}"
        );
    }
}

#[test]
fn the_listening_path_keeps_word_errors_low_on_clean_speech() {
    // Every read-speech and command recording of the set (not the accented,
    // child or 8 kHz digit clips, which the benchmark covers).
    let rows: Vec<(String, String)> = common::speech_manifest()
        .into_iter()
        .filter(|(f, _)| {
            ["libri", "librivox", "arctic", "alsa"]
                .iter()
                .any(|p| f.starts_with(p))
        })
        .collect();
    assert!(rows.len() >= 15, "{} clean files", rows.len());
    let data = tempfile::tempdir().unwrap();
    let stdout = common::stdout_of(
        common::tofu(data.path())
            .arg("transcribe")
            .args(rows.iter().map(|(f, _)| common::speech_file(f))),
    );
    let (mut errors, mut words) = (0, 0);
    for (line, (_, reference)) in stdout.lines().zip(&rows) {
        let text = line.split_once('\t').unwrap().1;
        let r = normalize_words(reference);
        errors += tofu::eval::word_errors(&r, &normalize_words(text));
        words += r.len();
    }
    assert_eq!(stdout.lines().count(), rows.len());
    let wer = errors as f64 / words as f64;
    assert!(
        wer <= 0.05,
        "WER {:.1}% ({errors}/{words}) on clean speech:\n{stdout}",
        wer * 100.0
    );
}

#[test]
fn json_output_carries_segments_language_and_timings() {
    let data = tempfile::tempdir().unwrap();
    let file = common::speech_file("libri_1272-141231-0000.wav");
    let stdout = common::stdout_of(
        common::tofu(data.path())
            .args(["transcribe", "--json"])
            .arg(&file),
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["file"], file.display().to_string());
    assert_eq!(v["language"], "en");
    assert_eq!(
        normalize_words(v["text"].as_str().unwrap()).join(" "),
        "a man said to the universe sir i exist"
    );
    let segs = v["segments"].as_array().unwrap();
    assert!(!segs.is_empty());
    let (start, end) = (
        segs[0]["start"].as_f64().unwrap(),
        segs.last().unwrap()["end"].as_f64().unwrap(),
    );
    let audio = v["timings"]["audio_s"].as_f64().unwrap();
    assert!(
        start >= 0.0 && end > start && end <= audio + 0.01,
        "{start}..{end} of {audio}"
    );
    assert!(v["timings"]["decode_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_bad_file_is_reported_and_the_others_still_transcribed() {
    let data = tempfile::tempdir().unwrap();
    let junk = data.path().join("junk.wav");
    std::fs::write(&junk, b"RIFF....not really a wave file").unwrap();
    let good = common::speech_file("alsa_Front_Left.wav");
    let out = common::tofu(data.path())
        .arg("transcribe")
        .arg(&junk)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("junk.wav") && stderr.contains("WAV"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with(&good.display().to_string()));
}

#[test]
fn missing_model_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let empty_models = tempfile::tempdir().unwrap();
    let out = common::tofu(data.path())
        .env("TOFU_MODELS_DIR", empty_models.path())
        .arg("transcribe")
        .arg(common::speech_file("alsa_Front_Left.wav"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing") && stderr.contains("tofu models fetch whisper-base"),
        "{stderr}"
    );
}

#[test]
fn no_transcript_loops_or_holds_more_words_than_its_audio() {
    // The recordings the clean-speech test leaves out: single digits (one
    // 0.56 s "zero" used to come back as "0, 0, 0, ..." 110 times), accented
    // and children's reading.
    let rows: Vec<(String, String)> = common::speech_manifest()
        .into_iter()
        .filter(|(f, _)| {
            !["libri", "librivox", "arctic", "alsa"]
                .iter()
                .any(|p| f.starts_with(p))
        })
        .collect();
    assert!(rows.len() >= 20, "{} files", rows.len());
    let data = tempfile::tempdir().unwrap();
    let stdout = common::stdout_of(
        common::tofu(data.path())
            .arg("transcribe")
            .args(rows.iter().map(|(f, _)| common::speech_file(f))),
    );
    assert_eq!(stdout.lines().count(), rows.len(), "{stdout}");
    for (line, (name, reference)) in stdout.lines().zip(&rows) {
        let text = line.split_once('\t').unwrap().1;
        let audio = tofu::audio::wav::read_wav_16k_mono(&common::speech_file(name)).unwrap();
        let audio_s = audio.len() as f64 / f64::from(tofu::audio::SAMPLE_RATE);
        assert_eq!(
            tofu::stt::loops::looped(text, audio_s),
            None,
            "{name} ({audio_s:.2} s): {text:?}"
        );
        if name.starts_with("fsdd_") {
            // One digit said: one word heard (or nothing, for the faintest).
            let heard = normalize_words(text);
            assert!(heard.len() <= 2, "{name}: {text:?} for {reference:?}");
        }
    }
}
