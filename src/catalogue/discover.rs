//! Models already on the machine: GGUF files in the places other apps keep
//! them, and OpenAI-compatible servers on their usual local ports. Only
//! found and offered: nothing here is used until the person says yes
//! (`tofu models use`, or "Use" in Settings).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

/// A GGUF file found in a usual place.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FoundFile {
    pub path: PathBuf,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Whose folder it is in ("Hugging Face cache", "LM Studio", ...).
    pub place: String,
}

/// A model server answering on this machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FoundServer {
    /// What usually listens on that port ("Ollama", ...).
    pub name: String,
    /// Its OpenAI-compatible base URL (what `reply.endpoint` takes).
    pub endpoint: String,
    /// The models it lists.
    pub models: Vec<String>,
}

/// Everything found.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Found {
    pub files: Vec<FoundFile>,
    pub servers: Vec<FoundServer>,
}

/// Looks in this user's usual folders and on the usual ports (plus
/// `more_ports`), servers within `timeout`.
pub fn look(more_ports: &[u16], timeout: Duration) -> Found {
    let mut usual = USUAL_SERVERS.to_vec();
    usual.extend(more_ports.iter().map(|&p| ("a model server", p)));
    Found {
        files: files(),
        servers: servers(&usual, timeout),
    }
}

/// The GGUF files in the usual folders of this user (no server is asked).
pub fn files() -> Vec<FoundFile> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_default();
    let env = |k: &str| std::env::var(k).ok();
    gguf_files(&places(&home, &env))
}

/// The servers looked for: what usually listens where.
pub const USUAL_SERVERS: [(&str, u16); 3] = [
    ("Ollama", 11434),
    ("llama-server", 8080),
    ("LM Studio", 1234),
];

/// The folders where other apps keep GGUF models, for a home folder and
/// the environment (`HF_HOME`, `HF_HUB_CACHE`, `LLAMA_CACHE`, `XDG_CACHE_HOME`).
pub fn places(home: &Path, env: &dyn Fn(&str) -> Option<String>) -> Vec<(String, PathBuf)> {
    let cache = env("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cache"));
    let hub = env("HF_HUB_CACHE")
        .map(PathBuf::from)
        .or_else(|| env("HF_HOME").map(|h| Path::new(&h).join("hub")))
        .unwrap_or_else(|| cache.join("huggingface").join("hub"));
    let llama = env("LLAMA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache.join("llama.cpp"));
    let mut v = vec![
        ("Hugging Face cache".to_string(), hub),
        (
            "LM Studio".to_string(),
            home.join(".lmstudio").join("models"),
        ),
        (
            "LM Studio".to_string(),
            cache.join("lm-studio").join("models"),
        ),
        ("llama.cpp cache".to_string(), llama),
        (
            "GPT4All".to_string(),
            home.join(".local/share/nomic.ai/GPT4All"),
        ),
    ];
    if cfg!(target_os = "macos") {
        v.push((
            "GPT4All".to_string(),
            home.join("Library/Application Support/nomic.ai/GPT4All"),
        ));
    }
    // Without a home folder the home-based places would be relative to
    // wherever the app was started: none of them.
    v.retain(|(_, p)| p.is_absolute());
    v
}

/// Folders deeper than this are not searched (Hugging Face's layout is
/// `models--org--name/snapshots/<rev>/<file>`: four levels).
const MAX_DEPTH: usize = 6;
/// At most this many directory entries are read per place, so a huge or
/// looping tree costs a bounded time.
const MAX_ENTRIES: usize = 20_000;
/// Smaller files are not models (a 135M model at 4 bits is ~90 MB).
const MIN_SIZE: u64 = 16 << 20;

/// GGUF chat models in `places`: vision projectors (`mmproj`) and the
/// later parts of split files are left out, each file is listed once.
pub fn gguf_files(places: &[(String, PathBuf)]) -> Vec<FoundFile> {
    let mut found: Vec<FoundFile> = Vec::new();
    for (place, dir) in places {
        let mut budget = MAX_ENTRIES;
        walk(dir, 0, &mut budget, &mut |path, size| {
            let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            if !found
                .iter()
                .any(|f| std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()) == real)
            {
                found.push(FoundFile {
                    path: path.to_path_buf(),
                    size,
                    place: place.clone(),
                });
            }
        });
    }
    found
}

fn is_chat_gguf(name: &str) -> bool {
    let lower = name.to_lowercase();
    if !lower.ends_with(".gguf") || lower.contains("mmproj") {
        return false;
    }
    // "model-00002-of-00003.gguf": llama.cpp loads a split model from its first part.
    match lower.rfind("-of-") {
        // By `get`: a name with non-ASCII letters has no char boundary there.
        Some(i) if i >= 6 && lower.get(i - 6..i).is_some_and(|p| p.starts_with('-')) => {
            lower.get(i - 5..i) == Some("00001")
        }
        _ => true,
    }
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, found: &mut dyn FnMut(&Path, u64)) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let Ok(kind) = e.file_type() else { continue };
        let path = e.path();
        if kind.is_dir() {
            // Symlinked folders are not followed (no loops).
            walk(&path, depth + 1, budget, found);
        } else if is_chat_gguf(&e.file_name().to_string_lossy()) {
            // Files may be symlinks (Hugging Face's snapshots point at blobs).
            if let Ok(meta) = std::fs::metadata(&path) {
                if meta.is_file() && meta.len() >= MIN_SIZE {
                    found(&path, meta.len());
                }
            }
        }
    }
}

/// Asks each `(name, port)` on 127.0.0.1 for its models (`GET /v1/models`),
/// all at once, each within `timeout`. Ports where nothing answers, or
/// something that is not an OpenAI-compatible server, are left out.
pub fn servers(usual: &[(&str, u16)], timeout: Duration) -> Vec<FoundServer> {
    let probes: Vec<_> = usual
        .iter()
        .map(|&(name, port)| {
            let name = name.to_string();
            std::thread::spawn(move || probe(&name, port, timeout))
        })
        .collect();
    probes
        .into_iter()
        .filter_map(|p| p.join().ok().flatten())
        .collect()
}

fn probe(name: &str, port: u16, timeout: Duration) -> Option<FoundServer> {
    let endpoint = format!("http://127.0.0.1:{port}/v1");
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        // A probe of this machine's own ports never goes through HTTP_PROXY.
        .proxy(None)
        .build()
        .new_agent();
    let mut resp = agent.get(&format!("{endpoint}/models")).call().ok()?;
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    let models = v["data"]
        .as_array()?
        .iter()
        .filter_map(|m| m["id"].as_str().map(str::to_string))
        .take(200)
        .collect();
    Some(FoundServer {
        name: name.to_string(),
        endpoint,
        models,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gguf_names() {
        assert!(is_chat_gguf("Qwen2.5-1.5B-Instruct-Q4_K_M.gguf"));
        assert!(is_chat_gguf("model-00001-of-00003.gguf"));
        assert!(!is_chat_gguf("model-00002-of-00003.gguf"));
        assert!(!is_chat_gguf("mmproj-model-f16.gguf"));
        assert!(!is_chat_gguf("ggml-base.bin"));
        assert!(is_chat_gguf("modèle-é-of-ü.gguf"));
        assert!(is_chat_gguf("ééééé-of-x.gguf"));
    }

    #[test]
    fn places_follow_the_environment() {
        let home = Path::new("/home/p");
        let none = |_: &str| None;
        let p = places(home, &none);
        assert_eq!(p[0].1, Path::new("/home/p/.cache/huggingface/hub"));
        let env = |k: &str| (k == "HF_HOME").then(|| "/data/hf".to_string());
        assert_eq!(places(home, &env)[0].1, Path::new("/data/hf/hub"));
    }
}
