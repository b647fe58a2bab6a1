//! Renames that survive a power cut: after `rename`, the directory entry
//! itself is flushed (on Unix a rename is only durable once its parent
//! directory is synced; the file's own `sync_all` does not cover it).
//! Used for models here and for the person's recordings, exports and keys
//! in the engine.

use std::path::Path;

/// Renames `from` to `to` and syncs `to`'s folder. The file should already
/// be synced by whoever wrote it.
pub fn rename_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    sync_parent(to)
}

/// Flushes the directory entry of `path` (a no-op where folders cannot be
/// opened for it, as on Windows, whose renames are metadata-journaled).
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_and_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.partial"), dir.path().join("a"));
        std::fs::write(&a, b"x").unwrap();
        rename_durably(&a, &b).unwrap();
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"x");
        assert!(
            rename_durably(&a, &b).is_err(),
            "a missing source is an error"
        );
    }
}
