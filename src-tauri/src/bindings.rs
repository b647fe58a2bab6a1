//! The shell's own IPC types, and the TypeScript declarations of every type
//! that crosses IPC (engine types included), kept in `ui/src/bindings.ts`.
//! A unit test fails when that file is stale; `TOFU_BLESS=1` rewrites it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Markdown,
    Json,
    Text,
    Srt,
    Vtt,
}

impl From<ExportFormat> for tofu::export::Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Markdown => tofu::export::Format::Markdown,
            ExportFormat::Json => tofu::export::Format::Json,
            ExportFormat::Text => tofu::export::Format::Text,
            ExportFormat::Srt => tofu::export::Format::Srt,
            ExportFormat::Vtt => tofu::export::Format::Vtt,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub persona: tofu::mind::Persona,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TryReply {
    pub text: String,
    pub engine: String,
    /// It was also said out loud.
    pub spoken: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Devices {
    pub inputs: Vec<tofu::audio::mic::InputDevice>,
    pub outputs: Vec<String>,
    /// The person's choice (`None`: the system default).
    pub input: Option<String>,
    pub output: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeviceTest {
    pub device: String,
    pub peak: f32,
    pub rms: f32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Settings {
    pub data_dir: String,
    pub models_dir: String,
    /// Where the app's log files are (see `logs_open`).
    pub logs_dir: String,
    pub voice: tofu::tts::VoiceSettings,
    pub reply: tofu::mind::backend::ReplySettings,
    pub retention: tofu::store::Retention,
    /// Where the model server's key is (`None`: no key), never the key.
    pub api_key: Option<String>,
    pub start_at_login: bool,
    pub first_run_done: bool,
    pub theme: Theme,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ModelProgress {
    pub name: String,
    pub file: String,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// Every declaration, in the order the file lists them.
#[cfg(test)]
pub fn typescript() -> String {
    use tofu::converse::session::{Phase, SessionState};
    use tofu::converse::{CompanionEvent, LoopEvent, Timings};
    use tofu::hear::{EndReason, HearEvent, Heard, Mode};
    use tofu::store::*;
    use tofu::style::portrait::{Portrait, StyleSnapshot};
    use tofu::style::{traits::Traits, Profile, Scored};
    let decls = [
        Speaker::decl(),
        Source::decl(),
        ConversationId::decl(),
        TurnId::decl(),
        Turn::decl(),
        Conversation::decl(),
        ConversationSummary::decl(),
        SearchHit::decl(),
        Deleted::decl(),
        tofu::mind::Persona::decl(),
        Scored::decl(),
        Traits::decl(),
        Profile::decl(),
        tofu::tts::VoiceSettings::decl(),
        tofu::mind::BackendKind::decl(),
        tofu::mind::backend::ReplySettings::decl(),
        Retention::decl(),
        tofu::models::store::FileSummary::decl(),
        tofu::models::manifest::Choice::decl(),
        tofu::models::store::ModelSummary::decl(),
        tofu::catalogue::Role::decl(),
        tofu::catalogue::Machine::decl(),
        tofu::catalogue::Entry::decl(),
        tofu::catalogue::Catalogue::decl(),
        tofu::catalogue::discover::FoundFile::decl(),
        tofu::catalogue::discover::FoundServer::decl(),
        tofu::catalogue::discover::Found::decl(),
        tofu::audio::mic::InputDevice::decl(),
        Mode::decl(),
        EndReason::decl(),
        tofu::stt::Segment::decl(),
        Heard::decl(),
        HearEvent::decl(),
        Timings::decl(),
        CompanionEvent::decl(),
        LoopEvent::decl(),
        Phase::decl(),
        SessionState::decl(),
        ExportFormat::decl(),
        Preset::decl(),
        TryReply::decl(),
        Portrait::decl(),
        StyleSnapshot::decl(),
        Devices::decl(),
        DeviceTest::decl(),
        Theme::decl(),
        Settings::decl(),
        ModelProgress::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types (ts-rs) by the `bindings_are_current` test of\n\
         // src-tauri/src/bindings.rs. Do not edit: change the Rust type, then run\n\
         // `TOFU_BLESS=1 cargo test -p tofu-desktop bindings`.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let want = super::typescript();
        if std::env::var_os("TOFU_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is stale: run `TOFU_BLESS=1 cargo test -p tofu-desktop bindings`"
        );
    }
}
