//! The Transcripts screen: conversations by day, search, play, correct,
//! delete, export.

use std::path::PathBuf;

use tauri::ipc::Response;
use tauri::State;
use tofu::store::{
    Conversation, ConversationId, ConversationSummary, Deleted, SearchHit, SearchQuery, TimeRange,
    Turn, TurnId,
};

use tofu::store::read::Highlight;

use crate::bindings::ExportFormat;
use crate::state::{msg, App, Cmd};

/// Hits in search snippets are marked with these (the UI makes them
/// `<mark>`s as text nodes: nothing in a transcript is ever HTML).
const HIT_OPEN: &str = "\u{1}";
const HIT_CLOSE: &str = "\u{2}";

#[tauri::command]
pub async fn history_conversations(app: State<'_, App>) -> Cmd<Vec<ConversationSummary>> {
    app.with_store(|s| {
        let mut all = s.conversations(TimeRange::default())?;
        all.reverse(); // newest first
        Ok(all)
    })
}

#[tauri::command]
pub async fn history_conversation(app: State<'_, App>, id: i64) -> Cmd<Conversation> {
    app.with_store(|s| {
        s.conversation(ConversationId(id))?
            .ok_or_else(|| tofu::Error::NotFound(format!("no conversation c{id}")))
    })
}

#[tauri::command]
pub async fn history_search(app: State<'_, App>, text: String) -> Cmd<Vec<SearchHit>> {
    if text.chars().count() > 500 {
        return Err("that search is too long (500 characters at most)".into());
    }
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let q = SearchQuery {
        text,
        limit: Some(50),
        ..SearchQuery::default()
    };
    let mark = Highlight {
        open: HIT_OPEN,
        close: HIT_CLOSE,
    };
    app.with_store(|s| s.search(&q, mark))
}

/// The turn's recording, as the WAV file's bytes.
#[tauri::command]
pub async fn history_audio(app: State<'_, App>, turn_id: i64) -> Cmd<Response> {
    let path = app.with_store(|s| {
        let turn = s
            .turn(TurnId(turn_id))?
            .ok_or_else(|| tofu::Error::NotFound(format!("no turn t{turn_id}")))?;
        let rel = turn
            .audio_path
            .ok_or_else(|| tofu::Error::NotFound(format!("turn t{turn_id} has no recording")))?;
        Ok(s.audio_file(&rel))
    })?;
    let bytes = std::fs::read(&path)
        .map_err(|e| format!("cannot read the recording {}: {e}", path.display()))?;
    Ok(Response::new(bytes))
}

/// `text`: the correction (`None` puts back what was heard).
#[tauri::command]
pub async fn history_correct(app: State<'_, App>, turn_id: i64, text: Option<String>) -> Cmd<Turn> {
    if text.as_ref().is_some_and(|t| t.chars().count() > 20_000) {
        return Err("that correction is too long".into());
    }
    app.with_store(|s| s.correct_turn(TurnId(turn_id), text.as_deref()))
}

#[tauri::command]
pub async fn history_delete_turn(app: State<'_, App>, turn_id: i64) -> Cmd<Deleted> {
    app.with_store(|s| s.delete_turn(TurnId(turn_id)))
}

/// `day`: `YYYY-MM-DD`, local time: every conversation started that day.
#[tauri::command]
pub async fn history_delete_day(app: State<'_, App>, day: String) -> Cmd<Deleted> {
    chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|_| format!("`{day}` is not a day (YYYY-MM-DD)"))?;
    let now = chrono::Local::now();
    let since = tofu::timefmt::parse_user_time(&day, now)?;
    let until = tofu::timefmt::parse_user_until(&day, now)?;
    app.with_store(|s| {
        s.delete_range(TimeRange {
            since: Some(since),
            until: Some(until),
        })
    })
}

/// Writes every conversation to `path` (chosen in the save dialog);
/// returns how many.
#[tauri::command]
pub async fn history_export(app: State<'_, App>, format: ExportFormat, path: String) -> Cmd<u32> {
    let path = PathBuf::from(&path);
    tofu::export::check_destination(&path, format.into()).map_err(|e| e.to_string())?;
    let (text, n) = app.with_store(|s| {
        let all = s.conversations_full(TimeRange::default())?;
        Ok((
            tofu::export::render(format.into(), &all, s.data_dir()),
            all.len() as u32,
        ))
    })?;
    tofu::export::write_file(&path, text.as_bytes()).map_err(msg)?;
    Ok(n)
}
