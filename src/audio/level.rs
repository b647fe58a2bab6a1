//! The input level for the UI's meter: RMS and peak over short windows.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Level {
    pub rms: f32,
    pub peak: f32,
}

/// Accumulates samples and yields a [`Level`] every `window` samples
/// (800 at 16 kHz = 20 per second).
pub struct LevelMeter {
    window: usize,
    n: usize,
    sum_sq: f64,
    peak: f32,
}

impl LevelMeter {
    pub fn new(window: usize) -> LevelMeter {
        LevelMeter {
            window: window.max(1),
            n: 0,
            sum_sq: 0.0,
            peak: 0.0,
        }
    }

    pub fn push(&mut self, samples: &[f32], mut on_level: impl FnMut(Level)) {
        for &s in samples {
            self.sum_sq += (s as f64) * (s as f64);
            self.peak = self.peak.max(s.abs());
            self.n += 1;
            if self.n == self.window {
                on_level(Level {
                    rms: (self.sum_sq / self.n as f64).sqrt() as f32,
                    peak: self.peak,
                });
                self.n = 0;
                self.sum_sq = 0.0;
                self.peak = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_square_wave_reads_one() {
        let mut m = LevelMeter::new(800);
        let mut levels = Vec::new();
        let wave: Vec<f32> = (0..1600)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        m.push(&wave, |l| levels.push(l));
        assert_eq!(levels.len(), 2);
        assert!((levels[0].rms - 1.0).abs() < 1e-6 && levels[0].peak == 1.0);
    }
}
