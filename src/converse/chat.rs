//! A typed conversation: `tofu chat` and `tofu bench conversation`.
//!
//! Each turn goes the way a typed turn in the app goes: kept through the
//! one keeper (history, search, memory for later conversations, the style
//! profile), learned by the style model in memory, then answered with this
//! conversation's turns and the memories its words bring back, and the
//! reply kept too.

use std::sync::Arc;

use crate::error::Result;
use crate::mind::{context, Mind, Persona, Reply};
use crate::store::keep::Keeper;
use crate::store::{ConversationId, NewTurn, Source, Speaker, Store};
use crate::style::{Background, StyleModel};

/// A conversation being typed.
pub struct Chat {
    pub store: Store,
    pub mind: Mind,
    pub persona: Persona,
    keeper: Keeper,
    style: Option<(Arc<StyleModel>, Arc<Background>)>,
    max_memories: usize,
}

impl Chat {
    /// A new conversation (or, with `continuing`, more of an old one),
    /// answered by `mind` as `persona`, mirroring `style`.
    pub fn new(
        store: Store,
        mind: Mind,
        persona: Persona,
        style: Option<(StyleModel, Arc<Background>)>,
        profile: &str,
        continuing: Option<ConversationId>,
    ) -> Chat {
        let keeper = match continuing {
            Some(c) => Keeper::continuing(c, Source::Typed, profile),
            None => Keeper::new(Source::Typed, profile),
        };
        Chat {
            store,
            mind,
            persona,
            keeper,
            style: style.map(|(m, bg)| (Arc::new(m), bg)),
            max_memories: 3,
        }
    }

    /// Loads the person's mind and style from `paths` (their settings, or
    /// `settings`), as the app would.
    pub fn open(
        paths: &crate::Paths,
        persona: Persona,
        settings: Option<crate::mind::backend::ReplySettings>,
        profile: &str,
        continuing: Option<ConversationId>,
        notes: &mut dyn FnMut(String),
    ) -> Result<Chat> {
        let store = Store::open(&paths.data_dir)?;
        if let Some(c) = continuing {
            if store.conversation(c)?.is_none() {
                return Err(crate::error::Error::Invalid(format!("no conversation {c}")));
            }
        }
        let mind = crate::mind::load::mind(paths, &store, settings, profile)?;
        let style = crate::mind::load::style(paths, &store, profile, persona.mirroring, notes)?;
        Ok(Chat::new(store, mind, persona, style, profile, continuing))
    }

    /// The store and the mind back (to go on with another conversation).
    pub fn into_parts(self) -> (Store, Mind) {
        (self.store, self.mind)
    }

    pub fn conversation(&self) -> Option<ConversationId> {
        self.keeper.conversation()
    }

    /// Reads the conversation so far ahead of the next turn (see
    /// [`Mind::read_ahead`]): call it once the reply is shown, while the
    /// person reads and types. A failure here only costs speed.
    pub fn read_ahead(&mut self) {
        if let Err(e) = self.mind.read_ahead() {
            tracing::debug!(error = %e, "reading ahead failed");
        }
    }

    /// Says `text`: keeps it, answers it, keeps the answer.
    pub fn turn(&mut self, text: &str) -> Result<Reply> {
        let text = text.trim();
        let now = crate::store::now_ms();
        self.keeper
            .keep_person(&mut self.store, NewTurn::user(text, now, now), None)?;
        if let Some((model, _)) = self.style.as_mut() {
            Arc::make_mut(model).learn(text);
        }
        let mut ctx = context::gather(
            &self.store,
            self.keeper.conversation(),
            text,
            self.max_memories,
        )?;
        // The turn just kept is what is answered: the mind adds it itself.
        if ctx
            .recent
            .last()
            .is_some_and(|t| t.speaker == Speaker::User && t.text() == text)
        {
            ctx.recent.pop();
        }
        let hints = self
            .style
            .as_ref()
            .map(|(m, bg)| m.hints(bg, text, self.persona.mirroring));
        let reply = self
            .mind
            .reply(&self.persona, hints.as_ref(), &ctx, text, None, |_| {})?;
        if !reply.text.is_empty() {
            let at = crate::store::now_ms();
            let row = NewTurn {
                engine: Some(reply.engine.clone()),
                model: reply.model.clone(),
                persona: Some(self.persona.name.clone()),
                ..NewTurn::companion(reply.text.clone(), at, at)
            };
            self.keeper.keep_companion(&mut self.store, row)?;
        }
        Ok(reply)
    }
}
