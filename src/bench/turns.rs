//! `tofu bench turns`: turn-taking on recordings of one utterance each (a
//! folder like `make_paused.py` writes: mid-sentence pauses of 0.7–1.2 s).
//! Each file is streamed through the segmenter frame by frame, with the
//! silence rule alone (the baseline, today's 560 ms) and with the
//! end-of-turn model; both in the same run on the same audio.
//!
//! - cut-in rate: the share of files heard as more than one turn (the
//!   companion would have answered the first half);
//! - end wait: from the last voiced frame of the last turn to the moment the
//!   turn was declared over (how long a person who is done waits);
//! - decision cost: milliseconds per question to the model.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use super::percentile;
use crate::audio::wav::read_wav_16k_mono;
use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};
use crate::hear::smart_turn::{Judge, SmartTurn};
use crate::hear::vad::{EndOfTurn, Segmenter, VadConfig, VadEvent, FRAME};

/// Silence appended to every file (faint noise, like a quiet room), so the
/// last turn ends by the rule being measured, not by the end of the file.
const TAIL_S: f64 = 3.5;
/// What a turn keeps of its trailing silence (see `vad.rs`): 13 frames.
const KEPT_TAIL_S: f64 = 13.0 * FRAME as f64 / SAMPLE_RATE as f64;

#[derive(Debug, Clone, Serialize)]
pub struct TurnsFile {
    pub file: String,
    /// The pause inserted mid-sentence, if the manifest says so.
    pub pause_ms: Option<u32>,
    pub silence_turns: usize,
    pub smart_turns: usize,
    pub silence_end_wait_ms: Option<f64>,
    pub smart_end_wait_ms: Option<f64>,
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
    pub end_silence_ms: u32,
    pub decide_ms: u32,
    pub ceiling_ms: u32,
    pub decisions: usize,
    pub decision_median_ms: f64,
    pub decision_p90_ms: f64,
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
struct Timed {
    inner: Judge,
    times: Arc<Mutex<Vec<f64>>>,
}

impl EndOfTurn for Timed {
    fn finished(&mut self, turn: &[f32]) -> Option<bool> {
        let t = Instant::now();
        let answer = self.inner.finished(turn);
        self.times
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(t.elapsed().as_secs_f64() * 1e3);
        answer
    }
}

/// Streams `audio` frame by frame: the turns heard, and the end wait of
/// the last one (seconds from its last voiced frame to its end event).
fn stream(
    audio: &[f32],
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
            if let VadEvent::Utterance(u) = e {
                turns += 1;
                let now = pos as f64 / SAMPLE_RATE as f64;
                wait = Some(now - (u.end_s() - KEPT_TAIL_S));
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

fn figures(files: &[TurnsFile], smart: bool) -> TurnsFigures {
    let turns = |f: &TurnsFile| {
        if smart {
            f.smart_turns
        } else {
            f.silence_turns
        }
    };
    let waits: Vec<f64> = files
        .iter()
        .filter_map(|f| {
            if smart {
                f.smart_end_wait_ms
            } else {
                f.silence_end_wait_ms
            }
        })
        .collect();
    let cut_ins = files.iter().filter(|f| turns(f) > 1).count();
    TurnsFigures {
        cut_ins,
        cut_in_rate: cut_ins as f64 / files.len().max(1) as f64,
        end_wait_median_ms: percentile(&waits, 50.0),
        end_wait_p90_ms: percentile(&waits, 90.0),
    }
}

pub fn turns(data: &Path, model: SmartTurn, cfg: &VadConfig) -> Result<TurnsReport> {
    let judge = Judge::new(model);
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut per_file = Vec::new();
    for (file, pause_ms) in rows(data)? {
        let mut audio = read_wav_16k_mono(&data.join(&file))?;
        audio.extend(crate::audio::room_tone(TAIL_S, 2024));
        let (silence_turns, silence_wait) = stream(&audio, cfg, None);
        let timed = Timed {
            inner: judge.clone(),
            times: times.clone(),
        };
        let (smart_turns, smart_wait) = stream(&audio, cfg, Some(Box::new(timed)));
        per_file.push(TurnsFile {
            file,
            pause_ms,
            silence_turns,
            smart_turns,
            silence_end_wait_ms: silence_wait.map(|s| s * 1e3),
            smart_end_wait_ms: smart_wait.map(|s| s * 1e3),
        });
    }
    let times = times.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(TurnsReport {
        data: data.to_path_buf(),
        files: per_file.len(),
        silence: figures(&per_file, false),
        smart: figures(&per_file, true),
        end_silence_ms: cfg.end_silence_ms,
        decide_ms: cfg.decide_ms,
        ceiling_ms: cfg.ceiling_ms,
        decisions: times.len(),
        decision_median_ms: percentile(&times, 50.0),
        decision_p90_ms: percentile(&times, 90.0),
        per_file,
    })
}
