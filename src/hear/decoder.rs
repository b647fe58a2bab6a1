//! The speech thread: whisper (and the pause judge) on jobs from the
//! listen loop, one at a time, so audio keeps flowing while it decodes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::listen::{HearEvent, Heard};
use super::vad::{Utterance, Verdict};
use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};
use crate::stt::{SpeechModel, TranscribeOptions};

pub(super) enum Job {
    Partial {
        samples: Vec<f32>,
        at_s: f64,
    },
    /// The turn as it will end if the pause goes on: transcribed while the
    /// VAD still waits, kept until the turn ends as exactly this audio.
    Speculate {
        id: u32,
        samples: Vec<f32>,
        start_s: f64,
    },
    /// Is the paused turn finished? Answered on the speech thread (the
    /// sound, then the words), whose transcript is kept as speculation `id`.
    Judge {
        ask: u32,
        id: u32,
        samples: Vec<f32>,
        start_s: f64,
        /// Set when the person speaks again: the question is moot.
        moot: Arc<AtomicBool>,
    },
    Final {
        utt: Utterance,
        audio: Option<PathBuf>,
        /// The speculation that holds this turn's transcript, if any.
        speculated: Option<u32>,
    },
}

/// What the speech thread sends back.
pub(super) enum Done {
    Event(HearEvent),
    /// The answer to the segmenter's question `ask`.
    Verdict {
        ask: u32,
        verdict: Verdict,
    },
}

/// The speech thread's work: one job in, at most one event out.
pub(super) struct Decoder {
    pub(super) model: Arc<SpeechModel>,
    pub(super) stt: TranscribeOptions,
    /// `stt` with the cancel flag that makes a partial moot.
    pub(super) partial_stt: TranscribeOptions,
    pub(super) busy: Arc<AtomicBool>,
    /// The latest speculation: its id and transcript.
    pub(super) speculation: Option<(u32, Result<crate::stt::Transcript>)>,
    /// The sound half of the pause judge.
    pub(super) judge: Option<super::smart_turn::Judge>,
}

impl Decoder {
    /// Keeps a speculative transcript; the tentative event that shows it.
    fn keep(
        &mut self,
        id: u32,
        r: Result<crate::stt::Transcript>,
        end_s: f64,
    ) -> Option<HearEvent> {
        let text = r.as_ref().map(|t| t.text.clone()).unwrap_or_default();
        self.speculation = Some((id, r));
        self.busy.store(false, Ordering::SeqCst);
        (!text.trim().is_empty()).then_some(HearEvent::Tentative { text, end_s })
    }

    fn decode(&mut self, job: Job, send: &mut dyn FnMut(Done)) {
        if let Job::Judge {
            ask,
            id,
            samples,
            start_s,
            moot,
        } = job
        {
            if moot.load(Ordering::SeqCst) {
                send(Done::Verdict {
                    ask,
                    verdict: Verdict::Unknown,
                });
                return;
            }
            let end_s = start_s + samples.len() as f64 / SAMPLE_RATE as f64;
            let started = Instant::now();
            let model = &self.model;
            let stt = TranscribeOptions {
                cancel: Some(moot),
                ..self.stt.clone()
            };
            let stt = &stt;
            let (verdict, transcript) = match &self.judge {
                Some(judge) => {
                    let (v, t) = super::pause::judge_pause(judge, &samples, |turn| {
                        model.transcribe_at(turn, start_s, stt)
                    });
                    (v, Some(t))
                }
                None => (Verdict::Unknown, None),
            };
            tracing::debug!(
                ask,
                ?verdict,
                turn_s = samples.len() as f64 / f64::from(SAMPLE_RATE),
                ms = started.elapsed().as_secs_f64() * 1e3,
                "pause judged"
            );
            // The words first: a reply may start on them before the turn
            // is declared over (and is confirmed by the final transcript).
            // Not after "not yet": the person is most likely going on, and
            // a reply written meanwhile would take the cores their next
            // words need (the words are kept for a turn the ceiling ends).
            match transcript.and_then(|r| self.keep(id, r, end_s)) {
                Some(event) if verdict != Verdict::NotYet => send(Done::Event(event)),
                _ => self.busy.store(false, Ordering::SeqCst),
            }
            send(Done::Verdict { ask, verdict });
            return;
        }
        if let Some(event) = self.decode_one(job) {
            send(Done::Event(event));
        }
    }

    fn decode_one(&mut self, job: Job) -> Option<HearEvent> {
        let (model, stt) = (&self.model, &self.stt);
        Some(match job {
            Job::Speculate {
                id,
                samples,
                start_s,
            } => {
                let end_s = start_s + samples.len() as f64 / SAMPLE_RATE as f64;
                let r = model.transcribe_at(&samples, start_s, stt);
                return self.keep(id, r, end_s);
            }
            Job::Judge { .. } => return None,
            Job::Partial { samples, at_s } => match model.transcribe(&samples, &self.partial_stt) {
                Ok(t) => HearEvent::Partial { text: t.text, at_s },
                Err(Error::Cancelled) => {
                    self.busy.store(false, Ordering::SeqCst);
                    return None;
                }
                Err(e) => HearEvent::Error {
                    message: e.to_string(),
                    audio: None,
                },
            },
            Job::Final {
                utt,
                audio,
                speculated,
            } => {
                let done = match (speculated, self.speculation.take()) {
                    // (A speculation cut short, when the turn ended at the
                    // ceiling before its verdict, is decoded again.)
                    (Some(id), Some((sid, r)))
                        if id == sid && !matches!(r, Err(Error::Cancelled)) =>
                    {
                        r
                    }
                    _ => model.transcribe_at(&utt.samples, utt.start_s(), stt),
                };
                match done {
                    Ok(t) => HearEvent::Final(Heard {
                        text: t.text,
                        language: t.language,
                        confidence: t.confidence,
                        segments: t.segments,
                        start_s: utt.start_s(),
                        end_s: utt.end_s(),
                        audio,
                        decode_ms: t.decode_ms,
                        reason: utt.reason,
                    }),
                    Err(e) => HearEvent::Error {
                        message: format!("transcription failed: {e}"),
                        audio,
                    },
                }
            }
        })
    }
}

/// Runs `decoder` on its own thread until `jobs` closes (or nobody hears
/// the results). whisper.cpp is native code: a panic while decoding costs
/// that turn's words (its recording is kept and named in the error), not
/// the listening.
pub(super) fn spawn(
    mut decoder: Decoder,
    jobs: Receiver<Job>,
    done_tx: Sender<Done>,
) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("tofu-stt".into())
        .spawn(move || {
            for job in jobs {
                let kept = match &job {
                    Job::Final { audio, .. } => Some(audio.clone()),
                    _ => None,
                };
                let ask = match &job {
                    Job::Judge { ask, .. } => Some(*ask),
                    _ => None,
                };
                let mut out = Vec::new();
                let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    decoder.decode(job, &mut |d| out.push(d))
                }));
                match (decoded, kept) {
                    (Ok(()), _) => {}
                    (Err(p), Some(audio)) => out.push(Done::Event(HearEvent::Error {
                        message: format!("transcription failed: {}", crate::error::panic_text(&*p)),
                        audio,
                    })),
                    (Err(p), None) => {
                        tracing::warn!(
                            panic = crate::error::panic_text(&*p),
                            "a partial transcription failed"
                        );
                        // A question left unanswered: the silence rule.
                        out.extend(ask.map(|ask| Done::Verdict {
                            ask,
                            verdict: Verdict::Unknown,
                        }));
                    }
                }
                decoder.busy.store(false, Ordering::SeqCst);
                for done in out {
                    if done_tx.send(done).is_err() {
                        return;
                    }
                }
            }
        })
        .expect("spawn a thread")
}
