//! `tofu bench ...`: benchmarks that print figures, each with its baseline
//! measured in the same run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use tofu::stt::{TranscribeOptions, DEFAULT_MODEL};
use tofu::Paths;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Speech to text over a folder with a manifest.tsv: WER, real-time factor,
    /// model load time and peak RSS, for Tofu's path and whisper.cpp's plain decode
    Asr {
        /// Folder with manifest.tsv (file<TAB>reference...) and the WAV files
        #[arg(long, default_value = "../shared/testdata/speech/dev")]
        data: PathBuf,
        /// One JSON object (with per-file rows) instead of the table
        #[arg(long)]
        json: bool,
        /// A ggml whisper model to use instead of the installed default
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// Encoder frames past the audio (20 ms each; Tofu's default unless given)
        #[arg(long, value_name = "FRAMES")]
        ctx_margin: Option<u32>,
    },
    /// Turn-taking on recordings of one utterance each (make_paused.py's
    /// folders): share heard as more than one turn (cut-ins), the wait when
    /// done, the end-of-turn model's cost; baseline: the silence rule alone
    Turns {
        /// Folder with manifest.tsv (file, reference[, pause_at_s, pause_ms]) and the WAV files
        #[arg(long)]
        data: PathBuf,
        /// The pause (ms) at which the model is asked (default: the app's)
        #[arg(long, value_name = "MS")]
        decide_ms: Option<u32>,
        /// The pause (ms) that ends a turn the model calls unfinished (default: the app's)
        #[arg(long, value_name = "MS")]
        ceiling_ms: Option<u32>,
        /// After a "not yet" or a doubt, ask again every MS of pause (default: the app's)
        #[arg(long, value_name = "MS")]
        reask_ms: Option<u32>,
        /// The pause (ms) that ends a turn that sounds finished but whose
        /// words trail (default: the app's)
        #[arg(long, value_name = "MS")]
        doubt_ms: Option<u32>,
        /// The longest pause (ms) a turn the judge called finished is held
        /// open (here no reply is written: always this long; default: the app's)
        #[arg(long, value_name = "MS")]
        hold_ms: Option<u32>,
        /// One JSON object (with per-file rows) instead of the table
        #[arg(long)]
        json: bool,
    },
    /// The embedded chat model answering turns with context: load time, first
    /// token, first sentence, tokens/s, worker memory; baseline: nothing cached
    Reply {
        /// A GGUF chat model instead of the installed default
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// One JSON object instead of the table
        #[arg(long)]
        json: bool,
    },
    /// The whole loop left running in real time on speech files played in a
    /// loop: memory (with the worker), open files and threads over time,
    /// growth after warm-up, and how much was heard and answered
    Soak {
        /// How long to run, minutes
        #[arg(long, value_name = "N")]
        minutes: f64,
        /// Folder with manifest.tsv and the WAV files
        #[arg(long, default_value = "../shared/testdata/speech/dev")]
        data: PathBuf,
        /// How many of its files to play in turn
        #[arg(long, default_value_t = 6)]
        files: usize,
        /// Seconds between samples
        #[arg(long, default_value_t = 30.0)]
        every: f64,
        /// One JSON object (with every sample) instead of the table
        #[arg(long)]
        json: bool,
    },
    /// The whole loop in real time (WAV microphone, WAV speaker, default
    /// models): true end of speech → first reply sound, median/p90, stages,
    /// and the plain sequential pipeline on the same files
    Latency {
        /// Folder with manifest.tsv and the WAV files
        #[arg(long, default_value = "../shared/testdata/speech/dev")]
        data: PathBuf,
        /// Only the first N files
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// End turns after 560 ms of silence instead of judging each pause
        #[arg(long)]
        silence_rule: bool,
        /// The longest pause (ms) a turn judged finished is held open
        /// while its reply is written (default: the app's)
        #[arg(long, value_name = "MS")]
        hold_ms: Option<u32>,
        /// One JSON object (with per-turn rows) instead of the table
        #[arg(long)]
        json: bool,
    },
    /// Mirroring: replies of two authors' profiles at mirror 1.0 and 0.0,
    /// attributed by a held-out classifier; relevance, perplexity, costs
    Style {
        /// Folder with two authors' .txt files (letters separated by `---` lines)
        #[arg(long, default_value = "../shared/testdata/style")]
        text: PathBuf,
        /// How many of the 30 fixed prompts to use
        #[arg(long, default_value_t = 30)]
        prompts: usize,
        /// A GGUF chat model instead of the installed default
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// One JSON object instead of the table
        #[arg(long)]
        json: bool,
    },
    /// Scripted conversations answered as `tofu chat` answers them: per rule
    /// (degenerate, parroting, role confusion, self-addressing, leaked
    /// instructions, invented words, mood contradicted) the share of replies
    /// that break it, recall across sessions, first-sentence latency
    Conversation {
        /// A JSON script (items of sessions of {say, mood}; recall words)
        #[arg(long, default_value = "../shared/testdata/conversation/dev.json")]
        data: PathBuf,
        /// Persona settings (KEY=VALUE, repeatable) over the default persona
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// A GGUF chat model instead of the installed default
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// One JSON object (with every reply) instead of the table
        #[arg(long)]
        json: bool,
    },
    /// The history at scale: insert N turns of real text into a fresh
    /// database, then search latency (p50/p99) against a LIKE-scan baseline
    Store {
        /// How many turns to insert
        #[arg(long, default_value_t = 100_000)]
        turns: usize,
        /// How many searches to time
        #[arg(long, default_value_t = 400)]
        queries: usize,
        /// Folder of .txt files the turns' text is drawn from
        #[arg(long, default_value = "../shared/testdata/style")]
        text: PathBuf,
        /// An empty folder to build the database in [default: a temporary one, removed after]
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// One JSON object instead of the table
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: BenchCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Conversation {
            data,
            overrides,
            model,
            json,
        } => conversation(&data, &overrides, model, json, paths),
        BenchCommand::Style {
            text,
            prompts,
            model,
            json,
        } => {
            let model = match model {
                Some(m) => m,
                None => paths.model_store().require_main(tofu::llm::DEFAULT_MODEL)?,
            };
            let bg =
                std::sync::Arc::new(tofu::style::Background::load_default(&paths.model_store())?);
            let lexicon = tofu::mind::load::lexicon(paths);
            let r = tofu::bench::style::run(&text, &model, &bg, lexicon, prompts)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "style: model {}, {} prompts per profile",
                r.model, r.prompts
            );
            for a in &r.authors {
                println!(
                    "  {}: learned {} passages ({} words; a passage is a blank-line-separated block) at {:.1} ms per passage; held-out perplexity {:.0} under own model, {:.0} under the other's",
                    a.author, a.learned_docs, a.learned_words, a.learn_ms_per_doc, a.perplexity_own, a.perplexity_other
                );
            }
            println!(
                "{:<8} {:>8} {:>12} {:>18} {:>10} {:>11} {:>26} {:>10} {:>11}",
                "mirror",
                "replies",
                "attribution",
                "per author",
                "relevance",
                "mean words",
                "authors' own, same length",
                "parroting",
                "PMI median"
            );
            for s in &r.settings {
                let per: Vec<String> = s
                    .attribution_by_author
                    .iter()
                    .map(|a| format!("{:.0}%", a * 100.0))
                    .collect();
                println!(
                    "{:<8.1} {:>8} {:>11.0}% {:>18} {:>9.0}% {:>11.1} {:>25.0}% {:>9.0}% {:>11.2}",
                    s.mirror,
                    s.replies,
                    s.attribution * 100.0,
                    per.join(" / "),
                    s.relevance * 100.0,
                    s.mean_words,
                    s.own_writing_attribution * 100.0,
                    s.parroting * 100.0,
                    s.pmi_median
                );
            }
            println!(
                "(authors' own, same length: the classifier on passages of the authors' unseen writing as long as the mean reply, the most a reply that long can expect)"
            );
            println!(
                "relevance at 1.0 is {:.0}% of relevance at 0.0 (target >= 80%); attribution (a parroting reply never counts) target >= 70% at 1.0, near 50% at 0.0",
                r.relevance_kept * 100.0
            );
            println!(
                "what replies owe their prompt: PMI median at 1.0 is {:.0}% of 0.0's (target >= 50%; nats per token of the reply, plain model, own prompt minus the next one)",
                r.pmi_kept * 100.0
            );
            println!(
                "style hints (card + exemplars + fusion) in {:.1} ms; classifier on held-out letters: {:.0}%",
                r.card_ms,
                r.classifier_accuracy_on_letters * 100.0
            );
            for (author, prompt, mirror, reply) in r.samples.iter().take(8) {
                println!("  [{author} @ {mirror:.1}] {prompt} -> {reply}");
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Soak {
            minutes,
            data,
            files,
            every,
            json,
        } => {
            let r = tofu::bench::soak::run(paths, &data, minutes, files, every)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "soak: {:.1} min, {} files in a loop: {} utterances played, {} turns heard, {} answered; WER {:.1}%",
                r.minutes,
                r.files.len(),
                r.played,
                r.heard,
                r.replies,
                r.wer * 100.0
            );
            println!(
                "{:>8} {:>9} {:>10} {:>6} {:>8} {:>6} {:>8}",
                "t s", "RSS MB", "worker MB", "files", "threads", "heard", "replies"
            );
            for x in &r.samples {
                println!(
                    "{:>8.0} {:>9.1} {:>10.1} {:>6} {:>8} {:>6} {:>8}",
                    x.t_s, x.rss_mb, x.worker_rss_mb, x.open_files, x.threads, x.heard, x.replies
                );
            }
            println!(
                "after warm-up ({:.0} s) -> end: RSS {:.1} -> {:.1} MB ({:+.1}%, target within 10%), open files {} -> {}, threads {} -> {}",
                r.warm_s,
                r.rss_warm_mb,
                r.rss_end_mb,
                r.rss_growth * 100.0,
                r.open_files_warm,
                r.open_files_end,
                r.threads_warm,
                r.threads_end
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Latency {
            data,
            limit,
            silence_rule,
            hold_ms,
            json,
        } => {
            let work =
                std::env::temp_dir().join(format!("tofu-bench-latency-{}", std::process::id()));
            let result =
                tofu::bench::latency::run(paths, &data, limit, !silence_rule, hold_ms, &work);
            let _ = std::fs::remove_dir_all(&work);
            let r = result?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "latency: {} turns from {} ({} answered), voice {}, model {}",
                r.turns,
                r.data.display(),
                r.answered,
                r.voice,
                r.model
            );
            println!(
                "end of speech -> first reply sound: median {:.0} ms, p90 {:.0} ms (target: median <= 700 ms, p90 <= 1200 ms)",
                r.median_ms, r.p90_ms
            );
            println!(
                "words heard: WER {:.1}% (sequential pipeline: {:.1}%)",
                r.wer * 100.0,
                r.sequential_wer * 100.0
            );
            println!(
                "cut-ins: {} of {} files heard as more than one turn or answered before their speech ended; {} heard as no turn at all",
                r.cut_ins, r.turns, r.unheard
            );
            println!(
                "sequential pipeline (whole transcript, whole reply, whole synthesis): median {:.0} ms, p90 {:.0} ms; {:.1}x slower",
                r.sequential_median_ms, r.sequential_p90_ms, r.ratio
            );
            println!(
                "stages (medians): end of turn detected {:.0} ms, final transcript +{:.0} ms, first sentence +{:.0} ms, first audio synthesized +{:.0} ms, to the speaker +{:.0} ms",
                r.end_of_turn_ms, r.transcript_ms, r.first_sentence_ms, r.first_audio_ms, r.playout_ms
            );
            for t in &r.per_turn {
                let f = |x: Option<f64>| x.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into());
                let cut = if t.turns_heard > 1 || t.spoke_early {
                    format!(" [cut in: {} turns]", t.turns_heard)
                } else {
                    String::new()
                };
                println!(
                    "  {:<34} {:>6} ms (sequential {:>6})  {} -> {}{cut}",
                    t.file,
                    f(t.latency_ms),
                    f(t.sequential_latency_ms),
                    t.heard,
                    t.reply
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Reply { model, json } => {
            let model = match model {
                Some(m) => m,
                None => paths.model_store().require_main(tofu::llm::DEFAULT_MODEL)?,
            };
            let work =
                std::env::temp_dir().join(format!("tofu-bench-reply-{}", std::process::id()));
            let result = tofu::bench::reply::run(&model, &work);
            let _ = std::fs::remove_dir_all(&work);
            let r = result?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "reply: model {}, worker ready in {:.0} ms (model load {:.0} ms), worker peak RSS {:.0} MB",
                r.model, r.start_ms, r.load_ms, r.worker_peak_rss_mb
            );
            println!(
                "{:<6} {:>7} {:>7} {:>12} {:>15} {:>9} {:>7} {:>17} {:>20}",
                "turn",
                "prompt",
                "reused",
                "first tok ms",
                "first sent. ms",
                "total ms",
                "tok/s",
                "cold first tok ms",
                "cold first sent. ms"
            );
            for (i, t) in r.turns.iter().enumerate() {
                println!(
                    "{:<6} {:>7} {:>7} {:>12.0} {:>15.0} {:>9.0} {:>7.1} {:>17.0} {:>20.0}",
                    i + 1,
                    t.prompt_tokens,
                    t.reused_tokens,
                    t.first_token_ms,
                    t.first_sentence_ms,
                    t.total_ms,
                    t.tokens_per_s,
                    t.cold_first_token_ms,
                    t.cold_first_sentence_ms
                );
            }
            println!(
                "median: first token {:.0} ms (cold {:.0} ms), first sentence {:.0} ms (cold {:.0} ms), {:.1} tokens/s",
                r.first_token_median_ms,
                r.cold_first_token_median_ms,
                r.first_sentence_median_ms,
                r.cold_first_sentence_median_ms,
                r.tokens_per_s_median
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Store {
            turns,
            queries,
            text,
            dir,
            json,
        } => {
            let (work, temporary) = match dir {
                Some(d) => (d, false),
                None => (
                    std::env::temp_dir().join(format!("tofu-bench-store-{}", std::process::id())),
                    true,
                ),
            };
            let result = tofu::bench::store::run(&text, &work, turns, queries);
            if temporary {
                let _ = std::fs::remove_dir_all(&work);
            }
            let r = result?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "store: {} turns in {} conversations, database {:.1} MB",
                r.turns, r.conversations, r.db_mb
            );
            println!(
                "insert: {:.1} s ({:.0} turns/s, one transaction per conversation); one live turn synced: p50 {:.2} ms, p99 {:.2} ms",
                r.insert_s, r.insert_turns_per_s, r.add_turn_p50_ms, r.add_turn_p99_ms
            );
            println!(
                "open (integrity quick check + migrations): {:.0} ms",
                r.open_ms
            );
            println!(
                "{:<22} {:>7} {:>9} {:>9} {:>9} {:>9}",
                "search", "queries", "p50 ms", "p99 ms", "max ms", "mean hits"
            );
            let row = |name: &str, l: &tofu::bench::store::Latency| {
                println!(
                    "{name:<22} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.1}",
                    l.queries, l.p50_ms, l.p99_ms, l.max_ms, l.mean_hits
                )
            };
            row("fts5, all queries", &r.search);
            for (kind, l) in &r.search_by_kind {
                row(&format!("  {kind}"), l);
            }
            row("baseline: LIKE scan", &r.baseline_like);
            println!(
                "target: search p99 < {:.0} ms: {} ({:.2} ms); baseline p50 is {:.0}x the FTS p50",
                r.target_p99_ms,
                if r.target_met { "met" } else { "MISSED" },
                r.search.p99_ms,
                r.baseline_like.p50_ms / r.search.p50_ms.max(1e-6)
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Turns {
            data,
            decide_ms,
            ceiling_ms,
            reask_ms,
            doubt_ms,
            hold_ms,
            json,
        } => {
            let model = tofu::hear::smart_turn::SmartTurn::load_default(&paths.model_store())?;
            let mut vad = tofu::hear::VadConfig::default();
            vad.decide_ms = decide_ms.unwrap_or(vad.decide_ms);
            vad.ceiling_ms = ceiling_ms.unwrap_or(vad.ceiling_ms);
            vad.reask_ms = reask_ms.unwrap_or(vad.reask_ms);
            vad.doubt_ms = doubt_ms.unwrap_or(vad.doubt_ms);
            vad.hold_ms = hold_ms.unwrap_or(vad.hold_ms);
            let stt =
                std::sync::Arc::new(tofu::stt::SpeechModel::load_default(&paths.model_store())?);
            let r = tofu::bench::turns::turns(&data, model, stt, &vad)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("turns: {} files in {}", r.files, r.data.display());
            println!(
                "{:<34} {:>8} {:>9} {:>15} {:>12}",
                "rule", "cut-ins", "cut-in %", "end wait p50 ms", "p90 ms"
            );
            let silence = format!("silence {} ms", r.end_silence_ms);
            let smart = format!(
                "smart turn at {} ms, up to {} ms",
                r.decide_ms, r.ceiling_ms
            );
            let judged = format!(
                "smart turn + words (doubt {} ms, hold {} ms)",
                r.doubt_ms, r.hold_ms
            );
            for (name, f) in [
                (silence, &r.silence),
                (smart, &r.smart),
                (judged, &r.judged),
            ] {
                println!(
                    "{name:<34} {:>8} {:>8.1}% {:>15.0} {:>12.0}",
                    f.cut_ins,
                    f.cut_in_rate * 100.0,
                    f.end_wait_median_ms,
                    f.end_wait_p90_ms
                );
            }
            println!(
                "end-of-turn model: {} decisions, median {:.1} ms, p90 {:.1} ms (1 thread)",
                r.decisions, r.decision_median_ms, r.decision_p90_ms
            );
            println!(
                "sound + words: {} decisions, median {:.1} ms, p90 {:.1} ms (the sound beside the transcript)",
                r.judged_decisions, r.judged_decision_median_ms, r.judged_decision_p90_ms
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Asr {
            data,
            json,
            model,
            ctx_margin,
        } => {
            let model = match model {
                Some(m) => m,
                None => paths.model_store().require_main(DEFAULT_MODEL)?,
            };
            let base = TranscribeOptions::default();
            let opts = TranscribeOptions {
                ctx_margin: ctx_margin.unwrap_or(base.ctx_margin),
                ..base
            };
            let report = tofu::bench::asr(&data, &model, &opts)?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "asr: {} files, {:.1} s of audio, model {} (load {:.0} ms)",
                report.files,
                report.audio_s,
                report.model.display(),
                report.model_load_ms
            );
            println!(
                "{:<8} {:>7} {:>7} {:>14} {:>12} {:>12}",
                "path", "WER", "RTF", "short mean ms", "mean ms", "peak RSS MB"
            );
            for (name, f) in [("tofu", &report.tofu), ("plain", &report.plain)] {
                println!(
                    "{name:<8} {:>6.1}% {:>7.3} {:>14.0} {:>12.0} {:>12.0}",
                    f.wer * 100.0,
                    f.rtf,
                    f.short_mean_ms,
                    f.mean_ms,
                    f.peak_rss_mb
                );
            }
            println!(
                "tofu: VAD + encoder context trimmed to each utterance + no-speech gate; plain: whole file, 30 s window (short = under {} s)",
                tofu::bench::SHORT_S
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn conversation(
    data: &std::path::Path,
    overrides: &[String],
    model: Option<PathBuf>,
    json: bool,
    paths: &Paths,
) -> anyhow::Result<ExitCode> {
    use tofu::bench::conversation as bench;
    let mut persona = tofu::mind::Persona::default();
    for o in overrides {
        persona.set(o)?;
    }
    let model = match model {
        Some(m) => m,
        None => paths.model_store().require_main(tofu::llm::DEFAULT_MODEL)?,
    };
    let script = bench::Script::load(data)?;
    let models = paths.model_store();
    let bg = std::sync::Arc::new(tofu::style::Background::load_default(&models)?);
    let lexicon = std::sync::Arc::new(tofu::mind::rules::Lexicon::english(&models)?);
    let work = std::env::temp_dir().join(format!("tofu-bench-conversation-{}", std::process::id()));
    let result = bench::run(&script, &model, &persona, &bg, &lexicon, &work);
    let _ = std::fs::remove_dir_all(&work);
    let r = result?;
    if json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    let p = &r.persona;
    println!(
        "conversation: model {}, {} items, {} replies; persona warmth {} playfulness {} curiosity {} verbosity {} formality {} mirroring {}",
        r.model, r.items, r.replies, p.warmth, p.playfulness, p.curiosity, p.verbosity, p.formality, p.mirroring
    );
    println!("{:<22} {:>8} {:>7}", "rule", "replies", "share");
    for (rule, f) in &r.rules {
        println!("{rule:<22} {:>8} {:>6.1}%", f.replies, f.share * 100.0);
    }
    println!(
        "{:<22} {:>8}",
        "recall",
        format!("{}/{}", r.recall_hits, r.recall_items)
    );
    println!(
        "first sentence: median {:.0} ms; well-formed replies {} of {}: {:.1} words, {:.2} questions per reply",
        r.first_sentence_median_ms,
        r.well_formed,
        r.replies,
        r.well_formed_mean_words,
        r.well_formed_questions_per_reply
    );
    println!("(words looked up in: {})", r.word_lists.join(", "));
    for row in &r.rows {
        let broken: Vec<String> = row
            .broken
            .iter()
            .map(|b| format!("{} {}", b.rule.name(), b.evidence))
            .collect();
        let recall = match row.recalled {
            Some(true) => " [recalled]",
            Some(false) => " [NOT recalled]",
            None => "",
        };
        println!(
            "  {:<8} {:?} x{} {} -> {}{}{}",
            row.at,
            row.mood,
            row.tries,
            row.say,
            row.reply,
            recall,
            if broken.is_empty() {
                String::new()
            } else {
                format!("  << {}", broken.join("; "))
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
