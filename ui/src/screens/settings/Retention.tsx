import { useRef, useState } from "preact/hooks";
import { api } from "../../api";
import type { Settings } from "../../bindings";
import { confirmDialog } from "../../lib/confirm";
import { plural } from "../../lib/format";
import { attempt } from "../../lib/toast";

const MAX_DAYS = 3650;

/** How long audio is kept. Applying a shorter time deletes older recordings
 * at once, so it is applied only on "Apply" (or Enter), after a warning.
 * Render it with `key={days}`: a saved change starts it afresh. */
export function RetentionForm({ days, onSaved }: { days: number | null; onSaved: (s: Settings | undefined) => void }) {
  const [limited, setLimited] = useState(days != null);
  const [n, setN] = useState(String(days ?? 30));
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);

  const count = Math.round(Number(n));
  const valid = !limited || (n.trim() !== "" && Number.isFinite(count) && count >= 1 && count <= MAX_DAYS);
  const wanted = limited ? count : null;
  const changed = valid && wanted !== days;

  const apply = async () => {
    if (!changed || busyRef.current) return;
    busyRef.current = true;
    try {
      const shorter = wanted != null && (days == null || wanted < days);
      if (shorter) {
        const ok = await confirmDialog({
          title: "Delete older recordings?",
          message: `Recordings older than ${plural(wanted, "day")} will be deleted now (the text is kept). This cannot be undone.`,
          confirmLabel: "Delete and apply",
          danger: true,
        });
        if (!ok) return;
      }
      setBusy(true);
      onSaved(await attempt(api.setRetention({ days: wanted }), "Could not change how long audio is kept"));
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  };

  return (
    <form
      class="field"
      aria-labelledby="retention-label"
      aria-busy={busy ? "true" : "false"}
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <span class="field-label" id="retention-label">
        Keep recordings
      </span>
      <div class="row">
        <select name="retention" aria-labelledby="retention-label" value={limited ? "days" : "forever"} onChange={(e) => setLimited(e.currentTarget.value === "days")}>
          <option value="forever">Forever</option>
          <option value="days">For a number of days</option>
        </select>
        {limited && (
          <label class="inline-field">
            <input
              type="number"
              name="retention-days"
              aria-label="Days to keep recordings"
              min={1}
              max={MAX_DAYS}
              value={n}
              aria-invalid={valid ? undefined : "true"}
              onInput={(e) => setN(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key !== "Enter") return;
                e.preventDefault();
                apply();
              }}
            />
            <span>days</span>
          </label>
        )}
        <button type="submit" class="button small" data-testid="retention-apply" disabled={!changed || busy}>
          {busy ? "Applying…" : "Apply"}
        </button>
      </div>
      <span class="muted small">Transcripts are kept either way; only the audio is deleted after this time.</span>
    </form>
  );
}
