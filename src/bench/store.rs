//! `tofu bench store`: the history at the size of years of daily use.
//! Fills a fresh database with N turns of real English (the letters and
//! transcripts in the shared test data, recombined), then measures insert
//! rate, a single acknowledged turn's latency, open time, and full-text
//! search latency (p50/p99) over a fixed mix of queries. Baseline in the same
//! run: the same words found with a `LIKE '%word%'` scan, what a store
//! without a search index would do.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::{ms, percentile};
use crate::error::{Error, Result};
use crate::store::read::Highlight;
use crate::store::{NewTurn, SearchQuery, Source, Speaker, Store, TimeRange};

/// The interactive bound search must stay under at p99.
pub const TARGET_P99_MS: f64 = 50.0;
const TURNS_PER_CONVERSATION: usize = 20;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub queries: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_hits: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoreReport {
    pub turns: usize,
    pub conversations: usize,
    pub db_mb: f64,
    /// Bulk insert, one transaction per conversation.
    pub insert_s: f64,
    pub insert_turns_per_s: f64,
    /// One turn added and acknowledged on its own (synced to disk), as live.
    pub add_turn_p50_ms: f64,
    pub add_turn_p99_ms: f64,
    /// Opening the full database (integrity quick check, migrations, retention).
    pub open_ms: f64,
    /// FTS5 search, 20 best hits with snippets, the whole query mix.
    pub search: Latency,
    /// The same, per kind of query.
    pub search_by_kind: Vec<(String, Latency)>,
    /// `LIKE` scan for the single-word queries.
    pub baseline_like: Latency,
    pub target_p99_ms: f64,
    pub target_met: bool,
}

/// Sentences of real text from `text_dir` (every `.txt` file) and, when
/// there, the speech transcripts beside it.
fn corpus(text_dir: &Path) -> Result<Vec<String>> {
    let mut sentences = Vec::new();
    let entries = std::fs::read_dir(text_dir).map_err(|e| Error::Io {
        path: text_dir.to_path_buf(),
        source: e,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| Error::Io {
            path: f.clone(),
            source: e,
        })?;
        let flat = text
            .replace("---", " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut start = 0;
        for (i, c) in flat.char_indices() {
            if matches!(c, '.' | '!' | '?') {
                let s = flat[start..=i].trim();
                if s.split_whitespace().count() >= 3 {
                    sentences.push(s.to_string());
                }
                start = i + 1;
            }
        }
    }
    if sentences.len() < 100 {
        return Err(Error::Invalid(format!(
            "{} holds too little text to build a corpus ({} sentences)",
            text_dir.display(),
            sentences.len()
        )));
    }
    Ok(sentences)
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_alphabetic()))
        .map(str::to_lowercase)
}

struct Query {
    kind: &'static str,
    text: String,
    range: TimeRange,
    speaker: Option<Speaker>,
}

/// A fixed mix: rare, middling and frequent words, two-word queries,
/// phrases and prefixes; every other one with a date or speaker filter.
fn queries(sentences: &[String], n: usize, now: i64, rng: &mut fastrand::Rng) -> Vec<Query> {
    let mut df: HashMap<String, usize> = HashMap::new();
    for s in sentences {
        for w in words(s) {
            *df.entry(w).or_default() += 1;
        }
    }
    let mut by_freq: Vec<(String, usize)> = df.into_iter().collect();
    by_freq.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let len = by_freq.len();
    let frequent = &by_freq[..len / 100];
    let middling = &by_freq[len / 100..len / 5];
    let rare = &by_freq[len / 2..];
    let pick =
        |rng: &mut fastrand::Rng, from: &[(String, usize)]| from[rng.usize(..from.len())].0.clone();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (kind, text) = match i % 10 {
            0 | 1 => ("rare word", pick(rng, rare)),
            2..=4 => ("middling word", pick(rng, middling)),
            5 => ("frequent word", pick(rng, frequent)),
            6 => (
                "two words",
                format!("{} {}", pick(rng, middling), pick(rng, middling)),
            ),
            7 => {
                let s = &sentences[rng.usize(..sentences.len())];
                let ws: Vec<String> = words(s).collect();
                let at = rng.usize(..ws.len().max(2) - 1);
                let phrase = ws
                    .get(at..at + 2)
                    .map(|p| p.join(" "))
                    .unwrap_or_else(|| ws.join(" "));
                ("phrase", format!("\"{phrase}\""))
            }
            8 => {
                let w = pick(rng, middling);
                ("prefix", format!("{}*", &w[..w.len().min(4)]))
            }
            _ => (
                "either word",
                format!("{} OR {}", pick(rng, rare), pick(rng, middling)),
            ),
        };
        let (range, speaker) = match (i / 10) % 4 {
            1 => (
                TimeRange {
                    since: Some(now - 90 * DAY_MS),
                    until: None,
                },
                None,
            ),
            3 => (TimeRange::default(), Some(Speaker::User)),
            _ => (TimeRange::default(), None),
        };
        out.push(Query {
            kind,
            text,
            range,
            speaker,
        });
    }
    out
}

fn latency(samples: &[(f64, usize)]) -> Latency {
    let t: Vec<f64> = samples.iter().map(|s| s.0).collect();
    Latency {
        queries: samples.len(),
        p50_ms: percentile(&t, 50.0),
        p99_ms: percentile(&t, 99.0),
        max_ms: t.iter().copied().fold(0.0, f64::max),
        mean_hits: samples.iter().map(|s| s.1 as f64).sum::<f64>() / samples.len().max(1) as f64,
    }
}

/// Runs the benchmark in `work_dir` (which must not hold a database yet).
pub fn run(
    text_dir: &Path,
    work_dir: &Path,
    turns: usize,
    n_queries: usize,
) -> Result<StoreReport> {
    if work_dir.join(crate::store::DB_FILE).exists() {
        return Err(Error::Invalid(format!(
            "{} already holds a database: give an empty folder",
            work_dir.display()
        )));
    }
    let sentences = corpus(text_dir)?;
    let mut rng = fastrand::Rng::with_seed(0x70f0);
    let mut store = Store::open(work_dir)?;
    let now = crate::store::now_ms();
    // Spread over two years, most recent last.
    let conversations = turns.div_ceil(TURNS_PER_CONVERSATION);
    let span = 730 * DAY_MS;
    let started = Instant::now();
    let mut made = 0;
    for c in 0..conversations {
        let at = now - span + (span / conversations as i64) * c as i64;
        let id = store.start_conversation(at, Source::Live, None)?;
        let n = TURNS_PER_CONVERSATION.min(turns - made);
        let batch: Vec<NewTurn> = (0..n)
            .map(|k| {
                let text = (0..rng.usize(1..=3))
                    .map(|_| sentences[rng.usize(..sentences.len())].as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let t = at + k as i64 * 15_000;
                let mut turn = if k % 2 == 0 {
                    NewTurn::user(text, t, t + 6_000)
                } else {
                    NewTurn::companion(text, t, t + 6_000)
                };
                turn.language = Some("en".into());
                turn.confidence = Some(0.8);
                turn
            })
            .collect();
        store.add_turns(id, &batch)?;
        made += n;
    }
    let insert_s = started.elapsed().as_secs_f64();

    // Live turns, one transaction (and one sync) each.
    let live = store.start_conversation(now, Source::Live, None)?;
    let mut add_ms = Vec::new();
    for i in 0..100 {
        let t = Instant::now();
        store.add_turn(
            live,
            NewTurn::user(format!("a live turn, number {i}"), now, now + 1),
            None,
        )?;
        add_ms.push(ms(t));
    }
    drop(store);

    let t = Instant::now();
    let store = Store::open(work_dir)?;
    let open_ms = ms(t);
    let db_mb = std::fs::metadata(store.db_path())
        .map(|m| m.len())
        .unwrap_or(0) as f64
        / 1e6;

    let qs = queries(&sentences, n_queries, now, &mut rng);
    let mut all = Vec::new();
    let mut by_kind: Vec<(String, Vec<(f64, usize)>)> = Vec::new();
    for q in &qs {
        let sq = SearchQuery {
            text: q.text.clone(),
            range: q.range,
            speaker: q.speaker,
            limit: Some(20),
        };
        let t = Instant::now();
        let hits = store.search(&sq, Highlight::default())?;
        let sample = (ms(t), hits.len());
        all.push(sample);
        match by_kind.iter_mut().find(|(k, _)| k == q.kind) {
            Some((_, v)) => v.push(sample),
            None => by_kind.push((q.kind.to_string(), vec![sample])),
        }
    }

    // Baseline: a LIKE scan, newest first, for the single-word queries.
    let mut like = Vec::new();
    let mut stmt = store.conn().prepare(
        "SELECT id FROM turns WHERE coalesce(corrected_text, heard_text) LIKE ?1
          ORDER BY started_at DESC LIMIT 20",
    )?;
    for q in qs.iter().filter(|q| q.kind.ends_with("word")).take(40) {
        let t = Instant::now();
        let n = stmt
            .query_map([format!("%{}%", q.text)], |r| r.get::<_, i64>(0))?
            .count();
        like.push((ms(t), n));
    }
    drop(stmt);

    let search = latency(&all);
    Ok(StoreReport {
        turns: made + 100,
        conversations: conversations + 1,
        db_mb,
        insert_s,
        insert_turns_per_s: made as f64 / insert_s,
        add_turn_p50_ms: percentile(&add_ms, 50.0),
        add_turn_p99_ms: percentile(&add_ms, 99.0),
        open_ms,
        target_met: search.p99_ms < TARGET_P99_MS,
        search,
        search_by_kind: by_kind
            .iter()
            .map(|(k, v)| (k.clone(), latency(v)))
            .collect(),
        baseline_like: latency(&like),
        target_p99_ms: TARGET_P99_MS,
    })
}
