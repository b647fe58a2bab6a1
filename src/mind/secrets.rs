//! Where the model server's API key is kept: never in the settings.
//!
//! Looked up in this order: `TOFU_LLM_API_KEY`, the OS keyring (Secret
//! Service, Keychain, Credential Manager), then `<data>/secrets/llm-api-key`
//! (mode 0600), which is used only where no keyring answers (a headless
//! machine without a Secret Service). `forget everything` removes the file;
//! the keyring entry is removed by `tofu llm key clear`.
//!
//! A kept key is bound to the server it was set for: its origin
//! (`https://host:port`, see [`super::openai::origin`]) is kept beside it in
//! `<data>/secrets/llm-api-key.origin`, and the key goes to no other server,
//! even if the endpoint setting changes (a tricked page could change it).
//! A key kept in this data folder's file before origins were kept is
//! bound to the first server it is used with; one in the keyring (shared
//! by every data folder) without an origin here is not sent at all. A key in `TOFU_LLM_API_KEY` is the person's for this run and
//! goes wherever the endpoint says.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};

pub const KEY_ENV: &str = "TOFU_LLM_API_KEY";
const SERVICE: &str = "tofu";
const ACCOUNT: &str = "llm-api-key";
/// Set to `off` to skip the keyring (tests; machines where it misbehaves).
pub const KEYRING_ENV: &str = "TOFU_KEYRING";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPlace {
    Env,
    Keyring,
    File(PathBuf),
}

impl std::fmt::Display for KeyPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyPlace::Env => write!(f, "environment ({KEY_ENV})"),
            KeyPlace::Keyring => write!(f, "OS keyring"),
            KeyPlace::File(p) => write!(f, "file {} (only you can read it)", p.display()),
        }
    }
}

pub fn key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("secrets").join(ACCOUNT)
}

fn origin_file(data_dir: &Path) -> PathBuf {
    data_dir.join("secrets").join(format!("{ACCOUNT}.origin"))
}

/// The server the kept key is bound to, if it is bound.
pub fn key_origin(data_dir: &Path) -> Option<String> {
    let o = std::fs::read_to_string(origin_file(data_dir)).ok()?;
    let o = o.trim().to_string();
    (!o.is_empty()).then_some(o)
}

/// Binds the kept key to `origin` (from [`super::openai::origin`]).
pub fn bind_key(data_dir: &Path, origin: &str) -> Result<()> {
    write_private(&origin_file(data_dir), origin)
}

/// A keyring call on its own thread with a deadline: a Secret Service that
/// never answers must not freeze a reply.
fn with_keyring<T: Send + 'static>(
    op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
) -> Option<keyring::Result<T>> {
    if std::env::var(KEYRING_ENV).is_ok_and(|v| v == "off") {
        return None;
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = keyring::Entry::new(SERVICE, ACCOUNT).and_then(|e| op(&e));
        let _ = tx.send(r);
    });
    rx.recv_timeout(Duration::from_secs(3)).ok()
}

/// The key and where it came from, if there is one.
pub fn api_key(data_dir: &Path) -> Option<(String, KeyPlace)> {
    if let Some(k) = std::env::var(KEY_ENV).ok().filter(|k| !k.is_empty()) {
        return Some((k, KeyPlace::Env));
    }
    if let Some(Ok(k)) = with_keyring(|e| e.get_password()) {
        return Some((k, KeyPlace::Keyring));
    }
    let file = key_file(data_dir);
    let k = std::fs::read_to_string(&file).ok()?;
    let k = k.trim().to_string();
    (!k.is_empty()).then_some((k, KeyPlace::File(file)))
}

/// Keeps `key` in the keyring, or in the key file where there is none,
/// bound to the server at `endpoint`.
pub fn set_api_key(data_dir: &Path, key: &str, endpoint: &str) -> Result<KeyPlace> {
    let key = key.trim().to_string();
    if key.is_empty() || key.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "an API key is one line of printable text".into(),
        ));
    }
    let origin = super::openai::origin(endpoint).ok_or_else(|| {
        Error::Invalid(format!(
            "the endpoint `{}` is no server address to keep a key for: set it first \
             (`tofu llm set endpoint=https://...`)",
            super::openai::shown_endpoint(endpoint)
        ))
    })?;
    let k = key.clone();
    let place = match with_keyring(move |e| e.set_password(&k)) {
        Some(Ok(())) => {
            // A key left in the file from before would be a stale copy.
            let _ = std::fs::remove_file(key_file(data_dir));
            KeyPlace::Keyring
        }
        failed => {
            if let Some(Err(e)) = failed {
                tracing::info!(error = %e, "no OS keyring; keeping the key in a file");
            }
            // An older key left in the keyring would be read first, and
            // bound to this server: it goes.
            let _ = with_keyring(|e| e.delete_credential());
            let file = key_file(data_dir);
            write_private(&file, &key)?;
            KeyPlace::File(file)
        }
    };
    // Bound once the key is kept: never an old key to a new server.
    bind_key(data_dir, &origin)?;
    Ok(place)
}

/// Removes the key from the keyring and the key file.
pub fn clear_api_key(data_dir: &Path) -> Result<()> {
    let _ = with_keyring(|e| e.delete_credential());
    let _ = std::fs::remove_file(origin_file(data_dir));
    let file = key_file(data_dir);
    match std::fs::remove_file(&file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io {
            path: file,
            source: e,
        }),
    }
}

fn write_private(file: &Path, text: &str) -> Result<()> {
    let io = |e| Error::Io {
        path: file.to_path_buf(),
        source: e,
    };
    let dir = file.parent().expect("the key file is in a folder");
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = file.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let mut f = opts.open(&tmp).map_err(io)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    tofu_models::durable::rename_durably(&tmp, file).map_err(io)
}
