import type { OrbState } from "../lib/session";

const LABELS: Record<OrbState, string> = {
  idle: "Not listening",
  listening: "Listening",
  hearing: "Hearing you",
  thinking: "Thinking",
  speaking: "Speaking",
};

/** The companion's presence: a soft breathing light whose mood follows the loop. */
export function Orb({ state, size = "large" }: { state: OrbState; size?: "large" | "small" }) {
  return (
    <div class={`orb-wrap orb-${size}`} role="img" aria-label={LABELS[state]}>
      <div class="orb" data-testid="orb" data-state={state}>
        <span class="orb-halo" />
        <span class="orb-core" />
        <span class="orb-shine" />
      </div>
      <p class="orb-caption" aria-live="polite">
        {LABELS[state]}
      </p>
    </div>
  );
}
