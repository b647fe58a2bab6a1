//! The Conversation screen: start and stop listening, mode, push-to-talk,
//! the stop button, typed turns.

use tauri::{AppHandle, State};
use tofu::converse::session::SessionState;
use tofu::hear::Mode;

use crate::state::{msg, App, Cmd};

#[tauri::command]
pub fn session_state(app: State<'_, App>) -> SessionState {
    app.session_state()
}

#[tauri::command]
pub async fn session_start(handle: AppHandle, app: State<'_, App>) -> Cmd<SessionState> {
    app.start_session(&handle)
}

#[tauri::command]
pub async fn session_stop(app: State<'_, App>) -> Cmd<SessionState> {
    // Waits for the replies in progress: not on the UI thread.
    Ok(app.stop_session())
}

#[tauri::command]
pub fn session_mode(app: State<'_, App>, mode: Mode) -> SessionState {
    app.set_mode(mode)
}

#[tauri::command]
pub fn session_talk(app: State<'_, App>, down: bool) -> Cmd<()> {
    app.with_session(|s| {
        s.talk(down);
    })
}

#[tauri::command]
pub fn session_interrupt(app: State<'_, App>) -> Cmd<()> {
    app.with_session(|s| s.interrupt())
}

#[tauri::command]
pub fn session_say(app: State<'_, App>, text: String) -> Cmd<()> {
    app.with_session(|s| s.say(&text))?.map_err(msg)
}
