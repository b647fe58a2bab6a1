//! Models in Settings: what is installed, download (with progress and
//! checksums), import a faster-whisper model, delete; the catalogue of
//! speech and chat models, what is found on the machine, and which is used.

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Emitter, State};
use tofu::catalogue::discover::Found;
use tofu::catalogue::{Catalogue, Role};
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
    // Two clicks (the Models table and the catalogue) must not append to
    // one `.partial` file together.
    let _fetching = Fetching::start(&name)?;
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

/// Deletes `name`'s files. A model chosen in Settings goes back to the
/// default first (and a running conversation restarts), so the next start
/// does not look for a file that is gone.
/// The models being downloaded now, one download each.
static FETCHING: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

struct Fetching(String);

impl Fetching {
    fn start(name: &str) -> Cmd<Fetching> {
        let mut now = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
        if now.iter().any(|n| n == name) {
            return Err(format!("{name} is already being downloaded"));
        }
        now.push(name.to_string());
        Ok(Fetching(name.to_string()))
    }
}

impl Drop for Fetching {
    fn drop(&mut self) {
        FETCHING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|n| n != &self.0);
    }
}

#[tauri::command]
pub async fn models_delete(
    handle: AppHandle,
    app: State<'_, App>,
    name: String,
) -> Cmd<Vec<ModelSummary>> {
    let store = app.paths.model_store();
    store.manifest().get(&name).map_err(msg)?;
    let mut unchosen = false;
    for role in [Role::Speech, Role::Chat] {
        let chosen = app.with_store(|s| tofu::catalogue::chosen(s, role))?;
        if chosen.as_deref() == Some(name.as_str()) {
            // Only the choice goes: replies from a server or Tofu mode stay so.
            app.with_store(|s| s.delete_setting(role.key()))?;
            unchosen = true;
        }
    }
    if unchosen {
        app.restart_session(&handle)?;
    }
    let dir = store.model_dir(&name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot delete {}: {e}", dir.display()))?;
    }
    store.summaries().map_err(msg)
}

/// Converts a faster-whisper (CTranslate2) model folder for whisper.cpp.
/// The folder is chosen here, in a dialog the shell opens: the page never
/// hands the engine a path (a tricked page could point it anywhere).
/// `None`: the person cancelled.
#[tauri::command]
pub async fn models_import_whisper(
    handle: AppHandle,
    app: State<'_, App>,
) -> Cmd<Option<Vec<ModelSummary>>> {
    use tauri_plugin_dialog::DialogExt;
    let dialog = handle
        .dialog()
        .file()
        .set_title("Choose a faster-whisper model folder");
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_pick_folder())
        .await
        .map_err(msg)?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let dir = picked.into_path().map_err(msg)?;
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let store = app.paths.model_store();
    tofu::models::convert::whisper_ggml::import(&store, &dir, None).map_err(msg)?;
    store.summaries().map(Some).map_err(msg)
}

/// The catalogue: this machine, every speech and chat model a person can
/// choose (which suit it, which is in use) and what is worth offering.
#[tauri::command]
pub async fn models_catalogue(app: State<'_, App>) -> Cmd<Catalogue> {
    let models = app.paths.model_store();
    app.with_store(|s| tofu::catalogue::view(Some(s), &models))
}

/// GGUF files in other apps' usual folders and model servers on the usual
/// local ports. Only listed: using one is the person's click.
#[tauri::command]
pub async fn models_discover() -> Cmd<Found> {
    Ok(tofu::catalogue::discover::look(
        &[],
        Duration::from_millis(800),
    ))
}

/// Uses `model` for `role` (`None`: the default): a catalogue name (it must
/// be installed: download it first), or a file this app listed (an
/// imported whisper model, a GGUF found on the machine); no other path is
/// taken from the page. A running conversation restarts with it.
#[tauri::command]
pub async fn models_use(
    handle: AppHandle,
    app: State<'_, App>,
    role: Role,
    model: Option<String>,
) -> Cmd<Catalogue> {
    let models = app.paths.model_store();
    if let Some(m) = model.as_deref() {
        if m.len() > 4096 {
            return Err("that is not a model".into());
        }
        if models.manifest().get(m).is_err() {
            let listed: Vec<std::path::PathBuf> = match role {
                Role::Speech => tofu::catalogue::imported_speech_models(&models),
                Role::Chat => tofu::catalogue::discover::files()
                    .into_iter()
                    .map(|f| f.path)
                    .collect(),
            };
            if !listed.iter().any(|p| p.as_os_str() == m) {
                return Err(format!("{m} is not a model this app listed"));
            }
        }
    }
    app.with_store(|s| tofu::catalogue::choose(s, &models, role, model.as_deref()))?;
    app.restart_session(&handle)?;
    app.with_store(|s| tofu::catalogue::view(Some(s), &models))
}
