import type { Theme } from "../bindings";

/** "system" follows prefers-color-scheme (see styles/base.css). */
export function applyTheme(theme: Theme) {
  document.documentElement.dataset.theme = theme;
}
