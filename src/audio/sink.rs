//! Where the companion's voice goes: a trait with two implementations, the
//! speakers ([`SpeakerSink`], through cpal) and a WAV file ([`WavSink`]) for
//! tests, benchmarks and `--output`. Both take 16 kHz mono f32 and can be
//! stopped at once (barge-in).
//!
//! A real-time [`WavSink`] is a timeline: sample *n* of the file is what the
//! speaker would play *n*/16000 s after the sink was created, with silence
//! where nothing was playing. Lined up with a real-time WAV source started
//! at the same moment, the gap between the end of the person's speech and
//! the first sound of the reply can be read off the two files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::source::Pace;
use super::SAMPLE_RATE;
use crate::error::{Error, Result};

pub trait AudioSink: Send + Sync {
    /// A name for logs and the UI.
    fn describe(&self) -> String;
    /// The stream starts now (a timeline sink counts from here).
    fn begin(&self) {}
    /// Queues 16 kHz mono samples after what is already queued.
    fn play(&self, samples: &[f32]) -> Result<()>;
    /// Seconds of queued audio not played yet.
    fn pending_s(&self) -> f64;
    /// Drops everything not played yet, at once.
    fn stop(&self);
    /// RMS of what the speaker played over the last `window_s` seconds
    /// (the reference for telling its echo from the person).
    fn recent_rms(&self, window_s: f64) -> f32;
    /// Waits until everything queued has played.
    fn drain(&self) {
        // A device that stopped playing must not hang the caller.
        let deadline = Instant::now() + Duration::from_secs_f64(self.pending_s() + 2.0);
        while self.pending_s() > 0.0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    /// Finishes (writes the file, closes the device).
    fn finish(&self) -> Result<()>;
}

struct Timeline {
    started: Instant,
    samples: Vec<f32>,
    finished: bool,
}

/// A WAV file as the speaker (16 kHz mono, 16-bit).
pub struct WavSink {
    path: PathBuf,
    pace: Pace,
    inner: Mutex<Timeline>,
}

impl WavSink {
    pub fn new(path: impl Into<PathBuf>, pace: Pace) -> WavSink {
        WavSink {
            path: path.into(),
            pace,
            inner: Mutex::new(Timeline {
                started: Instant::now(),
                samples: Vec::new(),
                finished: false,
            }),
        }
    }

    /// Where "now" is in the file.
    fn now_pos(t: &Timeline) -> usize {
        (t.started.elapsed().as_secs_f64() * f64::from(SAMPLE_RATE)) as usize
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When the timeline started (sample 0).
    pub fn started(&self) -> Instant {
        self.inner.lock().expect("sink lock").started
    }

    /// A copy of what has been played (or queued) so far.
    pub fn samples(&self) -> Vec<f32> {
        self.inner.lock().expect("sink lock").samples.clone()
    }

    /// Samples `from..to` of the timeline (silence where nothing is).
    pub fn samples_between(&self, from: usize, to: usize) -> Vec<f32> {
        let t = self.inner.lock().expect("sink lock");
        (from..to)
            .map(|i| t.samples.get(i).copied().unwrap_or(0.0))
            .collect()
    }
}

impl AudioSink for WavSink {
    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }

    fn begin(&self) {
        let mut t = self.inner.lock().expect("sink lock");
        t.started = Instant::now();
        t.samples.clear();
    }

    fn play(&self, samples: &[f32]) -> Result<()> {
        let mut t = self.inner.lock().expect("sink lock");
        if self.pace == Pace::RealTime {
            let now = Self::now_pos(&t);
            if t.samples.len() < now {
                t.samples.resize(now, 0.0);
            }
        }
        t.samples.extend_from_slice(samples);
        Ok(())
    }

    fn pending_s(&self) -> f64 {
        if self.pace == Pace::Fast {
            return 0.0;
        }
        let t = self.inner.lock().expect("sink lock");
        t.samples.len().saturating_sub(Self::now_pos(&t)) as f64 / f64::from(SAMPLE_RATE)
    }

    fn stop(&self) {
        if self.pace == Pace::Fast {
            return;
        }
        let mut t = self.inner.lock().expect("sink lock");
        let now = Self::now_pos(&t);
        if t.samples.len() > now {
            t.samples.truncate(now);
        }
    }

    fn recent_rms(&self, window_s: f64) -> f32 {
        if self.pace == Pace::Fast {
            return 0.0; // nothing is playing "now" in a file written ahead
        }
        let t = self.inner.lock().expect("sink lock");
        let now = Self::now_pos(&t);
        let from = now.saturating_sub((window_s * f64::from(SAMPLE_RATE)) as usize);
        let window = &t.samples[from.min(t.samples.len())..now.min(t.samples.len())];
        let n = (now - from).max(1) as f32;
        (window.iter().map(|x| x * x).sum::<f32>() / n).sqrt()
    }

    fn finish(&self) -> Result<()> {
        let mut t = self.inner.lock().expect("sink lock");
        if t.finished {
            return Ok(());
        }
        t.finished = true;
        super::wav::write_wav_16k(&self.path, &t.samples).map_err(|e| Error::Io {
            path: self.path.clone(),
            source: e,
        })
    }
}

/// The speakers: cpal's default output device (or one named). A thread owns
/// the stream (cpal streams may not move between threads); samples reach the
/// audio callback through a lock-free ring, resampled to the device's rate.
pub struct SpeakerSink {
    name: String,
    rate: u32,
    ring: Mutex<rtrb::Producer<f32>>,
    flush: Arc<AtomicBool>,
    queued: Arc<std::sync::atomic::AtomicUsize>,
    /// Mean square of the output over ~200 ms (f32 bits), from the callback.
    level: Arc<std::sync::atomic::AtomicU32>,
    failed: Arc<Mutex<Option<String>>>,
    close: Arc<AtomicBool>,
}

impl SpeakerSink {
    /// Opens the output device; a missing device is a clear error (the
    /// caller may fall back to a file).
    pub fn open(device: Option<&str>) -> Result<SpeakerSink> {
        let (tx, rx) = std::sync::mpsc::channel();
        let device = device.map(str::to_string);
        let close = Arc::new(AtomicBool::new(false));
        let flush = Arc::new(AtomicBool::new(false));
        let queued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let failed = Arc::new(Mutex::new(None));
        let level = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (c, f, q, fl) = (close.clone(), flush.clone(), queued.clone(), failed.clone());
        let lv = level.clone();
        std::thread::Builder::new()
            .name("tofu-speaker".into())
            .spawn(move || {
                let opened = open_output(device.as_deref(), f, q, lv, fl);
                match opened {
                    Ok((stream, producer, name, rate)) => {
                        let _ = tx.send(Ok((producer, name, rate)));
                        while !c.load(Ordering::Relaxed) {
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })
            .expect("spawn a thread");
        let (producer, name, rate) = rx
            .recv()
            .map_err(|_| Error::Playback("the output thread ended".into()))??;
        Ok(SpeakerSink {
            name,
            rate,
            ring: Mutex::new(producer),
            flush,
            queued,
            level,
            failed,
            close,
        })
    }
}

/// The names of the output devices (for the app's device picker).
pub fn list_output_devices() -> Vec<String> {
    use cpal::traits::{DeviceTrait, HostTrait};
    let host = cpal::default_host();
    let Ok(devices) = host.output_devices() else {
        return Vec::new();
    };
    devices
        .filter_map(|d| d.description().ok().map(|x| x.name().to_string()))
        .collect()
}

type Opened = (cpal::Stream, rtrb::Producer<f32>, String, u32);

fn open_output(
    device: Option<&str>,
    flush: Arc<AtomicBool>,
    queued: Arc<std::sync::atomic::AtomicUsize>,
    level: Arc<std::sync::atomic::AtomicU32>,
    failed: Arc<Mutex<Option<String>>>,
) -> Result<Opened> {
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    let host = cpal::default_host();
    let dev = match device {
        Some(wanted) => host
            .output_devices()
            .map_err(|e| Error::Playback(format!("cannot list output devices: {e}")))?
            .find(|d| {
                d.description()
                    .map(|x| x.name().to_lowercase().contains(&wanted.to_lowercase()))
                    .unwrap_or(false)
            })
            .ok_or_else(|| Error::Playback(format!("no output device matches '{wanted}'")))?,
        None => host.default_output_device().ok_or_else(|| {
            Error::Playback("no speakers found (no default output device)".into())
        })?,
    };
    let name = dev
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| "output".into());
    let supported = dev
        .default_output_config()
        .map_err(|e| Error::Playback(format!("{name}: cannot read its output format: {e}")))?;
    let config: cpal::StreamConfig = supported.config();
    let rate = config.sample_rate;
    let channels = usize::from(config.channels.max(1));
    // Thirty seconds of speech queued at most.
    let (producer, mut ring) = rtrb::RingBuffer::<f32>::new(rate as usize * 30);
    let err = move |e: cpal::Error| {
        if let Ok(mut slot) = failed.lock() {
            slot.get_or_insert_with(|| e.to_string());
        }
    };
    macro_rules! stream {
        ($t:ty) => {
            dev.build_output_stream::<$t, _, _>(
                config,
                move |data: &mut [$t], _: &cpal::OutputCallbackInfo| {
                    // The audio thread: no allocation, no locks.
                    if flush.swap(false, Ordering::AcqRel) {
                        let n = ring.slots();
                        if let Ok(c) = ring.read_chunk(n) {
                            c.commit_all();
                        }
                    }
                    let mut ms = f32::from_bits(level.load(Ordering::Relaxed));
                    let a = 1.0 / (0.2 * rate as f32);
                    for frame in data.chunks_mut(channels) {
                        let s = ring.pop().unwrap_or(0.0);
                        ms += a * (s * s - ms);
                        for x in frame.iter_mut() {
                            *x = cpal::Sample::from_sample(s);
                        }
                    }
                    level.store(ms.to_bits(), Ordering::Relaxed);
                    queued.store(ring.slots(), Ordering::Relaxed);
                },
                err,
                None,
            )
        };
    }
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => stream!(f32),
        cpal::SampleFormat::I16 => stream!(i16),
        cpal::SampleFormat::I32 => stream!(i32),
        cpal::SampleFormat::U16 => stream!(u16),
        other => {
            return Err(Error::Playback(format!(
                "{name}: unsupported sample format {other}"
            )))
        }
    }
    .map_err(|e| Error::Playback(format!("{name}: cannot open the output stream: {e}")))?;
    stream
        .play()
        .map_err(|e| Error::Playback(format!("{name}: cannot start playback: {e}")))?;
    Ok((stream, producer, name, rate))
}

/// How long `play` waits on a full queue the device does not drain.
const STALLED: Duration = Duration::from_secs(3);

impl AudioSink for SpeakerSink {
    fn describe(&self) -> String {
        format!("speakers {}", self.name)
    }

    fn play(&self, samples: &[f32]) -> Result<()> {
        if let Some(e) = self.failed.lock().ok().and_then(|f| f.clone()) {
            return Err(Error::Playback(format!("{}: {e}", self.name)));
        }
        let samples = if self.rate == SAMPLE_RATE {
            samples.to_vec()
        } else {
            super::wav::resample(samples, SAMPLE_RATE, self.rate).map_err(Error::Playback)?
        };
        let mut ring = self.ring.lock().expect("speaker lock");
        let mut rest = &samples[..];
        let mut progress = Instant::now();
        while !rest.is_empty() {
            let n = rest.len().min(ring.slots());
            if n == 0 {
                // Full: wait for the device to play some, but not for a
                // device that stopped taking audio (unplugged, suspended).
                if progress.elapsed() > STALLED {
                    let e = format!("the speakers took no audio for {} s", STALLED.as_secs());
                    // Not remembered as a failure: a device back from
                    // suspend plays the next sentence.
                    return Err(Error::Playback(format!("{}: {e}", self.name)));
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            progress = Instant::now();
            if let Ok(chunk) = ring.write_chunk_uninit(n) {
                chunk.fill_from_iter(rest[..n].iter().copied());
            }
            self.queued.fetch_add(n, Ordering::Relaxed);
            rest = &rest[n..];
        }
        Ok(())
    }

    fn pending_s(&self) -> f64 {
        self.queued.load(Ordering::Relaxed) as f64 / f64::from(self.rate)
    }

    fn stop(&self) {
        self.flush.store(true, Ordering::Release);
        self.queued.store(0, Ordering::Relaxed);
    }

    fn recent_rms(&self, _window_s: f64) -> f32 {
        f32::from_bits(self.level.load(Ordering::Relaxed)).sqrt()
    }

    fn finish(&self) -> Result<()> {
        self.drain();
        self.close.store(true, Ordering::Relaxed);
        Ok(())
    }
}

impl Drop for SpeakerSink {
    fn drop(&mut self) {
        self.close.store(true, Ordering::Relaxed);
    }
}
