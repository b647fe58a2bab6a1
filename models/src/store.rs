//! The models directory: one sub-folder per model, holding its files.
//!
//! A file is *installed* when its size and sha256 match the manifest. Hashing
//! 150 MB costs about half a second, so a verified file gets a stamp
//! (`.NAME.verified`: size, mtime, sha256); while size and mtime are unchanged
//! the stamp stands in for the hash. Any write to the file changes its mtime,
//! so corruption is still caught on the next load.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::checksum::sha256_file;
use crate::error::{ModelError, Result};
use crate::manifest::{Artifact, Manifest, ModelSpec};

#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
    manifest: Manifest,
}

/// One line of "what is installed", for the CLI and the app.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelSummary {
    pub name: String,
    pub kind: String,
    pub description: String,
    /// `installed`, `missing`, `corrupt`, or `n/a` (not for this platform).
    pub status: String,
    /// Why a corrupt model is corrupt.
    pub problem: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub files: Vec<FileSummary>,
    pub license: String,
    /// For catalogue entries (models a person can choose): what it suits.
    pub choice: Option<crate::manifest::Choice>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileSummary {
    pub path: PathBuf,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Installed,
    Missing,
    Corrupt(String),
}

impl FileStatus {
    pub fn label(&self) -> &'static str {
        match self {
            FileStatus::Installed => "installed",
            FileStatus::Missing => "missing",
            FileStatus::Corrupt(_) => "corrupt",
        }
    }
}

impl ModelStore {
    pub fn new(dir: impl Into<PathBuf>) -> ModelStore {
        ModelStore::with_manifest(dir, Manifest::embedded())
    }

    pub fn with_manifest(dir: impl Into<PathBuf>, manifest: Manifest) -> ModelStore {
        ModelStore {
            dir: dir.into(),
            manifest,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn model_dir(&self, model: &str) -> PathBuf {
        self.dir.join(model)
    }

    pub fn file_path(&self, model: &str, file: &str) -> PathBuf {
        self.model_dir(model).join(file)
    }

    /// Status of one file of a model, hashing it unless a fresh stamp vouches for it.
    pub fn file_status(&self, model: &ModelSpec, artifact: &Artifact) -> Result<FileStatus> {
        let path = self.file_path(&model.name, &artifact.path);
        check_file(&path, artifact)
    }

    /// Status of a whole model: the worst of its files.
    pub fn model_status(&self, model: &ModelSpec) -> Result<FileStatus> {
        let mut worst = FileStatus::Installed;
        for f in &model.files {
            match self.file_status(model, f)? {
                FileStatus::Installed => {}
                FileStatus::Missing => {
                    if worst == FileStatus::Installed {
                        worst = FileStatus::Missing
                    }
                }
                c @ FileStatus::Corrupt(_) => worst = c,
            }
        }
        Ok(worst)
    }

    /// Every model of the manifest with its status (hashing files without a fresh stamp).
    pub fn summaries(&self) -> Result<Vec<ModelSummary>> {
        self.manifest
            .models
            .iter()
            .map(|spec| {
                let (status, problem) = if !spec.supported_here() {
                    ("n/a".to_string(), None)
                } else {
                    match self.model_status(spec)? {
                        FileStatus::Corrupt(reason) => ("corrupt".to_string(), Some(reason)),
                        other => (other.label().to_string(), None),
                    }
                };
                Ok(ModelSummary {
                    name: spec.name.clone(),
                    kind: spec.kind.clone(),
                    description: spec.description.clone(),
                    status,
                    problem,
                    size: spec.total_size(),
                    files: spec
                        .files
                        .iter()
                        .map(|f| FileSummary {
                            path: self.file_path(&spec.name, &f.path),
                            size: f.size,
                            sha256: f.sha256.clone(),
                        })
                        .collect(),
                    license: spec.license.clone(),
                    choice: spec.choice.clone(),
                })
            })
            .collect()
    }

    /// The verified path of a model's file: what loaders call before loading.
    /// Fails with an error naming the file, and how to repair it, when the file
    /// is missing or does not match the manifest.
    pub fn require(&self, model: &str, file: &str) -> Result<PathBuf> {
        let spec = self.manifest.get(model)?;
        let artifact =
            spec.files.iter().find(|f| f.path == file).ok_or_else(|| {
                ModelError::Manifest(format!("model '{model}' has no file '{file}'"))
            })?;
        let path = self.file_path(model, file);
        match check_file(&path, artifact)? {
            FileStatus::Installed => Ok(path),
            FileStatus::Missing => Err(ModelError::Missing {
                model: model.to_string(),
                path,
            }),
            FileStatus::Corrupt(reason) => Err(ModelError::Corrupt {
                model: model.to_string(),
                path,
                reason,
            }),
        }
    }

    /// The verified path of a model's first (main) file.
    pub fn require_main(&self, model: &str) -> Result<PathBuf> {
        let spec = self.manifest.get(model)?;
        let first = spec
            .files
            .first()
            .ok_or_else(|| ModelError::Manifest(format!("model '{model}' has no files")))?;
        self.require(model, &first.path.clone())
    }
}

/// Checks a file against its artifact: existence, size, then sha256 (or a fresh stamp).
pub fn check_file(path: &Path, artifact: &Artifact) -> Result<FileStatus> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileStatus::Missing),
        Err(e) => return Err(ModelError::io(path, e)),
    };
    if meta.len() != artifact.size {
        return Ok(FileStatus::Corrupt(format!(
            "size is {} bytes, expected {}",
            meta.len(),
            artifact.size
        )));
    }
    let stamp = stamp_line(&meta, &artifact.sha256);
    let stamp_path = stamp_path(path);
    if fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(FileStatus::Installed);
    }
    let actual = sha256_file(path)?;
    if actual != artifact.sha256 {
        let _ = fs::remove_file(&stamp_path);
        return Ok(FileStatus::Corrupt(format!(
            "sha256 is {actual}, expected {}",
            artifact.sha256
        )));
    }
    // A stamp that cannot be written only costs a re-hash next time.
    let _ = fs::write(&stamp_path, stamp);
    Ok(FileStatus::Installed)
}

fn stamp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.verified"))
}

fn stamp_line(meta: &fs::Metadata, sha256: &str) -> String {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{} {} {}\n", meta.len(), mtime, sha256)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    fn artifact_for(bytes: &[u8]) -> Artifact {
        use sha2::Digest;
        Artifact {
            path: "f.bin".into(),
            size: bytes.len() as u64,
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
            sources: vec![],
        }
    }

    #[test]
    fn corruption_of_same_size_is_detected_despite_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let bytes = vec![7u8; 4096];
        fs::write(&path, &bytes).unwrap();
        let a = artifact_for(&bytes);
        assert_eq!(check_file(&path, &a).unwrap(), FileStatus::Installed);
        assert!(stamp_path(&path).exists());
        // Flip a byte in place: same size, new mtime.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut f = fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(100)).unwrap();
        f.write_all(&[8]).unwrap();
        drop(f);
        match check_file(&path, &a).unwrap() {
            FileStatus::Corrupt(r) => assert!(r.contains("sha256"), "{r}"),
            other => panic!("expected corrupt, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_truncated_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let a = artifact_for(b"hello");
        assert_eq!(check_file(&path, &a).unwrap(), FileStatus::Missing);
        fs::write(&path, b"hell").unwrap();
        assert!(
            matches!(check_file(&path, &a).unwrap(), FileStatus::Corrupt(r) if r.contains("size"))
        );
    }
}
