// Generated from the Rust types (ts-rs) by the `bindings_are_current` test of
// src-tauri/src/bindings.rs. Do not edit: change the Rust type, then run
// `TOFU_BLESS=1 cargo test -p tofu-desktop bindings`.

export type Speaker = "user" | "companion";
export type Source = "live" | "recording" | "typed" | "imported";
export type ConversationId = number;
export type TurnId = number;
export type Turn = { id: TurnId, uid: string, conversation_id: ConversationId, speaker: Speaker, started_at: number, ended_at: number, 
/**
 * What was heard (user) or said (companion), never overwritten.
 */
heard_text: string, 
/**
 * The person's correction, if they made one.
 */
corrected_text: string | null, corrected_at: number | null, language: string | null, confidence: number | null, model: string | null, engine: string | null, persona: string | null, 
/**
 * Relative to the data folder.
 */
audio_path: string | null, };
export type Conversation = { id: ConversationId, uid: string, started_at: number, title: string | null, source: Source, turns: Array<Turn>, };
export type ConversationSummary = { id: ConversationId, started_at: number, 
/**
 * The last turn's end (the start when there are no turns).
 */
ended_at: number, title: string | null, source: Source, turns: number, 
/**
 * The beginning of the first turn.
 */
preview: string, };
export type SearchHit = { turn_id: TurnId, conversation_id: ConversationId, speaker: Speaker, started_at: number, 
/**
 * The matching part of the text, hits wrapped in the markers asked for.
 */
snippet: string, 
/**
 * bm25 relevance (lower is better, as SQLite reports it).
 */
rank: number, };
export type Deleted = { conversations: number, turns: number, audio_files: number, };
export type Persona = { 
/**
 * What the companion is called (and how it signs its lines).
 */
name: string, 
/**
 * Free text: who it is, what it cares about. Goes into its system prompt.
 */
backstory: string, 
/**
 * 0 = matter-of-fact, 1 = affectionate.
 */
warmth: number, 
/**
 * 0 = earnest, 1 = joking (also: more varied word choice).
 */
playfulness: number, 
/**
 * 0 = never asks back, 1 = usually ends with a question.
 */
curiosity: number, 
/**
 * 0 = one short sentence, 1 = a few sentences.
 */
verbosity: number, 
/**
 * 0 = casual, 1 = formal.
 */
formality: number, 
/**
 * 0 = its own voice, 1 = the person's own words and rhythm (the style model).
 */
mirroring: number, };
export type Scored = { text: string, count: number, 
/**
 * How distinctive (a z-score for words, count × PMI for phrases).
 */
score: number, };
export type Traits = { utterances: number, words: number, mean_words_per_utterance: number, mean_words_per_sentence: number, 
/**
 * Share of utterances in each length band (1-3, 4-7, 8-15, 16-31, 32-63, 64+ words).
 */
length_bands: [number, number, number, number, number, number], 
/**
 * Moving-average type-token ratio over 100-word windows (0..1).
 */
vocabulary_richness: number, fillers_per_100_words: number, top_fillers: Array<[string, number]>, hedges_per_100_words: number, top_hedges: Array<[string, number]>, 
/**
 * Shares of sentences.
 */
question_rate: number, exclamation_rate: number, i_per_100_words: number, we_per_100_words: number, you_per_100_words: number, contractions_per_100_words: number, 
/**
 * 0 casual .. 1 formal: long words up, contractions and casual words down.
 */
formality: number, 
/**
 * Shares of sentiment words that are positive / negative.
 */
positive_share: number, negative_share: number, };
export type Profile = { name: string, traits: Traits, vocabulary: number, distinctive_words: Array<Scored>, phrases: Array<Scored>, 
/**
 * Distinctive content words: what they talk about.
 */
topics: Array<string>, excluded: Array<string>, };
export type VoiceSettings = { 
/**
 * `piper` (the neural voice) or `flite` (the robotic fallback).
 */
voice: string, 
/**
 * Speaking rate: 1.0 normal, 0.5..2.0.
 */
rate: number, 
/**
 * 0..1 (applied to the samples).
 */
volume: number, };
export type BackendKind = "embedded" | "openai" | "reflect" | "remix";
export type ReplySettings = { backend: BackendKind, 
/**
 * A GGUF chat model to use instead of the provisioned default.
 */
model: string | null, n_ctx: number, 
/**
 * For `openai`: the server's base URL (default: Ollama on this machine).
 */
endpoint: string, 
/**
 * For `openai`: the model name the server knows.
 */
remote_model: string, };
export type Retention = { 
/**
 * Keep audio this many days; `None` keeps it forever.
 */
days: number | null, };
export type FileSummary = { path: string, size: number, sha256: string, };
export type Choice = { 
/**
 * The model used when the person chose none (one per kind); the
 * others are only downloaded when chosen.
 */
default: boolean, 
/**
 * Parameters, as its publisher counts them ("135M", "1.5B").
 */
params: string, 
/**
 * The machine it suits: at least this many CPU cores ...
 */
min_cores: number, 
/**
 * ... and this much memory (GiB).
 */
min_memory_gb: number, 
/**
 * Whether its download was tested from here (a package-registry
 * mirror); entries only on Hugging Face could not be.
 */
tested_download: boolean, 
/**
 * Tuned to follow instructions (a chat model). A base model is listed
 * to switch to, never offered as an upgrade.
 */
instruct: boolean, };
export type ModelSummary = { name: string, kind: string, description: string, 
/**
 * `installed`, `missing`, `corrupt`, or `n/a` (not for this platform).
 */
status: string, 
/**
 * Why a corrupt model is corrupt.
 */
problem: string | null, size: number, files: Array<FileSummary>, license: string, 
/**
 * For catalogue entries (models a person can choose): what it suits.
 */
choice: Choice | null, };
export type Role = "speech" | "chat";
export type Machine = { 
/**
 * CPU threads the process may use.
 */
cores: number, 
/**
 * Physical memory in GiB, when the system says.
 */
memory_gb: number | null, };
export type Entry = { role: Role, 
/**
 * The catalogue name, or the file's path for a model file.
 */
name: string, description: string, license: string, size: number, 
/**
 * `installed`, `missing`, `corrupt` (catalogue) or `file` (a model file).
 */
status: string, 
/**
 * The catalogue's facts (none for a model file).
 */
choice: Choice | null, 
/**
 * This machine has the cores and memory it asks for.
 */
suits_this_machine: boolean, 
/**
 * The one in use now.
 */
chosen: boolean, };
export type Catalogue = { machine: Machine, entries: Array<Entry>, offers: Array<string>, };
export type FoundFile = { path: string, size: number, 
/**
 * Whose folder it is in ("Hugging Face cache", "LM Studio", ...).
 */
place: string, };
export type FoundServer = { 
/**
 * What usually listens on that port ("Ollama", ...).
 */
name: string, 
/**
 * Its OpenAI-compatible base URL (what `reply.endpoint` takes).
 */
endpoint: string, 
/**
 * The models it lists.
 */
models: Array<string>, };
export type Found = { files: Array<FoundFile>, servers: Array<FoundServer>, };
export type InputDevice = { name: string, id: string, host: string, is_default: boolean, 
/**
 * e.g. "48000 Hz, 2 ch, f32"
 */
default_config: string | null, };
export type Mode = "hands-free" | "push-to-talk" | "mute";
export type EndReason = "silence" | "max_length" | "end_of_stream" | "typed";
export type Segment = { 
/**
 * Seconds from the start of the audio.
 */
start: number, end: number, text: string, 
/**
 * whisper's probability that this segment holds no speech.
 */
no_speech_prob: number, 
/**
 * Mean log-probability of the segment's text tokens.
 */
avg_logprob: number, };
export type Heard = { text: string, language: string, confidence: number, segments: Array<Segment>, 
/**
 * Seconds since listening started.
 */
start_s: number, end_s: number, 
/**
 * The saved audio of the turn.
 */
audio: string | null, decode_ms: number, reason: EndReason, };
export type HearEvent = { "event": "level", rms: number, peak: number, } | { "event": "speech_started", at_s: number, } | { "event": "tentative", text: string, end_s: number, } | { "event": "speech_ended", at_s: number, } | { "event": "partial", text: string, at_s: number, } | { "event": "final" } & Heard | { "event": "error", message: string, audio: string | null, };
export type Timings = { 
/**
 * End of speech as the VAD placed it (stream time).
 */
speech_end_s: number, 
/**
 * When the VAD decided the turn was over.
 */
end_detected_s: number, transcript_s: number, first_token_s: number | null, first_sentence_s: number | null, 
/**
 * When the first sentence's samples reached the sink.
 */
first_audio_s: number | null, reply_done_s: number, };
export type CompanionEvent = { "event": "thinking", turn: number, } | { "event": "token", turn: number, text: string, } | { "event": "sentence", turn: number, text: string, } | { "event": "speaking", turn: number, text: string, } | { "event": "reply", turn: number, name: string, text: string, engine: string, interrupted: boolean, timings: Timings, } | { "event": "interrupted", turn: number, at_s: number, } | { "event": "error", message: string, };
export type LoopEvent = HearEvent | CompanionEvent;
export type Phase = "stopped" | "loading" | "listening" | "error";
export type SessionState = { phase: Phase, mode: Mode, 
/**
 * Push-to-talk is held.
 */
talking: boolean, 
/**
 * What it listens to.
 */
input: string, 
/**
 * Where it speaks (`None`: text only).
 */
output: string | null, 
/**
 * What was left out, in words (e.g. no speakers: text replies).
 */
notes: Array<string>, error: string | null, 
/**
 * The companion's name.
 */
name: string, };
export type ExportFormat = "markdown" | "json" | "text" | "srt" | "vtt";
export type Preset = { name: string, description: string, persona: Persona, };
export type TryReply = { text: string, engine: string, 
/**
 * It was also said out loud.
 */
spoken: boolean, };
export type StylePortrait = { profile: Profile, 
/**
 * Oldest first.
 */
history: Array<StyleSnapshot>, };
export type StyleSnapshot = { 
/**
 * The local day, `YYYY-MM-DD`.
 */
at: string, traits: Traits, };
export type Devices = { inputs: Array<InputDevice>, outputs: Array<string>, 
/**
 * The person's choice (`None`: the system default).
 */
input: string | null, output: string | null, };
export type DeviceTest = { device: string, peak: number, rms: number, };
export type Theme = "system" | "light" | "dark";
export type Settings = { data_dir: string, models_dir: string, 
/**
 * Where the app's log files are (see `logs_open`).
 */
logs_dir: string, voice: VoiceSettings, reply: ReplySettings, retention: Retention, 
/**
 * Where the model server's key is (`None`: no key), never the key.
 */
api_key: string | null, start_at_login: boolean, first_run_done: boolean, theme: Theme, };
export type ModelProgress = { name: string, file: string, done: number, total: number, };
