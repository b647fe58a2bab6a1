//! Shared by the engine's integration tests: where the provisioned models and
//! the shared test data are. Both are required: a test that needs them fails
//! loudly (with how to get them) instead of skipping.

#![allow(dead_code)]

use std::path::PathBuf;

/// The provisioned models (`TOFU_MODELS_DIR`, set by `./dev.sh test`).
pub fn models_dir() -> PathBuf {
    let dir = std::env::var_os("TOFU_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| {
        panic!("TOFU_MODELS_DIR is not set: run `./dev.sh test`, or `tofu models fetch` with TOFU_MODELS_DIR pointing at a models folder")
    });
    assert!(
        dir.is_dir(),
        "TOFU_MODELS_DIR={} does not exist: run `tofu models fetch` first",
        dir.display()
    );
    dir
}

pub fn model_store() -> tofu::models::ModelStore {
    tofu::models::ModelStore::new(models_dir())
}

/// `../shared/testdata` (or `TOFU_TESTDATA`): real speech and writing nobody here wrote.
pub fn testdata() -> PathBuf {
    let dir = std::env::var_os("TOFU_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata"));
    assert!(
        dir.join("speech/dev/manifest.tsv").is_file(),
        "the shared test data is missing at {} (set TOFU_TESTDATA)",
        dir.display()
    );
    dir
}

/// `(file name, reference transcript)` rows of a speech folder's manifest.tsv.
pub fn speech_manifest() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(testdata().join("speech/dev/manifest.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .collect()
}

pub fn speech_file(name: &str) -> PathBuf {
    testdata().join("speech/dev").join(name)
}

/// The `tofu` binary of this build, with an isolated data dir and the shared models.
pub fn tofu(data_dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tofu"));
    cmd.env("TOFU_DATA_DIR", data_dir)
        .env("TOFU_MODELS_DIR", models_dir());
    cmd
}

/// Runs a command that must succeed; returns its stdout (stderr is shown on failure).
pub fn stdout_of(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Every file (not folder) under `dir`, sorted; none if it does not exist.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
