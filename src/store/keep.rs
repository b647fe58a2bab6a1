//! Keeping a conversation's turns: the one path every way of talking to
//! Tofu goes through (the app's session, heard or typed; `tofu listen`;
//! `tofu transcribe --save`; `tofu chat`), so what is kept of a turn never
//! depends on how it was said.
//!
//! A person's turn is kept with its audio and the speech model that heard
//! it, in the conversation (started at its first turn; if the person deleted
//! it meanwhile, a new one), and feeds their style profile. A companion turn
//! is kept with its engine, model and persona.

use super::{AudioIn, ConversationId, NewTurn, Source, Store, Turn};
use crate::error::Result;

/// One conversation's keeper.
#[derive(Debug, Clone)]
pub struct Keeper {
    conversation: Option<ConversationId>,
    source: Source,
    /// When the conversation started (its first turn's time if `None`).
    started_at: Option<i64>,
    /// The style profile the person's turns feed.
    profile: String,
}

impl Keeper {
    /// A new conversation, started when its first turn is kept.
    pub fn new(source: Source, profile: &str) -> Keeper {
        Keeper {
            conversation: None,
            source,
            started_at: None,
            profile: profile.to_string(),
        }
    }

    /// A new conversation that starts at `started_at` (a recording's start).
    pub fn starting_at(source: Source, profile: &str, started_at: i64) -> Keeper {
        Keeper {
            started_at: Some(started_at),
            ..Keeper::new(source, profile)
        }
    }

    /// Goes on with `conversation`.
    pub fn continuing(conversation: ConversationId, source: Source, profile: &str) -> Keeper {
        Keeper {
            conversation: Some(conversation),
            ..Keeper::new(source, profile)
        }
    }

    /// The conversation, once a turn was kept (or when continuing one).
    pub fn conversation(&self) -> Option<ConversationId> {
        self.conversation
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    fn ensure(&mut self, store: &mut Store, at: i64) -> Result<ConversationId> {
        match self.conversation {
            Some(c) => Ok(c),
            None => {
                let c =
                    store.start_conversation(self.started_at.unwrap_or(at), self.source, None)?;
                Ok(*self.conversation.insert(c))
            }
        }
    }

    /// Adds `turn`; if its conversation was deleted meanwhile (the app's
    /// Transcripts screen), the turn starts a new one.
    fn add(
        &mut self,
        store: &mut Store,
        turn: NewTurn,
        audio: Option<AudioIn<'_>>,
    ) -> Result<Turn> {
        let c = self.ensure(store, turn.started_at)?;
        match store.add_turn(c, turn.clone(), audio.clone()) {
            Ok(t) => Ok(t),
            Err(e) => {
                if store.conversation(c)?.is_some() {
                    return Err(e);
                }
                self.conversation = None;
                self.started_at = None;
                let c = self.ensure(store, turn.started_at)?;
                store.add_turn(c, turn, audio)
            }
        }
    }

    /// Keeps what the person said (heard or typed) and feeds it to their
    /// style profile.
    pub fn keep_person(
        &mut self,
        store: &mut Store,
        turn: NewTurn,
        audio: Option<AudioIn<'_>>,
    ) -> Result<Turn> {
        let stored = self.add(store, turn, audio)?;
        if !stored.heard_text.trim().is_empty() {
            store.add_style_texts(
                &self.profile,
                std::slice::from_ref(&stored.heard_text),
                "turn",
                Some(stored.id),
            )?;
        }
        Ok(stored)
    }

    /// Keeps what the companion answered.
    pub fn keep_companion(&mut self, store: &mut Store, turn: NewTurn) -> Result<Turn> {
        self.add(store, turn, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_kept_in_one_conversation_and_feed_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut k = Keeper::new(Source::Typed, "me");
        assert_eq!(k.conversation(), None);
        let t = k
            .keep_person(&mut store, NewTurn::user("I like tea.", 1_000, 2_000), None)
            .unwrap();
        let c = k.conversation().unwrap();
        k.keep_companion(
            &mut store,
            NewTurn::companion("Green or black?", 2_000, 3_000),
        )
        .unwrap();
        let conv = store.conversation(c).unwrap().unwrap();
        assert_eq!(conv.turns.len(), 2);
        assert_eq!(conv.turns[0].id, t.id);
        assert_eq!(store.style_texts("me").unwrap().len(), 1);
        // An empty turn (audio nobody could transcribe) teaches nothing.
        k.keep_person(&mut store, NewTurn::user("", 4_000, 5_000), None)
            .unwrap();
        assert_eq!(store.style_texts("me").unwrap().len(), 1);
        // Deleted meanwhile: the next turn starts a new conversation.
        store.delete_conversation(c).unwrap();
        k.keep_person(&mut store, NewTurn::user("Still here.", 6_000, 7_000), None)
            .unwrap();
        let now = store
            .conversation(k.conversation().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(now.turns.len(), 1);
        assert_eq!(now.turns[0].heard_text, "Still here.");
        let mut again = Keeper::continuing(k.conversation().unwrap(), Source::Typed, "me");
        again
            .keep_person(&mut store, NewTurn::user("And again.", 8_000, 9_000), None)
            .unwrap();
        assert_eq!(again.conversation(), k.conversation());
    }
}
