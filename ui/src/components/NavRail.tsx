import type { OrbState } from "../lib/session";
import { Icon, type IconName } from "./Icon";

export type ScreenId = "conversation" | "transcripts" | "personality" | "you" | "settings";

export const SCREENS: { id: ScreenId; label: string; icon: IconName }[] = [
  { id: "conversation", label: "Talk", icon: "chat" },
  { id: "transcripts", label: "Transcripts", icon: "list" },
  { id: "personality", label: "Personality", icon: "spark" },
  { id: "you", label: "You", icon: "person" },
  { id: "settings", label: "Settings", icon: "gear" },
];

export function NavRail({ current, onSelect, orb }: { current: ScreenId; onSelect: (s: ScreenId) => void; orb: OrbState }) {
  return (
    <nav class="rail" aria-label="Screens">
      <div class="rail-brand" aria-hidden="true">
        <span class="rail-dot" data-state={orb} />
        <span class="rail-name">tofu</span>
      </div>
      <ul>
        {SCREENS.map((s, i) => (
          <li key={s.id}>
            <button
              type="button"
              class="rail-button"
              data-testid={`nav-${s.id}`}
              aria-current={current === s.id ? "page" : undefined}
              aria-keyshortcuts={`Alt+${i + 1}`}
              title={`${s.label} (Alt+${i + 1})`}
              onClick={() => onSelect(s.id)}
            >
              <Icon name={s.icon} size={22} />
              <span class="rail-label">{s.label}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
