import { useRef, useState } from "preact/hooks";
import { api } from "../../api";
import { attempt, toast } from "../../lib/toast";

/** Puts `text` on the clipboard: the async Clipboard API where the webview
 * allows it, else the selection of `node` and the older copy command. */
async function copyText(text: string, node: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!node) return false;
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}

/** Where the logs are, a button that opens them, and the diagnostics report
 * (shown before it is shared, so the person sees exactly what goes). */
export function HelpForm({ logsDir }: { logsDir: string | undefined }) {
  const [report, setReport] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pre = useRef<HTMLPreElement>(null);

  const copy = async () => {
    setBusy(true);
    try {
      const text = await attempt(api.diagnostics(), "Could not gather diagnostics");
      if (text == null) return;
      setReport(text);
      // Rendered first, so the fallback has something to select.
      await new Promise((r) => setTimeout(r, 0));
      if (await copyText(text, pre.current)) toast("Diagnostics copied: paste them where you ask for help");
      else toast("Select the report below and copy it", "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="field">
        <span class="field-label">Logs folder</span>
        <code class="path" data-testid="logs-dir">
          {logsDir ?? "…"}
        </code>
        <span class="muted small">What went wrong, one file a day for a week. Never what you said.</span>
      </div>
      <div class="row">
        <button type="button" class="button" data-testid="open-logs" onClick={() => attempt(api.openLogs(), "Could not open the logs folder")}>
          Open logs folder
        </button>
        <button type="button" class="button" data-testid="copy-diagnostics" disabled={busy} onClick={copy}>
          Copy diagnostics
        </button>
      </div>
      {report != null && (
        <pre class="diagnostics" data-testid="diagnostics" ref={pre} tabIndex={0} aria-label="Diagnostics report">
          {report}
        </pre>
      )}
    </>
  );
}
