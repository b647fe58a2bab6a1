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

impl Format {
    /// The file extensions an export in this format may have.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Markdown => &["md", "markdown"],
            Format::Json => &["json"],
            Format::Text => &["txt"],
            Format::Srt => &["srt"],
            Format::Vtt => &["vtt"],
        }
    }
}

/// Checks where an export asked for by someone else (the app's page) may
/// go: an absolute path to a visible file whose extension is the format's,
/// not a folder, not a link, in no hidden folder, at most 4096 bytes. So a page that was
/// tricked cannot write a shell start-up file (`~/.bashrc`, `~/.profile`),
/// an autostart entry (`~/.config/autostart/x.desktop`) or a script with
/// the person's words; what a save dialog offers stays possible.
pub fn check_destination(path: &std::path::Path, format: Format) -> crate::Result<()> {
    let refuse = |why: &str| {
        Err(crate::Error::Invalid(format!(
            "cannot export to `{}`: {why}",
            path.display()
        )))
    };
    if path.as_os_str().len() > 4096 {
        return Err(crate::Error::Invalid("that path is too long".into()));
    }
    if !path.is_absolute() || path.file_name().is_none() {
        return refuse("choose a file");
    }
    use std::path::Component;
    if path.components().any(|c| match c {
        Component::Normal(n) => n.to_string_lossy().starts_with('.'),
        Component::ParentDir => true,
        _ => false,
    }) {
        return refuse("hidden files and folders (and `..`) are not export destinations");
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !format.extensions().contains(&ext.as_str()) {
        return refuse(&format!("the file must end in .{}", format.extensions()[0]));
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => refuse("it is a folder: choose a file"),
        Ok(m) if !m.is_file() => refuse("it is not a plain file"),
        _ => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_go_only_to_visible_files_of_their_format() {
        // Not tempdir(): its ".tmp…" folders are hidden ones.
        let dir = tempfile::Builder::new().prefix("export").tempdir().unwrap();
        let ok = dir.path().join("history.json");
        assert!(check_destination(&ok, Format::Json).is_ok());
        assert!(check_destination(&dir.path().join("notes.MD"), Format::Markdown).is_ok());
        std::fs::write(&ok, "{}").unwrap();
        assert!(
            check_destination(&ok, Format::Json).is_ok(),
            "overwrite as the dialog asked"
        );
        for (path, format) in [
            ("relative.json", Format::Json),
            ("/home/someone/.bashrc", Format::Text),
            ("/home/someone/.profile.txt", Format::Text),
            ("/home/someone/.config/autostart/tofu.txt", Format::Text),
            ("/home/someone/Documents/../.bashrc", Format::Text),
            ("/home/someone/run.sh", Format::Text),
            ("/home/someone/history.json", Format::Text),
            ("/home/someone/history", Format::Json),
        ] {
            assert!(
                check_destination(std::path::Path::new(path), format).is_err(),
                "{path} was accepted"
            );
        }
        let folder = dir.path().join("folder.json");
        std::fs::create_dir(&folder).unwrap();
        assert!(check_destination(&folder, Format::Json).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
            assert!(
                check_destination(&link, Format::Text).is_err(),
                "a link is refused"
            );
        }
    }
}
