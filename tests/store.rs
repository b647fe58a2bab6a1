//! The store on a real SQLite file: migrations, damage and version checks,
//! search ranking on real transcripts, corrections, deletion with audio,
//! export/import round trip, retention, a full disk, forgetting everything.

mod common;

use std::path::Path;

use tofu::export::{self, Format};
use tofu::store::read::Highlight;
use tofu::store::{
    schema, AudioIn, NewTurn, Retention, SearchQuery, Source, Speaker, Store, TimeRange,
};
use tofu::Error;

const T0: i64 = 1_764_140_000_000; // 2025-11-26T06:53:20Z

fn tone(seconds: f32) -> Vec<f32> {
    (0..(seconds * 16_000.0) as usize)
        .map(|i| (i as f32 * 0.07).sin() * 0.2)
        .collect()
}

/// The reference transcripts of the shared speech set, as user turns of
/// one conversation each (a minute apart), returning (turn uid, text).
fn store_transcripts(store: &mut Store) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, (_, text)) in common::speech_manifest().into_iter().enumerate() {
        let at = T0 + i as i64 * 60_000;
        let c = store
            .start_conversation(at, Source::Recording, None)
            .unwrap();
        let t = store
            .add_turn(c, NewTurn::user(text.clone(), at, at + 4_000), None)
            .unwrap();
        out.push((t.uid, text));
    }
    out
}

#[test]
fn migrates_an_empty_file_and_every_earlier_version() {
    // An empty file (what a crash during the very first open can leave).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tofu.db"), b"").unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST as i64);
    drop(store);

    for version in 1..schema::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let mut old = Store::open_at_version(dir.path(), version).unwrap();
        assert_eq!(old.schema_version().unwrap(), version as i64);
        let c = old
            .start_conversation(T0, Source::Live, Some("before"))
            .unwrap();
        let audio = tone(0.5);
        let t = old
            .add_turn(
                c,
                NewTurn::user("I called my sister yesterday", T0, T0 + 2_000),
                Some(AudioIn::Samples(&audio)),
            )
            .unwrap();
        drop(old);

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            schema::LATEST as i64,
            "from v{version}"
        );
        assert_eq!(store.integrity_check().unwrap(), Ok(()), "from v{version}");
        let back = store
            .turn(t.id)
            .unwrap()
            .expect("the turn survived the migration");
        assert_eq!(back, t, "from v{version}");
        assert!(store
            .audio_file(back.audio_path.as_deref().unwrap())
            .is_file());
        let hits = store
            .search(
                &SearchQuery {
                    text: "sister".into(),
                    ..Default::default()
                },
                Highlight::default(),
            )
            .unwrap();
        assert_eq!(hits.len(), 1, "turns written at v{version} are searchable");
        assert_eq!(
            store.conversation(c).unwrap().unwrap().title.as_deref(),
            Some("before")
        );
    }
}

#[test]
fn refuses_a_database_from_a_newer_tofu_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let db = dir.path().join("tofu.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", schema::LATEST as i64 + 1)
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let err = Store::open(dir.path())
        .err()
        .expect("a newer schema is refused");
    assert!(matches!(err, Error::StoreTooNew { .. }), "{err}");
    assert!(err.to_string().contains("newer Tofu"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(err.to_string().contains("a copy is kept at"), "{err}");
    assert_eq!(damaged_copies(dir.path()).len(), 1);
}

fn damaged_copies(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(".damaged-")
        })
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect()
}

#[test]
fn a_file_that_is_not_a_database_is_kept_and_reported_never_reset() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tofu.db");
    let junk = b"these are my notes, not a database, and they matter to me\n".repeat(200);
    std::fs::write(&db, &junk).unwrap();
    let err = Store::open(dir.path()).err().expect("junk is refused");
    assert!(matches!(err, Error::StoreDamaged { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("damaged") && msg.contains("a copy is kept at"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), junk, "the file is untouched");
    let copies = damaged_copies(dir.path());
    assert_eq!(copies.len(), 1);
    assert_eq!(
        std::fs::read(&copies[0]).unwrap(),
        junk,
        "the copy is exact"
    );
    // Trying again reports the same copy rather than piling up more.
    let again = Store::open(dir.path()).err().unwrap();
    assert!(
        again.to_string().contains(&copies[0].display().to_string()),
        "{again}"
    );
    assert_eq!(damaged_copies(dir.path()), copies);
}

#[test]
fn a_database_with_overwritten_pages_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store_transcripts(&mut store);
    drop(store);
    let db = dir.path().join("tofu.db");
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(
        bytes.len() > 8 * 4096,
        "the test database has pages to damage"
    );
    // Pages 3 to 6 (the schema is on page 1): garbage, as a bad sector or a
    // stray write would leave.
    for b in &mut bytes[2 * 4096..6 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let err = Store::open(dir.path()).err().expect("damage is found");
    assert!(matches!(err, Error::StoreDamaged { .. }), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "the damaged file is left as it was"
    );
    assert_eq!(damaged_copies(dir.path()).len(), 1);
}

#[test]
fn search_ranks_the_transcript_that_was_meant_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let turns = store_transcripts(&mut store);
    assert!(
        turns.len() >= 30,
        "the shared speech set has its transcripts"
    );

    // Document frequency of each word over the set.
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
            .map(str::to_lowercase)
            .collect()
    };
    let mut df = std::collections::HashMap::<String, usize>::new();
    for (_, text) in &turns {
        let mut seen = words(text);
        seen.sort();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1;
        }
    }
    // For each transcript with at least two words: query its two rarest words
    // (what a person remembers of a conversation) and expect it first.
    let (mut asked, mut first) = (0, 0);
    for (uid, text) in &turns {
        let mut ws = words(text);
        ws.sort_by_key(|w| (df[w], w.clone()));
        ws.dedup();
        if ws.len() < 2 {
            continue;
        }
        let q = format!("{} {}", ws[0], ws[1]);
        let hits = store
            .search(
                &SearchQuery {
                    text: q.clone(),
                    ..Default::default()
                },
                Highlight::default(),
            )
            .unwrap();
        asked += 1;
        let top = hits
            .first()
            .unwrap_or_else(|| panic!("no hit for {q:?} (from {text:?})"));
        if store.turn(top.turn_id).unwrap().unwrap().uid == *uid {
            first += 1;
        }
        assert!(
            top.snippet.contains('['),
            "hits are highlighted: {}",
            top.snippet
        );
    }
    assert!(asked >= 25);
    assert!(
        first * 10 >= asked * 9,
        "only {first} of {asked} queries found their transcript first"
    );

    // A word said in many transcripts: the turn that says it most ranks first.
    let c = store
        .start_conversation(T0 - 1000, Source::Typed, None)
        .unwrap();
    store
        .add_turn(
            c,
            NewTurn::user(
                "the river, the river, and again the river",
                T0 - 1000,
                T0 - 500,
            ),
            None,
        )
        .unwrap();
    store
        .add_turn(c, NewTurn::user("we walked along the river for an hour talking about nothing in particular and everything else", T0 - 900, T0 - 400), None)
        .unwrap();
    let hits = store
        .search(
            &SearchQuery {
                text: "river".into(),
                ..Default::default()
            },
            Highlight {
                open: "<b>",
                close: "</b>",
            },
        )
        .unwrap();
    assert_eq!(
        hits[0].snippet,
        "the <b>river</b>, the <b>river</b>, and again the <b>river</b>"
    );
    assert!(hits[0].rank < hits[1].rank);
}

#[test]
fn search_filters_by_time_and_speaker_and_tolerates_any_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.start_conversation(T0, Source::Live, None).unwrap();
    store
        .add_turn(
            c,
            NewTurn::user("my sister's wedding is in June", T0, T0 + 1_000),
            None,
        )
        .unwrap();
    store
        .add_turn(
            c,
            NewTurn::companion(
                "How do you feel about your sister's wedding?",
                T0 + 2_000,
                T0 + 3_000,
            ),
            None,
        )
        .unwrap();
    let day = 86_400_000;
    store
        .add_turn(
            c,
            NewTurn::user("the wedding was lovely", T0 + day, T0 + day + 1_000),
            None,
        )
        .unwrap();
    let q = |text: &str, range: TimeRange, speaker: Option<Speaker>| {
        store
            .search(
                &SearchQuery {
                    text: text.into(),
                    range,
                    speaker,
                    limit: None,
                },
                Highlight::default(),
            )
            .unwrap()
            .len()
    };
    assert_eq!(q("wedding", TimeRange::default(), None), 3);
    assert_eq!(q("wedding", TimeRange::default(), Some(Speaker::User)), 2);
    assert_eq!(
        q("wedding", TimeRange::default(), Some(Speaker::Companion)),
        1
    );
    assert_eq!(
        q(
            "wedding",
            TimeRange {
                since: Some(T0 + day),
                until: None
            },
            None
        ),
        1
    );
    assert_eq!(
        q(
            "wedding",
            TimeRange {
                since: None,
                until: Some(T0 + day)
            },
            None
        ),
        2
    );
    assert_eq!(q("weddings", TimeRange::default(), None), 3, "stemmed");
    assert_eq!(q("sister's", TimeRange::default(), None), 2);
    assert_eq!(q("\"sister's wedding\"", TimeRange::default(), None), 2);
    assert_eq!(q("lovely OR june", TimeRange::default(), None), 2);
    assert_eq!(q("wed*", TimeRange::default(), None), 3);
    for odd in [
        "wedding)",
        "NEAR(",
        "-sister",
        "sister:june",
        "\"",
        "a\"b",
        "*",
        "AND OR NOT",
    ] {
        // Never a syntax error from what a person types.
        let r = store.search(
            &SearchQuery {
                text: odd.into(),
                ..Default::default()
            },
            Highlight::default(),
        );
        assert!(
            r.is_ok() || matches!(r, Err(Error::Invalid(_))),
            "{odd:?}: {r:?}"
        );
    }
}

#[test]
fn corrections_are_kept_beside_what_was_heard() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.start_conversation(T0, Source::Live, None).unwrap();
    let t = store
        .add_turn(
            c,
            NewTurn::user("I'm meeting Anna at the bakery", T0, T0 + 2_000),
            None,
        )
        .unwrap();
    let fixed = store
        .correct_turn(t.id, Some("I'm meeting Hannah at the bakery"))
        .unwrap();
    assert_eq!(fixed.heard_text, "I'm meeting Anna at the bakery");
    assert_eq!(
        fixed.corrected_text.as_deref(),
        Some("I'm meeting Hannah at the bakery")
    );
    assert_eq!(fixed.text(), "I'm meeting Hannah at the bakery");
    assert!(fixed.corrected_at.is_some());
    let find = |store: &Store, w: &str| {
        store
            .search(
                &SearchQuery {
                    text: w.into(),
                    ..Default::default()
                },
                Highlight::default(),
            )
            .unwrap()
            .len()
    };
    assert_eq!(find(&store, "hannah"), 1, "the correction is searchable");
    assert_eq!(find(&store, "anna"), 0, "the misheard word is not");
    // Survives a reopen.
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(store.turn(t.id).unwrap().unwrap(), fixed);
    // An empty correction would hide the turn; it is refused.
    assert!(matches!(
        store.correct_turn(t.id, Some("  ")),
        Err(Error::Invalid(_))
    ));
    let reverted = store.correct_turn(t.id, None).unwrap();
    assert_eq!(reverted.corrected_text, None);
    assert_eq!(reverted.heard_text, t.heard_text);
    assert_eq!(find(&store, "anna"), 1);
    assert!(matches!(
        store.correct_turn(tofu::store::TurnId(999), Some("x")),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn deleting_removes_the_audio_and_the_search_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let audio = tone(0.4);
    let c1 = store.start_conversation(T0, Source::Live, None).unwrap();
    let mut files = Vec::new();
    let mut ids = Vec::new();
    for i in 0..3 {
        let t = store
            .add_turn(
                c1,
                NewTurn::user(
                    format!("regrettable remark number {i}"),
                    T0 + i * 1000,
                    T0 + i * 1000 + 500,
                ),
                Some(AudioIn::Samples(&audio)),
            )
            .unwrap();
        let f = store.audio_file(t.audio_path.as_deref().unwrap());
        assert!(f.is_file());
        let wav = hound::WavReader::open(&f).unwrap();
        assert_eq!(wav.spec().sample_rate, 16_000);
        assert_eq!(wav.duration() as usize, audio.len());
        files.push(f);
        ids.push(t.id);
    }
    let c2 = store
        .start_conversation(T0 + 86_400_000, Source::Live, None)
        .unwrap();
    let kept = store
        .add_turn(
            c2,
            NewTurn::user("a remark worth keeping", T0 + 86_400_000, T0 + 86_401_000),
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();

    let d = store.delete_turn(ids[0]).unwrap();
    assert_eq!((d.turns, d.audio_files), (1, 1));
    assert!(!files[0].exists());
    assert!(files[1].exists());
    assert!(store.turn(ids[0]).unwrap().is_none());

    let d = store.delete_conversation(c1).unwrap();
    assert_eq!((d.conversations, d.turns, d.audio_files), (1, 2, 2));
    assert!(files.iter().all(|f| !f.exists()));
    let hits = store
        .search(
            &SearchQuery {
                text: "remark".into(),
                ..Default::default()
            },
            Highlight::default(),
        )
        .unwrap();
    assert_eq!(hits.len(), 1, "only the kept turn is still found");
    assert_eq!(hits[0].turn_id, kept.id);
    assert!(store
        .audio_file(kept.audio_path.as_deref().unwrap())
        .is_file());
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    assert!(matches!(
        store.delete_conversation(c1),
        Err(Error::NotFound(_))
    ));

    // A day.
    let d = store
        .delete_range(TimeRange {
            since: Some(T0 + 86_400_000),
            until: Some(T0 + 2 * 86_400_000),
        })
        .unwrap();
    assert_eq!((d.conversations, d.turns, d.audio_files), (1, 1, 1));
    assert_eq!(store.turn_count().unwrap(), 0);
    let left: Vec<_> = common::files_under(&dir.path().join("audio"));
    assert!(left.is_empty(), "no audio left: {left:?}");
}

#[test]
fn an_interrupted_delete_finishes_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.start_conversation(T0, Source::Live, None).unwrap();
    let audio = tone(0.2);
    let t = store
        .add_turn(
            c,
            NewTurn::user("delete me", T0, T0 + 100),
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();
    let file = store.audio_file(t.audio_path.as_deref().unwrap());
    drop(store);
    // What a crash right after the delete's commit leaves: no row, the file
    // still there, its path in the trash.
    {
        let conn = rusqlite::Connection::open(dir.path().join("tofu.db")).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO audio_trash(path) VALUES ('{}'); DELETE FROM turns;",
            t.audio_path.as_deref().unwrap()
        ))
        .unwrap();
    }
    assert!(file.exists());
    let _store = Store::open(dir.path()).unwrap();
    assert!(!file.exists(), "the next open deletes the recording");
}

/// A store with two conversations, a correction, a companion turn and audio.
fn sample_history(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    let audio = tone(1.0);
    let c = store
        .start_conversation(T0, Source::Live, Some("Morning"))
        .unwrap();
    let t = store
        .add_turn(
            c,
            NewTurn {
                language: Some("en".into()),
                confidence: Some(0.8125),
                model: Some("ggml-base".into()),
                ..NewTurn::user("I think I'll call my sister later", T0 + 1_250, T0 + 3_500)
            },
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();
    store
        .correct_turn(t.id, Some("I think I'll call my sister Lena later"))
        .unwrap();
    store
        .add_turn(
            c,
            NewTurn {
                engine: Some("llama.cpp".into()),
                model: Some("smollm2-135m".into()),
                persona: Some("Juniper".into()),
                ..NewTurn::companion(
                    "That sounds lovely. <What> will you talk about?",
                    T0 + 4_000,
                    T0 + 6_020,
                )
            },
            None,
        )
        .unwrap();
    let c2 = store
        .start_conversation(T0 + 3_600_000, Source::Recording, None)
        .unwrap();
    store
        .add_turn(
            c2,
            NewTurn::user("Remember to buy bread", T0 + 3_600_500, T0 + 3_602_000),
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();
    store
}

#[test]
fn json_export_round_trips_through_import_without_loss() {
    let a = tempfile::tempdir().unwrap();
    let store = sample_history(a.path());
    let all = store.conversations_full(TimeRange::default()).unwrap();
    let json = export::render(Format::Json, &all, store.data_dir());
    let file = a.path().join("export.json");
    std::fs::write(&file, &json).unwrap();

    let b = tempfile::tempdir().unwrap();
    let mut other = Store::open(b.path()).unwrap();
    let report = export::import_json(&mut other, &json, &file).unwrap();
    assert_eq!(
        (
            report.conversations,
            report.turns,
            report.audio_copied,
            report.skipped
        ),
        (2, 3, 2, 0)
    );
    let again = export::import_json(&mut other, &json, &file).unwrap();
    assert_eq!(
        (again.conversations, again.skipped),
        (0, 2),
        "importing twice adds nothing"
    );

    let imported = other.conversations_full(TimeRange::default()).unwrap();
    assert_eq!(imported.len(), all.len());
    for (x, y) in all.iter().zip(&imported) {
        assert_eq!(
            (&x.uid, x.started_at, &x.title, x.source),
            (&y.uid, y.started_at, &y.title, y.source)
        );
        assert_eq!(x.turns.len(), y.turns.len());
        for (s, t) in x.turns.iter().zip(&y.turns) {
            let strip = |t: &tofu::store::Turn| tofu::store::Turn {
                id: tofu::store::TurnId(0),
                conversation_id: tofu::store::ConversationId(0),
                ..t.clone()
            };
            assert_eq!(strip(s), strip(t), "every field survives");
            if let (Some(p), Some(q)) = (&s.audio_path, &t.audio_path) {
                assert_eq!(
                    std::fs::read(store.audio_file(p)).unwrap(),
                    std::fs::read(other.audio_file(q)).unwrap(),
                    "the audio comes along"
                );
            }
        }
    }
    // And exporting the import gives the same document.
    let back: serde_json::Value =
        serde_json::from_str(&export::render(Format::Json, &imported, other.data_dir())).unwrap();
    let orig: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back["conversations"], orig["conversations"]);

    // Broken input is refused whole, and nothing is written.
    let c = tempfile::tempdir().unwrap();
    let mut empty = Store::open(c.path()).unwrap();
    let truncated = &json[..json.len() / 2];
    assert!(matches!(
        export::import_json(&mut empty, truncated, &file),
        Err(Error::Invalid(_))
    ));
    let bad_time = json.replacen("\"started_at\": \"", "\"started_at\": \"yesterday", 1);
    assert!(matches!(
        export::import_json(&mut empty, &bad_time, &file),
        Err(Error::Invalid(_))
    ));
    assert_eq!(empty.turn_count().unwrap(), 0);
}

#[test]
fn subtitles_markdown_and_text_are_real() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_history(dir.path());
    let all = store.conversations_full(TimeRange::default()).unwrap();
    let first = &all[..1];

    let srt = export::render(Format::Srt, first, store.data_dir());
    assert_eq!(
        srt,
        "1\n00:00:01,250 --> 00:00:03,500\nYou: I think I'll call my sister Lena later\n\n\
         2\n00:00:04,000 --> 00:00:06,020\nJuniper: That sounds lovely. <What> will you talk about?\n\n"
    );
    let vtt = export::render(Format::Vtt, first, store.data_dir());
    assert!(vtt.starts_with("WEBVTT\n\n"));
    assert!(vtt.contains(
        "00:00:01.250 --> 00:00:03.500\n<v You>I think I'll call my sister Lena later\n"
    ));
    assert!(vtt.contains("00:00:04.000 --> 00:00:06.020\n<v Juniper>That sounds lovely. &lt;What&gt; will you talk about?\n"));
    // Both conversations: one timeline from the first one's start.
    let both = export::render(Format::Srt, &all, store.data_dir());
    assert!(
        both.contains("3\n01:00:00,500 --> 01:00:02,000\nYou: Remember to buy bread\n"),
        "{both}"
    );

    let md = export::render(Format::Markdown, &all, store.data_dir());
    assert!(md.contains("## Morning · "));
    assert!(md.contains("**You** · "));
    assert!(md.contains("I think I'll call my sister Lena later\n*(corrected; first heard as “I think I'll call my sister later”)*"));
    assert!(md.contains("**Juniper** · "));
    assert!(
        md.contains("\\<What\\>"),
        "markup in a transcript is escaped"
    );
    let txt = export::render(Format::Text, &all, store.data_dir());
    assert_eq!(txt.lines().filter(|l| l.starts_with('[')).count(), 3);
    assert!(txt.contains("] You: Remember to buy bread"));
}

#[test]
fn retention_drops_old_audio_and_keeps_the_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let audio = tone(0.2);
    let now = tofu::store::now_ms();
    let day = 86_400_000;
    let c = store
        .start_conversation(now - 40 * day, Source::Live, None)
        .unwrap();
    let old = store
        .add_turn(
            c,
            NewTurn::user("forty days ago", now - 40 * day, now - 40 * day + 100),
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();
    let recent = store
        .add_turn(
            c,
            NewTurn::user("two days ago", now - 2 * day, now - 2 * day + 100),
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();
    let old_file = store.audio_file(old.audio_path.as_deref().unwrap());
    let recent_file = store.audio_file(recent.audio_path.as_deref().unwrap());
    assert_eq!(store.retention().unwrap(), Retention { days: None });
    assert_eq!(
        store.set_retention(Retention { days: Some(30) }).unwrap(),
        1
    );
    assert!(!old_file.exists() && recent_file.exists());
    let old_now = store.turn(old.id).unwrap().unwrap();
    assert_eq!(
        (old_now.text(), old_now.audio_path.as_deref()),
        ("forty days ago", None)
    );
    drop(store);
    // Kept, and applied again on open.
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(store.retention().unwrap(), Retention { days: Some(30) });
    assert_eq!(store.apply_retention(1, now).unwrap(), 1);
    assert!(!recent_file.exists());
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.start_conversation(T0, Source::Live, None).unwrap();
    let mut saved = Vec::new();
    for i in 0..20 {
        saved.push(
            store
                .add_turn(
                    c,
                    NewTurn::user(format!("short turn {i}"), T0, T0 + 1),
                    None,
                )
                .unwrap(),
        );
    }
    drop(store);
    // SQLite's own page limit gives the same SQLITE_FULL as a full disk.
    let pages: i64 = {
        let conn = rusqlite::Connection::open(dir.path().join("tofu.db")).unwrap();
        conn.query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap()
    };
    let mut store = Store::open(dir.path()).unwrap();
    store.set_setting("probe", &1).unwrap();
    let err = {
        let mut err = None;
        // max_page_count is per connection: set it on the store's own.
        store.limit_pages_for_tests(pages + 2);
        let big = "words that fill the page ".repeat(400);
        for i in 0..1000 {
            if let Err(e) = store.add_turn(c, NewTurn::user(format!("{i} {big}"), T0, T0 + 1), None)
            {
                err = Some(e);
                break;
            }
        }
        err.expect("the limit is reached")
    };
    assert!(err.to_string().contains("disk is full"), "{err}");
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    for t in &saved {
        assert_eq!(store.turn(t.id).unwrap().as_ref(), Some(t));
    }
}

#[test]
fn forget_everything_leaves_nothing_but_the_models_and_other_peoples_files() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join("ggml-base.bin"), b"model bytes").unwrap();
    let mut store = sample_history(dir.path());
    store
        .set_setting("persona", &serde_json::json!({"name": "Juniper"}))
        .unwrap();
    store.set_retention(Retention { days: Some(90) }).unwrap();
    drop(store);
    // A kept copy of a once-damaged database counts as user data too.
    std::fs::write(dir.path().join("tofu.db.damaged-20260101-000000"), b"old").unwrap();
    // A data folder pointed at a folder that also holds the person's own files.
    std::fs::write(dir.path().join("notes.txt"), b"not Tofu's").unwrap();
    let store = Store::open(dir.path()).unwrap();
    let removed = store.forget_everything().unwrap();
    assert!(removed.len() >= 3, "{removed:?}");
    assert_eq!(
        common::files_under(dir.path()),
        vec![
            dir.path().join("models/ggml-base.bin"),
            dir.path().join("notes.txt")
        ],
        "only the models and the person's own file remain"
    );
    // And a fresh start works.
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.turn_count().unwrap(), 0);
    assert_eq!(store.retention().unwrap(), Retention::default());
}

#[test]
fn the_async_handle_serialises_writers() {
    let dir = tempfile::tempdir().unwrap();
    let handle = tofu::store::StoreHandle::open(dir.path()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = handle
            .call(|s| s.start_conversation(T0, Source::Typed, None))
            .await
            .unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..50i64 {
            let h = handle.clone();
            tasks.spawn(async move {
                h.call(move |s| {
                    s.add_turn(
                        c,
                        NewTurn::user(format!("message {i}"), T0 + i, T0 + i),
                        None,
                    )
                })
                .await
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap().unwrap();
        }
        assert_eq!(handle.call(|s| s.turn_count()).await.unwrap(), 50);
        handle.forget_everything().await.unwrap();
        assert_eq!(
            handle.call(|s| s.turn_count()).await.unwrap(),
            0,
            "a new, empty history"
        );
    });
    let n = handle.call_blocking(|s| s.turn_count()).unwrap();
    assert_eq!(n, 0);
}

#[test]
fn the_store_benchmark_runs_and_reports_every_figure() {
    // A small run of `tofu bench store` (the figures are printed by the
    // benchmark itself; here: that it works and measures what it says).
    let dir = tempfile::tempdir().unwrap();
    let text = common::testdata().join("style");
    let r = tofu::bench::store::run(&text, dir.path(), 3_000, 60).unwrap();
    assert_eq!(r.turns, 3_100);
    assert_eq!(r.search.queries, 60);
    assert!(r.search.mean_hits > 1.0, "the queries find things: {r:?}");
    assert!(r.search_by_kind.len() >= 6);
    assert!(r.baseline_like.queries > 0 && r.baseline_like.mean_hits > 0.0);
    assert!(r.search.p50_ms > 0.0 && r.search.p99_ms >= r.search.p50_ms);
    assert!(r.db_mb > 0.5);
    assert!(
        tofu::bench::store::run(&text, dir.path(), 10, 1).is_err(),
        "refuses a folder with a database"
    );
}

#[test]
fn a_damaged_database_with_a_journal_is_copied_as_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store_transcripts(&mut store);
    drop(store);
    let db = dir.path().join("tofu.db");
    let wal = dir.path().join("tofu.db-wal");
    // A writer that died with committed pages still in the journal.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO settings(key, value, updated_at) VALUES ('late', '1', 0);")
            .unwrap();
        std::mem::forget(conn);
    }
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    let mut bytes = std::fs::read(&db).unwrap();
    for b in &mut bytes[2 * 4096..6 * 4096] {
        *b = 0x5A;
    }
    std::fs::write(&db, &bytes).unwrap();
    let wal_before = std::fs::read(&wal).unwrap();
    let err = Store::open(dir.path()).err().expect("damage is found");
    assert!(matches!(err, Error::StoreDamaged { .. }), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "the file is left as found"
    );
    assert_eq!(
        std::fs::read(&wal).unwrap(),
        wal_before,
        "and so is its journal"
    );
    let copy = &damaged_copies(dir.path())[0];
    assert_eq!(std::fs::read(copy).unwrap(), bytes);
    let copy_wal = std::path::PathBuf::from(format!("{}-wal", copy.display()));
    assert_eq!(std::fs::read(copy_wal).unwrap(), wal_before);
}

#[test]
fn half_copies_are_swept_once_old_and_recordings_of_no_turn_are_kept_for_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.start_conversation(T0, Source::Live, None).unwrap();
    let audio = tone(0.2);
    let kept = store
        .add_turn(
            c,
            NewTurn::user("kept", T0, T0 + 100),
            Some(AudioIn::Samples(&audio)),
        )
        .unwrap();
    // The sweep runs once a day: the last one was two days ago.
    let two_days_ago = tofu::store::now_ms() - 2 * 86_400_000;
    store
        .set_setting("maintenance.audio_swept_at", &two_days_ago)
        .unwrap();
    drop(store);
    // What a crash between writing a recording and storing its turn leaves.
    let day = dir.path().join("audio/2025-11-26");
    std::fs::create_dir_all(&day).unwrap();
    let old = day.join("065320-orphan.wav");
    let fresh = day.join("065321-inflight.wav");
    let partial = day.join("065322-copy.wav.partial");
    let fresh_partial = day.join("065323-copying.wav.partial");
    for f in [&old, &fresh, &partial, &fresh_partial] {
        tofu::audio::wav::write_wav_16k(f, &audio).unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for f in [&old, &partial] {
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    // The kept turn's file is old too: still kept, because a turn refers to it.
    let kept_file = dir.path().join(kept.audio_path.as_deref().unwrap());
    std::fs::File::options()
        .write(true)
        .open(&kept_file)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();

    let store = Store::open(dir.path()).unwrap();
    assert!(!partial.exists(), "an old half copy is removed");
    assert!(fresh_partial.exists(), "a copy being made right now is not");
    // A recording of no turn holds what the person said: kept, and listed
    // for the next session to transcribe (`converse::recover`).
    assert!(old.exists() && fresh.exists());
    let orphans = store
        .orphan_audio(std::time::Duration::from_secs(3600))
        .unwrap();
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    assert!(orphans[0].ends_with("065320-orphan.wav"), "{orphans:?}");
    assert!(kept_file.exists());
    assert_eq!(
        store.turn(kept.id).unwrap().unwrap().audio_path,
        kept.audio_path
    );
}

#[cfg(unix)]
#[test]
fn the_data_folder_is_its_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tofu");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    tofu::store::Store::open(&data).unwrap();
    assert_eq!(mode(&data), 0o700);
    // A folder made readable by others (an older Tofu did) is closed again.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    tofu::Paths::resolve(Some(&data)).unwrap().ensure().unwrap();
    assert_eq!(mode(&data), 0o700);
}

#[test]
fn deleted_words_leave_no_trace_in_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let c = store.start_conversation(T0, Source::Live, None).unwrap();
    let kept = store
        .add_turn(
            c,
            NewTurn::user("The weather is mild today.", T0, T0 + 1_000),
            None,
        )
        .unwrap();
    let secret = store
        .add_turn(
            c,
            NewTurn::user("My password is zanzibarquokka.", T0 + 2_000, T0 + 3_000),
            None,
        )
        .unwrap();
    let d = store.delete_turn(secret.id).unwrap();
    assert_eq!(d.turns, 1);
    assert!(store.turn(kept.id).unwrap().is_some());
    // Every file SQLite keeps, read as bytes while the store is still open.
    for e in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if e.path().is_file() {
            let bytes = std::fs::read(e.path()).unwrap();
            let found = bytes.windows(14).any(|w| w == b"zanzibarquokka");
            assert!(
                !found,
                "{} still holds the deleted words",
                e.path().display()
            );
        }
    }
}
