import { useState } from "preact/hooks";
import { confirmRequest, type ConfirmRequest } from "../lib/confirm";
import { useStore } from "../lib/store";
import { Modal } from "./Modal";

/** Renders the pending confirmDialog() request, if any. */
export function ConfirmHost() {
  const req = useStore(confirmRequest);
  if (!req) return null;
  return <ConfirmBox key={req.title + req.message} req={req} />;
}

function ConfirmBox({ req }: { req: ConfirmRequest }) {
  const [typed, setTyped] = useState("");
  const ok = !req.requireText || typed.trim().toLowerCase() === req.requireText.toLowerCase();
  return (
    <Modal labelledBy="confirm-title" describedBy="confirm-message" onClose={() => req.resolve(false)} testid="confirm-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) req.resolve(true);
        }}
      >
        <h2 id="confirm-title">{req.title}</h2>
        <p id="confirm-message" class="muted">
          {req.message}
        </p>
        {req.requireText && (
          <label class="field">
            <span>
              Type <strong>{req.requireText}</strong> to confirm
            </span>
            <input
              type="text"
              data-testid="confirm-input"
              data-autofocus
              autoComplete="off"
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
            />
          </label>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" data-testid="confirm-cancel" onClick={() => req.resolve(false)} data-autofocus={req.requireText ? undefined : true}>
            Cancel
          </button>
          <button type="submit" class={`button ${req.danger ? "danger" : "primary"}`} data-testid="confirm-ok" disabled={!ok}>
            {req.confirmLabel ?? "OK"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
