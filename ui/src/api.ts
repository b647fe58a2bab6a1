// The app's whole IPC surface: one typed function per Tauri command of the
// shell (src-tauri/src/commands/), one subscription per event.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  Catalogue, Conversation, ConversationSummary, Found, Role, Deleted, Devices, DeviceTest, ExportFormat, LoopEvent, Mode,
  ModelProgress, ModelSummary, Persona, Preset, Retention, ReplySettings, SearchHit, SessionState,
  Settings, StylePortrait, Theme, Turn, TryReply, VoiceSettings,
} from "./bindings";

export const api = {
  // Conversation (the loop: microphone -> transcript -> reply -> voice)
  sessionState: () => invoke<SessionState>("session_state"),
  sessionStart: () => invoke<SessionState>("session_start"),
  sessionStop: () => invoke<SessionState>("session_stop"),
  sessionMode: (mode: Mode) => invoke<SessionState>("session_mode", { mode }),
  /** Push-to-talk: held down (true) / released (false). */
  sessionTalk: (down: boolean) => invoke<void>("session_talk", { down }),
  /** The stop button: the companion stops talking at once. */
  sessionInterrupt: () => invoke<void>("session_interrupt"),
  /** Typed instead of spoken: answered like a heard turn. */
  sessionSay: (text: string) => invoke<void>("session_say", { text }),

  // Transcripts
  conversations: () => invoke<ConversationSummary[]>("history_conversations"),
  conversation: (id: number) => invoke<Conversation>("history_conversation", { id }),
  /** Snippets mark hits between \u0001 and \u0002. */
  search: (text: string) => invoke<SearchHit[]>("history_search", { text }),
  /** The turn's audio as WAV bytes. */
  turnAudio: (turnId: number) => invoke<ArrayBuffer>("history_audio", { turnId }),
  correct: (turnId: number, text: string | null) => invoke<Turn>("history_correct", { turnId, text }),
  deleteTurn: (turnId: number) => invoke<Deleted>("history_delete_turn", { turnId }),
  /** `day`: YYYY-MM-DD in local time. */
  deleteDay: (day: string) => invoke<Deleted>("history_delete_day", { day }),
  /** Writes every conversation to `path`; returns how many. */
  exportTo: (format: ExportFormat, path: string) => invoke<number>("history_export", { format, path }),

  // Personality
  persona: () => invoke<Persona>("persona_get"),
  setPersona: (persona: Persona) => invoke<Persona>("persona_set", { persona }),
  presets: () => invoke<Preset[]>("persona_presets"),
  /** A preview reply with `persona` (not saved), spoken if there are speakers. */
  tryPersona: (persona: Persona, text: string) => invoke<TryReply>("persona_try", { persona, text }),

  // You (the style portrait)
  portrait: () => invoke<StylePortrait>("style_portrait"),
  exclude: (phrase: string) => invoke<StylePortrait>("style_exclude", { phrase }),
  resetStyle: () => invoke<StylePortrait>("style_reset"),

  // Settings
  settings: () => invoke<Settings>("settings_get"),
  devices: () => invoke<Devices>("devices_list"),
  /** `input`/`output`: a device name, or null for the system default. */
  setDevices: (input: string | null, output: string | null) => invoke<Devices>("devices_set", { input, output }),
  /** Listens to the input for about a second and reports its level. */
  testInput: (device: string | null) => invoke<DeviceTest>("devices_test_input", { device }),
  /** Says a short sentence on the output. */
  testOutput: (device: string | null) => invoke<void>("devices_test_output", { device }),
  setVoice: (voice: VoiceSettings) => invoke<Settings>("settings_set_voice", { voice }),
  setReply: (reply: ReplySettings) => invoke<Settings>("settings_set_reply", { reply }),
  setRetention: (retention: Retention) => invoke<Settings>("settings_set_retention", { retention }),
  setStartAtLogin: (enabled: boolean) => invoke<Settings>("settings_set_start_at_login", { enabled }),
  setTheme: (theme: Theme) => invoke<Settings>("settings_set_theme", { theme }),
  /** The first-run explanation was read: do not show it again. */
  firstRunDone: () => invoke<Settings>("settings_first_run_done"),
  forgetEverything: () => invoke<void>("forget_everything"),
  /** Opens the logs folder in the system's file manager. */
  openLogs: () => invoke<void>("logs_open"),
  /** Version, system, models, devices: nothing the person said. */
  diagnostics: () => invoke<string>("diagnostics"),
  models: () => invoke<ModelSummary[]>("models_list"),
  /** Downloads (sha256-checked); progress arrives as `onModelProgress`. */
  fetchModel: (name: string) => invoke<ModelSummary[]>("models_fetch", { name }),
  deleteModel: (name: string) => invoke<ModelSummary[]>("models_delete", { name }),
  /** Asks for a faster-whisper folder (the shell's dialog) and converts it; null: cancelled. */
  importWhisper: () => invoke<ModelSummary[] | null>("models_import_whisper"),
  /** The speech and chat models a person can choose, what this machine suits, which is in use. */
  catalogue: () => invoke<Catalogue>("models_catalogue"),
  /** GGUF files and model servers already on this machine (only listed, never used unasked). */
  discover: () => invoke<Found>("models_discover"),
  /** Uses a catalogue model or a listed file for speech or chat (`null`: the default). */
  useModel: (role: Role, model: string | null) => invoke<Catalogue>("models_use", { role, model }),
};

export const events = {
  onLoop: (f: (e: LoopEvent) => void): Promise<UnlistenFn> => listen<LoopEvent>("tofu://loop", (e) => f(e.payload)),
  onSession: (f: (s: SessionState) => void): Promise<UnlistenFn> => listen<SessionState>("tofu://session", (e) => f(e.payload)),
  onModelProgress: (f: (p: ModelProgress) => void): Promise<UnlistenFn> => listen<ModelProgress>("tofu://model-progress", (e) => f(e.payload)),
};
