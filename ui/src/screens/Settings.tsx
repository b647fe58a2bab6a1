import { open } from "@tauri-apps/plugin-dialog";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, events } from "../api";
import type { BackendKind, Devices, DeviceTest, ModelProgress, ModelSummary, ReplySettings, Settings, Theme, VoiceSettings } from "../bindings";
import { Icon } from "../components/Icon";
import { StaticLevel } from "../components/LevelMeter";
import type { UnlistenFn } from "@tauri-apps/api/event";
import { confirmDialog } from "../lib/confirm";
import { quietly } from "../lib/session";
import { megabytes } from "../lib/format";
import { applyTheme } from "../lib/theme";
import { attempt, toast, toastError } from "../lib/toast";

const THEMES: { id: Theme; label: string }[] = [
  { id: "system", label: "System" },
  { id: "light", label: "Light" },
  { id: "dark", label: "Dark" },
];

const BACKENDS: { id: BackendKind; label: string; hint: string }[] = [
  { id: "embedded", label: "Built-in model", hint: "A small language model running on this computer." },
  { id: "openai", label: "Model server (OpenAI-compatible)", hint: "Replies come from a server you choose, e.g. a local llama.cpp or Ollama." },
  { id: "reflect", label: "Reflect", hint: "No language model: Tofu reflects what you said back to you." },
  { id: "remix", label: "Remix", hint: "No language model: Tofu remixes things you have said before." },
];

export function SettingsScreen({ onSettings }: { onSettings?: (s: Settings) => void }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [devices, setDevices] = useState<Devices | null>(null);
  const [models, setModels] = useState<ModelSummary[] | null>(null);

  const applySettings = (s: Settings | undefined) => {
    if (!s) return;
    setSettings(s);
    onSettings?.(s);
  };

  useEffect(() => {
    api.settings().then(setSettings, (e) => toastError(e, "Could not load settings"));
    api.devices().then(setDevices, (e) => toastError(e, "Could not list audio devices"));
    api.models().then(setModels, (e) => toastError(e, "Could not list models"));
  }, []);

  const forget = async () => {
    const ok = await confirmDialog({
      title: "Forget everything?",
      message:
        "All conversations, recordings, corrections and everything Tofu learned about you are deleted from this device. Models and settings stay. This cannot be undone.",
      confirmLabel: "Forget everything",
      danger: true,
      requireText: "forget",
    });
    if (!ok) return;
    try {
      await api.forgetEverything();
      toast("Everything was forgotten");
    } catch (e) {
      toastError(e, "Could not forget");
    }
  };

  return (
    <section class="screen settings" data-testid="screen-settings" aria-labelledby="settings-title">
      <header class="screen-head">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p class="muted">Sound, voice, models and your data.</p>
        </div>
      </header>

      <div class="settings-grid">
        <Card title="Sound" id="sound">
          {devices ? <DeviceSettings devices={devices} onChange={setDevices} /> : <p class="muted">Loading devices…</p>}
        </Card>

        <Card title="Voice" id="voice">
          {settings ? <VoiceForm voice={settings.voice} onSaved={applySettings} /> : <p class="muted">Loading…</p>}
        </Card>

        <Card title="Replies" id="replies">
          {settings ? <ReplyForm reply={settings.reply} apiKey={settings.api_key} onSaved={applySettings} /> : <p class="muted">Loading…</p>}
        </Card>

        <Card title="Appearance" id="appearance">
          <fieldset class="field">
            <legend>Theme</legend>
            <div class="segmented" role="radiogroup" aria-label="Theme">
              {THEMES.map((t) => (
                <button
                  key={t.id}
                  type="button"
                  role="radio"
                  data-testid={`theme-${t.id}`}
                  aria-checked={(settings?.theme ?? "system") === t.id}
                  disabled={!settings}
                  onClick={async () => {
                    applyTheme(t.id);
                    applySettings(await attempt(api.setTheme(t.id), "Could not change the theme"));
                  }}
                >
                  {t.label}
                </button>
              ))}
            </div>
          </fieldset>
          <label class="check">
            <input
              type="checkbox"
              name="start-at-login"
              checked={settings?.start_at_login ?? false}
              disabled={!settings}
              onChange={async (e) => {
                const on = e.currentTarget.checked;
                const s = await attempt(api.setStartAtLogin(on), "Could not change start at login");
                if (s) applySettings(s);
                else e.currentTarget.checked = !on;
              }}
            />
            <span>Start Tofu when I log in</span>
          </label>
        </Card>

        <Card title="Models" id="models" wide>
          {models ? <Models models={models} onChange={setModels} /> : <p class="muted">Loading models…</p>}
        </Card>

        <Card title="Your data" id="data" wide>
          <div class="field">
            <span class="field-label">Data folder</span>
            <code class="path" data-testid="data-dir">
              {settings?.data_dir ?? "…"}
            </code>
            <span class="muted small">Audio, transcripts and what Tofu learns live here and nowhere else.</span>
          </div>
          {settings && <RetentionForm days={settings.retention.days} onSaved={applySettings} />}
          <div class="danger-zone">
            <div>
              <strong>Forget everything</strong>
              <p class="muted small">Delete every conversation, recording and everything learned about you.</p>
            </div>
            <button type="button" class="button danger" data-testid="forget-everything" onClick={forget}>
              Forget everything…
            </button>
          </div>
        </Card>
      </div>
    </section>
  );
}

function Card({ title, id, wide, children }: { title: string; id: string; wide?: boolean; children: ComponentChildren }) {
  return (
    <section class={`card ${wide ? "wide" : ""}`} aria-labelledby={`settings-${id}`}>
      <h2 id={`settings-${id}`}>{title}</h2>
      {children}
    </section>
  );
}

function DeviceSettings({ devices, onChange }: { devices: Devices; onChange: (d: Devices) => void }) {
  const [micTest, setMicTest] = useState<DeviceTest | null>(null);
  const [testing, setTesting] = useState<"" | "input" | "output">("");

  const set = async (input: string | null, output: string | null) => {
    const d = await attempt(api.setDevices(input, output), "Could not change the device");
    if (d) onChange(d);
  };

  const testInput = async () => {
    setTesting("input");
    setMicTest(null);
    try {
      setMicTest(await api.testInput(devices.input));
    } catch (e) {
      toastError(e, "Microphone test failed");
    } finally {
      setTesting("");
    }
  };

  const testOutput = async () => {
    setTesting("output");
    try {
      await api.testOutput(devices.output);
    } catch (e) {
      toastError(e, "Speaker test failed");
    } finally {
      setTesting("");
    }
  };

  return (
    <>
      <label class="field">
        <span>Microphone</span>
        <select name="input-device" value={devices.input ?? ""} onChange={(e) => set(e.currentTarget.value || null, devices.output)}>
          <option value="">System default</option>
          {devices.inputs.map((d) => (
            <option key={d.id} value={d.name}>
              {d.name}
              {d.is_default ? " (default)" : ""}
            </option>
          ))}
        </select>
      </label>
      <div class="row">
        <button type="button" class="button small" data-testid="test-input" onClick={testInput} disabled={testing !== ""}>
          <Icon name="mic" size={16} />
          {testing === "input" ? "Listening…" : "Test microphone"}
        </button>
        {micTest && (
          <div class="grow" data-testid="input-test-result">
            <StaticLevel value={micTest.rms} label="Microphone test level" />
            <span class="muted small">
              {micTest.peak < 0.01 ? "Silence — is the right microphone selected?" : `Heard you on ${micTest.device}`}
            </span>
          </div>
        )}
      </div>
      <label class="field">
        <span>Speakers</span>
        <select name="output-device" value={devices.output ?? ""} onChange={(e) => set(devices.input, e.currentTarget.value || null)}>
          <option value="">System default</option>
          {devices.outputs.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <div class="row">
        <button type="button" class="button small" data-testid="test-output" onClick={testOutput} disabled={testing !== ""}>
          <Icon name="speaker" size={16} />
          {testing === "output" ? "Playing…" : "Test speakers"}
        </button>
      </div>
    </>
  );
}

function VoiceForm({ voice: saved, onSaved }: { voice: VoiceSettings; onSaved: (s: Settings | undefined) => void }) {
  const [voice, setVoice] = useState(saved);
  useEffect(() => setVoice(saved), [saved]);
  const save = async (v: VoiceSettings) => {
    setVoice(v);
    onSaved(await attempt(api.setVoice(v), "Could not change the voice"));
  };
  return (
    <>
      <label class="field">
        <span>Voice engine</span>
        <select name="voice" value={voice.voice} onChange={(e) => save({ ...voice, voice: e.currentTarget.value })}>
          <option value="piper">Piper (natural)</option>
          <option value="flite">Flite (light, robotic)</option>
          {!["piper", "flite"].includes(voice.voice) && <option value={voice.voice}>{voice.voice}</option>}
        </select>
      </label>
      <label class="field">
        <span class="field-row">
          Speed <output>{voice.rate.toFixed(2)}×</output>
        </span>
        <input
          type="range"
          name="rate"
          min={0.5}
          max={2}
          step={0.05}
          value={voice.rate}
          style={{ "--fill": `${((voice.rate - 0.5) / 1.5) * 100}%` }}
          onInput={(e) => setVoice({ ...voice, rate: Number(e.currentTarget.value) })}
          onChange={(e) => save({ ...voice, rate: Number(e.currentTarget.value) })}
        />
      </label>
      <label class="field">
        <span class="field-row">
          Volume <output>{Math.round(voice.volume * 100)}%</output>
        </span>
        <input
          type="range"
          name="volume"
          min={0}
          max={1}
          step={0.05}
          value={voice.volume}
          style={{ "--fill": `${voice.volume * 100}%` }}
          onInput={(e) => setVoice({ ...voice, volume: Number(e.currentTarget.value) })}
          onChange={(e) => save({ ...voice, volume: Number(e.currentTarget.value) })}
        />
      </label>
    </>
  );
}

function ReplyForm({ reply: saved, apiKey, onSaved }: { reply: ReplySettings; apiKey: string | null; onSaved: (s: Settings | undefined) => void }) {
  const [reply, setReply] = useState(saved);
  useEffect(() => setReply(saved), [saved]);
  const save = async (r: ReplySettings) => {
    setReply(r);
    onSaved(await attempt(api.setReply(r), "Could not change how Tofu replies"));
  };
  const backend = BACKENDS.find((b) => b.id === reply.backend);
  return (
    <>
      <label class="field">
        <span>How Tofu replies</span>
        <select name="backend" value={reply.backend} onChange={(e) => save({ ...reply, backend: e.currentTarget.value as BackendKind })}>
          {BACKENDS.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </select>
        {backend && <span class="muted small">{backend.hint}</span>}
      </label>
      {reply.backend === "openai" && (
        <>
          <label class="field">
            <span>Server address</span>
            <input
              type="url"
              name="endpoint"
              placeholder="http://localhost:8080/v1"
              value={reply.endpoint}
              onInput={(e) => setReply({ ...reply, endpoint: e.currentTarget.value })}
              onChange={(e) => save({ ...reply, endpoint: e.currentTarget.value })}
            />
          </label>
          <label class="field">
            <span>Model on the server</span>
            <input
              type="text"
              name="remote_model"
              value={reply.remote_model}
              onInput={(e) => setReply({ ...reply, remote_model: e.currentTarget.value })}
              onChange={(e) => save({ ...reply, remote_model: e.currentTarget.value })}
            />
          </label>
          <div class="field">
            <span class="field-label">API key</span>
            <span class="readonly" data-testid="api-key-status">
              {apiKey ?? "not set"}
            </span>
          </div>
        </>
      )}
    </>
  );
}

function RetentionForm({ days, onSaved }: { days: number | null; onSaved: (s: Settings | undefined) => void }) {
  const [limited, setLimited] = useState(days != null);
  const [n, setN] = useState(String(days ?? 30));
  useEffect(() => {
    setLimited(days != null);
    if (days != null) setN(String(days));
  }, [days]);
  const save = async (d: number | null) => onSaved(await attempt(api.setRetention({ days: d }), "Could not change how long audio is kept"));
  return (
    <div class="field">
      <span class="field-label" id="retention-label">
        Keep recordings
      </span>
      <div class="row">
        <select
          name="retention"
          aria-labelledby="retention-label"
          value={limited ? "days" : "forever"}
          onChange={(e) => {
            const lim = e.currentTarget.value === "days";
            setLimited(lim);
            save(lim ? Math.max(1, Math.round(Number(n) || 30)) : null);
          }}
        >
          <option value="forever">Forever</option>
          <option value="days">For a number of days</option>
        </select>
        {limited && (
          <label class="inline-field">
            <input
              type="number"
              name="retention-days"
              min={1}
              max={3650}
              value={n}
              onInput={(e) => setN(e.currentTarget.value)}
              onChange={(e) => {
                const v = Math.round(Number(e.currentTarget.value));
                if (v >= 1) save(v);
              }}
            />
            <span>days</span>
          </label>
        )}
      </div>
      <span class="muted small">Transcripts are kept either way; only the audio is deleted after this time.</span>
    </div>
  );
}

function Models({ models, onChange }: { models: ModelSummary[]; onChange: (m: ModelSummary[]) => void }) {
  const [progress, setProgress] = useState<Record<string, ModelProgress>>({});
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [importing, setImporting] = useState(false);

  useEffect(() => {
    let off: UnlistenFn | null = null;
    let gone = false;
    events
      .onModelProgress((p) => setProgress((all) => ({ ...all, [p.name]: p })))
      .then((f) => (gone ? quietly(f) : (off = f)))
      .catch(() => {});
    return () => {
      gone = true;
      if (off) quietly(off);
    };
  }, []);

  const run = async (name: string, p: Promise<ModelSummary[]>, what: string) => {
    setBusy((b) => ({ ...b, [name]: true }));
    try {
      onChange(await p);
    } catch (e) {
      toastError(e, `${what} ${name} failed`);
    } finally {
      setBusy((b) => ({ ...b, [name]: false }));
      setProgress((all) => {
        const { [name]: _, ...rest } = all;
        return rest;
      });
    }
  };

  const remove = async (m: ModelSummary) => {
    const ok = await confirmDialog({
      title: `Delete ${m.name}?`,
      message: `${megabytes(m.size)} will be freed. You can download it again later.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (ok) run(m.name, api.deleteModel(m.name), "Deleting");
  };

  const importWhisper = async () => {
    try {
      const dir = await open({ directory: true, title: "Choose a faster-whisper model folder" });
      if (typeof dir !== "string") return;
      setImporting(true);
      onChange(await api.importWhisper(dir));
      toast("Model imported");
    } catch (e) {
      toastError(e, "Import failed");
    } finally {
      setImporting(false);
    }
  };

  return (
    <>
      <div class="table-wrap">
        <table class="models" data-testid="models-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => {
              const p = progress[m.name];
              const downloading = busy[m.name] && m.status !== "installed";
              return (
                <tr key={m.name} data-model={m.name}>
                  <th scope="row">
                    <span class="model-name">{m.name}</span>
                    <span class="muted small">{m.description}</span>
                  </th>
                  <td>{m.kind}</td>
                  <td>
                    <span class={`status status-${m.status}`} title={m.problem ?? undefined}>
                      {m.status}
                    </span>
                    {m.problem && <span class="muted small block">{m.problem}</span>}
                    {downloading && (
                      <span class="progress" role="progressbar" aria-label={`Downloading ${m.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={p && p.total ? Math.round((100 * p.done) / p.total) : undefined}>
                        <span class="progress-bar" style={{ width: p && p.total ? `${((100 * p.done) / p.total).toFixed(1)}%` : "8%" }} />
                      </span>
                    )}
                  </td>
                  <td class="num">{megabytes(m.size)}</td>
                  <td class="actions">
                    {m.status !== "installed" && (
                      <button type="button" class="button small" data-testid="model-download" disabled={busy[m.name]} onClick={() => run(m.name, api.fetchModel(m.name), "Downloading")}>
                        <Icon name="download" size={16} />
                        {downloading ? "Downloading…" : "Download"}
                      </button>
                    )}
                    {m.status !== "missing" && (
                      <button type="button" class="button small subtle" data-testid="model-delete" disabled={busy[m.name]} onClick={() => remove(m)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div class="row">
        <button type="button" class="button small" data-testid="import-whisper" onClick={importWhisper} disabled={importing}>
          {importing ? "Importing…" : "Import a faster-whisper model…"}
        </button>
        <span class="muted small">Pick a folder with a converted faster-whisper (CTranslate2) model.</span>
      </div>
    </>
  );
}
