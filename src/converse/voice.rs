//! The voice thread: synthesizes each sentence as it comes and plays it
//! once its turn is confirmed; anything of an older generation (an
//! interrupted reply) is dropped.

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
) {
    let current = |g: u64| shared.generation.load(Ordering::SeqCst) == g;
    let mut first_audio: Option<(u32, f64)> = None;
    // Speech may play for this generation; speech of a later one waits.
    let mut confirmed: Option<u64> = None;
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
            Say::Confirm { generation } => {
                confirmed = Some(generation);
                for (turn, g, text, samples) in std::mem::take(&mut held) {
                    if g == generation && current(g) {
                        play(turn, text, &samples, &mut first_audio);
                    }
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
                match samples {
                    Ok(samples) if !current(generation) || samples.is_empty() => {}
                    Ok(samples) if confirmed == Some(generation) => {
                        play(turn, text, &samples, &mut first_audio)
                    }
                    Ok(samples) => {
                        // Not confirmed yet: kept, and not counted as busy
                        // (the person's turn is not over).
                        held.retain(|h| current(h.1));
                        held.push((turn, generation, text, samples));
                    }
                    Err(e) => {
                        let _ = ev.send(CompanionEvent::Error {
                            message: e.to_string(),
                        });
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
