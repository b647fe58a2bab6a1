//! Where audio comes from: a trait with two implementations that feed the
//! same path, a microphone ([`super::mic::MicSource`]) and a WAV file played
//! in real time or faster ([`WavSource`]), so everything downstream is tested
//! without a sound card.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::wav::read_wav_16k_mono;
use super::SAMPLE_RATE;
use crate::error::Result;

/// What a source sends, in order.
#[derive(Debug)]
pub enum SourceEvent {
    /// 16 kHz mono samples.
    Audio(Vec<f32>),
    /// Something went wrong; the source keeps trying unless it also sends `Ended`.
    Error(String),
    /// No more audio will come.
    Ended,
}

pub trait AudioSource: Send {
    /// A name for logs and the UI.
    fn describe(&self) -> String;
    /// Starts a thread that sends audio to `tx` until `stop` is set or the source ends.
    fn start(
        self: Box<Self>,
        tx: Sender<SourceEvent>,
        stop: Arc<AtomicBool>,
    ) -> Result<JoinHandle<()>>;
}

/// How fast a file is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// As a microphone would deliver it.
    RealTime,
    /// As fast as the consumer takes it.
    Fast,
}

/// A WAV file as a microphone.
pub struct WavSource {
    pub path: PathBuf,
    pub pace: Pace,
    /// Silence appended after the file, so a turn that runs to the end of the
    /// file ends the way it would live.
    pub trailing_silence_ms: u32,
    /// After the file, go on with silence until stopped (a microphone in a
    /// quiet room), instead of ending the stream. Real-time pace only.
    pub hold_open: bool,
    /// The samples, read ahead by [`WavSource::load`].
    loaded: Option<Vec<f32>>,
}

impl WavSource {
    pub fn new(path: impl Into<PathBuf>, pace: Pace) -> WavSource {
        WavSource {
            path: path.into(),
            pace,
            trailing_silence_ms: 1000,
            hold_open: false,
            loaded: None,
        }
    }

    /// Reads the file now, so that starting the source starts its clock at
    /// once (a long file takes a moment to read: timelines lined up with
    /// the source would be off by that much).
    pub fn load(path: impl Into<PathBuf>, pace: Pace) -> Result<WavSource> {
        let mut s = WavSource::new(path, pace);
        s.loaded = Some(read_wav_16k_mono(&s.path)?);
        Ok(s)
    }
}

/// 20 ms: the chunk a source delivers at a time.
pub const CHUNK: usize = SAMPLE_RATE as usize / 50;

impl AudioSource for WavSource {
    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }

    fn start(
        self: Box<Self>,
        tx: Sender<SourceEvent>,
        stop: Arc<AtomicBool>,
    ) -> Result<JoinHandle<()>> {
        let mut samples = match self.loaded {
            Some(s) => s,
            None => read_wav_16k_mono(&self.path)?,
        };
        samples.extend(std::iter::repeat_n(
            0.0,
            (self.trailing_silence_ms * SAMPLE_RATE / 1000) as usize,
        ));
        let pace = self.pace;
        let hold_open = self.hold_open && pace == Pace::RealTime;
        Ok(std::thread::Builder::new()
            .name("tofu-wav-source".into())
            .spawn(move || {
                let started = Instant::now();
                for (i, chunk) in samples.chunks(CHUNK).enumerate() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if pace == Pace::RealTime {
                        let due = Duration::from_secs_f64((i * CHUNK) as f64 / SAMPLE_RATE as f64);
                        if let Some(wait) = due.checked_sub(started.elapsed()) {
                            std::thread::sleep(wait);
                        }
                    }
                    if tx.send(SourceEvent::Audio(chunk.to_vec())).is_err() {
                        return;
                    }
                }
                if hold_open {
                    silence_until_stopped(&tx, &stop, started, samples.len().div_ceil(CHUNK));
                }
                let _ = tx.send(SourceEvent::Ended);
            })
            .expect("spawn a thread"))
    }
}

/// A source that falls back to silence when `inner` cannot start (the app
/// without a microphone: the conversation still runs, and the person types).
/// The failure is reported as the stream's first event.
pub struct OrSilence(pub Box<dyn AudioSource>);

impl AudioSource for OrSilence {
    fn describe(&self) -> String {
        self.0.describe()
    }

    fn start(
        self: Box<Self>,
        tx: Sender<SourceEvent>,
        stop: Arc<AtomicBool>,
    ) -> Result<JoinHandle<()>> {
        let name = self.0.describe();
        match self.0.start(tx.clone(), stop.clone()) {
            Ok(h) => Ok(h),
            Err(e) => {
                let _ = tx.send(SourceEvent::Error(format!(
                    "cannot listen to {name} ({e}): type to talk instead"
                )));
                Ok(std::thread::Builder::new()
                    .name("tofu-silence".into())
                    .spawn(move || {
                        silence_until_stopped(&tx, &stop, Instant::now(), 0);
                        let _ = tx.send(SourceEvent::Ended);
                    })
                    .expect("spawn a thread"))
            }
        }
    }
}

/// Sends silent chunks in real time, from chunk `i` of a stream that
/// started at `started`, until `stop` (or the receiver is gone).
fn silence_until_stopped(
    tx: &Sender<SourceEvent>,
    stop: &AtomicBool,
    started: Instant,
    mut i: usize,
) {
    while !stop.load(Ordering::Relaxed) {
        let due = Duration::from_secs_f64((i * CHUNK) as f64 / SAMPLE_RATE as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        if tx.send(SourceEvent::Audio(vec![0.0; CHUNK])).is_err() {
            return;
        }
        i += 1;
    }
}
