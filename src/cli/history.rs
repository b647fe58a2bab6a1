//! `tofu history ...`: review what the companion heard and said: list,
//! show, search, correct, delete, export, import, and the audio retention
//! setting. IDs are `c12` for a conversation and `t345` for a turn.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use tofu::export::{self, Format};
use tofu::store::read::Highlight;
use tofu::store::{
    ConversationId, ItemId, Retention, SearchQuery, Speaker, Store, TimeRange, Turn, TurnId,
};
use tofu::timefmt::{self, local, rfc3339};
use tofu::Paths;

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Conversations, oldest first: `ID<TAB>started<TAB>turns<TAB>length<TAB>source<TAB>first words`
    List {
        #[command(flatten)]
        range: RangeArgs,
        /// One JSON object per conversation
        #[arg(long)]
        json: bool,
    },
    /// One conversation, turn by turn (`c12`, or a turn id to show its conversation)
    Show {
        id: String,
        /// The conversation as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Full-text search, best match first: `TURN<TAB>CONVERSATION<TAB>time<TAB>speaker<TAB>snippet`
    /// (hits in [brackets])
    Search {
        /// Words (all must appear), "a phrase", OR between alternatives, word* for a prefix
        query: String,
        #[command(flatten)]
        range: RangeArgs,
        /// Only what `you` or the `companion` said
        #[arg(long, value_name = "WHO")]
        speaker: Option<String>,
        /// At most this many hits
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// One JSON object per hit
        #[arg(long)]
        json: bool,
    },
    /// Correct what was heard in a turn (the original is kept beside it)
    Edit {
        turn: String,
        /// The corrected text
        #[arg(required_unless_present = "revert")]
        text: Option<String>,
        /// Remove the correction and go back to what was heard
        #[arg(long, conflicts_with = "text")]
        revert: bool,
    },
    /// Delete a conversation (`c12`) or a turn (`t345`) with its audio, or
    /// every conversation started in --since/--until
    Delete {
        ids: Vec<String>,
        #[command(flatten)]
        range: RangeArgs,
    },
    /// Export conversations (all, the ids given, or those in --since/--until)
    Export {
        /// md, json, txt, srt or vtt
        #[arg(long, default_value = "md")]
        format: String,
        /// Write here instead of to stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Conversations to export (`c12`)
        ids: Vec<String>,
        #[command(flatten)]
        range: RangeArgs,
    },
    /// Import a JSON export (conversations already here are skipped)
    Import { file: PathBuf },
    /// Show or set how long audio is kept: a number of days, or `forever`
    Retention { keep: Option<String> },
}

#[derive(Debug, Args)]
pub struct RangeArgs {
    /// From this time: 2026-11-26, "2026-11-26 14:30", today, yesterday, 7d, 12h
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Up to this time (a bare date includes that whole day)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

impl RangeArgs {
    pub fn range(&self) -> anyhow::Result<TimeRange> {
        let now = chrono::Local::now();
        let since = self
            .since
            .as_deref()
            .map(|s| timefmt::parse_user_time(s, now))
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let until = self
            .until
            .as_deref()
            .map(|s| timefmt::parse_user_until(s, now))
            .transpose()
            .map_err(anyhow::Error::msg)?;
        Ok(TimeRange { since, until })
    }

    fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

pub fn run(cmd: HistoryCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&paths.data_dir)?;
    match cmd {
        HistoryCommand::List { range, json } => list(&store, range.range()?, json),
        HistoryCommand::Show { id, json } => show(&store, &id, json),
        HistoryCommand::Search {
            query,
            range,
            speaker,
            limit,
            json,
        } => {
            let speaker = speaker
                .map(|s| {
                    Speaker::parse(&s)
                        .with_context(|| format!("--speaker `{s}`: say `you` or `companion`"))
                })
                .transpose()?;
            let q = SearchQuery {
                text: query,
                range: range.range()?,
                speaker,
                limit: Some(limit),
            };
            let hits = store.search(&q, Highlight::default())?;
            for h in &hits {
                if json {
                    let obj = serde_json::json!({
                        "turn": h.turn_id.to_string(),
                        "conversation": h.conversation_id.to_string(),
                        "started_at": rfc3339(h.started_at),
                        "speaker": h.speaker,
                        "snippet": h.snippet,
                        "rank": h.rank,
                    });
                    println!("{obj}");
                } else {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        h.turn_id,
                        h.conversation_id,
                        local(h.started_at).format("%Y-%m-%d %H:%M:%S"),
                        h.speaker.as_str(),
                        one_line(&h.snippet)
                    );
                }
            }
            if hits.is_empty() {
                eprintln!("nothing found");
            }
            Ok(ExitCode::SUCCESS)
        }
        HistoryCommand::Edit { turn, text, revert } => {
            let id: TurnId = turn.parse().map_err(anyhow::Error::msg)?;
            let t = store.correct_turn(id, if revert { None } else { text.as_deref() })?;
            println!("{}\t{}", t.id, one_line(t.text()));
            if t.corrected_text.is_some() {
                eprintln!("kept what was heard beside it: {}", t.heard_text);
            } else {
                eprintln!("no correction: the turn reads as heard");
            }
            Ok(ExitCode::SUCCESS)
        }
        HistoryCommand::Delete { ids, range } => {
            if ids.is_empty() && !range.is_set() {
                bail!("say what to delete: ids (c12, t345) or --since/--until");
            }
            let mut total = tofu::store::Deleted::default();
            for id in &ids {
                let d = match id.parse::<ItemId>().map_err(anyhow::Error::msg)? {
                    ItemId::Conversation(c) => store.delete_conversation(c)?,
                    ItemId::Turn(t) => store.delete_turn(t)?,
                };
                total.conversations += d.conversations;
                total.turns += d.turns;
                total.audio_files += d.audio_files;
            }
            if range.is_set() {
                let d = store.delete_range(range.range()?)?;
                total.conversations += d.conversations;
                total.turns += d.turns;
                total.audio_files += d.audio_files;
            }
            println!(
                "deleted {} conversation(s), {} turn(s), {} audio file(s)",
                total.conversations, total.turns, total.audio_files
            );
            Ok(ExitCode::SUCCESS)
        }
        HistoryCommand::Export {
            format,
            out,
            ids,
            range,
        } => {
            let format: Format = format.parse().map_err(anyhow::Error::msg)?;
            let mut conversations = Vec::new();
            if ids.is_empty() {
                conversations = store.conversations_full(range.range()?)?;
            }
            for id in &ids {
                let cid: ConversationId = id.parse().map_err(anyhow::Error::msg)?;
                conversations.push(
                    store
                        .conversation(cid)?
                        .with_context(|| format!("no conversation {cid}"))?,
                );
            }
            let text = export::render(format, &conversations, store.data_dir());
            match out {
                Some(path) => {
                    export::write_file(&path, text.as_bytes())?;
                    eprintln!(
                        "exported {} conversation(s) to {}",
                        conversations.len(),
                        path.display()
                    );
                }
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        HistoryCommand::Import { file } => {
            let json = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let r = export::import_json(&mut store, &json, &file)?;
            println!(
                "imported {} conversation(s), {} turn(s), {} audio file(s); skipped {} already here",
                r.conversations, r.turns, r.audio_copied, r.skipped
            );
            if r.audio_missing > 0 {
                eprintln!(
                    "warning: the audio of {} turn(s) was not found (their text was imported)",
                    r.audio_missing
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        HistoryCommand::Retention { keep } => {
            if let Some(keep) = keep {
                let days = match keep.trim() {
                    "forever" | "always" => None,
                    n => Some(n.trim_end_matches(['d', 'D']).parse::<u32>().with_context(
                        || format!("`{keep}`: give a number of days or `forever`"),
                    )?),
                };
                let swept = store.set_retention(Retention { days })?;
                if swept > 0 {
                    eprintln!("deleted the audio of {swept} turn(s) past the new limit");
                }
            }
            match store.retention()?.days {
                Some(d) => println!("audio kept {d} days"),
                None => println!("audio kept forever"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(store: &Store, range: TimeRange, json: bool) -> anyhow::Result<ExitCode> {
    for c in store.conversations(range)? {
        if json {
            let obj = serde_json::json!({
                "id": c.id.to_string(),
                "started_at": rfc3339(c.started_at),
                "ended_at": rfc3339(c.ended_at),
                "title": c.title,
                "source": c.source,
                "turns": c.turns,
                "preview": c.preview,
            });
            println!("{obj}");
        } else {
            println!(
                "{}\t{}\t{} turn{}\t{}\t{}\t{}",
                c.id,
                local(c.started_at).format("%Y-%m-%d %H:%M"),
                c.turns,
                if c.turns == 1 { "" } else { "s" },
                timefmt::duration(c.ended_at - c.started_at),
                c.title.as_deref().unwrap_or(c.source.as_str()),
                preview(&c.preview, 60)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(store: &Store, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let cid = match id.parse::<ConversationId>() {
        Ok(c) => c,
        Err(_) => match id.parse::<ItemId>().map_err(anyhow::Error::msg)? {
            ItemId::Turn(t) => {
                store
                    .turn(t)?
                    .with_context(|| format!("no turn {t}"))?
                    .conversation_id
            }
            ItemId::Conversation(c) => c,
        },
    };
    let c = store
        .conversation(cid)?
        .with_context(|| format!("no conversation {cid}"))?;
    if json {
        let turns: Vec<_> = c.turns.iter().map(|t| turn_json(store, t)).collect();
        let obj = serde_json::json!({
            "id": c.id.to_string(),
            "uid": c.uid,
            "started_at": rfc3339(c.started_at),
            "title": c.title,
            "source": c.source,
            "turns": turns,
        });
        println!("{obj}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}  {}  {}  {} turn(s)",
        c.id,
        local(c.started_at).format("%A %-d %B %Y, %H:%M"),
        c.title.as_deref().unwrap_or(c.source.as_str()),
        c.turns.len()
    );
    for t in &c.turns {
        let who = match t.speaker {
            Speaker::User => "you".to_string(),
            Speaker::Companion => export::speaker_name(t).to_string(),
        };
        println!(
            "{}\t{}\t{who}: {}",
            t.id,
            local(t.started_at).format("%H:%M:%S"),
            one_line(t.text())
        );
        if t.corrected_text.is_some() {
            println!("\t\t(heard: {})", one_line(&t.heard_text));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn turn_json(store: &Store, t: &Turn) -> serde_json::Value {
    serde_json::json!({
        "id": t.id.to_string(),
        "uid": t.uid,
        "speaker": t.speaker,
        "started_at": rfc3339(t.started_at),
        "ended_at": rfc3339(t.ended_at),
        "text": t.text(),
        "heard_text": t.heard_text,
        "corrected_text": t.corrected_text,
        "language": t.language,
        "confidence": t.confidence,
        "model": t.model,
        "engine": t.engine,
        "persona": t.persona,
        "audio": t.audio_path.as_deref().map(|a| store.audio_file(a)),
    })
}

fn one_line(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn preview(s: &str, max_chars: usize) -> String {
    let s = one_line(s);
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}
