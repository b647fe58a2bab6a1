//! Reading: listing, showing and full-text search.

use rusqlite::{params, OptionalExtension, Row};

use super::model::*;
use super::Store;
use crate::error::{Error, Result};

const TURN_COLUMNS: &str = "id, uid, conversation_id, speaker, started_at, ended_at, heard_text,
     corrected_text, corrected_at, language, confidence, model, engine, persona, audio_path";

fn turn_from_row(r: &Row<'_>) -> rusqlite::Result<Turn> {
    let speaker: String = r.get(3)?;
    Ok(Turn {
        id: TurnId(r.get(0)?),
        uid: r.get(1)?,
        conversation_id: ConversationId(r.get(2)?),
        speaker: Speaker::parse(&speaker).unwrap_or(Speaker::User),
        started_at: r.get(4)?,
        ended_at: r.get(5)?,
        heard_text: r.get(6)?,
        corrected_text: r.get(7)?,
        corrected_at: r.get(8)?,
        language: r.get(9)?,
        confidence: r.get(10)?,
        model: r.get(11)?,
        engine: r.get(12)?,
        persona: r.get(13)?,
        audio_path: r.get(14)?,
    })
}

/// Markers put around each search hit in a snippet.
#[derive(Debug, Clone, Copy)]
pub struct Highlight<'a> {
    pub open: &'a str,
    pub close: &'a str,
}

impl Default for Highlight<'_> {
    fn default() -> Self {
        Highlight {
            open: "[",
            close: "]",
        }
    }
}

impl Store {
    pub fn turn(&self, id: TurnId) -> Result<Option<Turn>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {TURN_COLUMNS} FROM turns WHERE id = ?1"),
                [id.0],
                turn_from_row,
            )
            .optional()?)
    }

    /// What the person said most recently outside `except` (statements,
    /// not questions), newest first: what a companion remembers of the
    /// last days even when no word of it is said again.
    pub fn recent_person_turns(
        &self,
        except: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<Turn>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TURN_COLUMNS} FROM turns
             WHERE speaker = 'user' AND conversation_id != ?1
               AND trim(coalesce(corrected_text, heard_text)) != ''
               AND rtrim(coalesce(corrected_text, heard_text)) NOT LIKE '%?'
             ORDER BY started_at DESC, id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![except.map_or(-1, |c| c.0), limit as i64],
            turn_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A conversation with all its turns, in order.
    pub fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        let head = self
            .conn
            .query_row(
                "SELECT uid, started_at, title, source FROM conversations WHERE id = ?1",
                [id.0],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        let Some((uid, started_at, title, source)) = head else {
            return Ok(None);
        };
        let turns = self
            .conn
            .prepare_cached(&format!(
                "SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = ?1 ORDER BY started_at, id"
            ))?
            .query_map([id.0], turn_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(Conversation {
            id,
            uid,
            started_at,
            title,
            source: Source::parse(&source).unwrap_or(Source::Live),
            turns,
        }))
    }

    /// Conversations that started in `range`, oldest first.
    pub fn conversations(&self, range: TimeRange) -> Result<Vec<ConversationSummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.started_at, c.title, c.source,
                    count(t.id), coalesce(max(t.ended_at), c.started_at),
                    (SELECT coalesce(f.corrected_text, f.heard_text) FROM turns f
                      WHERE f.conversation_id = c.id ORDER BY f.started_at, f.id LIMIT 1)
               FROM conversations c LEFT JOIN turns t ON t.conversation_id = c.id
              WHERE (?1 IS NULL OR c.started_at >= ?1) AND (?2 IS NULL OR c.started_at < ?2)
              GROUP BY c.id ORDER BY c.started_at, c.id",
        )?;
        let rows = stmt
            .query_map(params![range.since, range.until], |r| {
                let source: String = r.get(3)?;
                Ok(ConversationSummary {
                    id: ConversationId(r.get(0)?),
                    started_at: r.get(1)?,
                    title: r.get(2)?,
                    source: Source::parse(&source).unwrap_or(Source::Live),
                    turns: r.get(4)?,
                    ended_at: r.get(5)?,
                    preview: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Ranked full-text search (best first) with highlighted snippets.
    pub fn search(&self, q: &SearchQuery, mark: Highlight<'_>) -> Result<Vec<SearchHit>> {
        let Some(expr) = fts_expression(&q.text) else {
            return Err(Error::Invalid(format!(
                "nothing to search for in {:?}: give a word or a \"phrase\"",
                q.text
            )));
        };
        let limit = q.limit.unwrap_or(20).clamp(1, 1000);
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, t.conversation_id, t.speaker, t.started_at,
                    snippet(turns_fts, 0, ?2, ?3, '…', 16), turns_fts.rank
               FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid
              WHERE turns_fts MATCH ?1
                AND (?4 IS NULL OR t.started_at >= ?4) AND (?5 IS NULL OR t.started_at < ?5)
                AND (?6 IS NULL OR t.speaker = ?6)
              ORDER BY turns_fts.rank LIMIT ?7",
        )?;
        let hits = stmt
            .query_map(
                params![
                    expr,
                    mark.open,
                    mark.close,
                    q.range.since,
                    q.range.until,
                    q.speaker.map(Speaker::as_str),
                    limit
                ],
                |r| {
                    let speaker: String = r.get(2)?;
                    Ok(SearchHit {
                        turn_id: TurnId(r.get(0)?),
                        conversation_id: ConversationId(r.get(1)?),
                        speaker: Speaker::parse(&speaker).unwrap_or(Speaker::User),
                        started_at: r.get(3)?,
                        snippet: r.get(4)?,
                        rank: r.get(5)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(hits)
    }

    /// Every conversation that started in `range`, with its turns (for export).
    pub fn conversations_full(&self, range: TimeRange) -> Result<Vec<Conversation>> {
        self.conversations(range)?
            .into_iter()
            .map(|s| {
                self.conversation(s.id)?
                    .ok_or_else(|| Error::NotFound(format!("no conversation {}", s.id)))
            })
            .collect()
    }

    /// How many turns are stored.
    pub fn turn_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM turns", [], |r| r.get(0))?)
    }

    pub fn turn_by_uid(&self, uid: &str) -> Result<Option<Turn>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {TURN_COLUMNS} FROM turns WHERE uid = ?1"),
                [uid],
                turn_from_row,
            )
            .optional()?)
    }

    pub fn conversation_by_uid(&self, uid: &str) -> Result<Option<ConversationId>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM conversations WHERE uid = ?1", [uid], |r| {
                r.get(0).map(ConversationId)
            })
            .optional()?)
    }
}

/// Turns what a person types into an FTS5 query that cannot be a syntax
/// error: words become quoted terms (all required), `"..."` stays a phrase,
/// `OR` between two terms means either, a trailing `*` is a prefix search.
/// Everything else (`-`, `:`, `(`, stray quotes) is just a separator.
pub fn fts_expression(input: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut rest = input;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let body = &rest[1..];
            let (phrase, after) = match body.find('"') {
                Some(end) => (&body[..end], &body[end + 1..]),
                None => (body, ""),
            };
            let words = words_of(phrase);
            if !words.is_empty() {
                terms.push(format!("\"{}\"", words.join(" ")));
            }
            rest = after;
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let token = &rest[..end];
        rest = rest[end..].trim_start();
        if token == "OR" {
            if terms.last().is_some_and(|t| t != "OR") {
                terms.push("OR".into());
            }
            continue;
        }
        // "don't" or "e-mail": one phrase, as the tokenizer splits it.
        let words = words_of(token);
        if !words.is_empty() {
            // A prefix of one or two letters matches most of a history and
            // answers nothing: it is searched as a word.
            let long_enough = words.last().is_some_and(|w| w.chars().count() >= 3);
            let star = if token.ends_with('*') && long_enough {
                "*"
            } else {
                ""
            };
            terms.push(format!("\"{}\"{star}", words.join(" ")));
        }
    }
    while terms.last().is_some_and(|t| t == "OR") {
        terms.pop();
    }
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The word characters of `s`, split on anything else (as FTS5's unicode61
/// tokenizer does), so quoting them is always safe.
fn words_of(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fts_expression;

    #[test]
    fn queries_become_safe_fts_expressions() {
        assert_eq!(fts_expression("my sister").unwrap(), "\"my\" \"sister\"");
        assert_eq!(fts_expression("don't").unwrap(), "\"don t\"");
        assert_eq!(
            fts_expression("\"my sister\" OR brother").unwrap(),
            "\"my sister\" OR \"brother\""
        );
        assert_eq!(fts_expression("sist*").unwrap(), "\"sist\"*");
        assert_eq!(fts_expression("s*").unwrap(), "\"s\"");
        assert_eq!(fts_expression("a-b: (c)").unwrap(), "\"a b\" \"c\"");
        assert_eq!(fts_expression("OR sister OR").unwrap(), "\"sister\"");
        assert_eq!(
            fts_expression("\"unclosed phrase").unwrap(),
            "\"unclosed phrase\""
        );
        assert!(fts_expression(" -- \"\" ").is_none());
    }
}
