//! The engine's error type: one enum, each variant saying what failed and,
//! where there is one, what the person can do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Model(#[from] tofu_models::ModelError),

    #[error("cannot read audio {}: {reason}", path.display())]
    Audio { path: PathBuf, reason: String },

    #[error("audio input: {0}")]
    Capture(String),

    #[error("cancelled")]
    Cancelled,

    #[error("speech-to-text failed: {0}")]
    Transcription(String),

    #[error("cannot load the speech model {}: {reason}", path.display())]
    SpeechModel { path: PathBuf, reason: String },

    #[error("language model: {0}")]
    Llm(String),

    #[error("voice: {0}")]
    Voice(String),

    #[error("no data directory: {0} (set TOFU_DATA_DIR or pass --data-dir)")]
    NoDataDir(String),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
