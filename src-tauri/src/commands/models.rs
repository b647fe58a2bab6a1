//! Models in Settings: what is installed, download (with progress and
//! checksums), import a faster-whisper model, delete.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, State};
use tofu::models::fetch::OnProgress;
use tofu::models::store::ModelSummary;
use tofu::models::{FetchOptions, Fetcher};

use crate::bindings::ModelProgress;
use crate::state::{msg, App, Cmd, MODEL_PROGRESS_EVENT};

#[tauri::command]
pub async fn models_list(app: State<'_, App>) -> Cmd<Vec<ModelSummary>> {
    app.paths.model_store().summaries().map_err(msg)
}

/// Downloads `name` (sha256-verified, resumable); progress arrives as
/// `tofu://model-progress` events.
#[tauri::command]
pub async fn models_fetch(
    handle: AppHandle,
    app: State<'_, App>,
    name: String,
) -> Cmd<Vec<ModelSummary>> {
    let store = app.paths.model_store();
    store.manifest().get(&name).map_err(msg)?;
    let model = name.clone();
    let progress = OnProgress(Some(Arc::new(move |file: &str, done, total| {
        let _ = handle.emit(
            MODEL_PROGRESS_EVENT,
            ModelProgress {
                name: model.clone(),
                file: file.to_string(),
                done,
                total: total.unwrap_or(0),
            },
        );
    })));
    let fetcher = Fetcher::new(
        store.clone(),
        FetchOptions {
            progress,
            ..FetchOptions::default()
        },
    );
    fetcher.fetch(&name).map_err(msg)?;
    store.summaries().map_err(msg)
}

#[tauri::command]
pub async fn models_delete(app: State<'_, App>, name: String) -> Cmd<Vec<ModelSummary>> {
    let store = app.paths.model_store();
    store.manifest().get(&name).map_err(msg)?;
    let dir = store.model_dir(&name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot delete {}: {e}", dir.display()))?;
    }
    store.summaries().map_err(msg)
}

/// Converts a faster-whisper (CTranslate2) model folder for whisper.cpp.
#[tauri::command]
pub async fn models_import_whisper(app: State<'_, App>, dir: String) -> Cmd<Vec<ModelSummary>> {
    let dir = std::path::PathBuf::from(dir);
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let store = app.paths.model_store();
    tofu::models::convert::whisper_ggml::import(&store, &dir, None).map_err(msg)?;
    store.summaries().map_err(msg)
}
