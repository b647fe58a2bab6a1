//! Where replies come from. One trait; the embedded llama.cpp worker is the
//! default, `reflect` needs no model at all (the fallback).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::llm::{GenerateOptions, LlmWorker, Message, Stop};

/// A request: the chat so far and how to decode.
#[derive(Debug, Clone)]
pub struct Request {
    pub messages: Vec<Message>,
    pub opts: GenerateOptions,
    /// What the person just said (for backends that do not read `messages`).
    pub user_text: String,
}

/// How a generation went.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub stop: Option<Stop>,
    pub tokens: usize,
    pub prompt_tokens: usize,
    pub reused_tokens: usize,
}

pub trait Backend: Send {
    /// `llama.cpp`, `openai`, `reflect`.
    fn engine(&self) -> &'static str;
    /// The model's name, when there is one.
    fn model(&self) -> Option<String>;
    /// Gets ready (starts a worker, loads a model) before the first reply.
    fn warm_up(&mut self) -> Result<()> {
        Ok(())
    }
    fn generate(
        &mut self,
        req: &Request,
        cancel: Option<&AtomicBool>,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Outcome>;
    /// Reads the conversation so far ahead of the next turn (a backend
    /// that keeps no cache here does nothing).
    fn prefill(&mut self, _messages: &[Message]) -> Result<()> {
        Ok(())
    }
}

/// The embedded backend: a GGUF chat model in the `tofu-llm` worker. The
/// worker is started on first use and restarted if it died or hung.
pub struct Embedded {
    path: PathBuf,
    n_ctx: u32,
    worker: Option<LlmWorker>,
    /// The worker program (default: `tofu-llm` found by [`LlmWorker::worker_exe`]).
    pub worker_exe: Option<PathBuf>,
    /// How long starting the worker and loading the model may take.
    pub load_timeout: Duration,
}

impl Embedded {
    pub fn new(path: PathBuf, n_ctx: u32) -> Embedded {
        Embedded {
            path,
            n_ctx,
            worker: None,
            worker_exe: None,
            load_timeout: Duration::from_secs(60),
        }
    }

    /// Starts the worker now (instead of on the first reply). Returns the
    /// model's load time in ms.
    pub fn load(&mut self) -> Result<f64> {
        Ok(self.worker()?.info().load_ms)
    }

    fn worker(&mut self) -> Result<&mut LlmWorker> {
        if self.worker.as_mut().is_some_and(|w| !w.is_alive()) {
            self.worker = None;
        }
        if self.worker.is_none() {
            let exe = match &self.worker_exe {
                Some(e) => e.clone(),
                None => LlmWorker::worker_exe()?,
            };
            self.worker = Some(LlmWorker::start_exe(
                &exe,
                &self.path,
                self.n_ctx,
                self.load_timeout,
            )?);
        }
        Ok(self.worker.as_mut().expect("just started"))
    }

    pub fn n_ctx(&self) -> u32 {
        self.n_ctx
    }

    /// The worker's process id, once it runs.
    pub fn worker_pid(&self) -> Option<u32> {
        self.worker.as_ref().map(LlmWorker::pid)
    }
}

impl Backend for Embedded {
    fn engine(&self) -> &'static str {
        "llama.cpp"
    }

    fn model(&self) -> Option<String> {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
    }

    fn warm_up(&mut self) -> Result<()> {
        self.load().map(|_| ())
    }

    fn prefill(&mut self, messages: &[Message]) -> Result<()> {
        let worker = self.worker()?;
        let result = worker.prefill(messages);
        if result.is_err() && !worker.is_alive() {
            self.worker = None;
        }
        result.map(|_| ())
    }

    fn generate(
        &mut self,
        req: &Request,
        cancel: Option<&AtomicBool>,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Outcome> {
        let worker = self.worker()?;
        let result = worker.generate(&req.messages, &req.opts, cancel, |t| on_token(t));
        match result {
            Ok(s) => Ok(Outcome {
                stop: Some(s.stop),
                tokens: s.tokens,
                prompt_tokens: s.prompt_tokens,
                reused_tokens: s.reused_tokens,
            }),
            Err(e) => {
                // A worker that died or hung (and was stopped) is started
                // afresh next time; one that reported an error stays.
                if !worker.is_alive() {
                    self.worker = None;
                }
                Err(e)
            }
        }
    }
}

/// No language model: answers by reflecting the person's own words back
/// (as ELIZA did), so the companion still answers when no model is
/// available. The style model's remix (Tofu mode) replaces it.
#[derive(Debug, Default)]
pub struct Reflect;

impl Backend for Reflect {
    fn engine(&self) -> &'static str {
        "reflect"
    }

    fn model(&self) -> Option<String> {
        None
    }

    fn generate(
        &mut self,
        req: &Request,
        _cancel: Option<&AtomicBool>,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Outcome> {
        let text = reflect(&req.user_text);
        on_token(&text);
        Ok(Outcome {
            stop: Some(Stop::Eos),
            tokens: text.split_whitespace().count(),
            ..Outcome::default()
        })
    }
}

/// "I'm worried about my exam" → "You're worried about your exam? Tell me more."
pub fn reflect(text: &str) -> String {
    let swap = |w: &str| -> Option<&'static str> {
        Some(match w.to_lowercase().as_str() {
            "i" => "you",
            "me" => "you",
            "my" => "your",
            "mine" => "yours",
            "myself" => "yourself",
            "am" => "are",
            "i'm" | "im" => "you're",
            "i've" => "you've",
            "i'll" => "you'll",
            "i'd" => "you'd",
            "was" => "were",
            "you" => "I",
            "your" => "my",
            "yours" => "mine",
            "you're" => "I'm",
            _ => return None,
        })
    };
    let first = text
        .split(['.', '!', '?'])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("");
    if first.is_empty() {
        return "I'm listening.".into();
    }
    let words: Vec<String> = first
        .split_whitespace()
        .map(|w| {
            let core = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
            match swap(core) {
                Some(s) => w.replace(core, s),
                None => w.to_string(),
            }
        })
        .collect();
    let mut echo = words.join(" ");
    if let Some(c) = echo.chars().next() {
        echo = c.to_uppercase().collect::<String>() + &echo[c.len_utf8()..];
    }
    if text.trim_end().ends_with('?') {
        format!("{echo}? What do you think?")
    } else {
        format!("{echo}. Tell me more.")
    }
}

/// Which backend the person chose (setting `reply.backend`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BackendKind {
    /// The GGUF model in the models folder (default SmolLM2-135M).
    #[default]
    Embedded,
    /// An OpenAI-compatible server (`endpoint`, `remote_model`).
    Openai,
    /// No model: reflect the person's words.
    Reflect,
    /// No model: Tofu mode, the person's own phrases remixed.
    Remix,
}

impl std::str::FromStr for BackendKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "embedded" | "llama.cpp" | "local" => Ok(BackendKind::Embedded),
            "reflect" | "none" => Ok(BackendKind::Reflect),
            "openai" | "server" => Ok(BackendKind::Openai),
            "remix" | "tofu" => Ok(BackendKind::Remix),
            other => Err(Error::Invalid(format!(
                "unknown backend `{other}` (embedded, openai, remix or reflect)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reflection_swaps_persons() {
        assert_eq!(
            super::reflect("I'm worried about my exam."),
            "You're worried about your exam. Tell me more."
        );
        assert_eq!(
            super::reflect("do you remember me?"),
            "Do I remember you? What do you think?"
        );
        assert_eq!(super::reflect("  "), "I'm listening.");
    }
}

/// The reply settings (setting `reply`): which backend, and for the embedded
/// one, which GGUF file and context size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReplySettings {
    pub backend: BackendKind,
    /// A GGUF chat model to use instead of the provisioned default.
    pub model: Option<PathBuf>,
    pub n_ctx: u32,
    /// For `openai`: the server's base URL (default: Ollama on this machine).
    pub endpoint: String,
    /// For `openai`: the model name the server knows.
    pub remote_model: String,
}

impl Default for ReplySettings {
    fn default() -> Self {
        ReplySettings {
            backend: BackendKind::Embedded,
            model: None,
            n_ctx: 2048,
            endpoint: super::openai::DEFAULT_ENDPOINT.into(),
            remote_model: "llama3.2".into(),
        }
    }
}

pub const SETTINGS_KEY: &str = "reply";

impl ReplySettings {
    /// Checks what the person set (the app sends whole settings).
    pub fn validate(&self) -> Result<()> {
        if !(256..=131_072).contains(&self.n_ctx) {
            return Err(Error::Invalid(format!(
                "n_ctx {}: a number from 256 to 131072",
                self.n_ctx
            )));
        }
        if self.backend == BackendKind::Openai {
            let e = self.endpoint.trim();
            if !(e.starts_with("http://") || e.starts_with("https://")) || e.len() > 2000 {
                return Err(Error::Invalid(format!(
                    "endpoint `{}`: an http:// or https:// address",
                    super::openai::shown_endpoint(e)
                )));
            }
            if self.remote_model.trim().is_empty() {
                return Err(Error::Invalid(
                    "name the model the server should use".into(),
                ));
            }
        }
        if self.remote_model.chars().count() > 200 {
            return Err(Error::Invalid(
                "the server's model name is limited to 200 characters".into(),
            ));
        }
        if let Some(m) = &self.model {
            if m.as_os_str().len() > 4096 {
                return Err(Error::Invalid("that model path is too long".into()));
            }
            if !m.is_file() {
                return Err(Error::Invalid(format!("no model file at {}", m.display())));
            }
        }
        Ok(())
    }

    /// The backend these settings describe. A missing or damaged model is an
    /// error here (with how to fetch it), not a silent fallback.
    /// `style` is the profile Tofu mode remixes (needed for `remix` only).
    pub fn backend(
        &self,
        data_dir: &std::path::Path,
        models: &tofu_models::ModelStore,
        style: Option<crate::style::StyleModel>,
    ) -> Result<Box<dyn Backend>> {
        Ok(match self.backend {
            BackendKind::Reflect => Box::new(Reflect),
            BackendKind::Remix => match style {
                Some(model) => Box::new(crate::style::Remix { model }),
                None => Box::new(Reflect),
            },
            BackendKind::Openai => {
                use super::secrets::{self, KeyPlace};
                let mut b = super::openai::OpenAi::new(&self.endpoint, &self.remote_model);
                match secrets::api_key(data_dir) {
                    Some((key, KeyPlace::Env)) => b = b.with_api_key(&key),
                    Some((key, place)) => {
                        // Bound to its server. One this folder's file kept
                        // before binding existed is bound to the first it is
                        // used with; a keyring key (shared by every data
                        // folder) unbound here goes nowhere.
                        let bound = secrets::key_origin(data_dir).or_else(|| {
                            if !matches!(place, KeyPlace::File(_)) {
                                return None;
                            }
                            let here = super::openai::origin(&self.endpoint)?;
                            secrets::bind_key(data_dir, &here).ok()?;
                            Some(here)
                        });
                        b = b.with_api_key_for(
                            &key,
                            bound.as_deref().unwrap_or(
                                "another data folder (`tofu llm key set` keeps one for this one)",
                            ),
                        );
                    }
                    None => {}
                }
                Box::new(b)
            }
            BackendKind::Embedded => {
                let path = match &self.model {
                    Some(p) => p.clone(),
                    None => models.require_main(crate::llm::DEFAULT_MODEL)?,
                };
                Box::new(Embedded::new(path, self.n_ctx))
            }
        })
    }
}
