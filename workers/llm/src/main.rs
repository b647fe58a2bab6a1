//! `tofu-llm`: a worker process that owns one llama.cpp model.
//!
//! Protocol: one JSON object per line on stdin, answers as JSON lines on stdout
//! (see `tofu::llm::protocol` for the types; this binary mirrors them with
//! serde_json values to stay free of the engine's dependencies).
//!
//! - `{"op":"load","model":PATH,"n_ctx":N,"threads":N}` → `{"event":"loaded",...}`
//! - `{"op":"generate","messages":[{"role","content"}],"max_tokens":N,"temperature":T,"seed":S}`
//!   → `{"event":"token","text":...}`* then `{"event":"done",...}`
//! - any failure → `{"event":"error","message":...}`; the worker stays up.
//!
//! stderr is for llama.cpp's own noise (silenced) and panics.

use std::io::{BufRead, Write};
use std::num::NonZeroU32;
use std::time::Instant;

use anyhow::{anyhow, bail, Context as _};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use serde_json::{json, Value};

struct Loaded {
    model: &'static LlamaModel,
    ctx: llama_cpp_2::context::LlamaContext<'static>,
    template: LlamaChatTemplate,
}

fn main() {
    llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default().with_logs_enabled(false));
    let backend: &'static LlamaBackend = match LlamaBackend::init() {
        Ok(b) => Box::leak(Box::new(b)),
        Err(e) => {
            emit(&json!({"event": "error", "message": format!("cannot start llama.cpp: {e}")}));
            std::process::exit(1);
        }
    };
    let mut loaded: Option<Loaded> = None;
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let result = serde_json::from_str::<Value>(&line)
            .map_err(|e| anyhow!("malformed request: {e}"))
            .and_then(|req| handle(backend, &mut loaded, &req));
        if let Err(e) = result {
            emit(&json!({"event": "error", "message": format!("{e:#}")}));
        }
    }
}

fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn handle(
    backend: &'static LlamaBackend,
    loaded: &mut Option<Loaded>,
    req: &Value,
) -> anyhow::Result<()> {
    match req["op"].as_str() {
        Some("load") => {
            let path = req["model"].as_str().context("load needs a model path")?;
            let n_ctx = req["n_ctx"].as_u64().unwrap_or(2048) as u32;
            let threads = req["threads"].as_i64().unwrap_or(2) as i32;
            let started = Instant::now();
            // Drop the old context before its model.
            *loaded = None;
            let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
                .map_err(|e| anyhow!("cannot load {path}: {e}"))?;
            let model: &'static LlamaModel = Box::leak(Box::new(model));
            let params = LlamaContextParams::default()
                .with_n_ctx(NonZeroU32::new(n_ctx))
                .with_n_threads(threads)
                .with_n_threads_batch(threads);
            let ctx = model
                .new_context(backend, params)
                .map_err(|e| anyhow!("cannot create a context: {e}"))?;
            let (template, has_template) = match model.chat_template(None) {
                Ok(t) => (t, true),
                Err(_) => (LlamaChatTemplate::new("chatml")?, false),
            };
            emit(&json!({
                "event": "loaded",
                "n_vocab": model.n_vocab(),
                "n_ctx_train": model.n_ctx_train(),
                "n_ctx": ctx.n_ctx(),
                "chat_template": has_template,
                "load_ms": started.elapsed().as_secs_f64() * 1e3,
            }));
            *loaded = Some(Loaded {
                model,
                ctx,
                template,
            });
            Ok(())
        }
        Some("generate") => {
            let l = loaded.as_mut().context("no model loaded")?;
            generate(l, req)
        }
        Some(other) => bail!("unknown op '{other}'"),
        None => bail!("request has no op"),
    }
}

fn generate(l: &mut Loaded, req: &Value) -> anyhow::Result<()> {
    let messages = req["messages"]
        .as_array()
        .context("generate needs messages")?;
    let chat = messages
        .iter()
        .map(|m| {
            LlamaChatMessage::new(
                m["role"].as_str().unwrap_or("user").to_string(),
                m["content"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let max_tokens = req["max_tokens"].as_u64().unwrap_or(128) as usize;
    let temperature = req["temperature"].as_f64().unwrap_or(0.0) as f32;
    let seed = req["seed"].as_u64().unwrap_or(0) as u32;

    let started = Instant::now();
    let prompt = l.model.apply_chat_template(&l.template, &chat, true)?;
    let vocab = l.model.vocab();
    let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
    let n_ctx = l.ctx.n_ctx() as usize;
    if tokens.len() + max_tokens > n_ctx {
        bail!(
            "the prompt ({} tokens) and reply ({max_tokens}) do not fit the context ({n_ctx})",
            tokens.len()
        );
    }
    l.ctx.clear_kv_cache();
    let cap = l.ctx.n_batch() as usize;
    let mut batch = LlamaBatch::new(cap.max(1), 1);
    for (ci, chunk) in tokens.chunks(cap).enumerate() {
        batch.clear();
        for (j, &t) in chunk.iter().enumerate() {
            let pos = ci * cap + j;
            batch.add(t, pos as i32, &[0], pos == tokens.len() - 1)?;
        }
        l.ctx.decode(&mut batch)?;
    }
    let prompt_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut sampler = if temperature <= 0.0 {
        LlamaSampler::greedy()
    } else {
        LlamaSampler::chain_simple([
            LlamaSampler::top_k(40),
            LlamaSampler::temp(temperature),
            LlamaSampler::dist(seed),
        ])
    };
    let gen_started = Instant::now();
    let mut pending = Vec::<u8>::new();
    let mut generated = 0;
    for pos in tokens.len()..tokens.len() + max_tokens {
        let tok = sampler.sample(&l.ctx, batch.n_tokens() - 1);
        if vocab.is_eog(tok) {
            break;
        }
        generated += 1;
        vocab.token_to_piece_into(tok, &mut pending, false, None);
        // Emit only whole UTF-8 characters; keep a split one for the next token.
        let valid = match std::str::from_utf8(&pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        if valid > 0 {
            let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
            pending.drain(..valid);
            emit(&json!({"event": "token", "text": text}));
        }
        batch.clear();
        batch.add(tok, pos as i32, &[0], true)?;
        l.ctx.decode(&mut batch)?;
    }
    if !pending.is_empty() {
        emit(&json!({"event": "token", "text": String::from_utf8_lossy(&pending)}));
    }
    emit(&json!({
        "event": "done",
        "prompt_tokens": tokens.len(),
        "tokens": generated,
        "prompt_ms": prompt_ms,
        "generate_ms": gen_started.elapsed().as_secs_f64() * 1e3,
    }));
    Ok(())
}
