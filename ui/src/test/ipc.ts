// Test helpers: a mocked Tauri IPC that records calls, and event emission.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { LoopEvent, Persona, SessionState, Settings, Traits } from "../bindings";

export type Call = { cmd: string; args: Record<string, unknown> };

/** Mocks IPC: `handlers[cmd]` answers (value or function of args); unknown commands resolve to null. */
export function ipc(handlers: Record<string, unknown>) {
  const calls: Call[] = [];
  mockWindows("main");
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const h = handlers[cmd];
      if (typeof h === "function") return h(args);
      return h ?? null;
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    called: (cmd: string) => calls.filter((c) => c.cmd === cmd),
  };
}

export const emitLoop = (e: LoopEvent) => emit("tofu://loop", e);
export const emitSession = (s: SessionState) => emit("tofu://session", s);

export const session = (over: Partial<SessionState> = {}): SessionState => ({
  phase: "listening",
  mode: "hands-free",
  talking: false,
  input: "mic",
  output: "speakers",
  notes: [],
  error: null,
  name: "Tofu",
  ...over,
});

export const persona = (over: Partial<Persona> = {}): Persona => ({
  name: "Tofu",
  backstory: "Grew up in a tofu shop.",
  warmth: 0.8,
  playfulness: 0.5,
  curiosity: 0.7,
  verbosity: 0.4,
  formality: 0.2,
  mirroring: 0.5,
  ...over,
});

export const settings = (over: Partial<Settings> = {}): Settings => ({
  data_dir: "/home/test/.local/share/tofu",
  models_dir: "/home/test/.local/share/tofu/models",
  logs_dir: "/home/test/.local/state/tofu/logs",
  voice: { voice: "piper", rate: 1, volume: 0.8 },
  reply: { backend: "embedded", model: null, n_ctx: 2048, endpoint: "", remote_model: "" },
  retention: { days: null },
  api_key: null,
  start_at_login: false,
  first_run_done: true,
  theme: "system",
  ...over,
});

export const traits = (over: Partial<Traits> = {}): Traits => ({
  utterances: 10,
  words: 120,
  mean_words_per_utterance: 12,
  mean_words_per_sentence: 9,
  length_bands: [0.1, 0.2, 0.4, 0.2, 0.1, 0],
  vocabulary_richness: 0.7,
  fillers_per_100_words: 2,
  top_fillers: [["like", 3]],
  hedges_per_100_words: 1,
  top_hedges: [["maybe", 2]],
  question_rate: 0.2,
  exclamation_rate: 0.1,
  i_per_100_words: 5,
  we_per_100_words: 1,
  you_per_100_words: 3,
  contractions_per_100_words: 4,
  formality: 0.4,
  positive_share: 0.6,
  negative_share: 0.4,
  ...over,
});

export const heard = (text: string): LoopEvent => ({
  event: "final",
  text,
  language: "en",
  confidence: 0.9,
  segments: [],
  start_s: 0,
  end_s: 1,
  audio: null,
  decode_ms: 10,
  reason: "silence",
});

/** Waits for `selector` to match inside `root`. */
export async function find<T extends Element = HTMLInputElement>(root: ParentNode, selector: string): Promise<T> {
  const { waitFor } = await import("@testing-library/preact");
  return waitFor(() => {
    const el = root.querySelector<T>(selector);
    if (!el) throw new Error(`no ${selector}`);
    return el;
  });
}
