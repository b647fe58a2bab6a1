import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { Persona, Preset, TryReply } from "../bindings";
import { errorText, toastError } from "../lib/toast";

type SliderKey = "warmth" | "playfulness" | "curiosity" | "verbosity" | "formality" | "mirroring";

const SLIDERS: { key: SliderKey; label: string; low: string; high: string }[] = [
  { key: "warmth", label: "Warmth", low: "cool and matter-of-fact", high: "warm, kind and encouraging" },
  { key: "playfulness", label: "Playfulness", low: "serious and steady", high: "jokes, teases and plays along" },
  { key: "curiosity", label: "Curiosity", low: "lets you lead", high: "asks you lots of questions" },
  { key: "verbosity", label: "Verbosity", low: "short, to-the-point replies", high: "longer, chattier replies" },
  { key: "formality", label: "Formality", low: "casual, like a friend", high: "polite and proper" },
  { key: "mirroring", label: "Mirroring", low: "keeps its own way of talking", high: "picks up your words and style" },
];

type SaveState = { kind: "idle" } | { kind: "saving" } | { kind: "saved" } | { kind: "error"; message: string };

export function Personality() {
  const [persona, setPersona] = useState<Persona | null>(null);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [status, setStatus] = useState<SaveState>({ kind: "idle" });
  const [prompt, setPrompt] = useState("How was your day?");
  const [trying, setTrying] = useState(false);
  const [reply, setReply] = useState<TryReply | null>(null);
  const [failed, setFailed] = useState(false);
  const current = useRef<Persona | null>(null);
  current.current = persona;
  const saveSeq = useRef(0);

  useEffect(() => {
    api.persona().then(setPersona, (e) => {
      setFailed(true);
      toastError(e, "Could not load the personality");
    });
    api.presets().then(setPresets, (e) => toastError(e, "Could not load presets"));
  }, []);

  const save = async (p: Persona) => {
    const seq = ++saveSeq.current;
    setStatus({ kind: "saving" });
    try {
      const saved = await api.setPersona(p);
      if (seq !== saveSeq.current) return;
      setPersona(saved);
      setStatus({ kind: "saved" });
    } catch (e) {
      if (seq !== saveSeq.current) return;
      setStatus({ kind: "error", message: errorText(e) });
    }
  };

  const edit = (patch: Partial<Persona>) => {
    const next = { ...current.current!, ...patch };
    current.current = next;
    setPersona(next);
    return next;
  };

  const tryIt = async (e: Event) => {
    e.preventDefault();
    if (!persona || !prompt.trim()) return;
    setTrying(true);
    setReply(null);
    try {
      setReply(await api.tryPersona(persona, prompt.trim()));
    } catch (err) {
      toastError(err, "Could not try it");
    } finally {
      setTrying(false);
    }
  };

  return (
    <section class="screen personality" data-testid="screen-personality" aria-labelledby="personality-title">
      <header class="screen-head">
        <div>
          <h1 id="personality-title">Personality</h1>
          <p class="muted">Who Tofu is when it talks with you. Changes are saved as you go.</p>
        </div>
        <p class={`save-status ${status.kind}`} aria-live="polite">
          {status.kind === "saving" && "Saving…"}
          {status.kind === "saved" && <span data-testid="persona-saved">Saved</span>}
          {status.kind === "error" && (
            <span role="alert" data-testid="persona-error">
              Not saved: {status.message}
            </span>
          )}
        </p>
      </header>

      {!persona ? (
        <p class="muted">{failed ? "The personality could not be loaded." : "Loading…"}</p>
      ) : (
        <div class="persona-layout">
          <div class="card persona-form">
            <label class="field">
              <span>Name</span>
              <input
                name="name"
                type="text"
                maxLength={40}
                autoComplete="off"
                value={persona.name}
                onInput={(e) => edit({ name: e.currentTarget.value })}
                onBlur={() => save(current.current!)}
              />
            </label>
            <label class="field">
              <span>Backstory</span>
              <textarea
                name="backstory"
                rows={4}
                maxLength={4000}
                placeholder="Who is this companion? Where does it come from, what does it care about?"
                value={persona.backstory}
                onInput={(e) => edit({ backstory: e.currentTarget.value })}
                onBlur={() => save(current.current!)}
              />
            </label>

            <div class="sliders">
              {SLIDERS.map((s) => (
                <div class="slider" key={s.key}>
                  <div class="slider-head">
                    <label for={`slider-${s.key}`}>{s.label}</label>
                    <output for={`slider-${s.key}`}>{Math.round(persona[s.key] * 100)}</output>
                  </div>
                  <input
                    id={`slider-${s.key}`}
                    type="range"
                    name={s.key}
                    min={0}
                    max={1}
                    step={0.05}
                    value={persona[s.key]}
                    style={{ "--fill": `${persona[s.key] * 100}%` }}
                    aria-describedby={`slider-${s.key}-help`}
                    onInput={(e) => edit({ [s.key]: Number(e.currentTarget.value) })}
                    onChange={(e) => save(edit({ [s.key]: Number(e.currentTarget.value) }))}
                  />
                  <p class="slider-help" id={`slider-${s.key}-help`}>
                    <span>Low: {s.low}</span>
                    <span>High: {s.high}</span>
                  </p>
                </div>
              ))}
            </div>
          </div>

          <div class="persona-side">
            {presets.length > 0 && (
              <div class="card">
                <h2>Presets</h2>
                <p class="muted small">Start from a character, then adjust.</p>
                <div class="presets">
                  {presets.map((p) => (
                    <button
                      key={p.name}
                      type="button"
                      class="preset"
                      data-testid="preset"
                      onClick={() => {
                        setPersona(p.persona);
                        current.current = p.persona;
                        save(p.persona);
                      }}
                    >
                      <strong>{p.name}</strong>
                      <span>{p.description}</span>
                    </button>
                  ))}
                </div>
              </div>
            )}

            <form class="card try" onSubmit={tryIt}>
              <h2>Try it</h2>
              <label class="field">
                <span>Say something to {persona.name || "Tofu"}</span>
                <input type="text" name="try" data-testid="try-input" value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
              </label>
              <button type="submit" class="button primary" data-testid="try-it" disabled={trying || !prompt.trim()}>
                {trying ? "Thinking…" : "Try it"}
              </button>
              {reply && (
                <blockquote class="try-reply">
                  <p data-testid="try-reply">{reply.text}</p>
                  <footer class="muted small">
                    {reply.engine}
                    {reply.spoken && " (spoken)"}
                  </footer>
                </blockquote>
              )}
            </form>
          </div>
        </div>
      )}
    </section>
  );
}
