//! The conversation loop with the real models: a speech WAV in, a reply WAV
//! out; barge-in on a recording where the person talks over the companion;
//! and speakers that are not there.

mod common;

use std::sync::{Arc, Mutex};

use tofu::audio::sink::{AudioSink, SpeakerSink, WavSink};
use tofu::audio::source::{Pace, WavSource, CHUNK};
use tofu::audio::wav::{read_wav_16k_mono, write_wav_16k};
use tofu::converse::{converse, CompanionEvent, LoopConfig, LoopEvent};
use tofu::eval::wer;
use tofu::hear::{Controls, HearEvent};
use tofu::stt::{SpeechModel, TranscribeOptions};

const RATE: f64 = 16_000.0;

/// The real-time tests run one at a time: two loops at once on two cores
/// would measure each other.
static REAL_TIME: Mutex<()> = Mutex::new(());

fn paths(data: &std::path::Path) -> tofu::Paths {
    tofu::Paths {
        data_dir: data.to_path_buf(),
        models_dir: common::models_dir(),
    }
}

fn reference(name: &str) -> String {
    common::speech_manifest()
        .into_iter()
        .find(|(f, _)| f == name)
        .map(|(_, r)| r)
        .unwrap()
}

/// Seconds of audio louder than −40 dBFS, in 10 ms frames.
fn voiced_s(samples: &[f32]) -> f64 {
    samples
        .chunks(160)
        .filter(|c| c.iter().any(|x| x.abs() > 0.01))
        .count() as f64
        * 0.01
}

/// What a loop run reported: the person's turns, when the companion was
/// interrupted (stream seconds), and its replies (interrupted?, text).
struct Heard {
    finals: Vec<String>,
    interrupted: Vec<f64>,
    replies: Vec<(bool, String)>,
}

fn summarize(events: &[LoopEvent]) -> Heard {
    let mut h = Heard {
        finals: Vec::new(),
        interrupted: Vec::new(),
        replies: Vec::new(),
    };
    for e in events {
        match e {
            LoopEvent::Hear(HearEvent::Final(f)) if !f.text.is_empty() => {
                h.finals.push(f.text.clone())
            }
            LoopEvent::Companion(CompanionEvent::Interrupted { at_s, .. }) => {
                h.interrupted.push(*at_s)
            }
            LoopEvent::Companion(CompanionEvent::Reply {
                interrupted, text, ..
            }) => h.replies.push((*interrupted, text.clone())),
            _ => {}
        }
    }
    eprintln!(
        "heard {:?}\nreplies {:?}\ninterrupted at {:?}",
        h.finals, h.replies, h.interrupted
    );
    h
}

/// Runs the loop on `source` with the default models, speaking into `sink`.
fn run_loop(
    dir: &std::path::Path,
    source: Box<dyn tofu::audio::source::AudioSource>,
    sink: &Arc<WavSink>,
) -> Heard {
    let mut notes = Vec::new();
    let parts = tofu::converse::setup::load(
        &paths(dir),
        None,
        "me",
        Some(sink.clone() as Arc<dyn AudioSink>),
        &mut notes,
    )
    .unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let t0 = std::time::Instant::now();
    converse(
        source,
        parts,
        LoopConfig::default(),
        Controls::default(),
        move |e| ev.lock().unwrap().push((t0.elapsed().as_secs_f64(), e)),
    )
    .unwrap();
    let events = events.lock().unwrap();
    // The timeline, shown when an assertion fails.
    for (t, e) in events.iter() {
        if !matches!(e, LoopEvent::Hear(HearEvent::Level { .. })) {
            let line = serde_json::to_string(e).unwrap_or_default();
            eprintln!("{t:7.2}  {}", &line[..line.len().min(160)]);
        }
    }
    let events: Vec<LoopEvent> = events.iter().map(|(_, e)| e.clone()).collect();
    summarize(&events)
}

#[test]
fn a_spoken_turn_gets_a_spoken_reply_that_says_what_was_printed() {
    let _one_at_a_time = REAL_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let data = tempfile::tempdir().unwrap();
    let out_wav = data.path().join("reply.wav");
    let stdout = common::stdout_of(
        common::tofu(data.path())
            .args(["listen", "--fast", "--input"])
            .arg(common::speech_file("arctic_a0024.wav"))
            .arg("--output")
            .arg(&out_wav),
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("you: It was my reports from the north"),
        "{stdout}"
    );
    let reply = lines[1]
        .strip_prefix("Tofu: ")
        .expect("the companion's line");
    assert!(!reply.trim().is_empty());

    let samples = read_wav_16k_mono(&out_wav).unwrap();
    let words = reply.split_whitespace().count() as f64;
    let speech = voiced_s(&samples);
    eprintln!("reply: {reply:?}: {words} words, {speech:.2} s voiced");
    assert!(speech > 0.3, "the reply is audible");
    // People speak 2-4 words a second (counting only the voiced time, a
    // brisk voice reaches 6); far outside that, words were lost or garbled.
    let rate = words / speech;
    assert!((0.8..=7.0).contains(&rate), "{rate:.2} words/s");

    let stt = SpeechModel::load_default(&common::model_store()).unwrap();
    let heard = stt
        .transcribe(&samples, &TranscribeOptions::default())
        .unwrap();
    let err = wer(reply, &heard.text);
    eprintln!("whisper hears the reply as {:?} (WER {err:.2})", heard.text);
    assert!(err <= 0.35, "{reply:?} vs {:?}", heard.text);

    // Both turns are in the history, in order.
    let show: serde_json::Value = serde_json::from_str(&common::stdout_of(
        common::tofu(data.path()).args(["history", "show", "c1", "--json"]),
    ))
    .unwrap();
    let turns = show["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2, "{show}");
    assert_eq!(turns[1]["speaker"], "companion");
    assert_eq!(turns[1]["text"], reply);
}

#[test]
fn talking_over_the_companion_stops_it_and_the_new_turn_is_heard_whole() {
    let _one_at_a_time = REAL_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The person says something, pauses 2.4 s (past the 2 s a pause judged
    // unfinished is waited out: two turns whatever the judge said), and
    // talks again: over the companion, which is answering (writing or
    // already speaking: a reply takes longer than that to finish playing).
    let first = read_wav_16k_mono(&common::speech_file("libri_1272-141231-0000.wav")).unwrap();
    let second = read_wav_16k_mono(&common::speech_file("arctic_a0024.wav")).unwrap();
    let first_end = tofu::bench::latency::speech_end(&first);
    let lead = second.iter().position(|x| x.abs() > 0.02).unwrap() as f64 / RATE;
    let mut rec = first[..(first_end * RATE) as usize].to_vec();
    let pause = (2.4 - lead).max(0.0);
    rec.extend(std::iter::repeat_n(0.0, (pause * RATE) as usize));
    let second_at = rec.len() as f64 / RATE + lead;
    rec.extend_from_slice(&second);
    let second_end = rec.len() as f64 / RATE;
    rec.extend(std::iter::repeat_n(0.0, (8.0 * RATE) as usize));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mic.wav");
    write_wav_16k(&input, &rec).unwrap();

    let sink = Arc::new(WavSink::new(dir.path().join("speaker.wav"), Pace::RealTime));
    let source = Box::new(WavSource::load(&input, Pace::RealTime).unwrap());
    let Heard {
        finals,
        interrupted,
        replies,
    } = run_loop(dir.path(), source, &sink);
    assert_eq!(finals.len(), 2, "{finals:?}");
    // Usually the companion is writing or saying its first reply when the
    // person talks again: one barge-in, right then. On a loaded machine the
    // first turn's transcript can come after they started again; then the
    // first turn is kept but not answered, and nothing was interrupted.
    assert!(
        interrupted.len() <= 1,
        "at most one barge-in: {interrupted:?}"
    );
    let at = interrupted.first().copied().unwrap_or(second_at);
    assert!(
        (second_at - 0.3..second_at + 0.3).contains(&at),
        "{at} vs {second_at}"
    );
    if interrupted.is_empty() {
        assert!(
            replies.first().is_some_and(|r| r.0 && r.1.is_empty()),
            "no barge-in, so the first turn went unanswered: {replies:?}"
        );
    }
    assert_eq!(
        replies.len(),
        2,
        "every turn is closed by one reply: {replies:?}"
    );
    assert!(!replies[1].0, "the second reply was not cut short");
    // The new utterance was captured whole.
    let w = wer(&reference("arctic_a0024.wav"), &finals[1]);
    assert!(w <= 0.2, "{:?} (WER {w:.2})", finals[1]);

    // The speaker went quiet soon after the person started talking, and
    // stayed quiet while they spoke.
    let out = sink.samples();
    let loud_until = |from: f64, to: f64| {
        let (a, b) = (
            (from * RATE) as usize,
            ((to * RATE) as usize).min(out.len()),
        );
        out[a.min(b)..b]
            .iter()
            .rposition(|x| x.abs() > 0.01)
            .map(|i| (a + i) as f64 / RATE)
    };
    let playing = loud_until(at - 0.1, at).is_some();
    let last = loud_until(at, second_end).unwrap_or(at);
    eprintln!(
        "{}; quiet {:.0} ms after the person started talking",
        if playing {
            "the first reply was playing"
        } else {
            "the first reply was still being written"
        },
        (last - at) * 1e3
    );
    // The VAD needs 144 ms of speech to be sure; then the sink stops at once.
    assert!(last - at <= 0.25, "stopped {:.3} s after", last - at);
    assert!(
        voiced_s(&out[((second_end + 0.1) * RATE) as usize..]) > 0.3,
        "the second reply was spoken"
    );
}

#[test]
fn missing_speakers_are_a_clear_error_and_say_can_write_a_file_instead_without_stage_directions() {
    let err = SpeakerSink::open(Some("no-such-speaker-anywhere"))
        .err()
        .expect("no such device")
        .to_string();
    assert!(err.contains("no-such-speaker-anywhere"), "{err}");
    let data = tempfile::tempdir().unwrap();
    let out = common::tofu(data.path())
        .args(["say", "hello", "--device", "no-such-speaker-anywhere"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("--out FILE.wav"), "{msg}");

    // The fallback voice speaks to a file, the same every time.
    let a = data.path().join("a.wav");
    let b = data.path().join("b.wav");
    for f in [&a, &b] {
        common::stdout_of(
            common::tofu(data.path())
                .args(["say", "--voice", "flite", "Good morning.", "--out"])
                .arg(f),
        );
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(voiced_s(&read_wav_16k_mono(&a).unwrap()) > 0.3);

    // Stage directions a model writes are acted, not read out.
    let c = data.path().join("c.wav");
    common::stdout_of(
        common::tofu(data.path())
            .args([
                "say",
                "--voice",
                "flite",
                "(laughs) Good morning. *waves*",
                "--out",
            ])
            .arg(&c),
    );
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
}

/// A microphone in a room with speakers: what the person says, when they
/// say it, plus what the speaker plays, attenuated and a little late (the
/// companion's echo). The person speaks on cues from what they hear, as a
/// person would: a fixed timeline lands early or late on a slow run.
struct EchoRoom {
    script: Vec<(Cue, Vec<f32>)>,
    speaker: Arc<WavSink>,
    coupling: f32,
    delay: usize,
    /// Where each part's voice started on the timeline (the microphone's,
    /// which the speaker's shares).
    started: Arc<Mutex<Vec<f64>>>,
}

#[derive(Clone, Copy)]
enum Cue {
    /// At once.
    Now,
    /// Once an answer has played to its end and `gap_s` of quiet followed.
    AnswerOver { gap_s: f64 },
    /// `after_s` into an answer, talking over it.
    IntoAnswer { after_s: f64 },
}

fn voiced(x: &f32) -> bool {
    x.abs() > 0.02
}

impl EchoRoom {
    /// Whether `cue` has come at sample `at`, for a part after sample
    /// `from`.
    fn due(&self, cue: Cue, from: usize, at: usize) -> bool {
        let played = self.speaker.samples();
        let answer = played.iter().skip(from).position(voiced).map(|i| i + from);
        match (cue, answer) {
            (Cue::Now, _) => true,
            (Cue::IntoAnswer { after_s }, Some(a)) => at >= a + (after_s * RATE) as usize,
            (Cue::AnswerOver { gap_s }, Some(_)) => {
                let quiet_from = at.saturating_sub((gap_s * RATE) as usize);
                // Nothing voiced in the last gap, nor queued to play.
                !played.iter().skip(quiet_from).any(voiced)
            }
            _ => false,
        }
    }
}

impl tofu::audio::source::AudioSource for EchoRoom {
    fn describe(&self) -> String {
        "a room with speakers".into()
    }

    fn start(
        self: Box<Self>,
        tx: std::sync::mpsc::Sender<tofu::audio::source::SourceEvent>,
        stop: Arc<std::sync::atomic::AtomicBool>,
    ) -> tofu::Result<std::thread::JoinHandle<()>> {
        use tofu::audio::source::SourceEvent;
        Ok(std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let mut at = 0;
            // The part being said: its index and where it began.
            let mut part: Option<(usize, usize)> = None;
            let mut next = 0;
            let mut from = 0;
            // Nobody waits for ever: after 30 s of no cue the test fails on
            // what it heard.
            let mut waited = 0;
            loop {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let chunk: Vec<f32> = match part {
                    Some((i, begun)) if at - begun < self.script[i].1.len() => {
                        let speech = &self.script[i].1;
                        speech[at - begun..(at - begun + CHUNK).min(speech.len())].to_vec()
                    }
                    _ => {
                        if let Some((_, begun)) = part.take() {
                            from = begun;
                        }
                        if next == self.script.len() {
                            if waited > (7.0 * RATE) as usize {
                                break;
                            }
                        } else if self.due(self.script[next].0, from, at) {
                            let speech = &self.script[next].1;
                            let lead = speech.iter().position(voiced).unwrap_or(0);
                            self.started.lock().unwrap().push((at + lead) as f64 / RATE);
                            part = Some((next, at));
                            next += 1;
                            waited = 0;
                            continue;
                        } else if waited > (30.0 * RATE) as usize {
                            break;
                        }
                        waited += CHUNK;
                        vec![0.0; CHUNK]
                    }
                };
                let due = std::time::Duration::from_secs_f64(at as f64 / RATE);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
                let echo_from = at.saturating_sub(self.delay);
                let echo = self
                    .speaker
                    .samples_between(echo_from, echo_from + chunk.len());
                let mixed: Vec<f32> = chunk
                    .iter()
                    .zip(echo)
                    .map(|(s, e)| s + self.coupling * e)
                    .collect();
                at += chunk.len();
                if tx.send(SourceEvent::Audio(mixed)).is_err() {
                    return;
                }
            }
            let _ = tx.send(SourceEvent::Ended);
        }))
    }
}

#[test]
fn the_companions_own_voice_through_the_speakers_is_not_a_barge_in() {
    let _one_at_a_time = REAL_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let speech = |name: &str| read_wav_16k_mono(&common::speech_file(name)).unwrap();
    // One question; the person listens to the whole answer on speakers
    // that send a third of it back into the microphone, and asks again a
    // second after it ends; then they talk over that answer (over its
    // echo) a moment after it starts.
    let started = Arc::new(Mutex::new(Vec::new()));
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(WavSink::new(dir.path().join("speaker.wav"), Pace::RealTime));
    let room = EchoRoom {
        script: vec![
            (Cue::Now, speech("libri_1272-141231-0000.wav")),
            (Cue::AnswerOver { gap_s: 1.0 }, speech("arctic_a0024.wav")),
            (
                Cue::IntoAnswer { after_s: 0.3 },
                speech("libri_1272-128104-0001.wav"),
            ),
        ],
        speaker: sink.clone(),
        coupling: 0.35,
        delay: (0.03 * RATE) as usize,
        started: started.clone(),
    };
    let Heard {
        finals,
        interrupted,
        replies,
    } = run_loop(dir.path(), Box::new(room), &sink);
    let started = started.lock().unwrap().clone();
    assert_eq!(
        started.len(),
        3,
        "each question was answered aloud: {started:?}"
    );
    assert_eq!(finals.len(), 3, "only the person's three turns: {finals:?}");
    assert_eq!(replies.len(), 3, "{replies:?}");
    // Asked after the answer's echo died away, the second question is heard
    // alone (not in one turn with the echo of the answer before it).
    let w = wer(&reference("arctic_a0024.wav"), &finals[1]);
    assert!(w < 0.3, "WER {w:.2}: {:?}", finals[1]);
    assert_eq!(
        interrupted.len(),
        1,
        "only the real barge-in: {interrupted:?}"
    );
    let third_at = started[2];
    assert!(
        (third_at - 0.3..third_at + 0.6).contains(&interrupted[0]),
        "{} vs {third_at}",
        interrupted[0]
    );
    // The first answer played to its end: its audio is as long as its words.
    let out = sink.samples();
    let first_reply = voiced_s(&out[..(started[1] * RATE) as usize]);
    let words = replies[0].1.split_whitespace().count() as f64;
    assert!(
        first_reply >= words / 7.0,
        "{first_reply:.2} s for {words} words"
    );
}

/// Runs a conversation over `source` to its end: every event, and the
/// errors among them.
fn run_to_the_end(
    source: Box<dyn tofu::audio::source::AudioSource>,
    parts: tofu::converse::Parts,
) -> (Vec<LoopEvent>, Vec<String>) {
    let mut events = Vec::new();
    converse(
        source,
        parts,
        LoopConfig::default(),
        Controls::default(),
        |e| events.push(e),
    )
    .unwrap();
    let errors = events
        .iter()
        .filter_map(|e| match e {
            LoopEvent::Companion(CompanionEvent::Error { message }) => Some(message.clone()),
            _ => None,
        })
        .collect();
    (events, errors)
}

/// A voice that panics, as native code may.
struct PanickingVoice;

impl tofu::tts::Voice for PanickingVoice {
    fn name(&self) -> String {
        "panics".into()
    }
    fn sample_rate(&self) -> u32 {
        16_000
    }
    fn synthesize(&mut self, _text: &str) -> tofu::error::Result<tofu::tts::Speech> {
        panic!("the voice crashed")
    }
}

/// A crash in the voice costs the voice, not the conversation: the turn is
/// heard, kept and answered in text, and the failure is said.
#[test]
fn a_voice_that_panics_leaves_the_conversation_answering() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(WavSink::new(dir.path().join("speaker.wav"), Pace::Fast));
    let source =
        Box::new(WavSource::load(common::speech_file("arctic_a0024.wav"), Pace::Fast).unwrap());
    let mut notes = Vec::new();
    let mut parts = tofu::converse::setup::load(
        &paths(dir.path()),
        None,
        "me",
        Some(sink.clone() as Arc<dyn AudioSink>),
        &mut notes,
    )
    .unwrap();
    parts.voice = Some(Box::new(PanickingVoice));
    let (events, errors) = run_to_the_end(source, parts);
    assert!(
        errors.iter().any(|m| m.contains("the voice crashed")),
        "{errors:?}"
    );
    let h = summarize(&events);
    assert_eq!(h.finals.len(), 1, "{:?}", h.finals);
    assert_eq!(h.replies.len(), 1, "every heard turn is answered once");
    assert!(
        !h.replies[0].1.is_empty(),
        "answered in text: {:?}",
        h.replies
    );
}

/// A reply backend that panics, as native code may.
struct PanickingMind;

impl tofu::mind::Backend for PanickingMind {
    fn engine(&self) -> &'static str {
        "panics"
    }
    fn model(&self) -> Option<String> {
        None
    }
    fn generate(
        &mut self,
        _req: &tofu::mind::Request,
        _cancel: Option<&std::sync::atomic::AtomicBool>,
        _on_token: &mut dyn FnMut(&str),
    ) -> tofu::error::Result<tofu::mind::backend::Outcome> {
        panic!("the mind crashed")
    }
}

/// A crash while answering closes that turn (unanswered, the failure said)
/// and the loop goes on: the turn is still kept, never left "thinking".
#[test]
fn a_mind_that_panics_closes_the_turn_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let source =
        Box::new(WavSource::load(common::speech_file("arctic_a0024.wav"), Pace::Fast).unwrap());
    let mut notes = Vec::new();
    let store = tofu::store::Store::open(dir.path()).unwrap();
    let mut parts =
        tofu::converse::setup::load(&paths(dir.path()), Some(store), "me", None, &mut notes)
            .unwrap();
    parts.mind = tofu::mind::Mind::new(Box::new(PanickingMind), 2048);
    let (events, errors) = run_to_the_end(source, parts);
    assert!(
        errors.iter().any(|m| m.contains("the mind crashed")),
        "{errors:?}"
    );
    let h = summarize(&events);
    assert_eq!(h.finals.len(), 1, "{:?}", h.finals);
    assert_eq!(h.replies, vec![(true, String::new())], "closed, unanswered");
    let store = tofu::store::Store::open(dir.path()).unwrap();
    let kept = store.recent_person_turns(None, 10).unwrap();
    assert!(
        kept.iter().any(|t| t.text().contains("reports")),
        "the heard turn is kept: {kept:?}"
    );
}
