//! Kill -9 during writes, 200 times: the database must always pass
//! `integrity_check`, every acknowledged turn (and correction) must be
//! there, and no turn may be half-written (a row without its audio, or a
//! search index out of step).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tofu::store::Store;

mod common;

/// The writer example, built by `cargo test` beside the test binaries.
fn writer() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(format!(
        "store_crash_writer{}",
        std::env::consts::EXE_SUFFIX
    ));
    assert!(
        path.is_file(),
        "{} is missing: `cargo test` builds examples (or run `cargo build --examples`)",
        path.display()
    );
    path
}

#[derive(Debug)]
enum Known {
    /// Stored and acknowledged: (audio path, text).
    Acked(String, String),
    /// A deletion was under way when the writer was killed (or finished).
    Deleting(String),
    Deleted(String),
}

#[test]
fn kill_9_during_writes_never_loses_an_acknowledged_turn() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer();
    let mut rng = fastrand::Rng::with_seed(0x7_0f_u64);
    let mut known = std::collections::HashMap::<String, Known>::new();
    let iterations = 200;
    let started = Instant::now();
    for i in 0..iterations {
        let mut child = Command::new(&writer)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        // From the very first instant (during open and migration) to a
        // while into the writing.
        std::thread::sleep(Duration::from_micros(rng.u64(0..120_000)));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).ok();
        assert!(
            status.code().is_none(),
            "iteration {i}: the writer stopped on its own ({status}): {err}"
        );
        for line in reader.join().unwrap() {
            let mut parts = line.splitn(2, ' ');
            let (kind, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let mut rest = rest.splitn(2, ' ');
            let uid = rest.next().unwrap_or("").to_string();
            let tail = rest.next().unwrap_or("").to_string();
            let audio_of = |k: Option<&Known>| match k {
                Some(Known::Acked(a, _)) | Some(Known::Deleting(a)) | Some(Known::Deleted(a)) => {
                    a.clone()
                }
                None => panic!("iteration {i}: {line:?} names an unknown turn"),
            };
            match kind {
                "ack" => {
                    let (audio, text) = tail.split_once(' ').expect("ack has audio and text");
                    known.insert(uid, Known::Acked(audio.into(), text.into()));
                }
                "fix" => {
                    let audio = audio_of(known.get(&uid));
                    known.insert(uid, Known::Acked(audio, tail));
                }
                "deleting" => {
                    let audio = audio_of(known.get(&uid));
                    known.insert(uid, Known::Deleting(audio));
                }
                "del" => {
                    let audio = audio_of(known.get(&uid));
                    known.insert(uid, Known::Deleted(audio));
                }
                _ => panic!("iteration {i}: odd line from the writer: {line:?}"),
            }
        }

        let store = Store::open(dir.path())
            .unwrap_or_else(|e| panic!("iteration {i}: the store does not open: {e}"));
        assert_eq!(store.integrity_check().unwrap(), Ok(()), "iteration {i}");
    }
    let store = Store::open(dir.path()).unwrap();
    let acked = known
        .values()
        .filter(|k| matches!(k, Known::Acked(..)))
        .count();
    let deleted = known
        .values()
        .filter(|k| matches!(k, Known::Deleted(..)))
        .count();
    assert!(
        acked >= 200 && deleted >= 20,
        "the writer got only {acked} turns and {deleted} deletions in {iterations} runs: the loop did not exercise writing"
    );
    for (uid, k) in &known {
        let turn = store.turn_by_uid(uid).unwrap();
        match k {
            Known::Acked(_, text) => {
                let turn = turn.unwrap_or_else(|| panic!("acknowledged turn {uid} is missing"));
                // The acknowledged text, or a correction that committed just
                // before the kill and was not yet acknowledged.
                let in_flight = format!("{text} (corrected)");
                assert!(
                    turn.text() == text || turn.text() == in_flight,
                    "turn {uid}: {:?}, acknowledged {text:?}",
                    turn.text()
                );
            }
            Known::Deleted(audio) => {
                assert!(turn.is_none(), "deleted turn {uid} is back");
                assert!(
                    !store.audio_file(audio).exists(),
                    "deleted turn {uid} left its recording {audio}"
                );
            }
            Known::Deleting(audio) => {
                if turn.is_none() {
                    assert!(
                        !store.audio_file(audio).exists(),
                        "turn {uid}, deleted as the writer died, left {audio}"
                    );
                }
            }
        }
    }
    // No half-written turn: every stored turn has its whole audio.
    let convs = store.conversations_full(Default::default()).unwrap();
    let turns: Vec<_> = convs.iter().flat_map(|c| &c.turns).collect();
    assert_eq!(turns.len() as i64, store.turn_count().unwrap());
    for t in &turns {
        let path = store.audio_file(t.audio_path.as_deref().expect("every turn has audio"));
        let wav =
            hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            wav.duration(),
            3200,
            "{}: the whole recording",
            path.display()
        );
    }
    // At most one turn per kill was in flight (stored, not yet acknowledged),
    // and so at most one recording per kill belongs to no turn (written, not
    // yet stored: swept on a later day's open).
    let stored: std::collections::HashSet<_> =
        turns.iter().filter_map(|t| t.audio_path.clone()).collect();
    let files = common::files_under(&dir.path().join("audio"));
    let orphans = files
        .iter()
        .filter(|f| {
            let rel = f
                .strip_prefix(std::fs::canonicalize(dir.path()).unwrap())
                .unwrap();
            !stored.contains(rel.to_str().unwrap())
        })
        .count();
    assert!(
        orphans <= iterations,
        "{orphans} recordings belong to no turn"
    );
    let unacked = turns.iter().filter(|t| !known.contains_key(&t.uid)).count();
    assert!(
        unacked <= iterations,
        "{unacked} turns stored without acknowledgement"
    );
    eprintln!(
        "{iterations} kills in {:.1} s: {acked} turns acknowledged, {deleted} deleted, {} stored, {unacked} in flight, {orphans} orphan recordings",
        started.elapsed().as_secs_f64(),
        turns.len()
    );
}
