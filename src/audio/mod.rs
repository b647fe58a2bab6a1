//! Audio in and out of the engine. Everything inside the engine is 16 kHz mono f32.

pub mod level;
pub mod mic;
pub mod sink;
pub mod source;
pub mod wav;

/// The sample rate the engine works at (whisper's).
pub const SAMPLE_RATE: u32 = 16_000;

/// `secs` of faint noise at 16 kHz, like a quiet room (a microphone never
/// gives digital zeros): a fixed linear congruential sequence from `seed`,
/// so tests and benchmarks hear the same "silence" every run.
pub fn room_tone(secs: f64, seed: u32) -> Vec<f32> {
    let mut x = seed;
    (0..(secs * f64::from(SAMPLE_RATE)) as usize)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((x >> 9) as f32 / (1u32 << 23) as f32 - 0.5) * 0.002
        })
        .collect()
}
