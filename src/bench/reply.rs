//! `tofu bench reply`: the embedded model answering a typical turn with
//! context (persona, a conversation in progress, memories from an earlier
//! one): load time, time to the first token and to the first complete
//! sentence, tokens per second, the worker's peak memory. Baseline in the
//! same run: each continuing turn again on a fresh worker, with nothing
//! cached, so the gain from reusing the evaluated prefix is measured.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::{ms, percentile};
use crate::error::Result;
use crate::mind::{context, Embedded, Mind, Persona};
use crate::store::{NewTurn, Source, Store};

#[derive(Debug, Clone, Serialize)]
pub struct TurnFigures {
    pub text: String,
    pub reply: String,
    pub prompt_tokens: usize,
    pub reused_tokens: usize,
    pub first_token_ms: f64,
    pub first_sentence_ms: f64,
    pub total_ms: f64,
    pub tokens: usize,
    pub tokens_per_s: f64,
    /// The same request on a fresh worker (nothing cached).
    pub cold_first_token_ms: f64,
    pub cold_first_sentence_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplyReport {
    pub model: String,
    /// Starting the worker and loading the model, wall time.
    pub start_ms: f64,
    /// The model load as the worker measured it.
    pub load_ms: f64,
    pub turns: Vec<TurnFigures>,
    pub first_token_median_ms: f64,
    pub first_sentence_median_ms: f64,
    pub cold_first_token_median_ms: f64,
    pub cold_first_sentence_median_ms: f64,
    pub tokens_per_s_median: f64,
    pub worker_peak_rss_mb: f64,
}

const EARLIER: &[(bool, &str)] = &[
    (
        true,
        "My sister Lena is moving to Lisbon next month for a new job.",
    ),
    (
        false,
        "That's a big step for her. How do you feel about it?",
    ),
    (
        true,
        "Proud of her, honestly, but I'll miss our Sunday walks.",
    ),
];
const CURRENT: &[(bool, &str)] = &[
    (
        true,
        "Work was exhausting today, the deadline got moved up again.",
    ),
    (
        false,
        "That sounds draining. Did you get any time to yourself?",
    ),
    (true, "Not really, I just had dinner and sat on the couch."),
    (false, "Sometimes a quiet evening is exactly what you need."),
];
const ASKS: &[&str] = &[
    "Anyway, I keep thinking about my sister's move. Do you think she'll be happy there?",
    "What could I send her as a housewarming present?",
    "I think I'll call her this weekend and tell her I'm proud of her.",
];

/// Runs the benchmark with the model at `model`, in a scratch data folder.
pub fn run(model: &Path, work_dir: &Path) -> Result<ReplyReport> {
    let mut store = Store::open(work_dir)?;
    let now = crate::store::now_ms();
    let day = 86_400_000;
    let seed = |store: &mut Store, at: i64, turns: &[(bool, &str)]| -> Result<_> {
        let c = store.start_conversation(at, Source::Live, None)?;
        for (i, (user, text)) in turns.iter().enumerate() {
            let t = at + i as i64 * 10_000;
            let turn = if *user {
                NewTurn::user(*text, t, t + 4_000)
            } else {
                NewTurn::companion(*text, t, t + 4_000)
            };
            store.add_turn(c, turn, None)?;
        }
        Ok(c)
    };
    seed(&mut store, now - 2 * day, EARLIER)?;
    let conversation = seed(&mut store, now - 600_000, CURRENT)?;
    let persona = Persona::default();

    let started = Instant::now();
    let mut warm = Embedded::new(model.to_path_buf(), 2048);
    let load_ms = warm.load()?;
    let start_ms = ms(started);
    let pid = warm.worker_pid();
    let model_name = model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut mind = Mind::new(Box::new(warm), 2048);
    // The conversation so far is evaluated once, as the app would have done
    // on the previous turns.
    let ctx = context::gather(&store, Some(conversation), "", 0)?;
    mind.reply(&persona, None, &ctx, "Hello again.", None, |_| {})?;

    let mut turns = Vec::new();
    for ask in ASKS {
        let ctx = context::gather(&store, Some(conversation), ask, 3)?;
        let r = mind.reply(&persona, None, &ctx, ask, None, |_| {})?;
        // Baseline: the same request with nothing cached.
        let mut cold = Mind::new(Box::new(Embedded::new(model.to_path_buf(), 2048)), 2048);
        if let Some(b) = cold.backend().model() {
            tracing::debug!(model = b, "cold baseline");
        }
        let c = cold.reply(&persona, None, &ctx, ask, None, |_| {})?;
        let first = r.first_token_ms.unwrap_or(r.total_ms);
        let gen_s = (r.total_ms - first) / 1e3;
        turns.push(TurnFigures {
            text: ask.to_string(),
            reply: r.text.clone(),
            prompt_tokens: r.prompt_tokens,
            reused_tokens: r.reused_tokens,
            first_token_ms: first,
            first_sentence_ms: r.first_sentence_ms.unwrap_or(r.total_ms),
            total_ms: r.total_ms,
            tokens: r.tokens,
            tokens_per_s: if gen_s > 0.0 {
                (r.tokens.saturating_sub(1)) as f64 / gen_s
            } else {
                0.0
            },
            cold_first_token_ms: c.first_token_ms.unwrap_or(c.total_ms),
            cold_first_sentence_ms: c.first_sentence_ms.unwrap_or(c.total_ms),
        });
        // The turn becomes part of the conversation, as in the app (each
        // turn later than the one before: `now` alone put two asks before
        // both replies, and the prompt then merged them).
        let t = crate::store::now_ms() + turns.len() as i64 * 10_000;
        store.add_turn(conversation, NewTurn::user(*ask, t, t + 3_000), None)?;
        store.add_turn(
            conversation,
            NewTurn::companion(r.text, t + 3_000, t + 6_000),
            None,
        )?;
        // While the reply is heard, the conversation so far is read ahead
        // (as the app does), so the next ask starts from it.
        mind.read_ahead()?;
    }
    let med =
        |f: fn(&TurnFigures) -> f64| percentile(&turns.iter().map(f).collect::<Vec<_>>(), 50.0);
    Ok(ReplyReport {
        model: model_name,
        start_ms,
        load_ms,
        first_token_median_ms: med(|t| t.first_token_ms),
        first_sentence_median_ms: med(|t| t.first_sentence_ms),
        cold_first_token_median_ms: med(|t| t.cold_first_token_ms),
        cold_first_sentence_median_ms: med(|t| t.cold_first_sentence_ms),
        tokens_per_s_median: med(|t| t.tokens_per_s),
        worker_peak_rss_mb: pid
            .map(|p| super::peak_rss_mb_of(&p.to_string()))
            .unwrap_or(0.0),
        turns,
    })
}
