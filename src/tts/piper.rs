//! The Piper neural voice, run by ONNX Runtime (loaded at run time from the
//! provisioned `libonnxruntime`). Phonemes come from espeak-ng, compiled into
//! the binary by `piper-rs`. Its data (`espeak-ng-data/`, which must match the
//! compiled code) is looked for in `PIPER_ESPEAKNG_DATA_DIRECTORY`, the
//! working folder, next to the program (how an installed app ships it), and
//! last where the build installed it.

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
    pub path: PathBuf,
    piper: piper_rs::Piper,
    inputs: Vec<String>,
    /// Speaking rate (1.0 normal): divides the voice's length scale.
    pub rate: f32,
    length_scale: f32,
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
        .with_telemetry(false)
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
        let inference: piper_rs::ModelConfig = serde_json::from_str(&text).map_err(|e| {
            Error::Voice(format!(
                "{} is not a Piper voice config: {e}",
                json_path.display()
            ))
        })?;
        let fail =
            |e: ort::Error| Error::Voice(format!("cannot load the voice {}: {e}", onnx.display()));
        let session = ort::session::Session::builder()
            .map_err(fail)?
            .with_intra_threads(2)
            .map_err(|e| fail(e.into()))?
            .commit_from_file(onnx)
            .map_err(fail)?;
        let length_scale = inference.inference.length_scale;
        let inputs = session
            .inputs()
            .iter()
            .map(|i| i.name().to_string())
            .collect();
        let mut voice = PiperVoice {
            config,
            path: onnx.to_path_buf(),
            piper: piper_rs::Piper::from_session(session, inference),
            inputs,
            rate: 1.0,
            length_scale,
        };
        // Phonemise once now, so missing espeak data is a clear error at
        // load time and not a failure in the middle of a reply.
        voice
            .piper
            .create("ok", false, None, None, None, None)
            .map_err(|e| {
                Error::Voice(format!(
                    "the voice {} cannot speak: {e} (espeak-ng-data/ belongs next to the program, \
                     or set PIPER_ESPEAKNG_DATA_DIRECTORY to the folder that holds it)",
                    onnx.display()
                ))
            })?;
        Ok(voice)
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
        self.inputs.clone()
    }
}

impl super::Voice for PiperVoice {
    fn name(&self) -> String {
        let stem = self
            .path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        format!("piper:{stem}")
    }

    fn sample_rate(&self) -> u32 {
        self.config.audio.sample_rate
    }

    fn synthesize(&mut self, text: &str) -> Result<super::Speech> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(super::Speech {
                samples: Vec::new(),
                sample_rate: self.sample_rate(),
            });
        }
        let length = self.length_scale / self.rate.clamp(0.5, 2.0);
        let (samples, sample_rate) = self
            .piper
            .create(text, false, None, Some(length), None, None)
            .map_err(|e| Error::Voice(format!("cannot speak {text:?}: {e}")))?;
        let mut s = super::Speech {
            samples,
            sample_rate,
        };
        super::trim_silence(&mut s, 60);
        Ok(s)
    }
}
