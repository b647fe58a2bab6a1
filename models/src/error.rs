use std::path::PathBuf;

/// Everything that can go wrong with a model, phrased for the person who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model '{name}' (known models: {known})")]
    UnknownModel { name: String, known: String },

    #[error("model file {} is missing; run `tofu models fetch {model}`", path.display())]
    Missing { model: String, path: PathBuf },

    #[error("model file {} is corrupt ({reason}); run `tofu models fetch {model}` to replace it", path.display())]
    Corrupt {
        model: String,
        path: PathBuf,
        reason: String,
    },

    #[error("could not download {url}: {reason}")]
    Download { url: String, reason: String },

    #[error("could not provision {} from any source:\n{details}", path.display())]
    AllSourcesFailed { path: PathBuf, details: String },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("invalid model manifest: {0}")]
    Manifest(String),

    #[error("cannot read archive {}: {reason}", path.display())]
    Archive { path: PathBuf, reason: String },

    #[error("cannot convert {}: {reason}", path.display())]
    Convert { path: PathBuf, reason: String },
}

impl ModelError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, ModelError>;
