// App-wide notices. Errors are announced (role="alert") and stay until dismissed.
import { createStore } from "./store";

export type Toast = { id: number; kind: "info" | "error"; message: string };

export const toasts = createStore<Toast[]>([]);
let nextId = 1;

export function dismissToast(id: number) {
  toasts.set((list) => list.filter((t) => t.id !== id));
}

export function toast(message: string, kind: Toast["kind"] = "info"): number {
  const id = nextId++;
  toasts.set((list) => [...list.filter((t) => t.message !== message), { id, kind, message }].slice(-4));
  if (kind === "info") setTimeout(() => dismissToast(id), 4000);
  return id;
}

/** The message of a rejected `api` call (the backend rejects with a string). */
export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}

export function toastError(e: unknown, context?: string) {
  const text = errorText(e);
  toast(context ? `${context}: ${text}` : text, "error");
}

/** Runs an api call; on failure shows the error as a toast and resolves to undefined. */
export async function attempt<T>(p: Promise<T>, context?: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    toastError(e, context);
    return undefined;
  }
}
