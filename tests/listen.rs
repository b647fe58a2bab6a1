//! Live listening from a WAV file used as the microphone (the same path the
//! real microphone feeds): levels, turn start, partial and final transcripts,
//! each turn's audio saved; mute; and the microphone's own failure is clear.

mod common;

use std::sync::Arc;

use tofu::audio::mic::MicSource;
use tofu::audio::source::{AudioSource, Pace, WavSource};
use tofu::eval::wer;
use tofu::hear::{listen, Controls, HearEvent, ListenConfig, Mode};
use tofu::stt::SpeechModel;

fn model() -> Arc<SpeechModel> {
    Arc::new(SpeechModel::load_default(&common::model_store()).unwrap())
}

fn run(source: WavSource, controls: Controls, audio_dir: &std::path::Path) -> Vec<HearEvent> {
    let cfg = ListenConfig {
        audio_dir: Some(audio_dir.to_path_buf()),
        ..ListenConfig::default()
    };
    let mut events = Vec::new();
    listen(Box::new(source), model(), cfg, controls, |e| events.push(e)).unwrap();
    events
}

#[test]
fn real_time_file_gives_levels_partials_and_a_saved_final() {
    let name = "libri_2412-153948-0000.wav"; // 11.7 s of one reader
    let dir = tempfile::tempdir().unwrap();
    let events = run(
        WavSource::new(common::speech_file(name), Pace::RealTime),
        Controls::default(),
        dir.path(),
    );

    let levels = events
        .iter()
        .filter(|e| matches!(e, HearEvent::Level { .. }))
        .count();
    assert!(
        (230..=280).contains(&levels),
        "about 20 levels a second for 12.7 s: {levels}"
    );
    let started = events
        .iter()
        .position(|e| matches!(e, HearEvent::SpeechStarted { .. }))
        .expect("speech started");
    let partials: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            HearEvent::Partial { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        partials.iter().filter(|p| !p.is_empty()).count() >= 2,
        "partials while speaking: {partials:?}"
    );
    let finals: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            HearEvent::Final(h) => Some(h),
            _ => None,
        })
        .collect();
    assert!(!finals.is_empty());
    let first_partial = events
        .iter()
        .position(|e| matches!(e, HearEvent::Partial { .. }))
        .unwrap();
    assert!(started < first_partial);
    let text: Vec<&str> = finals.iter().map(|h| h.text.as_str()).collect();
    let reference = common::speech_manifest()
        .into_iter()
        .find(|(f, _)| f == name)
        .unwrap()
        .1;
    let w = wer(&reference, &text.join(" "));
    assert!(w <= 0.1, "WER {w:.2}: {text:?}");
    for h in &finals {
        let audio = h.audio.as_ref().expect("each turn's audio is saved");
        let saved = tofu::audio::wav::read_wav_16k_mono(audio).unwrap();
        let secs = saved.len() as f64 / 16_000.0;
        assert!(
            (secs - (h.end_s - h.start_s)).abs() < 0.05,
            "saved {secs:.2} s for a {:.2} s turn",
            h.end_s - h.start_s
        );
    }
    assert!(!events.iter().any(|e| matches!(e, HearEvent::Error { .. })));
}

#[test]
fn muted_listening_hears_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let controls = Controls::default();
    controls.set_mode(Mode::Mute);
    let events = run(
        WavSource::new(common::speech_file("arctic_a0024.wav"), Pace::Fast),
        controls,
        dir.path(),
    );
    assert!(!events
        .iter()
        .any(|e| matches!(e, HearEvent::SpeechStarted { .. } | HearEvent::Final(_))));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing saved while muted"
    );
}

#[test]
fn fast_file_listening_over_the_cli_prints_each_turn() {
    let data = tempfile::tempdir().unwrap();
    let stdout = common::stdout_of(
        common::tofu(data.path())
            .args(["listen", "--no-reply", "--fast", "--input"])
            .arg(common::speech_file("arctic_a0024.wav")),
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("you: It was my reports from the north"),
        "{stdout}"
    );
    let saved: Vec<_> = std::fs::read_dir(data.path().join("audio"))
        .unwrap()
        .collect();
    assert_eq!(saved.len(), 1, "the turn's audio is in the data folder");
}

#[test]
fn the_microphone_either_delivers_audio_or_says_clearly_why_not() {
    let (tx, rx) = std::sync::mpsc::channel();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    match Box::new(MicSource { device: None }).start(tx, stop.clone()) {
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with("audio input:")
                    && (msg.contains("microphone") || msg.contains("input")),
                "{msg}"
            );
        }
        Ok(handle) => {
            let first = rx
                .recv_timeout(std::time::Duration::from_secs(5))
                .expect("a working input delivers within 5 s");
            assert!(matches!(
                first,
                tofu::audio::source::SourceEvent::Audio(_)
                    | tofu::audio::source::SourceEvent::Error(_)
            ));
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            handle.join().unwrap();
        }
    }
    let err = Box::new(MicSource {
        device: Some("no-such-device-xyz".into()),
    })
    .start(std::sync::mpsc::channel().0, stop)
    .expect_err("a device that does not exist cannot open");
    assert!(err.to_string().contains("no-such-device-xyz"), "{err}");
}

#[test]
fn one_recorder_per_data_folder() {
    let data = tempfile::tempdir().unwrap();
    let held = tofu::store::lock::DataLock::acquire(data.path(), "the Tofu app").unwrap();
    let file = common::speech_file("alsa_Front_Left.wav");
    let out = common::tofu(data.path())
        .args(["listen", "--fast", "--no-reply", "--input"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by the Tofu app (process"), "{err}");
    let out = common::tofu(data.path())
        .args(["forget-everything", "--yes"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "forgot while the app runs");
    // Reading needs no lock; nothing was kept while the folder was taken.
    let list = common::tofu(data.path())
        .args(["history", "list"])
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(String::from_utf8_lossy(&list.stdout).trim().is_empty());
    // Once the app is gone, listening works.
    drop(held);
    let out = common::tofu(data.path())
        .args(["listen", "--fast", "--no-reply", "--input"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("you: "));
}

/// Ctrl-C in the middle of a sentence: the sentence is transcribed, printed
/// and kept (with its audio) before `tofu listen` ends, as the app's stop
/// button does; nothing is lost to the signal.
#[cfg(unix)]
#[test]
fn ctrl_c_mid_sentence_keeps_the_turn_in_flight() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let data = tempfile::tempdir().unwrap();
    // 7 s of one sentence, played in real time.
    let file = common::speech_file("librivox_0870.wav");
    let mut child = common::tofu(data.path())
        .args(["listen", "--no-reply", "--input"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("listening to") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no start line");
    }
    // Well into the sentence, far from its end.
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let out = child.wait_with_output().unwrap();
    let err = rest.join().unwrap();
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(err.contains("keeping the turn in progress"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let heard = stdout
        .lines()
        .find_map(|l| l.strip_prefix("you: "))
        .unwrap_or_else(|| panic!("the turn in flight was not printed: {stdout} {err}"));
    let lower = heard.to_lowercase();
    assert!(
        lower.contains("dashwood") || lower.contains("john"),
        "the first words of the sentence: {heard}"
    );
    // The whole sentence was 7 s: the turn stopped where the signal came.
    assert!(!lower.contains("prudently"), "{heard}");
    let store = tofu::store::Store::open(data.path()).unwrap();
    assert_eq!(store.turn_count().unwrap(), 1);
    let wavs: Vec<_> = common::files_under(&data.path().join("audio"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    assert_eq!(wavs.len(), 1, "its recording is kept: {wavs:?}");
}

/// A disk too full to spare the room: the turn's recording is not written
/// (the database needs the space more), the error says why, and the words
/// are still heard. The free-space check is the real one (statvfs); only
/// the threshold is raised past any disk.
#[test]
fn a_full_disk_keeps_the_words_and_says_why_the_audio_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ListenConfig {
        audio_dir: Some(dir.path().to_path_buf()),
        min_free_bytes: u64::MAX,
        ..ListenConfig::default()
    };
    let source = WavSource::new(common::speech_file("librivox_0880.wav"), Pace::Fast);
    let mut events = Vec::new();
    listen(Box::new(source), model(), cfg, Controls::default(), |e| {
        events.push(e)
    })
    .unwrap();
    let error = events
        .iter()
        .find_map(|e| match e {
            HearEvent::Error { message, .. } => Some(message.clone()),
            _ => None,
        })
        .expect("an error says the audio was not kept");
    assert!(error.contains("MB free"), "{error}");
    assert!(error.contains("its words are"), "{error}");
    let finals: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            HearEvent::Final(h) => Some(h),
            _ => None,
        })
        .collect();
    assert_eq!(finals.len(), 1);
    assert!(finals[0].audio.is_none());
    assert!(
        finals[0].text.to_lowercase().contains("young man"),
        "{}",
        finals[0].text
    );
    assert!(
        common::files_under(dir.path()).is_empty(),
        "nothing written"
    );
}

#[test]
fn a_recording_a_crash_left_behind_is_transcribed_into_the_history_next_time() {
    // A turn's audio is written before its words are kept: a kill between
    // the two leaves a recording of no turn. The next `tofu listen` (with
    // or without replies) transcribes it into the history, at the time it
    // was spoken, with its recording; nothing of it is swept away.
    let data = tempfile::tempdir().unwrap();
    drop(tofu::store::Store::open(data.path()).unwrap());
    let day = data.path().join("audio/2026-12-01");
    std::fs::create_dir_all(&day).unwrap();
    let left = day.join("1764570000000-0001.wav");
    std::fs::copy(common::speech_file("arctic_a0024.wav"), &left).unwrap();
    let spoken = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&left)
        .unwrap()
        .set_modified(spoken)
        .unwrap();
    // One in which whisper hears nothing stays as it was, marked as tried
    // (never tried again: one that crashed whisper would do it once).
    let quiet_left = day.join("1764570000000-0003.wav");
    tofu::audio::wav::write_wav_16k(&quiet_left, &vec![0.0; 16_000]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&quiet_left)
        .unwrap()
        .set_modified(spoken)
        .unwrap();
    // A recording being written right now is not touched.
    let fresh = day.join("1764570000000-0002.wav");
    std::fs::copy(common::speech_file("arctic_a0024.wav"), &fresh).unwrap();
    let silence = data.path().join("quiet.wav");
    tofu::audio::wav::write_wav_16k(&silence, &vec![0.0; 16_000]).unwrap();

    let out = common::tofu(data.path())
        .args(["listen", "--no-reply", "--fast", "--input"])
        .arg(&silence)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("interrupted session"), "{err}");

    let store = tofu::store::Store::open(data.path()).unwrap();
    let turns: Vec<_> = store
        .conversations_full(tofu::store::TimeRange::default())
        .unwrap()
        .into_iter()
        .flat_map(|c| c.turns)
        .collect();
    assert_eq!(turns.len(), 1, "{turns:?}");
    let t = &turns[0];
    let words = t.text().to_lowercase();
    assert!(
        words.contains("reports") && words.contains("north"),
        "{words}"
    );
    let ended = spoken
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (t.ended_at - ended).abs() < 2000,
        "{} vs {ended}",
        t.ended_at
    );
    assert!(t.started_at < t.ended_at);
    let audio = data.path().join(t.audio_path.as_deref().unwrap());
    assert!(audio.exists(), "{audio:?}");
    assert!(
        fresh.exists(),
        "a recording being written now is left alone"
    );
}
