//! Turn-taking: the end-of-turn model's input matches Whisper's log-mel as
//! its authors compute it, and the segmenter asks a judge at a short pause,
//! waits for the ceiling when told "not yet", and keeps a resumed sentence
//! one turn (real speech with a pause put into it).

mod common;

use std::sync::{Arc, Mutex};

use tofu::audio::wav::read_wav_16k_mono;
use tofu::audio::SAMPLE_RATE;
use tofu::hear::smart_turn::{LogMel, SmartTurn};
use tofu::hear::vad::{segment_all_with, EndOfTurn};
use tofu::hear::VadConfig;
use tofu::hear::Verdict::{self, *};

fn log_mel() -> LogMel {
    let npz = common::model_store()
        .require("whisper-mel-filters", "mel_filters.npz")
        .unwrap();
    let bank = tofu::models::convert::npy::read_npz_f32(&npz, "mel_80").unwrap();
    LogMel::new(bank.data).unwrap()
}

#[test]
fn the_features_are_whispers_log_mel() {
    // Reference values from pipecat's own feature code (numpy, float64) for
    // one second of a 440 Hz tone at half scale, padded in front to 8 s.
    let tone: Vec<f32> = (0..SAMPLE_RATE as usize)
        .map(|n| 0.5 * (2.0 * std::f64::consts::PI * 440.0 * n as f64 / 16_000.0).sin() as f32)
        .collect();
    let f = log_mel().features(&tone);
    let at = |mel: usize, frame: usize| f[mel * 800 + frame];
    let close = |a: f32, b: f32| (a - b).abs() < 2e-4;
    assert!(close(at(0, 0), -0.110_251_9), "{}", at(0, 0));
    assert!(close(at(10, 799), 1.801_979_9), "{}", at(10, 799));
    assert!(close(at(10, 700), 1.718_956), "{}", at(10, 700));
    let sum: f64 = f.iter().map(|&v| f64::from(v)).sum();
    assert!((sum - -6146.97369).abs() < 0.5, "{sum}");
    let loudest = (0..80)
        .max_by(|&a, &b| at(a, 799).total_cmp(&at(b, 799)))
        .unwrap();
    assert_eq!(loudest, 11);
}

#[test]
fn the_model_loads_and_answers_a_probability() {
    let mut model = SmartTurn::load_default(&common::model_store()).unwrap();
    let audio = read_wav_16k_mono(&common::speech_file("arctic_a0024.wav")).unwrap();
    let p = model.complete(&audio).unwrap();
    assert!((0.0..=1.0).contains(&p), "{p}");
}

/// A judge that answers from a script and counts the questions.
struct Scripted {
    answers: Vec<Verdict>,
    asked: Arc<Mutex<usize>>,
}

impl EndOfTurn for Scripted {
    fn judge(&mut self, _turn: &[f32]) -> Verdict {
        let mut n = self.asked.lock().unwrap();
        *n += 1;
        self.answers
            .get(*n - 1)
            .copied()
            .unwrap_or(Verdict::Finished)
    }
}

/// A real sentence with `pause_s` of faint room noise put in the middle.
fn paused(pause_s: f64) -> Vec<f32> {
    let speech = read_wav_16k_mono(&common::speech_file("libri_1272-141231-0000.wav")).unwrap();
    // The quietest 100 ms between 35% and 70% of the sentence: a gap between words.
    let w = SAMPLE_RATE as usize / 10;
    let (lo, hi) = (speech.len() * 35 / 100, speech.len() * 70 / 100);
    let gap = (lo..hi - w)
        .step_by(160)
        .min_by(|&a, &b| {
            let e = |i: usize| speech[i..i + w].iter().map(|x| x * x).sum::<f32>();
            e(a).total_cmp(&e(b))
        })
        .unwrap()
        + w / 2;
    let noise = tofu::audio::room_tone(pause_s, 7);
    let tail = vec![0.0f32; 3 * SAMPLE_RATE as usize];
    speech[..gap]
        .iter()
        .copied()
        .chain(noise)
        .chain(speech[gap..].iter().copied())
        .chain(tail)
        .collect()
}

/// The app's settings with no hold: a turn judged finished ends at the
/// verdict (here no reply is written to hold it open for).
fn unheld() -> VadConfig {
    VadConfig {
        hold_ms: 0,
        ..VadConfig::default()
    }
}

fn turns(audio: &[f32], answers: Vec<Verdict>) -> (usize, usize) {
    let asked = Arc::new(Mutex::new(0));
    let judge = Scripted {
        answers,
        asked: asked.clone(),
    };
    let n = segment_all_with(audio, &unheld(), Some(Box::new(judge))).len();
    let asked = *asked.lock().unwrap();
    (n, asked)
}

#[test]
fn a_pause_judged_unfinished_is_waited_out_and_the_sentence_stays_one_turn() {
    let audio = paused(1.0);
    // The silence rule alone (560 ms) cuts the sentence in two.
    assert_eq!(
        segment_all_with(&audio, &VadConfig::default(), None).len(),
        2
    );
    // Three pauses are judged: the one put in, the breath after "Sir,"
    // and the end. "Not yet" at both pauses, "yes" at the end: one turn.
    assert_eq!(turns(&audio, vec![NotYet, NotYet, Finished]), (1, 3));
    // "Yes" at the pause put in: two turns, fast.
    assert_eq!(turns(&audio, vec![Finished, NotYet, Finished]).0, 2);
}

#[test]
fn the_ceiling_ends_a_turn_the_judge_never_calls_finished() {
    // A 2.6 s pause is past the 1.7 s ceiling: two turns even so.
    let audio = paused(2.6);
    assert_eq!(turns(&audio, vec![NotYet; 4]).0, 2);
    // And a judge that cannot tell leaves it to the silence rule.
    let audio = paused(1.0);
    assert_eq!(turns(&audio, vec![Unknown; 4]).0, 2);
}

#[test]
fn a_doubtful_pause_waits_longer_than_a_breath_and_the_ceiling_bounds_any_wait() {
    // Doubt (1.5 s of silence) outlasts a 0.7 s pause put into a gap
    // between words: one turn.
    assert_eq!(turns(&paused(0.7), vec![Doubtful, NotYet, Finished]).0, 1);
    // A 1.8 s pause outlasts the doubt: two turns.
    assert_eq!(turns(&paused(1.8), vec![Doubtful, NotYet, Finished]).0, 2);
}

/// Seconds from the end of the voice in a read sentence to the question
/// about the pause after it, with the companion's `echo` in the room or not.
fn asked_after_the_voice(echo: bool) -> f64 {
    use tofu::hear::{Segmenter, VadEvent};
    let speech = read_wav_16k_mono(&common::speech_file("libri_1272-141231-0000.wav")).unwrap();
    let end_s = tofu::bench::latency::speech_end(&speech);
    let mut audio = speech.clone();
    audio.extend(vec![0.0f32; SAMPLE_RATE as usize * 2]);
    let mut seg = Segmenter::new(VadConfig::default()).with_deferred_judge();
    seg.set_echo(echo);
    let mut events = Vec::new();
    let mut asked_at = Vec::new();
    for (i, chunk) in audio.chunks(256).enumerate() {
        seg.push(chunk, &mut events);
        for e in std::mem::take(&mut events) {
            if let VadEvent::Paused { ask, .. } = e {
                asked_at.push((i + 1) as f64 * 256.0 / f64::from(SAMPLE_RATE));
                seg.decide(ask, Verdict::NotYet, &mut events);
            }
        }
    }
    let last = *asked_at
        .last()
        .expect("the pause after the sentence is judged");
    println!("voice ends at {end_s:.2} s; questions at {asked_at:?}");
    last - end_s
}

#[test]
fn a_pause_is_noticed_when_the_voice_stops_not_when_the_vad_lets_go() {
    // The VAD's probability decays for a quarter second after the last
    // word of this sentence; the level drops at once. The question comes
    // 200 ms into the pause as the level places it.
    let after = asked_after_the_voice(false);
    assert!(
        (0.18..0.3).contains(&after),
        "asked {after:.3} s after the voice stopped"
    );
    // While the companion's voice may be in the microphone, its echo's
    // level says nothing about the person: the VAD alone places the pause.
    let echo = asked_after_the_voice(true);
    assert!(
        echo > after + 0.15,
        "with echo, asked {echo:.3} s after the voice stopped (without, {after:.3} s)"
    );
}

/// Streams `audio` through a segmenter whose judge answers later: each
/// question is answered `late` frames after it was asked, from `answers`.
fn deferred(audio: &[f32], answers: &[Verdict], late: usize) -> (usize, usize) {
    let (turns, asked, _) = deferred_with(unheld(), audio, answers, late, None);
    (turns, asked)
}

/// [`deferred`] with `cfg`, the reply being ready `ready` frames after each
/// answer ([`Segmenter::release`]); also the frames from the last answer
/// to the end of the last turn.
fn deferred_with(
    cfg: VadConfig,
    audio: &[f32],
    answers: &[Verdict],
    late: usize,
    ready: Option<usize>,
) -> (usize, usize, usize) {
    use tofu::hear::{Segmenter, VadEvent};
    let mut seg = Segmenter::new(cfg).with_deferred_judge();
    let (mut events, mut turns, mut asked) = (Vec::new(), 0, 0);
    let (mut answered_at, mut ended_after) = (None, 0);
    let mut waiting: Vec<(usize, u32)> = Vec::new();
    for (i, chunk) in audio.chunks(256).enumerate() {
        if ready.zip(answered_at).is_some_and(|(r, a)| i == a + r) {
            seg.release(&mut events);
        }
        seg.push(chunk, &mut events);
        let due: Vec<u32> = waiting
            .iter()
            .filter(|(at, _)| *at <= i)
            .map(|(_, ask)| *ask)
            .collect();
        waiting.retain(|(at, _)| *at > i);
        for ask in due {
            let verdict = answers.get(ask as usize - 1).copied().unwrap_or(Finished);
            answered_at = Some(i);
            seg.decide(ask, verdict, &mut events);
        }
        for e in events.drain(..) {
            match e {
                VadEvent::Paused { ask, turn, .. } => {
                    assert!(!turn.is_empty());
                    asked += 1;
                    waiting.push((i + late, ask));
                }
                VadEvent::Utterance(_) => {
                    turns += 1;
                    ended_after = i - answered_at.unwrap_or(0);
                }
                VadEvent::SpeechStarted { .. } => {}
            }
        }
    }
    (turns, asked, ended_after)
}

#[test]
fn a_finished_turn_is_held_open_until_its_reply_is_ready_and_speech_meanwhile_continues_it() {
    let audio = paused(0.7);
    let held = VadConfig {
        hold_ms: 1500,
        ..VadConfig::default()
    };
    // Answered 10 frames (160 ms) after asking, "finished" everywhere.
    // Without a hold the pause put in ends the turn (and the breath after
    // "Sir," may end another).
    assert!(deferred(&audio, &[Finished; 3], 10).0 >= 2);
    // Held, with no reply ready: the speech after the 0.7 s pause comes
    // within the hold (the segmenter hears it about 1.2 s after the voice
    // stopped: the gap the pause was put in, and the VAD's rise), one turn.
    // The last turn ends when its pause is 1.5 s long: 94 frames of 16 ms,
    // less the 13 to the question and the 10 to the answer (and the few
    // the level rule counted before the question).
    let (turns, _, ended_after) = deferred_with(held.clone(), &audio, &[Finished; 3], 10, None);
    assert_eq!(turns, 1);
    assert!((60..=75).contains(&ended_after), "{ended_after}");
    // The reply ready 5 frames after the verdict: the turn ends then, as
    // it would without a hold had the judge been that much slower.
    let (turns, _, ended_after) = deferred_with(held, &audio, &[Finished; 3], 10, Some(5));
    assert!(turns >= 2);
    assert_eq!(ended_after, 5);
}

#[test]
fn a_deferred_judge_ends_the_turn_when_its_answer_comes_and_a_stale_answer_is_ignored() {
    let audio = paused(1.0);
    // Answered 20 frames (320 ms) after asking: "not yet" at the pauses,
    // "finished" at the end: one turn.
    assert_eq!(deferred(&audio, &[NotYet, NotYet, Finished], 20), (1, 3));
    // "Finished" at the pause put in: two turns, ended when the answer came.
    assert_eq!(deferred(&audio, &[Finished, NotYet, Finished], 20).0, 2);
    // An answer that comes after the person spoke again (110 frames,
    // 1.76 s, past the 1 s pause and the gap it was put in) changes
    // nothing: the sentence stays one turn, and the question of its end is
    // answered in time.
    let (turns, asked) = deferred(&audio, &[Finished, Finished, Finished], 110);
    assert_eq!(turns, 1, "asked {asked}");
    // Never answered: the ceiling ends the turn all the same.
    assert_eq!(deferred(&audio, &[], usize::MAX / 2).0, 1);
}

#[test]
fn tofu_listen_waits_out_a_real_mid_sentence_pause_and_the_silence_rule_does_not() {
    // "A man said to the universe | Sir, I exist." with 0.7 s inside: the
    // words before the pause trail, so the judge waits; 560 ms of silence
    // does not.
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("paused.wav");
    tofu::audio::wav::write_wav_16k(&wav, &paused(0.7)).unwrap();
    let data = tempfile::tempdir().unwrap();
    let you = |extra: &[&str]| {
        let out = common::stdout_of(
            common::tofu(data.path())
                .args(["listen", "--no-reply", "--no-save", "--fast", "--input"])
                .arg(&wav)
                .args(extra),
        );
        out.lines()
            .filter(|l| l.starts_with("you:"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let judged = you(&[]);
    assert_eq!(judged.len(), 1, "{judged:?}");
    let words = judged[0].to_lowercase();
    assert!(
        words.contains("universe") && words.contains("exist"),
        "{judged:?}"
    );
    assert_eq!(you(&["--silence-rule"]).len(), 2);
}

#[test]
fn bench_turns_prints_cut_ins_and_waits_for_both_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from("file\treference\tpause_at_s\tpause_ms\tsource_file\n");
    for ms in [900u32, 1200] {
        let name = format!("p{ms}.wav");
        tofu::audio::wav::write_wav_16k(&dir.path().join(&name), &paused(f64::from(ms) / 1e3))
            .unwrap();
        manifest.push_str(&format!(
            "{name}\tA MAN SAID TO THE UNIVERSE SIR I EXIST\t2.3\t{ms}\tx.wav\n"
        ));
    }
    std::fs::write(dir.path().join("manifest.tsv"), manifest).unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = common::stdout_of(
        common::tofu(data.path())
            .args(["bench", "turns", "--json", "--data"])
            .arg(dir.path()),
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["files"], 2, "{r}");
    // The silence rule (560 ms) cuts both sentences at their pause.
    assert_eq!(r["silence"]["cut_ins"], 2, "{r}");
    assert_eq!(r["silence"]["cut_in_rate"], 1.0, "{r}");
    for rule in ["silence", "smart", "judged"] {
        let wait = r[rule]["end_wait_median_ms"].as_f64().unwrap();
        assert!(wait > 100.0 && wait <= 2100.0, "{rule}: {wait}");
    }
    assert!(r["decisions"].as_u64().unwrap() >= 2, "{r}");
    assert!(r["judged_decisions"].as_u64().unwrap() >= 2, "{r}");
    // The words before the pause trail ("A man said to the universe"):
    // the app's judge waits where the sound alone may not.
    assert!(
        r["judged"]["cut_ins"].as_u64() <= r["smart"]["cut_ins"].as_u64(),
        "{r}"
    );
    assert!(r["decision_median_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(r["per_file"][0]["pause_ms"], 900);
}

#[test]
fn whisper_on_the_thread_that_asked_the_end_of_turn_model_hears_right() {
    // Once whisper.cpp had decoded on a thread and ONNX Runtime then ran
    // Smart Turn on it, whisper there heard this clear sentence (the start
    // of the third turn of `tofu bench latency`'s recording: files joined
    // by 8 s of silence) as "( ( )" or "-". The speech thread does both.
    let rows = common::speech_manifest();
    let mut recording = Vec::new();
    for (name, _) in rows.iter().take(3) {
        recording.extend(read_wav_16k_mono(&common::speech_file(name)).unwrap());
        recording.extend(vec![0.0f32; 8 * SAMPLE_RATE as usize]);
    }
    let start = (25.552 * f64::from(SAMPLE_RATE)) as usize;
    let clip = &recording[start..start + 67_840];
    let stt = tofu::stt::SpeechModel::load_default(&common::model_store()).unwrap();
    let before = stt.transcribe(clip, &Default::default()).unwrap().text;
    let mut model = SmartTurn::load_default(&common::model_store()).unwrap();
    let p = model.complete(clip).unwrap();
    assert!((0.0..=1.0).contains(&p));
    let heard = stt.transcribe(clip, &Default::default()).unwrap().text;
    assert_eq!(
        heard, before,
        "heard before the end-of-turn model ran: {before:?}"
    );
    let words = heard.to_lowercase();
    assert!(
        words.contains("reader") && words.contains("antecedents"),
        "{heard:?}"
    );
}
