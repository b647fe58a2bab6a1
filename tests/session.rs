//! The app's conversation (`converse::session::Session`) with the real
//! models: a recording as the microphone, then what the window sends while
//! it runs: typed turns, a new persona, the stop button; and a session that
//! cannot start says why.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use tofu::converse::session::{Input, Output, Phase, Session, SessionEvent, SessionOptions};
use tofu::converse::{CompanionEvent, LoopEvent};
use tofu::hear::{EndReason, HearEvent};
use tofu::mind::Persona;
use tofu::store::Store;

fn paths(data: &std::path::Path) -> tofu::Paths {
    tofu::Paths {
        data_dir: data.to_path_buf(),
        models_dir: common::models_dir(),
    }
}

/// Waits for the first event `want` accepts; panics with what came instead.
fn wait_for<T>(
    rx: &mpsc::Receiver<SessionEvent>,
    secs: u64,
    what: &str,
    want: impl Fn(&SessionEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(ev) => {
                if let Some(t) = want(&ev) {
                    return t;
                }
                if !matches!(
                    ev,
                    SessionEvent::Loop(LoopEvent::Hear(HearEvent::Level { .. }))
                ) {
                    seen.push(format!("{ev:?}"));
                }
            }
            Err(_) => break,
        }
    }
    panic!(
        "no {what} within {secs} s; last events:\n{}",
        seen[seen.len().saturating_sub(8)..].join("\n")
    );
}

fn reply(ev: &SessionEvent) -> Option<(String, String, bool)> {
    match ev {
        SessionEvent::Loop(LoopEvent::Companion(CompanionEvent::Reply {
            name,
            text,
            interrupted,
            ..
        })) => Some((name.clone(), text.clone(), *interrupted)),
        _ => None,
    }
}

#[test]
fn a_session_hears_then_takes_typed_turns_a_new_persona_and_the_stop_button() {
    let data = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel();
    let session = Session::start(
        paths(data.path()),
        SessionOptions {
            input: Input::File(common::speech_file("arctic_a0024.wav")),
            output: Output::File(data.path().join("speaker.wav")),
            ..SessionOptions::default()
        },
        move |ev| {
            let _ = tx.send(ev);
        },
    );
    // While the models load, typing is refused with a reason.
    assert_eq!(session.state().phase, Phase::Loading);
    let early = session.say("hello?").unwrap_err().to_string();
    assert!(early.contains("getting ready"), "{early}");

    wait_for(&rx, 120, "listening", |ev| match ev {
        SessionEvent::State(s) if s.phase == Phase::Listening => Some(()),
        SessionEvent::State(s) if s.phase == Phase::Error => panic!("{:?}", s.error),
        _ => None,
    });
    let spoken = wait_for(&rx, 60, "the spoken turn", |ev| match ev {
        SessionEvent::Loop(LoopEvent::Hear(HearEvent::Final(h))) if !h.text.is_empty() => {
            Some(h.text.clone())
        }
        _ => None,
    });
    assert!(spoken.to_lowercase().contains("north"), "{spoken}");
    let (name, text, _) = wait_for(&rx, 60, "the reply to the spoken turn", reply);
    assert_eq!(name, "Tofu");
    assert!(!text.trim().is_empty());

    // A typed turn: heard as typed, answered, kept.
    let typed = "What do you remember about the north?";
    session.say(typed).unwrap();
    let heard = wait_for(&rx, 30, "the typed turn", |ev| match ev {
        SessionEvent::Loop(LoopEvent::Hear(HearEvent::Final(h))) => Some(h.clone()),
        _ => None,
    });
    assert_eq!(heard.text, typed);
    assert_eq!(heard.reason, EndReason::Typed);
    assert!(heard.audio.is_none());
    let (_, text, _) = wait_for(&rx, 60, "the reply to the typed turn", reply);
    assert!(!text.trim().is_empty());

    // A new persona answers from the next reply on.
    session.set_persona(Persona {
        name: "Miso".into(),
        ..Persona::default()
    });
    assert_eq!(session.state().name, "Miso");
    session.say("Hello again.").unwrap();
    let (name, _, _) = wait_for(&rx, 60, "a reply from the new persona", reply);
    assert_eq!(name, "Miso");

    // The stop button: once it talks, it stops at once.
    session
        .say("Tell me a long story about the sea, please.")
        .unwrap();
    wait_for(&rx, 60, "speech", |ev| match ev {
        SessionEvent::Loop(LoopEvent::Companion(CompanionEvent::Speaking { .. })) => Some(()),
        _ => None,
    });
    let pressed = Instant::now();
    session.interrupt();
    wait_for(&rx, 5, "the interruption", |ev| match ev {
        SessionEvent::Loop(LoopEvent::Companion(CompanionEvent::Interrupted { .. })) => Some(()),
        _ => None,
    });
    let took = pressed.elapsed();
    assert!(took < Duration::from_millis(500), "stopping took {took:?}");

    // Stopping (the app quitting, or restarting on new settings) does not
    // wait for the reply in progress to be written and spoken.
    session
        .say("Tell me everything you know about the history of the north.")
        .unwrap();
    wait_for(&rx, 60, "speech", |ev| match ev {
        SessionEvent::Loop(LoopEvent::Companion(CompanionEvent::Speaking { .. })) => Some(()),
        _ => None,
    });
    let stopping = Instant::now();
    session.stop();
    let took = stopping.elapsed();
    assert!(took < Duration::from_secs(2), "stopping took {took:?}");
    let store = Store::open(data.path()).unwrap();
    let hits = store
        .search(
            &tofu::store::SearchQuery {
                text: "remember north".into(),
                ..Default::default()
            },
            Default::default(),
        )
        .unwrap();
    assert_eq!(hits.len(), 1, "the typed turn is kept once: {hits:?}");
    let turn = store.turn(hits[0].turn_id).unwrap().unwrap();
    assert_eq!(turn.heard_text, typed);
    assert!(turn.audio_path.is_none());
    // Spoken + typed ×3 from the person, and the companion's replies.
    assert!(store.turn_count().unwrap() >= 7);
}

#[test]
fn a_session_that_cannot_start_says_why() {
    let data = tempfile::tempdir().unwrap();
    let empty_models = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel();
    let session = Session::start(
        tofu::Paths {
            data_dir: data.path().to_path_buf(),
            models_dir: empty_models.path().to_path_buf(),
        },
        SessionOptions {
            input: Input::File(common::speech_file("arctic_a0024.wav")),
            output: Output::Muted,
            ..SessionOptions::default()
        },
        move |ev| {
            let _ = tx.send(ev);
        },
    );
    let error = wait_for(&rx, 30, "an error state", |ev| match ev {
        SessionEvent::State(s) if s.phase == Phase::Error => s.error.clone(),
        SessionEvent::State(s) if s.phase == Phase::Listening => panic!("it started: {s:?}"),
        _ => None,
    });
    assert!(
        error.contains("whisper"),
        "the error should name the missing model: {error}"
    );
    let refused = session.say("hello").unwrap_err().to_string();
    assert!(refused.contains("not listening"), "{refused}");
    session.stop();
}

/// A crash inside the running conversation (here: in what it calls with
/// each event, standing in for native code) ends the session in an error
/// state that says so, instead of leaving it "Listening" with nothing
/// behind it.
#[test]
fn a_crash_while_listening_ends_the_session_with_an_error() {
    let data = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel();
    let mut crashed = false;
    let session = Session::start(
        paths(data.path()),
        SessionOptions {
            input: Input::File(common::speech_file("arctic_a0024.wav")),
            output: Output::Muted,
            ..SessionOptions::default()
        },
        move |ev| {
            if matches!(ev, SessionEvent::Loop(_)) && !crashed {
                crashed = true;
                panic!("crashed while listening");
            }
            let _ = tx.send(ev);
        },
    );
    let error = wait_for(&rx, 120, "an error state", |ev| match ev {
        SessionEvent::State(s) if s.phase == Phase::Error => s.error.clone(),
        _ => None,
    });
    assert!(error.contains("crashed while listening"), "{error}");
    assert_eq!(session.state().phase, Phase::Error);
    let refused = session.say("hello").unwrap_err().to_string();
    assert!(refused.contains("not listening"), "{refused}");
    session.stop();
}

#[test]
fn without_a_microphone_the_session_runs_and_takes_typed_turns() {
    let data = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel();
    let session = Session::start(
        paths(data.path()),
        SessionOptions {
            input: Input::Microphone(Some("no-such-microphone-here".into())),
            output: Output::Muted,
            ..SessionOptions::default()
        },
        move |ev| {
            let _ = tx.send(ev);
        },
    );
    let problem = wait_for(&rx, 120, "the microphone problem", |ev| match ev {
        SessionEvent::Loop(LoopEvent::Hear(HearEvent::Error { message, .. })) => {
            Some(message.clone())
        }
        SessionEvent::State(s) if s.phase == Phase::Error => panic!("{:?}", s.error),
        _ => None,
    });
    assert!(problem.contains("type to talk"), "{problem}");
    assert_eq!(session.state().phase, Phase::Listening);
    session.say("Hello, can you hear me?").unwrap();
    let (_, text, _) = wait_for(&rx, 60, "a reply to the typed turn", reply);
    assert!(!text.trim().is_empty());
    session.stop();
}
