//! The fallback voice: CMU Flite's "kal16" diphone voice, ported to pure
//! Rust (`flite-rs`). No model files, no native code, the same samples every
//! time: it always works, and tests can rely on it.

use std::sync::{Arc, OnceLock};

use super::{Speech, Voice};
use crate::error::Result;

fn build() -> flite_rs::Engine {
    let mut e = flite_rs::Engine::new();
    e.select_voice("kal16");
    e
}

/// Parsing the voice tables takes a moment: once per process.
fn engine() -> Arc<flite_rs::Engine> {
    static ENGINE: OnceLock<Arc<flite_rs::Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(build())).clone()
}

pub struct FliteVoice {
    engine: Arc<flite_rs::Engine>,
    rate: f32,
}

impl FliteVoice {
    pub fn new(rate: f32) -> FliteVoice {
        let engine = if (rate - 1.0).abs() > 1e-3 {
            let mut e = build();
            e.set_duration_stretch(1.0 / rate.clamp(0.5, 2.0));
            Arc::new(e)
        } else {
            engine()
        };
        FliteVoice { engine, rate }
    }
}

impl Voice for FliteVoice {
    fn name(&self) -> String {
        if (self.rate - 1.0).abs() > 1e-3 {
            format!("flite:kal16@{:.2}", self.rate)
        } else {
            "flite:kal16".into()
        }
    }

    fn sample_rate(&self) -> u32 {
        self.engine.sample_rate()
    }

    fn synthesize(&mut self, text: &str) -> Result<Speech> {
        let a = self.engine.synthesize(text);
        Ok(Speech {
            samples: a.samples.iter().map(|&s| f32::from(s) / 32768.0).collect(),
            sample_rate: a.sample_rate,
        })
    }
}
