//! Tofu's desktop shell: a window over the engine. Commands translate between
//! the UI and the engine; nothing here decides anything.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::{AppHandle, State};
use tofu::models::store::ModelSummary;
use tofu::Paths;

#[derive(serde::Serialize)]
struct Status {
    data_dir: String,
    models_dir: String,
    models: Vec<ModelSummary>,
}

/// Where the data lives and which models are installed.
#[tauri::command]
fn status(paths: State<'_, Paths>) -> Result<Status, String> {
    let store = paths.model_store();
    Ok(Status {
        data_dir: paths.data_dir.display().to_string(),
        models_dir: paths.models_dir.display().to_string(),
        models: store.summaries().map_err(|e| e.to_string())?,
    })
}

/// Called by the page once it has rendered. With `TOFU_DESKTOP_SMOKE=1` the app
/// then exits: the smoke test's proof that the window, the page, the IPC
/// bridge and the engine all work together.
#[tauri::command]
fn ui_ready(app: AppHandle, models: usize) {
    println!("ui ready: {models} models listed");
    if std::env::var_os("TOFU_DESKTOP_SMOKE").is_some() {
        app.exit(0);
    }
}

fn main() {
    let paths = match Paths::resolve(None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .manage(paths)
        .invoke_handler(tauri::generate_handler![status, ui_ready])
        .run(tauri::generate_context!())
        .expect("the desktop shell failed to start");
}
