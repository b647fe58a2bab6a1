import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { Mode, Phase } from "../bindings";
import { Icon } from "../components/Icon";
import { LevelMeter } from "../components/LevelMeter";
import { Orb } from "../components/Orb";
import { createSessionStore, startSession, type Bubble, type SessionStore } from "../lib/session";
import { useStore } from "../lib/store";
import { toastError } from "../lib/toast";

const MODES: { id: Mode; label: string; hint: string }[] = [
  { id: "hands-free", label: "Hands-free", hint: "Tofu listens all the time and answers when you pause." },
  { id: "push-to-talk", label: "Push to talk", hint: "Tofu listens only while you hold the button (or Space)." },
  { id: "mute", label: "Mute", hint: "The microphone is off. You can still type." },
];

const PHASE_TEXT: Record<Phase, string> = {
  stopped: "stopped",
  loading: "loading models…",
  listening: "listening",
  error: "error",
};

const autoStarted = new WeakSet<SessionStore>();

/** Controls that Space belongs to (it presses a button, types, picks a radio…): not push-to-talk. */
const SPACE_OWNERS = [
  "button",
  "a[href]",
  "input",
  "textarea",
  "select",
  "summary",
  "[role=button]",
  "[role=radio]",
  "[role=tab]",
  "[role=checkbox]",
  "[role=switch]",
  "[role=menuitem]",
  "[role=option]",
  "[role=slider]",
  '[contenteditable]:not([contenteditable="false"])',
].join(",");

function ownsSpace(t: EventTarget | null): boolean {
  if (!(t instanceof Element)) return false;
  if (t instanceof HTMLElement && t.isContentEditable) return true;
  return t.closest(SPACE_OWNERS) !== null;
}

export function Conversation({ store: given, hold = false }: { store?: SessionStore; hold?: boolean }) {
  const own = useMemo(() => (given ? null : createSessionStore()), [given]);
  const store = (given ?? own)!;
  const live = useStore(store.live);
  const session = live.session;
  const [text, setText] = useState("");
  const [talking, setTalking] = useState(false);
  const talkingRef = useRef(false);
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    store.connect();
    return () => own?.dispose();
  }, [store, own]);

  useEffect(() => {
    if (!store.live.get().session && hold) {
      // Show where things stand, but start listening only once allowed.
      api.sessionState().then(store.setSession, (e) => toastError(e, "Could not reach the engine"));
    }
    if (hold || autoStarted.has(store)) return;
    autoStarted.add(store);
    startSession(store);
  }, [store, hold]);

  // Keep the newest turn in view unless the person scrolled up to read.
  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [live.bubbles]);

  const mode = session?.mode ?? "hands-free";
  const phase = session?.phase;

  const talk = (down: boolean) => {
    if (talkingRef.current === down) return;
    talkingRef.current = down;
    setTalking(down);
    api.sessionTalk(down).catch((e) => toastError(e));
  };

  // Space held = push to talk, unless a focused control owns Space (a
  // button, a link, a field): then it does what it always does.
  useEffect(() => {
    if (mode !== "push-to-talk") return;
    const down = (e: KeyboardEvent) => {
      if (e.code !== "Space" && e.key !== " ") return;
      if (ownsSpace(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      if (!e.repeat) talk(true);
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== "Space" && e.key !== " ") return;
      if (!talkingRef.current) return;
      e.preventDefault();
      talk(false);
    };
    const blur = () => talkingRef.current && talk(false);
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
      if (talkingRef.current) talk(false);
    };
  }, [mode]);

  const setMode = async (m: Mode) => {
    try {
      store.setSession(await api.sessionMode(m));
    } catch (e) {
      toastError(e, "Could not change mode");
    }
  };

  const pauseOrResume = async () => {
    const running = phase === "listening" || phase === "loading";
    try {
      if (!running && session) store.setSession({ ...session, phase: "loading", error: null });
      store.setSession(running ? await api.sessionStop() : await api.sessionStart());
    } catch (e) {
      toastError(e, running ? "Could not pause" : "Could not start listening");
      if (!running && session) store.setSession({ ...session, phase: "stopped" });
    }
  };

  const send = async (e: Event) => {
    e.preventDefault();
    const said = text.trim();
    if (!said) return;
    setText("");
    try {
      await api.sessionSay(said);
    } catch (err) {
      toastError(err, "Could not send");
      setText((now) => now || said);
    }
  };

  const stop = () => api.sessionInterrupt().catch((e) => toastError(e));

  const name = session?.name || "Tofu";
  const busy = live.orb === "thinking" || live.orb === "speaking";

  return (
    <section class="screen conversation" data-testid="screen-conversation" aria-labelledby="conversation-title">
      <header class="screen-head">
        <div>
          <h1 id="conversation-title">Talk with {name}</h1>
          <p class="phase" data-phase={phase ?? "unknown"}>
            <span class="phase-dot" aria-hidden="true" />
            <span data-testid="session-phase">{phase ? PHASE_TEXT[phase] : "connecting…"}</span>
            {phase === "listening" && <span class="muted"> · {MODES.find((m) => m.id === mode)?.label.toLowerCase()}</span>}
          </p>
        </div>
        <button
          type="button"
          class="button"
          data-testid="pause-resume"
          onClick={pauseOrResume}
          disabled={!session}
        >
          <Icon name={phase === "listening" || phase === "loading" ? "pause" : "mic"} />
          {phase === "listening" || phase === "loading" ? "Pause listening" : "Resume listening"}
        </button>
      </header>

      {(phase === "error" || (session?.notes.length ?? 0) > 0) && (
        <div class="notes">
          {phase === "error" && (
            <p class="note note-error" data-testid="session-error">
              {session?.error || "Something went wrong while listening."}
            </p>
          )}
          {session?.notes.map((n) => (
            <p class="note" key={n}>
              {n}
            </p>
          ))}
        </div>
      )}

      <div class="talk-layout">
        <div class="stage card">
          <Orb state={live.orb} />
          <p class={`partial ${live.partial ? "" : "empty"}`} data-testid="partial" aria-live="polite">
            {live.partial}
          </p>
          <LevelMeter level={store.level} />

          <div class="segmented" role="group" aria-label="Listening mode">
            {MODES.map((m) => (
              <button
                key={m.id}
                type="button"
                data-testid={`mode-${m.id}`}
                aria-pressed={mode === m.id}
                title={m.hint}
                onClick={() => setMode(m.id)}
              >
                {m.label}
              </button>
            ))}
          </div>
          <p class="hint">{MODES.find((m) => m.id === mode)?.hint}</p>

          <div class="stage-actions">
            {mode === "push-to-talk" && (
              <button
                type="button"
                class={`button primary hold ${talking ? "active" : ""}`}
                data-testid="hold-to-talk"
                aria-pressed={talking}
                onPointerDown={(e) => {
                  e.currentTarget.setPointerCapture?.(e.pointerId);
                  talk(true);
                }}
                onPointerUp={() => talk(false)}
                onPointerCancel={() => talk(false)}
                onLostPointerCapture={() => talk(false)}
                onKeyDown={(e) => {
                  if (e.key !== "Enter" && e.key !== " ") return;
                  e.preventDefault();
                  if (!e.repeat) talk(true);
                }}
                onKeyUp={(e) => {
                  if (e.key !== "Enter" && e.key !== " ") return;
                  e.preventDefault();
                  talk(false);
                }}
              >
                <Icon name="mic" />
                {talking ? "Listening…" : "Hold to talk"}
              </button>
            )}
            <button type="button" class={`button ${busy ? "warn" : ""}`} data-testid="stop" onClick={stop} title="Stop the reply">
              <Icon name="stop" />
              Stop
            </button>
          </div>
        </div>

        <div class="chat card">
          <div
            class="bubbles"
            ref={list}
            role="log"
            aria-label="Conversation"
            tabIndex={0}
            onScroll={(e) => {
              const el = e.currentTarget;
              stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
            }}
          >
            {live.bubbles.length === 0 && (
              <div class="chat-empty">
                <p>Say hello — or type below.</p>
                <p class="muted">Your words show up here as you talk.</p>
              </div>
            )}
            {live.bubbles.map((b) => (
              <Message key={b.key} bubble={b} name={b.name || name} />
            ))}
          </div>
          <form class="say" onSubmit={send}>
            <label class="visually-hidden" for="say-input">
              Type a message
            </label>
            <input
              id="say-input"
              type="text"
              data-testid="say-input"
              placeholder={`Type to ${name} instead of talking…`}
              autoComplete="off"
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <button type="submit" class="button primary" data-testid="say-send" aria-label="Send">
              <Icon name="send" />
              Send
            </button>
          </form>
        </div>
      </div>
    </section>
  );
}

function Message({ bubble, name }: { bubble: Bubble; name: string }) {
  const user = bubble.speaker === "user";
  return (
    <div class={`msg ${user ? "msg-user" : "msg-companion"}`}>
      <span class="msg-who">{user ? "You" : name}</span>
      <div
        class={`bubble ${user ? "bubble-user" : "bubble-companion"} ${bubble.pending ? "pending" : ""} ${bubble.interrupted ? "interrupted" : ""}`}
        data-testid={user ? "bubble-user" : "bubble-companion"}
        data-pending={bubble.pending ? "true" : undefined}
        data-interrupted={bubble.interrupted ? "true" : undefined}
      >
        <span class="bubble-text">{bubble.text}</span>
        {bubble.pending && !bubble.text && (
          <span class="typing" aria-label={`${name} is thinking`}>
            <i />
            <i />
            <i />
          </span>
        )}
      </div>
      {bubble.interrupted && <span class="msg-meta">interrupted</span>}
    </div>
  );
}
