//! `tofu bench asr`: Tofu's speech-to-text path against whisper.cpp's plain
//! decode, on the same files and model in the same run.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{ms, peak_rss_mb, reset_peak_rss};

use serde::Serialize;

use crate::audio::wav::read_wav_16k_mono;
use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};
use crate::eval::{normalize_words, word_errors};
use crate::hear::{transcribe_recording, VadConfig};
use crate::stt::{SpeechModel, TranscribeOptions};

/// Utterances shorter than this count as "short" (commands, quick replies).
pub const SHORT_S: f64 = 5.0;

#[derive(Debug, Clone, Serialize)]
pub struct AsrFile {
    pub file: String,
    pub audio_s: f64,
    pub reference: String,
    pub tofu_text: String,
    pub tofu_ms: f64,
    pub tofu_errors: usize,
    pub plain_text: String,
    pub plain_ms: f64,
    pub plain_errors: usize,
    pub words: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AsrFigures {
    /// Corpus word error rate (normalised), 0..1.
    pub wer: f64,
    /// Wall time of transcription / audio duration.
    pub rtf: f64,
    /// Mean end-to-end milliseconds per file under SHORT_S seconds.
    pub short_mean_ms: f64,
    /// Mean end-to-end milliseconds per file.
    pub mean_ms: f64,
    /// Peak resident memory of the process while this pipeline ran, MB.
    pub peak_rss_mb: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AsrReport {
    pub data: PathBuf,
    pub model: PathBuf,
    pub files: usize,
    pub audio_s: f64,
    pub model_load_ms: f64,
    pub tofu: AsrFigures,
    pub plain: AsrFigures,
    pub per_file: Vec<AsrFile>,
}

/// Reads `manifest.tsv` (file, reference, ...) of a speech folder.
pub fn read_manifest(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let path = dir.join("manifest.tsv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
        path: path.clone(),
        source: e,
    })?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next()?.trim();
            let reference = cols.next()?.trim();
            (!file.is_empty()).then(|| (dir.join(file), reference.to_string()))
        })
        .collect())
}

/// Runs every file through Tofu's path (VAD + trimmed encoder context + gate)
/// and through whisper.cpp's plain decode (whole file, full 30 s window).
pub fn asr(data: &Path, model_path: &Path, opts: &TranscribeOptions) -> Result<AsrReport> {
    let rows = read_manifest(data)?;
    let started = Instant::now();
    let model = SpeechModel::load(model_path)?;
    let model_load_ms = ms(started);
    let audio: Vec<Vec<f32>> = rows
        .iter()
        .map(|(f, _)| read_wav_16k_mono(f))
        .collect::<Result<_>>()?;
    let vad = VadConfig::default();
    let reference = TranscribeOptions {
        language: opts.language.clone(),
        threads: opts.threads,
        ..TranscribeOptions::reference()
    };

    reset_peak_rss();
    let mut ours = Vec::new();
    for samples in &audio {
        let t = Instant::now();
        let text = transcribe_recording(&model, samples, &vad, opts)?.text;
        ours.push((text, ms(t)));
    }
    let tofu_rss = peak_rss_mb();

    reset_peak_rss();
    let mut plain = Vec::new();
    for samples in &audio {
        let t = Instant::now();
        let text = model.transcribe(samples, &reference)?.text;
        plain.push((text, ms(t)));
    }
    let plain_rss = peak_rss_mb();

    let per_file: Vec<AsrFile> = rows
        .iter()
        .zip(&audio)
        .zip(ours.into_iter().zip(plain))
        .map(
            |(((file, reference), samples), ((tofu_text, tofu_ms), (plain_text, plain_ms)))| {
                let r = normalize_words(reference);
                AsrFile {
                    file: file
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned(),
                    audio_s: samples.len() as f64 / SAMPLE_RATE as f64,
                    tofu_errors: word_errors(&r, &normalize_words(&tofu_text)),
                    plain_errors: word_errors(&r, &normalize_words(&plain_text)),
                    words: r.len(),
                    reference: reference.clone(),
                    tofu_text,
                    tofu_ms,
                    plain_text,
                    plain_ms,
                }
            },
        )
        .collect();
    let audio_s: f64 = per_file.iter().map(|f| f.audio_s).sum();
    let figures = |errors: &dyn Fn(&AsrFile) -> usize, time: &dyn Fn(&AsrFile) -> f64, rss: f64| {
        let words: usize = per_file.iter().map(|f| f.words).sum();
        let short: Vec<f64> = per_file
            .iter()
            .filter(|f| f.audio_s < SHORT_S)
            .map(time)
            .collect();
        AsrFigures {
            wer: per_file.iter().map(errors).sum::<usize>() as f64 / words.max(1) as f64,
            rtf: per_file.iter().map(time).sum::<f64>() / 1e3 / audio_s.max(1e-9),
            short_mean_ms: short.iter().sum::<f64>() / short.len().max(1) as f64,
            mean_ms: per_file.iter().map(time).sum::<f64>() / per_file.len().max(1) as f64,
            peak_rss_mb: rss,
        }
    };
    Ok(AsrReport {
        data: data.to_path_buf(),
        model: model_path.to_path_buf(),
        files: per_file.len(),
        audio_s,
        model_load_ms,
        tofu: figures(&|f| f.tofu_errors, &|f| f.tofu_ms, tofu_rss),
        plain: figures(&|f| f.plain_errors, &|f| f.plain_ms, plain_rss),
        per_file,
    })
}
