//! The microphone, through cpal.
//!
//! The audio callback only downmixes to mono and pushes into a lock-free ring
//! (no allocation, no locks, never blocks); a capture thread drains the ring,
//! resamples to 16 kHz and sends chunks on. If the device fails or disappears,
//! the thread reports it, keeps what was already sent, and reopens the input
//! (the system default, unless a device was named) once a second.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample, StreamConfig};
use serde::Serialize;

use super::source::{AudioSource, SourceEvent};
use super::SAMPLE_RATE;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InputDevice {
    pub name: String,
    pub id: String,
    pub host: String,
    pub is_default: bool,
    /// e.g. "48000 Hz, 2 ch, f32"
    pub default_config: Option<String>,
}

/// Listens to `device` (`None`: the default) for `duration` and reports
/// its name and its loudest moment: the app's microphone test.
pub fn sample_level(
    device: Option<&str>,
    duration: Duration,
) -> Result<(String, super::level::Level)> {
    use std::sync::mpsc::{self, RecvTimeoutError};
    let source = Box::new(MicSource {
        device: device.map(str::to_string),
    });
    let name = source.describe();
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let thread = source.start(tx, stop.clone())?;
    let deadline = Instant::now() + duration;
    let mut meter = super::level::LevelMeter::new(SAMPLE_RATE as usize / 20);
    let mut loudest = super::level::Level {
        rms: 0.0,
        peak: 0.0,
    };
    let mut failure = None;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(SourceEvent::Audio(s)) => meter.push(&s, |l| {
                loudest.rms = loudest.rms.max(l.rms);
                loudest.peak = loudest.peak.max(l.peak);
            }),
            Ok(SourceEvent::Error(e)) => {
                failure = Some(e);
                break;
            }
            Ok(SourceEvent::Ended) | Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => break,
        }
    }
    stop.store(true, Ordering::SeqCst);
    let _ = thread.join();
    match failure {
        Some(e) => Err(Error::Capture(e)),
        None => Ok((name, loudest)),
    }
}

/// The input devices of the audio host Tofu uses (on Linux, ALSA, whose list
/// includes the `pipewire` and `pulse` bridges when they are installed).
pub fn list_input_devices() -> Vec<InputDevice> {
    let host = host();
    let host_name = host.id().name().to_string();
    let default_id = host
        .default_input_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.to_string());
    let Ok(devices) = host.input_devices() else {
        return Vec::new();
    };
    devices
        .map(|dev| {
            let id = dev.id().map(|i| i.to_string()).unwrap_or_default();
            InputDevice {
                name: dev
                    .description()
                    .map(|d| d.name().to_string())
                    .unwrap_or_else(|_| id.clone()),
                is_default: default_id.as_deref() == Some(id.as_str()),
                default_config: dev.default_input_config().ok().map(|c| {
                    format!(
                        "{} Hz, {} ch, {}",
                        c.sample_rate(),
                        c.channels(),
                        c.sample_format()
                    )
                }),
                host: host_name.clone(),
                id,
            }
        })
        .collect()
}

/// The audio host: `TOFU_AUDIO_HOST` (e.g. `alsa`, `jack` where built in)
/// when set, else cpal's default.
fn host() -> cpal::Host {
    if let Ok(wanted) = std::env::var("TOFU_AUDIO_HOST") {
        let found = cpal::available_hosts()
            .into_iter()
            .find(|id| id.name().eq_ignore_ascii_case(&wanted))
            .and_then(|id| cpal::host_from_id(id).ok());
        match found {
            Some(h) => return h,
            None => {
                tracing::warn!(%wanted, "TOFU_AUDIO_HOST names no available audio host; using the default")
            }
        }
    }
    cpal::default_host()
}

/// Finds an input device by exact id, else by a case-insensitive part of its name.
fn find_device(host: &cpal::Host, wanted: &str) -> Option<cpal::Device> {
    let wanted_lower = wanted.to_lowercase();
    host.input_devices().ok()?.find(|d| {
        d.id().map(|i| i.to_string() == wanted).unwrap_or(false)
            || d.description()
                .map(|desc| desc.name().to_lowercase().contains(&wanted_lower))
                .unwrap_or(false)
    })
}

pub struct MicSource {
    /// A device id or part of its name; `None` follows the system default.
    pub device: Option<String>,
}

impl AudioSource for MicSource {
    fn describe(&self) -> String {
        match &self.device {
            Some(d) => format!("microphone {d}"),
            None => "the default microphone".into(),
        }
    }

    fn start(
        self: Box<Self>,
        tx: Sender<SourceEvent>,
        stop: Arc<AtomicBool>,
    ) -> Result<JoinHandle<()>> {
        // Open once up front so a missing microphone is a clear error at start.
        let first = open(&host(), self.device.as_deref())?;
        let device = self.device.clone();
        Ok(std::thread::Builder::new()
            .name("tofu-capture".into())
            .spawn(move || capture_loop(first, device, tx, stop))
            .expect("spawn a thread"))
    }
}

/// An open input stream and the consumer side of its ring.
struct Capture {
    _stream: cpal::Stream,
    id: Option<String>,
    ring: rtrb::Consumer<f32>,
    rate: u32,
    name: String,
    failed: Arc<Mutex<Option<String>>>,
    dropped: Arc<AtomicUsize>,
}

fn open(host: &cpal::Host, device: Option<&str>) -> Result<Capture> {
    let dev = match device {
        Some(name) => find_device(host, name).ok_or_else(|| {
            Error::Capture(format!(
                "no input device matches '{name}' (see `tofu listen --list-devices`)"
            ))
        })?,
        None => host.default_input_device().ok_or_else(|| {
            Error::Capture("no microphone found (no default input device)".into())
        })?,
    };
    let name = dev
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| "input".into());
    let supported = dev
        .default_input_config()
        .map_err(|e| Error::Capture(format!("{name}: cannot read its input format: {e}")))?;
    let format = supported.sample_format();
    let config: StreamConfig = supported.config();
    // The capture thread drains this every few milliseconds; ten seconds of room
    // (about 2 MB at 48 kHz) means even a long stall of that thread loses nothing.
    let (producer, ring) = rtrb::RingBuffer::<f32>::new(config.sample_rate as usize * 10);
    let failed = Arc::new(Mutex::new(None));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (f, d) = (failed.clone(), dropped.clone());
    let stream = match format {
        SampleFormat::F32 => build::<f32>(&dev, config, producer, f, d),
        SampleFormat::F64 => build::<f64>(&dev, config, producer, f, d),
        SampleFormat::I8 => build::<i8>(&dev, config, producer, f, d),
        SampleFormat::I16 => build::<i16>(&dev, config, producer, f, d),
        SampleFormat::I24 => build::<cpal::I24>(&dev, config, producer, f, d),
        SampleFormat::I32 => build::<i32>(&dev, config, producer, f, d),
        SampleFormat::U8 => build::<u8>(&dev, config, producer, f, d),
        SampleFormat::U16 => build::<u16>(&dev, config, producer, f, d),
        SampleFormat::U32 => build::<u32>(&dev, config, producer, f, d),
        other => {
            return Err(Error::Capture(format!(
                "{name}: unsupported sample format {other}"
            )))
        }
    }
    .map_err(|e| Error::Capture(format!("{name}: cannot open the input stream: {e}")))?;
    stream
        .play()
        .map_err(|e| Error::Capture(format!("{name}: cannot start capture: {e}")))?;
    tracing::info!(%name, rate = config.sample_rate, channels = config.channels, %format, "capturing");
    Ok(Capture {
        _stream: stream,
        id: dev.id().ok().map(|i| i.to_string()),
        ring,
        rate: config.sample_rate,
        name,
        failed,
        dropped,
    })
}

fn build<T>(
    dev: &cpal::Device,
    config: StreamConfig,
    mut producer: rtrb::Producer<f32>,
    failed: Arc<Mutex<Option<String>>>,
    dropped: Arc<AtomicUsize>,
) -> std::result::Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let scale = 1.0 / channels as f32;
    dev.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            // The audio thread: no allocation, no locks, no waiting.
            let frames = data.len() / channels;
            let n = frames.min(producer.slots());
            if let Ok(chunk) = producer.write_chunk_uninit(n) {
                chunk.fill_from_iter(
                    data.chunks_exact(channels)
                        .map(|f| f.iter().map(|&s| s.to_sample::<f32>()).sum::<f32>() * scale),
                );
            }
            if n < frames {
                dropped.fetch_add(frames - n, Ordering::Relaxed);
            }
        },
        move |err: cpal::Error| {
            if !matches!(err.kind(), cpal::ErrorKind::Xrun) {
                if let Ok(mut slot) = failed.lock() {
                    slot.get_or_insert_with(|| err.to_string());
                }
            }
        },
        None,
    )
}

fn capture_loop(
    first: Capture,
    device: Option<String>,
    tx: Sender<SourceEvent>,
    stop: Arc<AtomicBool>,
) {
    // One host for the thread's life (some hosts are client connections).
    let host = host();
    let mut capture = Some(first);
    let mut buf = vec![0f32; 4096];
    let mut resampler: Option<(u32, Resampler16k)> = None;
    let mut last_default_check = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let Some(cap) = capture.as_mut() else {
            std::thread::sleep(Duration::from_secs(1));
            match open(&host, device.as_deref()) {
                Ok(c) => {
                    tracing::info!(name = %c.name, "input device back");
                    capture = Some(c);
                }
                Err(e) => tracing::debug!("still no input: {e}"),
            }
            continue;
        };
        let n = match drain(cap, &mut buf, &mut resampler, &tx) {
            Some(n) => n,
            None => return, // nobody listens any more
        };
        if n > 0 {
            continue;
        }
        let failure = cap.failed.lock().ok().and_then(|mut f| f.take());
        if let Some(reason) = failure {
            let msg = format!("{}: {reason}; retrying every second", cap.name);
            if tx.send(SourceEvent::Error(msg)).is_err() {
                return;
            }
            capture = None;
            continue;
        }
        // Follow the system default input when it changes (unless a device was named).
        if device.is_none() && last_default_check.elapsed() >= Duration::from_secs(2) {
            last_default_check = Instant::now();
            let now = host
                .default_input_device()
                .and_then(|d| d.id().ok())
                .map(|i| i.to_string());
            if now.is_some() && now != cap.id {
                match open(&host, None) {
                    Ok(c) => {
                        tracing::info!(name = %c.name, "the default input changed; following it");
                        capture = Some(c);
                        continue;
                    }
                    Err(e) => tracing::warn!("the default input changed but cannot be opened: {e}"),
                }
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Moves what the callback captured to `tx` at 16 kHz; returns the samples
/// read, or `None` when the receiver is gone.
fn drain(
    cap: &mut Capture,
    buf: &mut [f32],
    resampler: &mut Option<(u32, Resampler16k)>,
    tx: &Sender<SourceEvent>,
) -> Option<usize> {
    let (got, _) = cap.ring.pop_partial_slice(buf);
    if got.is_empty() {
        return Some(0);
    }
    let dropped = cap.dropped.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        tracing::warn!(dropped, "the capture ring overflowed: samples were lost");
    }
    if resampler.as_ref().map(|(r, _)| *r) != Some(cap.rate) {
        *resampler = Some((cap.rate, Resampler16k::new(cap.rate)));
    }
    let n = got.len();
    let out = resampler.as_mut().expect("set above").1.push(got);
    if !out.is_empty() && tx.send(SourceEvent::Audio(out)).is_err() {
        return None;
    }
    Some(n)
}

/// Streaming resampling to 16 kHz (rubato's FFT resampler, fixed input chunks).
pub struct Resampler16k {
    inner: Option<rubato::Fft<f32>>,
    pending: Vec<f32>,
    chunk: usize,
}

impl Resampler16k {
    pub fn new(from: u32) -> Resampler16k {
        let chunk = (from as usize / 100).max(64); // 10 ms
        let inner = (from != SAMPLE_RATE)
            .then(|| {
                rubato::Fft::<f32>::new(
                    from as usize,
                    SAMPLE_RATE as usize,
                    chunk,
                    1,
                    rubato::FixedSync::Input,
                )
                .ok()
            })
            .flatten();
        Resampler16k {
            inner,
            pending: Vec::with_capacity(chunk * 4),
            chunk,
        }
    }

    /// Feeds samples at the source rate; returns what is ready at 16 kHz.
    pub fn push(&mut self, input: &[f32]) -> Vec<f32> {
        use rubato::audioadapter::Adapter;
        use rubato::audioadapter_buffers::direct::InterleavedSlice;
        use rubato::Resampler;
        let Some(r) = self.inner.as_mut() else {
            return input.to_vec();
        };
        self.pending.extend_from_slice(input);
        let mut out = Vec::new();
        let mut used = 0;
        while self.pending.len() - used >= self.chunk {
            let slice = &self.pending[used..used + self.chunk];
            let Ok(adapter) = InterleavedSlice::new(slice, 1, self.chunk) else {
                break;
            };
            match r.process(&adapter, None) {
                Ok(res) => {
                    out.extend((0..res.frames()).map(|i| res.read_sample(0, i).unwrap_or(0.0)))
                }
                Err(e) => {
                    tracing::warn!("resampling failed: {e}");
                    break;
                }
            }
            used += self.chunk;
        }
        self.pending.drain(..used);
        out
    }
}
