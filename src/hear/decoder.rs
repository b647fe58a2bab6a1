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
use crate::stt::{Segment, SpeechModel, TimedWord, TranscribeOptions, Transcript};

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
    /// The turn in progress as transcribed up to its last judged pause,
    /// or up to the words its partials settled on.
    pub(super) piece: Option<Piece>,
    /// The last partial's timed words, and where its turn starts.
    pub(super) heard: Option<(f64, Vec<TimedWord>)>,
    /// Settle words into pieces (`ListenConfig::settle_words`).
    pub(super) settle: bool,
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
    /// Cut between two words still being said (settled), not at a pause:
    /// a word there may be heard on both sides.
    in_speech: bool,
}

/// A new piece must cover this much more audio than the last (a short
/// clip is where whisper guesses most; fewer joins, fewer seams).
const MIN_PIECE: usize = SAMPLE_RATE as usize;

/// A settled word is followed by one that two partials agree on and that
/// starts at least this long before the end of the audio they read: the
/// words at the end of a partial are guesses on a word still being said.
const SETTLED_BEFORE_END_S: f64 = 1.0;

/// How far from the middle of two settled words' boundary (by whisper's
/// token times, which are rough) the cut looks for the quietest 10 ms.
const CUT_SEARCH_S: f64 = 0.08;

/// The quietest 10 ms at a cut must be this far (dB) under the turn's
/// loudest: a cut inside a word whose sounds run together is not taken.
const CUT_QUIET_DB: f32 = 18.0;

/// Two words are the same word whatever their case or punctuation.
fn same_word(a: &str, b: &str) -> bool {
    let bare = |w: &str| {
        w.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let a = bare(a);
    !a.is_empty() && a == bare(b)
}

/// Mean square of `samples[from..to]` in dB.
fn level_db(samples: &[f32], from: usize, to: usize) -> f32 {
    let part = &samples[from.min(samples.len())..to.min(samples.len())];
    if part.is_empty() {
        return f32::NEG_INFINITY;
    }
    let ms = part.iter().map(|x| x * x).sum::<f32>() / part.len() as f32;
    10.0 * (ms + 1e-12).log10()
}

/// Where the turn (its audio `samples`, starting at `start_s`) may be cut
/// so that the piece before holds `now[..c]` and nothing of `now[c]`:
/// the largest `c` whose words `prev` (the partial before) agrees on, up
/// to and including word `c` itself, with word `c` starting at least
/// [`SETTLED_BEFORE_END_S`] before the end, word `c - 1` closing a clause
/// (whisper wrote a comma or a full stop after it), and a quiet 10 ms near
/// their boundary. Returns `c` and the cut in samples, past `covered`.
fn settled_cut(
    now: &[TimedWord],
    prev: &[TimedWord],
    samples: &[f32],
    start_s: f64,
    covered: usize,
) -> Option<(usize, usize)> {
    let agreed = now
        .iter()
        .zip(prev)
        .take_while(|(a, b)| same_word(&a.text, &b.text))
        .count();
    let rate = f64::from(SAMPLE_RATE);
    let end_s = start_s + samples.len() as f64 / rate;
    let frame = SAMPLE_RATE as usize / 100;
    let peak = samples
        .chunks(frame)
        .map(|f| level_db(f, 0, f.len()))
        .fold(f32::NEG_INFINITY, f32::max);
    let at = |t: f64| ((t - start_s).max(0.0) * rate) as usize;
    for c in (1..agreed).rev() {
        let next = &now[c];
        // Only where whisper heard a break (a comma, a full stop): cut
        // between any two words, a word's sounds that run into the next
        // came out misheard on both sides ("manner" became "matters
        // matter").
        let closes = now[c - 1]
            .text
            .trim_end_matches(['"', '\'', ')'])
            .ends_with([',', '.', '?', '!', ';', ':']);
        if next.start > end_s - SETTLED_BEFORE_END_S || !closes {
            continue;
        }
        let mid = (now[c - 1].end + next.start) / 2.0;
        let (from, to) = (at(mid - CUT_SEARCH_S), at(mid + CUT_SEARCH_S));
        let Some((cut, quiet)) = (from..to.saturating_sub(frame))
            .step_by(frame / 2)
            .map(|i| (i + frame / 2, level_db(samples, i, i + frame)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
        else {
            continue;
        };
        if cut < covered + MIN_PIECE {
            return None;
        }
        if quiet <= peak - CUT_QUIET_DB {
            return Some((c, cut));
        }
    }
    None
}

/// `head` then `tail`: one transcript, as if decoded at once.
/// `in_speech`: the cut is between words still being said (a settled
/// piece), where a word may be heard on both sides ("he might have" +
/// "have been made": whisper's word times are rough); it is said once.
/// At a pause nothing straddles the cut, and a person who says "I think…
/// I think so" said it twice.
fn join(head: &Transcript, mut tail: Transcript, in_speech: bool) -> Transcript {
    let k = if in_speech {
        overlap(&head.text, &tail.text)
    } else {
        0
    };
    if k > 0 {
        tail.text = drop_words(&tail.text, k);
        if let Some(first) = tail.segments.first_mut() {
            first.text = drop_words(&first.text, k);
        }
        tail.words.drain(..k.min(tail.words.len()));
    }
    let text = match (head.text.trim(), tail.text.trim()) {
        ("", t) | (t, "") => t.to_string(),
        (h, t) => format!("{h} {t}"),
    };
    let weight = |t: &Transcript| t.audio_s.max(1e-3) as f32;
    let confidence = (head.confidence * weight(head) + tail.confidence * weight(&tail))
        / (weight(head) + weight(&tail));
    let mut segments = head.segments.clone();
    segments.extend(tail.segments);
    let mut words = head.words.clone();
    words.extend(tail.words);
    Transcript {
        text,
        language: tail.language,
        segments,
        audio_s: head.audio_s + tail.audio_s,
        // What this transcript cost now: the tail.
        decode_ms: tail.decode_ms,
        confidence,
        words,
    }
}

/// How many of `tail`'s first words (up to three) repeat `head`'s last.
fn overlap(head: &str, tail: &str) -> usize {
    let h: Vec<&str> = head.split_whitespace().collect();
    let t: Vec<&str> = tail.split_whitespace().collect();
    (1..=h.len().min(t.len()).min(3))
        .rev()
        .find(|&k| {
            h[h.len() - k..]
                .iter()
                .zip(&t[..k])
                .all(|(a, b)| same_word(a, b))
        })
        .unwrap_or(0)
}

fn drop_words(text: &str, k: usize) -> String {
    text.split_whitespace()
        .skip(k)
        .collect::<Vec<_>>()
        .join(" ")
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
                Ok(join(&p.transcript, tail, p.in_speech))
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
                in_speech: false,
            });
        }
    }

    /// Makes the words a partial (`t`, of the turn's `samples` from
    /// `start_s`) and the one before it agree on, well before its end, the
    /// turn's piece: the transcript at the pause then decodes only the
    /// words after them (a 6 s sentence's last 1-2 s instead of all 6).
    /// The cut is at a quiet spot between two words whisper timed, so no
    /// word is split; the piece's words are the ones whisper wrote reading
    /// past them, with what followed in view.
    fn settle(&mut self, start_s: f64, samples: &[f32], t: &Transcript) {
        let prev = self
            .heard
            .replace((start_s, t.words.clone()))
            .filter(|(s, _)| (s - start_s).abs() < 1e-6);
        let Some((_, prev)) = prev else { return };
        let covered = self.piece_of(start_s, samples).map_or(0, |p| p.len);
        let Some((c, cut)) = settled_cut(&t.words, &prev, samples, start_s, covered) else {
            return;
        };
        let words = t.words[..c].to_vec();
        let text = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let audio_s = cut as f64 / f64::from(SAMPLE_RATE);
        tracing::debug!(piece_s = audio_s, piece = %text, "words settled into the turn's piece");
        self.piece = Some(Piece {
            start_s,
            len: cut,
            transcript: Transcript {
                segments: vec![Segment {
                    start: start_s,
                    end: start_s + audio_s,
                    text: text.clone(),
                    no_speech_prob: 0.0,
                    avg_logprob: t.confidence.max(1e-6).ln(),
                }],
                text,
                language: t.language.clone(),
                audio_s,
                decode_ms: 0.0,
                confidence: t.confidence,
                words,
            },
            in_speech: true,
        });
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
                let (samples, whole) = match self.piece_of(start_s, &samples) {
                    Some(p) if samples.len() < p.len + MIN_PIECE => (&samples[..p.len], false),
                    _ => (&samples[..], true),
                };
                match self.transcribe_turn(samples, start_s, &self.partial_stt) {
                    Ok(t) => {
                        if whole && self.settle {
                            self.settle(start_s, samples, &t);
                        }
                        HearEvent::Partial { text: t.text, at_s }
                    }
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
                self.heard = None;
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
        let t = join(&head, tail, false);
        assert_eq!(t.text, "A man said to the universe, Sir, I exist.");
        assert_eq!(t.segments.len(), 2);
        assert_eq!(t.segments[1].start, 3.0);
        assert!((t.audio_s - 4.0).abs() < 1e-9);
        // The cost of this transcript is the tail's decode alone.
        assert!((t.decode_ms - 100.0).abs() < 1e-9);
        // Confidence weighs each part by its audio.
        assert!((t.confidence - 0.8).abs() < 1e-6, "{}", t.confidence);
        // A silent part adds no stray space.
        let quiet = join(
            &said("", 0.0, 1.0, 0.0),
            said("Hello.", 1.0, 1.0, 0.9),
            false,
        );
        assert_eq!(quiet.text, "Hello.");
        assert_eq!(
            join(&head, said("", 3.0, 1.0, 0.0), false).text,
            head.text.trim()
        );
        // A word heard on both sides of a cut in speech is said once.
        let t = join(
            &said("He might have", 0.0, 3.0, 0.9),
            said(" have been made.", 3.0, 1.0, 0.9),
            true,
        );
        assert_eq!(t.text, "He might have been made.");
        assert_eq!(t.segments[1].text, "been made.");
        let t = join(
            &said("I saw a man said", 0.0, 3.0, 0.9),
            said("A man said, sir.", 3.0, 1.0, 0.9),
            true,
        );
        assert_eq!(t.text, "I saw a man said sir.");
        // Across a pause, words said twice were said twice.
        let t = join(
            &said("I think", 0.0, 1.0, 0.9),
            said("I think so.", 1.5, 1.0, 0.9),
            false,
        );
        assert_eq!(t.text, "I think I think so.");
    }

    fn word(text: &str, start: f64, end: f64) -> TimedWord {
        TimedWord {
            text: text.into(),
            start,
            end,
        }
    }

    /// `spans` (seconds) hold a loud tone, the rest is near silence.
    fn spoken(len_s: f64, spans: &[(f64, f64)]) -> Vec<f32> {
        let rate = f64::from(SAMPLE_RATE);
        (0..(len_s * rate) as usize)
            .map(|i| {
                let t = i as f64 / rate;
                let on = spans.iter().any(|(a, b)| t >= *a && t < *b);
                let x = (t * 220.0 * std::f64::consts::TAU).sin() as f32;
                if on {
                    0.5 * x
                } else {
                    0.001 * x
                }
            })
            .collect()
    }

    #[test]
    fn words_two_partials_agree_on_settle_at_a_quiet_boundary() {
        let spans = [(0.0, 0.5), (0.6, 1.2), (1.3, 2.0), (2.1, 3.0)];
        let samples = spoken(3.0, &spans);
        let now = [
            word("A", 0.0, 0.5),
            word("man,", 0.6, 1.2),
            word("said,", 1.3, 2.0),
            word("sir.", 2.1, 3.0),
        ];
        let prev = [
            word("a", 0.0, 0.5),
            word("man", 0.6, 1.2),
            word("said", 1.3, 2.0),
            word("sit", 2.1, 2.6),
        ];
        // "said" is agreed but ends too near the end to close the piece:
        // the piece is "A man,", cut in the quiet before "said".
        let (c, cut) = settled_cut(&now, &prev, &samples, 0.0, 0).expect("a cut");
        assert_eq!(c, 2);
        let cut_s = cut as f64 / f64::from(SAMPLE_RATE);
        assert!((1.2..=1.3).contains(&cut_s), "{cut_s}");
        // Times are of the stream: the same turn starting at 10 s.
        let later: Vec<TimedWord> = now
            .iter()
            .map(|w| word(&w.text, w.start + 10.0, w.end + 10.0))
            .collect();
        let prev_later: Vec<TimedWord> = prev
            .iter()
            .map(|w| word(&w.text, w.start + 10.0, w.end + 10.0))
            .collect();
        assert_eq!(
            settled_cut(&later, &prev_later, &samples, 10.0, 0),
            Some((c, cut))
        );
        // Already covered up to there: nothing new to settle.
        assert_eq!(settled_cut(&now, &prev, &samples, 0.0, cut), None);
        // No quiet between the words (sounds that run together): no cut.
        let slurred = spoken(3.0, &[(0.0, 3.0)]);
        assert_eq!(settled_cut(&now, &prev, &slurred, 0.0, 0), None);
        // Only after a break whisper wrote: "A man" with no comma is no cut.
        let plain: Vec<TimedWord> = now
            .iter()
            .map(|w| word(w.text.trim_end_matches(','), w.start, w.end))
            .collect();
        assert_eq!(settled_cut(&plain, &prev, &samples, 0.0, 0), None);
        // Partials that disagree early settle nothing.
        let other = [word("Amen", 0.0, 0.5)];
        assert_eq!(settled_cut(&now, &other, &samples, 0.0, 0), None);
    }
}
