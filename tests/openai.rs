//! The OpenAI-compatible backend against a loopback server speaking the
//! protocol (server-sent events): tokens stream into sentences, the key is
//! sent, the sentence cap holds, and a server that errors or stalls leads to
//! the fallback within the timeout, never a frozen reply.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use tofu::mind::openai::OpenAi;
use tofu::mind::{Mind, MindEvent, Persona};

/// Serves one request: records it, then runs `respond` on the socket.
fn serve(
    respond: impl FnOnce(&mut std::net::TcpStream) + Send + 'static,
) -> (String, std::thread::JoinHandle<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(sock.try_clone().unwrap());
        let mut head = String::new();
        let mut len = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        respond(&mut sock);
        (head, String::from_utf8(body).unwrap())
    });
    (url, handle)
}

fn sse(sock: &mut std::net::TcpStream, pieces: &[&str]) {
    // Write errors are fine: a client that has heard enough hangs up.
    let _ = write!(
        sock,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
    );
    for p in pieces {
        let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
        let _ = write!(sock, "data: {chunk}\n\n");
        let _ = sock.flush();
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = write!(sock, ": keep-alive\n\ndata: [DONE]\n\n");
}

#[test]
fn a_streamed_reply_arrives_token_by_token() {
    let (url, server) = serve(|s| {
        sse(
            s,
            &[
                "That", " sounds", " lovely.", " Where", " did", " you", " go?",
            ],
        )
    });
    let backend = OpenAi::new(&url, "llama3.2").with_api_key("sk-test");
    let mut mind = Mind::new(Box::new(backend), 8192);
    let mut sentences = Vec::new();
    let persona = Persona {
        verbosity: 1.0,
        ..Persona::default()
    };
    let r = mind
        .reply(
            &persona,
            None,
            &Default::default(),
            "I went for a walk.",
            None,
            |e| {
                if let MindEvent::Sentence { text } = e {
                    sentences.push(text)
                }
            },
        )
        .unwrap();
    assert_eq!(r.text, "That sounds lovely. Where did you go?");
    assert_eq!(sentences, ["That sounds lovely.", "Where did you go?"]);
    assert_eq!(
        (r.engine.as_str(), r.model.as_deref()),
        ("openai", Some("llama3.2"))
    );
    let (head, body) = server.join().unwrap();
    assert!(head.starts_with("POST /v1/chat/completions "), "{head}");
    assert!(
        head.contains("Authorization: Bearer sk-test")
            || head
                .to_lowercase()
                .contains("authorization: bearer sk-test"),
        "{head}"
    );
    let req: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(req["stream"], true);
    assert_eq!(req["model"], "llama3.2");
    assert_eq!(req["messages"][0]["role"], "system");
    assert_eq!(
        req["messages"].as_array().unwrap().last().unwrap()["content"],
        "I went for a walk."
    );
}

#[test]
fn the_sentence_cap_holds_for_a_server_too() {
    let (url, _server) = serve(|s| sse(s, &["One.", " Two.", " Three.", " Four."]));
    let mut mind = Mind::new(Box::new(OpenAi::new(&url, "m")), 8192);
    let persona = Persona {
        verbosity: 0.0,
        ..Persona::default()
    }; // one sentence
    let r = mind
        .reply(&persona, None, &Default::default(), "Count.", None, |_| {})
        .unwrap();
    assert_eq!(r.text, "One.");
}

#[test]
fn a_server_error_or_a_stall_falls_back_in_time() {
    let (url, _server) = serve(|s| {
        write!(s, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 26\r\nConnection: close\r\n\r\n{{\"error\":\"bad api key!!\"}}").unwrap();
    });
    let mut mind = Mind::new(Box::new(OpenAi::new(&url, "m")), 8192);
    let r = mind
        .reply(
            &Persona::default(),
            None,
            &Default::default(),
            "Hello.",
            None,
            |_| {},
        )
        .unwrap();
    assert_eq!(r.engine, "reflect");
    assert!(
        r.fell_back.as_deref().unwrap().contains("401"),
        "{:?}",
        r.fell_back
    );

    let (url, _server) = serve(|_s| std::thread::sleep(Duration::from_secs(10)));
    let mut backend = OpenAi::new(&url, "m");
    backend.timeout = Duration::from_secs(1);
    let mut mind = Mind::new(Box::new(backend), 8192);
    let started = Instant::now();
    let r = mind
        .reply(
            &Persona::default(),
            None,
            &Default::default(),
            "Hello.",
            None,
            |_| {},
        )
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.engine, "reflect");
    assert!(
        r.fell_back.as_deref().unwrap().contains("gave no word"),
        "{:?}",
        r.fell_back
    );

    // Nothing listening at all.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut mind = Mind::new(
        Box::new(OpenAi::new(&format!("http://127.0.0.1:{port}/v1"), "m")),
        8192,
    );
    let r = mind
        .reply(
            &Persona::default(),
            None,
            &Default::default(),
            "Hello.",
            None,
            |_| {},
        )
        .unwrap();
    assert!(
        r.fell_back.as_deref().unwrap().contains("cannot reach"),
        "{:?}",
        r.fell_back
    );
}

#[test]
fn the_api_key_stays_out_of_settings_and_off_plain_http_to_other_machines() {
    // No keyring in CI: the key goes to a file only the owner can read.
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = common::tofu(dir.path());
        cmd.env("TOFU_KEYRING", "off")
            .env_remove("TOFU_LLM_API_KEY");
        cmd.args(args);
        cmd.stdin(std::process::Stdio::piped());
        cmd.stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            std::io::Write::write_all(&mut input, s.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let said = run(&["llm", "key", "set"], Some("sk-secret-123\n"));
    assert!(said.contains("only you can read it"), "{said}");
    let file = tofu::mind::secrets::key_file(dir.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is private: {mode:o}");
    }
    run(
        &["llm", "set", "endpoint=http://me:pw@10.1.2.3:8080/v1"],
        None,
    );
    let shown = run(&["llm", "show"], None);
    assert!(
        !shown.contains("sk-secret-123") && !shown.contains("pw@"),
        "{shown}"
    );
    assert!(shown.contains("api_key\tset"), "{shown}");
    // The settings themselves never hold it.
    let db = std::fs::read(dir.path().join("tofu.db")).unwrap();
    assert!(!db.windows(13).any(|w| w == b"sk-secret-123"));

    // Plain http to another machine: refused before any connection.
    let mut backend = OpenAi::new("http://10.1.2.3:9/v1", "m").with_api_key("sk-secret-123");
    let req = tofu::mind::Request {
        messages: vec![tofu::llm::Message::new("user", "hi")],
        opts: tofu::llm::GenerateOptions::default(),
        user_text: "hi".into(),
    };
    let t = std::time::Instant::now();
    let err = tofu::mind::Backend::generate(&mut backend, &req, None, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("plain http"), "{err}");
    assert!(t.elapsed() < std::time::Duration::from_secs(1));

    // The key was set while the endpoint was this machine's Ollama (the
    // default): bound to it, it goes to no server named later, https or not.
    assert!(said.contains("for http://127.0.0.1:11434 only"), "{said}");
    run(
        &[
            "llm",
            "set",
            "backend=openai",
            "endpoint=https://api.other.example/v1",
        ],
        None,
    );
    std::env::set_var("TOFU_KEYRING", "off");
    let settings: tofu::mind::backend::ReplySettings = tofu::store::Store::open(dir.path())
        .unwrap()
        .setting(tofu::mind::backend::SETTINGS_KEY)
        .unwrap()
        .unwrap();
    let mut backend = settings
        .backend(dir.path(), &common::model_store(), None)
        .unwrap();
    let t = std::time::Instant::now();
    let err = tofu::mind::Backend::generate(backend.as_mut(), &req, None, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not sending the API key to https://api.other.example:443"),
        "{err}"
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(1));

    run(&["forget-everything", "--yes"], None);
    assert!(!file.exists(), "forget everything forgets the key");
}

#[test]
fn a_cut_or_endless_stream_is_a_failure_not_a_reply() {
    let reply = |url: &str| {
        let mut mind = Mind::new(Box::new(OpenAi::new(url, "m")), 8192);
        mind.reply(
            &Persona::default(),
            None,
            &Default::default(),
            "Hello.",
            None,
            |_| {},
        )
        .unwrap()
    };
    // Two words, then the connection closes: no [DONE], no finish_reason.
    let (url, _server) = serve(|s| {
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        );
        for p in ["Hello", " there"] {
            let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
            let _ = write!(s, "data: {chunk}\n\n");
        }
    });
    let r = reply(&url);
    assert_eq!(r.engine, "reflect", "{r:?}");
    assert!(
        r.fell_back.as_deref().unwrap().contains("ended before"),
        "{:?}",
        r.fell_back
    );

    // One line of 2 MB: refused before it is all in memory.
    let (url, _server) = serve(|s| {
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\ndata: "
        );
        let _ = s.write_all(&vec![b'x'; 2 << 20]);
    });
    let r = reply(&url);
    assert_eq!(r.engine, "reflect", "{r:?}");
    assert!(
        r.fell_back.as_deref().unwrap().contains("longer than"),
        "{:?}",
        r.fell_back
    );
}
