// The app's commands are declared here so that Tauri generates a permission
// for each (`allow-<command>`): the window may call only those its
// capability (capabilities/default.json) lists.
const COMMANDS: &[&str] = &[
    "status",
    "ui_ready",
    "session_state",
    "session_start",
    "session_stop",
    "session_mode",
    "session_talk",
    "session_interrupt",
    "session_say",
    "history_conversations",
    "history_conversation",
    "history_search",
    "history_audio",
    "history_correct",
    "history_delete_turn",
    "history_delete_day",
    "history_export",
    "persona_get",
    "persona_set",
    "persona_presets",
    "persona_try",
    "style_portrait",
    "style_exclude",
    "style_reset",
    "settings_get",
    "devices_list",
    "devices_set",
    "devices_test_input",
    "devices_test_output",
    "settings_set_voice",
    "settings_set_reply",
    "settings_set_retention",
    "settings_set_theme",
    "settings_set_start_at_login",
    "settings_first_run_done",
    "forget_everything",
    "logs_open",
    "diagnostics",
    "models_list",
    "models_fetch",
    "models_delete",
    "models_import_whisper",
    "models_catalogue",
    "models_discover",
    "models_use",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
