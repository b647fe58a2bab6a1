//! The audio of each turn: where it is put, when it goes.
//!
//! Paths in the database are relative to the data folder. Files the store
//! writes go to `audio/YYYY-MM-DD/HHMMSS-<uid>.wav` (local date of the turn).

use std::path::{Component, Path, PathBuf};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::model::AudioIn;
use super::Store;
use crate::error::{Error, Result};

/// How long turns' audio is kept (the text is always kept until deleted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Retention {
    /// Keep audio this many days; `None` keeps it forever.
    pub days: Option<u32>,
}

const RETENTION_KEY: &str = "retention";
const DAY_MS: i64 = 24 * 3600 * 1000;

pub(crate) struct Placed {
    pub rel: String,
    /// The store made this file (so it removes it if the insert fails).
    pub created: bool,
}

impl Store {
    pub(crate) fn place_audio(
        &self,
        audio: AudioIn<'_>,
        uid: &str,
        started_at: i64,
    ) -> Result<Placed> {
        let io = |path: &Path, e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        if let AudioIn::InDataDir(path) = audio {
            let rel = self.relative(path).ok_or_else(|| {
                Error::Invalid(format!(
                    "{} is not inside the data folder {}",
                    path.display(),
                    self.data_dir.display()
                ))
            })?;
            if !path.is_file() {
                return Err(Error::NotFound(format!("no audio file {}", path.display())));
            }
            return Ok(Placed {
                rel,
                created: false,
            });
        }
        let when = chrono::DateTime::from_timestamp_millis(started_at)
            .unwrap_or_default()
            .with_timezone(&chrono::Local);
        // Only letters and digits of the uid reach the file name.
        let tag: String = uid
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        let rel = format!(
            "audio/{}/{}-{}.wav",
            when.format("%Y-%m-%d"),
            when.format("%H%M%S"),
            if tag.is_empty() { "turn" } else { &tag }
        );
        let path = self.data_dir.join(&rel);
        let dir = path.parent().expect("audio path has a folder");
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        match audio {
            AudioIn::Samples(samples) => {
                crate::audio::wav::write_wav_16k(&path, samples).map_err(|e| io(&path, e))?
            }
            AudioIn::CopyFrom(from) => copy_synced(from, &path)?,
            AudioIn::InDataDir(_) => unreachable!("handled above"),
        }
        Ok(Placed { rel, created: true })
    }

    /// Copies an imported turn's audio in: under the relative path it had
    /// when that is a free, plain path inside `audio/`, else a new name.
    pub(crate) fn copy_audio_in(
        &self,
        from: &Path,
        wanted: &str,
        uid: &str,
        started_at: i64,
    ) -> Result<String> {
        let sane = Path::new(wanted)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
            && wanted.starts_with("audio/")
            && wanted.ends_with(".wav");
        let target = self.data_dir.join(wanted);
        if !sane || target.exists() {
            return Ok(self
                .place_audio(AudioIn::CopyFrom(from), uid, started_at)?
                .rel);
        }
        let dir = target.parent().expect("audio path has a folder");
        std::fs::create_dir_all(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        copy_synced(from, &target)?;
        Ok(wanted.to_string())
    }

    /// `path` relative to the data folder, if it is inside it.
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        // The data folder is canonical (symlinks resolved); so must this be.
        let abs = match std::fs::canonicalize(path) {
            Ok(p) => p,
            Err(_) if path.is_absolute() => path.to_path_buf(),
            Err(_) => std::env::current_dir().ok()?.join(path),
        };
        let rel = abs.strip_prefix(&self.data_dir).ok()?;
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        rel.to_str().map(|s| s.replace('\\', "/"))
    }

    /// The absolute path of a stored audio path.
    pub fn audio_file(&self, rel: &str) -> PathBuf {
        self.data_dir.join(rel)
    }

    /// Deletes the files in the trash (paths relative to the data folder)
    /// and then their trash rows; a file already gone is fine. Rows are put
    /// in the trash in the same transaction that removes their turns, so a
    /// crash in between leaves a file that the next open deletes, never a
    /// recording the person asked to delete.
    pub(crate) fn empty_trash(&self) -> Result<u32> {
        let rels: Vec<String> = self
            .conn
            .prepare("SELECT path FROM audio_trash")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut removed = 0;
        for rel in &rels {
            let path = self.data_dir.join(rel);
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(path = %path.display(), "could not delete audio: {e}");
                    continue;
                }
            }
            if let Some(dir) = path.parent() {
                // Drops the day folder once it is empty (fails harmlessly if not).
                let _ = std::fs::remove_dir(dir);
            }
            self.conn
                .execute("DELETE FROM audio_trash WHERE path = ?1", [rel])?;
        }
        Ok(removed)
    }

    pub fn retention(&self) -> Result<Retention> {
        Ok(self.setting(RETENTION_KEY)?.unwrap_or_default())
    }

    /// Sets how long audio is kept, and applies it at once.
    pub fn set_retention(&mut self, retention: Retention) -> Result<u32> {
        self.set_setting(RETENTION_KEY, &retention)?;
        match retention.days {
            Some(days) => self.apply_retention(days, super::now_ms()),
            None => Ok(0),
        }
    }

    /// Deletes the audio of turns that ended more than `days` days before
    /// `now` (their text stays). Returns how many files went.
    pub fn apply_retention(&mut self, days: u32, now: i64) -> Result<u32> {
        let cutoff = now - i64::from(days) * DAY_MS;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO audio_trash(path)
             SELECT audio_path FROM turns WHERE audio_path IS NOT NULL AND ended_at < ?1",
            params![cutoff],
        )?;
        tx.execute(
            "UPDATE turns SET audio_path = NULL WHERE audio_path IS NOT NULL AND ended_at < ?1",
            params![cutoff],
        )?;
        tx.commit()?;
        self.empty_trash()
    }

    /// Recordings (`.wav`) under `audio/` that no turn refers to and that
    /// are older than `min_age` (a turn being saved right now is left
    /// alone): what a crash between writing a recording and storing its
    /// turn leaves. `converse::recover` transcribes them into the history.
    pub fn orphan_audio(&self, min_age: std::time::Duration) -> Result<Vec<PathBuf>> {
        let known = self.known_audio()?;
        let mut found = Vec::new();
        self.walk_audio(min_age, |path| {
            let wav = path.extension().is_some_and(|e| e == "wav");
            let referenced = self.relative(path).is_some_and(|rel| known.contains(&rel));
            if wav && !referenced {
                found.push(path.to_path_buf());
            }
        });
        Ok(found)
    }

    /// Deletes what an interrupted copy left under `audio/` (`*.partial`
    /// files older than `min_age`) and empty day folders. Recordings of no
    /// turn are kept for [`Store::orphan_audio`]: they hold what the person
    /// said.
    pub fn sweep_partial_audio(&self, min_age: std::time::Duration) -> Result<u32> {
        let mut removed = 0;
        self.walk_audio(min_age, |path| {
            let partial = path.extension().is_some_and(|e| e == "partial");
            if partial && std::fs::remove_file(path).is_ok() {
                removed += 1;
            }
        });
        Ok(removed)
    }

    /// Recordings the store knows: a turn's, or one deleted whose file is
    /// still to go (`audio_trash`: never recovered as a crash's leftover).
    fn known_audio(&self) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .conn
            .prepare(
                "SELECT audio_path FROM turns WHERE audio_path IS NOT NULL
                 UNION SELECT path FROM audio_trash",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `visit` on every file under `audio/` older than `min_age`;
    /// removes day folders left empty.
    fn walk_audio(&self, min_age: std::time::Duration, mut visit: impl FnMut(&Path)) {
        let root = self.data_dir.join("audio");
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    stack.push(path);
                    continue;
                }
                let old_enough = meta
                    .modified()
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age >= min_age);
                if old_enough {
                    visit(&path);
                }
            }
            if dir != root {
                let _ = std::fs::remove_dir(&dir); // only if empty
            }
        }
    }
}

/// Copies under a temporary name, syncs, renames: never a half file.
fn copy_synced(from: &Path, to: &Path) -> Result<()> {
    let tmp = to.with_extension("wav.partial");
    std::fs::copy(from, &tmp).map_err(|e| Error::Io {
        path: from.to_path_buf(),
        source: e,
    })?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .and_then(|_| tofu_models::durable::rename_durably(&tmp, to))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::Io {
                path: to.to_path_buf(),
                source: e,
            }
        })
}
