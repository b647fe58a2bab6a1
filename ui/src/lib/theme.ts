import type { Theme } from "../bindings";

/** "system" follows prefers-color-scheme (see styles.css). */
export function applyTheme(theme: Theme) {
  document.documentElement.dataset.theme = theme;
}
