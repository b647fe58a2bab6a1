import { render } from "@testing-library/preact";
import type { ComponentChild } from "preact";
import { ConfirmHost } from "../components/ConfirmDialog";
import { Toasts } from "../components/Toasts";

/** Renders a screen with the app-wide hosts (confirm dialogs, toasts) beside it. */
export function renderScreen(ui: ComponentChild) {
  return render(
    <>
      {ui}
      <ConfirmHost />
      <Toasts />
    </>,
  );
}
