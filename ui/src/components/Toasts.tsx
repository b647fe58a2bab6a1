import { dismissToast, toasts } from "../lib/toast";
import { useStore } from "../lib/store";
import { Icon } from "./Icon";

export function Toasts() {
  const list = useStore(toasts);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === "error" ? "alert" : "status"} data-testid="toast">
          <span class="toast-text">{t.message}</span>
          <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            <Icon name="x" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
