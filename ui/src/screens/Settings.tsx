import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { BackendKind, Catalogue, Devices, FoundServer, ModelSummary, ReplySettings, Settings, Theme } from "../bindings";
import { confirmDialog } from "../lib/confirm";
import { freshStart } from "../lib/restart";
import { applyTheme } from "../lib/theme";
import { attempt, toast, toastError } from "../lib/toast";
import { Brain } from "./settings/Brain";
import { DeviceSettings } from "./settings/Devices";
import { HelpForm } from "./settings/Help";
import { Models } from "./settings/Models";
import { RetentionForm } from "./settings/Retention";
import { VoiceForm } from "./settings/Voice";

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
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);

  const applySettings = (s: Settings | undefined) => {
    if (!s) return;
    setSettings(s);
    onSettings?.(s);
  };

  useEffect(() => {
    api.settings().then(setSettings, (e) => toastError(e, "Could not load settings"));
    api.devices().then(setDevices, (e) => toastError(e, "Could not list audio devices"));
    api.models().then(setModels, (e) => toastError(e, "Could not list models"));
    api.catalogue().then(setCatalogue, (e) => toastError(e, "Could not list the model catalogue"));
  }, []);

  /** A switch may have downloaded a model: the Models table follows. */
  const applyCatalogue = (c: Catalogue) => {
    setCatalogue(c);
    api.models().then(setModels, () => {});
  };

  const useServer = async (server: FoundServer, model: string) => {
    if (!settings) return;
    const reply: ReplySettings = { ...settings.reply, backend: "openai", endpoint: server.endpoint, remote_model: model };
    const s = await attempt(api.setReply(reply), "Could not use that server");
    if (s) {
      applySettings(s);
      // No chat model of the catalogue is in use any more.
      api.catalogue().then(setCatalogue, () => {});
      toast(`Replies now come from ${server.name} (${model})`);
    }
  };

  const forget = async () => {
    const ok = await confirmDialog({
      title: "Forget everything?",
      message:
        "All conversations, recordings, corrections, settings and everything Tofu learned about you are deleted from this device (the models stay). This cannot be undone.",
      confirmLabel: "Forget everything",
      danger: true,
      requireText: "forget",
    });
    if (!ok) return;
    try {
      await api.forgetEverything();
      toast("Everything was forgotten");
      // A fresh start: nothing on screen is left from before.
      setTimeout(() => freshStart(), 800);
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

        <Card title="Which models Tofu uses" id="brain" wide>
          {catalogue ? (
            <Brain catalogue={catalogue} onChange={applyCatalogue} onUseServer={useServer} />
          ) : (
            <p class="muted">Loading the catalogue…</p>
          )}
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
          {settings && <RetentionForm key={String(settings.retention.days)} days={settings.retention.days} onSaved={applySettings} />}
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

        <Card title="Logs and diagnostics" id="help" wide>
          <HelpForm logsDir={settings?.logs_dir} />
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
