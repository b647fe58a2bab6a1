//! `tofu bench ...`: benchmarks that print figures, each with its baseline
//! measured in the same run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use tofu::stt::{TranscribeOptions, DEFAULT_MODEL};
use tofu::Paths;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Speech to text over a folder with a manifest.tsv: WER, real-time factor,
    /// model load time and peak RSS, for Tofu's path and whisper.cpp's plain decode
    Asr {
        /// Folder with manifest.tsv (file<TAB>reference...) and the WAV files
        #[arg(long, default_value = "../shared/testdata/speech/dev")]
        data: PathBuf,
        /// One JSON object (with per-file rows) instead of the table
        #[arg(long)]
        json: bool,
        /// A ggml whisper model to use instead of the installed default
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
    },
}

pub fn run(cmd: BenchCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Asr { data, json, model } => {
            let model = match model {
                Some(m) => m,
                None => paths.model_store().require_main(DEFAULT_MODEL)?,
            };
            let report = tofu::bench::asr(&data, &model, &TranscribeOptions::default())?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "asr: {} files, {:.1} s of audio, model {} (load {:.0} ms)",
                report.files,
                report.audio_s,
                report.model.display(),
                report.model_load_ms
            );
            println!(
                "{:<8} {:>7} {:>7} {:>14} {:>12} {:>12}",
                "path", "WER", "RTF", "short mean ms", "mean ms", "peak RSS MB"
            );
            for (name, f) in [("tofu", &report.tofu), ("plain", &report.plain)] {
                println!(
                    "{name:<8} {:>6.1}% {:>7.3} {:>14.0} {:>12.0} {:>12.0}",
                    f.wer * 100.0,
                    f.rtf,
                    f.short_mean_ms,
                    f.mean_ms,
                    f.peak_rss_mb
                );
            }
            println!(
                "tofu: VAD + encoder context trimmed to each utterance + no-speech gate; plain: whole file, 30 s window (short = under {} s)",
                tofu::bench::SHORT_S
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
