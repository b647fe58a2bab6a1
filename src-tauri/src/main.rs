//! Tofu's desktop shell: a window over the engine. Commands translate between
//! the UI and the engine; nothing here decides anything. Map:
//! `state.rs` (what the shell holds), `commands/` (one module per screen),
//! `bindings.rs` (the IPC types and their TypeScript), `tray.rs` (tray icon
//! and the push-to-talk hotkey), `speak.rs` (speech outside the loop).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod commands;
mod speak;
mod state;
mod tray;

use tauri::{AppHandle, Manager, State};
use tofu::models::store::ModelSummary;
use tofu::Paths;

use commands::{history, models, persona, session, settings, style};
use state::App;

#[derive(serde::Serialize)]
struct Status {
    data_dir: String,
    models_dir: String,
    models: Vec<ModelSummary>,
}

/// Where the data lives and which models are installed.
#[tauri::command]
async fn status(app: State<'_, App>) -> Result<Status, String> {
    let store = app.paths.model_store();
    Ok(Status {
        data_dir: app.paths.data_dir.display().to_string(),
        models_dir: app.paths.models_dir.display().to_string(),
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
    tofu::prepare_process();
    if let Some(why) = tofu::unsupported_cpu() {
        eprintln!("error: {why}");
        std::process::exit(2);
    }
    // Without a graphical display GTK panics with a backtrace: say what is
    // wrong in one line and where the same engine runs without a window.
    #[cfg(all(unix, not(target_os = "macos")))]
    if ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .all(|v| std::env::var_os(v).is_none_or(|d| d.is_empty()))
    {
        eprintln!(
            "error: no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set): \
             the Tofu app needs one; the `tofu` command runs the same companion in a \
             terminal (`tofu chat`, `tofu listen`)"
        );
        std::process::exit(2);
    }
    let paths = match Paths::resolve(None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    // A launcher or the login session keeps no stderr: the log file does
    // (and a panic's backtrace goes there too).
    if let Err(e) = tofu::logs::init(&paths.logs_dir(), "warn") {
        eprintln!("warning: {e}; logging to stderr only");
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("TOFU_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_writer(std::io::stderr)
            .try_init()
            .ok();
    }
    tofu::logs::install_panic_hook();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        data = %paths.data_dir.display(),
        models = %paths.models_dir.display(),
        "Tofu app starting"
    );
    // One recorder per data folder: a second app (or the app beside
    // `tofu listen`) would record over the first.
    let _lock = match tofu::store::lock::DataLock::acquire(&paths.data_dir, "the Tofu app") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tray::hotkey_plugin())
        .manage(App::new(paths))
        .setup(|app| {
            tray::install(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            status,
            ui_ready,
            session::session_state,
            session::session_start,
            session::session_stop,
            session::session_mode,
            session::session_talk,
            session::session_interrupt,
            session::session_say,
            history::history_conversations,
            history::history_conversation,
            history::history_search,
            history::history_audio,
            history::history_correct,
            history::history_delete_turn,
            history::history_delete_day,
            history::history_export,
            persona::persona_get,
            persona::persona_set,
            persona::persona_presets,
            persona::persona_try,
            style::style_portrait,
            style::style_exclude,
            style::style_reset,
            settings::settings_get,
            settings::devices_list,
            settings::devices_set,
            settings::devices_test_input,
            settings::devices_test_output,
            settings::settings_set_voice,
            settings::settings_set_reply,
            settings::settings_set_retention,
            settings::settings_set_theme,
            settings::settings_set_start_at_login,
            settings::settings_first_run_done,
            settings::forget_everything,
            settings::logs_open,
            settings::diagnostics,
            models::models_list,
            models::models_fetch,
            models::models_delete,
            models::models_import_whisper,
            models::models_catalogue,
            models::models_discover,
            models::models_use,
        ])
        .build(tauri::generate_context!())
        .expect("the desktop shell failed to start")
        .run(|handle, event| {
            // Closing the window ends the app: the conversation is stopped
            // first (its turn in flight transcribed and kept), off the UI
            // thread, and then the app exits.
            if let tauri::RunEvent::ExitRequested { api, .. } = &event {
                let running = handle.state::<App>().session_running();
                if running && !EXITING.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    api.prevent_exit();
                    let handle = handle.clone();
                    std::thread::spawn(move || {
                        // A session that will not stop must not keep a
                        // windowless app (and its data-folder lock) alive.
                        let (done_tx, done) = std::sync::mpsc::channel();
                        let stopping = handle.clone();
                        std::thread::spawn(move || {
                            stopping.state::<App>().stop_session();
                            let _ = done_tx.send(());
                        });
                        let _ = done.recv_timeout(std::time::Duration::from_secs(5));
                        handle.exit(0);
                    });
                }
            }
        });
}

/// Set once the app has begun to close (the second exit request is final).
static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
