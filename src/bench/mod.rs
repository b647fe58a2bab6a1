//! Benchmarks that print figures: each measures Tofu's path and a plain
//! baseline in the same run, on the same data.
//!
//! - [`asr`]: speech to text (WER, real-time factor, latency, memory).
//! - [`store`]: the history at scale (insert rate, search latency p50/p99).
//! - [`turns`]: turn-taking (cut-ins on mid-sentence pauses, the wait when done).

pub mod asr;
pub mod conversation;
pub mod latency;
pub mod reply;
pub mod soak;
pub mod store;
pub mod style;
pub mod turns;

use std::time::Instant;

pub use asr::{asr, read_manifest, AsrFigures, AsrFile, AsrReport, SHORT_S};

pub(crate) fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// The `p`-th percentile (0..=100) of `values`, nearest rank.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// Peak resident set size of this process so far, MB (Linux; 0 elsewhere).
pub fn peak_rss_mb() -> f64 {
    peak_rss_mb_of("self")
}

/// The same for another process (`pid`), e.g. the language-model worker.
pub fn peak_rss_mb_of(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Resets the peak RSS to the current RSS (Linux: `5` to /proc/self/clear_refs).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[cfg(test)]
mod tests {
    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::percentile(&v, 50.0), 50.0);
        assert_eq!(super::percentile(&v, 99.0), 99.0);
        assert_eq!(super::percentile(&v, 100.0), 100.0);
        assert_eq!(super::percentile(&[3.0], 99.0), 3.0);
    }
}
