//! Writing: every change is one transaction, so a crash leaves either the
//! whole change or none of it.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::model::*;
use super::{new_uid, now_ms, Store};
use crate::error::{Error, Result};

impl Store {
    /// Starts a conversation.
    pub fn start_conversation(
        &mut self,
        started_at: i64,
        source: Source,
        title: Option<&str>,
    ) -> Result<ConversationId> {
        self.insert_conversation(&new_uid(), started_at, source, title)
    }

    pub(crate) fn insert_conversation(
        &mut self,
        uid: &str,
        started_at: i64,
        source: Source,
        title: Option<&str>,
    ) -> Result<ConversationId> {
        self.conn.execute(
            "INSERT INTO conversations(uid, started_at, title, source) VALUES (?1, ?2, ?3, ?4)",
            params![uid, started_at, title, source.as_str()],
        )?;
        Ok(ConversationId(self.conn.last_insert_rowid()))
    }

    /// Adds a turn, with its audio when there is some. The audio file is
    /// written (and synced) before the row is committed; if the commit
    /// fails, the file is removed again. Returns the stored turn.
    pub fn add_turn(
        &mut self,
        conversation: ConversationId,
        turn: NewTurn,
        audio: Option<AudioIn<'_>>,
    ) -> Result<Turn> {
        if turn.ended_at < turn.started_at {
            return Err(Error::Invalid(format!(
                "a turn cannot end ({}) before it starts ({})",
                turn.ended_at, turn.started_at
            )));
        }
        let uid = turn.uid.clone().unwrap_or_else(new_uid);
        let placed = match audio {
            Some(a) => Some(self.place_audio(a, &uid, turn.started_at)?),
            None => None,
        };
        let result = self.insert_turn(conversation, &uid, &turn, placed.as_ref().map(|p| &p.rel));
        match result {
            Ok(id) => Ok(self
                .turn(id)?
                .ok_or_else(|| Error::Store(format!("turn {id} vanished after insert")))?),
            Err(e) => {
                if let Some(p) = placed.filter(|p| p.created) {
                    let _ = std::fs::remove_file(self.data_dir.join(&p.rel));
                }
                Err(e)
            }
        }
    }

    fn insert_turn(
        &mut self,
        conversation: ConversationId,
        uid: &str,
        t: &NewTurn,
        audio_rel: Option<&String>,
    ) -> Result<TurnId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT id FROM conversations WHERE id = ?1",
                [conversation.0],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(Error::NotFound(format!("no conversation {conversation}")));
        }
        insert_turn_row(&tx, conversation.0, uid, t, audio_rel.map(String::as_str))?;
        let id = TurnId(tx.last_insert_rowid());
        tx.commit()?;
        Ok(id)
    }

    /// Adds many turns (without audio) to a conversation in one transaction:
    /// all or none.
    pub fn add_turns(
        &mut self,
        conversation: ConversationId,
        turns: &[NewTurn],
    ) -> Result<Vec<TurnId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(turns.len());
        for t in turns {
            if t.ended_at < t.started_at {
                return Err(Error::Invalid("a turn cannot end before it starts".into()));
            }
            let uid = t.uid.clone().unwrap_or_else(new_uid);
            insert_turn_row(&tx, conversation.0, &uid, t, None)?;
            ids.push(TurnId(tx.last_insert_rowid()));
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Records the person's correction of a turn (the original stays).
    /// `None`, or the text as heard, removes the correction.
    pub fn correct_turn(&mut self, id: TurnId, corrected: Option<&str>) -> Result<Turn> {
        let turn = self
            .turn(id)?
            .ok_or_else(|| Error::NotFound(format!("no turn {id}")))?;
        let corrected = corrected
            .map(str::trim)
            .filter(|c| *c != turn.heard_text.trim());
        if corrected == Some("") {
            return Err(Error::Invalid(format!(
                "an empty correction would hide what was said; to remove turn {id}, delete it"
            )));
        }
        let at = corrected.map(|_| now_ms());
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE turns SET corrected_text = ?2, corrected_at = ?3 WHERE id = ?1",
            params![id.0, corrected, at],
        )?;
        // What the style model learned from this turn follows the correction.
        tx.execute(
            "UPDATE style_texts SET text = ?2 WHERE turn_id = ?1",
            params![id.0, corrected.unwrap_or(&turn.heard_text)],
        )?;
        tx.commit()?;
        self.turn(id)?
            .ok_or_else(|| Error::NotFound(format!("no turn {id}")))
    }

    /// Deletes a turn and its audio file.
    pub fn delete_turn(&mut self, id: TurnId) -> Result<Deleted> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR IGNORE INTO audio_trash(path)
             SELECT audio_path FROM turns WHERE id = ?1 AND audio_path IS NOT NULL",
            [id.0],
        )?;
        if tx.execute("DELETE FROM turns WHERE id = ?1", [id.0])? == 0 {
            return Err(Error::NotFound(format!("no turn {id}")));
        }
        tx.commit()?;
        self.scrub_log();
        Ok(Deleted {
            turns: 1,
            audio_files: self.empty_trash()?,
            ..Deleted::default()
        })
    }

    /// Deletes a conversation, its turns and their audio files.
    pub fn delete_conversation(&mut self, id: ConversationId) -> Result<Deleted> {
        self.delete_conversations_where("id = ?1", [id.0])
            .and_then(|d| {
                if d.conversations == 0 {
                    Err(Error::NotFound(format!("no conversation {id}")))
                } else {
                    Ok(d)
                }
            })
    }

    /// Deletes every conversation that started in `range` (e.g. a day).
    pub fn delete_range(&mut self, range: TimeRange) -> Result<Deleted> {
        self.delete_conversations_where(
            "(?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2)",
            [range.since, range.until],
        )
    }

    fn delete_conversations_where(
        &mut self,
        condition: &str,
        args: impl rusqlite::Params + Clone,
    ) -> Result<Deleted> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            &format!(
                "INSERT OR IGNORE INTO audio_trash(path)
                 SELECT audio_path FROM turns WHERE audio_path IS NOT NULL AND conversation_id IN
                   (SELECT id FROM conversations WHERE {condition})"
            ),
            args.clone(),
        )?;
        let turns: u32 = tx.query_row(
            &format!(
                "SELECT count(*) FROM turns WHERE conversation_id IN
                   (SELECT id FROM conversations WHERE {condition})"
            ),
            args.clone(),
            |r| r.get(0),
        )?;
        let conversations = tx.execute(
            &format!("DELETE FROM conversations WHERE {condition}"),
            args,
        )? as u32;
        tx.commit()?;
        self.scrub_log();
        Ok(Deleted {
            conversations,
            turns,
            audio_files: self.empty_trash()?,
        })
    }
}

impl Store {
    /// After a delete: the write-ahead log still holds the deleted words in
    /// the frames that wrote them; copying it into the database (whose
    /// freed pages `secure_delete` zeroed) and truncating it leaves them
    /// nowhere. Best effort: a reader in another process can hold the log
    /// (it is truncated at the next delete or when the app closes).
    fn scrub_log(&self) {
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })
        {
            tracing::debug!(%e, "could not truncate the write-ahead log");
        }
    }
}

/// A whole conversation to bring in at once (from an export).
#[derive(Debug, Clone)]
pub struct ImportedConversation {
    pub uid: String,
    pub started_at: i64,
    pub title: Option<String>,
    pub source: Source,
    /// Each turn with, where there is one, its audio: the file to copy and
    /// the relative path it had (kept when free and sane).
    pub turns: Vec<(NewTurn, Option<(std::path::PathBuf, String)>)>,
}

impl Store {
    /// Adds a conversation and all its turns in one transaction, copying
    /// their audio in first. A conversation whose uid is already here is
    /// skipped (`Ok(None)`), so importing the same file twice adds nothing.
    pub fn import_conversation(
        &mut self,
        conv: &ImportedConversation,
    ) -> Result<Option<ConversationId>> {
        if self.conversation_by_uid(&conv.uid)?.is_some() {
            return Ok(None);
        }
        let mut created: Vec<String> = Vec::new();
        let result = self.import_inner(conv, &mut created);
        if result.is_err() {
            for rel in &created {
                let _ = std::fs::remove_file(self.data_dir.join(rel));
            }
        }
        result.map(Some)
    }

    fn import_inner(
        &mut self,
        conv: &ImportedConversation,
        created: &mut Vec<String>,
    ) -> Result<ConversationId> {
        let mut audio_rels = Vec::with_capacity(conv.turns.len());
        for (turn, audio) in &conv.turns {
            let rel = match audio {
                Some((from, wanted)) => {
                    let uid = turn.uid.clone().unwrap_or_else(new_uid);
                    let rel = self.copy_audio_in(from, wanted, &uid, turn.started_at)?;
                    created.push(rel.clone());
                    Some(rel)
                }
                None => None,
            };
            audio_rels.push(rel);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO conversations(uid, started_at, title, source) VALUES (?1, ?2, ?3, ?4)",
            params![conv.uid, conv.started_at, conv.title, conv.source.as_str()],
        )?;
        let cid = tx.last_insert_rowid();
        for ((t, _), rel) in conv.turns.iter().zip(&audio_rels) {
            if t.ended_at < t.started_at {
                return Err(Error::Invalid(format!(
                    "conversation {}: a turn ends before it starts",
                    conv.uid
                )));
            }
            let uid = t.uid.clone().unwrap_or_else(new_uid);
            insert_turn_row(&tx, cid, &uid, t, rel.as_deref())?;
        }
        tx.commit()?;
        Ok(ConversationId(cid))
    }
}

/// The one INSERT of a turn row (inside the caller's transaction).
fn insert_turn_row(
    tx: &rusqlite::Transaction<'_>,
    conversation: i64,
    uid: &str,
    t: &NewTurn,
    audio_rel: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO turns(uid, conversation_id, speaker, started_at, ended_at, heard_text,
                           corrected_text, corrected_at, language, confidence, model, engine,
                           persona, audio_path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        uid,
        conversation,
        t.speaker.as_str(),
        t.started_at,
        t.ended_at,
        t.text,
        t.corrected_text,
        t.corrected_at,
        t.language,
        t.confidence,
        t.model,
        t.engine,
        t.persona,
        audio_rel,
    ])?;
    Ok(())
}
