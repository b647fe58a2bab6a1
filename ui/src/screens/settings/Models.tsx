import type { UnlistenFn } from "@tauri-apps/api/event";
import { useEffect, useState } from "preact/hooks";
import { api, events } from "../../api";
import type { ModelProgress, ModelSummary } from "../../bindings";
import { Icon } from "../../components/Icon";
import { confirmDialog } from "../../lib/confirm";
import { megabytes } from "../../lib/format";
import { quietly } from "../../lib/session";
import { toast, toastError } from "../../lib/toast";

/** The Models card: what is installed, downloads (with progress), deletes and imports. */
export function Models({ models, onChange }: { models: ModelSummary[]; onChange: (m: ModelSummary[]) => void }) {
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
      setImporting(true);
      const models = await api.importWhisper();
      if (models == null) return;
      onChange(models);
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
