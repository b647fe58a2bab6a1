//! Text to speech: the Piper neural voice, run by ONNX Runtime (loaded at run
//! time from the provisioned `libonnxruntime`). This module loads and checks
//! the voice; synthesis comes with the voice issue.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{Error, Result};

pub const DEFAULT_VOICE: &str = "piper-joe";
pub const RUNTIME: &str = "onnxruntime";

/// What a Piper voice's `.onnx.json` says that the engine needs.
#[derive(Debug, Clone, Deserialize)]
pub struct VoiceConfig {
    pub audio: AudioConfig,
    pub espeak: EspeakConfig,
    #[serde(default)]
    pub num_speakers: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AudioConfig {
    pub sample_rate: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EspeakConfig {
    pub voice: String,
}

pub struct PiperVoice {
    pub config: VoiceConfig,
    pub session: ort::session::Session,
    pub path: PathBuf,
}

static RUNTIME_PATH: OnceLock<PathBuf> = OnceLock::new();

/// Loads ONNX Runtime from `lib` once per process. The path is checked first:
/// pointed at nothing, `ort` can hang instead of failing.
pub fn init_runtime(lib: &Path) -> Result<()> {
    if let Some(loaded) = RUNTIME_PATH.get() {
        return if loaded == lib {
            Ok(())
        } else {
            Err(Error::Voice(format!(
                "ONNX Runtime is already loaded from {}; cannot switch to {}",
                loaded.display(),
                lib.display()
            )))
        };
    }
    if !lib.is_file() {
        return Err(Error::Voice(format!(
            "ONNX Runtime library {} is missing; run `tofu models fetch {RUNTIME}`",
            lib.display()
        )));
    }
    ort::init_from(lib)
        .map_err(|e| {
            Error::Voice(format!(
                "cannot load ONNX Runtime from {}: {e}",
                lib.display()
            ))
        })?
        .with_name("tofu")
        .commit();
    let _ = RUNTIME_PATH.set(lib.to_path_buf());
    Ok(())
}

impl PiperVoice {
    /// Loads a voice (`.onnx` with its `.onnx.json` beside it).
    pub fn load(onnx: &Path) -> Result<PiperVoice> {
        let json_path = PathBuf::from(format!("{}.json", onnx.display()));
        let text = std::fs::read_to_string(&json_path).map_err(|e| Error::Io {
            path: json_path.clone(),
            source: e,
        })?;
        let config: VoiceConfig = serde_json::from_str(&text).map_err(|e| {
            Error::Voice(format!(
                "{} is not a Piper voice config: {e}",
                json_path.display()
            ))
        })?;
        let session = ort::session::Session::builder()
            .and_then(|mut b| b.commit_from_file(onnx))
            .map_err(|e| Error::Voice(format!("cannot load the voice {}: {e}", onnx.display())))?;
        Ok(PiperVoice {
            config,
            session,
            path: onnx.to_path_buf(),
        })
    }

    /// Loads the default voice from the store, with the provisioned runtime.
    pub fn load_default(store: &tofu_models::ModelStore) -> Result<PiperVoice> {
        let runtime = store.manifest().get(RUNTIME)?;
        let lib = store.require(RUNTIME, &runtime.files[0].path.clone())?;
        init_runtime(&lib)?;
        let voice = store.manifest().get(DEFAULT_VOICE)?;
        let onnx_name = voice
            .files
            .iter()
            .find(|f| f.path.ends_with(".onnx"))
            .map(|f| f.path.clone());
        let onnx_name =
            onnx_name.ok_or_else(|| Error::Voice(format!("{DEFAULT_VOICE} has no .onnx file")))?;
        let onnx = store.require(DEFAULT_VOICE, &onnx_name)?;
        store.require(DEFAULT_VOICE, &format!("{onnx_name}.json"))?;
        PiperVoice::load(&onnx)
    }

    pub fn input_names(&self) -> Vec<String> {
        self.session
            .inputs()
            .iter()
            .map(|i| i.name().to_string())
            .collect()
    }
}
