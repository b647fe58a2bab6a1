//! End to end, in the real app window: Xvfb, `tauri-driver` (WebDriver) in
//! front of WebKitWebDriver, the real engine and models, a recording played
//! as the microphone. A person's first session: read the first-run note,
//! speak, see the transcript and a reply; search the transcripts; change a
//! slider; then the app starts again and the slider is where they left it.
//! Screenshots of every screen go to `docs/screenshots/`.
//!
//! Needs Xvfb, tauri-driver and WebKitWebDriver (installed by ./dev.sh); any
//! of them missing fails the test with how to get it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

fn env_dir(key: &str, fallback: PathBuf) -> PathBuf {
    std::env::var_os(key).map(PathBuf::from).unwrap_or(fallback)
}

fn models_dir() -> PathBuf {
    let dir = env_dir("TOFU_MODELS_DIR", PathBuf::new());
    assert!(
        dir.is_dir(),
        "TOFU_MODELS_DIR is not set to the provisioned models: run ./dev.sh test"
    );
    dir
}

fn speech(name: &str) -> (PathBuf, String) {
    let root = env_dir(
        "TOFU_TESTDATA",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"),
    );
    let manifest = std::fs::read_to_string(root.join("speech/dev/manifest.tsv"))
        .unwrap_or_else(|e| panic!("the shared test data is missing at {}: {e}", root.display()));
    let reference = manifest
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}\t")))
        .and_then(|rest| rest.split('\t').next())
        .unwrap_or_else(|| panic!("{name} is not in the speech manifest"))
        .to_string();
    (root.join("speech/dev").join(name), reference)
}

fn tauri_driver() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("tauri-driver"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(home).join("bin/tauri-driver"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/tauri-driver"));
    }
    candidates.into_iter().find(|p| p.is_file()).expect(
        "tauri-driver is missing: `cargo install tauri-driver --version '^2' --locked` (./dev.sh does)",
    )
}

/// A child process stopped with SIGTERM when dropped (SIGKILL would leave
/// WebKitWebDriver orphaned, holding its port).
struct Proc(Child, &'static str);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.1);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private X display.
fn xvfb() -> (Proc, String) {
    assert!(
        Command::new("Xvfb")
            .arg("-help")
            .stderr(Stdio::null())
            .status()
            .is_ok(),
        "Xvfb is missing: install the xvfb package (./dev.sh does)"
    );
    for n in (100 + std::process::id() % 400)..1000 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let proc = Proc(child, "Xvfb");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (proc, display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("Xvfb did not start");
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// tauri-driver on `port`, with the app's environment; returns once the
/// WebKitWebDriver behind it answers.
fn driver(display: &str, port: u16, env: &[(&str, &Path)]) -> Proc {
    let mut cmd = Command::new(tauri_driver());
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &(port + 1).to_string(),
    ])
    .env("DISPLAY", display)
    .env("TOFU_KEYRING", "off")
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let proc = Proc(cmd.spawn().expect("start tauri-driver"), "tauri-driver");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        // tauri-driver accepts connections before WebKitWebDriver listens.
        if http_get(port, "/status").is_some_and(|r| r.contains("\"ready\":true")) {
            return proc;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("tauri-driver (WebKitWebDriver) did not become ready on port {port}");
}

async fn open_app(port: u16) -> Client {
    let app = Path::new(env!("CARGO_BIN_EXE_tofu-desktop"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with the app")
}

async fn wait_for(c: &Client, css: &str, secs: u64) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(secs))
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` within {secs} s: {e}"))
}

/// Waits until `css` has non-empty text satisfying `ok`; returns the text.
async fn wait_text(c: &Client, css: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(els) = c.find_all(Locator::Css(css)).await {
            for e in els {
                if let Ok(t) = e.text().await {
                    if !t.trim().is_empty() && ok(&t) {
                        return t;
                    }
                    last = t;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("`{css}` never showed the expected text within {secs} s (last: {last:?})");
}

/// Clicks `css` once it is there and enabled (a click on a disabled
/// control does nothing).
async fn click(c: &Client, css: &str) {
    let el = wait_for(c, css, 20).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !el.is_enabled().await.unwrap_or(false) {
        assert!(Instant::now() < deadline, "`{css}` stayed disabled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    el.click()
        .await
        .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
}

/// A screenshot for the docs, once the page has settled.
async fn screenshot(c: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(700)).await;
    let png = c.screenshot().await.expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG"),
        "the screenshot of {name} is not a PNG"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_session_in_the_real_window() {
    let models = models_dir();
    let (wav, reference) = speech("arctic_a0024.wav");
    let data = std::env::temp_dir().join(format!("tofu-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let voice_out = data.join("speaker.wav");
    let (_x, display) = xvfb();
    let port = 4700 + (std::process::id() % 200) as u16 * 2;

    // The first session: a recording as the microphone, a file as the speakers.
    {
        let _driver = driver(
            &display,
            port,
            &[
                ("TOFU_DATA_DIR", &data),
                ("TOFU_MODELS_DIR", &models),
                ("TOFU_DESKTOP_INPUT", &wav),
                ("TOFU_DESKTOP_OUTPUT", &voice_out),
            ],
        );
        let c = open_app(port).await;
        wait_for(&c, "[data-testid=first-run-start]", 60).await;
        screenshot(&c, "first-run").await;
        click(&c, "[data-testid=first-run-start]").await;

        // Speak: the recording plays once the models are loaded.
        let heard = wait_text(&c, "[data-testid=bubble-user] .bubble-text", 180, |_| true).await;
        let want = words(&reference);
        let got = words(&heard);
        let found = want.iter().filter(|w| got.contains(w)).count();
        assert!(
            found * 10 >= want.len() * 7,
            "the transcript on screen is far from what was said:\n  said: {reference}\n  shown: {heard}"
        );
        let reply = wait_text(
            &c,
            "[data-testid=bubble-companion] .bubble-text",
            120,
            |_| true,
        )
        .await;
        assert!(
            words(&reply).len() >= 2,
            "the reply is empty or one word: {reply:?}"
        );
        // The orb settles back to listening once the reply is spoken.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let state = wait_for(&c, "[data-testid=orb]", 5)
                .await
                .attr("data-state")
                .await
                .unwrap()
                .unwrap_or_default();
            if state == "listening" || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        screenshot(&c, "conversation").await;

        // Search the transcripts for a word that was heard.
        let word = got
            .iter()
            .filter(|w| w.len() >= 5 && want.contains(w))
            .max_by_key(|w| w.len())
            .cloned()
            .expect("a long word heard right");
        click(&c, "[data-testid=nav-transcripts]").await;
        wait_for(&c, "[data-testid=screen-transcripts]", 10).await;
        wait_for(&c, "[data-testid=search]", 10)
            .await
            .send_keys(&word)
            .await
            .unwrap();
        let mark = wait_text(&c, "[data-testid=hit] mark", 20, |_| true).await;
        assert_eq!(
            mark.to_lowercase(),
            word,
            "the highlighted hit is not the word searched"
        );
        screenshot(&c, "transcripts").await;

        // Change a slider: it is saved at once.
        click(&c, "[data-testid=nav-personality]").await;
        wait_for(&c, "input[name=warmth]", 10).await;
        c.execute(
            "const el = document.querySelector('input[name=warmth]');
             const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
             set.call(el, '0.15');
             el.dispatchEvent(new Event('input', { bubbles: true }));
             el.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
        wait_text(&c, "[data-testid=persona-saved]", 10, |t| {
            t.contains("Saved")
        })
        .await;
        screenshot(&c, "personality").await;

        click(&c, "[data-testid=nav-you]").await;
        wait_for(&c, "[data-testid=screen-you]", 10).await;
        screenshot(&c, "you").await;
        click(&c, "[data-testid=nav-settings]").await;
        wait_for(&c, "[data-testid=models-table]", 10).await;
        screenshot(&c, "settings").await;
        c.close().await.unwrap();
    }

    // What the window said was kept, is kept.
    let store = tofu::store::Store::open(&data).unwrap();
    let persona = tofu::mind::Persona::load(&store).unwrap();
    assert!(
        (persona.warmth - 0.15).abs() < 1e-4,
        "warmth in the store: {}",
        persona.warmth
    );
    assert!(store.turn_count().unwrap() >= 2, "the turns were not kept");
    drop(store);

    // The app again, in a quiet room (a second of silence, then silence):
    // the slider is where it was left, the first-run note does not come
    // back, typing gets an answer, and what the UI may send is checked.
    let silence = data.join("silence.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&silence, spec).unwrap();
    for _ in 0..16_000 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    {
        let _driver = driver(
            &display,
            port,
            &[
                ("TOFU_DATA_DIR", &data),
                ("TOFU_MODELS_DIR", &models),
                ("TOFU_DESKTOP_INPUT", &silence),
                ("TOFU_DESKTOP_OUTPUT", &voice_out),
            ],
        );
        let c = open_app(port).await;
        wait_for(&c, "[data-testid=screen-conversation]", 60).await;
        assert!(
            c.find(Locator::Css("[data-testid=first-run-start]"))
                .await
                .is_err(),
            "the first-run note came back after it was read"
        );
        click(&c, "[data-testid=nav-personality]").await;
        let slider = wait_for(&c, "input[name=warmth]", 10).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut value = String::new();
        while Instant::now() < deadline {
            value = slider.prop("value").await.unwrap().unwrap_or_default();
            if value == "0.15" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(value, "0.15", "the warmth slider after a restart");

        // What the UI may send is checked on the Rust side, and only the
        // app's own commands may be called.
        let call = |cmd: &str, args: serde_json::Value| {
            let c = c.clone();
            let cmd = cmd.to_string();
            async move {
                c.execute_async(
                    "const [cmd, args, done] = arguments;
                     window.__TAURI_INTERNALS__.invoke(cmd, args)
                       .then(ok => done({ ok }), err => done({ err: String(err) }));",
                    vec![serde_json::json!(cmd), args],
                )
                .await
                .unwrap()
            }
        };
        let mut bad = serde_json::to_value(tofu::mind::Persona::default()).unwrap();
        bad["warmth"] = serde_json::json!(7.0);
        let r = call("persona_set", serde_json::json!({ "persona": bad })).await;
        let err = r["err"].as_str().unwrap_or_else(|| panic!("accepted: {r}"));
        assert!(err.contains("warmth"), "{err}");
        let r = call(
            "persona_set",
            serde_json::json!({ "persona": { "name": 3 } }),
        )
        .await;
        assert!(
            r["err"].is_string(),
            "a malformed persona was accepted: {r}"
        );
        let r = call(
            "history_delete_day",
            serde_json::json!({ "day": "'; DROP TABLE turns; --" }),
        )
        .await;
        assert!(
            r["err"]
                .as_str()
                .is_some_and(|e| e.contains("is not a day")),
            "{r}"
        );
        let r = call(
            "history_export",
            serde_json::json!({ "format": "json", "path": "relative.json" }),
        )
        .await;
        assert!(
            r["err"]
                .as_str()
                .is_some_and(|e| e.contains("choose a file")),
            "{r}"
        );
        let r = call(
            "plugin:window|close",
            serde_json::json!({ "label": "main" }),
        )
        .await;
        assert!(
            r["err"].as_str().is_some_and(|e| e.contains("not allowed")),
            "a command outside the capability ran: {r}"
        );
        let persona = tofu::mind::Persona::load(&tofu::store::Store::open(&data).unwrap()).unwrap();
        assert!(
            (persona.warmth - 0.15).abs() < 1e-4,
            "a rejected call changed the persona"
        );

        // Typing instead of talking, in the dark theme.
        click(&c, "[data-testid=nav-settings]").await;
        click(&c, "[data-testid=theme-dark]").await;
        wait_for(&c, "html[data-theme=dark]", 10).await;
        click(&c, "[data-testid=nav-conversation]").await;
        wait_text(&c, "[data-testid=session-phase]", 120, |t| {
            t.contains("listening")
        })
        .await;
        let typed = "Tell me about the north.";
        wait_for(&c, "[data-testid=say-input]", 10)
            .await
            .send_keys(typed)
            .await
            .unwrap();
        click(&c, "[data-testid=say-send]").await;
        wait_text(&c, "[data-testid=bubble-user] .bubble-text", 30, |t| {
            t == typed
        })
        .await;
        let reply = wait_text(
            &c,
            "[data-testid=bubble-companion] .bubble-text",
            120,
            |_| true,
        )
        .await;
        assert!(
            words(&reply).len() >= 2,
            "the reply is empty or one word: {reply:?}"
        );
        screenshot(&c, "conversation-dark").await;
        c.close().await.unwrap();
    }
    let store = tofu::store::Store::open(&data).unwrap();
    let hits = store
        .search(
            &tofu::store::SearchQuery {
                text: "\"about the north\"".into(),
                ..Default::default()
            },
            Default::default(),
        )
        .unwrap();
    assert_eq!(hits.len(), 1, "the typed turn is kept: {hits:?}");
    let _ = std::fs::remove_dir_all(&data);
}
