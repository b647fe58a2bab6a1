import { useState } from "preact/hooks";
import { api } from "../api";
import type { Settings } from "../bindings";
import { toastError } from "../lib/toast";
import { Modal } from "./Modal";
import { Orb } from "./Orb";

/** The first-run explanation of what Tofu hears and where it keeps it.
 * `onDone` only once the backend has recorded it (listening starts then);
 * on failure it stays, and Start tries again. */
export function FirstRun({ dataDir, onDone }: { dataDir: string; onDone: (s: Settings) => void }) {
  const [busy, setBusy] = useState(false);
  const start = async () => {
    if (busy) return;
    setBusy(true);
    let done: Settings;
    try {
      done = await api.firstRunDone();
    } catch (e) {
      toastError(e, "Could not start");
      setBusy(false);
      return;
    }
    onDone(done);
  };
  return (
    <Modal labelledBy="first-run-title" describedBy="first-run-intro" class="first-run" testid="first-run">
      <div class="first-run-head">
        <Orb state="listening" size="small" />
        <div>
          <h2 id="first-run-title">Hello, I'm Tofu.</h2>
          <p id="first-run-intro" class="muted">
            A companion to talk with — and one that keeps your words to itself.
          </p>
        </div>
      </div>
      <ul class="promises">
        <li>
          <strong>I listen only while the app runs and listening is on.</strong> You can pause me or switch to push-to-talk
          or mute at any time.
        </li>
        <li>
          <strong>Everything stays on this device</strong> — audio, transcripts and what I learn about how you talk — in your
          data folder:
          <code class="path">{dataDir || "…"}</code>
        </li>
        <li>
          <strong>Nothing is sent anywhere</strong> unless you point me at a model server yourself in Settings.
        </li>
        <li>
          <strong>It's yours.</strong> You can review, correct, export and delete anything, any time.
        </li>
      </ul>
      <div class="dialog-actions">
        <button type="button" class="button primary large" data-testid="first-run-start" data-autofocus disabled={busy} onClick={start}>
          Start
        </button>
      </div>
    </Modal>
  );
}
