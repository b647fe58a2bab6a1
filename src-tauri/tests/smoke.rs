//! The real app window under Xvfb: it opens, the page loads, its script calls
//! the engine through Tauri's IPC, and reports back. Needs `xvfb-run` (installed
//! by ./dev.sh); without it this test fails rather than skips.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn window_opens_and_the_page_talks_to_the_engine() {
    assert!(
        Command::new("xvfb-run")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok(),
        "xvfb-run is missing: install the xvfb and xauth packages (./dev.sh does)"
    );
    let data = std::env::temp_dir().join(format!("tofu-desktop-smoke-{}", std::process::id()));
    let models = data.join("models");
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_tofu-desktop"))
        .env("TOFU_DESKTOP_SMOKE", "1")
        .env("TOFU_DATA_DIR", &data)
        .env("TOFU_MODELS_DIR", &models)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the app under xvfb-run");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the app did not report a rendered page within 120 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        status.success(),
        "the app exited with {status}\nstdout:\n{out}\nstderr:\n{err}"
    );
    let models = tofu::models::Manifest::embedded().models.len();
    assert!(
        out.contains(&format!("ui ready: {models} models listed")),
        "the page did not list the models through IPC\nstdout:\n{out}\nstderr:\n{err}"
    );
}

/// Without a display the app says so in one line and points at the CLI
/// (GTK panicked with a backtrace before).
#[test]
fn without_a_display_the_app_says_so_in_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_tofu-desktop"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env(
            "TOFU_DATA_DIR",
            std::env::temp_dir().join("tofu-no-display"),
        )
        .output()
        .expect("start the app");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("no graphical display") && err.contains("tofu chat"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
