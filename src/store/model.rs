//! The store's typed records. Times are milliseconds since the Unix epoch (UTC).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A conversation's id, shown as `c12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationId(#[cfg_attr(feature = "ts", ts(type = "number"))] pub i64);

/// A turn's id, shown as `t345`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TurnId(#[cfg_attr(feature = "ts", ts(type = "number"))] pub i64);

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

impl fmt::Display for TurnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// What an id on the command line names: `c12` a conversation, `t345` a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemId {
    Conversation(ConversationId),
    Turn(TurnId),
}

impl FromStr for ItemId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let number = |rest: &str| {
            rest.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`{s}` is not an id (ids look like c12 or t345)"))
        };
        match s.chars().next() {
            Some('c' | 'C') => Ok(ItemId::Conversation(ConversationId(number(&s[1..])?))),
            Some('t' | 'T') => Ok(ItemId::Turn(TurnId(number(&s[1..])?))),
            Some(c) if c.is_ascii_digit() => Err(format!(
                "`{s}` could be a conversation or a turn: say c{s} or t{s}"
            )),
            _ => Err(format!("`{s}` is not an id (ids look like c12 or t345)")),
        }
    }
}

impl FromStr for ConversationId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(ConversationId(n)),
            _ => match s.parse::<ItemId>()? {
                ItemId::Conversation(c) => Ok(c),
                ItemId::Turn(t) => Err(format!("{t} is a turn, not a conversation")),
            },
        }
    }
}

impl FromStr for TurnId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(TurnId(n)),
            _ => match s.parse::<ItemId>()? {
                ItemId::Turn(t) => Ok(t),
                ItemId::Conversation(c) => Err(format!("{c} is a conversation, not a turn")),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Speaker {
    #[default]
    User,
    Companion,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::User => "user",
            Speaker::Companion => "companion",
        }
    }

    pub fn parse(s: &str) -> Option<Speaker> {
        match s.trim().to_ascii_lowercase().as_str() {
            "user" | "you" | "me" | "person" => Some(Speaker::User),
            "companion" | "tofu" | "assistant" | "it" => Some(Speaker::Companion),
            _ => None,
        }
    }
}

/// How a conversation came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Source {
    /// Talking to the companion (microphone or a WAV file used as one).
    Live,
    /// Recordings imported with `tofu transcribe --save`.
    Recording,
    /// Typed in instead of spoken.
    Typed,
    /// Brought in from a `tofu history export --format json` file.
    Imported,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Live => "live",
            Source::Recording => "recording",
            Source::Typed => "typed",
            Source::Imported => "imported",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "live" => Some(Source::Live),
            "recording" => Some(Source::Recording),
            "typed" => Some(Source::Typed),
            "imported" => Some(Source::Imported),
            _ => None,
        }
    }
}

/// A turn to store. `uid` is made up when `None` (imports keep theirs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NewTurn {
    pub uid: Option<String>,
    pub speaker: Speaker,
    pub started_at: i64,
    pub ended_at: i64,
    /// What was heard (user) or said (companion).
    pub text: String,
    pub corrected_text: Option<String>,
    pub corrected_at: Option<i64>,
    pub language: Option<String>,
    pub confidence: Option<f64>,
    /// The speech-to-text model (user) or language model (companion).
    pub model: Option<String>,
    /// For companion turns: the reply engine (e.g. `llama.cpp`, `openai`, `remix`).
    pub engine: Option<String>,
    /// For companion turns: the persona that answered.
    pub persona: Option<String>,
}

impl NewTurn {
    pub fn user(text: impl Into<String>, started_at: i64, ended_at: i64) -> NewTurn {
        NewTurn {
            speaker: Speaker::User,
            text: text.into(),
            started_at,
            ended_at,
            ..NewTurn::default()
        }
    }

    pub fn companion(text: impl Into<String>, started_at: i64, ended_at: i64) -> NewTurn {
        NewTurn {
            speaker: Speaker::Companion,
            ..NewTurn::user(text, started_at, ended_at)
        }
    }
}

/// Where a new turn's audio comes from.
#[derive(Debug, Clone)]
pub enum AudioIn<'a> {
    /// 16 kHz mono samples, written into the data folder.
    Samples(&'a [f32]),
    /// A file already inside the data folder (e.g. saved by the live loop).
    InDataDir(&'a std::path::Path),
    /// A file elsewhere, copied in.
    CopyFrom(&'a std::path::Path),
}

/// A stored turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Turn {
    pub id: TurnId,
    pub uid: String,
    pub conversation_id: ConversationId,
    pub speaker: Speaker,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_at: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ended_at: i64,
    /// What was heard (user) or said (companion), never overwritten.
    pub heard_text: String,
    /// The person's correction, if they made one.
    pub corrected_text: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub corrected_at: Option<i64>,
    pub language: Option<String>,
    pub confidence: Option<f64>,
    pub model: Option<String>,
    pub engine: Option<String>,
    pub persona: Option<String>,
    /// Relative to the data folder.
    pub audio_path: Option<String>,
}

impl Turn {
    /// The text as it stands: the correction if there is one.
    pub fn text(&self) -> &str {
        self.corrected_text.as_deref().unwrap_or(&self.heard_text)
    }
}

/// A conversation with its turns in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conversation {
    pub id: ConversationId,
    pub uid: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_at: i64,
    pub title: Option<String>,
    pub source: Source,
    pub turns: Vec<Turn>,
}

/// One line of `tofu history list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationSummary {
    pub id: ConversationId,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_at: i64,
    /// The last turn's end (the start when there are no turns).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ended_at: i64,
    pub title: Option<String>,
    pub source: Source,
    pub turns: u32,
    /// The beginning of the first turn.
    pub preview: String,
}

/// A time window; either end may be open. `until` is exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// A full-text search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Words (all must appear, any order), `"quoted phrases"`, `OR` between
    /// alternatives, a trailing `*` for a prefix.
    pub text: String,
    pub range: TimeRange,
    pub speaker: Option<Speaker>,
    /// At most this many hits (default 20).
    pub limit: Option<u32>,
}

/// One search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    pub turn_id: TurnId,
    pub conversation_id: ConversationId,
    pub speaker: Speaker,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_at: i64,
    /// The matching part of the text, hits wrapped in the markers asked for.
    pub snippet: String,
    /// bm25 relevance (lower is better, as SQLite reports it).
    pub rank: f64,
}

/// What a deletion removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deleted {
    pub conversations: u32,
    pub turns: u32,
    pub audio_files: u32,
}
