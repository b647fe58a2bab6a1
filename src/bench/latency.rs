//! `tofu bench latency`: how long the person waits, from the true end of
//! their speech to the first sound of the reply, through the whole loop
//! (WAV-file microphone in real time, WAV-file speaker, default models).
//!
//! The speech files of a folder (`manifest.tsv`) are joined into one
//! recording with a pause after each (long enough for the reply to be
//! spoken). The true end of each file's speech is found from its samples
//! (the last 10 ms frame within 30 dB of the file's loud frames). The
//! speaker file shares the recording's timeline, so the wait is read off the
//! two files: the first non-silent reply sample after that end.
//!
//! The same recording then goes through the plain sequential pipeline (the
//! whole transcript once the turn has ended, then the whole reply, then the
//! whole synthesis, then playback) in the same run, for the ratio.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::percentile;
use crate::audio::sink::{AudioSink, WavSink};
use crate::audio::source::{Pace, WavSource};
use crate::audio::SAMPLE_RATE;
use crate::converse::{converse, CompanionEvent, LoopConfig, LoopEvent, Timings};
use crate::error::{Error, Result};
use crate::eval::{normalize_words, word_errors};
use crate::hear::Controls;
use crate::Paths;

/// Silence after each file: the reply (about 20 words, 6 s) is spoken in it.
pub const GAP_S: f64 = 8.0;

#[derive(Debug, Clone, Serialize)]
pub struct TurnFigures {
    pub file: String,
    /// Where the file's speech ends in the recording, s.
    pub speech_end_s: f64,
    /// True end of speech → first non-silent reply sample; `None`: no reply.
    pub latency_ms: Option<f64>,
    pub sequential_latency_ms: Option<f64>,
    pub end_of_turn_ms: Option<f64>,
    pub transcript_ms: Option<f64>,
    pub first_sentence_ms: Option<f64>,
    pub first_audio_ms: Option<f64>,
    /// First audio handed to the speaker → first audible sample.
    pub playout_ms: Option<f64>,
    pub heard: String,
    pub reply: String,
    /// Turns heard in the file's span (streaming pipeline): more than one
    /// for a file of one utterance is a cut-in.
    pub turns_heard: usize,
    /// The reply was heard before the file's speech ended (a cut-in).
    pub spoke_early: bool,
    /// Reference words, and the word errors of all that was heard in the
    /// file's span (every turn, streaming pipeline).
    pub words: usize,
    pub errors: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatencyReport {
    pub data: PathBuf,
    pub turns: usize,
    /// Turns that got a spoken reply (streaming pipeline).
    pub answered: usize,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub sequential_median_ms: f64,
    pub sequential_p90_ms: f64,
    /// sequential median / median.
    pub ratio: f64,
    /// Per-stage medians (streaming pipeline): each from the end of the
    /// stage before (0 when it was done before that: the reply is written
    /// while the end of the turn is still being decided).
    pub end_of_turn_ms: f64,
    pub transcript_ms: f64,
    pub first_sentence_ms: f64,
    pub first_audio_ms: f64,
    /// First audio handed to the speaker → first audible sample.
    pub playout_ms: f64,
    /// Word error rate of what was heard (all turns, against the
    /// manifest's references): the streaming pipeline's, and the
    /// sequential one's (each turn decoded whole, once it has ended). A
    /// faster ear that hears worse shows here.
    pub wer: f64,
    pub sequential_wer: f64,
    /// Files heard as more than one turn, or answered before their
    /// speech ended (streaming pipeline): on recordings with a pause put
    /// mid-sentence, the cut-ins the person meets through the whole loop.
    pub cut_ins: usize,
    /// Files in which no turn was heard at all: a deaf run has no cut-ins,
    /// so `cut_ins` means something only beside this (and `wer`).
    pub unheard: usize,
    pub voice: String,
    pub model: String,
    pub per_turn: Vec<TurnFigures>,
}

/// Where speech ends in `samples`: the last 10 ms frame whose level is
/// within 30 dB of the file's loud frames (95th percentile).
pub fn speech_end(samples: &[f32]) -> f64 {
    let frame = SAMPLE_RATE as usize / 100;
    let rms: Vec<f64> = samples
        .chunks(frame)
        .map(|c| (c.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let loud = percentile(&rms, 95.0);
    let last = rms.iter().rposition(|&r| r >= loud * 0.0316).unwrap_or(0);
    ((last + 1) * frame).min(samples.len()) as f64 / f64::from(SAMPLE_RATE)
}

/// First sample at or after `from_s` (before `to_s`) louder than −40 dBFS.
fn first_sound(samples: &[f32], from_s: f64, to_s: f64) -> Option<f64> {
    let rate = f64::from(SAMPLE_RATE);
    let a = ((from_s * rate) as usize).min(samples.len());
    let b = ((to_s * rate) as usize).min(samples.len());
    samples[a..b]
        .iter()
        .position(|x| x.abs() > 0.01)
        .map(|i| (a + i) as f64 / rate)
}

struct Run {
    output: Vec<f32>,
    replies: Vec<(Timings, String, String)>,
    /// Every transcript, with where its turn ends (stream seconds).
    finals: Vec<(f64, String)>,
    voice: String,
    model: String,
}

fn run_once(
    paths: &Paths,
    recording: &Path,
    work: &Path,
    streaming: bool,
    judged: bool,
    hold_ms: Option<u32>,
) -> Result<Run> {
    let sink = Arc::new(WavSink::new(work.join("speaker.wav"), Pace::RealTime));
    let mut notes = Vec::new();
    let mut parts = crate::converse::setup::load(
        paths,
        None,
        crate::style::DEFAULT_PROFILE,
        Some(sink.clone() as Arc<dyn AudioSink>),
        &mut notes,
    )?;
    for n in notes {
        tracing::warn!("{n}");
    }
    let voice = parts.voice.as_ref().map(|v| v.name()).unwrap_or_default();
    let model = parts.mind.backend().model().unwrap_or_default();
    let mut cfg = LoopConfig {
        streaming,
        ..LoopConfig::default()
    };
    // The plain pipeline waits for the end of the turn to transcribe it.
    cfg.listen.speculate = streaming;
    // And ends turns by the silence rule: judging a pause transcribes it.
    cfg.listen.vad.smart_turn = judged && streaming;
    if let Some(h) = hold_ms {
        cfg.listen.vad.hold_ms = h;
    }
    let source = Box::new(WavSource::load(recording, Pace::RealTime)?);
    let mut replies = Vec::new();
    let mut heard = Vec::new();
    let mut finals = Vec::new();
    converse(source, parts, cfg, Controls::default(), |ev| match ev {
        LoopEvent::Hear(crate::hear::HearEvent::Final(h)) => {
            finals.push((h.end_s, h.text.clone()));
            heard.push(h.text)
        }
        LoopEvent::Companion(CompanionEvent::Reply { timings, text, .. }) => {
            let said = heard.last().cloned().unwrap_or_default();
            replies.push((timings, said, text));
        }
        LoopEvent::Companion(CompanionEvent::Error { message }) => {
            tracing::warn!("{message}")
        }
        _ => {}
    })?;
    Ok(Run {
        output: sink.samples(),
        replies,
        finals,
        voice,
        model,
    })
}

/// Runs the benchmark over the first `limit` files of `data` (all: `None`).
/// `judged`: pauses are judged (the app's default); otherwise the silence
/// rule ends turns. `hold_ms`: instead of the app's
/// [`crate::hear::VadConfig::hold_ms`].
pub fn run(
    paths: &Paths,
    data: &Path,
    limit: Option<usize>,
    judged: bool,
    hold_ms: Option<u32>,
    work: &Path,
) -> Result<LatencyReport> {
    let mut rows = super::read_manifest(data)?;
    if let Some(n) = limit {
        rows.truncate(n);
    }
    if rows.is_empty() {
        return Err(Error::Invalid(format!(
            "no speech files in {}",
            data.display()
        )));
    }
    std::fs::create_dir_all(work).map_err(|e| Error::Io {
        path: work.to_path_buf(),
        source: e,
    })?;
    // One recording: each file, then a pause.
    let mut recording = Vec::new();
    let mut spans = Vec::new();
    for (file, reference) in &rows {
        let s = crate::audio::wav::read_wav_16k_mono(file)?;
        let start = recording.len() as f64 / f64::from(SAMPLE_RATE);
        let end = start + speech_end(&s);
        recording.extend_from_slice(&s);
        recording.extend(std::iter::repeat_n(
            0.0,
            (GAP_S * f64::from(SAMPLE_RATE)) as usize,
        ));
        let next = recording.len() as f64 / f64::from(SAMPLE_RATE);
        spans.push((file.clone(), reference, start, end, next));
    }
    let rec_path = work.join("recording.wav");
    crate::audio::wav::write_wav_16k(&rec_path, &recording).map_err(|e| Error::Io {
        path: rec_path.clone(),
        source: e,
    })?;

    let streamed = run_once(paths, &rec_path, work, true, judged, hold_ms)?;
    let sequential = run_once(paths, &rec_path, work, false, judged, hold_ms)?;

    let ms = |x: f64| x * 1e3;
    let mut per_turn = Vec::new();
    // Word errors of all `run` heard in a file's span.
    let errors = |run: &Run, reference: &[String], start: f64, next: f64| {
        let said: Vec<&str> = run
            .finals
            .iter()
            .filter(|(at, _)| *at > start && *at <= next)
            .map(|(_, text)| text.as_str())
            .collect();
        word_errors(reference, &normalize_words(&said.join(" ")))
    };
    let (mut words, mut seq_errors) = (0, 0);
    for (file, reference, start, end, next) in &spans {
        let reference = normalize_words(reference);
        words += reference.len();
        seq_errors += errors(&sequential, &reference, *start, *next);
        // The reply to this file: the last turn heard inside its span.
        let reply_of = |run: &Run| {
            run.replies
                .iter()
                .rfind(|(t, _, _)| t.speech_end_s >= *start && t.speech_end_s < *next)
                .cloned()
        };
        let r = reply_of(&streamed);
        let latency = first_sound(&streamed.output, *end, *next).map(|t| ms(t - end));
        let seq_latency = first_sound(&sequential.output, *end, *next).map(|t| ms(t - end));
        let stage = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(ms(b - a)),
            _ => None,
        };
        let t = r.as_ref().map(|x| x.0.clone());
        per_turn.push(TurnFigures {
            file: file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            speech_end_s: *end,
            latency_ms: latency,
            sequential_latency_ms: seq_latency,
            end_of_turn_ms: t.as_ref().map(|t| ms(t.end_detected_s - end)),
            transcript_ms: t.as_ref().map(|t| ms(t.transcript_s - t.end_detected_s)),
            // A reply written while the pause was still being decided has
            // its first sentence before the final transcript: 0 here.
            first_sentence_ms: t
                .as_ref()
                .and_then(|t| stage(Some(t.transcript_s), t.first_sentence_s))
                .map(|x| x.max(0.0)),
            first_audio_ms: t.as_ref().and_then(|t| {
                stage(
                    t.first_sentence_s.map(|s| s.max(t.transcript_s)),
                    t.first_audio_s,
                )
            }),
            playout_ms: match (latency, t.as_ref().and_then(|t| t.first_audio_s)) {
                (Some(l), Some(a)) => Some(l - ms(a - end)),
                _ => None,
            },
            heard: r.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
            reply: r.as_ref().map(|x| x.2.clone()).unwrap_or_default(),
            turns_heard: streamed
                .finals
                .iter()
                .filter(|(at, _)| at > start && at <= next)
                .count(),
            spoke_early: streamed.replies.iter().any(|(t, _, _)| {
                t.speech_end_s >= *start
                    && t.speech_end_s < *next
                    && t.first_audio_s.is_some_and(|a| a < *end)
            }),
            words: reference.len(),
            errors: errors(&streamed, &reference, *start, *next),
        });
    }
    let col = |f: &dyn Fn(&TurnFigures) -> Option<f64>| -> Vec<f64> {
        per_turn.iter().filter_map(f).collect()
    };
    let lat = col(&|t| t.latency_ms);
    let seq = col(&|t| t.sequential_latency_ms);
    let median = percentile(&lat, 50.0);
    let seq_median = percentile(&seq, 50.0);
    Ok(LatencyReport {
        data: data.to_path_buf(),
        turns: per_turn.len(),
        answered: lat.len(),
        cut_ins: per_turn
            .iter()
            .filter(|t| t.turns_heard > 1 || t.spoke_early)
            .count(),
        unheard: per_turn.iter().filter(|t| t.turns_heard == 0).count(),
        median_ms: median,
        p90_ms: percentile(&lat, 90.0),
        sequential_median_ms: seq_median,
        sequential_p90_ms: percentile(&seq, 90.0),
        ratio: if median > 0.0 {
            seq_median / median
        } else {
            f64::NAN
        },
        end_of_turn_ms: percentile(&col(&|t| t.end_of_turn_ms), 50.0),
        transcript_ms: percentile(&col(&|t| t.transcript_ms), 50.0),
        first_sentence_ms: percentile(&col(&|t| t.first_sentence_ms), 50.0),
        first_audio_ms: percentile(&col(&|t| t.first_audio_ms), 50.0),
        playout_ms: percentile(&col(&|t| t.playout_ms), 50.0),
        wer: per_turn.iter().map(|t| t.errors).sum::<usize>() as f64 / words.max(1) as f64,
        sequential_wer: seq_errors as f64 / words.max(1) as f64,
        voice: streamed.voice,
        model: streamed.model,
        per_turn,
    })
}
