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
use crate::stt::{SpeechModel, TranscribeOptions, Transcript};

pub(super) enum Job {
    Partial {
        samples: Vec<f32>,
        /// Where the turn starts in the stream (its pieces are reused).
        start_s: f64,
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
        /// The turn so far, for the sound; its first `speech` samples
        /// (200 ms into the pause) for the words.
        samples: Vec<f32>,
        speech: usize,
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
    pub(super) speculation: Option<(u32, Result<Transcript>)>,
    /// The sound half of the pause judge.
    pub(super) judge: Option<super::smart_turn::Judge>,
    /// The turn in progress as transcribed up to its last judged pause.
    pub(super) piece: Option<Piece>,
}

/// The turn in progress transcribed up to a pause inside it, so that its
/// later transcripts (the next pause's, the final one, the partials)
/// decode only the audio after that pause. whisper's time grows with the
/// audio it reads; this keeps the decode at the end of a long turn short.
/// A judged pause (200 ms of silence) is a safe cut: no word spans it.
pub(super) struct Piece {
    /// The turn's start in the stream, seconds.
    start_s: f64,
    /// The turn's samples it covers.
    len: usize,
    transcript: Transcript,
}

/// A new piece must cover this much more audio than the last (a short
/// clip is where whisper guesses most; fewer joins, fewer seams).
const MIN_PIECE: usize = SAMPLE_RATE as usize;

/// `head` then `tail`: one transcript, as if decoded at once.
fn join(head: &Transcript, tail: Transcript) -> Transcript {
    let text = match (head.text.trim(), tail.text.trim()) {
        ("", t) | (t, "") => t.to_string(),
        (h, t) => format!("{h} {t}"),
    };
    let weight = |t: &Transcript| t.audio_s.max(1e-3) as f32;
    let confidence = (head.confidence * weight(head) + tail.confidence * weight(&tail))
        / (weight(head) + weight(&tail));
    let mut segments = head.segments.clone();
    segments.extend(tail.segments);
    Transcript {
        text,
        language: tail.language,
        segments,
        audio_s: head.audio_s + tail.audio_s,
        // What this transcript cost now: the tail.
        decode_ms: tail.decode_ms,
        confidence,
    }
}

impl Decoder {
    /// The piece of the turn starting at `start_s` that `samples` (the
    /// turn's audio from its start) goes past, if any.
    fn piece_of(&self, start_s: f64, samples: &[f32]) -> Option<&Piece> {
        self.piece
            .as_ref()
            .filter(|p| (p.start_s - start_s).abs() < 1e-6 && p.len <= samples.len())
    }

    /// The turn starting at `start_s` whose audio so far is `samples`:
    /// its last piece, then only the audio after it.
    fn transcribe_turn(
        &self,
        samples: &[f32],
        start_s: f64,
        opts: &TranscribeOptions,
    ) -> Result<Transcript> {
        match self.piece_of(start_s, samples) {
            Some(p) if p.len == samples.len() => Ok(p.transcript.clone()),
            Some(p) => {
                let at = start_s + p.len as f64 / f64::from(SAMPLE_RATE);
                let tail = self.model.transcribe_at(&samples[p.len..], at, opts)?;
                tracing::debug!(
                    piece_s = p.len as f64 / f64::from(SAMPLE_RATE),
                    piece = %p.transcript.text,
                    tail = %tail.text,
                    "decoded after the turn's piece"
                );
                Ok(join(&p.transcript, tail))
            }
            None => self.model.transcribe_at(samples, start_s, opts),
        }
    }

    /// Keeps `transcript` of a judged pause as the turn's piece if it
    /// covers enough new audio.
    fn keep_piece(&mut self, start_s: f64, len: usize, transcript: &Transcript) {
        let covered = self
            .piece
            .as_ref()
            .filter(|p| (p.start_s - start_s).abs() < 1e-6)
            .map_or(0, |p| p.len);
        // A piece that heard nothing is no piece: the turn's next
        // transcript reads its audio again.
        if len >= covered + MIN_PIECE && !transcript.text.trim().is_empty() {
            self.piece = Some(Piece {
                start_s,
                len,
                transcript: transcript.clone(),
            });
        }
    }

    /// Keeps a speculative transcript; the tentative event that shows it.
    fn keep(&mut self, id: u32, r: Result<Transcript>, end_s: f64) -> Option<HearEvent> {
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
            speech,
            start_s,
            moot,
        } = job
        {
            let speech = speech.min(samples.len());
            let end_s = start_s + speech as f64 / SAMPLE_RATE as f64;
            let started = Instant::now();
            // The words are decoded even when the person has spoken again
            // (the question is moot): they are the turn's next piece.
            let words = |turn: &[f32]| self.transcribe_turn(turn, start_s, &self.stt);
            let (verdict, transcript) = match &self.judge {
                Some(judge) if !moot.load(Ordering::SeqCst) => {
                    let (v, t) = super::pause::judge_pause(judge, &samples, speech, words);
                    (v, Some(t))
                }
                _ => (Verdict::Unknown, Some(words(&samples[..speech]))),
            };
            if let Some(Ok(t)) = &transcript {
                self.keep_piece(start_s, speech, t);
            }
            let (verdict, transcript) = if moot.load(Ordering::SeqCst) {
                (Verdict::Unknown, None)
            } else {
                (verdict, transcript)
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
            Job::Partial {
                samples,
                start_s,
                at_s,
            } => {
                // A caption shows the piece alone until a second of new
                // audio follows it: whisper guesses on a sliver of a word.
                let samples = match self.piece_of(start_s, &samples) {
                    Some(p) if samples.len() < p.len + MIN_PIECE => &samples[..p.len],
                    _ => &samples[..],
                };
                match self.transcribe_turn(samples, start_s, &self.partial_stt) {
                    Ok(t) => HearEvent::Partial { text: t.text, at_s },
                    Err(Error::Cancelled) => {
                        self.busy.store(false, Ordering::SeqCst);
                        return None;
                    }
                    Err(e) => HearEvent::Error {
                        message: e.to_string(),
                        audio: None,
                    },
                }
            }
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
                    _ => self.transcribe_turn(&utt.samples, utt.start_s(), stt),
                };
                self.piece = None;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stt::Segment;

    fn said(text: &str, start: f64, audio_s: f64, confidence: f32) -> Transcript {
        Transcript {
            text: text.into(),
            segments: vec![Segment {
                start,
                end: start + audio_s,
                text: text.into(),
                no_speech_prob: 0.0,
                avg_logprob: -0.1,
            }],
            audio_s,
            decode_ms: audio_s * 100.0,
            confidence,
            ..Transcript::empty("en", audio_s)
        }
    }

    #[test]
    fn a_piece_and_its_tail_read_as_one_transcript() {
        let head = said(" A man said to the universe,", 0.0, 3.0, 0.9);
        let tail = said(" Sir, I exist.", 3.0, 1.0, 0.5);
        let t = join(&head, tail);
        assert_eq!(t.text, "A man said to the universe, Sir, I exist.");
        assert_eq!(t.segments.len(), 2);
        assert_eq!(t.segments[1].start, 3.0);
        assert!((t.audio_s - 4.0).abs() < 1e-9);
        // The cost of this transcript is the tail's decode alone.
        assert!((t.decode_ms - 100.0).abs() < 1e-9);
        // Confidence weighs each part by its audio.
        assert!((t.confidence - 0.8).abs() < 1e-6, "{}", t.confidence);
        // A silent part adds no stray space.
        let quiet = join(&said("", 0.0, 1.0, 0.0), said("Hello.", 1.0, 1.0, 0.9));
        assert_eq!(quiet.text, "Hello.");
        assert_eq!(join(&head, said("", 3.0, 1.0, 0.0)).text, head.text.trim());
    }
}
