//! The database schema, as the ordered list of migrations that built it.
//!
//! The schema version is SQLite's `user_version` (kept by
//! `rusqlite_migration`). Never edit a migration that has shipped: add a new
//! one at the end. `tests/store.rs` migrates a database written at every
//! earlier version to the latest and checks nothing was lost.

use rusqlite_migration::{Migrations, M};

/// Version 1: conversations and their turns.
///
/// Times are integer milliseconds since the Unix epoch (UTC). A user turn's
/// `heard_text` is the transcript as heard and `corrected_text` the person's
/// correction (both kept); a companion turn's `heard_text` is its reply.
/// `audio_path` is relative to the data directory, so the folder can move.
const V1_CONVERSATIONS_AND_TURNS: &str = r#"
CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    started_at  INTEGER NOT NULL,
    title       TEXT,
    source      TEXT NOT NULL
);
CREATE INDEX conversations_started ON conversations(started_at);

CREATE TABLE turns (
    id              INTEGER PRIMARY KEY,
    uid             TEXT NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    speaker         TEXT NOT NULL CHECK (speaker IN ('user', 'companion')),
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER NOT NULL CHECK (ended_at >= started_at),
    heard_text      TEXT NOT NULL,
    corrected_text  TEXT,
    corrected_at    INTEGER,
    language        TEXT,
    confidence      REAL,
    model           TEXT,
    engine          TEXT,
    persona         TEXT,
    audio_path      TEXT
);
CREATE INDEX turns_conversation ON turns(conversation_id, started_at);
CREATE INDEX turns_started ON turns(started_at);
"#;

/// Version 2: full-text search over what was said (the corrected text where
/// there is one), kept in step by triggers. Porter stemming so "sisters"
/// finds "sister"; diacritics folded so "cafe" finds "café".
const V2_FULL_TEXT_SEARCH: &str = r#"
CREATE VIRTUAL TABLE turns_fts USING fts5(
    text,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO turns_fts(rowid, text)
    SELECT id, coalesce(corrected_text, heard_text) FROM turns;

CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
    INSERT INTO turns_fts(rowid, text)
        VALUES (new.id, coalesce(new.corrected_text, new.heard_text));
END;
CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
    DELETE FROM turns_fts WHERE rowid = old.id;
END;
CREATE TRIGGER turns_fts_update AFTER UPDATE OF heard_text, corrected_text ON turns BEGIN
    UPDATE turns_fts SET text = coalesce(new.corrected_text, new.heard_text)
        WHERE rowid = new.id;
END;
"#;

/// Version 3: settings (one JSON value per key: personality, retention,
/// devices, ...), and the audio trash: audio paths whose turns are gone,
/// recorded in the same transaction as the delete and emptied after it, so
/// a crash can never keep a recording the person deleted.
const V3_SETTINGS_AND_TRASH: &str = r#"
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL CHECK (json_valid(value)),
    updated_at  INTEGER NOT NULL
);
CREATE TABLE audio_trash (
    path        TEXT PRIMARY KEY
);
"#;

/// Version 4: the style model's state, per named profile: the texts it
/// learned (a text learned from a turn goes when the turn is deleted),
/// excluded phrases, and a daily snapshot of the profile.
const V4_STYLE: &str = r#"
CREATE TABLE style_texts (
    id          INTEGER PRIMARY KEY,
    profile     TEXT NOT NULL,
    text        TEXT NOT NULL,
    source      TEXT NOT NULL,
    turn_id     INTEGER REFERENCES turns(id) ON DELETE CASCADE,
    learned_at  INTEGER NOT NULL
);
CREATE INDEX style_texts_profile ON style_texts(profile, id);
CREATE INDEX style_texts_turn ON style_texts(turn_id);
CREATE TABLE style_exclusions (
    profile     TEXT NOT NULL,
    phrase      TEXT NOT NULL,
    PRIMARY KEY (profile, phrase)
);
CREATE TABLE style_snapshots (
    profile     TEXT NOT NULL,
    day         TEXT NOT NULL,
    summary     TEXT NOT NULL CHECK (json_valid(summary)),
    PRIMARY KEY (profile, day)
);
"#;

/// Version 5: a deleted turn's words leave the search index at once (FTS5
/// `secure-delete`; by default they stayed in its segments until a merge),
/// and what earlier deletes left there is merged away now.
const V5_SECURE_SEARCH_DELETE: &str = r#"
INSERT INTO turns_fts(turns_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO turns_fts(turns_fts) VALUES ('optimize');
"#;

const MIGRATIONS: &[M<'static>] = &[
    M::up(V1_CONVERSATIONS_AND_TURNS).foreign_key_check(),
    M::up(V2_FULL_TEXT_SEARCH),
    M::up(V3_SETTINGS_AND_TRASH),
    M::up(V4_STYLE),
    M::up(V5_SECURE_SEARCH_DELETE),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The version from which deletes leave no words behind (older files are
/// vacuumed once when they reach it).
pub const SECURE_DELETE: usize = 5;

/// The schema version this build writes.
pub const LATEST: usize = MIGRATIONS.len();

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
