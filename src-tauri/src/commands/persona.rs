//! The Personality screen: name, backstory, sliders, presets, "try it".

use tauri::State;
use tofu::mind::persona::PRESETS;
use tofu::mind::Persona;

use crate::bindings::{Preset, TryReply};
use crate::state::{msg, App, Cmd};

#[tauri::command]
pub async fn persona_get(app: State<'_, App>) -> Cmd<Persona> {
    app.with_store(|s| Persona::load(s))
}

/// Saves the persona (checked first) and gives it to the running
/// conversation, which answers as it from its next reply.
#[tauri::command]
pub async fn persona_set(app: State<'_, App>, persona: Persona) -> Cmd<Persona> {
    persona.validate().map_err(msg)?;
    app.with_store(|s| persona.save(s))?;
    let _ = app.with_session(|s| s.set_persona(persona.clone()));
    Ok(persona)
}

#[tauri::command]
pub fn persona_presets() -> Cmd<Vec<Preset>> {
    PRESETS
        .iter()
        .map(|(name, description)| {
            Ok(Preset {
                name: name.to_string(),
                description: description.to_string(),
                persona: Persona::preset(name).map_err(msg)?,
            })
        })
        .collect()
}

/// A reply from `persona` (not saved) to `text`, through the same engine
/// the conversation uses; said out loud when there are speakers.
#[tauri::command]
pub async fn persona_try(app: State<'_, App>, persona: Persona, text: String) -> Cmd<TryReply> {
    persona.validate().map_err(msg)?;
    let text = text.trim().to_string();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err("say something to answer (up to 1000 characters)".into());
    }
    // Its own connection: the reply takes seconds, and the app's other
    // commands must not wait for it.
    let store = tofu::store::Store::open(&app.paths.data_dir).map_err(msg)?;
    let ask = tofu::mind::once::Ask {
        persona: &persona,
        settings: None,
        profile: tofu::style::DEFAULT_PROFILE,
        conversation: None,
        text: &text,
    };
    let reply = tofu::mind::once::reply_once(&app.paths, &store, ask, &mut |note| {
        tracing::info!("try it: {note}")
    })
    .map_err(msg)?;
    let spoken = crate::speak::say(&app, &reply.text).is_ok();
    Ok(TryReply {
        text: reply.text,
        engine: reply.engine,
        spoken,
    })
}
