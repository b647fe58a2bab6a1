//! The Settings screen: devices (with a live test), voice, reply backend,
//! retention, theme, start at login, the first-run note, forget everything,
//! the logs folder and the diagnostics report.

use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;
use tofu::audio::mic::list_input_devices;
use tofu::mind::backend::{ReplySettings, SETTINGS_KEY as REPLY_KEY};
use tofu::store::Retention;
use tofu::tts::{self, VoiceSettings};

use crate::bindings::{DeviceTest, Devices, Settings, Theme};
use crate::state::{msg, App, Cmd};

#[tauri::command]
pub async fn settings_get(handle: AppHandle, app: State<'_, App>) -> Cmd<Settings> {
    current(&handle, &app)
}

fn current(handle: &AppHandle, app: &App) -> Cmd<Settings> {
    let prefs = app.prefs()?;
    let (voice, reply, retention) = app.with_store(|s| {
        Ok((
            s.setting::<VoiceSettings>(tts::SETTINGS_KEY)?
                .unwrap_or_default(),
            s.setting::<ReplySettings>(REPLY_KEY)?.unwrap_or_default(),
            s.retention()?,
        ))
    })?;
    Ok(Settings {
        data_dir: app.paths.data_dir.display().to_string(),
        models_dir: app.paths.models_dir.display().to_string(),
        logs_dir: app.paths.logs_dir().display().to_string(),
        voice,
        reply,
        retention,
        api_key: tofu::mind::secrets::api_key(&app.paths.data_dir)
            .map(|(_, place)| format!("set ({place})")),
        start_at_login: handle.autolaunch().is_enabled().unwrap_or(false),
        first_run_done: prefs.first_run_done,
        theme: prefs.theme,
    })
}

#[tauri::command]
pub async fn devices_list(app: State<'_, App>) -> Cmd<Devices> {
    devices(&app)
}

fn devices(app: &App) -> Cmd<Devices> {
    let prefs = app.prefs()?;
    Ok(Devices {
        inputs: list_input_devices(),
        outputs: tofu::audio::sink::list_output_devices(),
        input: prefs.input_device,
        output: prefs.output_device,
    })
}

/// The person's devices (`None`: the system default); a running
/// conversation restarts on them.
#[tauri::command]
pub async fn devices_set(
    handle: AppHandle,
    app: State<'_, App>,
    input: Option<String>,
    output: Option<String>,
) -> Cmd<Devices> {
    let clean = |d: Option<String>| d.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    let (input, output) = (clean(input), clean(output));
    device_name_ok(&input)?;
    device_name_ok(&output)?;
    app.update_prefs(|p| {
        p.input_device = input;
        p.output_device = output;
    })?;
    app.restart_session(&handle)?;
    devices(&app)
}

/// Device names are short (ALSA's longest are ~100 characters).
fn device_name_ok(name: &Option<String>) -> Cmd<()> {
    match name {
        Some(n) if n.len() > 512 => Err("that is not an audio device".into()),
        _ => Ok(()),
    }
}

/// Listens to `device` for a second and reports how loud it was.
#[tauri::command]
pub async fn devices_test_input(app: State<'_, App>, device: Option<String>) -> Cmd<DeviceTest> {
    device_name_ok(&device)?;
    let device = device.or(app.prefs()?.input_device);
    let (name, level) =
        tofu::audio::mic::sample_level(device.as_deref(), std::time::Duration::from_secs(1))
            .map_err(msg)?;
    Ok(DeviceTest {
        device: name,
        peak: level.peak,
        rms: level.rms,
    })
}

#[tauri::command]
pub async fn devices_test_output(app: State<'_, App>, device: Option<String>) -> Cmd<()> {
    device_name_ok(&device)?;
    crate::speak::say_on(&app, "Hello! This is how I sound.", device)
}

#[tauri::command]
pub async fn settings_set_voice(
    handle: AppHandle,
    app: State<'_, App>,
    voice: VoiceSettings,
) -> Cmd<Settings> {
    voice.validate().map_err(msg)?;
    app.with_store(|s| s.set_setting(tts::SETTINGS_KEY, &voice))?;
    app.restart_session(&handle)?;
    current(&handle, &app)
}

#[tauri::command]
pub async fn settings_set_reply(
    handle: AppHandle,
    app: State<'_, App>,
    reply: ReplySettings,
) -> Cmd<Settings> {
    // The page may keep the model file that is set, never name another:
    // a tricked page would have the worker open any file. Chat models are
    // chosen through `models_use` (catalogue names, files the app listed).
    // Checked before anything looks at the path (no probing for files).
    let kept: ReplySettings = app.with_store(|s| Ok(s.setting(REPLY_KEY)?.unwrap_or_default()))?;
    if reply.model.is_some() && reply.model != kept.model {
        return Err("a chat model file is chosen under \"Which models Tofu uses\"".into());
    }
    reply.validate().map_err(msg)?;
    app.with_store(|s| s.set_setting(REPLY_KEY, &reply))?;
    app.restart_session(&handle)?;
    current(&handle, &app)
}

#[tauri::command]
pub async fn settings_set_retention(
    handle: AppHandle,
    app: State<'_, App>,
    retention: Retention,
) -> Cmd<Settings> {
    if retention.days == Some(0) {
        return Err("keep audio at least one day (or forever)".into());
    }
    app.with_store(|s| s.set_retention(retention).map(|_| ()))?;
    current(&handle, &app)
}

#[tauri::command]
pub async fn settings_set_theme(
    handle: AppHandle,
    app: State<'_, App>,
    theme: Theme,
) -> Cmd<Settings> {
    app.update_prefs(|p| p.theme = theme)?;
    current(&handle, &app)
}

#[tauri::command]
pub async fn settings_set_start_at_login(
    handle: AppHandle,
    app: State<'_, App>,
    enabled: bool,
) -> Cmd<Settings> {
    let auto = handle.autolaunch();
    if enabled {
        auto.enable().map_err(msg)?;
    } else {
        auto.disable().map_err(msg)?;
    }
    current(&handle, &app)
}

#[tauri::command]
pub async fn settings_first_run_done(handle: AppHandle, app: State<'_, App>) -> Cmd<Settings> {
    app.update_prefs(|p| p.first_run_done = true)?;
    current(&handle, &app)
}

/// Deletes every conversation, recording, setting, the style model and the
/// API key (the models stay). The conversation stops first.
#[tauri::command]
pub async fn forget_everything(app: State<'_, App>) -> Cmd<()> {
    app.forget_everything()
}

/// Opens the logs folder in the system's file manager.
#[tauri::command]
pub async fn logs_open(app: State<'_, App>) -> Cmd<()> {
    let dir = app.paths.logs_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    tauri_plugin_opener::open_path(&dir, None::<&str>)
        .map_err(|e| format!("could not open {}: {e}", dir.display()))
}

/// The diagnostics report (`tofu::diagnostics`): no words the person said.
#[tauri::command]
pub async fn diagnostics(app: State<'_, App>) -> Cmd<String> {
    let paths = app.paths.clone();
    tauri::async_runtime::spawn_blocking(move || tofu::diagnostics::report(&paths, "tofu-desktop"))
        .await
        .map_err(|e| format!("diagnostics failed: {e}"))
}
