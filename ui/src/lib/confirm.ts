// In-app confirmation dialogs (the webview's window.confirm is not reliable in Tauri).
import { createStore } from "./store";

export type ConfirmRequest = {
  title: string;
  message: string;
  confirmLabel?: string;
  danger?: boolean;
  /** When set, the person must type this word before confirming. */
  requireText?: string;
  resolve: (ok: boolean) => void;
};

export const confirmRequest = createStore<ConfirmRequest | null>(null);

export function confirmDialog(req: Omit<ConfirmRequest, "resolve">): Promise<boolean> {
  const previous = confirmRequest.get();
  if (previous) previous.resolve(false);
  return new Promise((resolve) => {
    confirmRequest.set({
      ...req,
      resolve: (ok) => {
        confirmRequest.set(null);
        resolve(ok);
      },
    });
  });
}
