//! The language model, run by the `tofu-llm` worker process (llama.cpp).
//!
//! llama.cpp and whisper.cpp each link their own ggml and cannot share one
//! binary, and a native crash in a model should not take the app down; so the
//! engine starts `tofu-llm` and talks JSON lines over its stdin/stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, Result};

/// The manifest name of the default chat model.
pub const DEFAULT_MODEL: &str = "smollm2-135m";
const WORKER: &str = "tofu-llm";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: &str) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub max_tokens: usize,
    /// 0 = greedy (deterministic).
    pub temperature: f32,
    pub seed: u32,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            max_tokens: 96,
            temperature: 0.0,
            seed: 0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LoadInfo {
    pub n_vocab: i64,
    pub n_ctx: u64,
    pub n_ctx_train: u64,
    pub chat_template: bool,
    pub load_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GenerateStats {
    pub prompt_tokens: usize,
    pub tokens: usize,
    pub prompt_ms: f64,
    pub generate_ms: f64,
}

#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum Event {
    Loaded(LoadInfo),
    Token { text: String },
    Done(GenerateStats),
    Error { message: String },
}

/// A running worker with one model loaded.
pub struct LlmWorker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    info: LoadInfo,
}

impl LlmWorker {
    /// Where the worker binary is: `TOFU_LLM_WORKER`, else beside the running
    /// executable (or one folder up, for test binaries in `target/*/deps`).
    pub fn worker_exe() -> Result<PathBuf> {
        if let Some(p) = std::env::var_os("TOFU_LLM_WORKER").filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        let exe = std::env::current_exe()
            .map_err(|e| Error::Llm(format!("cannot locate the running program: {e}")))?;
        let name = format!("{WORKER}{}", std::env::consts::EXE_SUFFIX);
        exe.ancestors()
            .skip(1)
            .take(2)
            .map(|dir| dir.join(&name))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Error::Llm(format!(
                    "the language-model worker `{name}` is not installed beside {} (build it with `cargo build -p tofu-llm`, or set TOFU_LLM_WORKER)",
                    exe.display()
                ))
            })
    }

    /// Starts a worker and loads `model` (a GGUF file) into it.
    pub fn start(model: &Path, n_ctx: u32) -> Result<LlmWorker> {
        let exe = Self::worker_exe()?;
        let threads = std::thread::available_parallelism()
            .map(|n| n.get().min(4))
            .unwrap_or(2);
        let mut child = Command::new(&exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::Llm(format!("cannot start {}: {e}", exe.display())))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut worker = LlmWorker {
            child,
            stdin,
            stdout,
            info: LoadInfo {
                n_vocab: 0,
                n_ctx: 0,
                n_ctx_train: 0,
                chat_template: false,
                load_ms: 0.0,
            },
        };
        worker.send(&json!({"op": "load", "model": model, "n_ctx": n_ctx, "threads": threads}))?;
        match worker.next_event()? {
            Event::Loaded(info) => worker.info = info,
            Event::Error { message } => {
                return Err(Error::Llm(format!(
                    "cannot load {}: {message}",
                    model.display()
                )))
            }
            _ => {
                return Err(Error::Llm(
                    "the worker answered load with something else".into(),
                ))
            }
        }
        Ok(worker)
    }

    pub fn info(&self) -> &LoadInfo {
        &self.info
    }

    /// Generates a reply to `messages`, calling `on_token` with each piece of text as it comes.
    pub fn generate(
        &mut self,
        messages: &[Message],
        opts: &GenerateOptions,
        mut on_token: impl FnMut(&str),
    ) -> Result<GenerateStats> {
        self.send(&json!({
            "op": "generate",
            "messages": messages,
            "max_tokens": opts.max_tokens,
            "temperature": opts.temperature,
            "seed": opts.seed,
        }))?;
        loop {
            match self.next_event()? {
                Event::Token { text } => on_token(&text),
                Event::Done(stats) => return Ok(stats),
                Event::Error { message } => return Err(Error::Llm(message)),
                Event::Loaded(_) => {
                    return Err(Error::Llm("unexpected 'loaded' during generation".into()))
                }
            }
        }
    }

    fn send(&mut self, req: &serde_json::Value) -> Result<()> {
        writeln!(self.stdin, "{req}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| Error::Llm(format!("the worker is not listening: {e}")))
    }

    fn next_event(&mut self) -> Result<Event> {
        let mut line = String::new();
        let n = self
            .stdout
            .read_line(&mut line)
            .map_err(|e| Error::Llm(format!("reading from the worker: {e}")))?;
        if n == 0 {
            let status = self.child.try_wait().ok().flatten();
            return Err(Error::Llm(format!(
                "the worker stopped{}",
                status.map(|s| format!(" ({s})")).unwrap_or_default()
            )));
        }
        serde_json::from_str(&line)
            .map_err(|e| Error::Llm(format!("unreadable worker message {line:?}: {e}")))
    }
}

impl Drop for LlmWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
