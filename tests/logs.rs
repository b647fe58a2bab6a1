//! The app's log file (`tofu::logs`): whisper.cpp's own messages and a
//! panic's backtrace land in it; and `tofu diagnostics` reports the install
//! without a word the person said. One test sets up the process's logging
//! (a process has one global subscriber), so this file holds one such test.

mod common;

use tofu::stt::SpeechModel;

fn read_logs(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for f in common::files_under(dir) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("tofu.") && name.ends_with(".log"),
            "only log files in the logs folder: {name}"
        );
        text.push_str(&std::fs::read_to_string(&f).unwrap());
    }
    text
}

#[test]
fn whisper_messages_and_panics_are_written_to_the_log_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    tofu::logs::init(&dir, "warn").expect("logging set up");
    tofu::logs::install_panic_hook();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the logs folder is private: {mode:o}");
    }

    // whisper.cpp logs through its own C callback; routed, its model
    // loading reaches the file.
    let _model = SpeechModel::load_default(&common::model_store()).expect("whisper-base loads");
    let text = read_logs(&dir);
    assert!(
        text.contains("whisper_init_from_file") || text.contains("whisper_model_load"),
        "whisper.cpp's messages are in the log:\n{text}"
    );

    // A decode Tofu stopped on purpose is no error worth a line; other
    // whisper.cpp errors are kept.
    tracing::error!(target: "whisper_rs::whisper_logging_hook", "whisper_full_with_state: failed to encode");
    tracing::error!(target: "whisper_rs::whisper_logging_hook", "whisper_model_load: unknown tensor 'x' 17");
    let text = read_logs(&dir);
    assert!(!text.contains("failed to encode"), "{text}");
    assert!(text.contains("unknown tensor 'x' 17"), "{text}");

    // A panic in a thread (as the app's threads catch theirs) is written
    // with where it happened and a backtrace.
    let crashed = std::thread::Builder::new()
        .name("doomed".into())
        .spawn(|| panic!("a deliberate test panic 4711"))
        .unwrap()
        .join();
    assert!(crashed.is_err());
    let text = read_logs(&dir);
    let at = text
        .find("tofu::panic")
        .unwrap_or_else(|| panic!("the panic is in the log:\n{text}"));
    let entry = &text[at..];
    assert!(entry.contains("thread=\"doomed\""), "{entry}");
    assert!(
        entry.contains("panicked at tests/logs.rs"),
        "where it panicked: {entry}"
    );
    assert!(entry.contains("backtrace:"), "{entry}");
    // Its message can quote what it failed on (a slice of a transcript):
    // debug level only, so not in the file by default.
    assert!(!text.contains("a deliberate test panic 4711"), "{text}");
}

#[test]
fn diagnostics_name_the_install_and_nothing_that_was_said() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let said = "my secret plan involves seventeen pineapples";
    // A turn kept in this data folder, to be sure the report leaves it out.
    let mut child = common::tofu(&data)
        .args(["chat", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{said}").unwrap();
    }
    let chat = child.wait_with_output().unwrap();
    assert!(
        chat.status.success(),
        "{}",
        String::from_utf8_lossy(&chat.stderr)
    );

    let report = common::stdout_of(common::tofu(&data).arg("diagnostics"));
    assert!(report.starts_with("tofu "), "{report}");
    assert!(report.contains(&format!("data folder: {}", data.display())));
    assert!(report.contains("cpu features: "), "{report}");
    assert!(report.contains("speech engine built for: "), "{report}");
    // The models, with their checksums.
    assert!(
        report.contains("whisper-base (speech-to-text): installed"),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.contains("ggml-base-q8_0.bin") && l.contains("sha256 ") && l.len() > 70),
        "{report}"
    );
    assert!(report.contains("replies: Embedded"), "{report}");
    for word in said.split_whitespace().filter(|w| w.len() > 4) {
        assert!(
            !report.contains(word),
            "`{word}` of a turn is in the report"
        );
    }
    // The logs folder sits beside an explicit data folder.
    assert!(report.contains(&format!("logs folder: {}", data.join("logs").display())));
}
