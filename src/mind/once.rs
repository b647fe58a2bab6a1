//! One reply outside a conversation: `tofu reply` and the app's "try it"
//! preview. The same engine the loop uses (the person's reply settings,
//! memories, style hints at the persona's mirroring), loaded for one answer.

use std::sync::Arc;

use super::backend::ReplySettings;
use super::{context, MindEvent, Persona, Reply};
use crate::error::Result;
use crate::store::{ConversationId, Store};
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
    let ctx = context::gather(store, conversation, text, 3)?;
    let mut mind = super::load::mind(paths, store, settings, profile)?;
    let hints = super::load::style(paths, store, profile, persona.mirroring, notes)?
        .map(|(model, bg)| Arc::new(model).hints(&bg, text, persona.mirroring));
    mind.reply(persona, hints.as_ref(), &ctx, text, None, |ev| {
        if let MindEvent::FellBack { reason } = ev {
            notes(format!("{reason}; answering without the model"));
        }
    })
}
