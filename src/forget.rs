//! "Forget everything", the same for the CLI and the app: the API key, then
//! the database and everything else Tofu keeps in the data folder (the
//! models stay). Works even when the database is damaged.

use std::path::PathBuf;

use crate::error::Result;
use crate::Paths;

/// Forgets everything; `notes` hears what could not be done cleanly.
/// Returns what was removed.
pub fn forget_everything(paths: &Paths, notes: &mut dyn FnMut(String)) -> Result<Vec<PathBuf>> {
    if let Err(e) = crate::mind::secrets::clear_api_key(&paths.data_dir) {
        notes(format!("the API key: {e}"));
    }
    match crate::store::Store::open(&paths.data_dir) {
        Ok(store) => store.forget_everything(),
        Err(e) => {
            notes(e.to_string());
            crate::store::forget_folder(&paths.data_dir)
        }
    }
}
