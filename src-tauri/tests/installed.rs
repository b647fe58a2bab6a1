//! The package as a person gets it: `apt-get install ./tofu_*.deb`, then
//! the installed CLI transcribes and speaks with the build tree hidden (so
//! nothing is borrowed from `target/`), transcribes on an emulated CPU
//! smaller than the building machine's (qemu), the installed app answers a typed
//! turn in a real window (Xvfb, tauri-driver), and `apt-get remove` takes
//! the programs away and leaves the person's data folder as it was.
//!
//! It installs a package system-wide, so plain `cargo test` leaves it out;
//! `./dev.sh test` (CI) builds the package and runs it as root with
//! `TOFU_PACKAGE` set. Anything missing fails it with what to do.

mod common;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn apt(args: &[&str]) -> Output {
    run(Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Every file under `dir` with a digest of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, u64)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let mut h = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut h);
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    (bytes.len() as u64, h.finish()),
                );
            }
        }
    }
    out
}

/// The installed `tofu` with the build tree hidden behind an empty folder
/// (a private mount namespace), run from `/`.
fn installed_cli(args: &str, models: &Path, data: &Path) -> String {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or(target)
        .canonicalize()
        .unwrap();
    let empty = data.with_extension("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let script = format!(
        "mount --bind '{}' '{}' && exec /usr/bin/tofu {args}",
        empty.display(),
        target.display()
    );
    let out = run(Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .current_dir("/")
        .env("TOFU_MODELS_DIR", models)
        .env("TOFU_DATA_DIR", data)
        .env_remove("PIPER_ESPEAKNG_DATA_DIRECTORY")
        .env_remove("TOFU_LLM_WORKER"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "installs a package system-wide: ./dev.sh test runs it (as root, TOFU_PACKAGE set)"]
async fn the_installed_package_works_and_leaves_the_data_when_removed() {
    let deb = PathBuf::from(
        std::env::var_os("TOFU_PACKAGE")
            .expect("TOFU_PACKAGE is not set: build one with ./dev.sh package"),
    );
    assert!(deb.is_file(), "no package at {}", deb.display());
    let uid = run(Command::new("id").arg("-u")).stdout;
    assert_eq!(uid, b"0\n", "installing a package needs root");
    let models = models_dir();
    let data = std::env::temp_dir().join(format!("tofu-installed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();

    // Installed: the programs, the voice's data, the desktop entry.
    let _ = Command::new("apt-get")
        .args(["remove", "-y", "tofu"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output();
    apt(&[
        "install",
        "-y",
        "--no-install-recommends",
        deb.to_str().unwrap(),
    ]);
    let files = String::from_utf8(run(Command::new("dpkg").args(["-L", "tofu"])).stdout).unwrap();
    for f in [
        "/usr/bin/tofu",
        "/usr/bin/tofu-desktop",
        "/usr/lib/tofu/tofu-llm",
        "/usr/lib/tofu/espeak-ng-data/phontab",
        "/usr/share/applications/tofu.desktop",
        "/usr/share/icons/hicolor/128x128/apps/tofu.png",
    ] {
        assert!(files.lines().any(|l| l == f), "{f} is not in the package");
    }

    // The CLI, with nothing of the build tree to lean on.
    let version = installed_cli("--version", &models, &data);
    assert_eq!(
        version.trim(),
        format!("tofu {}", env!("CARGO_PKG_VERSION"))
    );
    let (wav, reference) = speech("arctic_a0024.wav");
    let line = installed_cli(&format!("transcribe '{}'", wav.display()), &models, &data);
    let heard = line.split('\t').nth(1).unwrap_or_default();
    let want = words(&reference);
    let got = words(heard);
    let found = want.iter().filter(|w| got.contains(w)).count();
    assert!(
        found * 10 >= want.len() * 8,
        "the installed tofu heard {heard:?} for {reference:?}"
    );
    let spoken = data.join("said.wav");
    installed_cli(
        &format!("say 'Hello, I am here.' --out '{}'", spoken.display()),
        &models,
        &data,
    );
    let samples: Vec<i16> = hound::WavReader::open(&spoken)
        .expect("the installed voice wrote a WAV")
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 1000).count();
    assert!(
        loud > samples.len() / 20,
        "the installed voice is silent ({loud} loud samples of {})",
        samples.len()
    );

    // On a smaller CPU than this one: qemu's Haswell (AVX2, no AVX-512, the
    // baseline the native code is built for) hears the words; a CPU without
    // AVX (qemu's Nehalem) is told so in one line, not killed by an illegal
    // instruction.
    let qemu = |cpu: &str, args: &[&str]| {
        Command::new("qemu-x86_64")
            .args(["-cpu", cpu, "/usr/lib/tofu/tofu"])
            .args(args)
            .current_dir("/")
            .env("TOFU_MODELS_DIR", &models)
            .env("TOFU_DATA_DIR", &data)
            .output()
            .expect("qemu-x86_64 is missing: install qemu-user (./dev.sh does)")
    };
    let out = qemu("Haswell", &["transcribe", wav.to_str().unwrap()]);
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the packaged tofu on a Haswell CPU: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let got = words(line.split('\t').nth(1).unwrap_or_default());
    let found = want.iter().filter(|w| got.contains(w)).count();
    assert!(
        found * 10 >= want.len() * 8,
        "on a Haswell CPU the packaged tofu heard {line:?} for {reference:?}"
    );
    let out = qemu("Nehalem", &["--version"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "on a Nehalem CPU: {err}");
    assert!(
        err.contains("x86-64-v3") && err.contains("lacks avx"),
        "{err}"
    );

    // The installed app: first run, then a typed turn is answered.
    {
        let (_x, display) = xvfb();
        let port = 5200 + (std::process::id() % 200) as u16 * 2;
        let voice_out = data.with_extension("speaker.wav");
        // No sound card here: a second of silence is the microphone.
        let silence = data.with_extension("silence.wav");
        write_silence(&silence);
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
        let c = open_app_at(port, Path::new("/usr/bin/tofu-desktop")).await;
        wait_for(&c, "[data-testid=first-run-start]", 60).await;
        click(&c, "[data-testid=first-run-start]").await;
        type_a_turn(&c, "What should I cook tonight?").await;
        c.close().await.unwrap();
    }
    let store = tofu::store::Store::open(&data).unwrap();
    let kept = store
        .search(
            &tofu::store::SearchQuery {
                text: "cook".into(),
                speaker: Some(tofu::store::Speaker::User),
                ..Default::default()
            },
            Default::default(),
        )
        .unwrap();
    assert_eq!(kept.len(), 1, "the typed turn is kept: {kept:?}");
    drop(store);

    // Removed: the programs go, the person's data stays as it was.
    let before = snapshot(&data);
    assert!(!before.is_empty());
    apt(&["remove", "-y", "tofu"]);
    for gone in ["/usr/bin/tofu", "/usr/bin/tofu-desktop", "/usr/lib/tofu"] {
        assert!(
            !Path::new(gone).exists(),
            "{gone} is still there after removal"
        );
    }
    assert_eq!(
        snapshot(&data),
        before,
        "removing the package changed the data folder"
    );
    let _ = std::fs::remove_dir_all(&data);
}
