//! Tofu's engine: a headless library that hears, remembers, learns how its
//! person talks, answers and speaks. It runs without a window or a sound card
//! (WAV files in, WAV files out); the CLI (`src/main.rs`) and the desktop shell
//! (`src-tauri/`) are thin layers over it.
//!
//! Data flows one way: audio → voice activity → speech-to-text → store →
//! style model → reply → speech. See ARCHITECTURE.md for the map.

pub mod audio;
pub mod bench;
pub mod catalogue;
pub mod converse;
pub mod diagnostics;
pub mod error;
pub mod eval;
pub mod export;
pub mod forget;
pub mod hear;
pub(crate) mod lines;
pub mod llm;
pub mod logs;
pub mod mind;
pub mod paths;
pub mod store;
pub mod stt;
pub mod style;
pub mod timefmt;
pub mod tts;

pub use error::{Error, Result};
pub use paths::Paths;
pub use tofu_models as models;

/// Call first in `main`, before any thread starts. ONNX Runtime (the voice,
/// the end-of-turn model) otherwise writes a telemetry device id and an
/// event database under `~/.cache/Microsoft/DeveloperTools/` (outside the
/// one folder Tofu keeps) and may try to upload events; only
/// `ORT_DISABLE_TELEMETRY`, set before it loads, stops it (the API's
/// `DisableTelemetryEvents` comes too late). Setting the environment is
/// only sound while the process has one thread, hence here.
pub fn prepare_process() {
    std::env::set_var("ORT_DISABLE_TELEMETRY", "1");
    // glibc gives every thread that allocates a heap (arena) of its own, up
    // to 8 per core, and seldom returns their freed memory. Whisper's
    // buffers (tens of MB, made again for each decode on the speech, pause
    // and end-of-turn threads) fragmented them: `tofu bench soak` saw the
    // app grow from 831 MB at 2 minutes to 969 MB at 12. Two arenas serve
    // two busy threads at a time without that spread.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// The CPU features the bundled native code is compiled to use
/// (`.cargo/config.toml`: ggml in whisper.cpp and llama.cpp is built for
/// x86-64-v3). A CPU without them would stop the program with an illegal
/// instruction somewhere in a model; [`unsupported_cpu`] says so first.
#[cfg(target_arch = "x86_64")]
pub const REQUIRED_CPU_FEATURES: &[&str] = &["avx", "avx2", "fma", "f16c", "bmi2"];

/// Why this CPU cannot run Tofu's native code, if it cannot: call it at the
/// start of `main` and exit with the message.
pub fn unsupported_cpu() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        let has = |f: &str| match f {
            "avx" => std::arch::is_x86_feature_detected!("avx"),
            "avx2" => std::arch::is_x86_feature_detected!("avx2"),
            "fma" => std::arch::is_x86_feature_detected!("fma"),
            "f16c" => std::arch::is_x86_feature_detected!("f16c"),
            "bmi2" => std::arch::is_x86_feature_detected!("bmi2"),
            _ => true,
        };
        let missing: Vec<&str> = REQUIRED_CPU_FEATURES
            .iter()
            .copied()
            .filter(|f| !has(f))
            .collect();
        if !missing.is_empty() {
            return Some(format!(
                "this build of Tofu needs an x86-64 CPU with {} (x86-64-v3: Intel Haswell, \
                 AMD Excavator or newer); this one lacks {}",
                REQUIRED_CPU_FEATURES.join(", "),
                missing.join(", ")
            ));
        }
    }
    None
}
