//! The JSON export: everything the store knows about each conversation, with
//! exact times (RFC 3339, milliseconds) and stable ids, so `import` rebuilds
//! it without loss and importing the same file twice adds nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::write::ImportedConversation;
use crate::store::{Conversation, NewTurn, Source, Speaker, Store};
use crate::timefmt::{parse_rfc3339, rfc3339};

pub const FORMAT: &str = "tofu-history";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryDoc {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    /// The data folder the audio paths are relative to.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    pub conversations: Vec<ConversationDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationDoc {
    pub uid: String,
    pub started_at: String,
    #[serde(default)]
    pub title: Option<String>,
    pub source: Source,
    pub turns: Vec<TurnDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnDoc {
    pub uid: String,
    pub speaker: Speaker,
    pub started_at: String,
    pub ended_at: String,
    /// What was heard (or, for the companion, said).
    pub heard_text: String,
    #[serde(default)]
    pub corrected_text: Option<String>,
    #[serde(default)]
    pub corrected_at: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub confidence: Option<f64>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub engine: Option<String>,
    #[serde(default)]
    pub persona: Option<String>,
    /// Relative to `data_dir`.
    #[serde(default)]
    pub audio: Option<String>,
}

pub fn to_doc(conversations: &[Conversation], data_dir: &Path) -> HistoryDoc {
    HistoryDoc {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: rfc3339(crate::store::now_ms()),
        data_dir: Some(data_dir.to_path_buf()),
        conversations: conversations
            .iter()
            .map(|c| ConversationDoc {
                uid: c.uid.clone(),
                started_at: rfc3339(c.started_at),
                title: c.title.clone(),
                source: c.source,
                turns: c
                    .turns
                    .iter()
                    .map(|t| TurnDoc {
                        uid: t.uid.clone(),
                        speaker: t.speaker,
                        started_at: rfc3339(t.started_at),
                        ended_at: rfc3339(t.ended_at),
                        heard_text: t.heard_text.clone(),
                        corrected_text: t.corrected_text.clone(),
                        corrected_at: t.corrected_at.map(rfc3339),
                        language: t.language.clone(),
                        confidence: t.confidence,
                        model: t.model.clone(),
                        engine: t.engine.clone(),
                        persona: t.persona.clone(),
                        audio: t.audio_path.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn to_json(conversations: &[Conversation], data_dir: &Path) -> String {
    let mut s =
        serde_json::to_string_pretty(&to_doc(conversations, data_dir)).expect("history serialises");
    s.push('\n');
    s
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub conversations: u32,
    pub turns: u32,
    /// Conversations already in the store (same uid), left as they are.
    pub skipped: u32,
    pub audio_copied: u32,
    /// Turns whose audio file could not be found (their text is imported).
    pub audio_missing: u32,
}

/// Imports an export. `source` is the JSON file's path: audio is looked for
/// under the exporting data folder, then beside the file. Each conversation
/// goes in whole or not at all.
pub fn import_json(store: &mut Store, json: &str, source: &Path) -> Result<ImportReport> {
    let bad = |why: String| Error::Invalid(format!("{}: {why}", source.display()));
    let doc: HistoryDoc =
        serde_json::from_str(json).map_err(|e| bad(format!("not a Tofu history export ({e})")))?;
    if doc.format != FORMAT {
        return Err(bad(format!(
            "format is `{}`, expected `{FORMAT}`",
            doc.format
        )));
    }
    if doc.version > VERSION {
        return Err(bad(format!(
            "written by a newer Tofu (export version {}, this one reads {VERSION})",
            doc.version
        )));
    }
    let beside = source.parent().map(Path::to_path_buf).unwrap_or_default();
    // Only `audio/.../*.wav` paths that hold a readable WAV are taken: an
    // export cannot make the import copy any other file.
    let find_audio = |rel: &str| -> Option<PathBuf> {
        let p = Path::new(rel);
        let plain = p
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || !rel.starts_with("audio/") || !rel.ends_with(".wav") {
            return None;
        }
        [doc.data_dir.clone(), Some(beside.clone())]
            .into_iter()
            .flatten()
            .map(|d| d.join(p))
            .find(|f| f.is_file() && hound::WavReader::open(f).is_ok())
    };
    let check_uid = |uid: &str| -> Result<()> {
        let ok = (1..=64).contains(&uid.len())
            && uid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(())
        } else {
            Err(bad(format!("malformed id {uid:?}")))
        }
    };
    // Check the whole file before writing anything.
    let mut plans = Vec::with_capacity(doc.conversations.len());
    let mut report = ImportReport::default();
    for c in &doc.conversations {
        check_uid(&c.uid)?;
        let mut missing = 0;
        let started_at = parse_rfc3339(&c.started_at).map_err(&bad)?;
        let mut turns = Vec::with_capacity(c.turns.len());
        for t in &c.turns {
            check_uid(&t.uid)?;
            let audio = match &t.audio {
                Some(rel) => match find_audio(rel) {
                    Some(path) => Some((path, rel.clone())),
                    None => {
                        missing += 1;
                        None
                    }
                },
                None => None,
            };
            turns.push((
                NewTurn {
                    uid: Some(t.uid.clone()),
                    speaker: t.speaker,
                    started_at: parse_rfc3339(&t.started_at).map_err(&bad)?,
                    ended_at: parse_rfc3339(&t.ended_at).map_err(&bad)?,
                    text: t.heard_text.clone(),
                    corrected_text: t.corrected_text.clone(),
                    corrected_at: t
                        .corrected_at
                        .as_deref()
                        .map(parse_rfc3339)
                        .transpose()
                        .map_err(&bad)?,
                    language: t.language.clone(),
                    confidence: t.confidence,
                    model: t.model.clone(),
                    engine: t.engine.clone(),
                    persona: t.persona.clone(),
                },
                audio,
            ));
        }
        let plan = ImportedConversation {
            uid: c.uid.clone(),
            started_at,
            title: c.title.clone(),
            source: c.source,
            turns,
        };
        plans.push((plan, missing));
    }
    for (plan, missing) in &plans {
        match store.import_conversation(plan)? {
            Some(_) => {
                report.audio_missing += missing;
                report.conversations += 1;
                report.turns += plan.turns.len() as u32;
                report.audio_copied +=
                    plan.turns.iter().filter(|(_, a)| a.is_some()).count() as u32;
            }
            None => report.skipped += 1,
        }
    }
    Ok(report)
}
