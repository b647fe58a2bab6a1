//! "Forget everything", the same for the CLI and the app: the API key, then
//! the database and everything else Tofu keeps in the data folder, and the
//! app's log files (the models stay). Works even when the database is damaged.

use std::path::PathBuf;

use crate::error::Result;
use crate::Paths;

/// Forgets everything; `notes` hears what could not be done cleanly.
/// Returns what was removed.
pub fn forget_everything(paths: &Paths, notes: &mut dyn FnMut(String)) -> Result<Vec<PathBuf>> {
    if let Err(e) = crate::mind::secrets::clear_api_key(&paths.data_dir) {
        notes(format!("the API key: {e}"));
    }
    let mut removed = match crate::store::Store::open(&paths.data_dir) {
        Ok(store) => store.forget_everything()?,
        Err(e) => {
            notes(e.to_string());
            crate::store::forget_folder(&paths.data_dir)?
        }
    };
    // The app's logs hold no words, but file and device names: they go
    // too (only Tofu's own files, should the folder be shared).
    let logs = paths.logs_dir();
    if let Ok(entries) = std::fs::read_dir(&logs) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(&format!("{}.", crate::logs::PREFIX))
                && name.ends_with(&format!(".{}", crate::logs::SUFFIX));
            if ours && e.path().is_file() {
                match std::fs::remove_file(e.path()) {
                    Ok(()) => removed.push(e.path()),
                    Err(err) => notes(format!("{}: {err}", e.path().display())),
                }
            }
        }
    }
    Ok(removed)
}
