// The live conversation: session state plus what the loop reports
// (levels, partial transcript, turns). One instance lives for the whole app so
// the conversation survives switching screens.
import type { UnlistenFn } from "@tauri-apps/api/event";
import { api, events } from "../api";
import type { LoopEvent, SessionState } from "../bindings";
import { createStore, type Store } from "./store";
import { toastError } from "./toast";

export type OrbState = "idle" | "listening" | "hearing" | "thinking" | "speaking";

export type Bubble = {
  key: string;
  speaker: "user" | "companion";
  text: string;
  /** Companion reply still arriving. */
  pending?: boolean;
  interrupted?: boolean;
  name?: string;
  turn?: number;
  at: number;
};

export type Live = {
  session: SessionState | null;
  orb: OrbState;
  partial: string;
  bubbles: Bubble[];
};

export type Level = { rms: number; peak: number };

export type SessionStore = {
  live: Store<Live>;
  /** Mic level, ~20 updates a second: read by the meter on animation frames. */
  level: Store<Level>;
  setSession: (s: SessionState) => void;
  handle: (e: LoopEvent) => void;
  /** Subscribes to the backend's events (idempotent); returns when listening. */
  connect: () => Promise<void>;
  dispose: () => void;
};

const MAX_BUBBLES = 200;

/** Calls an unlisten function, ignoring failures (the webview may be going away). */
export function quietly(off: UnlistenFn) {
  try {
    Promise.resolve(off()).catch(() => {});
  } catch {
    // ignore
  }
}

export function createSessionStore(): SessionStore {
  const live = createStore<Live>({ session: null, orb: "idle", partial: "", bubbles: [] });
  const level = createStore<Level>({ rms: 0, peak: 0 });
  let seq = 0;
  let connecting: Promise<void> | null = null;
  let unlisten: UnlistenFn[] = [];
  let disposed = false;

  const restingOrb = (s: SessionState | null): OrbState => (s && s.phase === "listening" ? "listening" : "idle");

  const update = (f: (l: Live) => Live) => live.set(f);

  // A reply can start before its turn is final (it is written from the
  // tentative transcript): the person's words still go above it.
  const withUserTurn = (bubbles: Bubble[], user: Bubble): Bubble[] => {
    let at = bubbles.length;
    while (at > 0 && bubbles[at - 1].speaker === "companion" && bubbles[at - 1].pending) at--;
    return [...bubbles.slice(0, at), user, ...bubbles.slice(at)].slice(-MAX_BUBBLES);
  };

  const companion = (bubbles: Bubble[], turn: number, f: (b: Bubble) => Bubble): Bubble[] => {
    let i = bubbles.length - 1;
    while (i >= 0 && !(bubbles[i].speaker === "companion" && bubbles[i].turn === turn && bubbles[i].pending)) i--;
    if (i < 0) {
      const fresh: Bubble = { key: `c${seq++}`, speaker: "companion", text: "", pending: true, turn, at: Date.now() };
      return [...bubbles, f(fresh)].slice(-MAX_BUBBLES);
    }
    const next = bubbles.slice();
    next[i] = f(bubbles[i]);
    return next;
  };

  const handle = (e: LoopEvent) => {
    switch (e.event) {
      case "level":
        level.set({ rms: e.rms, peak: e.peak });
        return;
      case "speech_started":
        update((l) => ({ ...l, orb: "hearing" }));
        return;
      case "partial":
      case "tentative":
        update((l) => ({ ...l, partial: e.text, orb: l.orb === "speaking" || l.orb === "thinking" ? l.orb : "hearing" }));
        return;
      case "speech_ended":
        return;
      case "final": {
        const text = e.text.trim();
        update((l) => ({
          ...l,
          partial: "",
          orb: text ? "thinking" : restingOrb(l.session),
          bubbles: text ? withUserTurn(l.bubbles, { key: `u${seq++}`, speaker: "user" as const, text, at: Date.now() }) : l.bubbles,
        }));
        return;
      }
      case "thinking":
        // A reply (re)starts: one written early from the tentative transcript
        // and then cancelled may have left sentences in this turn's bubble.
        // An earlier turn's reply that is still empty now never comes (its
        // sentences would have arrived first: "no reply" was reported).
        update((l) => ({
          ...l,
          orb: "thinking",
          bubbles: companion(
            l.bubbles.filter((b) => !(b.speaker === "companion" && b.pending && !b.text && (b.turn ?? 0) < e.turn)),
            e.turn,
            (b) => ({ ...b, text: "", interrupted: false }),
          ),
        }));
        return;
      case "token":
        return;
      case "sentence":
        update((l) => ({
          ...l,
          bubbles: companion(l.bubbles, e.turn, (b) => ({ ...b, text: b.text ? `${b.text} ${e.text.trim()}` : e.text.trim() })),
        }));
        return;
      case "speaking":
        update((l) => ({ ...l, orb: "speaking" }));
        return;
      case "reply":
        update((l) => ({
          ...l,
          orb: restingOrb(l.session),
          // What was said is the reply's text: an interrupted reply that is
          // empty said nothing, and its bubble goes.
          bubbles: companion(l.bubbles, e.turn, (b) => ({
            ...b,
            text: e.text.trim(),
            name: e.name,
            interrupted: e.interrupted || b.interrupted,
            pending: false,
          })).filter((b) => b.pending || b.speaker === "user" || b.text),
        }));
        return;
      case "interrupted":
        // Everything still being said stops. (`e.turn` is the last final
        // turn; a reply written early from the tentative transcript has the
        // next number, so matching on it would miss that one.)
        update((l) => ({
          ...l,
          orb: restingOrb(l.session),
          bubbles: l.bubbles.map((b) => (b.speaker === "companion" && b.pending ? { ...b, interrupted: true } : b)),
        }));
        return;
      case "error":
        // A note, not the end of the reply (e.g. "answering without the
        // model", a turn that could not be saved): the reply goes on.
        toastError(e.message);
        return;
    }
  };

  const setSession = (s: SessionState) => {
    update((l) => {
      const resting = restingOrb(s);
      const orb = resting === "idle" ? "idle" : l.orb === "idle" ? "listening" : l.orb;
      return { ...l, session: s, orb, partial: s.phase === "listening" ? l.partial : "" };
    });
    if (s.phase !== "listening") level.set({ rms: 0, peak: 0 });
  };

  const connect = () => {
    if (!connecting) {
      connecting = Promise.all([events.onLoop(handle), events.onSession(setSession)])
        .then((fns) => {
          if (disposed) fns.forEach(quietly);
          else unlisten = fns;
        })
        .catch((e) => toastError(e, "Could not listen to the engine"));
    }
    return connecting;
  };

  return {
    live,
    level,
    setSession,
    handle,
    connect,
    dispose() {
      disposed = true;
      unlisten.forEach(quietly);
      unlisten = [];
    },
  };
}

/** Loads the session state and starts listening if it was stopped. */
export async function startSession(store: SessionStore) {
  try {
    let s = await api.sessionState();
    store.setSession(s);
    if (s.phase === "stopped") {
      store.setSession({ ...s, phase: "loading" });
      s = await api.sessionStart();
      store.setSession(s);
    }
  } catch (e) {
    toastError(e, "Could not start listening");
    const s = store.live.get().session;
    if (s && s.phase === "loading") store.setSession({ ...s, phase: "stopped" });
  }
}
