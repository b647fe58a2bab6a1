//! Kill -9 during writes, 200 times: the database must always pass
//! `integrity_check`, every acknowledged turn (and correction) must be
//! there, and no turn may be half-written (a row without its audio, or a
//! search index out of step).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tofu::store::Store;

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

#[test]
fn kill_9_during_writes_never_loses_an_acknowledged_turn() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer();
    let mut rng = fastrand::Rng::with_seed(0x7_0f_u64);
    // uid -> the text last acknowledged for it.
    let mut acked = std::collections::HashMap::<String, String>::new();
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
            let mut parts = line.splitn(3, ' ');
            let (kind, uid, text) = (parts.next(), parts.next(), parts.next());
            match (kind, uid, text) {
                (Some("ack" | "fix"), Some(uid), Some(text)) => {
                    acked.insert(uid.to_string(), text.to_string());
                }
                _ => panic!("iteration {i}: odd line from the writer: {line:?}"),
            }
        }

        let store = Store::open(dir.path())
            .unwrap_or_else(|e| panic!("iteration {i}: the store does not open: {e}"));
        assert_eq!(store.integrity_check().unwrap(), Ok(()), "iteration {i}");
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(
        acked.len() >= 200,
        "the writer got only {} turns in over {iterations} runs: the loop did not exercise writing",
        acked.len()
    );
    for (uid, text) in &acked {
        let turn = store
            .turn_by_uid(uid)
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged turn {uid} is missing"));
        // The acknowledged text, or a correction that committed just before
        // the kill and was not yet acknowledged (the change in flight).
        let in_flight = format!("{text} (corrected)");
        assert!(
            turn.text() == text || turn.text() == in_flight,
            "turn {uid}: {:?}, acknowledged {text:?}",
            turn.text()
        );
    }
    // No half-written turn: every stored turn has its whole audio.
    let total = store.turn_count().unwrap();
    let convs = store.conversations_full(Default::default()).unwrap();
    let turns: Vec<_> = convs.iter().flat_map(|c| &c.turns).collect();
    assert_eq!(turns.len() as i64, total);
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
    // At most one turn per kill was in flight (committed but not yet acknowledged).
    assert!(
        turns.len() <= acked.len() + iterations,
        "{} turns stored, {} acknowledged",
        turns.len(),
        acked.len()
    );
    eprintln!(
        "{iterations} kills in {:.1} s: {} turns acknowledged, {} stored",
        started.elapsed().as_secs_f64(),
        acked.len(),
        turns.len()
    );
}
