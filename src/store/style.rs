//! The style model's state: per named profile, the texts it learned from
//! (utterances, corrections, imported writing), phrases the person excluded,
//! and a daily snapshot of the profile so the app can show how it shifts.
//! The model itself is rebuilt from these (`crate::style`).

use rusqlite::params;
use serde::{de::DeserializeOwned, Serialize};

use super::{now_ms, Store, TurnId};
use crate::error::{Error, Result};

impl Store {
    /// Adds texts to a profile in one transaction; `turn` links a text to
    /// the turn it came from (deleting the turn forgets the text).
    pub fn add_style_texts(
        &mut self,
        profile: &str,
        texts: &[String],
        source: &str,
        turn: Option<TurnId>,
    ) -> Result<usize> {
        check_profile(profile)?;
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO style_texts(profile, text, source, turn_id, learned_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for t in texts.iter().filter(|t| !t.trim().is_empty()) {
                stmt.execute(params![
                    profile,
                    t.trim(),
                    source,
                    turn.map(|t| t.0),
                    now_ms()
                ])?;
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    pub fn style_texts(&self, profile: &str) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT text FROM style_texts WHERE profile = ?1 ORDER BY id")?
            .query_map([profile], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub fn style_exclusions(&self, profile: &str) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT phrase FROM style_exclusions WHERE profile = ?1 ORDER BY phrase",
            )?
            .query_map([profile], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Never learn (or show, or say back) this phrase.
    pub fn exclude_style_phrase(&mut self, profile: &str, phrase: &str) -> Result<()> {
        check_profile(profile)?;
        let phrase = phrase.trim().to_lowercase();
        if phrase.is_empty() {
            return Err(Error::Invalid("give a word or phrase to exclude".into()));
        }
        self.conn.execute(
            "INSERT OR IGNORE INTO style_exclusions(profile, phrase) VALUES (?1, ?2)",
            params![profile, phrase],
        )?;
        Ok(())
    }

    /// Forgets what a profile learned (texts and history; exclusions stay).
    pub fn reset_style(&mut self, profile: &str) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let n = tx.execute("DELETE FROM style_texts WHERE profile = ?1", [profile])?;
        tx.execute("DELETE FROM style_snapshots WHERE profile = ?1", [profile])?;
        tx.commit()?;
        Ok(n)
    }

    /// Profiles that have learned something, with their text counts.
    pub fn style_profiles(&self) -> Result<Vec<(String, i64)>> {
        Ok(self
            .conn
            .prepare("SELECT profile, count(*) FROM style_texts GROUP BY profile ORDER BY profile")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Keeps today's snapshot of a profile (the latest of the day wins).
    pub fn snapshot_style<T: Serialize>(
        &mut self,
        profile: &str,
        day: &str,
        summary: &T,
    ) -> Result<()> {
        let json = serde_json::to_string(summary).map_err(|e| Error::Invalid(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO style_snapshots(profile, day, summary) VALUES (?1, ?2, ?3)
             ON CONFLICT(profile, day) DO UPDATE SET summary = excluded.summary",
            params![profile, day, json],
        )?;
        Ok(())
    }

    /// The daily snapshots, oldest first.
    pub fn style_history<T: DeserializeOwned>(&self, profile: &str) -> Result<Vec<(String, T)>> {
        let rows: Vec<(String, String)> = self
            .conn
            .prepare("SELECT day, summary FROM style_snapshots WHERE profile = ?1 ORDER BY day")?
            .query_map([profile], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(d, s)| match serde_json::from_str(&s) {
                Ok(v) => Ok((d, v)),
                Err(e) => Err(Error::Store(format!("style snapshot {d}: {e}"))),
            })
            .collect()
    }
}

fn check_profile(name: &str) -> Result<()> {
    let ok = (1..=40).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "profile `{name}`: 1 to 40 letters, digits, - or _"
        )))
    }
}
