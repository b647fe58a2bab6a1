//! History out of the store and back in: Markdown and plain text for
//! people, SRT and WebVTT subtitles (one cue per turn, timed from the start
//! of the first exported conversation), and JSON that `import` reads back
//! without loss.

mod json;
mod subtitles;
mod text;

use std::str::FromStr;

use crate::store::{Conversation, Speaker, Turn};

pub use json::{import_json, to_json, HistoryDoc, ImportReport};

/// The name the companion goes by when a turn does not say.
pub const DEFAULT_COMPANION: &str = "Tofu";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Text,
    Srt,
    Vtt,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "txt" | "text" => Ok(Format::Text),
            "srt" => Ok(Format::Srt),
            "vtt" | "webvtt" => Ok(Format::Vtt),
            _ => Err(format!("unknown format `{s}` (md, json, txt, srt or vtt)")),
        }
    }
}

/// Renders conversations (oldest first) in `format`. `data_dir` is recorded
/// in JSON so an import elsewhere can find the audio.
pub fn render(
    format: Format,
    conversations: &[Conversation],
    data_dir: &std::path::Path,
) -> String {
    match format {
        Format::Markdown => text::markdown(conversations),
        Format::Text => text::plain(conversations),
        Format::Srt => subtitles::srt(conversations),
        Format::Vtt => subtitles::vtt(conversations),
        Format::Json => to_json(conversations, data_dir),
    }
}

/// Who spoke a turn, as people read it.
pub fn speaker_name(turn: &Turn) -> &str {
    match turn.speaker {
        Speaker::User => "You",
        Speaker::Companion => turn
            .persona
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or(DEFAULT_COMPANION),
    }
}

/// Writes an export: to a temporary file beside `path`, synced, then renamed
/// into place (a full disk or a crash never leaves half a file, nor touches
/// another file).
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> crate::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .ok_or_else(|| crate::Error::Invalid(format!("{} is not a file name", path.display())))?;
    let tmp = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        tofu_models::durable::rename_durably(&tmp, path)
    };
    write().map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        crate::Error::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}
