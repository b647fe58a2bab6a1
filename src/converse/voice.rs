//! The voice thread: synthesizes each sentence as it comes and plays it
//! once its turn is confirmed; anything of an older generation (an
//! interrupted reply) is dropped. A sentence written ahead for a turn not
//! yet confirmed is held, and `ready` is called: the turn, held open while
//! its reply was written, may end now.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;

use super::{CompanionEvent, Say, Shared};
use crate::audio::sink::AudioSink;
use crate::tts::Voice;

pub(super) fn voice_loop(
    mut voice: Option<Box<dyn Voice>>,
    sink: Option<Arc<dyn AudioSink>>,
    rx: mpsc::Receiver<Say>,
    shared: &Shared,
    ev: &mpsc::Sender<CompanionEvent>,
    ready: &dyn Fn(),
) {
    let current = |g: u64| shared.generation.load(Ordering::SeqCst) == g;
    let mut first_audio: Option<(u32, f64)> = None;
    // Speech of this generation up to this turn may play; a later turn's
    // (a reply written ahead while the person may still go on) waits.
    let mut confirmed: Option<(u64, u32)> = None;
    let may_play =
        |c: Option<(u64, u32)>, g: u64, turn: u32| c.is_some_and(|(cg, ct)| cg == g && turn <= ct);
    let mut held: Vec<(u32, u64, String, Vec<f32>)> = Vec::new();
    let play = |turn: u32, text: String, samples: &[f32], first: &mut Option<(u32, f64)>| {
        if let Some(sink) = sink.as_ref() {
            if let Err(e) = sink.play(samples) {
                let _ = ev.send(CompanionEvent::Error {
                    message: e.to_string(),
                });
                return;
            }
            if first.is_none_or(|(t, _)| t != turn) {
                *first = Some((turn, shared.now()));
            }
            let _ = ev.send(CompanionEvent::Speaking { turn, text });
        }
    };
    for msg in rx {
        match msg {
            Say::Confirm { turn, generation } => {
                confirmed = Some((generation, turn));
                let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut held)
                    .into_iter()
                    .filter(|h| current(h.1))
                    .partition(|h| may_play(confirmed, h.1, h.0));
                held = later;
                for (turn, _, text, samples) in now {
                    play(turn, text, &samples, &mut first_audio);
                }
            }
            Say::Sentence {
                turn,
                generation,
                text,
            } => {
                let samples = match voice.as_mut() {
                    Some(v) if sink.is_some() && current(generation) => {
                        // The voice runs native code (ONNX Runtime,
                        // espeak-ng): a panic there silences it, it does not
                        // end the conversation (replies go on as text).
                        let said = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            v.synthesize(&text)
                        }));
                        match said {
                            Ok(r) => r.and_then(|s| crate::tts::at_engine_rate(&s)),
                            Err(p) => {
                                voice = None;
                                Err(crate::error::Error::Voice(format!(
                                    "the voice failed and is off until the conversation restarts: {}",
                                    crate::error::panic_text(&*p)
                                )))
                            }
                        }
                    }
                    _ => Ok(Vec::new()),
                };
                let playable = may_play(confirmed, generation, turn);
                match samples {
                    Ok(_) if !current(generation) => {}
                    Ok(samples) if playable => {
                        if !samples.is_empty() {
                            play(turn, text, &samples, &mut first_audio);
                        }
                    }
                    Ok(samples) => {
                        // Not confirmed yet: kept, and not counted as busy
                        // (the person's turn is not over).
                        held.retain(|h| current(h.1));
                        if !samples.is_empty() {
                            held.push((turn, generation, text, samples));
                        }
                        ready();
                    }
                    Err(e) => {
                        let _ = ev.send(CompanionEvent::Error {
                            message: e.to_string(),
                        });
                        // Said as text only: as ready as it will be.
                        if !playable {
                            ready();
                        }
                    }
                }
                shared.queued.fetch_sub(1, Ordering::SeqCst);
            }
            Say::End {
                turn,
                generation,
                mut reply,
            } => {
                if let CompanionEvent::Reply {
                    timings,
                    interrupted,
                    ..
                } = reply.as_mut()
                {
                    timings.first_audio_s = first_audio.filter(|(t, _)| *t == turn).map(|x| x.1);
                    *interrupted |= !current(generation);
                }
                let _ = ev.send(*reply);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sink::WavSink;
    use crate::audio::source::Pace;
    use crate::converse::Timings;
    use crate::tts::flite::FliteVoice;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};

    fn sentence(turn: u32, text: &str) -> Say {
        Say::Sentence {
            turn,
            generation: 0,
            text: text.into(),
        }
    }

    fn end(turn: u32) -> Say {
        Say::End {
            turn,
            generation: 0,
            reply: Box::new(CompanionEvent::Reply {
                turn,
                name: "Tofu".into(),
                text: String::new(),
                engine: String::new(),
                interrupted: false,
                timings: Timings::default(),
            }),
        }
    }

    /// The turns spoken so far, once the voice thread has taken every
    /// message up to the `End` of `turn` (its reply event comes after).
    fn spoken_until_end(ev: &mpsc::Receiver<CompanionEvent>, turn: u32) -> Vec<u32> {
        let mut spoken = Vec::new();
        for e in ev.iter() {
            match e {
                CompanionEvent::Speaking { turn, .. } => spoken.push(turn),
                CompanionEvent::Reply { turn: t, .. } if t == turn => return spoken,
                CompanionEvent::Error { message } => panic!("{message}"),
                _ => {}
            }
        }
        panic!("the voice thread ended early")
    }

    #[test]
    fn the_next_turns_reply_written_ahead_waits_for_its_own_confirmation() {
        let dir = tempfile::tempdir().unwrap();
        let sink: Arc<dyn AudioSink> =
            Arc::new(WavSink::new(dir.path().join("out.wav"), Pace::Fast));
        let shared = Arc::new(Shared {
            t0: std::time::Instant::now(),
            generation: AtomicU64::new(0),
            cancel: AtomicBool::new(false),
            thinking: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
            awaiting: AtomicUsize::new(0),
        });
        let (say, rx) = mpsc::channel();
        let (ev_tx, ev) = mpsc::channel();
        let voice: Box<dyn Voice> = Box::new(FliteVoice::new(1.0));
        let readies = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (shared, sink, readies) = (shared.clone(), sink.clone(), readies.clone());
            let ready = move || {
                readies.fetch_add(1, Ordering::SeqCst);
            };
            std::thread::spawn(move || {
                voice_loop(Some(voice), Some(sink), rx, &shared, &ev_tx, &ready)
            })
        };
        let send = |m: Say| {
            if matches!(m, Say::Sentence { .. }) {
                shared.queued.fetch_add(1, Ordering::SeqCst);
            }
            say.send(m).unwrap();
        };
        // Turn 1 is answered (confirmed first, as a reply written after the
        // final is), then the person pauses in turn 2 and its reply is
        // written ahead in the same generation: nothing cut anything off.
        send(Say::Confirm {
            turn: 1,
            generation: 0,
        });
        send(sentence(1, "Good morning."));
        send(end(1));
        assert_eq!(spoken_until_end(&ev, 1), vec![1]);
        assert_eq!(readies.load(Ordering::SeqCst), 0);
        send(sentence(2, "That sounds hard."));
        send(end(1));
        assert_eq!(
            spoken_until_end(&ev, 1),
            Vec::<u32>::new(),
            "the reply to a turn still being judged was spoken"
        );
        // ...but it is ready: the turn held open for it may end.
        assert_eq!(readies.load(Ordering::SeqCst), 1);
        // Its final confirms it: now it plays.
        send(Say::Confirm {
            turn: 2,
            generation: 0,
        });
        send(end(2));
        assert_eq!(spoken_until_end(&ev, 2), vec![2]);
        drop(say);
        thread.join().unwrap();
        assert_eq!(shared.queued.load(Ordering::SeqCst), 0);
    }
}
