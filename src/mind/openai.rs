//! Any OpenAI-compatible chat server (Ollama, llama.cpp's llama-server,
//! LM Studio, vLLM), streamed. The endpoint defaults to this machine; the
//! API key is kept out of the settings (see [`super::secrets`]) and is never
//! sent over plain http to another machine.
//!
//! The request runs on its own thread and hands tokens over a channel, so a
//! cancel returns at once and a server that stalls is given up on after the
//! timeout instead of freezing the app.

use std::io::BufReader;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::backend::{Backend, Outcome, Request};
use super::sentences::SentenceSplitter;
use crate::error::{Error, Result};
use crate::llm::Stop;

pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:11434/v1";

pub struct OpenAi {
    endpoint: String,
    model: String,
    api_key: Option<String>,
    /// The only server the key may go to (`None`: any it may travel to).
    key_origin: Option<String>,
    agent: ureq::Agent,
    /// The longest wait for the first word, or between two words.
    pub timeout: Duration,
}

enum Chunk {
    Token(String),
    Done,
    Failed(String),
}

impl OpenAi {
    pub fn new(endpoint: &str, model: &str) -> OpenAi {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .user_agent(concat!("tofu/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        OpenAi {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key: None,
            key_origin: None,
            agent,
            timeout: Duration::from_secs(20),
        }
    }

    /// Sends this API key (see [`super::secrets`] for where it is kept)
    /// to any server it may travel to ([`key_may_travel`]).
    pub fn with_api_key(mut self, key: &str) -> OpenAi {
        self.api_key = Some(key.to_string());
        self
    }

    /// Sends this API key only to the server at `origin` (see [`origin`]):
    /// a key set for one server never goes to another, even if the
    /// endpoint setting is changed behind the person's back.
    pub fn with_api_key_for(mut self, key: &str, origin: &str) -> OpenAi {
        self.api_key = Some(key.to_string());
        self.key_origin = Some(origin.to_string());
        self
    }

    fn url(&self) -> String {
        format!("{}/chat/completions", self.endpoint)
    }
}

/// The host the HTTP client will connect to for `endpoint`, read by the
/// same URI parser it uses (`http::Uri`): a hand-made split on `/` saw
/// 127.0.0.1 in `http://evil.example?@127.0.0.1/v1`, the client evil.example.
fn host(endpoint: &str) -> Option<String> {
    let uri: http::Uri = format!("{}/chat/completions", endpoint.trim_end_matches('/'))
        .parse()
        .ok()?;
    let host = uri.host()?;
    Some(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
}

/// Where `endpoint` connects, as the HTTP client reads it: scheme, host
/// (lower case) and port (the scheme's default if none), e.g.
/// `https://api.example.com:443`. `None` for what the client could not
/// reach either (no host, a host that is not ASCII: an IDN must be given
/// in its `xn--` form, so a look-alike name cannot pass for another).
pub fn origin(endpoint: &str) -> Option<String> {
    let uri: http::Uri = format!("{}/chat/completions", endpoint.trim_end_matches('/'))
        .parse()
        .ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri.port_u16().or(match scheme.as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some(format!("{scheme}://{host}:{port}"))
}

/// A key may go over https anywhere, and over http only to this machine.
pub fn key_may_travel(endpoint: &str) -> bool {
    if endpoint.starts_with("https://") {
        return true;
    }
    if !endpoint.starts_with("http://") {
        return false;
    }
    match host(endpoint).as_deref() {
        Some(h) => {
            h.eq_ignore_ascii_case("localhost")
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// The endpoint with any `user:password@` and any query or fragment (where
/// some servers take a key: `?api_key=…`) hidden, for messages, logs and
/// `llm show`. The query ends the authority, as the HTTP client reads it;
/// an `@` after it (`http://me:p?ss@host/`) hides the whole authority.
pub fn shown_endpoint(endpoint: &str) -> String {
    let (base, query) = match endpoint.find(['?', '#']) {
        Some(i) => (&endpoint[..i], "?***"),
        None => (endpoint, ""),
    };
    let shown = match base.split_once("://") {
        // An `@` past the cut: a password holding `?` or `#`. Nothing of
        // the authority is shown.
        Some((scheme, _)) if endpoint[base.len()..].contains('@') => format!("{scheme}://***"),
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            match authority.rsplit_once('@') {
                Some((_, h)) => format!("{scheme}://***@{h}{path}"),
                None => base.to_string(),
            }
        }
        None => base.to_string(),
    };
    format!("{shown}{query}")
}

/// The longest event line taken from a server (a chunk is a few hundred bytes).
const MAX_LINE: usize = 1 << 20;

/// Reads a server-sent-events stream of chat completion chunks. A line
/// over [`MAX_LINE`] or a stream that ends before `[DONE]` or a
/// `finish_reason` is a failure, not a short reply.
fn read_stream(body: impl std::io::Read, tx: &mpsc::Sender<Chunk>) {
    use crate::lines::{next_line, LineError};
    let mut reader = BufReader::new(body);
    loop {
        let buf = match next_line(&mut reader, MAX_LINE) {
            Ok(None) => break,
            Ok(Some(buf)) => buf,
            Err(LineError::TooLong) => {
                let _ = tx.send(Chunk::Failed(format!(
                    "the server sent a line longer than {} KB",
                    MAX_LINE / 1024
                )));
                return;
            }
            Err(LineError::Io(e)) => {
                let _ = tx.send(Chunk::Failed(format!("the stream broke: {e}")));
                return;
            }
        };
        let line = String::from_utf8_lossy(&buf);
        let line: &str = &line;
        let Some(data) = line.strip_prefix("data:").map(str::trim) else {
            continue; // comments, event names, keep-alives
        };
        if data == "[DONE]" {
            let _ = tx.send(Chunk::Done);
            return;
        }
        let v: Value = match serde_json::from_str(data) {
            Ok(v) => v,
            Err(e) => {
                let shown: String = data.chars().take(200).collect();
                let _ = tx.send(Chunk::Failed(format!("unreadable chunk {shown:?}: {e}")));
                return;
            }
        };
        if let Some(err) = v.get("error") {
            let msg = err["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| err.to_string());
            let _ = tx.send(Chunk::Failed(msg));
            return;
        }
        let choice = &v["choices"][0];
        if let Some(t) = choice["delta"]["content"]
            .as_str()
            .filter(|t| !t.is_empty())
        {
            if tx.send(Chunk::Token(t.to_string())).is_err() {
                return; // the caller moved on (cancelled)
            }
        }
        if choice["finish_reason"].is_string() {
            let _ = tx.send(Chunk::Done);
            return;
        }
    }
    let _ = tx.send(Chunk::Failed(
        "the stream ended before the reply did (no [DONE])".into(),
    ));
}

impl Backend for OpenAi {
    fn engine(&self) -> &'static str {
        "openai"
    }

    fn model(&self) -> Option<String> {
        Some(self.model.clone())
    }

    fn generate(
        &mut self,
        req: &Request,
        cancel: Option<&AtomicBool>,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<Outcome> {
        let mut body = json!({
            "model": self.model,
            "messages": req.messages,
            "stream": true,
            "max_tokens": req.opts.max_tokens,
            "temperature": req.opts.temperature,
            "top_p": req.opts.top_p,
            "seed": req.opts.seed,
        });
        if req.opts.temperature <= 0.0 {
            body["temperature"] = json!(0.0);
        }
        let (tx, rx) = mpsc::channel();
        let mut call = self
            .agent
            .post(&self.url())
            .header("Accept", "text/event-stream");
        if let Some(key) = &self.api_key {
            if let Some(bound) = &self.key_origin {
                let here = origin(&self.endpoint);
                if here.as_deref() != Some(bound.as_str()) {
                    return Err(Error::Llm(format!(
                        "not sending the API key to {}: it was set for {bound} \
                         (`tofu llm key set` keeps one for this server)",
                        here.unwrap_or_else(|| shown_endpoint(&self.endpoint))
                    )));
                }
            }
            if !key_may_travel(&self.endpoint) {
                return Err(Error::Llm(format!(
                    "not sending the API key over plain http to {}: use https, or a server on this machine",
                    shown_endpoint(&self.endpoint)
                )));
            }
            call = call.header("Authorization", format!("Bearer {key}"));
        }
        let url = shown_endpoint(&self.url());
        std::thread::Builder::new()
            .name("tofu-openai".into())
            .spawn(move || match call.send_json(&body) {
                Ok(resp) if resp.status().is_success() => {
                    read_stream(resp.into_body().into_reader(), &tx)
                }
                Ok(mut resp) => {
                    let status = resp.status();
                    let text = resp.body_mut().read_to_string().unwrap_or_default();
                    let _ = tx.send(Chunk::Failed(format!(
                        "{url} answered {status}: {}",
                        text.chars().take(300).collect::<String>()
                    )));
                }
                Err(e) => {
                    let _ = tx.send(Chunk::Failed(format!("cannot reach {url}: {e}")));
                }
            })
            .map_err(|e| Error::Llm(format!("cannot start a request thread: {e}")))?;

        let mut outcome = Outcome::default();
        let mut splitter = SentenceSplitter::default();
        let mut sentences = 0;
        let mut last = Instant::now();
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                outcome.stop = Some(Stop::Cancelled);
                return Ok(outcome);
            }
            match rx.recv_timeout(Duration::from_millis(10)) {
                Ok(Chunk::Token(t)) => {
                    last = Instant::now();
                    // The sentence cap, applied here (servers have no such
                    // option): the last sentence has ended once what follows
                    // it starts a new one, which is then not passed on.
                    let done = sentences + usize::from(splitter.pending_complete());
                    if req.opts.max_sentences > 0
                        && done >= req.opts.max_sentences
                        && t.starts_with(char::is_whitespace)
                    {
                        outcome.stop = Some(Stop::Sentences);
                        return Ok(outcome);
                    }
                    outcome.tokens += 1;
                    on_token(&t);
                    sentences += splitter.push(&t).len();
                }
                Ok(Chunk::Done) => {
                    outcome.stop = Some(Stop::Eos);
                    return Ok(outcome);
                }
                Ok(Chunk::Failed(msg)) => return Err(Error::Llm(msg)),
                Err(RecvTimeoutError::Timeout) => {
                    if last.elapsed() > self.timeout {
                        return Err(Error::Llm(format!(
                            "{} gave no word for {:.0} s",
                            self.endpoint,
                            self.timeout.as_secs_f64()
                        )));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::Llm(format!(
                        "the request to {} ended",
                        self.endpoint
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_what_the_client_connects_to() {
        assert_eq!(
            origin("https://API.example.com/v1").as_deref(),
            Some("https://api.example.com:443")
        );
        assert_eq!(
            origin("http://127.0.0.1:11434/v1/").as_deref(),
            Some("http://127.0.0.1:11434")
        );
        assert_eq!(
            origin("http://[::1]:8080/v1").as_deref(),
            Some("http://[::1]:8080")
        );
        // The client's reading, not a naive split: the authority ends at `?`/`#`.
        assert_eq!(
            origin("https://evil.example?@api.example.com/v1").as_deref(),
            Some("https://evil.example:443")
        );
        assert_eq!(
            origin("https://evil.example#@api.example.com/v1").as_deref(),
            Some("https://evil.example:443")
        );
        assert_eq!(
            origin("https://user:pw@api.example.com/v1").as_deref(),
            Some("https://api.example.com:443")
        );
        // An IDN look-alike is not the ASCII name; in punycode it is its own.
        assert_eq!(origin("https://exämple.com/v1"), None);
        assert_ne!(
            origin("https://xn--exmple-cua.com/v1"),
            origin("https://example.com/v1")
        );
        assert_eq!(origin("not a url"), None);
    }

    #[test]
    fn a_key_bound_to_one_server_is_not_sent_to_another() {
        let mut b = OpenAi::new("https://evil.example/v1", "m")
            .with_api_key_for("sk-1", "https://api.example.com:443");
        let req = super::super::Request {
            messages: vec![crate::llm::Message::new("user", "hi")],
            opts: crate::llm::GenerateOptions::default(),
            user_text: "hi".into(),
        };
        let t = std::time::Instant::now();
        let err = super::super::Backend::generate(&mut b, &req, None, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("it was set for https://api.example.com:443"),
            "{err}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "refused before connecting"
        );
    }

    #[test]
    fn keys_travel_over_https_or_to_this_machine_only() {
        assert!(key_may_travel("https://api.example.com/v1"));
        assert!(key_may_travel("http://127.0.0.1:11434/v1"));
        assert!(key_may_travel("http://localhost:8080/v1"));
        assert!(key_may_travel("http://[::1]:8080/v1"));
        assert!(!key_may_travel("http://192.168.1.20:11434/v1"));
        assert!(!key_may_travel("http://127.0.0.1.evil.example/v1"));
        assert!(!key_may_travel("http://user:pw@10.0.0.2/v1"));
        assert!(!key_may_travel("ftp://127.0.0.1/"));
        // The client's parser ends the authority at '?' and '#': so does the guard.
        assert!(!key_may_travel("http://evil.example?@127.0.0.1/v1"));
        assert!(!key_may_travel("http://evil.example#@127.0.0.1/v1"));
        assert!(!key_may_travel("http://evil.example\\@127.0.0.1/v1"));
    }

    #[test]
    fn credentials_in_an_endpoint_are_hidden() {
        assert_eq!(
            shown_endpoint("http://me:secret@10.0.0.2:8080/v1"),
            "http://***@10.0.0.2:8080/v1"
        );
        assert_eq!(shown_endpoint("http://127.0.0.1/v1"), "http://127.0.0.1/v1");
        assert_eq!(
            shown_endpoint("https://api.example/v1?api_key=sk-123"),
            "https://api.example/v1?***"
        );
        assert_eq!(
            shown_endpoint("http://evil.example?@127.0.0.1/v1"),
            "http://***?***"
        );
        assert_eq!(shown_endpoint("http://me:p?ss@host/v1"), "http://***?***");
        assert_eq!(
            shown_endpoint("http://me:pw@h.example/v1#k=1"),
            "http://***@h.example/v1?***"
        );
    }
}
