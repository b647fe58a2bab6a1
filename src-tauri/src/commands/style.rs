//! The "You" screen: what the companion learned about how the person talks.

use tauri::{AppHandle, State};
use tofu::style::portrait::{portrait, Portrait};
use tofu::style::{Background, DEFAULT_PROFILE};

use crate::state::{msg, App, Cmd};

fn current(app: &App) -> Cmd<Portrait> {
    let bg = Background::load_default(&app.paths.model_store()).map_err(msg)?;
    app.with_store(|s| portrait(s, DEFAULT_PROFILE, &bg))
}

#[tauri::command]
pub async fn style_portrait(app: State<'_, App>) -> Cmd<Portrait> {
    current(&app)
}

/// Never learn, show or say back `phrase`.
#[tauri::command]
pub async fn style_exclude(
    handle: AppHandle,
    app: State<'_, App>,
    phrase: String,
) -> Cmd<Portrait> {
    let phrase = phrase.trim();
    if phrase.is_empty() || phrase.chars().count() > 200 {
        return Err("exclude a word or phrase (up to 200 characters)".into());
    }
    app.with_store(|s| s.exclude_style_phrase(DEFAULT_PROFILE, phrase))?;
    // The running conversation mirrors the person from its own copy of the
    // style model: it starts again without the phrase.
    app.restart_session(&handle)?;
    current(&app)
}

/// Forget everything learned about how the person talks.
#[tauri::command]
pub async fn style_reset(handle: AppHandle, app: State<'_, App>) -> Cmd<Portrait> {
    app.with_store(|s| s.reset_style(DEFAULT_PROFILE).map(|_| ()))?;
    app.restart_session(&handle)?;
    current(&app)
}
