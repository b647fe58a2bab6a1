import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api";
import type { Turn } from "../../bindings";
import { Icon } from "../../components/Icon";
import { confirmDialog } from "../../lib/confirm";
import { timeOfDay } from "../../lib/format";
import { attempt, toastError } from "../../lib/toast";

// One recording plays at a time, app-wide.
let player: { audio: HTMLAudioElement; url: string } | null = null;

/** Stops the recording that is playing, if any. */
export function stopPlayer() {
  if (!player) return;
  player.audio.pause();
  URL.revokeObjectURL(player.url);
  player = null;
}

async function playTurn(turnId: number) {
  try {
    const buf: ArrayBuffer | number[] = await api.turnAudio(turnId);
    // Raw IPC responses arrive as an ArrayBuffer; a JSON-serialised Vec<u8> as numbers.
    const bytes = Array.isArray(buf) ? new Uint8Array(buf) : buf;
    stopPlayer();
    const url = URL.createObjectURL(new Blob([bytes], { type: "audio/wav" }));
    const audio = new Audio(url);
    player = { audio, url };
    audio.addEventListener("ended", () => player?.url === url && stopPlayer());
    await audio.play();
  } catch (e) {
    toastError(e, "Could not play the recording");
  }
}

const turnText = (t: Turn) => t.corrected_text ?? t.heard_text;

/** One turn of a conversation: who, when, its text; play, correct, revert, delete. */
export function TurnRow({ turn: t, focused, onChanged, onDeleted }: { turn: Turn; focused: boolean; onChanged: (t: Turn) => void; onDeleted: () => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (editing) editor.current?.focus();
  }, [editing]);
  const user = t.speaker === "user";
  const who = user ? "You" : t.persona || "Tofu";

  const correct = async (text: string | null) => {
    setBusy(true);
    try {
      onChanged(await api.correct(t.id, text));
      setEditing(false);
    } catch (e) {
      toastError(e, "Could not save the correction");
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    const ok = await confirmDialog({
      title: "Delete this turn?",
      message: `“${turnText(t).slice(0, 120)}${turnText(t).length > 120 ? "…" : ""}” and its recording will be deleted.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    if (await attempt(api.deleteTurn(t.id), "Could not delete")) onDeleted();
  };

  return (
    <li
      class={`turn ${user ? "turn-user" : "turn-companion"} ${focused ? "highlight" : ""}`}
      data-testid="turn"
      data-turn-id={t.id}
      data-highlighted={focused ? "true" : undefined}
      tabIndex={-1}
    >
      <div class="turn-head">
        <span class="turn-who">{who}</span>
        <span class="turn-time">{timeOfDay(t.started_at)}</span>
        {t.corrected_text != null && (
          <span class="badge" data-testid="corrected-badge" title={`Heard: “${t.heard_text}”`}>
            corrected
          </span>
        )}
        <span class="turn-actions">
          {t.audio_path != null && (
            <button type="button" class="icon-button" data-testid="play" aria-label="Play recording" title="Play recording" onClick={() => playTurn(t.id)}>
              <Icon name="play" size={16} />
            </button>
          )}
          {!editing && (
            <button
              type="button"
              class="icon-button"
              data-testid="edit"
              aria-label="Correct transcript"
              title="Correct transcript"
              onClick={() => {
                setDraft(turnText(t));
                setEditing(true);
              }}
            >
              <Icon name="edit" size={16} />
            </button>
          )}
          {t.corrected_text != null && !editing && (
            <button
              type="button"
              class="icon-button"
              data-testid="revert"
              aria-label="Revert to what was heard"
              title="Revert to what was heard"
              disabled={busy}
              onClick={() => correct(null)}
            >
              <Icon name="undo" size={16} />
            </button>
          )}
          <button type="button" class="icon-button danger-hover" data-testid="delete-turn" aria-label="Delete turn" title="Delete turn" onClick={remove}>
            <Icon name="trash" size={16} />
          </button>
        </span>
      </div>
      {editing ? (
        <form
          class="turn-edit"
          onSubmit={(e) => {
            e.preventDefault();
            correct(draft);
          }}
        >
          <label class="visually-hidden" for={`edit-${t.id}`}>
            Corrected text
          </label>
          <textarea
            id={`edit-${t.id}`}
            data-testid="edit-text"
            rows={3}
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setEditing(false);
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                correct(draft);
              }
            }}
            ref={editor}
          />
          <div class="row">
            <button type="submit" class="button primary small" data-testid="save-correction" disabled={busy || !draft.trim()}>
              Save
            </button>
            <button type="button" class="button small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            {t.corrected_text != null && <span class="muted small">Heard: “{t.heard_text}”</span>}
          </div>
        </form>
      ) : (
        <p class="turn-text">{turnText(t)}</p>
      )}
    </li>
  );
}
