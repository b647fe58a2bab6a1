//! WAV files to the engine's 16 kHz mono f32, whatever their format.

use std::path::Path;

use super::SAMPLE_RATE;
use crate::error::{Error, Result};

/// Reads a WAV file (8/16/24/32-bit integer or 32-bit float PCM, any rate,
/// any channel count) as 16 kHz mono f32 in [-1, 1].
/// Sample rates a recording may have: telephone speech to studio audio.
pub const MIN_RATE: u32 = 4_000;
pub const MAX_RATE: u32 = 384_000;

pub fn read_wav_16k_mono(path: &Path) -> Result<Vec<f32>> {
    let bad = |reason: String| Error::Audio {
        path: path.to_path_buf(),
        reason,
    };
    let reader = hound::WavReader::open(path).map_err(|e| bad(describe(e)))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(bad(
            "the header declares no channels or a zero sample rate".into()
        ));
    }
    // The resampler's buffers follow the rate: a header claiming
    // 4294967291 Hz made it ask for 17 GB and abort the process.
    if !(MIN_RATE..=MAX_RATE).contains(&spec.sample_rate) {
        return Err(bad(format!(
            "a sample rate of {} Hz is not audio Tofu can read ({MIN_RATE}..{MAX_RATE} Hz)",
            spec.sample_rate
        )));
    }
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => reader
            .into_samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(describe(e)))?,
        (hound::SampleFormat::Int, bits @ 1..=32) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| bad(describe(e)))?
        }
        (fmt, bits) => {
            return Err(bad(format!(
                "unsupported sample format: {bits}-bit {fmt:?}"
            )))
        }
    };
    if interleaved.is_empty() {
        return Err(bad("the file holds no audio samples".into()));
    }
    let mono = downmix(&interleaved, spec.channels as usize);
    if spec.sample_rate == SAMPLE_RATE {
        Ok(mono)
    } else {
        resample(&mono, spec.sample_rate, SAMPLE_RATE).map_err(bad)
    }
}

fn describe(e: hound::Error) -> String {
    match e {
        hound::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file is truncated".into()
        }
        hound::Error::FormatError(what) => format!("not a valid WAV file ({what})"),
        other => other.to_string(),
    }
}

/// Averages interleaved channels into one.
pub fn downmix(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels == 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

/// Band-limited resampling of a mono signal (rubato's FFT resampler).
pub fn resample(mono: &[f32], from: u32, to: u32) -> std::result::Result<Vec<f32>, String> {
    use rubato::audioadapter::Adapter;
    use rubato::audioadapter_buffers::direct::InterleavedSlice;
    use rubato::{Fft, FixedSync, Resampler};

    let frames = mono.len();
    let input = InterleavedSlice::new(mono, 1, frames).map_err(|e| e.to_string())?;
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Input)
        .map_err(|e| format!("cannot resample from {from} Hz: {e}"))?;
    let out = resampler
        .process_all(&input, frames, None)
        .map_err(|e| format!("resampling failed: {e}"))?;
    Ok((0..out.frames())
        .map(|i| out.read_sample(0, i).unwrap_or(0.0))
        .collect())
}

/// Writes 16-bit PCM at 16 kHz mono: to a temporary name first, flushed to
/// disk, then renamed, so a crash never leaves a half-written file under the
/// final name.
pub fn write_wav_16k(path: &Path, samples: &[f32]) -> std::io::Result<()> {
    let tmp = path.with_extension("wav.partial");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let to_io = |e: hound::Error| match e {
        hound::Error::IoError(io) => io,
        other => std::io::Error::other(other.to_string()),
    };
    let mut w = hound::WavWriter::create(&tmp, spec).map_err(to_io)?;
    for &s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .map_err(to_io)?;
    }
    w.finalize().map_err(to_io)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    tofu_models::durable::rename_durably(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, spec: hound::WavSpec, samples: &[f32]) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &s in samples {
            match (spec.sample_format, spec.bits_per_sample) {
                (hound::SampleFormat::Float, _) => w.write_sample(s).unwrap(),
                (_, 8) => w.write_sample((s * 127.0) as i8).unwrap(),
                (_, 16) => w.write_sample((s * 32767.0) as i16).unwrap(),
                _ => w.write_sample((s * 8_388_607.0) as i32).unwrap(),
            }
        }
        w.finalize().unwrap();
    }

    fn sine(rate: u32, secs: f32, hz: f32) -> Vec<f32> {
        (0..(rate as f32 * secs) as usize)
            .map(|i| (i as f32 / rate as f32 * hz * std::f32::consts::TAU).sin() * 0.5)
            .collect()
    }

    #[test]
    fn odd_formats_become_16k_mono() {
        let dir = tempfile::tempdir().unwrap();
        for (rate, channels, bits, float) in [
            (44_100, 2, 16, false),
            (8_000, 1, 8, false),
            (48_000, 1, 32, true),
            (16_000, 1, 24, false),
        ] {
            let spec = hound::WavSpec {
                channels,
                sample_rate: rate,
                bits_per_sample: bits,
                sample_format: if float {
                    hound::SampleFormat::Float
                } else {
                    hound::SampleFormat::Int
                },
            };
            let mono = sine(rate, 1.0, 440.0);
            let interleaved: Vec<f32> = mono
                .iter()
                .flat_map(|&s| std::iter::repeat_n(s, channels as usize))
                .collect();
            let path = dir.path().join(format!("{rate}-{channels}-{bits}.wav"));
            write(&path, spec, &interleaved);
            let out = read_wav_16k_mono(&path).unwrap();
            assert!(
                (out.len() as i64 - 16_000).abs() < 200,
                "{rate} Hz: {} samples",
                out.len()
            );
            let rms = (out[2000..14000].iter().map(|v| v * v).sum::<f32>() / 12000.0).sqrt();
            assert!(
                (rms - 0.5 / 2f32.sqrt()).abs() < 0.03,
                "{rate} Hz/{bits} bit: rms {rms}"
            );
        }
    }

    #[test]
    fn corrupt_truncated_and_empty_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.wav");
        std::fs::write(&empty, b"").unwrap();
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"this is not audio at all, just text").unwrap();
        let good = dir.path().join("good.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        write(&good, spec, &sine(16_000, 0.5, 300.0));
        let bytes = std::fs::read(&good).unwrap();
        let truncated = dir.path().join("truncated.wav");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2 + 1]).unwrap();
        let no_samples = dir.path().join("no_samples.wav");
        write(&no_samples, spec, &[]);
        // A 1 KB file whose header claims 4294967291 Hz (it used to abort
        // the process asking for 17 GB): the rate is patched into a good header.
        let huge_rate = dir.path().join("huge_rate.wav");
        let eight_bit = hound::WavSpec {
            bits_per_sample: 8,
            ..spec
        };
        write(&huge_rate, eight_bit, &sine(16_000, 0.1, 300.0));
        let mut patched = std::fs::read(&huge_rate).unwrap();
        patched.truncate(1024);
        // Sample rate, and the byte rate that must agree with it (8-bit mono).
        patched[24..28].copy_from_slice(&4_294_967_291u32.to_le_bytes());
        patched[28..32].copy_from_slice(&4_294_967_291u32.to_le_bytes());
        std::fs::write(&huge_rate, &patched).unwrap();
        for (path, expect) in [
            (&empty, ""),
            (&junk, "not a valid WAV"),
            (&truncated, ""),
            (&no_samples, "no audio"),
            (&huge_rate, "4294967291 Hz"),
        ] {
            let err = read_wav_16k_mono(path).unwrap_err().to_string();
            assert!(
                err.contains(path.file_name().unwrap().to_str().unwrap()),
                "{err}"
            );
            assert!(err.contains(expect), "{err}");
        }
    }
}
