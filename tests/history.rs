//! The review commands on real recordings: `tofu transcribe --save` and
//! `tofu listen` keep what was heard; `tofu history` lists, shows, searches,
//! corrects, exports, imports and deletes it; `tofu forget-everything`
//! leaves nothing behind.

mod common;

use std::path::Path;

use common::{files_under, speech_file, stdout_of, tofu};

const FILES: [&str; 3] = [
    "libri_1272-141231-0000.wav", // "A man said to the universe, sir, I exist."
    "arctic_a0024.wav",
    "libri_1272-128104-0001.wav", // "Nor is Mister Quilter's manner less interesting than his matter."
];

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn saved_recordings_can_be_reviewed_corrected_exported_and_deleted() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let files: Vec<_> = FILES.iter().map(|f| speech_file(f)).collect();

    // transcribe --save: same stdout as without, and one conversation kept.
    let out = stdout_of(tofu(d).arg("transcribe").arg("--save").args(&files));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].to_lowercase().contains("universe"), "{out}");

    let list = json_lines(&stdout_of(tofu(d).args(["history", "list", "--json"])));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], "c1");
    assert_eq!(list[0]["source"], "recording");
    let n_turns = list[0]["turns"].as_u64().unwrap();
    assert!(n_turns >= 3, "one turn per utterance: {list:?}");
    let tsv = stdout_of(tofu(d).args(["history", "list"]));
    let cols: Vec<&str> = tsv.lines().next().unwrap().split('\t').collect();
    assert_eq!(cols.len(), 6, "{tsv}");
    assert_eq!(cols[0], "c1");
    assert!(cols[2].ends_with("turns"), "{tsv}");

    let show: serde_json::Value = serde_json::from_str(&stdout_of(
        tofu(d).args(["history", "show", "c1", "--json"]),
    ))
    .unwrap();
    let turns = show["turns"].as_array().unwrap();
    assert_eq!(turns.len() as u64, n_turns);
    let mut last_end = String::new();
    for t in turns {
        let audio = t["audio"].as_str().expect("each turn keeps its audio");
        assert!(
            Path::new(audio).starts_with(std::fs::canonicalize(d).unwrap()),
            "{audio}"
        );
        let wav = hound::WavReader::open(audio).unwrap();
        assert_eq!(wav.spec().sample_rate, 16_000);
        assert!(wav.duration() > 8_000, "{audio}: at least half a second");
        assert_eq!(t["speaker"], "user");
        assert_eq!(t["model"], "ggml-base-q8_0");
        assert!(t["confidence"].as_f64().unwrap() > 0.0);
        let start = t["started_at"].as_str().unwrap().to_string();
        assert!(start >= last_end, "turns in order without overlap");
        last_end = t["ended_at"].as_str().unwrap().to_string();
    }

    // Search: ranked hits with highlights.
    let hits = stdout_of(tofu(d).args(["history", "search", "universe"]));
    let first: Vec<&str> = hits.lines().next().expect("a hit").split('\t').collect();
    assert_eq!(first.len(), 5, "{hits}");
    assert_eq!(first[1], "c1");
    assert_eq!(first[3], "user");
    assert!(first[4].to_lowercase().contains("[universe]"), "{hits}");
    let universe_turn = first[0].to_string();
    let quilter = json_lines(&stdout_of(tofu(d).args([
        "history",
        "search",
        "manner matter",
        "--json",
    ])));
    assert_eq!(quilter.len(), 1, "{quilter:?}");
    let none = tofu(d)
        .args(["history", "search", "zeppelin"])
        .output()
        .unwrap();
    assert!(none.status.success() && none.stdout.is_empty());

    // Correct a turn: both texts kept, the correction searchable.
    let edited = stdout_of(tofu(d).args([
        "history",
        "edit",
        &universe_turn,
        "A woman said to the universe: sir, I exist!",
    ]));
    assert_eq!(
        edited.trim_end(),
        format!("{universe_turn}\tA woman said to the universe: sir, I exist!")
    );
    let show = stdout_of(tofu(d).args(["history", "show", "c1"]));
    assert!(
        show.contains("you: A woman said to the universe: sir, I exist!"),
        "{show}"
    );
    assert!(
        show.to_lowercase()
            .contains("(heard: a man said to the universe"),
        "{show}"
    );
    let woman = stdout_of(tofu(d).args(["history", "search", "woman"]));
    assert!(woman.starts_with(&format!("{universe_turn}\t")), "{woman}");

    // Exports.
    let srt = stdout_of(tofu(d).args(["history", "export", "--format", "srt", "c1"]));
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    assert_eq!(srt.matches(" --> ").count() as u64, n_turns);
    let vtt = stdout_of(tofu(d).args(["history", "export", "--format", "vtt"]));
    assert!(vtt.starts_with("WEBVTT\n\n"));
    let md = stdout_of(tofu(d).args(["history", "export", "--format", "md"]));
    assert!(md.contains("*(corrected; first heard as"), "{md}");
    let out_file = d.join("exports/history.json");
    std::fs::create_dir_all(out_file.parent().unwrap()).unwrap();
    stdout_of(
        tofu(d)
            .args(["history", "export", "--format", "json", "--out"])
            .arg(&out_file),
    );

    // Import into a second data folder: the same history, audio included.
    let other = tempfile::tempdir().unwrap();
    let report = stdout_of(
        tofu(other.path())
            .args(["history", "import"])
            .arg(&out_file),
    );
    assert!(
        report.starts_with(&format!(
            "imported 1 conversation(s), {n_turns} turn(s), {n_turns} audio file(s)"
        )),
        "{report}"
    );
    let again = stdout_of(tofu(other.path()).args(["history", "export", "--format", "json"]));
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let b: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(a["conversations"], b["conversations"]);
    assert_eq!(
        files_under(&other.path().join("audio")).len() as u64,
        n_turns
    );

    // Delete a turn, then the conversation: the audio goes with them.
    let before = files_under(&d.join("audio")).len() as u64;
    assert_eq!(before, n_turns);
    let del = stdout_of(tofu(d).args(["history", "delete", &universe_turn]));
    assert_eq!(
        del.trim(),
        "deleted 0 conversation(s), 1 turn(s), 1 audio file(s)"
    );
    assert_eq!(files_under(&d.join("audio")).len() as u64, n_turns - 1);
    let bare = tofu(d).args(["history", "delete", "1"]).output().unwrap();
    assert!(!bare.status.success());
    assert!(String::from_utf8_lossy(&bare.stderr).contains("say c1 or t1"));
    let del = stdout_of(tofu(d).args(["history", "delete", "c1"]));
    assert!(del.starts_with("deleted 1 conversation(s)"), "{del}");
    assert!(files_under(&d.join("audio")).is_empty());
    assert!(stdout_of(tofu(d).args(["history", "list"])).is_empty());
    let gone = tofu(d).args(["history", "show", "c1"]).output().unwrap();
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no conversation c1"));
}

#[test]
fn listening_keeps_each_turn_and_forget_everything_removes_it_all() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    // Two utterances with a pause: one live conversation of two turns.
    let mut samples = Vec::new();
    for name in ["arctic_a0024.wav", "libri_1272-141231-0000.wav"] {
        samples.extend(tofu::audio::wav::read_wav_16k_mono(&speech_file(name)).unwrap());
        samples.extend(std::iter::repeat_n(0.0f32, 24_000));
    }
    let input = d.join("mic.wav");
    tofu::audio::wav::write_wav_16k(&input, &samples).unwrap();

    let out = stdout_of(
        tofu(d)
            .args(["listen", "--no-reply", "--fast", "--input"])
            .arg(&input),
    );
    let said: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("you: "))
        .collect();
    assert_eq!(said.len(), 2, "{out}");
    let show: serde_json::Value = serde_json::from_str(&stdout_of(
        tofu(d).args(["history", "show", "c1", "--json"]),
    ))
    .unwrap();
    assert_eq!(show["source"], "live");
    let turns = show["turns"].as_array().unwrap();
    let texts: Vec<&str> = turns.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert_eq!(texts, said, "what was shown is what was kept");
    for t in turns {
        assert!(Path::new(t["audio"].as_str().unwrap()).is_file());
    }

    // --no-save keeps nothing.
    let before = files_under(d);
    stdout_of(
        tofu(d)
            .args(["listen", "--no-reply", "--fast", "--no-save", "--input"])
            .arg(&input),
    );
    assert_eq!(files_under(d), before);
    assert_eq!(
        json_lines(&stdout_of(tofu(d).args(["history", "list", "--json"]))).len(),
        1
    );

    // Forgetting needs --yes, then leaves nothing of Tofu's (the models live
    // elsewhere here; the input recording is the person's own file).
    let refused = tofu(d).arg("forget-everything").output().unwrap();
    assert!(!refused.status.success());
    assert!(!files_under(d).is_empty());
    let out = stdout_of(tofu(d).args(["forget-everything", "--yes"]));
    assert!(out.starts_with("forgot everything"), "{out}");
    assert_eq!(
        files_under(d),
        vec![input],
        "nothing of Tofu's left on disk"
    );
}
