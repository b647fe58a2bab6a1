//! `tofu bench soak`: the whole conversation loop left running, to see
//! whether it holds steady. A few speech files are played in a loop as the
//! microphone, in real time, with a pause after each for the reply; the
//! companion hears, answers and speaks (to a speaker that keeps only its
//! last seconds, so the bench itself does not grow). Every `every` seconds
//! it samples the resident memory of the process and of its worker
//! processes, the open files and the threads.
//!
//! Leaks show as growth after warm-up: the figures at the end are compared
//! with the level at 5 minutes (or at a sixth of a shorter run). A loop that
//! stopped hearing would also stop growing, so the run also reports how many
//! of the utterances played were heard and answered, and how close what was
//! heard stayed to what was said (WER over the run).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::audio::sink::AudioSink;
use crate::audio::source::{AudioSource, SourceEvent, CHUNK};
use crate::audio::wav::read_wav_16k_mono;
use crate::audio::SAMPLE_RATE;
use crate::converse::{converse, CompanionEvent, LoopConfig, LoopEvent};
use crate::error::{Error, Result};
use crate::eval::{normalize_words, word_errors};
use crate::hear::Controls;
use crate::Paths;

/// One sample of the process's footprint.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub t_s: f64,
    /// This process plus its child processes (the language-model worker).
    pub rss_mb: f64,
    pub worker_rss_mb: f64,
    pub open_files: usize,
    pub threads: usize,
    pub heard: usize,
    pub replies: usize,
}

#[derive(Debug, Serialize)]
pub struct SoakReport {
    pub minutes: f64,
    pub files: Vec<String>,
    /// Utterances played, heard (a final transcript), answered.
    pub played: usize,
    pub heard: usize,
    pub replies: usize,
    /// Of what was heard, against the references of the files played.
    pub wer: f64,
    /// Where the warm-up level is taken (5 minutes in, or a sixth of a
    /// shorter run).
    pub warm_s: f64,
    pub rss_warm_mb: f64,
    pub rss_end_mb: f64,
    /// (end - warm) / warm.
    pub rss_growth: f64,
    pub open_files_warm: usize,
    pub open_files_end: usize,
    pub threads_warm: usize,
    pub threads_end: usize,
    pub samples: Vec<Sample>,
}

/// Reads a number field (kB or a count) of `/proc/<pid>/status`.
fn status_field(pid: &str, field: &str) -> Option<f64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The child processes of this one (every thread's children).
fn children() -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            if let Ok(list) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(list.split_whitespace().map(str::to_string));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn sample(t_s: f64, heard: usize, replies: usize) -> Sample {
    let mb = |pid: &str| status_field(pid, "VmRSS:").unwrap_or(0.0) / 1024.0;
    let worker_rss_mb: f64 = children().iter().map(|p| mb(p)).sum();
    Sample {
        t_s,
        rss_mb: mb("self") + worker_rss_mb,
        worker_rss_mb,
        open_files: std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()),
        threads: status_field("self", "Threads:").unwrap_or(0.0) as usize,
        heard,
        replies,
    }
}

/// The clips, one after another with `gap_s` of silence after each, over
/// and over in real time until `until`; counts the utterances it played.
struct Looping {
    clips: Vec<Vec<f32>>,
    gap_s: f64,
    until: Duration,
    played: Arc<AtomicUsize>,
}

impl AudioSource for Looping {
    fn describe(&self) -> String {
        format!("{} clips in a loop", self.clips.len())
    }

    fn start(
        self: Box<Self>,
        tx: Sender<SourceEvent>,
        stop: Arc<AtomicBool>,
    ) -> Result<JoinHandle<()>> {
        let gap = vec![0.0f32; (self.gap_s * f64::from(SAMPLE_RATE)) as usize];
        Ok(std::thread::Builder::new()
            .name("tofu-soak-source".into())
            .spawn(move || {
                let started = Instant::now();
                let mut sent = 0usize;
                for clip in self.clips.iter().cycle() {
                    if started.elapsed() >= self.until {
                        break;
                    }
                    self.played.fetch_add(1, Ordering::SeqCst);
                    for chunk in clip.chunks(CHUNK).chain(gap.chunks(CHUNK)) {
                        if stop.load(Ordering::Relaxed) {
                            let _ = tx.send(SourceEvent::Ended);
                            return;
                        }
                        let due = Duration::from_secs_f64(sent as f64 / f64::from(SAMPLE_RATE));
                        if let Some(wait) = due.checked_sub(started.elapsed()) {
                            std::thread::sleep(wait);
                        }
                        sent += chunk.len();
                        if tx.send(SourceEvent::Audio(chunk.to_vec())).is_err() {
                            return;
                        }
                    }
                }
                let _ = tx.send(SourceEvent::Ended);
            })
            .expect("spawn a thread"))
    }
}

/// A speaker in real time that keeps only its last seconds (enough for the
/// echo reference), so a long run does not pile up what it played.
struct Rolling {
    inner: Mutex<Roll>,
}

struct Roll {
    started: Instant,
    /// Timeline position of `buf[0]`.
    base: usize,
    buf: Vec<f32>,
}

const KEEP: usize = 10 * SAMPLE_RATE as usize;

impl Roll {
    fn now(&self) -> usize {
        (self.started.elapsed().as_secs_f64() * f64::from(SAMPLE_RATE)) as usize
    }
    fn end(&self) -> usize {
        self.base + self.buf.len()
    }
}

impl AudioSink for Rolling {
    fn describe(&self) -> String {
        "a rolling buffer in real time".into()
    }

    fn begin(&self) {
        let mut r = self.inner.lock().expect("sink lock");
        r.started = Instant::now();
        r.base = 0;
        r.buf.clear();
    }

    fn play(&self, samples: &[f32]) -> Result<()> {
        let mut r = self.inner.lock().expect("sink lock");
        let now = r.now();
        if r.end() < now {
            let pad = now - r.end();
            r.buf.extend(std::iter::repeat_n(0.0, pad));
        }
        r.buf.extend_from_slice(samples);
        // Keep what is still to play and the last KEEP samples before now.
        let keep_from = now.saturating_sub(KEEP).max(r.base);
        let drop = keep_from - r.base;
        if drop > KEEP {
            r.buf.drain(..drop);
            r.base = keep_from;
        }
        Ok(())
    }

    fn pending_s(&self) -> f64 {
        let r = self.inner.lock().expect("sink lock");
        r.end().saturating_sub(r.now()) as f64 / f64::from(SAMPLE_RATE)
    }

    fn stop(&self) {
        let mut r = self.inner.lock().expect("sink lock");
        let now = r.now();
        if r.end() > now {
            let keep = now.saturating_sub(r.base);
            r.buf.truncate(keep);
        }
    }

    fn recent_rms(&self, window_s: f64) -> f32 {
        let r = self.inner.lock().expect("sink lock");
        let now = r.now();
        let from = now.saturating_sub((window_s * f64::from(SAMPLE_RATE)) as usize);
        let at = |i: usize| {
            i.checked_sub(r.base)
                .and_then(|k| r.buf.get(k))
                .copied()
                .unwrap_or(0.0)
        };
        let n = (now - from).max(1) as f32;
        ((from..now).map(|i| at(i) * at(i)).sum::<f32>() / n).sqrt()
    }

    fn finish(&self) -> Result<()> {
        Ok(())
    }
}

/// Runs the loop for `minutes` on the first `files` files of `data`,
/// sampling every `every` seconds.
pub fn run(
    paths: &Paths,
    data: &Path,
    minutes: f64,
    files: usize,
    every: f64,
) -> Result<SoakReport> {
    if !(minutes > 0.0 && minutes.is_finite()) {
        return Err(Error::Invalid("--minutes must be above 0".into()));
    }
    let manifest = super::read_manifest(data)?;
    let chosen: Vec<_> = manifest.into_iter().take(files.max(1)).collect();
    let mut clips = Vec::new();
    for (path, _) in &chosen {
        clips.push(read_wav_16k_mono(path)?);
    }
    let sink = Arc::new(Rolling {
        inner: Mutex::new(Roll {
            started: Instant::now(),
            base: 0,
            buf: Vec::new(),
        }),
    });
    let mut notes = Vec::new();
    let parts = crate::converse::setup::load(
        paths,
        None,
        crate::style::DEFAULT_PROFILE,
        Some(sink.clone() as Arc<dyn AudioSink>),
        &mut notes,
    )?;
    for n in notes {
        tracing::warn!("{n}");
    }
    let played = Arc::new(AtomicUsize::new(0));
    let source = Box::new(Looping {
        clips,
        gap_s: 6.0,
        until: Duration::from_secs_f64(minutes * 60.0),
        played: played.clone(),
    });
    let heard = Arc::new(AtomicUsize::new(0));
    let replies = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let sampler = {
        let (heard, replies, done) = (heard.clone(), replies.clone(), done.clone());
        std::thread::spawn(move || {
            let mut out = vec![sample(0.0, 0, 0)];
            let mut next = every;
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(200));
                let t = started.elapsed().as_secs_f64();
                if t >= next {
                    next += every;
                    out.push(sample(
                        t,
                        heard.load(Ordering::SeqCst),
                        replies.load(Ordering::SeqCst),
                    ));
                }
            }
            out
        })
    };
    let mut texts: Vec<String> = Vec::new();
    let result = converse(
        source,
        parts,
        LoopConfig::default(),
        Controls::default(),
        |ev| match ev {
            LoopEvent::Hear(crate::hear::HearEvent::Final(h)) => {
                heard.fetch_add(1, Ordering::SeqCst);
                texts.push(h.text);
            }
            LoopEvent::Companion(CompanionEvent::Reply { text, .. }) if !text.trim().is_empty() => {
                replies.fetch_add(1, Ordering::SeqCst);
            }
            LoopEvent::Companion(CompanionEvent::Error { message }) => {
                tracing::warn!("{message}")
            }
            _ => {}
        },
    );
    done.store(true, Ordering::SeqCst);
    let samples = sampler.join().unwrap_or_default();
    result?;
    // Memory comes and goes with each turn (whisper's and the voice's
    // buffers): the level is the median of three samples, at warm-up and
    // at the end of the run (taken while it still ran).
    let total_s = minutes * 60.0;
    let warm_at = (5.0 * 60.0f64).min(total_s / 6.0);
    let from = samples
        .iter()
        .position(|s| s.t_s >= warm_at)
        .unwrap_or(0)
        .min(samples.len().saturating_sub(3));
    let warm = &samples[from..(from + 3).min(samples.len())];
    let last = &samples[samples.len().saturating_sub(3)..];
    let level =
        |w: &[Sample]| super::percentile(&w.iter().map(|s| s.rss_mb).collect::<Vec<_>>(), 50.0);
    let most = |w: &[Sample], f: fn(&Sample) -> usize| w.iter().map(f).max().unwrap_or(0);
    let (rss_warm_mb, rss_end_mb) = (level(warm), level(last));
    // What was heard against what was played: the references in play order
    // (a turn split in two or missed shows up as errors).
    let n_played = played.load(Ordering::SeqCst);
    let reference: Vec<String> = (0..n_played)
        .flat_map(|i| normalize_words(&chosen[i % chosen.len()].1))
        .collect();
    let hypothesis: Vec<String> = texts.iter().flat_map(|t| normalize_words(t)).collect();
    let wer = if reference.is_empty() {
        0.0
    } else {
        word_errors(&reference, &hypothesis) as f64 / reference.len() as f64
    };
    Ok(SoakReport {
        minutes,
        files: chosen
            .iter()
            .map(|(p, _)| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect(),
        played: n_played,
        heard: heard.load(Ordering::SeqCst),
        replies: replies.load(Ordering::SeqCst),
        wer,
        warm_s: warm.first().map_or(0.0, |s| s.t_s),
        rss_warm_mb,
        rss_end_mb,
        rss_growth: if rss_warm_mb > 0.0 {
            (rss_end_mb - rss_warm_mb) / rss_warm_mb
        } else {
            0.0
        },
        open_files_warm: most(warm, |s| s.open_files),
        open_files_end: most(last, |s| s.open_files),
        threads_warm: most(warm, |s| s.threads),
        threads_end: most(last, |s| s.threads),
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rolling_speaker_keeps_only_its_last_seconds_and_still_paces() {
        let s = Rolling {
            inner: Mutex::new(Roll {
                started: Instant::now(),
                base: 0,
                buf: Vec::new(),
            }),
        };
        s.begin();
        // A minute of audio queued: it is pending, in real time.
        for _ in 0..60 {
            s.play(&vec![0.5; SAMPLE_RATE as usize]).unwrap();
        }
        assert!(s.pending_s() > 59.0, "{}", s.pending_s());
        s.stop();
        assert!(s.pending_s() < 0.1);
        // Played long ago and now far behind: the buffer is trimmed.
        {
            let mut r = s.inner.lock().unwrap();
            r.started -= Duration::from_secs(120);
        }
        s.play(&[0.25; 160]).unwrap();
        let r = s.inner.lock().unwrap();
        assert!(r.buf.len() <= 2 * KEEP + 160, "{} kept", r.buf.len());
    }
}
