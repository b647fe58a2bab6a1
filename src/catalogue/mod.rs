//! Which models a person can choose, and which are used: the catalogue
//! (`[model.choice]` entries of models/manifest.toml), what this machine
//! suits ([`machine`]), what is already on it ([`discover`]), and the two
//! settings that say what is used, `speech_model` and `chat_model`.
//!
//! A choice is a catalogue name (`qwen2.5-1.5b-instruct`) or a model file
//! (an imported whisper model, a GGUF found on the machine). Nothing is
//! ever chosen for the person: the default stays until they say otherwise.

pub mod discover;
pub mod machine;

use std::path::{Path, PathBuf};

use serde::Serialize;
use tofu_models::manifest::Choice;
use tofu_models::ModelStore;

use crate::error::{Error, Result};
use crate::store::Store;
pub use machine::Machine;

/// What a model is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    Speech,
    Chat,
}

impl Role {
    /// The setting that holds the choice.
    pub fn key(self) -> &'static str {
        match self {
            Role::Speech => "speech_model",
            Role::Chat => "chat_model",
        }
    }

    /// The manifest's `kind` of these models.
    pub fn kind(self) -> &'static str {
        match self {
            Role::Speech => "speech-to-text",
            Role::Chat => "chat",
        }
    }

    pub fn default_model(self) -> &'static str {
        match self {
            Role::Speech => crate::stt::DEFAULT_MODEL,
            Role::Chat => crate::llm::DEFAULT_MODEL,
        }
    }

    /// What a model file of this role is called.
    fn file_ok(self, path: &Path) -> bool {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match self {
            Role::Speech => ext == "bin",
            Role::Chat => ext == "gguf",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Role> {
        match s {
            "speech" | "speech_model" | "stt" => Ok(Role::Speech),
            "chat" | "chat_model" | "llm" => Ok(Role::Chat),
            other => Err(Error::Invalid(format!("`{other}`: speech or chat"))),
        }
    }
}

/// One model a person can choose, with what it suits.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Entry {
    pub role: Role,
    /// The catalogue name, or the file's path for a model file.
    pub name: String,
    pub description: String,
    pub license: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// `installed`, `missing`, `corrupt` (catalogue) or `file` (a model file).
    pub status: String,
    /// The catalogue's facts (none for a model file).
    pub choice: Option<Choice>,
    /// This machine has the cores and memory it asks for.
    pub suits_this_machine: bool,
    /// The one in use now.
    pub chosen: bool,
}

/// The catalogue as this machine sees it: every entry of both roles
/// (imported whisper models included), which suits it, which is chosen
/// (`store`: the person's settings; `None`: nothing chosen yet).
pub fn entries(
    store: Option<&Store>,
    models: &ModelStore,
    machine: &Machine,
) -> Result<Vec<Entry>> {
    let summaries = models.summaries()?;
    let mut out = Vec::new();
    for role in [Role::Speech, Role::Chat] {
        let mut chosen = match store {
            Some(s) => chosen(s, role)?,
            None => None,
        }
        .unwrap_or_else(|| role.default_model().to_string());
        if let (Role::Chat, Some(s)) = (role, store) {
            // What answers is what is in use: a server or Tofu mode means
            // no chat model here is; a GGUF in the reply settings comes first.
            use crate::mind::backend::{BackendKind, ReplySettings, SETTINGS_KEY};
            let reply: ReplySettings = s.setting(SETTINGS_KEY)?.unwrap_or_default();
            if reply.backend != BackendKind::Embedded {
                chosen = String::new();
            } else if let Some(p) = reply.model {
                chosen = p.display().to_string();
            }
        }
        for spec in models.manifest().choices(role.kind()) {
            let status = summaries
                .iter()
                .find(|s| s.name == spec.name)
                .map_or_else(|| "missing".to_string(), |s| s.status.clone());
            out.push(Entry {
                role,
                name: spec.name.clone(),
                description: spec.description.clone(),
                license: spec.license.clone(),
                size: spec.total_size(),
                status,
                choice: spec.choice.clone(),
                suits_this_machine: spec.choice.as_ref().is_some_and(|c| machine.suits(c)),
                chosen: spec.name == chosen,
            });
        }
        if role == Role::Speech {
            for path in imported_speech_models(models) {
                let name = path.display().to_string();
                out.push(Entry {
                    role,
                    description: "imported faster-whisper model".into(),
                    license: "as its publisher says".into(),
                    size: std::fs::metadata(&path).map_or(0, |m| m.len()),
                    status: "file".into(),
                    choice: None,
                    suits_this_machine: true,
                    chosen: name == chosen,
                    name,
                });
            }
        }
        if !chosen.is_empty()
            && !out.iter().any(|e| e.role == role && e.chosen)
            && Path::new(&chosen).is_absolute()
        {
            out.push(Entry {
                role,
                name: chosen.clone(),
                description: "a model file you chose".into(),
                license: "as its publisher says".into(),
                size: std::fs::metadata(&chosen).map_or(0, |m| m.len()),
                status: "file".into(),
                choice: None,
                suits_this_machine: true,
                chosen: true,
            });
        }
    }
    Ok(out)
}

/// What Settings and the first run show: the machine, every entry, and
/// the names of the entries worth offering it (see [`offer`]).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Catalogue {
    pub machine: Machine,
    pub entries: Vec<Entry>,
    pub offers: Vec<String>,
}

/// The catalogue for the person of `store`, on this machine.
pub fn view(store: Option<&Store>, models: &ModelStore) -> Result<Catalogue> {
    let machine = Machine::this();
    let entries = entries(store, models, &machine)?;
    let offers = [Role::Speech, Role::Chat]
        .into_iter()
        .filter_map(|r| offer(&entries, r))
        .filter(|e| !e.chosen)
        .map(|e| e.name.clone())
        .collect();
    Ok(Catalogue {
        machine,
        entries,
        offers,
    })
}

/// The catalogue entry of `role` to offer this machine: the largest one it
/// suits, when that is not the default. Only offered, never switched to.
pub fn offer(entries: &[Entry], role: Role) -> Option<&Entry> {
    entries
        .iter()
        .filter(|e| e.role == role && e.suits_this_machine)
        .filter(|e| e.choice.as_ref().is_some_and(|c| !c.default && c.instruct))
        .max_by_key(|e| e.size)
}

/// `<models>/imported/*.bin`: what `tofu models import-whisper` wrote.
pub fn imported_speech_models(models: &ModelStore) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(models.dir().join("imported")) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && Role::Speech.file_ok(p))
        .collect();
    v.sort();
    v
}

/// The person's choice for `role`, as stored (`None`: the default).
pub fn chosen(store: &Store, role: Role) -> Result<Option<String>> {
    store.setting::<String>(role.key())
}

/// The file a choice stands for: a catalogue model, installed and verified
/// (else an error saying how to fetch it), or an existing model file.
pub fn resolve(models: &ModelStore, role: Role, choice: &str) -> Result<PathBuf> {
    let choice = choice.trim();
    if let Ok(spec) = models.manifest().get(choice) {
        if spec.kind != role.kind() || spec.choice.is_none() {
            return Err(Error::Invalid(format!(
                "`{choice}` is not a {} model (see `tofu models catalogue`)",
                role.kind()
            )));
        }
        return Ok(models.require_main(choice)?);
    }
    let path = Path::new(choice);
    if !path.is_absolute() {
        return Err(Error::Invalid(format!(
            "`{choice}`: a model of the catalogue (`tofu models catalogue`) or a file's full path"
        )));
    }
    if !role.file_ok(path) {
        return Err(Error::Invalid(format!(
            "{}: a {} model is a {} file",
            path.display(),
            role.kind(),
            if role == Role::Chat {
                ".gguf"
            } else {
                "ggml .bin"
            }
        )));
    }
    if !path.is_file() {
        return Err(Error::Invalid(format!(
            "no model file at {}",
            path.display()
        )));
    }
    Ok(path.to_path_buf())
}

/// The model file used for `role`: the person's choice, else the default.
pub fn path(store: &Store, models: &ModelStore, role: Role) -> Result<PathBuf> {
    match chosen(store, role)? {
        Some(c) => resolve(models, role, &c),
        None => Ok(models.require_main(role.default_model())?),
    }
}

/// The speech model for `paths`: the person's choice when they have a
/// database (nothing is created to find out), else the default.
pub fn speech_model_path(paths: &crate::Paths) -> Result<PathBuf> {
    let models = paths.model_store();
    if paths.data_dir.join(crate::store::DB_FILE).is_file() {
        path(&Store::open(&paths.data_dir)?, &models, Role::Speech)
    } else {
        Ok(models.require_main(Role::Speech.default_model())?)
    }
}

/// Takes a one-off `chat_model=X` out of `KEY=VALUE` overrides (the
/// others are the persona's) and applies it to `settings`: the embedded
/// backend with that model. `speech_model=` has no meaning for a typed
/// turn and is refused.
pub fn take_model_override(
    overrides: &[String],
    models: &ModelStore,
    settings: &mut crate::mind::backend::ReplySettings,
) -> Result<Vec<String>> {
    let mut rest = Vec::new();
    for o in overrides {
        match o.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("chat_model", v)) => {
                settings.backend = crate::mind::BackendKind::Embedded;
                settings.model = match v {
                    "" | "default" => Some(models.require_main(Role::Chat.default_model())?),
                    v => Some(resolve(models, Role::Chat, v)?),
                };
            }
            Some(("speech_model", _)) => {
                return Err(Error::Invalid(
                    "speech_model: typed turns use no speech model (tofu models use speech NAME)"
                        .into(),
                ))
            }
            _ => rest.push(o.clone()),
        }
    }
    Ok(rest)
}

/// Records the person's choice (`None` or "default": back to the default).
/// The choice must resolve now: a catalogue model is fetched first. A chat
/// choice also switches replies back to the embedded model.
pub fn choose(
    store: &mut Store,
    models: &ModelStore,
    role: Role,
    choice: Option<&str>,
) -> Result<()> {
    match choice
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "default")
    {
        None => store.delete_setting(role.key())?,
        Some(c) => {
            resolve(models, role, c)?;
            store.set_setting(role.key(), &c.to_string())?;
        }
    }
    if role == Role::Chat {
        // Choosing a chat model is choosing to answer with it: replies come
        // from the embedded model again (not a server, not Tofu mode), and
        // a GGUF named in the reply settings gives way to the choice.
        use crate::mind::backend::{BackendKind, ReplySettings, SETTINGS_KEY};
        let mut reply: ReplySettings = store.setting(SETTINGS_KEY)?.unwrap_or_default();
        if reply.backend != BackendKind::Embedded || reply.model.is_some() {
            reply.backend = BackendKind::Embedded;
            reply.model = None;
            store.set_setting(SETTINGS_KEY, &reply)?;
        }
    }
    Ok(())
}
