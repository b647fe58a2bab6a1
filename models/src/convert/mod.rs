//! Model conversions run by build steps of the manifest, and offered to users
//! who bring their own models.
//!
//! - [`ct2`]: reads CTranslate2 `model.bin` files (faster-whisper's format).
//! - [`npy`]: reads float32 arrays out of `.npz` files (Whisper's mel filters).
//! - [`whisper_ggml`]: writes a whisper.cpp ggml model from a CTranslate2 Whisper model.

pub mod ct2;
pub mod npy;
pub mod whisper_ggml;

use std::fs;
use std::path::Path;

use crate::error::{ModelError, Result};
use crate::http::partial_path;
use crate::manifest::Artifact;
use crate::store::{check_file, FileStatus, ModelStore};

/// Runs the build step `kind` over the inputs in `work`, writing `outputs` into
/// `out_dir`; each output is verified against the manifest before it is moved
/// into place, so a failed or wrong conversion never leaves a file that looks installed.
pub fn build(
    kind: &str,
    work: &Path,
    store: &ModelStore,
    out_dir: &Path,
    outputs: &[Artifact],
) -> Result<()> {
    match kind {
        "ct2-whisper-to-ggml" => {
            let [out] = outputs else {
                return Err(ModelError::Manifest(format!(
                    "{kind} produces exactly one file"
                )));
            };
            let mel = store.require("whisper-mel-filters", "mel_filters.npz")?;
            let dest = out_dir.join(&out.path);
            let tmp = partial_path(&dest);
            whisper_ggml::convert_dir(work, &mel, &tmp)?;
            match check_file(&tmp, out)? {
                FileStatus::Installed => {}
                FileStatus::Missing => unreachable!("the converter wrote {}", tmp.display()),
                FileStatus::Corrupt(reason) => {
                    let _ = fs::remove_file(&tmp);
                    return Err(ModelError::Convert {
                        path: work.to_path_buf(),
                        reason: format!("the converted file does not match the manifest: {reason}"),
                    });
                }
            }
            // The stamp written by check_file belongs to the temporary name; re-stamp after the rename.
            let _ = fs::remove_file(tmp.with_file_name(format!(
                ".{}.verified",
                tmp.file_name().unwrap_or_default().to_string_lossy()
            )));
            crate::durable::rename_durably(&tmp, &dest).map_err(|e| ModelError::io(&dest, e))?;
            Ok(())
        }
        other => Err(ModelError::Manifest(format!(
            "unknown build step '{other}'"
        ))),
    }
}
