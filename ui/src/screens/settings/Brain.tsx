import { useState } from "preact/hooks";
import { api } from "../../api";
import type { Catalogue, Entry, Found, FoundServer, Role } from "../../bindings";
import { megabytes } from "../../lib/format";
import { toast, toastError } from "../../lib/toast";

const ROLES: { role: Role; title: string }[] = [
  { role: "speech", title: "Hearing (speech to text)" },
  { role: "chat", title: "Replies (chat model)" },
];

/** What an entry asks of the machine, in words. */
function needs(e: Entry): string {
  if (!e.choice) return "a file on this computer";
  return `${e.choice.params} · suits ${e.choice.min_cores}+ cores and ${e.choice.min_memory_gb} GB`;
}

/** The "Which models Tofu uses" card: the catalogue of speech and chat models (what suits this machine, which
 * is in use), downloads with progress via the Models table's fetch, and what is already on the machine
 * (found only when asked, used only on a click). */
export function Brain({
  catalogue,
  onChange,
  onUseServer,
}: {
  catalogue: Catalogue;
  onChange: (c: Catalogue) => void;
  onUseServer: (s: FoundServer, model: string) => Promise<void>;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [found, setFound] = useState<Found | null>(null);
  const [looking, setLooking] = useState(false);
  const m = catalogue.machine;

  const use = async (role: Role, name: string | null, download: boolean) => {
    setBusy(name ?? `${role}-default`);
    try {
      if (download && name) await api.fetchModel(name);
      onChange(await api.useModel(role, name));
      toast(name ? `Tofu now uses ${name.split("/").pop()}` : "Back to the default model");
    } catch (e) {
      toastError(e, "Could not switch models");
    } finally {
      setBusy(null);
    }
  };

  const look = async () => {
    setLooking(true);
    try {
      setFound(await api.discover());
    } catch (e) {
      toastError(e, "Could not look for models");
    } finally {
      setLooking(false);
    }
  };

  return (
    <div class="brain" data-testid="brain">
      <p class="muted small" data-testid="machine">
        This computer: {m.cores} cores{m.memory_gb != null ? `, ${Math.round(m.memory_gb)} GB memory` : ""}.
        {catalogue.offers.length > 0 && (
          <>
            {" "}
            It could run <strong>{catalogue.offers.join(" and ")}</strong>: stronger than the defaults, a download away.
          </>
        )}
      </p>
      {ROLES.map(({ role, title }) => (
        <fieldset class="brain-role" key={role}>
          <legend>{title}</legend>
          <ul class="brain-list">
            {catalogue.entries
              .filter((e) => e.role === role)
              .map((e) => {
                const ready = e.status === "installed" || e.status === "file";
                const key = e.choice?.default ? `${role}-default` : e.name;
                const label = e.name.split("/").pop();
                return (
                  <li key={e.name} data-entry={e.name} class={e.chosen ? "chosen" : undefined}>
                    <div>
                      <strong>{label}</strong>
                      {e.choice?.default && <span class="badge">default</span>}
                      {!e.suits_this_machine && <span class="badge warn">needs a bigger machine</span>}
                      <span class="muted small block">
                        {needs(e)} · {megabytes(e.size)} · {e.license}
                        {e.choice && !e.choice.tested_download ? " · from Hugging Face" : ""}
                      </span>
                    </div>
                    {e.chosen ? (
                      <span class="status status-installed">in use</span>
                    ) : (
                      <button
                        type="button"
                        class="button small"
                        data-testid="model-use"
                        disabled={busy !== null}
                        onClick={() => use(role, e.choice?.default ? null : e.name, !ready)}
                      >
                        {busy === key ? "Switching…" : ready ? "Use" : `Download and use`}
                      </button>
                    )}
                  </li>
                );
              })}
          </ul>
          {role === "chat" && !catalogue.entries.some((e) => e.role === "chat" && e.chosen) && (
            <p class="muted small" data-testid="chat-elsewhere">
              Replies come from a model server or Tofu mode now (see Replies above); Use a model here to answer on this
              computer again.
            </p>
          )}
        </fieldset>
      ))}
      <div class="row">
        <button type="button" class="button small subtle" data-testid="discover" disabled={looking} onClick={look}>
          {looking ? "Looking…" : "Look for models already on this computer"}
        </button>
        <span class="muted small">Hugging Face and LM Studio folders, and Ollama, llama-server or LM Studio running here.</span>
      </div>
      {found && (
        <ul class="brain-list" data-testid="found">
          {found.files.length === 0 && found.servers.length === 0 && <li class="muted">Nothing found.</li>}
          {found.files.map((f) => (
            <li key={f.path}>
              <div>
                <strong>{f.path.split("/").pop()}</strong>
                <span class="muted small block">
                  {f.place} · {megabytes(f.size)}
                </span>
              </div>
              <button type="button" class="button small" disabled={busy !== null} onClick={() => use("chat", f.path, false)}>
                Use for replies
              </button>
            </li>
          ))}
          {found.servers.map((s) => (
            <li key={s.endpoint}>
              <div>
                <strong>{s.name}</strong>
                <span class="muted small block">
                  {s.endpoint} · {s.models.length} models
                </span>
              </div>
              {s.models.slice(0, 4).map((model) => (
                <button type="button" class="button small" key={model} disabled={busy !== null} onClick={() => onUseServer(s, model)}>
                  Use {model}
                </button>
              ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
