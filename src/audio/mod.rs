//! Audio in and out of the engine. Everything inside the engine is 16 kHz mono f32.

pub mod level;
pub mod mic;
pub mod sink;
pub mod source;
pub mod wav;

/// The sample rate the engine works at (whisper's).
pub const SAMPLE_RATE: u32 = 16_000;
