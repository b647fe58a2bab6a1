//! `tofu bench turns`: turn-taking on recordings of one utterance each (a
//! folder like `make_paused.py` writes: mid-sentence pauses of 0.7–1.2 s).
//! Each file is streamed through the segmenter frame by frame, with the
//! silence rule alone (the baseline, 560 ms), with the end-of-turn model
//! alone (the sound), and with what the app does (the sound, then the
//! words of the turn: [`crate::hear::pause`]); all in the same run on the
//! same audio.
//!
//! - cut-in rate: the share of files heard as more than one turn (the
//!   companion would have answered the first half);
//! - end wait: from where the voice stops (the last 10 ms within 30 dB of
//!   the file's loud frames, as `bench latency` places it) to the moment the
//!   turn was declared over (how long a person who is done waits, in the
//!   stream's time: a judge's own time is the decision cost);
//! - decision cost: milliseconds per question, the sound alone and the
//!   sound with the words (the turn transcribed beside the sound model).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use super::percentile;
use crate::audio::wav::read_wav_16k_mono;
use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};
use crate::hear::pause::judge_pause;
use crate::hear::smart_turn::{Judge, SmartTurn};
use crate::hear::vad::{EndOfTurn, Segmenter, VadConfig, VadEvent, Verdict, FRAME};
use crate::stt::{SpeechModel, TranscribeOptions};

/// Silence appended to every file (faint noise, like a quiet room), so the
/// last turn ends by the rule being measured, not by the end of the file.
const TAIL_S: f64 = 3.5;

#[derive(Debug, Clone, Serialize)]
pub struct TurnsFile {
    pub file: String,
    /// The pause inserted mid-sentence, if the manifest says so.
    pub pause_ms: Option<u32>,
    pub silence_turns: usize,
    pub smart_turns: usize,
    pub judged_turns: usize,
    pub silence_end_wait_ms: Option<f64>,
    pub smart_end_wait_ms: Option<f64>,
    pub judged_end_wait_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TurnsFigures {
    /// Files heard as more than one turn.
    pub cut_ins: usize,
    /// `cut_ins` / files, 0..1.
    pub cut_in_rate: f64,
    pub end_wait_median_ms: f64,
    pub end_wait_p90_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TurnsReport {
    pub data: PathBuf,
    pub files: usize,
    /// Today's rule: `end_silence_ms` of silence ends a turn.
    pub silence: TurnsFigures,
    /// Smart Turn asked at `decide_ms`, patient up to `ceiling_ms`.
    pub smart: TurnsFigures,
    /// What the app does: Smart Turn and the turn's words, transcribed
    /// beside it (trailing words or an unsure sound wait `doubt_ms`).
    pub judged: TurnsFigures,
    pub end_silence_ms: u32,
    pub decide_ms: u32,
    pub ceiling_ms: u32,
    pub doubt_ms: u32,
    /// A turn judged finished ends this long after the verdict.
    pub hold_ms: u32,
    pub decisions: usize,
    pub decision_median_ms: f64,
    pub decision_p90_ms: f64,
    /// The sound and the words: questions and their cost.
    pub judged_decisions: usize,
    pub judged_decision_median_ms: f64,
    pub judged_decision_p90_ms: f64,
    pub per_file: Vec<TurnsFile>,
}

/// Rows of `manifest.tsv`: file and, when present, the pause column
/// (`make_paused.py`'s `pause_ms`, found by its header).
fn rows(data: &Path) -> Result<Vec<(String, Option<u32>)>> {
    let path = data.join("manifest.tsv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
        path: path.clone(),
        source: e,
    })?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let pause_col = header.iter().position(|h| *h == "pause_ms");
    let out: Vec<(String, Option<u32>)> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let pause = pause_col.and_then(|c| cols.get(c)?.trim().parse().ok());
            (cols[0].to_string(), pause)
        })
        .collect();
    if out.is_empty() {
        return Err(Error::Invalid(format!("{} lists no files", path.display())));
    }
    Ok(out)
}

/// A judge that times itself.
struct Timed<J> {
    inner: J,
    times: Arc<Mutex<Vec<f64>>>,
}

impl<J: EndOfTurn> EndOfTurn for Timed<J> {
    fn judge(&mut self, turn: &[f32]) -> Verdict {
        let t = Instant::now();
        let answer = self.inner.judge(turn);
        self.times
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(t.elapsed().as_secs_f64() * 1e3);
        answer
    }
}

/// The app's judge: the sound, then the words.
struct SoundThenWords {
    sound: Judge,
    stt: Arc<SpeechModel>,
}

impl EndOfTurn for SoundThenWords {
    fn judge(&mut self, turn: &[f32]) -> Verdict {
        let opts = TranscribeOptions::default();
        let stt = &self.stt;
        judge_pause(&self.sound, turn, turn.len(), |t| stt.transcribe(t, &opts)).0
    }
}

/// Streams `audio` frame by frame: the turns heard, and the end wait of
/// the last one (seconds from `speech_end_s`, where the voice stops, to its
/// end event).
fn stream(
    audio: &[f32],
    speech_end_s: f64,
    cfg: &VadConfig,
    judge: Option<Box<dyn EndOfTurn>>,
) -> (usize, Option<f64>) {
    let mut seg = Segmenter::new(cfg.clone());
    if let Some(j) = judge {
        seg = seg.with_judge(j);
    }
    let mut events = Vec::new();
    let (mut turns, mut wait) = (0, None);
    let mut pos = 0usize;
    for chunk in audio.chunks(FRAME) {
        seg.push(chunk, &mut events);
        pos += chunk.len();
        for e in events.drain(..) {
            if let VadEvent::Utterance(_) = e {
                turns += 1;
                wait = Some(pos as f64 / SAMPLE_RATE as f64 - speech_end_s);
            }
        }
    }
    seg.finish(&mut events);
    for e in events {
        if let VadEvent::Utterance(_) = e {
            turns += 1;
            wait = None;
        }
    }
    (turns, wait)
}

#[derive(Clone, Copy)]
enum Rule {
    Silence,
    Smart,
    Judged,
}

fn figures(files: &[TurnsFile], rule: Rule) -> TurnsFigures {
    let of = |f: &TurnsFile| match rule {
        Rule::Silence => (f.silence_turns, f.silence_end_wait_ms),
        Rule::Smart => (f.smart_turns, f.smart_end_wait_ms),
        Rule::Judged => (f.judged_turns, f.judged_end_wait_ms),
    };
    let waits: Vec<f64> = files.iter().filter_map(|f| of(f).1).collect();
    let cut_ins = files.iter().filter(|f| of(f).0 > 1).count();
    TurnsFigures {
        cut_ins,
        cut_in_rate: cut_ins as f64 / files.len().max(1) as f64,
        end_wait_median_ms: percentile(&waits, 50.0),
        end_wait_p90_ms: percentile(&waits, 90.0),
    }
}

pub fn turns(
    data: &Path,
    model: SmartTurn,
    stt: Arc<SpeechModel>,
    cfg: &VadConfig,
) -> Result<TurnsReport> {
    let judge = Judge::new(model);
    let times = Arc::new(Mutex::new(Vec::new()));
    let judged_times = Arc::new(Mutex::new(Vec::new()));
    let mut per_file = Vec::new();
    for (file, pause_ms) in rows(data)? {
        let mut audio = read_wav_16k_mono(&data.join(&file))?;
        let end = super::latency::speech_end(&audio);
        audio.extend(crate::audio::room_tone(TAIL_S, 2024));
        let (silence_turns, silence_wait) = stream(&audio, end, cfg, None);
        let timed = Timed {
            inner: judge.clone(),
            times: times.clone(),
        };
        let (smart_turns, smart_wait) = stream(&audio, end, cfg, Some(Box::new(timed)));
        let judged = Timed {
            inner: SoundThenWords {
                sound: judge.clone(),
                stt: stt.clone(),
            },
            times: judged_times.clone(),
        };
        let (judged_turns, judged_wait) = stream(&audio, end, cfg, Some(Box::new(judged)));
        per_file.push(TurnsFile {
            file,
            pause_ms,
            silence_turns,
            smart_turns,
            judged_turns,
            silence_end_wait_ms: silence_wait.map(|s| s * 1e3),
            smart_end_wait_ms: smart_wait.map(|s| s * 1e3),
            judged_end_wait_ms: judged_wait.map(|s| s * 1e3),
        });
    }
    let times = times.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let judged_times = judged_times
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(TurnsReport {
        data: data.to_path_buf(),
        files: per_file.len(),
        silence: figures(&per_file, Rule::Silence),
        smart: figures(&per_file, Rule::Smart),
        judged: figures(&per_file, Rule::Judged),
        end_silence_ms: cfg.end_silence_ms,
        decide_ms: cfg.decide_ms,
        ceiling_ms: cfg.ceiling_ms,
        doubt_ms: cfg.doubt_ms,
        hold_ms: cfg.hold_ms,
        decisions: times.len(),
        decision_median_ms: percentile(&times, 50.0),
        decision_p90_ms: percentile(&times, 90.0),
        judged_decisions: judged_times.len(),
        judged_decision_median_ms: percentile(&judged_times, 50.0),
        judged_decision_p90_ms: percentile(&judged_times, 90.0),
        per_file,
    })
}
