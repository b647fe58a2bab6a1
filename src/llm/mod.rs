//! The language model, run by the `tofu-llm` worker process (llama.cpp).
//!
//! llama.cpp and whisper.cpp each link their own ggml and cannot share one
//! binary, and a native crash in a model should not take the app down; so the
//! engine starts `tofu-llm` and talks JSON lines over its stdin/stdout.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, Result};
use crate::lines::LineError;

/// The manifest name of the default chat model.
pub const DEFAULT_MODEL: &str = "smollm2-135m";
const WORKER: &str = "tofu-llm";

/// The longest line the worker may send: a message holds one event (a
/// token, a sentence, a whole reply at most), far below this.
const MAX_LINE: usize = 1 << 20;

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

/// Nudges a token's chance: `text` biases that text when it is a single
/// token (e.g. `" honestly"`; longer texts are skipped, since biasing their
/// first piece pulls every word that starts with it), `contains` every token
/// whose text contains it (e.g. `"?"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bias {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    pub bias: f32,
}

/// Leaning each word toward a person's own language model (shallow fusion
/// in the worker; see `workers/llm/src/fusion.rs`).
#[derive(Clone)]
pub struct Fusion {
    /// The person's sentences, which the worker learns its model from.
    pub sentences: std::sync::Arc<Vec<String>>,
    /// A running hash after each sentence: the last names them all, and
    /// an earlier one tells whether the worker has a beginning of them
    /// (then only the rest is sent).
    pub hashes: std::sync::Arc<Vec<u64>>,
    /// 0 (the chat model alone) ..= 1 (the person's model alone).
    pub weight: f32,
    /// Words never pushed down (what is being talked about).
    pub keep: Vec<String>,
}

impl std::fmt::Debug for Fusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fusion")
            .field("sentences", &self.sentences.len())
            .field("id", &self.hashes.last())
            .field("weight", &self.weight)
            .field("keep", &self.keep)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub max_tokens: usize,
    /// Stop once this many sentences are complete (0 = no limit).
    pub max_sentences: usize,
    /// 0 = greedy (deterministic).
    pub temperature: f32,
    pub top_p: f32,
    pub seed: u32,
    pub biases: Vec<Bias>,
    pub fusion: Option<Fusion>,
    /// Words never written, exactly as given (case counts), however the
    /// tokens cut them.
    pub avoid: Vec<String>,
    /// Give up (and stop the worker) when no token comes for this long.
    pub timeout: Duration,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            max_tokens: 96,
            max_sentences: 0,
            temperature: 0.0,
            top_p: 0.95,
            seed: 0,
            biases: Vec::new(),
            fusion: None,
            avoid: Vec::new(),
            timeout: Duration::from_secs(20),
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

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stop {
    /// The model ended its reply.
    Eos,
    /// `max_tokens` reached.
    Length,
    /// `max_sentences` reached.
    Sentences,
    /// Cancelled by the caller.
    Cancelled,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GenerateStats {
    pub prompt_tokens: usize,
    /// Prompt tokens whose evaluation was kept from the previous request.
    #[serde(default)]
    pub reused_tokens: usize,
    pub tokens: usize,
    pub prompt_ms: f64,
    /// From the request to the first token, in the worker.
    #[serde(default)]
    pub first_token_ms: Option<f64>,
    pub generate_ms: f64,
    pub stop: Stop,
}

#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum Event {
    Loaded(LoadInfo),
    Style {
        id: String,
        #[serde(default)]
        words: usize,
        #[serde(default)]
        ms: f64,
    },
    Token {
        text: String,
    },
    Score {
        tokens: usize,
        logprob: f64,
    },
    Done(GenerateStats),
    Prefilled {
        prompt_tokens: usize,
        reused_tokens: usize,
        ms: f64,
    },
    Error {
        message: String,
    },
}

/// A running worker with one model loaded.
pub struct LlmWorker {
    child: Child,
    stdin: ChildStdin,
    events: Receiver<std::result::Result<Event, String>>,
    info: LoadInfo,
    /// A cancelled generation whose `done` has not been read yet.
    draining: bool,
    /// The style the worker has learned for fusion: the hash after its
    /// last sentence and how many sentences.
    style: Option<(u64, usize)>,
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

    /// Starts a worker and loads `model` (a GGUF file) into it, waiting at
    /// most `timeout` for it to be ready.
    pub fn start(model: &Path, n_ctx: u32) -> Result<LlmWorker> {
        Self::start_with_timeout(model, n_ctx, Duration::from_secs(60))
    }

    pub fn start_with_timeout(model: &Path, n_ctx: u32, timeout: Duration) -> Result<LlmWorker> {
        Self::start_exe(&Self::worker_exe()?, model, n_ctx, timeout)
    }

    /// Starts the worker program `exe` (tests use a stand-in that hangs).
    pub fn start_exe(exe: &Path, model: &Path, n_ctx: u32, timeout: Duration) -> Result<LlmWorker> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get().min(4))
            .unwrap_or(2);
        let mut child = Command::new(exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::Llm(format!("cannot start {}: {e}", exe.display())))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (tx, events) = mpsc::channel();
        // Reading on its own thread lets a caller cancel or time out while the
        // worker is busy, instead of blocking on its pipe.
        std::thread::Builder::new()
            .name("tofu-llm-reader".into())
            .spawn(move || {
                let mut stdout = stdout;
                loop {
                    // After a line that cannot be read (too long, not
                    // UTF-8, a broken pipe) the stream is given up.
                    let (msg, go_on) = match crate::lines::next_line(&mut stdout, MAX_LINE) {
                        Ok(None) => return,
                        Ok(Some(l)) => match String::from_utf8(l) {
                            Ok(l) => {
                                let msg = serde_json::from_str::<Event>(&l).map_err(|e| {
                                    let shown: String = l.chars().take(200).collect();
                                    format!("unreadable worker message {shown:?}: {e}")
                                });
                                (msg, true)
                            }
                            Err(_) => (
                                Err("the worker sent a line that is not UTF-8".into()),
                                false,
                            ),
                        },
                        Err(LineError::TooLong) => (
                            Err(format!(
                                "the worker sent a line longer than {MAX_LINE} bytes"
                            )),
                            false,
                        ),
                        Err(LineError::Io(e)) => {
                            (Err(format!("reading from the worker: {e}")), false)
                        }
                    };
                    if tx.send(msg).is_err() || !go_on {
                        return;
                    }
                }
            })
            .map_err(|e| Error::Llm(format!("cannot start a reader thread: {e}")))?;
        let mut worker = LlmWorker {
            child,
            stdin,
            events,
            info: LoadInfo {
                n_vocab: 0,
                n_ctx: 0,
                n_ctx_train: 0,
                chat_template: false,
                load_ms: 0.0,
            },
            draining: false,
            style: None,
        };
        worker.send(&json!({"op": "load", "model": model, "n_ctx": n_ctx, "threads": threads}))?;
        match worker.next_event(timeout, "loading the model")? {
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

    /// The worker's process id (for its memory figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Generates a reply to `messages`, calling `on_token` with each piece
    /// of text as it comes. When `cancel` becomes true this returns within
    /// about 10 ms with `Stop::Cancelled` (the worker stops after its current
    /// token; its last words are discarded before the next request).
    pub fn generate(
        &mut self,
        messages: &[Message],
        opts: &GenerateOptions,
        cancel: Option<&AtomicBool>,
        mut on_token: impl FnMut(&str),
    ) -> Result<GenerateStats> {
        self.drain()?;
        let started = Instant::now();
        if let Some(f) = &opts.fusion {
            self.learn_style(f)?;
        }
        let fusion = opts.fusion.as_ref().and_then(|f| {
            let id = format!("{:016x}", f.hashes.last()?);
            Some(json!({"id": id, "weight": f.weight, "keep": f.keep}))
        });
        self.send(&json!({
            "op": "generate",
            "messages": messages,
            "max_tokens": opts.max_tokens,
            "max_sentences": opts.max_sentences,
            "temperature": opts.temperature,
            "top_p": opts.top_p,
            "seed": opts.seed,
            "biases": opts.biases,
            "fusion": fusion,
            "avoid": opts.avoid,
        }))?;
        let mut tokens = 0;
        let mut last = Instant::now();
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                self.send(&json!({"op": "cancel"}))?;
                // The worker stops after the token it is on (~10 ms) and
                // sends its figures; waited for briefly, so a cancelled try
                // still says how much of its prompt was cached.
                let until = Instant::now() + Duration::from_millis(250);
                self.draining = true;
                while let Some(left) = until.checked_duration_since(Instant::now()) {
                    match self.events.recv_timeout(left) {
                        Ok(Ok(Event::Token { .. })) => tokens += 1,
                        Ok(Ok(Event::Done(stats))) => {
                            self.draining = false;
                            return Ok(GenerateStats {
                                tokens,
                                stop: Stop::Cancelled,
                                ..stats
                            });
                        }
                        // The generation ended in an error: nothing follows.
                        Ok(Ok(Event::Error { .. })) => {
                            self.draining = false;
                            break;
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                return Ok(GenerateStats {
                    prompt_tokens: 0,
                    reused_tokens: 0,
                    tokens,
                    prompt_ms: 0.0,
                    first_token_ms: None,
                    generate_ms: started.elapsed().as_secs_f64() * 1e3,
                    stop: Stop::Cancelled,
                });
            }
            let ev = match self.events.recv_timeout(Duration::from_millis(10)) {
                Ok(Ok(ev)) => ev,
                Ok(Err(e)) => {
                    // The worker may still be generating: skip its leftovers.
                    self.draining = true;
                    return Err(Error::Llm(e));
                }
                Err(RecvTimeoutError::Timeout) => {
                    if last.elapsed() > opts.timeout {
                        let _ = self.child.kill();
                        return Err(Error::Llm(format!(
                            "the model gave no word for {:.0} s; it was stopped",
                            opts.timeout.as_secs_f64()
                        )));
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return Err(self.stopped()),
            };
            last = Instant::now();
            match ev {
                Event::Token { text } => {
                    tokens += 1;
                    on_token(&text)
                }
                Event::Done(stats) => {
                    tracing::debug!(
                        prompt_tokens = stats.prompt_tokens,
                        reused = stats.reused_tokens,
                        prompt_ms = stats.prompt_ms,
                        first_token_ms = stats.first_token_ms,
                        tokens = stats.tokens,
                        generate_ms = stats.generate_ms,
                        "the worker generated"
                    );
                    return Ok(stats);
                }
                Event::Error { message } => return Err(Error::Llm(message)),
                _ => {
                    self.draining = true;
                    return Err(Error::Llm("unexpected event during generation".into()));
                }
            }
        }
    }

    /// Evaluates `messages` (the conversation so far, ending with the
    /// companion's last reply) into the worker's cache, so that the next
    /// [`generate`](Self::generate) going on from them evaluates only the
    /// new turn. Returns the tokens evaluated now.
    pub fn prefill(&mut self, messages: &[Message]) -> Result<usize> {
        self.drain()?;
        self.send(&json!({"op": "prefill", "messages": messages}))?;
        match self.next_event(Duration::from_secs(60), "reading the conversation")? {
            Event::Prefilled {
                prompt_tokens,
                reused_tokens,
                ms,
            } => {
                tracing::debug!(prompt_tokens, reused_tokens, ms, "the worker read ahead");
                Ok(prompt_tokens - reused_tokens)
            }
            Event::Error { message } => Err(Error::Llm(message)),
            _ => Err(Error::Llm(
                "the worker answered prefill with something else".into(),
            )),
        }
    }

    /// How likely the plain model finds `reply` after `messages`: the
    /// number of reply tokens and their summed log-probability (nats). No
    /// biases, fusion or penalties: for benchmarks.
    pub fn score(&mut self, messages: &[Message], reply: &str) -> Result<(usize, f64)> {
        self.drain()?;
        self.send(&json!({"op": "score", "messages": messages, "reply": reply}))?;
        match self.next_event(Duration::from_secs(60), "scoring a reply")? {
            Event::Score { tokens, logprob } => Ok((tokens, logprob)),
            Event::Error { message } => Err(Error::Llm(message)),
            _ => Err(Error::Llm(
                "the worker answered score with something else".into(),
            )),
        }
    }

    /// Makes sure the worker holds the person's model for `f`: all of it
    /// the first time (about 0.3 s for 100k words), then only the
    /// sentences learned since.
    fn learn_style(&mut self, f: &Fusion) -> Result<()> {
        let (Some(&last), n) = (f.hashes.last(), f.sentences.len().min(f.hashes.len())) else {
            return Ok(());
        };
        let id = |h: u64| format!("{h:016x}");
        let base = self
            .style
            .filter(|&(h, k)| k > 0 && k <= n && f.hashes[k - 1] == h);
        if base.is_some_and(|(_, k)| k == n) {
            return Ok(());
        }
        self.style = None;
        let request = match base {
            Some((h, k)) => {
                json!({"op": "style", "id": id(last), "base": id(h), "sentences": f.sentences[k..n]})
            }
            None => json!({"op": "style", "id": id(last), "sentences": f.sentences[..n]}),
        };
        self.send(&request)?;
        match self.next_event(Duration::from_secs(30), "learning the style")? {
            Event::Style { id: got, words, ms } if got == id(last) => {
                tracing::debug!(
                    sentences = n,
                    sent = n - base.map_or(0, |b| b.1),
                    words,
                    ms,
                    "the worker learned the style"
                );
                self.style = Some((last, n));
                Ok(())
            }
            // The worker lost what it had (it cannot, short of a restart,
            // but then it is sent whole): send it all.
            Event::Error { .. } if base.is_some() => self.learn_style(f),
            Event::Error { message } => Err(Error::Llm(format!("learning the style: {message}"))),
            _ => Err(Error::Llm(
                "the worker answered style with something else".into(),
            )),
        }
    }

    /// Reads what is left of a cancelled generation.
    fn drain(&mut self) -> Result<()> {
        while self.draining {
            match self.next_event(Duration::from_secs(30), "finishing a cancelled reply")? {
                Event::Done(_) | Event::Error { .. } => self.draining = false,
                _ => {}
            }
        }
        Ok(())
    }

    /// Is the worker process still running?
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn send(&mut self, req: &serde_json::Value) -> Result<()> {
        writeln!(self.stdin, "{req}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| Error::Llm(format!("the worker is not listening: {e}")))
    }

    fn stopped(&mut self) -> Error {
        let status = self.child.try_wait().ok().flatten();
        Error::Llm(format!(
            "the worker stopped{}",
            status.map(|s| format!(" ({s})")).unwrap_or_default()
        ))
    }

    fn next_event(&mut self, timeout: Duration, doing: &str) -> Result<Event> {
        match self.events.recv_timeout(timeout) {
            Ok(ev) => ev.map_err(Error::Llm),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                Err(Error::Llm(format!(
                    "the worker did not answer within {:.0} s ({doing}); it was stopped",
                    timeout.as_secs_f64()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => {
                // Its output can no longer be read: a worker still running
                // is stopped, so the next reply starts a fresh one.
                let e = self.stopped();
                let _ = self.child.kill();
                Err(e)
            }
        }
    }
}

impl Drop for LlmWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
