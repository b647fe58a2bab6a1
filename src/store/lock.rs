//! One recorder per data folder. The app and `tofu listen` (and "forget
//! everything" from the CLI) hold an exclusive lock on `<data>/tofu.lock`
//! while they run: two of them recorded side by side, and one's "forget
//! everything" left the other writing into a deleted database. Reading
//! the history needs no lock. The lock is the operating system's (released
//! when the process ends, however it ends); the file says who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const LOCK_FILE: &str = "tofu.lock";

/// Held while the data folder is in use; dropped, it is free again.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
    pub path: PathBuf,
}

impl DataLock {
    /// Takes the data folder for `who` ("the app", "tofu listen"), or says
    /// who has it.
    pub fn acquire(data_dir: &Path, who: &str) -> Result<DataLock> {
        crate::paths::private_dir(data_dir)?;
        let path = data_dir.join(LOCK_FILE);
        let io = |e| Error::Io {
            path: path.clone(),
            source: e,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::InUse(format!(
                    "{} is in use by {} : close it first (one recorder per data folder)",
                    data_dir.display(),
                    if holder.is_empty() {
                        "another Tofu"
                    } else {
                        holder
                    }
                )));
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{who} (process {})", std::process::id()).map_err(io)?;
        Ok(DataLock { _file: file, path })
    }

    /// Lets go and removes the lock file (after "forget everything", which
    /// leaves nothing of Tofu's in the folder).
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_who_has_it_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataLock::acquire(dir.path(), "the app").unwrap();
        let err = DataLock::acquire(dir.path(), "tofu listen")
            .unwrap_err()
            .to_string();
        assert!(err.contains("the app (process"), "{err}");
        drop(first);
        DataLock::acquire(dir.path(), "tofu listen").unwrap();
    }
}
