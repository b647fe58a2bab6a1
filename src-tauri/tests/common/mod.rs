//! The plumbing of the end-to-end tests: a private X display, tauri-driver
//! in front of WebKitWebDriver, a WebDriver session with the app, and
//! waiting for what the window shows. Everything missing fails loudly.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

pub fn env_dir(key: &str, fallback: PathBuf) -> PathBuf {
    std::env::var_os(key).map(PathBuf::from).unwrap_or(fallback)
}

pub fn models_dir() -> PathBuf {
    let dir = env_dir("TOFU_MODELS_DIR", PathBuf::new());
    assert!(
        dir.is_dir(),
        "TOFU_MODELS_DIR is not set to the provisioned models: run ./dev.sh test"
    );
    dir
}

pub fn speech(name: &str) -> (PathBuf, String) {
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

pub fn tauri_driver() -> PathBuf {
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
pub struct Proc(Child, &'static str);

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
pub fn xvfb() -> (Proc, String) {
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

pub fn http_get(port: u16, path: &str) -> Option<String> {
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
pub fn driver(display: &str, port: u16, env: &[(&str, &Path)]) -> Proc {
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

pub async fn open_app(port: u16) -> Client {
    open_app_at(port, Path::new(env!("CARGO_BIN_EXE_tofu-desktop"))).await
}

/// A WebDriver session with the app at `app` (an installed one, say).
pub async fn open_app_at(port: u16, app: &Path) -> Client {
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

pub async fn wait_for(c: &Client, css: &str, secs: u64) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(secs))
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` within {secs} s: {e}"))
}

/// Waits until `css` has non-empty text satisfying `ok`; returns the text.
pub async fn wait_text(c: &Client, css: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
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
pub async fn click(c: &Client, css: &str) {
    let el = wait_for(c, css, 20).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !el.is_enabled().await.unwrap_or(false) {
        assert!(Instant::now() < deadline, "`{css}` stayed disabled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // In view first, and a moment for the scroll to finish (a click at
    // coordinates that moved lands elsewhere).
    let arg = serde_json::to_value(&el).unwrap();
    c.execute(
        "arguments[0].scrollIntoView({ block: 'center' });",
        vec![arg],
    )
    .await
    .unwrap_or_else(|e| panic!("scroll to `{css}`: {e}"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    el.click()
        .await
        .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
}

/// A screenshot for the docs, once the page has settled.
pub async fn screenshot(c: &Client, name: &str) {
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

pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// A second of silence, as a microphone in a quiet room (16 kHz mono).
pub fn write_silence(path: &Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for _ in 0..16_000 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Types `text` once the session listens, sends it, and waits for it and
/// for the companion's answer (at least two words); returns the answer.
pub async fn type_a_turn(c: &Client, text: &str) -> String {
    wait_text(c, "[data-testid=session-phase]", 120, |t| {
        t.contains("listening")
    })
    .await;
    wait_for(c, "[data-testid=say-input]", 60)
        .await
        .send_keys(text)
        .await
        .unwrap();
    click(c, "[data-testid=say-send]").await;
    wait_text(c, "[data-testid=bubble-user] .bubble-text", 30, |t| {
        t == text
    })
    .await;
    let reply = wait_text(
        c,
        "[data-testid=bubble-companion] .bubble-text",
        120,
        |_| true,
    )
    .await;
    assert!(
        words(&reply).len() >= 2,
        "the reply to {text:?} is empty or one word: {reply:?}"
    );
    reply
}
