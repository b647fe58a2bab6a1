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

    #[error("audio output: {0}")]
    Playback(String),

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

    #[error("history database: {0}")]
    Store(String),

    #[error(
        "the history database {} is damaged ({detail}). Nothing in it was changed; a copy is kept at {}. \
         To start a new, empty history, move {} away (the copy stays). To try to rescue it: sqlite3 {} .recover",
        path.display(), copy.display(), path.display(), path.display()
    )]
    StoreDamaged {
        path: PathBuf,
        detail: String,
        copy: PathBuf,
    },

    #[error(
        "the history database {} was written by a newer Tofu (schema version {found}; this one knows up to {known}). \
         Nothing was changed (a copy is kept at {}): update Tofu to open it",
        path.display(), copy.display()
    )]
    StoreTooNew {
        path: PathBuf,
        found: i64,
        known: usize,
        copy: PathBuf,
    },

    #[error("{0}")]
    NotFound(String),

    #[error("{0}")]
    Invalid(String),

    /// The data folder is held by another Tofu (see `store::lock`).
    #[error("{0}")]
    InUse(String),

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

/// What a caught panic said (for the threads that catch one in native
/// code and carry on: speech, companion, voice, session).
pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let hint = match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => {
                " (the disk is full: free some space; nothing already saved was lost)"
            }
            Some(ErrorCode::ReadOnly)
            | Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::PermissionDenied) => {
                " (check that the data folder exists and is writable)"
            }
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
                " (another Tofu is writing to it; try again)"
            }
            _ => "",
        };
        Error::Store(format!("{e}{hint}"))
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        Error::Store(format!("schema migration failed: {e}"))
    }
}
