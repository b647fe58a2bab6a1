/** Starts the page over (after "forget everything": nothing from before stays on screen). */
export function freshStart() {
  window.location.reload();
}
