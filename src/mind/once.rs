//! One reply outside a conversation: `tofu reply` and the app's "try it"
//! preview. The same engine the loop uses (the person's reply settings,
//! memories, style hints at the persona's mirroring), loaded for one answer.

use std::sync::Arc;

use super::backend::{ReplySettings, SETTINGS_KEY};
use super::{context, BackendKind, Mind, MindEvent, Persona, Reply};
use crate::error::Result;
use crate::store::{ConversationId, Store};
use crate::style::Background;
use crate::Paths;

/// What to answer, and as whom.
pub struct Ask<'a> {
    pub persona: &'a Persona,
    /// The reply settings to use (`None`: the person's).
    pub settings: Option<ReplySettings>,
    /// The style profile that mirroring draws on.
    pub profile: &'a str,
    /// Answer within this conversation (its turns are the recent context).
    pub conversation: Option<ConversationId>,
    pub text: &'a str,
}

/// Answers `ask.text` as `ask.persona` would. `notes` hears what was left
/// out or fell back.
pub fn reply_once(
    paths: &Paths,
    store: &Store,
    ask: Ask<'_>,
    notes: &mut dyn FnMut(String),
) -> Result<Reply> {
    let Ask {
        persona,
        settings,
        profile,
        conversation,
        text,
    } = ask;
    let settings = match settings {
        Some(s) => s,
        None => store.setting(SETTINGS_KEY)?.unwrap_or_default(),
    };
    let ctx = context::gather(store, conversation, text, 3)?;
    let models = paths.model_store();
    let remix_style = match settings.backend {
        BackendKind::Remix => Some(crate::style::load(store, profile)?),
        _ => None,
    };
    let backend = settings.backend(&paths.data_dir, &models, remix_style)?;
    let mut mind = Mind::new(backend, settings.n_ctx as usize);
    let hints = if persona.mirroring >= 0.05 && !store.style_texts(profile)?.is_empty() {
        match Background::load_default(&models) {
            Ok(bg) => {
                let model = Arc::new(crate::style::load(store, profile)?);
                Some(model.hints(&Arc::new(bg), text, persona.mirroring))
            }
            Err(e) => {
                notes(format!("not mirroring your style: {e}"));
                None
            }
        }
    } else {
        None
    };
    mind.reply(persona, hints.as_ref(), &ctx, text, None, |ev| {
        if let MindEvent::FellBack { reason } = ev {
            notes(format!("{reason}; answering without the model"));
        }
    })
}
