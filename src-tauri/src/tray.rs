//! The tray icon (show/hide, mute, quit) and the global push-to-talk hotkey
//! (Ctrl+Alt+Space: held, it talks; it switches to push-to-talk). Neither is
//! essential: where the desktop has no tray or the key is taken, the app
//! says so in the log and goes on.

use tauri::menu::{CheckMenuItem, Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_global_shortcut::{Code, GlobalShortcutExt, Modifiers, Shortcut, ShortcutState};
use tofu::hear::Mode;

use crate::state::{App, SESSION_EVENT};

fn push_to_talk() -> Shortcut {
    Shortcut::new(Some(Modifiers::CONTROL | Modifiers::ALT), Code::Space)
}

pub fn hotkey_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event| {
            if shortcut != &push_to_talk() {
                return;
            }
            let state = app.state::<App>();
            let down = event.state() == ShortcutState::Pressed;
            if down && state.session_state().mode != Mode::PushToTalk {
                state.set_mode(Mode::PushToTalk);
            }
            let s = state
                .with_session(|s| s.talk(down))
                .unwrap_or_else(|_| state.session_state());
            let _ = app.emit(SESSION_EVENT, s);
        })
        .build()
}

pub fn install(app: &AppHandle) {
    if let Err(e) = app.global_shortcut().register(push_to_talk()) {
        tracing::warn!("the push-to-talk hotkey (Ctrl+Alt+Space) is unavailable: {e}");
    }
    if let Err(e) = tray(app) {
        tracing::warn!("no tray icon: {e}");
    }
}

fn tray(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show / hide Tofu", true, None::<&str>)?;
    let mute = CheckMenuItem::with_id(app, "mute", "Mute", true, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &mute, &quit])?;
    let mut builder = TrayIconBuilder::with_id("tofu")
        .tooltip("Tofu")
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id.as_ref() {
            "show" => {
                if let Some(w) = app.get_webview_window("main") {
                    if w.is_visible().unwrap_or(false) {
                        let _ = w.hide();
                    } else {
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                }
            }
            "mute" => {
                let state = app.state::<App>();
                let muted = state.session_state().mode == Mode::Mute;
                let s = state.set_mode(if muted { Mode::HandsFree } else { Mode::Mute });
                let _ = mute.set_checked(s.mode == Mode::Mute);
                let _ = app.emit(SESSION_EVENT, s);
            }
            "quit" => {
                // Stopping joins the loop's threads: not on the UI thread.
                let app = app.clone();
                std::thread::spawn(move || {
                    app.state::<App>().stop_session();
                    app.exit(0);
                });
            }
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}
