import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { Entry, Settings } from "../bindings";
import { megabytes } from "../lib/format";
import { toast, toastError } from "../lib/toast";
import { Modal } from "./Modal";
import { Orb } from "./Orb";

/** The first-run explanation of what Tofu hears and where it keeps it.
 * `onDone` only once the backend has recorded it (listening starts then);
 * on failure it stays, and Start tries again. */
export function FirstRun({ dataDir, onDone }: { dataDir: string; onDone: (s: Settings) => void }) {
  const [busy, setBusy] = useState(false);
  // A stronger chat model this machine could run: offered, never chosen for the person.
  const [offer, setOffer] = useState<Entry | null>(null);
  const [wantOffer, setWantOffer] = useState(false);
  useEffect(() => {
    api
      .catalogue()
      .then((c) => setOffer(c.entries.find((e) => e.role === "chat" && c.offers.includes(e.name)) ?? null))
      .catch(() => {});
  }, []);
  const upgrade = async (e: Entry) => {
    try {
      toast(`Downloading ${e.name} (${megabytes(e.size)}); Tofu uses the small model until it is ready`);
      await api.fetchModel(e.name);
      await api.useModel("chat", e.name);
      toast(`Tofu now replies with ${e.name}`);
    } catch (err) {
      toastError(err, `Could not set up ${e.name}`);
    }
  };
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
    if (offer && wantOffer) void upgrade(offer);
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
      {offer && (
        <label class="check offer" data-testid="first-run-offer">
          <input type="checkbox" checked={wantOffer} onChange={(e) => setWantOffer(e.currentTarget.checked)} />
          <span>
            This computer can run a bigger brain: <strong>{offer.name}</strong> ({offer.choice?.params} parameters,{" "}
            {megabytes(offer.size)} download, {offer.license}). Download it and use it for replies? You can change this
            any time in Settings.
          </span>
        </label>
      )}
      <div class="dialog-actions">
        <button type="button" class="button primary large" data-testid="first-run-start" data-autofocus disabled={busy} onClick={start}>
          Start
        </button>
      </div>
    </Modal>
  );
}
