//! The memory: one SQLite database in the data folder (`tofu.db`) holding
//! every conversation and turn, the settings, and (later) the style model's
//! state; each turn's audio lives beside it under `audio/`.
//!
//! - [`schema`]: the migrations (schema version = `user_version`).
//! - [`model`]: the typed records.
//! - `write`: adding, correcting and deleting turns (each one transaction).
//! - `read`: listing, showing and full-text search.
//! - `audio`: the audio files: placement, deletion, retention.
//! - [`handle`]: the async face: one thread owns the connection (the single
//!   writer); async callers send it closures.
//!
//! Invariants: a turn row and its audio file appear together (the file is
//! written and synced first, the row committed second) and go together (the
//! row is deleted and its file put in the `audio_trash` table in one
//! transaction; the file is deleted after, and any trash left by a crash is
//! emptied on the next open).
//! Nothing here ever resets a database it cannot read: it keeps a copy and
//! says so.

mod audio;
pub mod handle;
pub mod keep;
pub mod lock;
pub mod model;
pub mod read;
pub mod schema;
mod style;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

pub use audio::Retention;
pub use handle::StoreHandle;
pub use model::*;

/// The database's file name inside the data folder.
pub const DB_FILE: &str = "tofu.db";

/// The store: one connection to `tofu.db`. Not `Sync`; share it through a
/// [`StoreHandle`] (or one per thread for reads).
pub struct Store {
    conn: Connection,
    data_dir: PathBuf,
}

impl Store {
    /// Opens (or creates) the database in `data_dir`: checks its integrity,
    /// refuses one from a newer Tofu, migrates an older one, and applies the
    /// audio retention setting.
    pub fn open(data_dir: &Path) -> Result<Store> {
        let store = Store::open_unmigrated(data_dir)?;
        store.migrate_to(schema::LATEST)
    }

    /// Opens without migrating past `version` (tests build every earlier
    /// schema with this).
    pub fn open_at_version(data_dir: &Path, version: usize) -> Result<Store> {
        Store::open_unmigrated(data_dir)?.migrate_to(version)
    }

    fn open_unmigrated(data_dir: &Path) -> Result<Store> {
        crate::paths::private_dir(data_dir)?;
        // Absolute, so audio paths can be made relative to it.
        let data_dir = &std::fs::canonicalize(data_dir).map_err(|e| Error::Io {
            path: data_dir.to_path_buf(),
            source: e,
        })?;
        let path = data_dir.join(DB_FILE);
        let existed = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
        if existed {
            // Checked through a read-only connection, which cannot change the
            // file (a read-write one would fold its journal in on close).
            let ro = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| Error::Store(format!("cannot open {}: {e}", path.display())))?;
            ro.busy_timeout(Duration::from_secs(5))?;
            if let Some(detail) = damage(&ro)? {
                drop(ro);
                let copy = keep_copy(&path)?;
                return Err(Error::StoreDamaged { path, detail, copy });
            }
            let found: i64 = ro.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            drop(ro);
            if found > schema::LATEST as i64 {
                let copy = keep_copy(&path)?;
                return Err(Error::StoreTooNew {
                    path,
                    found,
                    known: schema::LATEST,
                    copy,
                });
            }
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Store(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL: readers never block the writer, and a crash at any moment
        // leaves the last committed state. FULL: a commit is on disk before
        // it is acknowledged (turns are seconds apart; the fsync is cheap).
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "the database is not in WAL mode");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted words are overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        Ok(Store {
            conn,
            data_dir: data_dir.to_path_buf(),
        })
    }

    fn migrate_to(mut self, version: usize) -> Result<Store> {
        let migrations = schema::migrations();
        let before: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version == schema::LATEST {
            migrations.to_latest(&mut self.conn)?;
        } else {
            migrations.to_version(&mut self.conn, version)?;
        }
        if (1..schema::SECURE_DELETE as i64).contains(&before) && version >= schema::SECURE_DELETE {
            // Turns deleted before secure delete still sit in free pages:
            // rewrite the file once without them.
            self.conn.execute_batch("VACUUM")?;
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        if version >= 3 {
            let emptied = self.empty_trash()?;
            if emptied > 0 {
                tracing::info!(emptied, "deleted audio left by an interrupted delete");
            }
            self.daily_sweep()?;
            if let Some(retention) = self.retention()?.days {
                let swept = self.apply_retention(retention, crate::store::now_ms())?;
                if swept > 0 {
                    tracing::info!(swept, retention, "audio past its retention removed");
                }
            }
        }
        Ok(self)
    }

    /// Once a day: removes what interrupted copies left (see
    /// [`Store::sweep_partial_audio`]).
    fn daily_sweep(&mut self) -> Result<()> {
        const KEY: &str = "maintenance.audio_swept_at";
        let last: Option<i64> = self.setting(KEY).unwrap_or(None);
        let now = now_ms();
        if last.is_some_and(|t| now - t < 24 * 3600 * 1000 && t <= now) {
            return Ok(());
        }
        let swept = self.sweep_partial_audio(Duration::from_secs(3600))?;
        if swept > 0 {
            tracing::info!(swept, "removed copies an interrupted save left");
        }
        self.set_setting(KEY, &now)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// SQLite's full `integrity_check` plus the search index's own check;
    /// `Ok(())` or what is wrong.
    pub fn integrity_check(&self) -> Result<std::result::Result<(), String>> {
        let rows: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if rows != ["ok"] {
            return Ok(Err(rows.join("; ")));
        }
        if self.schema_version()? >= 2 {
            if let Err(e) = self.conn.execute(
                "INSERT INTO turns_fts(turns_fts, rank) VALUES ('integrity-check', 1)",
                [],
            ) {
                return Ok(Err(format!("search index: {e}")));
            }
        }
        Ok(Ok(()))
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Caps the database's size in pages, as a full disk would (tests).
    #[doc(hidden)]
    pub fn limit_pages_for_tests(&self, pages: i64) {
        let _ = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()));
    }

    /// A setting's value (JSON), if set.
    pub fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let raw: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        raw.map(|s| {
            serde_json::from_str(&s)
                .map_err(|e| Error::Store(format!("the setting `{key}` is unreadable ({e}): {s}")))
        })
        .transpose()
    }

    pub fn set_setting<T: Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value)
            .map_err(|e| Error::Invalid(format!("setting `{key}`: {e}")))?;
        self.conn.execute(
            "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            rusqlite::params![key, json, now_ms()],
        )?;
        Ok(())
    }

    /// Removes a setting (back to its default).
    pub fn delete_setting(&mut self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Forgets everything: closes the database and deletes what Tofu keeps
    /// in the data folder (history, audio, settings, style model, kept
    /// copies of damaged databases); the models stay. Returns what was removed.
    pub fn forget_everything(self) -> Result<Vec<PathBuf>> {
        let Store { conn, data_dir } = self;
        // Fold the WAL back first so no journal is left behind by the close.
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        conn.close().map_err(|(_, e)| Error::from(e))?;
        forget_folder(&data_dir)
    }
}

/// Is this entry of the data folder something Tofu keeps about the person?
/// (Only these are deleted by "forget everything": a data folder pointed at
/// a folder with other files in it keeps them.)
fn is_user_data(name: &str) -> bool {
    name == "audio"
        || name == "secrets"
        || name == DB_FILE
        || ["-wal", "-shm", "-journal"]
            .iter()
            .any(|s| name == format!("{DB_FILE}{s}"))
        || name.starts_with(&format!("{DB_FILE}.damaged-"))
}

/// Deletes everything Tofu keeps in `data_dir` (not the models, nor files
/// that are not Tofu's).
pub fn forget_folder(data_dir: &Path) -> Result<Vec<PathBuf>> {
    let io = |path: &Path, e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut removed = Vec::new();
    let entries = match std::fs::read_dir(data_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(io(data_dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io(data_dir, e))?;
        let path = entry.path();
        if !is_user_data(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let kind = entry.file_type().map_err(|e| io(&path, e))?;
        if kind.is_dir() {
            std::fs::remove_dir_all(&path).map_err(|e| io(&path, e))?;
        } else {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
        removed.push(path);
    }
    Ok(removed)
}

/// `Some(what)` when the file is not a sound SQLite database.
fn damage(conn: &Connection) -> Result<Option<String>> {
    let rows = conn.prepare("PRAGMA quick_check").and_then(|mut s| {
        s.query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    });
    match rows {
        Ok(rows) if rows == ["ok"] => Ok(None),
        Ok(rows) => Ok(Some(rows.join("; "))),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
            ) =>
        {
            Ok(Some(e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Copies a damaged database (and its journal) aside, next to it. A copy
/// identical to one already kept (the same file opened again) is not made twice.
fn keep_copy(path: &Path) -> Result<PathBuf> {
    let io = |p: &Path, e| Error::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let side = |p: &Path, suffix: &str| PathBuf::from(format!("{}{suffix}", p.display()));
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    let wal = std::fs::read(side(path, "-wal")).ok();
    let dir = path.parent().unwrap_or(Path::new("."));
    let prefix = format!("{DB_FILE}.damaged-");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(&prefix) || name.ends_with("-wal") || name.ends_with("-shm") {
                continue;
            }
            let kept = entry.path();
            let same_len = entry
                .metadata()
                .is_ok_and(|m| m.len() == bytes.len() as u64);
            if same_len
                && std::fs::read(&kept).is_ok_and(|k| k == bytes)
                && std::fs::read(side(&kept, "-wal")).ok() == wal
            {
                return Ok(kept);
            }
        }
    }
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let mut copy = dir.join(format!("{prefix}{stamp}"));
    let mut n = 1;
    while copy.exists() {
        n += 1;
        copy = dir.join(format!("{prefix}{stamp}-{n}"));
    }
    std::fs::write(&copy, &bytes).map_err(|e| io(&copy, e))?;
    for suffix in ["-wal", "-shm"] {
        let from = side(path, suffix);
        if from.exists() {
            let to = side(&copy, suffix);
            std::fs::copy(&from, &to).map_err(|e| io(&from, e))?;
        }
    }
    Ok(copy)
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new random id for a conversation or turn (stable across export/import).
pub(crate) fn new_uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
