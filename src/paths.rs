//! Where Tofu keeps things: one data directory per user (everything the person
//! said, their settings, their style model), and a models directory that
//! several data directories may share.
//!
//! Precedence: an explicit path (`--data-dir`), then `TOFU_DATA_DIR`, then the
//! platform's data directory (e.g. `~/.local/share/tofu`). Models: `TOFU_MODELS_DIR`,
//! else `<data dir>/models`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub models_dir: PathBuf,
}

impl Paths {
    pub fn resolve(data_dir: Option<&Path>) -> Result<Paths> {
        let data_dir = match data_dir {
            Some(p) => p.to_path_buf(),
            None => match env_path("TOFU_DATA_DIR") {
                Some(p) => p,
                None => platform_data_dir()
                    .ok_or_else(|| Error::NoDataDir("no home directory found".into()))?,
            },
        };
        let models_dir = env_path("TOFU_MODELS_DIR").unwrap_or_else(|| data_dir.join("models"));
        Ok(Paths {
            data_dir,
            models_dir,
        })
    }

    /// Creates the data directory (not the models directory: fetch does that).
    pub fn ensure(&self) -> Result<()> {
        private_dir(&self.data_dir)
    }

    /// Where the audio of every turn is kept.
    pub fn audio_dir(&self) -> PathBuf {
        self.data_dir.join("audio")
    }

    pub fn model_store(&self) -> tofu_models::ModelStore {
        tofu_models::ModelStore::new(&self.models_dir)
    }

    /// Where the app's log files go (see [`crate::logs`]): `TOFU_LOG_DIR`;
    /// else, beside a data folder given explicitly (`--data-dir`,
    /// `TOFU_DATA_DIR`: a test's or a portable set-up's logs stay with
    /// it), `<data dir>/logs`; else the platform's place for logs
    /// (`~/.local/state/tofu/logs` on Linux, `~/Library/Logs/Tofu` on
    /// macOS, `%LOCALAPPDATA%\tofu\logs` on Windows).
    pub fn logs_dir(&self) -> PathBuf {
        if let Some(p) = env_path("TOFU_LOG_DIR") {
            return p;
        }
        if platform_data_dir().as_deref() != Some(self.data_dir.as_path()) {
            return self.data_dir.join("logs");
        }
        platform_logs_dir().unwrap_or_else(|| self.data_dir.join("logs"))
    }
}

fn platform_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tofu").map(|d| d.data_dir().to_path_buf())
}

fn platform_logs_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        return directories::BaseDirs::new().map(|b| b.home_dir().join("Library/Logs/Tofu"));
    }
    let dirs = directories::ProjectDirs::from("", "", "tofu")?;
    // Linux has a state folder (XDG_STATE_HOME) for exactly this; Windows
    // keeps logs under the local (not roaming) application data.
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .join("logs"),
    )
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Creates the data folder `dir` if needed, readable by its owner only:
/// what a person said is nobody else's on a shared machine (it was 0755,
/// its database and recordings 0644). Everything is kept inside it, so
/// the folder's mode guards all of it.
pub fn private_dir(dir: &Path) -> Result<()> {
    let io = |e| Error::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    let existed = dir.is_dir();
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A folder Tofu made, or one that holds its database; a folder the
        // person pointed at for other reasons ($HOME, a shared folder) is
        // theirs to set.
        let ours = !existed || dir.join(crate::store::DB_FILE).exists();
        let mode = std::fs::metadata(dir).map_err(io)?.permissions().mode();
        if ours && mode & 0o077 != 0 {
            if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
                tracing::warn!(dir = %dir.display(), %e, "could not make the data folder private");
            }
        }
    }
    Ok(())
}
