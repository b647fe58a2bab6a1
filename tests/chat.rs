//! `tofu chat` and `tofu bench conversation` with the real SmolLM2-135M
//! model: a chat turn is kept like a typed turn in the app (history,
//! search, style), a fact told in one chat comes back in the next, and the
//! shared scripts keep the conversation rules at the default persona and
//! with every slider at its extreme.

mod common;

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

/// Runs `tofu chat --json` with `lines` on stdin; one JSON object per turn.
fn chat(data: &std::path::Path, args: &[&str], lines: &[&str]) -> Vec<Value> {
    let mut child = common::tofu(data)
        .arg("chat")
        .arg("--json")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tofu chat starts");
    {
        let mut stdin = child.stdin.take().unwrap();
        for l in lines {
            writeln!(stdin, "{l}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tofu chat failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let turns: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(turns.len(), lines.len(), "one object per turn");
    turns
}

#[test]
fn a_chat_is_kept_like_a_typed_turn_and_remembered_in_the_next() {
    let dir = tempfile::tempdir().unwrap();
    // Three facts (not the shared scripts' own), each told in a chat of its
    // own; asked in a later chat, most must come back.
    let facts = [
        (
            "My daughter Mia plays the violin in the school orchestra.",
            "What instrument does my daughter play?",
            &["violin"][..],
        ),
        (
            "I grew up in a little village called Ashford, by the sea.",
            "Where did I grow up?",
            &["ashford"][..],
        ),
        (
            "Our dog is called Pepper and she loves the beach.",
            "What is my dog called?",
            &["pepper"][..],
        ),
    ];
    let mut recalled = 0;
    for (told, asked, expected) in facts {
        let first = chat(dir.path(), &[], &[told]);
        let t = &first[0];
        assert_eq!(t["you"], told);
        let reply = t["reply"].as_str().unwrap();
        assert!(!reply.is_empty());
        assert_eq!(
            t["text"].as_str(),
            Some(reply),
            "the figures of tofu reply --json too"
        );
        assert!(t["first_sentence_ms"].is_number() && t["tries"].as_u64() >= Some(1));
        let c = t["conversation"].as_str().unwrap().to_string();

        // Kept like a typed turn: in the history, searchable, learned.
        let shown =
            common::stdout_of(common::tofu(dir.path()).args(["history", "show", &c, "--json"]));
        let conv: Value = serde_json::from_str(&shown).unwrap();
        let turns = conv["turns"].as_array().unwrap();
        assert_eq!(turns.len(), 2, "the person's turn and the reply: {conv}");
        assert_eq!(turns[0]["heard_text"], told);
        assert_eq!(conv["source"], "typed");
        assert_eq!(turns[1]["persona"], "Tofu");

        let later = chat(dir.path(), &[], &[asked]);
        let reply = later[0]["reply"].as_str().unwrap().to_lowercase();
        assert_ne!(
            later[0]["conversation"].as_str(),
            Some(c.as_str()),
            "a new conversation"
        );
        let memories = later[0]["memories"].as_array().unwrap();
        assert!(
            memories.iter().any(|m| m["text"] == told),
            "the fact reaches the prompt as a memory: {memories:?}"
        );
        if expected.iter().any(|e| reply.contains(e)) {
            recalled += 1;
        } else {
            eprintln!("not recalled: {asked} -> {reply}");
        }
    }
    assert!(recalled >= 2, "{recalled} of 3 facts recalled");

    let found = common::stdout_of(common::tofu(dir.path()).args(["history", "search", "Ashford"]));
    assert!(found.contains("Ashford"), "{found}");
    let style = common::stdout_of(common::tofu(dir.path()).args(["style", "show", "--json"]));
    let style: Value = serde_json::from_str(&style).unwrap();
    assert!(
        style.to_string().contains("\"utterances\":6"),
        "every chat turn the person typed taught the style model: {style}"
    );

    // --conversation goes on with one: its turns are the recent context.
    let c = chat(dir.path(), &[], &["Hello there."])[0]["conversation"]
        .as_str()
        .unwrap()
        .to_string();
    let more = chat(dir.path(), &["--conversation", &c], &["Still me."]);
    assert_eq!(more[0]["conversation"].as_str(), Some(c.as_str()));
    let bad = common::tofu(dir.path())
        .args(["chat", "--conversation", "c999"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no conversation c999"));
}

/// `tofu bench conversation --json` on the shared scripts at `sets`.
fn bench(sets: &[&str]) -> Value {
    let work = tempfile::tempdir().unwrap();
    let data = common::testdata().join("conversation/dev.json");
    let mut cmd = common::tofu(work.path());
    cmd.args(["bench", "conversation", "--json", "--data"])
        .arg(&data);
    for s in sets {
        cmd.args(["--set", s]);
    }
    serde_json::from_str(&common::stdout_of(&mut cmd)).expect("one JSON report")
}

fn share(r: &Value, rule: &str) -> f64 {
    r["rules"][rule]["share"].as_f64().unwrap()
}

#[test]
fn the_shared_scripts_keep_the_conversation_rules() {
    let r = bench(&[]);
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(r["replies"].as_u64(), Some(rows.len() as u64));
    assert!(rows.len() >= 20, "{} replies", rows.len());
    for rule in ["degenerate", "self_addressing", "leaked_instructions"] {
        assert_eq!(share(&r, rule), 0.0, "{rule}: {}", r["rows"]);
    }
    for rule in [
        "parroting",
        "role_confusion",
        "invented_words",
        "mood_contradicted",
    ] {
        assert!(share(&r, rule) <= 0.04, "{rule}: {}", share(&r, rule));
    }
    let (hits, items) = (
        r["recall_hits"].as_u64().unwrap(),
        r["recall_items"].as_u64().unwrap(),
    );
    assert!(
        items >= 4 && hits * 6 >= items * 5,
        "recall {hits} of {items}"
    );
    assert!(r["first_sentence_median_ms"].as_f64().unwrap() > 0.0);

    // Every slider at its extreme together.
    let x = bench(&["curiosity=1", "verbosity=1", "playfulness=1", "mirroring=1"]);
    assert_eq!(share(&x, "degenerate"), 0.0, "{}", x["rows"]);
    assert_eq!(share(&x, "leaked_instructions"), 0.0, "{}", x["rows"]);
    assert!(share(&x, "parroting") <= 0.10);
    assert!(share(&x, "invented_words") <= 0.06);
}
