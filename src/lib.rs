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
}
